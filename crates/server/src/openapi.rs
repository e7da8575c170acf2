//! The OpenAPI document served at `/api/openapi.json`.
//!
//! The read API's part is generated (utoipa) from its handlers and the
//! types their answers serialise, so it says what they answer and cannot
//! drift from it. The working side's paths (accounts, rounds, deliveries,
//! embargo, definitions) are still written by hand in `openapi.json` until
//! its handlers answer typed bodies too; [`document`] adds them to the
//! generated part, and a path or component may be in only one of the two.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};

/// The body of every refusal and failure of the API.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: String,
}

/// The working side's paths and the components only they use, written by
/// hand, in the OpenAPI version of the generated part.
const WORKING_SIDE: &str = include_str!("openapi.json");

/// The read API's part of the document, generated from the types.
pub fn read_api() -> Value {
    serde_json::to_value(crate::api::ReadApi::openapi())
        .expect("an OpenAPI document serialises to JSON")
}

/// The whole document as served: the generated read API with the working
/// side's paths and components added.
///
/// Panics when `openapi.json` is not JSON, is in another OpenAPI version,
/// or writes a path or component the types already give: mistakes in this
/// crate, which its tests call this to catch.
pub fn document() -> Value {
    let mut doc = read_api();
    let working: Value = serde_json::from_str(WORKING_SIDE).expect("src/openapi.json is not JSON");
    assert_eq!(
        working["openapi"], doc["openapi"],
        "src/openapi.json is in another OpenAPI version than the generated part"
    );
    add_entries(&mut doc, &working, &["paths"]);
    let kinds = working["components"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for kind in kinds.keys() {
        add_entries(&mut doc, &working, &["components", kind]);
    }
    doc
}

/// Adds the entries of the object at `at` in `part` to the one at `at` in
/// `doc`, refusing any that `doc` has already.
fn add_entries(doc: &mut Value, part: &Value, at: &[&str]) {
    let Some(entries) = at
        .iter()
        .try_fold(part, |v, k| v.get(k))
        .and_then(Value::as_object)
    else {
        return;
    };
    let mut into = doc;
    for key in at {
        into = into
            .as_object_mut()
            .expect("an OpenAPI object")
            .entry(*key)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let into = into.as_object_mut().expect("an OpenAPI object");
    for (name, entry) in entries {
        assert!(
            into.insert(name.clone(), entry.clone()).is_none(),
            "{} '{name}' is in src/openapi.json and generated from the types too",
            at.join("."),
        );
    }
}

/// The served document, merged and serialised once.
static SERVED: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string_pretty(&document()).expect("a JSON value serialises"));

pub(crate) async fn serve() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        SERVED.as_str(),
    )
        .into_response()
}
