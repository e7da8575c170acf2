//! `zicht estimate … --save INDICATOR --period P`: the estimate as an
//! `estimate` cell, stored with the capture histories it came from; and
//! `zicht histories` to get those back and reproduce it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zicht_estimate::{estimate_covariates, CaptureHistories, CovariateHistories};
use zicht_linkage::{sha256_hex, LinkageRecord};
use zicht_model::{
    check_figures, format_number_nl, Breakdown, Catalogue, Cell, Figure, Footnote, Lang, Period,
    Provenance, Slug,
};
use zicht_store::{AsOf, NewVersion, StoredHistories};

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
    /// With --from-store: put the stored histories of every year in
    /// --period (`year`) and of each value of these breakdown dimensions
    /// together as strata of one covariate model, and estimate each stratum
    /// and their total (e.g. `--by year,sex`).
    #[arg(
        long,
        value_name = "year,DIM",
        value_delimiter = ',',
        requires = "from_store"
    )]
    pub by: Vec<String>,
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

/// The words the site shows beside an estimate: "estimated N (interval), of
/// whom x% registered" and the registered count itself, in both languages,
/// with how the lists were linked when they were.
fn estimate_words(
    report: &zicht_estimate::Report,
    value: f64,
    interval: Option<(f64, f64)>,
    linkage: Option<&LinkageRecord>,
) -> Footnote {
    let words = |lang: Lang| {
        let n = |v: f64| format_number_nl(v, lang);
        let share = format_number_nl((1000.0 * report.share_observed).round() / 10.0, lang);
        let interval = interval
            .map(|(l, u)| format!(" ({}–{})", n(l), n(u)))
            .unwrap_or_default();
        let registered = n(report.observed as f64);
        let lists = report.lists.len();
        match lang {
            Lang::Nl => {
                let linked = linkage.map_or(String::new(), |l| {
                    format!(
                        "; de lijsten versleuteld gekoppeld bij Dice {}",
                        format_number_nl(l.threshold, lang)
                    )
                });
                format!(
                    "Geschat {}{interval}, waarvan {share}% geregistreerd: {registered} geregistreerd op ten minste één van {lists} lijsten (meervoudige-systemenschatting{linked}).",
                    n(value)
                )
            }
            Lang::En => {
                let linked = linkage.map_or(String::new(), |l| {
                    format!(
                        "; lists linked on encodings at Dice {}",
                        format_number_nl(l.threshold, lang)
                    )
                });
                format!(
                    "Estimated {}{interval}, of whom {share}% registered: {registered} registered on at least one of {lists} lists (multiple systems estimation{linked}).",
                    n(value)
                )
            }
        }
    };
    let text_nl = words(Lang::Nl);
    Footnote {
        id: Slug::for_footnote_text(&text_nl),
        text_nl,
        text_en: words(Lang::En),
    }
}

fn estimate_cell(
    indicator: &Slug,
    period: &Period,
    breakdown: Breakdown,
    report: &zicht_estimate::Report,
    linkage: Option<&LinkageRecord>,
) -> anyhow::Result<(Cell, Footnote)> {
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
    let footnote = estimate_words(report, value, lower.zip(upper), linkage);
    let cell = Cell {
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
            footnotes: vec![footnote.id.clone()],
            quote: format!(
                "geschat {value}{interval}, waarvan {in_view:.1}% geregistreerd / estimated {value}{interval}, of whom {in_view:.1}% registered"
            ),
        },
    };
    Ok((cell, footnote))
}

