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
use rand_distr::{Binomial, Distribution, Gamma, Poisson};
use rayon::prelude::*;

use crate::{CaptureHistories, EstimateError};

/// Sampler settings. The defaults mix on Kosovo 1999 and on UK 2013
/// (split R-hat below 1.05 in 9 of 10 seeds there, 400–700 effective
/// draws): see bench/RESULTS.md, "estimate".
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
            burn_in: 3_000,
            thinning: 4,
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
/// working threshold).
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

/// LCMCR draws the unseen count again while it exceeds 20 times the
/// observed count: the prior is 1/N on N ≤ 21n. Kept, so that the
/// posteriors agree; it only cuts a tail that the data cannot bound.
pub const MAX_UNSEEN_PER_OBSERVED: u64 = 20;

/// Iterations at the start of the burn-in with α held at 0.3/K (LCMCR's
/// warm-up of 500).
const WARM_UP: usize = 500;

/// One chain: its kept draws of N and the mean number of classes in use.
///
/// The sweep is LCMCR's Gibbs sampler (classes of the seen; the unseen
/// count and its classes; capture probabilities; stick weights; α), plus
/// one move of our own: the unseen count of each class by Metropolis with
/// the capture probabilities integrated out. Plain Gibbs moves N only by
/// its conditional spread given λ (a few hundred on UK 2013) while λ of a
/// rarely-seen class is pinned by that same count, so N crawls: LCMCR's
/// chains of a million iterations still differ by 2,000 in the median.
/// The collapsed move jumps along that ridge; λ is then drawn afresh
/// given the new counts, which keeps the posterior (partially collapsed
/// Gibbs, van Dyk and Park 2008).
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
    let cap = MAX_UNSEEN_PER_OBSERVED * observed;
    let unseen_step = UnseenStep::new(cap);
    // ln λ and ln(1 − λ), [j*k + class]. LCMCR's start: every class at the
    // lists' shares of the seen, class weights broken at random, α small
    // and held during a warm-up; the classes then part from the random
    // draws of who is in which.
    let mut log_hit = vec![0.0; lists * k];
    let mut log_miss = vec![0.0; lists * k];
    for j in 0..lists {
        let on: u64 = patterns
            .iter()
            .filter(|(mask, _)| mask & (1 << j) != 0)
            .map(|&(_, c)| c)
            .sum();
        let share = (on as f64 / observed as f64).clamp(1e-6, 1.0 - 1e-6);
        for c in 0..k {
            log_hit[j * k + c] = share.ln();
            log_miss[j * k + c] = (-share).ln_1p();
        }
    }
    let warm_up = WARM_UP.min(opts.burn_in);
    let mut alpha = 0.3 / k as f64;
    let mut log_w = vec![0.0; k];
    let mut left = 0.0;
    for w in log_w.iter_mut().take(k - 1) {
        let (lv, l1v) = log_beta(&mut rng, 1.0, 1.0);
        *w = left + lv;
        left += l1v;
    }
    log_w[k - 1] = left;
    let mut sticks = vec![0.0; k];
    // Seen people per class, and per class those on list j; unseen per class.
    let mut seen_in = vec![0u64; k];
    let mut hits = vec![0u64; lists * k];
    let mut unseen_in = vec![0u64; k];
    let mut in_class = vec![0u64; k];
    let mut probs = vec![0.0; k];
    let mut base = vec![0.0; k];
    let mut gain = vec![0.0; lists * k];
    let mut spread = vec![0u64; k];
    // The seen people of pattern x in class c, [x*k + c].
    let mut alloc = vec![0u64; patterns.len() * k];
    let pattern_ladder: Vec<u64> = {
        let most = patterns.iter().map(|p| p.1).max().unwrap_or(1);
        let mut l = vec![1u64];
        while *l.last().unwrap() < most {
            l.push(l.last().unwrap() * 4);
        }
        l
    };
    let mut kept = Vec::with_capacity(opts.samples);
    let mut used_sum = 0.0;
    let total = opts.burn_in + opts.samples * opts.thinning;
    for it in 0..total {
        seen_in.iter_mut().for_each(|c| *c = 0);
        hits.iter_mut().for_each(|c| *c = 0);
        // 1. The classes of the people seen, pattern by pattern: ln P of a
        // pattern in a class is the class's ln P of nobody seen plus, per
        // list that saw the pattern, ln λ − ln(1 − λ).
        for c in 0..k {
            base[c] = log_w[c] + (0..lists).map(|j| log_miss[j * k + c]).sum::<f64>();
            for j in 0..lists {
                gain[j * k + c] = log_hit[j * k + c] - log_miss[j * k + c];
            }
        }
        for (x, &(mask, count)) in patterns.iter().enumerate() {
            probs.copy_from_slice(&base);
            for j in bits(mask) {
                for (p, g) in probs.iter_mut().zip(&gain[j * k..(j + 1) * k]) {
                    *p += g;
                }
            }
            let top = probs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            probs.iter_mut().for_each(|p| *p = (*p - top).exp());
            multinomial(&mut rng, count, &probs, &mut spread);
            alloc[x * k..(x + 1) * k].copy_from_slice(&spread);
            for (s, &m) in seen_in.iter_mut().zip(&spread) {
                *s += m;
            }
            for j in bits(mask) {
                for (h, &m) in hits[j * k..(j + 1) * k].iter_mut().zip(&spread) {
                    *h += m;
                }
            }
        }
        // 2. The people seen by no list: their number from its negative
        // binomial under the 1/N prior, then their classes.
        let mut p0 = 0.0;
        let mut p_seen = 0.0;
        for (c, p) in probs.iter_mut().enumerate() {
            let log_none: f64 = (0..lists).map(|j| log_miss[j * k + c]).sum();
            let w = log_w[c].exp();
            *p = w * log_none.exp();
            p0 += *p;
            // 1 − P(unseen) summed class by class keeps its digits when
            // nearly everyone is unseen.
            p_seen += w * -log_none.exp_m1();
        }
        let unseen = truncated_negative_binomial(&mut rng, observed, p0, p_seen, cap);
        multinomial(&mut rng, unseen, &probs, &mut unseen_in);
        // 3. The collapsed move on the unseen of each class.
        let mut n_unseen = unseen;
        // Classes holding seen people only (the move keeps who is seen, so
        // the choice stays fixed), several times: N mixes through it.
        for c in (0..k * UNSEEN_MOVES).map(|c| c % k) {
            if seen_in[c] == 0 {
                continue;
            }
            let m = unseen_in[c] as i64;
            let m_new = unseen_step.draw(&mut rng, m);
            let delta = m_new - m;
            let n_new = n_unseen as i64 + delta;
            if m_new < 0 || n_new < 0 || n_new as u64 > cap {
                continue;
            }
            let log_ratio = collapsed_log_ratio(
                observed + n_unseen,
                observed as i64 + n_new,
                m,
                m_new,
                log_w[c],
                seen_in[c],
                &hits,
                c,
                k,
                lists,
            );
            let log_ratio = log_ratio + unseen_step.log_hastings(m, m_new);
            if log_ratio >= 0.0 || rng.gen::<f64>().ln() < log_ratio {
                unseen_in[c] = m_new as u64;
                n_unseen = n_new as u64;
            }
        }
        // 3a. Label swaps (Papaspiliopoulos and Roberts 2008): the stick
        // order of the classes mixes slowly under Gibbs, and a big class
        // stuck behind small ones holds N back. Two classes trade all their
        // people; with λ integrated out only the weights see the change.
        for pair in 0..k {
            let (a, b) = if pair + 1 < k {
                (pair, pair + 1)
            } else {
                let a = rng.gen_range(0..k);
                let b = rng.gen_range(0..k);
                if a == b {
                    continue;
                }
                (a, b)
            };
            let size_a = (seen_in[a] + unseen_in[a]) as f64;
            let size_b = (seen_in[b] + unseen_in[b]) as f64;
            let log_ratio = (size_a - size_b) * (log_w[b] - log_w[a]);
            if log_ratio >= 0.0 || rng.gen::<f64>().ln() < log_ratio {
                seen_in.swap(a, b);
                unseen_in.swap(a, b);
                for j in 0..lists {
                    hits.swap(j * k + a, j * k + b);
                }
                for x in 0..patterns.len() {
                    alloc.swap(x * k + a, x * k + b);
                }
            }
        }
        // 3b. Seen people of one pattern move between two classes, and the
        // unseen of both classes change with them, λ and the class weights
        // integrated out (so after the moves that hold the weights; both
        // are drawn afresh below). On UK
        // 2013 a class holding one list's singletons (N near 12,000) must
        // hand them and its unseen to the rarely-seen class while that
        // class grows (N near 22,000); Gibbs given λ takes tens of
        // thousands of iterations for it, this move one.
        for _ in 0..PATTERN_MOVES {
            // From a class holding people of the pattern to another class
            // in use: drawn among those, not among all K labels, so that the
            // few useful pairs are tried often. The way back draws from the
            // classes then holding the pattern (the classes in use stay the
            // same: b is never emptied).
            let x = {
                // The pattern of a person drawn at random: big patterns
                // (one list's singletons) are the ones whose moves matter.
                let mut u = rng.gen_range(0..observed);
                patterns
                    .iter()
                    .position(|p| {
                        let here = u < p.1;
                        u = u.saturating_sub(p.1);
                        here
                    })
                    .expect("a person drawn among the observed")
            };
            let row = &alloc[x * k..(x + 1) * k];
            let holding = row.iter().filter(|&&m| m > 0).count();
            let in_use = (0..k).filter(|&c| seen_in[c] + unseen_in[c] > 0).count();
            if holding == 0 || in_use < 2 {
                continue;
            }
            let b = nth_where(row.iter().map(|&m| m > 0), rng.gen_range(0..holding));
            let a = nth_where(
                (0..k).map(|c| c != b && seen_in[c] + unseen_in[c] > 0),
                rng.gen_range(0..in_use - 1),
            );
            // Either all of the pattern's people in b, or a number from the
            // ladder: a class holding one pattern (UK 2013: GP's singletons)
            // can then be emptied into another in one move.
            let whole = rng.gen::<f64>() < WHOLE_PATTERN;
            let step = pattern_ladder[rng.gen_range(0..pattern_ladder.len())];
            let d = if whole {
                alloc[x * k + b]
            } else {
                rng.gen_range(0..=step)
            };
            let grow_a = unseen_step.draw(&mut rng, unseen_in[a] as i64) - unseen_in[a] as i64;
            let grow_b = unseen_step.draw(&mut rng, unseen_in[b] as i64) - unseen_in[b] as i64;
            if a == b || alloc[x * k + b] < d {
                continue;
            }
            let (ua, ub) = (unseen_in[a] as i64 + grow_a, unseen_in[b] as i64 + grow_b);
            let n_new = n_unseen as i64 + grow_a + grow_b;
            let b_left = seen_in[b] - d + ub.max(0) as u64;
            if d == 0 || ua < 0 || ub < 0 || n_new < 0 || n_new as u64 > cap || b_left == 0 {
                continue;
            }
            let holding_after = holding + (row[a] == 0) as usize - (row[b] == d) as usize;
            let mask = patterns[x].0;
            let mv = Move {
                mask,
                d,
                a,
                b,
                grow_a,
                grow_b,
            };
            let log_ratio = move_log_ratio(
                &mv,
                &alloc[x * k..(x + 1) * k],
                alpha,
                &seen_in,
                &unseen_in,
                &hits,
                observed + n_unseen,
                lists,
            );
            // Hastings: the way back moves d from a to b, "whole" only if a
            // has none of the pattern now.
            let log_ratio = log_ratio
                + (pattern_move_chance(&pattern_ladder, d, alloc[x * k + a] == 0)
                    / pattern_move_chance(&pattern_ladder, d, d == alloc[x * k + b])
                    * holding as f64
                    / holding_after as f64)
                    .ln()
                + unseen_step.log_hastings(unseen_in[a] as i64, ua)
                + unseen_step.log_hastings(unseen_in[b] as i64, ub);
            if log_ratio >= 0.0 || rng.gen::<f64>().ln() < log_ratio {
                alloc[x * k + a] += d;
                alloc[x * k + b] -= d;
                seen_in[a] += d;
                seen_in[b] -= d;
                for j in 0..lists {
                    if mask & (1 << j) != 0 {
                        hits[j * k + a] += d;
                        hits[j * k + b] -= d;
                    }
                }
                unseen_in[a] = ua as u64;
                unseen_in[b] = ub as u64;
                n_unseen = n_new as u64;
            }
        }
        // 4. Capture probabilities, uniform prior.
        for c in 0..k {
            in_class[c] = seen_in[c] + unseen_in[c];
            for j in 0..lists {
                let hit = hits[j * k + c] as f64;
                let miss = (in_class[c] - hits[j * k + c]) as f64;
                let (lh, lm) = log_beta(&mut rng, 1.0 + hit, 1.0 + miss);
                log_hit[j * k + c] = lh;
                log_miss[j * k + c] = lm;
            }
        }
        // 5. Stick-breaking weights.
        let mut after: u64 = in_class.iter().sum();
        let mut left = 0.0;
        for c in 0..k {
            after -= in_class[c];
            if c + 1 == k {
                log_w[c] = left;
                break;
            }
            let (lv, l1v) = log_beta(&mut rng, 1.0 + in_class[c] as f64, alpha + after as f64);
            sticks[c] = l1v;
            log_w[c] = left + lv;
            left += l1v;
        }
        // 6. The concentration α, held during the warm-up; after it the
        // classes are put in order of weight, as the stick-breaking prior
        // expects (LCMCR does the same).
        if it < warm_up {
            if it + 1 == warm_up {
                let mut order: Vec<usize> = (0..k).collect();
                order.sort_by(|&a, &b| log_w[b].total_cmp(&log_w[a]));
                let (h, m, w) = (log_hit.clone(), log_miss.clone(), log_w.clone());
                for (to, &from) in order.iter().enumerate() {
                    log_w[to] = w[from];
                    for j in 0..lists {
                        log_hit[j * k + to] = h[j * k + from];
                        log_miss[j * k + to] = m[j * k + from];
                    }
                }
            }
            continue;
        }
        let log_rest: f64 = sticks[..k - 1].iter().sum();
        let rate = opts.alpha_rate - log_rest;
        alpha = Gamma::new(opts.alpha_shape + (k - 1) as f64, 1.0 / rate)
            .map(|g| g.sample(&mut rng))
            .unwrap_or(alpha)
            .max(1e-6);
        if it >= opts.burn_in && (it - opts.burn_in) % opts.thinning == opts.thinning - 1 {
            kept.push((observed + n_unseen) as f64);
            used_sum += in_class.iter().filter(|&&n| n > 0).count() as f64;
        }
    }
    let used = used_sum / kept.len().max(1) as f64;
    (kept, used)
}

