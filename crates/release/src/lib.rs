//! The release path: from the cells the store holds to the cells a public
//! output may show. Every public output — `zicht export --public`, the site,
//! the API, the downloads — takes its cells from [`public_cells`]; there is
//! no other way from the store to the public.
//!
//! Each indicator × period of counts is one table for `zicht-disclose`:
//! primary suppression ("<k" as the seeds publish it), secondary suppression
//! so that no hidden cell can be recomputed from its total and the other
//! parts, and the attacker's audit, which refuses the release if any hidden
//! cell could still be narrowed below its rule. No I/O, no clock: the
//! caller says what time it is.
//!
//! Three more ways a hidden cell could leak are closed here:
//! - **editions**: the moments a monitor has published (each edition, then
//!   the latest figures) are released in order, and each table is protected
//!   together with everything published of it before, locked — a figure
//!   hidden now cannot be recovered by differencing with an older edition;
//! - **derived figures**: a share, a change or a count declared `derived`
//!   from hidden cells is hidden too;
//! - **embargo**: a cell of a document whose embargo has not passed is not
//!   in any public output at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use time::OffsetDateTime;
use zicht_disclose::{
    audit_certified, derived_to_hide, link_earlier, protect_table, AuditError, EarlierEdition,
    Hierarchy, ProtectError, Publication, Relation, Rule, Table, TableBuilder, TableError, Truth,
};
use zicht_model::{
    Breakdown, Catalogue, Cell, DerivationKind, Document, DocumentKind, Figure, Indicator, Period,
    Unit,
};

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
        // A refusal is a confidentiality request: protected like a small count.
        Figure::Refused => Truth::Refused,
        Figure::Estimate { .. } | Figure::NotAvailable | Figure::Suppressed => Truth::Unknown,
    }
}

fn rule(catalogue: &Catalogue, ind: &Indicator, cell: &Cell) -> Rule {
    Rule {
        min_count: min_count(catalogue, cell).map_or(0.0, f64::from),
        rounding_base: ind.rounding_base.map_or(0.0, f64::from),
        zeros_sensitive: ind.zeros_sensitive.unwrap_or(false),
        protection: ind.protection.map(f64::from),
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
            if !ind.dimensions.contains(parent) {
                return None;
            }
            // The same constructor as `zicht protect --hierarchy`; a value
            // under two parents cannot get here (one `parent` per value).
            Hierarchy::new(
                parent.as_str(),
                d.id.as_str(),
                d.values
                    .iter()
                    .filter_map(|v| Some((v.id.as_str(), v.parent.as_ref()?.as_str()))),
            )
            .ok()
        })
        .collect()
}

/// What an earlier moment published of one indicator × period: the table
/// as it was protected (earlier moments locked inside it), what every cell
/// of it showed, and where the moment's own cells sit in it.
struct Published {
    table: Table,
    publications: Vec<Publication>,
    own: HashMap<Breakdown, usize>,
    /// The moment's own figures, to reuse when the next moment is the same.
    cells: Vec<Cell>,
    figures: Vec<Figure>,
}

