use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::{Breakdown, Catalogue, Cell, Unit};

/// One thing wrong with a cell, named by the field it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    pub field: &'static str,
    pub message: String,
}

impl CellProblem {
    pub fn new(field: &'static str, message: String) -> Self {
        CellProblem { field, message }
    }
}

/// Parts that add up to more than their total, for an indicator whose parts
/// are exclusive. Indices point into the slice given to [`check_additivity`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdditivityViolation {
    pub total: usize,
    pub parts: Vec<usize>,
    pub dimension: String,
    pub parts_at_least: f64,
    pub total_at_most: f64,
}

impl AdditivityViolation {
    pub fn message<C: Borrow<Cell>>(&self, cells: &[C]) -> String {
        let t: &Cell = cells[self.total].borrow();
        format!(
            "the parts of {} {} [{}] by '{}' add up to at least {} but the total is at most {}; \
             the indicator's parts are exclusive, so correct a part or the total",
            t.indicator,
            t.period,
            if t.breakdown.is_total() {
                "total".to_owned()
            } else {
                t.breakdown.to_string()
            },
            self.dimension,
            self.parts_at_least,
            self.total_at_most,
        )
    }
}

/// Finds every breakdown whose parts exceed their total, for the indicators
/// declared exclusive. Bounds are used, not points: "<10" counts as at least
/// 0 in a sum and at most 10 as a total, so only a sure contradiction is
/// reported.
pub fn check_additivity<C: Borrow<Cell>>(
    catalogue: &Catalogue,
    cells: &[C],
) -> Vec<AdditivityViolation> {
    let cells: Vec<&Cell> = cells.iter().map(Borrow::borrow).collect();
    let mut groups: BTreeMap<(&str, &crate::Period), Vec<usize>> = BTreeMap::new();
    for (i, c) in cells.iter().enumerate() {
        groups
            .entry((c.indicator.as_str(), &c.period))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((indicator, _), members) in groups {
        let Some(ind) = catalogue.indicator(indicator) else {
            continue;
        };
        if !ind.exclusive || ind.unit != Unit::Count {
            continue;
        }
        // A cell is a total only over a dimension it leaves open; where every
        // cell fixes every dimension (a file of the finest cells) there is
        // nothing to add up, and no cell need be looked up.
        let open = |c: &Cell| {
            ind.dimensions
                .iter()
                .any(|d| c.breakdown.get(d.as_str()).is_none())
        };
        if !members.iter().any(|&i| open(cells[i])) {
            continue;
        }
        let by_breakdown: foldhash::HashMap<Pairs<'_>, usize> = members
            .iter()
            .map(|&i| (Pairs::of(&cells[i].breakdown), i))
            .collect();
        for &t in &members {
            let total = cells[t];
            let Some((_, total_hi)) = total.figure.bounds() else {
                continue;
            };
            for dim in &ind.dimensions {
                if total.breakdown.get(dim.as_str()).is_some() {
                    continue;
                }
                let Some(d) = catalogue.dimension(dim.as_str()) else {
                    continue;
                };
                let parts: Vec<usize> = d
                    .values
                    .iter()
                    .filter_map(|v| {
                        by_breakdown
                            .get(&Pairs::with(&total.breakdown, dim.as_str(), v.id.as_str()))
                            .copied()
                    })
                    .collect();
                let at_least: f64 = parts
                    .iter()
                    .map(|&p| cells[p].figure.bounds().map_or(0.0, |(lo, _)| lo))
                    .sum();
                if at_least > total_hi + 1e-9 {
                    out.push(AdditivityViolation {
                        total: t,
                        parts,
                        dimension: dim.to_string(),
                        parts_at_least: at_least,
                        total_at_most: total_hi,
                    });
                }
            }
        }
    }
    out
}

/// One problem of an incoming figure, by its position among the incoming
/// cells, so each way in can name its own row, line or form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureProblem {
    pub cell: usize,
    pub field: &'static str,
    pub message: String,
}

