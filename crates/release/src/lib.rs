//! The release path: from the cells the store holds to the cells a public
//! output may show. Every public output — `zicht export --public`, the site,
//! the API, the downloads — takes its cells from [`public_cells`]; there is
//! no other way from the store to the public.
//!
//! Each indicator × period of counts is one table for `zicht-disclose`:
//! primary suppression ("<k" as the seeds publish it), secondary suppression
//! so that no hidden cell can be recomputed from its total and the other
//! parts (every relation that adds up is taken as exact; only those the
//! figures themselves contradict are relaxed), and the attacker's audit, which refuses the release if any hidden
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
//!
//! A refused cell is protected like a small count. A small count that is
//! public already (an earlier edition gives it away, or its own source
//! document states it) is hidden all the same and carries the footnote
//! [`EXPOSED`].

mod texts;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use zicht_disclose::{
    audit_certified, derived_to_hide, link_earlier, protect_table, AuditError, EarlierEdition,
    Fallback, Hierarchy, ProtectError, Publication, Relation, Rule, Table, TableBuilder,
    TableError, Truth,
};
use zicht_model::{
    Breakdown, Catalogue, Cell, Day, DerivationKind, Document, DocumentKind, Figure, Footnote,
    Indicator, Instant, Period, Slug, Unit,
};

pub use texts::{numbers, text_warnings, TextWarning, Written};

/// The footnote a cell carries when its small count is already public: an
/// earlier edition gives it away, or its own source document states it.
/// The release does not pretend to hide it.
pub const EXPOSED: &str = "zicht-exposed";

fn exposed_footnote() -> Footnote {
    Footnote {
        id: Slug::parse(EXPOSED).expect("a valid slug"),
        text_nl: "Dit kleine aantal is al openbaar: het volgt uit een eerdere editie of \
                  staat in de bron zelf. Afschermen kan het niet meer verbergen."
            .into(),
        text_en: "This small count is already public: an earlier edition gives it away \
                  or the source itself states it. Withholding it cannot hide it."
            .into(),
    }
}

/// The footnote of the "<k" cells of a table where zeros had to be hidden
/// as "<k" too ([`zicht_disclose::Fallback::ZerosHidden`]).
pub const ZEROS_HIDDEN: &str = "zicht-zeros-hidden";
/// The footnote of the hidden cells of a table where every figure had to be
/// hidden, small counts as "x" too ([`zicht_disclose::Fallback::AllHidden`]).
pub const ALL_HIDDEN: &str = "zicht-all-hidden";

fn fallback_footnotes() -> [Footnote; 2] {
    [
        Footnote {
            id: Slug::parse(ZEROS_HIDDEN).expect("a valid slug"),
            text_nl: "In deze tabel kan \"<k\" ook 0 betekenen: ook nullen zijn afgeschermd, \
                      omdat de kleine aantallen anders uit elkaar af te leiden waren."
                .into(),
            text_en: "In this table \"<k\" may also mean 0: zeros are withheld too, since \
                      the small counts could otherwise be worked out from each other."
                .into(),
        },
        Footnote {
            id: Slug::parse(ALL_HIDDEN).expect("a valid slug"),
            text_nl: "Deze tabel bestaat vooral uit kleine aantallen: alle cijfers zijn \
                      afgeschermd (x), ook de kleine, zodat geen ervan af te leiden is."
                .into(),
            text_en: "This table consists mostly of small counts: every figure is withheld \
                      (x), small ones included, so that none of them can be worked out."
                .into(),
        },
    ]
}

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
    /// The moment's own cells that carry a release footnote, and which.
    notes: Vec<(usize, &'static str)>,
}

