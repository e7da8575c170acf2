use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use zicht_publish::{CellWriter, Format};

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
    // None: SDMX, written whole from the cells below.
    let format = match args.format {
        FormatArg::Csv => Some(Format::Csv),
        FormatArg::Json => Some(Format::Json),
        FormatArg::Xlsx => Some(Format::Xlsx),
        FormatArg::Sdmx | FormatArg::SdmxStructure => None,
    };
    if format == Some(Format::Xlsx) && args.out.is_none() {
        anyhow::bail!("XLSX is a binary format: name a file with --out FILE.xlsx");
    }
    if format.is_none() && args.all_versions {
        anyhow::bail!("SDMX holds one observation per key: drop --all-versions");
    }
    if let Some(format) = format.filter(|f| *f != Format::Xlsx && !args.public) {
        return stream(&store, &cat, &as_of, args, format).await;
    }
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
    let Some(format) = format else {
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
    };
    let bytes = zicht_publish::render(&cells, &cat, format)?;
    emit(args.out.as_deref(), &bytes)?;
    if let Some(p) = &args.out {
        eprintln!("wrote {} cells to {}", cells.len(), p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// CSV and JSON of the stored cells go from the database to the file a row
/// at a time: memory holds no more than one row, whatever the store holds.
/// A file is still written whole or not at all.
async fn stream(
    store: &zicht_store::Store,
    cat: &zicht_model::Catalogue,
    as_of: &zicht_store::AsOf,
    args: &ExportArgs,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let indicator = args.indicator.as_deref();
    match &args.out {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            let mut w = CellWriter::new(BufWriter::new(tmp), format)?;
            write_cells(store, cat, as_of, indicator, args.all_versions, &mut w).await?;
            let cells = w.cells();
            let tmp = w.finish()?.into_inner().map_err(|e| e.into_error())?;
            tmp.as_file().sync_all()?;
            tmp.persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {cells} cells to {}", path.display());
        }
        None => {
            let mut w = CellWriter::new(BufWriter::new(std::io::stdout().lock()), format)?;
            let written = write_cells(store, cat, as_of, indicator, args.all_versions, &mut w)
                .await
                .and_then(|()| Ok(w.finish()?.into_inner().map_err(|e| e.into_error())?));
            if let Err(e) = written {
                // A closed pipe (`zicht export | head`) is the reader's choice.
                let broken_pipe = e.chain().any(|c| {
                    c.downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                });
                if !broken_pipe {
                    return Err(e);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn write_cells<W: Write>(
    store: &zicht_store::Store,
    cat: &zicht_model::Catalogue,
    as_of: &zicht_store::AsOf,
    indicator: Option<&str>,
    all_versions: bool,
    w: &mut CellWriter<W>,
) -> anyhow::Result<()> {
    let each = |s: zicht_store::StoredCell| -> anyhow::Result<()> {
        w.write(&s.cell, cat)?;
        Ok(())
    };
    if all_versions {
        store.each_version(as_of, indicator, each).await
    } else {
        store.each_cell(as_of, indicator, each).await
    }
}
