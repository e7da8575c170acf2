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

/// A site being written: a directory beside `--out` that nothing serves,
/// removed unless it is moved into place ([`Staging::publish`]).
struct Staging {
    dir: PathBuf,
}

impl Staging {
    fn beside(out: &Path) -> anyhow::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".to_owned());
        let dir = parent.join(format!(".{name}.publishing-{}", std::process::id()));
        // Left by a run that was killed: ours by its name, never served.
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Staging { dir })
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    /// Puts the finished site at `out`: the directory itself when `out` does
    /// not exist yet, else each file by a rename over the earlier publish's
    /// (files of others in `out` stay), so no reader ever sees half a file.
    fn publish(self, out: &Path) -> anyhow::Result<()> {
        if !out.exists() {
            std::fs::rename(&self.dir, out)
                .with_context(|| format!("moving the site to {}", out.display()))?;
            return Ok(());
        }
        move_into(&self.dir, out)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Gone already when it was moved whole; what is left is unfinished.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Moves every file under `from` to the same place under `to`.
fn move_into(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            move_into(&entry.path(), &target)?;
        } else {
            std::fs::rename(entry.path(), &target)
                .with_context(|| format!("writing {}", target.display()))?;
        }
    }
    Ok(())
}

/// Warns (on stderr, never blocking) about every small number in a text
/// next to a cell the tables hide, as published at `now`.
pub async fn print_text_warnings(
    store: &zicht_store::Store,
    now: zicht_model::Instant,
) -> anyhow::Result<()> {
    print_warnings(&zicht_service::text_warnings(store, now).await?);
    Ok(())
}

fn print_warnings(warnings: &[zicht_release::TextWarning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
    if !warnings.is_empty() {
        eprintln!(
            "{} number(s) in the texts may give away a count the tables hide: cite the cell ({{cell:INDICATOR/PERIOD/BREAKDOWN}}) or leave the count out",
            warnings.len()
        );
    }
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
    // The site is written beside `--out` and moved there only when it is
    // whole: a failure leaves the earlier publish as it was. Each page goes
    // to disk as it is rendered, so the site is never held whole. The first
    // failure to write is kept and reported; the pages after it are still
    // rendered, not written.
    let staging = Staging::beside(&args.out)?;
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
        match staging.write(&rel, &bytes) {
            Ok(()) => {
                written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) => {
                lock().get_or_insert(e);
            }
        }
    };
    let built = zicht_publish::site::build_shown(&input, &each);
    if let Some(e) = failed
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    let shown = built?;
    staging.publish(&args.out)?;
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
    // The latest figures' site showed every public edition and the latest
    // moment: the very cells the texts are checked against, released once.
    // A site frozen at an edition showed fewer; the texts are checked as
    // the latest site would show them, as `zicht init` does.
    if args.edition.is_none() {
        print_warnings(&zicht_release::text_warnings(
            &shown.catalogue,
            &shown.moments,
        ));
    } else {
        drop(shown);
        print_text_warnings(&store, now).await?;
    }
    Ok(ExitCode::SUCCESS)
}
