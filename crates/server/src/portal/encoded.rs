//! Encoded records in a round, in the portal (issue 13): an editor asks an
//! organisation for them and links the round's files; the supplier uploads
//! its file from `zicht encode`. The rules are `zicht_service::encoded`'s,
//! as the API's are; a linkage's page shows its report and histories.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zicht_linkage::{LinkOptions, DEFAULT_THRESHOLD};
use zicht_model::{Day, Role, Slug};
use zicht_service::encoded;
use zicht_store::{EncodedRequest, Linkage, Round};

use super::{flash_redirect, lang, not_found_page, render, today, Chrome, PageResult, PortalForm};
use crate::auth::{CurrentUser, Editor, BODY_LIMIT};
use crate::work;
use crate::{AppState, Error};

/// The portal's upload of an encoded file takes what the API takes: the
/// body streams past the CSRF guard (`auth::guard`), so no smaller form
/// limit applies.
pub const UPLOAD_BODY_LIMIT: usize = encoded::ENCODED_LIMIT + BODY_LIMIT;

/// A round's linkage started in the portal. It runs in the background, not
/// in the editor's request (three lists of 100,000 take seconds, larger
/// rounds minutes), and lives as long as the server: after a restart the
/// stored linkages are what is left of it.
#[derive(Debug, Clone)]
pub enum LinkJob {
    Running {
        since: String,
        by: String,
        threshold: f64,
    },
    Failed {
        at: String,
        why: String,
    },
    Done {
        at: String,
        linkage: i64,
        people: u64,
    },
}

/// The state of the round's linkage as the page says it, in Dutch and
/// English, and the linkage made, if any.
fn job_lines(job: &LinkJob) -> (String, String, Option<i64>) {
    match job {
        LinkJob::Running { since, by, threshold } => (
            format!("Koppeling bij Dice {threshold:.2} loopt sinds {since} ({by}); laad de pagina opnieuw voor de stand."),
            format!("Linkage at Dice {threshold:.2} running since {since} ({by}); reload the page to see how it goes."),
            None,
        ),
        LinkJob::Failed { at, why } => (
            format!("Koppeling mislukt om {at}: {why}"),
            format!("Linkage failed at {at}: {why}"),
            None,
        ),
        LinkJob::Done { at, linkage, people } => (
            format!("Gekoppeld om {at}: {people} personen gezien; de bestanden zijn verwijderd."),
            format!("Linked at {at}: {people} people seen; the encoded files are deleted."),
            Some(*linkage),
        ),
    }
}

fn now_text() -> String {
    zicht_store::now_utc()
}

#[derive(Template)]
#[template(path = "portal/encoded.html")]
struct EncodedPage {
    c: Chrome,
    round: Round,
    editor: bool,
    requests: Vec<EncodedRequest>,
    /// Organisations that may still be asked: (id, name).
    organisations: Vec<(String, String)>,
    linkages: Vec<Linkage>,
    today: String,
    default_threshold: String,
    upload_limit_mib: usize,
    /// The background linkage of this round, if one was started: Dutch,
    /// English, and the linkage it made.
    job: Option<(String, String, Option<i64>)>,
    running: bool,
}

#[derive(Template)]
#[template(path = "portal/linkage.html")]
struct LinkagePage {
    c: Chrome,
    l: Linkage,
}

