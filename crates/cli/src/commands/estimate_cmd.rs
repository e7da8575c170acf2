//! `zicht estimate … --save INDICATOR --period P`: the estimate as an
//! `estimate` cell, stored with the capture histories it came from; and
//! `zicht histories` to get those back and reproduce it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zicht_model::{check_figures, Breakdown, Cell, Figure, Period, Provenance, Slug};
use zicht_store::{AsOf, NewVersion};

use super::estimate::{EstimateArgs, EstimateOutcome};
use crate::output::emit;

#[derive(clap::Args, Debug)]
pub struct EstimateCmd {
    #[command(flatten)]
    pub args: EstimateArgs,
    /// Save the estimate as an `estimate` cell of this indicator, with the
    /// capture histories and options, so the monitor can publish it and
    /// anyone can reproduce it.
    #[arg(long, value_name = "INDICATOR", requires = "period")]
    pub save: Option<String>,
    /// The period of the saved cell (ISO 8601, e.g. 2024).
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// The breakdown of the saved cell (dim=value;…); with --stratum-column,
    /// each stratum's name is added to it as a dim=value pair.
    #[arg(long, value_name = "BREAKDOWN", default_value = "")]
    pub breakdown: String,
    /// Why this estimate replaces an earlier one.
    #[arg(long)]
    pub reason: Option<String>,
    /// Estimate again from the capture histories stored with an earlier
    /// estimate of this indicator (with --period and --breakdown), so a
    /// re-estimate with other options needs no file.
    #[arg(
        long,
        value_name = "INDICATOR",
        requires = "period",
        conflicts_with = "file"
    )]
    pub from_store: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct HistoriesArgs {
    /// The indicator of a saved estimate.
    pub indicator: String,
    #[arg(long)]
    pub period: String,
    #[arg(long, default_value = "")]
    pub breakdown: String,
    /// Write the capture histories to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn estimate_cell(
    indicator: &Slug,
    period: &Period,
    breakdown: Breakdown,
    report: &zicht_estimate::Report,
) -> anyhow::Result<Cell> {
    // Whole persons: the point rounds, the interval widens outward.
    let value = report.estimate.round();
    let lower = report.ci_lower.map(f64::floor);
    let upper = report.ci_upper.map(f64::ceil);
    let figure = Figure::from_parts(
        zicht_model::Status::Estimate,
        Some(value),
        lower,
        upper,
        None,
    )
    .context("the estimate cannot be stored as a cell")?;
    let in_view = 100.0 * report.share_observed;
    let interval = match (lower, upper) {
        (Some(l), Some(u)) => format!(" ({l}–{u})"),
        _ => String::new(),
    };
    Ok(Cell {
        indicator: indicator.clone(),
        period: period.clone(),
        breakdown,
        figure,
        provenance: Provenance {
            source: None,
            source_ref: format!(
                "zicht estimate: {}; {} observed; interval {} {:.0}%",
                report.model,
                report.observed,
                report.ci_method,
                100.0 * report.level
            ),
            document: None,
            footnotes: Vec::new(),
            quote: format!(
                "geschat {value}{interval}, waarvan {in_view:.1}% geregistreerd / estimated {value}{interval}, of whom {in_view:.1}% registered"
            ),
        },
    })
}

