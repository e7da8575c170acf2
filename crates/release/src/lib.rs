//! The release path: from the cells the store holds to the cells a public
//! output may show. Every public output — `zicht export --public`, the site,
//! the API, the downloads — takes its cells from [`public_cells`]; there is
//! no other way from the store to the public.
//!
//! Each indicator × period of counts is one table for `zicht-disclose`:
//! primary suppression ("<k" as the seeds publish it), secondary suppression
//! so that no hidden cell can be recomputed from its total and the other
//! parts, and the attacker's audit, which refuses the release if any hidden
//! cell could still be narrowed below its rule. No I/O.

use std::collections::BTreeMap;

use zicht_disclose::{
    audit_certified, protect, AuditError, Hierarchy, ProtectError, Publication, Relation, Rule,
    TableBuilder, TableError, Truth,
};
use zicht_model::{Catalogue, Cell, Figure, Indicator, Unit};

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{indicator} {period}: {source}")]
    Audit {
        indicator: String,
        period: String,
        source: AuditError,
    },
    #[error("{indicator} {period}: {source}")]
    Protect {
        indicator: String,
        period: String,
        source: ProtectError,
    },
    #[error("{indicator} {period}: {source}")]
    Table {
        indicator: String,
        period: String,
        source: TableError,
    },
}

/// The smallest count a cell of this indicator and breakdown may show
/// exactly: the strictest of the theme's, the indicator's and each
/// dimension's rule.
pub fn min_count(catalogue: &Catalogue, cell: &Cell) -> Option<u32> {
    let ind = catalogue.indicator(cell.indicator.as_str())?;
    let theme = catalogue
        .theme(ind.theme.as_str())
        .and_then(|t| t.min_count);
    let dims = cell
        .breakdown
        .dimensions()
        .filter_map(|d| catalogue.dimension(d.as_str()).and_then(|d| d.min_count));
    theme.into_iter().chain(ind.min_count).chain(dims).max()
}

fn truth(figure: &Figure) -> Truth {
    match *figure {
        Figure::Exact { value } => Truth::Exact(value),
        Figure::Below { upper } => Truth::Below { upper },
        Figure::Range { lower, upper } => Truth::Range { lower, upper },
        Figure::Rounded { value, base } => Truth::Rounded { value, base },
        Figure::Estimate { .. } | Figure::Refused | Figure::NotAvailable | Figure::Suppressed => {
            Truth::Unknown
        }
    }
}

fn rule(catalogue: &Catalogue, ind: &Indicator, cell: &Cell) -> Rule {
    Rule {
        min_count: min_count(catalogue, cell).map_or(0.0, f64::from),
        rounding_base: ind.rounding_base.map_or(0.0, f64::from),
        zeros_sensitive: ind.zeros_sensitive.unwrap_or(false),
        ..Rule::default()
    }
}

/// What the release says of a cell, as a figure. A cell nothing is known of
/// (refused, not available, an estimate) keeps its own status: that status
/// and its reason are public.
fn figure(original: &Figure, publication: &Publication) -> Figure {
    match *publication {
        Publication::Exact(value) => Figure::Exact { value },
        Publication::Rounded { value, base } => Figure::Rounded { value, base },
        Publication::Below { upper } => Figure::Below { upper },
        Publication::Range { lower, upper } => Figure::Range { lower, upper },
        Publication::Suppressed => Figure::Suppressed,
        Publication::Withheld => *original,
    }
}

fn hierarchies(catalogue: &Catalogue, ind: &Indicator) -> Vec<Hierarchy> {
    ind.dimensions
        .iter()
        .filter_map(|d| catalogue.dimension(d.as_str()))
        .filter_map(|d| {
            let parent = d.parent.as_ref()?;
            ind.dimensions.contains(parent).then(|| Hierarchy {
                parent: parent.to_string(),
                child: d.id.to_string(),
                parent_of: d
                    .values
                    .iter()
                    .filter_map(|v| Some((v.id.to_string(), v.parent.as_ref()?.to_string())))
                    .collect(),
            })
        })
        .collect()
}