/// What one indicator × period shows at one moment: a figure per cell, the
/// cells that carry a release footnote (an earlier edition gives them away;
/// a fallback of `protect_table` applied), and what to link the next moment to.
type Group = (Vec<Figure>, Vec<(usize, &'static str)>, Option<Published>);

/// A group's figures at one moment and the footnotes its cells carry.
type GroupFigures = (Vec<Figure>, Vec<(usize, &'static str)>);

/// Protects one indicator × period at one moment, given what earlier
/// moments published of it. Parts are taken to add up exactly to their
/// total — the strongest thing an attacker could assume — except in the
/// relations the figures themselves contradict: those are read as at most
/// their total (a breakdown may leave an "unknown" out), or not at all. A
/// relation that adds up is protected as exact even where another relation
/// of the same table does not add up, since a reader sees that it does.
fn protect_group(
    catalogue: &Catalogue,
    ind: &Indicator,
    cells: &[&Cell],
    earlier: Option<&Published>,
) -> Result<Group, ReleaseError> {
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
                notes: e.notes.clone(),
            };
            return Ok((e.figures.clone(), e.notes.clone(), Some(again)));
        }
    }
    let relation = if ind.exclusive {
        Relation::Equal
    } else {
        Relation::PartsAtLeast
    };
    let table_error = |source| ReleaseError::Table {
        indicator: indicator.clone(),
        period: period.clone(),
        source,
    };
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
    let (table, _relaxed) = builder.build_relaxed().map_err(table_error)?;
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
    let mut last_error = None;
    // Zeros hidden too, or everything hidden as "x", where the ordinary
    // pattern cannot protect a small count (see `protect_table`); the table
    // returned carries the rules applied, for the audit and for the next
    // moment linked to this one.
    let protected = match protect_table(&table) {
        Ok((table, p, fallback)) => Some((table, p, fallback)),
        Err(ProtectError::Table(e @ TableError::NotAdditive(_))) => {
            last_error = Some(table_error(e));
            None
        }
        Err(source) => {
            return Err(ReleaseError::Protect {
                indicator,
                period,
                source,
            })
        }
    };
    if let Some((table, protected, fallback)) = protected {
        match audit_certified(&table, &protected.publications, &protected.certificates) {
            Ok(_) => {
                // Published "<k" all the same, and said so: hiding more now
                // cannot take back what an earlier edition gave away.
                let mut notes: Vec<(usize, &'static str)> = protected
                    .exposed
                    .iter()
                    .copied()
                    .filter(|&c| c < cells.len())
                    .map(|c| (c, EXPOSED))
                    .collect();
                // Where zeros or small counts had to be hidden differently,
                // a reader must not read "<k" or "x" as usual.
                let note = match fallback {
                    Fallback::None => None,
                    Fallback::ZerosHidden => Some(ZEROS_HIDDEN),
                    Fallback::AllHidden => Some(ALL_HIDDEN),
                };
                if let Some(note) = note {
                    for (c, p) in protected.publications.iter().enumerate().take(cells.len()) {
                        if matches!(p, Publication::Below { .. } | Publication::Suppressed) {
                            notes.push((c, note));
                        }
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
                    notes: notes.clone(),
                };
                return Ok((figures, notes, Some(published)));
            }
            Err(AuditError::Contradiction(c)) => {
                last_error = Some(ReleaseError::Audit {
                    indicator: indicator.clone(),
                    period: period.clone(),
                    source: AuditError::Contradiction(c),
                });
            }
            Err(source) => {
                return Err(ReleaseError::Audit {
                    indicator,
                    period,
                    source,
                })
            }
        }
    }
    // What is published contradicts the figures even with the contradicted
    // relations relaxed (an earlier edition's publication against a later
    // figure). No sum can be reasoned about, so each cell is held to its own
    // rule; and if any cell of such a
    // table is small, nothing exact of it is published, since no audit can
    // prove the small cell safe. Nothing to link a later moment to, either:
    // a later table of the same figures is protected on its own.
    let own_rule: Vec<Figure> = cells
        .iter()
        .map(|c| {
            let rule = rule(catalogue, ind, c);
            match truth(&c.figure) {
                // The same test as primary suppression everywhere else
                // (zeros hidden too where "<k" would name one value).
                Truth::Exact(v) if zicht_disclose::is_sensitive(v, &rule) => Figure::Below {
                    upper: rule.min_count,
                },
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
            Vec::new(),
            None,
        ));
    }
    match last_error {
        Some(ReleaseError::Table {
            source: TableError::NotAdditive(_),
            ..
        })
        | None => Ok((own_rule, Vec::new(), None)),
        Some(e) => Err(e),
    }
}

/// Whether a cell's document may be public at `now`. A cell that names a
/// document the catalogue does not know is held back: it cannot be shown
/// to have been released.
fn released(catalogue: &Catalogue, cell: &Cell, now: Instant) -> bool {
    match &cell.provenance.document {
        None => true,
        Some(d) => catalogue
            .document(d.as_str())
            .is_some_and(|doc| doc.is_public_at(now)),
    }
}

/// The documents that are public at `now`: a list of editions, the site's
/// and the API's, shows only these.
pub fn public_documents(catalogue: &Catalogue, now: Instant) -> Vec<&Document> {
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
pub fn editions_before(catalogue: &Catalogue, cutoff: Option<Day>, now: Instant) -> Vec<&Document> {
    catalogue
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition && d.is_public_at(now))
        .filter(|d| cutoff.is_none_or(|c| d.cutoff < c))
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
    now: Instant,
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
    now: Instant,
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
    let figures: Vec<Vec<GroupFigures>> = groups
        .par_iter()
        .map(|((indicator, _), per_moment)| {
            let ind = catalogue
                .indicator(indicator)
                .expect("grouped only declared indicators");
            let mut earlier: Option<Published> = None;
            let mut figures = Vec::with_capacity(per_moment.len());
            for (k, members) in per_moment.iter().enumerate() {
                if members.is_empty() {
                    figures.push((Vec::new(), Vec::new()));
                    continue;
                }
                let cells: Vec<&Cell> = members.iter().map(|&i| moments[k][i]).collect();
                let (f, exposed, published) =
                    protect_group(catalogue, ind, &cells, earlier.as_ref())?;
                if published.is_some() {
                    earlier = published;
                }
                figures.push((f, exposed));
            }
            Ok(figures)
        })
        .collect::<Result<_, ReleaseError>>()?;
    for ((_, per_moment), figures) in groups.iter().zip(figures) {
        for (k, (members, (f, exposed))) in per_moment.iter().zip(figures).enumerate() {
            for (&i, f) in members.iter().zip(f) {
                out[k][i].figure = f;
            }
            for (e, note) in exposed {
                mark(&mut out[k][members[e]], note);
            }
        }
    }
    // A small count hidden here that its own source document already
    // states (a factsheet, a news item): hiding it does not make it secret,
    // and the reader is told so rather than led to think it is.
    for (m, cells) in out.iter_mut().zip(&moments) {
        for (c, original) in m.iter_mut().zip(cells) {
            let Figure::Exact { value } = original.figure else {
                continue;
            };
            let from_source = original
                .provenance
                .document
                .as_ref()
                .and_then(|d| catalogue.document(d.as_str()))
                .is_some_and(|d| d.kind == DocumentKind::Source);
            let Some(ind) = catalogue.indicator(original.indicator.as_str()) else {
                continue;
            };
            let small = zicht_disclose::is_sensitive(value, &rule(catalogue, ind, original));
            if from_source && small && !matches!(c.figure, Figure::Exact { .. }) {
                mark(c, EXPOSED);
            }
        }
    }
    for m in &mut out {
        hide_derived(catalogue, m);
    }
    Ok(out)
}

fn mark(cell: &mut Cell, note: &str) {
    let note = Slug::parse(note).expect("a valid slug");
    if !cell.provenance.footnotes.contains(&note) {
        cell.provenance.footnotes.push(note);
    }
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
/// texts, dated events, rankings); with the footnote [`EXPOSED`] that
/// [`public_moments`] may give a cell. A site or API built from it cannot name
/// an edition before its time.
pub fn public_catalogue(catalogue: &Catalogue, now: Instant) -> Catalogue {
    let closed: BTreeSet<&str> = catalogue
        .documents
        .iter()
        .filter(|d| !d.is_public_at(now))
        .map(|d| d.id.as_str())
        .collect();
    let mut out = catalogue.clone();
    if out.footnote(EXPOSED).is_none() {
        out.footnotes.push(exposed_footnote());
    }
    for note in fallback_footnotes() {
        if out.footnote(note.id.as_str()).is_none() {
            out.footnotes.push(note);
        }
    }
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
