//! What the round pages and the round API share: who acts, how the store's
//! refusals answer over HTTP, and how an uploaded delivery is read.

use axum::http::StatusCode;
use zicht_model::{Catalogue, Slug};
use zicht_portal::{parse_csv, parse_xlsx, Actor, Asked, Limits, ParsedDelivery, Problem};
use zicht_store::StoreError;

use crate::auth::CurrentUser;

/// The largest upload a delivery route takes; the portal's rules
/// ([`Limits`]) check the same size again, with a message naming it.
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

/// The status a refusal of the store answers with, and whether its message
/// may be shown (it names the user's own mistake) or must stay inside.
pub fn store_status(e: &StoreError) -> (StatusCode, bool) {
    match e {
        // Another organisation's delivery is "not found", never "forbidden":
        // its existence is not the asker's business.
        StoreError::NotFound(_) | StoreError::UnknownEdition(_) | StoreError::UnknownUser(_) => {
            (StatusCode::NOT_FOUND, true)
        }
        StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, true),
        StoreError::Transition(_) => (StatusCode::CONFLICT, true),
        StoreError::Plan(_) | StoreError::Invalid(_) | StoreError::InvalidUser(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, true)
        }
        StoreError::LoginTaken(_) => (StatusCode::CONFLICT, true),
        StoreError::UnknownOrganisation(_) | StoreError::UnknownToken(_) => {
            (StatusCode::NOT_FOUND, true)
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, false),
    }
}

/// Which file an upload is: by its declared type or name, else by its first
/// bytes (an XLSX is a zip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Csv,
    Xlsx,
}

pub fn upload_kind(
    content_type: Option<&str>,
    file_name: Option<&str>,
    bytes: &[u8],
) -> UploadKind {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    if ct.contains("spreadsheetml") || name.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        UploadKind::Xlsx
    } else {
        UploadKind::Csv
    }
}

/// Reads an uploaded delivery against what was asked of the organisation:
/// every valid cell, or every problem with row, column and what to do.
pub fn parse_upload(
    kind: UploadKind,
    bytes: &[u8],
    organisation: &Slug,
    asked: &[zicht_portal::AskedCell],
    catalogue: &Catalogue,
) -> Result<ParsedDelivery, Vec<Problem>> {
    let asked = Asked::of(organisation, asked);
    let limits = Limits::default();
    match kind {
        UploadKind::Csv => parse_csv(bytes, &asked, catalogue, &limits),
        UploadKind::Xlsx => parse_xlsx(bytes, &asked, catalogue, &limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_known_by_type_name_or_magic() {
        assert_eq!(upload_kind(Some("text/csv"), None, b"a,b"), UploadKind::Csv);
        assert_eq!(
            upload_kind(None, Some("Levering.XLSX"), b""),
            UploadKind::Xlsx
        );
        assert_eq!(upload_kind(None, None, b"PK\x03\x04rest"), UploadKind::Xlsx);
        assert_eq!(
            upload_kind(
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                None,
                b""
            ),
            UploadKind::Xlsx
        );
    }

    #[test]
    fn another_organisations_delivery_is_not_found_not_forbidden() {
        let (s, shown) = store_status(&StoreError::NotFound("delivery 3".into()));
        assert_eq!((s, shown), (StatusCode::NOT_FOUND, true));
        let (s, shown) = store_status(&StoreError::Corrupt {
            what: "x".into(),
            detail: "y".into(),
        });
        assert_eq!((s, shown), (StatusCode::INTERNAL_SERVER_ERROR, false));
    }
}