/// ln of the ratio of the posterior, capture probabilities integrated out,
/// when class `c` holds `m_new` unseen people instead of `m` (and the
/// population is `n_new` instead of `n_old`): the 1/N prior with the
/// multinomial of the unseen gives (N − 1)!/Π m_k!, the class weight
/// w_c^m, and each list a Beta function B(1 + hits, 1 + class size − hits).
#[allow(clippy::too_many_arguments)]
fn collapsed_log_ratio(
    n_old: u64,
    n_new: i64,
    m: i64,
    m_new: i64,
    log_w: f64,
    seen: u64,
    hits: &[u64],
    c: usize,
    k: usize,
    lists: usize,
) -> f64 {
    let (m_old_f, m_new_f) = (m as f64, m_new as f64);
    let mut r = ln_gamma(n_new as f64)
        - ln_gamma(n_old as f64)
        - (ln_gamma(m_new_f + 1.0) - ln_gamma(m_old_f + 1.0))
        + (m_new_f - m_old_f) * log_w;
    let seen = seen as f64;
    let lists_f = lists as f64;
    for j in 0..lists {
        let miss_seen = seen - hits[j * k + c] as f64;
        r += ln_gamma(1.0 + miss_seen + m_new_f) - ln_gamma(1.0 + miss_seen + m_old_f);
    }
    r - lists_f * (ln_gamma(2.0 + seen + m_new_f) - ln_gamma(2.0 + seen + m_old_f))
}

