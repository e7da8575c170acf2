//! What the round pages and the round API share: who acts, and how large
//! an upload may be.

use zicht_model::Slug;
use zicht_portal::Actor;

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
