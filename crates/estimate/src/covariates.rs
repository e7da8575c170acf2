//! Log-linear models on lists × categorical covariates (Cruyff, Van der
//! Heijden et al.): main effects of lists and covariates, and list × list and
//! list × covariate interactions chosen by forward selection on BIC. The
//! unseen count of each stratum (combination of covariate levels) is
//! exp(intercept + that stratum's covariate effects), so the total is the sum
//! of the strata by construction.

use std::fmt::Write as _;

use serde::Serialize;

use crate::data::{CaptureHistories, Diagnostic};
use crate::error::EstimateError;
use crate::exist;
use crate::fit::{inverse, irls, Fit};
use crate::interval::z_for;
use crate::model::Design;
use crate::report::fmt_count;

/// Capture histories per stratum of one or more categorical covariates.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateHistories {
    lists: Vec<String>,
    covariates: Vec<String>,
    /// Levels of each covariate in order of first appearance.
    levels: Vec<Vec<String>>,
    /// Per stratum (mixed radix over `levels`, first covariate slowest), the
    /// histories; a stratum absent from the data has all counts zero.
    strata: Vec<Vec<u64>>,
}

const SEP: char = '\u{1f}';

impl CovariateHistories {
    /// The estimation CSV with extra columns named in `covariates` (any
    /// text values); the other columns are 0/1 lists and `count`.
    pub fn parse_csv(text: &str, covariates: &[&str]) -> Result<Self, Vec<Diagnostic>> {
        let err = |m: String| {
            vec![Diagnostic {
                line: None,
                column: None,
                message: m,
            }]
        };
        if covariates.is_empty() {
            return Err(err("name at least one covariate column".into()));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        for r in reader.records() {
            records.push(r.map_err(|e| err(format!("unreadable CSV: {e}")))?);
        }
        let Some(header) = records.first() else {
            return Err(err("the file is empty".into()));
        };
        let mut cols = Vec::new();
        for c in covariates {
            match header.iter().position(|h| h.trim() == *c) {
                Some(i) => cols.push(i),
                None => return Err(err(format!("no covariate column `{c}` in the header"))),
            }
        }
        // One combined stratum column, so the list and count checks (with
        // their line numbers) are the ones of the plain format.
        let key = "__stratum";
        let mut out = String::new();
        for (n, r) in records.iter().enumerate() {
            let mut fields: Vec<String> = r
                .iter()
                .enumerate()
                .filter(|(i, _)| !cols.contains(i))
                .map(|(_, f)| f.replace(['"', ','], ""))
                .collect();
            let joined: Vec<String> = cols
                .iter()
                .map(|&i| r.get(i).unwrap_or("").trim().to_string())
                .collect();
            fields.insert(
                0,
                if n == 0 {
                    key.to_string()
                } else {
                    joined.join(&SEP.to_string())
                },
            );
            let _ = writeln!(out, "{}", fields.join(","));
        }
        let parsed = CaptureHistories::parse_csv_strata(&out, key)?;
        let lists = parsed
            .first()
            .map(|(_, h)| h.lists().to_vec())
            .unwrap_or_default();
        let mut levels: Vec<Vec<String>> = vec![Vec::new(); cols.len()];
        for (name, _) in &parsed {
            for (k, v) in name.split(SEP).enumerate() {
                if k < levels.len() && !levels[k].iter().any(|l| l == v) {
                    levels[k].push(v.to_string());
                }
            }
        }
        let t = lists.len();
        let nstrata: usize = levels.iter().map(Vec::len).product();
        let mut strata = vec![vec![0u64; 1 << t]; nstrata];
        for (name, h) in &parsed {
            let mut s = 0;
            for (k, v) in name.split(SEP).enumerate() {
                s = s * levels[k].len() + levels[k].iter().position(|l| l == v).unwrap_or(0);
            }
            for (m, c) in h.patterns() {
                strata[s][m as usize] += c;
            }
        }
        Ok(CovariateHistories {
            lists,
            covariates: covariates.iter().map(|c| c.to_string()).collect(),
            levels,
            strata,
        })
    }

    /// From counts per stratum: `levels[k]` names covariate k's levels and
    /// `strata` is indexed in mixed radix, first covariate slowest.
    pub fn new(
        lists: Vec<String>,
        covariates: Vec<(String, Vec<String>)>,
        strata: Vec<Vec<u64>>,
    ) -> Result<Self, EstimateError> {
        let t = lists.len();
        let n: usize = covariates.iter().map(|c| c.1.len()).product();
        if strata.len() != n || strata.iter().any(|s| s.len() != 1 << t) {
            return Err(EstimateError::InvalidOption {
                reason: format!(
                    "{n} strata of {} patterns expected, one per combination of covariate levels",
                    1 << t
                ),
            });
        }
        let (covariates, levels) = covariates.into_iter().unzip();
        Ok(CovariateHistories {
            lists,
            covariates,
            levels,
            strata,
        })
    }

    fn stratum_label(&self, s: usize) -> String {
        let mut rest = s;
        let mut parts = vec![String::new(); self.levels.len()];
        for k in (0..self.levels.len()).rev() {
            let n = self.levels[k].len();
            parts[k] = format!("{}={}", self.covariates[k], self.levels[k][rest % n]);
            rest /= n;
        }
        parts.join(", ")
    }

    fn level_of(&self, s: usize, k: usize) -> usize {
        let mut rest = s;
        for j in (k + 1..self.levels.len()).rev() {
            rest /= self.levels[j].len();
        }
        rest % self.levels[k].len()
    }
}

/// An interaction of the covariate model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Lists(usize, usize),
    ListCovariate(usize, usize),
}