/// The proposal of a class's new unseen count m' from m in the collapsed
/// moves: half the time a step from a fixed ladder of sizes 1, 4, 16, …
/// up to the cap (symmetric), half the time a factor e^u, u uniform on
/// ±[`UNSEEN_SCALE`], m' + 1 = ⌊(m + 1) e^u⌋. The factor matters on UK 2013:
/// the rarely-seen class must double its 10,000 unseen when it takes over
/// GP's singletons, a change the ladder hits once in a hundred tries.
struct UnseenStep {
    ladder: Vec<u64>,
}

/// Half-width of ln of the factor of [`UnseenStep`].
const UNSEEN_SCALE: f64 = 0.7;

impl UnseenStep {
    fn new(cap: u64) -> Self {
        let mut ladder = vec![1u64];
        while *ladder.last().unwrap() * 4 <= cap.max(1) {
            ladder.push(ladder.last().unwrap() * 4);
        }
        UnseenStep { ladder }
    }

    fn draw(&self, rng: &mut ChaCha8Rng, m: i64) -> i64 {
        if rng.gen::<bool>() {
            let s = self.ladder[rng.gen_range(0..self.ladder.len())] as i64;
            m + rng.gen_range(-s..=s)
        } else {
            let u = rng.gen_range(-UNSEEN_SCALE..UNSEEN_SCALE);
            ((m + 1) as f64 * u.exp()).floor() as i64 - 1
        }
    }

