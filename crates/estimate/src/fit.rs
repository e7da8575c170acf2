//! Poisson log-linear regression by iteratively reweighted least squares.

use statrs::function::factorial::ln_factorial;
use statrs::function::gamma::ln_gamma;

use crate::model::Design;

/// Relative change in deviance at which IRLS stops. glm() uses 1e-8; a
/// tighter bound costs one iteration and keeps four significant figures safe
/// when the dark figure is a large multiple of the observed.
const TOLERANCE: f64 = 1e-10;
/// For ranking the models of a search glm's own bound is plenty (the step
/// that meets it leaves the deviance exact to ~1e-15); the winner is refitted
/// at `TOLERANCE`.
pub(crate) const SEARCH_TOLERANCE: f64 = 1e-8;
const MAX_ITERATIONS: usize = 100;

#[derive(Debug, Clone)]
pub(crate) struct Fit {
    pub beta: Vec<f64>,
    /// Linear predictor per design row.
    pub eta: Vec<f64>,
    pub mu: Vec<f64>,
    pub deviance: f64,
    /// Poisson log-likelihood, Σ y log μ − μ − log y!.
    pub loglik: f64,
    /// [(X'WX)⁻¹]₀₀ at the fitted values: the variance of the intercept, i.e.
    /// of log(dark figure). NaN when not asked for.
    pub var_intercept: f64,
    /// Newton steps taken, for the work count.
    pub iterations: usize,
}

impl Fit {
    /// Expected count of the unobserved pattern: exp(intercept).
    pub fn dark(&self) -> f64 {
        self.beta[0].exp()
    }
}

/// Buffers of the superset sums, reused over a fit's Newton steps.
#[derive(Default)]
struct Sums {
    ws: Vec<[f64; 2]>,
}

/// X'WX (upper triangle, row-major p×p) and X'Wz for the current fit.
fn normal_equations(
    d: &Design,
    eta: &[f64],
    mu: &[f64],
    a: &mut [f64],
    rhs: &mut [f64],
    sums: &mut Sums,
) {
    if let Some(masks) = &d.col_masks {
        return by_superset_sums(d, masks, eta, mu, a, rhs, sums);
    }
    let p = d.p;
    a.fill(0.0);
    rhs.fill(0.0);
    for r in 0..d.n_rows() {
        let w = mu[r];
        let wz = w * eta[r] + (d.y[r] - w);
        let cols = d.row(r);
        for (k, &ci) in cols.iter().enumerate() {
            let ci = ci as usize;
            rhs[ci] += wz;
            // Columns ascend, so cj ≤ ci: the upper triangle.
            for &cj in &cols[..=k] {
                a[cj as usize * p + ci] += w;
            }
        }
    }
}

/// `normal_equations` for a design of lists and pairs. Entry (a, b) of X'WX
/// is the weight of the cells holding the lists of both columns, so after
/// one pass summing the weights over supersets (t·2^(t−1) additions) each
/// entry is a lookup: on 8 lists about 1,300 operations against 50,000 by
/// rows (the Newton steps of a bootstrap were most of a run's time).
fn by_superset_sums(
    d: &Design,
    masks: &[u32],
    eta: &[f64],
    mu: &[f64],
    a: &mut [f64],
    rhs: &mut [f64],
    sums: &mut Sums,
) {
    let p = d.p;
    let size = 1usize << d.t;
    // Weight and working response side by side: one pass of the
    // transform moves both, two lanes of one vector addition.
    let ws = &mut sums.ws;
    ws.clear();
    ws.resize(size, [0.0; 2]);
    for (r, &m) in d.cells.iter().enumerate() {
        let e = &mut ws[m as usize];
        e[0] += mu[r];
        e[1] += mu[r] * eta[r] + (d.y[r] - mu[r]);
    }
    // The patterns without list j come in runs of 2^j, each followed by
    // the run with it: the same additions as testing every pattern's bit,
    // in loops without a test.
    for pair in ws.chunks_exact_mut(2) {
        let (lo, hi) = (pair[0], pair[1]);
        pair[0] = [lo[0] + hi[0], lo[1] + hi[1]];
    }
    for j in 1..d.t {
        let bit = 1usize << j;
        for run in ws.chunks_exact_mut(2 * bit) {
            let (lo, hi) = run.split_at_mut(bit);
            for (a, b) in lo.iter_mut().zip(hi.iter()) {
                a[0] += b[0];
                a[1] += b[1];
            }
        }
    }
    for (j, &mj) in masks.iter().enumerate() {
        rhs[j] = ws[mj as usize][1];
        for (e, &mi) in a[j * p + j..j * p + p].iter_mut().zip(&masks[j..]) {
            *e = ws[(mi | mj) as usize][0];
        }
    }
}

