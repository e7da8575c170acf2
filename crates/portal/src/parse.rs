//! A delivery as it arrives — a grid form, a CSV or an XLSX upload — turned
//! into delivered cells, with every problem at once.
//!
//! All three inputs become rows of named text fields first and then go
//! through one check ([`check_rows`]), so a form, a CSV and a workbook with
//! the same content give the same result and the same messages.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::{Cursor, Read};

use zicht_model::{
    Breakdown, Catalogue, Cell, Figure, FigureError, Period, Provenance, Slug, Status,
};

use crate::text::{self, Text};
use crate::{AskedCell, CellKey, DeliveredCell, DeliveredError};

/// The columns of a delivery file and its template, in order. `label` and
/// `previous` are there for the person filling it in and are not read back.
pub const COLUMNS: [&str; 10] = [
    "indicator",
    "label",
    "period",
    "breakdown",
    "status",
    "value",
    "lower",
    "upper",
    "reason",
    "previous",
];

/// The columns a delivery file must have.
const REQUIRED: [&str; 8] = zicht_contract::columns(zicht_contract::FIGURE_COLUMNS, ["reason"]);

/// One problem in a delivery, named precisely enough to fix it. This mirrors
/// `zicht_ingest::Diagnostic` with the row and column a spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based: the line of a CSV, the row of a sheet, the asked cell's
    /// position in a form; `None` for the whole upload.
    pub row: Option<usize>,
    /// A column of [`COLUMNS`], or a form field's part.
    pub column: Option<String>,
    /// What to do, in both languages; `Display` gives the English.
    pub message: Text,
}

impl Problem {
    pub fn new(row: Option<usize>, column: Option<&str>, message: Text) -> Problem {
        Problem {
            row,
            column: column.map(str::to_owned),
            message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, &self.column) {
            (Some(r), Some(c)) => write!(f, "row {r}, column '{c}': ")?,
            (Some(r), None) => write!(f, "row {r}: ")?,
            (None, Some(c)) => write!(f, "column '{c}': ")?,
            (None, None) => {}
        }
        f.write_str(&self.message.en)
    }
}

/// What an upload may be. The defaults fit a yearly delivery many times over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
    /// Entries in an XLSX (a zip); a workbook has a dozen or so.
    pub max_zip_entries: usize,
    /// Bytes all entries of an XLSX unpack to, declared and actual.
    pub max_uncompressed: u64,
    /// How many times larger than its packed size an entry may unpack to,
    /// for entries over one MiB (small entries are harmless at any ratio).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 5 * 1024 * 1024,
            max_rows: 20_000,
            max_zip_entries: 200,
            max_uncompressed: 100 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// What a supplier's organisation is asked in a round: the cells a delivery
/// is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub organisation: Slug,
    pub cells: BTreeSet<CellKey>,
}

impl Asked {
    /// The cells of a round asked of `organisation`.
    pub fn of(organisation: &Slug, round: &[AskedCell]) -> Asked {
        Asked {
            organisation: organisation.clone(),
            cells: round
                .iter()
                .filter(|a| &a.organisation == organisation)
                .map(|a| a.key.clone())
                .collect(),
        }
    }
}

/// A delivery in which every row is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDelivery {
    /// The answers, sorted by cell.
    pub cells: Vec<DeliveredCell>,
    /// Where each answer was, in the order of `cells`: its line, sheet row
    /// or form position, as a [`Problem`]'s row names it.
    pub rows: Vec<usize>,
    /// Asked cells without an answer: fine in a draft, they block sign-off.
    pub missing: Vec<CellKey>,
}

/// One row of text fields by column name, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRow {
    pub row: usize,
    pub fields: HashMap<String, String>,
}

impl RawRow {
    fn get(&self, column: &str) -> &str {
        self.fields.get(column).map(|s| s.trim()).unwrap_or("")
    }
}

fn number(
    problems: &mut Vec<Problem>,
    row: usize,
    column: &str,
    text: &str,
) -> Result<Option<f64>, ()> {
    zicht_contract::parse_optional_number(text)
        .map_err(|e| problems.push(Problem::new(Some(row), Some(column), text::number(&e))))
}

