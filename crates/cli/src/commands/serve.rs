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
    /// Send the portal's cookies without `Secure`, for plain HTTP to a host
    /// other than 127.0.0.1/localhost (browsers keep Secure cookies there).
    /// Never on a public address: put TLS in front instead.
    #[arg(long)]
    pub insecure_cookies: bool,
    /// The address of the reverse proxy in front (TLS): from it, the
    /// client's address is the last entry of X-Forwarded-For, for the login
    /// rate limit. Without it, that header is ignored.
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Option<std::net::IpAddr>,
}

pub async fn run(db: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    // The server logs through `tracing`, one span per request; here it goes
    // to stderr. Another subscriber already set (a test) is kept.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .try_init();
    let store = super::open(db).await?;
    if let Some(e) = &args.edition {
        let cat = store.catalogue().await?;
        if !cat.editions().iter().any(|d| d.id.as_str() == e) {
            anyhow::bail!("unknown edition '{e}': run `zicht editions` for the list");
        }
    }
    let mut state = zicht_server::AppState::new(store, args.edition.clone());
    if args.insecure_cookies {
        eprintln!("zicht serve: --insecure-cookies: session cookies are sent without Secure");
        state = state.insecure_cookies();
    }
    if let Some(proxy) = args.trusted_proxy {
        state = state.trust_proxy(proxy);
    }
    zicht_server::serve(state, args.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot serve on {}: {e}", args.addr))?;
    Ok(ExitCode::SUCCESS)
}
