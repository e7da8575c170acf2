//! The logged-in user of a request, the extractors that admit a role, and
//! how a refusal answers.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use zicht_model::Role;
use zicht_store::User;

use super::CSRF_HEADER;
use crate::ApiError;

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
    /// Whether the request was for the JSON API, which decides how a
    /// refusal is answered.
    api: bool,
    session_hash: Option<String>,
}

impl CurrentUser {
    pub(super) fn new(
        user: User,
        csrf: String,
        via: Via,
        api: bool,
        session_hash: Option<String>,
    ) -> Self {
        CurrentUser {
            id: user.id,
            login: user.login,
            name: user.name,
            role: user.role,
            organisation: user.organisation,
            csrf,
            via,
            api,
            session_hash,
        }
    }

    /// Refuses (403) unless the user has one of `roles`:
    /// `user.require(&[Role::Admin, Role::Editor])?;`
    pub fn require(&self, roles: &[Role]) -> Result<(), Refused> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Refused::Forbidden { api: self.api })
        }
    }

    /// Whether the user has one of `roles` (for showing links, not for
    /// guarding: guard with [`CurrentUser::require`]).
    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    pub(crate) fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref()
    }
}

/// What [`authenticate`] found, for the extractors.
#[derive(Clone)]
pub(super) struct Authenticated(pub(super) Option<CurrentUser>);

/// Why a request is refused.
#[derive(Debug)]
pub enum Refused {
    /// Nobody is logged in.
    Anonymous { api: bool },
    /// Logged in, but the role may not.
    Forbidden { api: bool },
    /// A write without the right CSRF token, or from another site.
    Csrf { api: bool },
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Anonymous { api: true } => ApiError {
                status: StatusCode::UNAUTHORIZED,
                message: "log in first: send Authorization: Bearer TOKEN (make one at /portal/tokens) or the session cookie".into(),
            }
            .into_response(),
            Refused::Anonymous { api: false } => Redirect::to("/portal/login").into_response(),
            Refused::Forbidden { api: true } => ApiError {
                status: StatusCode::FORBIDDEN,
                message: "your role may not do this".into(),
            }
            .into_response(),
            Refused::Forbidden { api: false } => crate::portal::error_page(
                StatusCode::FORBIDDEN,
                "Geen toegang",
                "Not allowed",
                "Uw rol mag dit niet.",
                "Your role may not do this.",
            ),
            Refused::Csrf { api: true } => ApiError {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "a write with the session cookie needs the header {CSRF_HEADER} (the csrf of GET /api/me) and must come from this site"
                ),
            }
            .into_response(),
            Refused::Csrf { api: false } => crate::portal::error_page(
                StatusCode::FORBIDDEN,
                "Formulier geweigerd",
                "Form refused",
                "Het formulier was verlopen of kwam van een andere site. Laad de pagina opnieuw en probeer het nog eens.",
                "The form had expired or came from another site. Reload the page and try again.",
            ),
        }
    }
}

pub(super) fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refused> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(u))) => Ok(u.clone()),
            _ => Err(Refused::Anonymous {
                api: is_api(parts.uri.path()),
            }),
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
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin])?;
        Ok(Admin(u))
    }
}

/// An extractor that admits those who edit the monitor: editors and admins.
#[derive(Debug, Clone)]
pub struct Editor(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin, Role::Editor])?;
        Ok(Editor(u))
    }
}
