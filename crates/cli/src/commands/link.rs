//! `zicht link A.csv B.csv … --out HISTORIES.csv`: encodings of several lists
//! (from `zicht encode`) → capture histories in the estimation format. The
//! linkage is `zicht_linkage::link`; this reads, reports and writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use zicht_linkage::{
    fit_mixture, link, sensitivity, sensitivity_sentence, Clk, DiceHistogram, Histories,
    LinkOptions, ThresholdEstimate, DEFAULT_THRESHOLD,
};

use crate::output::write_atomically;

#[derive(clap::Args, Debug)]
pub struct LinkArgs {
    /// Encoded lists from `zicht encode`, one file per list (2 or more).
    #[arg(value_name = "ENCODED.csv", required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Capture histories: one 0/1 column per list, then `count`. The
    /// histories at the stricter and the looser threshold are written beside
    /// it, as HISTORIES-at-0.85.csv and HISTORIES-at-0.79.csv.
    #[arg(long, value_name = "HISTORIES.csv")]
    pub out: PathBuf,
    /// Also write `cluster,list,record_id` for every input record.
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Link and count within each stratum of these kept columns (e.g. `year,sex`).
    #[arg(long, value_name = "COL,…", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Dice similarity at or above which two records are one person.
    #[arg(long, value_name = "T", default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Names of the lists, in the order of the files (default: the file stems).
    #[arg(long, value_name = "NAME,…", value_delimiter = ',')]
    pub names: Vec<String>,
    /// Write the link report to this file instead of stderr.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

struct List {
    name: String,
    record_ids: Vec<String>,
    strata: Vec<String>,
    clks: Vec<Clk>,
}

fn read_list(path: &PathBuf, name: String, by: &[String]) -> anyhow::Result<List> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .with_context(|| format!("cannot read {file}"))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{file}: cannot read the header"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |c: &str| {
        header.iter().position(|h| h == c).with_context(|| {
            format!(
                "{file}: no column {c}; the header has {} (is this a file from zicht encode{}?)",
                header.join(", "),
                if by.iter().any(|b| b == c) {
                    format!(" --keep {c}")
                } else {
                    String::new()
                }
            )
        })
    };
    let (id_at, enc_at) = (col("record_id")?, col("encoding")?);
    let by_at: Vec<usize> = by.iter().map(|b| col(b)).collect::<Result<_, _>>()?;
    let mut list = List {
        name,
        record_ids: Vec::new(),
        strata: Vec::new(),
        clks: Vec::new(),
    };
    let mut problems = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("{file}: line {line} cannot be read"))?;
        let get = |at: usize| row.get(at).unwrap_or("").trim();
        match Clk::from_base64(get(enc_at)) {
            Ok(c) => list.clks.push(c),
            Err(e) => {
                problems.push(format!("{file}: line {line}, column encoding: {e}"));
                continue;
            }
        }
        list.record_ids.push(get(id_at).to_string());
        list.strata
            .push(by_at.iter().map(|&a| get(a)).collect::<Vec<_>>().join("+"));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(20);
        bail!(
            "{n} rows are not encodings:\n{}{}",
            problems.join("\n"),
            if n > 20 { "\n…" } else { "" }
        );
    }
    Ok(list)
}

fn pattern_row(pattern: u64, lists: usize) -> Vec<String> {
    (0..lists)
        .map(|l| if pattern >> l & 1 == 1 { "1" } else { "0" }.to_string())
        .collect()
}

