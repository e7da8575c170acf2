use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use zicht_model::{check_figures, Cell, Figure, Footnote, Period, Slug};
use zicht_store::NewVersion;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A CSV in the export contract (header indicator,period,breakdown,status,value,lower,upper,unit,source,footnote).
    pub file: PathBuf,
    /// Why these values replace earlier ones, kept with every corrected value.
    #[arg(long)]
    pub reason: Option<String>,
    /// The edition or document these figures belong to.
    #[arg(long)]
    pub document: Option<String>,
}

/// Rows checked and stored at a time: whole indicators-and-periods, so a
/// million cells go through in bounded memory.
const BATCH_ROWS: usize = 20_000;

/// What the reading thread hands on: the rows of whole
/// indicators-and-periods, the problems found reading them, and the
/// footnotes new to the store that they brought.
struct ReadBatch {
    rows: Vec<zicht_ingest::ImportRow>,
    diags: Vec<zicht_ingest::Diagnostic>,
    new_footnotes: Vec<Footnote>,
}

/// A batch checked and waiting to be written, with what the store held for
/// its keys.
struct Checked {
    rows: Vec<zicht_ingest::ImportRow>,
    current: Vec<zicht_store::StoredCell>,
}

impl Checked {
    /// Whether `rows` touch an indicator and period of this batch: then
    /// their current values must be read after this batch is written.
    fn overlaps(&self, rows: &[zicht_ingest::ImportRow]) -> bool {
        let mine: HashSet<(&str, &Period)> = groups(&self.rows).collect();
        groups(rows).any(|g| mine.contains(&g))
    }

    async fn write(
        self,
        load: &mut zicht_store::BulkLoad,
        recorded_at: zicht_model::Instant,
        reason: Option<&str>,
    ) -> anyhow::Result<()> {
        let versions: Vec<NewVersion<'_>> = self
            .rows
            .iter()
            .map(|r| NewVersion {
                cell: &r.cell,
                recorded_at,
                reason,
            })
            .collect();
        load.record(&versions, &self.current).await?;
        Ok(())
    }
}

