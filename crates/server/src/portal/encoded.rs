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
use crate::auth::{CurrentUser, Editor};
use crate::work::{self, UPLOAD_LIMIT};
use crate::{AppState, Error};

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
            upload_limit_mib: UPLOAD_LIMIT / (1024 * 1024),
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
        .map_err(|_| Error::Invalid("choose an organisation".into()))?;
    let delete_on: Day = form.delete_on.trim().parse().map_err(|_| {
        Error::Invalid(format!(
            "the retention date takes a day such as 2026-12-31, not '{}'",
            form.delete_on
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
        &format!("{organisation} is asked for its encoded records (deleted on {delete_on} at the latest)."),
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
        Error::BadRequest(format!(
            "send the file from zicht encode as a form upload of at most {} MiB (larger files: the API)",
            UPLOAD_LIMIT / (1024 * 1024)
        ))
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|_| unreadable())?);
        }
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| Error::Invalid("choose the encoded file to upload".into()))?;
    let r = encoded::upload(&state.store, &work::actor(&user), id, bytes.to_vec()).await?;
    Ok(flash_redirect(
        &state,
        &format!("/portal/rounds/{id}/encoded"),
        &format!(
            "{} encoded records received; they are deleted after linkage, on {} at the latest.",
            r.records.unwrap_or(0),
            r.delete_on
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
            .ok_or_else(|| Error::Invalid(format!("the threshold lies in (0, 1], not '{t}'")))?,
    };
    let options = LinkOptions {
        threshold,
        ..LinkOptions::default()
    };
    let linked =
        encoded::link_round(&state.store, Some(&work::actor(&user)), id, &[], &options).await?;
    Ok(flash_redirect(
        &state,
        &format!("/portal/linkages/{}", linked.id),
        &format!(
            "Linked: {} people seen at Dice {threshold:.2}; the encoded files are deleted.",
            linked.record.people[1]
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
