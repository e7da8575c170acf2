//! Coverage and bias of the intervals on simulated populations of known size.
//!
//! cargo run --release -p zicht-estimate --example coverage [-- RUNS REPLICATES]
//!
//! For each scenario, draws RUNS populations (default 500) and reports how
//! often each 95% interval covers the true size: the log-normal model
//! interval (SparseMSE), the profile-likelihood interval (Rcapture), the BCa
//! bootstrap with the selection repeated (REPLICATES replicates each,
//! default 200) resampling the estimated population (`--resampling
//! population`) and resampling the observed n (SparseMSE, the default); the mean
//! relative bias of the point estimate; and the same for the covariate
//! model (`--covariates age`) on the table split by a two-level covariate
//! that changes the first list's capture: its total and its strata.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{
    estimate, estimate_covariates, CaptureHistories, CovariateHistories, Method, Options,
    Resampling,
};

/// A closed population of latent classes (share, capture probability per
/// list). Minors (share `minor`) are half as likely to be on list 0, which
/// keeps the lists independent given the class, pooled or not. With
/// `boost > 1`, someone on list 0 is that much likelier to be on list 1
/// (capped at 0.95): the log-linear model with the one term 0:1.
struct Population {
    n: u64,
    classes: Vec<(f64, Vec<f64>)>,
    boost: f64,
    minor: f64,
}

impl Population {
    /// Histories per stratum (adult, minor) and the stratum sizes.
    fn draw(&self, seed: u64) -> ([Vec<u64>; 2], [u64; 2]) {
        let t = self.classes[0].1.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut strata = [vec![0u64; 1 << t], vec![0u64; 1 << t]];
        let mut sizes = [0u64; 2];
        for _ in 0..self.n {
            let minor = usize::from(rng.gen_bool(self.minor));
            let mut u: f64 = rng.gen();
            let p = &self
                .classes
                .iter()
                .find(|(share, _)| {
                    u -= share;
                    u < 0.0
                })
                .unwrap_or(&self.classes[self.classes.len() - 1])
                .1;
            let mut mask = 0usize;
            for (i, &q) in p.iter().enumerate() {
                let q = match i {
                    0 if minor == 1 => q / 2.0,
                    1 if mask & 1 != 0 => (q * self.boost).min(0.95),
                    _ => q,
                };
                if rng.gen::<f64>() < q {
                    mask |= 1 << i;
                }
            }
            sizes[minor] += 1;
            strata[minor][mask] += 1;
        }
        strata[0][0] = 0;
        strata[1][0] = 0;
        (strata, sizes)
    }
}

fn names(t: usize) -> Vec<String> {
    (0..t).map(|i| format!("L{}", i + 1)).collect()
}

