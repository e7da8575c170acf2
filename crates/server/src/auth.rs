//! Who is asking, and may they: passwords, sessions, API tokens, CSRF, role
//! checks and the login rate limit.
//!
//! One middleware ([`authenticate`]) runs before every `/portal` and `/api`
//! handler. It refuses cross-origin writes, finds the user behind the
//! session cookie or the `Authorization: Bearer` token, checks the CSRF
//! token of every write made with a session, and leaves the result in the
//! request for the [`CurrentUser`] extractor. A handler therefore only
//! states who may call it: take a [`CurrentUser`] and call
//! [`CurrentUser::require`], or take [`Admin`] / [`Editor`].

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zicht_model::Role;
use zicht_store::User;

use crate::{ApiError, AppState};

/// The session cookie.
pub const SESSION_COOKIE: &str = "zicht_session";
/// The CSRF token of the login form, before there is a session to hold it.
pub const LOGIN_COOKIE: &str = "zicht_login";
/// How long a session lasts: a working day, then log in again.
pub const SESSION_SECS: i64 = 8 * 3600;
/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;
/// The largest request body the portal and the API read.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The header that carries the CSRF token of a cookie-authenticated API write.
pub const CSRF_HEADER: &str = "x-csrf-token";

// ---------------------------------------------------------------------------
// Secrets

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new API token; the prefix makes a leaked one recognisable in logs and
/// secret scanners.
pub fn new_api_token() -> String {
    format!("zicht_{}", random_token())
}

/// What the store keeps of a session or API token. The tokens carry 256
/// random bits, so a fast unsalted hash suffices: there is nothing to guess.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password a person can type from a screen: 20 characters without the
/// look-alikes (0/O, 1/l/I), about 115 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps every character equally likely.
        let i = usize::from(b[0]);
        if i < 256 - 256 % ALPHABET.len() {
            out.push(char::from(ALPHABET[i % ALPHABET.len()]));
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("a password has at most 1024 characters")]
    TooLong,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Checks the length rule; the one rule, because length is what makes a
/// password strong.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Err(PasswordError::TooShort)
    } else if n > 1024 {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// The argon2id PHC string of `password` (argon2's defaults, which follow
/// the OWASP minimum). Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_password(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `phc`. An unreadable hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so that an unknown
/// login costs as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Password verifications that may run at once.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Checks a login attempt: the user when `password` is theirs and they may
/// log in. Costs one argon2 verification whatever the outcome.
pub async fn check_login(
    store: &zicht_store::Store,
    login: &str,
    password: &str,
) -> Result<Option<User>, ApiError> {
    let found = if zicht_store::check_login(login).is_ok() {
        store
            .login_credentials(login)
            .await
            .map_err(ApiError::internal)?
    } else {
        None
    };
    let phc = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    // Each verification takes argon2's memory (19 MiB); a few at a time
    // keep a flood of logins from exhausting the machine.
    let permit = tokio::time::timeout(Duration::from_secs(10), VERIFYING.acquire())
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "too many logins at once: try again in a moment",
            )
        })?
        .map_err(ApiError::internal)?;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(ApiError::internal)?;
    drop(permit);
    Ok(match found {
        Some((user, _)) if ok && !user.disabled => Some(user),
        _ => None,
    })
}

// ---------------------------------------------------------------------------
// Cookies

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always HttpOnly and SameSite=Strict, Secure unless
/// the server was told to serve plain HTTP to other hosts.
pub fn set_cookie(secure: bool, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

// ---------------------------------------------------------------------------
// The current user

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The logged-in user of a request. Take it as an extractor: without a
/// user, a portal page redirects to `/portal/login` and an API call answers
/// 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The supplier's organisation; `None` for admins and editors.
    pub organisation: Option<String>,
    /// The session's CSRF token, for the hidden field of every form; empty
    /// when authenticated by an API token (which needs none).
    pub csrf: String,
    pub via: Via,
    /// Whether the request was for the JSON API, which decides how a
    /// refusal is answered.
    api: bool,
    session_hash: Option<String>,
}

impl CurrentUser {
    fn new(user: User, csrf: String, via: Via, api: bool, session_hash: Option<String>) -> Self {
        CurrentUser {
            id: user.id,
            login: user.login,
            name: user.name,
            role: user.role,
            organisation: user.organisation,
            csrf,
            via,
            api,
            session_hash,
        }
    }

