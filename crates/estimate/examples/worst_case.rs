//! Default runs on random worst-case tables: 2 to 8 lists, sparse supports
//! (a few patterns, many pairs of lists sharing no case), counts from 1 to
//! 10¹². Prints the slowest run per list count; every default run should
//! take under 2 s (issue 14, item 5).
//!
//! cargo run --release -p zicht-estimate --example worst_case [-- TABLES_PER_SIZE | T SEED]

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{estimate, CaptureHistories, Options};

fn table(t: usize, seed: u64) -> CaptureHistories {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let density = [0.05, 0.15, 0.4][rng.gen_range(0..3)];
    let mut rows: Vec<(u32, u64)> = Vec::new();
    for mask in 1u32..(1 << t) {
        if mask.count_ones() == 1 || rng.gen_bool(density) {
            let count = match rng.gen_range(0..4) {
                0 => rng.gen_range(1..5),
                1 => rng.gen_range(5..1_000),
                2 => rng.gen_range(1_000..10_000_000),
                _ => rng.gen_range(10_000_000..1_000_000_000_000),
            };
            rows.push((mask, count));
        }
    }
    let names = (0..t).map(|i| format!("L{i}")).collect();
    CaptureHistories::from_masks(names, rows).expect("valid table")
}

fn main() {
    // `worst_case T SEED`: that one table, with and without the
    // sensitivity table, and the work each did.
    let one: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
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