struct Built {
    design: Design,
    /// Columns of each stratum's unseen cell: intercept and its covariate
    /// dummies.
    zero_cols: Vec<Vec<u16>>,
}

fn build(h: &CovariateHistories, terms: &[Term]) -> Built {
    let t = h.lists.len();
    let mut p = 1 + t;
    let mut cov_start = Vec::new();
    for l in &h.levels {
        cov_start.push(p);
        p += l.len() - 1;
    }
    let mut term_start = Vec::new();
    for term in terms {
        term_start.push(p);
        p += match *term {
            Term::Lists(..) => 1,
            Term::ListCovariate(_, k) => h.levels[k].len() - 1,
        };
    }
    let mut cells = Vec::new();
    let mut y = Vec::new();
    let mut row_start = vec![0];
    let mut row_cols: Vec<u16> = Vec::new();
    let mut zero_cols = Vec::new();
    for (s, counts) in h.strata.iter().enumerate() {
        let lv: Vec<usize> = (0..h.levels.len()).map(|k| h.level_of(s, k)).collect();
        let mut z = vec![0u16];
        for (k, &l) in lv.iter().enumerate() {
            if l > 0 {
                z.push((cov_start[k] + l - 1) as u16);
            }
        }
        zero_cols.push(z.clone());
        for m in 1u32..(1 << t) {
            cells.push(((s as u32) << t) | m);
            y.push(counts[m as usize] as f64);
            row_cols.extend(&z);
            for i in 0..t {
                if m & (1 << i) != 0 {
                    row_cols.push((1 + i) as u16);
                }
            }
            for (term, &start) in terms.iter().zip(&term_start) {
                match *term {
                    Term::Lists(i, j) => {
                        if m & (1 << i) != 0 && m & (1 << j) != 0 {
                            row_cols.push(start as u16);
                        }
                    }
                    Term::ListCovariate(i, k) => {
                        if m & (1 << i) != 0 && lv[k] > 0 {
                            row_cols.push((start + lv[k] - 1) as u16);
                        }
                    }
                }
            }
            // Columns must be ascending for the normal equations.
            let from = *row_start.last().unwrap_or(&0);
            row_cols[from..].sort_unstable();
            row_start.push(row_cols.len());
        }
    }
    Built {
        design: Design {
            t,
            cells: cells.into(),
            y,
            p,
            row_start: row_start.into(),
            row_cols: row_cols.into(),
            structural: Vec::new().into(),
            col_masks: None,
        },
        zero_cols,
    }
}

fn passes(d: &Design) -> bool {
    exist::full_rank_on_observed(d)
        || (exist::identifiable(d)
            && exist::exists_by_null_space(d)
                .or_else(|| exist::lp_exists(d))
                .unwrap_or(false))
}

fn bic(fit: &Fit, d: &Design, n: f64) -> f64 {
    -2.0 * fit.loglik + n.ln() * d.p as f64
}

/// One stratum's estimate (or the total).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumEstimate {
    pub stratum: String,
    pub observed: u64,
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateReport {
    pub lists: Vec<String>,
    pub covariates: Vec<String>,
    /// `main effects + A:B + A:age`.
    pub model: String,
    pub bic: f64,
    pub level: f64,
    pub strata: Vec<StratumEstimate>,
    /// The sum of the strata, with the delta-method interval of that sum.
    pub total: StratumEstimate,
    /// Models fitted by the selection.
    pub fits: usize,
}

