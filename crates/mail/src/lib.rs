//! E-mail for zicht: the worker that sends the store's queued mails over
//! SMTP (lettre on tokio), and runs the reminder schedule.
//!
//! The mails are queued by the store with the events that cause them and by
//! [`zicht_service::mail::schedule`]; the worker takes each due mail, has
//! [`zicht_service::mail::write`] write it in its recipient's language,
//! claims it in the store (committed), hands it to SMTP and records it as
//! sent. A refusal the SMTP server calls temporary (4xx) or a connection
//! that fails is tried again after a back-off that doubles up to a
//! ceiling; a permanent refusal (5xx) is recorded as failed. A mail that
//! was claimed when the server stopped is marked `uncertain` at the next
//! start and not sent again: whether SMTP took it cannot be known, and a
//! mail is never sent twice.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zicht_service::mail::{Letter, Schedule};
use zicht_store::{utc_after, QueuedMail, Store};

/// A configuration that cannot work, with what to write instead.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0}")]
    Config(String),
}

/// How the worker reaches SMTP and when it works.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://HOST:PORT` (plain), `smtp+starttls://…` (STARTTLS required)
    /// or `smtps://…` (TLS from the start); `USER:PASSWORD@` before the host
    /// to log in.
    pub smtp: String,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    pub schedule: Schedule,
    /// How often the worker looks for due mails and runs the schedule.
    pub poll: Duration,
    /// The wait after a first failed attempt; it doubles with each next
    /// one, up to `max_retry`.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// How long one SMTP command may take.
    pub timeout: Duration,
}

impl MailConfig {
    /// The defaults: look every 10 seconds, retry after 30 seconds,
    /// doubling up to an hour; 30 seconds per SMTP command.
    pub fn new(smtp: &str, from: &str) -> MailConfig {
        MailConfig {
            smtp: smtp.to_owned(),
            from: from.to_owned(),
            schedule: Schedule::default(),
            poll: Duration::from_secs(10),
            first_retry: Duration::from_secs(30),
            max_retry: Duration::from_secs(3600),
            timeout: Duration::from_secs(30),
        }
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failed.
    pub fn retry_after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first_retry
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max_retry)
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        // A URL of a scheme the url crate does not know (smtp) keeps an IP
        // address as a domain.
        url::Host::Domain(d) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// The SMTP transport for a URL (see [`MailConfig::smtp`]), saying `hello`
/// in EHLO. Plain SMTP with a password is refused unless to the loopback:
/// the password would cross the network readable.
pub fn transport(
    smtp: &str,
    hello: &str,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let bad = |why: String| {
        MailError::Config(format!(
            "--smtp '{}': {why}; write smtp://HOST:PORT (plain, for a relay on this machine), \
             smtp+starttls://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465",
            redact(smtp)
        ))
    };
    let parsed = url::Url::parse(smtp).map_err(|e| bad(e.to_string()))?;
    let host = parsed
        .host()
        .ok_or_else(|| bad("it names no host".into()))?;
    let lettre_url = match parsed.scheme() {
        "smtp" => {
            let tls = parsed
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            if tls.is_none() && parsed.password().is_some() && !is_loopback(&host) {
                return Err(bad(
                    "a password over plain SMTP to another machine would be readable on the way"
                        .into(),
                ));
            }
            smtp.to_owned()
        }
        "smtp+starttls" => {
            let mut u = parsed.clone();
            // `set_scheme` refuses to turn a non-special scheme into another
            // one here, so the text is rewritten.
            u.set_query(Some("tls=required"));
            format!("smtp{}", &u.as_str()["smtp+starttls".len()..])
        }
        "smtps" => smtp.to_owned(),
        other => return Err(bad(format!("'{other}' is not an SMTP scheme"))),
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url)
        .map_err(|e| bad(e.to_string()))?;
    Ok(builder
        .hello_name(ClientId::Domain(hello.to_owned()))
        .timeout(Some(timeout))
        .build())
}

/// The URL with its password replaced, for messages and logs.
pub fn redact(smtp: &str) -> String {
    match url::Url::parse(smtp) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => smtp.to_owned(),
    }
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Mails the schedule queued.
    pub queued: u64,
    pub sent: usize,
    /// Failed this time, to be tried again.
    pub retrying: usize,
    /// Refused for good.
    pub failed: usize,
    /// No longer applied.
    pub dropped: usize,
}

