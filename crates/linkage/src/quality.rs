//! How good a linkage is, without the truth: a two-component mixture fitted
//! by EM to the Dice of the candidate pairs, read as the share of linked
//! pairs that are false and the share of matching pairs left unlinked.

/// Width of a bin of the Dice histogram the mixture is fitted to.
pub const BIN_WIDTH: f64 = 0.005;

/// Candidate pairs by Dice in bins of [`BIN_WIDTH`] from `floor` up; the
/// last bin holds Dice 1.
#[derive(Debug, Clone, PartialEq)]
pub struct DiceHistogram {
    pub floor: f64,
    pub counts: Vec<u64>,
}

impl DiceHistogram {
    pub fn new(floor: f64) -> DiceHistogram {
        let bins = ((1.0 - floor) / BIN_WIDTH).round() as usize + 1;
        DiceHistogram {
            floor,
            counts: vec![0; bins],
        }
    }

    pub fn add(&mut self, dice: f64) {
        let at = ((dice - self.floor) / BIN_WIDTH).floor().max(0.0) as usize;
        let last = self.counts.len() - 1;
        self.counts[at.min(last)] += 1;
    }

    /// Adds another histogram of the same floor (another stratum).
    pub fn merge(&mut self, other: &DiceHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    fn lower(&self, bin: usize) -> f64 {
        self.floor + bin as f64 * BIN_WIDTH
    }

    fn centre(&self, bin: usize) -> f64 {
        (self.lower(bin) + BIN_WIDTH / 2.0).min(1.0)
    }
}

/// One component: an exponential fall-off from one end of the Dice range.
/// Non-matches are most common at the floor and thin out upwards (chance
/// agreement on more and more tokens); matches are most common at Dice 1
/// and thin out downwards (one error, then two).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component {
    /// Share of the candidate pairs.
    pub weight: f64,
    /// Mean distance in Dice from the component's end (the floor or 1).
    pub scale: f64,
}

impl Component {
    fn density(&self, distance: f64) -> f64 {
        self.weight * (-distance / self.scale).exp() / self.scale
    }
}

/// The fitted mixture of matching and non-matching pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    pub matches: Component,
    pub non_matches: Component,
    pub iterations: usize,
    /// Per bin of the histogram: the probability that a pair there matches.
    posterior: Vec<f64>,
    histogram: DiceHistogram,
}

/// Fits the mixture by EM (the range, 1 − floor, is taken as long beside
/// the scales, so the truncation of each exponential is left out). `None`
/// when there are too few pairs (under 20) to tell two groups apart.
pub fn fit_mixture(histogram: &DiceHistogram) -> Option<Mixture> {
    let total: u64 = histogram.counts.iter().sum();
    if total < 20 {
        return None;
    }
    let bins = histogram.counts.len();
    let up: Vec<f64> = (0..bins)
        .map(|b| histogram.centre(b) - histogram.floor)
        .collect();
    let down: Vec<f64> = (0..bins).map(|b| 1.0 - histogram.centre(b)).collect();
    let c: Vec<f64> = histogram.counts.iter().map(|&n| n as f64).collect();
    let range = 1.0 - histogram.floor;
    let mut m = Component {
        weight: 0.5,
        scale: range / 4.0,
    };
    let mut u = m;
    // No component narrower than half a bin.
    let min_scale = BIN_WIDTH / 2.0;
    let mut posterior = vec![0.0; bins];
    let mut iterations = 0;
    let mut last = f64::NEG_INFINITY;
    for it in 1..=1000 {
        iterations = it;
        let mut loglik = 0.0;
        for b in 0..bins {
            let (dm, du) = (m.density(down[b]), u.density(up[b]));
            posterior[b] = if dm + du > 0.0 {
                dm / (dm + du)
            } else {
                f64::from(u8::from(down[b] < up[b]))
            };
            loglik += c[b] * (dm + du).max(f64::MIN_POSITIVE).ln();
        }
        let update = |w: &dyn Fn(usize) -> f64, distance: &[f64]| {
            let n: f64 = (0..bins).map(|b| c[b] * w(b)).sum();
            let mean = (0..bins).map(|b| c[b] * w(b) * distance[b]).sum::<f64>() / n.max(1e-12);
            Component {
                weight: n / total as f64,
                scale: mean.max(min_scale),
            }
        };
        m = update(&|b| posterior[b], &down);
        u = update(&|b| 1.0 - posterior[b], &up);
        if (loglik - last).abs() < 1e-10 * loglik.abs() {
            break;
        }
        last = loglik;
    }
    Some(Mixture {
        matches: m,
        non_matches: u,
        iterations,
        posterior,
        histogram: histogram.clone(),
    })
}