/// Protects one indicator × period at one moment, given what earlier
/// moments published of it. Parts are first taken to add up exactly to
/// their total — the strongest thing an attacker could assume — then, where
/// the figures contradict that, as at most their total (a breakdown may
/// leave an "unknown" out).
fn protect_group(
    catalogue: &Catalogue,
    ind: &Indicator,
    cells: &[&Cell],
    earlier: Option<&Published>,
) -> Result<(Vec<Figure>, Option<Published>), ReleaseError> {
    let name = |c: &Cell| (c.indicator.to_string(), c.period.to_string());
    let (indicator, period) = name(cells[0]);
    // The same figures as the moment before: the same publication is as
    // safe as it was, and adds nothing an attacker did not have.
    if let Some(e) = earlier {
        if e.cells.len() == cells.len() && e.cells.iter().zip(cells).all(|(a, b)| a == *b) {
            let again = Published {
                table: e.table.clone(),
                publications: e.publications.clone(),
                own: e.own.clone(),
                cells: e.cells.clone(),
                figures: e.figures.clone(),
            };
            return Ok((e.figures.clone(), Some(again)));
        }
    }
    let relations: &[Relation] = if ind.exclusive {
        &[Relation::Equal, Relation::PartsAtMost]
    } else {
        &[Relation::PartsAtLeast]
    };
    let table_error = |source| ReleaseError::Table {
        indicator: indicator.clone(),
        period: period.clone(),
        source,
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
                .map_err(table_error)?;
        }
        let table = match builder.build() {
            Ok(t) => t,
            Err(e @ TableError::NotAdditive(_)) => {
                last_error = Some(table_error(e));
                continue;
            }
            Err(source) => return Err(table_error(source)),
        };
        let table = match earlier {
            Some(e) => {
                let same_cells: Vec<(usize, usize)> = cells
                    .iter()
                    .enumerate()
                    .filter_map(|(now, c)| Some((now, *e.own.get(&c.breakdown)?)))
                    .collect();
                link_earlier(
                    &table,
                    &EarlierEdition {
                        table: &e.table,
                        publications: &e.publications,
                        same_cells: &same_cells,
                    },
                )
                .map_err(table_error)?
                .table
            }
            None => table,
        };
        // Zeros hidden too, or everything hidden as "x", where the ordinary
        // pattern cannot protect a small count (see `protect_table`); the
        // table returned carries the rules applied, for the audit and for
        // the next moment linked to this one.
        let (table, protected) = match protect_table(&table) {
            Ok((table, p, _)) => (table, p),
            Err(ProtectError::Table(e @ TableError::NotAdditive(_))) => {
                last_error = Some(table_error(e));
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
        let figures: Vec<Figure> = cells
            .iter()
            .zip(&protected.publications)
            .map(|(c, p)| figure(&c.figure, p))
            .collect();
        let published = Published {
            table,
            publications: protected.publications,
            own: cells
                .iter()
                .enumerate()
                .map(|(i, c)| (c.breakdown.clone(), i))
                .collect(),
            cells: cells.iter().map(|c| (*c).clone()).collect(),
            figures: figures.clone(),
        };
        return Ok((figures, Some(published)));
    }
    // The source's own figures contradict every relation (kic-2020, 2013:
    // boys 30 + girls 65 of 94 foreign victims). No sum can be reasoned
    // about, so each cell is held to its own rule; and if any cell of such a
    // table is small, nothing exact of it is published, since no audit can
    // prove the small cell safe. Nothing to link a later moment to, either:
    // a later table of the same figures is protected on its own.
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
        return Ok((
            own_rule
                .iter()
                .map(|f| match f {
                    Figure::Exact { .. } | Figure::Rounded { .. } => Figure::Suppressed,
                    other => *other,
                })
                .collect(),
            None,
        ));
    }
    match last_error {
        Some(ReleaseError::Table {
            source: TableError::NotAdditive(_),
            ..
        })
        | None => Ok((own_rule, None)),
        Some(e) => Err(e),
    }
}

/// Whether a cell's document may be public at `now`. A cell that names a
/// document the catalogue does not know is held back: it cannot be shown
/// to have been released.
fn released(catalogue: &Catalogue, cell: &Cell, now: OffsetDateTime) -> bool {
    match &cell.provenance.document {
        None => true,
        Some(d) => catalogue
            .document(d.as_str())
            .is_some_and(|doc| doc.is_public_at(now)),
    }
}

/// The documents that are public at `now`: a list of editions, the site's
/// and the API's, shows only these.
pub fn public_documents(catalogue: &Catalogue, now: OffsetDateTime) -> Vec<&Document> {
    catalogue
        .documents
        .iter()
        .filter(|d| d.is_public_at(now))
        .collect()
}

/// The editions published before a moment, oldest first: those whose
/// cut-off lies before `cutoff` (all of them for the latest figures,
/// `None`) and that are public at `now`. Their figures are what
/// [`public_moments`] protects a moment's figures together with.
pub fn editions_before<'a>(
    catalogue: &'a Catalogue,
    cutoff: Option<&str>,
    now: OffsetDateTime,
) -> Vec<&'a Document> {
    catalogue
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition && d.is_public_at(now))
        .filter(|d| cutoff.is_none_or(|c| d.cutoff.as_str() < c))
        .collect()
}

