//! Does the maximum-likelihood estimate exist, and is it identifiable?
//!
//! Identifiability: the design on the model's cells has full column rank.
//! Existence (Fienberg & Rinaldo 2012): the sufficient statistics t = X'y lie
//! in the relative interior of the marginal cone, i.e. some table x with
//! X'x = t is strictly positive on every cell. The linear program
//!     max s  subject to  X'x = t,  x_c ≥ s,  x ≥ 0, s ≥ 0
//! has a positive optimum exactly then; this is the check SparseMSE's
//! `checkident` runs with lpSolve.
//!
//! Solving an LP for each of the 32,768 models of a six-list search (or for
//! every step of every bootstrap replicate) would dominate the run time, so a
//! cheap sufficient condition is tried first: if the design restricted to the
//! cells with a positive count already has full column rank, the log-likelihood
//! is strictly concave and tends to −∞ in every direction, so the MLE exists.
//! Only when that fails is the LP solved.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use crate::model::Design;

/// The LP optimum is a rational number of the order of the smallest count
/// share; anything this close to zero is zero.
const LP_ZERO: f64 = 1e-7;
const RANK_TOL: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Check {
    pub exists: bool,
    pub identifiable: bool,
}

impl Check {
    pub fn ok(&self) -> bool {
        self.exists && self.identifiable
    }
}

/// Column rank by Gaussian elimination with partial pivoting. Hand-written
/// rather than an SVD because it runs on tens of thousands of tiny 0/1
/// matrices per search and needs no allocation beyond the copy.
pub(crate) fn rank(mut a: Vec<f64>, rows: usize, cols: usize) -> usize {
    let mut rank = 0;
    for c in 0..cols {
        if rank == rows {
            break;
        }
        let mut best = rank;
        let mut best_val = 0.0;
        for r in rank..rows {
            let v = a[r * cols + c].abs();
            if v > best_val {
                best_val = v;
                best = r;
            }
        }
        if best_val <= RANK_TOL {
            continue;
        }
        if best != rank {
            for k in 0..cols {
                a.swap(best * cols + k, rank * cols + k);
            }
        }
        let pivot = a[rank * cols + c];
        for r in rank + 1..rows {
            let f = a[r * cols + c] / pivot;
            if f != 0.0 {
                for k in c..cols {
                    a[r * cols + k] -= f * a[rank * cols + k];
                }
            }
        }
        rank += 1;
    }
    rank
}

pub(crate) fn identifiable(d: &Design) -> bool {
    let (a, n) = d.dense_rows(|_| true);
    rank(a, n, d.p) == d.p
}

/// The fast sufficient condition: full rank on the observed (positive) cells.
pub(crate) fn full_rank_on_observed(d: &Design) -> bool {
    let (a, n) = d.dense_rows(|r| d.y[r] > 0.0);
    n >= d.p && rank(a, n, d.p) == d.p
}

/// The Fienberg–Rinaldo linear program. `None` if the solver fails, which is
/// treated as "does not exist" so that a model is never fitted on a guess.
pub(crate) fn lp_exists(d: &Design) -> Option<bool> {
    let t = d.sufficient();
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let xs: Vec<_> = (0..d.n_rows())
        .map(|_| lp.add_var(0.0, (0.0, f64::INFINITY)))
        .collect();
    let s = lp.add_var(1.0, (0.0, f64::INFINITY));
    let mut by_col: Vec<Vec<(microlp::Variable, f64)>> = vec![Vec::new(); d.p];
    for (r, &x) in xs.iter().enumerate() {
        for &c in d.row(r) {
            by_col[c as usize].push((x, 1.0));
        }
    }
    for (c, expr) in by_col.iter().enumerate() {
        lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, t[c]);
    }
    for &x in &xs {
        lp.add_constraint([(x, 1.0), (s, -1.0)], ComparisonOp::Ge, 0.0);
    }
    let sol = lp.solve().ok()?.into_solution().ok()?;
    Some(sol.objective() > LP_ZERO)
}

/// Both tests, as SparseMSE's `checkident` (which reports either failure).
pub(crate) fn check(d: &Design) -> Check {
    if full_rank_on_observed(d) {
        return Check {
            exists: true,
            identifiable: true,
        };
    }
    Check {
        identifiable: identifiable(d),
        exists: lp_exists(d).unwrap_or(false),
    }
}

/// Pass/fail only, skipping the LP when the model is not identifiable anyway.
pub(crate) fn passes(d: &Design) -> bool {
    if full_rank_on_observed(d) {
        return true;
    }
    identifiable(d) && lp_exists(d).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_basics() {
        assert_eq!(rank(vec![1.0, 0.0, 0.0, 1.0], 2, 2), 2);
        assert_eq!(rank(vec![1.0, 1.0, 2.0, 2.0], 2, 2), 1);
        assert_eq!(rank(vec![1.0, 1.0], 1, 2), 1);
    }

    #[test]
    fn lp_detects_nonexistence() {
        // Three lists with all three interactions: the model is saturated on
        // the seven observable cells, so an empty cell (on lists 0 and 1 but
        // not 2) forces its fitted value to zero: no MLE, although every pair
        // overlaps.
        let mut counts = vec![0u64; 8];
        counts[0b001] = 10;
        counts[0b010] = 10;
        counts[0b100] = 10;
        counts[0b101] = 5;
        counts[0b110] = 5;
        counts[0b111] = 3;
        let d = Design::new(&counts, 3, &[(0, 1), (0, 2), (1, 2)], None);
        assert!(d.structural.is_empty());
        assert!(!full_rank_on_observed(&d));
        assert!(identifiable(&d));
        assert_eq!(lp_exists(&d), Some(false));
        assert!(!check(&d).exists);
        // Even without 0:1 the direction (1,-1,-1,-1,1,1) keeps every observed
        // cell fixed and sends the empty one to zero.
        let d1 = Design::new(&counts, 3, &[(0, 2), (1, 2)], None);
        assert_eq!(lp_exists(&d1), Some(false));
        // Main effects only: exists.
        let d0 = Design::new(&counts, 3, &[], None);
        assert!(full_rank_on_observed(&d0));
        assert_eq!(lp_exists(&d0), Some(true));
    }

    #[test]
    fn no_overlap_at_all_does_not_exist() {
        let mut counts = vec![0u64; 4];
        counts[0b01] = 10;
        counts[0b10] = 10;
        let d = Design::new(&counts, 2, &[], None);
        assert!(!check(&d).exists);
    }
}
