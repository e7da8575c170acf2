//! Coverage of the latent-class model's credible interval on simulated
//! populations of known size: drawn from a latent-class model (the model's
//! own kind of heterogeneity), from independent lists, and sparse.
//!
//! cargo run --release -p zicht-estimate --example coverage_lcm [-- RUNS]
//!
//! Prints per scenario how often the 95% interval holds the true size, the
//! relative bias and mean absolute relative error of the posterior median,
//! the mean relative width of the interval, how many runs warned (R-hat or
//! effective draws) and the time. The sampler runs with its defaults.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{fit_lcm, CaptureHistories, LcmOptions};

/// A closed population of `n` people in classes of the given shares; in
/// class c list j captures with probability `p[c][j]`, independently.
struct Population {
    n: u64,
    shares: Vec<f64>,
    p: Vec<Vec<f64>>,
}

impl Population {
    fn draw(&self, seed: u64) -> CaptureHistories {
        let lists = self.p[0].len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut counts = vec![0u64; 1 << lists];
        for _ in 0..self.n {
            let mut u = rng.gen::<f64>();
            let mut class = self.shares.len() - 1;
            for (c, &s) in self.shares.iter().enumerate() {
                if u < s {
                    class = c;
                    break;
                }
                u -= s;
            }
            let mut mask = 0u32;
            for (j, &p) in self.p[class].iter().enumerate() {
                if rng.gen::<f64>() < p {
                    mask |= 1 << j;
                }
            }
            counts[mask as usize] += 1;
        }
        let names = (0..lists).map(|j| format!("L{}", j + 1)).collect();
        let rows = counts
            .iter()
            .enumerate()
            .skip(1)
            .map(|(m, &c)| (m as u32, c))
            .collect();
        CaptureHistories::from_masks(names, rows).expect("a valid simulated table")
    }
}

fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .map_or(500, |a| a.parse().expect("a number of runs"));
    let scenarios = [
        (
            "latent-class: 2 classes, 5 lists, N=2000",
            Population {
                n: 2_000,
                shares: vec![0.7, 0.3],
                p: vec![
                    vec![0.08, 0.12, 0.05, 0.10, 0.15],
                    vec![0.40, 0.35, 0.50, 0.30, 0.45],
                ],
            },
        ),
        (
            "independent: 5 lists, N=2000",
            Population {
                n: 2_000,
                shares: vec![1.0],
                p: vec![vec![0.20, 0.25, 0.30, 0.15, 0.20]],
            },
        ),
        (
            "sparse: 6 lists, N=1000",
            Population {
                n: 1_000,
                shares: vec![1.0],
                p: vec![vec![0.05, 0.08, 0.10, 0.06, 0.12, 0.04]],
            },
        ),
    ];
    let opts = LcmOptions::default();
    println!(
        "{runs} populations per scenario; lcm defaults (K {}, burn-in {}, thinning {}, {} draws x {} chains); 95% intervals",
        opts.classes, opts.burn_in, opts.thinning, opts.samples, opts.chains
    );
    println!(
        "{:<42} {:>8} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "scenario", "coverage", "rel.bias", "rel.err", "rel.width", "warned", "seen"
    );
    for (name, population) in scenarios {
        let start = Instant::now();
        let truth = population.n as f64;
        let (mut inside, mut bias, mut err, mut width, mut warned, mut seen, mut ok) =
            (0u64, 0.0, 0.0, 0.0, 0u64, 0.0, 0u64);
        for seed in 0..runs {
            let data = population.draw(seed);
            let r = match fit_lcm(
                &data,
                &LcmOptions {
                    seed,
                    ..opts.clone()
                },
            ) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("population {seed}: {e}");
                    continue;
                }
            };
            ok += 1;
            inside += (r.lower <= truth && truth <= r.upper) as u64;
            bias += r.median / truth - 1.0;
            err += (r.median / truth - 1.0).abs();
            width += (r.upper - r.lower) / truth;
            warned += !r.warnings.is_empty() as u64;
            seen += data.observed() as f64 / truth;
        }
        let per = |x: f64| x / ok.max(1) as f64;
        println!(
            "{:<42} {:>8.3} {:>+9.3} {:>9.3} {:>9.3} {:>7} {:>9.2}   ({} runs, {:.1?})",
            name,
            per(inside as f64),
            per(bias),
            per(err),
            per(width),
            warned,
            per(seen),
            ok,
            start.elapsed()
        );
    }
}
