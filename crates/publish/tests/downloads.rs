//! The labelled downloads of the embedded monitor, read back as a user's
//! program would: the CSVs with the csv crate (the Dutch Excel one with `;`),
//! the workbooks with calamine. Their code columns must be the export
//! contract's rows, their labels the catalogue's, their text inert.

use std::collections::{BTreeMap, HashMap, HashSet};

use calamine::{Data, Reader};
use zicht_model::{Catalogue, Cell, Footnote, Instant, Slug};
use zicht_publish::{
    codebook, codebook_csv, codebook_markdown, labelled_csv, render, sheet_names, workbook,
    Dialect, Format, CODEBOOK_HEADER, LABELLED_HEADER, NOTES_SHEET, STATUSES,
};

/// The latest version of every cell of the embedded monitor, and its
/// catalogue.
fn embedded() -> (Catalogue, Vec<Cell>) {
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let mut latest: BTreeMap<String, (Instant, Cell)> = BTreeMap::new();
    for rc in &monitor.cells {
        let key = format!(
            "{} {} {}",
            rc.cell.indicator, rc.cell.period, rc.cell.breakdown
        );
        if latest.get(&key).is_none_or(|(at, _)| *at <= rc.recorded_at) {
            latest.insert(key, (rc.recorded_at, rc.cell.clone()));
        }
    }
    let cells = latest.into_values().map(|(_, c)| c).collect();
    (monitor.catalogue, cells)
}

fn column(name: &str) -> usize {
    LABELLED_HEADER.iter().position(|h| *h == name).unwrap()
}

/// The contract's ten columns, picked out of a labelled row.
fn contract_part(row: &csv::StringRecord) -> Vec<String> {
    zicht_contract::EXPORT_HEADER
        .iter()
        .map(|h| row[column(h)].to_owned())
        .collect()
}

fn read(bytes: &[u8], delimiter: u8) -> Vec<csv::StringRecord> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, LABELLED_HEADER);
    r.records().map(|r| r.unwrap()).collect()
}

#[test]
fn the_labelled_csv_is_the_contract_with_labels_beside_the_codes() {
    let (cat, cells) = embedded();
    let labelled = labelled_csv(&cells, &cat, Dialect::Plain).unwrap();
    let contract = render(&cells, &cat, Format::Csv).unwrap();
    let rows = read(&labelled, b',');
    let mut contract_rows = csv::Reader::from_reader(contract.as_slice());
    let contract_rows: Vec<Vec<String>> = contract_rows
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), cells.len());
    assert!(rows.len() > 100, "the embedded monitor has figures");
    for (row, contract) in rows.iter().zip(&contract_rows) {
        assert_eq!(&contract_part(row), contract);
    }
    let statuses: HashMap<&str, [&str; 4]> =
        STATUSES.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    let mut broken_down = 0;
    for (row, cell) in rows.iter().zip(&cells) {
        let ind = cat.indicator(cell.indicator.as_str()).unwrap();
        assert_eq!(&row[column("indicator_nl")], ind.label_nl);
        assert_eq!(&row[column("indicator_en")], ind.label_en);
        let status = statuses[&row[column("status")]];
        assert_eq!(&row[column("status_nl")], status[0]);
        assert_eq!(&row[column("status_en")], status[1]);
        assert!(!row[column("unit_nl")].is_empty() && !row[column("unit_en")].is_empty());
        for (d, v) in cell.breakdown.pairs() {
            broken_down += 1;
            let dim = cat.dimension(d.as_str()).unwrap();
            let value = dim.value(v.as_str()).unwrap();
            let (nl, en) = (&row[column("breakdown_nl")], &row[column("breakdown_en")]);
            assert!(
                nl.contains(&format!("{}: {}", dim.label_nl, value.label_nl)),
                "{nl}"
            );
            assert!(
                en.contains(&format!("{}: {}", dim.label_en, value.label_en)),
                "{en}"
            );
        }
        if cell.breakdown.is_total() {
            assert_eq!(&row[column("breakdown_en")], "total");
        }
    }
    assert!(broken_down > 0, "some figure is broken down");
}