/// The mixture's reading of a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRates {
    pub threshold: f64,
    /// Estimated share of the pairs at or above the threshold that do not match.
    pub false_match: f64,
    /// Estimated share of the matching pairs that fall below the threshold
    /// (among the candidates: pairs that blocking never compared, or under
    /// the floor, are not counted).
    pub missed_match: f64,
}

impl Mixture {
    pub fn error_rates(&self, threshold: f64) -> ErrorRates {
        let (mut above, mut false_above, mut matches, mut missed) = (0.0, 0.0, 0.0, 0.0);
        for (b, &n) in self.histogram.counts.iter().enumerate() {
            let n = n as f64;
            let p = self.posterior[b];
            matches += n * p;
            // A bin counts as above when its lower edge is (the bins are
            // narrow beside the thresholds' steps).
            if self.histogram.lower(b) >= threshold - 1e-9 {
                above += n;
                false_above += n * (1.0 - p);
            } else {
                missed += n * p;
            }
        }
        ErrorRates {
            threshold,
            false_match: if above > 0.0 {
                false_above / above
            } else {
                0.0
            },
            missed_match: if matches > 0.0 { missed / matches } else { 0.0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn the_mixture_recovers_the_rates_of_two_known_groups() {
        // Non-matches fall off from the floor, matches from 1, each
        // exponentially: the truth is known, so the rates can be checked.
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut h = DiceHistogram::new(0.6);
        let (mut true_above, mut false_above, mut missed) = (0u64, 0u64, 0u64);
        let (t, matches) = (0.82, 20_000u64);
        for _ in 0..60_000 {
            let d: f64 = 0.6 - 0.04 * rng.gen::<f64>().ln();
            if d > 1.0 {
                continue;
            }
            h.add(d);
            false_above += u64::from(d >= t);
        }
        for _ in 0..matches {
            let d = (1.0 + 0.05 * rng.gen::<f64>().ln()).max(0.6);
            h.add(d);
            true_above += u64::from(d >= t);
            missed += u64::from(d < t);
        }
        let mix = fit_mixture(&h).unwrap();
        let r = mix.error_rates(t);
        let false_rate = false_above as f64 / (false_above + true_above) as f64;
        assert!(false_rate > 0.001 && missed > 100, "the groups overlap");
        let missed_rate = missed as f64 / matches as f64;
        assert!((mix.matches.weight - 0.25).abs() < 0.05, "{mix:?}");
        assert!(
            (r.false_match / false_rate - 1.0).abs() < 0.25,
            "{r:?} vs {false_rate}"
        );
        assert!(
            (r.missed_match / missed_rate - 1.0).abs() < 0.25,
            "{r:?} vs {missed_rate}"
        );
        // Stricter thresholds link fewer false pairs and miss more.
        let strict = mix.error_rates(0.9);
        assert!(strict.false_match < r.false_match && strict.missed_match > r.missed_match);
    }

    #[test]
    fn too_few_pairs_give_no_mixture() {
        let mut h = DiceHistogram::new(0.6);
        for _ in 0..5 {
            h.add(0.9);
        }
        assert!(fit_mixture(&h).is_none());
        h.add(1.0);
        assert_eq!(*h.counts.last().unwrap(), 1);
    }
}
