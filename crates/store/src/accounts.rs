//! Accounts of the working side: users, browser sessions, API tokens.
//!
//! The store keeps no secret: passwords arrive as argon2 PHC strings and
//! tokens as hex SHA-256 digests, both made by the caller. Every change is
//! audited in its own transaction, and the audit JSON never holds a hash or
//! a token.

use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zicht_model::Role;

use crate::audit::{record_in, AuditEntry};
use crate::{now_utc, utc_after, Store, StoreError};

/// An account as everyone but the password check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The catalogue organisation of a supplier; `None` for other roles.
    pub organisation: Option<String>,
    pub disabled: bool,
    pub created_at: String,
    /// An admin reset the password: the user must choose a new one before
    /// anything else.
    pub password_change_due: bool,
    /// The user has a second factor (TOTP) and owes a code at each login.
    pub second_factor: bool,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub organisation: Option<&'a str>,
    /// An argon2 PHC string, never the password.
    pub password_hash: &'a str,
}

/// The user behind a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub user: User,
    pub csrf: String,
    pub expires_at: String,
    /// Whether the session passed the second factor (or needed none when it
    /// began); while not, it may do nothing but give a code.
    pub second_factor_passed: bool,
}

/// What checking a second factor needs of a user: the secret, the last time
/// step a code was accepted for, and a secret waiting for enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    pub secret: Option<String>,
    pub last_step: Option<i64>,
    pub pending: Option<String>,
}

/// An API token as it is listed: the token itself is shown once, on
/// creation, and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The columns [`user_from`] reads, in order; queries add theirs after.
const USER_COLUMNS: &str = "u.id, u.login, u.name, u.role, u.organisation, u.disabled_at, \
     u.created_at, u.password_change_due, u.totp_enabled_at";
/// The index of the first column a query adds after [`USER_COLUMNS`].
const AFTER_USER: usize = 9;

fn user_from(r: &AnyRow) -> Result<User, StoreError> {
    let role: String = r.try_get(3)?;
    let disabled_at: Option<String> = r.try_get(5)?;
    Ok(User {
        id: r.try_get(0)?,
        login: r.try_get(1)?,
        name: r.try_get(2)?,
        role: role.parse().map_err(|e| StoreError::Corrupt {
            what: "users.role".into(),
            detail: format!("{e}"),
        })?,
        organisation: r.try_get(4)?,
        disabled: disabled_at.is_some(),
        created_at: r.try_get(6)?,
        password_change_due: r.try_get::<Option<String>, _>(7)?.is_some(),
        second_factor: r.try_get::<Option<String>, _>(8)?.is_some(),
    })
}

fn token_from(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        created_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    })
}

/// What the audit trail shows of a user: never the password hash.
fn audit_view(u: &User) -> Value {
    json!({
        "login": u.login,
        "name": u.name,
        "role": u.role.as_str(),
        "organisation": u.organisation,
        "disabled": u.disabled,
        "password_change_due": u.password_change_due,
        "second_factor": u.second_factor,
    })
}

/// A login is typed by people and used in URLs and audit entities
/// (`user:LOGIN`), so it is kept to a small, unambiguous alphabet.
pub fn check_login(login: &str) -> Result<(), StoreError> {
    let ok_first = login
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok_rest = login
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_first && ok_rest && login.len() <= 64 {
        Ok(())
    } else {
        Err(StoreError::InvalidUser(format!(
            "'{login}' is not a login: use 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
        )))
    }
}

/// A name shown beside others (a user's, a token's) must read as it is
/// stored: a direction control (RLO and the like) could make `evil` show
/// as a trusted name.
fn check_direction(text: &str) -> Result<(), StoreError> {
    match zicht_contract::bidi_control(text) {
        Some(c) => Err(StoreError::InvalidUser(
            zicht_contract::TextProblem::BidiControl(c).to_string(),
        )),
        None => Ok(()),
    }
}

fn check_new(new: &NewUser<'_>) -> Result<(), StoreError> {
    check_login(new.login)?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(StoreError::InvalidUser(
            "a name is 1 to 200 characters, without control characters".into(),
        ));
    }
    check_direction(name)?;
    match (new.role, new.organisation) {
        (Role::Supplier, None) => Err(StoreError::InvalidUser(
            "a supplier needs an organisation (--organisation ORG)".into(),
        )),
        (r, Some(org)) if r != Role::Supplier => Err(StoreError::InvalidUser(format!(
            "only a supplier belongs to an organisation; a {r} does not (remove '{org}')"
        ))),
        _ => Ok(()),
    }
}

async fn user_in(conn: &mut AnyConnection, login: &str) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.login = $1"
    ))
    .bind(login)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => user_from(&r),
        None => Err(StoreError::UnknownUser(login.to_owned())),
    }
}