#[test]
fn dutch_excel_reads_semicolons_decimal_commas_and_a_byte_order_mark() {
    let (cat, cells) = embedded();
    let plain = read(&labelled_csv(&cells, &cat, Dialect::Plain).unwrap(), b',');
    let bytes = labelled_csv(&cells, &cat, Dialect::ExcelNl).unwrap();
    let body = bytes
        .strip_prefix("\u{FEFF}".as_bytes())
        .expect("UTF-8 byte-order mark first");
    assert!(body.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
    let nl = read(body, b';');
    assert_eq!(nl.len(), plain.len());
    let mut decimals = 0;
    for (nl_row, plain_row) in nl.iter().zip(&plain) {
        assert_eq!(nl_row.len(), LABELLED_HEADER.len());
        for (i, (n, p)) in nl_row.iter().zip(plain_row.iter()).enumerate() {
            if ["value", "lower", "upper"].contains(&LABELLED_HEADER[i]) {
                assert!(!n.contains('.'), "a decimal point in {n}");
                if n.contains(',') {
                    decimals += 1;
                }
                // The same number, written the Dutch way.
                let back = (!n.is_empty()).then(|| n.replace(',', ".").parse::<f64>().unwrap());
                let plain = (!p.is_empty()).then(|| p.parse::<f64>().unwrap());
                assert_eq!(back, plain, "{n} vs {p}");
            } else {
                assert_eq!(n, p, "only numbers differ");
            }
        }
    }
    assert!(
        decimals > 0,
        "some figure has decimals, written with a comma"
    );
}

#[test]
fn text_a_spreadsheet_would_run_comes_out_inert_in_every_csv() {
    let (mut cat, cells) = embedded();
    let id = Slug::parse("fn-legacy").unwrap();
    cat.footnotes.push(Footnote {
        id: id.clone(),
        text_nl: "=HYPERLINK(\"http://x\",\"klik\")".into(),
        text_en: "\u{200B}@SUM(A1)".into(),
    });
    cat.indicators[0].label_en = "+cmd|' /C calc'!A0".into();
    let mut cell = cells
        .iter()
        .find(|c| c.indicator == cat.indicators[0].id)
        .unwrap()
        .clone();
    cell.provenance.footnotes = vec![id];
    for (dialect, delimiter) in [(Dialect::Plain, b','), (Dialect::ExcelNl, b';')] {
        let bytes = labelled_csv(std::slice::from_ref(&cell), &cat, dialect).unwrap();
        let body = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
        let rows = read(body, delimiter);
        let row = &rows[0];
        assert!(row[column("footnote")].starts_with("'=HYPERLINK"));
        assert!(row[column("footnote_en")].starts_with("'\u{200B}@SUM"));
        assert!(row[column("indicator_en")].starts_with("'+cmd"));
        for f in row.iter() {
            let number = f.replace(',', ".").parse::<f64>().is_ok();
            assert!(
                number || zicht_contract::formula_start(f).is_none(),
                "{f:?} would run"
            );
        }
    }
    let book = codebook_csv(&cat).unwrap();
    let mut r = csv::Reader::from_reader(book.as_slice());
    for row in r.records() {
        for f in row.unwrap().iter() {
            assert!(
                zicht_contract::formula_start(f).is_none(),
                "{f:?} would run"
            );
        }
    }
}

#[test]
fn the_codebook_names_every_column_status_and_code_in_both_languages() {
    let (cat, _) = embedded();
    let bytes = codebook_csv(&cat).unwrap();
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        CODEBOOK_HEADER
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    let has = |kind: &str, code: &str| {
        rows.iter()
            .find(|r| &r[0] == kind && &r[1] == code)
            .unwrap_or_else(|| {
                panic!("the codebook has no {kind} {code}");
            })
    };
    for c in LABELLED_HEADER {
        let row = has("column", c);
        assert!(
            !row[4].is_empty() && !row[5].is_empty(),
            "column {c} has a meaning"
        );
    }
    for (s, _) in STATUSES {
        let row = has("status", s.as_str());
        assert!((2..6).all(|i| !row[i].is_empty()), "status {s}");
    }
    for s in zicht_model::Status::ALL {
        has("status", s.as_str());
    }
    for i in &cat.indicators {
        assert_eq!(&has("indicator", i.id.as_str())[3], i.label_en);
    }
    for d in &cat.dimensions {
        has("dimension", d.id.as_str());
        for v in &d.values {
            assert_eq!(
                &has("dimension_value", &format!("{}={}", d.id, v.id))[2],
                v.label_nl
            );
        }
    }
    for i in &cat.indicators {
        has("unit", i.export_unit());
    }
    for o in &cat.organisations {
        has("source", o.id.as_str());
    }
    assert_eq!(rows.len(), codebook(&cat).len());

    // The Markdown holds the same, a table row per entry, and a label cannot
    // break its table.
    let mut cat = cat;
    cat.organisations[0].label_en = "A | B <b>".into();
    let md = codebook_markdown(&cat);
    let table_rows = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| code"))
        .count();
    assert_eq!(table_rows, codebook(&cat).len());
    assert!(md.contains("A \\| B &lt;b&gt;"), "{md}");
}

fn sheets(bytes: Vec<u8>) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap()
}