/// The cells a public output may show, in the order given, without the
/// cells still under embargo at `now`. Counts go through disclosure control
/// per indicator × period; a figure derived from a hidden cell is hidden.
///
/// This protects `cells` on their own. Where earlier editions have been
/// published, use [`public_moments`] so that no hidden cell can be
/// recovered by differencing with them.
pub fn public_cells(
    catalogue: &Catalogue,
    cells: &[Cell],
    now: OffsetDateTime,
) -> Result<Vec<Cell>, ReleaseError> {
    Ok(public_moments(catalogue, &[cells], now)?
        .pop()
        .unwrap_or_default())
}

/// Releases a sequence of moments — the editions as they were published,
/// oldest first, and last the moment being asked for — each protected
/// together with everything the moments before it published. Returns, per
/// moment, the cells a public output may show, in the order given, without
/// the cells under embargo at `now`.
pub fn public_moments(
    catalogue: &Catalogue,
    moments: &[&[Cell]],
    now: OffsetDateTime,
) -> Result<Vec<Vec<Cell>>, ReleaseError> {
    let moments: Vec<Vec<&Cell>> = moments
        .iter()
        .map(|m| m.iter().filter(|c| released(catalogue, c, now)).collect())
        .collect();
    // Per indicator × period of counts, its cells in each moment.
    type GroupKey<'a> = (&'a str, &'a Period);
    let mut groups: BTreeMap<GroupKey, Vec<Vec<usize>>> = BTreeMap::new();
    let mut out: Vec<Vec<Cell>> = moments
        .iter()
        .map(|m| m.iter().map(|c| (*c).clone()).collect())
        .collect();
    for (k, m) in moments.iter().enumerate() {
        for (i, c) in m.iter().enumerate() {
            match catalogue.indicator(c.indicator.as_str()) {
                // A cell of no declared indicator has no rule to publish it by.
                None => out[k][i].figure = Figure::Suppressed,
                Some(ind) if ind.unit == Unit::Count => {
                    groups
                        .entry((c.indicator.as_str(), &c.period))
                        .or_insert_with(|| vec![Vec::new(); moments.len()])[k]
                        .push(i);
                }
                Some(_) => {}
            }
        }
    }
    // Groups are independent of each other; within a group, moments go in
    // order, each linked to what the ones before it published.
    let groups: Vec<(GroupKey, Vec<Vec<usize>>)> = groups.into_iter().collect();
    let figures: Vec<Vec<Vec<Figure>>> = groups
        .par_iter()
        .map(|((indicator, _), per_moment)| {
            let ind = catalogue
                .indicator(indicator)
                .expect("grouped only declared indicators");
            let mut earlier: Option<Published> = None;
            let mut figures = Vec::with_capacity(per_moment.len());
            for (k, members) in per_moment.iter().enumerate() {
                if members.is_empty() {
                    figures.push(Vec::new());
                    continue;
                }
                let cells: Vec<&Cell> = members.iter().map(|&i| moments[k][i]).collect();
                let (f, published) = protect_group(catalogue, ind, &cells, earlier.as_ref())?;
                if published.is_some() {
                    earlier = published;
                }
                figures.push(f);
            }
            Ok(figures)
        })
        .collect::<Result<_, ReleaseError>>()?;
    for ((_, per_moment), figures) in groups.iter().zip(figures) {
        for (k, (members, f)) in per_moment.iter().zip(figures).enumerate() {
            for (&i, f) in members.iter().zip(f) {
                out[k][i].figure = f;
            }
        }
    }
    for m in &mut out {
        hide_derived(catalogue, m);
    }
    Ok(out)
}

