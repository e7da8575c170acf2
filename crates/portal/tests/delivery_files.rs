//! Rounds, delivery parsing and templates against a small synthetic
//! catalogue.

use std::collections::HashMap;
use std::io::Write;

use proptest::prelude::*;
use zicht_model::{
    Breakdown, Catalogue, Cell, Dimension, DimensionValue, Document, DocumentKind, Figure,
    Frequency, Indicator, Organisation, Period, Provenance, Slug, Theme, Unit,
};
use zicht_portal::{
    check_zip, grid_field, parse_csv, parse_grid, parse_xlsx, template_csv, template_rows,
    template_xlsx, Asked, AskedCell, CellKey, DeliveredCell, Limits, Request, RoundPlan,
};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn indicator(id: &str, unit: Unit, dims: &[&str], from: Option<i32>) -> Indicator {
    Indicator {
        id: slug(id),
        theme: slug("t"),
        label_nl: format!("Label {id}"),
        label_en: format!("Label {id}"),
        definition_nl: String::new(),
        definition_en: String::new(),
        unit,
        counting_unit: None,
        dimensions: dims.iter().map(|d| slug(d)).collect(),
        exclusive: false,
        estimates: false,
        frequency: Frequency::Year,
        from,
        to: None,
        sources: vec![],
        recommendations: vec![],
        min_count: None,
        rounding_base: None,
        zeros_sensitive: None,
        protection: None,
        derived: None,
        registered: None,
    }
}

fn catalogue() -> Catalogue {
    let value = |id: &str| DimensionValue {
        id: slug(id),
        label_nl: id.into(),
        label_en: id.into(),
        parent: None,
    };
    Catalogue {
        about: None,
        themes: vec![Theme {
            id: slug("t"),
            label_nl: "Thema".into(),
            label_en: "Theme".into(),
            min_count: None,
            headline: Vec::new(),
        }],
        documents: vec![
            Document {
                id: slug("ed-2025"),
                kind: DocumentKind::Edition,
                label_nl: "Editie 2025".into(),
                label_en: "Edition 2025".into(),
                publisher: None,
                cutoff: "2025-10-01".parse().unwrap(),
                published: None,
                seed: None,
                embargo: None,
            },
            Document {
                id: slug("report"),
                kind: DocumentKind::Source,
                label_nl: "Rapport".into(),
                label_en: "Report".into(),
                publisher: None,
                cutoff: "2024-01-01".parse().unwrap(),
                published: None,
                seed: None,
                embargo: None,
            },
        ],
        organisations: vec![
            Organisation {
                id: slug("registry"),
                label_nl: "Register".into(),
                label_en: "Registry".into(),
            },
            Organisation {
                id: slug("police"),
                label_nl: "Politie".into(),
                label_en: "Police".into(),
            },
        ],
        dimensions: vec![Dimension {
            id: slug("sex"),
            label_nl: "Geslacht".into(),
            label_en: "Sex".into(),
            parent: None,
            min_count: None,
            values: vec![value("boys"), value("girls")],
        }],
        indicators: vec![
            indicator("victims", Unit::Count, &["sex"], Some(2015)),
            indicator("share", Unit::Percent, &[], None),
        ],
        ..Default::default()
    }
}

fn plan() -> RoundPlan {
    RoundPlan {
        edition: slug("ed-2025"),
        title: "Uitvraag 2025".into(),
        due: "2025-03-31".into(),
        requests: vec![
            Request {
                organisation: slug("registry"),
                indicators: vec![slug("victims")],
                periods: vec![Period::year(2024)],
                breakdowns: vec![
                    Breakdown::total(),
                    Breakdown::parse("sex=boys").unwrap(),
                    Breakdown::parse("sex=girls").unwrap(),
                ],
            },
            Request {
                organisation: slug("police"),
                indicators: vec![slug("share")],
                periods: vec![Period::year(2023), Period::year(2024)],
                breakdowns: vec![],
            },
        ],
    }
}

fn asked_registry() -> Asked {
    let cells = plan().expand(&catalogue()).unwrap();
    Asked::of(&slug("registry"), &cells)
}

fn key(ind: &str, period: i32, breakdown: &str) -> CellKey {
    CellKey {
        indicator: slug(ind),
        period: Period::year(period),
        breakdown: Breakdown::parse(breakdown).unwrap(),
    }
}

#[test]
fn a_plan_expands_to_every_asked_cell_per_organisation() {
    let cells = plan().expand(&catalogue()).unwrap();
    assert_eq!(cells.len(), 5);
    let police: Vec<&AskedCell> = cells
        .iter()
        .filter(|c| c.organisation.as_str() == "police")
        .collect();
    assert_eq!(police.len(), 2);
    assert_eq!(asked_registry().cells.len(), 3);
}

