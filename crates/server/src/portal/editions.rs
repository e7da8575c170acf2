//! Release: each edition's embargo and pre-release logins, and the preview
//! of the site as it will be at the embargo instant.

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use zicht_model::{Day, DocumentKind, Instant, Role};
use zicht_publish::site::Site;
use zicht_service::release::{self, EmbargoOutcome};

use super::{
    error_page, flash_redirect, lang, not_found_page, render, Chrome, PageResult, PortalForm,
};
use crate::auth::{CurrentUser, Editor};
use crate::work::actor;
use crate::{AppState, Error};

/// The embargo a form gives: an RFC 3339 instant as written, or a date and
/// a time read as Amsterdam time. A time that occurs twice in October is
/// read as the first (summer time); one that does not exist in March
/// (02:00–03:00) is refused.
fn embargo_from(form: &EmbargoForm) -> Result<Instant, String> {
    let instant = form.embargo.trim();
    if !instant.is_empty() {
        return instant
            .parse()
            .map_err(|e: zicht_model::TimeError| e.to_string());
    }
    let day: Day = form
        .date
        .trim()
        .parse()
        .map_err(|e: zicht_model::TimeError| e.to_string())?;
    Instant::from_amsterdam(day, &form.time).map_err(|e| e.to_string())
}

pub struct EditionRow {
    pub id: String,
    pub label: String,
    pub cutoff: String,
    pub embargo: Option<String>,
    /// Whether the public site shows it now.
    pub public: bool,
    pub logins: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/editions.html")]
struct EditionsPage {
    c: Chrome,
    editions: Vec<EditionRow>,
    users: Vec<(String, String)>,
    now: String,
}

pub async fn editions_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
) -> PageResult {
    let now = Instant::from(std::time::SystemTime::now());
    let catalogue = state.store.catalogue().await?;
    let mut editions = Vec::new();
    for d in catalogue
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Edition)
    {
        editions.push(EditionRow {
            id: d.id.to_string(),
            label: lang::t(&d.label_nl, &d.label_en).to_owned(),
            cutoff: d.cutoff.to_string(),
            // The instant as stored (UTC), as the API answers it.
            embargo: d.embargo.map(|e| e.to_string()),
            public: d.is_public_at(now),
            logins: state.store.pre_release_logins(d.id.as_str()).await?,
        });
    }
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.login, u.name))
        .collect();
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/editions",
        "Edities en embargo",
        "Editions and embargo",
    );
    Ok(render(
        StatusCode::OK,
        &EditionsPage {
            c,
            editions,
            users,
            now: now.in_amsterdam(),
        },
    ))
}

#[derive(serde::Deserialize, Default)]
pub struct EmbargoForm {
    #[serde(default)]
    embargo: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    /// `set` or `clear`.
    #[serde(default)]
    action: String,
    /// `yes` once the editor has seen what a public edition's embargo
    /// withdraws.
    #[serde(default)]
    confirm: String,
}

/// Asks before an embargo withdraws a public edition, saying what would
/// disappear until the embargo instant.
#[derive(Template)]
#[template(path = "portal/embargo_confirm.html")]
struct ConfirmEmbargoPage {
    c: Chrome,
    w: release::Withdrawal,
    /// The instant as RFC 3339, for the form that confirms it.
    embargo: String,
    embargo_amsterdam: String,
}

pub async fn set_embargo(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    Path(edition): Path<String>,
    PortalForm(form): PortalForm<EmbargoForm>,
) -> PageResult {
    let embargo = if form.action == "clear" {
        None
    } else {
        match embargo_from(&form) {
            Ok(e) => Some(e),
            Err(text) => {
                return Ok(error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Onjuist embargo",
                    "Bad embargo",
                    &format!("Het embargo kon niet worden gelezen: {text}"),
                    &text,
                ))
            }
        }
    };
    let confirmed = form.confirm == "yes";
    match release::set_embargo(&state.store, &actor(&user), &edition, embargo, confirmed).await {
        Ok(EmbargoOutcome::NeedsConfirmation(w)) => {
            let c = Chrome::new(
                Some(&user),
                &headers,
                "/portal/editions",
                "Embargo bevestigen",
                "Confirm the embargo",
            );
            Ok(render(
                StatusCode::OK,
                &ConfirmEmbargoPage {
                    c,
                    w,
                    embargo: embargo.map(|e| e.to_string()).unwrap_or_default(),
                    embargo_amsterdam: embargo.map(Instant::in_amsterdam).unwrap_or_default(),
                },
            ))
        }
        Ok(EmbargoOutcome::Set) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &match embargo.map(Instant::in_amsterdam) {
                Some(e) => lang::say(
                    format!("Embargo van {edition}: {e}."),
                    format!("Embargo of {edition}: {e}."),
                ),
                None => lang::say(
                    format!("Embargo van {edition} opgeheven."),
                    format!("Embargo of {edition} cleared."),
                ),
            },
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
}