/// The one check of figures against the catalogue and what the store holds,
/// used by every way in: `zicht import`, a delivery (grid, CSV or XLSX, in
/// the portal or the API), `zicht estimate --save` and the store's own load.
///
/// Per cell: [`crate::CatalogueIndex::cell_problems`] (a known indicator and
/// organisation, the period's shape, the breakdown, whole numbers for
/// counts, estimates only where the indicator holds estimates, the unit's
/// range). Across cells: the incoming cells laid over `current` must not
/// make parts exceed their total where the indicator's parts are exclusive.
/// Only a contradiction the incoming cells make is reported; one the store
/// already holds (two editions that disagree) is not theirs. A cell that
/// changes a figure the store holds is a correction, and a correction needs
/// a reason: `correction_reason` is the one the way in records (`--reason`,
/// a round's review).
pub fn check_figures<A: Borrow<Cell>, B: Borrow<Cell>>(
    catalogue: &Catalogue,
    incoming: &[A],
    current: &[B],
    correction_reason: Option<&str>,
) -> Vec<FigureProblem> {
    let incoming: Vec<&Cell> = incoming.iter().map(Borrow::borrow).collect();
    let current: Vec<&Cell> = current.iter().map(Borrow::borrow).collect();
    let index = catalogue.index();
    let mut out = Vec::new();
    for (i, c) in incoming.iter().enumerate() {
        out.extend(index.cell_problems(c).into_iter().map(|p| FigureProblem {
            cell: i,
            field: p.field,
            message: p.message,
        }));
    }
    // Every key is hashed once on each side (a re-import checks a million
    // cells against a million held): `stored[i]` is the held cell an
    // incoming one meets, and the held cells it replaces are marked by
    // position instead of looked up again.
    let mut held: foldhash::HashMap<CellKey<'_>, usize> =
        foldhash::HashMap::with_capacity_and_hasher(current.len(), Default::default());
    // A key held twice: the later position wins, as it would in a map
    // built from the list; the earlier goes where the later goes.
    let mut shadowed: Vec<(usize, usize)> = Vec::new();
    for (j, c) in current.iter().enumerate() {
        if let Some(earlier) = held.insert(key(c), j) {
            shadowed.push((earlier, j));
        }
    }
    let mut replaced = vec![false; current.len()];
    let mut stored: Vec<Option<&Cell>> = Vec::with_capacity(incoming.len());
    for c in &incoming {
        let at = held.get(&key(c)).copied();
        if let Some(j) = at {
            replaced[j] = true;
        }
        stored.push(at.map(|j| current[j]));
    }
    for &(earlier, later) in shadowed.iter().rev() {
        replaced[earlier] |= replaced[later];
    }
    drop(held);
    let changes = |i: usize| stored[i].map(|old| old.figure != incoming[i].figure);
    if correction_reason.is_none_or(|r| r.trim().is_empty()) {
        for (i, c) in incoming.iter().enumerate() {
            // A figure where the store had "not available" completes the
            // cell; it corrects nothing.
            let Some(old) = stored[i] else { continue };
            let completes = old.figure == crate::Figure::NotAvailable;
            if changes(i) == Some(true) && !completes {
                out.push(FigureProblem {
                    cell: i,
                    field: "reason",
                    message: format!(
                        "this corrects {} {} [{}] from {} to {}: a correction needs a reason \
                         (zicht import --reason \"…\"), kept with the new value",
                        c.indicator,
                        c.period,
                        breakdown_label(&c.breakdown),
                        shown(catalogue, old),
                        shown(catalogue, c),
                    ),
                });
            }
        }
    }
    // Parts may not exceed their totals in what the store will hold after
    // this: the incoming cells laid over the current ones.
    let affected: foldhash::HashSet<(&str, &crate::Period)> = incoming
        .iter()
        .map(|c| (c.indicator.as_str(), &c.period))
        .collect();
    let mut merged: Vec<&Cell> = current
        .iter()
        .zip(&replaced)
        .filter(|(c, replaced)| {
            !**replaced && affected.contains(&(c.indicator.as_str(), &c.period))
        })
        .map(|(c, _)| *c)
        .collect();
    let first_incoming = merged.len();
    merged.extend(incoming.iter().copied());
    let violations = check_additivity(catalogue, &merged);
    if violations.is_empty() {
        // Nearly always: what is held is then not looked at a second time.
        out.sort_by_key(|p| p.cell);
        return out;
    }
    // What the store holds may contradict itself already (two editions
    // that disagree, a document's own arithmetic): such a relation is not
    // the newcomers' fault, whatever they add to it. Only the groups with a
    // violation need the look.
    let violated: foldhash::HashSet<(&str, &crate::Period)> = violations
        .iter()
        .map(|v| (merged[v.total].indicator.as_str(), &merged[v.total].period))
        .collect();
    let held_before: Vec<&Cell> = current
        .iter()
        .copied()
        .filter(|c| violated.contains(&(c.indicator.as_str(), &c.period)))
        .collect();
    let contradicted: foldhash::HashSet<(CellKey<'_>, String)> =
        check_additivity(catalogue, &held_before)
            .into_iter()
            .map(|v| (key(held_before[v.total]), v.dimension))
            .collect();
    let changed = |i: usize| i >= first_incoming && changes(i - first_incoming) != Some(false);
    for v in violations {
        if contradicted.contains(&(key(merged[v.total]), v.dimension.clone())) {
            continue;
        }
        let culprit = std::iter::once(v.total)
            .chain(v.parts.iter().copied())
            .find(|&i| changed(i));
        if let Some(i) = culprit {
            out.push(FigureProblem {
                cell: i - first_incoming,
                field: "value",
                message: v.message(&merged),
            });
        }
    }
    out.sort_by_key(|p| p.cell);
    out
}

/// A figure as the messages write it, in the indicator's unit.
fn shown(catalogue: &Catalogue, c: &Cell) -> String {
    let unit = catalogue
        .indicator(c.indicator.as_str())
        .map_or(Unit::Count, |i| i.unit);
    crate::FigureDisplay {
        figure: &c.figure,
        unit,
        lang: crate::Lang::En,
    }
    .to_string()
}

/// A cell's breakdown, or a total's with one more pair: the parts of a
/// total are looked up without building (and allocating) the breakdown of
/// each, once per total, dimension and value.
#[derive(Clone, Copy)]
struct Pairs<'a> {
    base: &'a Breakdown,
    /// A dimension `base` leaves open, and its value.
    extra: Option<(&'a str, &'a str)>,
}

