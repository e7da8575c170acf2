//! The portal's account pages: login, logout, home, users, API tokens, the
//! audit trail.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zicht_model::Role;
use zicht_service::accounts::{self, NewAccount, Owed};
use zicht_service::ServiceError;
use zicht_store::{ApiToken, AuditEntry, AuditFilter, StoreError, User};

use super::{
    error_page, flash_redirect, lang, render, Chrome, NavItem, PageResult, PortalForm, NAV,
};
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
    Ok((
        status,
        format!("{}: {e}", lang::t("Niet gelukt", "Not done")),
    ))
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

/// Records a failed login, or a failed code, and the locks it started, in
/// the audit trail. Refused attempts while a lock holds are not recorded:
/// a flood of them would fill the trail and tell nothing new.
async fn record_failure(
    state: &AppState,
    action: &str,
    login: &str,
    ip: &str,
    attempt: &auth::Attempt,
) -> Result<(), Error> {
    let entity = if zicht_store::check_login(login).is_ok() {
        format!("user:{login}")
    } else {
        // Whatever was typed is not a login: it is not repeated here.
        "user:-".to_owned()
    };
    let failures: serde_json::Map<String, serde_json::Value> = attempt
        .failures
        .iter()
        .map(|(k, n)| (k.clone(), serde_json::json!(n)))
        .collect();
    state
        .store
        .record_audit(&AuditEntry {
            actor: None,
            action: action.into(),
            entity: entity.clone(),
            organisation: None,
            before: None,
            after: Some(serde_json::json!({ "address": ip, "failures": failures })),
        })
        .await?;
    for (key, lock) in &attempt.locks {
        state
            .store
            .record_audit(&AuditEntry {
                actor: None,
                action: "login.lock".into(),
                entity: entity.clone(),
                organisation: None,
                before: None,
                after: Some(serde_json::json!({
                    "address": ip,
                    "key": key,
                    "seconds": lock.as_secs(),
                    "after": action,
                })),
            })
            .await?;
    }
    Ok(())
}

/// The page that says to wait, with `Retry-After`.
fn too_many(wait: std::time::Duration) -> Response {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let mut res = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Te veel pogingen",
        "Too many attempts",
        &format!("Te veel mislukte pogingen. Probeer het over {minutes} minuten opnieuw."),
        &format!("Too many failed attempts. Try again in {minutes} minutes."),
    );
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    res
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PortalForm(form): PortalForm<LoginForm>,
) -> PageResult {
    let login = form.login.trim().to_lowercase();
    // A name that cannot be a login shares one key per address, so a spray
    // of long or random names cannot grow the limiter without bound.
    let login_key = if zicht_store::check_login(&login).is_ok() {
        format!("login:{login}@{ip}")
    } else {
        format!("login:-@{ip}")
    };
    let keys = [
        (login_key, auth::LOGIN_AT_ADDRESS),
        (format!("ip:{ip}"), auth::ADDRESS),
    ];
    let attempt = match state.limiter.attempt(&keys) {
        Ok(a) => a,
        Err(wait) => return Ok(too_many(wait)),
    };
    let Some(user) = auth::check_login(&state.store, &login, &form.password).await? else {
        record_failure(&state, "login.fail", &login, &ip, &attempt).await?;
        return Ok(login_form(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &login,
            Some(lang::say(
                "Onbekende gebruikersnaam of onjuist wachtwoord.",
                "Unknown login or wrong password.",
            )),
        ));
    };
    state.limiter.succeeded(&keys, &attempt);
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
    // Straight to the step the user owes, if any; the guard would send
    // them there anyway.
    let next = accounts::owed(&user, !user.second_factor).map_or("/portal/", auth::step_page);
    // The user's stored language (also their mail's) is the pages' too,
    // unless this browser has chosen one with the switch.
    let stored = match lang::chosen(&headers) {
        Some(_) => None,
        None => Some(state.store.contact(&user.login).await?.language),
    };
    let mut res = Redirect::to(next).into_response();
    let h = res.headers_mut();
    if let Some(l) = stored {
        h.append(header::SET_COOKIE, lang::remember(&state, l));
    }
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

// --- the steps a session may owe: a code, a new password, a second factor ---

#[derive(Template)]
#[template(path = "portal/second_factor.html")]
struct CodePage {
    c: Chrome,
}

pub async fn code_page(user: CurrentUser, headers: HeaderMap) -> PageResult {
    if user.owed != Some(Owed::Code) {
        return Ok(Redirect::to("/portal/").into_response());
    }
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/second-factor",
        "Tweede factor",
        "Second factor",
    );
    Ok(render(StatusCode::OK, &CodePage { c }))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn give_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    PortalForm(form): PortalForm<CodeForm>,
) -> PageResult {
    if user.owed != Some(Owed::Code) {
        return Ok(Redirect::to("/portal/").into_response());
    }
    let keys = [(format!("code:{}", user.login), auth::CODES)];
    let attempt = match state.limiter.attempt(&keys) {
        Ok(a) => a,
        Err(wait) => return Ok(too_many(wait)),
    };
    if !accounts::check_code(&state.store, &user.account(), &form.code).await? {
        record_failure(&state, "second_factor.fail", &user.login, &ip, &attempt).await?;
        let mut c = Chrome::new(
            Some(&user),
            &headers,
            "/portal/second-factor",
            "Tweede factor",
            "Second factor",
        );
        c.error = Some(lang::say(
            "Deze code klopt niet, of is al gebruikt.",
            "This code is not right, or was used before.",
        ));
        return Ok(render(StatusCode::UNAUTHORIZED, &CodePage { c }));
    }
    state.limiter.succeeded(&keys, &attempt);
    if let Some(hash) = user.session_hash() {
        state.store.pass_second_factor(hash).await?;
    }
    Ok(Redirect::to("/portal/").into_response())
}