fn id_of(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

/// The round's encoded records: every request for an editor; for a
/// supplier its own, or the 404 page when the round asks it nothing.
pub async fn encoded_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let Some(id) = id_of(&id) else {
        return Ok(not_found_page());
    };
    let editor = user.role.edits();
    let actor = work::actor(&user);
    let mut requests = state.store.encoded_requests(id).await?;
    if !editor {
        requests.retain(|r| actor.organisation.as_ref() == Some(&r.organisation));
        if requests.is_empty() {
            return Ok(not_found_page());
        }
    }
    let round = match state.store.round(id).await {
        Ok(r) => r,
        Err(zicht_store::StoreError::NotFound(_)) => return Ok(not_found_page()),
        Err(e) => return Err(e.into()),
    };
    let (organisations, linkages) = if editor {
        let catalogue = state.store.catalogue().await?;
        let organisations = catalogue
            .organisations
            .iter()
            .filter(|o| requests.iter().all(|r| r.organisation != o.id))
            .map(|o| {
                (
                    o.id.to_string(),
                    lang::t(&o.label_nl, &o.label_en).to_owned(),
                )
            })
            .collect();
        (organisations, state.store.linkages(id).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let job = if editor {
        state
            .linking
            .lock()
            .map_err(Error::internal)?
            .get(&id)
            .cloned()
    } else {
        None
    };
    let running = matches!(job, Some(LinkJob::Running { .. }));
    let c = Chrome::new(
        Some(&user),
        &headers,
        if editor { "/portal/rounds" } else { "/portal/" },
        &format!("Versleutelde registraties: {}", round.title),
        &format!("Encoded records: {}", round.title),
    );
    Ok(render(
        StatusCode::OK,
        &EncodedPage {
            c,
            round,
            editor,
            requests,
            organisations,
            linkages,
            today: today().to_string(),
            default_threshold: format!("{DEFAULT_THRESHOLD:.2}"),
            upload_limit_mib: encoded::ENCODED_LIMIT / (1024 * 1024),
            job: job.as_ref().map(job_lines),
            running,
        },
    ))
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    delete_on: String,
}

pub async fn ask(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    PortalForm(form): PortalForm<AskForm>,
) -> PageResult {
    let Some(id) = id_of(&id) else {
        return Ok(not_found_page());
    };
    let organisation = Slug::parse(form.organisation.trim())
        .map_err(|_| Error::Invalid(lang::say("kies een organisatie", "choose an organisation")))?;
    let delete_on: Day = form.delete_on.trim().parse().map_err(|_| {
        Error::Invalid(lang::say(
            format!(
                "de bewaartermijn vraagt een dag zoals 2026-12-31, niet '{}'",
                form.delete_on
            ),
            format!(
                "the retention date takes a day such as 2026-12-31, not '{}'",
                form.delete_on
            ),
        ))
    })?;
    encoded::ask(
        &state.store,
        &work::actor(&user),
        id,
        &organisation,
        delete_on,
    )
    .await?;
    Ok(flash_redirect(
        &state,
        &format!("/portal/rounds/{id}/encoded"),
        &lang::say(
            format!("{organisation} is gevraagd om versleutelde registraties (uiterlijk {delete_on} verwijderd)."),
            format!("{organisation} is asked for its encoded records (deleted on {delete_on} at the latest)."),
        ),
    ))
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    user.require(&[Role::Supplier])?;
    let Some(id) = id_of(&id) else {
        return Ok(not_found_page());
    };
    let unreadable = || {
        let mib = encoded::ENCODED_LIMIT / (1024 * 1024);
        Error::BadRequest(lang::say(
            format!(
                "stuur het bestand van zicht encode als formulier-upload van hoogstens {mib} MiB"
            ),
            format!("send the file from zicht encode as a form upload of at most {mib} MiB"),
        ))
    };
    let too_large = || Ok(super::deliveries::too_large_page(encoded::ENCODED_LIMIT));
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(b) => file = Some(b),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
                Err(_) => return Err(unreadable()),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return Err(unreadable()),
        }
    }
    let bytes = file.filter(|b| !b.is_empty()).ok_or_else(|| {
        Error::Invalid(lang::say(
            "kies het versleutelde bestand om te uploaden",
            "choose the encoded file to upload",
        ))
    })?;
    let r = encoded::upload(&state.store, &work::actor(&user), id, bytes.to_vec()).await?;
    Ok(flash_redirect(
        &state,
        &format!("/portal/rounds/{id}/encoded"),
        &lang::say(
            format!(
                "{} versleutelde registraties ontvangen; ze worden na de koppeling verwijderd, uiterlijk op {}.",
                r.records.unwrap_or(0),
                r.delete_on
            ),
            format!(
                "{} encoded records received; they are deleted after linkage, on {} at the latest.",
                r.records.unwrap_or(0),
                r.delete_on
            ),
        ),
    ))
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    threshold: String,
}

