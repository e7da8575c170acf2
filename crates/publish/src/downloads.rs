use serde::Serialize;
use zicht_contract::{ExportRow, EXPORT_HEADER};
use zicht_ingest::export_row;
use zicht_model::{Catalogue, Cell};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// One cell in the JSON download: the contract's columns, numbers as numbers.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Cell))]
pub struct JsonCell<'a> {
    indicator: &'a str,
    /// ISO 8601: 2020, 2017/2021, 2023-05-15
    period: &'a str,
    /// dim=value pairs joined by ';', sorted by dimension; empty for the total
    breakdown: &'a str,
    #[cfg_attr(feature = "openapi", schema(value_type = zicht_model::Status))]
    status: &'a str,
    /// With exact, rounded and estimate; else null
    #[cfg_attr(feature = "openapi", schema(required = true))]
    value: Option<f64>,
    /// With range and estimate; else null
    #[cfg_attr(feature = "openapi", schema(required = true))]
    lower: Option<f64>,
    /// With below (under this: '<10' is 10), range and estimate; else null
    #[cfg_attr(feature = "openapi", schema(required = true))]
    upper: Option<f64>,
    unit: &'a str,
    source: &'a str,
    footnote: &'a str,
}

/// The JSON download: its cells in the export contract.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CellList))]
pub struct JsonCells<'a> {
    cells: Vec<JsonCell<'a>>,
}

impl<'a> JsonCell<'a> {
    /// A row of the contract with its numbers as numbers: the one mapping
    /// for the whole JSON download and the streamed one.
    fn of(r: &'a ExportRow) -> JsonCell<'a> {
        JsonCell {
            indicator: &r.indicator,
            period: &r.period,
            breakdown: &r.breakdown,
            status: &r.status,
            value: num(&r.value),
            lower: num(&r.lower),
            upper: num(&r.upper),
            unit: &r.unit,
            source: &r.source,
            footnote: &r.footnote,
        }
    }
}

fn num(s: &str) -> Option<f64> {
    zicht_contract::parse_number(s).ok()
}

/// Renders cells in the export contract, one row per cell, in the order given.
pub fn render(
    cells: &[Cell],
    catalogue: &Catalogue,
    format: Format,
) -> Result<Vec<u8>, PublishError> {
    let rows: Vec<ExportRow> = cells.iter().map(|c| export_row(c, catalogue)).collect();
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            w.write_record(EXPORT_HEADER)?;
            for r in &rows {
                w.write_record(r.csv_fields().iter().map(|f| f.as_bytes()))?;
            }
            w.into_inner()
                .map_err(|e| PublishError::Csv(e.into_error().into()))
        }
        Format::Json => {
            let cells: Vec<JsonCell<'_>> = rows.iter().map(JsonCell::of).collect();
            let mut out = serde_json::to_vec_pretty(&JsonCells { cells })?;
            out.push(b'\n');
            Ok(out)
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("cells")?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in EXPORT_HEADER.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            for (i, r) in rows.iter().enumerate() {
                let row = (i + 1) as u32;
                for (c, field) in r.fields().iter().enumerate() {
                    // Numbers stay numbers so a spreadsheet can compute with them.
                    let numeric = matches!(c, 4..=6) && !field.is_empty();
                    match (numeric, num(field)) {
                        (true, Some(v)) => sheet.write_number(row, c as u16, v)?,
                        _ => sheet.write_string(row, c as u16, *field)?,
                    };
                }
            }
            sheet.set_freeze_panes(1, 0)?;
            Ok(book.save_to_buffer()?)
        }
    }
}

/// The CSV or JSON download written a cell at a time, byte for byte what
/// [`render`] makes of the same cells, for exports too large to hold.
/// (XLSX is a zip of the whole sheet: [`render`] it.)
pub struct CellWriter<W: std::io::Write> {
    out: CellOut<W>,
    cells: u64,
}

enum CellOut<W: std::io::Write> {
    // Boxed: the CSV writer's buffer state is large beside a bare writer.
    Csv(Box<csv::Writer<W>>),
    Json(W),
}

impl<W: std::io::Write> CellWriter<W> {
    /// Starts a download in `format`, which is CSV or JSON.
    pub fn new(out: W, format: Format) -> Result<Self, PublishError> {
        let out = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(out);
                w.write_record(EXPORT_HEADER)?;
                CellOut::Csv(Box::new(w))
            }
            Format::Json => CellOut::Json(out),
            Format::Xlsx => {
                return Err(PublishError::Json(serde::ser::Error::custom(
                    "XLSX is written whole: use render",
                )))
            }
        };
        Ok(CellWriter { out, cells: 0 })
    }

    pub fn write(&mut self, cell: &Cell, catalogue: &Catalogue) -> Result<(), PublishError> {
        let r = export_row(cell, catalogue);
        match &mut self.out {
            CellOut::Csv(w) => w.write_record(r.csv_fields().iter().map(|f| f.as_bytes()))?,
            CellOut::Json(w) => {
                let one = serde_json::to_string_pretty(&JsonCell::of(&r))?;
                let lead = if self.cells == 0 {
                    "{\n  \"cells\": [\n"
                } else {
                    ",\n"
                };
                let mut text = String::with_capacity(one.len() + 64);
                text.push_str(lead);
                // Nested two levels deep, as the whole document pretty-prints
                // it; a newline inside a string is escaped, so lines are safe.
                for (i, line) in one.lines().enumerate() {
                    if i > 0 {
                        text.push('\n');
                    }
                    text.push_str("    ");
                    text.push_str(line);
                }
                w.write_all(text.as_bytes())
                    .map_err(serde_json::Error::io)?;
            }
        }
        self.cells += 1;
        Ok(())
    }

    /// How many cells were written.
    pub fn cells(&self) -> u64 {
        self.cells
    }

    /// Ends the document and gives the writer back, flushed.
    pub fn finish(self) -> Result<W, PublishError> {
        match self.out {
            CellOut::Csv(w) => (*w)
                .into_inner()
                .map_err(|e| PublishError::Csv(e.into_error().into())),
            CellOut::Json(mut w) => {
                let tail: &[u8] = if self.cells == 0 {
                    b"{\n  \"cells\": []\n}\n"
                } else {
                    b"\n  ]\n}\n"
                };
                w.write_all(tail)
                    .and_then(|()| w.flush())
                    .map_err(serde_json::Error::io)?;
                Ok(w)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zicht_model::{Footnote, Slug};

    /// A footnote stored before the input check (or typed by an editor)
    /// that a spreadsheet would run comes out of the CSV download inert;
    /// the JSON keeps the text as it is.
    #[test]
    fn a_formula_in_a_stored_text_comes_out_inert() {
        let (monitor, _) = zicht_ingest::embedded_monitor();
        let mut cat = monitor.catalogue.clone();
        let id = Slug::parse("fn-legacy").unwrap();
        cat.footnotes.push(Footnote {
            id: id.clone(),
            text_nl: "\u{200B}=HYPERLINK(\"http://x\",\"klik\")".into(),
            text_en: String::new(),
        });
        let mut cell = monitor.cells[0].cell.clone();
        cell.provenance.footnotes = vec![id];
        let csv = String::from_utf8(render(&[cell.clone()], &cat, Format::Csv).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert!(row[9].starts_with("'\u{200B}=HYPERLINK"), "{csv}");
        assert!(row
            .iter()
            .all(|f| zicht_contract::formula_start(f).is_none()));
        let json = String::from_utf8(render(&[cell], &cat, Format::Json).unwrap()).unwrap();
        assert!(json.contains("\"\u{200B}=HYPERLINK"), "{json}");
    }
}
