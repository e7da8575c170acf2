//! An attacker who sees only what was published, and reasons exactly.
//!
//! It is given the public rows (what each cell shows: a value, "<k", a
//! rounded value, a range, or nothing), the table's structure (which cells
//! add up to which, and how), and which cells of earlier editions are the
//! same count as a current one. It knows counts are whole and not negative,
//! that "<k" means 1 to k − 1 where zeros are published as 0, and how
//! rounding works. For a hidden cell it then solves two integer programs
//! (microlp's branch and bound, exact: no gap) for the smallest and the
//! largest count consistent with all of that.
//!
//! Nothing here calls the protector or the auditor: they are what it
//! checks. Shared by the release's and the server's tests.
#![allow(dead_code)]

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Variable};

/// What a public row says of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Exact(f64),
    /// "<k".
    Below(f64),
    /// Rounded half up to `base`.
    Rounded {
        value: f64,
        base: f64,
    },
    Range(f64, f64),
    /// "x": hidden to protect another cell. Not a shown zero, and, in a
    /// table that shows its small counts as "<k", not a small count either
    /// (see [`Public::read_x`]).
    Hidden,
    /// Refused, not available, an estimate: no count at all.
    Nothing,
}

/// How the parts of a relation stand to their total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sum {
    Equal,
    /// The parts need not cover the total.
    AtMost,
    /// A case may count in several parts.
    AtLeast,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub total: usize,
    pub parts: Vec<usize>,
    pub sum: Sum,
}

/// Everything the attacker has.
#[derive(Debug, Clone, Default)]
pub struct Public {
    pub labels: Vec<String>,
    pub shown: Vec<Shown>,
    /// Per cell, whether zeros are published (then "<k" is at least 1).
    pub zeros_published: Vec<bool>,
    pub relations: Vec<Relation>,
    /// Cells that are the same count (an unrevised figure in two editions).
    pub same: Vec<(usize, usize)>,
    /// Per cell, the least an "x" can be (set by [`Public::read_x`]).
    pub x_floor: Vec<f64>,
}

/// No count in these tables comes near it; a hidden cell that can reach
/// it is unbounded as far as protection goes.
const CAP: i32 = 10_000_000;

/// A hidden cell the attacker narrowed down more than the policy allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    pub label: String,
    pub truth: f64,
    pub low: f64,
    pub high: f64,
    pub width: f64,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' (truly {}) is pinned to [{}, {}]; the policy keeps it {} wide",
            self.label, self.truth, self.low, self.high, self.width
        )
    }
}

impl Public {
    pub fn push(&mut self, label: impl Into<String>, shown: Shown, zeros_published: bool) -> usize {
        self.labels.push(label.into());
        self.shown.push(shown);
        self.zeros_published.push(zeros_published);
        self.x_floor.push(if zeros_published { 1.0 } else { 0.0 });
        self.labels.len() - 1
    }

    /// The whole numbers a row allows on its own.
    pub fn bounds(&self, c: usize) -> (f64, f64) {
        let (lo, hi) = match self.shown[c] {
            Shown::Exact(v) => (v, v),
            Shown::Below(k) => (
                if self.zeros_published[c] { 1.0 } else { 0.0 },
                k.ceil() - 1.0,
            ),
            Shown::Rounded { value, base } => {
                let half = base / 2.0;
                ((value - half).ceil(), (value + half).ceil() - 1.0)
            }
            Shown::Range(lo, hi) => (lo.ceil(), hi.floor()),
            Shown::Hidden => (self.x_floor[c], f64::from(CAP)),
            Shown::Nothing => (0.0, f64::from(CAP)),
        };
        (lo.max(0.0), hi)
    }

    /// What "x" says within one table (`cells`, each with its rule's k):
    /// where the table shows a small count as "<k", the release shows every
    /// small count so, and an "x" is a count of at least its k. A table
    /// without "<k" may show its small counts as "x" too: there "x" only
    /// says it is not a shown zero.
    pub fn read_x(&mut self, cells: &[(usize, f64)]) {
        if !cells
            .iter()
            .any(|&(c, _)| matches!(self.shown[c], Shown::Below(_)))
        {
            return;
        }
        for &(c, k) in cells {
            if self.shown[c] == Shown::Hidden {
                self.x_floor[c] = self.x_floor[c].max(k);
            }
        }
    }

