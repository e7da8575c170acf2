use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve the monitor as this edition knew it; default: the latest figures.
    #[arg(long, value_name = "ID")]
    pub edition: Option<String>,
}

pub async fn run(db: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    if let Some(e) = &args.edition {
        let cat = store.catalogue().await?;
        if !cat.editions().iter().any(|d| d.id.as_str() == e) {
            anyhow::bail!("unknown edition '{e}': run `zicht editions` for the list");
        }
    }
    let state = zicht_server::AppState::new(store, args.edition.clone());
    zicht_server::serve(state, args.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot serve on {}: {e}", args.addr))?;
    Ok(ExitCode::SUCCESS)
}