    /// The chance of proposing `m_new` from `m`.
    fn chance(&self, m: i64, m_new: i64) -> f64 {
        let step = (m_new - m).unsigned_abs();
        let from_ladder = self
            .ladder
            .iter()
            .filter(|&&s| s >= step)
            .map(|&s| 1.0 / (2 * s + 1) as f64)
            .sum::<f64>()
            / self.ladder.len() as f64;
        // u with ⌊(m + 1) e^u⌋ = m_new + 1.
        let lo = ((m_new + 1) as f64 / (m + 1) as f64)
            .ln()
            .max(-UNSEEN_SCALE);
        let hi = ((m_new + 2) as f64 / (m + 1) as f64).ln().min(UNSEEN_SCALE);
        let by_factor = if m_new < -1 {
            0.0
        } else {
            (hi - lo).max(0.0) / (2.0 * UNSEEN_SCALE)
        };
        0.5 * from_ladder + 0.5 * by_factor
    }

    /// ln q(m | m_new) − ln q(m_new | m).
    fn log_hastings(&self, m: i64, m_new: i64) -> f64 {
        (self.chance(m_new, m) / self.chance(m, m_new)).ln()
    }
}

/// Passes per iteration of the collapsed move on each class's unseen.
const UNSEEN_MOVES: usize = 4;

/// Proposals per iteration of the pattern move.
const PATTERN_MOVES: usize = 8;

/// The lists that saw a pattern.
fn bits(mask: u32) -> impl Iterator<Item = usize> {
    let mut left = mask;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let j = left.trailing_zeros() as usize;
        left &= left - 1;
        Some(j)
    })
}

/// The index of the `n`th true value.
fn nth_where(flags: impl Iterator<Item = bool>, n: usize) -> usize {
    flags
        .enumerate()
        .filter(|f| f.1)
        .nth(n)
        .map(|f| f.0)
        .expect("n below the count of true flags")
}

/// Chance that the pattern move takes all of the pattern's people.
const WHOLE_PATTERN: f64 = 0.25;

