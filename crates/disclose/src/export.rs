//! Disclosure control for rows of zicht's export CSV format
//! (`indicator,period,breakdown,status,value,lower,upper,unit,source,footnote`),
//! without reading or writing anything: `zicht protect` does the I/O.
//!
//! Per indicator × period, a breakdown with fewer dimensions is the sum of the
//! breakdowns that refine it by one dimension; the empty breakdown is the total.

use std::collections::BTreeMap;

use zicht_contract::{parse_breakdown, parse_number, write_number, ExportRow};

use crate::builder::{Hierarchy, TableBuilder};
use crate::suppress::{protect_table_with, ProtectError, ProtectOptions, Reason, Summary};
use crate::table::{Publication, Truth};
use crate::{audit_certified, AuditError, CellAudit, Requirement, Rules, TableError};

/// A problem with one input row (0-based index into the rows given).
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub row: usize,
    pub message: String,
    /// Other rows involved (the parts of a total that does not add up).
    pub also: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    #[error("{} problem(s) in the table", .0.len())]
    Rows(Vec<RowProblem>),
    #[error("{indicator} {period}: {source}")]
    Protect {
        indicator: String,
        period: String,
        source: ProtectError,
    },
    #[error("{indicator} {period}: {source}")]
    Audit {
        indicator: String,
        period: String,
        source: AuditError,
    },
}

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub rules: Rules,
    pub hierarchies: Vec<Hierarchy>,
    pub protect: ProtectOptions,
}

#[derive(Debug, Clone)]
pub struct ProtectedRows {
    /// The rows in input order, each as it may be published.
    pub rows: Vec<ExportRow>,
    pub summary: Summary,
    /// Every row not published as given, in input order, with what the
    /// auditor proved of it.
    pub hidden: Vec<HiddenRow>,
}

/// A row the protection hid (or widened), and the attacker's interval the
/// auditor proved for it: `None` for a cell hidden only to protect others,
/// which has no requirement of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenRow {
    /// 0-based index into the rows given.
    pub row: usize,
    pub audit: Option<CellAudit>,
}

/// The columns of `zicht protect --report`.
pub const REPORT_HEADER: [&str; 8] = [
    "indicator",
    "period",
    "breakdown",
    "status",
    "requirement",
    "proven_low",
    "proven_high",
    "exact",
];

impl HiddenRow {
    /// The report's fields, [`REPORT_HEADER`] order, from the published row.
    pub fn fields(&self, published: &ExportRow) -> [String; 8] {
        let (requirement, low, high, exact) = match &self.audit {
            None => (
                "none".to_owned(),
                String::new(),
                String::new(),
                String::new(),
            ),
            Some(a) => (
                describe_requirement(&a.requirement),
                write_number(a.low),
                write_number(a.high),
                a.exact.to_string(),
            ),
        };
        [
            published.indicator.clone(),
            published.period.clone(),
            published.breakdown.clone(),
            published.status.clone(),
            requirement,
            low,
            high,
            exact,
        ]
    }
}

/// A requirement as the report prints it: `contains 6..9` (the attacker
/// must not exclude any of those) or `width 3`.
pub fn describe_requirement(r: &Requirement) -> String {
    match *r {
        Requirement::Contains { lower, upper } => {
            format!("contains {}..{}", write_number(lower), write_number(upper))
        }
        Requirement::Width(w) => format!("width {}", write_number(w)),
    }
}

fn number(row: usize, field: &str, text: &str) -> Result<f64, RowProblem> {
    parse_number(text).map_err(|e| RowProblem {
        row,
        message: format!("{field}: {e}"),
        also: Vec::new(),
    })
}

fn truth(i: usize, row: &ExportRow, rule_base: f64) -> Result<Truth, RowProblem> {
    let need = |field: &str, text: &str| number(i, field, text);
    Ok(match row.status.as_str() {
        "exact" => Truth::Exact(need("value", &row.value)?),
        "below" => Truth::Below {
            upper: need("upper", &row.upper)?,
        },
        "range" => Truth::Range {
            lower: need("lower", &row.lower)?,
            upper: need("upper", &row.upper)?,
        },
        "rounded" if !row.lower.is_empty() && !row.upper.is_empty() => Truth::Range {
            lower: need("lower", &row.lower)?,
            upper: need("upper", &row.upper)?,
        },
        // The export format has no base column: the rule's base, else tens.
        "rounded" => Truth::Rounded {
            value: need("value", &row.value)?,
            base: if rule_base > 0.0 { rule_base } else { 10.0 },
        },
        // A model estimate is no count the table adds up with.
        "refused" => Truth::Refused,
        "estimate" | "not_available" | "suppressed" => Truth::Unknown,
        other => {
            return Err(RowProblem {
                row: i,
                message: format!("unknown status '{other}'"),
                also: Vec::new(),
            })
        }
    })
}

