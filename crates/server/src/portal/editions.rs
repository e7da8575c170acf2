//! Release: each edition's embargo and pre-release logins, and the preview
//! of the site as it will be at the embargo instant.

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};
use zicht_model::{DocumentKind, Role};
use zicht_publish::site::Site;

use super::deliveries::refusal_page;
use super::{
    error_page, flash_redirect, internal_page, not_found_page, render, Chrome, PageResult,
    PortalError, PortalForm,
};
use crate::auth::{CurrentUser, Editor};
use crate::work::actor;
use crate::AppState;

/// The last Sunday of a month at 01:00 UTC: when EU summer time starts
/// (March) and ends (October).
fn last_sunday_0100_utc(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last =
        Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()?;
    let back = last.weekday().number_days_from_sunday();
    let sunday = last - time::Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    Some(PrimitiveDateTime::new(sunday, Time::from_hms(1, 0, 0).ok()?).assume_utc())
}

/// A wall-clock time in Amsterdam as an instant: CEST (+02:00) from the
/// last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC,
/// CET (+01:00) otherwise (the EU rule since 1996). A time that occurs
/// twice in October is read as the first (summer time); one that does not
/// exist in March (02:00–03:00) as winter time, i.e. an hour later.
pub fn amsterdam(local: PrimitiveDateTime) -> Option<OffsetDateTime> {
    let year = local.year();
    let (start, end) = (
        last_sunday_0100_utc(year, Month::March)?,
        last_sunday_0100_utc(year, Month::October)?,
    );
    let summer = local.assume_offset(UtcOffset::from_hms(2, 0, 0).ok()?);
    if summer >= start && summer < end {
        Some(summer)
    } else {
        Some(local.assume_offset(UtcOffset::from_hms(1, 0, 0).ok()?))
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The embargo a form gives: an RFC 3339 instant as written, or a date and
/// a time read as Amsterdam time.
fn embargo_from(form: &EmbargoForm) -> Result<String, String> {
    let instant = form.embargo.trim();
    if !instant.is_empty() {
        return OffsetDateTime::parse(instant, &time::format_description::well_known::Rfc3339)
            .map(|_| instant.to_owned())
            .map_err(|_| {
                format!(
                    "'{instant}' is not an RFC 3339 instant: write e.g. 2026-10-01T10:00:00+02:00"
                )
            });
    }
    let date = Date::parse(
        form.date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        format!(
            "'{}' is not a date: write e.g. 2026-10-01",
            form.date.trim()
        )
    })?;
    let t = form.time.trim();
    let time = Time::parse(
        t,
        time::macros::format_description!("[hour]:[minute]:[second]"),
    )
    .or_else(|_| Time::parse(t, time::macros::format_description!("[hour]:[minute]")))
    .map_err(|_| format!("'{t}' is not a time: write e.g. 10:00"))?;
    amsterdam(PrimitiveDateTime::new(date, time))
        .map(rfc3339)
        .ok_or_else(|| "this date and time cannot be placed in Amsterdam time".to_owned())
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
    let now = OffsetDateTime::now_utc();
    let catalogue = state.store.catalogue().await?;
    let mut editions = Vec::new();
    for d in catalogue
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Edition)
    {
        editions.push(EditionRow {
            id: d.id.to_string(),
            label: d.label_nl.clone(),
            cutoff: d.cutoff.clone(),
            embargo: d.embargo.clone(),
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
            now: rfc3339(now),
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
}

pub async fn set_embargo(
    State(state): State<AppState>,
    Editor(user): Editor,
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
                    "Het embargo kon niet worden gelezen.",
                    &text,
                ))
            }
        }
    };
    match state
        .store
        .set_embargo(&actor(&user), &edition, embargo.as_deref())
        .await
    {
        Ok(()) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &match &embargo {
                Some(e) => format!("Embargo van {edition}: {e}. · Embargo of {edition}: {e}."),
                None => format!("Embargo van {edition} opgeheven. · Embargo of {edition} cleared."),
            },
        )),
        Err(e) => Ok(refusal_page(e)),
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
    match state
        .store
        .grant_pre_release(&actor(&user), &edition, form.login.trim())
        .await
    {
        Ok(()) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &format!(
                "{} mag {edition} vooraf zien. · {} may see {edition} before release.",
                form.login, form.login
            ),
        )),
        Err(e) => Ok(refusal_page(e)),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(edition): Path<String>,
    PortalForm(form): PortalForm<LoginForm>,
) -> PageResult {
    match state
        .store
        .revoke_pre_release(&actor(&user), &edition, form.login.trim())
        .await
    {
        Ok(()) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            &format!(
                "{} mag {edition} niet meer vooraf zien. · {} may no longer see {edition} before release.",
                form.login, form.login
            ),
        )),
        Err(e) => Ok(refusal_page(e)),
    }
}

