//! The OpenAPI document against real answers. The application runs over a
//! real SQLite store holding the embedded monitor; every read endpoint is
//! asked real questions, errors among them, and each JSON answer must pass
//! the schema the served document gives for its path and status. The
//! schemas are read strictly: an object may hold no field the document
//! does not name.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use zicht_server::{app, openapi, AppState};

mod common;

async fn state() -> (tempfile::TempDir, AppState) {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (dir, store) = common::store_with(&monitor).await;
    (dir, AppState::new(store, None))
}

/// An answer: its status, content type and body as JSON.
async fn get(state: &AppState, uri: &str) -> (StatusCode, String, Value) {
    let res = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{uri} answered no JSON ({e}): {body:?}"));
    (status, content_type, json)
}

/// The path template of the document a request path falls under.
fn template<'d>(doc: &'d Value, uri: &str) -> &'d str {
    let path = uri.split('?').next().unwrap();
    let asked: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|t| {
            let t: Vec<&str> = t.split('/').collect();
            t.len() == asked.len()
                && t.iter()
                    .zip(&asked)
                    .all(|(t, a)| t == a || (t.starts_with('{') && t.ends_with('}')))
        })
        .unwrap_or_else(|| panic!("{path} is in no path of the document"))
}

/// Makes every object schema that names its properties refuse others.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(o) => {
            if o.contains_key("properties") && !o.contains_key("additionalProperties") {
                o.insert("additionalProperties".into(), Value::Bool(false));
            }
            o.values_mut().for_each(strict);
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// The schemas of the document, read strictly, with formats checked.
struct Schemas {
    components: Value,
}

impl Schemas {
    fn of(doc: &Value) -> Schemas {
        let mut components = doc["components"].clone();
        strict(&mut components);
        Schemas { components }
    }

    /// A validator for one schema of the document, its `$ref`s resolved
    /// against the document's components.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = schema.clone();
        strict(&mut root);
        root.as_object_mut()
            .expect("a schema object")
            .insert("components".into(), self.components.clone());
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("not a JSON Schema ({e}): {schema}"))
    }

    /// The problems of a body against a named component, empty if none.
    fn problems_as(&self, component: &str, body: &Value) -> Vec<String> {
        let v = self.validator(&json!({ "$ref": format!("#/components/schemas/{component}") }));
        v.iter_errors(body).map(|e| e.to_string()).collect()
    }
}

/// Asks every URI and checks each answer against the schema the document
/// gives for its path and status; returns the path templates asked.
async fn check_answers(
    state: &AppState,
    doc: &Value,
    asked: &[(String, StatusCode)],
) -> Vec<String> {
    let schemas = Schemas::of(doc);
    let mut templates = Vec::new();
    for (uri, expected) in asked {
        let (status, content_type, body) = get(state, uri).await;
        assert_eq!(status, *expected, "{uri}: {body}");
        let t = template(doc, uri);
        let response = &doc["paths"][t]["get"]["responses"][status.as_str()];
        assert!(
            response.is_object(),
            "GET {t} answers {status}, which the document does not name"
        );
        assert_eq!(content_type, "application/json", "{uri}");
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "GET {t} {status} has no JSON schema in the document"
        );
        let problems: Vec<String> = schemas
            .validator(schema)
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "GET {uri} ({status}) does not match the document:\n{}",
            problems.join("\n")
        );
        templates.push(t.to_owned());
    }
    templates
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_read_answer_matches_the_schema_the_document_gives() {
    let (_dir, state) = state().await;
    let (s, _, doc) = get(&state, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        doc,
        openapi::document(),
        "the served document is not document()"
    );

    let indicators = ids(&get(&state, "/api/indicators").await.2, "indicators");
    let recommendations = ids(
        &get(&state, "/api/recommendations").await.2,
        "recommendations",
    );
    let measures = ids(&get(&state, "/api/measures").await.2, "measures");
    let editions = ids(&get(&state, "/api/editions").await.2, "editions");
    assert!(indicators.len() > 10 && recommendations.len() > 5 && measures.len() > 5);
    assert!(!editions.is_empty());

    let ok = StatusCode::OK;
    let mut asked: Vec<(String, StatusCode)> = [
        "/api/indicators",
        "/api/editions",
        "/api/recommendations",
        "/api/measures",
    ]
    .iter()
    .map(|u| (u.to_string(), ok))
    .collect();
    for id in &indicators {
        asked.push((format!("/api/indicators/{id}"), ok));
        asked.push((format!("/api/indicators/{id}/cells"), ok));
    }
    let counted = &indicators[0];
    asked.push((
        format!("/api/indicators/{counted}/cells?as_of=2023-10-01"),
        ok,
    ));
    for e in &editions {
        asked.push((format!("/api/indicators/{counted}/cells?edition={e}"), ok));
    }
    asked.extend(
        recommendations
            .iter()
            .map(|id| (format!("/api/recommendations/{id}"), ok)),
    );
    asked.extend(
        measures
            .iter()
            .map(|id| (format!("/api/measures/{id}"), ok)),
    );
    let (bad, unknown) = (StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND);
    asked.extend(
        [
            (format!("/api/indicators/{counted}/cells?as_of=2023"), bad),
            (
                format!(
                    "/api/indicators/{counted}/cells?as_of=2023-01-01&edition={}",
                    editions[0]
                ),
                bad,
            ),
            (
                format!("/api/indicators/{counted}/cells?edition=nope"),
                unknown,
            ),
            ("/api/indicators/nope".into(), unknown),
            ("/api/indicators/nope/cells".into(), unknown),
            ("/api/recommendations/nope".into(), unknown),
            ("/api/measures/nope".into(), unknown),
        ]
        .into_iter(),
    );
    let asked_templates = check_answers(&state, &doc, &asked).await;

    // Every path of the read API's part was asked, and answered with each
    // status the test meant to see.
    let read = openapi::read_api();
    for path in read["paths"].as_object().unwrap().keys() {
        assert!(
            asked_templates.contains(path),
            "{path} is in the read API's document but no answer of it was checked"
        );
    }
}

