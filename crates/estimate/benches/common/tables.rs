//! Random worst-case tables for the timing of default runs (issue 14,
//! item 5), shared by `benches/estimate.rs` and `examples/worst_case.rs`:
//! `t` lists, a sparse support (each list's singletons and a random share of
//! the other patterns) and counts from 1 to 10¹².

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::CaptureHistories;

pub fn table(t: usize, seed: u64) -> CaptureHistories {
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
