//! `zicht link A.csv B.csv … --out HISTORIES.csv`: encodings of several lists
//! (from `zicht encode`) → capture histories in the estimation format. The
//! linkage is `zicht_linkage::link`; this reads, reports and writes.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use zicht_linkage::{link_lists, EncodedList, LinkOptions, LinkRun, DEFAULT_THRESHOLD};

use crate::output::write_atomically;

#[derive(clap::Args, Debug)]
pub struct LinkArgs {
    /// Encoded lists from `zicht encode`, one file per list (2 or more).
    #[arg(value_name = "ENCODED.csv", required_unless_present = "from_round")]
    pub files: Vec<PathBuf>,
    /// Link the encoded files delivered in this round (in the store) instead
    /// of files: the lists are named by organisation, the histories and the
    /// linkage's parameters are stored with the round, and the files are
    /// deleted, as are files whose retention date has come.
    #[arg(long, value_name = "ROUND")]
    pub from_round: Option<i64>,
    /// Capture histories: one 0/1 column per list, then `count`. The
    /// histories at the stricter and the looser threshold are written beside
    /// it, as HISTORIES-at-0.85.csv and HISTORIES-at-0.79.csv, and beside
    /// each its linkage record (HISTORIES.linkage.json: threshold, blocking,
    /// encoding, lists, counts), which `zicht estimate --save` stores.
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

pub async fn run(db: &str, args: &LinkArgs) -> anyhow::Result<std::process::ExitCode> {
    let started = Instant::now();
    if !(args.threshold > 0.0 && args.threshold <= 1.0) {
        bail!("--threshold {} must lie in (0, 1]", args.threshold);
    }
    let opts = LinkOptions {
        threshold: args.threshold,
        ..LinkOptions::default()
    };
    let (run, record_ids) = match args.from_round {
        Some(round) => from_round(db, round, args, &opts).await?,
        None => from_files(args, &opts, started)?,
    };

    // Histories in the estimation format: the chosen threshold's at --out,
    // the stricter and the looser beside it; the linkage record beside each.
    let mut written = Vec::new();
    for i in [1, 0, 2] {
        let path = if i == 1 {
            args.out.clone()
        } else {
            beside(&args.out, run.thresholds()[i])
        };
        write_atomically(&path, &run.histories_csv(i))?;
        let record = serde_json::to_string_pretty(&run.record(i))?;
        write_atomically(&linkage_record_path(&path), record.as_bytes())?;
        written.push(path.display().to_string());
    }

    if let Some(path) = &args.clusters {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["cluster", "list", "record_id"])?;
        for (l, ids) in record_ids.iter().enumerate() {
            for (r, id) in ids.iter().enumerate() {
                // An id from a hand-made file never reaches a spreadsheet
                // as a formula (`zicht encode` refuses one).
                w.write_record([
                    run.cluster_of[l][r].to_string().as_str(),
                    &zicht_contract::inert(&run.names[l]),
                    &zicht_contract::inert(id),
                ])?;
            }
        }
        write_atomically(path, &w.into_inner().context("writing the clusters")?)?;
    }

    let report = run.report(started.elapsed().as_secs_f64(), &written);
    match &args.report {
        Some(p) => write_atomically(p, report.as_bytes())?,
        None => eprint!("{report}"),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// The files given on the command line, named by their stems or `--names`.
fn from_files(
    args: &LinkArgs,
    opts: &LinkOptions,
    started: Instant,
) -> anyhow::Result<(LinkRun, Vec<Vec<String>>)> {
    if args.files.len() < 2 {
        bail!("give two or more encoded files, or --from-round ROUND");
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
    let lists: Vec<EncodedList> = args
        .files
        .iter()
        .map(|f| {
            let file = f.display().to_string();
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {file}"))?;
            EncodedList::parse(&bytes, &args.by).map_err(|e| anyhow::anyhow!("{file}: {e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let total: usize = lists.iter().map(EncodedList::len).sum();
    eprintln!(
        "zicht link: {total} records in {} lists read ({:.1} s)",
        lists.len(),
        started.elapsed().as_secs_f64()
    );
    let mut t = Instant::now();
    let run = link_lists(&names, &lists, &args.by, opts, |s| {
        eprintln!(
            "zicht link: stratum {}/{}{}: {} records → {} people ({:.1} s)",
            s.index + 1,
            s.of,
            if args.by.is_empty() {
                String::new()
            } else {
                format!(" ({stratum_column}={})", s.stratum)
            },
            s.records,
            s.people,
            t.elapsed().as_secs_f64()
        );
        t = Instant::now();
    });
    let ids = lists.into_iter().map(|l| l.record_ids).collect();
    Ok((run, ids))
}

/// The encoded files a round holds, linked as an editor's action in the
/// portal does: the lists are named by organisation, the histories and the
/// linkage record are stored with the round, and the files are deleted.
async fn from_round(
    db: &str,
    round: i64,
    args: &LinkArgs,
    opts: &LinkOptions,
) -> anyhow::Result<(LinkRun, Vec<Vec<String>>)> {
    if !args.files.is_empty() || !args.names.is_empty() {
        bail!(
            "--from-round takes the round's files, named by organisation: give no files or --names"
        );
    }
    let store = super::open(db).await?;
    let linked = zicht_service::encoded::link_round(&store, None, round, &args.by, opts)
        .await
        .with_context(|| format!("linking round {round}"))?;
    for r in &linked.swept {
        eprintln!(
            "zicht link: deleted the encoded records of {} in round {}: retention date {} reached",
            r.organisation, r.round_id, r.delete_on
        );
    }
    eprintln!(
        "zicht link: round {round}: linkage {} stored; the encoded files of {} are deleted",
        linked.id,
        linked.run.names.join(", ")
    );
    Ok((linked.run, linked.record_ids))
}

/// `HISTORIES.linkage.json` beside `HISTORIES.csv`: how the histories were
/// made, which `zicht estimate --save` stores with the estimate.
pub fn linkage_record_path(histories: &std::path::Path) -> PathBuf {
    let stem = histories
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "histories".into());
    histories.with_file_name(format!("{stem}.linkage.json"))
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
