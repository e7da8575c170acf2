//! Coverage of the latent-class model (`lcm`) and of the covariate model on
//! simulated closed populations: independent lists, heterogeneous capture
//! (two latent classes) and sparse tables.
//!
//! cargo run --release -p zicht-estimate --example coverage_models [-- RUNS]
//!
//! RUNS populations per scenario (default 500). The lcm runs use the default
//! sampler (K = 10, burn-in 5,000, thinning 20, 1,000 draws × 4 chains).

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{
    estimate_covariates, fit_lcm, CaptureHistories, CovariateHistories, LcmOptions,
};

/// A population of `n` with a two-level covariate (share `minor`) and two
/// latent classes (share `class_b`); `p[stratum][class][list]`.
struct Population {
    n: u64,
    minor: f64,
    class_b: f64,
    p: [[[f64; 4]; 2]; 2],
}

impl Population {
    fn draw(&self, seed: u64) -> (Vec<Vec<u64>>, [u64; 2]) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut strata = vec![vec![0u64; 16]; 2];
        let mut sizes = [0u64; 2];
        for _ in 0..self.n {
            let s = usize::from(rng.gen_bool(self.minor));
            let c = usize::from(rng.gen_bool(self.class_b));
            sizes[s] += 1;
            let mut m = 0;
            for (i, &q) in self.p[s][c].iter().enumerate() {
                if rng.gen_bool(q) {
                    m |= 1 << i;
                }
            }
            strata[s][m] += 1;
        }
        for st in &mut strata {
            st[0] = 0;
        }
        (strata, sizes)
    }
}

fn lists() -> Vec<String> {
    ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect()
}

fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let indep = [0.2, 0.25, 0.3, 0.2];
    let scenarios = [
        (
            "independent, N=2000",
            Population {
                n: 2_000,
                minor: 0.3,
                class_b: 0.0,
                p: [[indep, indep], [[0.1, 0.25, 0.3, 0.2]; 2]],
            },
        ),
        (
            "heterogeneous (2 classes), N=2000",
            Population {
                n: 2_000,
                minor: 0.3,
                class_b: 0.6,
                p: [
                    [[0.4, 0.45, 0.5, 0.35], [0.15, 0.2, 0.25, 0.15]],
                    [[0.2, 0.45, 0.5, 0.35], [0.08, 0.2, 0.25, 0.15]],
                ],
            },
        ),
        (
            "sparse, N=3000",
            Population {
                n: 3_000,
                minor: 0.3,
                class_b: 0.0,
                p: [[[0.05, 0.1, 0.08, 0.06]; 2], [[0.025, 0.1, 0.08, 0.06]; 2]],
            },
        ),
    ];
    println!("{runs} populations per scenario; share of 95% intervals covering the true N");
    println!(
        "{:<36} {:>8} {:>8} {:>10} {:>10} {:>10}",
        "scenario", "lcm", "lcm ok", "cov total", "cov strata", "cov ok"
    );
    for (name, pop) in scenarios {
        let start = Instant::now();
        let (mut lcm_in, mut lcm_ok, mut tot_in, mut str_in, mut cov_ok) = (0, 0, 0, 0, 0);
        for seed in 0..runs {
            let (strata, sizes) = pop.draw(seed);
            let truth = (sizes[0] + sizes[1]) as f64;
            let pooled: Vec<(u32, u64)> = (1..16u32)
                .map(|m| (m, strata[0][m as usize] + strata[1][m as usize]))
                .collect();
            if let Ok(data) = CaptureHistories::from_masks(lists(), pooled) {
                let opts = LcmOptions {
                    seed,
                    ..LcmOptions::default()
                };
                if let Ok(r) = fit_lcm(&data, &opts) {
                    lcm_ok += 1;
                    lcm_in += usize::from(r.lower <= truth && truth <= r.upper);
                }
            }
            let h = CovariateHistories::new(
                lists(),
                vec![("age".into(), vec!["adult".into(), "minor".into()])],
                strata,
            )
            .expect("two strata of 16 patterns");
            if let Ok(r) = estimate_covariates(&h, 0.95) {
                cov_ok += 1;
                tot_in += usize::from(r.total.lower <= truth && truth <= r.total.upper);
                for (s, e) in r.strata.iter().enumerate() {
                    let t = sizes[s] as f64;
                    str_in += usize::from(e.lower <= t && t <= e.upper);
                }
            }
        }
        let f = |k: usize, of: usize| k as f64 / of.max(1) as f64;
        println!(
            "{:<36} {:>8.3} {:>8} {:>10.3} {:>10.3} {:>10}   ({:.1?})",
            name,
            f(lcm_in, lcm_ok),
            lcm_ok,
            f(tot_in, cov_ok),
            f(str_in, 2 * cov_ok),
            cov_ok,
            start.elapsed()
        );
    }
}