fn entry(
    actor: Option<&str>,
    action: &str,
    user: &User,
    before: Option<Value>,
    after: Option<Value>,
) -> AuditEntry {
    AuditEntry {
        actor: actor.map(str::to_owned),
        action: action.into(),
        entity: format!("user:{}", user.login),
        organisation: user.organisation.clone(),
        before,
        after,
    }
}

impl Store {
    /// Creates a user. A supplier's organisation must be in the catalogue.
    pub async fn create_user(
        &self,
        actor: Option<&str>,
        new: &NewUser<'_>,
    ) -> Result<User, StoreError> {
        self.create_user_with_contact(actor, new, &crate::Contact::default())
            .await
    }

    /// Creates a user with an address and a language for their mail.
    pub async fn create_user_with_contact(
        &self,
        actor: Option<&str>,
        new: &NewUser<'_>,
        contact: &crate::Contact,
    ) -> Result<User, StoreError> {
        check_new(new)?;
        let email = contact
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(e) = email {
            crate::mail::check_email(e)?;
        }
        let mut tx = self.begin_write().await?;
        if let Some(org) = new.organisation {
            let found =
                sqlx::query("SELECT id FROM catalogue WHERE kind = 'organisation' AND id = $1")
                    .bind(org)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::UnknownOrganisation(org.to_owned()));
            }
        }
        let taken = sqlx::query("SELECT id FROM users WHERE login = $1")
            .bind(new.login)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::LoginTaken(new.login.to_owned()));
        }
        let now = now_utc();
        sqlx::query(
            "INSERT INTO users (login, name, role, organisation, password_hash, created_at, email, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.login)
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(new.organisation.map(str::to_owned))
        .bind(new.password_hash)
        .bind(&now)
        .bind(email.map(str::to_owned))
        .bind(crate::mail::lang_code(contact.language))
        .execute(&mut *tx)
        .await?;
        let user = user_in(&mut tx, new.login).await?;
        record_in(
            &mut tx,
            &entry(
                actor,
                "user.add",
                &user,
                None,
                Some({
                    let mut v = audit_view(&user);
                    v["email"] = json!(email);
                    v["language"] = json!(crate::mail::lang_code(contact.language));
                    v
                }),
            ),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match user_in(&mut conn, login).await {
            Ok(u) => Ok(Some(u)),
            Err(StoreError::UnknownUser(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// Every user, by login.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u"))
            .fetch_all(&self.pool)
            .await?;
        let mut users = rows.iter().map(user_from).collect::<Result<Vec<_>, _>>()?;
        // Sorted here, not in SQL, so both backends answer in the same order.
        users.sort_by(|a, b| a.login.cmp(&b.login));
        Ok(users)
    }

    /// The user and password hash to check a login against; `None` for an
    /// unknown login. A disabled user is returned too: the caller refuses it
    /// only after checking the password, so timing tells nothing.
    pub async fn login_credentials(
        &self,
        login: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((user_from(&r)?, r.try_get(AFTER_USER)?))),
            None => Ok(None),
        }
    }

    /// Replaces a user's password (an admin's reset), ends all of their
    /// sessions and revokes their API tokens: a reset after a break-in must
    /// shut every door the intruder may have made. The user must change the
    /// password at their next login.
    pub async fn set_password(
        &self,
        actor: Option<&str>,
        login: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = user_in(&mut tx, login).await?;
        let now = now_utc();
        // The one who reset it has seen the password: its user must choose
        // their own before doing anything else.
        sqlx::query("UPDATE users SET password_hash = $1, password_change_due = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(&now)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        record_in(
            &mut tx,
            &entry(
                actor,
                "user.password",
                &user,
                None,
                Some(json!({
                    "password": "reset",
                    "change_due": true,
                    "sessions": "ended",
                    "api_tokens_revoked": revoked,
                })),
            ),
            &now,
        )
        .await?;
        let user = user_in(&mut tx, login).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Disables or enables a user. Disabling ends their sessions and revokes
    /// their API tokens for good: enabling them again restores neither.
    pub async fn set_disabled(
        &self,
        actor: Option<&str>,
        login: &str,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = user_in(&mut tx, login).await?;
        if before.disabled == disabled {
            return Ok(before);
        }
        let now = now_utc();
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(|| now.clone()))
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        let mut revoked = 0;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(before.id)
                .execute(&mut *tx)
                .await?;
            // For good: enabling the user again must not bring back a token
            // that may have leaked with the reason for disabling them.
            revoked = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(&now)
            .bind(before.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        let after = user_in(&mut tx, login).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        record_in(
            &mut tx,
            &entry(
                actor,
                action,
                &after,
                Some(audit_view(&before)),
                Some({
                    let mut v = audit_view(&after);
                    if disabled {
                        v["api_tokens_revoked"] = json!(revoked);
                    }
                    v
                }),
            ),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Starts a session for `user_id` that ends `lifetime_secs` from now,
    /// and returns its end. Expired sessions of anyone are swept here. The
    /// session of a user with a second factor has not passed it yet
    /// ([`Store::pass_second_factor`]).
    pub async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        lifetime_secs: i64,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now_utc();
        let expires_at = utc_after(lifetime_secs);
        let user = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match user {
            Some(r) => user_from(&r)?,
            None => return Err(StoreError::UnknownUser(format!("#{user_id}"))),
        };
        if user.disabled {
            return Err(StoreError::InvalidUser(format!(
                "'{}' is disabled",
                user.login
            )));
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        // A user with a second factor owes a code before the session counts.
        let passed = (!user.second_factor).then(|| now.clone());
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, second_factor_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(&now)
        .bind(&expires_at)
        .bind(passed)
        .execute(&mut *tx)
        .await?;
        record_in(
            &mut tx,
            &entry(
                Some(&user.login),
                "session.login",
                &user,
                None,
                Some(json!({ "expires_at": expires_at })),
            ),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(expires_at)
    }

    /// The user of a live session: `None` when the token is unknown, the
    /// session has expired or the user is disabled.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionUser>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.expires_at, s.second_factor_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(now_utc())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionUser {
                user: user_from(&r)?,
                csrf: r.try_get(AFTER_USER)?,
                expires_at: r.try_get(AFTER_USER + 1)?,
                second_factor_passed: r.try_get::<Option<String>, _>(AFTER_USER + 2)?.is_some(),
            })
        })
        .transpose()
    }

    /// Ends a session (logout). Ending an unknown one changes nothing.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let user = user_from(&row)?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &entry(Some(&user.login), "session.logout", &user, None, None),
            &now_utc(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a new API token of `user_id` by its hash.
    pub async fn create_token(
        &self,
        actor: Option<&str>,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<ApiToken, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(StoreError::InvalidUser(
                "a token name is 1 to 100 characters, without control characters".into(),
            ));
        }
        check_direction(name)?;
        let mut tx = self.begin_write().await?;
        let user = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match user {
            Some(r) => user_from(&r)?,
            None => return Err(StoreError::UnknownUser(format!("#{user_id}"))),
        };
        let now = now_utc();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: actor.map(str::to_owned),
                action: "token.create".into(),
                entity: format!("token:{id}"),
                organisation: user.organisation.clone(),
                before: None,
                after: Some(json!({ "user": user.login, "name": name })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(ApiToken {
            id,
            user_id,
            name: name.to_owned(),
            created_at: now,
            revoked_at: None,
        })
    }

    /// A user's API tokens, newest first, revoked ones included.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from).collect()
    }

    /// Revokes token `token_id` of `user_id`; a token of someone else is
    /// [`StoreError::UnknownToken`], so its existence is not revealed.
    /// Revoking twice keeps the first moment.
    pub async fn revoke_token(
        &self,
        actor: Option<&str>,
        user_id: i64,
        token_id: i64,
    ) -> Result<ApiToken, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.name, t.created_at, t.revoked_at, u.login, u.organisation \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.user_id = $2",
        )
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::UnknownToken(token_id));
        };
        let mut token = token_from(&row)?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let (login, organisation): (String, Option<String>) = (row.try_get(5)?, row.try_get(6)?);
        let now = now_utc();
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: actor.map(str::to_owned),
                action: "token.revoke".into(),
                entity: format!("token:{token_id}"),
                organisation,
                before: Some(json!({ "user": login, "name": token.name })),
                after: Some(json!({ "user": login, "name": token.name, "revoked_at": now })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        token.revoked_at = Some(now);
        Ok(token)
    }

    /// The user of a live API token and the token's id: `None` when the
    /// token is unknown or revoked, or the user is disabled.
    pub async fn user_by_token(&self, token_hash: &str) -> Result<Option<(User, i64)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, t.id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_from(&r)?, r.try_get(AFTER_USER)?)))
            .transpose()
    }
}