#[derive(Default)]
struct Tally {
    runs: u64,
    lognormal: u64,
    profile: u64,
    bca: u64,
    bca_observed: u64,
    bias: f64,
    abs_err: f64,
    cov_runs: u64,
    cov_total: u64,
    cov_strata: u64,
    cov_bias: f64,
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = args.first().copied().unwrap_or(500);
    let reps = args.get(1).copied().unwrap_or(200) as usize;
    let one = |p: &[f64]| vec![(1.0, p.to_vec())];
    let scenarios = [
        (
            "independent, 4 lists, N=2000",
            Population {
                n: 2_000,
                classes: one(&[0.2, 0.25, 0.3, 0.2]),
                boost: 1.0,
                minor: 0.3,
            },
            Method::Stepwise,
        ),
        (
            "L1:L2 dependent, 4 lists, N=3000",
            Population {
                n: 3_000,
                classes: one(&[0.2, 0.25, 0.3, 0.2]),
                boost: 2.0,
                minor: 0.3,
            },
            Method::Stepwise,
        ),
        (
            "latent classes 40/60, 4 lists, N=2000",
            Population {
                n: 2_000,
                classes: vec![
                    (0.4, vec![0.4, 0.45, 0.5, 0.35]),
                    (0.6, vec![0.15, 0.2, 0.25, 0.15]),
                ],
                boost: 1.0,
                minor: 0.3,
            },
            Method::Stepwise,
        ),
        (
            "sparse, 5 lists, N=5000",
            Population {
                n: 5_000,
                classes: one(&[0.05, 0.1, 0.15, 0.08, 0.12]),
                boost: 2.0,
                minor: 0.3,
            },
            Method::Stepwise,
        ),
        (
            "very sparse, 6 lists, N=3000",
            Population {
                n: 3_000,
                classes: one(&[0.03, 0.06, 0.1, 0.04, 0.08, 0.05]),
                boost: 1.0,
                minor: 0.3,
            },
            Method::Stepwise,
        ),
    ];
    println!(
        "{runs} populations per scenario, {reps} bootstrap replicates each; share of 95% intervals covering N; bias = mean(N̂/N − 1)"
    );
    println!(
        "{:<38} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7} | {:>6} {:>6} {:>7}",
        "scenario (stepwise)",
        "lognor",
        "profil",
        "BCa",
        "BCaobs",
        "bias",
        "|err|",
        "cov.N",
        "strata",
        "cov.bias"
    );
    for (name, pop, method) in scenarios {
        let start = Instant::now();
        let mut s = Tally::default();
        let t = pop.classes[0].1.len();
        for seed in 0..runs {
            let (strata, sizes) = pop.draw(seed);
            let truth = (sizes[0] + sizes[1]) as f64;
            let inside =
                |lo: f64, hi: Option<f64>, n: f64| lo <= n && n <= hi.unwrap_or(f64::INFINITY);
            let pooled: Vec<(u32, u64)> = (1..1u32 << t)
                .map(|m| (m, strata[0][m as usize] + strata[1][m as usize]))
                .collect();
            if let Ok(data) = CaptureHistories::from_masks(names(t), pooled) {
                let opts = Options {
                    method,
                    bootstrap: reps,
                    seed,
                    sensitivity: false,
                    ..Options::default()
                };
                if let Ok(r) = estimate(&data, &opts) {
                    s.runs += 1;
                    let c = &r.chosen;
                    s.lognormal += u64::from(inside(
                        c.lognormal_interval.0,
                        Some(c.lognormal_interval.1),
                        truth,
                    ));
                    if let Some(p) = &c.profile {
                        s.profile += u64::from(inside(p.lower, p.upper, truth));
                    }
                    if let Some(b) = &r.bootstrap {
                        s.bca += u64::from(inside(b.lower.unwrap_or(0.0), b.upper, truth));
                    }
                    let fixed_n = Options {
                        resampling: Resampling::Observed,
                        ..opts
                    };
                    if let Ok(Some(b)) = estimate(&data, &fixed_n).map(|r| r.bootstrap) {
                        s.bca_observed += u64::from(inside(b.lower.unwrap_or(0.0), b.upper, truth));
                    }
                    s.bias += r.estimate / truth - 1.0;
                    s.abs_err += (r.estimate / truth - 1.0).abs();
                }
            }
            let h = CovariateHistories::new(
                names(t),
                vec![("age".into(), vec!["adult".into(), "minor".into()])],
                strata.to_vec(),
            )
            .expect("two strata of all patterns");
            if let Ok(r) = estimate_covariates(&h, 0.95) {
                s.cov_runs += 1;
                s.cov_total += u64::from(inside(r.total.lower, Some(r.total.upper), truth));
                for (k, e) in r.strata.iter().enumerate() {
                    s.cov_strata += u64::from(inside(e.lower, Some(e.upper), sizes[k] as f64));
                }
                s.cov_bias += r.total.estimate / truth - 1.0;
            }
        }
        let f = |k: u64, of: u64| k as f64 / of.max(1) as f64;
        println!(
            "{:<38} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>+7.3} {:>7.3} | {:>6.3} {:>6.3} {:>+7.3}   ({}/{} fitted, {:.1?})",
            name,
            f(s.lognormal, s.runs),
            f(s.profile, s.runs),
            f(s.bca, s.runs),
            f(s.bca_observed, s.runs),
            s.bias / s.runs.max(1) as f64,
            s.abs_err / s.runs.max(1) as f64,
            f(s.cov_total, s.cov_runs),
            f(s.cov_strata, 2 * s.cov_runs),
            s.cov_bias / s.cov_runs.max(1) as f64,
            s.runs,
            s.cov_runs,
            start.elapsed()
        );
    }
}
