//! Simulated populations of known size for the property tests and the
//! coverage example.

#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::CaptureHistories;

/// A closed population of `n` people and lists with capture probabilities
/// `p`. With `boost > 1`, someone on list 0 is `boost` times as likely to be
/// on list 1 (capped at 0.95): a pure 0:1 interaction, which is exactly the
/// log-linear model with that one two-list term.
pub struct Scenario {
    pub n: u64,
    pub p: Vec<f64>,
    pub boost: f64,
}

impl Scenario {
    pub fn draw(&self, seed: u64) -> CaptureHistories {
        let t = self.p.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut counts = vec![0u64; 1 << t];
        for _ in 0..self.n {
            let mut mask = 0u32;
            for (i, &p) in self.p.iter().enumerate() {
                let p = if i == 1 && mask & 1 != 0 {
                    (p * self.boost).min(0.95)
                } else {
                    p
                };
                if rng.gen::<f64>() < p {
                    mask |= 1 << i;
                }
            }
            counts[mask as usize] += 1;
        }
        counts[0] = 0;
        let names = (0..t).map(|i| format!("L{}", i + 1)).collect();
        let rows = counts
            .iter()
            .enumerate()
            .skip(1)
            .map(|(m, &c)| (m as u32, c))
            .collect();
        CaptureHistories::from_masks(names, rows).expect("simulated table is valid")
    }
}
