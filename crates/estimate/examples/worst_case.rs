//! Default runs on random worst-case tables: 2 to 8 lists, sparse supports
//! (a few patterns, many pairs of lists sharing no case), counts from 1 to
//! 10¹². Prints the slowest run per list count; every default run should
//! take under 2 s (issue 14, item 5).
//!
//! cargo run --release -p zicht-estimate --example worst_case [-- TABLES_PER_SIZE | T SEED | max TABLES T]
//!
//! `max TABLES T` prints one line, the slowest of TABLES default runs on
//! T-list tables against the 2 s target (`bench/estimate.sh`).
//! `once T SEED [REPLICATES]` makes one default run on that table (for
//! `perf`; fewer replicates for `valgrind --tool=callgrind`).

use std::time::{Duration, Instant};

use zicht_estimate::{estimate, Options};

#[path = "../benches/common/tables.rs"]
mod tables;
use tables::table;

fn main() {
    // `worst_case T SEED`: that one table, with and without the
    // sensitivity table, and the work each did.
    let one: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if std::env::args().nth(1).as_deref() == Some("once") {
        if let [t, seed, ..] = one[..] {
            let data = table(t as usize, 1000 * t + seed);
            let opts = Options {
                bootstrap: one.get(2).map_or(1000, |&b| b as usize),
                ..Options::default()
            };
            let start = Instant::now();
            let r = estimate(&data, &opts);
            println!(
                "{t} lists, seed {seed}: {:.2?}, {:?}",
                start.elapsed(),
                r.map(|r| (r.estimate, r.ci_lower, r.ci_upper, r.work))
            );
            return;
        }
    }
    if std::env::args().nth(1).as_deref() == Some("max") {
        if let [tables, t] = one[..] {
            let (mut worst, mut worst_seed, mut work) = (Duration::ZERO, 0, None);
            for seed in 0..tables {
                let data = table(t as usize, 1000 * t + seed);
                let start = Instant::now();
                let r = estimate(&data, &Options::default());
                let took = start.elapsed();
                if took > worst {
                    (worst, worst_seed, work) = (took, seed, r.ok().map(|r| r.work));
                }
            }
            println!(
                "worst case: {t} lists, counts to 10^12, slowest default run of {tables}: {worst:.2?} (seed {worst_seed}; target 2 s), work {work:?}"
            );
            return;
        }
    }
    if let [t, seed] = one[..] {
        let data = table(t as usize, 1000 * t + seed);
        for sensitivity in [false, true] {
            let opts = Options {
                sensitivity,
                ..Options::default()
            };
            let start = Instant::now();
            let r = estimate(&data, &opts);
            println!(
                "sensitivity {sensitivity}: {:.2?}, {:?}",
                start.elapsed(),
                r.map(|r| r.work)
            );
        }
        return;
    }
    let per: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let mut over = 0;
    for t in 2..=8 {
        let (mut worst, mut worst_seed, mut refused) = (Duration::ZERO, 0, 0);
        for seed in 0..per {
            let data = table(t, 1000 * t as u64 + seed);
            let start = Instant::now();
            let r = estimate(&data, &Options::default());
            let took = start.elapsed();
            refused += u64::from(r.is_err());
            if took > worst {
                (worst, worst_seed) = (took, seed);
            }
            if took > Duration::from_secs(2) {
                over += 1;
                eprintln!("{t} lists, seed {seed}: {took:.2?}");
            }
        }
        println!(
            "{t} lists: {per} tables, slowest {worst:.2?} (seed {worst_seed}), {refused} refused with a reason"
        );
    }
    println!("{over} runs over 2 s");
}