/// In-place Cholesky of a symmetric positive-definite matrix given by its
/// upper triangle (row-major p×p; the lower triangle is ignored), leaving
/// L' there: row k holds column k of L. Each entry is reduced by the same
/// products in the same order as the textbook loop on the lower triangle,
/// so the factor is the same to the last bit; but the reductions of one
/// column of L run along contiguous rows, a loop the compiler vectorises
/// (the factorisation was a sixth of a bootstrap's time).
///
/// Hand-written rather than nalgebra's: IRLS runs it tens of thousands of
/// times per model search on matrices of at most 22×22, and nalgebra's
/// generic code is instantiated in this crate, where an unoptimised test
/// build made it the bulk of the test suite's time.
fn cholesky(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let diagonal = a[j * p + j];
        let (done, rest) = a.split_at_mut(j * p);
        let row = &mut rest[j..p];
        for k in 0..j {
            let lk = &done[k * p + j..k * p + p];
            let x = lk[0];
            for (r, &l) in row.iter_mut().zip(lk) {
                *r -= l * x;
            }
        }
        let d = row[0];
        // Also catches NaN, which compares false with everything.
        let positive = d > 1e-12 * (1.0 + diagonal.abs());
        if !positive {
            return false;
        }
        let d = d.sqrt();
        row[0] = d;
        for r in &mut row[1..] {
            *r /= d;
        }
    }
    true
}

/// Solves L L' x = b with the factor from `cholesky` (L' in the upper
/// triangle), subtracting in the textbook order.
fn cholesky_solve(u: &[f64], p: usize, b: &mut [f64]) {
    for k in 0..p {
        let bk = b[k] / u[k * p + k];
        b[k] = bk;
        for (bi, &l) in b[k + 1..].iter_mut().zip(&u[k * p + k + 1..k * p + p]) {
            *bi -= l * bk;
        }
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= u[i * p + k] * b[k];
        }
        b[i] = s / u[i * p + i];
    }
}

fn predict(d: &Design, beta: &[f64], eta: &mut [f64], mu: &mut [f64]) {
    for r in 0..d.n_rows() {
        let e: f64 = d.row(r).iter().map(|&c| beta[c as usize]).sum();
        eta[r] = e;
        mu[r] = e.exp();
    }
}

/// Deviance 2 Σ y log(y/μ) − (y − μ), written with the precomputed y log y
/// so the loop needs no logarithm.
fn deviance(y: &[f64], ylogy: &[f64], eta: &[f64], mu: &[f64]) -> f64 {
    let mut s = 0.0;
    for r in 0..y.len() {
        s += ylogy[r] - y[r] * eta[r] - y[r] + mu[r];
    }
    2.0 * s
}

/// The size of the terms [`deviance`] adds up: its rounding error is a
/// few units in the last place of this, however small the deviance.
fn deviance_scale(y: &[f64], ylogy: &[f64], eta: &[f64], mu: &[f64]) -> f64 {
    let mut s = 0.0;
    for r in 0..y.len() {
        s += ylogy[r].abs() + (y[r] * eta[r]).abs() + y[r] + mu[r];
    }
    2.0 * s
}

