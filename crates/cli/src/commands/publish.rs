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
    // Each page goes to disk as it is rendered: the site is never held
    // whole. The first failure to write is kept and reported; the pages
    // after it are still rendered, not written.
    let written = std::sync::atomic::AtomicUsize::new(0);
    let failed: std::sync::Mutex<Option<anyhow::Error>> = std::sync::Mutex::new(None);
    let lock = || {
        failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let each = |rel: String, bytes: Vec<u8>| {
        if lock().is_some() {
            return;
        }
        match write_atomic(&args.out.join(&rel), &bytes) {
            Ok(()) => {
                written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) => {
                lock().get_or_insert(e);
            }
        }
    };
    let built = zicht_publish::site::build_each(&input, &each);
    if let Some(e) = failed
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    built?;
    let done = started.elapsed();
    eprintln!(
        "wrote {} files ({} indicators, {} cells) to {} in {:.2} s (read {:.2} s, build and write {:.2} s); open {}",
        written.into_inner(),
        input.catalogue.indicators.len(),
        input.cells.len(),
        args.out.display(),
        done.as_secs_f64(),
        read.as_secs_f64(),
        (done - read).as_secs_f64(),
        args.out.join("index.html").display()
    );
    let now = input.now;
    drop(input);
    print_text_warnings(&store, now).await?;
    Ok(ExitCode::SUCCESS)
}
