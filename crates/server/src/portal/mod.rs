//! The portal: the working side's HTML pages under `/portal/`.
//!
//! Every page is an askama template that extends `portal/base.html` and
//! carries a [`Chrome`] (title, nav for the user's role, flash message,
//! CSRF token). A form includes `{% call m::csrf(c) %}` from
//! `portal/macros.html`; [`crate::auth::authenticate`] refuses a write
//! without it. A new page: a handler that takes [`CurrentUser`] (and calls
//! `require`) or [`crate::auth::Admin`] / [`crate::auth::Editor`], a template,
//! a [`NAV`] entry if it belongs in the menu, and a row in the route × role
//! table of `tests/portal_auth.rs`.

mod accounts;
mod deliveries;
mod editions;
mod encoded;
pub mod lang;
mod plan;
pub(crate) use encoded::LinkJob;
mod rounds;
mod texts;
mod words;

pub(crate) use accounts::{fresh_code, remove_own};
pub use editions::PreviewKey;

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::de::DeserializeOwned;
use zicht_model::{Lang, Role};

use crate::auth::{self, CurrentUser};
use crate::{AppState, Error};

/// The cookie that carries a message across a redirect, shown once.
pub const FLASH_COOKIE: &str = "zicht_flash";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(|| async { Redirect::permanent("/portal/") }))
        .route("/portal/", get(accounts::home))
        .route("/portal/style.css", get(style))
        .route("/portal/lang/{code}", get(lang::switch))
        .route(
            "/portal/login",
            get(accounts::login_page).post(accounts::login),
        )
        .route("/portal/logout", post(accounts::logout))
        .route(
            "/portal/second-factor",
            get(accounts::code_page).post(accounts::give_code),
        )
        .route(
            "/portal/second-factor/enrol",
            get(accounts::enrol_page).post(accounts::enrol),
        )
        .route(
            "/portal/second-factor/remove",
            post(accounts::remove_own_second_factor),
        )
        .route("/portal/account", get(accounts::account_page))
        .route(
            "/portal/password",
            get(accounts::account_page).post(accounts::change_password),
        )
        .route(
            "/portal/users",
            get(accounts::users_page).post(accounts::add_user),
        )
        .route(
            "/portal/users/{login}/disable",
            post(accounts::disable_user),
        )
        .route("/portal/users/{login}/enable", post(accounts::enable_user))
        .route("/portal/users/{login}/contact", post(accounts::set_contact))
        .route(
            "/portal/users/{login}/second-factor/remove",
            post(accounts::remove_second_factor),
        )
        .route(
            "/portal/users/{login}/password",
            post(accounts::reset_password),
        )
        .route(
            "/portal/tokens",
            get(accounts::tokens_page).post(accounts::create_token),
        )
        .route("/portal/tokens/{id}/revoke", post(accounts::revoke_token))
        .route("/portal/audit", get(accounts::audit_page))
        .route(
            "/portal/rounds",
            get(rounds::rounds_page).post(rounds::open_round),
        )
        .route(
            "/portal/rounds/plan",
            get(plan::plan_page).post(plan::plan_round),
        )
        .route("/portal/rounds/{id}", get(rounds::round_page))
        .route(
            "/portal/rounds/{id}/edit",
            get(plan::edit_page).post(plan::edit_round),
        )
        .route("/portal/rounds/{id}/close", post(plan::close_round))
        .route("/portal/rounds/{id}/copy", post(plan::copy_round))
        .route(
            "/portal/rounds/{id}/encoded",
            get(encoded::encoded_page).post(encoded::ask),
        )
        .route(
            "/portal/rounds/{id}/encoded/file",
            post(encoded::upload).layer(DefaultBodyLimit::max(encoded::UPLOAD_BODY_LIMIT)),
        )
        .route("/portal/rounds/{id}/link", post(encoded::link))
        .route("/portal/linkages/{id}", get(encoded::linkage_page))
        .route("/portal/linkages/{id}/{file}", get(encoded::linkage_file))
        .route(
            "/portal/deliveries/{id}",
            get(deliveries::delivery_page).post(deliveries::save_grid),
        )
        .route(
            "/portal/deliveries/{id}/upload",
            post(deliveries::upload).layer(DefaultBodyLimit::max(deliveries::UPLOAD_BODY_LIMIT)),
        )
        .route("/portal/deliveries/{id}/accept", post(deliveries::accept))
        .route(
            "/portal/deliveries/{id}/return",
            post(deliveries::return_delivery),
        )
        .route(
            "/portal/deliveries/{id}/reopen",
            post(deliveries::reopen_cell),
        )
        // template.csv and template.xlsx
        .route("/portal/deliveries/{id}/{file}", get(deliveries::template))
        .route("/portal/history", get(deliveries::history_page))
        .route("/portal/editions", get(editions::editions_page))
        .route(
            "/portal/editions/new",
            get(plan::edition_page).post(plan::add_edition),
        )
        .route("/portal/editions/{id}/embargo", post(editions::set_embargo))
        .route("/portal/editions/{id}/pre-release", post(editions::grant))
        .route(
            "/portal/editions/{id}/pre-release/revoke",
            post(editions::revoke),
        )
        .route(
            "/portal/editions/{id}/preview",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    Redirect::permanent(&format!("/portal/editions/{id}/preview/"))
                },
            ),
        )
        .route(
            "/portal/editions/{id}/preview/",
            get(editions::preview_root),
        )
        .route(
            "/portal/editions/{id}/preview/{*path}",
            get(editions::preview_file),
        )
        .route(
            "/portal/texts",
            get(texts::texts_page).post(texts::save_definition),
        )
}

