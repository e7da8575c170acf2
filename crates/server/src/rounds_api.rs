//! The JSON API of the working side: request rounds, deliveries, review,
//! release (embargo, pre-release access) and the monitor's texts.
//!
//! Every handler states who may call it before it reads anything, then
//! leaves the finer rules to the store, which checks them in the
//! transaction that makes the change (`zicht_portal::transition`). A
//! supplier asking for another organisation's delivery gets 404, as the
//! store answers, so existence does not leak. A delivery coming in is
//! read and checked by `zicht_service::deliveries`, as the portal's are,
//! and nothing is stored when any row has a problem.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use zicht_model::{Breakdown, Day, Document, DocumentKind, Instant, Period, Role, Slug};
use zicht_portal::{differences, offered_breakdowns, AskedCell, CellKey, DeliveredCell, RoundPlan};
use zicht_service::{deliveries, release, rounds, Incoming};
use zicht_store::{DefinitionKind, Delivery, Revision, Round};

use crate::accounts_api::ApiJson;
use crate::auth::{query_param, CurrentUser, Editor};
use crate::work::{self, UploadKind, UPLOAD_LIMIT};
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    // Only the routes that take a delivery file read more than the default
    // 64 KiB.
    let upload = DefaultBodyLimit::max(UPLOAD_LIMIT);
    Router::new()
        .route("/api/rounds", get(rounds).post(open_round))
        .route("/api/rounds/options", get(plan_options))
        .route("/api/rounds/{id}", get(round).put(edit_round))
        .route("/api/rounds/{id}/plan", get(round_plan))
        .route("/api/rounds/{id}/close", post(close_round))
        .route("/api/rounds/{id}/copy", post(copy_round))
        .route("/api/catalogue/editions", post(add_edition))
        .route("/api/deliveries", get(deliveries))
        .route("/api/deliveries/{id}", get(delivery))
        .route("/api/deliveries/{id}/template.csv", get(template_as_csv))
        .route("/api/deliveries/{id}/template.xlsx", get(template_as_xlsx))
        .route("/api/deliveries/{id}/draft", put(save_draft).layer(upload))
        .route("/api/deliveries/{id}/submit", post(submit).layer(upload))
        .route("/api/deliveries/{id}/accept", post(accept))
        .route("/api/deliveries/{id}/return", post(return_delivery))
        .route("/api/deliveries/{id}/reopen", post(reopen))
        .route("/api/deliveries/{id}/revisions", get(revisions))
        .route(
            "/api/deliveries/{id}/differences",
            get(delivery_differences),
        )
        .route("/api/history", get(history))
        .route("/api/editions/{id}/embargo", put(embargo))
        .route(
            "/api/editions/{id}/pre-release/{login}",
            put(grant_pre_release).delete(revoke_pre_release),
        )
        .route("/api/definitions/{kind}", post(add_definition))
        .route("/api/definitions/{kind}/{id}", put(update_definition))
}

// ---------------------------------------------------------------------------
// Answers

type Answer = Result<Response, Error>;

/// A path's number; anything else names nothing that exists.
fn number(raw: &str, what: &str) -> Result<i64, Error> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("there is no {what} {raw}")))
}

fn round_out(r: &Round) -> Value {
    json!({
        "id": r.id,
        "edition": r.edition.as_str(),
        "title": r.title,
        "due": r.due,
        "opened_by": r.opened_by,
        "opened_at": r.opened_at,
        "closed_at": r.closed_at,
        "closed_by": r.closed_by,
    })
}

fn delivery_out(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "round": d.round_id,
        "organisation": d.organisation.as_str(),
        "state": d.state.as_str(),
        "revision": d.revision,
        "version": d.version,
        "signed_off_by": d.signed_off_by,
        "signed_off_at": d.signed_off_at,
        "message": d.message,
        "updated_at": d.updated_at,
    })
}

fn key_out(k: &CellKey) -> Value {
    json!({
        "indicator": k.indicator.as_str(),
        "period": k.period.to_string(),
        "breakdown": k.breakdown.to_string(),
    })
}

/// A delivered cell in the columns of a delivery file.
fn cell_out(c: &DeliveredCell) -> Value {
    let p = c.figure.parts();
    json!({
        "indicator": c.key.indicator.as_str(),
        "period": c.key.period.to_string(),
        "breakdown": c.key.breakdown.to_string(),
        "status": c.figure.status().as_str(),
        "value": p.value,
        "lower": p.lower,
        "upper": p.upper,
        "reason": c.reason,
    })
}

