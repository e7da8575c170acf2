//! A delivery's page: for its supplier the grid form, the templates and the
//! upload; for an editor the review (differences, accept, return, reopen a
//! cell). And the history of an organisation's cells.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use zicht_model::{Breakdown, Catalogue, Lang, Period, Role, Slug, Status};
use zicht_portal::{
    differences, grid_field, reference_text, template_rows, Asked, CellKey, DeliveryState,
    Difference, Flag, Problem, DELIVERABLE,
};
use zicht_service::{deliveries, rounds, Incoming, ServiceError};
use zicht_store::{Delivery, Review, Revision, Round};

use super::{
    error_page, flash_redirect, lang, not_found_page, render, words, Chrome, PageResult, PortalForm,
};
use crate::auth::{query_param, CurrentUser, Editor};
use crate::work::{actor, upload_kind, UploadKind, UPLOAD_LIMIT};
use crate::{AppState, Error};

/// A relative change against last year above this is flagged for review.
const LARGE_CHANGE: f64 = 0.5;

/// A path id that is not a number names no delivery.
fn delivery_id(id: &str) -> Result<i64, Error> {
    id.parse::<i64>()
        .map_err(|_| Error::NotFound(format!("there is no delivery {id}")))
}

/// The delivery if the user may see it; another organisation's is the 404
/// page, never a refusal that would tell it exists.
async fn visible(state: &AppState, user: &CurrentUser, id: i64) -> Result<Delivery, Error> {
    Ok(state.store.delivery(&actor(user), id).await?)
}

fn status_nl(s: &str) -> &'static str {
    match s {
        "exact" => "exact",
        "below" => "onder de drempel (<k)",
        "range" => "bandbreedte",
        "rounded" => "afgerond",
        "refused" => "geweigerd (met reden)",
        "not_available" => "niet beschikbaar",
        _ => "",
    }
}

fn status_en(s: &str) -> &'static str {
    match s {
        "exact" => "exact",
        "below" => "below k",
        "range" => "range",
        "rounded" => "rounded",
        "refused" => "refused (with reason)",
        "not_available" => "not available",
        _ => "",
    }
}

/// One choice of the status select.
pub struct StatusChoice {
    pub value: &'static str,
    pub nl: &'static str,
    pub en: &'static str,
}

fn status_choices() -> Vec<StatusChoice> {
    DELIVERABLE
        .iter()
        .map(|s| {
            let value = s.as_str();
            StatusChoice {
                value,
                nl: status_nl(value),
                en: status_en(value),
            }
        })
        .collect()
}

/// One row of the grid: an asked cell, its field names and what is filled.
pub struct GridRow {
    pub n: usize,
    /// The cell in words; `id` is how a file names it.
    pub cell: String,
    pub id: String,
    pub previous: String,
    /// (field name, value) for status, value, lower, upper, reason.
    pub status: (String, String),
    pub value: (String, String),
    pub lower: (String, String),
    pub upper: (String, String),
    pub reason: (String, String),
}

#[derive(Template)]
#[template(path = "portal/delivery.html")]
struct DeliveryPage {
    c: Chrome,
    d: Delivery,
    round: Round,
    /// The organisation's and the edition's names.
    organisation: String,
    edition: String,
    rows: Vec<GridRow>,
    statuses: Vec<StatusChoice>,
    problems: Vec<Problem>,
    editable: bool,
    upload_limit_mib: usize,
}

/// What a supplier's page needs of the round.
struct Context {
    round: Round,
    catalogue: Catalogue,
    asked: Asked,
}

async fn context(state: &AppState, d: &Delivery) -> Result<Context, Error> {
    let round = state.store.round(d.round_id).await?;
    let catalogue = state.store.catalogue().await?;
    let asked_cells = state.store.asked_cells(d.round_id).await?;
    let asked = Asked::of(&d.organisation, &asked_cells);
    Ok(Context {
        round,
        catalogue,
        asked,
    })
}

