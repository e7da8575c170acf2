//! The portal's account pages: login, logout, home, users, API tokens, the
//! audit trail.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zicht_model::Role;
use zicht_service::accounts::{self, NewAccount};
use zicht_service::ServiceError;
use zicht_store::{ApiToken, AuditFilter, StoreError, User};

use super::{error_page, flash_redirect, render, Chrome, NavItem, PageResult, PortalForm, NAV};
use crate::auth::{self, query_param, Admin, ClientIp, CurrentUser};
use crate::work::actor;
use crate::{AppState, Error};

/// A store refusal a person can act on, in both languages; anything else
/// is an internal error.
fn store_problem(e: impl Into<ServiceError>) -> Result<(StatusCode, String), Error> {
    let e = e.into();
    let status = match &e {
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => return Err(e.into()),
    };
    Ok((status, format!("Niet gelukt · Not done: {e}")))
}

fn role_nl(r: Role) -> &'static str {
    match r {
        Role::Admin => "beheerder",
        Role::Editor => "redacteur",
        Role::Supplier => "leverancier",
    }
}

// --- login, logout, home -------------------------------------------------

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    c: Chrome,
    login_csrf: String,
    login: String,
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    login: &str,
    error: Option<String>,
) -> Response {
    let login_csrf = auth::random_token();
    let mut c = Chrome::new(None, headers, "/portal/login", "Inloggen", "Log in");
    c.error = error;
    let mut res = render(
        status,
        &LoginPage {
            c,
            login_csrf: login_csrf.clone(),
            login: login.to_owned(),
        },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(
            state.secure_cookies,
            auth::LOGIN_COOKIE,
            &login_csrf,
            "/portal/login",
            3600,
        ),
    );
    res
}

pub async fn login_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    headers: HeaderMap,
) -> Response {
    if user.is_some() {
        return Redirect::to("/portal/").into_response();
    }
    login_form(&state, &headers, StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PortalForm(form): PortalForm<LoginForm>,
) -> PageResult {
    let login = form.login.trim().to_lowercase();
    // A name that cannot be a login shares one key, so a spray of long or
    // random names cannot grow the limiter without bound.
    let login_key = if zicht_store::check_login(&login).is_ok() {
        format!("login:{login}")
    } else {
        "login:-".to_owned()
    };
    let keys = [login_key, format!("ip:{ip}")];
    let attempt =
        match state.limiter.attempt(&keys) {
            Ok(at) => at,
            Err(wait) => {
                let minutes = wait.as_secs().div_ceil(60).max(1);
                let mut res = error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Te veel pogingen",
            "Too many attempts",
            &format!("Te veel mislukte inlogpogingen. Probeer het over {minutes} minuten opnieuw."),
            &format!("Too many failed logins. Try again in {minutes} minutes."),
        );
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(wait.as_secs().max(1)),
                );
                return Ok(res);
            }
        };
    let Some(user) = auth::check_login(&state.store, &login, &form.password).await? else {
        return Ok(login_form(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &login,
            Some(
                "Onbekende gebruikersnaam of onjuist wachtwoord. · Unknown login or wrong password."
                    .into(),
            ),
        ));
    };
    state.limiter.succeeded(&keys, attempt);
    let token = auth::random_token();
    state
        .store
        .create_session(
            user.id,
            &auth::hash_token(&token),
            &auth::random_token(),
            auth::SESSION_SECS,
        )
        .await?;
    let mut res = Redirect::to("/portal/").into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(
            state.secure_cookies,
            auth::SESSION_COOKIE,
            &token,
            "/",
            auth::SESSION_SECS,
        ),
    );
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(
            state.secure_cookies,
            auth::LOGIN_COOKIE,
            "",
            "/portal/login",
            0,
        ),
    );
    Ok(res)
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    if let Some(hash) = user.session_hash() {
        state.store.delete_session(hash).await?;
    }
    let mut res = flash_redirect(
        &state,
        "/portal/login",
        "U bent uitgelogd. · You are logged out.",
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(state.secure_cookies, auth::SESSION_COOKIE, "", "/", 0),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    c: Chrome,
    role_nl: &'static str,
    links: Vec<&'static NavItem>,
    /// A supplier's requests, newest round first.
    requests: Vec<zicht_store::SupplierRequest>,
}

