//! The one error of the working side's operations, and the one place a
//! refusal of the store becomes one of its kinds.

use zicht_portal::{PlanProblem, Problem, TransitionError};
use zicht_store::StoreError;

/// Why an operation did not happen. Each front-end answers a kind in its
/// own way (a status and JSON, an HTML page), never with more than the
/// message: [`ServiceError::Internal`]'s detail is for the log only.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such thing, or not the caller's to see: another organisation's
    /// delivery is "not found", never "forbidden", as its existence is not
    /// the caller's business.
    #[error("{0}")]
    NotFound(String),
    /// The caller's role or organisation may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing is not in a state that allows it, or the name is taken.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong, in one way the message names.
    #[error("{0}")]
    Invalid(String),
    /// A delivery with problems, each with its row and column: nothing was
    /// saved.
    #[error("the delivery has {} problem(s) and was not saved; the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Delivery(Vec<Problem>),
    /// A round plan with problems, each naming its place.
    #[error("the round cannot be opened: fix the problems listed")]
    Plan(Vec<PlanProblem>),
    /// A failure inside; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn internal(e: impl std::fmt::Display) -> ServiceError {
        ServiceError::Internal(e.to_string())
    }

    /// The caller's role may not do this.
    pub fn role() -> ServiceError {
        ServiceError::Forbidden("your role may not do this".into())
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        let shown = e.to_string();
        match e {
            StoreError::NotFound(_)
            | StoreError::UnknownEdition(_)
            | StoreError::UnknownUser(_)
            | StoreError::UnknownToken(_) => ServiceError::NotFound(shown),
            StoreError::Forbidden(_) => ServiceError::Forbidden(shown),
            // Missing answers and a missing message are for the caller to
            // fix in the request, not a conflict with the delivery's state.
            StoreError::Transition(
                TransitionError::Incomplete(_) | TransitionError::MessageRequired,
            ) => ServiceError::Invalid(shown),
            StoreError::Transition(
                TransitionError::NotEditor { .. } | TransitionError::NotOwnOrganisation { .. },
            ) => ServiceError::Forbidden(shown),
            StoreError::Transition(_) | StoreError::LoginTaken(_) | StoreError::RoundState(_) => {
                ServiceError::Conflict(shown)
            }
            StoreError::Plan(problems) => ServiceError::Plan(problems),
            // Only a new user names an organisation: a mistake in the
            // request, not a missing thing.
            StoreError::Invalid(_)
            | StoreError::InvalidUser(_)
            | StoreError::UnknownOrganisation(_) => ServiceError::Invalid(shown),
            StoreError::BadUrl(_)
            | StoreError::Connect(_)
            | StoreError::Migrate(_)
            | StoreError::Database(_)
            | StoreError::Sqlite(_)
            | StoreError::Corrupt { .. } => ServiceError::Internal(shown),
        }
    }
}

impl From<crate::LoadError> for ServiceError {
    fn from(e: crate::LoadError) -> ServiceError {
        match e {
            crate::LoadError::Store(e) => e.into(),
            crate::LoadError::UnknownEdition(_) => ServiceError::NotFound(e.to_string()),
            crate::LoadError::Release(e) => ServiceError::internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_organisations_delivery_is_not_found_and_the_inside_stays_inside() {
        assert!(matches!(
            ServiceError::from(StoreError::NotFound("delivery 3".into())),
            ServiceError::NotFound(m) if m == "delivery 3"
        ));
        assert!(matches!(
            ServiceError::from(StoreError::Corrupt {
                what: "x".into(),
                detail: "y".into()
            }),
            ServiceError::Internal(_)
        ));
        assert!(matches!(
            ServiceError::from(StoreError::Transition(TransitionError::MessageRequired)),
            ServiceError::Invalid(_)
        ));
        assert!(matches!(
            ServiceError::from(StoreError::UnknownOrganisation("nope".into())),
            ServiceError::Invalid(m) if m.contains("nope")
        ));
    }
}
