//! Encoded records in a round: the request to a supplier, its uploaded file
//! until linkage or the retention date, and the linkages made from them
//! (migration 0009). The file is the output of `zicht encode`: record ids
//! the supplier chose, encodings and kept strata, no identifiers; the
//! service checks that before it comes here.
//!
//! Every write is one transaction with its audit entry: `encoded.ask`,
//! `encoded.upload`, `encoded.delete` (why: `linked` or `retention`) and
//! `round.link`.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use zicht_model::{Day, Slug};
use zicht_portal::Actor;

use crate::audit::{record_in, AuditEntry};
use crate::{now_utc, Store, StoreError};

/// A request for encoded records, with what became of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedRequest {
    pub id: i64,
    pub round_id: i64,
    pub organisation: Slug,
    /// The retention date: the file is deleted on this day at the latest.
    pub delete_on: Day,
    pub asked_by: String,
    pub asked_at: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: Option<String>,
    /// Records in the uploaded file.
    pub records: Option<i64>,
    pub sha256: Option<String>,
    pub deleted_at: Option<String>,
    /// `linked` or `retention`.
    pub deleted_why: Option<String>,
}

impl EncodedRequest {
    /// Whether the store holds its file now.
    pub fn holds_file(&self) -> bool {
        self.uploaded_at.is_some() && self.deleted_at.is_none()
    }
}

/// A linkage made from a round's encoded files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linkage {
    pub id: i64,
    pub round_id: i64,
    pub linked_by: String,
    pub linked_at: String,
    /// `zicht_linkage::LinkageRecord` as JSON.
    pub parameters: String,
    /// Capture histories at the chosen threshold, in the estimation format.
    pub histories: String,
    pub report: String,
}

/// What a round's linkage stores, besides who made it.
#[derive(Debug, Clone, Copy)]
pub struct NewLinkage<'a> {
    pub round_id: i64,
    pub parameters: &'a str,
    pub histories: &'a str,
    pub report: &'a str,
    /// The requests whose files were linked; their files are deleted.
    pub linked: &'a [i64],
}

const REQUEST_COLUMNS: &str = "id, round_id, organisation, delete_on, asked_by, asked_at, \
     uploaded_by, uploaded_at, records, sha256, deleted_at, deleted_why";

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

fn row_to_request(r: &AnyRow) -> Result<EncodedRequest, StoreError> {
    Ok(EncodedRequest {
        id: r.try_get(0)?,
        round_id: r.try_get(1)?,
        organisation: Slug::parse(&r.try_get::<String, _>(2)?)
            .map_err(|e| corrupt("encoded_requests.organisation", e))?,
        delete_on: r
            .try_get::<String, _>(3)?
            .parse()
            .map_err(|e| corrupt("encoded_requests.delete_on", e))?,
        asked_by: r.try_get(4)?,
        asked_at: r.try_get(5)?,
        uploaded_by: r.try_get(6)?,
        uploaded_at: r.try_get(7)?,
        records: r.try_get(8)?,
        sha256: r.try_get(9)?,
        deleted_at: r.try_get(10)?,
        deleted_why: r.try_get(11)?,
    })
}

fn row_to_linkage(r: &AnyRow) -> Result<Linkage, StoreError> {
    Ok(Linkage {
        id: r.try_get(0)?,
        round_id: r.try_get(1)?,
        linked_by: r.try_get(2)?,
        linked_at: r.try_get(3)?,
        parameters: r.try_get(4)?,
        histories: r.try_get(5)?,
        report: r.try_get(6)?,
    })
}

const LINKAGE_COLUMNS: &str = "id, round_id, linked_by, linked_at, parameters, histories, report";

fn request_json(r: &EncodedRequest) -> serde_json::Value {
    json!({
        "round": r.round_id,
        "delete_on": r.delete_on.to_string(),
        "records": r.records,
        "sha256": r.sha256,
    })
}

