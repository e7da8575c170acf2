//! Templates a supplier fills in: one row per asked cell, with last year's
//! published figure beside it for reference. They parse back with
//! [`crate::parse_csv`] and [`crate::parse_xlsx`].

use std::collections::HashMap;

use zicht_model::{Catalogue, Cell, Figure, FigureParts};

use crate::parse::COLUMNS;
use crate::{Asked, CellKey, DeliveredCell, DELIVERABLE};
use zicht_contract::inert;

/// One row of a template, every field as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub indicator: String,
    pub label: String,
    pub period: String,
    pub breakdown: String,
    pub status: String,
    pub value: String,
    pub lower: String,
    pub upper: String,
    pub reason: String,
    pub previous: String,
}

impl TemplateRow {
    pub fn fields(&self) -> [&str; 10] {
        [
            &self.indicator,
            &self.label,
            &self.period,
            &self.breakdown,
            &self.status,
            &self.value,
            &self.lower,
            &self.upper,
            &self.reason,
            &self.previous,
        ]
    }
}

use zicht_contract::write_optional_number as number;

/// A figure in one reference field: the number where there is one, else
/// what the status says.
pub fn reference_text(f: &Figure) -> String {
    match *f {
        Figure::Exact { value } | Figure::Rounded { value, .. } => number(Some(value)),
        Figure::Below { upper } => format!("<{}", number(Some(upper))),
        Figure::Range { lower, upper } => {
            format!("{}-{}", number(Some(lower)), number(Some(upper)))
        }
        Figure::Estimate { value: Some(v), .. } => format!("~{}", number(Some(v))),
        _ => f.status().to_string(),
    }
}

/// The rows of a template: every asked cell in order, filled with the
/// answers already given (a draft) and last year's published figure of the
/// same indicator and breakdown from `published` (current cells).
pub fn template_rows(
    asked: &Asked,
    catalogue: &Catalogue,
    published: &[Cell],
    filled: &[DeliveredCell],
) -> Vec<TemplateRow> {
    let published: HashMap<(&str, String, String), &Figure> = published
        .iter()
        .map(|c| {
            (
                (
                    c.indicator.as_str(),
                    c.period.to_string(),
                    c.breakdown.to_string(),
                ),
                &c.figure,
            )
        })
        .collect();
    let filled: HashMap<&CellKey, &DeliveredCell> = filled.iter().map(|d| (&d.key, d)).collect();
    asked
        .cells
        .iter()
        .map(|key| {
            let label = catalogue
                .indicator(key.indicator.as_str())
                .map(|i| i.label_nl.clone())
                .unwrap_or_default();
            let previous = key
                .period
                .previous_year()
                .and_then(|p| {
                    published.get(&(
                        key.indicator.as_str(),
                        p.to_string(),
                        key.breakdown.to_string(),
                    ))
                })
                .map(|f| reference_text(f))
                .unwrap_or_default();
            let (status, parts, reason) = match filled.get(key) {
                Some(d) => (
                    d.figure.status().to_string(),
                    d.figure.parts(),
                    d.reason.clone().unwrap_or_default(),
                ),
                None => (String::new(), FigureParts::default(), String::new()),
            };
            TemplateRow {
                indicator: key.indicator.to_string(),
                label,
                period: key.period.to_string(),
                breakdown: key.breakdown.to_string(),
                status,
                value: number(parts.value),
                lower: number(parts.lower),
                upper: number(parts.upper),
                reason,
                previous,
            }
        })
        .collect()
}

/// The template as CSV (UTF-8 with BOM, so spreadsheet programs read the
/// accents right).
pub fn template_csv(rows: &[TemplateRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(COLUMNS);
    for r in rows {
        // Labels, reference figures and reasons: any text a spreadsheet
        // would run is made inert, wherever it came from.
        let _ = w.write_record(r.fields().map(inert).iter().map(|f| f.as_bytes()));
    }
    w.into_inner().unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the XLSX template: {0}")]
pub struct TemplateError(#[from] rust_xlsxwriter::XlsxError);

/// The template as XLSX: numbers as numbers, a list of the statuses a
/// supplier may give in the status column, the reference column read-only
/// in spirit (grey).
pub fn template_xlsx(rows: &[TemplateRow]) -> Result<Vec<u8>, TemplateError> {
    use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("levering")?;
    let bold = Format::new().set_bold();
    let grey = Format::new().set_font_color("#666666");
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        for (c, field) in r.fields().iter().enumerate() {
            let col = c as u16;
            let numeric = matches!(COLUMNS[c], "value" | "lower" | "upper");
            match (numeric, zicht_contract::parse_number(field)) {
                (true, Ok(v)) => {
                    sheet.write_number(row, col, v)?;
                }
                _ if field.is_empty() => {}
                // A string cell is never run as a formula in XLSX.
                _ if COLUMNS[c] == "previous" => {
                    sheet.write_string_with_format(row, col, *field, &grey)?;
                }
                _ => {
                    sheet.write_string(row, col, *field)?;
                }
            }
        }
    }
    let statuses: Vec<&str> = DELIVERABLE.iter().map(|s| s.as_str()).collect();
    let status_col = COLUMNS.iter().position(|c| *c == "status").unwrap_or(4) as u16;
    let last = rows.len().max(1) as u32;
    let validation = DataValidation::new()
        .allow_list_strings(&statuses)?
        .set_error_style(DataValidationErrorStyle::Stop)
        .set_error_message("Choose a status from the list.")?;
    sheet.add_data_validation(1, status_col, last, status_col, &validation)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(book.save_to_buffer()?)
}