    /// Refuses (403) unless the user has one of `roles`:
    /// `user.require(&[Role::Admin, Role::Editor])?;`
    pub fn require(&self, roles: &[Role]) -> Result<(), Refused> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Refused::Forbidden { api: self.api })
        }
    }

    /// Whether the user has one of `roles` (for showing links, not for
    /// guarding: guard with [`CurrentUser::require`]).
    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    pub(crate) fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref()
    }
}

/// What [`authenticate`] found, for the extractors.
#[derive(Clone)]
struct Authenticated(Option<CurrentUser>);

/// Why a request is refused.
#[derive(Debug)]
pub enum Refused {
    /// Nobody is logged in.
    Anonymous { api: bool },
    /// Logged in, but the role may not.
    Forbidden { api: bool },
    /// A write without the right CSRF token, or from another site.
    Csrf { api: bool },
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Anonymous { api: true } => ApiError {
                status: StatusCode::UNAUTHORIZED,
                message: "log in first: send Authorization: Bearer TOKEN (make one at /portal/tokens) or the session cookie".into(),
            }
            .into_response(),
            Refused::Anonymous { api: false } => Redirect::to("/portal/login").into_response(),
            Refused::Forbidden { api: true } => ApiError {
                status: StatusCode::FORBIDDEN,
                message: "your role may not do this".into(),
            }
            .into_response(),
            Refused::Forbidden { api: false } => crate::portal::error_page(
                StatusCode::FORBIDDEN,
                "Geen toegang",
                "Not allowed",
                "Uw rol mag dit niet.",
                "Your role may not do this.",
            ),
            Refused::Csrf { api: true } => ApiError {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "a write with the session cookie needs the header {CSRF_HEADER} (the csrf of GET /api/me) and must come from this site"
                ),
            }
            .into_response(),
            Refused::Csrf { api: false } => crate::portal::error_page(
                StatusCode::FORBIDDEN,
                "Formulier geweigerd",
                "Form refused",
                "Het formulier was verlopen of kwam van een andere site. Laad de pagina opnieuw en probeer het nog eens.",
                "The form had expired or came from another site. Reload the page and try again.",
            ),
        }
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refused> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(u))) => Ok(u.clone()),
            _ => Err(Refused::Anonymous {
                api: is_api(parts.uri.path()),
            }),
        }
    }
}

/// `Option<CurrentUser>`: for pages that anyone may see, such as the login
/// page.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(u)) => u.clone(),
            None => None,
        })
    }
}

/// An extractor that admits admins only.
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin])?;
        Ok(Admin(u))
    }
}

/// An extractor that admits those who edit the monitor: editors and admins.
#[derive(Debug, Clone)]
pub struct Editor(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Editor {
    type Rejection = Refused;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        let u = CurrentUser::from_request_parts(parts, state).await?;
        u.require(&[Role::Admin, Role::Editor])?;
        Ok(Editor(u))
    }
}

// ---------------------------------------------------------------------------
// The middleware

/// Whether a browser says the request comes from another site. Requests
/// without these headers (scripts, curl) are judged by their credentials.
fn cross_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.to_str(), Ok("same-origin" | "none")) {
            return true;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return true;
        };
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        return origin_host.is_none() || origin_host != host;
    }
    false
}

fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Authenticates every `/portal` and `/api` request and guards their writes
/// (see the module documentation).
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let api = is_api(&path);
    if !(api || path == "/portal" || path.starts_with("/portal/")) {
        return next.run(req).await;
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write && cross_origin(req.headers()) {
        return Refused::Csrf { api }.into_response();
    }

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let user = if let (true, Some(auth)) = (api, bearer) {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return ApiError {
                status: StatusCode::UNAUTHORIZED,
                message: "Authorization takes 'Bearer TOKEN'".into(),
            }
            .into_response();
        };
        match state.store.user_by_token(&hash_token(token)).await {
            Ok(Some((user, _))) => Some(CurrentUser::new(
                user,
                String::new(),
                Via::Token,
                true,
                None,
            )),
            Ok(None) => {
                return ApiError {
                    status: StatusCode::UNAUTHORIZED,
                    message: "unknown or revoked API token".into(),
                }
                .into_response()
            }
            Err(e) => return ApiError::internal(e).into_response(),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        let hash = hash_token(token);
        match state.store.session(&hash).await {
            Ok(Some(s)) => Some(CurrentUser::new(
                s.user,
                s.csrf,
                Via::Session,
                api,
                Some(hash),
            )),
            Ok(None) => None,
            Err(e) => return ApiError::internal(e).into_response(),
        }
    } else {
        None
    };

    let mut req = req;
    if write {
        let session_csrf = user
            .as_ref()
            .filter(|u| u.via == Via::Session)
            .map(|u| u.csrf.clone());
        if api {
            if let Some(expected) = session_csrf {
                let sent = req
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !same_secret(sent, &expected) {
                    return Refused::Csrf { api }.into_response();
                }
            }
        } else {
            // The login form has no session yet: its token is the one the
            // login page put in a cookie (double submit).
            let expected = if path == "/portal/login" {
                cookie(req.headers(), LOGIN_COOKIE).map(str::to_owned)
            } else {
                session_csrf
            };
            if let Some(expected) = expected {
                let (parts, body) = req.into_parts();
                // A file upload is multipart and may be larger; its route
                // sets its own limit for the handler.
                let content_type = parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let multipart = content_type.starts_with("multipart/form-data");
                let limit = if multipart {
                    crate::work::UPLOAD_LIMIT + BODY_LIMIT
                } else {
                    BODY_LIMIT
                };
                let bytes = match axum::body::to_bytes(body, limit).await {
                    Ok(b) => b,
                    Err(_) => {
                        return crate::portal::error_page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "Te groot",
                            "Too large",
                            "Het formulier is te groot.",
                            "The form is too large.",
                        )
                    }
                };
                let sent = if multipart {
                    multipart_field(&content_type, bytes.clone(), "csrf").await
                } else {
                    form_urlencoded_field(&bytes, "csrf")
                };
                if !same_secret(sent.as_deref().unwrap_or(""), &expected) {
                    return Refused::Csrf { api }.into_response();
                }
                req = Request::from_parts(parts, Body::from(bytes));
            } else if path == "/portal/login" {
                return Refused::Csrf { api }.into_response();
            }
            // A portal write without a session is let through: its handler
            // sends the visitor to the login page, and changes nothing.
        }
    }
    req.extensions_mut().insert(Authenticated(user));
    next.run(req).await
}

/// A text field of a multipart form. The portal's forms put `csrf` first,
/// as browsers send fields in document order, so it is within the body's
/// first [`BODY_LIMIT`] bytes, which are all that is read; a form that puts
/// it after a file is refused.
async fn multipart_field(
    content_type: &str,
    body: axum::body::Bytes,
    name: &str,
) -> Option<String> {
    use axum::extract::FromRequest;
    let head = body.slice(..body.len().min(BODY_LIMIT));
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(head))
        .ok()?;
    let mut form = axum::extract::Multipart::from_request(req, &())
        .await
        .ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The client's address: as the socket saw it, or, from the trusted
/// proxy only, the last address its `X-Forwarded-For` names (the one the
/// proxy itself added; earlier entries are the client's to write).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back();
        Ok(ClientIp(client_ip(peer, forwarded, state.trusted_proxy)))
    }
}

/// See [`ClientIp`].
pub fn client_ip(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&str>,
    trusted_proxy: Option<std::net::IpAddr>,
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if Some(peer) == trusted_proxy {
        if let Some(client) = forwarded
            .and_then(|f| f.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok())
        {
            return client.to_string();
        }
    }
    peer.to_string()
}

/// One parameter of the query string; a malformed query has none, so a
/// handler never answers axum's plain-text rejection.
pub fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query()?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

// ---------------------------------------------------------------------------
// The login rate limit