/// Protects one indicator × period. Parts are first taken to add up exactly
/// to their total — the strongest thing an attacker could assume — then, where
/// the figures contradict that, as at most their total (a breakdown may leave
/// an "unknown" out).
fn protect_group(
    catalogue: &Catalogue,
    ind: &Indicator,
    cells: &[&Cell],
) -> Result<Vec<Figure>, ReleaseError> {
    let name = |c: &Cell| (c.indicator.to_string(), c.period.to_string());
    let (indicator, period) = name(cells[0]);
    let relations: &[Relation] = if ind.exclusive {
        &[Relation::Equal, Relation::PartsAtMost]
    } else {
        &[Relation::PartsAtLeast]
    };
    let mut last_error = None;
    for &relation in relations {
        let mut builder = TableBuilder::new().relation(relation);
        for h in hierarchies(catalogue, ind) {
            builder = builder.hierarchy(h);
        }
        for c in cells {
            let pairs: Vec<(&str, &str)> = c
                .breakdown
                .pairs()
                .map(|(d, v)| (d.as_str(), v.as_str()))
                .collect();
            builder
                .push(&pairs, truth(&c.figure), rule(catalogue, ind, c))
                .map_err(|source| ReleaseError::Table {
                    indicator: indicator.clone(),
                    period: period.clone(),
                    source,
                })?;
        }
        let table = match builder.build() {
            Ok(t) => t,
            Err(e @ TableError::NotAdditive(_)) => {
                last_error = Some(ReleaseError::Table {
                    indicator: indicator.clone(),
                    period: period.clone(),
                    source: e,
                });
                continue;
            }
            Err(source) => {
                return Err(ReleaseError::Table {
                    indicator,
                    period,
                    source,
                });
            }
        };
        let protected = match protect(&table) {
            Ok(p) => p,
            Err(ProtectError::Table(e @ TableError::NotAdditive(_))) => {
                last_error = Some(ReleaseError::Table {
                    indicator: indicator.clone(),
                    period: period.clone(),
                    source: e,
                });
                continue;
            }
            Err(source) => {
                return Err(ReleaseError::Protect {
                    indicator,
                    period,
                    source,
                })
            }
        };
        match audit_certified(&table, &protected.publications, &protected.certificates) {
            Ok(_) => {}
            Err(AuditError::Contradiction(c)) => {
                last_error = Some(ReleaseError::Audit {
                    indicator: indicator.clone(),
                    period: period.clone(),
                    source: AuditError::Contradiction(c),
                });
                continue;
            }
            Err(source) => {
                return Err(ReleaseError::Audit {
                    indicator,
                    period,
                    source,
                })
            }
        }
        return Ok(cells
            .iter()
            .zip(&protected.publications)
            .map(|(c, p)| figure(&c.figure, p))
            .collect());
    }
    // The source's own figures contradict every relation (kic-2020, 2013:
    // boys 30 + girls 65 of 94 foreign victims). No sum can be reasoned
    // about, so each cell is held to its own rule; and if any cell of such a
    // table is small, nothing exact of it is published, since no audit can
    // prove the small cell safe.
    let own_rule: Vec<Figure> = cells
        .iter()
        .map(|c| {
            let k = min_count(catalogue, c).map_or(0.0, f64::from);
            let zeros = ind.zeros_sensitive.unwrap_or(false);
            match truth(&c.figure) {
                Truth::Exact(v) if v < k && (v > 0.0 || zeros) => Figure::Below { upper: k },
                _ => c.figure,
            }
        })
        .collect();
    let any_small = own_rule.iter().zip(cells).any(|(f, c)| f != &c.figure);
    if any_small {
        return Ok(own_rule
            .iter()
            .map(|f| match f {
                Figure::Exact { .. } | Figure::Rounded { .. } => Figure::Suppressed,
                other => *other,
            })
            .collect());
    }
    match last_error {
        Some(ReleaseError::Table {
            source: TableError::NotAdditive(_),
            ..
        })
        | None => Ok(own_rule),
        Some(e) => Err(e),
    }
}

/// The cells a public output may show, in the order given. Counts go
/// through disclosure control per indicator × period; other units (shares,
/// changes, money) are published as recorded.
pub fn public_cells(catalogue: &Catalogue, cells: &[Cell]) -> Result<Vec<Cell>, ReleaseError> {
    let mut groups: BTreeMap<(&str, &zicht_model::Period), Vec<usize>> = BTreeMap::new();
    for (i, c) in cells.iter().enumerate() {
        groups
            .entry((c.indicator.as_str(), &c.period))
            .or_default()
            .push(i);
    }
    let mut out: Vec<Cell> = cells.to_vec();
    for ((indicator, _), members) in groups {
        let Some(ind) = catalogue.indicator(indicator) else {
            // A cell of no declared indicator has no rule to publish it by.
            for &i in &members {
                out[i].figure = Figure::Suppressed;
            }
            continue;
        };
        if ind.unit != Unit::Count {
            continue;
        }
        let group: Vec<&Cell> = members.iter().map(|&i| &cells[i]).collect();
        let figures = protect_group(catalogue, ind, &group)?;
        for (&i, f) in members.iter().zip(figures) {
            out[i].figure = f;
        }
    }
    Ok(out)
}
