//! Fellegi–Sunter on the filter's two slots: the candidates' name Dice and
//! date Dice, banded, fitted by EM to a mixture of matches and non-matches
//! that agree on each field independently within their class. It gives
//! each candidate pair its probability of being a match, which linkage
//! error is carried into the estimate with ([`crate::impute`]), and the
//! expected false and missed links of a clustering.

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
/// classes cannot swap.
pub fn fit_fields(cells: &[u64]) -> Option<FieldModel> {
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
                let m = p * m_name[i] * m_date[j];
                let u = (1.0 - p) * u_name[i] * u_date[j];
                posterior[i * k + j] = if m + u > 0.0 { m / (m + u) } else { 0.0 };
                let c = cells[i * k + j] as f64;
                if c > 0.0 {
                    loglik += c * (m + u).max(f64::MIN_POSITIVE).ln();
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
        let model = fit_fields(&cells).unwrap();
        assert!((model.match_share - 0.2).abs() < 0.02, "{model:?}");
        let want = true_in as f64 / all_in as f64;
        let got = model.posterior[18 * FIELD_BANDS + 20];
        assert!((got - want).abs() < 0.05, "{got} vs {want}");
        // Both exact: 0.2 × 0.64 matches against 0.8 × 0.01 non-matches.
        assert!((model.posterior[FIELD_BANDS * FIELD_BANDS - 1] - 0.941).abs() < 0.02);
        assert!(model.posterior[8 * FIELD_BANDS + 8] < 0.01);
    }
}
