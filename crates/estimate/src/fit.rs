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

/// X'WX (lower triangle, row-major p×p) and X'Wz for the current fit.
fn normal_equations(d: &Design, eta: &[f64], mu: &[f64], a: &mut [f64], rhs: &mut [f64]) {
    if let Some(masks) = &d.col_masks {
        return by_superset_sums(d, masks, eta, mu, a, rhs);
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
            let row = &mut a[ci * p..ci * p + p];
            for &cj in &cols[..=k] {
                row[cj as usize] += w;
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
) {
    let p = d.p;
    let size = 1usize << d.t;
    let mut w = vec![0.0; size];
    let mut wz = vec![0.0; size];
    for (r, &m) in d.cells.iter().enumerate() {
        w[m as usize] += mu[r];
        wz[m as usize] += mu[r] * eta[r] + (d.y[r] - mu[r]);
    }
    for j in 0..d.t {
        let bit = 1usize << j;
        for m in 0..size {
            if m & bit == 0 {
                w[m] += w[m | bit];
                wz[m] += wz[m | bit];
            }
        }
    }
    for i in 0..p {
        let mi = masks[i];
        rhs[i] = wz[mi as usize];
        for j in 0..=i {
            a[i * p + j] = w[(mi | masks[j]) as usize];
        }
    }
}

/// In-place Cholesky of a symmetric positive-definite matrix given by its
/// lower triangle (row-major p×p; the upper triangle is ignored). The rows of
/// the design list their columns in ascending order, so `normal_equations`
/// only ever writes the lower triangle.
///
/// Hand-written rather than nalgebra's: IRLS runs it tens of thousands of
/// times per model search on matrices of at most 22×22, and nalgebra's
/// generic code is instantiated in this crate, where an unoptimised test
/// build made it the bulk of the test suite's time.
fn cholesky(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        // Also catches NaN, which compares false with everything.
        let positive = d > 1e-12 * (1.0 + a[j * p + j].abs());
        if !positive {
            return false;
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    true
}

/// Solves L L' x = b with the factor from `cholesky`.
fn cholesky_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * p + k] * b[k];
        }
        b[i] = s / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= l[k * p + i] * b[k];
        }
        b[i] = s / l[i * p + i];
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
    normal_equations(d, &fit.eta, &fit.mu, &mut a, &mut rhs);
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
    let mut t = 1.0;
    while t < MAX_STEP_LENGTH {
        let s = slope(2.0 * t);
        if s.is_nan() || s <= 0.0 {
            break;
        }
        t *= 2.0;
    }
    t
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
    let p = d.p;
    let y = &d.y;
    let ylogy: Vec<f64> = y
        .iter()
        .map(|&v| if v > 0.0 { v * v.ln() } else { 0.0 })
        .collect();
    let mut eta: Vec<f64> = match start {
        Some(s) if s.len() == n && s.iter().all(|v| v.is_finite()) => s.to_vec(),
        _ => y.iter().map(|&v| (v + 0.1).ln()).collect(),
    };
    let mut mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
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
        normal_equations(d, &eta, &mu, &mut a, &mut beta);
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
        // Newton on a concave likelihood rarely overshoots, but a poor start
        // near the boundary can; halve the step like glm.fit does.
        if let Some(old) = &beta_old {
            let mut halvings = 0;
            while !(dev.is_finite() && dev <= dev_old * (1.0 + 1e-12) + 1e-12) && halvings < 30 {
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
        let done = (dev - dev_old).abs() / (dev.abs() + 0.1) < tolerance;
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
        normal_equations(d, &eta, &mu, &mut a, &mut rhs);
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
    let log_fact: f64 = y.iter().map(|&v| log_factorial(v)).sum();
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
