//! The admin's management of users: add, disable or enable, reset a
//! password. Hashing a password is slow on purpose, so it runs off the
//! async workers.

use zicht_model::Role;
use zicht_portal::Actor;
use zicht_store::{Contact, NewUser, Store, User};

use crate::second_factor;
use crate::secrets::{self, PasswordError};
use crate::ServiceError;

fn admin(caller: &Actor) -> Result<(), ServiceError> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::role())
    }
}

/// The argon2id hash of a password, off the async workers.
async fn hash(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(ServiceError::internal)?
        .map_err(|e| match e {
            PasswordError::Hash(_) => ServiceError::internal(e),
            e => ServiceError::Invalid(e.to_string()),
        })
}

/// A user to add. Without a password one is generated, to be shown once.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub organisation: Option<&'a str>,
    pub password: Option<String>,
    /// Where and in which language the user gets mail.
    pub contact: Contact,
}

/// Adds a user; answers it and the generated password, if one was.
pub async fn add_user(
    store: &Store,
    caller: &Actor,
    new: NewAccount<'_>,
) -> Result<(User, Option<String>), ServiceError> {
    admin(caller)?;
    let (password, generated) = match new.password {
        Some(p) => (p, false),
        None => (secrets::generate_password(), true),
    };
    let password_hash = hash(password.clone()).await?;
    let user = store
        .create_user_with_contact(
            Some(&caller.login),
            &NewUser {
                login: new.login.trim(),
                name: new.name,
                role: new.role,
                organisation: new.organisation.map(str::trim).filter(|o| !o.is_empty()),
                password_hash: &password_hash,
            },
            &new.contact,
        )
        .await?;
    Ok((user, generated.then_some(password)))
}

/// Disables a user (ending their sessions) or enables them again. An admin
/// cannot disable themself, so that one admin always remains.
pub async fn set_disabled(
    store: &Store,
    caller: &Actor,
    login: &str,
    disabled: bool,
) -> Result<User, ServiceError> {
    admin(caller)?;
    if disabled && login == caller.login {
        return Err(ServiceError::Invalid("you cannot disable yourself".into()));
    }
    Ok(store
        .set_disabled(Some(&caller.login), login, disabled)
        .await?)
}

/// Gives a user a new generated password (ending their sessions); answers
/// the user and the password, to be shown once.
pub async fn reset_password(
    store: &Store,
    caller: &Actor,
    login: &str,
) -> Result<(User, String), ServiceError> {
    admin(caller)?;
    let password = secrets::generate_password();
    let password_hash = hash(password.clone()).await?;
    let user = store
        .set_password(Some(&caller.login), login, &password_hash)
        .await?;
    Ok((user, password))
}

/// Sets where and in which language a user gets mail: an admin for
/// anyone, a user for themself.
pub async fn set_contact(
    store: &Store,
    caller: &Actor,
    login: &str,
    contact: &Contact,
) -> Result<Contact, ServiceError> {
    if login != caller.login {
        admin(caller)?;
    }
    Ok(store
        .set_contact(Some(&caller.login), login, contact)
        .await?)
}

// --- a user's own account: password and second factor ----------------------

/// What a logged-in user must do before anything else, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owed {
    /// Give a code of their second factor: the session has not passed it.
    Code,
    /// Choose a new password: an admin reset it and has seen it.
    PasswordChange,
    /// Set up a second factor: admins and editors can publish, so they
    /// must have one.
    Enrolment,
}

/// The roles that must have a second factor.
pub fn second_factor_required(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Editor)
}

