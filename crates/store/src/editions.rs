//! What editors change besides deliveries: an edition's embargo, who may see
//! it before then, and the catalogue definitions they write (recommendations,
//! measures with their events, assessments, texts). Each change is one
//! transaction with its audit record, and makes [`Store::revision`] grow so
//! that a cached site is rebuilt.

use serde_json::{json, Value};
use sqlx::{Any, Transaction};
use zicht_model::{
    Assessment, Catalogue, Document, DocumentKind, Instant, Measure, Recommendation, Text,
};
use zicht_portal::Actor;

use crate::audit::{record_in, AuditEntry};
use crate::catalogue_rows::{assessment_id, text_id};
use crate::{now_utc, DefinitionKind, Store, StoreError};

fn editors_only(actor: &Actor, what: &str) -> Result<(), StoreError> {
    if actor.role.edits() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!("only an editor may {what}")))
    }
}

/// Marks the change as a load without cells: `revision()` is the newest
/// load, so readers that cache by it rebuild.
async fn bump_revision(
    tx: &mut Transaction<'static, Any>,
    origin: &str,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO loads (started_at, origin, reason, cells_added) VALUES ($1, $2, NULL, 0)",
    )
    .bind(now)
    .bind(origin)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Sets (`Some`) or clears (`None`) an edition's embargo.
    pub async fn set_embargo(
        &self,
        actor: &Actor,
        edition: &str,
        embargo: Option<Instant>,
    ) -> Result<(), StoreError> {
        editors_only(actor, "set an embargo")?;
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM catalogue WHERE kind = 'document' AND id = $1")
                .bind(edition)
                .fetch_optional(&mut *tx)
                .await?;
        let body = body.ok_or_else(|| StoreError::UnknownEdition(edition.to_owned()))?;
        let mut doc: Document = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            what: format!("document {edition}"),
            detail: e.to_string(),
        })?;
        if doc.kind != DocumentKind::Edition {
            return Err(StoreError::Invalid(format!(
                "'{edition}' is a source, not an edition: only editions are released"
            )));
        }
        let before = doc.embargo;
        doc.embargo = embargo;
        if before == doc.embargo {
            return Ok(());
        }
        let body = serde_json::to_string(&doc).expect("a document always serialises");
        sqlx::query(
            "UPDATE catalogue SET body = $1, updated_at = $2 WHERE kind = 'document' AND id = $3",
        )
        .bind(body)
        .bind(&now)
        .bind(edition)
        .execute(&mut *tx)
        .await?;
        bump_revision(&mut tx, &format!("embargo:{edition}"), &now).await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "edition.embargo".into(),
                entity: format!("edition:{edition}"),
                organisation: None,
                before: Some(json!({ "embargo": before })),
                after: Some(json!({ "embargo": doc.embargo })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a new edition to the catalogue, so that a round can collect
    /// figures for it. Its id must be new among the documents and its
    /// publisher, if any, an organisation of the catalogue. Editors only.
    pub async fn add_edition(&self, actor: &Actor, edition: &Document) -> Result<(), StoreError> {
        editors_only(actor, "add an edition")?;
        if edition.kind != DocumentKind::Edition {
            return Err(StoreError::Invalid(format!(
                "'{}' is not an edition: only editions are added here",
                edition.id
            )));
        }
        if edition.label_nl.trim().is_empty() || edition.label_en.trim().is_empty() {
            return Err(StoreError::Invalid(
                "give the edition a name in Dutch and in English".into(),
            ));
        }
        for label in [&edition.label_nl, &edition.label_en] {
            if let Some(c) = zicht_contract::bidi_control(label) {
                return Err(StoreError::Invalid(format!(
                    "an edition's name may not hold the direction control U+{:04X}",
                    c as u32
                )));
            }
        }
        let catalogue = self.catalogue().await?;
        if let Some(publisher) = &edition.publisher {
            if catalogue.organisation(publisher.as_str()).is_none() {
                return Err(StoreError::UnknownOrganisation(publisher.to_string()));
            }
        }
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM catalogue WHERE kind = 'document' AND id = $1",
        )
        .bind(edition.id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if taken > 0 {
            return Err(StoreError::Invalid(format!(
                "there is already a document '{}'",
                edition.id
            )));
        }
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), -1) + 1 FROM catalogue WHERE kind = 'document'",
        )
        .fetch_one(&mut *tx)
        .await?;
        let body = serde_json::to_value(edition).expect("a document always serialises");
        sqlx::query(
            "INSERT INTO catalogue (kind, id, seq, body, updated_at) VALUES ('document', $1, $2, $3, $4)",
        )
        .bind(edition.id.as_str())
        .bind(seq)
        .bind(body.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        bump_revision(&mut tx, &format!("edition:{}", edition.id), &now).await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: "edition.add".into(),
                entity: format!("edition:{}", edition.id),
                organisation: None,
                before: None,
                after: Some(body),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lets `login` see `edition` before its embargo ends.
    pub async fn grant_pre_release(
        &self,
        actor: &Actor,
        edition: &str,
        login: &str,
    ) -> Result<(), StoreError> {
        self.change_access(actor, edition, login, true).await
    }

    /// Takes pre-release access to `edition` away from `login`.
    pub async fn revoke_pre_release(
        &self,
        actor: &Actor,
        edition: &str,
        login: &str,
    ) -> Result<(), StoreError> {
        self.change_access(actor, edition, login, false).await
    }

    async fn change_access(
        &self,
        actor: &Actor,
        edition: &str,
        login: &str,
        grant: bool,
    ) -> Result<(), StoreError> {
        editors_only(actor, "grant pre-release access")?;
        let catalogue = self.catalogue().await?;
        if catalogue
            .document(edition)
            .is_none_or(|d| d.kind != DocumentKind::Edition)
        {
            return Err(StoreError::UnknownEdition(edition.to_owned()));
        }
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let n = if grant {
            sqlx::query(
                "INSERT INTO edition_access (edition, login, granted_by, granted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (edition, login) DO NOTHING",
            )
            .bind(edition)
            .bind(login)
            .bind(&actor.login)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query("DELETE FROM edition_access WHERE edition = $1 AND login = $2")
                .bind(edition)
                .bind(login)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        };
        if n == 0 {
            // Already so: nothing changed, nothing to record.
            return Ok(());
        }
        let (before, after) = if grant { (false, true) } else { (true, false) };
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: if grant {
                    "edition.access.grant".into()
                } else {
                    "edition.access.revoke".into()
                },
                entity: format!("edition:{edition}"),
                organisation: None,
                before: Some(json!({ "login": login, "access": before })),
                after: Some(json!({ "login": login, "access": after })),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The logins that may see `edition` before its embargo, sorted.
    pub async fn pre_release_logins(&self, edition: &str) -> Result<Vec<String>, StoreError> {
        let mut logins: Vec<String> =
            sqlx::query_scalar("SELECT login FROM edition_access WHERE edition = $1")
                .bind(edition)
                .fetch_all(&self.pool)
                .await?;
        logins.sort();
        Ok(logins)
    }

    /// Whether `login` has pre-release access to `edition`.
    pub async fn has_pre_release(&self, edition: &str, login: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM edition_access WHERE edition = $1 AND login = $2",
        )
        .bind(edition)
        .bind(login)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Writes one catalogue definition from its JSON body — a new one, or the
    /// one stored under `id` (which a text's or assessment's new title or
    /// references may rename). The body must read as that kind of definition
    /// (unknown fields refused). Gives the definition's id as stored.
    pub async fn update_definition(
        &self,
        actor: &Actor,
        kind: DefinitionKind,
        id: Option<&str>,
        body: &Value,
    ) -> Result<String, StoreError> {
        editors_only(actor, "change the monitor's texts")?;
        let invalid = |e: serde_json::Error| {
            StoreError::Invalid(format!("this is not a valid {}: {e}", kind.as_str()))
        };
        // Stored as the model writes it, so a later load of the same
        // definition finds it unchanged.
        fn read<T: serde::de::DeserializeOwned + serde::Serialize>(
            body: &Value,
            id: impl Fn(&T) -> String,
        ) -> Result<(String, Value), serde_json::Error> {
            let t: T = serde_json::from_value(body.clone())?;
            Ok((id(&t), serde_json::to_value(&t)?))
        }
        let (new_id, body) = match kind {
            DefinitionKind::Recommendation => read(body, |r: &Recommendation| r.id.to_string()),
            DefinitionKind::Measure => read(body, |m: &Measure| m.id.to_string()),
            DefinitionKind::Assessment => read(body, assessment_id),
            DefinitionKind::Text => read(body, text_id),
        }
        .map_err(invalid)?;
        self.check_citations(kind, &body).await?;
        let body = &body;
        let now = now_utc();
        let mut tx = self.begin_write().await?;
        let kind_str = kind.as_str();
        let old_id = id.unwrap_or(&new_id);
        let old: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, body FROM catalogue WHERE kind = $1 AND id = $2")
                .bind(kind_str)
                .bind(old_id)
                .fetch_optional(&mut *tx)
                .await?;
        if id.is_some() && old.is_none() {
            return Err(StoreError::NotFound(format!(
                "there is no {kind_str} '{old_id}'"
            )));
        }
        if old_id != new_id {
            let taken: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM catalogue WHERE kind = $1 AND id = $2")
                    .bind(kind_str)
                    .bind(&new_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if taken > 0 {
                return Err(StoreError::Invalid(format!(
                    "there is already a {kind_str} '{new_id}'"
                )));
            }
        }
        let before: Option<Value> = old
            .as_ref()
            .map(|(_, b)| serde_json::from_str(b))
            .transpose()
            .map_err(|e| StoreError::Corrupt {
                what: format!("{kind_str} {old_id}"),
                detail: e.to_string(),
            })?;
        if before.as_ref() == Some(body) {
            return Ok(new_id);
        }
        let seq = match &old {
            Some((seq, _)) => *seq,
            None => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COALESCE(MAX(seq), -1) + 1 FROM catalogue WHERE kind = $1",
                )
                .bind(kind_str)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        if old.is_some() {
            sqlx::query("DELETE FROM catalogue WHERE kind = $1 AND id = $2")
                .bind(kind_str)
                .bind(old_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO catalogue (kind, id, seq, body, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(kind_str)
        .bind(&new_id)
        .bind(seq)
        .bind(body.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        bump_revision(&mut tx, &format!("definition:{kind_str}:{new_id}"), &now).await?;
        record_in(
            &mut tx,
            &AuditEntry {
                actor: Some(actor.login.clone()),
                action: format!("{kind_str}.update"),
                entity: format!("{kind_str}:{new_id}"),
                organisation: None,
                before,
                after: Some(body.clone()),
            },
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(new_id)
    }

    /// Refuses a definition whose texts cite a cell the monitor does not
    /// have, or an indicator, period or breakdown it does not know: such a
    /// citation could only ever show a gap.
    async fn check_citations(&self, kind: DefinitionKind, body: &Value) -> Result<(), StoreError> {
        let invalid = |e: serde_json::Error| StoreError::Invalid(e.to_string());
        let mut part = Catalogue::default();
        match kind {
            DefinitionKind::Recommendation => part
                .recommendations
                .push(serde_json::from_value(body.clone()).map_err(invalid)?),
            DefinitionKind::Measure => part
                .measures
                .push(serde_json::from_value(body.clone()).map_err(invalid)?),
            DefinitionKind::Assessment => part
                .assessments
                .push(serde_json::from_value::<Assessment>(body.clone()).map_err(invalid)?),
            DefinitionKind::Text => part
                .texts
                .push(serde_json::from_value::<Text>(body.clone()).map_err(invalid)?),
        }
        let prose = part.prose();
        if prose
            .iter()
            .all(|p| zicht_model::citations(p.text).is_empty())
        {
            return Ok(());
        }
        let catalogue = self.catalogue().await?;
        let mut problems = Vec::new();
        for p in &prose {
            let field = p.id.rsplit(" · ").next().unwrap_or("");
            let found = catalogue.citation_problems(p);
            if !found.is_empty() {
                problems.extend(found.into_iter().map(|m| format!("{field}: {m}")));
                continue;
            }
            for r in zicht_model::citations(p.text).into_iter().flatten() {
                let cells = self
                    .versions(&crate::AsOf::Latest, Some(r.indicator.as_str()))
                    .await?;
                let exists = cells
                    .iter()
                    .any(|v| v.cell.period == r.period && v.cell.breakdown == r.breakdown);
                if !exists {
                    problems.push(format!(
                        "{field}: '{r}' cites a cell the monitor does not have: correct the period or breakdown, or load the cell first"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(problems.join("; ")))
        }
    }
}