#[tokio::test]
async fn a_wrong_body_fails_the_schema() {
    let (_dir, state) = state().await;
    let doc = openapi::document();
    let schemas = Schemas::of(&doc);

    let (_, _, indicator) = get(&state, "/api/indicators/comensha.minor_victims").await;
    assert_eq!(
        schemas.problems_as("Indicator", &indicator),
        Vec::<String>::new()
    );
    let mut no_unit = indicator.clone();
    no_unit.as_object_mut().unwrap().remove("unit");
    assert!(!schemas.problems_as("Indicator", &no_unit).is_empty());
    let mut extra = indicator.clone();
    extra["label_fr"] = json!("indicateur");
    assert!(!schemas.problems_as("Indicator", &extra).is_empty());

    let (_, _, cells) = get(&state, "/api/indicators/comensha.minor_victims/cells").await;
    assert_eq!(
        schemas.problems_as("CellList", &cells),
        Vec::<String>::new()
    );
    let mut unknown_status = cells.clone();
    unknown_status["cells"][0]["status"] = json!("maybe");
    assert!(!schemas.problems_as("CellList", &unknown_status).is_empty());
    let mut text_value = cells.clone();
    text_value["cells"][0]["value"] = json!("12");
    assert!(!schemas.problems_as("CellList", &text_value).is_empty());

    // A null is answered, not left out: a missing `parent` is wrong.
    let (_, _, recs) = get(&state, "/api/recommendations").await;
    assert_eq!(
        schemas.problems_as("RecommendationList", &recs),
        Vec::<String>::new()
    );
    let mut no_parent = recs.clone();
    no_parent["recommendations"][0]
        .as_object_mut()
        .unwrap()
        .remove("parent");
    assert!(!schemas
        .problems_as("RecommendationList", &no_parent)
        .is_empty());

    let (_, _, editions) = get(&state, "/api/editions").await;
    let mut not_a_day = editions.clone();
    not_a_day["editions"][0]["cutoff"] = json!("8 September 2025");
    assert!(!schemas.problems_as("EditionList", &not_a_day).is_empty());

    assert!(schemas
        .problems_as("Error", &json!({ "error": "unknown" }))
        .is_empty());
    assert!(!schemas
        .problems_as("Error", &json!({ "message": "unknown" }))
        .is_empty());
}

#[test]
fn every_reference_of_the_document_resolves_and_no_path_is_written_twice() {
    // document() refuses a path or component in both parts.
    let doc = openapi::document();
    fn refs<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r);
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }
    // The working side's part still uses the generated error body.
    let working: Value = serde_json::from_str(include_str!("../src/openapi.json")).unwrap();
    assert!(working["components"]["schemas"].get("Error").is_none());
    assert!(doc["paths"]["/api/me"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Error"].is_object());
}
