//! Outgoing mail: the users' addresses and languages, and the queue.
//!
//! A mail is queued in the transaction of the event that causes it (a
//! round opened, a delivery returned or signed off) or by the reminder
//! schedule, one row per recipient, under a key that names the event and
//! the recipient: a key already queued is not queued again, so a reminder
//! for one delivery and deadline goes out once however often the schedule
//! runs. The server's mail worker claims a row (`sending`), hands it to
//! SMTP and records it `sent`; the row stays as the record. The text is
//! written when the mail is claimed, in the recipient's language, and kept
//! with the row.

use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use zicht_model::{Lang, Slug};

use crate::audit::{record_in, AuditEntry};
use crate::{now_utc, Store, StoreError};

/// How to reach a user: an address (none: no mail) and the one language
/// their mail is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub language: Lang,
}

impl Default for Contact {
    /// Dutch, the monitor's first language; no address.
    fn default() -> Contact {
        Contact {
            email: None,
            language: Lang::Nl,
        }
    }
}

/// The language's code as stored (`nl`, `en`).
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    }
}

/// Reads a language code; anything but `nl` or `en` is refused by name.
pub fn parse_lang(code: &str) -> Result<Lang, StoreError> {
    match code.trim() {
        "nl" => Ok(Lang::Nl),
        "en" => Ok(Lang::En),
        other => Err(StoreError::InvalidUser(format!(
            "'{other}' is not a language: use nl (Dutch) or en (English)"
        ))),
    }
}

/// An address as people type it: one `@` with something on both sides, a
/// dot in the domain, no spaces or control characters. The SMTP server
/// has the last word; this catches the typing errors.
pub fn check_email(email: &str) -> Result<(), StoreError> {
    let bad = || {
        StoreError::InvalidUser(format!(
            "'{email}' is not an e-mail address: write name@example.org"
        ))
    };
    if email.len() > 254
        || email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
    {
        return Err(bad());
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

/// What a mail is about; each has its text in both languages in
/// `zicht_service::mail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailKind {
    /// A round asks something of the recipient's organisation.
    RoundOpened,
    /// The deadline is near and the delivery is not signed off.
    Reminder,
    /// The deadline has passed and the delivery is not signed off.
    Overdue,
    /// An editor sent the delivery back (or reopened a cell) with a message.
    Returned,
    /// A supplier signed a delivery off (to editors).
    SignedOff,
    /// How the open rounds stand (to editors).
    Digest,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::RoundOpened => "round_opened",
            MailKind::Reminder => "reminder",
            MailKind::Overdue => "overdue",
            MailKind::Returned => "returned",
            MailKind::SignedOff => "signed_off",
            MailKind::Digest => "digest",
        }
    }

    fn parse(s: &str) -> Result<MailKind, StoreError> {
        Ok(match s {
            "round_opened" => MailKind::RoundOpened,
            "reminder" => MailKind::Reminder,
            "overdue" => MailKind::Overdue,
            "returned" => MailKind::Returned,
            "signed_off" => MailKind::SignedOff,
            "digest" => MailKind::Digest,
            other => return Err(corrupt("mail_queue.kind", other)),
        })
    }
}

/// Where a queued mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    Queued,
    /// Claimed by the worker and being handed to SMTP.
    Sending,
    Sent,
    /// Refused for good by the SMTP server.
    Failed,
    /// No longer applies when it was due (a reminder for a delivery
    /// signed off meanwhile).
    Dropped,
    /// The server stopped while handing it to SMTP: it may or may not have
    /// gone out, and it is not sent again.
    Uncertain,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Dropped => "dropped",
            MailState::Uncertain => "uncertain",
        }
    }

    fn parse(s: &str) -> Result<MailState, StoreError> {
        Ok(match s {
            "queued" => MailState::Queued,
            "sending" => MailState::Sending,
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            "dropped" => MailState::Dropped,
            "uncertain" => MailState::Uncertain,
            other => return Err(corrupt("mail_queue.state", other)),
        })
    }
}

/// Who a mail goes to: everyone enabled with an address among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The suppliers of one organisation.
    Suppliers(Slug),
    /// The editors (role `editor`).
    Editors,
}

/// A mail to queue for each member of an audience. `key` names the event;
/// each recipient's row is keyed `KEY:LOGIN`.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRequest {
    pub key: String,
    pub kind: MailKind,
    pub params: Value,
    pub audience: Audience,
}

/// One mail to one recipient, as queued.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedMail {
    pub id: i64,
    pub key: String,
    pub kind: MailKind,
    pub params: Value,
    pub login: String,
    pub address: String,
    pub language: Lang,
    pub queued_at: String,
    pub state: MailState,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub sent_at: Option<String>,
}

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