/// The supplier's page. `typed` holds a submitted form shown again with
/// its problems; otherwise the rows show the working copy.
async fn supplier_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    d: Delivery,
    status: StatusCode,
    typed: Option<&HashMap<String, String>>,
    problems: Vec<Problem>,
) -> PageResult {
    let cx = context(state, &d).await?;
    let draft = state.store.draft(&actor(user), d.id).await?;
    let keys: Vec<&CellKey> = cx.asked.cells.iter().collect();
    let published = deliveries::published(&state.store, &keys).await?;
    let template = template_rows(&cx.asked, &cx.catalogue, &published, &draft);
    let lang = lang::current();
    let rows = cx
        .asked
        .cells
        .iter()
        .zip(template)
        .enumerate()
        .map(|(i, (key, t))| {
            let field = |part: &str, filled: &str| {
                let name = grid_field(key, part);
                let value = match typed {
                    Some(form) => form.get(&name).cloned().unwrap_or_default(),
                    None => filled.to_owned(),
                };
                (name, value)
            };
            GridRow {
                n: i + 1,
                cell: words::cell(&cx.catalogue, key, lang),
                id: key.to_string(),
                previous: t.previous.clone(),
                status: field("status", &t.status),
                value: field("value", &t.value),
                lower: field("lower", &t.lower),
                upper: field("upper", &t.upper),
                reason: field("reason", &t.reason),
            }
        })
        .collect();
    let c = Chrome::new(
        Some(user),
        headers,
        "/portal/",
        &format!("Levering {}: {}", d.id, cx.round.title),
        &format!("Delivery {}: {}", d.id, cx.round.title),
    );
    // A closed round takes nothing more, whatever the delivery's state.
    let editable = d.state.editable() && !cx.round.is_closed();
    Ok(render(
        status,
        &DeliveryPage {
            c,
            organisation: words::organisation(&cx.catalogue, d.organisation.as_str(), lang),
            edition: words::document(&cx.catalogue, cx.round.edition.as_str(), lang),
            round: cx.round,
            rows,
            statuses: status_choices(),
            problems,
            editable,
            d,
            upload_limit_mib: UPLOAD_LIMIT / (1024 * 1024),
        },
    ))
}

/// A delivered figure as the review table shows it.
fn figure_text(f: &zicht_model::Figure) -> String {
    reference_text(f)
}

pub struct ReviewRow {
    /// The cell in words; `id` is how a file names it.
    pub cell: String,
    pub id: String,
    pub indicator: String,
    pub period: String,
    pub breakdown: String,
    pub figure: String,
    pub reason: String,
    pub last_year: String,
    pub change: String,
    pub earlier: String,
    pub flags: Vec<&'static str>,
}

fn flag_text(f: Flag) -> &'static str {
    match f {
        Flag::LargeChangeVsLastYear => lang::t(
            "grote verandering t.o.v. vorig jaar",
            "large change vs last year",
        ),
        Flag::StatusChangedVsLastYear => lang::t(
            "status anders dan vorig jaar",
            "status changed vs last year",
        ),
        Flag::ChangedSinceEarlierRevision => lang::t(
            "anders dan een eerdere revisie",
            "changed since an earlier revision",
        ),
    }
}

