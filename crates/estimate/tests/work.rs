//! The default run's work is bounded whatever the counts (issue 14, item 5).
//! Wall time cannot be tested on a shared machine, so the fits, Newton steps
//! and existence programs are counted instead.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{
    estimate, CaptureHistories, Options, BOOTSTRAP_LP_BUDGET, SENSITIVITY_LP_BUDGET,
};

/// Eight lists, a random eighth of the patterns present, counts from 1 to
/// 10¹² (the resampled population reaches 10¹³).
fn random_table(seed: u64) -> CaptureHistories {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t = 8;
    let mut rows: Vec<(u32, u64)> = Vec::new();
    for mask in 1u32..(1 << t) {
        if mask.count_ones() == 1 || rng.gen_bool(0.12) {
            let count = match rng.gen_range(0..4) {
                0 => rng.gen_range(1..10),
                1 => rng.gen_range(1_000..1_000_000),
                _ => rng.gen_range(1_000_000_000..1_000_000_000_000),
            };
            rows.push((mask, count));
        }
    }
    let names = (0..t).map(|i| format!("L{i}")).collect();
    CaptureHistories::from_masks(names, rows).unwrap()
}

#[test]
fn eight_huge_lists_take_bounded_work() {
    let mut estimated = 0;
    for seed in 0..2 {
        let data = random_table(seed);
        let opts = Options::default();
        let Ok(r) = estimate(&data, &opts) else {
            continue;
        };
        estimated += 1;
        eprintln!("seed {seed}: {:?}", r.work);
        let w = r.work;
        let pairs = 28;
        let patterns = r.patterns as u64;
        // Every stepwise run fits at most one model per pair and main
        // effects: the replicates, the jackknife deletions, the headline and
        // the 3 + 8 + 28 stepwise rows of the sensitivity table.
        let stepwise_runs = opts.bootstrap as u64 + patterns + 1 + 40;
        assert!(
            w.fits <= stepwise_runs * (pairs + 1),
            "seed {seed}: {} fits for {stepwise_runs} runs",
            w.fits
        );
        // Newton steps per fit stay few however large the counts.
        assert!(
            w.iterations <= 25 * w.fits,
            "seed {seed}: {} steps for {} fits",
            w.iterations,
            w.fits
        );
        // Existence programs (in six-list units, 64 per eight-list LP): the
        // bootstrap's and the sensitivity table's budgets, each overshot by at
        // most one program per thread and row, and the headline's selection.
        let bound =
            BOOTSTRAP_LP_BUDGET + SENSITIVITY_LP_BUDGET + 64 * 4 + 36 * 8 + 64 * (pairs * pairs);
        assert!(
            w.existence_programs <= bound,
            "seed {seed}: {} units of LP",
            w.existence_programs
        );
        assert!(r.estimate.is_finite() && r.estimate >= r.observed as f64);
    }
    assert!(estimated > 0, "no table could be estimated");
}
