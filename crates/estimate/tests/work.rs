//! The default run's work is bounded whatever the counts (issue 14, item 5).
//! Wall time cannot be tested on a shared machine, so the fits, Newton steps
//! and existence programs are counted instead.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{
    estimate, CaptureHistories, Options, BOOTSTRAP_LP_BUDGET, SEARCH_LP_BUDGET,
    SENSITIVITY_LP_BUDGET,
};

/// Newton steps per fit, on average over a run. Fits start from a
/// neighbouring model's fit or, in the bootstrap, from the observed
/// table's fit of the same model, and a line search crosses the slow
/// stretch near the boundary, so a run averages two to five (before: 15 on
/// huge counts). A two-list table with an overlap of one averages eight,
/// and up to 13.6 when its lists hold 10⁷–10⁹ each (N̂ near 10¹⁶; the two
/// cases in work.proptest-regressions): its replicates' overlaps of 0 to 3
/// move the fit by orders of magnitude, and a saturated model's deviance
/// must reach zero. Such a run is two lists and a few milliseconds; the
/// bound is 16, under the 15–25 a fit the old steps took on huge counts.
/// A fit also stops when its deviance changes by less than the deviance
/// can resolve (ε times the size of its terms): on such counts fits used
/// to wander in the rounding to the iteration limit.
const NEWTON_STEPS_PER_FIT: u64 = 16;

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

/// The fits one default run may make: every stepwise run (the replicates,
/// the observed table once more to start them from, the jackknife
/// deletions, the headline and the 4 + t + t(t − 1)/2 stepwise rows of the
/// sensitivity table) fits main effects and at most one model per pair;
/// up to six lists the sensitivity table adds the all-models search, its
/// winner's refit and the model average's refits.
fn fit_bound(t: u64, bootstrap: u64, patterns: u64) -> u64 {
    let pairs = t * (t - 1) / 2;
    let stepwise_runs = bootstrap + 1 + patterns + 1 + 4 + t + pairs;
    let search = if t <= 6 { (1 << pairs) + 2 + 200 } else { 0 };
    stepwise_runs * (pairs + 1) + search
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Random tables of 2 to 8 lists, any support, counts up to 10⁹: the
    /// work of a default run (fewer replicates, to keep the suite quick;
    /// the bound scales with them) stays within its bound. The Newton steps
    /// per fit are what grew with the counts before (near the boundary each
    /// step gained a factor e), the fits and programs what grew with the
    /// lists and sparsity.
    #[test]
    fn any_table_takes_bounded_work(
        t in 2usize..=8,
        cells in proptest::collection::vec(
            (1u32..256, proptest::prop_oneof![1u64..5, 5u64..1_000, 1_000u64..=1_000_000_000]),
            0..40,
        ),
        singles in proptest::collection::vec(1u64..=1_000_000_000, 8),
    ) {
        let full = (1u32 << t) - 1;
        let mut rows: Vec<(u32, u64)> = (0..t).map(|i| (1u32 << i, singles[i])).collect();
        for (m, c) in cells {
            let mask = 1 + (m - 1) % full;
            if !rows.iter().any(|r| r.0 == mask) {
                rows.push((mask, c));
            }
        }
        let names = (0..t).map(|i| format!("L{i}")).collect();
        let data = CaptureHistories::from_masks(names, rows).unwrap();
        let opts = Options { bootstrap: 200, ..Options::default() };
        let Ok(r) = estimate(&data, &opts) else {
            return Ok(());
        };
        let w = r.work;
        let bound = fit_bound(t as u64, opts.bootstrap as u64, r.patterns as u64);
        proptest::prop_assert!(w.fits <= bound, "{} fits, bound {bound}", w.fits);
        proptest::prop_assert!(
            w.iterations <= NEWTON_STEPS_PER_FIT * w.fits,
            "{} Newton steps for {} fits", w.iterations, w.fits
        );
        let lp_bound = BOOTSTRAP_LP_BUDGET + SENSITIVITY_LP_BUDGET + SEARCH_LP_BUDGET as u64
            + 64 * (4 + 8 + 36 * 8 + 28 * 28);
        proptest::prop_assert!(w.existence_programs <= lp_bound, "{} units of LP", w.existence_programs);
    }
}

/// A case a CI run found: three lists of 10⁴–10⁹, two overlaps of one. A
/// quarter of its fits ran to the iteration limit (19.1 steps per fit on
/// average) and failed, the deviance, near 10⁻³ but a sum of terms near
/// 10¹⁰, changing only in its rounding; now 3.8.
#[test]
fn three_huge_lists_with_overlaps_of_one_take_bounded_work() {
    let rows = vec![
        (1, 787_728_149),
        (2, 26_172),
        (4, 24_062_250),
        (5, 1),
        (6, 1),
    ];
    let names = (0..3).map(|i| format!("L{i}")).collect();
    let data = CaptureHistories::from_masks(names, rows).unwrap();
    let opts = Options {
        bootstrap: 200,
        ..Options::default()
    };
    let r = estimate(&data, &opts).unwrap();
    eprintln!(
        "{:?} {:.2} steps per fit",
        r.work,
        r.work.iterations as f64 / r.work.fits as f64
    );
    assert!(r.work.iterations <= NEWTON_STEPS_PER_FIT * r.work.fits);
}