pub fn run(args: &LinkArgs) -> anyhow::Result<std::process::ExitCode> {
    let started = Instant::now();
    if !(args.threshold > 0.0 && args.threshold <= 1.0) {
        bail!("--threshold {} must lie in (0, 1]", args.threshold);
    }
    if args.files.len() > 64 {
        bail!("{} lists; at most 64 can be linked", args.files.len());
    }
    let names: Vec<String> = if args.names.is_empty() {
        args.files
            .iter()
            .map(|f| {
                f.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect()
    } else if args.names.len() != args.files.len() {
        bail!(
            "--names gives {} names for {} files",
            args.names.len(),
            args.files.len()
        );
    } else {
        args.names.clone()
    };
    let stratum_column = args.by.join("+");
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() || n == "count" || (!args.by.is_empty() && *n == stratum_column) {
            bail!(
                "list name `{n}` cannot be a column of the histories; name the lists with --names"
            );
        }
        if names[..i].contains(n) {
            bail!("two lists are named `{n}`; name them apart with --names");
        }
    }
    let lists: Vec<List> = args
        .files
        .iter()
        .zip(&names)
        .map(|(f, n)| read_list(f, n.clone(), &args.by))
        .collect::<anyhow::Result<_>>()?;
    let total: usize = lists.iter().map(|l| l.clks.len()).sum();
    eprintln!(
        "zicht link: {total} records in {} lists read ({:.1} s)",
        lists.len(),
        started.elapsed().as_secs_f64()
    );

    // Strata are linked apart: a person is counted once per stratum.
    let mut strata: BTreeMap<&str, Vec<Vec<usize>>> = BTreeMap::new();
    for (l, list) in lists.iter().enumerate() {
        for (r, s) in list.strata.iter().enumerate() {
            strata
                .entry(s.as_str())
                .or_insert_with(|| vec![Vec::new(); lists.len()])[l]
                .push(r);
        }
    }
    let opts = LinkOptions {
        threshold: args.threshold,
        ..LinkOptions::default()
    };
    let mut cluster_of: Vec<Vec<u32>> = lists.iter().map(|l| vec![0; l.clks.len()]).collect();
    let mut next_cluster = 1u32;
    let mut per_stratum: Vec<(&str, [(f64, Histories); 3])> = Vec::new();
    let mut bands: Vec<zicht_linkage::SimilarityBand> = Vec::new();
    let mut dice_histogram = DiceHistogram::new(opts.floor);
    for (s, (stratum, members)) in strata.iter().enumerate() {
        let t = Instant::now();
        let encodings: Vec<Vec<Clk>> = members
            .iter()
            .enumerate()
            .map(|(l, rs)| rs.iter().map(|&r| lists[l].clks[r].clone()).collect())
            .collect();
        let linked = link(&encodings, &opts);
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
        let size: usize = members.iter().map(Vec::len).sum();
        eprintln!(
            "zicht link: stratum {}/{}{}: {size} records → {} people ({:.1} s)",
            s + 1,
            strata.len(),
            if args.by.is_empty() {
                String::new()
            } else {
                format!(" ({stratum_column}={stratum})")
            },
            linked.histories[1].1.observed(),
            t.elapsed().as_secs_f64()
        );
        per_stratum.push((stratum, linked.histories));
    }

    // Histories in the estimation format: the chosen threshold's at --out,
    // the stricter and the looser beside it.
    let stratum_header = (!args.by.is_empty()).then_some(stratum_column.as_str());
    write_atomically(
        &args.out,
        &histories_csv(&names, stratum_header, &per_stratum, 1)?,
    )?;
    let mut written = Vec::new();
    for i in [0, 2] {
        let path = beside(&args.out, per_stratum_threshold(&per_stratum, i, &opts));
        write_atomically(
            &path,
            &histories_csv(&names, stratum_header, &per_stratum, i)?,
        )?;
        written.push(path);
    }

    if let Some(path) = &args.clusters {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["cluster", "list", "record_id"])?;
        for (l, list) in lists.iter().enumerate() {
            for (r, id) in list.record_ids.iter().enumerate() {
                // An id from a hand-made file never reaches a spreadsheet
                // as a formula (`zicht encode` refuses one).
                w.write_record([
                    cluster_of[l][r].to_string().as_str(),
                    &zicht_contract::inert(&list.name),
                    &zicht_contract::inert(id),
                ])?;
            }
        }
        write_atomically(path, &w.into_inner().context("writing the clusters")?)?;
    }

    let report = render_report(
        args,
        &names,
        &lists,
        &bands,
        &dice_histogram,
        &per_stratum,
        &written,
        started,
    );
    match &args.report {
        Some(p) => write_atomically(p, report.as_bytes())?,
        None => eprint!("{report}"),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// The threshold of run `i` (0 stricter, 1 chosen, 2 looser).
fn per_stratum_threshold(
    per_stratum: &[(&str, [(f64, Histories); 3])],
    i: usize,
    opts: &LinkOptions,
) -> f64 {
    per_stratum
        .first()
        .map_or(opts.threshold + opts.step * (1.0 - i as f64), |(_, h)| {
            h[i].0
        })
}

/// `HISTORIES-at-0.85.csv` beside `HISTORIES.csv`.
fn beside(out: &std::path::Path, threshold: f64) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "histories".into());
    let ext = out
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-at-{threshold:.2}{ext}"))
}

