use std::process::ExitCode;

use crate::output::table;

#[derive(clap::Args, Debug)]
pub struct IndicatorsArgs {
    /// Only the indicators of this theme.
    #[arg(long)]
    pub theme: Option<String>,
}

pub async fn run(db: &str, args: &IndicatorsArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    if cat.indicators.is_empty() {
        eprintln!("the store has no indicators yet: run `zicht init` first");
        return Ok(ExitCode::from(1));
    }
    let cells = store.cells(&zicht_store::AsOf::Latest, None).await?;
    let rows: Vec<Vec<String>> = cat
        .indicators
        .iter()
        .filter(|i| args.theme.as_deref().is_none_or(|t| i.theme.as_str() == t))
        .map(|i| {
            let mine: Vec<_> = cells.iter().filter(|c| c.cell.indicator == i.id).collect();
            let years = match (mine.first(), mine.last()) {
                (Some(a), Some(b)) if a.cell.period != b.cell.period => {
                    format!("{}–{}", a.cell.period, b.cell.period)
                }
                (Some(a), _) => a.cell.period.to_string(),
                _ => String::new(),
            };
            vec![
                i.id.to_string(),
                i.label_nl.clone(),
                i.export_unit().to_owned(),
                years,
                mine.len().to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["indicator", "label", "unit", "periods", "cells"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn editions(db: &str) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    let rows: Vec<Vec<String>> = cat
        .documents
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                format!("{:?}", d.kind).to_lowercase(),
                d.cutoff.to_string(),
                d.label_nl.clone(),
            ]
        })
        .collect();
    print!("{}", table(&["id", "kind", "cut-off", "title"], &rows));
    Ok(ExitCode::SUCCESS)
}
