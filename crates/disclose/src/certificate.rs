//! Proofs of protection that the protector hands to the auditor. A proof is a
//! point consistent with everything published at which the cell sits as far
//! from its value as its rule demands; the auditor checks it by arithmetic,
//! so it need not trust the protector.

use crate::lp::{tolerance, FxMap};
use crate::table::{CellId, Relation, Table};

/// A point, as the values of the cells where it differs from the reference
/// point ([`Table::reference_point`]).
pub(crate) type Point = Vec<(CellId, f64)>;

/// Per protected cell, a point at each end of its required interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Certificates {
    pub(crate) points: Vec<Point>,
    pub(crate) low: Vec<Option<u32>>,
    pub(crate) high: Vec<Option<u32>>,
}

impl Certificates {
    pub(crate) fn new(cells: usize) -> Self {
        Certificates {
            points: Vec::new(),
            low: vec![None; cells],
            high: vec![None; cells],
        }
    }

    /// Stores a point given as values of `cells`; only the moved ones are kept.
    pub(crate) fn add(&mut self, cells: &[CellId], values: &[f64], reference: &[f64]) -> u32 {
        let point: Point = cells
            .iter()
            .zip(values)
            .filter(|&(&c, &y)| (y - reference[c]).abs() > tolerance(reference[c]))
            .map(|(&c, &y)| (c, y))
            .collect();
        self.points.push(point);
        (self.points.len() - 1) as u32
    }

    /// The cells the proofs of `cell` move: publishing one may break them.
    pub(crate) fn support(&self, cell: CellId) -> Vec<CellId> {
        let mut s: Vec<CellId> = [self.low[cell], self.high[cell]]
            .into_iter()
            .flatten()
            .flat_map(|p| self.points[p as usize].iter().map(|m| m.0))
            .collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    /// The cells with at least one proof.
    pub fn proven(&self) -> usize {
        self.low
            .iter()
            .zip(&self.high)
            .filter(|(l, h)| l.is_some() || h.is_some())
            .count()
    }
}

pub(crate) fn value_at(point: &Point, reference: &[f64], cell: CellId) -> f64 {
    point
        .iter()
        .find(|m| m.0 == cell)
        .map_or(reference[cell], |m| m.1)
}

/// Whether a point keeps every cell within what was published and every
/// equation it touches satisfied.
pub(crate) fn verify(
    table: &Table,
    bounds: &[(f64, f64)],
    reference: &[f64],
    point: &Point,
) -> bool {
    let mut local: FxMap<CellId, f64> = FxMap::default();
    for &(c, y) in point {
        let Some(&(lo, hi)) = bounds.get(c) else {
            return false;
        };
        if !y.is_finite() || y < lo - tolerance(lo) || y > hi + tolerance(hi) {
            return false;
        }
        // Counts: a point with a fractional count is no point an attacker
        // who knows they are whole numbers has to allow.
        if table.is_integer() && (y - y.round()).abs() > tolerance(y) {
            return false;
        }
        local.insert(c, y);
    }
    let mut eqs: Vec<u32> = point
        .iter()
        .flat_map(|&(c, _)| table.incidence(c).iter().copied())
        .collect();
    eqs.sort_unstable();
    eqs.dedup();
    eqs.into_iter().all(|e| {
        let e = e as usize;
        let (mut sum, mut scale) = (0.0, 0.0);
        for (c, k) in table.terms(e) {
            let v = local.get(&c).copied().unwrap_or(reference[c]);
            sum += k * v;
            scale += v.abs();
        }
        let slack = tolerance(scale);
        match table.equations()[e].relation {
            Relation::Equal => sum.abs() <= slack,
            Relation::PartsAtMost => sum >= -slack,
            Relation::PartsAtLeast => sum <= slack,
        }
    })
}