/// A menu entry: shown to the roles that may open it.
pub struct NavItem {
    pub href: &'static str,
    pub nl: &'static str,
    pub en: &'static str,
    /// What the page is for, on the home page.
    pub about_nl: &'static str,
    pub about_en: &'static str,
    pub roles: &'static [Role],
}

/// The portal's menu, in order. The roles here only decide what is shown;
/// each handler checks its own.
pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/portal/",
        nl: "Start",
        en: "Home",
        about_nl: "Wie u bent en wat u hier kunt doen.",
        about_en: "Who you are and what you can do here.",
        roles: &Role::ALL,
    },
    NavItem {
        href: "/portal/rounds",
        nl: "Rondes",
        en: "Rounds",
        about_nl: "Uitvraagrondes openen en de voortgang per leverancier volgen; leveringen beoordelen.",
        about_en: "Open request rounds, follow each supplier's progress, review deliveries.",
        roles: &[Role::Editor, Role::Admin],
    },
    NavItem {
        href: "/portal/editions",
        nl: "Edities",
        en: "Editions",
        about_nl: "Embargo per editie, wie vooraf mag kijken, en een voorbeeld van de site op het embargotijdstip.",
        about_en: "Each edition's embargo, who may look before it, and a preview of the site at the embargo instant.",
        roles: &[Role::Editor, Role::Admin],
    },
    NavItem {
        href: "/portal/texts",
        nl: "Teksten",
        en: "Texts",
        about_nl: "Aanbevelingen, maatregelen, beoordelingen en de teksten van de edities bewerken.",
        about_en: "Edit recommendations, measures, assessments and the editions' texts.",
        roles: &[Role::Editor, Role::Admin],
    },
    NavItem {
        href: "/portal/history",
        nl: "Geschiedenis",
        en: "History",
        about_nl: "Wat een organisatie wanneer heeft afgetekend, en de audittrail van haar cellen.",
        about_en: "What an organisation signed off when, and the audit trail of its cells.",
        roles: &Role::ALL,
    },
    NavItem {
        href: "/portal/users",
        nl: "Gebruikers",
        en: "Users",
        about_nl: "Gebruikers toevoegen, blokkeren, hun wachtwoord opnieuw instellen en een verloren tweede factor weghalen.",
        about_en: "Add users, disable them, reset their password, remove a lost second factor.",
        roles: &[Role::Admin],
    },
    NavItem {
        href: "/portal/audit",
        nl: "Audittrail",
        en: "Audit trail",
        about_nl: "Elke wijziging: wie, wanneer, wat, ervoor en erna.",
        about_en: "Every change: who, when, what, before and after.",
        roles: &[Role::Admin],
    },
    NavItem {
        href: "/portal/account",
        nl: "Account",
        en: "Account",
        about_nl: "Uw wachtwoord wijzigen en uw tweede factor (authenticator-app) instellen.",
        about_en: "Change your password and set up your second factor (authenticator app).",
        roles: &Role::ALL,
    },
    NavItem {
        href: "/portal/tokens",
        nl: "API-sleutels",
        en: "API tokens",
        about_nl: "Sleutels voor de JSON-API maken en intrekken.",
        about_en: "Create and revoke keys for the JSON API.",
        roles: &Role::ALL,
    },
];

pub struct NavLink {
    pub href: &'static str,
    pub nl: &'static str,
    pub en: &'static str,
    pub current: bool,
}

impl NavLink {
    pub fn text(&self) -> &'static str {
        lang::t(self.nl, self.en)
    }
}

/// What every portal page shows around its content.
pub struct Chrome {
    pub title_nl: String,
    pub title_en: String,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavLink>,
    /// A message about what just happened.
    pub flash: Option<String>,
    /// A message about what went wrong.
    pub error: Option<String>,
    /// The one language of the page (see [`lang`]).
    pub lang: Lang,
    /// The page's path, where the language switch leads back to.
    pub path: String,
}

