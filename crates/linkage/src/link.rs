//! Encodings of several lists → candidate pairs (blocking) → clusters
//! (one-to-one across lists, duplicates within a list merged) → capture
//! histories.

use std::collections::BTreeMap;

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::clk::{Clk, DATE_SLOT, FILTER_BITS};
use crate::quality::DiceHistogram;

/// Dice at or above which two encodings are taken for the same person,
/// chosen on the generator's error rates (see ARCHITECTURE.md, "Linkage encoding").
pub const DEFAULT_THRESHOLD: f64 = 0.82;

/// How to link.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Dice at or above which two records are the same person.
    pub threshold: f64,
    /// The stricter and looser thresholds are `threshold ± step`.
    pub step: f64,
    /// Pairs below this Dice are neither kept nor reported.
    pub floor: f64,
    /// Hamming-LSH bands: two records are compared when they agree on every
    /// sampled bit of at least one band.
    pub bands: usize,
    /// Bits sampled per band (at most 32).
    pub band_bits: usize,
    /// Seed of the sampled bits; linkage is the same for the same seed.
    pub seed: u64,
    /// Imputations of the link decisions, for the estimate with linkage
    /// error in its interval.
    pub imputation: crate::ImputeOptions,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            threshold: DEFAULT_THRESHOLD,
            step: 0.03,
            floor: 0.6,
            bands: 32,
            band_bits: 28,
            seed: 20_241_113,
            imputation: crate::ImputeOptions::default(),
        }
    }
}

/// Two records (indices into the pooled records) and their Dice; `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub dice: f32,
}

/// Set bits a band's key needs before its records are compared.
const MIN_KEY_ONES: u32 = 3;

/// The band masks: bit positions sampled per band, as whole-filter masks so
/// that "agree on every sampled bit" is `(x ^ y) & mask == 0`.
fn band_masks(opts: &LinkOptions) -> Vec<(Vec<u16>, Clk)> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    (0..opts.bands)
        .map(|_| {
            let positions: Vec<u16> = sample(&mut rng, FILTER_BITS, opts.band_bits.min(32))
                .into_iter()
                .map(|p| p as u16)
                .collect();
            let mut mask = Clk::default();
            for &p in &positions {
                mask.set(p as usize);
            }
            (positions, mask)
        })
        .collect()
}

/// Whether a band compares the two records: they agree on its bits and
/// their key has enough set bits.
fn compared_in(x: &Clk, y: &Clk, mask: &Clk) -> bool {
    x.0.iter()
        .zip(&y.0)
        .zip(&mask.0)
        .all(|((a, b), m)| (a ^ b) & m == 0)
        && x.0
            .iter()
            .zip(&mask.0)
            .map(|(a, m)| (a & m).count_ones())
            .sum::<u32>()
            >= MIN_KEY_ONES
}

/// Puts equal keys (the bits above 32) next to each other: an LSD radix
/// sort on the key bytes, several times faster than a comparison sort here,
/// where the sort is most of the blocking's time.
fn group_by_key(keyed: &mut Vec<u64>, key_bits: usize) {
    let mut buffer = vec![0u64; keyed.len()];
    let mut shift = 32;
    while shift < 32 + key_bits {
        let mut counts = [0usize; 257];
        for &x in keyed.iter() {
            counts[((x >> shift) & 0xff) as usize + 1] += 1;
        }
        for i in 1..257 {
            counts[i] += counts[i - 1];
        }
        for &x in keyed.iter() {
            let b = ((x >> shift) & 0xff) as usize;
            buffer[counts[b]] = x;
            counts[b] += 1;
        }
        std::mem::swap(keyed, &mut buffer);
        shift += 8;
    }
}

