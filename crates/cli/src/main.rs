//! `zicht`: glue between the user, the store and the rooms that do the work.

mod commands;
mod output;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "zicht",
    version,
    about = "zicht — child trafficking and sexual exploitation in numbers",
    long_about = "zicht collects the figures of the organisations that register victims and reports, \
                  keeps every figure with its status and provenance across editions, estimates how many \
                  victims stay out of sight, and publishes a monitor that cannot leak a confidential figure."
)]
struct Cli {
    /// The store: sqlite://PATH or postgres://user@host:port/db.
    #[arg(long, global = true, env = "ZICHT_DATABASE_URL", default_value = zicht_store::DEFAULT_URL)]
    db: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or migrate the store and load the embedded default monitor (a second run changes nothing).
    Init(commands::init::InitArgs),
    /// List the indicators.
    Indicators(commands::indicators::IndicatorsArgs),
    /// List the editions and other source documents.
    Editions,
    /// Show an indicator's cells as the monitor writes them.
    Show(commands::show::ShowArgs),
    /// Show every recorded version of an indicator's cells, corrections included.
    History(commands::show::HistoryArgs),
    /// List the UN recommendations, or show one with its indicators, assessments and measures.
    Recommendations(commands::recommendations::RecommendationsArgs),
    /// Estimate how many victims are out of sight (multiple systems estimation on capture histories).
    Estimate(commands::estimate_cmd::EstimateCmd),
    /// Write the capture histories a saved estimate was computed from.
    Histories(commands::estimate_cmd::HistoriesArgs),
    /// Export cells in the data contract (CSV, JSON or XLSX).
    Export(commands::export::ExportArgs),
    /// Import cells from a CSV in the export contract (one transaction: all or nothing).
    Import(commands::import::ImportArgs),
    /// Protect a standalone table in the export CSV format (primary and secondary suppression, audited).
    Protect(commands::protect::ProtectArgs),
    /// Write the published monitor as a static site (Dutch and English, charts, downloads).
    Publish(commands::publish::PublishArgs),
    /// Serve the published monitor and a read-only JSON API over the public data.
    #[cfg(feature = "serve")]
    Serve(commands::serve::ServeArgs),
    /// Encode records for linkage at the supplier: hardened Bloom filters, no identifier leaves.
    Encode(commands::encode::EncodeArgs),
    /// Link encoded lists into capture histories for estimation.
    Link(commands::link::LinkArgs),
    /// Manage the accounts of the working side (add, list, API token).
    User(commands::user::UserArgs),
}

/// The bulk paths allocate a cell's parts by the million on one thread and
/// free them on another; glibc's allocator spends a fifth of an import on
/// that, mimalloc a fraction. Built without transparent huge pages
/// (`no_thp`): with them, every span mimalloc hands back and takes again
/// is zeroed 2 MiB at a time, a third of an import's CPU in the kernel
/// (import of a million cells: 4.5-5.2 s of system time against 2.2-2.5 s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // `zicht export | head` closes the pipe early; like every Unix tool, end
    // quietly then instead of failing on the next write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread
    // starts touches no Rust state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Init(a) => commands::init::run(&cli.db, a).await,
            Command::Indicators(a) => commands::indicators::run(&cli.db, a).await,
            Command::Editions => commands::indicators::editions(&cli.db).await,
            Command::Show(a) => commands::show::run(&cli.db, a).await,
            Command::History(a) => commands::show::history(&cli.db, a).await,
            Command::Recommendations(a) => commands::recommendations::run(&cli.db, a).await,
            Command::Estimate(a) => commands::estimate_cmd::run(&cli.db, a).await,
            Command::Histories(a) => commands::estimate_cmd::histories(&cli.db, a).await,
            Command::Export(a) => commands::export::run(&cli.db, a).await,
            Command::Import(a) => commands::import::run(&cli.db, a).await,
            Command::Protect(a) => {
                commands::protect::run(a).map(|()| std::process::ExitCode::SUCCESS)
            }
            Command::Publish(a) => commands::publish::run(&cli.db, a).await,
            #[cfg(feature = "serve")]
            Command::Serve(a) => commands::serve::run(&cli.db, a).await,
            Command::User(a) => commands::user::run(&cli.db, a).await,
            Command::Encode(a) => commands::encode::run(a),
            Command::Link(a) => commands::link::run(&cli.db, a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
