//! HTTP for zicht: the published monitor and a read-only JSON API over the
//! public data, from the store. The only crate that knows HTTP.
//!
//! Every cell it answers with comes from the release path
//! ([`zicht_release::public_moments`]): the site is built by
//! [`zicht_publish::site::build`], which applies it, and the API applies it
//! to every set of cells it reads ([`public_cells`]). Both are answered
//! from one public snapshot (`snapshot`), built once per change and
//! swapped in whole: rebuilt after a write through the server, when
//! [`zicht_store::Store::revision`] changes, and at the next embargo
//! instant, so a load or a release shows without a restart, and an edition
//! appears at its embargo time and not a second before.
//!
//! The working side lives beside it: the portal (`/portal/…`, HTML forms)
//! and the account API (`/api/me`, `/api/users`, …), behind the login,
//! session, CSRF and role checks of [`auth`].

mod accounts_api;
mod api;
pub mod auth;
mod encoded_api;
pub mod error;
pub mod openapi;
pub mod portal;
mod rounds_api;
mod snapshot;
pub mod work;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::Mutex;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, TraceLayer};
use zicht_publish::site::Site;
use zicht_store::Store;

use crate::snapshot::{Publisher, Snapshot};
pub use error::Error;

pub use zicht_service::{public_cells, site_input, text_warnings, LoadError};

/// The last edition preview built, by edition, embargo and revision.
type Preview = Option<(portal::PreviewKey, Arc<Site>)>;

/// What the handlers share: the store, the public snapshot, and the login
/// rate limit.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    published: Arc<Publisher>,
    limiter: Arc<auth::RateLimiter>,
    secure_cookies: bool,
    /// The reverse proxy whose `X-Forwarded-For` names the client, if any.
    trusted_proxy: Option<std::net::IpAddr>,
    /// The last edition preview built, by edition, embargo and revision.
    previews: Arc<Mutex<Preview>>,
    /// The linkage an editor started in the portal, by round: it runs in
    /// the background, and the round's encoded page shows how it went.
    linking: Arc<std::sync::Mutex<std::collections::HashMap<i64, portal::LinkJob>>>,
}

impl AppState {
    pub fn new(store: Store, edition: Option<String>) -> AppState {
        AppState {
            published: Arc::new(Publisher::new(store.clone(), edition)),
            store,
            // The back-offs are `auth::LOGIN_AT_ADDRESS`, `auth::ADDRESS`
            // and `auth::CODES`.
            limiter: Arc::new(auth::RateLimiter::new()),
            secure_cookies: true,
            trusted_proxy: None,
            previews: Arc::new(Mutex::new(None)),
            linking: Arc::default(),
        }
    }

    /// Sends cookies without `Secure`, for plain HTTP to a host other than
    /// the loopback (browsers keep Secure cookies on http://127.0.0.1 and
    /// http://localhost). Only by explicit choice: `zicht serve
    /// --insecure-cookies`.
    pub fn insecure_cookies(mut self) -> AppState {
        self.secure_cookies = false;
        self
    }

    /// Takes the client's address from `X-Forwarded-For` when the request
    /// comes from this proxy (`zicht serve --trusted-proxy`). Behind a TLS
    /// proxy every request otherwise has the proxy's address, and the
    /// failed logins of anyone would lock out everyone behind it.
    pub fn trust_proxy(mut self, proxy: std::net::IpAddr) -> AppState {
        self.trusted_proxy = Some(proxy);
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The public snapshot: the current one, without waiting for a
    /// rebuild under way.
    async fn snapshot(&self) -> Result<Arc<Snapshot>, Error> {
        self.published.snapshot().await.map_err(Error::internal)
    }

    /// Brings the public snapshot up to date with the store now, as a
    /// write through the server does; `zicht serve` calls it before it
    /// listens, so the first reader does not wait.
    pub async fn publish(&self) -> Result<(), String> {
        self.published
            .refresh()
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The security headers of every response. The site has no script at all
/// and takes its style from its own stylesheet.
const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";
/// The portal's: the same, except that its forms post to itself.
const PORTAL_CSP: &str = "default-src 'self'; script-src 'none'; form-action 'self'; \
                          frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Sets the CSP by area and keeps anything personal out of caches: every
/// portal page, and every API answer to a request that carried credentials.
async fn area_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let portal = path == "/portal" || path.starts_with("/portal/");
    let personal = portal
        || req.headers().contains_key(header::COOKIE)
        || req.headers().contains_key(header::AUTHORIZATION);
    let had_flash = portal && auth::cookie(req.headers(), portal::FLASH_COOKIE).is_some();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if portal { PORTAL_CSP } else { CSP }),
    );
    // A browser sends `Origin: null` with a form posted from a page under
    // `no-referrer` (Fetch spec), which the origin check must refuse; the
    // portal's pages therefore keep the origin for themselves.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(if portal { "same-origin" } else { "no-referrer" }),
    );
    if personal {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A flash message is shown once: the page that showed it clears it.
    if had_flash && !res.status().is_redirection() {
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static(
                "zicht_flash=; HttpOnly; SameSite=Strict; Path=/portal; Max-Age=0",
            ),
        );
    }
    res
}

