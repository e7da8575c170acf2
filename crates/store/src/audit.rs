//! The audit trail: append-only, written in the same transaction as the
//! change it records, so a change and its record land together or not at
//! all.

use serde_json::Value;
use sqlx::{AnyConnection, Row};

use zicht_model::Instant;

use crate::{now_utc, Store, StoreError};

/// A change, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditEntry {
    /// The login of who made it; `None` for the terminal.
    pub actor: Option<String>,
    /// `thing.verb`, e.g. `user.add`, `delivery.submit`.
    pub action: String,
    /// `kind:id`, e.g. `user:alice`, `delivery:12`.
    pub entity: String,
    /// The supplier organisation it concerns, if any.
    pub organisation: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Instant,
    pub entry: AuditEntry,
}

/// Which records to read. Newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only records of this organisation (a supplier's own history).
    pub organisation: Option<String>,
    /// Only records whose entity starts with this, e.g. `delivery:`.
    pub entity_prefix: Option<String>,
    /// Only records older than this id (paging).
    pub before_id: Option<i64>,
    /// At most this many; 0 means 100.
    pub limit: i64,
}

fn to_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

/// Records `entry` on `conn`, which should be the transaction of the change.
/// `at` is [`now_utc`]'s canonical text, like every time column.
pub(crate) async fn record_in(
    conn: &mut AnyConnection,
    entry: &AuditEntry,
    at: &str,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_log (at, actor, action, entity, organisation, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(at)
    .bind(entry.actor.clone())
    .bind(&entry.action)
    .bind(&entry.entity)
    .bind(entry.organisation.clone())
    .bind(to_text(&entry.before))
    .bind(to_text(&entry.after))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

fn parse_json(what: &str, text: Option<String>) -> Result<Option<Value>, StoreError> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
            what: format!("audit_log.{what}"),
            detail: e.to_string(),
        })
    })
    .transpose()
}

impl Store {
    /// Records a change that has no transaction of its own in the store
    /// (a login, say). Changes to stored data record theirs in their own
    /// transaction instead.
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        record_in(&mut conn, entry, &now_utc()).await
    }

    /// The recorded changes, newest first.
    pub async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = if filter.limit <= 0 { 100 } else { filter.limit };
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, organisation, before, after FROM audit_log \
             WHERE ($1 IS NULL OR organisation = $1) \
               AND ($2 IS NULL OR substr(entity, 1, length($2)) = $2) \
               AND ($3 IS NULL OR id < $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(filter.organisation.clone())
        .bind(filter.entity_prefix.clone())
        .bind(filter.before_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get(0)?,
                    at: r.try_get::<String, _>(1)?.parse().map_err(
                        |e: zicht_model::TimeError| StoreError::Corrupt {
                            what: "audit_log.at".into(),
                            detail: e.to_string(),
                        },
                    )?,
                    entry: AuditEntry {
                        actor: r.try_get(2)?,
                        action: r.try_get(3)?,
                        entity: r.try_get(4)?,
                        organisation: r.try_get(5)?,
                        before: parse_json("before", r.try_get(6)?)?,
                        after: parse_json("after", r.try_get(7)?)?,
                    },
                })
            })
            .collect()
    }
}