pub async fn grant(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(edition): Path<String>,
    PortalForm(form): PortalForm<LoginForm>,
) -> PageResult {
    match release::pre_release(
        &state.store,
        &actor(&user),
        &edition,
        form.login.trim(),
        true,
    )
    .await
    {
        Ok(_) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &lang::say(
                format!("{} mag {edition} vooraf zien.", form.login),
                format!("{} may see {edition} before release.", form.login),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(edition): Path<String>,
    PortalForm(form): PortalForm<LoginForm>,
) -> PageResult {
    match release::pre_release(
        &state.store,
        &actor(&user),
        &edition,
        form.login.trim(),
        false,
    )
    .await
    {
        Ok(_) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &lang::say(
                format!("{} mag {edition} niet meer vooraf zien.", form.login),
                format!("{} may no longer see {edition} before release.", form.login),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

// --- the preview ----------------------------------------------------------------

/// Which preview a cached site is: the edition, its embargo and the store's
/// revision (an embargo change or a load bumps it).
pub type PreviewKey = (String, Option<Instant>, i64);

async fn preview_site(state: &AppState, edition: &str) -> Result<Arc<Site>, Error> {
    let catalogue = state.store.catalogue().await?;
    let Some(doc) = catalogue
        .documents
        .iter()
        .find(|d| d.id.as_str() == edition && d.kind == DocumentKind::Edition)
    else {
        return Err(Error::NotFound(format!("there is no edition {edition}")));
    };
    // The moment the edition opens; an edition without an embargo (or
    // with one past) is shown as it is now.
    let now = Instant::from(std::time::SystemTime::now());
    let at = match doc.embargo {
        Some(at) if at > now => at,
        _ => now,
    };
    let revision = state.store.revision().await?;
    let key: PreviewKey = (edition.to_owned(), doc.embargo, revision);
    let mut cached = state.previews.lock().await;
    if let Some((k, site)) = cached.as_ref() {
        if *k == key {
            return Ok(site.clone());
        }
    }
    let input = crate::site_input(&state.store, None, at)
        .await
        .map_err(Error::internal)?;
    let site = tokio::task::spawn_blocking(move || zicht_publish::site::build(&input))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let site = Arc::new(site);
    *cached = Some((key, site.clone()));
    Ok(site)
}

/// The preview's root: `/portal/editions/{id}/preview/`.
pub async fn preview_root(
    state: State<AppState>,
    user: CurrentUser,
    Path(edition): Path<String>,
) -> PageResult {
    preview(state, user, edition, String::new()).await
}

/// A file of the preview: `/portal/editions/{id}/preview/{*path}`.
pub async fn preview_file(
    state: State<AppState>,
    user: CurrentUser,
    Path((edition, path)): Path<(String, String)>,
) -> PageResult {
    preview(state, user, edition, path).await
}

async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    edition: String,
    path: String,
) -> PageResult {
    // Editors and admins, and the edition's pre-release logins: anyone
    // else gets the ordinary refusal.
    if !state.store.has_pre_release(&edition, &user.login).await? {
        user.require(&[Role::Editor, Role::Admin])?;
    }
    let site = preview_site(&state, &edition).await?;
    // A directory without its slash: redirect, so relative links resolve.
    if !path.is_empty()
        && !path.ends_with('/')
        && !path.rsplit('/').next().unwrap_or("").contains('.')
        && site.files.contains_key(&format!("{path}/index.html"))
    {
        let to = format!("/portal/editions/{edition}/preview/{path}/");
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
    }
    let Some(bytes) = site.get(&format!("/{path}")) else {
        return Ok(not_found_page());
    };
    let name = if path.is_empty() || path.ends_with('/') {
        "index.html"
    } else {
        path.as_str()
    };
    Response::builder()
        .header(header::CONTENT_TYPE, Site::content_type(name))
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(bytes.to_vec()))
        .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embargo_is_an_instant_or_a_local_date_and_time() {
        let form = |e: &str, d: &str, t: &str| EmbargoForm {
            embargo: e.into(),
            date: d.into(),
            time: t.into(),
            action: "set".into(),
            confirm: String::new(),
        };
        let shown =
            |e: &str, d: &str, t: &str| embargo_from(&form(e, d, t)).map(Instant::in_amsterdam);
        assert_eq!(
            shown("2026-10-01T10:00:00+02:00", "", "").unwrap(),
            "2026-10-01T10:00:00+02:00"
        );
        assert_eq!(
            shown("", "2026-10-01", "10:00").unwrap(),
            "2026-10-01T10:00:00+02:00"
        );
        assert_eq!(
            shown("", "2026-12-01", "10:00:30").unwrap(),
            "2026-12-01T10:00:30+01:00"
        );
        // Twice on 25 October: the first, summer time.
        assert_eq!(
            shown("", "2026-10-25", "02:30").unwrap(),
            "2026-10-25T02:30:00+02:00"
        );
        // Not at all on 29 March: refused, saying why.
        let skipped = shown("", "2026-03-29", "02:30").unwrap_err();
        assert!(skipped.contains("does not exist in Amsterdam"), "{skipped}");
        assert!(shown("tomorrow", "", "").unwrap_err().contains("RFC 3339"));
        assert!(shown("", "2026-13-01", "10:00")
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(shown("", "2026-10-01", "25:00")
            .unwrap_err()
            .contains("write e.g. 10:00"));
    }
}