/// A write that went through (the portal's and the API's, whatever they
/// change) is answered only once the public snapshot shows it.
async fn publish_after_write(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    let status = res.status();
    if write && !status.is_client_error() && !status.is_server_error() {
        state.published.after_write().await;
    }
    res
}

/// The whole application: the API under `/api/`, the site everywhere else.
pub fn app(state: AppState) -> Router {
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "interest-cohort=()",
        ),
    ];
    let mut router = api::routes()
        .merge(accounts_api::routes())
        .merge(rounds_api::routes())
        .merge(encoded_api::routes())
        .merge(portal::routes())
        .fallback(site_file)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(auth::BODY_LIMIT))
        // Inside the headers of the area, outside everything that can fail.
        .layer(axum::middleware::from_fn(error::faces))
        // Outside the faces, so that an error page too is in the reader's
        // language.
        .layer(axum::middleware::from_fn(portal::lang::choose))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            publish_after_write,
        ))
        .layer(axum::middleware::from_fn(area_headers))
        // One span per request (method, path, version), so what is logged
        // while answering says which request it was.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO)),
        )
        .with_state(state);
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

async fn site_file(
    axum::extract::State(state): axum::extract::State<AppState>,
    method: Method,
    uri: Uri,
    request: HeaderMap,
) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return Error::NotFound(format!("no such API path: {path}; see /api/openapi.json"))
            .into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let snapshot = match state.snapshot().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // A directory without its slash: redirect, so relative links resolve.
    if !path.ends_with('/')
        && !path.rsplit('/').next().unwrap_or("").contains('.')
        && snapshot.is_directory(path)
    {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("{path}/"))],
        )
            .into_response();
    }
    match snapshot.site_file(path) {
        Some(entry) => entry.respond(&request),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Niet gevonden · Not found</title>\
             <link rel=\"stylesheet\" href=\"/style.css\"></head><body><main><h1>Niet gevonden · Not found</h1>\
             <p><a href=\"/index.html\">zicht</a></p></main></body></html>",
        )
            .into_response(),
    }
}

/// Serves the application on `addr` until interrupted (Ctrl-C or SIGTERM).
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    serve_with_mail(state, addr, None).await
}

/// Serves the application and, with a worker, sends the queued mail
/// beside it. On Ctrl-C or SIGTERM the worker finishes the mail it is
/// handing over before the server returns, so none is left half-recorded.
pub async fn serve_with_mail(
    state: AppState,
    addr: SocketAddr,
    mail: Option<zicht_mail::Worker>,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = mail.map(|w| {
        let mut stopped = stopped.clone();
        tokio::spawn(w.run(async move {
            // A closed channel (the server failed) stops the worker too.
            let _ = stopped.wait_for(|s| *s).await;
        }))
    });
    let served = serve_until(state, addr, async move {
        shutdown().await;
        let _ = stop.send(true);
    })
    .await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    served
}

async fn serve_until(
    state: AppState,
    addr: SocketAddr,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    // The first snapshot before the first request; a failure here is
    // logged and retried by the first reader.
    if let Err(e) = state.publish().await {
        tracing::error!(error = %e, "the public snapshot could not be built");
    }
    tokio::spawn(encoded_api::sweep_every_hour(state.store.clone()));
    tracing::info!("zicht serve: http://{local}/ (API: http://{local}/api/openapi.json)");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal)
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