/// The linkage record `zicht link` wrote beside a histories file, if there
/// is one; refused when it describes other histories than `histories`.
fn linkage_beside(
    file: &std::path::Path,
    histories: &str,
) -> anyhow::Result<Option<LinkageRecord>> {
    let path = super::link::linkage_record_path(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let record: LinkageRecord = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a linkage record of zicht link", path.display()))?;
    if record.histories_sha256 != sha256_hex(histories.as_bytes()) {
        anyhow::bail!(
            "{} describes other capture histories than {} (their SHA-256 differs): link again, or move the stale record away. Nothing was saved",
            path.display(),
            file.display()
        );
    }
    Ok(Some(record))
}

/// The histories of one stored cell. A cell saved with --stratum-column
/// keeps the whole file; its stratum is the rows whose stratum value is the
/// `dim=value` its breakdown gained.
fn stored_stratum(
    text: &str,
    options: &str,
    breakdown: &Breakdown,
    at: &str,
) -> anyhow::Result<CaptureHistories> {
    let column = stratum_column(options);
    let diags = |d: Vec<zicht_estimate::Diagnostic>| {
        let lines: Vec<String> = d.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("stored histories of {at}: {}", lines.join("; "))
    };
    match column {
        None => CaptureHistories::parse_csv(text).map_err(diags),
        Some(column) => CaptureHistories::parse_csv_strata(text, &column)
            .map_err(diags)?
            .into_iter()
            .find(|(label, _)| {
                Breakdown::parse(label).is_ok_and(|b| {
                    b.pairs()
                        .all(|(d, v)| breakdown.get(d.as_str()) == Some(v))
                })
            })
            .map(|(_, data)| data)
            .with_context(|| {
                format!("stored histories of {at}: no stratum of column '{column}' matches the breakdown")
            }),
    }
}

/// The --stratum-column of a saved run, from its options.
fn stratum_column(options: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(options)
        .ok()?
        .get("stratum_column")?
        .as_str()
        .map(str::to_owned)
}

/// The estimation CSV of one table: the lists, then `count`.
fn histories_csv(data: &CaptureHistories) -> String {
    let mut out = format!("{},count\n", data.lists().join(","));
    for (mask, count) in data.patterns() {
        let bits: Vec<&str> = (0..data.n_lists())
            .map(|i| if mask & (1 << i) != 0 { "1" } else { "0" })
            .collect();
        out += &format!("{},{count}\n", bits.join(","));
    }
    out
}

/// `--from-store INDICATOR --period P --by year,DIM…`: the latest stored
/// histories of each year in P (with `year`) and each value of the other
/// dimensions become the strata of one covariate model; each stratum and
/// the total (their sum) are estimated together.
async fn estimate_by(
    store: &zicht_store::Store,
    indicator: &str,
    period: &Period,
    cmd: &EstimateCmd,
) -> anyhow::Result<()> {
    let by_year = cmd.by.iter().any(|b| b == "year");
    let mut dims: Vec<&str> = cmd
        .by
        .iter()
        .map(String::as_str)
        .filter(|b| *b != "year")
        .collect();
    dims.sort_unstable();
    dims.dedup();
    let stored = store.capture_histories_of(indicator).await?;
    let chosen: Vec<&StoredHistories> = stored
        .iter()
        .filter(|h| {
            let in_period = if by_year {
                h.period
                    .as_year()
                    .is_some_and(|y| period.first_year() <= y && y <= period.last_year())
            } else {
                h.period == *period
            };
            let mut have: Vec<&str> = h.breakdown.dimensions().map(|d| d.as_str()).collect();
            have.sort_unstable();
            in_period && have == dims
        })
        .collect();
    if chosen.is_empty() {
        let held: Vec<String> = stored
            .iter()
            .map(|h| format!("{} [{}]", h.period, h.breakdown))
            .collect();
        anyhow::bail!(
            "--from-store {indicator} --period {period} --by {}: no stored histories {} with a breakdown by exactly [{}]; stored: {}. Nothing was computed",
            cmd.by.join(","),
            if by_year { "of a year in the period" } else { "of that period" },
            dims.join(","),
            if held.is_empty() { "none".to_string() } else { held.join(", ") }
        );
    }
    // Each stratum's covariate values, in the order of --by.
    let key = |h: &StoredHistories| -> Vec<String> {
        cmd.by
            .iter()
            .map(|b| match b.as_str() {
                "year" => h.period.to_string(),
                d => h
                    .breakdown
                    .get(d)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            })
            .collect()
    };
    let mut levels: Vec<Vec<String>> = vec![Vec::new(); cmd.by.len()];
    for h in &chosen {
        for (l, v) in levels.iter_mut().zip(key(h)) {
            if !l.contains(&v) {
                l.push(v);
            }
        }
    }
    for l in &mut levels {
        l.sort();
    }
    let tables: Vec<CaptureHistories> = chosen
        .iter()
        .map(|h| {
            let at = format!("{} [{}]", h.period, h.breakdown);
            stored_stratum(&h.histories, &h.options, &h.breakdown, &at)
        })
        .collect::<anyhow::Result<_>>()?;
    let lists: Vec<String> = tables[0].lists().to_vec();
    let t = lists.len();
    let mut strata = vec![vec![0u64; 1 << t]; levels.iter().map(Vec::len).product()];
    let mut filled = vec![false; strata.len()];
    for (h, table) in chosen.iter().zip(&tables) {
        let at = format!("{} [{}]", h.period, h.breakdown);
        // The same lists, perhaps in another column order.
        let position: Vec<usize> = table
            .lists()
            .iter()
            .map(|l| lists.iter().position(|m| m == l))
            .collect::<Option<_>>()
            .filter(|p: &Vec<usize>| p.len() == t)
            .with_context(|| {
                format!(
                    "stored histories of {at} have lists [{}], others [{}]: strata need the same lists",
                    table.lists().join(","),
                    lists.join(",")
                )
            })?;
        let index = key(h).iter().zip(&levels).fold(0, |acc, (v, l)| {
            acc * l.len() + l.iter().position(|x| x == v).unwrap_or(0)
        });
        if std::mem::replace(&mut filled[index], true) {
            anyhow::bail!("two stored cells fall in the same stratum as {at}");
        }
        for (mask, count) in table.patterns() {
            let to = (0..t)
                .filter(|&i| mask & (1 << i) != 0)
                .fold(0usize, |m, i| m | 1 << position[i]);
            strata[index][to] += count;
        }
    }
    let covariates: Vec<(String, Vec<String>)> = cmd.by.iter().cloned().zip(levels).collect();
    let data = CovariateHistories::new(lists, covariates, strata)?;
    let report = estimate_covariates(&data, cmd.args.level)
        .map_err(|e| anyhow::anyhow!("{indicator} {period} by {}: {e}", cmd.by.join(",")))?;
    if cmd.args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.render_text());
    }
    Ok(())
}