/// Hides every figure declared `derived` from a cell that is not published
/// exactly, and so on through figures derived from derived ones.
fn hide_derived(catalogue: &Catalogue, cells: &mut [Cell]) {
    type Key = (String, Period, Breakdown);
    let key = |c: &Cell| {
        (
            c.indicator.to_string(),
            c.period.clone(),
            c.breakdown.clone(),
        )
    };
    let hidden: BTreeSet<Key> = cells
        .iter()
        .filter(|c| {
            !matches!(
                c.figure,
                Figure::Exact { .. } | Figure::Rounded { .. } | Figure::Estimate { .. }
            )
        })
        .map(key)
        .collect();
    let mut derivations: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    for c in cells.iter() {
        let Some(d) = catalogue
            .indicator(c.indicator.as_str())
            .and_then(|i| i.derived.as_ref())
        else {
            continue;
        };
        let mut sources = Vec::new();
        for from in &d.from {
            let from = from.to_string();
            sources.push((from.clone(), c.period.clone(), c.breakdown.clone()));
            match d.kind {
                DerivationKind::Change => {
                    if let Some(p) = c.period.previous_year() {
                        sources.push((from, p, c.breakdown.clone()));
                    }
                }
                DerivationKind::Share | DerivationKind::Count => {
                    sources.push((from, c.period.clone(), Breakdown::default()));
                }
            }
        }
        derivations.insert(key(c), sources);
    }
    if derivations.is_empty() {
        return;
    }
    let hide = derived_to_hide(&hidden, &derivations);
    for c in cells.iter_mut() {
        if hide.contains(&key(c))
            && matches!(
                c.figure,
                Figure::Exact { .. }
                    | Figure::Rounded { .. }
                    | Figure::Range { .. }
                    | Figure::Below { .. }
                    | Figure::Estimate { .. }
            )
        {
            c.figure = Figure::Suppressed;
        }
    }
}

/// The catalogue as a public output may show it at `now`: without the
/// documents still under embargo, and without what they say (assessments,
/// texts, dated events, rankings). A site or API built from it cannot name
/// an edition before its time.
pub fn public_catalogue(catalogue: &Catalogue, now: OffsetDateTime) -> Catalogue {
    let closed: BTreeSet<&str> = catalogue
        .documents
        .iter()
        .filter(|d| !d.is_public_at(now))
        .map(|d| d.id.as_str())
        .collect();
    let mut out = catalogue.clone();
    if closed.is_empty() {
        return out;
    }
    let open = |d: &zicht_model::Slug| !closed.contains(d.as_str());
    out.documents.retain(|d| open(&d.id));
    out.assessments.retain(|a| open(&a.document));
    out.texts.retain(|t| open(&t.document));
    out.rankings
        .retain(|r| r.document.as_ref().is_none_or(&open));
    for m in &mut out.measures {
        m.events.retain(|e| e.document.as_ref().is_none_or(&open));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_comes_from_the_data() {
        let mut cat: Catalogue = serde_json::from_value(serde_json::json!({
            "themes": [{ "id": "t", "label_nl": "t", "label_en": "t", "min_count": 10 }],
            "documents": [], "organisations": [], "counting_units": [],
            "dimensions": [{ "id": "country", "label_nl": "land", "label_en": "country",
                             "min_count": 12, "values": [] }],
            "indicators": [{ "id": "v", "theme": "t", "label_nl": "v", "label_en": "v",
                             "unit": "count", "dimensions": ["country"],
                             "rounding_base": 5, "zeros_sensitive": true, "protection": 3 }],
            "footnotes": [], "recommendations": [], "assessments": [], "measures": [],
            "action_plans": [], "texts": [], "rankings": [],
        }))
        .unwrap();
        let cell = |b: &str| Cell {
            indicator: zicht_model::Slug::parse("v").unwrap(),
            period: Period::year(2020),
            breakdown: Breakdown::parse(b).unwrap(),
            figure: Figure::Exact { value: 1.0 },
            provenance: zicht_model::Provenance {
                source: None,
                source_ref: String::new(),
                document: None,
                footnotes: vec![],
                quote: String::new(),
            },
        };
        let ind = cat.indicators[0].clone();
        let r = rule(&cat, &ind, &cell("country=nl"));
        assert_eq!(
            (r.min_count, r.rounding_base, r.zeros_sensitive),
            (12.0, 5.0, true),
            "the strictest of theme and dimension"
        );
        assert_eq!(r.width(), 3.0);
        assert_eq!(rule(&cat, &ind, &cell("")).min_count, 10.0);
        cat.indicators[0].protection = None;
        let ind = cat.indicators[0].clone();
        assert_eq!(
            rule(&cat, &ind, &cell("")).width(),
            3.0,
            "the policy default for k = 10"
        );
    }
}