fn revision_out(r: &Revision) -> Value {
    json!({
        "delivery": r.delivery_id,
        "round": r.round_id,
        "organisation": r.organisation.as_str(),
        "number": r.number,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at,
        "cells": r.cells.iter().map(cell_out).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------
// Rounds

async fn open_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    ApiJson(plan): ApiJson<RoundPlan>,
) -> Answer {
    let id = rounds::open_round(&state.store, &work::actor(&user), &plan).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// What a round can ask: the themes with their indicators, each with the
/// breakdowns its own dimensions offer, and the organisations and editions
/// to choose from, with their labels.
async fn plan_options(State(state): State<AppState>, _: Editor) -> Answer {
    let catalogue = state.store.catalogue().await?;
    let themes: Vec<Value> = catalogue
        .themes
        .iter()
        .map(|t| {
            json!({
                "id": t.id.as_str(),
                "label_nl": t.label_nl,
                "label_en": t.label_en,
                "indicators": catalogue
                    .indicators
                    .iter()
                    .filter(|i| i.theme == t.id)
                    .map(|i| json!({
                        "id": i.id.as_str(),
                        "label_nl": i.label_nl,
                        "label_en": i.label_en,
                        "breakdowns": offered_breakdowns(&catalogue, i.id.as_str())
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>(),
                    }))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let labelled = |id: &Slug, nl: &str, en: &str| json!({ "id": id.as_str(), "label_nl": nl, "label_en": en });
    Ok(Json(json!({
        "themes": themes,
        "organisations": catalogue
            .organisations
            .iter()
            .map(|o| labelled(&o.id, &o.label_nl, &o.label_en))
            .collect::<Vec<_>>(),
        "editions": catalogue
            .documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Edition)
            .map(|d| labelled(&d.id, &d.label_nl, &d.label_en))
            .collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn edit_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    ApiJson(plan): ApiJson<RoundPlan>,
) -> Answer {
    let id = number(&id, "round")?;
    let round = rounds::edit_round(&state.store, &work::actor(&user), id, &plan).await?;
    Ok(Json(round_out(&round)).into_response())
}

async fn round_plan(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "round")?;
    let plan = rounds::plan(&state.store, &work::actor(&user), id).await?;
    Ok(Json(plan).into_response())
}

async fn close_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "round")?;
    let round = rounds::close_round(&state.store, &work::actor(&user), id).await?;
    Ok(Json(round_out(&round)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyIn {
    edition: Slug,
    due: String,
    #[serde(default)]
    title: Option<String>,
}

async fn copy_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CopyIn>,
) -> Answer {
    let id = number(&id, "round")?;
    let new = rounds::copy_round(
        &state.store,
        &work::actor(&user),
        id,
        body.edition,
        body.title,
        body.due,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": new }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditionIn {
    id: Slug,
    label_nl: String,
    label_en: String,
    /// ISO 8601 day: what was known up to this day is in the edition.
    cutoff: String,
    #[serde(default)]
    publisher: Option<Slug>,
    /// RFC 3339; before it nothing of the edition is public.
    #[serde(default)]
    embargo: Option<String>,
}

async fn add_edition(
    State(state): State<AppState>,
    Editor(user): Editor,
    ApiJson(body): ApiJson<EditionIn>,
) -> Answer {
    let cutoff: Day = body
        .cutoff
        .trim()
        .parse()
        .map_err(|e: zicht_model::TimeError| Error::Invalid(format!("cutoff: {e}")))?;
    let embargo = body
        .embargo
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| e.parse::<Instant>())
        .transpose()
        .map_err(|e| Error::Invalid(format!("embargo: {e}")))?;
    let edition = Document {
        id: body.id,
        kind: DocumentKind::Edition,
        label_nl: body.label_nl.trim().to_owned(),
        label_en: body.label_en.trim().to_owned(),
        publisher: body.publisher,
        cutoff,
        published: None,
        seed: None,
        embargo,
    };
    rounds::add_edition(&state.store, &work::actor(&user), &edition).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": edition.id.as_str(), "cutoff": cutoff.to_string() })),
    )
        .into_response())
}

async fn rounds(State(state): State<AppState>, _: Editor) -> Answer {
    let rounds = state.store.rounds().await?;
    Ok(Json(json!({ "rounds": rounds.iter().map(round_out).collect::<Vec<_>>() })).into_response())
}

async fn round(State(state): State<AppState>, _: Editor, Path(id): Path<String>) -> Answer {
    let id = number(&id, "round")?;
    let round = state.store.round(id).await?;
    let progress = state
        .store
        .round_progress(id, &crate::portal::today().to_string())
        .await?;
    let deliveries = state.store.deliveries(id).await?;
    let mut out = round_out(&round);
    out["progress"] = progress
        .iter()
        .map(|p| {
            json!({
                "organisation": p.organisation.as_str(),
                "delivery": p.delivery_id,
                "asked": p.progress.asked,
                "delivered": p.progress.delivered,
                "refused": p.progress.refused,
                "not_available": p.progress.not_available,
                "missing": p.progress.missing,
                "overdue": p.progress.overdue,
                "state": p.state.as_str(),
            })
        })
        .collect();
    out["deliveries"] = deliveries.iter().map(delivery_out).collect();
    Ok(Json(out).into_response())
}

// ---------------------------------------------------------------------------
// Deliveries

async fn deliveries(State(state): State<AppState>, user: CurrentUser, uri: Uri) -> Answer {
    let list: Vec<Delivery> = if user.role == Role::Supplier {
        state
            .store
            .supplier_requests(&work::actor(&user))
            .await?
            .into_iter()
            .map(|r| r.delivery)
            .collect()
    } else {
        let ids = match query_param(&uri, "round") {
            Some(r) => vec![r.parse::<i64>().map_err(|_| {
                Error::BadRequest(format!("round takes a round's number, not '{r}'"))
            })?],
            None => state.store.rounds().await?.iter().map(|r| r.id).collect(),
        };
        let mut all = Vec::new();
        for id in ids {
            all.extend(state.store.deliveries(id).await?);
        }
        all
    };
    Ok(
        Json(json!({ "deliveries": list.iter().map(delivery_out).collect::<Vec<_>>() }))
            .into_response(),
    )
}

/// The delivery if the user may see it (404 otherwise), with the cells
/// asked of its organisation.
async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(Delivery, Vec<AskedCell>), Error> {
    let id = number(id, "delivery")?;
    let d = state.store.delivery(&work::actor(user), id).await?;
    let asked = state
        .store
        .asked_cells(d.round_id)
        .await?
        .into_iter()
        .filter(|a| a.organisation == d.organisation)
        .collect();
    Ok((d, asked))
}

async fn delivery(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Answer {
    let (d, asked) = visible(&state, &user, &id).await?;
    let draft = state.store.draft(&work::actor(&user), d.id).await?;
    let mut out = delivery_out(&d);
    out["asked"] = asked.iter().map(|a| key_out(&a.key)).collect();
    out["draft"] = draft.iter().map(cell_out).collect();
    Ok(Json(out).into_response())
}

fn attachment(content_type: &str, name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn template_as(state: AppState, user: CurrentUser, id: &str, kind: UploadKind) -> Answer {
    let id = number(id, "delivery")?;
    let (d, bytes) = deliveries::template(&state.store, &work::actor(&user), id, kind).await?;
    let (content_type, ext) = match kind {
        UploadKind::Csv => ("text/csv; charset=utf-8", "csv"),
        UploadKind::Xlsx => (XLSX, "xlsx"),
    };
    Ok(attachment(
        content_type,
        format!("levering-{}-{}.{ext}", d.round_id, d.organisation),
        bytes,
    ))
}

async fn template_as_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Answer {
    template_as(state, user, &id, UploadKind::Csv).await
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn template_as_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Answer {
    template_as(state, user, &id, UploadKind::Xlsx).await
}

/// The raw body of an upload, at most [`UPLOAD_LIMIT`] bytes: 413 beyond,
/// before anything is parsed or stored.
async fn upload_body(req: Request) -> Result<(Option<String>, Bytes), Error> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
        let message = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "the file is larger than {} MiB: a delivery has one row per asked cell",
                UPLOAD_LIMIT / (1024 * 1024)
            )
        } else {
            "the body could not be read".to_owned()
        };
        Error::Unreadable {
            status: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            },
            message,
        }
    })?;
    Ok((content_type, bytes))
}

/// An uploaded file; the `Content-Type` says CSV or XLSX (an XLSX is also
/// known by its zip signature).
fn file(content_type: Option<&str>, bytes: Bytes) -> Incoming {
    Incoming::File {
        kind: work::upload_kind(content_type, None, &bytes),
        bytes: bytes.to_vec(),
    }
}

async fn save_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let id = number(&id, "delivery")?;
    let (content_type, bytes) = upload_body(req).await?;
    let saved = deliveries::save_draft(
        &state.store,
        &work::actor(&user),
        id,
        file(content_type.as_deref(), bytes),
    )
    .await?;
    Ok(Json(json!({ "saved": saved.cells, "missing": saved.missing })).into_response())
}

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    req: Request,
) -> Answer {
    let id = number(&id, "delivery")?;
    let (content_type, bytes) = upload_body(req).await?;
    // An empty body signs off the working copy.
    let incoming =
        (!bytes.iter().all(u8::is_ascii_whitespace)).then(|| file(content_type.as_deref(), bytes));
    let outcome = deliveries::submit(&state.store, &work::actor(&user), id, incoming).await?;
    Ok(Json(json!({ "revision": outcome.revision, "new": outcome.new })).into_response())
}

async fn accept(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "delivery")?;
    let summary = deliveries::accept(&state.store, &work::actor(&user), id).await?;
    Ok(Json(json!({ "cells_added": summary.cells_added })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnIn {
    message: String,
}

async fn return_delivery(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReturnIn>,
) -> Answer {
    let id = number(&id, "delivery")?;
    let d = rounds::return_delivery(&state.store, &work::actor(&user), id, &body.message).await?;
    Ok(Json(delivery_out(&d)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReopenIn {
    indicator: String,
    period: String,
    #[serde(default)]
    breakdown: String,
    message: String,
}

async fn reopen(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReopenIn>,
) -> Answer {
    let id = number(&id, "delivery")?;
    let bad = |field: &str, e: &dyn std::fmt::Display| Error::Invalid(format!("{field}: {e}"));
    let key = CellKey {
        indicator: Slug::parse(&body.indicator).map_err(|e| bad("indicator", &e))?,
        period: Period::parse(&body.period).map_err(|e| bad("period", &e))?,
        breakdown: Breakdown::parse(&body.breakdown).map_err(|e| bad("breakdown", &e))?,
    };
    let d = rounds::reopen_cell(&state.store, &work::actor(&user), id, &key, &body.message).await?;
    Ok(Json(delivery_out(&d)).into_response())
}

async fn revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "delivery")?;
    let actor = work::actor(&user);
    let revisions = state.store.revisions(&actor, id).await?;
    let reviews = state.store.reviews(&actor, id).await?;
    Ok(Json(json!({
        "revisions": revisions.iter().map(revision_out).collect::<Vec<_>>(),
        "reviews": reviews.iter().map(|r| json!({
            "revision": r.revision,
            "decision": r.decision,
            "editor": r.editor,
            "at": r.at,
            "message": r.message,
            "cell": r.cell.as_ref().map(key_out),
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// How far a figure may move against last year before the review flags it.
const LARGE_CHANGE: f64 = 0.5;

async fn delivery_differences(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Answer {
    let id = number(&id, "delivery")?;
    let mut revisions = state.store.revisions(&work::actor(&user), id).await?;
    let Some(latest) = revisions.pop() else {
        return Err(Error::Conflict(
            "the delivery has not been signed off yet: there is nothing to review".into(),
        ));
    };
    let earlier: Vec<(i64, Vec<DeliveredCell>)> =
        revisions.into_iter().map(|r| (r.number, r.cells)).collect();
    let keys: Vec<&CellKey> = latest.cells.iter().map(|c| &c.key).collect();
    let published = deliveries::published(&state.store, &keys).await?;
    let diffs = differences(&latest.cells, &published, &earlier, LARGE_CHANGE);
    let out: Vec<Value> = diffs
        .iter()
        .map(|d| {
            json!({
                "cell": key_out(&d.key),
                "status": d.figure.status().as_str(),
                "figure": zicht_portal::reference_text(&d.figure),
                "last_year": d.last_year.as_ref().map(zicht_portal::reference_text),
                "relative_change": d.relative_change,
                "earlier": d.earlier.iter().map(|e| json!({
                    "revision": e.revision,
                    "figure": zicht_portal::reference_text(&e.figure),
                })).collect::<Vec<_>>(),
                "flags": d.flags,
            })
        })
        .collect();
    Ok(Json(json!({ "revision": latest.number, "differences": out })).into_response())
}

async fn history(State(state): State<AppState>, user: CurrentUser, uri: Uri) -> Answer {
    let organisation = match (query_param(&uri, "organisation"), &user.organisation) {
        (Some(o), _) => o,
        (None, Some(own)) if user.role == Role::Supplier => own.clone(),
        (None, _) => {
            return Err(Error::BadRequest(
                "name the organisation: /api/history?organisation=ORG".into(),
            ))
        }
    };
    let Ok(org) = Slug::parse(&organisation) else {
        return Err(Error::NotFound(format!(
            "there is no organisation '{organisation}'"
        )));
    };
    let history = rounds::history(&state.store, &work::actor(&user), &org, 500).await?;
    let records: Vec<Value> = history
        .records
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "at": r.at,
                "actor": r.entry.actor,
                "action": r.entry.action,
                "entity": r.entry.entity,
                "before": r.entry.before,
                "after": r.entry.after,
            })
        })
        .collect();
    Ok(Json(json!({
        "organisation": org.as_str(),
        "records": records,
        "revisions": history.revisions.iter().map(revision_out).collect::<Vec<_>>(),
    }))
    .into_response())
}

// ---------------------------------------------------------------------------
// Release and texts

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmbargoIn {
    embargo: Option<String>,
    /// `true` to withdraw an edition that is public now until the embargo;
    /// without it such an embargo is refused with what would disappear.
    #[serde(default)]
    confirm: bool,
}

async fn embargo(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(edition): Path<String>,
    ApiJson(body): ApiJson<EmbargoIn>,
) -> Answer {
    let embargo: Option<zicht_model::Instant> = body
        .embargo
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.parse()
                .map_err(|e: zicht_model::TimeError| Error::Invalid(e.to_string()))
        })
        .transpose()?;
    match release::set_embargo(
        &state.store,
        &work::actor(&user),
        &edition,
        embargo,
        body.confirm,
    )
    .await?
    {
        release::EmbargoOutcome::Set => {
            Ok(Json(json!({ "edition": edition, "embargo": embargo })).into_response())
        }
        release::EmbargoOutcome::NeedsConfirmation(w) => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "error": format!(
                    "{edition} is public now: this embargo withdraws it from the site and the API until {}; send \"confirm\": true to set it",
                    embargo.map(|e| e.to_string()).unwrap_or_default()
                ),
                "would_withdraw": {
                    "edition": w.edition,
                    "label_nl": w.label_nl,
                    "label_en": w.label_en,
                    "cells": w.cells,
                    "indicators": w.indicators,
                },
            })),
        )
            .into_response()),
    }
}

async fn pre_release(
    state: AppState,
    user: CurrentUser,
    edition: String,
    login: String,
    grant: bool,
) -> Answer {
    let logins =
        release::pre_release(&state.store, &work::actor(&user), &edition, &login, grant).await?;
    Ok(Json(json!({ "edition": edition, "pre_release": logins })).into_response())
}

async fn grant_pre_release(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path((edition, login)): Path<(String, String)>,
) -> Answer {
    pre_release(state, user, edition, login, true).await
}

async fn revoke_pre_release(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path((edition, login)): Path<(String, String)>,
) -> Answer {
    pre_release(state, user, edition, login, false).await
}

fn definition_kind(kind: &str) -> Result<DefinitionKind, Error> {
    Ok(match kind {
        "recommendation" => DefinitionKind::Recommendation,
        "measure" => DefinitionKind::Measure,
        "assessment" => DefinitionKind::Assessment,
        "text" => DefinitionKind::Text,
        _ => {
            return Err(Error::NotFound(format!(
                "no definitions of kind '{kind}': recommendation, measure, assessment or text"
            )))
        }
    })
}

async fn add_definition(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(kind): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    let kind = definition_kind(&kind)?;
    let id = release::save_definition(&state.store, &work::actor(&user), kind, None, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn update_definition(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    let kind = definition_kind(&kind)?;
    let id =
        release::save_definition(&state.store, &work::actor(&user), kind, Some(&id), &body).await?;
    Ok(Json(json!({ "id": id })).into_response())
}