pub async fn run(db: &str, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {name}"))?;
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    if cat.indicators.is_empty() {
        anyhow::bail!("the store has no indicators: run `zicht init` first");
    }
    let document = match &args.document {
        Some(d) => {
            let slug = Slug::parse(d)?;
            if cat.document(d).is_none() {
                anyhow::bail!("unknown document '{d}': run `zicht editions` for the list");
            }
            Some(slug)
        }
        None => None,
    };
    let recorded_at = zicht_store::now();
    let reason = args.reason.as_deref();
    eprintln!("reading {name}…");
    // Three stages side by side, batch by batch: a thread reads and parses
    // the file, a blocking task checks a batch while the database writes
    // the one before it.
    let (read_tx, read_rx) = std::sync::mpsc::sync_channel::<ReadBatch>(1);
    let (count_tx, count_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<_>)>(1);
    let reader = {
        let (name, cat, document) = (name.clone(), cat.clone(), document.clone());
        std::thread::spawn(move || {
            let mut diags = zicht_ingest::Diagnostics::default();
            let mut rows = zicht_ingest::ExportCsvBatches::new(
                &name,
                &text,
                &cat,
                document.as_ref(),
                &mut diags,
            );
            if count_tx
                .send((rows.rows(), std::mem::take(&mut diags.0)))
                .is_err()
            {
                return;
            }
            let mut known = 0;
            while let Some(batch) = rows.next_batch(BATCH_ROWS, &mut diags) {
                let new_footnotes = rows.new_footnotes()[known..].to_vec();
                known += new_footnotes.len();
                let sent = read_tx.send(ReadBatch {
                    rows: batch,
                    diags: std::mem::take(&mut diags.0),
                    new_footnotes,
                });
                if sent.is_err() {
                    return;
                }
            }
        })
    };
    let mut diags = zicht_ingest::Diagnostics::default();
    let (rows, shape) = recv(&count_rx).unwrap_or_default();
    diags.0.extend(shape);
    eprintln!("checking {rows} cells against the store…");
    // What the checks know: the catalogue and the footnotes new to the
    // store that the import brings, as they turn up.
    let mut checked_by = Arc::new(cat);
    let mut load = store
        .begin_bulk_load(&format!("import: {name}"), reason)
        .await?;
    let mut pending: Option<Checked> = None;
    while let Some(read) = recv(&read_rx) {
        diags.0.extend(read.diags);
        if !read.new_footnotes.is_empty() {
            Arc::make_mut(&mut checked_by)
                .footnotes
                .extend(read.new_footnotes);
        }
        let mut batch = read.rows;
        if let Some(p) = pending.take_if(|p| p.overlaps(&batch)) {
            p.write(&mut load, recorded_at, reason).await?;
        }
        let current = current_of(&mut load, &batch).await?;
        keep_bases(&mut batch, &current);
        let check = {
            let (catalogue, reason) = (checked_by.clone(), args.reason.clone());
            tokio::task::spawn_blocking(move || {
                // The one check every way in makes
                // (zicht_model::check_figures), once per cell: the cell
                // against the catalogue, additivity over what the store
                // will hold (only a contradiction this import makes is its
                // fault, so export → import round-trips) and a reason for
                // every correction. A batch holds whole
                // indicators-and-periods, so it sees what the whole file
                // would.
                let incoming: Vec<&Cell> = batch.iter().map(|r| &r.cell).collect();
                let held: Vec<&Cell> = current.iter().map(|s| &s.cell).collect();
                let problems = check_figures(&catalogue, &incoming, &held, reason.as_deref());
                drop((incoming, held));
                (batch, current, problems)
            })
        };
        // The batch before is written while this one is checked.
        if let Some(p) = pending.take() {
            p.write(&mut load, recorded_at, reason).await?;
        }
        let (batch, current, problems) = check.await?;
        for p in problems {
            diags.push(zicht_ingest::Diagnostic::new(
                &name,
                Some(batch[p.cell].line),
                Some(p.field),
                p.message,
            ));
        }
        // After a problem nothing more is written; the rest is still
        // checked, so that every problem is reported at once.
        if diags.is_empty() {
            pending = Some(Checked {
                rows: batch,
                current,
            });
        }
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the thread reading {name} failed"))?;
    if !diags.is_empty() {
        // Dropping the load rolls back what it wrote.
        drop(load);
        diags.0.sort_by_key(|d| d.line);
        eprint!("{diags}");
        eprintln!(
            "{} problem(s) in {name}; nothing was imported. Fix them and run the import again.",
            diags.len()
        );
        return Ok(ExitCode::from(2));
    }
    if let Some(p) = pending.take() {
        p.write(&mut load, recorded_at, reason).await?;
    }
    eprintln!("storing…");
    let summary = load.finish(Some(&checked_by)).await?;
    println!(
        "{name}: {} cells recorded, {} unchanged",
        summary.cells_added, summary.cells_unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// The next message of the reading thread; `None` once it is done. The
/// wait blocks this thread, not the runtime's workers.
fn recv<T>(rx: &std::sync::mpsc::Receiver<T>) -> Option<T> {
    tokio::task::block_in_place(|| rx.recv().ok())
}

/// The contract has no column for a rounding base; a rounded value that the
/// store already holds keeps the base it was recorded with.
fn keep_bases(batch: &mut [zicht_ingest::ImportRow], current: &[zicht_store::StoredCell]) {
    if !batch
        .iter()
        .any(|r| matches!(r.cell.figure, Figure::Rounded { .. }))
    {
        return;
    }
    let current_by_key: foldhash::HashMap<_, &Cell> = current
        .iter()
        .map(|s| (s.cell.key_ref(), &s.cell))
        .collect();
    for row in batch {
        if let (Figure::Rounded { value, .. }, Some(old)) =
            (row.cell.figure, current_by_key.get(&row.cell.key_ref()))
        {
            if let Figure::Rounded { value: v, base } = old.figure {
                if v == value {
                    row.cell.figure = Figure::Rounded { value, base };
                }
            }
        }
    }
}

/// What the store holds now for the batch's indicators and periods.
async fn current_of(
    load: &mut zicht_store::BulkLoad,
    batch: &[zicht_ingest::ImportRow],
) -> anyhow::Result<Vec<zicht_store::StoredCell>> {
    let mut periods: HashMap<&str, HashSet<&Period>> = HashMap::new();
    for (indicator, period) in groups(batch) {
        periods.entry(indicator).or_default().insert(period);
    }
    let mut current = Vec::new();
    for (indicator, ps) in periods {
        let ps: Vec<&Period> = ps.into_iter().collect();
        current.extend(load.current(indicator, &ps).await?);
    }
    Ok(current)
}

/// The indicators and periods of `rows`, a run of rows of one group once: a
/// batch comes group by group, so each group is named about once.
fn groups(rows: &[zicht_ingest::ImportRow]) -> impl Iterator<Item = (&str, &Period)> {
    let mut last: Option<(&str, &Period)> = None;
    rows.iter().filter_map(move |r| {
        let g = (r.cell.indicator.as_str(), &r.cell.period);
        (last != Some(g)).then(|| {
            last = Some(g);
            g
        })
    })
}