fn log_factorial(y: f64) -> f64 {
    if y >= 0.0 && y.fract() == 0.0 && y < 1e15 {
        ln_factorial(y as u64)
    } else {
        ln_gamma(y + 1.0)
    }
}

/// (X'WX)⁻¹ at the fit, row-major p×p: the covariance of the coefficients,
/// for delta-method intervals of sums of fitted cells.
pub(crate) fn inverse(d: &Design, fit: &Fit) -> Option<Vec<f64>> {
    let p = d.p;
    let mut a = vec![0.0; p * p];
    let mut rhs = vec![0.0; p];
    normal_equations(d, &fit.eta, &fit.mu, &mut a, &mut rhs, &mut Sums::default());
    if !cholesky(&mut a, p) {
        return None;
    }
    let mut out = vec![0.0; p * p];
    for j in 0..p {
        let mut e = vec![0.0; p];
        e[j] = 1.0;
        cholesky_solve(&a, p, &mut e);
        for i in 0..p {
            out[i * p + j] = e[i];
        }
    }
    Some(out)
}

/// How far to go along a Newton step, in multiples of it: 1 unless the
/// log-likelihood still rises at its end, then further, to a point where it
/// still rises (so the step only gains) at least half-way to the maximum on
/// that line. Newton on the Poisson log link is slow where fitted values far
/// exceed the counts (a cell of count 3 fitted at 10⁶ beside counts of
/// 10¹²): each step lowers ln μ there by about one, so the deviance fell by
/// a factor e a step and fits took 15–25 steps. Along the step the
/// log-likelihood's slope is Σ δ (y − μ e^{tδ}), decreasing in t, so
/// doubling t finds the bracket in a few passes over the rows.
fn step_length(y: &[f64], eta: &[f64], mu: &[f64], new_eta: &[f64], new_mu: &[f64]) -> f64 {
    let slope = |t: f64| -> f64 {
        let mut s = 0.0;
        for r in 0..y.len() {
            let delta = new_eta[r] - eta[r];
            let mu = if t == 1.0 {
                new_mu[r]
            } else {
                new_mu[r] * ((t - 1.0) * delta).exp()
            };
            s += delta * (y[r] - mu);
        }
        s
    };
    let at_one = slope(1.0);
    // Near the maximum the slope at the full step is tiny; only a clearly
    // rising likelihood is worth the passes.
    if at_one.is_nan() || at_one <= 0.0 {
        return 1.0;
    }
    let at_zero: f64 = (0..y.len())
        .map(|r| (new_eta[r] - eta[r]) * (y[r] - mu[r]))
        .sum();
    if at_one < 0.25 * at_zero {
        return 1.0;
    }
    let mut rising = Rising::new(y, eta, new_eta, new_mu);
    let mut t = 1.0;
    while t < MAX_STEP_LENGTH {
        let up = rising.at(2.0 * t).unwrap_or_else(|| {
            let s = slope(2.0 * t);
            !(s.is_nan() || s <= 0.0)
        });
        debug_assert_eq!(up, {
            let s = slope(2.0 * t);
            !(s.is_nan() || s <= 0.0)
        });
        if !up {
            break;
        }
        t *= 2.0;
    }
    t
}

