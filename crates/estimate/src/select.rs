//! Model selection: stepwise by Poisson p-value (SparseMSE), all models by
//! AIC/BIC (Rcapture's `closedpMS.t` with `maxorder = 2`), main effects only.

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, DiscreteCDF, Normal, Poisson};

use crate::error::EstimateError;
use crate::exist;
use crate::fit::{irls_from, irls_in, irls_with, CellTerms, Fit, SEARCH_TOLERANCE};
use crate::model::{overlaps, pair_mask, pairs, Design};
use crate::work::{model_mask, Work};

/// The all-models search enumerates 2^(t(t-1)/2) graphs: 32,768 at six lists,
/// two million at seven.
pub const MAX_SEARCH_LISTS: usize = 6;

/// The most existence programs (LPs) one all-models search may solve. A
/// dense table needs a handful: the rank test settles whole families. A
/// sparse six-list table can need one per model of 32,768 (about 1.5 ms
/// each: a minute in all). 1,000 keeps a search near a second on two cores
/// and is far above what the reference tables need (UK 2013: none).
pub const SEARCH_LP_BUDGET: usize = 1_000;

/// A fitted model: the interactions in the order chosen, its design and fit.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub model: Vec<(usize, usize)>,
    pub design: Design,
    pub fit: Fit,
    pub observed: f64,
}

impl Fitted {
    pub fn estimate(&self) -> f64 {
        self.observed + self.fit.dark()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Criterion {
    Aic,
    Bic,
}

impl Criterion {
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Aic => "AIC",
            Criterion::Bic => "BIC",
        }
    }

    fn value(self, loglik: f64, params: usize, n: f64) -> f64 {
        let k = params as f64;
        match self {
            Criterion::Aic => -2.0 * loglik + 2.0 * k,
            Criterion::Bic => -2.0 * loglik + n.ln() * k,
        }
    }
}

fn model_label(model: &[(usize, usize)]) -> String {
    if model.is_empty() {
        "main effects".to_string()
    } else {
        format!("main effects + {} interaction(s)", model.len())
    }
}

/// Fits a given model after checking it, as SparseMSE's `modelfit(check=TRUE)`.
pub(crate) fn fit_model(
    counts: &[u64],
    t: usize,
    model: &[(usize, usize)],
    work: &Work,
) -> Result<Fitted, EstimateError> {
    fit_model_in(counts, &CellTerms::new(counts), t, model, work)
}

fn fit_model_in(
    counts: &[u64],
    terms: &CellTerms,
    t: usize,
    model: &[(usize, usize)],
    work: &Work,
) -> Result<Fitted, EstimateError> {
    let design = work.shapes.design(counts, t, model);
    let c = if work.passes(counts, model_mask(t, model), &design) {
        exist::Check {
            exists: true,
            identifiable: true,
        }
    } else {
        exist::check(&design)
    };
    if !c.ok() {
        let reason = match (c.exists, c.identifiable) {
            (false, false) => "the maximum-likelihood estimate does not exist and the model is not identifiable",
            (false, true) => "the maximum-likelihood estimate does not exist (the observed patterns leave the unobserved cell unconstrained)",
            _ => "the model is not identifiable from the observed patterns",
        };
        return Err(EstimateError::NoEstimate {
            model: model_label(model),
            reason: reason.to_string(),
        });
    }
    let mask = model_mask(t, model);
    let fit = work
        .start(mask, &design)
        .and_then(|(eta, mu)| irls_from(&design, eta, mu, Some(terms)))
        .or_else(|| irls_in(&design, None, terms))
        .ok_or_else(|| EstimateError::NoEstimate {
            model: model_label(model),
            reason: "the Poisson regression did not converge".to_string(),
        })?;
    work.fitted(fit.iterations);
    work.record(mask, &design, &fit.eta, &fit.mu);
    Ok(Fitted {
        model: model.to_vec(),
        design,
        fit,
        observed: counts.iter().sum::<u64>() as f64,
    })
}

