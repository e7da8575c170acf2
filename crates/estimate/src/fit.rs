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
