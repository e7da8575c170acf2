use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use zicht_publish::{CellWriter, Dialect, Format};

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
    /// CSV with the Dutch and English label beside every code (the
    /// contract's columns and `*_nl`, `*_en`; see `--format codebook`).
    Labelled,
    /// The labelled CSV for Dutch Excel: `;`, decimal comma, UTF-8 BOM.
    ExcelNl,
    /// XLSX with a `notes` sheet and a sheet per indicator, labelled.
    Workbook,
    /// Every column, every code with its Dutch and English label, and
    /// what each status means, as CSV.
    Codebook,
    /// The codebook as Markdown.
    CodebookMd,
}

impl FormatArg {
    /// The downloads for people: whole, labelled, one figure per cell.
    fn labelled(self) -> bool {
        matches!(
            self,
            FormatArg::Labelled
                | FormatArg::ExcelNl
                | FormatArg::Workbook
                | FormatArg::Codebook
                | FormatArg::CodebookMd
        )
    }
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
    /// each document's own figure and every correction, oldest first, with
    /// two more columns, `document` and `recorded_at` (not the contract's
    /// CSV: `zicht import` does not read it).
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
    // None: SDMX or a labelled download, written whole from the cells below.
    let format = match args.format {
        FormatArg::Csv => Some(Format::Csv),
        FormatArg::Json => Some(Format::Json),
        FormatArg::Xlsx => Some(Format::Xlsx),
        _ => None,
    };
    let binary = format == Some(Format::Xlsx) || matches!(args.format, FormatArg::Workbook);
    if binary && args.out.is_none() {
        anyhow::bail!("XLSX is a binary format: name a file with --out FILE.xlsx");
    }
    if args.format.labelled() && args.all_versions {
        anyhow::bail!(
            "the labelled downloads hold one figure per cell: drop --all-versions, or use --format csv, json or xlsx"
        );
    }
    if format.is_none() && args.all_versions {
        anyhow::bail!("SDMX holds one observation per key: drop --all-versions");
    }
    if let Some(format) = format.filter(|f| *f != Format::Xlsx && !args.public) {
        return stream(&store, &cat, &as_of, args, format).await;
    }
    if args.all_versions {
        // Only XLSX gets here: CSV and JSON of versions are streamed.
        let versions: Vec<_> = store
            .versions(&as_of, args.indicator.as_deref())
            .await?
            .into_iter()
            .map(|s| (s.cell, s.recorded_at))
            .collect();
        let bytes = zicht_publish::render_versions(&versions, &cat, Format::Xlsx)?;
        emit(args.out.as_deref(), &bytes)?;
        if let Some(p) = &args.out {
            eprintln!("wrote {} versions to {}", versions.len(), p.display());
        }
        return Ok(ExitCode::SUCCESS);
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
        let stored = store.cells(&as_of, args.indicator.as_deref()).await?;
        (cat, stored.into_iter().map(|s| s.cell).collect())
    };
    let Some(format) = format else {
        let now = zicht_model::Instant::from(std::time::SystemTime::now());
        let indicator = args.indicator.as_deref();
        let bytes = match args.format {
            FormatArg::Sdmx => zicht_sdmx::data_csv(&cat, &cells)?.into_bytes(),
            FormatArg::Labelled => zicht_publish::labelled_csv(&cells, &cat, Dialect::Plain)?,
            FormatArg::ExcelNl => zicht_publish::labelled_csv(&cells, &cat, Dialect::ExcelNl)?,
            FormatArg::Workbook => zicht_publish::workbook(&cells, &cat, indicator)?,
            FormatArg::Codebook => zicht_publish::codebook_csv(&cat)?,
            FormatArg::CodebookMd => zicht_publish::codebook_markdown(&cat).into_bytes(),
            _ => zicht_sdmx::structure_xml(&cat, &now.to_string())?.into_bytes(),
        };
        emit(args.out.as_deref(), &bytes)?;
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
        Some(path) if crate::output::is_stream(path) => {
            let file = crate::output::open_stream(path)?;
            let mut w = writer(BufWriter::new(file), format, args.all_versions)?;
            write_cells(store, cat, as_of, indicator, args.all_versions, &mut w).await?;
            let cells = w.cells();
            w.finish()?.into_inner().map_err(|e| e.into_error())?;
            eprintln!("wrote {cells} cells to {}", path.display());
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            let mut w = writer(BufWriter::new(tmp), format, args.all_versions)?;
            write_cells(store, cat, as_of, indicator, args.all_versions, &mut w).await?;
            let cells = w.cells();
            let tmp = w.finish()?.into_inner().map_err(|e| e.into_error())?;
            tmp.as_file().sync_all()?;
            tmp.persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {cells} cells to {}", path.display());
        }
        None => {
            let mut w = writer(
                BufWriter::new(std::io::stdout().lock()),
                format,
                args.all_versions,
            )?;
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

/// The writer of the contract's rows, or of recorded versions with their
/// document and recording time.
fn writer<W: Write>(out: W, format: Format, all_versions: bool) -> anyhow::Result<CellWriter<W>> {
    Ok(if all_versions {
        CellWriter::versions(out, format)?
    } else {
        CellWriter::new(out, format)?
    })
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
        if all_versions {
            w.write_version(&s.cell, s.recorded_at, cat)?;
        } else {
            w.write(&s.cell, cat)?;
        }
        Ok(())
    };
    if all_versions {
        store.each_version(as_of, indicator, each).await
    } else {
        store.each_cell(as_of, indicator, each).await
    }
}
