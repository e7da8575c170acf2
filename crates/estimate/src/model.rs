//! Log-linear models with main effects and two-list interactions, and their
//! design on the table of capture patterns.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// All pairs of lists in SparseMSE's order: (0,1), (0,2), …, (0,t-1), (1,2), …
/// Stepwise ties are broken by this order, so it must not change.
pub(crate) fn pairs(t: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(t * t.saturating_sub(1) / 2);
    for i in 0..t {
        for j in i + 1..t {
            out.push((i, j));
        }
    }
    out
}

/// Whether pattern `m` includes every list of `need`.
pub(crate) fn has_all(m: u32, need: u32) -> bool {
    m & need == need
}

pub(crate) fn pair_mask((i, j): (usize, usize)) -> u32 {
    (1 << i) | (1 << j)
}

/// Interaction name as researchers write it: `PF:NCA`.
pub(crate) fn pair_name(lists: &[String], (i, j): (usize, usize)) -> String {
    format!("{}:{}", lists[i], lists[j])
}

/// Overlap of each pair (cases on both lists) in `counts`.
pub(crate) fn overlaps(counts: &[u64], t: usize) -> Vec<u64> {
    pairs(t)
        .iter()
        .map(|&p| {
            let need = pair_mask(p);
            counts
                .iter()
                .enumerate()
                .filter(|(m, _)| (*m as u32) & need == need)
                .map(|(_, &c)| c)
                .sum()
        })
        .collect()
}

/// The Poisson regression for one model on one table.
///
/// A pair in the model whose lists share no case has its interaction at −∞
/// (the extended MLE, Chan–Silverman–Vincent 2019): rather than letting a
/// coefficient diverge, the cells holding both lists are dropped as structural
/// zeros and no column is made for it. It still counts as a parameter in the
/// information criteria, as in SparseMSE and Rcapture.
///
/// Everything but `y` is fixed by the model and by which of its pairs share
/// no case, so it is shared (`Arc`) between the designs of bootstrap
/// replicates (see `Shapes`): building it was a quarter of a run's time.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub t: usize,
    /// Pattern mask of each row (0 only in the augmented design of the profile).
    pub cells: Arc<[u32]>,
    pub y: Vec<f64>,
    /// Number of columns: intercept, t main effects, non-empty interactions.
    pub p: usize,
    /// Active (value 1) columns of each row; the design is 0/1, so storing the
    /// ones keeps X'WX cheap for the tens of thousands of fits of a search.
    pub row_start: Arc<[usize]>,
    pub row_cols: Arc<[u16]>,
    /// Pairs in the model fixed at −∞ because their overlap is empty.
    pub structural: Arc<[(usize, usize)]>,
    /// The lists each column needs (none for the intercept, one for a main
    /// effect, two for an interaction): a row has the column exactly when
    /// its pattern holds those lists. `None` for designs of another shape
    /// (covariates).
    pub col_masks: Option<Arc<[u32]>>,
}

/// Pairs of lists, as in a model.
pub(crate) type Pairs = Vec<(usize, usize)>;

/// The model's pairs split into those estimated and those at −∞ (no case
/// in common in `counts`), each in the model's order.
pub(crate) fn split_model(counts: &[u64], t: usize, model: &[(usize, usize)]) -> (Pairs, Pairs) {
    let mut estimated = Vec::new();
    let mut structural = Vec::new();
    let all = (1u32 << t) - 1;
    for &pair in model {
        let need = pair_mask(pair);
        // Only the patterns containing both lists: walk the subsets of
        // the other lists (a quarter of the table).
        let rest = all & !need;
        let mut sub = rest;
        let mut overlap = 0u64;
        loop {
            overlap += counts[(need | sub) as usize];
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & rest;
        }
        if overlap == 0 {
            structural.push(pair);
        } else {
            estimated.push(pair);
        }
    }
    (estimated, structural)
}

impl Design {
    /// `model` lists the interactions in the order they were chosen.
    /// `zero_cell` adds the unobserved pattern with the given count (used by
    /// the profile likelihood).
    pub fn new(counts: &[u64], t: usize, model: &[(usize, usize)], zero_cell: Option<f64>) -> Self {
        let (estimated, structural) = split_model(counts, t, model);
        Design::shape(t, &estimated, structural, zero_cell.is_some()).with_counts(counts, zero_cell)
    }

    /// The design without counts (`y` empty): its columns are the intercept,
    /// the main effects and `estimated` in that order; its rows every
    /// pattern holding no pair of `structural`.
    fn shape(
        t: usize,
        estimated: &[(usize, usize)],
        structural: Vec<(usize, usize)>,
        with_zero_cell: bool,
    ) -> Self {
        let excluded: Vec<u32> = structural.iter().map(|&q| pair_mask(q)).collect();
        let p = 1 + t + estimated.len();
        let est_masks: Vec<u32> = estimated.iter().map(|&q| pair_mask(q)).collect();
        let mut cells = Vec::with_capacity(1 << t);
        let mut row_start = Vec::with_capacity((1 << t) + 1);
        let mut row_cols = Vec::new();
        row_start.push(0);
        let first = if with_zero_cell { 0 } else { 1 };
        for m in first..(1u32 << t) {
            if excluded.iter().any(|&e| has_all(m, e)) {
                continue;
            }
            cells.push(m);
            row_cols.push(0);
            for i in 0..t {
                if m & (1 << i) != 0 {
                    row_cols.push((1 + i) as u16);
                }
            }
            for (k, &e) in est_masks.iter().enumerate() {
                if m & e == e {
                    row_cols.push((1 + t + k) as u16);
                }
            }
            row_start.push(row_cols.len());
        }
        let col_masks = std::iter::once(0)
            .chain((0..t).map(|i| 1u32 << i))
            .chain(est_masks)
            .collect();
        Design {
            t,
            cells: cells.into(),
            y: Vec::new(),
            p,
            row_start: row_start.into(),
            row_cols: row_cols.into(),
            structural: structural.into(),
            col_masks: Some(col_masks),
        }
    }

