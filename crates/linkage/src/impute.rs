//! Linkage error carried into the estimate: multiple imputation of the
//! link decisions. Each candidate pair is linked with its probability of
//! being one person (the field model, [`crate::fit_fields`]), the draws are
//! clustered one-to-one, and each imputation's capture histories are
//! estimated; Rubin's rules pool the estimates, so that the interval holds
//! the linkage's uncertainty beside the sampling's, and the estimate is
//! not the one of a single threshold's missed and false links.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use zicht_estimate::{estimate, Options};

use crate::clk::Clk;
use crate::fields::{cell, fit_fields, nonmatch_cells, FieldModel, FIELD_BANDS};
use crate::link::{histories, Candidate, Histories};
use crate::sensitivity::capture_histories;

/// How many imputations, and the seed of their draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImputeOptions {
    pub imputations: usize,
    pub seed: u64,
}

impl Default for ImputeOptions {
    fn default() -> Self {
        ImputeOptions {
            imputations: 20,
            seed: 13,
        }
    }
}

/// The field model fitted to the candidates, and each candidate's match
/// probability under it; `None` under 20 candidates. `floor` is the
/// whole-filter Dice the candidates were cut at, `seed` that of the
/// random pairs that give the non-match class.
pub fn pair_probabilities(
    records: &[Clk],
    pairs: &[Candidate],
    floor: f64,
    seed: u64,
) -> Option<(FieldModel, Vec<f64>)> {
    let cells: Vec<usize> = pairs
        .iter()
        .map(|p| cell(&records[p.a as usize], &records[p.b as usize]))
        .collect();
    let mut table = vec![0u64; FIELD_BANDS * FIELD_BANDS];
    for &c in &cells {
        table[c] += 1;
    }
    let nonmatch = nonmatch_cells(records, floor, seed);
    let model = fit_fields(&table, nonmatch.as_deref())?;
    let probabilities = cells.iter().map(|&c| model.posterior[c]).collect();
    Some((model, probabilities))
}

/// Clusters the pairs taken, in their order (descending Dice), one record
/// per list per person except duplicates within a list; no threshold, the
/// draw has decided.
fn cluster_taken(list_of: &[u16], pairs: &[Candidate], taken: &[bool]) -> Vec<u32> {
    let n = list_of.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut mask: Vec<u64> = list_of.iter().map(|&l| 1u64 << l).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for (p, _) in pairs.iter().zip(taken).filter(|(_, &t)| t) {
        let (ra, rb) = (find(&mut parent, p.a), find(&mut parent, p.b));
        if ra == rb {
            continue;
        }
        let shared = mask[ra as usize] & mask[rb as usize];
        let (la, lb) = (list_of[p.a as usize], list_of[p.b as usize]);
        let allowed = if la == lb {
            shared == 1u64 << la
        } else {
            shared == 0
        };
        if allowed {
            parent[rb as usize] = ra;
            mask[ra as usize] |= mask[rb as usize];
        }
    }
    (0..n as u32).map(|i| find(&mut parent, i)).collect()
}

/// The capture histories of each imputation.
pub fn imputed_histories(
    list_of: &[u16],
    pairs: &[Candidate],
    probabilities: &[f64],
    opts: &ImputeOptions,
) -> Vec<Histories> {
    assert_eq!(pairs.len(), probabilities.len());
    (0..opts.imputations)
        .into_par_iter()
        .map(|m| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(m as u64));
            let taken: Vec<bool> = probabilities
                .iter()
                .map(|&p| rng.gen::<f64>() < p)
                .collect();
            let roots = cluster_taken(list_of, pairs, &taken);
            histories(&renumber(&roots), list_of)
        })
        .collect()
}

fn renumber(roots: &[u32]) -> Vec<u32> {
    let mut number = vec![u32::MAX; roots.len()];
    let mut next = 0;
    roots
        .iter()
        .map(|&r| {
            if number[r as usize] == u32::MAX {
                number[r as usize] = next;
                next += 1;
            }
            number[r as usize]
        })
        .collect()
}

/// The estimate pooled over the imputations by Rubin's rules, on the log
/// scale the interval of `zicht-estimate` is made on: the mean of the log
/// estimates, and as variance the mean within-imputation variance (read
/// from each 95% interval) plus (1 + 1/M) times the variance between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// Share of the total variance that is the linkage's (between
    /// imputations).
    pub linkage_share: f64,
    pub imputations: usize,
}

pub fn pooled_estimate(
    lists: &[String],
    imputations: &[Histories],
    opts: &Options,
) -> Result<Pooled, String> {
    let z = 1.959_963_984_540_054;
    let mut logs = Vec::with_capacity(imputations.len());
    let mut within = Vec::with_capacity(imputations.len());
    for h in imputations {
        let r = capture_histories(lists, h)
            .and_then(|data| estimate(&data, opts))
            .map_err(|e| e.to_string())?;
        let (Some(lo), Some(hi)) = (r.ci_lower, r.ci_upper) else {
            return Err("an imputation's estimate has an open interval".into());
        };
        logs.push(r.estimate.ln());
        within.push(((hi.ln() - lo.ln()) / (2.0 * z)).powi(2));
    }
    let m = logs.len();
    if m < 2 {
        return Err("pooling needs two imputations or more".into());
    }
    let (mean, total, between) = rubin(&logs, &within);
    Ok(Pooled {
        estimate: mean.exp(),
        lower: (mean - z * total.sqrt()).exp(),
        upper: (mean + z * total.sqrt()).exp(),
        linkage_share: if total > 0.0 { between / total } else { 0.0 },
        imputations: m,
    })
}

/// Rubin's rules: the mean of the estimates, the total variance (mean
/// within plus (1 + 1/M) × between), and the between part of it.
fn rubin(estimates: &[f64], within: &[f64]) -> (f64, f64, f64) {
    let m = estimates.len() as f64;
    let mean = estimates.iter().sum::<f64>() / m;
    let w = within.iter().sum::<f64>() / m;
    let b = estimates.iter().map(|q| (q - mean).powi(2)).sum::<f64>() / (m - 1.0);
    let between = (1.0 + 1.0 / m) * b;
    (mean, w + between, between)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_is_linked_as_often_as_it_is_likely() {
        // A0–B0 surely one person, A1–B1 one in two.
        let list_of = [0, 0, 1, 1];
        let pairs = [
            Candidate {
                a: 0,
                b: 2,
                dice: 0.95,
            },
            Candidate {
                a: 1,
                b: 3,
                dice: 0.8,
            },
        ];
        let imputed = imputed_histories(
            &list_of,
            &pairs,
            &[1.0, 0.5],
            &ImputeOptions {
                imputations: 400,
                seed: 1,
            },
        );
        let split = imputed.iter().filter(|h| h.observed() == 3).count();
        assert!(imputed.iter().all(|h| matches!(h.observed(), 2 | 3)));
        assert!((150..250).contains(&split), "{split} of 400");
    }

    #[test]
    fn rubin_adds_the_spread_between_imputations() {
        let (mean, total, between) = rubin(&[1.0, 3.0], &[0.5, 1.5]);
        assert_eq!(mean, 2.0);
        // within 1.0; between (1 + 1/2) × 2 = 3.
        assert!((between - 3.0).abs() < 1e-12 && (total - 4.0).abs() < 1e-12);
        let (_, same, none) = rubin(&[2.0, 2.0], &[1.0, 1.0]);
        assert!(none == 0.0 && (same - 1.0).abs() < 1e-12);
    }
}
