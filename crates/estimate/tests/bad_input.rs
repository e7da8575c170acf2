//! Every kind of bad input gets a located, actionable message, never a
//! panic, NaN or infinity.

use zicht_estimate::{estimate, fit, CaptureHistories, Diagnostic, EstimateError, Method, Options};

fn diags(text: &str) -> Vec<Diagnostic> {
    CaptureHistories::parse_csv(text).expect_err("input should be refused")
}

fn quick() -> Options {
    Options {
        bootstrap: 0,
        sensitivity: false,
        ..Options::default()
    }
}

#[test]
fn counts_must_be_non_negative_integers() {
    for (bad, says) in [
        ("-3", "negative"),
        ("2.5", "not a whole number"),
        ("abc", "not a number"),
        ("", "empty"),
        ("1e3", "exponent"),
        ("1.234", "Dutch thousands"),
    ] {
        let d = diags(&format!("A,B,count\n1,0,4\n0,1,{bad}\n1,1,2\n"));
        assert_eq!(d.len(), 1, "{bad}: {d:?}");
        assert_eq!(d[0].line, Some(3), "{bad}");
        assert_eq!(d[0].column.as_deref(), Some("count"));
        assert!(d[0].message.contains(says), "{bad}: {}", d[0].message);
        assert!(d[0].message.contains("write"), "says what to do");
        assert!(d[0].to_string().starts_with("line 3, column `count`"));
    }
}

#[test]
fn list_values_must_be_zero_or_one() {
    let d = diags("A,B,count\n1,2,4\nyes,1,2\n");
    assert_eq!(d.len(), 2);
    assert_eq!((d[0].line, d[0].column.as_deref()), (Some(2), Some("B")));
    assert_eq!((d[1].line, d[1].column.as_deref()), (Some(3), Some("A")));
    assert!(d[0].message.contains("not 0 or 1"));
}