/// Whether the log-likelihood still rises at 2, 4, 8, … Newton steps,
/// without an `exp` per row and step. The slope at τ steps needs
/// e^{(τ−1)δ} per row; from τ to 2τ that factor is squared and multiplied
/// by e^δ, so one pass of `exp` serves every doubling (the doublings took
/// more exponentials than the fits themselves on tables of huge counts).
/// The product drifts from the exponential by a few units in the last
/// place per doubling, so it only answers when the slope's sign is beyond
/// all rounding of both ways of computing it; otherwise `None`, and the
/// caller computes the slope as before. The step length is therefore the
/// one the exponentials give, to the bit.
struct Rising<'a> {
    y: &'a [f64],
    delta: Vec<f64>,
    mu: &'a [f64],
    /// e^δ per row.
    growth: Vec<f64>,
    /// e^{(τ−1)δ} per row at the last τ asked, and τ.
    factor: Vec<f64>,
    tau: f64,
    /// Doublings since the factors were exact: their drift, in units of
    /// the last place, at most 2^(k+1).
    doublings: i32,
    /// Set once a pass could not decide: the factors are then not kept up.
    given_up: bool,
}

/// Factors beyond these bounds leave the range where relative rounding
/// describes them (overflow, or underflow into subnormals): the slope is
/// then computed with exponentials.
const FACTOR_MAX: f64 = 1e200;
const FACTOR_TINY: f64 = 1e-200;
const SMALLEST_FITTED: f64 = 1e-290;

impl<'a> Rising<'a> {
    fn new(y: &'a [f64], eta: &[f64], new_eta: &[f64], new_mu: &'a [f64]) -> Self {
        let delta: Vec<f64> = new_eta.iter().zip(eta).map(|(n, o)| n - o).collect();
        let growth: Vec<f64> = delta.iter().map(|d| d.exp()).collect();
        Rising {
            y,
            factor: vec![1.0; delta.len()],
            delta,
            mu: new_mu,
            growth,
            tau: 1.0,
            doublings: 0,
            given_up: false,
        }
    }

    /// Whether the slope at `tau` (twice the last) is positive, if that is
    /// certain.
    fn at(&mut self, tau: f64) -> Option<bool> {
        let answer = if self.given_up || tau != 2.0 * self.tau {
            None
        } else {
            self.decide(tau)
        };
        self.given_up = answer.is_none();
        answer
    }

    fn decide(&mut self, tau: f64) -> Option<bool> {
        self.tau = tau;
        self.doublings += 1;
        let (mut s, mut size, mut tiny) = (0.0f64, 0.0f64, 0.0f64);
        for r in 0..self.y.len() {
            let f = self.factor[r] * self.factor[r] * self.growth[r];
            self.factor[r] = f;
            if f.is_nan() || f > FACTOR_MAX {
                return None;
            }
            let (d, m) = (self.delta[r], self.mu[r]);
            // A subnormal fitted value times a large factor loses its
            // relative precision.
            if m > 0.0 && m < SMALLEST_FITTED {
                return None;
            }
            let mf = m * f;
            s += d * (self.y[r] - mf);
            size += (d * self.y[r]).abs() + (d * mf).abs();
            if f < FACTOR_TINY {
                tiny += (d * m).abs();
            }
        }
        if !(s.is_finite() && size.is_finite() && tiny.is_finite()) {
            return None;
        }
        // Both slopes differ from the exact one by the drift of the factors
        // (2^(k+1) units), the rounding of (τ−1)δ inside the exponential
        // (|(τ−1)δ| ≤ 709 units where neither overflows) and the rounding
        // of the terms and of the sum (two units a row); below FACTOR_TINY
        // a factor is absolutely within twice that bound. A margin of 4.
        let units = (1u64 << (self.doublings + 2).min(62)) as f64
            + 1024.0
            + 2.0 * self.y.len() as f64
            + 16.0;
        let bound = 4.0 * (units * f64::EPSILON * size + 2.0 * FACTOR_TINY * tiny);
        if s > bound {
            Some(true)
        } else if s < -bound {
            Some(false)
        } else {
            None
        }
    }
}

/// The longest line-search step, in Newton steps: 2²⁰ lowers ln μ by about
/// a million, far beyond any count.
const MAX_STEP_LENGTH: f64 = 1_048_576.0;