/// Two-sided-minimum Poisson p-value of an observed overlap, as SparseMSE:
/// min(P(X ≤ n*), P(X ≥ n*)) with X ~ Poisson(expected overlap).
fn overlap_p_value(observed: u64, expected: f64) -> f64 {
    if !(expected > 0.0 && expected.is_finite()) {
        return 1.0;
    }
    // statrs's regularised gamma takes time growing with the mean; at
    // counts of 10⁸ it was a third of a run. Past 10⁵ the normal law with
    // continuity correction is the Poisson to within 1/√λ < 0.4% near the
    // thresholds, and both are below 10⁻³⁰⁰ in the far tails.
    if expected > 1e5 {
        let sd = expected.sqrt();
        let k = observed as f64;
        let lower = Normal::standard().cdf((k + 0.5 - expected) / sd);
        let upper = if observed == 0 {
            1.0
        } else {
            Normal::standard().sf((k - 0.5 - expected) / sd)
        };
        return lower.min(upper);
    }
    let Ok(dist) = Poisson::new(expected) else {
        return 1.0;
    };
    let lower = dist.cdf(observed);
    let upper = if observed == 0 {
        1.0
    } else {
        dist.sf(observed - 1)
    };
    lower.min(upper)
}

/// Warm start for a model with one more interaction: the current linear
/// predictor on the rows that remain.
fn carry_eta(from: &Fitted, to: &Design) -> Vec<f64> {
    let mut by_cell = vec![f64::NAN; 1 << to.t];
    for (k, &c) in from.design.cells.iter().enumerate() {
        by_cell[c as usize] = from.fit.eta[k];
    }
    to.cells.iter().map(|&c| by_cell[c as usize]).collect()
}

/// SparseMSE's `stepwisefit`: from main effects, repeatedly add the
/// interaction with the smallest p-value below `threshold`, skipping any whose
/// model fails the existence/identifiability check; ties go to the earlier
/// pair. Checking candidates in p-value order and stopping at the first that
/// passes gives the same choice as checking all of them.
pub(crate) fn stepwise(
    counts: &[u64],
    t: usize,
    threshold: f64,
    work: &Work,
) -> Result<Fitted, EstimateError> {
    let terms = CellTerms::new(counts);
    let mut current = fit_model_in(counts, &terms, t, &[], work)?;
    if threshold <= 0.0 {
        return Ok(current);
    }
    let all = pairs(t);
    let nstar = overlaps(counts, t);
    let mut included = vec![false; all.len()];
    loop {
        let mut cands: Vec<(f64, usize)> = Vec::new();
        for (j, &pair) in all.iter().enumerate() {
            if included[j] {
                continue;
            }
            let need = pair_mask(pair);
            let expected: f64 = current
                .design
                .cells
                .iter()
                .zip(&current.fit.mu)
                .filter(|(&c, _)| c & need == need)
                .map(|(_, &m)| m)
                .sum();
            let p = overlap_p_value(nstar[j], expected);
            if p < threshold {
                cands.push((p, j));
            }
        }
        cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut advanced = false;
        for &(_, j) in &cands {
            let mut model = current.model.clone();
            model.push(all[j]);
            let design = work.shapes.design(counts, t, &model);
            let mask = model_mask(t, &model);
            if !work.passes(counts, mask, &design) {
                continue;
            }
            let fit = match work.start(mask, &design) {
                Some((eta, mu)) => irls_from(&design, eta, mu, Some(&terms)),
                None => irls_in(&design, Some(&carry_eta(&current, &design)), &terms),
            };
            let Some(fit) = fit.or_else(|| irls_in(&design, None, &terms)) else {
                continue;
            };
            work.fitted(fit.iterations);
            work.record(mask, &design, &fit.eta, &fit.mu);
            current = Fitted {
                model,
                design,
                fit,
                observed: current.observed,
            };
            included[j] = true;
            advanced = true;
            break;
        }
        if !advanced {
            return Ok(current);
        }
    }
}

