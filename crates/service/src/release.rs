//! What the editors decide about the public side: an edition's embargo,
//! who may see it before, and the monitor's texts.

use std::collections::BTreeSet;

use serde_json::Value;
use zicht_model::{DocumentKind, Instant};
use zicht_portal::Actor;
use zicht_store::{AsOf, DefinitionKind, Store};

use crate::rounds::editor;
use crate::ServiceError;

/// What an embargo would take off the public side: the edition and how
/// many of its public cells and indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub edition: String,
    pub label_nl: String,
    pub label_en: String,
    pub cells: usize,
    pub indicators: usize,
}

/// What setting an embargo came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbargoOutcome {
    Set,
    /// Not set: the edition is public now and the embargo lies ahead, so it
    /// would disappear from the site and the API until then. Ask again with
    /// `confirmed`.
    NeedsConfirmation(Withdrawal),
}

/// What putting `embargo` on `edition` at `now` would withdraw from the
/// public side; `None` when nothing public would disappear (the edition is
/// not public yet, or the embargo is not ahead).
pub async fn withdrawal(
    store: &Store,
    edition: &str,
    embargo: Option<Instant>,
    now: Instant,
) -> Result<Option<Withdrawal>, ServiceError> {
    let catalogue = store.catalogue().await?;
    let Some(doc) = catalogue
        .documents
        .iter()
        .find(|d| d.id.as_str() == edition && d.kind == DocumentKind::Edition)
    else {
        return Err(ServiceError::NotFound(format!(
            "unknown edition '{edition}'"
        )));
    };
    let ahead = embargo.is_some_and(|e| e > now);
    if !ahead || !doc.is_public_at(now) {
        return Ok(None);
    }
    // The edition's cells as the public sees them now: what its page and
    // `/api/editions/{id}` show, and what the embargo would hide.
    let (_, cells) =
        crate::public_cells(store, &AsOf::Edition(edition.to_owned()), None, now).await?;
    let indicators: BTreeSet<&str> = cells.iter().map(|c| c.indicator.as_str()).collect();
    Ok(Some(Withdrawal {
        edition: edition.to_owned(),
        label_nl: doc.label_nl.clone(),
        label_en: doc.label_en.clone(),
        cells: cells.len(),
        indicators: indicators.len(),
    }))
}

/// Sets an edition's embargo (`None`: public as soon as it is loaded). An
/// embargo that would withdraw a public edition is set only when
/// `confirmed`: otherwise the answer says what would disappear.
pub async fn set_embargo(
    store: &Store,
    caller: &Actor,
    edition: &str,
    embargo: Option<Instant>,
    confirmed: bool,
) -> Result<EmbargoOutcome, ServiceError> {
    editor(caller)?;
    if !confirmed {
        let now = Instant::from(std::time::SystemTime::now());
        if let Some(w) = withdrawal(store, edition, embargo, now).await? {
            return Ok(EmbargoOutcome::NeedsConfirmation(w));
        }
    }
    store.set_embargo(caller, edition, embargo).await?;
    Ok(EmbargoOutcome::Set)
}

/// Lets a user see an edition before its embargo (`grant`), or no longer;
/// answers who may now. The store would record access for any login, so an
/// unknown one, a typo, is refused here.
pub async fn pre_release(
    store: &Store,
    caller: &Actor,
    edition: &str,
    login: &str,
    grant: bool,
) -> Result<Vec<String>, ServiceError> {
    editor(caller)?;
    if store.user_by_login(login).await?.is_none() {
        return Err(ServiceError::NotFound(format!(
            "no user with the login '{login}'"
        )));
    }
    if grant {
        store.grant_pre_release(caller, edition, login).await?;
    } else {
        store.revoke_pre_release(caller, edition, login).await?;
    }
    Ok(store.pre_release_logins(edition).await?)
}

/// Adds (`id` `None`) or replaces a recommendation, measure, assessment or
/// text of the monitor; answers its id.
pub async fn save_definition(
    store: &Store,
    caller: &Actor,
    kind: DefinitionKind,
    id: Option<&str>,
    body: &Value,
) -> Result<String, ServiceError> {
    editor(caller)?;
    if let Some((path, c)) = direction_control(body, String::new()) {
        return Err(ServiceError::Invalid(format!(
            "{path}: {}",
            zicht_contract::TextProblem::BidiControl(c)
        )));
    }
    Ok(store.update_definition(caller, kind, id, body).await?)
}

/// The first text of `value` (where, and the character) that holds a
/// direction control: a text shown on the site must read as it is stored.
fn direction_control(value: &Value, at: String) -> Option<(String, char)> {
    match value {
        Value::String(s) => zicht_contract::bidi_control(s).map(|c| (at, c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| direction_control(v, format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            direction_control(v, here)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direction_control_anywhere_in_a_text_is_found() {
        let ok = serde_json::json!({"label_nl": "Aanbeveling", "items": ["a", "b"]});
        assert_eq!(direction_control(&ok, String::new()), None);
        let bad = serde_json::json!({"label_nl": "x", "items": ["a", "b\u{202E}c"]});
        assert_eq!(
            direction_control(&bad, String::new()),
            Some(("items[1]".to_owned(), '\u{202E}'))
        );
    }
}
