//! The latent-class sampler alone, with its settings on the command line:
//! posterior of N, split R-hat, effective draws and time.
//!
//! cargo run --release -p zicht-estimate --example lcm -- FILE.csv [K BURN_IN THINNING SAMPLES CHAINS SEED]
//!
//! With ZICHT_LCM_TRACE=FILE the kept draws of N go to FILE, a chain a line:
//! how a stuck chain shows.

use std::time::Instant;

use zicht_estimate::{fit_lcm, CaptureHistories, LcmOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("a CSV of capture histories");
    let data = CaptureHistories::parse_csv(&std::fs::read_to_string(path).expect("readable CSV"))
        .expect("capture histories");
    let d = LcmOptions::default();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i)
            .map_or(default, |s| s.parse().expect("a whole number"))
    };
    let opts = LcmOptions {
        classes: arg(2, d.classes),
        burn_in: arg(3, d.burn_in),
        thinning: arg(4, d.thinning),
        samples: arg(5, d.samples),
        chains: arg(6, d.chains),
        seed: arg(7, d.seed as usize) as u64,
        ..d
    };
    let start = Instant::now();
    let r = fit_lcm(&data, &opts).expect("a posterior");
    let took = start.elapsed();
    if let Some(trace) = std::env::var_os("ZICHT_LCM_TRACE") {
        let lines: Vec<String> = r
            .draws
            .iter()
            .map(|c| {
                c.iter()
                    .map(|d| format!("{d:.0}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        std::fs::write(trace, lines.join("\n")).expect("trace written");
    }
    let medians: Vec<String> = r
        .draws
        .iter()
        .map(|c| {
            let mut s = c.clone();
            s.sort_by(f64::total_cmp);
            format!("{:.0}", s[s.len() / 2])
        })
        .collect();
    println!(
        "K={} burn-in {} thinning {} samples {} chains {} seed {}: median {:.0} mean {:.0} [{:.0}, {:.0}] split R-hat {:.3} ESS {:.0} classes {:.1}; chain medians {}; took {:.3} s",
        opts.classes,
        opts.burn_in,
        opts.thinning,
        opts.samples,
        opts.chains,
        opts.seed,
        r.median,
        r.mean,
        r.lower,
        r.upper,
        r.rhat,
        r.ess,
        r.classes_used,
        medians.join(" "),
        took.as_secs_f64()
    );
}
