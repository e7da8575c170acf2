//! The data export contract of DESIGN.md, both ways: a cell → a row, and a
//! CSV in that format → cells (`zicht import`).

use std::collections::HashMap;

use zicht_contract::{write_optional_number, ExportRow, EXPORT_HEADER, FOOTNOTE_SEPARATOR};
use zicht_model::{Breakdown, Catalogue, Cell, Footnote, Instant, Provenance, Slug};

use crate::monitor_files::{figure_fields, read_csv};
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
    let mut out = ParsedImport::default();
    let known_texts: HashMap<&str, &Slug> = catalogue
        .footnotes
        .iter()
        .map(|f| (f.text_nl.trim(), &f.id))
        .collect();
    let mut new_ids: HashMap<String, Slug> = HashMap::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let index = catalogue.index();

    for (line, r) in read_csv(&mut diags, file, text, &EXPORT_HEADER) {
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
        let ind = indicator.as_ref().and_then(|i| index.indicator(i.as_str()));
        let base = if get(3) == "rounded" {
            Some(ind.and_then(|i| i.rounding_base).unwrap_or(10).to_string())
        } else {
            None
        };
        let figure = figure_fields(
            &mut diags,
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
        let (source, source_ref) = match split_source(get(8), catalogue) {
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
            match known_texts.get(text) {
                Some(id) => footnotes.push((*id).clone()),
                None => {
                    let id = new_ids.entry(text.to_owned()).or_insert_with(|| {
                        let id = Slug::for_footnote_text(text);
                        out.new_footnotes.push(Footnote {
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
            continue;
        };
        let cell = Cell {
            indicator,
            period,
            breakdown,
            figure,
            provenance: Provenance {
                source,
                source_ref,
                document: document.cloned(),
                footnotes,
                quote: String::new(),
            },
        };
        for p in index.cell_problems(&cell) {
            // Footnotes new to the store are added with the import.
            if p.field == "footnotes" {
                continue;
            }
            diags.push(Diagnostic::new(file, Some(line), Some(p.field), p.message));
        }
        let key = (
            cell.indicator.to_string(),
            cell.period.to_string(),
            cell.breakdown.to_string(),
        );
        if let Some(first) = seen.insert(key, line) {
            diags.push(Diagnostic::new(
                file,
                Some(line),
                None,
                format!("this cell is also on line {first}: give each cell once"),
            ));
        }
        if diags.len() == before {
            out.cells.push(RecordedCell {
                cell,
                recorded_at,
                reason: reason.map(str::to_owned),
                file: file.to_owned(),
                line,
            });
        }
    }
    (out, diags)
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