/// Protects every indicator × period of an export table; refuses a table that
/// does not add up, naming the rows.
pub fn protect_rows(
    rows: &[ExportRow],
    options: &ExportOptions,
) -> Result<ProtectedRows, ExportError> {
    let mut problems = Vec::new();
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        groups
            .entry((row.indicator.as_str(), row.period.as_str()))
            .or_default()
            .push(i);
    }
    let mut out: Vec<ExportRow> = rows.to_vec();
    let mut summary = Summary::default();
    let mut hidden = Vec::new();
    for ((indicator, period), members) in groups {
        let mut builder = TableBuilder::new();
        for h in &options.hierarchies {
            builder = builder.hierarchy(h.clone());
        }
        let mut rows_of = Vec::with_capacity(members.len());
        for &i in &members {
            let row = &rows[i];
            let pairs = match parse_breakdown(&row.breakdown) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(RowProblem {
                        row: i,
                        message: e.to_string(),
                        also: Vec::new(),
                    });
                    continue;
                }
            };
            let rule = options
                .rules
                .effective(indicator, pairs.iter().map(|(d, _)| d.as_str()));
            let t = match truth(i, row, rule.rounding_base) {
                Ok(t) => t,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            match builder.push(&pairs, t, rule) {
                Ok(_) => rows_of.push(i),
                Err(e) => problems.push(RowProblem {
                    row: i,
                    message: e.to_string(),
                    also: Vec::new(),
                }),
            }
        }
        if !problems.is_empty() {
            continue;
        }
        let table = match builder.build() {
            Ok(t) => t,
            Err(e) => {
                let row = match &e {
                    TableError::BadCell { label, .. } => rows_of
                        .iter()
                        .copied()
                        .find(|&i| rows[i].breakdown == *label)
                        .unwrap_or(members[0]),
                    _ => members[0],
                };
                problems.push(RowProblem {
                    row,
                    message: e.to_string(),
                    also: Vec::new(),
                });
                continue;
            }
        };
        if let Err(TableError::NotAdditive(list)) = table.reference_point() {
            for inc in list {
                problems.push(RowProblem {
                    row: rows_of[inc.cells[0]],
                    message: format!("{indicator} {period}: {}", inc.message),
                    also: inc.cells[1..].iter().map(|&c| rows_of[c]).collect(),
                });
            }
            continue;
        }
        let (table, protected, _) =
            protect_table_with(&table, &options.protect).map_err(|source| {
                ExportError::Protect {
                    indicator: indicator.to_owned(),
                    period: period.to_owned(),
                    source,
                }
            })?;
        let audit = audit_certified(&table, &protected.publications, &protected.certificates)
            .map_err(|source| ExportError::Audit {
                indicator: indicator.to_owned(),
                period: period.to_owned(),
                source,
            })?;
        summary.add(&protected.summary);
        let mut proven: Vec<Option<CellAudit>> = vec![None; rows_of.len()];
        for a in audit.cells {
            let at = a.cell;
            proven[at] = Some(a);
        }
        for (id, &i) in rows_of.iter().enumerate() {
            if matches!(
                protected.reasons[id],
                Reason::Primary | Reason::Secondary | Reason::Given
            ) || proven[id].is_some()
            {
                hidden.push(HiddenRow {
                    row: i,
                    audit: proven[id].take(),
                });
            }
            let row = &mut out[i];
            let blank = |row: &mut ExportRow, status: &str| {
                row.status = status.to_owned();
                row.value.clear();
                row.lower.clear();
                row.upper.clear();
            };
            match (protected.reasons[id], protected.publications[id]) {
                (Reason::Published | Reason::Withheld | Reason::Locked, _) => {}
                (Reason::Secondary, _) => blank(row, "suppressed"),
                (_, Publication::Below { upper }) => {
                    blank(row, "below");
                    row.upper = write_number(upper);
                }
                (_, Publication::Rounded { value, .. }) if row.status != "rounded" => {
                    blank(row, "rounded");
                    row.value = write_number(value);
                }
                // The supplier's own range or rounding, published as given.
                _ => {}
            }
        }
    }
    if problems.is_empty() {
        hidden.sort_by_key(|h| h.row);
        Ok(ProtectedRows {
            rows: out,
            summary,
            hidden,
        })
    } else {
        problems.sort_by_key(|p| p.row);
        Err(ExportError::Rows(problems))
    }
}