    /// This shape with the counts of `counts` (and `zero_cell` for pattern 0).
    fn with_counts(&self, counts: &[u64], zero_cell: Option<f64>) -> Self {
        let y = self
            .cells
            .iter()
            .map(|&m| {
                if m == 0 {
                    zero_cell.unwrap_or(0.0)
                } else {
                    counts[m as usize] as f64
                }
            })
            .collect();
        Design { y, ..self.clone() }
    }

    pub fn n_rows(&self) -> usize {
        self.cells.len()
    }

    pub fn row(&self, r: usize) -> &[u16] {
        &self.row_cols[self.row_start[r]..self.row_start[r + 1]]
    }

    /// Parameters for the information criteria, counting −∞ interactions.
    pub fn n_params(&self) -> usize {
        self.p + self.structural.len()
    }

    /// Dense row-major copy of the rows selected by `keep`.
    pub fn dense_rows(&self, keep: impl Fn(usize) -> bool) -> (Vec<f64>, usize) {
        let mut out = Vec::new();
        let mut n = 0;
        for r in 0..self.n_rows() {
            if !keep(r) {
                continue;
            }
            let start = out.len();
            out.resize(start + self.p, 0.0);
            for &c in self.row(r) {
                out[start + c as usize] = 1.0;
            }
            n += 1;
        }
        (out, n)
    }

    /// Sufficient statistics X'y.
    pub fn sufficient(&self) -> Vec<f64> {
        let mut t = vec![0.0; self.p];
        for r in 0..self.n_rows() {
            for &c in self.row(r) {
                t[c as usize] += self.y[r];
            }
        }
        t
    }
}

/// Shapes of designs already built in one scope of work, by (lists,
/// estimated pairs in column order, pairs at −∞). Bootstrap replicates walk
/// nearly the same models as the observed table, so nearly every design is
/// a copy of the counts into a known shape. A shape never depends on
/// whether it came from here, so the cache cannot change a result.
#[derive(Default)]
pub(crate) struct Shapes {
    known: RwLock<HashMap<ShapeKey, Design>>,
}

/// (lists, estimated pairs by index in column order, pairs at −∞ as bits).
type ShapeKey = (usize, Vec<u8>, u128);

/// Shapes kept per scope: an eight-list shape is about 10 kB, and the
/// stepwise paths of a bootstrap visit a few hundred to a few thousand.
const MAX_SHAPES: usize = 4096;

impl Shapes {
    /// `Design::new(counts, t, model, None)`, from a known shape if any.
    pub fn design(&self, counts: &[u64], t: usize, model: &[(usize, usize)]) -> Design {
        let (estimated, structural) = split_model(counts, t, model);
        let index = |&(i, j): &(usize, usize)| (i * (2 * t - i - 1) / 2 + (j - i - 1)) as u8;
        let key = (
            t,
            estimated.iter().map(index).collect::<Vec<u8>>(),
            structural
                .iter()
                .fold(0u128, |m, q| m | (1u128 << index(q))),
        );
        if let Some(shape) = self
            .known
            .read()
            .ok()
            .and_then(|g| g.get(&key).map(|d| d.with_counts(counts, None)))
        {
            return shape;
        }
        let shape = Design::shape(t, &estimated, structural, false);
        let design = shape.with_counts(counts, None);
        if let Ok(mut g) = self.known.write() {
            if g.len() < MAX_SHAPES {
                g.insert(key, shape);
            }
        }
        design
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_order_matches_sparsemse() {
        assert_eq!(pairs(3), vec![(0, 1), (0, 2), (1, 2)]);
        assert_eq!(pairs(4).len(), 6);
    }

    /// A design from a known shape is the one built afresh, for tables
    /// whose pairs at −∞ differ and for a model's pairs in another order.
    #[test]
    fn shapes_give_the_designs_built_afresh() {
        let shapes = Shapes::default();
        let mut counts = vec![3u64; 16];
        counts[0] = 0;
        let mut sparse = counts.clone();
        for m in [0b0011, 0b0111, 0b1011, 0b1111] {
            sparse[m] = 0;
        }
        for table in [&counts, &sparse, &counts] {
            for model in [vec![(0, 1), (2, 3)], vec![(2, 3), (0, 1)], vec![]] {
                let (a, b) = (
                    shapes.design(table, 4, &model),
                    Design::new(table, 4, &model, None),
                );
                assert_eq!(a.cells, b.cells);
                assert_eq!(a.y, b.y);
                assert_eq!(
                    (a.p, &a.row_start, &a.row_cols),
                    (b.p, &b.row_start, &b.row_cols)
                );
                assert_eq!((&a.structural, &a.col_masks), (&b.structural, &b.col_masks));
            }
        }
        // Both orders on the sparse table estimate only 2:3: one shape.
        assert_eq!(shapes.known.read().unwrap().len(), 4);
    }

    #[test]
    fn structural_zero_cells_are_dropped() {
        // Lists 0 and 1 never overlap.
        let mut counts = vec![0u64; 8];
        counts[0b001] = 5;
        counts[0b010] = 5;
        counts[0b100] = 5;
        counts[0b101] = 2;
        counts[0b110] = 2;
        let d = Design::new(&counts, 3, &[(0, 1), (0, 2)], None);
        assert_eq!(d.structural[..], [(0, 1)]);
        assert_eq!(d.n_rows(), 5); // 7 patterns minus 011 and 111
        assert_eq!(d.p, 5);
        assert_eq!(d.n_params(), 6);
    }
}