/// Forward selection on BIC from the main effects of lists and covariates:
/// each step adds the list × list or list × covariate interaction that
/// lowers BIC most among those whose MLE exists (pairs sharing no case are
/// not offered), until none lowers it.
pub fn estimate_covariates(
    h: &CovariateHistories,
    level: f64,
) -> Result<CovariateReport, EstimateError> {
    let t = h.lists.len();
    if t < 2 {
        return Err(EstimateError::TooFewLists { found: t });
    }
    let n: f64 = h.strata.iter().flatten().sum::<u64>() as f64;
    let overlap = |i: usize, j: usize| -> u64 {
        h.strata
            .iter()
            .map(|c| {
                c.iter()
                    .enumerate()
                    .filter(|(m, _)| m & (1 << i) != 0 && m & (1 << j) != 0)
                    .map(|(_, &v)| v)
                    .sum::<u64>()
            })
            .sum()
    };
    let mut candidates = Vec::new();
    for i in 0..t {
        for j in i + 1..t {
            if overlap(i, j) > 0 {
                candidates.push(Term::Lists(i, j));
            }
        }
    }
    for i in 0..t {
        for k in 0..h.levels.len() {
            if h.levels[k].len() > 1 {
                candidates.push(Term::ListCovariate(i, k));
            }
        }
    }
    let no_estimate = |reason: &str| EstimateError::NoEstimate {
        model: "covariate".into(),
        reason: reason.into(),
    };
    let mut terms: Vec<Term> = Vec::new();
    let mut built = build(h, &terms);
    if !passes(&built.design) {
        return Err(no_estimate(
            "the main-effects model has no estimate on these strata",
        ));
    }
    let mut fit = irls(&built.design, None)
        .ok_or_else(|| no_estimate("the Poisson regression did not converge"))?;
    let mut fits = 1;
    let mut best_bic = bic(&fit, &built.design, n);
    loop {
        let mut step: Option<(f64, Term, Built, Fit)> = None;
        for &c in candidates.iter().filter(|c| !terms.contains(c)) {
            let mut trial = terms.clone();
            trial.push(c);
            let b = build(h, &trial);
            if !passes(&b.design) {
                continue;
            }
            let Some(f) = irls(&b.design, None) else {
                continue;
            };
            fits += 1;
            let v = bic(&f, &b.design, n);
            if v < best_bic - 1e-9 && step.as_ref().is_none_or(|s| v < s.0) {
                step = Some((v, c, b, f));
            }
        }
        match step {
            Some((v, c, b, f)) => {
                terms.push(c);
                built = b;
                fit = f;
                best_bic = v;
            }
            None => break,
        }
    }
    let v = inverse(&built.design, &fit).ok_or_else(|| no_estimate("singular information"))?;
    let p = built.design.p;
    let quad = |g: &[f64]| -> f64 {
        let mut s = 0.0;
        for a in 0..p {
            for b in 0..p {
                s += g[a] * v[a * p + b] * g[b];
            }
        }
        s
    };
    let z = z_for(level);
    let mut strata = Vec::new();
    let mut grad_total = vec![0.0; p];
    let mut dark_total = 0.0;
    for (s, cols) in built.zero_cols.iter().enumerate() {
        let eta: f64 = cols.iter().map(|&c| fit.beta[c as usize]).sum();
        let dark = eta.exp();
        let mut g = vec![0.0; p];
        for &c in cols {
            g[c as usize] = 1.0;
            grad_total[c as usize] += dark;
        }
        dark_total += dark;
        let sd = quad(&g).max(0.0).sqrt();
        let observed: u64 = h.strata[s].iter().sum();
        strata.push(StratumEstimate {
            stratum: h.stratum_label(s),
            observed,
            estimate: observed as f64 + dark,
            lower: observed as f64 + dark * (-z * sd).exp(),
            upper: observed as f64 + dark * (z * sd).exp(),
        });
    }
    let sd_log = quad(&grad_total).max(0.0).sqrt() / dark_total.max(f64::MIN_POSITIVE);
    let total = StratumEstimate {
        stratum: "total".into(),
        observed: n as u64,
        estimate: n + dark_total,
        lower: n + dark_total * (-z * sd_log).exp(),
        upper: n + dark_total * (z * sd_log).exp(),
    };
    let names: Vec<String> = terms
        .iter()
        .map(|t| match *t {
            Term::Lists(i, j) => format!("{}:{}", h.lists[i], h.lists[j]),
            Term::ListCovariate(i, k) => format!("{}:{}", h.lists[i], h.covariates[k]),
        })
        .collect();
    Ok(CovariateReport {
        lists: h.lists.clone(),
        covariates: h.covariates.clone(),
        model: crate::estimate::model_name(&names),
        bic: best_bic,
        level,
        strata,
        total,
        fits,
    })
}

impl CovariateReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Multiple systems estimation with covariates ({})",
            self.covariates.join(", ")
        );
        let _ = writeln!(
            s,
            "Model: {} (forward selection on BIC, {:.2})",
            self.model, self.bic
        );
        let _ = writeln!(
            s,
            "  {:<30}  {:>10}  {:>10}  interval ({:.0}%)",
            "stratum",
            "observed",
            "estimate",
            self.level * 100.0
        );
        for r in self.strata.iter().chain(std::iter::once(&self.total)) {
            let _ = writeln!(
                s,
                "  {:<30}  {:>10}  {:>10}  {}–{}",
                r.stratum,
                fmt_count(r.observed as f64),
                fmt_count(r.estimate),
                fmt_count(r.lower),
                fmt_count(r.upper)
            );
        }
        s
    }
}
