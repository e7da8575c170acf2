use std::path::PathBuf;
use std::process::ExitCode;

use zicht_publish::Format;

use super::AsOfArgs;
use crate::output::emit;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    Csv,
    Json,
    Xlsx,
    /// SDMX-CSV 2.0 data (its structure: `--format sdmx-structure`).
    Sdmx,
    /// The SDMX-ML 3.0 structure message (DSD, code lists, concepts,
    /// dataflow) that `--format sdmx` conforms to.
    SdmxStructure,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Write to this file (written whole or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Only this indicator.
    #[arg(long)]
    pub indicator: Option<String>,
    /// Every recorded version instead of the current value of each cell:
    /// each document's own figure and every correction, oldest first.
    #[arg(long, conflicts_with = "public")]
    pub all_versions: bool,
    /// Only what may be published: every cell through disclosure control
    /// (small counts shown as "<k", cells that would reveal them withheld).
    #[arg(long)]
    pub public: bool,
}

pub async fn run(db: &str, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    if let Some(i) = &args.indicator {
        if cat.indicator(i).is_none() {
            anyhow::bail!("unknown indicator '{i}': run `zicht indicators` for the list");
        }
    }
    let as_of = args.as_of.as_of()?;
    let (cat, cells) = if args.public {
        // The release path: this moment protected together with every
        // edition published before it, without what is under embargo now.
        zicht_service::public_cells(
            &store,
            &as_of,
            args.indicator.as_deref(),
            zicht_model::Instant::from(std::time::SystemTime::now()),
        )
        .await?
    } else {
        let stored = if args.all_versions {
            store.versions(&as_of, args.indicator.as_deref()).await?
        } else {
            store.cells(&as_of, args.indicator.as_deref()).await?
        };
        (cat, stored.into_iter().map(|s| s.cell).collect())
    };
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
        FormatArg::Xlsx => Format::Xlsx,
        FormatArg::Sdmx | FormatArg::SdmxStructure => {
            if args.all_versions {
                anyhow::bail!("SDMX holds one observation per key: drop --all-versions");
            }
            let now = zicht_model::Instant::from(std::time::SystemTime::now());
            let text = match args.format {
                FormatArg::Sdmx => zicht_sdmx::data_csv(&cat, &cells)?,
                _ => zicht_sdmx::structure_xml(&cat, &now.to_string())?,
            };
            emit(args.out.as_deref(), text.as_bytes())?;
            if let Some(p) = &args.out {
                eprintln!("wrote {}", p.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    if format == Format::Xlsx && args.out.is_none() {
        anyhow::bail!("XLSX is a binary format: name a file with --out FILE.xlsx");
    }
    let bytes = zicht_publish::render(&cells, &cat, format)?;
    emit(args.out.as_deref(), &bytes)?;
    if let Some(p) = &args.out {
        eprintln!("wrote {} cells to {}", cells.len(), p.display());
    }
    Ok(ExitCode::SUCCESS)
}
