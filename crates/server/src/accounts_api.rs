//! The account API: who am I, users (admin), API tokens (own), the audit
//! trail (admin). Same roles as the portal; authenticated by a bearer token
//! or the session cookie (then writes need the `X-CSRF-Token` header).

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use zicht_model::Role;
use zicht_service::accounts::{self, NewAccount, Owed};
use zicht_store::{ApiToken, AuditFilter, AuditRecord, User};

use crate::auth::{self, query_param, Admin, ClientIp, CurrentUser, Via};
use crate::work::actor;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/users", get(users).post(add_user))
        .route("/api/users/{login}/disable", post(disable))
        .route("/api/users/{login}/enable", post(enable))
        .route("/api/users/{login}/password", post(reset_password))
        .route(
            "/api/users/{login}/second-factor",
            delete(remove_users_second_factor),
        )
        .route("/api/password", post(change_password))
        .route(
            "/api/second-factor",
            get(second_factor).delete(remove_own_second_factor),
        )
        .route("/api/second-factor/enrol", post(start_enrolment))
        .route("/api/second-factor/confirm", post(confirm_enrolment))
        .route("/api/tokens", get(tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
        .route("/api/audit", get(audit))
}

/// A JSON body; a body that is not the JSON asked for answers a JSON 400.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(Error::Unreadable {
                status: e.status(),
                message: e.body_text(),
            }),
        }
    }
}

fn user_out(u: &User) -> Value {
    json!({
        "id": u.id,
        "login": u.login,
        "name": u.name,
        "role": u.role.as_str(),
        "organisation": u.organisation,
        "disabled": u.disabled,
        "created_at": u.created_at,
        "password_change_due": u.password_change_due,
        "second_factor": u.second_factor,
    })
}

fn token_out(t: &ApiToken) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "created_at": t.created_at,
        "revoked_at": t.revoked_at,
    })
}

async fn me(user: CurrentUser) -> Response {
    let mut out = json!({
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "role": user.role.as_str(),
        "organisation": user.organisation,
        "via": match user.via { Via::Session => "session", Via::Token => "token" },
        "second_factor": user.second_factor,
        // What a session must do first (`code`, `password_change`,
        // `enrolment`), or null.
        "owed": user.owed.map(|o| match o {
            Owed::Code => "code",
            Owed::PasswordChange => "password_change",
            Owed::Enrolment => "enrolment",
        }),
    });
    // A browser script on this site needs the token for its writes; a
    // token client needs none.
    if user.via == Via::Session {
        out["csrf"] = Value::String(user.csrf.clone());
    }
    Json(out).into_response()
}

