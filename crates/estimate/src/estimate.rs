//! Methods and the single-model estimate that every other part builds on.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::data::CaptureHistories;
use crate::error::EstimateError;
use crate::interval::{self, chapman, lognormal, profile};
use crate::model::{overlaps, pair_name};
use crate::select::{self, Criterion, Fitted, Scored};
use crate::work::Work;

/// How the model is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// SparseMSE's forward selection of interactions by Poisson p-value.
    Stepwise,
    /// All models, lowest BIC (Rcapture's `closedpMS.t`), estimate and
    /// interval from the multinomial profile likelihood.
    Bic,
    /// All models, lowest AIC.
    Aic,
    /// Main effects only (independent lists).
    MainEffects,
    /// Two lists: Chapman's estimator.
    Chapman,
    /// Two lists: Lincoln–Petersen (equal to main effects).
    LincolnPetersen,
    /// The Bayesian latent-class model (LCMCR): heterogeneous capture.
    Lcm,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Stepwise => "stepwise",
            Method::Bic => "bic",
            Method::Aic => "aic",
            Method::MainEffects => "main",
            Method::Chapman => "chapman",
            Method::LincolnPetersen => "lincoln-petersen",
            Method::Lcm => "lcm",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = EstimateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "stepwise" => Ok(Method::Stepwise),
            "bic" => Ok(Method::Bic),
            "aic" => Ok(Method::Aic),
            "main" | "main-effects" | "independence" => Ok(Method::MainEffects),
            "chapman" => Ok(Method::Chapman),
            "lincoln-petersen" | "lp" | "petersen" => Ok(Method::LincolnPetersen),
            "lcm" | "latent-class" => Ok(Method::Lcm),
            other => Err(EstimateError::InvalidOption {
                reason: format!(
                    "unknown method `{other}`; use stepwise, bic, aic, main, chapman, lincoln-petersen or lcm"
                ),
            }),
        }
    }
}