pub async fn run(db: &str, cmd: &EstimateCmd) -> anyhow::Result<ExitCode> {
    if let Some(indicator) = &cmd.from_store {
        // Refused before anything is read or computed.
        let store = super::open(db).await?;
        let cat = store.catalogue().await?;
        let Some(ind) = cat.indicator(indicator) else {
            anyhow::bail!(
                "--from-store: unknown indicator '{indicator}': run `zicht indicators` for the list; nothing was computed"
            );
        };
        if !ind.estimates {
            anyhow::bail!(
                "--from-store: indicator '{indicator}' holds registered figures, not estimates; nothing was computed"
            );
        }
        if !cmd.by.is_empty() {
            if cmd.save.is_some() {
                anyhow::bail!(
                    "--by estimates strata together in a covariate model, which --save does not store yet. Nothing was computed"
                );
            }
            let period = Period::parse(cmd.period.as_deref().unwrap_or_default())
                .context("--period: e.g. --period 2010/2015")?;
            estimate_by(&store, indicator, &period, cmd).await?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    let stored = match &cmd.from_store {
        Some(indicator) => {
            let store = super::open(db).await?;
            let period =
                Period::parse(cmd.period.as_deref().unwrap_or_default()).context("--period")?;
            let breakdown = Breakdown::parse(&cmd.breakdown).context("--breakdown")?;
            let Some((histories, options, at)) = store
                .capture_histories(indicator, &period, &breakdown)
                .await?
            else {
                anyhow::bail!(
                    "--from-store: no capture histories are stored for {indicator} {period} [{breakdown}]: save an estimate with `zicht estimate FILE --save {indicator} --period {period}` first"
                );
            };
            let name = format!("{indicator} {period} [{breakdown}] (histories recorded {at})");
            // A cell saved with --stratum-column holds the whole file: its
            // own stratum is what it was estimated from.
            let histories = if stratum_column(&options).is_some() {
                histories_csv(&stored_stratum(&histories, &options, &breakdown, &name)?)
            } else {
                histories
            };
            // A re-estimate keeps the linkage the histories came from.
            let linkage: Option<LinkageRecord> =
                serde_json::from_str::<serde_json::Value>(&options)
                    .ok()
                    .and_then(|o| o.get("linkage").cloned())
                    .and_then(|l| serde_json::from_value(l).ok());
            Some((name, histories, linkage))
        }
        None => None,
    };
    let compute = |args: &super::estimate::EstimateArgs| match &stored {
        Some((name, text, _)) => super::estimate::run_text(args, name, text),
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
    let (histories, linkage) = match (&stored, &cmd.args.file) {
        (Some((_, text, linkage)), _) => (text.clone(), linkage.clone()),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file)?;
            let linkage = linkage_beside(file, &text)?;
            (text, linkage)
        }
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
        // How the histories were linked, so the number can be made again
        // from the same encoded files (`zicht link` with these parameters).
        "linkage": linkage,
    }))?;
    let recorded_at = zicht_store::now();
    let mut cells = Vec::new();
    let mut catalogue: Catalogue = cat.clone();
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
        let (cell, footnote) =
            estimate_cell(&indicator, &period, breakdown, report, linkage.as_ref())?;
        if catalogue.footnotes.iter().all(|f| f.id != footnote.id) {
            catalogue.footnotes.push(footnote);
        }
        cells.push(cell);
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
    let problems = check_figures(&catalogue, &cells, &current, cmd.reason.as_deref());
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
                Some(&catalogue),
                &histories,
                &options,
            )
            .await?;
        eprintln!(
            "saved as {} {} [{}] with its capture histories{}",
            cell.indicator,
            cell.period,
            cell.breakdown,
            match &linkage {
                Some(l) => format!(
                    " and the linkage they came from (Dice {:.2}, {} lists)",
                    l.threshold,
                    l.lists.len()
                ),
                None => String::new(),
            }
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