/// Failed logins per key (a login, a client address) in a sliding window.
/// In memory: it resets on restart and is per process, which is enough for
/// one server; several servers behind a balancer would need it in the store.
pub struct RateLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max_failures: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic elsewhere must not lock everyone out: the map stays usable.
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an attempt on every key, or says how long to wait when a key
    /// is at its limit. Checked and counted under one lock, before the
    /// password is verified: concurrent attempts cannot all pass the check
    /// before any of them is counted. A successful attempt is taken back
    /// with [`RateLimiter::succeeded`].
    pub fn attempt(&self, keys: &[String]) -> Result<Instant, Duration> {
        let now = Instant::now();
        let mut map = self.lock();
        let mut wait: Option<Duration> = None;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    q.pop_front();
                }
                if q.len() >= self.max_failures {
                    let oldest = q[q.len() - self.max_failures];
                    let w = self.window.saturating_sub(now.duration_since(oldest));
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        if let Some(w) = wait {
            return Err(w);
        }
        if map.len() > 100_000 {
            // Bounded memory under a spray of logins: forget the settled ones.
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            q.push_back(now);
            while q.len() > self.max_failures {
                q.pop_front();
            }
        }
        Ok(now)
    }

    /// Takes back a counted attempt that succeeded, and forgets the login's
    /// earlier failures: a user who logs in is not held to them.
    pub fn succeeded(&self, keys: &[String], attempt: Instant) {
        let mut map = self.lock();
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                if let Some(i) = q.iter().rposition(|t| *t == attempt) {
                    q.remove(i);
                }
            }
        }
        if let Some(login) = keys.first() {
            map.remove(login);
        }
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert!(check_password(&p).is_ok());
        assert_ne!(p, generate_password());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(hash_token(&t).len(), 64);
        assert_ne!(hash_token(&t), t);
        assert!(new_api_token().starts_with("zicht_"));
    }

    #[test]
    fn the_limiter_counts_before_verifying_and_forgives_a_success() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let k = vec!["login:a".to_owned(), "ip:1".to_owned()];
        // Two attempts in flight at once are both counted: the third waits.
        assert!(l.attempt(&k).is_ok());
        let second = l.attempt(&k).unwrap();
        assert!(l.attempt(&k).unwrap_err() <= Duration::from_secs(60));
        assert!(l.attempt(&["ip:1".to_owned()]).is_err());
        assert!(l.attempt(&["login:b".to_owned()]).is_ok());
        // A success takes its own attempt back and the login's failures.
        l.succeeded(&k, second);
        assert!(l.attempt(&["login:a".to_owned()]).is_ok());
        let quick = RateLimiter::new(1, Duration::ZERO);
        assert!(quick.attempt(&k).is_ok());
        assert!(quick.attempt(&k).is_ok(), "attempts leave the window");
    }

    #[test]
    fn only_the_trusted_proxy_names_the_client() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let proxy = Some(ip("10.0.0.1"));
        // Behind the proxy: the entry the proxy added, not what the client
        // wrote before it.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("6.6.6.6, 203.0.113.7"), proxy),
            "203.0.113.7"
        );
        // Anyone else's header is ignored.
        assert_eq!(
            client_ip(Some(ip("198.51.100.2")), Some("203.0.113.7"), proxy),
            "198.51.100.2"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("203.0.113.7"), None),
            "10.0.0.1"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("junk"), proxy),
            "10.0.0.1"
        );
        assert_eq!(client_ip(None, None, proxy), "unknown");
    }

    #[tokio::test]
    async fn concurrent_attempts_cannot_pass_the_check_together() {
        let l = std::sync::Arc::new(RateLimiter::new(5, Duration::from_secs(60)));
        let k = vec!["login:a".to_owned(), "ip:1".to_owned()];
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (l, k) = (l.clone(), k.clone());
                tokio::spawn(async move { l.attempt(&k).is_ok() })
            })
            .collect();
        let mut passed = 0;
        for t in tasks {
            passed += usize::from(t.await.unwrap());
        }
        assert_eq!(passed, 5);
    }

    #[test]
    fn cross_origin_writes_are_recognised() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(!cross_origin(&h(&[])));
        assert!(!cross_origin(&h(&[
            ("host", "a.nl"),
            ("origin", "https://a.nl")
        ])));
        assert!(cross_origin(&h(&[
            ("host", "a.nl"),
            ("origin", "https://b.nl")
        ])));
        assert!(cross_origin(&h(&[("host", "a.nl"), ("origin", "null")])));
        assert!(cross_origin(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_origin(&h(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_origin(&h(&[("sec-fetch-site", "same-origin")])));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut m = HeaderMap::new();
        m.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; zicht_session=xyz; b=2"),
        );
        assert_eq!(cookie(&m, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&m, "c"), None);
        let c = set_cookie(true, SESSION_COOKIE, "t", "/", 60);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
    }
}
