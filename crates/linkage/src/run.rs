//! A whole linkage as `zicht link` and a round's linkage run it: encoded
//! files (the text `zicht encode` writes) → strata linked apart → the
//! histories at three thresholds, the clusters, the report's material, and
//! the [`LinkageRecord`] that says how the histories were made.
//!
//! Reading an encoded file is here, not in each front-end, so the CLI and
//! the round delivery refuse the same files with the same words; and a file
//! that holds identifier columns (the supplier's records instead of their
//! encodings) is refused outright, so it is never stored.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    fit_mixture, link, sensitivity, sensitivity_sentence, Clk, DiceHistogram, Histories,
    LinkOptions, SimilarityBand, ThresholdEstimate, FILTER_BITS, SCHEME,
};

/// Columns of the records at the supplier that `zicht encode` reads and
/// never writes: an encoded file with any of them is the wrong file.
pub const IDENTIFIER_COLUMNS: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "name",
    "surname",
    "date_of_birth",
];

/// One list's encodings, as read from an encoded file.
#[derive(Debug, Clone, Default)]
pub struct EncodedList {
    pub record_ids: Vec<String>,
    /// Per record, the values of the `--by` columns joined by `+`.
    pub strata: Vec<String>,
    pub clks: Vec<Clk>,
}

/// Why an encoded file cannot be linked. The messages name lines and
/// columns, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodedFileError {
    #[error("the header cannot be read: {0}")]
    Header(String),
    #[error(
        "no column {column}; the header has {header} (is this a file from zicht encode{hint}?)"
    )]
    MissingColumn {
        column: String,
        header: String,
        hint: String,
    },
    #[error("the file has the identifier column `{0}`: deliver the output of `zicht encode`, never the records themselves")]
    Identifiers(String),
    #[error("{count} rows are not encodings; {}", .first.join("; "))]
    Rows { count: usize, first: Vec<String> },
    #[error("the file holds no records")]
    Empty,
}

impl EncodedList {
    /// Reads an encoded file (`record_id`, `encoding`, kept columns) with
    /// the columns `by` as strata.
    pub fn parse(bytes: &[u8], by: &[String]) -> Result<EncodedList, EncodedFileError> {
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| EncodedFileError::Header(e.to_string()))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        if let Some(h) = header
            .iter()
            .find(|h| IDENTIFIER_COLUMNS.contains(&h.to_ascii_lowercase().as_str()))
        {
            return Err(EncodedFileError::Identifiers(h.clone()));
        }
        let col = |c: &str| {
            header
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| EncodedFileError::MissingColumn {
                    column: c.to_string(),
                    header: header.join(", "),
                    hint: if by.iter().any(|b| b == c) {
                        format!(" --keep {c}")
                    } else {
                        String::new()
                    },
                })
        };
        let (id_at, enc_at) = (col("record_id")?, col("encoding")?);
        let by_at: Vec<usize> = by.iter().map(|b| col(b)).collect::<Result<_, _>>()?;
        let mut list = EncodedList::default();
        let mut problems = Vec::new();
        let mut count = 0;
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row = match row {
                Ok(r) => r,
                Err(_) => {
                    count += 1;
                    if problems.len() < 20 {
                        problems.push(format!("line {line} cannot be read as CSV"));
                    }
                    continue;
                }
            };
            let get = |at: usize| row.get(at).unwrap_or("").trim();
            match Clk::from_base64(get(enc_at)) {
                Ok(c) => list.clks.push(c),
                Err(e) => {
                    count += 1;
                    if problems.len() < 20 {
                        problems.push(format!("line {line}, column encoding: {e}"));
                    }
                    continue;
                }
            }
            list.record_ids.push(get(id_at).to_string());
            list.strata
                .push(by_at.iter().map(|&a| get(a)).collect::<Vec<_>>().join("+"));
        }
        if count > 0 {
            return Err(EncodedFileError::Rows {
                count,
                first: problems,
            });
        }
        if list.clks.is_empty() {
            return Err(EncodedFileError::Empty);
        }
        Ok(list)
    }

    pub fn len(&self) -> usize {
        self.clks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clks.is_empty()
    }
}

/// What one stratum's linkage gave, for progress messages.
#[derive(Debug, Clone)]
pub struct StratumLinked<'a> {
    pub index: usize,
    pub of: usize,
    pub stratum: &'a str,
    pub records: usize,
    pub people: u64,
}