/// The chance that the pattern move proposes to move `d` people, when `d`
/// is (`whole`) or is not all the people of the pattern in the class.
fn pattern_move_chance(ladder: &[u64], d: u64, whole: bool) -> f64 {
    let from_ladder: f64 = ladder
        .iter()
        .filter(|&&s| s >= d)
        .map(|&s| 1.0 / (s + 1) as f64)
        .sum::<f64>()
        / ladder.len() as f64;
    (1.0 - WHOLE_PATTERN) * from_ladder + if whole { WHOLE_PATTERN } else { 0.0 }
}

/// A joint move: `d` seen people of the pattern `mask` go from class `b`
/// to class `a`, and the unseen of `a` and `b` change by `grow_a` and
/// `grow_b`.
struct Move {
    mask: u32,
    d: u64,
    a: usize,
    b: usize,
    grow_a: i64,
    grow_b: i64,
}

/// ln of the posterior ratio of a [`Move`], λ integrated out: the 1/N
/// prior with the multinomial of the unseen, (N − 1)!/Π m_k!; the
/// multinomial of the pattern over classes; the class weights; and per
/// list the Beta functions B(1 + hits, 1 + misses) of both classes.
#[allow(clippy::too_many_arguments)]
fn move_log_ratio(
    mv: &Move,
    alloc: &[u64],
    alpha: f64,
    seen_in: &[u64],
    unseen_in: &[u64],
    hits: &[u64],
    population: u64,
    lists: usize,
) -> f64 {
    let k = seen_in.len();
    let d = mv.d as f64;
    let (ga, gb) = (mv.grow_a as f64, mv.grow_b as f64);
    let (za, zb) = (alloc[mv.a] as f64, alloc[mv.b] as f64);
    let (ma, mb) = (unseen_in[mv.a] as f64, unseen_in[mv.b] as f64);
    let n = population as f64;
    let r = ln_gamma(n + ga + gb) - ln_gamma(n) + ln_gamma(ma + 1.0) - ln_gamma(ma + ga + 1.0)
        + ln_gamma(mb + 1.0)
        - ln_gamma(mb + gb + 1.0)
        + ln_gamma(za + 1.0)
        + ln_gamma(zb + 1.0)
        - ln_gamma(za + d + 1.0)
        - ln_gamma(zb - d + 1.0)
        + sticks_change(seen_in, unseen_in, alpha, &[(mv.a, d + ga), (mv.b, gb - d)]);
    // Class c gains `seen` people of the pattern and `unseen` people.
    let class_change = |c: usize, seen: f64, unseen: f64| -> f64 {
        let size = (seen_in[c] + unseen_in[c]) as f64;
        let by = seen + unseen;
        let mut t = -(lists as f64) * (ln_gamma(2.0 + size + by) - ln_gamma(2.0 + size));
        for j in 0..lists {
            let h = hits[j * k + c] as f64;
            let miss = size - h;
            t += if mv.mask & (1 << j) != 0 {
                ln_gamma(1.0 + h + seen) - ln_gamma(1.0 + h) + ln_gamma(1.0 + miss + unseen)
                    - ln_gamma(1.0 + miss)
            } else {
                ln_gamma(1.0 + miss + by) - ln_gamma(1.0 + miss)
            };
        }
        t
    };
    r + class_change(mv.a, d, ga) + class_change(mv.b, -d, gb)
}

/// ln of the change of the stick-breaking prior of the class sizes, the
/// weights integrated out given α, when class `c` grows by `by` for each
/// `(c, by)` of `changes`: per stick c < K, B(1 + n_c, α + n_{>c}) / B(1, α).
/// A move that changes class sizes by thousands is hopeless with the
/// weights held (they were drawn for the old sizes); integrated out, it
/// costs only what the sizes cost.
fn sticks_change(seen_in: &[u64], unseen_in: &[u64], alpha: f64, changes: &[(usize, f64)]) -> f64 {
    let k = seen_in.len();
    let last = changes.iter().map(|c| c.0).max().unwrap_or(0).min(k - 2);
    let size = |c: usize| (seen_in[c] + unseen_in[c]) as f64;
    let by = |c: usize| -> f64 { changes.iter().filter(|ch| ch.0 == c).map(|ch| ch.1).sum() };
    // n_{>c} before and after, from the back.
    let mut beyond: f64 = (last + 1..k).map(size).sum();
    let mut beyond_by: f64 = (last + 1..k).map(by).sum();
    let mut r = 0.0;
    for c in (0..=last).rev() {
        let (n, dn) = (size(c), by(c));
        r += ln_gamma(1.0 + n + dn) - ln_gamma(1.0 + n) + ln_gamma_pos(alpha + beyond + beyond_by)
            - ln_gamma_pos(alpha + beyond)
            - ln_gamma(1.0 + alpha + n + dn + beyond + beyond_by)
            + ln_gamma(1.0 + alpha + n + beyond);
        beyond += n;
        beyond_by += dn;
    }
    r
}

