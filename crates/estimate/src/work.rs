//! The work one estimate does, counted and bounded.
//!
//! A default run must take the same bounded effort whatever the counts and
//! however sparse the table (issue 14, item 5). The cost is in the existence
//! programs (one LP can take milliseconds, and a sparse table needs one per
//! candidate model), so:
//! - existence is remembered per (support of the table, model): it depends on
//!   which cells are positive, not on their counts, so bootstrap replicates
//!   that keep the observed support (nearly all of them) solve no LP twice;
//! - a run scope (`Work`) may carry a budget on new LPs; past it the caller
//!   gives up with a clear message instead of running for minutes.
//!
//! The counts are what the regression tests bound, since wall time on a
//! shared machine cannot be tested.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use serde::Serialize;

use crate::exist;
use crate::model::{Design, Shapes};

/// Work done by one call, for the report and for tests that bound it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WorkDone {
    /// Poisson regressions fitted (IRLS runs).
    pub fits: u64,
    /// IRLS iterations over all fits.
    pub iterations: u64,
    /// Existence linear programs solved (cache misses only), in six-list
    /// equivalents (`exist::lp_cost`).
    pub existence_programs: u64,
    /// Existence questions answered from the cache.
    pub existence_cached: u64,
}

impl WorkDone {
    pub(crate) fn add(&mut self, o: WorkDone) {
        self.fits += o.fits;
        self.iterations += o.iterations;
        self.existence_programs += o.existence_programs;
        self.existence_cached += o.existence_cached;
    }
}

/// (lists, model, its interactions fixed at −∞): the same key means the same
/// cells. The lists count because a replicate that lost a list numbers the
/// pairs of the others anew.
type Key = (usize, u128, u128);
/// Supports (bit per pattern) with their answer.
type Answers = Vec<(Vec<u64>, bool)>;

fn subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

/// A recorded fit, per pattern (NaN where the model has no cell).
struct Start {
    eta: Vec<f64>,
    mu: Vec<f64>,
}

/// One scope of work: a cache of existence answers and counters, shared by
/// the rayon tasks of that scope.
pub(crate) struct Work {
    existence: Mutex<HashMap<Key, Answers>>,
    fits: AtomicU64,
    iterations: AtomicU64,
    programs: AtomicU64,
    cached: AtomicU64,
    /// New LPs allowed in this scope; `u64::MAX` for none.
    lp_budget: u64,
    exhausted: AtomicBool,
    /// Fitted linear predictors by (lists, model), one per pattern (NaN
    /// where the model has no cell), to start later fits of the same model
    /// from: a bootstrap replicate's table is close to the observed one,
    /// so from the observed fit Newton needs two or three steps, where
    /// from the parent model it needed ten on tables of huge counts.
    starts: RwLock<HashMap<(usize, u128), Start>>,
    /// Whether fits are being recorded into `starts`. Only while one thread
    /// fits (the observed table before the replicates), so that the starts
    /// the replicates see do not depend on scheduling.
    recording: AtomicBool,
    /// Designs' shapes, for the replicates' stepwise paths.
    pub shapes: Shapes,
}

impl Default for Work {
    fn default() -> Self {
        Work::with_budget(u64::MAX)
    }
}

impl Work {
    pub fn with_budget(lp_budget: u64) -> Self {
        Work {
            existence: Mutex::new(HashMap::new()),
            fits: AtomicU64::new(0),
            iterations: AtomicU64::new(0),
            programs: AtomicU64::new(0),
            cached: AtomicU64::new(0),
            lp_budget,
            exhausted: AtomicBool::new(false),
            starts: RwLock::new(HashMap::new()),
            recording: AtomicBool::new(false),
            shapes: Shapes::default(),
        }
    }

    /// Records the fits that follow as starts for later fits of the same
    /// models, until `stop_recording`.
    pub fn start_recording(&self) {
        self.recording.store(true, Ordering::Relaxed);
    }

    pub fn stop_recording(&self) {
        self.recording.store(false, Ordering::Relaxed);
    }

    pub fn record(&self, model_mask: u128, design: &Design, eta: &[f64], mu: &[f64]) {
        if !self.recording.load(Ordering::Relaxed) {
            return;
        }
        let mut by_cell = Start {
            eta: vec![f64::NAN; 1 << design.t],
            mu: vec![f64::NAN; 1 << design.t],
        };
        for (k, &c) in design.cells.iter().enumerate() {
            by_cell.eta[c as usize] = eta[k];
            by_cell.mu[c as usize] = mu[k];
        }
        if let Ok(mut g) = self.starts.write() {
            g.insert((design.t, model_mask), by_cell);
        }
    }

