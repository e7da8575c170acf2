//! The embedded monitor's data files (see data/README.md) → a catalogue and
//! recorded cells.

use serde::Deserialize;
use zicht_model::{
    check_additivity, About, ActionPlan, Assessment, Breakdown, Catalogue, Cell, CountingUnit,
    Dimension, Document, Figure, Footnote, Indicator, Instant, Measure, Organisation, Period,
    Provenance, Ranking, Recommendation, Slug, Status, Text, Theme,
};

use crate::{Diagnostic, Diagnostics};

/// A file of the data directory, by its path relative to that directory.
#[derive(Debug, Clone, Copy)]
pub struct DataFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

/// A cell as it is to be recorded: when it became known and, for a
/// correction, why — plus where it came from for diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCell {
    pub cell: Cell,
    /// ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: Instant,
    pub reason: Option<String>,
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Monitor {
    pub catalogue: Catalogue,
    pub cells: Vec<RecordedCell>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    theme: Vec<Theme>,
    #[serde(default)]
    document: Vec<Document>,
    #[serde(default)]
    organisation: Vec<Organisation>,
    #[serde(default)]
    dimension: Vec<Dimension>,
    #[serde(default)]
    counting_unit: Vec<CountingUnit>,
    #[serde(default)]
    indicator: Vec<Indicator>,
    #[serde(default)]
    footnote: Vec<Footnote>,
    #[serde(default)]
    recommendation: Vec<Recommendation>,
    #[serde(default)]
    assessment: Vec<Assessment>,
    #[serde(default)]
    measure: Vec<Measure>,
    #[serde(default)]
    action_plan: Vec<ActionPlan>,
    #[serde(default)]
    text: Vec<Text>,
    #[serde(default)]
    about: Option<About>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub(crate) const CELLS_HEADER: [&str; 12] = zicht_contract::columns(
    zicht_contract::FIGURE_COLUMNS,
    ["base", "source", "source_ref", "footnotes", "quote"],
);
const RANKINGS_HEADER: [&str; 9] = [
    "indicator",
    "period",
    "rank",
    "dimension",
    "value",
    "source",
    "source_ref",
    "footnotes",
    "quote",
];

fn header_problem(file: &str, got: &csv::StringRecord, want: &[&str]) -> Option<Diagnostic> {
    let got: Vec<&str> = got.iter().map(str::trim).collect();
    if got == want {
        None
    } else {
        Some(Diagnostic::new(
            file,
            Some(1),
            None,
            format!(
                "the header must be exactly `{}`, found `{}`",
                want.join(","),
                got.join(",")
            ),
        ))
    }
}

fn slug_field(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    field: &str,
    value: &str,
) -> Option<Slug> {
    match Slug::parse(value.trim()) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.push(Diagnostic::new(
                file,
                Some(line),
                Some(field),
                e.to_string(),
            ));
            None
        }
    }
}

fn optional_slug(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    field: &str,
    value: &str,
) -> Option<Option<Slug>> {
    if value.trim().is_empty() {
        Some(None)
    } else {
        slug_field(diags, file, line, field, value).map(Some)
    }
}