pub async fn run(db: &str, cmd: &EstimateCmd) -> anyhow::Result<ExitCode> {
    let stored = match &cmd.from_store {
        Some(indicator) => {
            let store = super::open(db).await?;
            let period =
                Period::parse(cmd.period.as_deref().unwrap_or_default()).context("--period")?;
            let breakdown = Breakdown::parse(&cmd.breakdown).context("--breakdown")?;
            let Some((histories, _, at)) = store
                .capture_histories(indicator, &period, &breakdown)
                .await?
            else {
                anyhow::bail!(
                    "--from-store: no capture histories are stored for {indicator} {period} [{breakdown}]: save an estimate with `zicht estimate FILE --save {indicator} --period {period}` first"
                );
            };
            let name = format!("{indicator} {period} [{breakdown}] (histories recorded {at})");
            Some((name, histories))
        }
        None => None,
    };
    let compute = |args: &super::estimate::EstimateArgs| match &stored {
        Some((name, text)) => super::estimate::run_text(args, name, text),
        None => super::estimate::run(args),
    };
    let Some(indicator) = &cmd.save else {
        compute(&cmd.args)?;
        return Ok(ExitCode::SUCCESS);
    };
    // Where the estimate would go is checked before anything is computed:
    // a sampler or a bootstrap may take seconds.
    let period = Period::parse(cmd.period.as_deref().unwrap_or_default())
        .context("--period: give the period of the saved cell, e.g. --period 2024")?;
    let base = Breakdown::parse(&cmd.breakdown).context("--breakdown")?;
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    let indicator = Slug::parse(indicator).context("--save")?;
    let Some(ind) = cat.indicator(indicator.as_str()) else {
        anyhow::bail!(
            "--save: unknown indicator '{indicator}': run `zicht indicators` for the list; nothing was computed"
        );
    };
    if !ind.estimates {
        anyhow::bail!(
            "--save: indicator '{indicator}' holds registered figures, not estimates: an estimate never \
             replaces a registered count; save it into an indicator declared with `estimates = true`. \
             Nothing was computed"
        );
    }
    if let Some(problem) = ind.period_problem(&period) {
        anyhow::bail!("--period: {problem}; nothing was computed");
    }
    if !cmd.args.covariates.is_empty() {
        anyhow::bail!(
            "--save stores one estimate per stratum column; a covariate model (--covariates) is not saved yet. Nothing was computed"
        );
    }
    let outcome: EstimateOutcome = compute(&cmd.args)?;
    let histories = match (&stored, &cmd.args.file) {
        (Some((_, text)), _) => text.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)?,
        (None, None) => anyhow::bail!("give a capture-histories file, or --from-store"),
    };
    let options = serde_json::to_string(&serde_json::json!({
        "method": format!("{:?}", cmd.args.method).to_lowercase(),
        "threshold": cmd.args.threshold,
        "bootstrap": cmd.args.bootstrap,
        "seed": cmd.args.seed,
        "level": cmd.args.level,
        "stratum_column": cmd.args.stratum_column,
        "classes": cmd.args.classes,
        "burn_in": cmd.args.burn_in,
        "thinning": cmd.args.thinning,
        "samples": cmd.args.samples,
        "chains": cmd.args.chains,
    }))?;
    let recorded_at = zicht_store::now();
    let mut cells = Vec::new();
    for (stratum, report) in &outcome.reports {
        let breakdown = match stratum {
            None => base.clone(),
            Some(s) => {
                let pair = Breakdown::parse(s).with_context(|| {
                    format!("stratum '{s}' must be a dim=value pair to be saved as a breakdown")
                })?;
                Breakdown::from_pairs(
                    base.pairs()
                        .chain(pair.pairs())
                        .map(|(d, v)| (d.clone(), v.clone())),
                )
            }
        };
        cells.push(estimate_cell(&indicator, &period, breakdown, report)?);
    }
    // The check every way in makes: an estimate only goes into an
    // indicator that holds estimates, never over a registered count, and
    // replacing an earlier estimate is a correction that needs a reason.
    let current: Vec<Cell> = store
        .cells(&AsOf::Latest, Some(indicator.as_str()))
        .await?
        .into_iter()
        .map(|s| s.cell)
        .collect();
    let problems = check_figures(&cat, &cells, &current, cmd.reason.as_deref());
    if !problems.is_empty() {
        for p in &problems {
            let c = &cells[p.cell];
            eprintln!(
                "--save {} {} [{}]: field '{}': {}",
                c.indicator, c.period, c.breakdown, p.field, p.message
            );
        }
        anyhow::bail!("the estimate was not saved");
    }
    for cell in &cells {
        store
            .save_estimate(
                NewVersion {
                    cell,
                    recorded_at,
                    reason: cmd.reason.as_deref(),
                },
                &histories,
                &options,
            )
            .await?;
        eprintln!(
            "saved as {} {} [{}] with its capture histories",
            cell.indicator, cell.period, cell.breakdown
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn histories(db: &str, args: &HistoriesArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let period = Period::parse(&args.period)?;
    let breakdown = Breakdown::parse(&args.breakdown)?;
    let Some((histories, options, at)) = store
        .capture_histories(&args.indicator, &period, &breakdown)
        .await?
    else {
        anyhow::bail!(
            "no capture histories are stored for {} {} [{}]: save an estimate with `zicht estimate FILE --save {} --period {}`",
            args.indicator, period, breakdown, args.indicator, period
        );
    };
    eprintln!("recorded {at}, options {options}");
    emit(args.out.as_deref(), histories.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