#[test]
fn the_workbook_has_a_notes_sheet_and_a_sheet_per_indicator() {
    let (cat, cells) = embedded();
    let mut book = sheets(workbook(&cells, &cat, None).unwrap());
    let names = book.sheet_names();
    assert_eq!(names[0], NOTES_SHEET);
    assert_eq!(names.len(), cat.indicators.len() + 1);
    let lower: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(
        lower.len(),
        names.len(),
        "names are unique regardless of case"
    );
    assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
    assert!(
        cat.indicators.iter().any(|i| i.id.as_str().len() > 31),
        "the rule is tried on ids too long for a sheet name"
    );

    // The notes sheet says which sheet is which indicator.
    let by_id = sheet_names(&cat);
    let notes = book.worksheet_range(NOTES_SHEET).unwrap();
    let listed: HashMap<String, String> = notes
        .rows()
        .filter(|r| r[0] == "indicator")
        .map(|r| (r[1].to_string(), r[2].to_string()))
        .collect();
    for i in &cat.indicators {
        assert_eq!(listed[i.id.as_str()], by_id[i.id.as_str()]);
    }
    assert!(notes
        .rows()
        .any(|r| r[0] == "status" && r[1] == "suppressed"));

    let mut per_indicator: HashMap<&str, Vec<&Cell>> = HashMap::new();
    for c in &cells {
        per_indicator
            .entry(c.indicator.as_str())
            .or_default()
            .push(c);
    }
    let value = column("value");
    let mut numbers = 0;
    for i in &cat.indicators {
        let range = book.worksheet_range(&by_id[i.id.as_str()]).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
        assert_eq!(header, LABELLED_HEADER);
        let mine = per_indicator.get(i.id.as_str()).map(Vec::len).unwrap_or(0);
        assert_eq!(rows.len() - 1, mine, "{}", i.id);
        for r in &rows[1..] {
            assert_eq!(r[0].to_string(), i.id.as_str());
            match &r[value] {
                Data::Float(_) => numbers += 1,
                Data::Empty => {}
                other => panic!("value {other:?} is not a number"),
            }
        }
    }
    assert!(
        numbers > 100,
        "values are numbers a spreadsheet computes with"
    );

    // One indicator's workbook: its sheet under the same name, its codes.
    let one = &cat.indicators[0];
    let mut book = sheets(workbook(&cells, &cat, Some(one.id.as_str())).unwrap());
    assert_eq!(
        book.sheet_names(),
        [NOTES_SHEET.to_owned(), by_id[one.id.as_str()].clone()]
    );
    let notes = book.worksheet_range(NOTES_SHEET).unwrap();
    let indicators = notes.rows().filter(|r| r[0] == "indicator").count();
    assert_eq!(indicators, 1);
}