#[derive(Template)]
#[template(path = "portal/account.html")]
struct AccountPage {
    c: Chrome,
    /// An admin's reset: only the password form, and why.
    forced: bool,
    second_factor: bool,
    /// The role must have a second factor.
    required: bool,
    codes_left: i64,
    min_len: usize,
}

async fn account_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let forced = user.owed == Some(Owed::PasswordChange);
    let (href, nl, en) = if forced {
        (
            "/portal/password",
            "Nieuw wachtwoord kiezen",
            "Choose a new password",
        )
    } else {
        ("/portal/account", "Account", "Account")
    };
    let mut c = Chrome::new(Some(user), headers, href, nl, en);
    c.error = error;
    Ok(render(
        status,
        &AccountPage {
            c,
            forced,
            second_factor: user.second_factor,
            required: accounts::second_factor_required(user.role),
            codes_left: state.store.recovery_codes_left(user.id).await?,
            min_len: auth::MIN_PASSWORD_LEN,
        },
    ))
}

pub async fn account_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> PageResult {
    account_view(&state, &user, &headers, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    PortalForm(form): PortalForm<PasswordForm>,
) -> PageResult {
    if form.new != form.repeat {
        return account_view(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(lang::say(
                "De twee nieuwe wachtwoorden verschillen.",
                "The two new passwords differ.",
            )),
        )
        .await;
    }
    match accounts::change_password(
        &state.store,
        user.id,
        &user.login,
        &form.current,
        &form.new,
        user.session_hash(),
    )
    .await
    {
        Ok(_) => Ok(flash_redirect(
            &state,
            "/portal/",
            lang::t(
                "Uw wachtwoord is gewijzigd; uw andere sessies zijn beëindigd.",
                "Your password is changed; your other sessions are ended.",
            ),
        )),
        Err(e) => {
            let (status, text) = store_problem(e)?;
            account_view(&state, &user, &headers, status, Some(text)).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/enrol.html")]
struct EnrolPage {
    c: Chrome,
    enrolment: Option<accounts::Enrolment>,
    recovery_codes: Vec<String>,
    required: bool,
}

fn enrol_chrome(user: &CurrentUser, headers: &HeaderMap) -> Chrome {
    Chrome::new(
        Some(user),
        headers,
        "/portal/second-factor/enrol",
        "Tweede factor instellen",
        "Set up a second factor",
    )
}

pub async fn enrol_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> PageResult {
    let account = user.account();
    // A reload shows the same secret: the app may already hold it.
    let enrolment = if user.second_factor {
        None
    } else {
        match accounts::pending_enrolment(&state.store, &account).await? {
            Some(e) => Some(e),
            None => Some(accounts::start_enrolment(&state.store, &account).await?),
        }
    };
    Ok(render(
        StatusCode::OK,
        &EnrolPage {
            c: enrol_chrome(&user, &headers),
            enrolment,
            recovery_codes: Vec::new(),
            required: accounts::second_factor_required(user.role),
        },
    ))
}

pub async fn enrol(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    PortalForm(form): PortalForm<CodeForm>,
) -> PageResult {
    let account = user.account();
    match accounts::confirm_enrolment(&state.store, &account, &form.code, user.session_hash()).await
    {
        Ok(recovery_codes) => Ok(render(
            StatusCode::OK,
            &EnrolPage {
                c: enrol_chrome(&user, &headers),
                enrolment: None,
                recovery_codes,
                required: accounts::second_factor_required(user.role),
            },
        )),
        Err(e) => {
            let (status, text) = store_problem(e)?;
            let mut c = enrol_chrome(&user, &headers);
            c.error = Some(text);
            Ok(render(
                status,
                &EnrolPage {
                    c,
                    enrolment: accounts::pending_enrolment(&state.store, &account).await?,
                    recovery_codes: Vec::new(),
                    required: accounts::second_factor_required(user.role),
                },
            ))
        }
    }
}

/// A supplier turns their own second factor off with a code of it; wrong
/// codes count towards the same lock as at login.
pub(crate) async fn remove_own(
    state: &AppState,
    user: &CurrentUser,
    ip: &str,
    code: &str,
) -> Result<User, Error> {
    let keys = [(format!("code:{}", user.login), auth::CODES)];
    let attempt = state.limiter.attempt(&keys).map_err(|wait| {
        Error::Busy(format!(
            "too many wrong codes: try again in {} s",
            wait.as_secs().max(1)
        ))
    })?;
    let login = user.login.clone();
    match accounts::remove_second_factor(
        &state.store,
        &actor(user),
        &user.account(),
        &login,
        Some(code),
    )
    .await
    {
        Err(ServiceError::Invalid(m)) => {
            record_failure(state, "second_factor.fail", &user.login, ip, &attempt).await?;
            Err(Error::Invalid(m))
        }
        // An admin's or editor's own: their role may not.
        Err(ServiceError::Forbidden(_)) => {
            state.limiter.succeeded(&keys, &attempt);
            Err(Error::Role)
        }
        other => {
            state.limiter.succeeded(&keys, &attempt);
            Ok(other?)
        }
    }
}

pub async fn remove_own_second_factor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
    headers: HeaderMap,
    PortalForm(form): PortalForm<CodeForm>,
) -> PageResult {
    match remove_own(&state, &user, &ip, &form.code).await {
        Ok(_) => Ok(flash_redirect(
            &state,
            "/portal/account",
            lang::t("Uw tweede factor staat uit.", "Your second factor is off."),
        )),
        Err(Error::Invalid(text)) => {
            account_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{}: {text}", lang::t("Niet gelukt", "Not done"))),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// An admin removes a user's second factor (a lost phone).
pub async fn remove_second_factor(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> PageResult {
    match accounts::remove_second_factor(
        &state.store,
        &actor(&admin),
        &admin.account(),
        &login,
        None,
    )
    .await
    {
        Ok(u) => Ok(flash_redirect(
            &state,
            "/portal/users",
            &lang::say(
                format!("Tweede factor van {} verwijderd.", u.login),
                format!("Second factor of {} removed.", u.login),
            ),
        )),
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, &text))
        }
    }
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    if let Some(hash) = user.session_hash() {
        state.store.delete_session(hash).await?;
    }
    let mut res = flash_redirect(
        &state,
        "/portal/login",
        lang::t("U bent uitgelogd.", "You are logged out."),
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
    links: Vec<&'static NavItem>,
    /// A supplier's requests, newest round first.
    requests: Vec<zicht_store::SupplierRequest>,
    /// Its organisation's requests for encoded records still open, with
    /// the round's title, newest round first.
    encoded: Vec<(zicht_store::EncodedRequest, String)>,
    /// The names of their rounds' editions, by id.
    editions: std::collections::HashMap<String, String>,
}

impl HomePage {
    fn edition_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.editions.get(id).map_or(id, String::as_str)
    }
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
    let editions = if requests.is_empty() {
        Default::default()
    } else {
        let catalogue = state.store.catalogue().await?;
        requests
            .iter()
            .map(|r| {
                let id = r.round.edition.as_str();
                let name = super::words::document(&catalogue, id, lang::current());
                (id.to_owned(), name)
            })
            .collect()
    };
    let mut encoded = Vec::new();
    let organisation = user
        .organisation
        .as_deref()
        .and_then(|o| zicht_model::Slug::parse(o).ok());
    if let (true, Some(organisation)) = (user.is(&[Role::Supplier]), organisation) {
        for r in state.store.open_encoded_requests(&organisation).await? {
            let title = state.store.round(r.round_id).await?.title;
            encoded.push((r, title));
        }
    }
    let page = HomePage {
        editions,
        c: Chrome::new(Some(&user), &headers, "/portal/", "Portaal", "Portal"),
        links,
        requests,
        encoded,
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
        .map(|o| {
            (
                o.id.to_string(),
                lang::t(&o.label_nl, &o.label_en).to_owned(),
            )
        })
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
        Err(_) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang::say(
                    "Kies een rol: beheerder, redacteur of leverancier",
                    "Choose a role: admin, editor or supplier",
                ),
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
                Some(lang::say(
                    format!(
                        "Gebruiker {} toegevoegd. Wachtwoord, alleen nu zichtbaar: {password}",
                        u.login
                    ),
                    format!(
                        "User {} added. Password, shown only now: {password}",
                        u.login
                    ),
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
            lang::t(
                "U kunt uzelf niet blokkeren.",
                "You cannot disable yourself.",
            ),
        ));
    }
    match accounts::set_disabled(&state.store, &actor(&admin), &login, disabled).await {
        Ok(u) => {
            let text = if disabled {
                lang::say(
                    format!(
                        "{} geblokkeerd, uitgelogd en API-sleutels ingetrokken.",
                        u.login
                    ),
                    format!("{} disabled, logged out and API tokens revoked.", u.login),
                )
            } else {
                lang::say(
                    format!("{} gedeblokkeerd.", u.login),
                    format!("{} enabled.", u.login),
                )
            };
            Ok(flash_redirect(&state, "/portal/users", &text))
        }
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, &text))
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
            &lang::say(
                format!("E-mail van {login} bewaard."),
                format!("E-mail of {login} saved."),
            ),
        )),
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, &text))
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
                Some(lang::say(format!("Nieuw wachtwoord voor {}, alleen nu zichtbaar: {password} (sessies beëindigd, API-sleutels ingetrokken; bij de volgende keer inloggen kiest {} een eigen wachtwoord)", u.login, u.login), format!("New password for {}, shown only now: {password} (sessions ended, API tokens revoked; at the next login {} chooses their own)", u.login, u.login))),
                None,
                UserForm::default(),
            )
            .await
        }
        Err(e) => {
            let (status, text) = store_problem(e)?;
            Ok(error_page(status, "Niet gelukt", "Not done", &text, &text))
        }
    }
}