/// Checks rows against what is asked and the catalogue. Nothing comes back
/// unless every row is valid; otherwise every problem does.
pub fn check_rows(
    rows: &[RawRow],
    asked: &Asked,
    catalogue: &Catalogue,
) -> Result<ParsedDelivery, Vec<Problem>> {
    let mut problems = Vec::new();
    let index = catalogue.index();
    let mut cells: BTreeMap<CellKey, (DeliveredCell, usize)> = BTreeMap::new();
    // Every row's cell, valid or not, so a repeat is named even when the
    // first one has its own problem.
    let mut seen: HashMap<CellKey, usize> = HashMap::new();
    for r in rows {
        let row = r.row;
        let before = problems.len();
        let (status_text, value, lower, upper, reason) = (
            r.get("status"),
            r.get("value"),
            r.get("lower"),
            r.get("upper"),
            r.get("reason"),
        );
        let indicator = Slug::parse(r.get("indicator")).map_err(|e| {
            problems.push(Problem::new(
                Some(row),
                Some("indicator"),
                text::foreign(&e),
            ))
        });
        let period = Period::parse(r.get("period"))
            .map_err(|e| problems.push(Problem::new(Some(row), Some("period"), text::period(&e))));
        let breakdown = Breakdown::parse(r.get("breakdown")).map_err(|e| {
            problems.push(Problem::new(
                Some(row),
                Some("breakdown"),
                text::foreign(&e),
            ))
        });
        let (Ok(indicator), Ok(period), Ok(breakdown)) = (indicator, period, breakdown) else {
            continue;
        };
        let key = CellKey {
            indicator,
            period,
            breakdown,
        };
        if !asked.cells.contains(&key) {
            problems.push(Problem::new(
                Some(row),
                Some("indicator"),
                Text::new(
                    format!(
                        "{key} is in deze ronde niet gevraagd aan {}: haal deze rij weg",
                        asked.organisation
                    ),
                    format!(
                        "{key} was not asked of {} in this round: remove this row",
                        asked.organisation
                    ),
                ),
            ));
            continue;
        }
        if let Some(first) = seen.insert(key.clone(), row) {
            seen.insert(key.clone(), first);
            problems.push(Problem::new(
                Some(row),
                None,
                Text::new(
                    format!("{key} staat ook op rij {first}: geef elke cel één keer"),
                    format!("{key} is also on row {first}: give each cell once"),
                ),
            ));
            continue;
        }
        // A row of the template left as it was is an asked cell not yet
        // answered, not an error.
        if [status_text, value, lower, upper, reason]
            .iter()
            .all(|s| s.is_empty())
        {
            continue;
        }
        // A number on its own is what most people mean by a figure.
        let status = if status_text.is_empty() && !value.is_empty() {
            Ok(Status::Exact)
        } else {
            status_text.parse::<Status>().map_err(|e| {
                problems.push(Problem::new(Some(row), Some("status"), text::foreign(&e)))
            })
        };
        let value = number(&mut problems, row, "value", value);
        let lower = number(&mut problems, row, "lower", lower);
        let upper = number(&mut problems, row, "upper", upper);
        let (Ok(status), Ok(value), Ok(lower), Ok(upper)) = (status, value, lower, upper) else {
            continue;
        };
        // The file has no column for a rounding base: the indicator's own,
        // or tens as the seeds round, as `zicht import` does.
        let base = (status == Status::Rounded).then(|| {
            index
                .indicator(key.indicator.as_str())
                .and_then(|i| i.rounding_base)
                .map_or(10.0, f64::from)
        });
        let figure = match Figure::from_parts(status, value, lower, upper, base) {
            Ok(f) => f,
            Err(e) => {
                let column = match &e {
                    FigureError::Missing { field, .. }
                    | FigureError::Unexpected { field, .. }
                    | FigureError::NotFinite { field } => *field,
                    FigureError::Inverted { .. } => "lower",
                    FigureError::OutsideInterval { .. } | FigureError::EmptyEstimate => "value",
                    FigureError::BadBase(_) => "status",
                };
                problems.push(Problem::new(Some(row), Some(column), text::figure(&e)));
                continue;
            }
        };
        let delivered = match DeliveredCell::new(key.clone(), figure, Some(reason.to_owned())) {
            Ok(d) => d,
            Err(e) => {
                let column = match e {
                    DeliveredError::NotDeliverable(_) => "status",
                    _ => "reason",
                };
                problems.push(Problem::new(Some(row), Some(column), text::delivered(&e)));
                continue;
            }
        };
        let probe = Cell {
            indicator: key.indicator.clone(),
            period: key.period.clone(),
            breakdown: key.breakdown.clone(),
            figure,
            provenance: Provenance::default(),
        };
        for p in index.cell_problems(&probe) {
            problems.push(Problem::new(
                Some(row),
                Some(p.field),
                text::foreign(&p.message),
            ));
        }
        if problems.len() == before {
            cells.insert(key, (delivered, row));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let missing = asked
        .cells
        .iter()
        .filter(|k| !cells.contains_key(*k))
        .cloned()
        .collect();
    let (cells, rows) = cells.into_values().unzip();
    Ok(ParsedDelivery {
        cells,
        rows,
        missing,
    })
}

/// Checks a header row: every required column, no unknown or repeated one.
/// Gives each column's position.
fn header_positions(header: &[String], row: usize) -> Result<HashMap<String, usize>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut at = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim().to_lowercase();
        if name.is_empty() {
            continue;
        }
        if !COLUMNS.contains(&name.as_str()) {
            problems.push(Problem::new(
                Some(row),
                Some(&name),
                Text::new(
                    format!(
                        "onbekende kolom '{}': de kolommen zijn {}",
                        h.trim(),
                        COLUMNS.join(", ")
                    ),
                    format!(
                        "unknown column '{}': the columns are {}",
                        h.trim(),
                        COLUMNS.join(", ")
                    ),
                ),
            ));
        } else if at.insert(name.clone(), i).is_some() {
            problems.push(Problem::new(
                Some(row),
                Some(&name),
                Text::new(
                    "deze kolom staat er twee keer in",
                    "this column appears twice",
                ),
            ));
        }
    }
    for c in REQUIRED {
        if !at.contains_key(c) {
            problems.push(Problem::new(
                Some(row),
                Some(c),
                Text::new(
                    format!(
                        "de kopregel heeft geen kolom '{c}': begin met het sjabloon van deze ronde"
                    ),
                    format!(
                        "the header has no column '{c}': start from the template of this round"
                    ),
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(at)
    } else {
        Err(problems)
    }
}

fn too_large(bytes: usize, limits: &Limits) -> Option<Vec<Problem>> {
    (bytes > limits.max_bytes).then(|| {
        vec![Problem::new(
            None,
            None,
            Text::new(
                format!(
                    "het bestand is {bytes} bytes; ten hoogste {} worden aangenomen: splits de levering of laat weg wat niet gevraagd is",
                    limits.max_bytes
                ),
                format!(
                    "the file is {bytes} bytes; at most {} are accepted: split the delivery or leave out what was not asked",
                    limits.max_bytes
                ),
            ),
        )]
    })
}

fn too_many_rows(limits: &Limits) -> Vec<Problem> {
    vec![Problem::new(
        None,
        None,
        Text::new(
            format!(
                "het bestand heeft meer dan {} rijen: een levering heeft één rij per gevraagde cel",
                limits.max_rows
            ),
            format!(
                "the file has more than {} rows: a delivery has one row per asked cell",
                limits.max_rows
            ),
        ),
    )]
}

/// Parses a CSV delivery (comma- or semicolon-separated, as spreadsheets in
/// Dutch settings save it; UTF-8, with or without BOM).
pub fn parse_csv(
    bytes: &[u8],
    asked: &Asked,
    catalogue: &Catalogue,
    limits: &Limits,
) -> Result<ParsedDelivery, Vec<Problem>> {
    if let Some(p) = too_large(bytes.len(), limits) {
        return Err(p);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut header: Option<HashMap<String, usize>> = None;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => Text::new(
                        "het bestand is geen UTF-8-tekst: sla het op als CSV UTF-8",
                        "the file is not UTF-8 text: save it as CSV UTF-8",
                    ),
                    _ => Text::new(
                        format!("deze CSV is niet te lezen: {e}"),
                        format!("cannot read this CSV: {e}"),
                    ),
                };
                problems.push(Problem::new(line, None, message));
                // A broken record leaves the reader's place uncertain.
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        match &header {
            None => match header_positions(&fields, line) {
                Ok(h) => header = Some(h),
                Err(p) => return Err(p),
            },
            Some(h) => {
                if fields.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if rows.len() >= limits.max_rows {
                    return Err(too_many_rows(limits));
                }
                if fields.len() > COLUMNS.len() {
                    problems.push(Problem::new(
                        Some(line),
                        None,
                        Text::new(
                            format!(
                                "deze rij heeft {} velden, de kopregel {}: kijk de scheidingstekens na",
                                fields.len(),
                                h.len()
                            ),
                            format!(
                                "this row has {} fields, the header {}: check the separators",
                                fields.len(),
                                h.len()
                            ),
                        ),
                    ));
                    continue;
                }
                rows.push(RawRow {
                    row: line,
                    fields: h
                        .iter()
                        .map(|(name, i)| {
                            (name.clone(), fields.get(*i).cloned().unwrap_or_default())
                        })
                        .collect(),
                });
            }
        }
    }
    if header.is_none() && problems.is_empty() {
        problems.push(Problem::new(
            None,
            None,
            Text::new(
                "het bestand is leeg: begin met het sjabloon van deze ronde",
                "the file is empty: start from the template of this round",
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    check_rows(&rows, asked, catalogue)
}

fn damaged() -> Text {
    Text::new(
        "de werkmap is beschadigd: sla haar opnieuw op",
        "the workbook is damaged: save it again",
    )
}

/// Checks an XLSX's zip structure before anything unpacks it: how many
/// entries, what they declare to unpack to, and what they actually unpack
/// to, read through a limit so that a lying header cannot make us unpack
/// more than `max_uncompressed`.
pub fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), Vec<Problem>> {
    let refuse = |m: Text| Err(vec![Problem::new(None, None, m)]);
    let mut archive =
        match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(a) => a,
            Err(_) => return refuse(Text::new(
                "dit is geen XLSX-werkmap: sla het op als Excel-werkmap (.xlsx) of upload een CSV",
                "this is not an XLSX workbook: save it as Excel workbook (.xlsx) or upload a CSV",
            )),
        };
    if archive.len() > limits.max_zip_entries {
        return refuse(Text::new(
            format!(
                "de werkmap bevat {} delen, meer dan de {} die een levering nodig heeft: sla alleen het leveringsblad op",
                archive.len(),
                limits.max_zip_entries
            ),
            format!(
                "the workbook holds {} parts, more than the {} a delivery needs: save only the delivery sheet",
                archive.len(),
                limits.max_zip_entries
            ),
        ));
    }
    const MIB: u64 = 1024 * 1024;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            return refuse(damaged());
        };
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        declared = declared.saturating_add(size);
        if size > MIB && size / packed > limits.max_ratio {
            return refuse(Text::new(
                format!(
                    "een deel van de werkmap pakt uit tot {} keer zijn grootte; ten hoogste {} wordt aangenomen: sla haar opnieuw op vanuit een spreadsheetprogramma",
                    size / packed,
                    limits.max_ratio
                ),
                format!(
                    "a part of the workbook unpacks to {} times its size; at most {} is accepted: save it again from a spreadsheet program",
                    size / packed,
                    limits.max_ratio
                ),
            ));
        }
    }
    if declared > limits.max_uncompressed {
        return refuse(Text::new(
            format!(
                "de werkmap pakt uit tot {declared} bytes; ten hoogste {} worden aangenomen",
                limits.max_uncompressed
            ),
            format!(
                "the workbook unpacks to {declared} bytes; at most {} are accepted",
                limits.max_uncompressed
            ),
        ));
    }
    let mut actual: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            return refuse(Text::new(
                "de werkmap is beschadigd of versleuteld: sla haar opnieuw op zonder wachtwoord",
                "the workbook is damaged or encrypted: save it again without a password",
            ));
        };
        let budget = limits.max_uncompressed.saturating_sub(actual) + 1;
        match std::io::copy(&mut entry.take(budget), &mut std::io::sink()) {
            Ok(n) => actual += n,
            Err(_) => return refuse(damaged()),
        }
        if actual > limits.max_uncompressed {
            return refuse(Text::new(
                format!(
                    "de werkmap pakt uit tot meer dan {} bytes: sla alleen het leveringsblad op",
                    limits.max_uncompressed
                ),
                format!(
                    "the workbook unpacks to more than {} bytes: save only the delivery sheet",
                    limits.max_uncompressed
                ),
            ));
        }
    }
    Ok(())
}

/// Rows a sheet may have above its header and data (a title, blank lines).
const XLSX_SLACK_ROWS: u32 = 50;
/// Columns a delivery sheet may use; the template has ten.
const XLSX_MAX_COLUMNS: u32 = 64;

/// Parses an XLSX delivery from memory: its first sheet, header in the first
/// row that has any text.
pub fn parse_xlsx(
    bytes: &[u8],
    asked: &Asked,
    catalogue: &Catalogue,
    limits: &Limits,
) -> Result<ParsedDelivery, Vec<Problem>> {
    use calamine::{Data, Reader, Xlsx};
    if let Some(p) = too_large(bytes.len(), limits) {
        return Err(p);
    }
    check_zip(bytes, limits)?;
    let unreadable = |e: &dyn fmt::Display| {
        vec![Problem::new(
            None,
            None,
            Text::new(
                format!("deze werkmap is niet te lezen ({e}): sla haar opnieuw op als .xlsx of upload een CSV"),
                format!("cannot read this workbook ({e}): save it again as .xlsx or upload a CSV"),
            ),
        )]
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let Some(sheet) = book.sheet_names().into_iter().next() else {
        return Err(unreadable(&"0 sheets"));
    };
    // Cells are read one by one and bounded as they come: a whole-sheet
    // range would allocate every slot between the first and the last used
    // cell, and a tiny file with one cell in A1 and one in XFD1048576 asks
    // for billions of them.
    let max_row = limits.max_rows as u32 + XLSX_SLACK_ROWS;
    let mut used: BTreeMap<u32, BTreeMap<u32, Data>> = BTreeMap::new();
    let mut count = 0usize;
    {
        let mut reader = book
            .worksheet_cells_reader(&sheet)
            .map_err(|e| unreadable(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (r, c) = cell.get_position();
            let value: Data = cell.get_value().clone().into();
            if value == Data::Empty {
                continue;
            }
            if r >= max_row {
                return Err(too_many_rows(limits));
            }
            if c >= XLSX_MAX_COLUMNS {
                return Err(vec![Problem::new(
                    Some(r as usize + 1),
                    None,
                    Text::new(
                        format!(
                            "het blad gebruikt kolommen voorbij de eerste {XLSX_MAX_COLUMNS}: houd u aan de kolommen van het sjabloon"
                        ),
                        format!(
                            "the sheet uses columns beyond the first {XLSX_MAX_COLUMNS}: keep to the template's columns"
                        ),
                    ),
                )]);
            }
            count += 1;
            if count > (limits.max_rows + 1) * XLSX_MAX_COLUMNS as usize {
                return Err(too_many_rows(limits));
            }
            used.entry(r).or_default().insert(c, value);
        }
    }
    let mut header: Option<HashMap<String, usize>> = None;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (r, cells) in &used {
        let row = *r as usize + 1;
        let width = cells.keys().next_back().map_or(0, |c| *c as usize + 1);
        // Columns are positions in the sheet, so a sheet that starts right
        // of column A still lines up with the header.
        let mut padded = vec![String::new(); width];
        for (c, value) in cells {
            let col = *c as usize;
            match value {
                Data::Error(e) => {
                    problems.push(Problem::new(
                        Some(row),
                        header.as_ref().and_then(|h| {
                            h.iter().find(|(_, p)| **p == col).map(|(n, _)| n.as_str())
                        }),
                        Text::new(
                            format!("de cel bevat een spreadsheetfout ({e}): typ het cijfer zelf"),
                            format!(
                                "the cell holds a spreadsheet error ({e}): type the figure itself"
                            ),
                        ),
                    ));
                }
                other => padded[col] = other.to_string(),
            }
        }
        if padded.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match &header {
            None => header = Some(header_positions(&padded, row)?),
            Some(h) => rows.push(RawRow {
                row,
                fields: h
                    .iter()
                    .map(|(name, p)| (name.clone(), padded.get(*p).cloned().unwrap_or_default()))
                    .collect(),
            }),
        }
    }
    if header.is_none() {
        problems.push(Problem::new(
            None,
            None,
            Text::new(
                "het eerste blad is leeg: begin met het sjabloon van deze ronde",
                "the first sheet is empty: start from the template of this round",
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    check_rows(&rows, asked, catalogue)
}

/// The parts of one asked cell in a grid form.
pub const GRID_PARTS: [&str; 5] = ["status", "value", "lower", "upper", "reason"];

/// The form field name for one part of one asked cell, e.g.
/// `victims|2024|sex=girls:value`. Slugs, periods and breakdowns hold no
/// `|` or `:`, so the name can be read back unambiguously.
pub fn grid_field(key: &CellKey, part: &str) -> String {
    format!("{}|{}|{}:{part}", key.indicator, key.period, key.breakdown)
}

/// Parses a grid form: for each asked cell, the fields named by
/// [`grid_field`]. A problem's row is the asked cell's position (1-based,
/// in the order of [`Asked::cells`]) and its column the part. Fields for
/// cells not asked are refused, as rows of a file are.
pub fn parse_grid(
    form: &HashMap<String, String>,
    asked: &Asked,
    catalogue: &Catalogue,
    limits: &Limits,
) -> Result<ParsedDelivery, Vec<Problem>> {
    let total: usize = form.iter().map(|(k, v)| k.len() + v.len()).sum();
    if let Some(p) = too_large(total, limits) {
        return Err(p);
    }
    let mut known = BTreeSet::new();
    let mut rows = Vec::new();
    for (i, key) in asked.cells.iter().enumerate() {
        let mut fields: HashMap<String, String> = GRID_PARTS
            .iter()
            .map(|part| {
                let name = grid_field(key, part);
                let v = form.get(&name).cloned().unwrap_or_default();
                known.insert(name);
                (part.to_string(), v)
            })
            .collect();
        fields.insert("indicator".into(), key.indicator.to_string());
        fields.insert("period".into(), key.period.to_string());
        fields.insert("breakdown".into(), key.breakdown.to_string());
        rows.push(RawRow { row: i + 1, fields });
    }
    let mut stray: Vec<&String> = form.keys().filter(|k| !known.contains(*k)).collect();
    stray.sort();
    let mut problems: Vec<Problem> = stray
        .into_iter()
        .filter(|k| GRID_PARTS.iter().any(|p| k.ends_with(&format!(":{p}"))))
        .map(|k| {
            Problem::new(
                None,
                Some(k),
                Text::new(
                    format!(
                        "'{k}' is geen cel die in deze ronde aan {} is gevraagd",
                        asked.organisation
                    ),
                    format!(
                        "'{k}' is not a cell asked of {} in this round",
                        asked.organisation
                    ),
                ),
            )
        })
        .collect();
    match check_rows(&rows, asked, catalogue) {
        Ok(p) if problems.is_empty() => Ok(p),
        Ok(_) => Err(problems),
        Err(mut p) => {
            problems.append(&mut p);
            Err(problems)
        }
    }
}
