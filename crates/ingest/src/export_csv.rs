//! The data export contract of DESIGN.md, both ways: a cell → a row, and a
//! CSV in that format → cells (`zicht import`).

use std::collections::HashMap;

use zicht_contract::{write_optional_number, ExportRow, EXPORT_HEADER, FOOTNOTE_SEPARATOR};
use zicht_model::{Breakdown, Catalogue, Cell, Footnote, Instant, Provenance, Slug};

use crate::monitor_files::{each_csv_row, figure_fields, read_csv};
use crate::{Diagnostic, Diagnostics, RecordedCell};

/// A cell as a row of the export contract: the unit the catalogue gives its
/// indicator, footnotes by their Dutch text.
pub fn export_row(cell: &Cell, catalogue: &Catalogue) -> ExportRow {
    let parts = cell.figure.parts();
    let unit = catalogue
        .indicator(cell.indicator.as_str())
        .map(|i| i.export_unit().to_owned())
        .unwrap_or_default();
    let p = &cell.provenance;
    let source = match (&p.source, p.source_ref.is_empty()) {
        (Some(org), true) => org.to_string(),
        (Some(org), false) => format!("{org}: {}", p.source_ref),
        (None, _) => p.source_ref.clone(),
    };
    let footnote = p
        .footnotes
        .iter()
        .map(|f| {
            catalogue
                .footnote(f.as_str())
                .map(|f| f.text_nl.clone())
                .unwrap_or_else(|| f.to_string())
        })
        .collect::<Vec<_>>()
        .join(FOOTNOTE_SEPARATOR);
    ExportRow {
        indicator: cell.indicator.to_string(),
        period: cell.period.to_string(),
        breakdown: cell.breakdown.to_string(),
        status: cell.figure.status().to_string(),
        value: write_optional_number(parts.value),
        lower: write_optional_number(parts.lower),
        upper: write_optional_number(parts.upper),
        unit,
        source,
        footnote,
    }
}

/// What an import file holds: cells, and footnotes it names that the store
/// does not know yet.
#[derive(Debug, Default)]
pub struct ParsedImport {
    pub cells: Vec<RecordedCell>,
    pub new_footnotes: Vec<Footnote>,
}

/// Parses a CSV in the export contract into cells recorded at `recorded_at`.
/// A `rounded` cell keeps base 10 unless the indicator declares another: the
/// contract has no column for the base.
pub fn parse_export_csv(
    file: &str,
    text: &str,
    catalogue: &Catalogue,
    recorded_at: Instant,
    reason: Option<&str>,
    document: Option<&Slug>,
) -> (ParsedImport, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut rows = RowParser::new(file, catalogue, document);
    let index = catalogue.index();
    let mut cells = Vec::new();
    for (line, r) in read_csv(&mut diags, file, text, &EXPORT_HEADER) {
        let before = diags.len();
        let Some(cell) = rows.parse(&mut diags, line, &r) else {
            continue;
        };
        for p in index.cell_problems(&cell) {
            // Footnotes new to the store are added with the import.
            if p.field == "footnotes" {
                continue;
            }
            diags.push(Diagnostic::new(file, Some(line), Some(p.field), p.message));
        }
        if diags.len() == before {
            cells.push(RecordedCell {
                cell,
                recorded_at,
                reason: reason.map(str::to_owned),
                file: file.to_owned(),
                line,
            });
        }
    }
    let out = ParsedImport {
        cells,
        new_footnotes: rows.new_footnotes,
    };
    (out, diags)
}

/// A cell of an import file with the line it is on.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: usize,
    pub cell: Cell,
}

/// An import file read in bounded batches: each batch holds every row of
/// the indicators and periods it covers (additivity and duplicates are
/// questions within one indicator and period), however the file orders
/// them, so a caller can check and store batch by batch. The text stays in
/// memory; the parsed cells only a batch at a time.
///
/// Rows come out with their syntax checked (the fields, the unit, the
/// source, a cell given twice); the checks of a cell against the catalogue
/// are `zicht_model::check_figures`'s, the caller's one pass.
pub struct ExportCsvBatches<'a> {
    file: &'a str,
    reader: csv::Reader<std::io::Cursor<&'a [u8]>>,
    /// Where each data row starts, with its group (indicator and period,
    /// numbered in order of first appearance), sorted by group then line.
    rows: Vec<(u32, u64, u64)>,
    next: usize,
    parser: RowParser<'a>,
}