/// Fits the model with the variance of the intercept.
pub(crate) fn irls(d: &Design, start: Option<&[f64]>) -> Option<Fit> {
    irls_with(d, start, true, TOLERANCE)
}

/// Fits the model. `start` is a linear predictor per row to start from (the
/// fit of a neighbouring model), which typically halves the iterations.
/// Returns `None` if the fit fails numerically; callers only fit models that
/// passed the existence check, so that means a genuinely degenerate table.
pub(crate) fn irls_with(
    d: &Design,
    start: Option<&[f64]>,
    variance: bool,
    tolerance: f64,
) -> Option<Fit> {
    let n = d.n_rows();
    let eta: Vec<f64> = match start {
        Some(s) if s.len() == n && s.iter().all(|v| v.is_finite()) => s.to_vec(),
        _ => d.y.iter().map(|&v| (v + 0.1).ln()).collect(),
    };
    let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    newton(d, eta, mu, variance, tolerance, None)
}

/// y log y and log y! of every pattern of one table, for the fits of the
/// models of one stepwise path on it: taken per fit they were a logarithm
/// and often a ln Γ per row, a tenth of a fit.
pub(crate) struct CellTerms {
    ylogy: Vec<f64>,
    log_fact: Vec<f64>,
}

impl CellTerms {
    pub fn new(counts: &[u64]) -> Self {
        CellTerms {
            ylogy: counts.iter().map(|&c| y_log_y(c as f64)).collect(),
            log_fact: counts.iter().map(|&c| log_factorial(c as f64)).collect(),
        }
    }
}

fn y_log_y(v: f64) -> f64 {
    if v > 0.0 {
        v * v.ln()
    } else {
        0.0
    }
}

/// Fits the model from a linear predictor and its exponential, both per
/// row (a recorded fit of the same model: its exponentials are kept rather
/// than taken again, a pass of `exp` over the rows a fit). `terms` are those
/// of the table the design was made from.
pub(crate) fn irls_from(
    d: &Design,
    eta: Vec<f64>,
    mu: Vec<f64>,
    terms: Option<&CellTerms>,
) -> Option<Fit> {
    if eta.len() != d.n_rows() || mu.len() != eta.len() {
        return None;
    }
    newton(d, eta, mu, true, TOLERANCE, terms)
}

/// `irls` with the table's `CellTerms`.
pub(crate) fn irls_in(d: &Design, start: Option<&[f64]>, terms: &CellTerms) -> Option<Fit> {
    let n = d.n_rows();
    let eta: Vec<f64> = match start {
        Some(s) if s.len() == n && s.iter().all(|v| v.is_finite()) => s.to_vec(),
        _ => d.y.iter().map(|&v| (v + 0.1).ln()).collect(),
    };
    let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    newton(d, eta, mu, true, TOLERANCE, Some(terms))
}

