//! The workbook: a notes sheet, then a sheet per indicator with the labelled
//! columns, numbers as numbers.
//!
//! Sheet names (Excel allows at most 31 characters, unique regardless of
//! case, and reserves "History"): the notes sheet is `notes`; an indicator's
//! sheet is its id when that has at most 31 characters and is not taken
//! yet; otherwise the id's first 27 characters, `~` and the smallest number
//! from 1 up that makes the name unique (`nr.victims.by_exploitation_f~1`).
//! Names are given in catalogue order over every indicator of the catalogue,
//! so an indicator's sheet has the same name in every workbook made from one
//! catalogue. The notes sheet lists each sheet with its indicator.
//! Ids are ASCII (the identifier rule) and hold none of Excel's forbidden
//! characters (`[]:*?/\`), so no other rule is needed.

use std::collections::HashSet;
use std::io::Cursor;

use zicht_model::{Catalogue, Cell};

use super::codebook::{codebook, CodebookEntry};
use super::labelled::{Fields, Labels, LABELLED_HEADER, NUMBER_COLUMNS};
use super::PublishError;
use crate::xlsx::{Book, Value, XlsxError};
use crate::HashMap;

/// The name of the notes sheet.
pub const NOTES_SHEET: &str = "notes";

/// Excel's limit on a sheet name, in characters.
const SHEET_NAME_MAX: usize = 31;

/// Each indicator's sheet name, by indicator id (see the module's rule).
pub fn sheet_names(cat: &Catalogue) -> HashMap<String, String> {
    let mut taken: HashSet<String> = [NOTES_SHEET, "history"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut names = HashMap::default();
    for ind in &cat.indicators {
        let id = ind.id.as_str();
        let name = if id.len() <= SHEET_NAME_MAX && !taken.contains(&id.to_lowercase()) {
            id.to_owned()
        } else {
            let stem = &id[..id.len().min(SHEET_NAME_MAX - 4)];
            (1..)
                .map(|n| format!("{stem}~{n}"))
                .find(|n| !taken.contains(&n.to_lowercase()))
                .expect("some number is free")
        };
        taken.insert(name.to_lowercase());
        names.insert(id.to_owned(), name);
    }
    names
}

/// The workbook of `cells`: the notes sheet, then one sheet per indicator
/// of the catalogue (only `only` when given), in catalogue order, each with
/// its cells in the order given; an indicator without cells has a sheet
/// with its header only.
pub fn workbook(
    cells: &[Cell],
    catalogue: &Catalogue,
    only: Option<&str>,
) -> Result<Vec<u8>, PublishError> {
    let labels = Labels::new(catalogue);
    let names = sheet_names(catalogue);
    workbook_of(
        cells.iter(),
        catalogue,
        &labels,
        &names,
        &codebook(catalogue),
        only,
    )
}

pub(crate) fn workbook_of<'a>(
    cells: impl Iterator<Item = &'a Cell>,
    cat: &Catalogue,
    labels: &Labels<'_>,
    names: &HashMap<String, String>,
    codebook: &[CodebookEntry],
    only: Option<&str>,
) -> Result<Vec<u8>, PublishError> {
    let mut by_indicator: HashMap<&str, Vec<&Cell>> = HashMap::default();
    for c in cells {
        by_indicator
            .entry(c.indicator.as_str())
            .or_default()
            .push(c);
    }
    workbook_with(cat, names, codebook, only, |id, put| {
        for cell in by_indicator.get(id).map(Vec::as_slice).unwrap_or_default() {
            put(&labels.fields(cell))?;
        }
        Ok(())
    })
}

/// What puts one labelled row into the open sheet.
pub(crate) type PutRow<'p> = dyn FnMut(&Fields<'_>) -> Result<(), XlsxError> + 'p;