/// Deletes a request's file and records why, in `tx`.
async fn delete_file(
    tx: &mut Transaction<'static, Any>,
    actor: Option<&str>,
    request: &EncodedRequest,
    why: &str,
    linkage: Option<i64>,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM encoded_files WHERE request_id = $1")
        .bind(request.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE encoded_requests SET deleted_at = $1, deleted_why = $2 WHERE id = $3")
        .bind(now)
        .bind(why)
        .bind(request.id)
        .execute(&mut **tx)
        .await?;
    let mut after = request_json(request);
    after["deleted_why"] = json!(why);
    after["linkage"] = json!(linkage);
    record_in(
        tx,
        &AuditEntry {
            actor: actor.map(str::to_owned),
            action: "encoded.delete".into(),
            entity: format!("encoded:{}", request.id),
            organisation: Some(request.organisation.to_string()),
            before: Some(request_json(request)),
            after: Some(after),
        },
        now,
    )
    .await?;
    Ok(())
}

impl Store {
    /// Asks `organisation` for its encoded records in a round, to be kept
    /// until `delete_on` at the latest. Editors only; one request per
    /// organisation and round.
    pub async fn ask_encoded(
        &self,
        actor: &Actor,
        round_id: i64,
        organisation: &Slug,
        delete_on: Day,
    ) -> Result<EncodedRequest, StoreError> {
        if !actor.role.edits() {
            return Err(StoreError::Forbidden(
                "only editors ask for encoded records".into(),
            ));
        }
        self.round(round_id).await?;
        if self
            .catalogue()
            .await?
            .organisations
            .iter()
            .all(|o| o.id != *organisation)
        {
            return Err(StoreError::UnknownOrganisation(organisation.to_string()));
        }
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM encoded_requests WHERE round_id = $1 AND organisation = $2",
        )
        .bind(round_id)
        .bind(organisation.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Invalid(format!(
                "round {round_id} already asks {organisation} for encoded records"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO encoded_requests (round_id, organisation, delete_on, asked_by, asked_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(round_id)
        .bind(organisation.to_string())
        .bind(delete_on.to_string())
        .bind(&actor.login)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let request = Self::encoded_request_in(&mut tx, id).await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "encoded.ask".into(),
                entity: format!("encoded:{id}"),
                organisation: Some(organisation.to_string()),
                before: None,
                after: Some(request_json(&request)),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(request)
    }

    async fn encoded_request_in(
        tx: &mut Transaction<'static, Any>,
        id: i64,
    ) -> Result<EncodedRequest, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM encoded_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!("there is no request for encoded records {id}"))
        })?;
        row_to_request(&row)
    }

    /// The requests for encoded records of a round, by organisation.
    pub async fn encoded_requests(&self, round_id: i64) -> Result<Vec<EncodedRequest>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM encoded_requests WHERE round_id = $1 ORDER BY organisation"
        ))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_to_request)
        .collect()
    }

    /// An organisation's requests for encoded records whose file is still
    /// to come or held (not linked, not deleted), newest round first: what
    /// its suppliers see on their portal home.
    pub async fn open_encoded_requests(
        &self,
        organisation: &Slug,
    ) -> Result<Vec<EncodedRequest>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM encoded_requests \
             WHERE organisation = $1 AND deleted_at IS NULL ORDER BY round_id DESC"
        ))
        .bind(organisation.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_to_request)
        .collect()
    }

    /// Stores a supplier's encoded file for its organisation's request in
    /// the round, replacing an earlier upload that was not linked yet.
    /// Refused after the retention date (`today` on or after it) and once
    /// the file was linked or deleted.
    pub async fn upload_encoded(
        &self,
        actor: &Actor,
        round_id: i64,
        content: &str,
        records: i64,
        sha256: &str,
        today: Day,
    ) -> Result<EncodedRequest, StoreError> {
        let not_asked = || {
            StoreError::NotFound(format!(
                "round {round_id} asks your organisation for no encoded records"
            ))
        };
        let organisation = actor.organisation.as_ref().ok_or_else(not_asked)?;
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        // Touching the row first takes its lock on PostgreSQL: an upload and
        // a linkage of the same file run one after the other.
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE encoded_requests SET asked_at = asked_at \
             WHERE round_id = $1 AND organisation = $2 RETURNING id",
        )
        .bind(round_id)
        .bind(organisation.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let before = Self::encoded_request_in(&mut tx, id.ok_or_else(not_asked)?).await?;
        if let Some(why) = &before.deleted_why {
            return Err(StoreError::Invalid(format!(
                "the encoded records of round {round_id} were {} and deleted; a new delivery needs a new request",
                if why == "linked" { "linked" } else { "past their retention date" }
            )));
        }
        if today >= before.delete_on {
            return Err(StoreError::Invalid(format!(
                "the retention date of this request, {}, has come: nothing can be kept",
                before.delete_on
            )));
        }
        sqlx::query("DELETE FROM encoded_files WHERE request_id = $1")
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO encoded_files (request_id, content) VALUES ($1, $2)")
            .bind(before.id)
            .bind(content)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE encoded_requests SET uploaded_by = $1, uploaded_at = $2, records = $3, sha256 = $4 \
             WHERE id = $5",
        )
        .bind(&actor.login)
        .bind(&now)
        .bind(records)
        .bind(sha256)
        .bind(before.id)
        .execute(&mut *tx)
        .await?;
        let after = Self::encoded_request_in(&mut tx, before.id).await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "encoded.upload".into(),
                entity: format!("encoded:{}", before.id),
                organisation: Some(organisation.to_string()),
                before: before.uploaded_at.is_some().then(|| request_json(&before)),
                after: Some(request_json(&after)),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The files a round holds now, with their requests, by organisation.
    pub async fn encoded_files(
        &self,
        round_id: i64,
    ) -> Result<Vec<(EncodedRequest, String)>, StoreError> {
        let mut out = Vec::new();
        for request in self.encoded_requests(round_id).await? {
            if !request.holds_file() {
                continue;
            }
            let content: Option<String> =
                sqlx::query_scalar("SELECT content FROM encoded_files WHERE request_id = $1")
                    .bind(request.id)
                    .fetch_optional(&self.pool)
                    .await?;
            match content {
                Some(c) => out.push((request, c)),
                None => {
                    return Err(corrupt(
                        "encoded_files",
                        format!("request {} has no file", request.id),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Stores a round's linkage and deletes the files it linked, in one
    /// transaction: the histories are kept only together with the deletion.
    /// `actor` is `None` for the terminal.
    pub async fn save_linkage(
        &self,
        actor: Option<&str>,
        linkage: &NewLinkage<'_>,
    ) -> Result<i64, StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO linkages (round_id, linked_by, linked_at, parameters, histories, report) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(linkage.round_id)
        .bind(actor.unwrap_or("(terminal)"))
        .bind(&now)
        .bind(linkage.parameters)
        .bind(linkage.histories)
        .bind(linkage.report)
        .fetch_one(&mut *tx)
        .await?;
        for &request_id in linkage.linked {
            let request = Self::encoded_request_in(&mut tx, request_id).await?;
            if request.round_id != linkage.round_id || !request.holds_file() {
                return Err(StoreError::Invalid(format!(
                    "the encoded records of {} were deleted meanwhile: link again",
                    request.organisation
                )));
            }
            delete_file(&mut tx, actor, &request, "linked", Some(id), &now).await?;
        }
        let parameters: serde_json::Value =
            serde_json::from_str(linkage.parameters).unwrap_or(serde_json::Value::Null);
        record_in(
            &mut tx,
            &AuditEntry {
                actor: actor.map(str::to_owned),
                action: "round.link".into(),
                entity: format!("linkage:{id}"),
                organisation: None,
                before: None,
                after: Some(json!({ "round": linkage.round_id, "parameters": parameters })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes every file whose retention date is `today` or earlier.
    /// Gives the requests whose files were deleted.
    pub async fn sweep_encoded(
        &self,
        actor: Option<&str>,
        today: Day,
    ) -> Result<Vec<EncodedRequest>, StoreError> {
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT r.id FROM encoded_requests r JOIN encoded_files f ON f.request_id = r.id \
             WHERE r.delete_on <= $1 ORDER BY r.id",
        )
        .bind(today.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut swept = Vec::new();
        for id in due {
            let request = Self::encoded_request_in(&mut tx, id).await?;
            delete_file(&mut tx, actor, &request, "retention", None, &now).await?;
            swept.push(Self::encoded_request_in(&mut tx, id).await?);
        }
        tx.commit().await?;
        Ok(swept)
    }

    /// A round's linkages, oldest first.
    pub async fn linkages(&self, round_id: i64) -> Result<Vec<Linkage>, StoreError> {
        sqlx::query(&format!(
            "SELECT {LINKAGE_COLUMNS} FROM linkages WHERE round_id = $1 ORDER BY id"
        ))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(row_to_linkage)
        .collect()
    }

    /// One linkage.
    pub async fn linkage(&self, id: i64) -> Result<Linkage, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {LINKAGE_COLUMNS} FROM linkages WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("there is no linkage {id}")))?;
        row_to_linkage(&row)
    }
}