/// ln Γ(x) for any x > 0 (α can be small).
fn ln_gamma_pos(x: f64) -> f64 {
    if x >= 1.0 {
        ln_gamma(x)
    } else {
        ln_gamma(x + 1.0) - x.ln()
    }
}

/// ln Γ(n) for the whole numbers below this, from a table: the collapsed
/// moves take ln Γ of counts hundreds of times an iteration, and a lookup
/// costs a fraction of the two logarithms of the series (half the run's
/// time on UK 2013 before). 2¹⁶ covers 20 × the observed of the data sets
/// in use; above it the series is used.
const LN_GAMMA_TABLE: usize = 1 << 16;

fn ln_gamma_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..LN_GAMMA_TABLE)
            .map(|n| {
                if n == 0 {
                    f64::INFINITY
                } else {
                    ln_gamma_series(n as f64)
                }
            })
            .collect()
    })
}

/// ln Γ(x) for x ≥ 1: from the table at whole numbers, else the series.
#[inline]
fn ln_gamma(x: f64) -> f64 {
    debug_assert!(x >= 1.0, "ln_gamma({x})");
    let n = x as usize;
    if n < LN_GAMMA_TABLE && n as f64 == x {
        ln_gamma_table()[n]
    } else {
        ln_gamma_series(x)
    }
}

