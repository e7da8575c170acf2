use std::process::ExitCode;

use zicht_model::{FigureDisplay, Lang};

use super::AsOfArgs;
use crate::output::table;

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The indicator id (see `zicht indicators`).
    pub indicator: String,
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Write labels and numbers in English instead of Dutch.
    #[arg(long)]
    pub english: bool,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The indicator id (see `zicht indicators`).
    pub indicator: String,
}

fn unknown_indicator(id: &str, cat: &zicht_model::Catalogue) -> anyhow::Error {
    let near: Vec<&str> = cat
        .indicators
        .iter()
        .map(|i| i.id.as_str())
        .filter(|i| i.contains(id) || id.contains(*i))
        .take(5)
        .collect();
    if near.is_empty() {
        anyhow::anyhow!("unknown indicator '{id}': run `zicht indicators` for the list")
    } else {
        anyhow::anyhow!(
            "unknown indicator '{id}'; did you mean: {}?",
            near.join(", ")
        )
    }
}

pub async fn run(db: &str, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    let ind = cat
        .indicator(&args.indicator)
        .ok_or_else(|| unknown_indicator(&args.indicator, &cat))?;
    let lang = if args.english { Lang::En } else { Lang::Nl };
    let cells = store
        .cells(&args.as_of.as_of()?, Some(&args.indicator))
        .await?;
    let (label, definition) = match lang {
        Lang::Nl => (&ind.label_nl, &ind.definition_nl),
        Lang::En => (&ind.label_en, &ind.definition_en),
    };
    println!("{label}");
    println!("{}  ·  {}", ind.id, ind.export_unit());
    if !definition.is_empty() {
        println!("{definition}");
    }
    println!();
    if cells.is_empty() {
        println!("(no cells known at that moment)");
        return Ok(ExitCode::SUCCESS);
    }
    let mut notes: Vec<&str> = Vec::new();
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|s| {
            let c = &s.cell;
            let marks: Vec<String> = c
                .provenance
                .footnotes
                .iter()
                .map(|f| {
                    let pos = notes
                        .iter()
                        .position(|n| *n == f.as_str())
                        .unwrap_or_else(|| {
                            notes.push(f.as_str());
                            notes.len() - 1
                        });
                    format!("[{}]", pos + 1)
                })
                .collect();
            vec![
                c.period.to_string(),
                if c.breakdown.is_total() {
                    if lang == Lang::Nl { "totaal" } else { "total" }.to_owned()
                } else {
                    c.breakdown.to_string()
                },
                format!(
                    "{}{}",
                    FigureDisplay {
                        figure: &c.figure,
                        unit: ind.unit,
                        lang
                    },
                    marks.join("")
                ),
                c.provenance
                    .document
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                c.provenance.source_ref.clone(),
            ]
        })
        .collect();
    let header = match lang {
        Lang::Nl => ["periode", "uitsplitsing", "waarde", "editie", "bron"],
        Lang::En => ["period", "breakdown", "value", "edition", "source"],
    };
    print!("{}", table(&header, &rows));
    if !notes.is_empty() {
        println!();
        for (i, id) in notes.iter().enumerate() {
            let text = cat
                .footnote(id)
                .map(|f| match lang {
                    Lang::Nl => f.text_nl.as_str(),
                    Lang::En if !f.text_en.is_empty() => f.text_en.as_str(),
                    Lang::En => f.text_nl.as_str(),
                })
                .unwrap_or(id);
            println!("[{}] {text}", i + 1);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn history(db: &str, args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    let ind = cat
        .indicator(&args.indicator)
        .ok_or_else(|| unknown_indicator(&args.indicator, &cat))?;
    let versions = store.history(&args.indicator).await?;
    let mut versions: Vec<_> = versions.iter().collect();
    versions.sort_by(|a, b| {
        (&a.cell.period, a.cell.breakdown.to_string(), &a.recorded_at).cmp(&(
            &b.cell.period,
            b.cell.breakdown.to_string(),
            &b.recorded_at,
        ))
    });
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|s| {
            vec![
                s.cell.period.to_string(),
                s.cell.breakdown.to_string(),
                FigureDisplay {
                    figure: &s.cell.figure,
                    unit: ind.unit,
                    lang: Lang::Nl,
                }
                .to_string(),
                s.recorded_at.to_string(),
                s.cell
                    .provenance
                    .document
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                s.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "period",
                "breakdown",
                "value",
                "recorded",
                "document",
                "reason"
            ],
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}
