//! One language per portal page: the reader's choice (a cookie, set by the
//! NL | EN switch or at login from the user's stored language), Dutch when
//! there is none.
//!
//! [`choose`] reads the choice once per `/portal` request and keeps it for
//! the task that answers it, so a page ([`super::Chrome`]), an error page
//! and a flash message all ask [`current`] instead of carrying the
//! language through every call. In a template: `{{ c.t("Rondes", "Rounds") }}`
//! for a plain text, `{% if c.nl() %}…{% else %}…{% endif %}` for one with
//! markup or values.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use zicht_model::Lang;

use crate::auth::{self, query_param};
use crate::AppState;

/// The cookie that remembers the reader's language: `nl` or `en`.
pub const LANG_COOKIE: &str = "zicht_lang";

/// A year: a choice of language is not a secret and outlives a session.
const LANG_COOKIE_SECS: i64 = 365 * 24 * 3600;

tokio::task_local! {
    static PAGE: Page;
}

/// What a portal page knows about the request that asked for it.
#[derive(Clone)]
struct Page {
    lang: Lang,
    /// The path asked for, where the switch leads back to.
    path: String,
}

/// The language of the page being answered; Dutch outside a request.
pub fn current() -> Lang {
    PAGE.try_with(|p| p.lang).unwrap_or(Lang::Nl)
}

/// The path and query of the page being answered, percent-encoded, for
/// the switch's way back.
pub(crate) fn current_path() -> String {
    PAGE.try_with(|p| p.path.clone())
        .unwrap_or_else(|_| "/portal/".into())
}

/// `nl` or `en` by the page's language.
pub fn t<'a>(nl: &'a str, en: &'a str) -> &'a str {
    pick(current(), nl, en)
}

pub fn pick<'a>(lang: Lang, nl: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Nl => nl,
        Lang::En => en,
    }
}

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    }
}

fn parse(code: &str) -> Option<Lang> {
    match code {
        "nl" => Some(Lang::Nl),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The language a request has chosen, if it has.
pub fn chosen(headers: &HeaderMap) -> Option<Lang> {
    auth::cookie(headers, LANG_COOKIE).and_then(parse)
}

/// Middleware: answers a `/portal` request in its reader's language.
pub async fn choose(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path != "/portal" && !path.starts_with("/portal/") {
        return next.run(req).await;
    }
    // The way back keeps the query (`?organisation=…`), percent-encoded so
    // that its `&` stays inside the switch's one `back` parameter.
    let back = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
    let page = Page {
        lang: chosen(req.headers()).unwrap_or(Lang::Nl),
        path: serde_urlencoded::to_string([("", back)])
            .map(|s| s.trim_start_matches('=').to_owned())
            .unwrap_or_else(|_| "/portal/".into()),
    };
    PAGE.scope(page, next.run(req)).await
}

/// The `Set-Cookie` that remembers `lang`.
pub fn remember(state: &AppState, lang: Lang) -> header::HeaderValue {
    auth::set_cookie(
        state.secure_cookies,
        LANG_COOKIE,
        code(lang),
        "/portal",
        LANG_COOKIE_SECS,
    )
}

/// `GET /portal/lang/{nl|en}?back=/portal/…`: the switch. A link, not a
/// form, because the portal has no script and the choice changes nothing
/// but the reader's own pages; `back` must be a portal path, so the switch
/// cannot send anyone elsewhere.
pub async fn switch(
    State(state): State<AppState>,
    Path(code): Path<String>,
    uri: axum::http::Uri,
) -> Response {
    let Some(lang) = parse(&code) else {
        return super::not_found_page();
    };
    let back = query_param(&uri, "back")
        .filter(|b| b.starts_with("/portal/") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/portal/".into());
    let mut res = Redirect::to(&back).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, remember(&state, lang));
    res
}

/// `nl` or `en` by the page's language, owned: a flash message or an error
/// written with values.
pub fn say(nl: impl Into<String>, en: impl Into<String>) -> String {
    match current() {
        Lang::Nl => nl.into(),
        Lang::En => en.into(),
    }
}