    /// A recorded fit of this model on this design's cells, if any: the
    /// linear predictor and its exponential per row.
    pub fn start(&self, model_mask: u128, design: &Design) -> Option<(Vec<f64>, Vec<f64>)> {
        let g = self.starts.read().ok()?;
        let by_cell = g.get(&(design.t, model_mask))?;
        let eta: Vec<f64> = design
            .cells
            .iter()
            .map(|&c| by_cell.eta[c as usize])
            .collect();
        let mu: Vec<f64> = design
            .cells
            .iter()
            .map(|&c| by_cell.mu[c as usize])
            .collect();
        eta.iter().all(|v| v.is_finite()).then_some((eta, mu))
    }

    pub fn lp_budget(&self) -> u64 {
        self.lp_budget
    }

    pub fn done(&self) -> WorkDone {
        WorkDone {
            fits: self.fits.load(Ordering::Relaxed),
            iterations: self.iterations.load(Ordering::Relaxed),
            existence_programs: self.programs.load(Ordering::Relaxed),
            existence_cached: self.cached.load(Ordering::Relaxed),
        }
    }

    /// Whether the budget ran out. The answers are then unreliable and the
    /// scope's result must be thrown away. Because every distinct question a
    /// scope asks is fixed by its data and seed, and each is solved once,
    /// running out does not depend on thread scheduling.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    pub fn fitted(&self, iterations: usize) {
        self.fits.fetch_add(1, Ordering::Relaxed);
        self.iterations
            .fetch_add(iterations as u64, Ordering::Relaxed);
    }

    /// Whether the model's MLE exists and is identifiable (SparseMSE's
    /// `checkident`), remembered by model and support.
    ///
    /// On the same cells (same model, same interactions at −∞) existence is
    /// monotone in the support: a direction that raises the likelihood for
    /// ever must vanish on every positive cell, so more positive cells leave
    /// fewer such directions. An answer "exists" on support P therefore holds
    /// on every S ⊇ P, and "does not exist" on F on every S ⊆ F. Bootstrap
    /// replicates and jackknife deletions only ever lose patterns, so one
    /// program on the observed table settles a failing candidate for all of
    /// them.
    pub fn passes(&self, counts: &[u64], model_mask: u128, design: &Design) -> bool {
        let mut support = vec![0u64; counts.len().div_ceil(64)];
        for (m, &c) in counts.iter().enumerate() {
            if c > 0 {
                support[m / 64] |= 1 << (m % 64);
            }
        }
        let t = design.t;
        let key = (
            t,
            model_mask,
            crate::work::model_mask(t, &design.structural),
        );
        let known = self.existence.lock().ok().and_then(|g| {
            g.get(&key).and_then(|answers| {
                answers.iter().find_map(|(s, ok)| {
                    let settles = if *ok {
                        subset(s, &support)
                    } else {
                        subset(&support, s)
                    };
                    settles.then_some(*ok)
                })
            })
        });
        if let Some(v) = known {
            self.cached.fetch_add(1, Ordering::Relaxed);
            return v;
        }
        // Full rank on the observed cells is also monotone in the support,
        // and the rank of a 255-row design costs more than the fit: it is
        // remembered like the programs.
        let full_rank = exist::full_rank_on_observed(design);
        if !full_rank && self.exhausted() {
            return false;
        }
        let mut solved_lp = false;
        let ok = full_rank
            || exist::identifiable(design)
                && match exist::exists_by_null_space(design) {
                    Some(v) => v,
                    None => {
                        solved_lp = true;
                        exist::lp_exists(design).unwrap_or(false)
                    }
                };
        // Two tasks may solve the same program at once; only the first to
        // store it counts, so the count is the number of distinct programs.
        // Only LPs count: the other checks cost microseconds.
        let new = self
            .existence
            .lock()
            .map(|mut g| {
                let answers = g.entry(key).or_default();
                let seen = answers.iter().any(|(s, _)| *s == support);
                if !seen {
                    answers.push((support, ok));
                }
                !seen
            })
            .unwrap_or(false);
        if new && solved_lp && {
            let cost = exist::lp_cost(design);
            self.programs.fetch_add(cost, Ordering::Relaxed) + cost > self.lp_budget
        } {
            self.exhausted.store(true, Ordering::Relaxed);
        }
        ok
    }
}

/// A model's interactions as a bit set over `pairs(t)` (at most 66 pairs).
pub(crate) fn model_mask(t: usize, model: &[(usize, usize)]) -> u128 {
    let index = |(i, j): (usize, usize)| i * (2 * t - i - 1) / 2 + (j - i - 1);
    model.iter().fold(0u128, |m, &p| m | (1u128 << index(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pairs;

    #[test]
    fn model_mask_follows_pair_order() {
        for t in 2..=12 {
            for (k, &p) in pairs(t).iter().enumerate() {
                assert_eq!(model_mask(t, &[p]), 1u128 << k, "{t} {p:?}");
            }
        }
    }
}