/// ln Γ(x) for x ≥ 1: Stirling's series after shifting x to 7 or more
/// (error below 1e-11); statrs' Lanczos is three times slower.
fn ln_gamma_series(x: f64) -> f64 {
    let mut x = x;
    let mut shift = 1.0;
    while x < 7.0 {
        shift *= x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift.ln()
}

/// (ln X, ln(1 − X)) for X ~ Beta(a, b), a, b ≥ 1, from two Gamma draws:
/// the logs keep a capture probability near 0 or 1 exact.
fn log_beta(rng: &mut ChaCha8Rng, a: f64, b: f64) -> (f64, f64) {
    let x = gamma_draw(rng, a);
    let y = gamma_draw(rng, b);
    let s = (x + y).ln();
    (x.ln() - s, y.ln() - s)
}

fn gamma_draw(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    Gamma::new(shape, 1.0)
        .map(|g| g.sample(rng))
        .unwrap_or(shape)
        .max(f64::MIN_POSITIVE)
}

/// n draws spread over categories with weights `w` (not normalised), into
/// `out`. Categories are taken heaviest first by conditional binomials,
/// whose cost is in categories, not in n; once few people are left they
/// are drawn one by one, which is cheaper than a binomial each.
fn multinomial(rng: &mut ChaCha8Rng, n: u64, w: &[f64], out: &mut [u64]) {
    const ONE_BY_ONE: u64 = 16;
    out.iter_mut().for_each(|o| *o = 0);
    let mut order = [0u8; 64];
    let k = w.len().min(64);
    for i in 0..k {
        // Insertion by weight, heaviest first.
        let mut at = i;
        while at > 0 && w[order[at - 1] as usize] < w[i] {
            order[at] = order[at - 1];
            at -= 1;
        }
        order[at] = i as u8;
    }
    let order = &order[..k];
    let mut left_n = n;
    for (idx, &i) in order.iter().enumerate() {
        let i = i as usize;
        if left_n == 0 {
            return;
        }
        let rest = &order[idx..];
        let left_w: f64 = rest.iter().map(|&r| w[r as usize]).sum();
        if left_n <= ONE_BY_ONE || idx + 1 == k || left_w <= 0.0 {
            for _ in 0..left_n {
                let mut u = rng.gen::<f64>() * left_w;
                let mut pick = rest[0] as usize;
                for &r in rest {
                    let wr = w[r as usize];
                    if wr > 0.0 {
                        pick = r as usize;
                    }
                    if u < wr {
                        break;
                    }
                    u -= wr;
                }
                out[pick] += 1;
            }
            return;
        }
        let p = (w[i] / left_w).clamp(0.0, 1.0);
        let m = Binomial::new(left_n, p).map(|b| b.sample(rng)).unwrap_or(0);
        out[i] = m;
        left_n -= m;
    }
}

/// The number of failures before `n` successes with failure probability
/// `p0` (success probability `p_seen`, passed apart for its digits): the
/// posterior of the unseen count under the 1/N prior, drawn as a Poisson
/// with a Gamma mean, again while above `cap` (as LCMCR). When the cap
/// cuts nearly all of it, the mass piles up under the cap and falls
/// geometrically below it: drawn exactly from there by inversion.
fn truncated_negative_binomial(
    rng: &mut ChaCha8Rng,
    n: u64,
    p0: f64,
    p_seen: f64,
    cap: u64,
) -> u64 {
    if p0 <= 0.0 {
        return 0;
    }
    let scale = p0 / p_seen.max(f64::MIN_POSITIVE);
    for _ in 0..32 {
        let mean = Gamma::new(n as f64, scale)
            .map(|g| g.sample(rng))
            .unwrap_or(f64::INFINITY);
        if !mean.is_finite() || mean > 4.0 * cap as f64 {
            continue;
        }
        let draw = if mean <= 0.0 {
            0
        } else {
            Poisson::new(mean)
                .map(|p| p.sample(rng) as u64)
                .unwrap_or(u64::MAX)
        };
        if draw <= cap {
            return draw;
        }
    }
    // pmf(x − 1)/pmf(x) = x / ((n + x − 1) p0), below 1 near the cap here.
    let mut weights = Vec::new();
    let (mut w, mut sum, mut x) = (1.0f64, 0.0, cap);
    loop {
        weights.push(w);
        sum += w;
        if x == 0 || w < 1e-17 * sum || weights.len() >= 1_000_000 {
            break;
        }
        w *= x as f64 / ((n + x - 1) as f64 * p0.min(1.0));
        x -= 1;
    }
    let mut u = rng.gen::<f64>() * sum;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return cap - i as u64;
        }
        u -= w;
    }
    cap + 1 - weights.len() as u64
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
        let mut d = [0u64; 4];
        for _ in 0..2000 {
            multinomial(&mut rng, 100, &w, &mut d);
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
            .map(|_| truncated_negative_binomial(&mut rng, n, p0, 1.0 - p0, 20 * n) as f64)
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

    /// The log posterior, λ integrated out and up to a constant, of the
    /// classes of the seen (`alloc[x*k + c]`) and the unseen per class, by
    /// statrs' ln Γ: what the moves' ratios must be differences of.
    fn collapsed_log_posterior(
        patterns: &[(u32, u64)],
        alloc: &[u64],
        unseen: &[u64],
        weights: Weights,
        lists: usize,
    ) -> f64 {
        use statrs::function::gamma::ln_gamma as lg;
        let k = unseen.len();
        let seen: u64 = alloc.iter().sum();
        let n = (seen + unseen.iter().sum::<u64>()) as f64;
        let mut r = lg(n);
        for c in 0..k {
            r -= lg(unseen[c] as f64 + 1.0);
            let size: u64 = unseen[c] + (0..patterns.len()).map(|x| alloc[x * k + c]).sum::<u64>();
            match weights {
                Weights::Held(log_w) => r += size as f64 * log_w[c],
                Weights::Integrated(alpha) if c + 1 < k => {
                    let after: u64 = (c + 1..k)
                        .map(|e| {
                            unseen[e] + (0..patterns.len()).map(|x| alloc[x * k + e]).sum::<u64>()
                        })
                        .sum();
                    r += lg(1.0 + size as f64) + lg(alpha + after as f64)
                        - lg(1.0 + alpha + (size + after) as f64);
                }
                Weights::Integrated(_) => {}
            }
            for j in 0..lists {
                let h: u64 = (0..patterns.len())
                    .filter(|&x| patterns[x].0 & (1 << j) != 0)
                    .map(|x| alloc[x * k + c])
                    .sum();
                r += lg(1.0 + h as f64) + lg(1.0 + (size - h) as f64) - lg(2.0 + size as f64);
            }
        }
        for (x, &(_, count)) in patterns.iter().enumerate() {
            r += lg(count as f64 + 1.0);
            for c in 0..k {
                r -= lg(alloc[x * k + c] as f64 + 1.0);
            }
        }
        r
    }

    /// The class weights held, or integrated out under the stick-breaking
    /// prior with concentration α.
    #[derive(Clone, Copy)]
    enum Weights<'a> {
        Held(&'a [f64]),
        Integrated(f64),
    }

    fn tallies(
        patterns: &[(u32, u64)],
        alloc: &[u64],
        k: usize,
        lists: usize,
    ) -> (Vec<u64>, Vec<u64>) {
        let mut seen = vec![0u64; k];
        let mut hits = vec![0u64; lists * k];
        for (x, &(mask, _)) in patterns.iter().enumerate() {
            for c in 0..k {
                seen[c] += alloc[x * k + c];
                for j in 0..lists {
                    if mask & (1 << j) != 0 {
                        hits[j * k + c] += alloc[x * k + c];
                    }
                }
            }
        }
        (seen, hits)
    }

    proptest::proptest! {
        #[test]
        fn ln_gamma_matches_statrs(x in 1.0f64..1e8) {
            let want = statrs::function::gamma::ln_gamma(x);
            proptest::prop_assert!((ln_gamma(x) - want).abs() <= 1e-9 * want.abs().max(1.0), "{x}");
            let whole = x.floor();
            let want = statrs::function::gamma::ln_gamma(whole);
            proptest::prop_assert!((ln_gamma(whole) - want).abs() <= 1e-9 * want.abs().max(1.0), "{whole}");
        }

        #[test]
        fn the_moves_ratios_are_differences_of_the_collapsed_posterior(
            alloc in proptest::collection::vec(0u64..40, 12),
            shift in 1usize..3,
            unseen in proptest::collection::vec(0u64..500, 3),
            raw_w in proptest::collection::vec(0.05f64..1.0, 3),
            x in 0usize..4,
            a in 0usize..3,
            d_raw in 0u64..40,
            grow_a in -400i64..400,
            grow_b in -400i64..400,
            alpha in 0.01f64..5.0,
        ) {
            let (k, lists) = (3usize, 3usize);
            let patterns: Vec<(u32, u64)> = [0b001u32, 0b011, 0b110, 0b111]
                .iter()
                .enumerate()
                .map(|(x, &m)| (m, alloc[x * k..(x + 1) * k].iter().sum::<u64>()))
                .collect();
            let total: f64 = raw_w.iter().sum();
            let log_w: Vec<f64> = raw_w.iter().map(|w| (w / total).ln()).collect();
            let (seen, hits) = tallies(&patterns, &alloc, k, lists);
            let population = seen.iter().sum::<u64>() + unseen.iter().sum::<u64>();
            let before = collapsed_log_posterior(&patterns, &alloc, &unseen, Weights::Held(&log_w), lists);
            let before_w = collapsed_log_posterior(&patterns, &alloc, &unseen, Weights::Integrated(alpha), lists);

            // The joint move of seen and unseen people.
            // Only moves the sampler would try: two classes, people there.
            let b = (a + shift) % k;
            let d = d_raw % (alloc[x * k + b] + 1);
            let grow_a = grow_a.max(-(unseen[a] as i64));
            let grow_b = grow_b.max(-(unseen[b] as i64));
            let (ua, ub) = (unseen[a] as i64 + grow_a, unseen[b] as i64 + grow_b);
            let mv = Move { mask: patterns[x].0, d, a, b, grow_a, grow_b };
            let ratio = move_log_ratio(&mv, &alloc[x * k..(x + 1) * k], alpha, &seen, &unseen, &hits, population, lists);
            let mut alloc2 = alloc.clone();
            alloc2[x * k + a] += d;
            alloc2[x * k + b] -= d;
            let mut unseen2 = unseen.clone();
            unseen2[a] = ua as u64;
            unseen2[b] = ub as u64;
            let after = collapsed_log_posterior(&patterns, &alloc2, &unseen2, Weights::Integrated(alpha), lists);
            proptest::prop_assert!((ratio - (after - before_w)).abs() < 1e-6 * (1.0 + before_w.abs()), "{ratio} vs {}", after - before_w);

            // The unseen of one class alone.
            let m_new = unseen[a] as i64 + grow_a;
            let single = collapsed_log_ratio(population, population as i64 + grow_a, unseen[a] as i64, m_new, log_w[a], seen[a], &hits, a, k, lists);
            let mut unseen3 = unseen.clone();
            unseen3[a] = m_new as u64;
            let after3 = collapsed_log_posterior(&patterns, &alloc, &unseen3, Weights::Held(&log_w), lists);
            proptest::prop_assert!((single - (after3 - before)).abs() < 1e-6 * (1.0 + before.abs()));
        }
    }

    /// The Hastings terms of the moves rest on these chances: they must be
    /// those of the draws.
    #[test]
    fn the_proposal_chances_are_those_of_the_draws() {
        let step = UnseenStep::new(1_000);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let m = 40i64;
        let mut seen = std::collections::HashMap::new();
        let draws = 400_000;
        for _ in 0..draws {
            *seen.entry(step.draw(&mut rng, m)).or_insert(0u32) += 1;
        }
        let total: f64 = (-2_000..2_000).map(|to| step.chance(m, to)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        for to in [-5, 0, 20, 39, 40, 41, 60, 79, 300] {
            let want = step.chance(m, to);
            let got = *seen.get(&to).unwrap_or(&0) as f64 / draws as f64;
            assert!(
                (got - want).abs() < 4.0 * (want / draws as f64).sqrt() + 1e-5,
                "{to}: {got} vs {want}"
            );
        }
        let ladder = [1u64, 4, 16, 64];
        for whole_at in [0u64, 3, 17, 64] {
            let total: f64 = (0..=64)
                .map(|d| pattern_move_chance(&ladder, d, d == whole_at))
                .sum();
            assert!((total - 1.0).abs() < 1e-9, "{whole_at}: {total}");
        }
    }

    #[test]
    fn the_unseen_count_stays_under_the_cap_with_its_truncated_mean() {
        // p0 = 0.98: the untruncated mean is 49n, far above the cap of 20n,
        // so nearly every draw comes from the inversion below the cap.
        let (n, p0, cap) = (40u64, 0.98f64, 800u64);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let draws: Vec<u64> = (0..20_000)
            .map(|_| truncated_negative_binomial(&mut rng, n, p0, 1.0 - p0, cap))
            .collect();
        assert!(draws.iter().all(|&d| d <= cap));
        // The exact truncated mean, from the pmf ratios.
        let (mut w, mut sum, mut weighted) = (1.0f64, 0.0, 0.0);
        for x in 0..=cap {
            if x > 0 {
                w *= (n + x - 1) as f64 * p0 / x as f64;
            }
            sum += w;
            weighted += w * x as f64;
        }
        let want = weighted / sum;
        let got = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        assert!((got - want).abs() < 1.0, "{got} vs {want}");
    }
}
