use serde::Serialize;
use std::io::Cursor;

use crate::xlsx::{Book, Value};
use zicht_contract::{ExportRow, EXPORT_HEADER};
use zicht_ingest::export_row;
use zicht_model::{Catalogue, Cell, Instant};

mod codebook;
mod labelled;
mod workbook;

pub use codebook::{codebook, codebook_csv, codebook_markdown, CodebookEntry, CODEBOOK_HEADER};
pub use labelled::{labelled_csv, Dialect, LABELLED_HEADER, STATUSES};
pub use workbook::{sheet_names, workbook, NOTES_SHEET};

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
    Xlsx(#[from] crate::xlsx::XlsxError),
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

/// What `zicht export --all-versions` adds to the contract's columns, so
/// that versions of one cell can be told apart: the document a version came
/// from (its id; empty when none was named) and when it was recorded (UTC,
/// `YYYY-MM-DDTHH:MM:SSZ`). Not the contract: `zicht import` reads that.
pub const VERSION_COLUMNS: [&str; 2] = ["document", "recorded_at"];

/// The columns of the versions download: the contract's, then
/// [`VERSION_COLUMNS`].
pub const VERSIONS_HEADER: [&str; 12] = zicht_contract::columns(EXPORT_HEADER, VERSION_COLUMNS);

/// One recorded version in the JSON download of versions.
#[derive(Serialize)]
struct JsonVersion<'a> {
    #[serde(flatten)]
    cell: JsonCell<'a>,
    document: &'a str,
    recorded_at: String,
}

impl<'a> JsonVersion<'a> {
    fn of(r: &'a ExportRow, cell: &'a Cell, recorded_at: Instant) -> JsonVersion<'a> {
        JsonVersion {
            cell: JsonCell::of(r),
            document: cell
                .provenance
                .document
                .as_ref()
                .map(|d| d.as_str())
                .unwrap_or(""),
            recorded_at: recorded_at.to_string(),
        }
    }
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
    // A row at a time: the rows of a large monitor are never held together.
    match format {
        Format::Csv | Format::Json => {
            let mut w = CellWriter::new(Vec::new(), format)?;
            for c in cells {
                w.write(c, catalogue)?;
            }
            w.finish()
        }
        Format::Xlsx => {
            let mut book = Book::new(Cursor::new(Vec::new()), &["cells"])?;
            book.sheet(true)?;
            book.row(&EXPORT_HEADER.map(Value::Heading))?;
            for cell in cells {
                let r = export_row(cell, catalogue);
                let fields = r.fields();
                let mut values = [Value::Empty; 10];
                for (c, f) in fields.iter().enumerate() {
                    values[c] = export_value(f, matches!(c, 4..=6));
                }
                book.row(&values)?;
            }
            Ok(book.finish()?.into_inner())
        }
    }
}

/// A field of the export contract in a workbook: the value and its bounds
/// (columns 4 to 6) as numbers, so a spreadsheet can compute with them.
fn export_value(field: &str, numeric: bool) -> Value<'_> {
    match (numeric && !field.is_empty(), num(field)) {
        (true, Some(v)) => Value::Number(v),
        _ => Value::Text(field),
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
        Self::start(out, format, &EXPORT_HEADER)
    }

    /// Starts the download of recorded versions (`zicht export
    /// --all-versions`), CSV or JSON: the contract's columns and
    /// [`VERSION_COLUMNS`]; write it with [`CellWriter::write_version`].
    pub fn versions(out: W, format: Format) -> Result<Self, PublishError> {
        Self::start(out, format, &VERSIONS_HEADER)
    }

    fn start(out: W, format: Format, header: &[&str]) -> Result<Self, PublishError> {
        let out = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(out);
                w.write_record(header)?;
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
            CellOut::Json(_) => self.json_item(&JsonCell::of(&r))?,
        }
        self.cells += 1;
        Ok(())
    }

    /// One recorded version, in a download started with
    /// [`CellWriter::versions`].
    pub fn write_version(
        &mut self,
        cell: &Cell,
        recorded_at: Instant,
        catalogue: &Catalogue,
    ) -> Result<(), PublishError> {
        let r = export_row(cell, catalogue);
        let v = JsonVersion::of(&r, cell, recorded_at);
        match &mut self.out {
            CellOut::Csv(w) => {
                let fields = r.csv_fields();
                let extra = [
                    zicht_contract::inert(v.document),
                    v.recorded_at.as_str().into(),
                ];
                w.write_record(fields.iter().chain(&extra).map(|f| f.as_bytes()))?
            }
            CellOut::Json(_) => self.json_item(&v)?,
        }
        self.cells += 1;
        Ok(())
    }

    /// Appends one element to the JSON document's `cells`: one compact
    /// object per line, so the document stays readable line by line and
    /// half the size of a pretty-printed one (a newline inside a string is
    /// escaped, so a line is always one cell).
    fn json_item<T: Serialize>(&mut self, item: &T) -> Result<(), PublishError> {
        let CellOut::Json(w) = &mut self.out else {
            return Ok(());
        };
        let lead: &[u8] = if self.cells == 0 {
            b"{\"cells\": [\n"
        } else {
            b",\n"
        };
        w.write_all(lead).map_err(serde_json::Error::io)?;
        serde_json::to_writer(&mut *w, item)?;
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
                    b"{\"cells\": []}\n"
                } else {
                    b"\n]}\n"
                };
                w.write_all(tail)
                    .and_then(|()| w.flush())
                    .map_err(serde_json::Error::io)?;
                Ok(w)
            }
        }
    }
}