#[test]
fn long_ids_get_short_unique_sheet_names_by_one_rule() {
    let (mut cat, _) = embedded();
    let template = cat.indicators[0].clone();
    let long = "a.very.long.indicator.identifier.that.goes.on";
    for id in [
        format!("{long}.one"),
        format!("{long}.two"),
        "notes".to_owned(),
        "exactly.thirty.one.characters.x".to_owned(),
    ] {
        let mut i = template.clone();
        i.id = Slug::parse(&id).unwrap();
        cat.indicators.push(i);
    }
    let names = sheet_names(&cat);
    let stem = &long[..27];
    assert_eq!(names[&format!("{long}.one")], format!("{stem}~1"));
    assert_eq!(names[&format!("{long}.two")], format!("{stem}~2"));
    assert_eq!(names["notes"], "notes~1", "the notes sheet keeps its name");
    assert_eq!(
        names["exactly.thirty.one.characters.x"],
        "exactly.thirty.one.characters.x"
    );
    // And Excel takes them.
    let book = sheets(workbook(&[], &cat, None).unwrap());
    assert_eq!(book.sheet_names().len(), cat.indicators.len() + 1);
}

/// The site's labelled files hold exactly the rows of its contract download,
/// which the release path made: whole, per indicator, and for Dutch Excel.
#[test]
fn the_sites_labelled_files_are_its_public_cells() {
    let (cat, cells) = embedded();
    let site = zicht_publish::site::build(&zicht_publish::site::SiteInput {
        catalogue: cat.clone(),
        cells,
        editions: Vec::new(),
        edition: None,
        now: Instant::from(std::time::SystemTime::now()),
    })
    .unwrap();
    let file = |p: &str| {
        site.files
            .get(p)
            .unwrap_or_else(|| panic!("{p} is not on the site"))
            .as_slice()
    };
    let mut contract = csv::Reader::from_reader(file("downloads/cells.csv"));
    let contract: Vec<Vec<String>> = contract
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let whole = read(file("downloads/labelled.csv"), b',');
    assert_eq!(
        whole.iter().map(contract_part).collect::<Vec<_>>(),
        contract
    );
    let hidden = ["below", "suppressed", "refused", "not_available"];
    assert!(
        whole.iter().any(|r| hidden.contains(&&r[column("status")])),
        "the release hid something"
    );
    for i in &cat.indicators {
        let id = i.id.as_str();
        let mine: Vec<&csv::StringRecord> = whole.iter().filter(|r| &r[0] == id).collect();
        let one = read(file(&format!("downloads/indicator/{id}.csv")), b',');
        assert_eq!(one.iter().collect::<Vec<_>>(), mine, "{id}");
        let nl = file(&format!("downloads/indicator-excel-nl/{id}.csv"));
        let nl = read(nl.strip_prefix("\u{FEFF}".as_bytes()).unwrap(), b';');
        assert_eq!(nl.len(), mine.len(), "{id}");
        for r in nl.iter().filter(|r| hidden.contains(&&r[column("status")])) {
            assert_eq!(&r[column("value")], "", "{id}: {r:?}");
        }
        let mut book = sheets(file(&format!("downloads/indicator/{id}.xlsx")).to_vec());
        let range = book.worksheet_range(&sheet_names(&cat)[id]).unwrap();
        assert_eq!(range.rows().count() - 1, mine.len(), "{id}");
    }
    for p in [
        "downloads/workbook.xlsx",
        "downloads/codebook.csv",
        "downloads/codebook.md",
    ] {
        file(p);
    }
}
