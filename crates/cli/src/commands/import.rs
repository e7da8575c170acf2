use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zicht_model::{check_figures, Cell, Figure, Period, Slug};
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
    let mut diags = zicht_ingest::Diagnostics::default();
    let mut rows =
        zicht_ingest::ExportCsvBatches::new(&name, &text, &cat, document.as_ref(), &mut diags);
    eprintln!("checking {} cells against the store…", rows.rows());
    // What the checks know: the catalogue and the footnotes new to the
    // store that the import brings, as they turn up.
    let mut checked_by = cat.clone();
    let mut load = store
        .begin_bulk_load(&format!("import: {name}"), reason)
        .await?;
    while let Some(mut batch) = rows.next_batch(BATCH_ROWS, &mut diags) {
        let known = checked_by.footnotes.len() - cat.footnotes.len();
        checked_by
            .footnotes
            .extend(rows.new_footnotes()[known..].iter().cloned());
        let current = current_of(&mut load, &batch).await?;
        let current_by_key: HashMap<_, &Cell> = current
            .iter()
            .map(|s| (s.cell.key_ref(), &s.cell))
            .collect();
        // The contract has no column for a rounding base; a rounded value
        // that the store already holds keeps the base it was recorded with.
        for row in &mut batch {
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
        drop(current_by_key);
        // The one check every way in makes (zicht_model::check_figures),
        // once per cell: the cell against the catalogue, additivity over
        // what the store will hold (only a contradiction this import makes
        // is its fault, so export → import round-trips) and a reason for
        // every correction. A batch holds whole indicators-and-periods, so
        // it sees what the whole file would.
        let incoming: Vec<&Cell> = batch.iter().map(|r| &r.cell).collect();
        let held: Vec<&Cell> = current.iter().map(|s| &s.cell).collect();
        for p in check_figures(&checked_by, &incoming, &held, reason) {
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
            let versions: Vec<NewVersion<'_>> = batch
                .iter()
                .map(|r| NewVersion {
                    cell: &r.cell,
                    recorded_at,
                    reason,
                })
                .collect();
            load.record(&versions, &current).await?;
        }
    }
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
    eprintln!("storing…");
    let summary = load.finish(Some(&checked_by)).await?;
    println!(
        "{name}: {} cells recorded, {} unchanged",
        summary.cells_added, summary.cells_unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// What the store holds now for the batch's indicators and periods.
async fn current_of(
    load: &mut zicht_store::BulkLoad,
    batch: &[zicht_ingest::ImportRow],
) -> anyhow::Result<Vec<zicht_store::StoredCell>> {
    let mut periods: HashMap<&str, HashSet<&Period>> = HashMap::new();
    for r in batch {
        periods
            .entry(r.cell.indicator.as_str())
            .or_default()
            .insert(&r.cell.period);
    }
    let mut current = Vec::new();
    for (indicator, ps) in periods {
        let ps: Vec<&Period> = ps.into_iter().collect();
        current.extend(load.current(indicator, &ps).await?);
    }
    Ok(current)
}
