//! The full analysis a researcher reports, and its text rendering.

use std::fmt::Write as _;

use serde::Serialize;

use crate::average::{bic_average, ModelAverage};
use crate::bootstrap::{bca, BootstrapSummary, Resampling};
use crate::data::CaptureHistories;
use crate::error::EstimateError;
use crate::estimate::{fit_inner, fit_scored, point_only, IntervalKind, Method, ModelEstimate};
use crate::lcm::{fit_lcm, LcmOptions};
use crate::select::MAX_SEARCH_LISTS;
use crate::work::{Work, WorkDone};

/// New existence programs the bootstrap (replicates and jackknife together)
/// may solve. Existence is remembered by support, so a table needs about one
/// program per candidate model and support seen; past this the table is so
/// sparse that replicates keep losing patterns, and a default run would take
/// far beyond two seconds (an LP costs 1–4 ms at six lists, 64 times that at eight; budgets count in six-list LPs). The headline
/// then keeps the model interval and says why.
pub const BOOTSTRAP_LP_BUDGET: u64 = 200;

/// New existence programs the rows of the sensitivity table (other than
/// the BIC search) may solve together, split evenly between the rows so that
/// each row's outcome depends on its own table only. An 8-list table has 36
/// such rows, each of which could otherwise ask for hundreds.
pub const SENSITIVITY_LP_BUDGET: u64 = 150;

/// New existence programs for the all-models search of the sensitivity
/// table (its own `--method bic` run allows `SEARCH_LP_BUDGET`).
pub const SENSITIVITY_SEARCH_LP_BUDGET: u64 = 100;

/// Largest bootstrap accepted; beyond this the Monte Carlo error is far below
/// the sampling error and the run only gets slower.
pub const MAX_BOOTSTRAP: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub method: Method,
    /// p-value threshold of the stepwise selection.
    pub threshold: f64,
    /// BCa replicates; 0 for none.
    pub bootstrap: usize,
    pub seed: u64,
    /// Coverage of every interval, e.g. 0.95.
    pub level: f64,
    /// Whether to compute the sensitivity table.
    pub sensitivity: bool,
    /// How bootstrap replicates are drawn.
    pub resampling: Resampling,
    /// The latent-class sampler (method `lcm`); its seed and level are
    /// this struct's.
    pub lcm: LcmOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::Stepwise,
            threshold: 0.02,
            bootstrap: 1000,
            seed: 1234,
            level: 0.95,
            sensitivity: true,
            resampling: Resampling::Observed,
            lcm: LcmOptions::default(),
        }
    }
}