impl<'a> ExportCsvBatches<'a> {
    /// Reads where every row is and which indicator and period it has;
    /// problems of the file's shape (header, field counts, unreadable CSV,
    /// an empty file) go to `diags`.
    pub fn new(
        file: &'a str,
        text: &'a str,
        catalogue: &'a Catalogue,
        document: Option<&'a Slug>,
        diags: &mut Diagnostics,
    ) -> Self {
        let mut groups: HashMap<String, HashMap<String, u32>> = HashMap::new();
        let mut count = 0u32;
        let mut rows = Vec::new();
        each_csv_row(diags, file, text, &EXPORT_HEADER, |line, r| {
            let pos = r.position().expect("csv gives every record its position");
            let (indicator, period) =
                (r.get(0).unwrap_or("").trim(), r.get(1).unwrap_or("").trim());
            let periods = match groups.get_mut(indicator) {
                Some(p) => p,
                None => groups.entry(indicator.to_owned()).or_default(),
            };
            let g = match periods.get(period) {
                Some(&g) => g,
                None => {
                    periods.insert(period.to_owned(), count);
                    count += 1;
                    count - 1
                }
            };
            rows.push((g, pos.byte(), line as u64));
        });
        rows.sort_by_key(|&(g, _, line)| (g, line));
        ExportCsvBatches {
            file,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(std::io::Cursor::new(text.as_bytes())),
            rows,
            next: 0,
            parser: RowParser::new(file, catalogue, document),
        }
    }

    /// How many data rows the file has.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The next whole groups, at least `min_rows` rows unless the file
    /// ends first; `None` at the end. A row with a problem is reported in
    /// `diags` and left out.
    pub fn next_batch(
        &mut self,
        min_rows: usize,
        diags: &mut Diagnostics,
    ) -> Option<Vec<ImportRow>> {
        if self.next >= self.rows.len() {
            return None;
        }
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut taken = 0;
        while self.next < self.rows.len() {
            let (g, byte, line) = self.rows[self.next];
            if self.next > 0 && self.rows[self.next - 1].0 != g {
                if taken >= min_rows {
                    break;
                }
                // A cell given twice is in one group: what is seen of
                // the groups before need not be kept.
                self.parser.seen.clear();
            }
            self.next += 1;
            taken += 1;
            let mut pos = csv::Position::new();
            pos.set_byte(byte).set_line(line);
            let read = self
                .reader
                .seek(pos)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    self.reader
                        .read_record(&mut record)
                        .map_err(|e| e.to_string())
                });
            if let Err(e) = read {
                diags.push(Diagnostic::new(
                    self.file,
                    Some(line as usize),
                    None,
                    format!("not readable as CSV: {e}"),
                ));
                continue;
            }
            if let Some(cell) = self.parser.parse(diags, line as usize, &record) {
                out.push(ImportRow {
                    line: line as usize,
                    cell,
                });
            }
        }
        Some(out)
    }

    /// Footnotes named by text that the catalogue does not know, so far:
    /// each with the id the rows refer to it by.
    pub fn new_footnotes(&self) -> &[Footnote] {
        &self.parser.new_footnotes
    }
}

/// One row of the contract → a cell, every problem of its fields reported.
struct RowParser<'a> {
    file: &'a str,
    catalogue: &'a Catalogue,
    index: zicht_model::CatalogueIndex<'a>,
    document: Option<&'a Slug>,
    known_texts: HashMap<&'a str, &'a Slug>,
    new_ids: HashMap<String, Slug>,
    new_footnotes: Vec<Footnote>,
    seen: foldhash::HashMap<(String, String, String), usize>,
}

impl<'a> RowParser<'a> {
    fn new(file: &'a str, catalogue: &'a Catalogue, document: Option<&'a Slug>) -> Self {
        RowParser {
            file,
            catalogue,
            index: catalogue.index(),
            document,
            known_texts: catalogue
                .footnotes
                .iter()
                .map(|f| (f.text_nl.trim(), &f.id))
                .collect(),
            new_ids: HashMap::new(),
            new_footnotes: Vec::new(),
            seen: Default::default(),
        }
    }

