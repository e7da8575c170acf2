//! The simulation study of issue 13: over simulated populations whose size
//! the generator knows, how the estimate from linked histories compares with
//! the estimate from perfect linkage (the generator's own histories).
//!   linkage_study [RUNS] [POPULATION] [LIST_SIZE] [LISTS]
//! Prints, per linkage (perfect; linked at the chosen, the stricter and the
//! looser threshold): coverage of the 95% interval, mean relative bias,
//! and the mean estimate. Estimates: `zicht-estimate` stepwise with its
//! log-normal interval, as the link report uses.

use rayon::prelude::*;
use zicht_linkage::synth::{generate, true_histories, SynthOptions};
use zicht_linkage::{
    candidates, imputed_histories, link, pair_probabilities, pooled_estimate, sensitivity, Clk,
    Encoder, ImputeOptions, LinkOptions, Secret,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(std::env::args().nth(i).map_or(Ok(default), |a| a.parse())?)
    };
    let (runs, population, list_size, lists) =
        (arg(1, 50)?, arg(2, 6_000)?, arg(3, 2_000)?, arg(4, 3)?);
    let names: Vec<String> = (0..lists)
        .map(|l| ((b'a' + l as u8) as char).to_string())
        .collect();
    let opts = zicht_estimate::Options {
        bootstrap: 0,
        sensitivity: false,
        ..zicht_estimate::Options::default()
    };
    let link_opts = LinkOptions::default();
    // Per run: [perfect, strict, chosen, loose] as (estimate, lower, upper).
    let results: Vec<Vec<Option<(f64, f64, f64)>>> = (1..=runs as u64)
        .into_par_iter()
        .map(|seed| {
            let synth = generate(&SynthOptions {
                population,
                lists,
                list_size,
                seed,
                ..SynthOptions::default()
            });
            let encoder = Encoder::new(
                &Secret::new(format!("the suppliers' secret of run {seed}").as_bytes())
                    .expect("long enough"),
            );
            let encoded: Vec<Vec<Clk>> = synth
                .lists
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|r| {
                            encoder
                                .encode(&r.raw())
                                .expect("the generator writes valid records")
                        })
                        .collect()
                })
                .collect();
            let linked = link(&encoded, &link_opts);
            let mut histories = vec![(1.0, true_histories(&synth))];
            histories.extend(linked.histories.iter().cloned());
            let mut out: Vec<Option<(f64, f64, f64)>> = sensitivity(&names, &histories, &opts)
                .into_iter()
                .map(|e| match e.estimate {
                    Ok((n, Some(lo), Some(hi))) => Some((n, lo, hi)),
                    _ => None,
                })
                .collect();
            // Linkage error in the interval: the link decisions imputed
            // from the field model, the estimates pooled (Rubin).
            let records: Vec<Clk> = encoded.iter().flatten().cloned().collect();
            let list_of: Vec<u16> = encoded
                .iter()
                .enumerate()
                .flat_map(|(l, v)| std::iter::repeat_n(l as u16, v.len()))
                .collect();
            let pairs = candidates(&records, &link_opts);
            let pooled = pair_probabilities(&records, &pairs, link_opts.floor, link_opts.seed)
                .and_then(|(_, p)| {
                    let imputed =
                        imputed_histories(&list_of, &pairs, &p, &ImputeOptions::default());
                    pooled_estimate(&names, &imputed, &opts).ok()
                });
            out.push(pooled.map(|p| (p.estimate, p.lower, p.upper)));
            out
        })
        .collect();
    let t = link_opts.threshold;
    let labels = [
        "perfect linkage".to_string(),
        format!("linked at {:.2} (stricter)", t + link_opts.step),
        format!("linked at {t:.2} (chosen)"),
        format!("linked at {:.2} (looser)", t - link_opts.step),
        "imputed linkage (pooled)".to_string(),
    ];
    println!(
        "{runs} populations of {population}; {lists} lists of {list_size} records (generator's error rates)"
    );
    println!(
        "{:<28} {:>9} {:>10} {:>12} {:>8}",
        "histories", "coverage", "rel. bias", "mean N", "failed"
    );
    for (k, label) in labels.iter().enumerate() {
        let ok: Vec<(f64, f64, f64)> = results.iter().filter_map(|r| r[k]).collect();
        let n = population as f64;
        let covered = ok.iter().filter(|(_, lo, hi)| *lo <= n && n <= *hi).count();
        let bias = ok.iter().map(|(e, _, _)| e / n - 1.0).sum::<f64>() / ok.len().max(1) as f64;
        let mean = ok.iter().map(|(e, _, _)| e).sum::<f64>() / ok.len().max(1) as f64;
        println!(
            "{label:<28} {:>8.0}% {:>+9.2}% {mean:>12.0} {:>8}",
            100.0 * covered as f64 / ok.len().max(1) as f64,
            100.0 * bias,
            runs - ok.len()
        );
    }
    Ok(())
}