/// The histories of run `i`, per stratum, in the estimation CSV format.
fn histories_csv(
    names: &[String],
    stratum_column: Option<&str>,
    per_stratum: &[(&str, [(f64, Histories); 3])],
    i: usize,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    header.extend(stratum_column.map(str::to_string));
    header.extend(names.iter().cloned());
    header.push("count".into());
    w.write_record(&header)?;
    for (stratum, h) in per_stratum {
        let mut rows: Vec<Vec<String>> = h[i]
            .1
            .counts
            .iter()
            .filter(|(&p, _)| p != 0)
            .map(|(&p, &n)| {
                let mut row = Vec::new();
                if stratum_column.is_some() {
                    row.push(stratum.to_string());
                }
                row.extend(pattern_row(p, names.len()));
                row.push(n.to_string());
                row
            })
            .collect();
        rows.sort();
        rows.reverse();
        for r in rows {
            w.write_record(&r)?;
        }
    }
    w.into_inner().context("writing the histories")
}

#[allow(clippy::too_many_arguments)]
fn render_report(
    args: &LinkArgs,
    names: &[String],
    lists: &[List],
    bands: &[zicht_linkage::SimilarityBand],
    dice_histogram: &DiceHistogram,
    per_stratum: &[(&str, [(f64, Histories); 3])],
    written: &[PathBuf],
    started: Instant,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Link report");
    let sizes: Vec<String> = lists
        .iter()
        .map(|l| format!("{} {}", l.name, l.clks.len()))
        .collect();
    let _ = writeln!(
        s,
        "lists: {} records; threshold {:.2} (Dice); {} strata; {:.1} s",
        sizes.join(", "),
        args.threshold,
        per_stratum.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        s,
        "\nPairs compared after blocking, by Dice (pairs under 0.60 are not kept):"
    );
    for b in bands {
        let _ = writeln!(
            s,
            "  {:.2}–{:.2}{} {:>10}",
            b.lower,
            b.upper,
            if b.upper >= 1.0 { "]" } else { ")" },
            b.pairs
        );
    }
    // Histories summed over the strata, at the three thresholds.
    let mut sums: [BTreeMap<u64, u64>; 3] = Default::default();
    let mut thresholds = [0.0; 3];
    for (_, h) in per_stratum {
        for (i, (t, hist)) in h.iter().enumerate() {
            thresholds[i] = *t;
            for (&p, &n) in &hist.counts {
                *sums[i].entry(p).or_default() += n;
            }
        }
    }
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
    let mut patterns: Vec<u64> = sums.iter().flat_map(|m| m.keys().copied()).collect();
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
            sums[0].get(&p).unwrap_or(&0),
            sums[1].get(&p).unwrap_or(&0),
            sums[2].get(&p).unwrap_or(&0)
        );
    }
    let observed: Vec<u64> = sums.iter().map(|m| m.values().sum()).collect();
    let _ = writeln!(
        s,
        "  people seen: {} at {:.2}, {} at {:.2}, {} at {:.2}",
        observed[0], thresholds[0], observed[1], thresholds[1], observed[2], thresholds[2]
    );
    let _ = writeln!(
        s,
        "  histories: {} (chosen), {}",
        args.out.display(),
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(
        s,
        "\nLinkage error estimated from the Dice distribution (two-component mixture, EM):"
    );
    match fit_mixture(dice_histogram) {
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
                dice_histogram.floor
            );
        }
        None => {
            let _ = writeln!(s, "  too few candidate pairs to fit");
        }
    }

    // The estimate at each threshold: how much linkage error moves N.
    let runs: Vec<(f64, Histories)> = thresholds
        .iter()
        .zip(&sums)
        .map(|(&t, m)| (t, Histories { counts: m.clone() }))
        .collect();
    let opts = zicht_estimate::Options {
        bootstrap: 0,
        sensitivity: false,
        ..zicht_estimate::Options::default()
    };
    let estimates: Vec<ThresholdEstimate> = sensitivity(names, &runs, &opts);
    let _ = writeln!(
        s,
        "\nEstimate at each threshold (zicht estimate: stepwise, log-normal 95% interval{}):\n  {}",
        if per_stratum.len() > 1 {
            "; strata pooled"
        } else {
            ""
        },
        sensitivity_sentence(&estimates, 1)
    );
    s
}