impl<'a> Pairs<'a> {
    fn of(base: &'a Breakdown) -> Self {
        Pairs { base, extra: None }
    }

    fn with(base: &'a Breakdown, dim: &'a str, value: &'a str) -> Self {
        Pairs {
            base,
            extra: Some((dim, value)),
        }
    }

    /// The pairs in the breakdown's own order (by dimension).
    fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let mut extra = self.extra;
        let mut base = self.base.pairs().peekable();
        std::iter::from_fn(move || match (extra, base.peek()) {
            // The extra pair goes before the first base pair after it, or
            // last.
            (Some(e), next) if next.is_none_or(|(bd, _)| e.0 < bd.as_str()) => {
                extra = None;
                Some(e)
            }
            _ => base.next().map(|(d, v)| (d.as_str(), v.as_str())),
        })
    }
}

impl std::hash::Hash for Pairs<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // A str hashes with a terminator, so the sequence needs no length.
        for (d, v) in self.iter() {
            d.hash(state);
            v.hash(state);
        }
    }
}

impl PartialEq for Pairs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Pairs<'_> {}

type CellKey<'a> = (&'a str, &'a crate::Period, &'a Breakdown);

fn key(c: &Cell) -> CellKey<'_> {
    (c.indicator.as_str(), &c.period, &c.breakdown)
}