// --- the preview ----------------------------------------------------------------

/// Which preview a cached site is: the edition, its embargo and the store's
/// revision (an embargo change or a load bumps it).
pub type PreviewKey = (String, Option<String>, i64);

async fn preview_site(state: &AppState, edition: &str) -> Result<Arc<Site>, PortalError> {
    let catalogue = state.store.catalogue().await?;
    let Some(doc) = catalogue
        .documents
        .iter()
        .find(|d| d.id.as_str() == edition && d.kind == DocumentKind::Edition)
    else {
        return Err(PortalError::new(not_found_page()));
    };
    // The moment the edition opens; an edition without an embargo (or
    // with one past) is shown as it is now.
    let now = OffsetDateTime::now_utc();
    let at = match doc.embargo_at() {
        Ok(Some(at)) if at > now => at,
        Ok(_) => now,
        Err(_) => {
            return Err(PortalError::new(error_page(
                StatusCode::CONFLICT,
                "Onleesbaar embargo",
                "Unreadable embargo",
                "Het embargo van deze editie kan niet worden gelezen; stel het opnieuw in.",
                "This edition's embargo cannot be read; set it again.",
            )))
        }
    };
    let revision = state.store.revision().await?;
    let key: PreviewKey = (edition.to_owned(), doc.embargo.clone(), revision);
    let mut cached = state.previews.lock().await;
    if let Some((k, site)) = cached.as_ref() {
        if *k == key {
            return Ok(site.clone());
        }
    }
    let input = crate::site_input(&state.store, None, at)
        .await
        .map_err(|e| PortalError::new(internal_page(e)))?;
    let site = tokio::task::spawn_blocking(move || zicht_publish::site::build(&input))
        .await
        .map_err(|e| PortalError::new(internal_page(e)))?
        .map_err(|e| PortalError::new(internal_page(e)))?;
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
        .map_err(|e| PortalError::new(internal_page(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn amsterdam_time_follows_the_eu_summer_time_rule() {
        // Summer: +02:00.
        assert_eq!(
            amsterdam(datetime!(2026-10-01 10:00)).unwrap(),
            datetime!(2026-10-01 08:00 UTC)
        );
        // Winter: +01:00.
        assert_eq!(
            amsterdam(datetime!(2026-12-01 10:00)).unwrap(),
            datetime!(2026-12-01 09:00 UTC)
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            amsterdam(datetime!(2026-03-29 01:59)).unwrap(),
            datetime!(2026-03-29 00:59 UTC)
        );
        assert_eq!(
            amsterdam(datetime!(2026-03-29 03:00)).unwrap(),
            datetime!(2026-03-29 01:00 UTC)
        );
        assert_eq!(
            amsterdam(datetime!(2026-10-25 02:30)).unwrap(),
            datetime!(2026-10-25 00:30 UTC)
        );
        assert_eq!(
            amsterdam(datetime!(2026-10-25 03:00)).unwrap(),
            datetime!(2026-10-25 02:00 UTC)
        );
    }

    #[test]
    fn an_embargo_is_an_instant_or_a_local_date_and_time() {
        let form = |e: &str, d: &str, t: &str| EmbargoForm {
            embargo: e.into(),
            date: d.into(),
            time: t.into(),
            action: "set".into(),
        };
        assert_eq!(
            embargo_from(&form("2026-10-01T10:00:00+02:00", "", "")).unwrap(),
            "2026-10-01T10:00:00+02:00"
        );
        assert_eq!(
            embargo_from(&form("", "2026-10-01", "10:00")).unwrap(),
            "2026-10-01T10:00:00+02:00"
        );
        assert_eq!(
            embargo_from(&form("", "2026-12-01", "10:00:30")).unwrap(),
            "2026-12-01T10:00:30+01:00"
        );
        assert!(embargo_from(&form("tomorrow", "", "")).is_err());
        assert!(embargo_from(&form("", "2026-13-01", "10:00")).is_err());
        assert!(embargo_from(&form("", "2026-10-01", "25:00")).is_err());
    }
}
