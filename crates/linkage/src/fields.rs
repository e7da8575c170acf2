//! Fellegi–Sunter on the filter's two slots: the candidates' name Dice and
//! date Dice, banded, fitted by EM to a mixture of matches and non-matches.
//! It gives each candidate pair its probability of being a match, which
//! linkage error is carried into the estimate with ([`crate::impute`]).
//!
//! The non-matches are not learnt from the candidates. Among candidates
//! (whole-filter Dice above the floor) a pair with unlike names must have
//! like dates and the other way round, so within the non-match class the
//! two fields are strongly dependent there, and an EM that assumes them
//! independent calls two children born on the same day a sure match.
//! Random pairs of records are almost all non-matches, and there the
//! fields are independent: their per-field distributions, cut to the
//! region the floor lets through, are the non-match class, fixed; EM fits
//! only the matches and their share (as Splink estimates u by sampling).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::clk::{Clk, DATE_SLOT, NAME_SLOT};

/// Bands per field: Dice in steps of 1/20, Dice 1 in a band of its own
/// (a field without error), so 21.
pub const FIELD_BANDS: usize = 21;

/// The band of a field's Dice.
pub fn band(dice: f64) -> usize {
    if dice >= 1.0 - 1e-9 {
        FIELD_BANDS - 1
    } else {
        ((dice.max(0.0) * 20.0) as usize).min(FIELD_BANDS - 2)
    }
}

/// Name and date Dice of two encodings.
pub fn field_dice(a: &Clk, b: &Clk) -> (f64, f64) {
    let dice = |(both, total): (u32, u32)| {
        if total == 0 {
            1.0
        } else {
            2.0 * f64::from(both) / f64::from(total)
        }
    };
    (
        dice(a.slot_counts(b, NAME_SLOT)),
        dice(a.slot_counts(b, DATE_SLOT)),
    )
}

/// The cell of a pair: name band × date band.
pub fn cell(a: &Clk, b: &Clk) -> usize {
    let (n, d) = field_dice(a, b);
    band(n) * FIELD_BANDS + band(d)
}

/// Random pairs sampled for the non-match class: enough that an exact
/// name or date agreement of random records (about 1 in 5,000 for a
/// birth date) is seen a few hundred times.
pub const NONMATCH_SAMPLE: usize = 1_000_000;

/// The non-matches expected among the candidates, per cell, from random
/// pairs of `records`: of all n(n−1)/2 pairs, those whose name band and
/// date band (independent, each band given half a pair so none is
/// impossible) fall in the cell, times the share that reaches `floor` on
/// the whole filter (the candidates' cut). That share pairs the band's own
/// sampled name counts with its own sampled date counts, so a cell on the
/// floor's edge gets the cut its bit counts give. `None` under two records.
pub fn nonmatch_cells(records: &[Clk], floor: f64, seed: u64) -> Option<Vec<f64>> {
    let n = records.len();
    if n < 2 {
        return None;
    }
    let k = FIELD_BANDS;
    let (mut name, mut date) = (vec![0.5; k], vec![0.5; k]);
    // Per band, up to KEEP sampled (shared, total) bit counts of the field.
    const KEEP: usize = 256;
    let mut name_counts: Vec<Vec<(u32, u32)>> = vec![Vec::new(); k];
    let mut date_counts: Vec<Vec<(u32, u32)>> = vec![Vec::new(); k];
    let all_pairs = n as u128 * (n as u128 - 1) / 2;
    let sample = (NONMATCH_SAMPLE as u128).min(all_pairs) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dice = |(both, total): (u32, u32)| {
        if total == 0 {
            1.0
        } else {
            2.0 * f64::from(both) / f64::from(total)
        }
    };
    for _ in 0..sample {
        let a = rng.gen_range(0..n);
        let mut b = rng.gen_range(0..n - 1);
        if b >= a {
            b += 1;
        }
        let nc = records[a].slot_counts(&records[b], NAME_SLOT);
        let dc = records[a].slot_counts(&records[b], DATE_SLOT);
        let (i, j) = (band(dice(nc)), band(dice(dc)));
        name[i] += 1.0;
        date[j] += 1.0;
        if name_counts[i].len() < KEEP {
            name_counts[i].push(nc);
        }
        if date_counts[j].len() < KEEP {
            date_counts[j].push(dc);
        }
    }
    // A band never sampled borrows its neighbours' bit totals at its centre.
    let typical = |counts: &[Vec<(u32, u32)>], b: usize| -> Vec<(u32, u32)> {
        if !counts[b].is_empty() {
            return counts[b].clone();
        }
        let all: Vec<u32> = counts.iter().flatten().map(|c| c.1).collect();
        let total = if all.is_empty() {
            2
        } else {
            (all.iter().map(|&t| u64::from(t)).sum::<u64>() / all.len() as u64).max(2) as u32
        };
        let x = if b == k - 1 {
            1.0
        } else {
            (b as f64 + 0.5) / 20.0
        };
        vec![((x * f64::from(total) / 2.0).round() as u32, total)]
    };
    let mut u = vec![0.0; k * k];
    for i in 0..k {
        let names = typical(&name_counts, i);
        for j in 0..k {
            let dates = typical(&date_counts, j);
            let through = names
                .iter()
                .flat_map(|&(nb, nt)| {
                    dates
                        .iter()
                        .filter(move |&&(db, dt)| dice((nb + db, nt + dt)) >= floor)
                })
                .count();
            let share = through as f64 / (names.len() * dates.len()) as f64;
            u[i * k + j] = name[i] * date[j] * share;
        }
    }
    let all = all_pairs as f64;
    let (sn, sd) = (name.iter().sum::<f64>(), date.iter().sum::<f64>());
    u.iter_mut().for_each(|v| *v *= all / (sn * sd));
    Some(u)
}

