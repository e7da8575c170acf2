//! The server's one error: every refusal and failure of a handler, an
//! extractor or the login middleware, with its status decided here and
//! nowhere else.
//!
//! A handler does not know which face its error shows: the path does. An
//! [`Error`] answers as JSON (`{"error": …}`, with `"problems"` where the
//! caller can fix several things at once) and leaves itself in the
//! response's extensions; the [`faces`] middleware answers it again as the
//! portal's HTML page when the request was for `/portal`. So the JSON API,
//! the portal and the site share one enum and one status table, and a
//! portal handler and an API handler over the same service operation can
//! both simply use `?`.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;
use zicht_portal::{PlanProblem, Problem};
use zicht_service::ServiceError;
use zicht_store::StoreError;

use crate::auth::CSRF_HEADER;

/// Why a request was not answered as asked.
#[derive(Debug)]
pub enum Error {
    /// Nobody is logged in, or the credentials are unknown (401; the
    /// portal sends the visitor to its login page).
    Anonymous(String),
    /// A write without the right CSRF token, or from another site (403).
    Csrf,
    /// The user's role may not call this route at all (403).
    Role,
    /// No such thing, or not the caller's to see (404): another
    /// organisation's delivery is "not found", never "forbidden".
    NotFound(String),
    /// The caller may not do this to this thing (403).
    Forbidden(String),
    /// The thing is not in a state that allows it, or the name is taken
    /// (409).
    Conflict(String),
    /// The request is readable but wrong, in the way the message names
    /// (422).
    Invalid(String),
    /// The request lacks what it needs, such as a query parameter (400).
    BadRequest(String),
    /// The body could not be read as asked (axum's rejection of a JSON
    /// body, a body over its limit): its own status.
    Unreadable { status: StatusCode, message: String },
    /// Too many at once: try again in a moment (503).
    Busy(String),
    /// A delivery with problems, each with its row and column (422).
    Delivery(Vec<Problem>),
    /// A round plan with problems, each naming its place (422).
    Plan(Vec<PlanProblem>),
    /// A failure inside (500): logged in full where it is made, answered
    /// without detail.
    Internal,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failure inside: logged in full, answered without detail.
    pub fn internal(e: impl std::fmt::Display) -> Error {
        tracing::error!(error = %e, "internal error");
        Error::Internal
    }

    /// The one table of statuses.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Anonymous(_) => StatusCode::UNAUTHORIZED,
            Error::Csrf | Error::Role | Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Invalid(_) | Error::Delivery(_) | Error::Plan(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unreadable { status, .. } => *status,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the caller is told.
    pub fn message(&self) -> String {
        match self {
            Error::Anonymous(m)
            | Error::NotFound(m)
            | Error::Forbidden(m)
            | Error::Conflict(m)
            | Error::Invalid(m)
            | Error::BadRequest(m)
            | Error::Unreadable { message: m, .. }
            | Error::Busy(m) => m.clone(),
            Error::Csrf => format!(
                "a write with the session cookie needs the header {CSRF_HEADER} (the csrf of GET /api/me) and must come from this site"
            ),
            Error::Role => "your role may not do this".into(),
            Error::Delivery(problems) => ServiceError::Delivery(problems.clone()).to_string(),
            Error::Plan(_) => ServiceError::Plan(Vec::new()).to_string(),
            Error::Internal => {
                "internal error: the server could not answer; try again later".into()
            }
        }
    }

    /// The JSON face: `{"error"}`, and `"problems"` where there are several.
    fn json(&self) -> Response {
        let mut body = json!({ "error": self.message() });
        match self {
            Error::Delivery(problems) => {
                body["problems"] = problems
                    .iter()
                    .map(|p| json!({ "row": p.row, "column": p.column, "message": p.message.en }))
                    .collect();
            }
            Error::Plan(problems) => {
                body["problems"] = problems
                    .iter()
                    .map(|p| json!({ "place": p.place, "message": p.message.en }))
                    .collect();
            }
            _ => {}
        }
        (self.status(), Json(body)).into_response()
    }

    /// The portal's face: a page in both languages, Dutch first.
    fn page(&self) -> Response {
        use crate::portal::{error_page, internal_page, not_found_page};
        match self {
            Error::Anonymous(_) => Redirect::to("/portal/login").into_response(),
            Error::NotFound(_) => not_found_page(),
            Error::Internal => internal_page(),
            Error::Role => error_page(
                StatusCode::FORBIDDEN,
                "Geen toegang",
                "Not allowed",
                "Uw rol mag dit niet.",
                "Your role may not do this.",
            ),
            Error::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "Formulier geweigerd",
                "Form refused",
                "Het formulier was verlopen of kwam van een andere site. Laad de pagina opnieuw en probeer het nog eens.",
                "The form had expired or came from another site. Reload the page and try again.",
            ),
            e => {
                let lang = crate::portal::lang::current();
                let text = match e {
                    Error::Delivery(problems) => problems
                        .iter()
                        .map(|p| p.message.get(lang))
                        .collect::<Vec<_>>()
                        .join("; "),
                    Error::Plan(problems) => problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                    e => e.message(),
                };
                error_page(
                    e.status(),
                    "Niet gelukt",
                    "Not done",
                    &format!("Dit kon niet: {text}"),
                    &text,
                )
            }
        }
    }
}

/// The error a response carries for [`faces`].
#[derive(Clone)]
struct Carried(Arc<Error>);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut res = self.json();
        res.extensions_mut().insert(Carried(Arc::new(self)));
        res
    }
}

/// Answers an [`Error`] of a `/portal` request as the portal's page; every
/// other path keeps the JSON it was answered with.
pub async fn faces(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let portal = path == "/portal" || path.starts_with("/portal/");
    let mut res = next.run(req).await;
    if !portal {
        return res;
    }
    let Some(Carried(e)) = res.extensions_mut().remove::<Carried>() else {
        return res;
    };
    let mut page = e.page();
    // Whatever an inner layer added (a cookie) stays; the body's own
    // headers are the page's.
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}

impl From<ServiceError> for Error {
    /// The one place a refusal of the working side (and through
    /// [`ServiceError`]'s own `From`, of the store) becomes an answer.
    fn from(e: ServiceError) -> Error {
        match e {
            ServiceError::NotFound(m) => Error::NotFound(m),
            ServiceError::Forbidden(m) => Error::Forbidden(m),
            ServiceError::Conflict(m) => Error::Conflict(m),
            ServiceError::Invalid(m) => Error::Invalid(m),
            ServiceError::Delivery(p) => Error::Delivery(p),
            ServiceError::Plan(p) => Error::Plan(p),
            e @ ServiceError::Internal(_) => Error::internal(e),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        ServiceError::from(e).into()
    }
}

impl From<zicht_service::LoadError> for Error {
    fn from(e: zicht_service::LoadError) -> Error {
        ServiceError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_refusal_is_never_an_internal_error() {
        let status = |e: StoreError| Error::from(e).status();
        assert_eq!(
            status(StoreError::NotFound("user 9".into())),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(StoreError::UnknownUser("ed".into())),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(StoreError::Forbidden("not yours".into())),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(StoreError::Transition(
                zicht_portal::TransitionError::MessageRequired
            )),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status(StoreError::LoginTaken("ed".into())),
            StatusCode::CONFLICT
        );
        let inside = Error::from(StoreError::Corrupt {
            what: "x".into(),
            detail: "secret detail".into(),
        });
        assert_eq!(inside.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!inside.message().contains("secret"));
    }
}
