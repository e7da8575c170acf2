//! Intervals for one fitted model.

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;

use crate::fit::irls;
use crate::model::Design;
use crate::select::Fitted;

pub(crate) fn z_for(level: f64) -> f64 {
    let alpha = (1.0 - level) / 2.0;
    Normal::standard().inverse_cdf(1.0 - alpha)
}

/// SparseMSE's model interval: the intercept (log of the expected unobserved
/// count) is taken as normal with its Wald standard error, so the dark figure
/// is log-normal and the total is observed + exp(β₀ ± z·se). It never goes
/// below the observed count, unlike a Wald interval on N.
pub(crate) fn lognormal(f: &Fitted, level: f64) -> (f64, f64) {
    let z = z_for(level);
    let b0 = f.fit.beta[0];
    let se = f.fit.var_intercept.sqrt();
    (
        f.observed + (b0 - z * se).exp(),
        f.observed + (b0 + z * se).exp(),
    )
}

/// Rcapture's `closedpCI.t`: the multinomial profile likelihood of N.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Profile {
    /// N maximising the multinomial profile likelihood.
    pub estimate: f64,
    pub lower: f64,
    /// `None` when the likelihood has not dropped enough by 3× the Poisson
    /// estimate (Rcapture reports "> 3N").
    pub upper: Option<f64>,
}

/// Log of the Stirling-type correction that turns the Poisson deviance of the
/// table completed with n0 unobserved into the multinomial profile
/// log-likelihood (Cormack 1992, as Rcapture).
fn correction(n0: f64, total: f64) -> f64 {
    if total > 100.0 {
        if n0 == 0.0 || n0 == 1.0 {
            -total + 0.5 * (2.0 * std::f64::consts::PI * total).ln()
        } else {
            n0 - total - 0.5 * (n0 / total).ln()
        }
    } else {
        let xlogx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
        xlogx(n0) + ln_gamma(total + 1.0) - xlogx(total) - ln_gamma(n0 + 1.0)
    }
}

struct ProfileFn {
    design: Design,
    observed: f64,
    eta: Option<Vec<f64>>,
}

impl ProfileFn {
    fn loglik(&mut self, total: f64) -> Option<f64> {
        let n0 = (total - self.observed).max(0.0);
        self.design.y[0] = n0;
        let fit = irls(&self.design, self.eta.as_deref()).or_else(|| irls(&self.design, None))?;
        let value = correction(n0, total) - fit.deviance / 2.0;
        self.eta = Some(fit.eta);
        Some(value)
    }
}

fn golden_max(
    f: &mut impl FnMut(f64) -> Option<f64>,
    mut a: f64,
    mut b: f64,
    tol: f64,
) -> Option<(f64, f64)> {
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let mut fc = f(c)?;
    let mut fd = f(d)?;
    while (b - a).abs() > tol {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = f(c)?;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = f(d)?;
        }
    }
    let x = (a + b) / 2.0;
    Some((x, f(x)?))
}

/// Root of g in [a, b] where g(a), g(b) have opposite signs.
fn bisect(g: &mut impl FnMut(f64) -> Option<f64>, mut a: f64, mut b: f64, tol: f64) -> Option<f64> {
    let mut ga = g(a)?;
    for _ in 0..200 {
        if (b - a).abs() <= tol {
            break;
        }
        let m = 0.5 * (a + b);
        let gm = g(m)?;
        if (gm > 0.0) == (ga > 0.0) {
            a = m;
            ga = gm;
        } else {
            b = m;
        }
    }
    Some(0.5 * (a + b))
}

pub(crate) fn profile(f: &Fitted, counts: &[u64], level: f64) -> Option<Profile> {
    let design = Design::new(counts, f.design.t, &f.model, Some(0.0));
    debug_assert_eq!(design.cells.first(), Some(&0));
    let n = f.observed;
    let n_poisson = f.estimate();
    let mut pf = ProfileFn {
        design,
        observed: n,
        eta: None,
    };
    let tol = 1e-4_f64.max(1e-9 * n_poisson);
    let mut ll = |x: f64| pf.loglik(x);
    let (nmax, lmax) = golden_max(&mut ll, n, 3.0 * n_poisson, tol)?;
    let cut = lmax - z_for(level).powi(2) / 2.0;
    let mut g = |x: f64| ll(x).map(|v| v - cut);
    let lower = if g(n)? < 0.0 {
        bisect(&mut g, n, nmax, tol)?
    } else {
        n
    };
    let hi = 3.0 * n_poisson;
    let upper = if g(hi)? < 0.0 {
        Some(bisect(&mut g, nmax, hi, tol)?)
    } else {
        None
    };
    Some(Profile {
        estimate: nmax,
        lower,
        upper,
    })
}

/// Lincoln–Petersen and Chapman for two lists, with the Chao (1987) log-normal
/// interval around the unobserved part (so that it stays above n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TwoList {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

fn chao_interval(observed: f64, estimate: f64, variance: f64, level: f64) -> (f64, f64) {
    let dark = estimate - observed;
    if dark <= 0.0 || variance <= 0.0 {
        return (estimate, estimate);
    }
    let c = (z_for(level) * (1.0 + variance / (dark * dark)).ln().sqrt()).exp();
    (observed + dark / c, observed + dark * c)
}

/// Chapman's nearly unbiased estimator (n1+1)(n2+1)/(m+1) − 1 with Seber's
/// variance; finite even when m = 0, which is why callers refuse that case.
pub(crate) fn chapman(n1: f64, n2: f64, m: f64, level: f64) -> TwoList {
    let estimate = (n1 + 1.0) * (n2 + 1.0) / (m + 1.0) - 1.0;
    let variance = (n1 + 1.0) * (n2 + 1.0) * (n1 - m) * (n2 - m) / ((m + 1.0).powi(2) * (m + 2.0));
    let observed = n1 + n2 - m;
    let (lower, upper) = chao_interval(observed, estimate, variance, level);
    TwoList {
        estimate,
        lower,
        upper,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapman_textbook() {
        // n1 = 60, n2 = 50, m = 20: (61·51)/21 − 1 = 147.14
        let c = chapman(60.0, 50.0, 20.0, 0.95);
        assert!((c.estimate - 147.142857).abs() < 1e-4);
        assert!(c.lower >= 90.0 && c.lower < c.estimate && c.upper > c.estimate);
    }

    #[test]
    fn correction_branches_agree_near_100() {
        // The Stirling form and the exact form should be close at N ≈ 100.
        let exact = {
            let (n0, total) = (40.0f64, 101.0f64);
            n0 * n0.ln() + ln_gamma(total + 1.0) - total * total.ln() - ln_gamma(n0 + 1.0)
        };
        let approx = correction(40.0, 101.0);
        assert!((exact - approx).abs() < 0.01, "{exact} {approx}");
    }
}