/// The user of `user_id` inside a transaction.
async fn user_by_id_in(conn: &mut AnyConnection, user_id: i64) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => user_from(&r),
        None => Err(StoreError::UnknownUser(format!("#{user_id}"))),
    }
}

/// Password changes by the user and the second factor. The store checks no
/// code: the caller (`zicht_service::accounts`) does, and records here what
/// it decided.
impl Store {
    /// A user's own new password: clears a change an admin's reset made due,
    /// and ends their other sessions (`keep_session`, the one making the
    /// change, stays). API tokens stay: the user sees and revokes them.
    pub async fn change_own_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = user_by_id_in(&mut tx, user_id).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_change_due = NULL WHERE id = $2",
        )
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let after = user_by_id_in(&mut tx, user_id).await?;
        record_in(
            &mut tx,
            &entry(
                Some(&after.login),
                "user.password.change",
                &after,
                Some(json!({ "password_change_due": before.password_change_due })),
                Some(json!({ "password": "changed", "other_sessions_ended": ended })),
            ),
            &now_utc(),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// What checking a code of `user_id` needs.
    pub async fn second_factor(&self, user_id: i64) -> Result<SecondFactor, StoreError> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_last_step, totp_pending FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Err(StoreError::UnknownUser(format!("#{user_id}")));
        };
        Ok(SecondFactor {
            secret: r.try_get(0)?,
            last_step: r.try_get(1)?,
            pending: r.try_get(2)?,
        })
    }

    /// Keeps a secret shown for enrolment until a code confirms it; a new
    /// enrolment replaces an unconfirmed one.
    pub async fn set_pending_second_factor(
        &self,
        user_id: i64,
        secret: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
            .bind(secret)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns the pending secret into the user's second factor, confirmed by
    /// a code of time step `step`, with new recovery codes (their hashes;
    /// earlier ones no longer work). The session `session` passes, and the
    /// user's other sessions end: they began without the factor. `None`
    /// when the pending secret is not `secret` any more (a second
    /// enrolment began meanwhile).
    pub async fn enable_second_factor(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        session: Option<&str>,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now_utc();
        let changed = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, \
             totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3 AND totp_pending = $4",
        )
        .bind(&now)
        .bind(step)
        .bind(user_id)
        .bind(secret)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        if let Some(session) = session {
            sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE token_hash = $2")
                .bind(&now)
                .bind(session)
                .execute(&mut *tx)
                .await?;
        }
        let user = user_by_id_in(&mut tx, user_id).await?;
        record_in(
            &mut tx,
            &entry(
                Some(&user.login),
                "second_factor.enrol",
                &user,
                None,
                Some(json!({ "second_factor": "totp", "recovery_codes": recovery_hashes.len() })),
            ),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// Records that a code of time step `step` was accepted, unless a code
    /// of that step or a later one already was: `false` then, and the code
    /// must be refused (a code is good once).
    pub async fn accept_code_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Uses up a recovery code of `user_id` by its hash; `false` when it is
    /// not one of theirs or was used before. Audited with how many remain.
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now_utc();
        let n = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(&now)
        .bind(user_id)
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let (left,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let user = user_by_id_in(&mut tx, user_id).await?;
        record_in(
            &mut tx,
            &entry(
                Some(&user.login),
                "second_factor.recovery_code",
                &user,
                None,
                Some(json!({ "recovery_codes_left": left })),
            ),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many unused recovery codes `user_id` has.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        let (left,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(left)
    }

    /// Marks a session as having passed the second factor.
    pub async fn pass_second_factor(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sessions SET second_factor_at = $1 WHERE token_hash = $2 \
             AND second_factor_at IS NULL",
        )
        .bind(now_utc())
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the second factor of `login` and their recovery codes: an
    /// admin's help for a lost phone, or a supplier's own choice. An admin
    /// or editor is led to enrol again at their next step.
    pub async fn remove_second_factor(
        &self,
        actor: Option<&str>,
        login: &str,
    ) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = user_in(&mut tx, login).await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL, \
             totp_last_step = NULL WHERE id = $1",
        )
        .bind(before.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        let after = user_in(&mut tx, login).await?;
        record_in(
            &mut tx,
            &entry(
                actor,
                "second_factor.remove",
                &after,
                Some(audit_view(&before)),
                Some(audit_view(&after)),
            ),
            &now_utc(),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_a_small_alphabet() {
        for ok in ["alice", "a", "j.de-vries_2", "007"] {
            assert!(check_login(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Alice",
            ".alice",
            "al ice",
            "al/ice",
            "é",
            &"a".repeat(65),
        ] {
            assert!(check_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_supplier_and_only_a_supplier_has_an_organisation() {
        let n = |role, organisation| NewUser {
            login: "x",
            name: "X",
            role,
            organisation,
            password_hash: "h",
        };
        assert!(check_new(&n(Role::Supplier, Some("comensha"))).is_ok());
        assert!(check_new(&n(Role::Supplier, None)).is_err());
        assert!(check_new(&n(Role::Editor, Some("comensha"))).is_err());
        assert!(check_new(&n(Role::Admin, None)).is_ok());
    }
}
