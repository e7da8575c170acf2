//! Encoded records in a round over JSON (issue 13): an editor asks an
//! organisation for them, its supplier uploads the file `zicht encode`
//! wrote (a raw CSV body), an editor links the round's files. The rules
//! are `zicht_service::encoded`'s; this reads requests and writes JSON. The
//! server also sweeps the files whose retention date has come, hourly.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use zicht_linkage::{LinkOptions, DEFAULT_THRESHOLD};
use zicht_model::{Day, Role, Slug};
use zicht_service::encoded::{self, ENCODED_LIMIT};
use zicht_store::{EncodedRequest, Linkage, Store};

use crate::accounts_api::ApiJson;
use crate::auth::{CurrentUser, Editor};
use crate::work;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/rounds/{id}/encoded", get(requests).post(ask))
        .route(
            "/api/rounds/{id}/encoded/file",
            put(upload).layer(DefaultBodyLimit::max(ENCODED_LIMIT)),
        )
        .route("/api/rounds/{id}/link", post(link))
        .route("/api/linkages/{id}", get(linkage))
}

type Answer = Result<Response, Error>;

fn number(raw: &str, what: &str) -> Result<i64, Error> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("there is no {what} {raw}")))
}

pub(crate) fn request_out(r: &EncodedRequest) -> Value {
    json!({
        "id": r.id,
        "round": r.round_id,
        "organisation": r.organisation.as_str(),
        "delete_on": r.delete_on.to_string(),
        "asked_by": r.asked_by,
        "asked_at": r.asked_at,
        "uploaded_by": r.uploaded_by,
        "uploaded_at": r.uploaded_at,
        "records": r.records,
        "sha256": r.sha256,
        "held": r.holds_file(),
        "deleted_at": r.deleted_at,
        "deleted_why": r.deleted_why,
    })
}

fn linkage_out(l: &Linkage) -> Value {
    json!({
        "id": l.id,
        "round": l.round_id,
        "linked_by": l.linked_by,
        "linked_at": l.linked_at,
        "parameters": serde_json::from_str::<Value>(&l.parameters).unwrap_or(Value::Null),
        "histories": l.histories,
        "report": l.report,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskBody {
    organisation: String,
    /// The retention date, YYYY-MM-DD.
    delete_on: String,
}

async fn ask(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AskBody>,
) -> Answer {
    let id = number(&id, "round")?;
    let organisation = Slug::parse(&body.organisation)
        .map_err(|e| Error::Invalid(format!("organisation '{}': {e}", body.organisation)))?;
    let delete_on: Day = body.delete_on.parse().map_err(|_| {
        Error::Invalid(format!(
            "delete_on takes a day such as 2026-12-31, not '{}'",
            body.delete_on
        ))
    })?;
    let r = encoded::ask(
        &state.store,
        &work::actor(&user),
        id,
        &organisation,
        delete_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(request_out(&r))).into_response())
}

/// An editor sees every request of the round; a supplier its own
/// organisation's, and a round that asks it nothing is "not found".
async fn requests(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "round")?;
    let actor = work::actor(&user);
    let all = state.store.encoded_requests(id).await?;
    let shown: Vec<&EncodedRequest> = if user.role == Role::Supplier {
        let own: Vec<&EncodedRequest> = all
            .iter()
            .filter(|r| actor.organisation.as_ref() == Some(&r.organisation))
            .collect();
        if own.is_empty() {
            return Err(Error::NotFound(format!("there is no round {id}")));
        }
        own
    } else {
        state.store.round(id).await?;
        all.iter().collect()
    };
    Ok(
        Json(json!({ "requests": shown.into_iter().map(request_out).collect::<Vec<_>>() }))
            .into_response(),
    )
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let id = number(&id, "round")?;
    let bytes = Bytes::from_request(req, &())
        .await
        .map_err(|e| Error::Unreadable {
            status: e.status(),
            message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the encoded file is larger than {} MiB",
                    ENCODED_LIMIT / (1024 * 1024)
                )
            } else {
                "the body could not be read".to_owned()
            },
        })?;
    let r = encoded::upload(&state.store, &work::actor(&user), id, bytes.to_vec()).await?;
    Ok(Json(request_out(&r)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    /// Dice at or above which two records are one person.
    threshold: Option<f64>,
    /// Kept columns to link apart by.
    #[serde(default)]
    by: Vec<String>,
}

async fn link(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let id = number(&id, "round")?;
    // An empty body, or null, links with the defaults.
    let body: LinkBody = if body.iter().all(u8::is_ascii_whitespace) {
        LinkBody::default()
    } else {
        serde_json::from_slice::<Option<LinkBody>>(&body)
            .map_err(|e| Error::BadRequest(format!("the body is not a linkage's options: {e}")))?
            .unwrap_or_default()
    };
    let threshold = body.threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::Invalid(format!(
            "threshold {threshold} must lie in (0, 1]"
        )));
    }
    let options = LinkOptions {
        threshold,
        ..LinkOptions::default()
    };
    let linked = encoded::link_round(
        &state.store,
        Some(&work::actor(&user)),
        id,
        &body.by,
        &options,
    )
    .await?;
    let stored = state.store.linkage(linked.id).await?;
    Ok((StatusCode::CREATED, Json(linkage_out(&stored))).into_response())
}

async fn linkage(State(state): State<AppState>, _: Editor, Path(id): Path<String>) -> Answer {
    let id = number(&id, "linkage")?;
    Ok(Json(linkage_out(&state.store.linkage(id).await?)).into_response())
}

/// Deletes the encoded files whose retention date has come: at start and
/// every hour after, for as long as the server runs.
pub async fn sweep_every_hour(store: Store) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match encoded::sweep(&store).await {
            Ok(swept) => {
                for r in swept {
                    tracing::info!(
                        request = r.id,
                        round = r.round_id,
                        organisation = %r.organisation,
                        "encoded records deleted: retention date reached"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "the sweep of encoded records failed"),
        }
    }
}