/// Every pair of records that shares a band and has Dice ≥ `opts.floor`,
/// each pair once, sorted by descending Dice (ties by index).
pub fn candidates(records: &[Clk], opts: &LinkOptions) -> Vec<Candidate> {
    assert!(records.len() < u32::MAX as usize, "too many records");
    let ones: Vec<u32> = records.par_iter().map(Clk::count_ones).collect();
    let bands = band_masks(opts);
    let floor = opts.floor as f32;
    let mut found: Vec<Candidate> = bands
        .par_iter()
        .enumerate()
        .flat_map_iter(|(t, (positions, _))| {
            let mut keyed: Vec<u64> = records
                .iter()
                .enumerate()
                .map(|(i, clk)| {
                    let mut key = 0u64;
                    for &p in positions {
                        key = key << 1 | u64::from(clk.get(p as usize));
                    }
                    key << 32 | i as u64
                })
                .collect();
            group_by_key(&mut keyed, positions.len());
            let mut out = Vec::new();
            let mut start = 0;
            while start < keyed.len() {
                let key = keyed[start] >> 32;
                let mut end = start + 1;
                while end < keyed.len() && keyed[end] >> 32 == key {
                    end += 1;
                }
                // The filters are mostly zeros, so keys with almost no set
                // bit gather most records and few matches: agreeing on
                // zeros says little. Skipping them costs a match a few
                // percent of its chance per band, which other bands repay.
                if key.count_ones() < MIN_KEY_ONES {
                    start = end;
                    continue;
                }
                for x in start..end {
                    let i = (keyed[x] & 0xffff_ffff) as usize;
                    for &y in &keyed[x + 1..end] {
                        let j = (y & 0xffff_ffff) as usize;
                        let d = records[i].dice_with(ones[i], &records[j], ones[j]);
                        // A pair is kept by the first band it shares, so that
                        // no pair is held once per band.
                        if d >= floor
                            && !bands[..t]
                                .iter()
                                .any(|(_, m)| compared_in(&records[i], &records[j], m))
                        {
                            out.push(Candidate {
                                a: i as u32,
                                b: j as u32,
                                dice: d,
                            });
                        }
                    }
                }
                start = end;
            }
            out
        })
        .collect();
    let shared_date = same_date_pairs(records, &ones, floor);
    if !shared_date.is_empty() {
        found.extend(shared_date);
        found.par_sort_unstable_by_key(|c| (c.a, c.b));
        found.dedup_by_key(|c| (c.a, c.b));
    }
    found.par_sort_unstable_by(|x, y| {
        y.dice
            .total_cmp(&x.dice)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    found
}

/// A birth-date group this large says little about who is who (a date
/// part missing in bulk); its pairs are left to the bit bands.
const MAX_DATE_GROUP: usize = 4_096;

/// The pairs with the very same date slot (birth date and sex) and Dice ≥
/// `floor`. The bit bands miss a child whose surname changed (marriage,
/// another parent's name): half the name bits differ, so few bands agree,
/// yet such a pair is a match the field model can weigh. Children sharing
/// a birth date are about n²/13,000 pairs, a few seconds at two million
/// records.
fn same_date_pairs(records: &[Clk], ones: &[u32], floor: f32) -> Vec<Candidate> {
    let date_words = DATE_SLOT.start / 64..(DATE_SLOT.start + DATE_SLOT.len) / 64;
    let mut order: Vec<u32> = (0..records.len() as u32).collect();
    let key = |i: u32| &records[i as usize].0[date_words.clone()];
    order.par_sort_unstable_by(|&x, &y| key(x).cmp(key(y)).then(x.cmp(&y)));
    let mut groups = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && key(order[end]) == key(order[start]) {
            end += 1;
        }
        if end - start > 1 && end - start <= MAX_DATE_GROUP {
            groups.push(start..end);
        }
        start = end;
    }
    groups
        .par_iter()
        .flat_map_iter(|g| {
            let group = &order[g.clone()];
            let mut out = Vec::new();
            for (x, &i) in group.iter().enumerate() {
                for &j in &group[x + 1..] {
                    let (i, j) = (i as usize, j as usize);
                    let d = records[i].dice_with(ones[i], &records[j], ones[j]);
                    if d >= floor {
                        out.push(Candidate {
                            a: i as u32,
                            b: j as u32,
                            dice: d,
                        });
                    }
                }
            }
            out
        })
        .collect()
}

/// How two records' birth dates (and sex) agree, read from the date slot of
/// their encodings: what their Dice is read against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateAgreement {
    /// The same birth date and sex.
    Exact,
    /// The pattern of one date error: day and month swapped, or a part
    /// missing on one side.
    Error,
    /// Anything else: another day or month, another sex.
    Other,
}