/// The fitted model: a match probability per cell.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    /// Share of the candidates that match.
    pub match_share: f64,
    /// Per cell (name band × date band): the probability that a pair there
    /// is one person.
    pub posterior: Vec<f64>,
    pub iterations: usize,
}

/// Fits the model to the candidates' cells by EM; `None` under 20 pairs.
/// Starts from matches near Dice 1 and non-matches lower down, so that the
/// classes cannot swap. With `nonmatch` (from [`nonmatch_cells`]) the
/// non-match class is held at it and only the matches are fitted;
/// without, both classes are fitted, each field independent of the other.
pub fn fit_fields(cells: &[u64], nonmatch: Option<&[f64]>) -> Option<FieldModel> {
    assert_eq!(cells.len(), FIELD_BANDS * FIELD_BANDS);
    let total: u64 = cells.iter().sum();
    if total < 20 {
        return None;
    }
    let k = FIELD_BANDS;
    let x = |b: usize| (b as f64 + 0.5) / 20.0;
    let start = |rising: bool| -> Vec<f64> {
        let w: Vec<f64> = (0..k)
            .map(|b| (if rising { 12.0 } else { -12.0 } * x(b)).exp())
            .collect();
        let s: f64 = w.iter().sum();
        w.into_iter().map(|v| v / s).collect()
    };
    let (mut m_name, mut m_date) = (start(true), start(true));
    let (mut u_name, mut u_date) = (start(false), start(false));
    let mut p = 0.1;
    let mut posterior = vec![0.0; k * k];
    let mut iterations = 0;
    let mut last = f64::NEG_INFINITY;
    // No band of a class is ever quite impossible.
    let floor = 1e-9;
    for it in 1..=2000 {
        iterations = it;
        let mut loglik = 0.0;
        for i in 0..k {
            for j in 0..k {
                // Held non-matches are expected pair counts, so the matches
                // are counted too: their share of the candidates is free.
                let (m, u) = match nonmatch {
                    Some(e) => (p * total as f64 * m_name[i] * m_date[j], e[i * k + j]),
                    None => (p * m_name[i] * m_date[j], (1.0 - p) * u_name[i] * u_date[j]),
                };
                posterior[i * k + j] = if m + u > 0.0 { m / (m + u) } else { 0.0 };
                let c = cells[i * k + j] as f64;
                if c > 0.0 {
                    loglik += c * (m + u).max(f64::MIN_POSITIVE).ln();
                }
                if nonmatch.is_some() {
                    // Poisson counts: the expected total enters too.
                    loglik -= m + u;
                }
            }
        }
        let (mut mn, mut md, mut un, mut ud) = (
            vec![floor; k],
            vec![floor; k],
            vec![floor; k],
            vec![floor; k],
        );
        let mut matched = 0.0;
        for i in 0..k {
            for j in 0..k {
                let c = cells[i * k + j] as f64;
                let g = posterior[i * k + j];
                mn[i] += c * g;
                md[j] += c * g;
                un[i] += c * (1.0 - g);
                ud[j] += c * (1.0 - g);
                matched += c * g;
            }
        }
        let norm = |v: &mut Vec<f64>| {
            let s: f64 = v.iter().sum();
            v.iter_mut().for_each(|x| *x /= s);
        };
        for v in [&mut mn, &mut md, &mut un, &mut ud] {
            norm(v);
        }
        (m_name, m_date, u_name, u_date) = (mn, md, un, ud);
        p = (matched / total as f64).clamp(1e-9, 1.0 - 1e-9);
        if (loglik - last).abs() <= 1e-10 * loglik.abs() {
            break;
        }
        last = loglik;
    }
    Some(FieldModel {
        match_share: p,
        posterior,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn bands_keep_exact_agreement_apart() {
        assert_eq!(band(1.0), FIELD_BANDS - 1);
        assert_eq!(band(0.999), FIELD_BANDS - 2);
        assert_eq!(band(0.0), 0);
        assert_eq!(band(0.52), 10);
    }

    #[test]
    fn em_recovers_the_match_probability_of_independent_fields() {
        // Matches agree on each field exactly 80% of the time, else a band
        // or two lower; non-matches spread over the lower half and agree on
        // one field exactly 10% of the time, never on both.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut cells = vec![0u64; FIELD_BANDS * FIELD_BANDS];
        let field = |rng: &mut ChaCha8Rng, matched: bool| -> usize {
            if matched {
                if rng.gen_bool(0.8) {
                    20
                } else {
                    rng.gen_range(16..20)
                }
            } else if rng.gen_bool(0.1) {
                20
            } else {
                rng.gen_range(6..17)
            }
        };
        let (mut true_in, mut all_in) = (0u64, 0u64);
        for _ in 0..50_000 {
            let matched = rng.gen_bool(0.2);
            let (i, j) = (field(&mut rng, matched), field(&mut rng, matched));
            cells[i * FIELD_BANDS + j] += 1;
            // The cell of a name error with the date exact.
            if i == 18 && j == 20 {
                all_in += 1;
                true_in += u64::from(matched);
            }
        }
        let model = fit_fields(&cells, None).unwrap();
        assert!((model.match_share - 0.2).abs() < 0.02, "{model:?}");
        let want = true_in as f64 / all_in as f64;
        let got = model.posterior[18 * FIELD_BANDS + 20];
        assert!((got - want).abs() < 0.05, "{got} vs {want}");
        // Both exact: 0.2 × 0.64 matches against 0.8 × 0.01 non-matches.
        assert!((model.posterior[FIELD_BANDS * FIELD_BANDS - 1] - 0.941).abs() < 0.02);
        assert!(model.posterior[8 * FIELD_BANDS + 8] < 0.01);
    }

    #[test]
    fn held_non_matches_keep_a_same_day_pair_with_unlike_names_unlikely() {
        // In the space of all pairs the fields are independent in each
        // class; candidates are the pairs whose mix 0.7·name + 0.3·date
        // reaches 0.6. Non-matches: name Dice around 0.3, the date exact
        // one time in 50. Matches: both fields high, the name low (a
        // changed surname) one time in 20.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let k = FIELD_BANDS;
        let centre = |b: usize| {
            if b == k - 1 {
                1.0
            } else {
                (b as f64 + 0.5) / 20.0
            }
        };
        let name_u = |rng: &mut ChaCha8Rng| rng.gen_range(2..12);
        let date_u = |rng: &mut ChaCha8Rng| {
            if rng.gen_bool(0.02) {
                20
            } else {
                rng.gen_range(4..14)
            }
        };
        let name_m = |rng: &mut ChaCha8Rng| {
            if rng.gen_bool(0.05) {
                rng.gen_range(4..10)
            } else {
                rng.gen_range(16..21)
            }
        };
        let date_m = |rng: &mut ChaCha8Rng| {
            if rng.gen_bool(0.85) {
                20
            } else {
                rng.gen_range(12..20)
            }
        };
        let through = |i: usize, j: usize| 0.7 * centre(i) + 0.3 * centre(j) >= 0.6;
        let (mut cells, mut truth) = (vec![0u64; k * k], vec![(0u64, 0u64); k * k]);
        let mut u_name = vec![0.0; k];
        let mut u_date = vec![0.0; k];
        let non_matches = 2_000_000;
        for _ in 0..non_matches {
            let (i, j) = (name_u(&mut rng), date_u(&mut rng));
            u_name[i] += 1.0;
            u_date[j] += 1.0;
            if through(i, j) {
                cells[i * k + j] += 1;
                truth[i * k + j].0 += 1;
            }
        }
        for _ in 0..5_000 {
            let (i, j) = (name_m(&mut rng), date_m(&mut rng));
            if through(i, j) {
                cells[i * k + j] += 1;
                truth[i * k + j].1 += 1;
            }
        }
        let n = non_matches as f64;
        let held: Vec<f64> = (0..k * k)
            .map(|c| {
                let (i, j) = (c / k, c % k);
                if through(i, j) {
                    u_name[i] * u_date[j] / n
                } else {
                    0.0
                }
            })
            .collect();
        let cell = 9 * k + 20;
        let (u, m) = truth[cell];
        let want = m as f64 / (m + u) as f64;
        let fitted = fit_fields(&cells, Some(&held)).unwrap().posterior[cell];
        assert!((fitted - want).abs() < 0.1, "held: {fitted} against {want}");
        // Learnt from the candidates alone, the non-matches' fields look
        // dependent, and the same cell reads as a sure match.
        let free = fit_fields(&cells, None).unwrap().posterior[cell];
        assert!(free > want + 0.2, "free: {free} against {want}");
    }
}
