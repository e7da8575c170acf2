//! What the round pages and the round API share: who acts, and how a
//! refusal of the working side answers over HTTP.

use axum::http::StatusCode;
use zicht_model::Slug;
use zicht_portal::Actor;
use zicht_service::ServiceError;
use zicht_store::StoreError;

use crate::auth::CurrentUser;

pub use zicht_service::deliveries::{upload_kind, UploadKind};

/// The largest upload a delivery route takes; the portal's rules
/// ([`zicht_portal::Limits`]) check the same size again, with a message
/// naming it.
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

/// The actor of the rules and the store, from the logged-in user. A
/// supplier whose organisation is not a valid id acts for no organisation,
/// so it can see nothing.
pub fn actor(user: &CurrentUser) -> Actor {
    Actor {
        login: user.login.clone(),
        role: user.role,
        organisation: user
            .organisation
            .as_deref()
            .and_then(|o| Slug::parse(o).ok()),
    }
}

/// The status a refusal answers with, and whether its message may be shown
/// (it names the user's own mistake) or must stay inside.
pub fn status(e: &ServiceError) -> (StatusCode, bool) {
    match e {
        ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, true),
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, true),
        ServiceError::Conflict(_) => (StatusCode::CONFLICT, true),
        ServiceError::Invalid(_) | ServiceError::Delivery(_) | ServiceError::Plan(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, true)
        }
        ServiceError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, false),
    }
}

/// A refusal of the store, through the service's one mapping.
pub fn store_status(e: StoreError) -> (StatusCode, bool, ServiceError) {
    let e = ServiceError::from(e);
    let (s, shown) = status(&e);
    (s, shown, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_organisations_delivery_is_not_found_not_forbidden() {
        let (s, shown, _) = store_status(StoreError::NotFound("delivery 3".into()));
        assert_eq!((s, shown), (StatusCode::NOT_FOUND, true));
        let (s, shown, _) = store_status(StoreError::Corrupt {
            what: "x".into(),
            detail: "y".into(),
        });
        assert_eq!((s, shown), (StatusCode::INTERNAL_SERVER_ERROR, false));
    }

    #[test]
    fn the_account_api_answers_a_store_refusal_as_the_round_api_does() {
        let e = crate::ApiError::from(StoreError::NotFound("user 9".into()));
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let e = crate::ApiError::from(StoreError::Forbidden("not yours".into()));
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        let e = crate::ApiError::from(StoreError::Transition(
            zicht_portal::TransitionError::MessageRequired,
        ));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = crate::ApiError::from(StoreError::LoginTaken("ed".into()));
        assert_eq!(e.status, StatusCode::CONFLICT);
    }
}
