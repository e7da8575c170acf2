//! The editor's side of a round: open it, send a delivery back, reopen a
//! cell; and what an organisation delivered over time.

use zicht_model::Slug;
use zicht_portal::{Actor, CellKey, RoundPlan};
use zicht_store::{AuditFilter, AuditRecord, Delivery, Revision, Store};

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
