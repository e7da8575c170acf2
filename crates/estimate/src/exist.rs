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
    if full_rank_mod_2(d, |r| d.y[r] > 0.0) {
        return true;
    }
    let (a, n) = d.dense_rows(|r| d.y[r] > 0.0);
    n >= d.p && rank(a, n, d.p) == d.p
}

/// Whether the rows `keep` have full column rank over GF(2), rows as bit
/// sets. That is sufficient for full rank over the reals (a minor odd as
/// an integer is not zero) and costs a few thousand word operations where
/// elimination in floating point on a 255-row design cost more than a fit:
/// replicates that lost a pattern asked it for every model on their path.
/// When it fails the floating-point rank decides, as before.
fn full_rank_mod_2(d: &Design, keep: impl Fn(usize) -> bool) -> bool {
    if d.p > 128 {
        return false;
    }
    let mut rows: Vec<u128> = (0..d.n_rows())
        .filter(|&r| keep(r))
        .map(|r| d.row(r).iter().fold(0u128, |m, &c| m | 1u128 << c))
        .collect();
    // Column c's pivot goes to row c: every column must have one.
    for c in 0..d.p {
        let bit = 1u128 << c;
        let Some(k) = (c..rows.len()).find(|&k| rows[k] & bit != 0) else {
            return false;
        };
        rows.swap(c, k);
        let pivot = rows[c];
        for r in &mut rows[c + 1..] {
            if *r & bit != 0 {
                *r ^= pivot;
            }
        }
    }
    true
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

/// What one LP costs, in LPs on a six-list table (63 cells): the simplex
/// grows about with the cube of the cells, so an eight-list program (255
/// cells) counts as 64. Budgets are in these units, so that they bound time
/// whatever the number of lists.
pub(crate) fn lp_cost(d: &Design) -> u64 {
    ((d.n_rows() as f64 / 64.0).powi(3).ceil() as u64).max(1)
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

/// Basis of the null space of a row-major rows×cols matrix, by reduced row
/// echelon form with partial pivoting.
fn null_space(mut a: Vec<f64>, rows: usize, cols: usize) -> Vec<Vec<f64>> {
    let mut pivots: Vec<usize> = Vec::new();
    let mut r = 0;
    for c in 0..cols {
        if r == rows {
            break;
        }
        let (best, val) = (r..rows)
            .map(|i| (i, a[i * cols + c].abs()))
            .fold((r, 0.0), |m, x| if x.1 > m.1 { x } else { m });
        if val <= RANK_TOL {
            continue;
        }
        for k in 0..cols {
            a.swap(best * cols + k, r * cols + k);
        }
        let pv = a[r * cols + c];
        for k in 0..cols {
            a[r * cols + k] /= pv;
        }
        for i in 0..rows {
            if i != r {
                let f = a[i * cols + c];
                if f != 0.0 {
                    for k in 0..cols {
                        a[i * cols + k] -= f * a[r * cols + k];
                    }
                }
            }
        }
        pivots.push(c);
        r += 1;
    }
    let free: Vec<usize> = (0..cols).filter(|c| !pivots.contains(c)).collect();
    free.iter()
        .map(|&f| {
            let mut v = vec![0.0; cols];
            v[f] = 1.0;
            for (i, &pc) in pivots.iter().enumerate() {
                v[pc] = -a[i * cols + f];
            }
            v
        })
        .collect()
}

/// Existence without an LP when the observed cells leave at most two
/// directions free. For an identifiable model the MLE fails to exist exactly
/// when some β ≠ 0 keeps every observed cell fixed (X₊β = 0) and lowers or
/// keeps every empty one (X₀β ≤ 0): moving along it raises the likelihood
/// for ever. With β = Nc in the null space N of X₊, that is a nonzero c in a
/// cone cut out by half-planes through the origin: in one dimension c = ±1,
/// in two the cone, if any, has an edge on one of the half-planes' borders.
/// `None` when more directions are free (then the LP decides).
pub(crate) fn exists_by_null_space(d: &Design) -> Option<bool> {
    let (a, n) = d.dense_rows(|r| d.y[r] > 0.0);
    let basis = null_space(a, n, d.p);
    let k = basis.len();
    if k == 0 {
        return Some(true);
    }
    if k > 2 {
        return None;
    }
    // Each empty cell's row, in the null-space coordinates.
    let rows: Vec<[f64; 2]> = (0..d.n_rows())
        .filter(|&r| d.y[r] <= 0.0)
        .map(|r| {
            let mut g = [0.0; 2];
            for (j, v) in basis.iter().enumerate() {
                g[j] = d.row(r).iter().map(|&c| v[c as usize]).sum();
            }
            g
        })
        .collect();
    let scale = rows
        .iter()
        .map(|g| g[0].abs().max(g[1].abs()))
        .fold(0.0, f64::max);
    if scale <= RANK_TOL {
        return None;
    }
    let tol = 1e-9 * scale;
    let escapes = |c: [f64; 2]| rows.iter().all(|g| g[0] * c[0] + g[1] * c[1] <= tol);
    let mut candidates: Vec<[f64; 2]> = vec![[1.0, 0.0], [-1.0, 0.0]];
    if k == 2 {
        for g in &rows {
            candidates.push([-g[1], g[0]]);
            candidates.push([g[1], -g[0]]);
        }
    }
    // A direction along which some cell moves strictly is a real escape; a
    // direction that moves no cell would mean the model is not identifiable,
    // which the caller has ruled out.
    Some(!candidates.into_iter().any(|c| {
        let norm = c[0].abs().max(c[1].abs());
        norm > RANK_TOL && escapes(c)
    }))
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
        assert_eq!(exists_by_null_space(&d), Some(false));
        assert_eq!(exists_by_null_space(&d1), Some(false));
        // Main effects only: exists.
        let d0 = Design::new(&counts, 3, &[], None);
        assert!(full_rank_on_observed(&d0));
        assert_eq!(lp_exists(&d0), Some(true));
    }

    /// The null-space shortcut gives the LP's answer wherever it answers.
    #[test]
    fn null_space_agrees_with_the_lp() {
        use crate::model::pairs;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (mut compared, mut failing) = (0, 0);
        for _ in 0..400 {
            let t = rng.gen_range(3..=5);
            let counts: Vec<u64> = (0..1u32 << t)
                .map(|m| {
                    if m > 0 && rng.gen_bool(0.45) {
                        rng.gen_range(1..20)
                    } else {
                        0
                    }
                })
                .collect();
            let model: Vec<(usize, usize)> =
                pairs(t).into_iter().filter(|_| rng.gen_bool(0.5)).collect();
            let d = Design::new(&counts, t, &model, None);
            if d.n_rows() == 0 || !identifiable(&d) || full_rank_on_observed(&d) {
                continue;
            }
            if let (Some(fast), Some(lp)) = (exists_by_null_space(&d), lp_exists(&d)) {
                assert_eq!(fast, lp, "{counts:?} {model:?}");
                compared += 1;
                failing += usize::from(!lp);
            }
        }
        assert!(compared > 30 && failing > 5, "{compared} {failing}");
    }

    /// Full rank over GF(2) implies it over the reals, and on designs of
    /// lists and pairs it mostly holds when that does.
    #[test]
    fn rank_mod_2_is_sufficient() {
        use crate::model::pairs;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let (mut full, mut both) = (0, 0);
        for _ in 0..300 {
            let t = rng.gen_range(3..=7);
            let density = rng.gen_range(0.2..0.9);
            let counts: Vec<u64> = (0..1u32 << t)
                .map(|m| u64::from(m > 0 && rng.gen_bool(density)))
                .collect();
            let model: Vec<(usize, usize)> =
                pairs(t).into_iter().filter(|_| rng.gen_bool(0.4)).collect();
            let d = Design::new(&counts, t, &model, None);
            let (a, n) = d.dense_rows(|r| d.y[r] > 0.0);
            let real = n >= d.p && rank(a, n, d.p) == d.p;
            let mod_2 = full_rank_mod_2(&d, |r| d.y[r] > 0.0);
            assert!(!mod_2 || real, "{counts:?} {model:?}");
            full += usize::from(real);
            both += usize::from(mod_2);
        }
        assert!(full > 50 && both * 10 > full * 8, "{full} {both}");
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