/// Date-slot Dice of a day/month swap or of a missing part lies in this
/// range (about 0.72, spread to 0.69–0.85 by the slot's collisions, on the
/// generator's records); another day of the same month (about 0.55–0.68)
/// and another sex (about 0.93) do not.
const DATE_ERROR_RANGE: std::ops::Range<f64> = 0.69..0.85;

pub fn date_agreement(a: &Clk, b: &Clk) -> DateAgreement {
    let (both, total) = a.slot_counts(b, DATE_SLOT);
    let dice = if total == 0 {
        1.0
    } else {
        2.0 * f64::from(both) / f64::from(total)
    };
    if dice >= 1.0 - 1e-9 {
        DateAgreement::Exact
    } else if DATE_ERROR_RANGE.contains(&dice) {
        DateAgreement::Error
    } else {
        DateAgreement::Other
    }
}

/// The Dice a pair needs at the base threshold `t` (see ARCHITECTURE.md,
/// "Linkage encoding"). At one Dice, a pair whose dates agree exactly
/// disagrees more on the name than a pair with a date error, and the
/// look-alikes that remain (a shared surname and birth date) are of that
/// kind: exact dates need `t + 0.02`, a date error `t − 0.04`, anything
/// else `t + 0.04`. A pair within one list is a duplicate only at
/// `t + 0.06` or more, as few records are duplicates (2% in the generator)
/// while near neighbours within a list are as many as across lists.
pub fn pair_threshold(t: f64, agreement: DateAgreement, same_list: bool) -> f64 {
    let by_date = match agreement {
        DateAgreement::Exact => t + 0.02,
        DateAgreement::Error => t - 0.04,
        DateAgreement::Other => t + 0.04,
    };
    if same_list {
        by_date.max(t + 0.06)
    } else {
        by_date
    }
}

/// The lowest Dice any pair can be linked at, at base threshold `t`.
pub fn lowest_threshold(t: f64) -> f64 {
    t - 0.04
}

/// Clusters at base threshold `threshold`: pairs are taken by descending
/// Dice, each against its own threshold ([`pair_threshold`]), and two
/// clusters merge when
/// - they hold no record of the same list (one-to-one between lists), except
///   that a pair within one list (a duplicate) may join two clusters that
///   share only that list; and
/// - the mean Dice over all their cross pairs is at least the lowest
///   threshold, so a chain A↔B, B↔C with A≁C does not make one person of
///   three.
///
/// Returns a cluster number per record, numbered by first record.
pub fn cluster(records: &[Clk], list_of: &[u16], pairs: &[Candidate], threshold: f64) -> Vec<u32> {
    let n = records.len();
    assert_eq!(n, list_of.len());
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut mask: Vec<u64> = list_of.iter().map(|&l| 1u64 << l).collect();
    // Members of clusters larger than one, by root.
    let mut members: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    let lowest = lowest_threshold(threshold);
    for p in pairs {
        if f64::from(p.dice) < lowest - 1e-6 {
            break;
        }
        let (ra, rb) = (find(&mut parent, p.a), find(&mut parent, p.b));
        if ra == rb {
            continue;
        }
        let (x, y) = (&records[p.a as usize], &records[p.b as usize]);
        let needed = pair_threshold(
            threshold,
            date_agreement(x, y),
            list_of[p.a as usize] == list_of[p.b as usize],
        );
        if f64::from(p.dice) < needed - 1e-6 {
            continue;
        }
        let shared = mask[ra as usize] & mask[rb as usize];
        let own = 1u64 << list_of[p.a as usize];
        let allowed = if list_of[p.a as usize] == list_of[p.b as usize] {
            shared == own
        } else {
            shared == 0
        };
        if !allowed {
            continue;
        }
        let xa = members.get(&ra).cloned().unwrap_or_else(|| vec![ra]);
        let xb = members.get(&rb).cloned().unwrap_or_else(|| vec![rb]);
        if xa.len() * xb.len() > 1 {
            let total: f64 = xa
                .iter()
                .flat_map(|&i| xb.iter().map(move |&j| (i, j)))
                .map(|(i, j)| records[i as usize].dice(&records[j as usize]))
                .sum();
            if total / ((xa.len() * xb.len()) as f64) < lowest {
                continue;
            }
        }
        let (root, child) = if xa.len() >= xb.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        parent[child as usize] = root;
        mask[root as usize] |= mask[child as usize];
        members.remove(&ra);
        members.remove(&rb);
        let mut all = xa;
        all.extend(xb);
        members.insert(root, all);
    }
    let mut number: Vec<u32> = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut out = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let r = find(&mut parent, i) as usize;
        if number[r] == u32::MAX {
            number[r] = next;
            next += 1;
        }
        out.push(number[r]);
    }
    out
}