/// One model of the all-models search.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub mask: u32,
    pub criterion: f64,
    pub estimate: f64,
    pub params: usize,
}

fn model_of_mask(all: &[(usize, usize)], mask: u32) -> Vec<(usize, usize)> {
    all.iter()
        .enumerate()
        .filter(|(k, _)| mask & (1 << k) != 0)
        .map(|(_, &p)| p)
        .collect()
}

/// All hierarchical models with main effects and any set of two-list
/// interactions, scored by AIC or BIC (n = observed cases, as Rcapture).
///
/// Work is reused twice: existence is inherited (if the MLE does not exist for
/// a model it does not exist for any model with more estimated interactions on
/// the same cells, so those need no LP), and each fit starts from the fit of
/// the model with one interaction fewer. Chunks of models run on rayon.
pub(crate) fn search(
    counts: &[u64],
    t: usize,
    criterion: Criterion,
    work: &Work,
) -> Result<(Fitted, Vec<Scored>), EstimateError> {
    if t > MAX_SEARCH_LISTS {
        return Err(EstimateError::TooManyForSearch {
            criterion: criterion.name().to_string(),
            found: t,
            max: MAX_SEARCH_LISTS,
        });
    }
    // Main effects must exist, or nothing does.
    let main = fit_model(counts, t, &[], work)?;
    let all = pairs(t);
    let np = all.len();
    let nmodels = 1usize << np;
    let ov = overlaps(counts, t);
    let empty_bits: u32 = (0..np).filter(|&k| ov[k] == 0).fold(0, |m, k| m | (1 << k));
    let n = main.observed;

    // Existence. If the MLE exists for a model it exists for every model
    // with fewer estimated interactions on the same cells (a projection of a
    // relative interior point stays relative interior), and failure is
    // inherited upwards. So first test the largest model of each family of
    // chosen empty pairs: when it passes the fast rank test the whole family
    // passes without further work, which is the usual case.
    let mut ok = vec![false; nmodels];
    let nonempty_bits = ((1u32 << np) - 1) & !empty_bits;
    let empties: Vec<u32> = (0..nmodels as u32)
        .filter(|m| m & nonempty_bits == 0)
        .collect();
    let family_ok: Vec<bool> = empties
        .par_iter()
        .map(|&e| {
            let top = Design::new(counts, t, &model_of_mask(&all, e | nonempty_bits), None);
            exist::full_rank_on_observed(&top)
        })
        .collect();
    let mut pending: Vec<u32> = Vec::new();
    for (k, &e) in empties.iter().enumerate() {
        let mut sub = nonempty_bits;
        loop {
            let m = e | sub;
            if family_ok[k] {
                ok[m as usize] = true;
            } else {
                pending.push(m);
            }
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & nonempty_bits;
        }
    }
    // The rest level by level in the number of estimated interactions, so
    // that every model's subsets are settled before it is looked at.
    let nonempty_count = |m: u32| (m & nonempty_bits).count_ones();
    let max_level = nonempty_bits.count_ones();
    let mut by_level: Vec<Vec<u32>> = vec![Vec::new(); max_level as usize + 1];
    for m in pending {
        by_level[nonempty_count(m) as usize].push(m);
    }
    // The bound counts LPs actually solved in this search (the null-space
    // shortcut and the cache answer most questions without one).
    let base = work.done().existence_programs;
    let solved = || (work.done().existence_programs - base) as usize;
    let over = std::sync::atomic::AtomicBool::new(false);
    let budget = SEARCH_LP_BUDGET.min(usize::try_from(work.lp_budget()).unwrap_or(usize::MAX));
    for level in &by_level {
        let results: Vec<(u32, bool)> = level
            .par_iter()
            .map(|&m| {
                let mut rest = m & nonempty_bits;
                while rest != 0 {
                    let b = rest & rest.wrapping_neg();
                    rest &= rest - 1;
                    if !ok[(m ^ b) as usize] {
                        return (m, false);
                    }
                }
                let design = Design::new(counts, t, &model_of_mask(&all, m), None);
                if exist::full_rank_on_observed(&design) {
                    return (m, true);
                }
                if solved() >= budget {
                    over.store(true, std::sync::atomic::Ordering::Relaxed);
                    return (m, false);
                }
                (m, work.passes(counts, u128::from(m), &design))
            })
            .collect();
        if over.load(std::sync::atomic::Ordering::Relaxed) || work.exhausted() {
            return Err(EstimateError::SearchTooLarge {
                criterion: criterion.name().to_string(),
                budget,
            });
        }
        for (m, good) in results {
            ok[m as usize] = good;
        }
    }

    // Fits, in chunks sharing their high bits; inside a chunk the model with
    // its lowest interaction removed comes earlier and seeds the next fit.
    let low_bits = np.min(9);
    let chunk = 1usize << low_bits;
    let nchunks = nmodels / chunk;
    let scored: Vec<Scored> = (0..nchunks)
        .into_par_iter()
        .flat_map_iter(|h| {
            let mut etas: Vec<Option<Vec<f64>>> = vec![None; chunk];
            let mut out = Vec::new();
            for low in 0..chunk {
                let m = ((h << low_bits) | low) as u32;
                if !ok[m as usize] {
                    continue;
                }
                let model = model_of_mask(&all, m);
                let design = Design::new(counts, t, &model, None);
                let parent = if low == 0 {
                    None
                } else {
                    etas[low & (low - 1)].as_ref()
                };
                let start: Vec<f64> = match parent {
                    Some(full) => design.cells.iter().map(|&c| full[c as usize]).collect(),
                    None => {
                        let mut by_cell = vec![f64::NAN; 1 << t];
                        for (k, &c) in main.design.cells.iter().enumerate() {
                            by_cell[c as usize] = main.fit.eta[k];
                        }
                        design.cells.iter().map(|&c| by_cell[c as usize]).collect()
                    }
                };
                let Some(fit) = irls_with(&design, Some(&start), false, SEARCH_TOLERANCE)
                    .or_else(|| irls_with(&design, None, false, SEARCH_TOLERANCE))
                else {
                    continue;
                };
                work.fitted(fit.iterations);
                let mut full = vec![f64::NAN; 1 << t];
                for (k, &c) in design.cells.iter().enumerate() {
                    full[c as usize] = fit.eta[k];
                }
                etas[low] = Some(full);
                out.push(Scored {
                    mask: m,
                    criterion: criterion.value(fit.loglik, design.n_params(), n),
                    estimate: n + fit.dark(),
                    params: design.n_params(),
                });
            }
            out
        })
        .collect();
    let mut scored = scored;
    scored.sort_by(|a, b| {
        a.criterion
            .total_cmp(&b.criterion)
            .then(a.params.cmp(&b.params))
            .then(a.mask.cmp(&b.mask))
    });
    let best = scored.first().ok_or_else(|| EstimateError::NoEstimate {
        model: "any".to_string(),
        reason: "no model could be fitted".to_string(),
    })?;
    let fitted = fit_model(counts, t, &model_of_mask(&all, best.mask), work)?;
    Ok((fitted, scored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_value_is_two_sided_minimum() {
        assert!((overlap_p_value(0, 3.0) - (-3.0f64).exp()).abs() < 1e-12);
        assert!(overlap_p_value(5, 5.0) > 0.4);
        assert!(overlap_p_value(30, 5.0) < 1e-8);
        assert_eq!(overlap_p_value(3, 0.0), 1.0);
        // The normal branch joins the exact one at its border.
        let (exact, approx) = (
            overlap_p_value(99_700, 99_999.0),
            overlap_p_value(100_300, 100_001.0),
        );
        assert!((exact / approx - 1.0).abs() < 0.05, "{exact} {approx}");
    }
}
