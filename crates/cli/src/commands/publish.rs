use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// The directory to write the site to (created when missing; files of an
    /// earlier publish are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Publish the monitor as this edition knew it (its cut-off); default:
    /// the latest figures.
    #[arg(long, value_name = "ID")]
    pub edition: Option<String>,
}

/// Writes a file through a temporary file and a rename, never half.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Warns (on stderr, never blocking) about every small number in a text
/// next to a cell the tables hide, as published at `now`.
pub async fn print_text_warnings(
    store: &zicht_store::Store,
    now: zicht_model::Instant,
) -> anyhow::Result<()> {
    let warnings = zicht_service::text_warnings(store, now).await?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if !warnings.is_empty() {
        eprintln!(
            "{} number(s) in the texts may give away a count the tables hide: cite the cell ({{cell:INDICATOR/PERIOD/BREAKDOWN}}) or leave the count out",
            warnings.len()
        );
    }
    Ok(())
}

pub async fn run(db: &str, args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let store = super::open(db).await?;
    let input = zicht_service::site_input(
        &store,
        args.edition.as_deref(),
        zicht_model::Instant::from(std::time::SystemTime::now()),
    )
    .await?;
    let read = started.elapsed();
    let site = zicht_publish::site::build(&input)?;
    let built = started.elapsed();
    for (rel, bytes) in &site.files {
        write_atomic(&args.out.join(rel), bytes)?;
    }
    let done = started.elapsed();
    eprintln!(
        "wrote {} files ({} indicators, {} cells) to {} in {:.2} s (read {:.2} s, build {:.2} s, write {:.2} s); open {}",
        site.files.len(),
        input.catalogue.indicators.len(),
        input.cells.len(),
        args.out.display(),
        done.as_secs_f64(),
        read.as_secs_f64(),
        (built - read).as_secs_f64(),
        (done - built).as_secs_f64(),
        args.out.join("index.html").display()
    );
    print_text_warnings(&store, input.now).await?;
    Ok(ExitCode::SUCCESS)
}