/// The estimate of one model, with its own interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEstimate {
    pub method: Method,
    /// Human-readable model: `main effects + PF:NCA + LA:NG`.
    pub model: String,
    /// Interactions in the order they were chosen (`PF:NCA`).
    pub interactions: Vec<String>,
    /// Chosen interactions whose lists share no case, fixed at −∞.
    pub structural_zeros: Vec<String>,
    /// Total population: observed plus the estimated unobserved.
    pub estimate: f64,
    pub lower: f64,
    /// `None` only for a profile interval that stays open above 3N.
    pub upper: Option<f64>,
    /// How `lower`/`upper` were computed.
    pub interval: IntervalKind,
    pub observed: u64,
    /// N = n + exp(β₀) of the Poisson fit (equal to `estimate` except for
    /// the profile-likelihood methods and Chapman).
    pub poisson_estimate: f64,
    /// Log-normal (SparseMSE) interval of the Poisson fit.
    pub lognormal_interval: (f64, f64),
    /// Multinomial profile likelihood: (maximum, lower, upper).
    pub profile: Option<ProfileSummary>,
    pub fit: Option<FitSummary>,
    /// For AIC/BIC: the best few models, best first.
    pub ranking: Vec<RankedModel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalKind {
    /// observed + exp(β₀ ± z·se), SparseMSE.
    LogNormal,
    /// Multinomial profile likelihood, Rcapture.
    ProfileLikelihood,
    /// Chao's log-normal interval with Seber's variance (two lists).
    ChaoLogNormal,
    /// Posterior quantiles of the latent-class model.
    Credible,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProfileSummary {
    pub estimate: f64,
    pub lower: f64,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FitSummary {
    pub deviance: f64,
    pub df: usize,
    /// Parameters, counting interactions fixed at −∞.
    pub parameters: usize,
    pub aic: f64,
    pub bic: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedModel {
    pub model: String,
    pub criterion: f64,
    pub estimate: f64,
}

pub(crate) fn model_name(interactions: &[String]) -> String {
    if interactions.is_empty() {
        "main effects".to_string()
    } else {
        format!("main effects + {}", interactions.join(" + "))
    }
}

/// Refuses tables that no method can estimate from, with the reason.
pub(crate) fn validate(data: &CaptureHistories) -> Result<(), EstimateError> {
    let t = data.n_lists();
    if t < 2 {
        return Err(EstimateError::TooFewLists { found: t });
    }
    for (i, l) in data.lists().iter().enumerate() {
        if data.list_size(i) == 0 {
            return Err(EstimateError::EmptyList { list: l.clone() });
        }
    }
    if overlaps(data.counts(), t).iter().all(|&o| o == 0) {
        return Err(EstimateError::NoOverlap);
    }
    Ok(())
}

fn summarise(f: &Fitted, lists: &[String], n_obs: f64) -> (Vec<String>, Vec<String>, FitSummary) {
    let interactions: Vec<String> = f.model.iter().map(|&p| pair_name(lists, p)).collect();
    let structural = f
        .design
        .structural
        .iter()
        .map(|&p| pair_name(lists, p))
        .collect();
    let k = f.design.n_params();
    let fit = FitSummary {
        deviance: f.fit.deviance,
        df: f.design.n_rows().saturating_sub(f.design.p),
        parameters: k,
        aic: -2.0 * f.fit.loglik + 2.0 * k as f64,
        bic: -2.0 * f.fit.loglik + n_obs.ln() * k as f64,
    };
    (interactions, structural, fit)
}

/// Fits the chosen method and returns its estimate and model interval; no
/// bootstrap. This is what every bootstrap replicate and sensitivity row runs.
pub fn fit(
    data: &CaptureHistories,
    method: Method,
    threshold: f64,
    level: f64,
) -> Result<ModelEstimate, EstimateError> {
    fit_inner(data, method, threshold, level, true, &Work::default())
}

pub(crate) fn fit_inner(
    data: &CaptureHistories,
    method: Method,
    threshold: f64,
    level: f64,
    with_profile: bool,
    work: &Work,
) -> Result<ModelEstimate, EstimateError> {
    fit_scored(data, method, threshold, level, with_profile, work).map(|(m, _)| m)
}

/// As `fit_inner`, also returning every model scored by an AIC/BIC search
/// (empty for the other methods), for model averaging.
pub(crate) fn fit_scored(
    data: &CaptureHistories,
    method: Method,
    threshold: f64,
    level: f64,
    with_profile: bool,
    work: &Work,
) -> Result<(ModelEstimate, Vec<Scored>), EstimateError> {
    validate(data)?;
    let t = data.n_lists();
    let counts = data.counts();
    let observed = data.observed();
    let lists = data.lists();
    if matches!(method, Method::Chapman | Method::LincolnPetersen) && t != 2 {
        return Err(EstimateError::NeedsTwoLists {
            method: if method == Method::Chapman {
                "Chapman".into()
            } else {
                "Lincoln–Petersen".into()
            },
            found: t,
        });
    }
    let mut ranking = Vec::new();
    let mut all_scored = Vec::new();
    let fitted = match method {
        Method::Lcm => return Err(not_log_linear()),
        Method::Stepwise => select::stepwise(counts, t, threshold, work)?,
        Method::MainEffects | Method::LincolnPetersen | Method::Chapman => {
            select::fit_model(counts, t, &[], work)?
        }
        Method::Bic | Method::Aic => {
            let crit = if method == Method::Bic {
                Criterion::Bic
            } else {
                Criterion::Aic
            };
            let (best, scored) = select::search(counts, t, crit, work)?;
            let all = crate::model::pairs(t);
            ranking = scored
                .iter()
                .take(5)
                .map(|s| {
                    let names: Vec<String> = all
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| s.mask & (1 << k) != 0)
                        .map(|(_, &p)| pair_name(lists, p))
                        .collect();
                    RankedModel {
                        model: model_name(&names),
                        criterion: s.criterion,
                        estimate: s.estimate,
                    }
                })
                .collect();
            all_scored = scored;
            best
        }
    };
    let (interactions, structural_zeros, fit) = summarise(&fitted, lists, observed as f64);
    let poisson_estimate = fitted.estimate();
    let lognormal_interval = lognormal(&fitted, level);
    let wants_profile = with_profile || matches!(method, Method::Bic | Method::Aic);
    let profile = if wants_profile {
        profile(&fitted, counts, level).map(|p| ProfileSummary {
            estimate: p.estimate,
            lower: p.lower,
            upper: p.upper,
        })
    } else {
        None
    };
    let model = model_name(&interactions);
    let base = ModelEstimate {
        method,
        model,
        interactions,
        structural_zeros,
        estimate: poisson_estimate,
        lower: lognormal_interval.0,
        upper: Some(lognormal_interval.1),
        interval: IntervalKind::LogNormal,
        observed,
        poisson_estimate,
        lognormal_interval,
        profile,
        fit: Some(fit),
        ranking,
    };
    let chosen = match method {
        Method::Lcm => return Err(not_log_linear()),
        Method::Bic | Method::Aic => match profile {
            Some(p) => ModelEstimate {
                estimate: p.estimate,
                lower: p.lower,
                upper: p.upper,
                interval: IntervalKind::ProfileLikelihood,
                ..base
            },
            None => base,
        },
        Method::Chapman => {
            let n1 = data.list_size(0) as f64;
            let n2 = data.list_size(1) as f64;
            let m = data.overlap(0, 1) as f64;
            let c = chapman(n1, n2, m, level);
            ModelEstimate {
                model: "Chapman".into(),
                estimate: c.estimate,
                lower: c.lower,
                upper: Some(c.upper),
                interval: IntervalKind::ChaoLogNormal,
                ..base
            }
        }
        Method::LincolnPetersen => ModelEstimate {
            model: "Lincoln–Petersen".into(),
            ..base
        },
        Method::Stepwise | Method::MainEffects => base,
    };
    Ok((chosen, all_scored))
}

/// The headline number only, for bootstrap replicates: lists that lost all
/// their cases in the resample are dropped first (they carry no information,
/// as SparseMSE's `removenoninformativelists`); `None` if nothing can be
/// estimated.
pub(crate) fn point_only(
    data: &CaptureHistories,
    method: Method,
    threshold: f64,
    work: &Work,
) -> Option<f64> {
    let t = data.n_lists();
    let mut d = data.clone();
    for i in (0..t).rev() {
        if data.list_size(i) == 0 {
            d = d.drop_list(i)?;
        }
    }
    validate(&d).ok()?;
    let t = d.n_lists();
    let counts = d.counts();
    match method {
        Method::Lcm => None,
        Method::Stepwise => select::stepwise(counts, t, threshold, work)
            .ok()
            .map(|f| f.estimate()),
        Method::MainEffects | Method::LincolnPetersen => select::fit_model(counts, t, &[], work)
            .ok()
            .map(|f| f.estimate()),
        Method::Chapman => {
            if t != 2 {
                return None;
            }
            let c = chapman(
                d.list_size(0) as f64,
                d.list_size(1) as f64,
                d.overlap(0, 1) as f64,
                0.95,
            );
            Some(c.estimate)
        }
        Method::Bic | Method::Aic => {
            let crit = if method == Method::Bic {
                Criterion::Bic
            } else {
                Criterion::Aic
            };
            let (best, _) = select::search(counts, t, crit, work).ok()?;
            interval::profile(&best, counts, 0.95).map(|p| p.estimate)
        }
    }
}

/// The latent-class model is sampled ([`crate::fit_lcm`]), never fitted as
/// a log-linear model.
fn not_log_linear() -> EstimateError {
    EstimateError::InvalidOption {
        reason: "the latent-class model (lcm) is sampled, not fitted as a log-linear model".into(),
    }
}