/// Capture histories: for each pattern of lists (bit `l` set when the person
/// is on list `l`), how many people.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histories {
    pub counts: BTreeMap<u64, u64>,
}

impl Histories {
    pub fn observed(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The histories of a clustering: a person is on a list when any record of
/// their cluster is, however many.
pub fn histories(cluster_of: &[u32], list_of: &[u16]) -> Histories {
    let clusters = cluster_of
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut pattern = vec![0u64; clusters];
    for (&c, &l) in cluster_of.iter().zip(list_of) {
        pattern[c as usize] |= 1 << l;
    }
    let mut h = Histories::default();
    for p in pattern {
        *h.counts.entry(p).or_default() += 1;
    }
    h
}

/// How many candidate pairs fell in `[lower, upper)` (the top band includes 1).
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarityBand {
    pub lower: f64,
    pub upper: f64,
    pub pairs: u64,
}

/// The result of linking one set of lists.
#[derive(Debug, Clone)]
pub struct Linked {
    /// Cluster number of each record, per list, at the chosen threshold.
    pub cluster_of: Vec<Vec<u32>>,
    pub clusters: usize,
    /// Histories at the stricter, the chosen and the looser threshold.
    pub histories: [(f64, Histories); 3],
    pub bands: Vec<SimilarityBand>,
    /// The candidates' Dice in fine bins, for [`crate::fit_mixture`].
    pub dice_histogram: DiceHistogram,
    /// Histories of each imputation of the link decisions
    /// ([`crate::imputed_histories`]); empty when the field model could not
    /// be fitted (too few candidates).
    pub imputed: Vec<Histories>,
}

const BAND_EDGES: &[f64] = &[0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0];

/// Links the lists (at most 64): candidates once, then clusters at the three
/// thresholds.
pub fn link(lists: &[Vec<Clk>], opts: &LinkOptions) -> Linked {
    assert!(lists.len() <= 64, "at most 64 lists");
    let records: Vec<Clk> = lists.iter().flatten().cloned().collect();
    let list_of: Vec<u16> = lists
        .iter()
        .enumerate()
        .flat_map(|(l, v)| std::iter::repeat_n(l as u16, v.len()))
        .collect();
    let pairs = candidates(&records, opts);
    let mut bands: Vec<SimilarityBand> = BAND_EDGES
        .windows(2)
        .map(|w| SimilarityBand {
            lower: w[0],
            upper: w[1],
            pairs: 0,
        })
        .collect();
    let mut dice_histogram = DiceHistogram::new(opts.floor);
    for p in &pairs {
        let d = f64::from(p.dice);
        dice_histogram.add(d);
        if let Some(b) = bands
            .iter_mut()
            .find(|b| d >= b.lower && (d < b.upper || b.upper >= 1.0))
        {
            b.pairs += 1;
        }
    }
    let thresholds = [
        opts.threshold + opts.step,
        opts.threshold,
        opts.threshold - opts.step,
    ];
    let mut runs: Vec<(f64, Vec<u32>)> = thresholds
        .par_iter()
        .map(|&t| (t, cluster(&records, &list_of, &pairs, t)))
        .collect();
    let chosen = std::mem::take(&mut runs[1].1);
    let hist = |c: &[u32]| histories(c, &list_of);
    let histories = [
        (runs[0].0, hist(&runs[0].1)),
        (runs[1].0, hist(&chosen)),
        (runs[2].0, hist(&runs[2].1)),
    ];
    let clusters = chosen.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut cluster_of = Vec::with_capacity(lists.len());
    let mut at = 0;
    for l in lists {
        cluster_of.push(chosen[at..at + l.len()].to_vec());
        at += l.len();
    }
    let imputed = crate::impute::pair_probabilities(&records, &pairs, opts.floor, opts.seed)
        .map(|(_, p)| crate::impute::imputed_histories(&list_of, &pairs, &p, &opts.imputation))
        .unwrap_or_default();
    Linked {
        cluster_of,
        clusters,
        histories,
        bands,
        dice_histogram,
        imputed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clk(bits: impl IntoIterator<Item = usize>) -> Clk {
        let mut c = Clk::default();
        for b in bits {
            c.set(b);
        }
        c
    }

    #[test]
    fn chains_that_disagree_at_their_ends_are_not_one_person() {
        // A↔B 0.9, B↔C 0.8, A–C 0.7 at threshold 0.8: C stays apart.
        let a = clk(0..100);
        let b = clk(10..110);
        let c = clk(30..130);
        let records = vec![a, b, c];
        let list_of = vec![0, 1, 2];
        let mut pairs = Vec::new();
        for (i, j) in [(0, 1), (1, 2), (0, 2)] {
            pairs.push(Candidate {
                a: i,
                b: j,
                dice: records[i as usize].dice(&records[j as usize]) as f32,
            });
        }
        pairs.sort_by(|x, y| y.dice.total_cmp(&x.dice));
        assert_eq!(cluster(&records, &list_of, &pairs, 0.8), vec![0, 0, 1]);
        assert_eq!(cluster(&records, &list_of, &pairs, 0.7), vec![0, 0, 0]);
    }

    #[test]
    fn one_record_per_list_per_person_but_duplicates_merge() {
        // B0 is like A0 (0.9) and A1 (0.85) but takes A0; A2 is a duplicate
        // of A0 within list A and joins it; A1 is too far from A0 (0.75).
        let records = vec![clk(0..100), clk(25..125), clk(0..99), clk(10..110)];
        let list_of = vec![0, 0, 0, 1];
        let pairs = candidates(
            &records,
            &LinkOptions {
                bands: 8,
                band_bits: 8,
                ..LinkOptions::default()
            },
        );
        let c = cluster(&records, &list_of, &pairs, 0.8);
        assert_eq!(c[0], c[3], "A0 and B0 are one person");
        assert_eq!(c[2], c[0], "A2 is A0's duplicate");
        assert_ne!(c[1], c[3], "B0 is taken");
        let h = histories(&c, &list_of);
        assert_eq!(h.counts, BTreeMap::from([(0b01, 1), (0b11, 1)]));
    }

    #[test]
    fn a_pair_is_read_against_how_its_dates_agree() {
        let e = crate::Encoder::new(&crate::Secret::new(b"a secret for this test only").unwrap());
        let r = |first, date| {
            e.encode(&crate::RawRecord {
                first_name: first,
                last_name: "Langkloosterstra",
                birth_date: date,
                sex: "f",
            })
            .unwrap()
        };
        let a = r("Fenna", "2014-03-11");
        assert_eq!(
            date_agreement(&a, &r("Sofie", "2014-03-11")),
            DateAgreement::Exact
        );
        assert_eq!(
            date_agreement(&a, &r("Fenna", "2014-11-03")),
            DateAgreement::Error
        );
        assert_eq!(
            date_agreement(&a, &r("Fenna", "2014-03-00")),
            DateAgreement::Error
        );
        assert_eq!(
            date_agreement(&a, &r("Fenna", "2014-03-12")),
            DateAgreement::Other
        );
        // A look-alike with the same date needs more than a date error.
        let t = DEFAULT_THRESHOLD;
        assert!(pair_threshold(t, DateAgreement::Exact, false) > t);
        assert!(pair_threshold(t, DateAgreement::Error, false) < t);
        assert!(
            pair_threshold(t, DateAgreement::Error, true)
                > pair_threshold(t, DateAgreement::Exact, false)
        );
    }

    #[test]
    fn blocking_finds_each_close_pair_once() {
        let records: Vec<Clk> = (0..50)
            .map(|i| clk((i * 20..i * 20 + 200).map(|b| b % FILTER_BITS)))
            .collect();
        let pairs = candidates(&records, &LinkOptions::default());
        let mut seen = std::collections::HashSet::new();
        for p in &pairs {
            assert!(p.a < p.b && seen.insert((p.a, p.b)));
            assert!(p.dice >= 0.6);
        }
        // Neighbours overlap in 180 of 200 bits (Dice 0.9) and are found.
        assert!(pairs.iter().filter(|p| p.b == p.a + 1).count() >= 45);
    }
}