fn review_rows(
    catalogue: &Catalogue,
    diffs: Vec<Difference>,
    reasons: &HashMap<CellKey, String>,
) -> Vec<ReviewRow> {
    let lang = lang::current();
    diffs
        .into_iter()
        .map(|d| ReviewRow {
            cell: words::cell(catalogue, &d.key, lang),
            id: d.key.to_string(),
            indicator: d.key.indicator.to_string(),
            period: d.key.period.to_string(),
            breakdown: d.key.breakdown.to_string(),
            reason: reasons.get(&d.key).cloned().unwrap_or_default(),
            figure: figure_text(&d.figure),
            last_year: d.last_year.as_ref().map(figure_text).unwrap_or_default(),
            change: d
                .relative_change
                .map(|c| format!("{:+.0}%", c * 100.0))
                .unwrap_or_default(),
            earlier: d
                .earlier
                .iter()
                .map(|e| format!("r{}: {}", e.revision, figure_text(&e.figure)))
                .collect::<Vec<_>>()
                .join("; "),
            flags: d.flags.into_iter().map(flag_text).collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/review.html")]
struct ReviewPage {
    c: Chrome,
    d: Delivery,
    round: Round,
    /// The organisation's and the edition's names.
    organisation: String,
    edition: String,
    revision: Option<i64>,
    rows: Vec<ReviewRow>,
    reviews: Vec<Review>,
    may_accept: bool,
    may_return: bool,
    may_reopen: bool,
}

async fn editor_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    d: Delivery,
) -> PageResult {
    let a = actor(user);
    let round = state.store.round(d.round_id).await?;
    let catalogue = state.store.catalogue().await?;
    let revisions = state.store.revisions(&a, d.id).await?;
    let reviews = state.store.reviews(&a, d.id).await?;
    let (revision, rows) = match revisions.split_last() {
        Some((latest, earlier)) => {
            let keys: Vec<&CellKey> = latest.cells.iter().map(|c| &c.key).collect();
            let published = deliveries::published(&state.store, &keys).await?;
            let earlier: Vec<(i64, Vec<zicht_portal::DeliveredCell>)> = earlier
                .iter()
                .map(|r| (r.number, r.cells.clone()))
                .collect();
            let reasons = latest
                .cells
                .iter()
                .filter_map(|c| Some((c.key.clone(), c.reason.clone()?)))
                .collect();
            let diffs = differences(&latest.cells, &published, &earlier, LARGE_CHANGE);
            (
                Some(latest.number),
                review_rows(&catalogue, diffs, &reasons),
            )
        }
        None => (None, Vec::new()),
    };
    let organisation = |l| words::organisation(&catalogue, d.organisation.as_str(), l);
    let c = Chrome::new(
        Some(user),
        headers,
        "/portal/rounds",
        &format!("Levering {} van {}", d.id, organisation(Lang::Nl)),
        &format!("Delivery {} of {}", d.id, organisation(Lang::En)),
    );
    let organisation = organisation(c.lang);
    let edition = words::document(&catalogue, round.edition.as_str(), c.lang);
    Ok(render(
        StatusCode::OK,
        &ReviewPage {
            c,
            organisation,
            edition,
            may_accept: d.state == DeliveryState::Submitted,
            may_return: d.state == DeliveryState::Submitted,
            may_reopen: matches!(d.state, DeliveryState::Submitted | DeliveryState::Accepted),
            d,
            round,
            revision,
            rows,
            reviews,
        },
    ))
}

pub async fn delivery_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let id = delivery_id(&id)?;
    let d = visible(&state, &user, id).await?;
    if user.is(&[Role::Editor, Role::Admin]) {
        editor_view(&state, &user, &headers, d).await
    } else {
        supplier_view(&state, &user, &headers, d, StatusCode::OK, None, Vec::new()).await
    }
}

/// Saves the grid (`action=save`) or signs it off (`action=submit`).
pub async fn save_grid(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    user.require(&[Role::Supplier])?;
    let id = delivery_id(&id)?;
    let d = visible(&state, &user, id).await?;
    let mut form: HashMap<String, String> = pairs.into_iter().collect();
    form.remove("csrf");
    let submit = form.remove("action").as_deref() == Some("submit");
    let a = actor(&user);
    let here = format!("/portal/deliveries/{id}");
    let incoming = Incoming::Grid(form.clone());
    let done = if submit {
        deliveries::submit(&state.store, &a, id, Some(incoming))
            .await
            .map(|o| {
                lang::say(
                    format!("Afgetekend als revisie {}.", o.revision),
                    format!("Signed off as revision {}.", o.revision),
                )
            })
    } else {
        deliveries::save_draft(&state.store, &a, id, incoming)
            .await
            .map(|saved| {
                lang::say(
                    format!(
                        "Concept opgeslagen: {} cellen ingevuld, {} nog open.",
                        saved.cells, saved.missing
                    ),
                    format!(
                        "Draft saved: {} cells filled, {} still open.",
                        saved.cells, saved.missing
                    ),
                )
            })
    };
    match done {
        Ok(flash) => Ok(flash_redirect(&state, &here, &flash)),
        Err(ServiceError::Delivery(problems)) => {
            supplier_view(
                &state,
                &user,
                &headers,
                d,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                problems,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads an uploaded CSV or XLSX into the working copy: all of it, or
/// nothing and every problem.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    user.require(&[Role::Supplier])?;
    let id = delivery_id(&id)?;
    let d = visible(&state, &user, id).await?;
    let unreadable = |text: &str| {
        Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Onleesbaar bestand",
            "Unreadable file",
            &format!("Het bestand kon niet worden gelezen; kies een CSV- of XLSX-bestand. {text}"),
            text,
        ))
    };
    let Ok(mut multipart) = multipart else {
        return unreadable("Send the file as a form upload (multipart).");
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let content_type = field.content_type().map(str::to_owned);
                let name = field.file_name().map(str::to_owned);
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Ok(too_large_page(UPLOAD_LIMIT))
                    }
                    Err(_) => {
                        return unreadable(&format!(
                            "The upload broke off or is over {} MiB.",
                            UPLOAD_LIMIT / (1024 * 1024)
                        ))
                    }
                };
                file = Some((content_type, name, bytes));
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok(too_large_page(UPLOAD_LIMIT))
            }
            Err(_) => {
                return unreadable(&format!(
                    "The upload broke off or is over {} MiB.",
                    UPLOAD_LIMIT / (1024 * 1024)
                ))
            }
        }
    }
    let Some((content_type, name, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return supplier_view(
            &state,
            &user,
            &headers,
            d,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            vec![Problem::new(
                None,
                None,
                zicht_portal::Text::new(
                    "kies een CSV- of XLSX-bestand om te uploaden",
                    "choose a CSV or XLSX file to upload",
                ),
            )],
        )
        .await;
    };
    let incoming = Incoming::File {
        kind: upload_kind(content_type.as_deref(), name.as_deref(), &bytes),
        bytes: bytes.to_vec(),
    };
    match deliveries::save_draft(&state.store, &actor(&user), id, incoming).await {
        Ok(saved) => Ok(flash_redirect(
            &state,
            &format!("/portal/deliveries/{id}"),
            &lang::say(format!("Bestand gelezen en als concept opgeslagen: {} cellen, {} nog open. Controleer en teken af.", saved.cells, saved.missing), format!("File read and saved as a draft: {} cells, {} still open. Check and sign off.", saved.cells, saved.missing)),
        )),
        Err(ServiceError::Delivery(problems)) => {
            supplier_view(
                &state,
                &user,
                &headers,
                d,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                problems,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The delivery's template, pre-filled with the working copy and last
/// year's published figures: `template.csv` or `template.xlsx`.
pub async fn template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, file)): Path<(String, String)>,
) -> PageResult {
    let id = delivery_id(&id)?;
    let (kind, content_type, ext) = match file.as_str() {
        "template.csv" => (UploadKind::Csv, "text/csv; charset=utf-8", "csv"),
        "template.xlsx" => (
            UploadKind::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Ok(not_found_page()),
    };
    let (d, bytes) = deliveries::template(&state.store, &actor(&user), id, kind).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"levering-{id}-{}.{ext}\"",
                    d.organisation
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// --- the editor's decisions ---------------------------------------------------

pub async fn accept(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> PageResult {
    let id = delivery_id(&id)?;
    match deliveries::accept(&state.store, &actor(&user), id).await {
        Ok(summary) => Ok(flash_redirect(
            &state,
            &format!("/portal/deliveries/{id}"),
            &lang::say(
                format!(
                    "Geaccepteerd: {} cellen in de monitor opgenomen.",
                    summary.cells_added
                ),
                format!(
                    "Accepted: {} cells taken into the monitor.",
                    summary.cells_added
                ),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    breakdown: String,
}

fn needs_message() -> Response {
    error_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Bericht nodig",
        "Message needed",
        "Schrijf de leverancier wat er moet worden verbeterd.",
        "Tell the supplier what to correct.",
    )
}

pub async fn return_delivery(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    PortalForm(form): PortalForm<MessageForm>,
) -> PageResult {
    let id = delivery_id(&id)?;
    if form.message.trim().is_empty() {
        return Ok(needs_message());
    }
    match rounds::return_delivery(&state.store, &actor(&user), id, form.message.trim()).await {
        Ok(_) => Ok(flash_redirect(
            &state,
            &format!("/portal/deliveries/{id}"),
            lang::t(
                "Teruggestuurd naar de leverancier.",
                "Returned to the supplier.",
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn reopen_cell(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    PortalForm(form): PortalForm<MessageForm>,
) -> PageResult {
    let id = delivery_id(&id)?;
    if form.message.trim().is_empty() {
        return Ok(needs_message());
    }
    let key = (|| {
        Some(CellKey {
            indicator: Slug::parse(&form.indicator).ok()?,
            period: Period::parse(&form.period).ok()?,
            breakdown: Breakdown::parse(&form.breakdown).ok()?,
        })
    })();
    let Some(key) = key else {
        return Ok(error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Onbekende cel",
            "Unknown cell",
            "Deze cel kon niet worden gelezen.",
            "This cell could not be read.",
        ));
    };
    match rounds::reopen_cell(&state.store, &actor(&user), id, &key, form.message.trim()).await {
        Ok(_) => Ok(flash_redirect(
            &state,
            &format!("/portal/deliveries/{id}"),
            &lang::say(
                format!("Cel {key} heropend."),
                format!("Cell {key} reopened."),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

// --- history ----------------------------------------------------------------

pub struct HistoryCell {
    /// The cell in words; `id` is how a file names it.
    pub cell: String,
    pub id: String,
    pub figure: String,
    pub reason: String,
}

pub struct HistoryRevision {
    pub round_id: i64,
    pub delivery_id: i64,
    pub number: i64,
    pub submitted_by: String,
    pub submitted_at: String,
    pub cells: Vec<HistoryCell>,
}

pub struct HistoryRecord {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
}

#[derive(Template)]
#[template(path = "portal/history.html")]
struct HistoryPage {
    c: Chrome,
    organisation: Option<String>,
    /// The organisation's name, in the page's language.
    organisation_name: String,
    /// For editors: every organisation to choose from.
    organisations: Vec<(String, String)>,
    revisions: Vec<HistoryRevision>,
    records: Vec<HistoryRecord>,
}

fn history_revision(catalogue: &Catalogue, r: Revision) -> HistoryRevision {
    let lang = lang::current();
    HistoryRevision {
        round_id: r.round_id,
        delivery_id: r.delivery_id,
        number: r.number,
        submitted_by: r.submitted_by,
        submitted_at: r.submitted_at,
        cells: r
            .cells
            .into_iter()
            .map(|c| HistoryCell {
                cell: words::cell(catalogue, &c.key, lang),
                id: c.key.to_string(),
                figure: if c.figure.status() == Status::Refused {
                    lang::t("geweigerd", "refused").into()
                } else {
                    figure_text(&c.figure)
                },
                reason: c.reason.unwrap_or_default(),
            })
            .collect(),
    }
}

pub async fn history_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let editor = user.is(&[Role::Editor, Role::Admin]);
    let organisation = if editor {
        query_param(&uri, "organisation").filter(|o| !o.is_empty())
    } else {
        user.organisation.clone()
    };
    let catalogue = state.store.catalogue().await?;
    let organisations = if editor {
        catalogue
            .organisations
            .iter()
            .map(|o| {
                (
                    o.id.to_string(),
                    lang::t(&o.label_nl, &o.label_en).to_owned(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let (revisions, records) = match organisation.as_deref().map(Slug::parse) {
        Some(Ok(org)) => {
            let history = rounds::history(&state.store, &actor(&user), &org, 200).await?;
            (
                history
                    .revisions
                    .into_iter()
                    .rev()
                    .map(|r| history_revision(&catalogue, r))
                    .collect(),
                history
                    .records
                    .into_iter()
                    .map(|r| HistoryRecord {
                        at: r.at.to_string(),
                        actor: r.entry.actor.unwrap_or_else(|| "terminal".into()),
                        action: r.entry.action,
                        entity: r.entry.entity,
                    })
                    .collect(),
            )
        }
        Some(Err(_)) => return Ok(not_found_page()),
        None => (Vec::new(), Vec::new()),
    };
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/history",
        "Geschiedenis",
        "History",
    );
    Ok(render(
        StatusCode::OK,
        &HistoryPage {
            c,
            organisation_name: organisation.as_deref().map_or_else(String::new, |o| {
                super::words::organisation(&catalogue, o, lang::current())
            }),
            organisation,
            organisations,
            revisions,
            records,
        },
    ))
}

/// The page for an upload over its route's limit, which the body's stream
/// reports while the handler reads it (the CSRF guard reads only its head).
pub(crate) fn too_large_page(limit: usize) -> Response {
    let mib = limit / (1024 * 1024);
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Te groot",
        "Too large",
        &format!("Het bestand is groter dan {mib} MiB."),
        &format!("The file is over {mib} MiB."),
    )
}

/// Every supplier upload route takes bodies up to this: the file plus the
/// form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = UPLOAD_LIMIT + 64 * 1024;
