//! Covariate models: a population whose capture depends on a covariate is
//! estimated per stratum, and the total is the sum of the strata.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zicht_estimate::{estimate_covariates, CovariateHistories};

/// Three lists; list 0 sees adults twice as often as minors, minors are a
/// third of the population.
fn draw(n: u64, seed: u64) -> (CovariateHistories, [f64; 2]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut strata = vec![vec![0u64; 8]; 2];
    let mut sizes = [0.0; 2];
    for _ in 0..n {
        let minor = rng.gen_bool(1.0 / 3.0);
        sizes[usize::from(minor)] += 1.0;
        let p = if minor {
            [0.15, 0.3, 0.25]
        } else {
            [0.3, 0.3, 0.25]
        };
        let mut m = 0;
        for (i, &q) in p.iter().enumerate() {
            if rng.gen_bool(q) {
                m |= 1 << i;
            }
        }
        strata[usize::from(minor)][m] += 1;
    }
    for s in &mut strata {
        s[0] = 0;
    }
    let h = CovariateHistories::new(
        vec!["A".into(), "B".into(), "C".into()],
        vec![("age".into(), vec!["adult".into(), "minor".into()])],
        strata,
    )
    .unwrap();
    (h, sizes)
}

#[test]
fn strata_add_up_and_cover_the_truth() {
    let (h, sizes) = draw(9_000, 1);
    let r = estimate_covariates(&h, 0.95).unwrap();
    let sum: f64 = r.strata.iter().map(|s| s.estimate).sum();
    assert!((sum - r.total.estimate).abs() < 1e-6 * sum);
    assert!(r.model.contains("A:age"), "{}", r.model);
    let adults = &r.strata[0];
    assert!(
        adults.lower < sizes[0] && sizes[0] < adults.upper,
        "{adults:?} {sizes:?} {}",
        r.model
    );
    assert!(
        r.total.lower < 9_000.0 && 9_000.0 < r.total.upper,
        "{:?}",
        r.total
    );
}

#[test]
fn csv_with_covariate_columns() {
    let text = "A,B,age,sex,count\n1,0,adult,f,30\n0,1,adult,f,20\n1,1,adult,f,10\n1,0,minor,m,12\n0,1,minor,m,9\n1,1,minor,m,4\n";
    let h = CovariateHistories::parse_csv(text, &["age", "sex"]).unwrap();
    let r = estimate_covariates(&h, 0.95).unwrap();
    assert_eq!(r.total.observed, 85);
    assert_eq!(r.strata.len(), 4);
    assert!(r
        .strata
        .iter()
        .any(|s| s.stratum == "age=minor, sex=m" && s.observed == 25));
    assert!(CovariateHistories::parse_csv(text, &["nope"]).is_err());
}

/// Coverage of the 95% intervals over simulated populations.
#[test]
fn covariate_intervals_cover() {
    let runs = 60;
    let (mut total, mut adults) = (0, 0);
    for seed in 0..runs {
        let (h, sizes) = draw(3_000, 100 + seed);
        let r = estimate_covariates(&h, 0.95).unwrap();
        total += usize::from(r.total.lower <= 3_000.0 && 3_000.0 <= r.total.upper);
        let a = &r.strata[0];
        adults += usize::from(a.lower <= sizes[0] && sizes[0] <= a.upper);
    }
    assert!(
        total >= 50 && adults >= 48,
        "total {total}/{runs}, adults {adults}/{runs}"
    );
}