    /// The row's cell, or `None` when any field has a problem (each one
    /// in `diags`) or the cell was given before.
    fn parse(
        &mut self,
        diags: &mut Diagnostics,
        line: usize,
        r: &csv::StringRecord,
    ) -> Option<Cell> {
        let file = self.file;
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let before = diags.len();
        let indicator = match Slug::parse(get(0)) {
            Ok(s) => Some(s),
            Err(e) => {
                diags.push(Diagnostic::new(
                    file,
                    Some(line),
                    Some("indicator"),
                    e.to_string(),
                ));
                None
            }
        };
        let period = match zicht_model::Period::parse(get(1)) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.push(Diagnostic::new(
                    file,
                    Some(line),
                    Some("period"),
                    e.to_string(),
                ));
                None
            }
        };
        let breakdown = match Breakdown::parse(get(2)) {
            Ok(b) => Some(b),
            Err(e) => {
                diags.push(Diagnostic::new(
                    file,
                    Some(line),
                    Some("breakdown"),
                    e.to_string(),
                ));
                None
            }
        };
        let ind = indicator
            .as_ref()
            .and_then(|i| self.index.indicator(i.as_str()));
        let base = if get(3) == "rounded" {
            Some(ind.and_then(|i| i.rounding_base).unwrap_or(10).to_string())
        } else {
            None
        };
        let figure = figure_fields(
            diags,
            file,
            line,
            get(3),
            [
                ("value", get(4)),
                ("lower", get(5)),
                ("upper", get(6)),
                ("base", base.as_deref().unwrap_or("")),
            ],
        );
        if let Some(ind) = ind {
            if get(7) != ind.export_unit() {
                diags.push(Diagnostic::new(
                    file,
                    Some(line),
                    Some("unit"),
                    format!(
                        "indicator '{}' is measured in '{}', not '{}'",
                        ind.id,
                        ind.export_unit(),
                        get(7)
                    ),
                ));
            }
        }
        let (source, source_ref) = match split_source(get(8), self.catalogue) {
            Ok(s) => s,
            Err(message) => {
                diags.push(Diagnostic::new(file, Some(line), Some("source"), message));
                (None, String::new())
            }
        };
        let mut footnotes = Vec::new();
        for text in get(9)
            .split(FOOTNOTE_SEPARATOR.trim())
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match self.known_texts.get(text) {
                Some(id) => footnotes.push((*id).clone()),
                None => {
                    let new_footnotes = &mut self.new_footnotes;
                    let id = self.new_ids.entry(text.to_owned()).or_insert_with(|| {
                        let id = Slug::for_footnote_text(text);
                        new_footnotes.push(Footnote {
                            id: id.clone(),
                            text_nl: text.to_owned(),
                            text_en: String::new(),
                        });
                        id
                    });
                    footnotes.push(id.clone());
                }
            }
        }
        let (Some(indicator), Some(period), Some(breakdown), Some(figure)) =
            (indicator, period, breakdown, figure)
        else {
            return None;
        };
        let cell = Cell {
            indicator,
            period,
            breakdown,
            figure,
            provenance: Provenance {
                source,
                source_ref,
                document: self.document.cloned(),
                footnotes,
                quote: String::new(),
            },
        };
        let key = (
            cell.indicator.to_string(),
            cell.period.to_string(),
            cell.breakdown.to_string(),
        );
        if let Some(first) = self.seen.insert(key, line) {
            diags.push(Diagnostic::new(
                file,
                Some(line),
                None,
                format!("this cell is also on line {first}: give each cell once"),
            ));
        }
        (diags.len() == before).then_some(cell)
    }
}

/// `org: reference` → (org, reference), where `org` is a known organisation;
/// text that is no organisation id (spaces, capitals) is all reference. An
/// id that names no known organisation is refused: it is a typo or an
/// organisation the monitor has not declared, and either way the figure
/// would lose its supplier.
fn split_source(s: &str, catalogue: &Catalogue) -> Result<(Option<Slug>, String), String> {
    let (org, rest) = match s.split_once(": ") {
        Some((org, rest)) => (org, rest.trim()),
        None => (s, ""),
    };
    let Ok(slug) = Slug::parse(org) else {
        return Ok((None, s.to_owned()));
    };
    if catalogue.organisation(slug.as_str()).is_some() {
        return Ok((Some(slug), rest.to_owned()));
    }
    Err(format!(
        "unknown organisation '{org}': use the id of a declared organisation ({}), or declare it in monitor.toml",
        catalogue
            .organisations
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
