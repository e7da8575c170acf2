use std::path::PathBuf;
use std::process::ExitCode;

use std::collections::HashMap;

use anyhow::Context;
use zicht_model::{check_figures, Cell, Figure, FigureProblem, Slug};
use zicht_store::{AsOf, NewVersion};

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

pub async fn run(db: &str, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {name}"))?;
    let store = super::open(db).await?;
    let mut cat = store.catalogue().await?;
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
    eprintln!("reading {name}…");
    let (mut parsed, mut diags) = zicht_ingest::parse_export_csv(
        &name,
        &text,
        &cat,
        recorded_at,
        args.reason.as_deref(),
        document.as_ref(),
    );

    eprintln!("checking {} cells against the store…", parsed.cells.len());
    let mut indicators: Vec<&str> = parsed
        .cells
        .iter()
        .map(|rc| rc.cell.indicator.as_str())
        .collect();
    indicators.sort_unstable();
    indicators.dedup();
    let mut current = Vec::new();
    for ind in indicators {
        current.extend(store.cells(&AsOf::Latest, Some(ind)).await?);
    }
    let current_by_key: HashMap<_, &Cell> =
        current.iter().map(|s| (s.cell.key(), &s.cell)).collect();
    // The contract has no column for a rounding base; a rounded value that
    // the store already holds keeps the base it was recorded with.
    for rc in &mut parsed.cells {
        if let (Figure::Rounded { value, .. }, Some(old)) =
            (rc.cell.figure, current_by_key.get(&rc.cell.key()))
        {
            if let Figure::Rounded { value: v, base } = old.figure {
                if v == value {
                    rc.cell.figure = Figure::Rounded { value, base };
                }
            }
        }
    }
    // The one check every way in makes (zicht_model::check_figures): per
    // cell, additivity over what the store will hold (only a contradiction
    // this import makes is its fault, so export → import round-trips), and
    // a reason for every correction. Footnotes new to the store come with
    // the import.
    cat.footnotes.extend(parsed.new_footnotes.iter().cloned());
    let incoming: Vec<&Cell> = parsed.cells.iter().map(|rc| &rc.cell).collect();
    let held: Vec<&Cell> = current.iter().map(|s| &s.cell).collect();
    for p in check_figures(&cat, &incoming, &held, args.reason.as_deref()) {
        // ingest reported the per-cell problems of its rows already, with
        // the same words; what needs the store is new here.
        if !already_reported(&diags, &p) {
            diags.push(zicht_ingest::Diagnostic::new(
                &name,
                Some(parsed.cells[p.cell].line),
                Some(p.field),
                p.message,
            ));
        }
    }

    if !diags.is_empty() {
        eprint!("{diags}");
        eprintln!(
            "{} problem(s) in {name}; nothing was imported. Fix them and run the import again.",
            diags.len()
        );
        return Ok(ExitCode::from(2));
    }
    let versions: Vec<NewVersion<'_>> = parsed
        .cells
        .iter()
        .map(|rc| NewVersion {
            cell: &rc.cell,
            recorded_at: rc.recorded_at,
            reason: rc.reason.as_deref(),
        })
        .collect();
    eprintln!("storing…");
    let summary = store
        .load(
            &format!("import: {name}"),
            Some(&cat),
            &versions,
            args.reason.as_deref(),
        )
        .await?;
    println!(
        "{name}: {} cells recorded, {} unchanged",
        summary.cells_added, summary.cells_unchanged
    );
    Ok(ExitCode::SUCCESS)
}

fn already_reported(diags: &zicht_ingest::Diagnostics, p: &FigureProblem) -> bool {
    diags.iter().any(|d| d.message == p.message)
}