impl Options {
    fn validate(&self) -> Result<(), EstimateError> {
        let bad = |reason: String| Err(EstimateError::InvalidOption { reason });
        if !(0.0..=1.0).contains(&self.threshold) {
            return bad(format!(
                "the stepwise threshold must be a p-value between 0 and 1, got {}",
                self.threshold
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return bad(format!(
                "the interval level must be between 0 and 1 (e.g. 0.95), got {}",
                self.level
            ));
        }
        if self.bootstrap > MAX_BOOTSTRAP {
            return bad(format!(
                "at most {MAX_BOOTSTRAP} bootstrap replicates, got {}",
                self.bootstrap
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListSummary {
    pub name: String,
    pub cases: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub lists: [String; 2],
    pub cases: u64,
    /// No case in common: the pair's interaction cannot be estimated.
    pub empty: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    pub scenario: String,
    pub lists: usize,
    pub observed: u64,
    pub model: Option<String>,
    pub estimate: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Why there is no estimate for this scenario.
    pub note: Option<String>,
}

/// Everything about one estimate. `estimate`, `ci_lower`, `ci_upper`,
/// `observed` and `model` are the figures to store and publish.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub estimate: f64,
    /// The headline interval: BCa when the bootstrap ran, else the model's.
    /// `None` for a bound that is open (no finite value).
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    /// `bca`, `lognormal`, `profile_likelihood` or `chao_lognormal`.
    pub ci_method: String,
    pub level: f64,
    pub observed: u64,
    /// The chosen model, e.g. `main effects + PF:NCA + LA:NG`.
    pub model: String,
    pub method: Method,
    /// The stepwise threshold, when the method is stepwise.
    pub threshold: Option<f64>,
    /// Estimated number never observed on any list.
    pub unobserved: f64,
    /// Share of the estimate that was observed ("x% in view").
    pub share_observed: f64,
    pub chosen: ModelEstimate,
    pub bootstrap: Option<BootstrapSummary>,
    pub lists: Vec<ListSummary>,
    pub overlaps: Vec<Overlap>,
    pub patterns: usize,
    pub sensitivity: Vec<SensitivityRow>,
    pub warnings: Vec<String>,
    /// Set when the models of the sensitivity table fitted to all lists
    /// (main effects, stepwise at three thresholds, best BIC) and the
    /// headline disagree by more than [`DISAGREEMENT`]: the choice of model
    /// then moves N more than its interval shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_disagreement: Option<Disagreement>,
    /// The headline in words, for the monitor's texts.
    pub summary_nl: String,
    pub summary_en: String,
    /// The latent-class posterior, for method `lcm`: `estimate` is its
    /// median and the interval its credible interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lcm: Option<LcmSummary>,
    /// BIC-weighted average over the models of the all-models search, with
    /// its interval; with the sensitivity table, up to six lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_average: Option<ModelAverage>,
    /// Fits and existence programs this report took.
    pub work: WorkDone,
}

/// Models disagreeing by more than this (highest / lowest − 1) put the
/// disagreement at the top of the report: a quarter is more than the width
/// of a typical 95% interval on the reference data (UK 2013 stepwise:
/// −13% / +15%), so past it the interval no longer tells the uncertainty.
pub const DISAGREEMENT: f64 = 0.25;

/// How far the models apart are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// Highest / lowest − 1.
    pub spread: f64,
    pub lowest: f64,
    pub lowest_model: String,
    pub highest: f64,
    pub highest_model: String,
}

/// What the latent-class sampler adds to a report: the posterior mean and
/// whether the chains can be trusted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LcmSummary {
    pub posterior_mean: f64,
    pub posterior_median: f64,
    /// Split R-hat of N across chains; above 1.05 the chains disagree.
    pub rhat: f64,
    pub effective_samples: f64,
    pub classes_used: f64,
    pub classes: usize,
    pub chains: usize,
    pub samples: usize,
    pub burn_in: usize,
    pub thinning: usize,
}

fn interval_name(k: IntervalKind) -> &'static str {
    match k {
        IntervalKind::LogNormal => "lognormal",
        IntervalKind::ProfileLikelihood => "profile_likelihood",
        IntervalKind::ChaoLogNormal => "chao_lognormal",
        IntervalKind::Credible => "credible",
    }
}

fn method_label(method: Method, threshold: f64) -> String {
    match method {
        Method::Stepwise => format!("stepwise (p < {threshold})"),
        Method::Bic => "all models, lowest BIC".into(),
        Method::Aic => "all models, lowest AIC".into(),
        Method::MainEffects => "main effects only".into(),
        Method::Chapman => "Chapman (two lists)".into(),
        Method::LincolnPetersen => "Lincoln–Petersen (two lists)".into(),
        Method::Lcm => "latent classes (Bayesian, LCMCR)".into(),
    }
}

fn row_from(
    scenario: String,
    data: &CaptureHistories,
    r: Result<ModelEstimate, EstimateError>,
) -> SensitivityRow {
    let (model, estimate, lower, upper, note) = match r {
        Ok(m) => (
            Some(m.model),
            Some(m.estimate),
            Some(m.lower),
            m.upper,
            None,
        ),
        Err(e) => (None, None, None, None, Some(e.to_string())),
    };
    SensitivityRow {
        scenario,
        lists: data.n_lists(),
        observed: data.observed(),
        model,
        estimate,
        lower,
        upper,
        note,
    }
}

/// The sensitivity rows, the model average (from the same BIC search) and
/// the work they took. Every row is its own scope of work with its own
/// bound, so each row's outcome depends on its table alone.
fn sensitivity(
    data: &CaptureHistories,
    opts: &Options,
) -> (Vec<SensitivityRow>, Option<ModelAverage>, WorkDone) {
    let t = data.n_lists();
    let lists = data.lists();
    let lvl = opts.level;
    let mut jobs: Vec<(String, CaptureHistories, Method, f64)> = vec![
        (
            "main effects".into(),
            data.clone(),
            Method::MainEffects,
            0.0,
        ),
        (
            "stepwise p < 0.001".into(),
            data.clone(),
            Method::Stepwise,
            0.001,
        ),
        (
            "stepwise p < 0.02".into(),
            data.clone(),
            Method::Stepwise,
            0.02,
        ),
        (
            "stepwise p < 0.05".into(),
            data.clone(),
            Method::Stepwise,
            0.05,
        ),
    ];
    // Dropping or merging lists uses the chosen method (Chapman needs two
    // lists, so its variants fall back to main effects).
    let variant_method = match opts.method {
        Method::Chapman | Method::LincolnPetersen => Method::MainEffects,
        // The sampler per variant would cost seconds each: the variants
        // are read against stepwise, the default log-linear method.
        Method::Lcm => Method::Stepwise,
        m => m,
    };
    for (i, list) in lists.iter().enumerate() {
        if let Some(d) = data.drop_list(i) {
            jobs.push((format!("without {list}"), d, variant_method, opts.threshold));
        }
    }
    for i in 0..t {
        for j in i + 1..t {
            if let Some(d) = data.merge_lists(i, j) {
                jobs.push((
                    format!("{} and {} merged", lists[i], lists[j]),
                    d,
                    variant_method,
                    opts.threshold,
                ));
            }
        }
    }
    use rayon::prelude::*;
    let mut done = WorkDone::default();
    let (mut bic_rows, average) = if t <= MAX_SEARCH_LISTS {
        let work = Work::with_budget(SENSITIVITY_SEARCH_LP_BUDGET);
        let r = fit_scored(data, Method::Bic, 0.0, lvl, false, &work);
        let average = r
            .as_ref()
            .ok()
            .and_then(|(_, scored)| bic_average(data.counts(), t, lists, scored, lvl, &work));
        done.add(work.done());
        (
            vec![row_from("best BIC".into(), data, r.map(|(m, _)| m))],
            average,
        )
    } else {
        (Vec::new(), None)
    };
    let per_row = (SENSITIVITY_LP_BUDGET / jobs.len().max(1) as u64).max(4);
    let rows: Vec<(SensitivityRow, WorkDone)> = jobs
        .into_par_iter()
        .map(|(name, d, m, th)| {
            let work = Work::with_budget(per_row);
            let r = fit_inner(&d, m, th, lvl, false, &work);
            let row = if work.exhausted() {
                SensitivityRow {
                    note: Some(format!(
                        "skipped: this table is so sparse that the model checks would need more than {per_row} existence programs; merge lists with few cases"
                    )),
                    ..row_from(name, &d, Err(EstimateError::InvalidOption { reason: String::new() }))
                }
            } else {
                row_from(name, &d, r)
            };
            (row, work.done())
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len() + 1);
    for (k, (row, w)) in rows.into_iter().enumerate() {
        done.add(w);
        out.push(row);
        if k == 3 {
            out.append(&mut bic_rows);
        }
    }
    (out, average, done)
}

/// Estimates the population from one table of capture histories.
pub fn estimate(data: &CaptureHistories, opts: &Options) -> Result<Report, EstimateError> {
    opts.validate()?;
    let head_work = Work::default();
    let (chosen, lcm) = if opts.method == Method::Lcm {
        let lcm_opts = LcmOptions {
            seed: opts.seed,
            level: opts.level,
            ..opts.lcm.clone()
        };
        let r = fit_lcm(data, &lcm_opts)?;
        let chosen = ModelEstimate {
            method: Method::Lcm,
            model: format!("latent classes (at most {})", lcm_opts.classes),
            interactions: Vec::new(),
            structural_zeros: Vec::new(),
            estimate: r.median,
            lower: r.lower,
            upper: Some(r.upper),
            interval: IntervalKind::Credible,
            observed: data.observed(),
            poisson_estimate: r.mean,
            lognormal_interval: (r.lower, r.upper),
            profile: None,
            fit: None,
            ranking: Vec::new(),
        };
        let summary = LcmSummary {
            posterior_mean: r.mean,
            posterior_median: r.median,
            rhat: r.rhat,
            effective_samples: r.ess,
            classes_used: r.classes_used,
            classes: lcm_opts.classes,
            chains: lcm_opts.chains,
            samples: lcm_opts.samples,
            burn_in: lcm_opts.burn_in,
            thinning: lcm_opts.thinning,
        };
        (chosen, Some((summary, r.warnings)))
    } else {
        (
            fit_inner(
                data,
                opts.method,
                opts.threshold,
                opts.level,
                true,
                &head_work,
            )?,
            None,
        )
    };
    let t = data.n_lists();
    let mut warnings = Vec::new();
    let lcm = lcm.map(|(summary, w)| {
        warnings.extend(w);
        summary
    });
    // A posterior has its own interval: no bootstrap around a sampler.
    let mut work = head_work.done();
    let bootstrap = if opts.bootstrap > 0 && lcm.is_none() {
        let (method, threshold) = (opts.method, opts.threshold);
        let boot_work = Work::with_budget(BOOTSTRAP_LP_BUDGET);
        // The observed table's fits, once, as starts for the replicates'.
        boot_work.start_recording();
        point_only(data, method, threshold, &boot_work);
        boot_work.stop_recording();
        let est = |d: &CaptureHistories| point_only(d, method, threshold, &boot_work);
        let b = bca(
            data,
            chosen.estimate,
            opts.bootstrap,
            opts.seed,
            opts.level,
            opts.resampling,
            &est,
        );
        work.add(boot_work.done());
        if boot_work.exhausted() {
            warnings.push(format!(
                "no bootstrap interval: on this sparse table the replicates would need more than {BOOTSTRAP_LP_BUDGET} existence programs (seconds to minutes); the interval is the model's. Merge lists with few cases"
            ));
            None
        } else {
            if b.failed > 0 {
                warnings.push(format!(
                    "{} of {} bootstrap replicates had no finite estimate and count as unbounded",
                    b.failed, b.replicates
                ));
            }
            if b.jackknife_failed > 0 {
                warnings.push(format!(
                    "{} jackknife deletions had no estimate and were left out of the acceleration",
                    b.jackknife_failed
                ));
            }
            Some(b)
        }
    } else {
        None
    };
    let lists: Vec<ListSummary> = data
        .lists()
        .iter()
        .enumerate()
        .map(|(i, name)| ListSummary {
            name: name.clone(),
            cases: data.list_size(i),
        })
        .collect();
    let mut overlaps = Vec::new();
    for i in 0..t {
        for j in i + 1..t {
            let cases = data.overlap(i, j);
            overlaps.push(Overlap {
                lists: [data.lists()[i].clone(), data.lists()[j].clone()],
                cases,
                empty: cases == 0,
            });
        }
    }
    let empty: Vec<String> = overlaps
        .iter()
        .filter(|o| o.empty)
        .map(|o| format!("{}:{}", o.lists[0], o.lists[1]))
        .collect();
    if !empty.is_empty() {
        warnings.push(format!(
            "no case in common for {}; an interaction for such a pair is fixed at −∞ (its cells are structural zeros) if chosen",
            empty.join(", ")
        ));
    }
    for s in &chosen.structural_zeros {
        warnings.push(format!(
            "the chosen model includes {s} at −∞ (the lists share no case)"
        ));
    }
    let (ci_lower, ci_upper, ci_method) = match &bootstrap {
        Some(b) => (b.lower, b.upper, "bca".to_string()),
        None => (
            Some(chosen.lower),
            chosen.upper,
            interval_name(chosen.interval).to_string(),
        ),
    };
    let observed = data.observed();
    let (sensitivity, model_average) = if opts.sensitivity {
        let (rows, average, w) = sensitivity(data, opts);
        work.add(w);
        (rows, average)
    } else {
        (Vec::new(), None)
    };
    let model_disagreement = disagreement(
        &sensitivity,
        (method_label(opts.method, opts.threshold), chosen.estimate),
        t,
    );
    if let Some(d) = &model_disagreement {
        warnings.insert(
            0,
            format!(
                "the models disagree by {:.0}%: from {} ({}) to {} ({}); the interval shows only the chosen model's uncertainty",
                d.spread * 100.0,
                fmt_count(d.lowest),
                d.lowest_model,
                fmt_count(d.highest),
                d.highest_model
            ),
        );
    }
    let (summary_nl, summary_en) =
        summaries(chosen.estimate, ci_lower, ci_upper, opts.level, observed);
    Ok(Report {
        estimate: chosen.estimate,
        ci_lower,
        ci_upper,
        ci_method,
        level: opts.level,
        observed,
        model: chosen.model.clone(),
        method: opts.method,
        threshold: (opts.method == Method::Stepwise).then_some(opts.threshold),
        unobserved: (chosen.estimate - observed as f64).max(0.0),
        share_observed: if chosen.estimate > 0.0 {
            observed as f64 / chosen.estimate
        } else {
            1.0
        },
        chosen,
        bootstrap,
        lists,
        overlaps,
        patterns: data.patterns().count(),
        sensitivity,
        warnings,
        model_disagreement,
        summary_nl,
        summary_en,
        lcm,
        model_average,
        work,
    })
}

/// The spread of the estimates that use every list, the headline among them.
fn disagreement(
    rows: &[SensitivityRow],
    headline: (String, f64),
    lists: usize,
) -> Option<Disagreement> {
    let mut all: Vec<(String, f64)> = rows
        .iter()
        .filter(|r| {
            r.lists == lists && !r.scenario.contains("without") && !r.scenario.contains("merged")
        })
        .filter_map(|r| Some((r.scenario.clone(), r.estimate?)))
        .filter(|(_, e)| e.is_finite() && *e > 0.0)
        .collect();
    all.push(headline);
    let lowest = all.iter().min_by(|a, b| a.1.total_cmp(&b.1))?.clone();
    let highest = all.iter().max_by(|a, b| a.1.total_cmp(&b.1))?.clone();
    let spread = highest.1 / lowest.1 - 1.0;
    (spread > DISAGREEMENT).then_some(Disagreement {
        spread,
        lowest: lowest.1,
        lowest_model: lowest.0,
        highest: highest.1,
        highest_model: highest.0,
    })
}

/// "Naar schatting N (interval) slachtoffers, van wie x% bij ten minste één
/// organisatie in beeld", in Dutch and English, numbers as each writes them.
fn summaries(
    estimate: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    level: f64,
    observed: u64,
) -> (String, String) {
    let nl = |v: f64| fmt_count(v).replace(',', ".");
    let share = if estimate > 0.0 {
        (observed as f64 / estimate * 100.0).round()
    } else {
        100.0
    };
    let lvl = pct(level);
    let (range_nl, range_en) = match (lower, upper) {
        (Some(l), Some(u)) if u.is_finite() => (
            format!(" ({lvl}-interval {}–{})", nl(l), nl(u)),
            format!(" ({lvl} interval {}–{})", fmt_count(l), fmt_count(u)),
        ),
        (Some(l), _) => (
            format!(" (ten minste {})", nl(l)),
            format!(" (at least {})", fmt_count(l)),
        ),
        _ => (String::new(), String::new()),
    };
    (
        format!(
            "Naar schatting {}{range_nl} slachtoffers, van wie {share}% bij ten minste één organisatie in beeld.",
            nl(estimate)
        ),
        format!(
            "An estimated {}{range_en} victims, of whom {share}% are known to at least one organisation.",
            fmt_count(estimate)
        ),
    )
}

/// One stratum's result: a report or the reason there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumReport {
    pub stratum: String,
    pub report: Option<Report>,
    pub error: Option<String>,
}

/// Estimates each stratum separately (e.g. per sex or per year).
pub fn estimate_strata(
    strata: &[(String, CaptureHistories)],
    opts: &Options,
) -> Vec<StratumReport> {
    strata
        .iter()
        .map(|(name, data)| match estimate(data, opts) {
            Ok(r) => StratumReport {
                stratum: name.clone(),
                report: Some(r),
                error: None,
            },
            Err(e) => StratumReport {
                stratum: name.clone(),
                report: None,
                error: Some(e.to_string()),
            },
        })
        .collect()
}

/// Whole number with thousands separators: 11,418.
pub fn fmt_count(v: f64) -> String {
    if !v.is_finite() {
        return "unbounded".into();
    }
    let r = v.round() as i64;
    let s = r.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if r < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(fmt_count).unwrap_or_else(|| "unbounded".into())
}

fn fmt_range(lo: Option<f64>, hi: Option<f64>) -> String {
    format!("{}–{}", fmt_opt(lo), fmt_opt(hi))
}

fn pct(level: f64) -> String {
    let p = level * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p}%")
    }
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The readable report the CLI prints.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let lvl = pct(self.level);
        let names: Vec<&str> = self.lists.iter().map(|l| l.name.as_str()).collect();
        let _ = writeln!(s, "Multiple systems estimation");
        let _ = writeln!(
            s,
            "Data: {} lists ({}), {} people observed in {} patterns",
            self.lists.len(),
            names.join(", "),
            fmt_count(self.observed as f64),
            self.patterns
        );
        let _ = writeln!(s);
        let ci_label = match self.ci_method.as_str() {
            "bca" => "BCa bootstrap interval",
            "profile_likelihood" => "profile-likelihood interval",
            "chao_lognormal" => "log-normal interval",
            "credible" => "credible interval (posterior median)",
            _ => "model interval",
        };
        let _ = writeln!(
            s,
            "Estimate: {}  ({lvl} {ci_label} {})",
            fmt_count(self.estimate),
            fmt_range(self.ci_lower, self.ci_upper)
        );
        if let Some(d) = &self.model_disagreement {
            let _ = writeln!(
                s,
                "Model uncertainty: the models disagree by {:.0}%, from {} ({}) to {} ({})",
                d.spread * 100.0,
                fmt_count(d.lowest),
                d.lowest_model,
                fmt_count(d.highest),
                d.highest_model
            );
        }
        if let Some(a) = &self.model_average {
            let _ = writeln!(
                s,
                "Model average: {}  ({lvl} interval {}; BIC weights over {} models, {} carrying weight; best model's weight {:.0}%)",
                fmt_count(a.estimate),
                fmt_range(Some(a.lower), Some(a.upper)),
                fmt_count(a.models_searched as f64),
                a.models_weighted,
                a.top.first().map(|m| m.weight * 100.0).unwrap_or(0.0)
            );
        }
        let _ = writeln!(s, "{}", self.summary_en);
        let _ = writeln!(
            s,
            "In view: {:.1}% of the estimated total was observed ({} of {}); about {} were on no list",
            self.share_observed * 100.0,
            fmt_count(self.observed as f64),
            fmt_count(self.estimate),
            fmt_count(self.unobserved)
        );
        let th = self.threshold.unwrap_or(0.02);
        let _ = writeln!(s, "Method: {}", method_label(self.method, th));
        let _ = writeln!(s, "Model: {}", self.model);
        if let Some(l) = &self.lcm {
            let _ = writeln!(
                s,
                "Posterior: mean {}, median {}; {} chains × {} draws (burn-in {}, thinning {}), \
                 split R-hat {:.3}, {:.0} effective draws, {:.1} of {} classes in use",
                fmt_count(l.posterior_mean),
                fmt_count(l.posterior_median),
                l.chains,
                l.samples,
                l.burn_in,
                l.thinning,
                l.rhat,
                l.effective_samples,
                l.classes_used,
                l.classes
            );
        }
        let c = &self.chosen;
        if let Some(f) = &c.fit {
            let _ = writeln!(
                s,
                "Fit: deviance {:.2} on {} df, {} parameters, AIC {:.2}, BIC {:.2}",
                f.deviance, f.df, f.parameters, f.aic, f.bic
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Intervals ({lvl})");
        let _ = writeln!(
            s,
            "  model, log-normal (SparseMSE):        {}  (Poisson estimate {})",
            fmt_range(Some(c.lognormal_interval.0), Some(c.lognormal_interval.1)),
            fmt_count(c.poisson_estimate)
        );
        if let Some(p) = &c.profile {
            let _ = writeln!(
                s,
                "  profile likelihood (Rcapture):        {}  (maximum at {})",
                fmt_range(Some(p.lower), p.upper),
                fmt_count(p.estimate)
            );
        }
        if c.interval == IntervalKind::ChaoLogNormal {
            let _ = writeln!(
                s,
                "  Chapman, log-normal (Chao):           {}",
                fmt_range(Some(c.lower), c.upper)
            );
        }
        if let Some(b) = &self.bootstrap {
            let _ = writeln!(
                s,
                "  BCa bootstrap, selection repeated:    {}  ({} replicates {}, seed {}, z0 {:.3}, a {:.4})",
                fmt_range(b.lower, b.upper),
                fmt_count(b.replicates as f64),
                match b.resampling {
                    Resampling::Population => "from the estimated population",
                    Resampling::Observed => "of the observed n",
                },
                b.seed,
                b.bias_correction,
                b.acceleration
            );
        }
        if !c.ranking.is_empty() {
            let _ = writeln!(s);
            let crit = if self.method == Method::Aic {
                "AIC"
            } else {
                "BIC"
            };
            let _ = writeln!(s, "Best models by {crit}");
            let _ = writeln!(s, "  {:>9}  {:>9}  model", crit, "Poisson N");
            for r in &c.ranking {
                let _ = writeln!(
                    s,
                    "  {:>9.2}  {:>9}  {}",
                    r.criterion,
                    fmt_count(r.estimate),
                    r.model
                );
            }
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Lists");
        let w = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        for l in &self.lists {
            let _ = writeln!(s, "  {:<w$}  {:>7}", l.name, fmt_count(l.cases as f64));
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Pairwise overlaps (people on both lists; 0 = no case in common)"
        );
        let cw = w.max(5);
        let _ = write!(s, "  {:<w$}", "");
        for n in names.iter().skip(1) {
            let _ = write!(s, "  {n:>cw$}");
        }
        let _ = writeln!(s);
        let t = names.len();
        for i in 0..t.saturating_sub(1) {
            let _ = write!(s, "  {:<w$}", names[i]);
            for j in 1..t {
                if j <= i {
                    let _ = write!(s, "  {:>cw$}", "");
                } else {
                    let o = self
                        .overlaps
                        .iter()
                        .find(|o| o.lists[0] == names[i] && o.lists[1] == names[j]);
                    let v = o.map(|o| fmt_count(o.cases as f64)).unwrap_or_default();
                    let _ = write!(s, "  {v:>cw$}");
                }
            }
            let _ = writeln!(s);
        }
        let empty: Vec<String> = self
            .overlaps
            .iter()
            .filter(|o| o.empty)
            .map(|o| format!("{}:{}", o.lists[0], o.lists[1]))
            .collect();
        if !empty.is_empty() {
            let _ = writeln!(s, "  no case in common: {}", empty.join(", "));
        }
        if !self.sensitivity.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(s, "Sensitivity ({lvl} model intervals)");
            let sw = self
                .sensitivity
                .iter()
                .map(|r| r.scenario.chars().count())
                .max()
                .unwrap_or(8);
            let _ = writeln!(
                s,
                "  {:<sw$}  {:>5}  {:>8}  {:>8}  {:>17}  model",
                "scenario", "lists", "observed", "estimate", "interval"
            );
            for r in &self.sensitivity {
                match (r.estimate, &r.note) {
                    (Some(e), _) => {
                        let _ = writeln!(
                            s,
                            "  {:<sw$}  {:>5}  {:>8}  {:>8}  {:>17}  {}",
                            r.scenario,
                            r.lists,
                            fmt_count(r.observed as f64),
                            fmt_count(e),
                            fmt_range(r.lower, r.upper),
                            r.model.as_deref().unwrap_or("")
                        );
                    }
                    (None, note) => {
                        let _ = writeln!(
                            s,
                            "  {:<sw$}  {:>5}  {:>8}  no estimate: {}",
                            r.scenario,
                            r.lists,
                            fmt_count(r.observed as f64),
                            note.as_deref().unwrap_or("")
                        );
                    }
                }
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(s, "Notes");
            for wn in &self.warnings {
                let _ = writeln!(s, "  - {wn}");
            }
        }
        s
    }
}

/// Text for several strata, one block per stratum, then a summary table.
pub fn render_strata_text(strata: &[StratumReport]) -> String {
    let mut s = String::new();
    for st in strata {
        let _ = writeln!(s, "== Stratum {} ==", st.stratum);
        match (&st.report, &st.error) {
            (Some(r), _) => s.push_str(&r.render_text()),
            (None, Some(e)) => {
                let _ = writeln!(s, "No estimate: {e}");
            }
            _ => {}
        }
        let _ = writeln!(s);
    }
    let w = strata
        .iter()
        .map(|st| st.stratum.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(s, "Summary");
    let _ = writeln!(
        s,
        "  {:<w$}  {:>8}  {:>8}  {:>17}  model",
        "stratum", "observed", "estimate", "interval"
    );
    for st in strata {
        match &st.report {
            Some(r) => {
                let _ = writeln!(
                    s,
                    "  {:<w$}  {:>8}  {:>8}  {:>17}  {}",
                    st.stratum,
                    fmt_count(r.observed as f64),
                    fmt_count(r.estimate),
                    fmt_range(r.ci_lower, r.ci_upper),
                    r.model
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  {:<w$}  no estimate: {}",
                    st.stratum,
                    st.error.as_deref().unwrap_or("")
                );
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(fmt_count(11417.99), "11,418");
        assert_eq!(fmt_count(999.4), "999");
        assert_eq!(fmt_count(1_234_567.0), "1,234,567");
        assert_eq!(fmt_count(f64::INFINITY), "unbounded");
    }
}

#[cfg(test)]
mod headline_tests {
    use super::*;

    fn row(scenario: &str, lists: usize, estimate: Option<f64>) -> SensitivityRow {
        SensitivityRow {
            scenario: scenario.into(),
            lists,
            observed: 1000,
            model: None,
            estimate,
            lower: None,
            upper: None,
            note: None,
        }
    }

    #[test]
    fn models_that_disagree_by_more_than_a_quarter_are_named() {
        // The 4-list case of the issue: stepwise 2,063, best BIC 3,025.
        let rows = [
            row("main effects", 4, Some(2_200.0)),
            row("best BIC", 4, Some(3_025.0)),
            row("without A", 3, Some(9_000.0)),
            row("A and B merged", 3, Some(100.0)),
        ];
        let d = disagreement(&rows, ("stepwise".into(), 2_063.0), 4).unwrap();
        assert_eq!((d.lowest, d.highest), (2_063.0, 3_025.0));
        assert_eq!(d.highest_model, "best BIC");
        assert!((d.spread - 0.466).abs() < 0.001);
        let close = [row("best BIC", 4, Some(2_300.0))];
        assert_eq!(disagreement(&close, ("stepwise".into(), 2_063.0), 4), None);
    }

    #[test]
    fn the_summary_writes_numbers_as_each_language_does() {
        let (nl, en) = summaries(11_418.0, Some(9_063.0), Some(14_720.0), 0.95, 2_744);
        assert_eq!(
            nl,
            "Naar schatting 11.418 (95%-interval 9.063–14.720) slachtoffers, van wie 24% bij ten minste één organisatie in beeld."
        );
        assert!(
            en.starts_with("An estimated 11,418 (95% interval 9,063–14,720) victims, of whom 24%")
        );
    }
}