async fn users(State(state): State<AppState>, _: Admin) -> Result<Response, Error> {
    let users = state.store.users().await?;
    Ok(Json(json!({ "users": users.iter().map(user_out).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserIn {
    login: String,
    name: String,
    role: String,
    organisation: Option<String>,
    /// When absent, one is generated and answered once.
    password: Option<String>,
}

async fn add_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewUserIn>,
) -> Result<Response, Error> {
    let role: Role = body
        .role
        .parse()
        .map_err(|e| Error::Invalid(format!("{e}")))?;
    let (user, generated) = accounts::add_user(
        &state.store,
        &actor(&admin),
        NewAccount {
            login: &body.login,
            name: &body.name,
            role,
            organisation: body.organisation.as_deref(),
            password: body.password,
            // Set on the portal's users page or with `zicht user contact`.
            contact: zicht_store::Contact::default(),
        },
    )
    .await?;
    let mut out = json!({ "user": user_out(&user) });
    if let Some(password) = generated {
        out["password"] = Value::String(password);
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn set_disabled(
    state: AppState,
    admin: CurrentUser,
    login: String,
    disabled: bool,
) -> Result<Response, Error> {
    let user = accounts::set_disabled(&state.store, &actor(&admin), &login, disabled).await?;
    Ok(Json(json!({ "user": user_out(&user) })).into_response())
}

async fn disable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, Error> {
    set_disabled(state, admin, login, true).await
}

async fn enable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, Error> {
    set_disabled(state, admin, login, false).await
}

async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, Error> {
    let (user, password) = accounts::reset_password(&state.store, &actor(&admin), &login).await?;
    Ok(Json(json!({ "user": user_out(&user), "password": password })).into_response())
}

async fn tokens(State(state): State<AppState>, user: CurrentUser) -> Result<Response, Error> {
    let tokens = state.store.tokens(user.id).await?;
    Ok(Json(json!({ "tokens": tokens.iter().map(token_out).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenIn {
    name: String,
    /// A fresh code of the user's second factor; required when they have
    /// one.
    code: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<NewTokenIn>,
) -> Result<Response, Error> {
    crate::portal::fresh_code(&state, &user, &ip, body.code.as_deref().unwrap_or("")).await?;
    let secret = auth::new_api_token();
    let token = state
        .store
        .create_token(
            Some(&user.login),
            user.id,
            &body.name,
            &auth::hash_token(&secret),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token_out(&token), "secret": secret })),
    )
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("no API token '{id}'")))?;
    let token = state
        .store
        .revoke_token(Some(&user.login), user.id, id)
        .await?;
    Ok(Json(json!({ "token": token_out(&token) })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordIn {
    current: String,
    new: String,
}

/// The caller's own new password. With a session, the other sessions end;
/// with a token, all of them do.
async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<PasswordIn>,
) -> Result<Response, Error> {
    let changed = accounts::change_password(
        &state.store,
        user.id,
        &user.login,
        &body.current,
        &body.new,
        user.session_hash(),
    )
    .await?;
    Ok(Json(json!({ "user": user_out(&changed) })).into_response())
}

async fn second_factor(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, Error> {
    Ok(Json(json!({
        "enabled": user.second_factor,
        "required": accounts::second_factor_required(user.role),
        "recovery_codes_left": state.store.recovery_codes_left(user.id).await?,
    }))
    .into_response())
}

/// Begins setting up the caller's second factor: the secret and its
/// `otpauth://` URI, for an authenticator app.
async fn start_enrolment(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, Error> {
    let e = accounts::start_enrolment(&state.store, &user.account()).await?;
    Ok(Json(json!({ "secret": e.secret, "uri": e.uri })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeIn {
    code: String,
}

/// Confirms the set-up with a code; answers the recovery codes, once.
async fn confirm_enrolment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CodeIn>,
) -> Result<Response, Error> {
    let codes = accounts::confirm_enrolment(
        &state.store,
        &user.account(),
        &body.code,
        user.session_hash(),
    )
    .await?;
    Ok(Json(json!({ "recovery_codes": codes })).into_response())
}

/// A supplier turns their own second factor off, with a code of it.
async fn remove_own_second_factor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: CurrentUser,
    ApiJson(body): ApiJson<CodeIn>,
) -> Result<Response, Error> {
    let u = crate::portal::remove_own(&state, &user, &ip, &body.code).await?;
    Ok(Json(json!({ "user": user_out(&u) })).into_response())
}

/// An admin removes a user's second factor (a lost phone).
async fn remove_users_second_factor(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, Error> {
    let u = accounts::remove_second_factor(
        &state.store,
        &actor(&admin),
        &admin.account(),
        &login,
        None,
    )
    .await?;
    Ok(Json(json!({ "user": user_out(&u) })).into_response())
}

fn record_out(r: &AuditRecord) -> Value {
    json!({
        "id": r.id,
        "at": r.at,
        "actor": r.entry.actor,
        "action": r.entry.action,
        "entity": r.entry.entity,
        "organisation": r.entry.organisation,
        "before": r.entry.before,
        "after": r.entry.after,
    })
}

async fn audit(State(state): State<AppState>, _: Admin, uri: Uri) -> Result<Response, Error> {
    let number = |name: &str| -> Result<Option<i64>, Error> {
        query_param(&uri, name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    Error::BadRequest(format!("{name} takes a whole number, not '{v}'"))
                })
            })
            .transpose()
    };
    let before_id = number("before_id")?;
    let limit = number("limit")?.unwrap_or(100).clamp(1, 500);
    let organisation = query_param(&uri, "organisation");
    let records = state
        .store
        .audit_log(&AuditFilter {
            organisation: organisation.clone(),
            entity_prefix: query_param(&uri, "entity"),
            before_id,
            limit,
        })
        .await?;
    let next = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.id))
        .flatten()
        .map(|id| {
            let org = organisation
                .as_deref()
                .map(|o| {
                    format!(
                        "&{}",
                        serde_urlencoded::to_string([("organisation", o)]).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            format!("/api/audit?before_id={id}&limit={limit}{org}")
        });
    Ok(Json(json!({
        "records": records.iter().map(record_out).collect::<Vec<_>>(),
        "next": next,
    }))
    .into_response())
}
