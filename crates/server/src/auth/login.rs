//! A login attempt: one argon2 verification whatever the outcome, a few at
//! a time.

use std::time::Duration;

use zicht_store::User;

use super::{dummy_hash, verify_password};
use crate::Error;

/// Password verifications that may run at once.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Checks a login attempt: the user when `password` is theirs and they may
/// log in. Costs one argon2 verification whatever the outcome.
pub async fn check_login(
    store: &zicht_store::Store,
    login: &str,
    password: &str,
) -> Result<Option<User>, Error> {
    let found = if zicht_store::check_login(login).is_ok() {
        store
            .login_credentials(login)
            .await
            .map_err(Error::internal)?
    } else {
        None
    };
    let phc = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    // Each verification takes argon2's memory (19 MiB); a few at a time
    // keep a flood of logins from exhausting the machine.
    let permit = tokio::time::timeout(Duration::from_secs(10), VERIFYING.acquire())
        .await
        .map_err(|_| Error::Busy("too many logins at once: try again in a moment".into()))?
        .map_err(Error::internal)?;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(Error::internal)?;
    drop(permit);
    Ok(match found {
        Some((user, _)) if ok && !user.disabled => Some(user),
        _ => None,
    })
}
