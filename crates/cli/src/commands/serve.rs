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
    /// Send the queued mail through this SMTP server: smtp://HOST:PORT
    /// (plain, a relay on this machine), smtp+starttls://USER:PASSWORD@HOST:587
    /// or smtps://USER:PASSWORD@HOST:465. Without it mail is queued, not sent.
    #[arg(
        long,
        value_name = "URL",
        env = "ZICHT_SMTP_URL",
        hide_env_values = true
    )]
    pub smtp: Option<String>,
    /// The sender of the mail: name@example.org or "Name <name@example.org>".
    #[arg(long, value_name = "ADDRESS", env = "ZICHT_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Remind suppliers this many days before a deadline.
    #[arg(long, value_name = "DAYS", default_value_t = zicht_service::mail::DEFAULT_REMIND_DAYS)]
    pub remind_days: u32,
    /// Send editors a digest of the open rounds once per this many days (0: never).
    #[arg(long, value_name = "DAYS", default_value_t = zicht_service::mail::DEFAULT_DIGEST_DAYS)]
    pub digest_days: u32,
    /// How often the mail worker looks for due mail and reminders.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub mail_poll: u64,
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
    let mail = match (&args.smtp, &args.mail_from) {
        (Some(smtp), Some(from)) => {
            let mut config = zicht_mail::MailConfig::new(smtp, from);
            config.schedule = zicht_service::mail::Schedule {
                remind_days: args.remind_days,
                digest_days: args.digest_days,
            };
            config.poll = std::time::Duration::from_secs(args.mail_poll.max(1));
            let worker = zicht_mail::Worker::new(state.store().clone(), config)?;
            eprintln!(
                "zicht serve: mail through {} from {from}",
                zicht_mail::redact(smtp)
            );
            Some(worker)
        }
        (Some(_), None) => {
            anyhow::bail!(
                "--smtp needs --mail-from ADDRESS (or ZICHT_MAIL_FROM): the sender of the mail"
            )
        }
        (None, _) => {
            eprintln!("zicht serve: no --smtp: mail is queued in the store and not sent");
            None
        }
    };
    zicht_server::serve_with_mail(state, args.addr, mail)
        .await
        .map_err(|e| anyhow::anyhow!("cannot serve on {}: {e}", args.addr))?;
    Ok(ExitCode::SUCCESS)
}
