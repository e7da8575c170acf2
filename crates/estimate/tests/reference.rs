//! Published figures: SparseMSE 2.0.1 and Rcapture on the UK 2013 data, and
//! the Kosovo 1999 table (references computed with R's glm following the
//! same algorithms).

use std::sync::OnceLock;

use zicht_estimate::{estimate, fit, CaptureHistories, IntervalKind, Method, Options, Report};

const UK: &str = include_str!("data/uk2013.csv");
const KOSOVO: &str = include_str!("data/kosovo1999.csv");

fn uk() -> CaptureHistories {
    CaptureHistories::parse_csv(UK).expect("UK reference data parse")
}

/// The full default analysis of the UK data (stepwise, 1,000 BCa replicates,
/// sensitivity table), computed once and shared: in an unoptimised test
/// build it is the most expensive thing the suite does.
fn uk_report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| estimate(&uk(), &Options::default()).expect("UK report"))
}

fn kosovo() -> CaptureHistories {
    CaptureHistories::parse_csv(KOSOVO).expect("Kosovo data parse")
}

/// Four significant figures, as the issue asks.
fn same4(actual: f64, expected: f64) -> bool {
    let digits = expected.abs().log10().floor() as i32;
    let unit = 10f64.powi(digits - 3);
    (actual / unit).round() == (expected / unit).round()
}

