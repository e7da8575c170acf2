//! A browser for the portal's page tests: the application, the cookies it
//! holds, forms posted with their CSRF field, files uploaded as the upload
//! form sends them, and the login form (with a first login's second factor).

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;
use zicht_server::{app, auth, AppState};

/// The password the tests give every user.
pub const PASSWORD: &str = "a long enough password";

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The value of the first hidden CSRF field on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .map(|v| v.split_once('=').unwrap().1.to_owned())
    }
}

/// One browser: the application and the cookies it holds.
pub struct Browser {
    pub state: AppState,
    pub cookies: Vec<(String, String)>,
}

impl Browser {
    pub fn new(state: &AppState) -> Browser {
        Browser {
            state: state.clone(),
            cookies: Vec::new(),
        }
    }

    pub async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if cookie.is_empty() {
            req
        } else {
            req.header(header::COOKIE, cookie)
        };
        let mut req = req.body(body).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo("192.0.2.7:5000".parse::<SocketAddr>().unwrap()));
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for name in [
            auth::SESSION_COOKIE,
            auth::LOGIN_COOKIE,
            "zicht_flash",
            "zicht_lang",
        ] {
            if let Some(v) = page.cookie(name) {
                self.cookies.retain(|(k, _)| k != name);
                if !v.is_empty() {
                    self.cookies.push((name.to_owned(), v));
                }
            }
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form with the CSRF field of `csrf`.
    pub async fn post(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Uploads a file as the upload form does: the CSRF field first.
    pub async fn upload(&mut self, path: &str, csrf: &str, name: &str, bytes: &[u8]) -> Page {
        let boundary = "zicht-test-boundary-7c1e";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    /// Logs in through the login form and lands on the portal's home.
    pub async fn login(state: &AppState, login: &str) -> Browser {
        let mut b = Browser::new(state);
        let page = b.get("/portal/login").await;
        let csrf = page.csrf();
        let res = b
            .post(
                "/portal/login",
                &csrf,
                &[("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        if res.location() == "/portal/second-factor/enrol" {
            // An editor's first login: set up the second factor as a person
            // does, typing the code their app computes from the secret.
            let page = b.get("/portal/second-factor/enrol").await;
            let marker = "class=\"totp-secret\">";
            let start = page.body.find(marker).expect("the secret is shown") + marker.len();
            let secret = page.body[start..].split('<').next().unwrap().to_owned();
            let code = super::totp_code(&secret, 0);
            let done = b
                .post(
                    "/portal/second-factor/enrol",
                    &page.csrf(),
                    &[("code", code.as_str())],
                )
                .await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            assert!(done.body.contains("recovery-codes"), "{}", done.body);
        } else {
            assert_eq!(res.location(), "/portal/");
        }
        let home = b.get("/portal/").await;
        assert_eq!(home.status, StatusCode::OK, "{login} reaches the portal");
        b
    }
}
