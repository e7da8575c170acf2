//! Coverage of the intervals on simulated populations of known size.
//!
//! cargo run --release -p zicht-estimate --example coverage [-- RUNS REPLICATES]
//!
//! For each scenario, draws RUNS populations and reports how often each 95%
//! interval covers the true size: the log-normal model interval (SparseMSE),
//! the profile-likelihood interval (Rcapture) and the BCa bootstrap with the
//! selection repeated (REPLICATES replicates each), resampling the estimated
//! population (the default) and resampling the observed n (SparseMSE).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::Scenario;
use zicht_estimate::{estimate, Method, Options, Resampling};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = args.first().copied().unwrap_or(300);
    let reps = args.get(1).copied().unwrap_or(300) as usize;
    let scenarios = [
        (
            "independent, 3 lists, N=2000",
            Scenario {
                n: 2_000,
                p: vec![0.2, 0.25, 0.3],
                boost: 1.0,
            },
            Method::MainEffects,
        ),
        (
            "independent, 3 lists, N=2000",
            Scenario {
                n: 2_000,
                p: vec![0.2, 0.25, 0.3],
                boost: 1.0,
            },
            Method::Stepwise,
        ),
        (
            "L1:L2 dependent, 4 lists, N=3000",
            Scenario {
                n: 3_000,
                p: vec![0.2, 0.25, 0.3, 0.2],
                boost: 2.0,
            },
            Method::Stepwise,
        ),
        (
            "sparse, 5 lists, N=5000",
            Scenario {
                n: 5_000,
                p: vec![0.05, 0.1, 0.15, 0.08, 0.12],
                boost: 2.0,
            },
            Method::Stepwise,
        ),
    ];
    println!("{runs} populations per scenario, {reps} bootstrap replicates each; 95% intervals");
    println!(
        "{:<34} {:<9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "scenario", "method", "lognormal", "profile", "BCa", "BCa(obs)", "rel.err"
    );
    for (name, sc, method) in scenarios {
        let start = Instant::now();
        let (mut ln, mut pr, mut bca, mut bca_obs, mut err, mut ok) =
            (0u64, 0u64, 0u64, 0u64, 0.0, 0u64);
        let truth = sc.n as f64;
        for seed in 0..runs {
            let data = sc.draw(seed);
            let opts = Options {
                method,
                bootstrap: reps,
                seed,
                sensitivity: false,
                ..Options::default()
            };
            let Ok(r) = estimate(&data, &opts) else {
                continue;
            };
            ok += 1;
            let inside =
                |lo: f64, hi: Option<f64>| lo <= truth && truth <= hi.unwrap_or(f64::INFINITY);
            let c = &r.chosen;
            ln += inside(c.lognormal_interval.0, Some(c.lognormal_interval.1)) as u64;
            if let Some(p) = &c.profile {
                pr += inside(p.lower, p.upper) as u64;
            }
            if let Some(b) = &r.bootstrap {
                bca += inside(b.lower.unwrap_or(0.0), b.upper) as u64;
            }
            let fixed_n = Options {
                resampling: Resampling::Observed,
                ..opts
            };
            if let Ok(Some(b)) = estimate(&data, &fixed_n).map(|r| r.bootstrap) {
                bca_obs += inside(b.lower.unwrap_or(0.0), b.upper) as u64;
            }
            err += (r.estimate / truth - 1.0).abs();
        }
        let f = |k: u64| k as f64 / ok.max(1) as f64;
        println!(
            "{:<34} {:<9} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   ({} fitted, {:.1?})",
            name,
            method.as_str(),
            f(ln),
            f(pr),
            f(bca),
            f(bca_obs),
            err / ok.max(1) as f64,
            ok,
            start.elapsed()
        );
    }
}
