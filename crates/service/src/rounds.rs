//! The editor's side of a round: open it, send a delivery back, reopen a
//! cell; and what an organisation delivered over time.

use zicht_model::{Document, Slug};
use zicht_portal::{Actor, CellKey, RoundPlan};
use zicht_store::{AuditFilter, AuditRecord, Delivery, Revision, Round, Store};

use crate::ServiceError;

/// Editors and admins run rounds; suppliers only answer them.
pub(crate) fn editor(caller: &Actor) -> Result<(), ServiceError> {
    if caller.role.edits() {
        Ok(())
    } else {
        Err(ServiceError::role())
    }
}

/// Opens a round: its deliveries, one per organisation asked, or every
/// problem of the plan.
pub async fn open_round(
    store: &Store,
    caller: &Actor,
    plan: &RoundPlan,
) -> Result<i64, ServiceError> {
    editor(caller)?;
    Ok(store.open_round(caller, plan).await?)
}

/// Changes what an open round asks, its edition, title or due day, until a
/// supplier starts on it.
pub async fn edit_round(
    store: &Store,
    caller: &Actor,
    round: i64,
    plan: &RoundPlan,
) -> Result<Round, ServiceError> {
    editor(caller)?;
    Ok(store.edit_round(caller, round, plan).await?)
}

/// Closes a round: no more deliveries, no more reminders.
pub async fn close_round(store: &Store, caller: &Actor, round: i64) -> Result<Round, ServiceError> {
    editor(caller)?;
    Ok(store.close_round(caller, round).await?)
}

/// Opens last year's round again: the same requests, every period one year
/// on, for `edition`, due on `due`. Gives the new round's id.
pub async fn copy_round(
    store: &Store,
    caller: &Actor,
    from: i64,
    edition: Slug,
    title: Option<String>,
    due: String,
) -> Result<i64, ServiceError> {
    editor(caller)?;
    Ok(store.copy_round(caller, from, edition, title, due).await?)
}

/// A round's plan as it stands, for editing it or copying it by hand.
pub async fn plan(store: &Store, caller: &Actor, round: i64) -> Result<RoundPlan, ServiceError> {
    editor(caller)?;
    Ok(store.round_plan(round).await?)
}

/// Adds an edition (with its cut-off) to the catalogue, for a round to
/// collect figures for.
pub async fn add_edition(
    store: &Store,
    caller: &Actor,
    edition: &Document,
) -> Result<(), ServiceError> {
    editor(caller)?;
    Ok(store.add_edition(caller, edition).await?)
}

/// Sends a signed-off delivery back to its supplier with what to correct.
pub async fn return_delivery(
    store: &Store,
    caller: &Actor,
    delivery: i64,
    message: &str,
) -> Result<Delivery, ServiceError> {
    editor(caller)?;
    Ok(store.return_delivery(caller, delivery, message).await?)
}

/// Opens one cell of a signed-off or accepted delivery again, with what
/// to correct.
pub async fn reopen_cell(
    store: &Store,
    caller: &Actor,
    delivery: i64,
    cell: &CellKey,
    message: &str,
) -> Result<Delivery, ServiceError> {
    editor(caller)?;
    Ok(store.reopen_cell(caller, delivery, cell, message).await?)
}

/// What an organisation signed off, oldest first, and the audit records of
/// its deliveries and cells, newest first. A supplier sees only its own
/// organisation's.
#[derive(Debug, Clone)]
pub struct History {
    pub revisions: Vec<Revision>,
    pub records: Vec<AuditRecord>,
}

/// An organisation's history, with at most `limit` audit records. Changes
/// to the accounts of the organisation's users are the admin's business
/// (the audit trail), not part of it.
pub async fn history(
    store: &Store,
    caller: &Actor,
    organisation: &Slug,
    limit: i64,
) -> Result<History, ServiceError> {
    // Refused for a supplier of another organisation before anything is
    // read of the audit trail.
    let revisions = store.organisation_history(caller, organisation).await?;
    let records = store
        .audit_log(&AuditFilter {
            organisation: Some(organisation.to_string()),
            entity_prefix: None,
            before_id: None,
            limit,
        })
        .await?
        .into_iter()
        .filter(|r| r.entry.entity.starts_with("delivery:") || r.entry.entity.starts_with("cell:"))
        .collect();
    Ok(History { revisions, records })
}
