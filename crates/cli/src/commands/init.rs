use std::process::ExitCode;

use zicht_store::NewVersion;

#[derive(clap::Args, Debug)]
pub struct InitArgs {}

pub async fn run(db: &str, _args: &InitArgs) -> anyhow::Result<ExitCode> {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
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
            recorded_at: &rc.recorded_at,
            reason: rc.reason.as_deref(),
        })
        .collect();
    let summary = store
        .load("init: embedded monitor", Some(&monitor.catalogue), &versions, None)
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
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
