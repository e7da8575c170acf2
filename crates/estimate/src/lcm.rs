//! Latent-class multiple systems estimation (`--method lcm`): the Bayesian
//! nonparametric model of Manrique-Vallier (2016), as the R package LCMCR
//! implements it.
//!
//! Each person belongs to one of K latent classes; within a class the lists
//! capture independently, with probability `λ[j][k]` for list j. Class
//! weights come from a truncated stick-breaking Dirichlet process with
//! concentration α ~ Gamma(a, b); `λ` has a uniform prior; N has the prior
//! 1/N. Heterogeneity of capture — some victims much more visible than
//! others — is what the classes absorb, and what log-linear models with
//! two-way interactions capture only in part.
//!
//! The Gibbs sampler works on capture *patterns*, not people: given the
//! parameters, the people of one pattern are exchangeable, so their classes
//! are one multinomial draw per pattern instead of one categorical draw per
//! person. The draws have the same distribution as LCMCR's person by person,
//! and the cost of an iteration grows with patterns × classes, never with
//! the count. The unobserved count is drawn from its negative binomial
//! (Gamma–Poisson), its people spread over classes by a multinomial.
//!
//! Chains run in parallel (rayon), each with its own ChaCha stream of the
//! seed, so the same seed gives the same draws whatever the thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Binomial, Distribution, Gamma, Poisson};
use rayon::prelude::*;

use crate::{CaptureHistories, EstimateError};

/// Sampler settings. The defaults mix on the reference data (UK 2013 six
/// lists, Kosovo 1999 four): see the estimate README for the R-hat and
/// effective sample sizes they reach.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmOptions {
    /// Truncation of the stick-breaking process: the most classes.
    pub classes: usize,
    /// Iterations dropped at the start of every chain.
    pub burn_in: usize,
    /// Iterations between kept draws.
    pub thinning: usize,
    /// Draws kept per chain.
    pub samples: usize,
    /// Chains; split R-hat needs at least two.
    pub chains: usize,
    /// Gamma(a, b) prior of the concentration α (LCMCR's a_alpha, b_alpha).
    pub alpha_shape: f64,
    pub alpha_rate: f64,
    pub seed: u64,
    /// Coverage of the credible interval.
    pub level: f64,
}

impl Default for LcmOptions {
    fn default() -> Self {
        LcmOptions {
            classes: 10,
            burn_in: 5_000,
            thinning: 20,
            samples: 1_000,
            chains: 4,
            alpha_shape: 0.25,
            alpha_rate: 0.25,
            seed: 1234,
            level: 0.95,
        }
    }
}

/// Above this split R-hat, or under this effective sample size, the chains
/// have not converged and the report says so (Vehtari et al. 2021 advise
/// R-hat < 1.01 with ESS ≥ 400 for final results; 1.05 is the common
/// working threshold, which the defaults meet with room).
pub const RHAT_WARN: f64 = 1.05;
pub const ESS_WARN: f64 = 400.0;

/// The posterior of N.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmResult {
    pub median: f64,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    pub level: f64,
    /// Split R-hat of N across chains.
    pub rhat: f64,
    /// Effective sample size of N over all chains.
    pub ess: f64,
    /// Posterior mean of the number of classes holding anyone.
    pub classes_used: f64,
    /// The kept draws of N, chain after chain.
    pub draws: Vec<Vec<f64>>,
    pub warnings: Vec<String>,
}

impl LcmOptions {
    fn validate(&self) -> Result<(), EstimateError> {
        let bad = |reason: String| Err(EstimateError::InvalidOption { reason });
        if !(2..=50).contains(&self.classes) {
            return bad(format!(
                "the latent-class model takes 2 to 50 classes, not {}",
                self.classes
            ));
        }
        if self.samples < 10 || self.thinning == 0 || self.chains == 0 {
            return bad("the latent-class sampler needs at least 10 samples, a thinning of at least 1 and one chain".into());
        }
        // A bound on work, so a typo cannot run for hours.
        let work = (self.burn_in + self.samples * self.thinning) as u128 * self.chains as u128;
        if work > 50_000_000 {
            return bad(format!(
                "{} chains × ({} burn-in + {} samples × thinning {}) is more than 50 million iterations: lower one of them",
                self.chains, self.burn_in, self.samples, self.thinning
            ));
        }
        if !(self.alpha_shape > 0.0 && self.alpha_rate > 0.0) {
            return bad("the Gamma prior of α needs a positive shape and rate".into());
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return bad(format!(
                "the interval level must be between 0 and 1, got {}",
                self.level
            ));
        }
        Ok(())
    }
}