fn breakdown_label(b: &Breakdown) -> String {
    if b.is_total() {
        "total".to_owned()
    } else {
        b.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Dimension, DimensionValue, Figure, Frequency, Indicator, Period, Provenance, Slug,
    };
    use proptest::prelude::*;

    fn s(x: &str) -> Slug {
        Slug::parse(x).unwrap()
    }

    #[test]
    fn a_total_with_one_more_pair_is_the_part() {
        let part = Breakdown::parse("age=12-17;origin=foreign;sex=boys").unwrap();
        for (total, dim, value) in [
            ("origin=foreign;sex=boys", "age", "12-17"),
            ("age=12-17;sex=boys", "origin", "foreign"),
            ("age=12-17;origin=foreign", "sex", "boys"),
        ] {
            let total = Breakdown::parse(total).unwrap();
            let looked_up = Pairs::with(&total, dim, value);
            assert!(looked_up == Pairs::of(&part));
            let hash = |p: &Pairs<'_>| {
                std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::with_seed(7), p)
            };
            assert_eq!(hash(&looked_up), hash(&Pairs::of(&part)));
            assert!(Pairs::with(&total, dim, "other") != Pairs::of(&part));
        }
        assert!(Pairs::of(&Breakdown::total()) != Pairs::of(&part));
    }

    fn catalogue() -> Catalogue {
        let mut cat = Catalogue::default();
        cat.indicators.push(Indicator {
            id: s("victims"),
            theme: s("t"),
            label_nl: String::new(),
            label_en: String::new(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: Unit::Count,
            counting_unit: None,
            dimensions: vec![s("sex")],
            exclusive: true,
            estimates: false,
            frequency: Frequency::Year,
            from: None,
            to: None,
            sources: vec![],
            recommendations: vec![],
            min_count: None,
            rounding_base: None,
            zeros_sensitive: None,
            protection: None,
            derived: None,
            registered: None,
        });
        let value = |v: &str| DimensionValue {
            id: s(v),
            label_nl: String::new(),
            label_en: String::new(),
            parent: None,
        };
        cat.dimensions.push(Dimension {
            id: s("sex"),
            label_nl: String::new(),
            label_en: String::new(),
            parent: None,
            min_count: None,
            values: vec![value("boys"), value("girls")],
        });
        cat
    }

    fn cell(breakdown: &str, figure: Figure) -> Cell {
        Cell {
            indicator: s("victims"),
            period: Period::year(2024),
            breakdown: Breakdown::parse(breakdown).unwrap(),
            figure,
            provenance: Provenance::default(),
        }
    }

    fn exact(value: f64) -> Figure {
        Figure::Exact { value }
    }

    #[test]
    fn a_part_over_the_total_is_named_at_the_incoming_cell_that_makes_it() {
        let cat = catalogue();
        let current = [cell("", exact(61.0))];
        let incoming = [cell("sex=girls", exact(70.0))];
        let p = check_figures(&cat, &incoming, &current, None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].cell, p[0].field), (0, "value"));
        assert!(p[0]
            .message
            .contains("at least 70 but the total is at most 61"));
    }

    #[test]
    fn a_contradiction_the_store_already_holds_is_not_the_newcomers_fault() {
        let cat = catalogue();
        let current = [cell("", exact(61.0)), cell("sex=girls", exact(70.0))];
        let incoming = [cell("sex=boys", exact(3.0))];
        assert_eq!(check_figures(&cat, &incoming, &current, None), []);
        // Sending the same contradiction again changes nothing either.
        assert_eq!(check_figures(&cat, &current, &current, None), []);
    }

    #[test]
    fn a_correction_needs_a_reason_but_completing_a_missing_figure_does_not() {
        let cat = catalogue();
        let current = [
            cell("", exact(52.0)),
            cell("sex=boys", Figure::NotAvailable),
        ];
        let incoming = [cell("", exact(53.0)), cell("sex=boys", exact(4.0))];
        let p = check_figures(&cat, &incoming, &current, None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].cell, p[0].field), (0, "reason"));
        assert!(p[0].message.contains("from 52 to 53"), "{}", p[0].message);
        assert_eq!(
            check_figures(&cat, &incoming, &current, Some("late registration")),
            []
        );
        assert_eq!(
            check_figures(&cat, &incoming, &current, Some("  ")).len(),
            1
        );
    }

    #[test]
    fn a_count_is_whole_and_an_estimate_needs_an_indicator_that_holds_estimates() {
        let mut cat = catalogue();
        let incoming = [
            cell("", exact(1.234)),
            cell("sex=boys", exact(0.5)),
            cell(
                "sex=girls",
                Figure::Estimate {
                    value: Some(40.5),
                    lower: None,
                    upper: None,
                },
            ),
        ];
        let p = check_figures(&cat, &incoming, &[] as &[Cell], None);
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.cell, p.field)).collect();
        assert_eq!(got, [(0, "value"), (1, "value"), (2, "status")], "{p:?}");
        assert!(
            p[0].message.contains("if you meant 1234"),
            "{}",
            p[0].message
        );
        assert!(!p[1].message.contains("if you meant"), "{}", p[1].message);
        // An estimate of a count may carry a fraction.
        cat.indicators[0].estimates = true;
        let p = check_figures(&cat, &incoming[2..], &[] as &[Cell], None);
        assert_eq!(p, []);
    }

    proptest! {
        /// Whatever comes in, the check names only incoming cells and never
        /// panics; and a total at least the sum of its parts is never an
        /// additivity problem.
        #[test]
        fn problems_point_at_incoming_cells(
            total in 0u32..200, boys in 0u32..100, girls in 0u32..100,
            held_total in proptest::option::of(0u32..200),
        ) {
            let cat = catalogue();
            let incoming = [
                cell("", exact(f64::from(total))),
                cell("sex=boys", exact(f64::from(boys))),
                cell("sex=girls", exact(f64::from(girls))),
            ];
            let current: Vec<Cell> = held_total
                .map(|t| cell("", exact(f64::from(t))))
                .into_iter()
                .collect();
            let p = check_figures(&cat, &incoming, &current, Some("test"));
            prop_assert!(p.iter().all(|p| p.cell < incoming.len()));
            let adds_up = boys + girls <= total;
            prop_assert_eq!(p.iter().any(|p| p.field == "value"), !adds_up);
        }
    }
}
