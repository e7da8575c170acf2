//! Data request rounds in the store: rounds and their asked cells,
//! deliveries, every signed-off revision, reviews, and the editions'
//! embargo and pre-release access.
//!
//! The rules (who may do what, when) are `zicht_portal`'s; each write here
//! checks them inside its own transaction, records the audit entry in the
//! same transaction, and commits only when all of it holds. A refused or
//! interrupted change leaves nothing behind.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use zicht_model::{Breakdown, Figure, Period, Slug, Status};
use zicht_portal::{
    progress, requests_of, title_next_year, transition, Actor, AskedCell, CellKey, DeliveredCell,
    DeliveryAction, DeliveryState, Progress, RoundPlan,
};

use crate::audit::{record_in, AuditEntry};
use crate::mail::{queue_in, Audience, MailKind, MailRequest};
use crate::{now, now_utc, Backend, LoadSummary, NewVersion, Store, StoreError};

/// A round as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub edition: Slug,
    pub title: String,
    pub due: String,
    pub opened_by: String,
    pub opened_at: String,
    /// When an editor closed it: no more deliveries, no more reminders.
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl Round {
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// A delivery as stored: one per round and organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub round_id: i64,
    pub organisation: Slug,
    pub state: DeliveryState,
    /// Grows with every change; a page can send it back to detect that
    /// someone else changed the delivery meanwhile.
    pub version: i64,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<String>,
    /// The editor's last message (return or reopen).
    pub message: Option<String>,
    pub updated_at: String,
    /// The number of the latest signed-off revision, if any.
    pub revision: Option<i64>,
}

/// What a supplier sees of one round: the round, its own delivery, and the
/// cells asked of its organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierRequest {
    pub round: Round,
    pub delivery: Delivery,
    pub asked: Vec<CellKey>,
}

/// One signed-off snapshot of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub delivery_id: i64,
    pub round_id: i64,
    pub organisation: Slug,
    /// 1, 2, … per delivery.
    pub number: i64,
    pub submitted_by: String,
    pub submitted_at: String,
    pub cells: Vec<DeliveredCell>,
}

/// What a sign-off did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitOutcome {
    /// The revision that holds the signed-off content.
    pub revision: i64,
    /// False when the same content was already signed off (a retry): no new
    /// revision was made.
    pub new: bool,
}

/// An editor's decision on a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: i64,
    pub delivery_id: i64,
    /// The revision number it was about.
    pub revision: i64,
    /// `accepted`, `returned` or `reopened`.
    pub decision: String,
    pub editor: String,
    pub at: String,
    pub message: Option<String>,
    /// The reopened cell.
    pub cell: Option<CellKey>,
    pub load_id: Option<i64>,
}

/// How far one supplier is in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierProgress {
    pub organisation: Slug,
    pub delivery_id: i64,
    pub state: DeliveryState,
    pub progress: Progress,
}

/// The catalogue definitions editors write through the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionKind {
    Recommendation,
    /// A policy measure with its dated events.
    Measure,
    Assessment,
    Text,
}

impl DefinitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionKind::Recommendation => "recommendation",
            DefinitionKind::Measure => "measure",
            DefinitionKind::Assessment => "assessment",
            DefinitionKind::Text => "text",
        }
    }
}

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

fn slug(what: &str, s: &str) -> Result<Slug, StoreError> {
    Slug::parse(s).map_err(|e| corrupt(what, e))
}

fn key_of(what: &str, ind: &str, period: &str, breakdown: &str) -> Result<CellKey, StoreError> {
    Ok(CellKey {
        indicator: slug(what, ind)?,
        period: Period::parse(period).map_err(|e| corrupt(what, e))?,
        breakdown: Breakdown::parse(breakdown).map_err(|e| corrupt(what, e))?,
    })
}

const CELL_COLUMNS: &str =
    "indicator, period, breakdown, status, value, lower_bound, upper_bound, base, reason";

fn row_to_delivered(r: &AnyRow) -> Result<DeliveredCell, StoreError> {
    let key = key_of(
        "a delivered cell",
        &r.try_get::<String, _>(0)?,
        &r.try_get::<String, _>(1)?,
        &r.try_get::<String, _>(2)?,
    )?;
    let status: Status = r
        .try_get::<String, _>(3)?
        .parse()
        .map_err(|e| corrupt("a delivered cell's status", e))?;
    let num = |i: usize| -> Result<Option<f64>, StoreError> { Ok(r.try_get::<Option<f64>, _>(i)?) };
    let figure = Figure::from_parts(status, num(4)?, num(5)?, num(6)?, num(7)?)
        .map_err(|e| corrupt("a delivered cell's figure", e))?;
    Ok(DeliveredCell {
        key,
        figure,
        reason: r.try_get::<Option<String>, _>(8)?,
    })
}

fn row_to_round(r: &AnyRow) -> Result<Round, StoreError> {
    Ok(Round {
        id: r.try_get(0)?,
        edition: slug("a round's edition", &r.try_get::<String, _>(1)?)?,
        title: r.try_get(2)?,
        due: r.try_get(3)?,
        opened_by: r.try_get(4)?,
        opened_at: r.try_get(5)?,
        closed_at: r.try_get(6)?,
        closed_by: r.try_get(7)?,
    })
}