/// Samples the posterior of N under the latent-class model.
pub fn fit_lcm(data: &CaptureHistories, opts: &LcmOptions) -> Result<LcmResult, EstimateError> {
    opts.validate()?;
    let observed = data.observed();
    if observed == 0 {
        return Err(EstimateError::InvalidOption {
            reason: "nobody was observed: there is nothing to estimate from".into(),
        });
    }
    let patterns: Vec<(u32, u64)> = data.patterns().filter(|&(_, c)| c > 0).collect();
    let lists = data.n_lists();
    let chains: Vec<(Vec<f64>, f64)> = (0..opts.chains)
        .into_par_iter()
        .map(|chain| run_chain(&patterns, lists, observed, opts, chain as u64))
        .collect();
    let draws: Vec<Vec<f64>> = chains.iter().map(|(d, _)| d.clone()).collect();
    let classes_used = chains.iter().map(|(_, c)| c).sum::<f64>() / chains.len() as f64;
    let mut all: Vec<f64> = draws.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let tail = (1.0 - opts.level) / 2.0;
    let median = quantile(&all, 0.5);
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let rhat = split_rhat(&draws);
    let ess = effective_sample_size(&draws);
    let mut warnings = Vec::new();
    if rhat > RHAT_WARN || !rhat.is_finite() {
        warnings.push(format!(
            "the latent-class chains have not converged (split R-hat {rhat:.3} > {RHAT_WARN}): raise --burn-in and --samples"
        ));
    }
    if ess < ESS_WARN {
        warnings.push(format!(
            "only {ess:.0} effective draws of N (fewer than {ESS_WARN}): raise --samples or --thinning"
        ));
    }
    Ok(LcmResult {
        median,
        mean,
        lower: quantile(&all, tail),
        upper: quantile(&all, 1.0 - tail),
        level: opts.level,
        rhat,
        ess,
        classes_used,
        draws,
        warnings,
    })
}