/// Every recorded version given, with [`VERSIONS_HEADER`]: what
/// [`CellWriter::versions`] writes for CSV and JSON, and for XLSX one sheet
/// `versions` with numbers as numbers.
pub fn render_versions(
    versions: &[(Cell, Instant)],
    catalogue: &Catalogue,
    format: Format,
) -> Result<Vec<u8>, PublishError> {
    if format != Format::Xlsx {
        let mut w = CellWriter::versions(Vec::new(), format)?;
        for (cell, at) in versions {
            w.write_version(cell, *at, catalogue)?;
        }
        return w.finish();
    }
    let mut book = Book::new(Cursor::new(Vec::new()), &["versions"])?;
    book.sheet(true)?;
    book.row(&VERSIONS_HEADER.map(Value::Heading))?;
    for (cell, at) in versions {
        let r = export_row(cell, catalogue);
        let v = JsonVersion::of(&r, cell, *at);
        let fields = r.fields();
        let extra = [v.document, v.recorded_at.as_str()];
        let mut values = [Value::Empty; 12];
        for (c, field) in fields.iter().chain(&extra).enumerate() {
            values[c] = export_value(field, matches!(c, 4..=6));
        }
        book.row(&values)?;
    }
    Ok(book.finish()?.into_inner())
}

/// The labelled downloads of the site by path, made of its public cells:
/// for the whole monitor `downloads/labelled.csv`,
/// `downloads/labelled-excel-nl.csv`, `downloads/workbook.xlsx`,
/// `downloads/codebook.csv` and `downloads/codebook.md`; for each indicator
/// of the catalogue (its page links them, so there is one even without
/// cells) `downloads/indicator/{id}.csv`, `downloads/indicator/{id}.xlsx`
/// and `downloads/indicator-excel-nl/{id}.csv`.
pub fn labelled_files(
    public: &[Cell],
    catalogue: &Catalogue,
) -> Result<Vec<(String, Vec<u8>)>, PublishError> {
    let files = std::sync::Mutex::new(Vec::new());
    labelled_each(public, catalogue, &|name, bytes| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name, bytes))
    })?;
    let mut files = files
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// [`labelled_files`], each handed to `each` as it is made.
pub(crate) fn labelled_each(
    public: &[Cell],
    catalogue: &Catalogue,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), PublishError> {
    let (whole, per_indicator) = rayon::join(
        || labelled_whole_each(public, catalogue, each),
        || labelled_indicators_each(public, catalogue, each),
    );
    whole.and(per_indicator)
}

/// The labelled downloads of the whole monitor, one after another: each is
/// as large as the monitor, so no two are held at once.
pub(crate) fn labelled_whole_each(
    public: &[Cell],
    catalogue: &Catalogue,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), PublishError> {
    let labels = labelled::Labels::new(catalogue);
    let names = sheet_names(catalogue);
    each(
        "downloads/labelled.csv".to_owned(),
        labelled::labelled_csv_of(public.iter(), &labels, Dialect::Plain)?,
    );
    each(
        "downloads/labelled-excel-nl.csv".to_owned(),
        labelled::labelled_csv_of(public.iter(), &labels, Dialect::ExcelNl)?,
    );
    each(
        "downloads/workbook.xlsx".to_owned(),
        workbook::workbook_of(
            public.iter(),
            catalogue,
            &labels,
            &names,
            &codebook(catalogue),
            None,
        )?,
    );
    each(
        "downloads/codebook.csv".to_owned(),
        codebook_csv(catalogue)?,
    );
    each(
        "downloads/codebook.md".to_owned(),
        codebook_markdown(catalogue).into_bytes(),
    );
    Ok(())
}

/// The labelled downloads of each indicator, side by side (rayon), each
/// handed on as it is made.
pub(crate) fn labelled_indicators_each(
    public: &[Cell],
    catalogue: &Catalogue,
    each: &(dyn Fn(String, Vec<u8>) + Sync),
) -> Result<(), PublishError> {
    use rayon::prelude::*;
    let labels = labelled::Labels::new(catalogue);
    let names = sheet_names(catalogue);
    // The notes sheet of every workbook lists the codebook: made once.
    let entries = codebook(catalogue);
    let mut by_indicator: crate::HashMap<&str, Vec<&Cell>> = Default::default();
    for c in public {
        by_indicator
            .entry(c.indicator.as_str())
            .or_default()
            .push(c);
    }
    catalogue.indicators.par_iter().try_for_each(|ind| {
        let id = ind.id.as_str();
        let cells = by_indicator.get(id).map(Vec::as_slice).unwrap_or_default();
        // Labelled once, written three times: an indicator's rows are few.
        let rows: Vec<labelled::Fields<'_>> = cells.iter().map(|c| labels.fields(c)).collect();
        each(
            format!("downloads/indicator/{id}.csv"),
            labelled::labelled_csv_rows(rows.iter(), Dialect::Plain)?,
        );
        each(
            format!("downloads/indicator-excel-nl/{id}.csv"),
            labelled::labelled_csv_rows(rows.iter(), Dialect::ExcelNl)?,
        );
        each(
            format!("downloads/indicator/{id}.xlsx"),
            workbook::workbook_with(catalogue, &names, &entries, Some(id), |_, put| {
                rows.iter().try_for_each(&mut *put)
            })?,
        );
        Ok(())
    })
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