// --- API tokens -------------------------------------------------------------

/// A token outlives the session that makes it and needs no second factor
/// when used, so a user who has one must give a fresh code to make it: a
/// stolen session cannot be turned into a lasting key without the phone.
/// Wrong codes count towards the same lock as at login.
pub(crate) async fn fresh_code(
    state: &AppState,
    user: &CurrentUser,
    ip: &str,
    code: &str,
) -> Result<(), Error> {
    if !user.second_factor {
        return Ok(());
    }
    let keys = [(format!("code:{}", user.login), auth::CODES)];
    let attempt = state.limiter.attempt(&keys).map_err(|wait| {
        Error::Busy(format!(
            "too many wrong codes: try again in {} s",
            wait.as_secs().max(1)
        ))
    })?;
    if accounts::check_code(&state.store, &user.account(), code).await? {
        state.limiter.succeeded(&keys, &attempt);
        Ok(())
    } else {
        record_failure(state, "second_factor.fail", &user.login, ip, &attempt).await?;
        Err(Error::Invalid(
            "a new API token needs a fresh code of your second factor (`code`)".into(),
        ))
    }
}

#[derive(Template)]
#[template(path = "portal/tokens.html")]
struct TokensPage {
    c: Chrome,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    /// A new token needs a fresh code of the user's second factor.
    needs_code: bool,
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
            needs_code: user.second_factor,
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
    #[serde(default)]
    code: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    PortalForm(form): PortalForm<TokenForm>,
) -> PageResult {
    if let Err(e) = fresh_code(&state, &user, &ip, &form.code).await {
        return match e {
            Error::Invalid(text) => {
                tokens_view(
                    &state,
                    &user,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(lang::say(
                        "Geef een geldige code van uw tweede factor.",
                        text,
                    )),
                )
                .await
            }
            e => Err(e),
        };
    }
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
            &lang::say(
                format!("Sleutel {} ingetrokken.", t.name),
                format!("Token {} revoked.", t.name),
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
