//! What the editors decide about the public side: an edition's embargo,
//! who may see it before, and the monitor's texts.

use serde_json::Value;
use zicht_model::Instant;
use zicht_portal::Actor;
use zicht_store::{DefinitionKind, Store};

use crate::rounds::editor;
use crate::ServiceError;

/// Sets an edition's embargo (`None`: public as soon as it is loaded).
pub async fn set_embargo(
    store: &Store,
    caller: &Actor,
    edition: &str,
    embargo: Option<Instant>,
) -> Result<(), ServiceError> {
    editor(caller)?;
    Ok(store.set_embargo(caller, edition, embargo).await?)
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
    Ok(store.update_definition(caller, kind, id, body).await?)
}
