//! Definitions are stored as JSON documents keyed by kind and id: they are
//! read whole and rarely, and their shape grows with the monitor.

use serde::{de::DeserializeOwned, Serialize};
use sqlx::Row;
use zicht_model::Catalogue;

use crate::{on_typed, Store, StoreError, TypedTx};

fn rows<T: Serialize>(
    kind: &'static str,
    items: &[T],
    id: impl Fn(&T) -> String,
) -> Vec<(&'static str, String, i64, String)> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let body = serde_json::to_string(item).expect("definitions always serialise");
            (kind, id(item), i as i64, body)
        })
        .collect()
}

/// The row id of an assessment: it has no id of its own.
pub fn assessment_id(a: &zicht_model::Assessment) -> String {
    format!("{}|{}", a.recommendation, a.document)
}

/// The row id of a text: it has no id of its own.
pub fn text_id(t: &zicht_model::Text) -> String {
    format!("{}|{}|{:?}|{}", t.theme, t.document, t.kind, t.title_nl)
}

fn all_rows(c: &Catalogue) -> Vec<(&'static str, String, i64, String)> {
    let mut out = Vec::new();
    out.extend(rows("theme", &c.themes, |t| t.id.to_string()));
    out.extend(rows("document", &c.documents, |t| t.id.to_string()));
    out.extend(rows("organisation", &c.organisations, |t| t.id.to_string()));
    out.extend(rows("dimension", &c.dimensions, |t| t.id.to_string()));
    out.extend(rows("counting_unit", &c.counting_units, |t| {
        t.id.to_string()
    }));
    out.extend(rows("indicator", &c.indicators, |t| t.id.to_string()));
    out.extend(rows("footnote", &c.footnotes, |t| t.id.to_string()));
    out.extend(rows("recommendation", &c.recommendations, |t| {
        t.id.to_string()
    }));
    out.extend(rows("assessment", &c.assessments, assessment_id));
    out.extend(rows("measure", &c.measures, |t| t.id.to_string()));
    out.extend(rows("action_plan", &c.action_plans, |t| t.id.to_string()));
    out.extend(rows("text", &c.texts, text_id));
    out.extend(rows("ranking", &c.rankings, |t| {
        format!("{}|{}|{}|{}", t.indicator, t.period, t.rank, t.value)
    }));
    // The colophon is one row: the monitor has at most one.
    out.extend(rows("about", c.about.as_slice(), |_| "about".to_owned()));
    out
}

/// The body of [`save`] for a transaction of any driver.
macro_rules! save_on {
    ($tx:expr, $catalogue:expr, $now:expr) => {{
        let tx = $tx;
        let existing: Vec<(String, String, i64, String)> =
            sqlx::query_as("SELECT kind, id, seq, body FROM catalogue")
                .fetch_all(&mut **tx)
                .await?;
        let existing: std::collections::HashMap<(String, String), (i64, String)> = existing
            .into_iter()
            .map(|(k, i, s, b)| ((k, i), (s, b)))
            .collect();
        let mut changed = 0;
        for (kind, id, seq, body) in all_rows($catalogue) {
            match existing.get(&(kind.to_owned(), id.clone())) {
                Some((s, b)) if *s == seq && *b == body => continue,
                Some(_) => {
                    sqlx::query("UPDATE catalogue SET seq = $1, body = $2, updated_at = $3 WHERE kind = $4 AND id = $5")
                        .bind(seq)
                        .bind(&body)
                        .bind($now)
                        .bind(kind)
                        .bind(&id)
                        .execute(&mut **tx)
                        .await?;
                }
                None => {
                    sqlx::query("INSERT INTO catalogue (kind, id, seq, body, updated_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(kind)
                        .bind(&id)
                        .bind(seq)
                        .bind(&body)
                        .bind($now)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            changed += 1;
        }
        Ok(changed)
    }};
}
/// Writes definitions that are new or changed; returns how many. Definitions
/// are not values: a changed label replaces the old one.
pub(crate) async fn save(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    catalogue: &Catalogue,
    now: &str,
) -> Result<u64, StoreError> {
    save_on!(tx, catalogue, now)
}

/// [`save`] inside a bulk load's transaction.
pub(crate) async fn save_typed(
    tx: &mut TypedTx,
    catalogue: &Catalogue,
    now: &str,
) -> Result<u64, StoreError> {
    on_typed!(tx, tx => save_on!(tx, catalogue, now))
}

fn parse_all<T: DeserializeOwned>(
    kind: &str,
    bodies: &[(String, String)],
) -> Result<Vec<T>, StoreError> {
    bodies
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, b)| {
            serde_json::from_str(b).map_err(|e| StoreError::Corrupt {
                what: format!("a {kind} definition"),
                detail: e.to_string(),
            })
        })
        .collect()
}

impl Store {
    /// Everything the monitor declares, in declaration order.
    pub async fn catalogue(&self) -> Result<Catalogue, StoreError> {
        let rows = sqlx::query("SELECT kind, body FROM catalogue ORDER BY kind, seq, id")
            .fetch_all(&self.pool)
            .await?;
        let bodies: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Catalogue {
            themes: parse_all("theme", &bodies)?,
            documents: parse_all("document", &bodies)?,
            organisations: parse_all("organisation", &bodies)?,
            dimensions: parse_all("dimension", &bodies)?,
            counting_units: parse_all("counting_unit", &bodies)?,
            indicators: parse_all("indicator", &bodies)?,
            footnotes: parse_all("footnote", &bodies)?,
            recommendations: parse_all("recommendation", &bodies)?,
            assessments: parse_all("assessment", &bodies)?,
            measures: parse_all("measure", &bodies)?,
            action_plans: parse_all("action_plan", &bodies)?,
            texts: parse_all("text", &bodies)?,
            rankings: parse_all("ranking", &bodies)?,
            about: parse_all("about", &bodies)?.into_iter().next(),
        })
    }
}