/// One chain: its kept draws of N and the mean number of classes in use.
fn run_chain(
    patterns: &[(u32, u64)],
    lists: usize,
    observed: u64,
    opts: &LcmOptions,
    chain: u64,
) -> (Vec<f64>, f64) {
    let k = opts.classes;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(chain);
    // λ[j*k + class]; a start spread over (0.1, 0.9) so classes differ.
    let mut lambda: Vec<f64> = (0..lists * k).map(|_| rng.gen_range(0.1..0.9)).collect();
    let mut alpha = 1.0;
    let mut weights = vec![1.0 / k as f64; k];
    let mut sticks = vec![0.0; k];
    // People per class, and per class those seen on list j.
    let mut in_class = vec![0u64; k];
    let mut seen = vec![0u64; lists * k];
    let mut probs = vec![0.0; k];
    let mut kept = Vec::with_capacity(opts.samples);
    let mut used_sum = 0.0;
    let total = opts.burn_in + opts.samples * opts.thinning;
    for it in 0..total {
        in_class.iter_mut().for_each(|c| *c = 0);
        seen.iter_mut().for_each(|c| *c = 0);
        // 1. The classes of the people seen, pattern by pattern.
        for &(mask, count) in patterns {
            for (c, p) in probs.iter_mut().enumerate() {
                let mut lik = weights[c];
                for j in 0..lists {
                    let l = lambda[j * k + c];
                    lik *= if mask & (1 << j) != 0 { l } else { 1.0 - l };
                }
                *p = lik;
            }
            let spread = multinomial(&mut rng, count, &probs);
            for (c, &m) in spread.iter().enumerate() {
                if m == 0 {
                    continue;
                }
                in_class[c] += m;
                for j in 0..lists {
                    if mask & (1 << j) != 0 {
                        seen[j * k + c] += m;
                    }
                }
            }
        }
        // 2. The people seen by no list: their number from its negative
        // binomial under the 1/N prior, then their classes.
        for (c, p) in probs.iter_mut().enumerate() {
            let mut miss = weights[c];
            for j in 0..lists {
                miss *= 1.0 - lambda[j * k + c];
            }
            *p = miss;
        }
        let p0: f64 = probs.iter().sum::<f64>().clamp(0.0, 1.0 - 1e-12);
        let unseen = negative_binomial(&mut rng, observed, p0);
        let spread = multinomial(&mut rng, unseen, &probs);
        for (c, &m) in spread.iter().enumerate() {
            in_class[c] += m;
        }
        // 3. Capture probabilities, uniform prior.
        for j in 0..lists {
            for c in 0..k {
                let hit = seen[j * k + c] as f64;
                let miss = (in_class[c] - seen[j * k + c]) as f64;
                lambda[j * k + c] = beta(&mut rng, 1.0 + hit, 1.0 + miss).clamp(1e-10, 1.0 - 1e-10);
            }
        }
        // 4. Stick-breaking weights.
        let mut after: u64 = in_class.iter().sum();
        let mut left = 1.0;
        for c in 0..k {
            after -= in_class[c];
            let v = if c + 1 == k {
                1.0
            } else {
                beta(&mut rng, 1.0 + in_class[c] as f64, alpha + after as f64)
                    .clamp(1e-12, 1.0 - 1e-12)
            };
            sticks[c] = v;
            weights[c] = left * v;
            left *= 1.0 - v;
        }
        // 5. The concentration α.
        let log_rest: f64 = sticks[..k - 1].iter().map(|v| (1.0 - v).ln()).sum();
        let rate = opts.alpha_rate - log_rest;
        alpha = Gamma::new(opts.alpha_shape + (k - 1) as f64, 1.0 / rate)
            .map(|g| g.sample(&mut rng))
            .unwrap_or(alpha)
            .max(1e-6);
        if it >= opts.burn_in && (it - opts.burn_in) % opts.thinning == opts.thinning - 1 {
            kept.push((observed + unseen) as f64);
            used_sum += in_class.iter().filter(|&&n| n > 0).count() as f64;
        }
    }
    let used = used_sum / kept.len().max(1) as f64;
    (kept, used)
}

fn beta(rng: &mut ChaCha8Rng, a: f64, b: f64) -> f64 {
    Beta::new(a, b).map(|d| d.sample(rng)).unwrap_or(0.5)
}

/// n draws spread over categories with weights `w` (not normalised), by
/// conditional binomials: cost in categories, not in n.
fn multinomial(rng: &mut ChaCha8Rng, n: u64, w: &[f64]) -> Vec<u64> {
    let mut out = vec![0u64; w.len()];
    let mut left_n = n;
    let mut left_w: f64 = w.iter().sum();
    for (i, &wi) in w.iter().enumerate() {
        if left_n == 0 {
            break;
        }
        if i + 1 == w.len() || left_w <= 0.0 {
            out[i] = left_n;
            break;
        }
        let p = (wi / left_w).clamp(0.0, 1.0);
        let m = Binomial::new(left_n, p).map(|b| b.sample(rng)).unwrap_or(0);
        out[i] = m;
        left_n -= m;
        left_w -= wi;
    }
    out
}

/// The number of failures before `n` successes with failure probability
/// `p0`: the posterior of the unseen count under the 1/N prior. Drawn as a
/// Poisson with a Gamma mean.
fn negative_binomial(rng: &mut ChaCha8Rng, n: u64, p0: f64) -> u64 {
    if p0 <= 0.0 {
        return 0;
    }
    let scale = p0 / (1.0 - p0);
    let mean = Gamma::new(n as f64, scale)
        .map(|g| g.sample(rng))
        .unwrap_or(0.0);
    if mean <= 0.0 {
        return 0;
    }
    // Poisson of rand_distr takes f64 and answers f64.
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

/// The q-quantile of sorted values, interpolated (R's type 7, as LCMCR's
/// summaries use `quantile`).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v)
}