pub async fn home(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> PageResult {
    let links = NAV.iter().skip(1).filter(|n| user.is(n.roles)).collect();
    let requests = if user.is(&[Role::Supplier]) {
        state
            .store
            .supplier_requests(&crate::work::actor(&user))
            .await?
    } else {
        Vec::new()
    };
    let page = HomePage {
        role_nl: role_nl(user.role),
        c: Chrome::new(Some(&user), &headers, "/portal/", "Portaal", "Portal"),
        links,
        requests,
    };
    Ok(render(StatusCode::OK, &page))
}

// --- users ----------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
}

/// A user's address and mail language, as the users page shows them.
pub struct ContactView {
    email: String,
    language: &'static str,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<(User, ContactView)>,
    roles: [Role; 3],
    /// (id, label) of every organisation in the catalogue.
    organisations: Vec<(String, String)>,
    form: UserForm,
}

async fn users_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    flash: Option<String>,
    error: Option<String>,
    form: UserForm,
) -> PageResult {
    let contacts: std::collections::HashMap<String, zicht_store::Contact> =
        state.store.contacts().await?.into_iter().collect();
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let c = contacts.get(&u.login).cloned().unwrap_or_default();
            let view = ContactView {
                email: c.email.unwrap_or_default(),
                language: zicht_store::lang_code(c.language),
            };
            (u, view)
        })
        .collect();
    let organisations = state
        .store
        .catalogue()
        .await?
        .organisations
        .into_iter()
        .map(|o| (o.id.to_string(), o.label_nl))
        .collect();
    let mut c = Chrome::new(Some(user), headers, "/portal/users", "Gebruikers", "Users");
    if flash.is_some() {
        c.flash = flash;
    }
    c.error = error;
    Ok(render(
        status,
        &UsersPage {
            c,
            users,
            roles: Role::ALL,
            organisations,
            form,
        },
    ))
}

pub async fn users_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    headers: HeaderMap,
) -> PageResult {
    users_view(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        None,
        None,
        UserForm::default(),
    )
    .await
}

pub async fn add_user(
    State(state): State<AppState>,
    Admin(user): Admin,
    headers: HeaderMap,
    PortalForm(form): PortalForm<UserForm>,
) -> PageResult {
    let problem = |status, text: String, form| {
        users_view(&state, &user, &headers, status, None, Some(text), form)
    };
    let role: Role = match form.role.parse() {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Kies een rol · Choose a role: {e}"),
                form,
            )
            .await
        }
    };
    let language = match zicht_store::parse_lang(if form.language.is_empty() {
        "nl"
    } else {
        &form.language
    }) {
        Ok(l) => l,
        Err(e) => {
            let (status, text) = store_problem(e)?;
            return problem(status, text, form).await;
        }
    };
    let created = accounts::add_user(
        &state.store,
        &actor(&user),
        NewAccount {
            login: &form.login,
            name: &form.name,
            role,
            organisation: Some(form.organisation.as_str()),
            password: None,
            contact: zicht_store::Contact {
                email: Some(form.email.clone()),
                language,
            },
        },
    )
    .await;
    match created {
        Ok((u, password)) => {
            let password = password.unwrap_or_default();
            users_view(
                &state,
                &user,
                &headers,
                StatusCode::OK,
                Some(format!(
                    "Gebruiker {} toegevoegd. Wachtwoord, alleen nu zichtbaar: {password} · User {} added. Password, shown only now: {password}",
                    u.login, u.login
                )),
                None,
                UserForm::default(),
            )
            .await
        }
        Err(e) => {
            let (status, text) = store_problem(e)?;
            problem(status, text, form).await
        }
    }
}

async fn set_disabled(
    state: AppState,
    admin: CurrentUser,
    login: String,
    disabled: bool,
) -> PageResult {
    if disabled && login == admin.login {
        return Ok(flash_redirect(
            &state,
            "/portal/users",
            "U kunt uzelf niet blokkeren. · You cannot disable yourself.",
        ));
    }
    match accounts::set_disabled(&state.store, &actor(&admin), &login, disabled).await {
        Ok(u) => {
            let text = if disabled {
                format!(
                    "{} geblokkeerd en uitgelogd. · {} disabled and logged out.",
                    u.login, u.login
                )
            } else {
                format!("{} gedeblokkeerd. · {} enabled.", u.login, u.login)
            };
            Ok(flash_redirect(&state, "/portal/users", &text))
        }
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, ""))
        }
    }
}