const MAIL_COLUMNS: &str = "id, mail_key, kind, params, login, address, language, queued_at, \
     state, attempts, next_attempt_at, last_error, subject, body, sent_at";

fn mail_from(r: &AnyRow) -> Result<QueuedMail, StoreError> {
    let params: String = r.try_get(3)?;
    Ok(QueuedMail {
        id: r.try_get(0)?,
        key: r.try_get(1)?,
        kind: MailKind::parse(&r.try_get::<String, _>(2)?)?,
        params: serde_json::from_str(&params).map_err(|e| corrupt("mail_queue.params", e))?,
        login: r.try_get(4)?,
        address: r.try_get(5)?,
        language: parse_lang(&r.try_get::<String, _>(6)?)
            .map_err(|e| corrupt("mail_queue.language", e))?,
        queued_at: r.try_get(7)?,
        state: MailState::parse(&r.try_get::<String, _>(8)?)?,
        attempts: r.try_get(9)?,
        next_attempt_at: r.try_get(10)?,
        last_error: r.try_get(11)?,
        subject: r.try_get(12)?,
        body: r.try_get(13)?,
        sent_at: r.try_get(14)?,
    })
}

/// The members of an audience who can get mail: enabled, with an address.
/// As (login, address, language), by login.
async fn recipients(
    conn: &mut sqlx::AnyConnection,
    audience: &Audience,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let base = "SELECT login, email, language FROM users \
                WHERE disabled_at IS NULL AND email IS NOT NULL AND email <> ''";
    let mut rows: Vec<(String, String, String)> = match audience {
        Audience::Suppliers(org) => {
            sqlx::query_as(&format!(
                "{base} AND role = 'supplier' AND organisation = $1"
            ))
            .bind(org.to_string())
            .fetch_all(&mut *conn)
            .await?
        }
        Audience::Editors => {
            sqlx::query_as(&format!("{base} AND role = 'editor'"))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.sort();
    Ok(rows)
}

/// Queues `request` for each of its recipients inside the caller's
/// transaction; a key already queued is left as it is. Gives how many
/// mails were added.
pub(crate) async fn queue_in(
    tx: &mut Transaction<'static, Any>,
    request: &MailRequest,
    now: &str,
) -> Result<u64, StoreError> {
    let params = request.params.to_string();
    let mut added = 0;
    for (login, address, language) in recipients(tx, &request.audience).await? {
        added += sqlx::query(
            "INSERT INTO mail_queue (mail_key, kind, params, login, address, language, queued_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (mail_key) DO NOTHING",
        )
        .bind(format!("{}:{login}", request.key))
        .bind(request.kind.as_str())
        .bind(&params)
        .bind(&login)
        .bind(&address)
        .bind(&language)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(added)
}

impl Store {
    /// A user's address and language.
    pub async fn contact(&self, login: &str) -> Result<Contact, StoreError> {
        let row: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT email, language FROM users WHERE login = $1")
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
        let (email, language) = row.ok_or_else(|| StoreError::UnknownUser(login.to_owned()))?;
        Ok(Contact {
            email,
            language: parse_lang(&language).map_err(|e| corrupt("users.language", e))?,
        })
    }

    /// Every user's address and language, by login.
    pub async fn contacts(&self) -> Result<Vec<(String, Contact)>, StoreError> {
        let rows: Vec<(String, Option<String>, String)> =
            sqlx::query_as("SELECT login, email, language FROM users")
                .fetch_all(&self.pool)
                .await?;
        let mut out = rows
            .into_iter()
            .map(|(login, email, language)| {
                let language = parse_lang(&language).map_err(|e| corrupt("users.language", e))?;
                Ok((login, Contact { email, language }))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Sets a user's address (`None` or empty: no mail) and language, with
    /// an audit record of the change.
    pub async fn set_contact(
        &self,
        actor: Option<&str>,
        login: &str,
        contact: &Contact,
    ) -> Result<Contact, StoreError> {
        let email = contact
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(e) = email {
            check_email(e)?;
        }
        let mut tx = self.begin_write().await?;
        let row: Option<(Option<String>, String, Option<String>)> =
            sqlx::query_as("SELECT email, language, organisation FROM users WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut *tx)
                .await?;
        let (before_email, before_language, organisation) =
            row.ok_or_else(|| StoreError::UnknownUser(login.to_owned()))?;
        let language = lang_code(contact.language);
        sqlx::query("UPDATE users SET email = $1, language = $2 WHERE login = $3")
            .bind(email.map(str::to_owned))
            .bind(language)
            .bind(login)
            .execute(&mut *tx)
            .await?;
        let now = now_utc();
        record_in(
            &mut tx,
            &AuditEntry {
                actor: actor.map(str::to_owned),
                action: "user.contact".into(),
                entity: format!("user:{login}"),
                organisation,
                before: Some(json!({ "email": before_email, "language": before_language })),
                after: Some(json!({ "email": email, "language": language })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(Contact {
            email: email.map(str::to_owned),
            language: contact.language,
        })
    }

    /// Queues each request for its recipients, in one transaction; a key
    /// already queued is left alone. Gives how many mails were added. When
    /// every key is queued already it writes nothing, so the schedule can
    /// ask often without taking the write lock.
    pub async fn queue_mails(&self, requests: &[MailRequest]) -> Result<u64, StoreError> {
        let mut missing = Vec::new();
        {
            let mut conn = self.pool.acquire().await?;
            for r in requests {
                for (login, _, _) in recipients(&mut conn, &r.audience).await? {
                    let found: Option<(i64,)> =
                        sqlx::query_as("SELECT id FROM mail_queue WHERE mail_key = $1")
                            .bind(format!("{}:{login}", r.key))
                            .fetch_optional(&mut *conn)
                            .await?;
                    if found.is_none() {
                        missing.push(r);
                        break;
                    }
                }
            }
        }
        if missing.is_empty() {
            return Ok(0);
        }
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for r in missing {
            added += queue_in(&mut tx, r, &now).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Every queued mail, oldest first.
    pub async fn mails(&self) -> Result<Vec<QueuedMail>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS} FROM mail_queue ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mail_from).collect()
    }

    /// The mails waiting whose next attempt is due at `now`, oldest first,
    /// at most `limit`.
    pub async fn due_mails(&self, now: &str, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS} FROM mail_queue \
             WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mail_from).collect()
    }

    /// Claims a waiting mail for sending with its text: `false` when it is
    /// not waiting any more (another claim came first). Committed before
    /// the mail is handed to SMTP, so that a mail is handed over at most
    /// once.
    pub async fn claim_mail(&self, id: i64, subject: &str, body: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE mail_queue SET state = 'sending', attempts = attempts + 1, subject = $1, body = $2 \
             WHERE id = $3 AND state = 'queued'",
        )
        .bind(subject)
        .bind(body)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records that the SMTP server accepted a claimed mail.
    pub async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        self.settle_mail(id, "sent", None, None).await
    }

    /// Records a failed attempt: waiting again until `retry_at`, or, with
    /// `None`, failed for good.
    pub async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<&str>,
    ) -> Result<(), StoreError> {
        match retry_at {
            Some(at) => self.settle_mail(id, "queued", Some(error), Some(at)).await,
            None => self.settle_mail(id, "failed", Some(error), None).await,
        }
    }

    /// Leaves a waiting mail unsent because it no longer applies.
    pub async fn drop_mail(&self, id: i64, why: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE mail_queue SET state = 'dropped', last_error = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(why)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn settle_mail(
        &self,
        id: i64,
        state: &str,
        error: Option<&str>,
        retry_at: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE mail_queue SET state = $1, last_error = COALESCE($2, last_error), \
             next_attempt_at = COALESCE($3, next_attempt_at), \
             sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END \
             WHERE id = $5 AND state = 'sending'",
        )
        .bind(state)
        .bind(error.map(str::to_owned))
        .bind(retry_at.map(str::to_owned))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// At the worker's start: a mail still `sending` was being handed to
    /// SMTP when the server stopped. Whether the SMTP server took it cannot
    /// be known, so it becomes `uncertain` and is not sent again. Gives
    /// those mails.
    pub async fn settle_interrupted_mails(&self) -> Result<Vec<QueuedMail>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS} FROM mail_queue WHERE state = 'sending' ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let mails = rows.iter().map(mail_from).collect::<Result<Vec<_>, _>>()?;
        sqlx::query(
            "UPDATE mail_queue SET state = 'uncertain', \
             last_error = 'the server stopped while handing this mail to SMTP; not sent again' \
             WHERE state = 'sending'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(mails)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_people_type_them() {
        for ok in ["a@example.org", "j.de-vries+zicht@sub.example.nl"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@example.org",
            "a@@example.org",
            "a b@example.org",
            "a@example.org.",
            "Eve <e@example.org>",
            "a@example.org,b@example.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages_are_nl_or_en() {
        assert_eq!(parse_lang("nl").unwrap(), Lang::Nl);
        assert_eq!(parse_lang("en").unwrap(), Lang::En);
        assert!(parse_lang("de").is_err());
        assert!(parse_lang("NL").is_err());
    }
}