/// Split R-hat (Gelman et al., BDA3 §11.4): every chain cut in halves, the
/// between-half variance against the within-half variance.
pub fn split_rhat(chains: &[Vec<f64>]) -> f64 {
    let halves: Vec<&[f64]> = chains
        .iter()
        .flat_map(|c| {
            let h = c.len() / 2;
            [&c[..h], &c[c.len() - h..]]
        })
        .filter(|h| h.len() >= 2)
        .collect();
    if halves.len() < 2 {
        return f64::NAN;
    }
    let n = halves[0].len() as f64;
    let stats: Vec<(f64, f64)> = halves.iter().map(|h| mean_var(h)).collect();
    let w = stats.iter().map(|s| s.1).sum::<f64>() / stats.len() as f64;
    let means: Vec<f64> = stats.iter().map(|s| s.0).collect();
    let b = n * mean_var(&means).1;
    if w <= 0.0 {
        return if b <= 0.0 { 1.0 } else { f64::INFINITY };
    }
    let var_plus = (n - 1.0) / n * w + b / n;
    (var_plus / w).sqrt()
}

/// Effective sample size over chains (BDA3 §11.5): autocorrelations from
/// the combined variance, summed over Geyer's initial positive sequence.
pub fn effective_sample_size(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains.iter().map(Vec::len).min().unwrap_or(0);
    if m == 0 || n < 4 {
        return 0.0;
    }
    let stats: Vec<(f64, f64)> = chains.iter().map(|c| mean_var(&c[..n])).collect();
    let w = stats.iter().map(|s| s.1).sum::<f64>() / m as f64;
    let means: Vec<f64> = stats.iter().map(|s| s.0).collect();
    let b = n as f64 * if m > 1 { mean_var(&means).1 } else { 0.0 };
    let var_plus = (n as f64 - 1.0) / n as f64 * w + b / n as f64;
    if var_plus <= 0.0 {
        return (m * n) as f64;
    }
    let autocov = |chain: &[f64], mean: f64, lag: usize| -> f64 {
        chain[..n - lag]
            .iter()
            .zip(&chain[lag..n])
            .map(|(a, b)| (a - mean) * (b - mean))
            .sum::<f64>()
            / n as f64
    };
    let rho = |lag: usize| -> f64 {
        let v: f64 = chains
            .iter()
            .zip(&stats)
            .map(|(c, s)| autocov(c, s.0, lag))
            .sum::<f64>()
            / m as f64;
        1.0 - (w - v) / var_plus
    };
    let mut sum = 0.0;
    let mut lag = 1;
    while lag + 1 < n {
        let pair = rho(lag) + rho(lag + 1);
        if pair < 0.0 {
            break;
        }
        sum += pair;
        lag += 2;
    }
    let tau = -1.0 + 2.0 * (1.0 + sum).max(0.5);
    // Antithetic chains can give τ < 1; the cap (Stan's) keeps ESS sane.
    let total = (m * n) as f64;
    (total / tau.max(1e-9)).min(total * total.log10())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn multinomial_spreads_every_draw_and_follows_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let w = [1.0, 3.0, 0.0, 6.0];
        let mut sums = [0u64; 4];
        for _ in 0..2000 {
            let d = multinomial(&mut rng, 100, &w);
            assert_eq!(d.iter().sum::<u64>(), 100);
            assert_eq!(d[2], 0);
            for (s, v) in sums.iter_mut().zip(&d) {
                *s += v;
            }
        }
        let share = |i: usize| sums[i] as f64 / 200_000.0;
        assert!((share(0) - 0.1).abs() < 0.01, "{sums:?}");
        assert!((share(3) - 0.6).abs() < 0.01, "{sums:?}");
    }

    #[test]
    fn negative_binomial_has_its_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (n, p0) = (500u64, 0.3);
        let mean: f64 = (0..20_000)
            .map(|_| negative_binomial(&mut rng, n, p0) as f64)
            .sum::<f64>()
            / 20_000.0;
        let want = n as f64 * p0 / (1.0 - p0);
        assert!((mean - want).abs() / want < 0.01, "{mean} vs {want}");
    }

    #[test]
    fn rhat_is_one_for_mixed_chains_and_large_for_stuck_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mixed: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..1000).map(|_| rng.gen::<f64>()).collect())
            .collect();
        assert!((split_rhat(&mixed) - 1.0).abs() < 0.01);
        let ess = effective_sample_size(&mixed);
        assert!(ess > 3000.0, "{ess}");
        let stuck: Vec<Vec<f64>> = (0..4)
            .map(|c| (0..1000).map(|_| c as f64 + rng.gen::<f64>()).collect())
            .collect();
        assert!(split_rhat(&stuck) > 1.5);
    }
}
