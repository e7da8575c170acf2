//! Model averaging over the hierarchical log-linear models of the all-models
//! search, with BIC weights (Buckland, Burnham & Augustin 1997).
//!
//! Why: selection hides how much the choice of model moves N (the issue's
//! 4-list table: stepwise 2,063, best BIC 3,025). Weighting every model by
//! exp(−BIC/2) gives one figure whose interval carries that spread.
//!
//! The average is taken of the dark figure D = N − n. Its interval is
//! Buckland's on the log scale, where the model intervals are symmetric:
//! se = Σ wᵢ √(varᵢ + (log Dᵢ − log D̄)²), interval n + D̄·exp(±z·se).

use serde::Serialize;

use crate::estimate::model_name;
use crate::interval::z_for;
use crate::model::{pair_name, pairs};
use crate::select::{fit_model, Scored};
use crate::work::Work;

/// Models whose weight is below this share of the best model's are left
/// out: exp(−BIC/2) at ΔBIC = 28 adds less than a millionth.
const NEGLIGIBLE: f64 = 1e-6;
/// At most this many models are refitted for their variance; on six lists a
/// flat BIC surface could otherwise ask for thousands of refits.
const MAX_WEIGHTED: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelAverage {
    /// The criterion of the weights (`BIC`).
    pub criterion: String,
    /// Models searched (those with an estimate).
    pub models_searched: usize,
    /// Models carrying weight in the average.
    pub models_weighted: usize,
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// The heaviest models: name, weight, estimate.
    pub top: Vec<WeightedModel>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedModel {
    pub model: String,
    pub weight: f64,
    pub estimate: f64,
}

/// `scored` is the BIC search's list, best first.
pub(crate) fn bic_average(
    counts: &[u64],
    t: usize,
    lists: &[String],
    scored: &[Scored],
    level: f64,
    work: &Work,
) -> Option<ModelAverage> {
    let best = scored.first()?.criterion;
    let all = pairs(t);
    let model_of = |mask: u32| -> Vec<(usize, usize)> {
        all.iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, &p)| p)
            .collect()
    };
    let mut parts: Vec<(f64, f64, f64, u32)> = Vec::new(); // weight, log D, var, mask
    for s in scored.iter().take(MAX_WEIGHTED) {
        let w = (-(s.criterion - best) / 2.0).exp();
        if w < NEGLIGIBLE {
            break;
        }
        let Ok(f) = fit_model(counts, t, &model_of(s.mask), work) else {
            continue;
        };
        let var = f.fit.var_intercept;
        if !(var.is_finite() && f.fit.beta[0].is_finite()) {
            continue;
        }
        parts.push((w, f.fit.beta[0], var, s.mask));
    }
    let wsum: f64 = parts.iter().map(|p| p.0).sum();
    if parts.is_empty() || wsum <= 0.0 {
        return None;
    }
    let observed: f64 = counts.iter().sum::<u64>() as f64;
    let dark: f64 = parts.iter().map(|p| p.0 * p.1.exp()).sum::<f64>() / wsum;
    let log_dark = dark.ln();
    let se: f64 = parts
        .iter()
        .map(|p| p.0 * (p.2 + (p.1 - log_dark).powi(2)).sqrt())
        .sum::<f64>()
        / wsum;
    let z = z_for(level);
    let top = parts
        .iter()
        .take(5)
        .map(|p| {
            let names: Vec<String> = model_of(p.3)
                .into_iter()
                .map(|q| pair_name(lists, q))
                .collect();
            WeightedModel {
                model: model_name(&names),
                weight: p.0 / wsum,
                estimate: observed + p.1.exp(),
            }
        })
        .collect();
    Some(ModelAverage {
        criterion: "BIC".into(),
        models_searched: scored.len(),
        models_weighted: parts.len(),
        estimate: observed + dark,
        lower: observed + dark * (-z * se).exp(),
        upper: observed + dark * (z * se).exp(),
        top,
    })
}