/// A linkage of several lists, stratum by stratum.
#[derive(Debug, Clone)]
pub struct LinkRun {
    pub names: Vec<String>,
    /// The `--by` columns; empty for one stratum.
    pub by: Vec<String>,
    pub options: LinkOptions,
    /// Per list, per record: the cluster (person) number, 1-based, at the
    /// chosen threshold; unique over the strata.
    pub cluster_of: Vec<Vec<u32>>,
    /// Per stratum: the histories at the stricter, chosen and looser threshold.
    pub per_stratum: Vec<(String, [(f64, Histories); 3])>,
    pub bands: Vec<SimilarityBand>,
    pub dice_histogram: DiceHistogram,
    /// Records per list.
    pub records: Vec<usize>,
    /// Histories of each imputation of the link decisions, strata added
    /// up; empty when a stratum had too few candidates to fit the model.
    pub imputed: Vec<Histories>,
}

/// Links the lists (2..=64, named by `names`), each stratum apart: a person
/// is counted once per stratum. `done` hears of each stratum as it ends.
pub fn link_lists(
    names: &[String],
    lists: &[EncodedList],
    by: &[String],
    options: &LinkOptions,
    mut done: impl FnMut(StratumLinked<'_>),
) -> LinkRun {
    assert_eq!(names.len(), lists.len(), "one name per list");
    let mut strata: BTreeMap<&str, Vec<Vec<usize>>> = BTreeMap::new();
    for (l, list) in lists.iter().enumerate() {
        for (r, s) in list.strata.iter().enumerate() {
            strata
                .entry(s.as_str())
                .or_insert_with(|| vec![Vec::new(); lists.len()])[l]
                .push(r);
        }
    }
    let mut cluster_of: Vec<Vec<u32>> = lists.iter().map(|l| vec![0; l.clks.len()]).collect();
    let mut next_cluster = 1u32;
    let mut per_stratum = Vec::new();
    let mut bands: Vec<SimilarityBand> = Vec::new();
    let mut dice_histogram = DiceHistogram::new(options.floor);
    let of = strata.len();
    let mut imputed: Option<Vec<Histories>> = None;
    for (s, (stratum, members)) in strata.iter().enumerate() {
        let encodings: Vec<Vec<Clk>> = members
            .iter()
            .enumerate()
            .map(|(l, rs)| rs.iter().map(|&r| lists[l].clks[r].clone()).collect())
            .collect();
        let linked = link(&encodings, options);
        for (l, rs) in members.iter().enumerate() {
            for (k, &r) in rs.iter().enumerate() {
                cluster_of[l][r] = next_cluster + linked.cluster_of[l][k];
            }
        }
        next_cluster += linked.clusters as u32;
        if bands.is_empty() {
            bands = linked.bands.clone();
        } else {
            for (b, add) in bands.iter_mut().zip(&linked.bands) {
                b.pairs += add.pairs;
            }
        }
        dice_histogram.merge(&linked.dice_histogram);
        imputed = match imputed {
            _ if linked.imputed.is_empty() => Some(Vec::new()),
            None => Some(linked.imputed.clone()),
            Some(sums) if sums.is_empty() => Some(sums),
            Some(mut sums) => {
                for (sum, add) in sums.iter_mut().zip(&linked.imputed) {
                    for (&p, &n) in &add.counts {
                        *sum.counts.entry(p).or_default() += n;
                    }
                }
                Some(sums)
            }
        };
        done(StratumLinked {
            index: s,
            of,
            stratum,
            records: members.iter().map(Vec::len).sum(),
            people: linked.histories[1].1.observed(),
        });
        per_stratum.push((stratum.to_string(), linked.histories));
    }
    LinkRun {
        names: names.to_vec(),
        by: by.to_vec(),
        options: options.clone(),
        cluster_of,
        per_stratum,
        bands,
        dice_histogram,
        records: lists.iter().map(EncodedList::len).collect(),
        imputed: imputed.unwrap_or_default(),
    }
}

/// The 0/1 columns of a capture pattern.
pub fn pattern_row(pattern: u64, lists: usize) -> Vec<String> {
    (0..lists)
        .map(|l| if pattern >> l & 1 == 1 { "1" } else { "0" }.to_string())
        .collect()
}

impl LinkRun {
    /// The stricter, the chosen and the looser threshold.
    pub fn thresholds(&self) -> [f64; 3] {
        let o = &self.options;
        match self.per_stratum.first() {
            Some((_, h)) => [h[0].0, h[1].0, h[2].0],
            None => [o.threshold + o.step, o.threshold, o.threshold - o.step],
        }
    }

    /// The histories of run `i` (0 stricter, 1 chosen, 2 looser) summed
    /// over the strata.
    pub fn pooled(&self, i: usize) -> Histories {
        let mut counts: BTreeMap<u64, u64> = BTreeMap::new();
        for (_, h) in &self.per_stratum {
            for (&p, &n) in &h[i].1.counts {
                *counts.entry(p).or_default() += n;
            }
        }
        Histories { counts }
    }

    /// The stratum column of the histories: the `--by` columns joined by `+`.
    pub fn stratum_column(&self) -> Option<String> {
        (!self.by.is_empty()).then(|| self.by.join("+"))
    }

    /// The histories of run `i` in the estimation CSV format: a stratum
    /// column when linked by strata, one 0/1 column per list, `count`.
    pub fn histories_csv(&self, i: usize) -> Vec<u8> {
        let column = self.stratum_column();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = Vec::new();
        header.extend(column.clone());
        header.extend(self.names.iter().cloned());
        header.push("count".into());
        // Writing to memory cannot fail.
        let _ = w.write_record(&header);
        for (stratum, h) in &self.per_stratum {
            let mut rows: Vec<Vec<String>> = h[i]
                .1
                .counts
                .iter()
                .filter(|(&p, _)| p != 0)
                .map(|(&p, &n)| {
                    let mut row = Vec::new();
                    if column.is_some() {
                        row.push(stratum.clone());
                    }
                    row.extend(pattern_row(p, self.names.len()));
                    row.push(n.to_string());
                    row
                })
                .collect();
            rows.sort();
            rows.reverse();
            for r in rows {
                let _ = w.write_record(&r);
            }
        }
        w.into_inner().unwrap_or_default()
    }

    /// How the histories of run `i` were made, to be kept with an estimate
    /// computed from them.
    pub fn record(&self, i: usize) -> LinkageRecord {
        let thresholds = self.thresholds();
        let people = [0, 1, 2].map(|k| self.pooled(k).observed());
        let error_rates = fit_mixture(&self.dice_histogram).map(|mix| {
            thresholds
                .iter()
                .map(|&t| {
                    let r = mix.error_rates(t);
                    ThresholdRates {
                        threshold: t,
                        false_match: r.false_match,
                        missed_match: r.missed_match,
                    }
                })
                .collect()
        });
        LinkageRecord {
            scheme: SCHEME.to_string(),
            filter_bits: FILTER_BITS,
            similarity: "dice".into(),
            threshold: thresholds[i],
            thresholds,
            floor: self.options.floor,
            blocking: Blocking {
                method: "hamming-lsh".into(),
                bands: self.options.bands,
                band_bits: self.options.band_bits,
                seed: self.options.seed,
            },
            lists: self
                .names
                .iter()
                .zip(&self.records)
                .map(|(name, &records)| ListRecord {
                    name: name.clone(),
                    records,
                })
                .collect(),
            by: self.by.clone(),
            strata: self.per_stratum.len(),
            candidate_pairs: self.bands.iter().map(|b| b.pairs).sum(),
            people,
            error_rates,
            histories_sha256: sha256_hex(&self.histories_csv(i)),
        }
    }
}

impl LinkRun {
    /// The link report: lists, pairs per similarity band, the histories at
    /// the three thresholds, the estimated linkage error, and the estimate
    /// at each threshold. `written` names where the histories went.
    pub fn report(&self, seconds: f64, written: &[String]) -> String {
        let mut s = String::new();
        let names = &self.names;
        let _ = writeln!(s, "Link report");
        let sizes: Vec<String> = names
            .iter()
            .zip(&self.records)
            .map(|(n, r)| format!("{n} {r}"))
            .collect();
        let _ = writeln!(
            s,
            "lists: {} records; threshold {:.2} (Dice); {} strata; {seconds:.1} s",
            sizes.join(", "),
            self.options.threshold,
            self.per_stratum.len(),
        );
        let _ = writeln!(
            s,
            "\nPairs compared after blocking, by Dice (pairs under {:.2} are not kept):",
            self.options.floor
        );
        for b in &self.bands {
            let _ = writeln!(
                s,
                "  {:.2}–{:.2}{} {:>10}",
                b.lower,
                b.upper,
                if b.upper >= 1.0 { "]" } else { ")" },
                b.pairs
            );
        }
        let thresholds = self.thresholds();
        let sums: [Histories; 3] = [0, 1, 2].map(|i| self.pooled(i));
        let _ = writeln!(
            s,
            "\nCapture histories (people) at the stricter, the chosen and the looser threshold:"
        );
        let _ = writeln!(
            s,
            "  {}  {:>10} {:>10} {:>10}",
            names.join(" "),
            format!("{:.2}", thresholds[0]),
            format!("{:.2}*", thresholds[1]),
            format!("{:.2}", thresholds[2])
        );
        let mut patterns: Vec<u64> = sums.iter().flat_map(|h| h.counts.keys().copied()).collect();
        patterns.sort_unstable();
        patterns.dedup();
        patterns.sort_by_key(|&p| std::cmp::Reverse(pattern_row(p, names.len())));
        for p in patterns {
            let cells: Vec<String> = pattern_row(p, names.len())
                .into_iter()
                .zip(names)
                .map(|(c, n)| format!("{c:>w$}", w = n.chars().count()))
                .collect();
            let _ = writeln!(
                s,
                "  {}  {:>10} {:>10} {:>10}",
                cells.join(" "),
                sums[0].counts.get(&p).unwrap_or(&0),
                sums[1].counts.get(&p).unwrap_or(&0),
                sums[2].counts.get(&p).unwrap_or(&0)
            );
        }
        let _ = writeln!(
            s,
            "  people seen: {} at {:.2}, {} at {:.2}, {} at {:.2}",
            sums[0].observed(),
            thresholds[0],
            sums[1].observed(),
            thresholds[1],
            sums[2].observed(),
            thresholds[2]
        );
        if !written.is_empty() {
            let _ = writeln!(
                s,
                "  histories: {} (chosen), {}",
                written[0],
                written[1..].join(", ")
            );
        }
        let _ = writeln!(
            s,
            "\nLinkage error estimated from the Dice distribution (two-component mixture, EM):"
        );
        match fit_mixture(&self.dice_histogram) {
            Some(mix) => {
                for t in thresholds {
                    let r = mix.error_rates(t);
                    let _ = writeln!(
                        s,
                        "  at {t:.2}: false matches {:.2}% of linked pairs, missed matches {:.2}% of matching pairs",
                        100.0 * r.false_match,
                        100.0 * r.missed_match
                    );
                }
                let _ = writeln!(
                    s,
                    "  (matches {:.0}% of candidate pairs; pairs never compared by blocking or under Dice {:.2} are not in these rates)",
                    100.0 * mix.matches.weight,
                    self.dice_histogram.floor
                );
            }
            None => {
                let _ = writeln!(s, "  too few candidate pairs to fit");
            }
        }
        // The estimate at each threshold: how much linkage error moves N.
        let runs: Vec<(f64, Histories)> = thresholds.iter().copied().zip(sums).collect();
        let opts = zicht_estimate::Options {
            bootstrap: 0,
            sensitivity: false,
            ..zicht_estimate::Options::default()
        };
        let estimates: Vec<ThresholdEstimate> = sensitivity(names, &runs, &opts);
        let _ = writeln!(
            s,
            "\nEstimate at each threshold (zicht estimate: stepwise, log-normal 95% interval{}):\n  {}",
            if self.per_stratum.len() > 1 {
                "; strata pooled"
            } else {
                ""
            },
            sensitivity_sentence(&estimates, 1)
        );
        // The estimate with the linkage's uncertainty in its interval.
        let _ = writeln!(
            s,
            "\nEstimate with linkage error in the interval ({} imputations of the link decisions from the name × date model, Rubin's rules):",
            self.imputed.len()
        );
        match crate::pooled_estimate(names, &self.imputed, &opts) {
            Ok(p) => {
                let _ = writeln!(
                    s,
                    "  imputed linkage: {} ({}–{}); linkage {:.0}% of the variance",
                    zicht_estimate::fmt_count(p.estimate),
                    zicht_estimate::fmt_count(p.lower),
                    zicht_estimate::fmt_count(p.upper),
                    100.0 * p.linkage_share
                );
            }
            Err(why) => {
                let _ = writeln!(s, "  no estimate ({why})");
            }
        }
        s
    }
}

/// The SHA-256 of some bytes, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Everything needed to make the same capture histories again from the
/// same encoded files: the scheme, the similarity and its thresholds, the
/// blocking, the lists and their sizes, and what came out. The secret is
/// not here: the monitor never has it, and the encodings already carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkageRecord {
    /// The encoding scheme, e.g. `zicht-clk-2`.
    pub scheme: String,
    pub filter_bits: usize,
    pub similarity: String,
    /// The threshold of these histories.
    pub threshold: f64,
    /// The stricter, chosen and looser threshold of the run.
    pub thresholds: [f64; 3],
    /// Pairs under this similarity were not kept.
    pub floor: f64,
    pub blocking: Blocking,
    pub lists: Vec<ListRecord>,
    /// Kept columns the lists were linked apart by.
    pub by: Vec<String>,
    pub strata: usize,
    /// Pairs compared after blocking, at or above the floor.
    pub candidate_pairs: u64,
    /// People seen at the three thresholds.
    pub people: [u64; 3],
    /// Estimated false- and missed-match shares at the three thresholds.
    pub error_rates: Option<Vec<ThresholdRates>>,
    /// SHA-256 of the histories file these parameters made.
    pub histories_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocking {
    pub method: String,
    pub bands: usize,
    pub band_bits: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRecord {
    pub name: String,
    pub records: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRates {
    pub threshold: f64,
    pub false_match: f64,
    pub missed_match: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{generate, SynthOptions};
    use crate::{Encoder, Secret};

    fn file(ids: &[&str], clks: &[Clk]) -> Vec<u8> {
        let mut s = String::from("record_id,encoding,year\n");
        for (id, c) in ids.iter().zip(clks) {
            s.push_str(&format!("{id},{},2024\n", c.to_base64()));
        }
        s.into_bytes()
    }

    #[test]
    fn a_file_of_records_is_refused_before_any_row_is_read() {
        let records =
            b"record_id,first_name,last_name,birth_date,sex\nr1,Anna,Jansen,2010-01-02,f\n";
        assert_eq!(
            EncodedList::parse(records, &[]).unwrap_err(),
            EncodedFileError::Identifiers("first_name".into())
        );
        let err = EncodedList::parse(b"record_id,encoding\nr1,not-base64!\n", &[]).unwrap_err();
        assert!(
            matches!(err, EncodedFileError::Rows { count: 1, .. }),
            "{err}"
        );
        assert!(!err.to_string().contains("not-base64"), "{err}");
        assert_eq!(
            EncodedList::parse(b"record_id,encoding\n", &[]).unwrap_err(),
            EncodedFileError::Empty
        );
    }

    #[test]
    fn the_record_describes_the_histories_it_made() {
        let data = generate(&SynthOptions {
            population: 600,
            lists: 3,
            list_size: 300,
            seed: 7,
            ..SynthOptions::default()
        });
        let encoder = Encoder::new(&Secret::new(b"shared by the suppliers").unwrap());
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let lists: Vec<EncodedList> = data
            .lists
            .iter()
            .map(|l| {
                let ids: Vec<String> = (0..l.len()).map(|i| format!("r{i}")).collect();
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let clks: Vec<Clk> = l
                    .iter()
                    .map(|r| encoder.encode(&r.raw()).unwrap())
                    .collect();
                EncodedList::parse(&file(&refs, &clks), &["year".into()]).unwrap()
            })
            .collect();
        let mut heard = 0;
        let run = link_lists(
            &names,
            &lists,
            &["year".into()],
            &LinkOptions::default(),
            |_| heard += 1,
        );
        assert_eq!(heard, 1);
        let record = run.record(1);
        assert_eq!(record.lists.iter().map(|l| l.records).sum::<usize>(), 900);
        assert_eq!(record.threshold, LinkOptions::default().threshold);
        assert_eq!(record.histories_sha256, sha256_hex(&run.histories_csv(1)));
        assert_ne!(record.histories_sha256, sha256_hex(&run.histories_csv(2)));
        let text = String::from_utf8(run.histories_csv(1)).unwrap();
        assert!(text.starts_with("year,a,b,c,count\n"), "{text}");
        let total: u64 = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, record.people[1]);
        // Fewer people at a looser threshold: more records are joined.
        assert!(record.people[2] <= record.people[1] && record.people[1] <= record.people[0]);
    }
}