#[test]
fn a_bad_plan_names_every_problem() {
    let mut p = plan();
    p.edition = slug("report");
    p.due = "31-03-2025".into();
    p.title = " ".into();
    p.requests[0].indicators.push(slug("nope"));
    p.requests[0].periods.push(Period::year(2010));
    p.requests[0]
        .breakdowns
        .push(Breakdown::parse("age=0-11").unwrap());
    p.requests[1].organisation = slug("ghost");
    let problems = p.expand(&catalogue()).unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("is a source, not an edition"), "{text:#?}");
    assert!(has("not a day"), "{text:#?}");
    assert!(has("give the round a title"), "{text:#?}");
    assert!(has("unknown indicator 'nope'"), "{text:#?}");
    assert!(has("starts in 2015"), "{text:#?}");
    assert!(has("not broken down by 'age'"), "{text:#?}");
    assert!(has("unknown organisation 'ghost'"), "{text:#?}");
}

const HEADER: &str = "indicator,label,period,breakdown,status,value,lower,upper,reason,previous\n";

#[test]
fn a_csv_delivery_parses_every_status_and_lists_what_is_missing() {
    let csv = format!(
        "{HEADER}victims,,2024,,exact,283,,,,\n\
         victims,,2024,sex=boys,below,,,10,,\n\
         victims,,2024,sex=girls,refused,,,,Het ministerie geeft deze cijfers niet,\n"
    );
    let parsed = parse_csv(
        csv.as_bytes(),
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(parsed.cells.len(), 3);
    assert!(parsed.missing.is_empty());
    let girls = parsed
        .cells
        .iter()
        .find(|c| c.key == key("victims", 2024, "sex=girls"))
        .unwrap();
    assert_eq!(girls.figure, Figure::Refused);
    assert_eq!(
        girls.reason.as_deref(),
        Some("Het ministerie geeft deze cijfers niet")
    );

    let draft = format!("{HEADER}victims,,2024,,,283,,,,\n");
    let parsed = parse_csv(
        draft.as_bytes(),
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(parsed.cells[0].figure, Figure::Exact { value: 283.0 });
    assert_eq!(
        parsed.missing,
        vec![
            key("victims", 2024, "sex=boys"),
            key("victims", 2024, "sex=girls")
        ]
    );
}

#[test]
fn a_csv_delivery_reports_every_problem_with_row_and_column() {
    let csv = format!(
        "{HEADER}victims,,2024,,exact,19.872,,,,\n\
         victims,,2024,sex=boys,refused,,,,,\n\
         victims,,2024,sex=girls,range,,28,7,,\n\
         share,,2024,,exact,50,,,,\n\
         victims,,2024,,exact,3,,,,\n\
         victims,,2024,sex=boys,maybe,,,,,\n"
    );
    let problems = parse_csv(
        csv.as_bytes(),
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    let at = |row: usize, col: Option<&str>| {
        problems
            .iter()
            .find(|p| p.row == Some(row) && p.column.as_deref() == col)
            .unwrap_or_else(|| panic!("no problem at row {row} {col:?}: {problems:#?}"))
    };
    // 19.872 is how a Dutch supplier writes 19872, as `zicht import` says too.
    assert!(at(2, Some("value"))
        .message
        .en
        .contains("'19.872' has Dutch thousands separators: write 19872 without a separator"));
    assert!(at(3, Some("reason")).message.en.contains("needs a reason"));
    assert!(at(4, Some("lower")).message.en.contains("above upper"));
    assert!(at(5, Some("indicator"))
        .message
        .en
        .contains("was not asked of registry"));
    assert!(at(6, None).message.en.contains("also on row 2"));
    assert!(problems
        .iter()
        .all(|p| p.row != Some(7) || p.message.en.contains("also on row")));
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

#[test]
fn numbers_with_commas_formulas_and_negative_counts_are_refused() {
    let csv = format!(
        "{HEADER}victims,,2024,,exact,\"1,5\",,,,\n\
         victims,,2024,sex=boys,exact,-3,,,,\n\
         victims,,2024,sex=girls,refused,,,,=HYPERLINK(\"http://x\"),\n"
    );
    let problems = parse_csv(
        csv.as_bytes(),
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    let msg = |row: usize| {
        problems
            .iter()
            .find(|p| p.row == Some(row))
            .unwrap()
            .to_string()
    };
    assert!(msg(2).contains("decimal separator"), "{}", msg(2));
    assert!(msg(3).contains("never negative"), "{}", msg(3));
    assert!(msg(4).contains("formula"), "{}", msg(4));
}

#[test]
fn semicolons_and_a_bom_as_dutch_spreadsheets_save_them_are_read() {
    let csv = "\u{feff}indicator;label;period;breakdown;status;value;lower;upper;reason;previous\r\nvictims;Slachtoffers;2024;;exact;283;;;;250\r\n";
    let parsed = parse_csv(
        csv.as_bytes(),
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(parsed.cells.len(), 1);
}

#[test]
fn a_header_without_the_columns_and_an_oversized_file_are_refused_whole() {
    let problems = parse_csv(
        b"indicator,period,amount\n",
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(problems
        .iter()
        .any(|p| p.message.en.contains("unknown column 'amount'")));
    assert!(problems
        .iter()
        .any(|p| p.column.as_deref() == Some("status")));
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    let problems =
        parse_csv(HEADER.as_bytes(), &asked_registry(), &catalogue(), &limits).unwrap_err();
    assert!(problems[0].message.en.contains("at most 10"));
    let limits = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    let two = format!("{HEADER}victims,,2024,,exact,1,,,,\nvictims,,2024,sex=boys,exact,1,,,,\n");
    let problems = parse_csv(two.as_bytes(), &asked_registry(), &catalogue(), &limits).unwrap_err();
    assert!(problems[0].message.en.contains("more than 1 rows"));
}

#[test]
fn a_grid_form_gives_the_same_result_as_a_file() {
    let asked = asked_registry();
    let mut form = HashMap::new();
    let total = key("victims", 2024, "");
    let girls = key("victims", 2024, "sex=girls");
    form.insert(grid_field(&total, "status"), "exact".to_owned());
    form.insert(grid_field(&total, "value"), "283".to_owned());
    form.insert(grid_field(&girls, "status"), "not_available".to_owned());
    let parsed = parse_grid(&form, &asked, &catalogue(), &Limits::default()).unwrap();
    let csv = format!(
        "{HEADER}victims,,2024,,exact,283,,,,\nvictims,,2024,sex=girls,not_available,,,,,\n"
    );
    let from_file = parse_csv(csv.as_bytes(), &asked, &catalogue(), &Limits::default()).unwrap();
    assert_eq!(
        (&parsed.cells, &parsed.missing),
        (&from_file.cells, &from_file.missing)
    );
    // Each names where its cells were: a form position, a file's line.
    assert_eq!((parsed.rows, from_file.rows), (vec![1, 3], vec![2, 3]));

    form.insert(grid_field(&girls, "value"), "12".to_owned());
    form.insert(grid_field(&key("share", 2024, ""), "value"), "1".to_owned());
    let problems = parse_grid(&form, &asked, &catalogue(), &Limits::default()).unwrap_err();
    assert!(problems
        .iter()
        .any(|p| p.message.en.contains("not a cell asked of registry")));
    // Girls is the third asked cell: total, boys, girls.
    assert!(problems
        .iter()
        .any(|p| p.row == Some(3) && p.column.as_deref() == Some("value")));
}

fn published() -> Vec<Cell> {
    vec![Cell {
        indicator: slug("victims"),
        period: Period::year(2023),
        breakdown: Breakdown::total(),
        figure: Figure::Exact { value: 250.0 },
        provenance: Provenance::default(),
    }]
}

#[test]
fn templates_hold_exactly_what_is_asked_with_last_years_figure() {
    let asked = asked_registry();
    let rows = template_rows(&asked, &catalogue(), &published(), &[]);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].label, "Label victims");
    assert_eq!(rows[0].previous, "250");
    assert!(rows[1].previous.is_empty());
    // An empty template is a draft with everything missing.
    let p = parse_csv(
        &template_csv(&rows),
        &asked,
        &catalogue(),
        &Limits::default(),
    )
    .unwrap();
    assert!(p.cells.is_empty());
    assert_eq!(p.missing.len(), 3);
    let xlsx = template_xlsx(&rows).unwrap();
    let p = parse_xlsx(&xlsx, &asked, &catalogue(), &Limits::default()).unwrap();
    assert_eq!(p.missing.len(), 3);
}

#[test]
fn the_xlsx_template_has_a_status_list() {
    let rows = template_rows(&asked_registry(), &catalogue(), &published(), &[]);
    let xlsx = template_xlsx(&rows).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(sheet.contains("<dataValidation type=\"list\""), "{sheet}");
    assert!(
        sheet.contains("exact,below,range,rounded,refused,not_available"),
        "{sheet}"
    );
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    // 64 MiB of zeros packs to about 64 KiB: a ratio of about 1000.
    let bomb = zip_of(&[("xl/worksheets/sheet1.xml", vec![0u8; 64 * 1024 * 1024])]);
    assert!(bomb.len() < 200_000);
    let problems = check_zip(&bomb, &Limits::default()).unwrap_err();
    assert!(
        problems[0].message.en.contains("times its size"),
        "{problems:?}"
    );
    let problems =
        parse_xlsx(&bomb, &asked_registry(), &catalogue(), &Limits::default()).unwrap_err();
    assert!(problems[0].message.en.contains("times its size"));

    let many: Vec<(String, Vec<u8>)> = (0..300).map(|i| (format!("f{i}"), vec![1])).collect();
    let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let problems = check_zip(&zip_of(&many), &Limits::default()).unwrap_err();
    assert!(problems[0].message.en.contains("300 parts"));

    let small_limit = Limits {
        max_uncompressed: 1000,
        ..Limits::default()
    };
    let problems = check_zip(&zip_of(&[("a", vec![7u8; 2000])]), &small_limit).unwrap_err();
    assert!(problems[0].message.en.contains("unpacks to"));
    assert!(check_zip(&zip_of(&[("a", vec![7u8; 900])]), &small_limit).is_ok());

    let problems = parse_xlsx(
        b"not a zip",
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(problems[0].message.en.contains("not an XLSX"));
}

/// Any figure a supplier may give, for a cell of a count indicator.
fn figure() -> impl Strategy<Value = (Figure, Option<String>)> {
    // Counts are whole numbers (a fraction of a person is refused).
    let n = (0u32..100_000).prop_map(f64::from);
    prop_oneof![
        n.clone().prop_map(|value| (Figure::Exact { value }, None)),
        n.clone().prop_map(|upper| (Figure::Below { upper }, None)),
        (n.clone(), n.clone()).prop_map(|(a, b)| (
            Figure::Range {
                lower: a.min(b),
                upper: a.max(b)
            },
            None
        )),
        n.clone()
            .prop_map(|value| (Figure::Rounded { value, base: 10.0 }, None)),
        "[A-Za-zé][A-Za-zé ,.;\"']{0,30}"
            .prop_map(|r| (Figure::Refused, Some(r.trim().to_owned()))),
        proptest::option::of("[a-z][a-z ]{0,10}").prop_map(|r| (
            Figure::NotAvailable,
            r.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty())
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_filled_template_parses_back_to_what_was_filled(
        answers in proptest::collection::vec(proptest::option::of(figure()), 3),
    ) {
        let asked = asked_registry();
        let filled: Vec<DeliveredCell> = asked
            .cells
            .iter()
            .zip(&answers)
            .filter_map(|(k, a)| a.clone().map(|(f, r)| DeliveredCell::new(k.clone(), f, r).unwrap()))
            .collect();
        let rows = template_rows(&asked, &catalogue(), &published(), &filled);
        let missing = 3 - filled.len();
        let from_csv = parse_csv(&template_csv(&rows), &asked, &catalogue(), &Limits::default()).unwrap();
        prop_assert_eq!(&from_csv.cells, &filled);
        prop_assert_eq!(from_csv.missing.len(), missing);
        let from_xlsx = parse_xlsx(&template_xlsx(&rows).unwrap(), &asked, &catalogue(), &Limits::default()).unwrap();
        prop_assert_eq!(&from_xlsx.cells, &filled);
        prop_assert_eq!(from_xlsx.missing.len(), missing);
    }

    #[test]
    fn parsing_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let asked = asked_registry();
        let _ = parse_csv(&bytes, &asked, &catalogue(), &Limits::default());
        let _ = parse_xlsx(&bytes, &asked, &catalogue(), &Limits::default());
    }

    #[test]
    fn parsing_never_panics_on_csv_like_text(text in "(indicator,label,period,breakdown,status,value,lower,upper,reason,previous\n)?([a-z0-9=;,.<\" -]{0,20}\n){0,8}") {
        let _ = parse_csv(text.as_bytes(), &asked_registry(), &catalogue(), &Limits::default());
    }
}

#[test]
fn a_damaged_workbook_is_refused_not_a_panic() {
    let rows = template_rows(&asked_registry(), &catalogue(), &published(), &[]);
    let mut xlsx = template_xlsx(&rows).unwrap();
    let mid = xlsx.len() / 2;
    for b in &mut xlsx[mid..mid + 64] {
        *b ^= 0x5a;
    }
    assert!(parse_xlsx(&xlsx, &asked_registry(), &catalogue(), &Limits::default()).is_err());
}

/// A workbook of a few hundred bytes whose used cells span the whole sheet:
/// read as one range it would ask for billions of slots.
#[test]
fn a_sheet_spanning_the_whole_grid_is_refused_without_reading_it_whole() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "indicator").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let far_row = book.save_to_buffer().unwrap();
    let problems = parse_xlsx(
        &far_row,
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(problems[0].message.en.contains("rows"), "{problems:?}");

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "indicator").unwrap();
    sheet.write_string(0, 16_383, "x").unwrap();
    let far_column = book.save_to_buffer().unwrap();
    let problems = parse_xlsx(
        &far_column,
        &asked_registry(),
        &catalogue(),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(problems[0].row, Some(1));
    assert!(problems[0].message.en.contains("columns"), "{problems:?}");
}
