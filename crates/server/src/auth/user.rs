//! The logged-in user of a request, and the extractors that admit a role.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use zicht_model::Role;
use zicht_service::accounts::Owed;
use zicht_store::User;

use crate::Error;

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The logged-in user of a request. Take it as an extractor: without a
/// user, a portal page redirects to `/portal/login` and an API call answers
/// 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The supplier's organisation; `None` for admins and editors.
    pub organisation: Option<String>,
    /// The session's CSRF token, for the hidden field of every form; empty
    /// when authenticated by an API token (which needs none).
    pub csrf: String,
    pub via: Via,
    /// The user has a second factor.
    pub second_factor: bool,
    /// What the user must do before anything else (a session only).
    pub owed: Option<Owed>,
    session_hash: Option<String>,
}

impl CurrentUser {
    pub(super) fn new(
        user: User,
        csrf: String,
        via: Via,
        session_hash: Option<String>,
        owed: Option<Owed>,
    ) -> Self {
        CurrentUser {
            second_factor: user.second_factor,
            owed,
            id: user.id,
            login: user.login,
            name: user.name,
            role: user.role,
            organisation: user.organisation,
            csrf,
            via,
            session_hash,
        }
    }

    /// Refuses (403) unless the user has one of `roles`:
    /// `user.require(&[Role::Admin, Role::Editor])?;`
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Role)
        }
    }

    /// Whether the user has one of `roles` (for showing links, not for
    /// guarding: guard with [`CurrentUser::require`]).
    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    /// The user as the service's account operations take it.
    pub fn account(&self) -> User {
        User {
            id: self.id,
            login: self.login.clone(),
            name: self.name.clone(),
            role: self.role,
            organisation: self.organisation.clone(),
            disabled: false,
            created_at: String::new(),
            password_change_due: self.owed == Some(Owed::PasswordChange),
            second_factor: self.second_factor,
        }
    }

    pub(crate) fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref()
    }
}

/// What [`authenticate`] found, for the extractors.
#[derive(Clone)]
pub(super) struct Authenticated(pub(super) Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(u))) => Ok(u.clone()),
            _ => Err(Error::Anonymous(
                "log in first: send Authorization: Bearer TOKEN (make one at /portal/tokens) or the session cookie".into(),
            )),
        }
    }
}

/// `Option<CurrentUser>`: for pages that anyone may see, such as the login
/// page.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(u)) => u.clone(),
            None => None,
        })
    }
}

/// An extractor that admits admins only.
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin])?;
        Ok(Admin(u))
    }
}

/// An extractor that admits those who edit the monitor: editors and admins.
#[derive(Debug, Clone)]
pub struct Editor(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin, Role::Editor])?;
        Ok(Editor(u))
    }
}