#[test]
fn duplicate_pattern_names_both_lines() {
    let d = diags("A,B,count\n1,0,4\n0,1,2\n1,0,3\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, Some(4));
    assert!(
        d[0].message.contains("already appears on line 2"),
        "{}",
        d[0].message
    );
    assert!(d[0].message.contains("add the counts together"));
    let e = CaptureHistories::new(
        vec!["A".into(), "B".into()],
        vec![(vec![true, false], 1), (vec![true, false], 2)],
    )
    .unwrap_err();
    assert!(matches!(e, EstimateError::DuplicatePattern { .. }));
}

#[test]
fn fewer_than_two_lists() {
    let d = diags("A,count\n1,5\n");
    assert!(
        d[0].message.contains("at least two lists"),
        "{}",
        d[0].message
    );
    let e = CaptureHistories::new(vec!["A".into()], vec![(vec![true], 5)]).unwrap_err();
    assert_eq!(e, EstimateError::TooFewLists { found: 1 });
    assert!(e.to_string().contains("at least two lists"));
}

#[test]
fn header_problems() {
    let d = diags("A,B,n\n1,0,4\n");
    assert!(d[0].message.contains("must be `count`"), "{}", d[0].message);
    let d = diags("count,A,B\n4,1,0\n");
    assert!(
        d[0].message.contains("move it to the end"),
        "{}",
        d[0].message
    );
    let d = diags("A,A,count\n1,0,4\n");
    assert!(d[0].message.contains("appears twice"));
    let d = diags("");
    assert!(d[0].message.contains("empty"));
    let d = diags("A,B,count\n");
    assert!(d[0].message.contains("no data rows"));
    let d = diags("A,B,count\n1,0\n");
    assert_eq!(d[0].line, Some(2));
    assert!(d[0].message.contains("2 fields but the header has 3"));
}

#[test]
fn all_zero_pattern_cannot_be_observed() {
    let d = diags("A,B,count\n0,0,7\n1,1,2\n");
    assert_eq!(d[0].line, Some(2));
    assert!(d[0].message.contains("remove this row"));
    // A zero count for it is harmless.
    assert!(CaptureHistories::parse_csv("A,B,count\n0,0,0\n1,1,2\n1,0,1\n0,1,1\n").is_ok());
}

#[test]
fn list_with_no_cases() {
    let data = CaptureHistories::parse_csv("A,B,C,count\n1,0,0,4\n0,1,0,3\n1,1,0,2\n").unwrap();
    let e = estimate(&data, &quick()).unwrap_err();
    assert_eq!(e, EstimateError::EmptyList { list: "C".into() });
    assert!(e.to_string().contains("Drop the column"));
}

#[test]
fn no_overlap_at_all() {
    let data = CaptureHistories::parse_csv("A,B,C,count\n1,0,0,4\n0,1,0,3\n0,0,1,5\n").unwrap();
    for method in [Method::Stepwise, Method::MainEffects, Method::Bic] {
        let e = fit(&data, method, 0.02, 0.95).unwrap_err();
        assert_eq!(e, EstimateError::NoOverlap);
        let msg = e.to_string();
        assert!(
            msg.contains("merge lists") && msg.contains("Link records"),
            "{msg}"
        );
    }
    let two = CaptureHistories::parse_csv("A,B,count\n1,0,4\n0,1,3\n").unwrap();
    assert_eq!(
        fit(&two, Method::Chapman, 0.02, 0.95).unwrap_err(),
        EstimateError::NoOverlap
    );
}

#[test]
fn method_needs_the_right_number_of_lists() {
    let three =
        CaptureHistories::parse_csv("A,B,C,count\n1,1,0,4\n0,1,1,3\n1,0,1,5\n1,0,0,2\n").unwrap();
    let e = fit(&three, Method::Chapman, 0.02, 0.95).unwrap_err();
    assert!(matches!(e, EstimateError::NeedsTwoLists { found: 3, .. }));
    assert!(e.to_string().contains("merge lists down to two"));
    let names: Vec<String> = (0..7).map(|i| format!("L{i}")).collect();
    let rows: Vec<(u32, u64)> = (1..128u32).map(|m| (m, 3)).collect();
    let seven = CaptureHistories::from_masks(names, rows).unwrap();
    let e = fit(&seven, Method::Bic, 0.02, 0.95).unwrap_err();
    assert!(matches!(
        e,
        EstimateError::TooManyForSearch { found: 7, .. }
    ));
    // Stepwise copes with seven lists.
    let s = fit(&seven, Method::Stepwise, 0.02, 0.95).unwrap();
    assert!(s.estimate.is_finite());
}

#[test]
fn invalid_options() {
    let data = CaptureHistories::parse_csv("A,B,count\n1,0,4\n0,1,3\n1,1,2\n").unwrap();
    for opts in [
        Options {
            threshold: -0.1,
            ..quick()
        },
        Options {
            level: 1.0,
            ..quick()
        },
        Options {
            bootstrap: 10_000_000,
            ..quick()
        },
    ] {
        assert!(matches!(
            estimate(&data, &opts),
            Err(EstimateError::InvalidOption { .. })
        ));
    }
    assert!("nonsense".parse::<Method>().is_err());
}

/// Sparse tables that tempt a naive fit into infinities still give finite
/// figures (or a reason).
#[test]
fn sparse_tables_stay_finite() {
    let cases = [
        // One list overlaps nobody.
        "A,B,C,count\n1,0,0,9\n0,1,0,7\n1,1,0,3\n0,0,1,5\n",
        // Overlaps only through the triple cell.
        "A,B,C,count\n1,0,0,10\n0,1,0,10\n0,0,1,10\n1,1,1,3\n",
        // Tiny counts.
        "A,B,C,D,count\n1,0,0,0,1\n0,1,0,0,1\n0,0,1,0,1\n0,0,0,1,1\n1,1,0,0,1\n",
        // An empty pair among overlapping ones (UK-like).
        "A,B,C,count\n1,0,0,50\n0,1,0,40\n0,0,1,30\n1,0,1,5\n0,1,1,4\n",
    ];
    for text in cases {
        let data = CaptureHistories::parse_csv(text).unwrap();
        for method in [
            Method::Stepwise,
            Method::MainEffects,
            Method::Bic,
            Method::Aic,
        ] {
            match fit(&data, method, 0.02, 0.95) {
                Ok(m) => {
                    assert!(
                        m.estimate.is_finite() && m.estimate >= m.observed as f64,
                        "{text} {method}"
                    );
                    assert!(m.lower.is_finite() && m.lower <= m.estimate + 1e-6);
                    if let Some(u) = m.upper {
                        assert!(u.is_finite() && u >= m.estimate - 1e-6);
                    }
                }
                Err(e) => assert!(e.to_string().len() > 20, "{e}"),
            }
        }
        let r = estimate(
            &data,
            &Options {
                bootstrap: 50,
                ..Options::default()
            },
        );
        if let Ok(r) = r {
            assert!(r.estimate.is_finite());
            let json = r.to_json();
            assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
            assert!(!r.render_text().contains("NaN"));
        }
    }
}
