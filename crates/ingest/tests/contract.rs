//! The export contract both ways: any valid cell written as a row and read
//! back is the same cell.

use proptest::prelude::*;
use zicht_contract::{ExportRow, EXPORT_HEADER};
use zicht_ingest::{export_row, parse_export_csv};
use zicht_model::{
    Breakdown, Catalogue, Cell, Dimension, DimensionValue, Figure, Footnote, Frequency, Indicator,
    Organisation, Period, Provenance, Slug, Theme, Unit,
};

fn s(x: &str) -> Slug {
    Slug::parse(x).unwrap()
}

fn catalogue() -> Catalogue {
    let values = |ids: &[&str]| {
        ids.iter()
            .map(|v| DimensionValue {
                id: s(v),
                label_nl: v.to_string(),
                label_en: v.to_string(),
                parent: None,
            })
            .collect()
    };
    Catalogue {
        about: None,
        themes: vec![Theme {
            id: s("t"),
            label_nl: "t".into(),
            label_en: "t".into(),
            min_count: None,
            headline: Vec::new(),
        }],
        organisations: vec![Organisation {
            id: s("comensha"),
            label_nl: "CoMensha".into(),
            label_en: "CoMensha".into(),
        }],
        dimensions: vec![
            Dimension {
                id: s("sex"),
                label_nl: "geslacht".into(),
                label_en: "sex".into(),
                parent: None,
                min_count: None,
                values: values(&["boys", "girls"]),
            },
            Dimension {
                id: s("origin"),
                label_nl: "herkomst".into(),
                label_en: "origin".into(),
                parent: None,
                min_count: None,
                values: values(&["domestic", "foreign"]),
            },
        ],
        footnotes: vec![Footnote {
            id: s("fn-a"),
            text_nl: "Cijfers kleiner dan 10 worden niet exact gedeeld, ook niet \"zo\".".into(),
            text_en: String::new(),
        }],
        indicators: vec![Indicator {
            id: s("victims"),
            theme: s("t"),
            label_nl: "v".into(),
            label_en: "v".into(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: Unit::Count,
            counting_unit: None,
            dimensions: vec![s("sex"), s("origin")],
            // Random parts need not add up in this property.
            exclusive: false,
            // The round trip covers every status, estimates among them.
            estimates: true,
            frequency: Frequency::Year,
            from: None,
            to: None,
            sources: vec![],
            recommendations: vec![],
            min_count: None,
            rounding_base: Some(10),
            zeros_sensitive: None,
            protection: None,
            derived: None,
            registered: None,
        }],
        ..Default::default()
    }
}

fn figure() -> impl Strategy<Value = Figure> {
    // Counts are whole numbers; an estimate of one may carry a fraction,
    // so the plain-number round trip of fractions is covered there.
    let n = (0u32..2_000_000).prop_map(|v| v as f64 / 10.0);
    let whole = (0u32..200_000).prop_map(f64::from);
    prop_oneof![
        whole.clone().prop_map(|value| Figure::Exact { value }),
        (1u32..100).prop_map(|k| Figure::Below { upper: k as f64 }),
        (whole.clone(), whole.clone()).prop_map(|(a, b)| Figure::Range {
            lower: a.min(b),
            upper: a.max(b)
        }),
        (0u32..1000).prop_map(|v| Figure::Rounded {
            value: (v * 10) as f64,
            base: 10.0
        }),
        (n.clone(), n.clone()).prop_map(|(a, b)| Figure::Estimate {
            value: None,
            lower: Some(a.min(b)),
            upper: Some(a.max(b))
        }),
        Just(Figure::Refused),
        Just(Figure::NotAvailable),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    (
        1990i32..2030,
        proptest::option::of(prop_oneof![Just("boys"), Just("girls")]),
        proptest::option::of(prop_oneof![Just("domestic"), Just("foreign")]),
        figure(),
        any::<bool>(),
        "[a-zA-Z ,;\"'éü0-9]{0,30}",
    )
        .prop_map(|(year, sex, origin, figure, footnote, reference)| {
            let mut b = Breakdown::total();
            if let Some(x) = sex {
                b = b.with(s("sex"), s(x));
            }
            if let Some(o) = origin {
                b = b.with(s("origin"), s(o));
            }
            Cell {
                indicator: s("victims"),
                period: Period::year(year),
                breakdown: b,
                figure,
                provenance: Provenance {
                    source: Some(s("comensha")),
                    source_ref: reference.trim().to_owned(),
                    document: None,
                    footnotes: if footnote { vec![s("fn-a")] } else { vec![] },
                    quote: String::new(),
                },
            }
        })
}

fn to_csv(rows: &[ExportRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(EXPORT_HEADER).unwrap();
    for r in rows {
        w.write_record(r.fields()).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

proptest! {
    #[test]
    fn a_cell_written_and_read_back_is_the_same_cell(c in cell()) {
        let cat = catalogue();
        let text = to_csv(&[export_row(&c, &cat)]);
        let (parsed, diags) = parse_export_csv("t.csv", &text, &cat, "2024-01-01T00:00:00Z".parse().unwrap(), None, None);
        prop_assert!(diags.is_empty(), "{}", diags);
        prop_assert_eq!(parsed.cells.len(), 1);
        prop_assert_eq!(&parsed.cells[0].cell, &c);
    }
}

#[test]
fn a_footnote_the_store_does_not_know_gets_a_stable_id() {
    let cat = catalogue();
    let text = "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
                victims,2020,,exact,5,,,count,,Nieuwe voetnoot\n\
                victims,2021,,exact,6,,,count,,Nieuwe voetnoot\n";
    let (parsed, diags) = parse_export_csv(
        "t.csv",
        text,
        &cat,
        "2024-01-01T00:00:00Z".parse().unwrap(),
        None,
        None,
    );
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(parsed.new_footnotes.len(), 1);
    assert_eq!(
        parsed.cells[0].cell.provenance.footnotes,
        parsed.cells[1].cell.provenance.footnotes
    );
}

#[test]
fn every_problem_of_a_file_is_reported_not_just_the_first() {
    let cat = catalogue();
    let text = "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
                victims,2020,,exact,,,,count,,\n\
                victims,20x0,,exact,5,,,count,,\n\
                victims,2021,sex=boys,maybe,5,,,count,,\n\
                victims,2022,,exact,5,,,euro,,\n";
    let (parsed, diags) = parse_export_csv(
        "t.csv",
        text,
        &cat,
        "2024-01-01T00:00:00Z".parse().unwrap(),
        None,
        None,
    );
    assert!(parsed.cells.is_empty());
    let lines: Vec<Option<usize>> = diags.iter().map(|d| d.line).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)], "{diags}");
}