fn assert4(what: &str, actual: f64, expected: f64) {
    assert!(
        same4(actual, expected),
        "{what}: got {actual}, expected {expected} to 4 significant figures"
    );
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn uk_stepwise_matches_sparsemse() {
    let m = fit(&uk(), Method::Stepwise, 0.02, 0.95).unwrap();
    assert_eq!(
        m.interactions,
        ["PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"],
        "same interactions in the same order"
    );
    assert4("stepwise estimate", m.estimate, 11_418.0);
    assert_eq!(m.interval, IntervalKind::LogNormal);
    assert_eq!(m.lower.round(), 9_977.0);
    assert_eq!(m.upper.unwrap().round(), 13_146.0);
    assert_eq!(m.observed, 2_744);
    assert!(m.structural_zeros.is_empty());
}

#[test]
fn uk_main_effects_matches_sparsemse() {
    let m = fit(&uk(), Method::MainEffects, 0.02, 0.95).unwrap();
    assert!(m.interactions.is_empty());
    assert_eq!(m.model, "main effects");
    assert4("main effects", m.estimate, 12_214.0);
}

#[test]
fn uk_bic_matches_rcapture() {
    let m = fit(&uk(), Method::Bic, 0.02, 0.95).unwrap();
    // Rcapture's 12, 13, 25, 35, 36, 45 with LA=1 NG=2 PF=3 GO=4 GP=5 NCA=6.
    assert_eq!(
        sorted(m.interactions.clone()),
        sorted(
            ["LA:NG", "LA:PF", "NG:GP", "PF:GP", "PF:NCA", "GO:GP"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        ),
        "{:?}",
        m.interactions
    );
    assert_eq!(m.interval, IntervalKind::ProfileLikelihood);
    assert4("BIC profile estimate", m.estimate, 12_342.0);
    assert_eq!(m.lower.round(), 10_868.0);
    assert_eq!(m.upper.unwrap().round(), 14_143.0);
    assert!(
        m.poisson_estimate > m.estimate,
        "Poisson N exceeds the multinomial maximum"
    );
    assert_eq!(m.ranking.len(), 5);
    assert_eq!(m.ranking[0].model, m.model);
}

#[test]
fn uk_bca_bootstrap_is_close_to_sparsemse_and_reproducible() {
    let r = uk_report();
    let (lo, hi) = (r.ci_lower.unwrap(), r.ci_upper.unwrap());
    // SparseMSE: 9,267–14,307 with R's generator; across seeds the bounds
    // of 1,000 replicates move by several percent (the lower one sits at the
    // 0.15th percentile), so only closeness is asked.
    assert!((lo / 9_267.0 - 1.0).abs() < 0.10, "BCa lower {lo}");
    assert!((hi / 14_307.0 - 1.0).abs() < 0.10, "BCa upper {hi}");
    assert!(lo < r.estimate && r.estimate < hi);
    let b = r.bootstrap.as_ref().unwrap();
    assert_eq!(b.failed, 0);
    assert!(
        (b.acceleration - (-0.0129)).abs() < 5e-4,
        "jackknife acceleration {}",
        b.acceleration
    );
    assert_eq!(r.ci_method, "bca");

    // Same seed, different thread counts: identical figures.
    let opts = Options {
        sensitivity: false,
        ..Options::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let again = one.install(|| estimate(&uk(), &opts).unwrap());
    assert_eq!(again.ci_lower, r.ci_lower);
    assert_eq!(again.ci_upper, r.ci_upper);
}

#[test]
fn kosovo_stepwise_and_bic() {
    let k = kosovo();
    assert_eq!(k.observed(), 4_400);
    let s = fit(&k, Method::Stepwise, 0.02, 0.95).unwrap();
    assert_eq!(s.interactions, ["B:C", "C:D", "A:C", "A:B", "A:D"]);
    assert4("Kosovo stepwise", s.estimate, 14_342.0);
    assert_eq!(s.lower.round(), 12_541.0);
    assert_eq!(s.upper.unwrap().round(), 16_540.0);
    let m = fit(&k, Method::MainEffects, 0.02, 0.95).unwrap();
    assert4("Kosovo main effects", m.estimate, 7_395.0);
    let b = fit(&k, Method::Bic, 0.02, 0.95).unwrap();
    assert_eq!(
        sorted(b.interactions.clone()),
        sorted(s.interactions.clone())
    );
    assert4("Kosovo BIC (profile)", b.estimate, 14_326.0);
    assert_eq!(b.lower.round(), 12_525.0);
    assert_eq!(b.upper.unwrap().round(), 16_543.0);
}

#[test]
fn two_lists_lincoln_petersen_and_chapman() {
    let d = CaptureHistories::parse_csv("A,B,count\n1,0,40\n0,1,30\n1,1,20\n").unwrap();
    let lp = fit(&d, Method::LincolnPetersen, 0.02, 0.95).unwrap();
    assert!((lp.estimate - 60.0 * 50.0 / 20.0).abs() < 1e-6);
    let st = fit(&d, Method::Stepwise, 0.02, 0.95).unwrap();
    assert!(
        (st.estimate - lp.estimate).abs() < 1e-6,
        "two-list stepwise is main effects"
    );
    let ch = fit(&d, Method::Chapman, 0.02, 0.95).unwrap();
    assert!((ch.estimate - (61.0 * 51.0 / 21.0 - 1.0)).abs() < 1e-9);
    assert!(ch.lower >= 90.0 && ch.lower < ch.estimate && ch.upper.unwrap() > ch.estimate);
    assert_eq!(ch.interval, IntervalKind::ChaoLogNormal);
}

#[test]
fn uk_report_diagnostics() {
    let r = uk_report();
    assert_eq!(r.observed, 2_744);
    assert_eq!(
        r.model,
        "main effects + PF:NCA + LA:NG + NG:GP + LA:PF + PF:GP + GO:GP + NG:GO"
    );
    let sizes: Vec<u64> = r.lists.iter().map(|l| l.cases).collect();
    assert_eq!(sizes, [94, 567, 1102, 807, 336, 102]);
    let empty: Vec<String> = r
        .overlaps
        .iter()
        .filter(|o| o.empty)
        .map(|o| o.lists.join(":"))
        .collect();
    assert_eq!(empty, ["LA:GP", "LA:NCA"]);
    assert!((r.share_observed - 2744.0 / r.estimate).abs() < 1e-12);
    let names: Vec<&str> = r.sensitivity.iter().map(|s| s.scenario.as_str()).collect();
    for want in [
        "main effects",
        "stepwise p < 0.001",
        "stepwise p < 0.02",
        "stepwise p < 0.05",
        "best BIC",
        "without LA",
        "PF and NCA merged",
    ] {
        assert!(names.contains(&want), "sensitivity lacks {want}");
    }
    assert_eq!(r.sensitivity.len(), 5 + 6 + 15);
    let main = r
        .sensitivity
        .iter()
        .find(|s| s.scenario == "main effects")
        .unwrap();
    assert_eq!(main.estimate.unwrap().round(), 12_214.0);
    let bic = r
        .sensitivity
        .iter()
        .find(|s| s.scenario == "best BIC")
        .unwrap();
    assert4("best BIC row", bic.estimate.unwrap(), 12_342.0);
    assert_eq!(bic.lower.unwrap().round(), 10_868.0);
    assert_eq!(bic.upper.unwrap().round(), 14_143.0);
    // JSON carries the contract fields.
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    for key in ["estimate", "ci_lower", "ci_upper", "observed", "model"] {
        assert!(v.get(key).is_some(), "JSON lacks {key}");
    }
}

#[test]
fn strata_are_estimated_separately() {
    let text = format!(
        "stratum,{}\n{}{}",
        UK.lines().next().unwrap(),
        UK.lines()
            .skip(1)
            .map(|l| format!("uk,{l}\n"))
            .collect::<String>(),
        "tiny,1,0,0,0,0,0,5\ntiny,0,1,0,0,0,0,4\n"
    );
    let strata = CaptureHistories::parse_csv_strata(&text, "stratum").unwrap();
    assert_eq!(strata.len(), 2);
    let opts = Options {
        bootstrap: 0,
        sensitivity: false,
        ..Options::default()
    };
    let out = zicht_estimate::estimate_strata(&strata, &opts);
    assert_eq!(out[0].stratum, "uk");
    assert_eq!(out[0].report.as_ref().unwrap().estimate.round(), 11_418.0);
    assert!(out[1].report.is_none());
    assert!(out[1]
        .error
        .as_ref()
        .unwrap()
        .contains("list `PF` has no cases"));
    let text = zicht_estimate::render_strata_text(&out);
    assert!(text.contains("Summary"));
    assert!(text.contains("11,418"));
}

#[test]
fn uk_text_report_snapshot() {
    insta::assert_snapshot!("uk2013_report", uk_report().render_text());
}