fn slug_list(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    field: &str,
    value: &str,
) -> Option<Vec<Slug>> {
    let mut out = Vec::new();
    let mut ok = true;
    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match slug_field(diags, file, line, field, part) {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn period_field(diags: &mut Diagnostics, file: &str, line: usize, value: &str) -> Option<Period> {
    match Period::parse(value) {
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
    }
}

/// Parses the figure columns shared by the data files and the export format.
pub(crate) fn figure_fields(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    status: &str,
    numbers: [(&'static str, &str); 4],
) -> Option<Figure> {
    let status: Status = match status.parse() {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic::new(
                file,
                Some(line),
                Some("status"),
                format!("{e}"),
            ));
            return None;
        }
    };
    let mut parsed = [None; 4];
    let mut ok = true;
    for (i, (field, text)) in numbers.iter().enumerate() {
        match zicht_contract::parse_optional_number(text) {
            Ok(v) => parsed[i] = v,
            Err(e) => {
                diags.push(Diagnostic::new(
                    file,
                    Some(line),
                    Some(field),
                    e.to_string(),
                ));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    match Figure::from_parts(status, parsed[0], parsed[1], parsed[2], parsed[3]) {
        Ok(f) => Some(f),
        Err(e) => {
            let field = match &e {
                zicht_model::FigureError::Missing { field, .. }
                | zicht_model::FigureError::Unexpected { field, .. }
                | zicht_model::FigureError::NotFinite { field } => field,
                zicht_model::FigureError::BadBase(_) => "base",
                _ => "status",
            };
            diags.push(Diagnostic::new(
                file,
                Some(line),
                Some(field),
                e.to_string(),
            ));
            None
        }
    }
}

pub(crate) fn read_csv(
    diags: &mut Diagnostics,
    file: &str,
    text: &str,
    header: &[&str],
) -> Vec<(usize, csv::StringRecord)> {
    let mut rows = Vec::new();
    each_csv_row(diags, file, text, header, |line, r| rows.push((line, r)));
    rows
}

/// [`read_csv`] a row at a time, for files too large to hold as records.
pub(crate) fn each_csv_row(
    diags: &mut Diagnostics,
    file: &str,
    text: &str,
    header: &[&str],
    mut row: impl FnMut(usize, csv::StringRecord),
) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut any = false;
    for (i, rec) in reader.records().enumerate() {
        let line = i + 1;
        match rec {
            Ok(r) => {
                let line = r.position().map_or(line, |p| p.line() as usize);
                if i == 0 {
                    if let Some(d) = header_problem(file, &r, header) {
                        diags.push(d);
                        return;
                    }
                    continue;
                }
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if r.len() != header.len() {
                    diags.push(Diagnostic::new(
                        file,
                        Some(line),
                        None,
                        format!("expected {} fields, found {}", header.len(), r.len()),
                    ));
                    continue;
                }
                any = true;
                row(line, r);
            }
            Err(e) => diags.push(Diagnostic::new(
                file,
                e.position().map(|p| p.line() as usize),
                None,
                format!("not readable as CSV: {e}"),
            )),
        }
    }
    if !any && text.trim().is_empty() {
        diags.push(Diagnostic::new(file, None, None, "the file is empty"));
    }
}

/// Parses the whole data directory. Returns what could be parsed and every
/// diagnostic; a caller must not store anything while diagnostics remain.
pub fn parse_monitor(files: &[DataFile<'_>]) -> (Monitor, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut cat = Catalogue::default();
    let mut sorted: Vec<&DataFile<'_>> = files.iter().collect();
    sorted.sort_by_key(|f| f.path);
    // The prose of each file on its own, so that a citation's problem names
    // the file it is in.
    let mut prose_files: Vec<(&str, Catalogue)> = Vec::new();

    for f in sorted.iter().filter(|f| f.path.ends_with(".toml")) {
        match toml::from_str::<TomlFile>(f.text) {
            Ok(t) => {
                prose_files.push((
                    f.path,
                    Catalogue {
                        recommendations: t.recommendation.clone(),
                        assessments: t.assessment.clone(),
                        measures: t.measure.clone(),
                        texts: t.text.clone(),
                        footnotes: t.footnote.clone(),
                        ..Catalogue::default()
                    },
                ));
                cat.themes.extend(t.theme);
                cat.documents.extend(t.document);
                cat.organisations.extend(t.organisation);
                cat.dimensions.extend(t.dimension);
                cat.counting_units.extend(t.counting_unit);
                cat.indicators.extend(t.indicator);
                cat.footnotes.extend(t.footnote);
                cat.recommendations.extend(t.recommendation);
                cat.assessments.extend(t.assessment);
                cat.measures.extend(t.measure);
                cat.action_plans.extend(t.action_plan);
                cat.texts.extend(t.text);
                if let Some(about) = t.about {
                    if cat.about.is_some() {
                        diags.push(Diagnostic::new(
                            f.path,
                            None,
                            Some("about"),
                            "[about] is declared in two files: keep one",
                        ));
                    }
                    cat.about = Some(about);
                }
            }
            Err(e) => diags.push(Diagnostic::new(
                f.path,
                e.span().map(|s| line_of(f.text, s.start)),
                None,
                e.message().to_owned(),
            )),
        }
    }
    for e in cat.check() {
        diags.push(Diagnostic::new("data/*.toml", None, None, e.to_string()));
    }
    let mut cells = Vec::new();
    let index = cat.index();
    for f in sorted
        .iter()
        .filter(|f| f.path.starts_with("cells/") && f.path.ends_with(".csv"))
    {
        let doc_id = f.path.trim_start_matches("cells/").trim_end_matches(".csv");
        let Some(doc) = cat.document(doc_id).cloned() else {
            diags.push(Diagnostic::new(
                f.path,
                None,
                None,
                format!("no document '{doc_id}' is declared in monitor.toml for this file"),
            ));
            continue;
        };
        let before = cells.len();
        for (line, r) in read_csv(&mut diags, f.path, f.text, &CELLS_HEADER) {
            if let Some(cell) = cell_row(&mut diags, f.path, line, &r, &doc.id) {
                for p in index.cell_problems(&cell) {
                    diags.push(Diagnostic::new(
                        f.path,
                        Some(line),
                        Some(p.field),
                        p.message,
                    ));
                }
                cells.push(RecordedCell {
                    cell,
                    recorded_at: doc.cutoff.start_utc(),
                    reason: None,
                    file: f.path.to_owned(),
                    line,
                });
            }
        }
        check_document(&mut diags, &cat, &cells[before..]);
    }

    for f in sorted.iter().filter(|f| f.path == "rankings.csv") {
        for (line, r) in read_csv(&mut diags, f.path, f.text, &RANKINGS_HEADER) {
            if let Some(rk) = ranking_row(&mut diags, f.path, line, &r, &cat) {
                cat.rankings.push(rk);
            }
        }
    }

    check_citations(&mut diags, &cat, &cells, &prose_files);

    (
        Monitor {
            catalogue: cat,
            cells,
        },
        diags,
    )
}

/// Every citation in the monitor's prose must name a cell the monitor has:
/// a citation that cannot be shown would leave a gap on the public site.
fn check_citations(
    diags: &mut Diagnostics,
    cat: &Catalogue,
    cells: &[RecordedCell],
    prose_files: &[(&str, Catalogue)],
) {
    let known: std::collections::HashSet<(&str, &Period, &Breakdown)> =
        cells.iter().map(|rc| rc.cell.key_ref()).collect();
    for (file, part) in prose_files {
        for prose in part.prose() {
            let field = prose.id.rsplit(" · ").next().unwrap_or("");
            let text = prose.id.rsplit_once(" · ").map_or("", |(t, _)| t);
            let mut problems = cat.citation_problems(&prose);
            if problems.is_empty() {
                for r in zicht_model::citations(prose.text).into_iter().flatten() {
                    if !known.contains(&(r.indicator.as_str(), &r.period, &r.breakdown)) {
                        problems.push(format!(
                            "'{r}' cites a cell no file under cells/ gives: add the cell, or correct the period or breakdown"
                        ));
                    }
                }
            }
            for p in problems {
                diags.push(Diagnostic::new(
                    file,
                    None,
                    Some(field),
                    format!("{text}: {p}"),
                ));
            }
        }
    }
}

/// One document must give each cell once. Parts that exceed their total are
/// reported as warnings: a published document is kept as it was published,
/// and its own arithmetic is the document's to answer for.
fn check_document(diags: &mut Diagnostics, cat: &Catalogue, cells: &[RecordedCell]) {
    let mut seen = std::collections::HashMap::new();
    for rc in cells {
        if let Some(first) = seen.insert(rc.cell.key(), rc.line) {
            diags.push(Diagnostic::new(
                &rc.file,
                Some(rc.line),
                None,
                format!(
                    "{} {} [{}] is given twice in this document (first on line {first})",
                    rc.cell.indicator, rc.cell.period, rc.cell.breakdown
                ),
            ));
        }
    }
    let plain: Vec<&Cell> = cells.iter().map(|rc| &rc.cell).collect();
    for v in check_additivity(cat, &plain) {
        let rc = &cells[v.total];
        diags.push(
            Diagnostic::new(&rc.file, Some(rc.line), Some("value"), v.message(&plain)).warning(),
        );
    }
}

fn cell_row(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    r: &csv::StringRecord,
    document: &Slug,
) -> Option<Cell> {
    let get = |i: usize| r.get(i).unwrap_or("");
    let indicator = slug_field(diags, file, line, "indicator", get(0));
    let period = period_field(diags, file, line, get(1));
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
    let figure = figure_fields(
        diags,
        file,
        line,
        get(3),
        [
            ("value", get(4)),
            ("lower", get(5)),
            ("upper", get(6)),
            ("base", get(7)),
        ],
    );
    let source = optional_slug(diags, file, line, "source", get(8));
    let footnotes = slug_list(diags, file, line, "footnotes", get(10));
    Some(Cell {
        indicator: indicator?,
        period: period?,
        breakdown: breakdown?,
        figure: figure?,
        provenance: Provenance {
            source: source?,
            source_ref: get(9).trim().to_owned(),
            document: Some(document.clone()),
            footnotes: footnotes?,
            quote: get(11).trim().to_owned(),
        },
    })
}

fn ranking_row(
    diags: &mut Diagnostics,
    file: &str,
    line: usize,
    r: &csv::StringRecord,
    cat: &Catalogue,
) -> Option<Ranking> {
    let get = |i: usize| r.get(i).unwrap_or("");
    let indicator = slug_field(diags, file, line, "indicator", get(0));
    let period = period_field(diags, file, line, get(1));
    let rank = match get(2).trim().parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            diags.push(Diagnostic::new(
                file,
                Some(line),
                Some("rank"),
                format!("'{}' is not a rank (1, 2, …)", get(2)),
            ));
            None
        }
    };
    let dimension = slug_field(diags, file, line, "dimension", get(3));
    let value = slug_field(diags, file, line, "value", get(4));
    let source = optional_slug(diags, file, line, "source", get(5));
    let footnotes = slug_list(diags, file, line, "footnotes", get(7));
    let rk = Ranking {
        indicator: indicator?,
        period: period?,
        rank: rank?,
        dimension: dimension?,
        value: value?,
        source: source?,
        source_ref: get(6).trim().to_owned(),
        document: None,
        footnotes: footnotes?,
        quote: get(8).trim().to_owned(),
    };
    if cat.indicator(rk.indicator.as_str()).is_none() {
        diags.push(Diagnostic::new(
            file,
            Some(line),
            Some("indicator"),
            format!("unknown indicator '{}'", rk.indicator),
        ));
    }
    match cat.dimension(rk.dimension.as_str()) {
        None => diags.push(Diagnostic::new(
            file,
            Some(line),
            Some("dimension"),
            format!("unknown dimension '{}'", rk.dimension),
        )),
        Some(d) if d.value(rk.value.as_str()).is_none() => diags.push(Diagnostic::new(
            file,
            Some(line),
            Some("value"),
            format!(
                "'{}' is not a value of dimension '{}'",
                rk.value, rk.dimension
            ),
        )),
        _ => {}
    }
    Some(rk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(value: &str) -> (Option<Figure>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let none = ("lower", "");
        let f = figure_fields(
            &mut diags,
            "cells.csv",
            2,
            "exact",
            [("value", value), none, ("upper", ""), ("base", "")],
        );
        (f, diags)
    }

    #[test]
    fn plain_numbers_only() {
        assert_eq!(figure("19872").0, Some(Figure::Exact { value: 19872.0 }));
        assert_eq!(figure("76.6").0, Some(Figure::Exact { value: 76.6 }));
        for bad in [
            "19.872,5", "1e5", "+5", "NaN", "inf", "76,6", "1 000", "x", "1.234",
        ] {
            let (f, diags) = figure(bad);
            assert_eq!(f, None, "{bad}");
            let d = diags.iter().next().unwrap();
            assert_eq!(d.field.as_deref(), Some("value"));
            // The contract's message, word for word, as every other way in gives it.
            let want = zicht_contract::parse_number(bad).unwrap_err().to_string();
            assert_eq!(d.message, want);
        }
    }
}
