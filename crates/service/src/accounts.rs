//! The admin's management of users: add, disable or enable, reset a
//! password. Hashing a password is slow on purpose, so it runs off the
//! async workers.

use zicht_model::Role;
use zicht_portal::Actor;
use zicht_store::{Contact, NewUser, Store, User};

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