/// What a session's user owes before anything else, if anything. The code
/// comes before the password change: whoever knows the reset password (the
/// admin who reset it) must not be able to change it without the factor.
pub fn owed(user: &User, session_passed: bool) -> Option<Owed> {
    if user.second_factor && !session_passed {
        Some(Owed::Code)
    } else if user.password_change_due {
        Some(Owed::PasswordChange)
    } else if second_factor_required(user.role) && !user.second_factor {
        Some(Owed::Enrolment)
    } else {
        None
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A user's own new password. `current` must be right; the new one must
/// differ from it. Ends the user's other sessions (`keep_session` stays).
pub async fn change_password(
    store: &Store,
    user_id: i64,
    login: &str,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<User, ServiceError> {
    let Some((_, phc)) = store.login_credentials(login).await? else {
        return Err(ServiceError::NotFound(format!("no user '{login}'")));
    };
    let current_owned = current.to_owned();
    let right = tokio::task::spawn_blocking(move || secrets::verify_password(&current_owned, &phc))
        .await
        .map_err(ServiceError::internal)?;
    if !right {
        return Err(ServiceError::Invalid(
            "the current password is not right".into(),
        ));
    }
    if new == current {
        return Err(ServiceError::Invalid(
            "the new password must differ from the current one".into(),
        ));
    }
    let hash = hash(new.to_owned()).await?;
    Ok(store
        .change_own_password(user_id, &hash, keep_session)
        .await?)
}

/// A second factor being set up: the secret to type into an authenticator
/// app, or its `otpauth://` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

/// Begins setting up a second factor: a new secret, kept until a code made
/// with it confirms it ([`confirm_enrolment`]). A user who has one must
/// remove it first.
pub async fn start_enrolment(store: &Store, user: &User) -> Result<Enrolment, ServiceError> {
    if user.second_factor {
        return Err(ServiceError::Conflict(
            "you already have a second factor".into(),
        ));
    }
    let secret = second_factor::new_secret();
    let uri = second_factor::otpauth_uri(&secret, &user.login)
        .ok_or_else(|| ServiceError::internal("cannot make an otpauth URI"))?;
    store.set_pending_second_factor(user.id, &secret).await?;
    Ok(Enrolment { secret, uri })
}

/// The enrolment waiting for its code, if one is.
pub async fn pending_enrolment(
    store: &Store,
    user: &User,
) -> Result<Option<Enrolment>, ServiceError> {
    if user.second_factor {
        return Ok(None);
    }
    Ok(store
        .second_factor(user.id)
        .await?
        .pending
        .and_then(|secret| {
            second_factor::otpauth_uri(&secret, &user.login).map(|uri| Enrolment { secret, uri })
        }))
}

/// Confirms an enrolment with a code of the new secret; answers the
/// recovery codes, shown once. `session` (the one enrolling) counts as
/// having passed the factor; the user's other sessions end.
pub async fn confirm_enrolment(
    store: &Store,
    user: &User,
    code: &str,
    session: Option<&str>,
) -> Result<Vec<String>, ServiceError> {
    let Some(secret) = store.second_factor(user.id).await?.pending else {
        return Err(ServiceError::Conflict(
            "no second factor is being set up: start again".into(),
        ));
    };
    let Some(step) = second_factor::matching_step(&secret, code, now_secs()) else {
        return Err(ServiceError::Invalid(
            "the code is not right: type the six digits your app shows now".into(),
        ));
    };
    let codes = second_factor::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| secrets::hash_token(&second_factor::normalise_recovery_code(c)))
        .collect();
    match store
        .enable_second_factor(user.id, &secret, step, &hashes, session)
        .await?
    {
        Some(_) => Ok(codes),
        None => Err(ServiceError::Conflict(
            "the set-up was started again meanwhile: use the newest secret".into(),
        )),
    }
}

/// Checks a code of `user`'s second factor: six digits from the app (each
/// good once), or an unused recovery code (used up by this).
pub async fn check_code(store: &Store, user: &User, code: &str) -> Result<bool, ServiceError> {
    let factor = store.second_factor(user.id).await?;
    let Some(secret) = factor.secret else {
        return Ok(false);
    };
    if second_factor::looks_like_totp(code) {
        match second_factor::matching_step(&secret, code, now_secs()) {
            Some(step) => Ok(store.accept_code_step(user.id, step).await?),
            None => Ok(false),
        }
    } else {
        let normal = second_factor::normalise_recovery_code(code);
        if normal.is_empty() {
            return Ok(false);
        }
        Ok(store
            .use_recovery_code(user.id, &secrets::hash_token(&normal))
            .await?)
    }
}

/// Removes the second factor of `login`: an admin for anyone else (a lost
/// phone; an admin or editor then enrols again at their next step), or a
/// supplier for themself with a code of it. An admin or editor cannot
/// remove their own.
pub async fn remove_second_factor(
    store: &Store,
    caller: &Actor,
    caller_user: &User,
    login: &str,
    code: Option<&str>,
) -> Result<User, ServiceError> {
    if login == caller.login && second_factor_required(caller.role) {
        return Err(ServiceError::Forbidden(
            "your role must keep its second factor: another admin can remove it".into(),
        ));
    }
    if caller.role != Role::Admin {
        if login != caller.login {
            return Err(ServiceError::role());
        }
        let ok = match code {
            Some(c) => check_code(store, caller_user, c).await?,
            None => false,
        };
        if !ok {
            return Err(ServiceError::Invalid(
                "give a code of your second factor to remove it".into(),
            ));
        }
    }
    Ok(store
        .remove_second_factor(Some(&caller.login), login)
        .await?)
}