/// The workbook of the indicators of `cat` (only `only` when given), each
/// sheet's rows handed over by `rows(indicator id, put)`: the caller
/// decides whether rows are labelled here or were labelled already.
pub(crate) fn workbook_with(
    cat: &Catalogue,
    names: &HashMap<String, String>,
    codebook: &[CodebookEntry],
    only: Option<&str>,
    mut rows: impl FnMut(&str, &mut PutRow<'_>) -> Result<(), XlsxError>,
) -> Result<Vec<u8>, PublishError> {
    let indicators: Vec<_> = cat
        .indicators
        .iter()
        .filter(|i| only.is_none_or(|o| o == i.id.as_str()))
        .collect();
    let sheet_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let sheets: Vec<String> = std::iter::once(NOTES_SHEET.to_owned())
        .chain(indicators.iter().map(|i| sheet_of(i.id.as_str())))
        .collect();
    let sheet_refs: Vec<&str> = sheets.iter().map(String::as_str).collect();
    let mut book = Book::new(Cursor::new(Vec::new()), &sheet_refs)?;

    book.sheet(false)?;
    book.row(&[Value::Heading("zicht: toelichting / notes")])?;
    book.row(&[Value::Text(
        "Elk tabblad na dit is één indicator (zie 'sheet' hieronder); de kolommen, codes en statussen staan hieronder. Afgeschermde en kleine cijfers hebben geen waarde.",
    )])?;
    book.row(&[Value::Text(
        "Each sheet after this one is one indicator (see 'sheet' below); the columns, codes and statuses are listed below. Withheld and small figures have no value.",
    )])?;
    book.row(&[])?;
    let header = [
        "kind",
        "code",
        "sheet",
        "label_nl",
        "label_en",
        "meaning_nl",
        "meaning_en",
    ];
    book.row(&header.map(Value::Heading))?;
    // A workbook of one indicator lists that one: no set of the monitor's
    // thousands of ids for each of thousands of workbooks.
    let shown_all: HashSet<&str> = match only {
        Some(_) => HashSet::new(),
        None => indicators.iter().map(|i| i.id.as_str()).collect(),
    };
    let shown = |code: &str| match only {
        Some(o) => o == code,
        None => shown_all.contains(code),
    };
    // A workbook of one indicator explains its own codes, not the monitor's.
    let dims: Option<HashSet<&str>> = only.map(|_| {
        indicators
            .iter()
            .flat_map(|i| i.dimensions.iter().map(|d| d.as_str()))
            .collect()
    });
    let entries = codebook.iter().filter(|e| match (&dims, e.kind) {
        (None, _) => true,
        (Some(_), "indicator") => shown(e.code.as_str()),
        (Some(d), "dimension") => d.contains(e.code.as_str()),
        (Some(d), "dimension_value") => e
            .code
            .split_once('=')
            .is_some_and(|(dim, _)| d.contains(dim)),
        _ => true,
    });
    for e in entries {
        let sheet = match e.kind {
            "indicator" if shown(e.code.as_str()) => {
                names.get(&e.code).map(String::as_str).unwrap_or("")
            }
            _ => "",
        };
        let fields = [
            e.kind,
            &e.code,
            sheet,
            &e.label_nl,
            &e.label_en,
            &e.meaning_nl,
            &e.meaning_en,
        ];
        book.row(&fields.map(Value::Text))?;
    }

    for ind in indicators {
        book.sheet(true)?;
        book.row(&LABELLED_HEADER.map(Value::Heading))?;
        rows(ind.id.as_str(), &mut |fields| {
            let mut values = [Value::Empty; LABELLED_HEADER.len()];
            for (c, field) in fields.iter().enumerate() {
                let number = NUMBER_COLUMNS
                    .contains(&c)
                    .then(|| zicht_contract::parse_number(field).ok())
                    .flatten();
                values[c] = match number {
                    // Numbers stay numbers so a spreadsheet can compute with them.
                    Some(v) => Value::Number(v),
                    // Text is never run as a formula: it is written inline.
                    None => Value::Text(field),
                };
            }
            book.row(&values)
        })?;
    }
    Ok(book.finish()?.into_inner())
}