fn newton(
    d: &Design,
    mut eta: Vec<f64>,
    mut mu: Vec<f64>,
    variance: bool,
    tolerance: f64,
    terms: Option<&CellTerms>,
) -> Option<Fit> {
    let n = d.n_rows();
    let p = d.p;
    let y = &d.y;
    // A cell of the design is a pattern of the table except the profile's
    // unobserved one (pattern 0, with a count the table does not have).
    let terms = terms.filter(|_| d.cells.first() != Some(&0));
    let ylogy: Vec<f64> = match terms {
        Some(t) => d.cells.iter().map(|&c| t.ylogy[c as usize]).collect(),
        None => y.iter().map(|&v| y_log_y(v)).collect(),
    };
    let mut sums = Sums::default();
    let mut a = vec![0.0; p * p];
    let mut beta = vec![0.0; p];
    let mut new_eta = vec![0.0; n];
    let mut new_mu = vec![0.0; n];
    let mut dev_old = f64::INFINITY;
    let mut beta_old: Option<Vec<f64>> = None;
    let mut converged = false;
    let mut iterations = 0;
    for _ in 0..MAX_ITERATIONS {
        iterations += 1;
        normal_equations(d, &eta, &mu, &mut a, &mut beta, &mut sums);
        if !cholesky(&mut a, p) {
            return None;
        }
        cholesky_solve(&a, p, &mut beta);
        predict(d, &beta, &mut new_eta, &mut new_mu);
        if let Some(old) = &beta_old {
            let t = step_length(y, &eta, &mu, &new_eta, &new_mu);
            if t > 1.0 {
                for (b, o) in beta.iter_mut().zip(old) {
                    *b = o + t * (*b - o);
                }
                predict(d, &beta, &mut new_eta, &mut new_mu);
            }
        }
        let mut dev = deviance(y, &ylogy, &new_eta, &new_mu);
        // What the deviance can resolve: with counts of 10⁹ its terms are
        // 10¹⁰ and more, and their sum's rounding (about 10⁻⁶ there) is
        // larger than any relative tolerance of a small deviance; below it
        // the fit has converged as far as arithmetic shows (without it,
        // such fits wandered in the rounding noise to the iteration limit).
        let noise = f64::EPSILON * deviance_scale(y, &ylogy, &new_eta, &new_mu);
        // Newton on a concave likelihood rarely overshoots, but a poor start
        // near the boundary can; halve the step like glm.fit does.
        if let Some(old) = &beta_old {
            let mut halvings = 0;
            let allowed = (dev_old * 1e-12 + 1e-12).max(noise);
            while !(dev.is_finite() && dev <= dev_old + allowed) && halvings < 30 {
                for (b, o) in beta.iter_mut().zip(old) {
                    *b = 0.5 * (*b + o);
                }
                predict(d, &beta, &mut new_eta, &mut new_mu);
                dev = deviance(y, &ylogy, &new_eta, &new_mu);
                halvings += 1;
            }
        }
        if !dev.is_finite() {
            return None;
        }
        std::mem::swap(&mut eta, &mut new_eta);
        std::mem::swap(&mut mu, &mut new_mu);
        let change = (dev - dev_old).abs();
        let done = change / (dev.abs() + 0.1) < tolerance || change <= noise;
        dev_old = dev;
        beta_old = Some(beta.clone());
        if done {
            converged = true;
            break;
        }
    }
    if !converged {
        return None;
    }
    let beta = beta_old?;
    let var_intercept = if variance {
        let mut rhs = vec![0.0; p];
        normal_equations(d, &eta, &mu, &mut a, &mut rhs, &mut sums);
        if !cholesky(&mut a, p) {
            return None;
        }
        let mut e0 = vec![0.0; p];
        e0[0] = 1.0;
        cholesky_solve(&a, p, &mut e0);
        if !(e0[0].is_finite() && e0[0] >= 0.0) {
            return None;
        }
        e0[0]
    } else {
        f64::NAN
    };
    if !beta[0].is_finite() {
        return None;
    }
    let log_fact: f64 = match terms {
        Some(t) => d.cells.iter().map(|&c| t.log_fact[c as usize]).sum(),
        None => y.iter().map(|&v| log_factorial(v)).sum(),
    };
    let loglik = y
        .iter()
        .zip(&eta)
        .zip(&mu)
        .map(|((&y, &e), &m)| y * e - m)
        .sum::<f64>()
        - log_fact;
    Some(Fit {
        beta,
        eta,
        mu,
        deviance: dev_old,
        loglik,
        var_intercept,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_lists_main_effects_is_lincoln_petersen() {
        // n1 = 60, n2 = 50, m = 20 → N = 150, dark = 150 - 90 = 60.
        let counts = vec![0, 40, 30, 20];
        let d = Design::new(&counts, 2, &[], None);
        let f = irls(&d, None).unwrap();
        assert!((f.dark() - 60.0).abs() < 1e-6, "{}", f.dark());
        assert!(f.deviance.abs() < 1e-8);
    }
}
