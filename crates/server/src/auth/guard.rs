//! The middleware before every `/portal` and `/api` handler: who is asking
//! (session cookie or bearer token), and the CSRF and cross-origin guards of
//! every write.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http_body::Body as _;
use subtle::ConstantTimeEq;
use zicht_service::accounts::{owed, Owed};

use super::user::Authenticated;
use super::{
    cookie, hash_token, CurrentUser, Via, BODY_LIMIT, CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE,
};
use crate::{AppState, Error};

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
    let api = path == "/api" || path.starts_with("/api/");
    if !(api || path == "/portal" || path.starts_with("/portal/")) {
        return next.run(req).await;
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write && cross_origin(req.headers()) {
        return Error::Csrf.into_response();
    }

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let user = if let (true, Some(auth)) = (api, bearer) {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return Error::Anonymous("Authorization takes 'Bearer TOKEN'".into()).into_response();
        };
        match state.store.user_by_token(&hash_token(token)).await {
            // A token is made at the terminal or by a session that passed
            // every step, so it owes none of them.
            Ok(Some((user, _))) => Some(CurrentUser::new(
                user,
                String::new(),
                Via::Token,
                None,
                None,
            )),
            Ok(None) => {
                return Error::Anonymous("unknown or revoked API token".into()).into_response()
            }
            Err(e) => return Error::internal(e).into_response(),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        let hash = hash_token(token);
        match state.store.session(&hash).await {
            Ok(Some(s)) => {
                let owed = owed(&s.user, s.second_factor_passed);
                Some(CurrentUser::new(
                    s.user,
                    s.csrf,
                    Via::Session,
                    Some(hash),
                    owed,
                ))
            }
            Ok(None) => None,
            Err(e) => return Error::internal(e).into_response(),
        }
    } else {
        None
    };

    // A session that owes a step (a code, a new password, a second factor
    // to set up) reaches only that step's pages and the logout.
    if let Some(step) = user.as_ref().and_then(|u| u.owed) {
        if !allowed_while_owed(step, &path) {
            return if api {
                Error::Forbidden(format!(
                    "{} first, in the portal ({})",
                    match step {
                        Owed::Code => "give the code of your second factor",
                        Owed::PasswordChange => "change your password",
                        Owed::Enrolment => "set up a second factor",
                    },
                    step_page(step)
                ))
                .into_response()
            } else {
                Redirect::to(step_page(step)).into_response()
            };
        }
    }

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
                    return Error::Csrf.into_response();
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
                let content_type = parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let too_large = || {
                    crate::portal::error_page(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Te groot",
                        "Too large",
                        "Het formulier is te groot.",
                        "The form is too large.",
                    )
                };
                if content_type.starts_with("multipart/form-data") {
                    // A file upload may be far larger than a form: only its
                    // head is read here, for the CSRF field the portal's
                    // forms put first, and the whole body, head and rest,
                    // streams on to the handler, whose route sets the limit.
                    let Ok((head, rest)) = read_head(body, BODY_LIMIT).await else {
                        return Error::BadRequest("the upload broke off".into()).into_response();
                    };
                    let sent = multipart_field(&content_type, head.clone(), "csrf").await;
                    if !same_secret(sent.as_deref().unwrap_or(""), &expected) {
                        return Error::Csrf.into_response();
                    }
                    req = Request::from_parts(
                        parts,
                        Body::new(Prefixed {
                            head: Some(head),
                            rest,
                        }),
                    );
                } else {
                    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
                        Ok(b) => b,
                        Err(_) => return too_large(),
                    };
                    let sent = form_urlencoded_field(&bytes, "csrf");
                    if !same_secret(sent.as_deref().unwrap_or(""), &expected) {
                        return Error::Csrf.into_response();
                    }
                    req = Request::from_parts(parts, Body::from(bytes));
                }
            } else if path == "/portal/login" {
                return Error::Csrf.into_response();
            }
            // A portal write without a session is let through: its handler
            // sends the visitor to the login page, and changes nothing.
        }
    }
    req.extensions_mut().insert(Authenticated(user));
    next.run(req).await
}

/// The page where a session does what it owes.
pub fn step_page(step: Owed) -> &'static str {
    match step {
        Owed::Code => "/portal/second-factor",
        Owed::PasswordChange => "/portal/password",
        Owed::Enrolment => "/portal/second-factor/enrol",
    }
}

/// What a session that owes `step` may still reach: that step's page (and
/// its API twin), the logout, the style sheet and who am I.
fn allowed_while_owed(step: Owed, path: &str) -> bool {
    let common = matches!(path, "/portal/logout" | "/portal/style.css" | "/api/me")
        || path.starts_with("/portal/lang/");
    common
        || match step {
            Owed::Code => path == "/portal/second-factor",
            Owed::PasswordChange => matches!(path, "/portal/password" | "/api/password"),
            Owed::Enrolment => matches!(
                path,
                "/portal/second-factor/enrol"
                    | "/api/second-factor/enrol"
                    | "/api/second-factor/confirm"
            ),
        }
}

/// The first `at_least` bytes of a body (or all of it, if shorter), as the
/// frames arrive, and the body that is left.
async fn read_head(mut body: Body, at_least: usize) -> Result<(Bytes, Body), axum::Error> {
    let mut head = Vec::new();
    while head.len() < at_least {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    head.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    Ok((Bytes::from(head), body))
}

/// A body whose head was read already: the head, then the rest as it comes.
struct Prefixed {
    head: Option<Bytes>,
    rest: Body,
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        if let Some(head) = self.head.take().filter(|h| !h.is_empty()) {
            return Poll::Ready(Some(Ok(http_body::Frame::data(head))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.head.as_ref().is_none_or(|h| h.is_empty()) && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let head = self.head.as_ref().map_or(0, |h| h.len() as u64);
        let rest = self.rest.size_hint();
        let mut hint = http_body::SizeHint::new();
        hint.set_lower(rest.lower() + head);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + head);
        }
        hint
    }
}

/// A text field of a multipart form. The portal's forms put `csrf` first,
/// as browsers send fields in document order, so it is within the body's
/// first [`BODY_LIMIT`] bytes, which are all that is read; a form that puts
/// it after a file is refused.
async fn multipart_field(content_type: &str, head: Bytes, name: &str) -> Option<String> {
    use axum::extract::FromRequest;
    // A body may arrive as one frame far larger than its head; past the
    // head, the extractor's own default limit would refuse it.
    let head = head.slice(..head.len().min(BODY_LIMIT));
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
}