const ROUND_COLUMNS: &str = "id, edition, title, due, opened_by, opened_at, closed_at, closed_by";

const DELIVERY_COLUMNS: &str = "d.id, d.round_id, d.organisation, d.state, d.version, \
     d.signed_off_by, d.signed_off_at, d.message, d.updated_at, \
     (SELECT MAX(r.number) FROM delivery_revisions r WHERE r.delivery_id = d.id)";

fn row_to_delivery(r: &AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.try_get(0)?,
        round_id: r.try_get(1)?,
        organisation: slug("a delivery's organisation", &r.try_get::<String, _>(2)?)?,
        state: r
            .try_get::<String, _>(3)?
            .parse()
            .map_err(|e| corrupt("a delivery's state", e))?,
        version: r.try_get(4)?,
        signed_off_by: r.try_get(5)?,
        signed_off_at: r.try_get(6)?,
        message: r.try_get(7)?,
        updated_at: r.try_get(8)?,
        revision: r.try_get(9)?,
    })
}

/// The content of a delivery as one canonical text: cells sorted by key.
fn canonical(cells: &[DeliveredCell]) -> String {
    let mut sorted: Vec<&DeliveredCell> = cells.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    serde_json::to_string(&sorted).expect("delivered cells always serialise")
}

fn delivery_json(d: &Delivery) -> serde_json::Value {
    json!({
        "state": d.state.as_str(),
        "revision": d.revision,
        "signed_off_by": d.signed_off_by,
        "message": d.message,
    })
}