    /// Union-find root of each cell: cells that are the same count share it.
    fn roots(&self) -> Vec<usize> {
        let mut parent: Vec<usize> = (0..self.shown.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for &(a, b) in &self.same {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
        (0..parent.len()).map(|c| find(&mut parent, c)).collect()
    }

    /// The attacker's integer interval for `target`, or `None` where what
    /// was published admits no count at all (a contradiction in the rows).
    pub fn interval(&self, target: usize) -> Option<(f64, f64)> {
        let roots = self.roots();
        let n = self.shown.len();
        // A count's bounds: every row that is that count.
        let mut bounds = vec![(0.0f64, f64::from(CAP)); n];
        for c in 0..n {
            let (lo, hi) = self.bounds(c);
            let b = &mut bounds[roots[c]];
            *b = (b.0.max(lo), b.1.min(hi));
        }
        if bounds.iter().any(|(lo, hi)| lo > hi) {
            return None;
        }
        let low = self.extreme(&roots, &bounds, roots[target], false)?;
        let high = self.extreme(&roots, &bounds, roots[target], true)?;
        Some((low, high))
    }

    fn extreme(
        &self,
        roots: &[usize],
        bounds: &[(f64, f64)],
        target: usize,
        maximize: bool,
    ) -> Option<f64> {
        let direction = if maximize {
            OptimizationDirection::Maximize
        } else {
            OptimizationDirection::Minimize
        };
        let mut problem = Problem::new(direction);
        let mut vars: Vec<Option<Variable>> = vec![None; bounds.len()];
        let mut any = |c: usize, problem: &mut Problem| -> Variable {
            *vars[c].get_or_insert_with(|| {
                let (lo, hi) = bounds[c];
                let objective = if c == target { 1.0 } else { 0.0 };
                problem.add_integer_var(objective, (lo as i32, hi.min(f64::from(CAP)) as i32))
            })
        };
        any(target, &mut problem);
        for r in &self.relations {
            let mut expr = LinearExpr::empty();
            for (c, coef) in
                std::iter::once((r.total, 1.0)).chain(r.parts.iter().map(|&p| (p, -1.0)))
            {
                expr.add(any(roots[c], &mut problem), coef);
            }
            let op = match r.sum {
                Sum::Equal => ComparisonOp::Eq,
                Sum::AtMost => ComparisonOp::Ge,
                Sum::AtLeast => ComparisonOp::Le,
            };
            problem.add_constraint(expr, op, 0.0);
        }
        match problem.solve() {
            Ok(outcome) => {
                let s = outcome
                    .into_solution()
                    .unwrap_or_else(|_| panic!("the attacker's program was interrupted"));
                let v = s.objective().round();
                Some(if v >= f64::from(CAP) {
                    f64::INFINITY
                } else {
                    v
                })
            }
            Err(microlp::Error::Infeasible) => None,
            Err(microlp::Error::Unbounded) => Some(if maximize {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }),
            Err(e) => panic!("the attacker's program failed: {e}"),
        }
    }

    /// Every hidden cell of `small` (cell, its true count, the width the
    /// policy keeps) that the attacker pins down more: an interval narrower
    /// than the width, or one that leaves out the truth. A contradiction in
    /// the rows is a leak of every cell asked about.
    pub fn leaks(&self, small: &[(usize, f64, f64)]) -> Vec<Leak> {
        let mut out = Vec::new();
        for &(c, truth, width) in small {
            if matches!(self.shown[c], Shown::Exact(_)) {
                out.push(Leak {
                    label: self.labels[c].clone(),
                    truth,
                    low: truth,
                    high: truth,
                    width,
                });
                continue;
            }
            let (low, high) = self.interval(c).unwrap_or((f64::NAN, f64::NAN));
            let holds = low <= truth && truth <= high && high - low >= width;
            if !holds {
                out.push(Leak {
                    label: self.labels[c].clone(),
                    truth,
                    low,
                    high,
                    width,
                });
            }
        }
        out
    }
}

/// The policy's width for a count hidden under "<k": ⌈0.3·k⌉ unless the
/// rule says otherwise.
pub fn policy_width(k: f64, protection: Option<f64>) -> f64 {
    protection.unwrap_or((0.3 * k).ceil())
}
