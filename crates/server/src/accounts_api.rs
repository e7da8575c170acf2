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
use zicht_store::{ApiToken, AuditFilter, AuditRecord, NewUser, StoreError, User};

use crate::auth::{self, query_param, Admin, CurrentUser, Via};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/users", get(users).post(add_user))
        .route("/api/users/{login}/disable", post(disable))
        .route("/api/users/{login}/enable", post(enable))
        .route("/api/users/{login}/password", post(reset_password))
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
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::new(e.status(), e.body_text())),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        zicht_service::ServiceError::from(e).into()
    }
}

impl From<zicht_service::ServiceError> for ApiError {
    fn from(e: zicht_service::ServiceError) -> ApiError {
        match crate::work::status(&e) {
            (status, true) => ApiError::new(status, e.to_string()),
            (_, false) => ApiError::internal(e),
        }
    }
}

impl From<auth::Refused> for ApiError {
    fn from(r: auth::Refused) -> ApiError {
        let res = r.into_response();
        ApiError::new(res.status(), "your role may not do this")
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
    });
    // A browser script on this site needs the token for its writes; a
    // token client needs none.
    if user.via == Via::Session {
        out["csrf"] = Value::String(user.csrf.clone());
    }
    Json(out).into_response()
}

async fn users(State(state): State<AppState>, _: Admin) -> Result<Response, ApiError> {
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

async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            auth::PasswordError::Hash(_) => ApiError::internal(e),
            _ => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        })
}

async fn add_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewUserIn>,
) -> Result<Response, ApiError> {
    let role: Role = body
        .role
        .parse()
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{e}")))?;
    let generated = body.password.is_none();
    let password = body.password.unwrap_or_else(auth::generate_password);
    let password_hash = hash(password.clone()).await?;
    let user = state
        .store
        .create_user(
            Some(&admin.login),
            &NewUser {
                login: body.login.trim(),
                name: &body.name,
                role,
                organisation: body.organisation.as_deref().filter(|o| !o.is_empty()),
                password_hash: &password_hash,
            },
        )
        .await?;
    let mut out = json!({ "user": user_out(&user) });
    if generated {
        out["password"] = Value::String(password);
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn set_disabled(
    state: AppState,
    admin: CurrentUser,
    login: String,
    disabled: bool,
) -> Result<Response, ApiError> {
    if disabled && login == admin.login {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "you cannot disable yourself",
        ));
    }
    let user = state
        .store
        .set_disabled(Some(&admin.login), &login, disabled)
        .await?;
    Ok(Json(json!({ "user": user_out(&user) })).into_response())
}

async fn disable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, ApiError> {
    set_disabled(state, admin, login, true).await
}

async fn enable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, ApiError> {
    set_disabled(state, admin, login, false).await
}

async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(login): Path<String>,
) -> Result<Response, ApiError> {
    let password = auth::generate_password();
    let password_hash = hash(password.clone()).await?;
    let user = state
        .store
        .set_password(Some(&admin.login), &login, &password_hash)
        .await?;
    Ok(Json(json!({ "user": user_out(&user), "password": password })).into_response())
}

async fn tokens(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    let tokens = state.store.tokens(user.id).await?;
    Ok(Json(json!({ "tokens": tokens.iter().map(token_out).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenIn {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewTokenIn>,
) -> Result<Response, ApiError> {
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
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("no API token '{id}'")))?;
    let token = state
        .store
        .revoke_token(Some(&user.login), user.id, id)
        .await?;
    Ok(Json(json!({ "token": token_out(&token) })).into_response())
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

async fn audit(State(state): State<AppState>, _: Admin, uri: Uri) -> Result<Response, ApiError> {
    let number = |name: &str| -> Result<Option<i64>, ApiError> {
        query_param(&uri, name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("{name} takes a whole number, not '{v}'"),
                    )
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