impl Chrome {
    /// The chrome of the page at `href` for `user`, with the flash message
    /// the request brought, if any.
    pub fn new(
        user: Option<&CurrentUser>,
        headers: &HeaderMap,
        href: &str,
        title_nl: &str,
        title_en: &str,
    ) -> Chrome {
        let nav = match user {
            Some(u) => NAV
                .iter()
                .filter(|n| u.is(n.roles))
                .map(|n| NavLink {
                    href: n.href,
                    nl: n.nl,
                    en: n.en,
                    current: n.href == href,
                })
                .collect(),
            None => Vec::new(),
        };
        Chrome {
            title_nl: title_nl.into(),
            title_en: title_en.into(),
            user: user.cloned(),
            nav,
            flash: take_flash(headers),
            error: None,
            lang: lang::current(),
            path: lang::current_path(),
        }
    }

    /// The text in the page's language: `{{ c.t("Rondes", "Rounds") }}`.
    pub fn t<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        lang::pick(self.lang, nl, en)
    }

    pub fn nl(&self) -> bool {
        self.lang == Lang::Nl
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// `nl` or `en`, for `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        lang::code(self.lang)
    }

    pub fn title(&self) -> &str {
        self.t(&self.title_nl, &self.title_en)
    }

    /// A delivery's state in words.
    pub fn state(&self, s: &zicht_portal::DeliveryState) -> String {
        zicht_portal::text::state(*s).get(self.lang).to_owned()
    }

    /// A role in words.
    pub fn role_name(&self, r: &Role) -> String {
        zicht_portal::text::role(*r).get(self.lang).to_owned()
    }

    /// An editor's decision on a delivery (`accepted`, `returned`,
    /// `reopened`) in words.
    pub fn decision<'a>(&self, d: &'a str) -> &'a str {
        match d {
            "accepted" => self.t("geaccepteerd", "accepted"),
            "returned" => self.t("teruggestuurd", "returned"),
            "reopened" => self.t("cel heropend", "cell reopened"),
            other => other,
        }
    }

    /// A [`zicht_portal::Text`] (a problem, a state) in the page's language.
    pub fn text<'a>(&self, text: &'a zicht_portal::Text) -> &'a str {
        text.get(self.lang)
    }

    /// The CSRF token for the hidden field of a form.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }
}

/// Renders a page, or a plain 500 if the template fails.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "internal error");
            internal_page()
        }
    }
}

#[derive(Template)]
#[template(path = "portal/message.html")]
struct MessagePage {
    c: Chrome,
    text_nl: String,
    text_en: String,
}

/// A page that says only what happened, Dutch first: refusals and errors.
pub fn error_page(
    status: StatusCode,
    title_nl: &str,
    title_en: &str,
    text_nl: &str,
    text_en: &str,
) -> Response {
    let page = MessagePage {
        c: Chrome::new(None, &HeaderMap::new(), "", title_nl, title_en),
        text_nl: text_nl.into(),
        text_en: text_en.into(),
    };
    render(status, &page)
}

/// The 404 page: also what another organisation's delivery answers, so
/// that its existence is not told.
pub fn not_found_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Niet gevonden",
        "Not found",
        "Deze pagina bestaat niet, of is niet voor u.",
        "This page does not exist, or is not for you.",
    )
}

/// Today in Amsterdam: what decides whether a round is overdue. The one
/// place the server asks the clock for a day.
pub fn today() -> zicht_model::Day {
    zicht_model::Instant::from(std::time::SystemTime::now()).amsterdam_day()
}

/// The page of a failure inside, shown without detail (logged where it
/// happened: [`Error::internal`]).
pub fn internal_page() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body><main><h1>{}</h1><p>{}</p></main></body></html>",
            lang::code(lang::current()),
            lang::t("Fout", "Error"),
            lang::t("Er ging iets mis", "Something went wrong"),
            lang::t("Probeer het later opnieuw.", "Try again later."),
        ),
    )
        .into_response()
}

/// What a page handler answers: a page, or an [`Error`] that the portal
/// answers with its own page (see [`crate::error`]).
pub type PageResult = Result<Response, Error>;

/// A form body. A body that is not a form answers a 400 page instead of
/// axum's plain text. Declare fields as `String` with `#[serde(default)]`
/// and check them in the handler, so a missing field gets a clear message.
pub struct PortalForm<T>(pub T);

impl<S, T> FromRequest<S> for PortalForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(PortalForm(v)),
            Err(e) => Err(error_page(
                e.status(),
                "Onjuist formulier",
                "Bad form",
                "Het formulier kon niet worden gelezen.",
                &format!("The form could not be read: {}", e.body_text()),
            )),
        }
    }
}

/// A redirect (303) that shows `text` once on the page it leads to.
pub fn flash_redirect(state: &AppState, to: &str, text: &str) -> Response {
    let value = serde_urlencoded::to_string([("m", text)]).unwrap_or_default();
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(state.secure_cookies, FLASH_COOKIE, &value, "/portal", 60),
    );
    res
}

fn take_flash(headers: &HeaderMap) -> Option<String> {
    let raw = auth::cookie(headers, FLASH_COOKIE)?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "m")
        .map(|(_, v)| v.chars().take(500).collect())
}

async fn style() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        include_str!("../../templates/portal/portal.css"),
    )
        .into_response()
}