/// Sends the store's queued mails.
pub struct Worker {
    store: Store,
    config: MailConfig,
    from: Mailbox,
    /// The domain of `from`: the right-hand side of every Message-ID.
    domain: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Worker {
    pub fn new(store: Store, config: MailConfig) -> Result<Worker, MailError> {
        let from: Mailbox = config.from.parse().map_err(|e| {
            MailError::Config(format!(
                "--mail-from '{}' is not an address ({e}): write name@example.org or 'Name <name@example.org>'",
                config.from
            ))
        })?;
        let domain = from.email.domain().to_owned();
        let transport = transport(&config.smtp, &domain, config.timeout)?;
        Ok(Worker {
            store,
            config,
            from,
            domain,
            transport,
        })
    }

    /// Settles what a previous run left half-done: mails claimed but not
    /// recorded as sent become `uncertain`. Gives how many.
    pub async fn start(&self) -> Result<usize, zicht_service::ServiceError> {
        let interrupted = self.store.settle_interrupted_mails().await?;
        for m in &interrupted {
            tracing::warn!(
                mail = m.id,
                to = %m.address,
                kind = m.kind.as_str(),
                "the server stopped while this mail was handed to SMTP; it is not sent again"
            );
        }
        Ok(interrupted.len())
    }

    /// One pass: the schedule for `today`, then every due mail.
    pub async fn pass(&self, today: zicht_model::Day) -> Pass {
        let mut pass = Pass::default();
        match zicht_service::mail::schedule(&self.store, today, &self.config.schedule).await {
            Ok(n) => pass.queued = n,
            Err(e) => tracing::error!(error = %e, "the mail schedule failed"),
        }
        let due = match self.store.due_mails(&zicht_store::now_utc(), 100).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "the mail queue cannot be read");
                return pass;
            }
        };
        for mail in due {
            if let Err(e) = self.deliver(&mail, &mut pass).await {
                tracing::error!(mail = mail.id, error = %e, "a mail could not be recorded");
            }
        }
        pass
    }

    fn message(&self, mail: &QueuedMail, letter: &Letter) -> Result<Message, String> {
        let to: Mailbox = mail
            .address
            .parse()
            .map_err(|e| format!("'{}' is not an address: {e}", mail.address))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            // One id per queued mail: a receiving system can tell a copy.
            .message_id(Some(format!("<zicht.{}@{}>", mail.id, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.clone())
            .map_err(|e| e.to_string())
    }

    async fn deliver(
        &self,
        mail: &QueuedMail,
        pass: &mut Pass,
    ) -> Result<(), zicht_service::ServiceError> {
        let store = &self.store;
        let retry_at = |attempts: i64| {
            let secs = self.config.retry_after(attempts).as_secs_f64().ceil() as i64;
            utc_after(secs.max(1))
        };
        let letter = match zicht_service::mail::write(store, mail).await {
            Ok(Some(letter)) => letter,
            Ok(None) => {
                store.drop_mail(mail.id, "no longer applies").await?;
                pass.dropped += 1;
                return Ok(());
            }
            Err(e) => {
                tracing::error!(mail = mail.id, error = %e, "a mail could not be written");
                store
                    .mail_failed(
                        mail.id,
                        &format!("not written: {e}"),
                        Some(&retry_at(mail.attempts + 1)),
                    )
                    .await?;
                pass.retrying += 1;
                return Ok(());
            }
        };
        let message = match self.message(mail, &letter) {
            Ok(m) => m,
            Err(e) => {
                store.mail_failed(mail.id, &e, None).await?;
                pass.failed += 1;
                return Ok(());
            }
        };
        if !store
            .claim_mail(mail.id, &letter.subject, &letter.body)
            .await?
        {
            return Ok(());
        }
        match self.transport.send(message).await {
            Ok(_) => {
                store.mail_sent(mail.id).await?;
                tracing::info!(mail = mail.id, to = %mail.address, kind = mail.kind.as_str(), "mail sent");
                pass.sent += 1;
            }
            Err(e) if e.is_permanent() => {
                tracing::warn!(mail = mail.id, to = %mail.address, error = %e, "mail refused for good");
                store.mail_failed(mail.id, &e.to_string(), None).await?;
                pass.failed += 1;
            }
            Err(e) => {
                let attempts = mail.attempts + 1;
                tracing::warn!(mail = mail.id, attempts, error = %e, "mail not sent; trying again later");
                store
                    .mail_failed(mail.id, &e.to_string(), Some(&retry_at(attempts)))
                    .await?;
                pass.retrying += 1;
            }
        }
        Ok(())
    }

    /// Runs until `stop` completes: settles the previous run, then a pass
    /// every `poll`. A pass under way when `stop` completes is finished,
    /// so no mail is left claimed.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        if let Err(e) = self.start().await {
            tracing::error!(error = %e, "the mail queue cannot be settled");
        }
        tokio::pin!(stop);
        loop {
            self.pass(zicht_service::mail::today()).await;
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_the_ceiling() {
        let c = MailConfig::new("smtp://127.0.0.1:25", "zicht@example.org");
        assert_eq!(c.retry_after(1), Duration::from_secs(30));
        assert_eq!(c.retry_after(2), Duration::from_secs(60));
        assert_eq!(c.retry_after(4), Duration::from_secs(240));
        assert_eq!(c.retry_after(9), Duration::from_secs(3600));
        assert_eq!(c.retry_after(i64::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn urls_choose_the_transport() {
        let t = Duration::from_secs(1);
        assert!(transport("smtp://127.0.0.1:2525", "example.org", t).is_ok());
        assert!(transport("smtp+starttls://u:p@mail.example.org:587", "example.org", t).is_ok());
        assert!(transport("smtps://u:p@mail.example.org", "example.org", t).is_ok());
        assert!(transport("smtp://u:p@127.0.0.1:2525", "example.org", t).is_ok());
        let plain = transport("smtp://u:secret@mail.example.org", "example.org", t)
            .err()
            .unwrap()
            .to_string();
        assert!(plain.contains("readable"), "{plain}");
        assert!(!plain.contains("secret"), "{plain}");
        assert!(transport("http://mail.example.org", "example.org", t).is_err());
        assert!(transport("not a url", "example.org", t).is_err());
    }
}