pub async fn link(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    PortalForm(form): PortalForm<LinkForm>,
) -> PageResult {
    let Some(id) = id_of(&id) else {
        return Ok(not_found_page());
    };
    let threshold = match form.threshold.trim() {
        "" => DEFAULT_THRESHOLD,
        t => t
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|t| *t > 0.0 && *t <= 1.0)
            .ok_or_else(|| {
                Error::Invalid(lang::say(
                    format!("de drempel ligt in (0, 1], niet '{t}'"),
                    format!("the threshold lies in (0, 1], not '{t}'"),
                ))
            })?,
    };
    let options = LinkOptions {
        threshold,
        ..LinkOptions::default()
    };
    // What is wrong at once is said at once; the rest the page shows.
    let round = state.store.round(id).await;
    if let Err(zicht_store::StoreError::NotFound(_)) = round {
        return Ok(not_found_page());
    }
    round?;
    let held = state
        .store
        .encoded_requests(id)
        .await?
        .iter()
        .filter(|r| r.holds_file())
        .count();
    if held < 2 {
        return Err(Error::Invalid(lang::say(
            format!("ronde {id} bewaart de versleutelde registraties van {held} organisatie(s); koppelen vraagt er twee of meer"),
            format!("round {id} holds the encoded records of {held} organisation(s); linkage needs two or more"),
        )));
    }
    {
        let mut jobs = state.linking.lock().map_err(Error::internal)?;
        if let Some(LinkJob::Running { since, by, .. }) = jobs.get(&id) {
            return Err(Error::Conflict(lang::say(
                format!("een koppeling van ronde {id} loopt sinds {since} ({by})"),
                format!("a linkage of round {id} is running since {since} ({by})"),
            )));
        }
        jobs.insert(
            id,
            LinkJob::Running {
                since: now_text(),
                by: user.login.clone(),
                threshold,
            },
        );
    }
    let (store, jobs, actor) = (
        state.store.clone(),
        state.linking.clone(),
        work::actor(&user),
    );
    tokio::spawn(async move {
        let outcome = encoded::link_round(&store, Some(&actor), id, &[], &options).await;
        let job = match outcome {
            Ok(linked) => LinkJob::Done {
                at: now_text(),
                linkage: linked.id,
                people: linked.record.people[1],
            },
            Err(e) => {
                let why = match e {
                    zicht_service::ServiceError::Internal(detail) => {
                        tracing::error!(round = id, error = %detail, "a portal linkage failed");
                        "an internal error; the server's log has the detail".to_string()
                    }
                    e => e.to_string(),
                };
                LinkJob::Failed {
                    at: now_text(),
                    why,
                }
            }
        };
        if let Ok(mut jobs) = jobs.lock() {
            jobs.insert(id, job);
        }
    });
    Ok(flash_redirect(
        &state,
        &format!("/portal/rounds/{id}/encoded"),
        &lang::say(
            format!("Koppelen bij Dice {threshold:.2} is begonnen; deze pagina toont wanneer het klaar is."),
            format!("Linking at Dice {threshold:.2} has started; this page shows when it is done."),
        ),
    ))
}

async fn stored_linkage(state: &AppState, id: &str) -> Result<Option<Linkage>, Error> {
    let Some(id) = id_of(id) else {
        return Ok(None);
    };
    match state.store.linkage(id).await {
        Ok(l) => Ok(Some(l)),
        Err(zicht_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn linkage_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let Some(l) = stored_linkage(&state, &id).await? else {
        return Ok(not_found_page());
    };
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/rounds",
        &format!("Koppeling {}", l.id),
        &format!("Linkage {}", l.id),
    );
    Ok(render(StatusCode::OK, &LinkagePage { c, l }))
}

/// The histories (`histories.csv`) or the linkage record (`linkage.json`).
pub async fn linkage_file(
    State(state): State<AppState>,
    _: Editor,
    Path((id, file)): Path<(String, String)>,
) -> PageResult {
    let Some(l) = stored_linkage(&state, &id).await? else {
        return Ok(not_found_page());
    };
    // Saved under these names, the record sits beside the histories as
    // `zicht estimate --save` looks for it.
    let (content_type, name, body) = match file.as_str() {
        "histories.csv" => ("text/csv; charset=utf-8", "histories.csv", l.histories),
        "linkage.json" => ("application/json", "histories.linkage.json", l.parameters),
        _ => return Ok(not_found_page()),
    };
    Ok(download(
        content_type,
        &format!("linkage-{}-{name}", l.id),
        body,
    ))
}

fn download(content_type: &'static str, name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}