async fn insert_cells(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    owner_column: &str,
    owner: i64,
    cells: &[DeliveredCell],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, {CELL_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    for c in cells {
        let p = c.figure.parts();
        sqlx::query(&sql)
            // Not a cached statement: through sqlx's Any driver a NULL
            // number is sent to PostgreSQL as float4, and a statement
            // prepared with that type refuses the float8 of a later value.
            .persistent(false)
            .bind(owner)
            .bind(c.key.indicator.to_string())
            .bind(c.key.period.to_string())
            .bind(c.key.breakdown.to_string())
            .bind(c.figure.status().as_str())
            .bind(p.value)
            .bind(p.lower)
            .bind(p.upper)
            .bind(p.base)
            .bind(c.reason.clone())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// A write transaction; every write of the store begins with this. SQLite's
    /// is IMMEDIATE: it takes the write lock at once, waiting up to the busy
    /// timeout, instead of failing ("database is locked") when a transaction
    /// that has read tries to write after another writer.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Opens a round: checks the plan against the catalogue, stores the
    /// round, every asked cell and a draft delivery per organisation.
    /// Editors only. Gives the round's id.
    pub async fn open_round(&self, actor: &Actor, plan: &RoundPlan) -> Result<i64, StoreError> {
        self.open_round_from(actor, plan, None).await
    }

    async fn open_round_from(
        &self,
        actor: &Actor,
        plan: &RoundPlan,
        copied_from: Option<i64>,
    ) -> Result<i64, StoreError> {
        if !actor.role.edits() {
            return Err(StoreError::Forbidden(
                "only an editor may open a round".into(),
            ));
        }
        let catalogue = self.catalogue().await?;
        let asked = plan.expand(&catalogue).map_err(StoreError::Plan)?;
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let round_id: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (edition, title, due, opened_by, opened_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(plan.edition.to_string())
        .bind(plan.title.trim())
        .bind(&plan.due)
        .bind(&actor.login)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let organisations = Self::insert_requests(&mut tx, round_id, &asked).await?;
        for org in organisations.keys() {
            Self::add_delivery(&mut tx, round_id, org, &now).await?;
        }
        let mut after = json!({
            "edition": plan.edition.as_str(),
            "title": plan.title.trim(),
            "due": plan.due,
            "asked": organisations,
        });
        if let Some(from) = copied_from {
            after["copied_from"] = json!(from);
        }
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "round.open".into(),
                entity: format!("round:{round_id}"),
                organisation: None,
                before: None,
                after: Some(after),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(round_id)
    }

    /// Stores the asked cells of a round; gives how many each organisation
    /// is asked.
    async fn insert_requests(
        tx: &mut Transaction<'static, Any>,
        round_id: i64,
        asked: &[AskedCell],
    ) -> Result<BTreeMap<String, usize>, StoreError> {
        let mut organisations = BTreeMap::new();
        for a in asked {
            *organisations.entry(a.organisation.to_string()).or_insert(0) += 1;
            sqlx::query(
                "INSERT INTO round_requests (round_id, organisation, indicator, period, breakdown) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(round_id)
            .bind(a.organisation.to_string())
            .bind(a.key.indicator.to_string())
            .bind(a.key.period.to_string())
            .bind(a.key.breakdown.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(organisations)
    }

    /// An organisation's draft delivery in a round, with the mail to its
    /// suppliers: the mail commits with the round, or neither does.
    async fn add_delivery(
        tx: &mut Transaction<'static, Any>,
        round_id: i64,
        org: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deliveries (round_id, organisation, state, version, updated_at) \
             VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(round_id)
        .bind(org)
        .bind(DeliveryState::Draft.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        queue_in(
            tx,
            &MailRequest {
                key: format!("round_opened:{round_id}:{org}"),
                kind: MailKind::RoundOpened,
                params: json!({ "round": round_id, "organisation": org }),
                audience: Audience::Suppliers(slug("a round's organisation", org)?),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Locks a round and every delivery of it for this transaction and
    /// reads the round. A supplier's change locks its delivery first
    /// (`lock_delivery`), so an edit or a close and a delivery run one
    /// after the other, never interleaved.
    async fn lock_round(
        tx: &mut Transaction<'static, Any>,
        round_id: i64,
    ) -> Result<Round, StoreError> {
        let n = sqlx::query("UPDATE rounds SET due = due WHERE id = $1")
            .bind(round_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "there is no round {round_id}"
            )));
        }
        sqlx::query("UPDATE deliveries SET version = version WHERE round_id = $1")
            .bind(round_id)
            .execute(&mut **tx)
            .await?;
        let row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(round_id)
            .fetch_one(&mut **tx)
            .await?;
        row_to_round(&row)
    }

    /// Refuses a supplier's or an editor's change to a delivery of a closed
    /// round. Read after the delivery's lock, so a close that committed
    /// first is seen.
    async fn refuse_if_closed(
        tx: &mut Transaction<'static, Any>,
        round_id: i64,
    ) -> Result<(), StoreError> {
        let closed: Option<String> =
            sqlx::query_scalar("SELECT closed_at FROM rounds WHERE id = $1")
                .bind(round_id)
                .fetch_one(&mut **tx)
                .await?;
        match closed {
            Some(at) => Err(StoreError::RoundState(format!(
                "round {round_id} was closed at {at}: it takes no more deliveries"
            ))),
            None => Ok(()),
        }
    }

    /// Whether a supplier has started on the round: saved a draft, signed
    /// off, or been sent back (every change to a delivery grows its
    /// version).
    async fn started_in(
        tx: &mut Transaction<'static, Any>,
        round_id: i64,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE round_id = $1 AND (version > 0 OR state <> $2)",
        )
        .bind(round_id)
        .bind(DeliveryState::Draft.as_str())
        .fetch_one(&mut **tx)
        .await?;
        Ok(n > 0)
    }

    /// Whether a supplier has started on the round (see `edit_round`).
    pub async fn round_started(&self, round_id: i64) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE round_id = $1 AND (version > 0 OR state <> $2)",
        )
        .bind(round_id)
        .bind(DeliveryState::Draft.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Replaces what a round asks, its edition, title and due day, as long
    /// as no supplier has started on it and it is open. An organisation no
    /// longer asked loses its (untouched) delivery; a new one gets a
    /// delivery and the round's mail. Editors only.
    pub async fn edit_round(
        &self,
        actor: &Actor,
        round_id: i64,
        plan: &RoundPlan,
    ) -> Result<Round, StoreError> {
        if !actor.role.edits() {
            return Err(StoreError::Forbidden(
                "only an editor may change a round".into(),
            ));
        }
        let catalogue = self.catalogue().await?;
        let asked = plan.expand(&catalogue).map_err(StoreError::Plan)?;
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let before = Self::lock_round(&mut tx, round_id).await?;
        if before.is_closed() {
            return Err(StoreError::RoundState(format!(
                "round {round_id} is closed: it can no longer be changed"
            )));
        }
        if Self::started_in(&mut tx, round_id).await? {
            return Err(StoreError::RoundState(format!(
                "a supplier has started on round {round_id}: it can no longer be changed (close it and open another)"
            )));
        }
        let had: BTreeSet<String> = sqlx::query_scalar::<_, String>(
            "SELECT organisation FROM deliveries WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let encoded: BTreeSet<String> = sqlx::query_scalar::<_, String>(
            "SELECT organisation FROM encoded_requests WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let asked_before: BTreeMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT organisation, COUNT(*) FROM round_requests WHERE round_id = $1 GROUP BY organisation",
        )
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        sqlx::query("DELETE FROM round_requests WHERE round_id = $1")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        let organisations = Self::insert_requests(&mut tx, round_id, &asked).await?;
        for gone in had.iter().filter(|o| !organisations.contains_key(*o)) {
            if encoded.contains(gone) {
                return Err(StoreError::RoundState(format!(
                    "round {round_id} asks {gone} for encoded records: it stays in the round"
                )));
            }
            sqlx::query("DELETE FROM deliveries WHERE round_id = $1 AND organisation = $2")
                .bind(round_id)
                .bind(gone)
                .execute(&mut *tx)
                .await?;
        }
        for new in organisations.keys().filter(|o| !had.contains(*o)) {
            Self::add_delivery(&mut tx, round_id, new, &now).await?;
        }
        sqlx::query("UPDATE rounds SET edition = $1, title = $2, due = $3 WHERE id = $4")
            .bind(plan.edition.to_string())
            .bind(plan.title.trim())
            .bind(&plan.due)
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "round.edit".into(),
                entity: format!("round:{round_id}"),
                organisation: None,
                before: Some(json!({
                    "edition": before.edition.as_str(),
                    "title": before.title,
                    "due": before.due,
                    "asked": asked_before,
                })),
                after: Some(json!({
                    "edition": plan.edition.as_str(),
                    "title": plan.title.trim(),
                    "due": plan.due,
                    "asked": organisations,
                })),
            },
            &now,
        )
        .await?;
        let row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(round_id)
            .fetch_one(&mut *tx)
            .await?;
        let after = row_to_round(&row)?;
        tx.commit().await?;
        Ok(after)
    }

    /// Closes a round: no more drafts, sign-offs, returns or reopened
    /// cells, and no more reminders. What was signed off can still be
    /// accepted. Editors only; closing a closed round is refused.
    pub async fn close_round(&self, actor: &Actor, round_id: i64) -> Result<Round, StoreError> {
        if !actor.role.edits() {
            return Err(StoreError::Forbidden(
                "only an editor may close a round".into(),
            ));
        }
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let before = Self::lock_round(&mut tx, round_id).await?;
        if let Some(at) = &before.closed_at {
            return Err(StoreError::RoundState(format!(
                "round {round_id} was closed already, at {at}"
            )));
        }
        sqlx::query("UPDATE rounds SET closed_at = $1, closed_by = $2 WHERE id = $3")
            .bind(&now)
            .bind(&actor.login)
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        let states: Vec<(String, String)> = sqlx::query_as(
            "SELECT organisation, state FROM deliveries WHERE round_id = $1 ORDER BY organisation",
        )
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "round.close".into(),
                entity: format!("round:{round_id}"),
                organisation: None,
                before: Some(json!({ "closed_at": null })),
                after: Some(json!({
                    "closed_at": now,
                    "deliveries": states.into_iter().collect::<BTreeMap<_, _>>(),
                })),
            },
            &now,
        )
        .await?;
        let row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(round_id)
            .fetch_one(&mut *tx)
            .await?;
        let after = row_to_round(&row)?;
        tx.commit().await?;
        Ok(after)
    }

    /// A round's plan as it stands: its edition, title, due day and
    /// requests that ask exactly its cells.
    pub async fn round_plan(&self, round_id: i64) -> Result<RoundPlan, StoreError> {
        let round = self.round(round_id).await?;
        let asked = self.asked_cells(round_id).await?;
        Ok(RoundPlan {
            edition: round.edition,
            title: round.title,
            due: round.due,
            requests: requests_of(&asked),
        })
    }

    /// Opens last year's round again for this year: the same requests with
    /// every period one year on, for `edition`, due on `due`, titled
    /// `title` (by default the old title with its years moved on). Editors
    /// only. Gives the new round's id.
    pub async fn copy_round(
        &self,
        actor: &Actor,
        from: i64,
        edition: Slug,
        title: Option<String>,
        due: String,
    ) -> Result<i64, StoreError> {
        if !actor.role.edits() {
            return Err(StoreError::Forbidden(
                "only an editor may open a round".into(),
            ));
        }
        let last = self.round_plan(from).await?;
        let title = title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| title_next_year(&last.title));
        let plan = last.next_year(edition, title, due);
        self.open_round_from(actor, &plan, Some(from)).await
    }

    /// The rounds still open, newest first: those the reminders and the
    /// digest are about.
    pub async fn open_rounds(&self) -> Result<Vec<Round>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds WHERE closed_at IS NULL ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_to_round).collect()
    }

    /// Every round, newest first.
    pub async fn rounds(&self) -> Result<Vec<Round>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_to_round).collect()
    }

    pub async fn round(&self, id: i64) -> Result<Round, StoreError> {
        let row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("there is no round {id}")))?;
        row_to_round(&row)
    }

    /// Every cell a round asks, of every organisation, sorted.
    pub async fn asked_cells(&self, round_id: i64) -> Result<Vec<AskedCell>, StoreError> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT organisation, indicator, period, breakdown FROM round_requests WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(|(o, i, p, b)| {
                Ok(AskedCell {
                    organisation: slug("a request's organisation", o)?,
                    key: key_of("a requested cell", i, p, b)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort();
        Ok(out)
    }

    /// Every delivery of a round, by organisation. For editors.
    pub async fn deliveries(&self, round_id: i64) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d WHERE d.round_id = $1 ORDER BY d.organisation"
        ))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_to_delivery).collect()
    }

    /// One delivery, if `actor` may see it (its own supplier, or an editor).
    pub async fn delivery(&self, actor: &Actor, id: i64) -> Result<Delivery, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("there is no delivery {id}")))?;
        let d = row_to_delivery(&row)?;
        if !actor.may_see(&d.organisation) {
            // The same answer as for a delivery that does not exist: a
            // supplier learns nothing about other organisations.
            return Err(StoreError::NotFound(format!("there is no delivery {id}")));
        }
        Ok(d)
    }

    /// The rounds that ask something of the actor's organisation, newest
    /// first, each with its delivery and the asked cells. Nothing of other
    /// organisations.
    pub async fn supplier_requests(
        &self,
        actor: &Actor,
    ) -> Result<Vec<SupplierRequest>, StoreError> {
        let Some(org) = actor
            .organisation
            .as_ref()
            .filter(|_| actor.role == zicht_model::Role::Supplier)
        else {
            return Err(StoreError::Forbidden(
                "only a supplier has requests: editors see the rounds".into(),
            ));
        };
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d WHERE d.organisation = $1 ORDER BY d.round_id DESC"
        ))
        .bind(org.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let delivery = row_to_delivery(r)?;
            let round = self.round(delivery.round_id).await?;
            let asked = self
                .asked_cells(delivery.round_id)
                .await?
                .into_iter()
                .filter(|a| &a.organisation == org)
                .map(|a| a.key)
                .collect();
            out.push(SupplierRequest {
                round,
                delivery,
                asked,
            });
        }
        Ok(out)
    }

    /// The supplier's working copy of a delivery.
    pub async fn draft(
        &self,
        actor: &Actor,
        delivery_id: i64,
    ) -> Result<Vec<DeliveredCell>, StoreError> {
        self.delivery(actor, delivery_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {CELL_COLUMNS} FROM delivery_drafts WHERE delivery_id = $1"
        ))
        .bind(delivery_id)
        .fetch_all(&self.pool)
        .await?;
        let mut cells = rows
            .iter()
            .map(row_to_delivered)
            .collect::<Result<Vec<_>, _>>()?;
        cells.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(cells)
    }

    /// Locks the delivery for this transaction and reads it. The version
    /// update comes first so that concurrent changes to one delivery queue
    /// on its row (PostgreSQL) or on the write lock (SQLite).
    /// A delivery as the transaction sees it.
    async fn delivery_in(
        tx: &mut Transaction<'static, Any>,
        id: i64,
    ) -> Result<Delivery, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        row_to_delivery(&row)
    }

    /// Locks a delivery for a change by `actor`. A delivery the actor may
    /// not see is "not found", before anything else is checked: no later
    /// message may name another organisation or what it was asked.
    async fn lock_delivery(
        tx: &mut Transaction<'static, Any>,
        actor: &Actor,
        id: i64,
    ) -> Result<Delivery, StoreError> {
        let n = sqlx::query("UPDATE deliveries SET version = version + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("there is no delivery {id}")));
        }
        let d = Self::delivery_in(tx, id).await?;
        if !actor.may_see(&d.organisation) {
            return Err(StoreError::NotFound(format!("there is no delivery {id}")));
        }
        Ok(d)
    }

    async fn asked_in(
        tx: &mut Transaction<'static, Any>,
        d: &Delivery,
    ) -> Result<BTreeSet<CellKey>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT indicator, period, breakdown FROM round_requests WHERE round_id = $1 AND organisation = $2",
        )
        .bind(d.round_id)
        .bind(d.organisation.to_string())
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|(i, p, b)| key_of("a requested cell", i, p, b))
            .collect()
    }

    /// Refuses cells not asked of the delivery's organisation and gives how
    /// many asked cells are still missing.
    fn check_asked(
        asked: &BTreeSet<CellKey>,
        d: &Delivery,
        cells: &[DeliveredCell],
    ) -> Result<usize, StoreError> {
        let mut given = BTreeSet::new();
        for c in cells {
            if !asked.contains(&c.key) {
                return Err(StoreError::Invalid(format!(
                    "{} was not asked of {} in this round",
                    c.key, d.organisation
                )));
            }
            if !given.insert(&c.key) {
                return Err(StoreError::Invalid(format!("{} is given twice", c.key)));
            }
        }
        Ok(asked.len() - given.len())
    }

    async fn replace_draft(
        tx: &mut Transaction<'static, Any>,
        delivery_id: i64,
        cells: &[DeliveredCell],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM delivery_drafts WHERE delivery_id = $1")
            .bind(delivery_id)
            .execute(&mut **tx)
            .await?;
        insert_cells(tx, "delivery_drafts", "delivery_id", delivery_id, cells).await
    }

    /// Saves the supplier's working copy (cells may be missing). Gives the
    /// delivery as it now is.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        delivery_id: i64,
        cells: &[DeliveredCell],
    ) -> Result<Delivery, StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let d = Self::lock_delivery(&mut tx, actor, delivery_id).await?;
        Self::refuse_if_closed(&mut tx, d.round_id).await?;
        let asked = Self::asked_in(&mut tx, &d).await?;
        let missing = Self::check_asked(&asked, &d, cells)?;
        let next = transition(
            DeliveryAction::SaveDraft,
            d.state,
            actor,
            &d.organisation,
            missing,
            None,
        )?;
        Self::replace_draft(&mut tx, delivery_id, cells).await?;
        sqlx::query("UPDATE deliveries SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(next.as_str())
            .bind(&now)
            .bind(delivery_id)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: DeliveryAction::SaveDraft.audit_action().into(),
                entity: format!("delivery:{delivery_id}"),
                organisation: Some(d.organisation.to_string()),
                before: None,
                after: Some(json!({ "cells": cells.len(), "missing": missing })),
            },
            &now,
        )
        .await?;
        let after = Self::delivery_in(&mut tx, delivery_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Signs off a delivery with these cells: every asked cell must be
    /// answered. Each sign-off keeps a new numbered revision; signing off
    /// the same content again (a retry) makes none and says so.
    pub async fn submit(
        &self,
        actor: &Actor,
        delivery_id: i64,
        cells: &[DeliveredCell],
    ) -> Result<SubmitOutcome, StoreError> {
        let now = now_utc();
        let content = canonical(cells);
        let mut tx = self.begin_write().await?;
        let d = Self::lock_delivery(&mut tx, actor, delivery_id).await?;
        if matches!(d.state, DeliveryState::Submitted | DeliveryState::Accepted)
            && actor.supplies(&d.organisation)
        {
            let latest: Option<(i64, String)> = sqlx::query_as(
                "SELECT number, content FROM delivery_revisions WHERE delivery_id = $1 ORDER BY number DESC LIMIT 1",
            )
            .bind(delivery_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((number, stored)) = latest {
                if stored == content {
                    // Nothing to store: dropping the transaction undoes the
                    // version bump.
                    return Ok(SubmitOutcome {
                        revision: number,
                        new: false,
                    });
                }
            }
        }
        Self::refuse_if_closed(&mut tx, d.round_id).await?;
        let asked = Self::asked_in(&mut tx, &d).await?;
        let missing = Self::check_asked(&asked, &d, cells)?;
        let next = transition(
            DeliveryAction::Submit,
            d.state,
            actor,
            &d.organisation,
            missing,
            None,
        )?;
        let number = d.revision.unwrap_or(0) + 1;
        let revision_id: i64 = sqlx::query_scalar(
            "INSERT INTO delivery_revisions (delivery_id, number, submitted_by, submitted_at, content) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(delivery_id)
        .bind(number)
        .bind(&actor.login)
        .bind(&now)
        .bind(&content)
        .fetch_one(&mut *tx)
        .await?;
        insert_cells(&mut tx, "revision_cells", "revision_id", revision_id, cells).await?;
        Self::replace_draft(&mut tx, delivery_id, cells).await?;
        queue_in(
            &mut tx,
            &MailRequest {
                key: format!("signed_off:{delivery_id}:{number}"),
                kind: MailKind::SignedOff,
                params: json!({
                    "delivery": delivery_id,
                    "round": d.round_id,
                    "organisation": d.organisation.as_str(),
                    "revision": number,
                    "by": actor.login,
                }),
                audience: Audience::Editors,
            },
            &now,
        )
        .await?;
        sqlx::query(
            "UPDATE deliveries SET state = $1, signed_off_by = $2, signed_off_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(next.as_str())
        .bind(&actor.login)
        .bind(&now)
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: DeliveryAction::Submit.audit_action().into(),
                entity: format!("delivery:{delivery_id}"),
                organisation: Some(d.organisation.to_string()),
                before: Some(delivery_json(&d)),
                after: Some(json!({
                    "state": next.as_str(),
                    "revision": number,
                    "cells": serde_json::from_str::<serde_json::Value>(&content).unwrap_or_default(),
                })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(SubmitOutcome {
            revision: number,
            new: true,
        })
    }

    async fn latest_revision_in(
        tx: &mut Transaction<'static, Any>,
        delivery_id: i64,
    ) -> Result<(i64, i64, Vec<DeliveredCell>), StoreError> {
        let (id, number): (i64, i64) = sqlx::query_as(
            "SELECT id, number FROM delivery_revisions WHERE delivery_id = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(delivery_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| corrupt("a signed-off delivery", "it has no revision"))?;
        let rows = sqlx::query(&format!(
            "SELECT {CELL_COLUMNS} FROM revision_cells WHERE revision_id = $1"
        ))
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        let cells = rows
            .iter()
            .map(row_to_delivered)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((id, number, cells))
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_review(
        tx: &mut Transaction<'static, Any>,
        delivery_id: i64,
        revision_id: i64,
        decision: &str,
        editor: &str,
        now: &str,
        message: Option<&str>,
        cell: Option<&CellKey>,
        load_id: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO reviews (delivery_id, revision_id, decision, editor, at, message, indicator, period, breakdown, load_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(delivery_id)
        .bind(revision_id)
        .bind(decision)
        .bind(editor)
        .bind(now)
        .bind(message.map(str::to_owned))
        .bind(cell.map(|c| c.indicator.to_string()))
        .bind(cell.map(|c| c.period.to_string()))
        .bind(cell.map(|c| c.breakdown.to_string()))
        .bind(load_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Accepts a signed-off delivery: its latest revision's cells become
    /// versions in `cell_versions` through the ordinary load (origin
    /// `round:ID`, document = the round's edition, source = the supplier),
    /// in the same transaction. Reasons become footnotes.
    pub async fn accept(&self, actor: &Actor, delivery_id: i64) -> Result<LoadSummary, StoreError> {
        let accepted_at = now();
        let now = accepted_at.to_string();
        let mut tx = self.begin_write().await?;
        let d = Self::lock_delivery(&mut tx, actor, delivery_id).await?;
        let next = transition(
            DeliveryAction::Accept,
            d.state,
            actor,
            &d.organisation,
            0,
            None,
        )?;
        let round_row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(d.round_id)
            .fetch_one(&mut *tx)
            .await?;
        let round = row_to_round(&round_row)?;
        let (revision_id, number, delivered) =
            Self::latest_revision_in(&mut tx, delivery_id).await?;

        // A reason is a footnote definition first, so the cell can refer to it.
        let mut seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), -1) FROM catalogue WHERE kind = 'footnote'",
        )
        .fetch_one(&mut *tx)
        .await?;
        for f in delivered.iter().filter_map(DeliveredCell::reason_footnote) {
            seq += 1;
            let body = serde_json::to_string(&f).expect("a footnote always serialises");
            sqlx::query(
                "INSERT INTO catalogue (kind, id, seq, body, updated_at) VALUES ('footnote', $1, $2, $3, $4) \
                 ON CONFLICT (kind, id) DO NOTHING",
            )
            .bind(f.id.to_string())
            .bind(seq)
            .bind(body)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let cells: Vec<zicht_model::Cell> = delivered
            .iter()
            .map(|c| c.to_cell(&d.organisation, &round.edition, &round.title))
            .collect();
        let versions: Vec<NewVersion<'_>> = cells
            .iter()
            .map(|cell| NewVersion {
                cell,
                recorded_at: accepted_at,
                reason: None,
            })
            .collect();
        let reason = format!(
            "delivery {delivery_id} revision {number} of {} accepted by {}",
            d.organisation, actor.login
        );
        let summary = self
            .load_in(
                &mut tx,
                &format!("round:{}", round.id),
                None,
                &versions,
                Some(&reason),
            )
            .await?;
        sqlx::query(
            "UPDATE deliveries SET state = $1, message = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(next.as_str())
        .bind(&now)
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?;
        Self::record_review(
            &mut tx,
            delivery_id,
            revision_id,
            "accepted",
            &actor.login,
            &now,
            None,
            None,
            summary.load_id,
        )
        .await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: DeliveryAction::Accept.audit_action().into(),
                entity: format!("delivery:{delivery_id}"),
                organisation: Some(d.organisation.to_string()),
                before: Some(delivery_json(&d)),
                after: Some(json!({
                    "state": next.as_str(),
                    "revision": number,
                    "load_id": summary.load_id,
                    "cells_added": summary.cells_added,
                })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Returns a signed-off delivery to its supplier with a message saying
    /// what to correct.
    pub async fn return_delivery(
        &self,
        actor: &Actor,
        delivery_id: i64,
        message: &str,
    ) -> Result<Delivery, StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let d = Self::lock_delivery(&mut tx, actor, delivery_id).await?;
        Self::refuse_if_closed(&mut tx, d.round_id).await?;
        let next = transition(
            DeliveryAction::Return,
            d.state,
            actor,
            &d.organisation,
            0,
            Some(message),
        )?;
        let (revision_id, _, _) = Self::latest_revision_in(&mut tx, delivery_id).await?;
        self.review_change(
            &mut tx,
            actor,
            &d,
            next,
            revision_id,
            "returned",
            message,
            None,
            &now,
        )
        .await?;
        let after = Self::delivery_in(&mut tx, delivery_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Reopens one cell of a submitted or accepted delivery: the cell goes
    /// back to asked (out of the working copy) and the delivery must be
    /// signed off again. What was accepted stays in the monitor until a new
    /// acceptance records another version.
    pub async fn reopen_cell(
        &self,
        actor: &Actor,
        delivery_id: i64,
        cell: &CellKey,
        message: &str,
    ) -> Result<Delivery, StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let d = Self::lock_delivery(&mut tx, actor, delivery_id).await?;
        Self::refuse_if_closed(&mut tx, d.round_id).await?;
        let next = transition(
            DeliveryAction::ReopenCell,
            d.state,
            actor,
            &d.organisation,
            0,
            Some(message),
        )?;
        let (revision_id, _, cells) = Self::latest_revision_in(&mut tx, delivery_id).await?;
        if !cells.iter().any(|c| &c.key == cell) {
            return Err(StoreError::NotFound(format!(
                "{cell} is not in delivery {delivery_id}"
            )));
        }
        let kept: Vec<DeliveredCell> = cells.into_iter().filter(|c| &c.key != cell).collect();
        Self::replace_draft(&mut tx, delivery_id, &kept).await?;
        self.review_change(
            &mut tx,
            actor,
            &d,
            next,
            revision_id,
            "reopened",
            message,
            Some(cell),
            &now,
        )
        .await?;
        let after = Self::delivery_in(&mut tx, delivery_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    #[allow(clippy::too_many_arguments)]
    async fn review_change(
        &self,
        tx: &mut Transaction<'static, Any>,
        actor: &Actor,
        d: &Delivery,
        next: DeliveryState,
        revision_id: i64,
        decision: &str,
        message: &str,
        cell: Option<&CellKey>,
        now: &str,
    ) -> Result<(), StoreError> {
        let message = message.trim();
        sqlx::query(
            "UPDATE deliveries SET state = $1, message = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(next.as_str())
        .bind(message)
        .bind(now)
        .bind(d.id)
        .execute(&mut **tx)
        .await?;
        Self::record_review(
            tx,
            d.id,
            revision_id,
            decision,
            &actor.login,
            now,
            Some(message),
            cell,
            None,
        )
        .await?;
        // The version grows with every change, so each return or reopen
        // is its own mail.
        queue_in(
            tx,
            &MailRequest {
                key: format!("returned:{}:{}", d.id, d.version),
                kind: MailKind::Returned,
                params: json!({
                    "delivery": d.id,
                    "round": d.round_id,
                    "organisation": d.organisation.as_str(),
                    "message": message,
                    "cell": cell.map(|c| json!({
                        "indicator": c.indicator.as_str(),
                        "period": c.period.to_string(),
                        "breakdown": c.breakdown.to_string(),
                    })),
                }),
                audience: Audience::Suppliers(d.organisation.clone()),
            },
            now,
        )
        .await?;
        let action = if cell.is_some() {
            DeliveryAction::ReopenCell
        } else {
            DeliveryAction::Return
        };
        record_in(
            tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: action.audit_action().into(),
                entity: match cell {
                    Some(c) => format!(
                        "cell:{}|{}|{}|delivery:{}",
                        c.indicator, c.period, c.breakdown, d.id
                    ),
                    None => format!("delivery:{}", d.id),
                },
                organisation: Some(d.organisation.to_string()),
                before: Some(delivery_json(d)),
                after: Some(json!({ "state": next.as_str(), "message": message })),
            },
            now,
        )
        .await?;
        Ok(())
    }

    async fn revisions_where(
        &self,
        filter: &str,
        bind: String,
    ) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.delivery_id, d.round_id, d.organisation, r.number, r.submitted_by, r.submitted_at \
             FROM delivery_revisions r JOIN deliveries d ON d.id = r.delivery_id WHERE {filter} \
             ORDER BY r.id"
        ))
        .bind(bind)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let cell_rows = sqlx::query(&format!(
                "SELECT {CELL_COLUMNS} FROM revision_cells WHERE revision_id = $1"
            ))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let mut cells = cell_rows
                .iter()
                .map(row_to_delivered)
                .collect::<Result<Vec<_>, _>>()?;
            cells.sort_by(|a, b| a.key.cmp(&b.key));
            out.push(Revision {
                delivery_id: r.try_get(1)?,
                round_id: r.try_get(2)?,
                organisation: slug("a delivery's organisation", &r.try_get::<String, _>(3)?)?,
                number: r.try_get(4)?,
                submitted_by: r.try_get(5)?,
                submitted_at: r.try_get(6)?,
                cells,
            });
        }
        Ok(out)
    }

    /// Every signed-off revision of a delivery, oldest first.
    pub async fn revisions(
        &self,
        actor: &Actor,
        delivery_id: i64,
    ) -> Result<Vec<Revision>, StoreError> {
        self.delivery(actor, delivery_id).await?;
        // Bound as text and compared as text: one query for both backends.
        self.revisions_where("CAST(r.delivery_id AS TEXT) = $1", delivery_id.to_string())
            .await
    }

    /// Every revision an organisation ever signed off, across rounds,
    /// oldest first: the history of its cells. Its own suppliers and
    /// editors only.
    pub async fn organisation_history(
        &self,
        actor: &Actor,
        organisation: &Slug,
    ) -> Result<Vec<Revision>, StoreError> {
        if !actor.may_see(organisation) {
            return Err(StoreError::Forbidden(format!(
                "only a supplier of {organisation} or an editor may see its history"
            )));
        }
        self.revisions_where("d.organisation = $1", organisation.to_string())
            .await
    }

    /// The editors' decisions on a delivery, oldest first.
    pub async fn reviews(
        &self,
        actor: &Actor,
        delivery_id: i64,
    ) -> Result<Vec<Review>, StoreError> {
        self.delivery(actor, delivery_id).await?;
        let rows = sqlx::query(
            "SELECT v.id, v.delivery_id, r.number, v.decision, v.editor, v.at, v.message, \
                    v.indicator, v.period, v.breakdown, v.load_id \
             FROM reviews v JOIN delivery_revisions r ON r.id = v.revision_id \
             WHERE v.delivery_id = $1 ORDER BY v.id",
        )
        .bind(delivery_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let cell = match (
                    r.try_get::<Option<String>, _>(7)?,
                    r.try_get::<Option<String>, _>(8)?,
                    r.try_get::<Option<String>, _>(9)?,
                ) {
                    (Some(i), Some(p), Some(b)) => Some(key_of("a reopened cell", &i, &p, &b)?),
                    _ => None,
                };
                Ok(Review {
                    id: r.try_get(0)?,
                    delivery_id: r.try_get(1)?,
                    revision: r.try_get(2)?,
                    decision: r.try_get(3)?,
                    editor: r.try_get(4)?,
                    at: r.try_get(5)?,
                    message: r.try_get(6)?,
                    cell,
                    load_id: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// Progress per supplier in a round, counted from each working copy;
    /// `today` (ISO day) decides what is overdue.
    pub async fn round_progress(
        &self,
        round_id: i64,
        today: &str,
    ) -> Result<Vec<SupplierProgress>, StoreError> {
        let round = self.round(round_id).await?;
        let asked = self.asked_cells(round_id).await?;
        let editor = Actor::editor("progress");
        let mut out = Vec::new();
        for d in self.deliveries(round_id).await? {
            let n = asked
                .iter()
                .filter(|a| a.organisation == d.organisation)
                .count();
            let answers = self.draft(&editor, d.id).await?;
            out.push(SupplierProgress {
                organisation: d.organisation.clone(),
                delivery_id: d.id,
                state: d.state,
                progress: progress(n, &answers, d.state, &round.due, today),
            });
        }
        Ok(out)
    }
}
