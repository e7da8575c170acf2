//! HTTP for zicht: the published monitor and a read-only JSON API over the
//! public data, from the store. The only crate that knows HTTP.
//!
//! Every cell it answers with comes from the release path
//! ([`zicht_release::public_moments`]): the site is built by
//! [`zicht_publish::site::build`], which applies it, and the API applies it
//! to every set of cells it reads ([`public_cells`]). The built site is
//! cached and rebuilt when [`zicht_store::Store::revision`] changes or an
//! embargo passes, so a load or a release shows without a restart, and an
//! edition appears at its embargo time and not a second before.

mod api;
mod load;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::Mutex;
use tower_http::set_header::SetResponseHeaderLayer;
use zicht_publish::site::Site;
use zicht_store::Store;

pub use load::{public_cells, site_input, LoadError};

/// The site built at a store revision, with the documents that were still
/// under embargo when it was built.
type Cached = Option<((i64, Vec<String>), Arc<Site>)>;

/// What the handlers share: the store, and the site built at a revision.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    edition: Option<String>,
    site: Arc<Mutex<Cached>>,
}

impl AppState {
    pub fn new(store: Store, edition: Option<String>) -> AppState {
        AppState {
            store,
            edition,
            site: Arc::new(Mutex::new(None)),
        }
    }

    /// The site for the store's current revision and the embargoes that
    /// have passed, built once per such state.
    async fn site(&self) -> Result<Arc<Site>, ApiError> {
        let now = time::OffsetDateTime::now_utc();
        let revision = self.store.revision().await.map_err(ApiError::internal)?;
        let closed: Vec<String> = self
            .store
            .catalogue()
            .await
            .map_err(ApiError::internal)?
            .documents
            .iter()
            .filter(|d| !d.is_public_at(now))
            .map(|d| d.id.to_string())
            .collect();
        let key = (revision, closed);
        let mut cached = self.site.lock().await;
        if let Some((k, site)) = cached.as_ref() {
            if *k == key {
                return Ok(site.clone());
            }
        }
        let input = site_input(&self.store, self.edition.as_deref(), now)
            .await
            .map_err(ApiError::internal)?;
        let site = tokio::task::spawn_blocking(move || zicht_publish::site::build(&input))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        let site = Arc::new(site);
        *cached = Some((key, site.clone()));
        Ok(site)
    }
}

/// An error as the API answers it: a status and a message, never internals.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
    /// A failure inside: logged in full, answered without detail.
    fn internal(e: impl std::fmt::Display) -> ApiError {
        eprintln!("zicht serve: internal error: {e}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error: the server could not answer; try again later".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// The security headers of every response. The site has no script at all
/// and takes its style from its own stylesheet.
const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// The whole application: the API under `/api/`, the site everywhere else.
pub fn app(state: AppState) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "interest-cohort=()",
        ),
    ];
    let mut router = api::routes().fallback(site_file).with_state(state);
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
) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found(format!("no such API path: {path}; see /api/openapi.json"))
            .into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let site = match state.site().await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // A directory without its slash: redirect, so relative links resolve.
    if !path.ends_with('/')
        && !path.rsplit('/').next().unwrap_or("").contains('.')
        && site
            .files
            .contains_key(&format!("{}/index.html", path.trim_start_matches('/')))
    {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("{path}/"))],
        )
            .into_response();
    }
    match site.get(path) {
        Some(bytes) => {
            let name = if path.ends_with('/') { "index.html" } else { path };
            Response::builder()
                .header(header::CONTENT_TYPE, Site::content_type(name))
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Body::from(bytes.to_vec()))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
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
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    eprintln!("zicht serve: http://{local}/ (API: http://{local}/api/openapi.json)");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown())
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
