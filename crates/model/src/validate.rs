use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

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
        let by_breakdown: HashMap<&Breakdown, usize> =
            members.iter().map(|&i| (&cells[i].breakdown, i)).collect();
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
                            .get(&total.breakdown.with(dim.clone(), v.id.clone()))
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
