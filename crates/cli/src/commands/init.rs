use std::process::ExitCode;

use std::path::{Path, PathBuf};

use anyhow::Context;
use zicht_store::NewVersion;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Load a monitor from this directory (same layout as the embedded data/)
    /// instead of the embedded default.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Reads every .toml and .csv file under `dir`, by path relative to it.
fn read_data_dir(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> anyhow::Result<()> {
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("toml" | "csv")
            ) {
                let rel = path
                    .strip_prefix(root)?
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                out.push((rel, text));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

pub async fn run(db: &str, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let owned = match &args.data {
        Some(dir) => Some(read_data_dir(dir)?),
        None => None,
    };
    let (monitor, diags) = match &owned {
        Some(files) => {
            let files: Vec<zicht_ingest::DataFile<'_>> = files
                .iter()
                .map(|(path, text)| zicht_ingest::DataFile { path, text })
                .collect();
            eprintln!("parsing {} data files…", files.len());
            zicht_ingest::parse_monitor(&files)
        }
        None => zicht_ingest::embedded_monitor(),
    };
    eprint!("{diags}");
    if diags.errors() > 0 {
        anyhow::bail!(
            "the embedded monitor has {} problem(s); nothing was loaded",
            diags.errors()
        );
    }
    let store = super::open(db).await?;
    let versions: Vec<NewVersion<'_>> = monitor
        .cells
        .iter()
        .map(|rc| NewVersion {
            cell: &rc.cell,
            recorded_at: rc.recorded_at,
            reason: rc.reason.as_deref(),
        })
        .collect();
    eprintln!("storing {} cells…", versions.len());
    let origin = match &args.data {
        Some(d) => format!("init: {}", d.display()),
        None => "init: embedded monitor".to_owned(),
    };
    let summary = store
        .load(&origin, Some(&monitor.catalogue), &versions, None)
        .await?;
    println!(
        "store {db}: {} definitions new or changed, {} cells recorded, {} already there",
        summary.definitions_changed, summary.cells_added, summary.cells_unchanged
    );
    println!(
        "the monitor has {} indicators, {} documents ({} editions), {} recommendations, {} policy measures",
        monitor.catalogue.indicators.len(),
        monitor.catalogue.documents.len(),
        monitor.catalogue.editions().len(),
        monitor.catalogue.recommendations.len(),
        monitor.catalogue.measures.len()
    );
    // Every text checked as it will be published once all embargoes have
    // passed: an edition still under embargo is exactly what to check now.
    let after_every_embargo = zicht_model::Instant::MAX;
    super::publish::print_text_warnings(&store, after_every_embargo).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