pub async fn disable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> PageResult {
    set_disabled(state, admin, login, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> PageResult {
    set_disabled(state, admin, login, false).await
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
}

/// Sets a user's address (empty: no mail) and mail language.
pub async fn set_contact(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
    PortalForm(form): PortalForm<ContactForm>,
) -> PageResult {
    let set = async {
        let language = zicht_store::parse_lang(&form.language)?;
        accounts::set_contact(
            &state.store,
            &actor(&admin),
            &login,
            &zicht_store::Contact {
                email: Some(form.email.clone()),
                language,
            },
        )
        .await
    };
    match set.await {
        Ok(_) => Ok(flash_redirect(
            &state,
            "/portal/users",
            &format!("E-mail van {login} bewaard. · E-mail of {login} saved."),
        )),
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, ""))
        }
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    Path(login): Path<String>,
) -> PageResult {
    match accounts::reset_password(&state.store, &actor(&admin), &login).await {
        Ok((u, password)) => {
            users_view(
                &state,
                &admin,
                &headers,
                StatusCode::OK,
                Some(format!(
                    "Nieuw wachtwoord voor {}, alleen nu zichtbaar: {password} (sessies beëindigd) · New password for {}, shown only now: {password} (sessions ended)",
                    u.login, u.login
                )),
                None,
                UserForm::default(),
            )
            .await
        }
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, ""))
        }
    }
}

// --- API tokens -------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/tokens.html")]
struct TokensPage {
    c: Chrome,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
}

async fn tokens_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    new_token: Option<String>,
    error: Option<String>,
) -> PageResult {
    let tokens = state.store.tokens(user.id).await?;
    let mut c = Chrome::new(
        Some(user),
        headers,
        "/portal/tokens",
        "API-sleutels",
        "API tokens",
    );
    c.error = error;
    Ok(render(
        status,
        &TokensPage {
            c,
            tokens,
            new_token,
        },
    ))
}

pub async fn tokens_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> PageResult {
    tokens_view(&state, &user, &headers, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    PortalForm(form): PortalForm<TokenForm>,
) -> PageResult {
    let token = auth::new_api_token();
    match state
        .store
        .create_token(
            Some(&user.login),
            user.id,
            &form.name,
            &auth::hash_token(&token),
        )
        .await
    {
        Ok(_) => tokens_view(&state, &user, &headers, StatusCode::OK, Some(token), None).await,
        Err(e) => {
            let (status, text) = store_problem(e)?;
            tokens_view(&state, &user, &headers, status, None, Some(text)).await
        }
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult {
    let not_found = || {
        error_page(
            StatusCode::NOT_FOUND,
            "Niet gevonden",
            "Not found",
            "U heeft geen sleutel met dit nummer.",
            "You have no token with this number.",
        )
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(not_found());
    };
    match state
        .store
        .revoke_token(Some(&user.login), user.id, id)
        .await
    {
        Ok(t) => Ok(flash_redirect(
            &state,
            "/portal/tokens",
            &format!(
                "Sleutel {} ingetrokken. · Token {} revoked.",
                t.name, t.name
            ),
        )),
        Err(StoreError::UnknownToken(_)) => Ok(not_found()),
        Err(e) => Err(e.into()),
    }
}

// --- the audit trail ----------------------------------------------------------

/// A record as the page shows it.
struct AuditRow {
    id: i64,
    at: String,
    actor: Option<String>,
    action: String,
    entity: String,
    organisation: Option<String>,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "portal/audit.html")]
struct AuditPage {
    c: Chrome,
    records: Vec<AuditRow>,
    older: Option<i64>,
}

const AUDIT_PAGE: i64 = 50;

pub async fn audit_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let before_id = query_param(&uri, "before_id").and_then(|s| s.parse::<i64>().ok());
    let records = state
        .store
        .audit_log(&AuditFilter {
            before_id,
            limit: AUDIT_PAGE,
            ..AuditFilter::default()
        })
        .await?;
    let older = (records.len() as i64 == AUDIT_PAGE)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    let show = |v: &Option<serde_json::Value>| v.as_ref().map_or(String::new(), |v| v.to_string());
    let records = records
        .into_iter()
        .map(|r| AuditRow {
            id: r.id,
            before: show(&r.entry.before),
            after: show(&r.entry.after),
            at: r.at.to_string(),
            actor: r.entry.actor,
            action: r.entry.action,
            entity: r.entry.entity,
            organisation: r.entry.organisation,
        })
        .collect();
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/audit",
        "Audittrail",
        "Audit trail",
    );
    Ok(render(StatusCode::OK, &AuditPage { c, records, older }))
}
