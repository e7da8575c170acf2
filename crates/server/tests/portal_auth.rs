//! Accounts, login and access on the real store (SQLite, and PostgreSQL when
//! `ZICHT_TEST_POSTGRES_URL` is set): the route × role table, login and its
//! rate limit, CSRF, API tokens, disabled users, and secrets that never leak.
//!
//! A new route: add a row to [`ROUTES`] with who may call it.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;
use zicht_model::Role;
use zicht_server::{app, auth, AppState};
use zicht_store::{AuditFilter, Store};

// --- the route × role table ----------------------------------------------------

/// Whether a caller gets through.
#[derive(Clone, Copy, Debug, PartialEq)]
enum May {
    /// Let through: a real answer, anything but 401, 403, 404 or a
    /// redirect to the login page.
    Yes,
    /// Refused: 403; for an anonymous caller a redirect to `/portal/login`
    /// on the portal, 401 on the API.
    No,
}
use May::{No, Yes};

struct Route {
    method: &'static str,
    path: &'static str,
    /// A form body for the portal (the CSRF field is added), JSON for the API.
    body: &'static str,
    /// anonymous, supplier, editor, admin.
    may: [May; 4],
}

const fn r(method: &'static str, path: &'static str, body: &'static str, may: [May; 4]) -> Route {
    Route {
        method,
        path,
        body,
        may,
    }
}

/// Every route of the working side and who may call it. Portal rows are
/// called with a session cookie, API rows with a bearer token.
const ROUTES: &[Route] = &[
    r("GET", "/portal/login", "", [Yes, Yes, Yes, Yes]),
    r("GET", "/portal/", "", [No, Yes, Yes, Yes]),
    r("POST", "/portal/logout", "", [No, Yes, Yes, Yes]),
    r("GET", "/portal/users", "", [No, No, No, Yes]),
    r(
        "POST",
        "/portal/users",
        "login=table-p&name=T&role=editor",
        [No, No, No, Yes],
    ),
    r(
        "POST",
        "/portal/users/nobody/disable",
        "",
        [No, No, No, Yes],
    ),
    r("POST", "/portal/users/nobody/enable", "", [No, No, No, Yes]),
    r(
        "POST",
        "/portal/users/nobody/contact",
        "email=nobody%40example.org&language=en",
        [No, No, No, Yes],
    ),
    r(
        "POST",
        "/portal/users/nobody/password",
        "",
        [No, No, No, Yes],
    ),
    r("GET", "/portal/tokens", "", [No, Yes, Yes, Yes]),
    r("POST", "/portal/tokens", "name=table", [No, Yes, Yes, Yes]),
    r(
        "POST",
        "/portal/tokens/{token}/revoke",
        "",
        [No, Yes, Yes, Yes],
    ),
    r("GET", "/portal/audit", "", [No, No, No, Yes]),
    // Rounds, deliveries, release and texts, on the round and the signed-off
    // delivery of [`Fixtures`]: a caller let through gets a real answer,
    // never a 404.
    r("GET", "/portal/rounds", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/rounds",
        "edition=kib-2025&title=T&due=2026-01-01",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/rounds/{round}", "", [No, No, Yes, Yes]),
    // Encoded records: the round asks comensha (the supplier's
    // organisation) for them; a linkage of the round exists.
    r(
        "GET",
        "/portal/rounds/{round}/encoded",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/rounds/{round}/encoded",
        "organisation=politie&delete_on=2099-12-31",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/rounds/{round}/encoded/file",
        "",
        [No, Yes, No, No],
    ),
    r(
        "POST",
        "/portal/rounds/{round}/link",
        "",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/linkages/{linkage}", "", [No, No, Yes, Yes]),
    r(
        "GET",
        "/portal/linkages/{linkage}/histories.csv",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "GET",
        "/portal/deliveries/{delivery}",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/deliveries/{delivery}",
        "action=save",
        [No, Yes, No, No],
    ),
    r(
        "POST",
        "/portal/deliveries/{delivery}/upload",
        "",
        [No, Yes, No, No],
    ),
    r(
        "GET",
        "/portal/deliveries/{delivery}/template.csv",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "GET",
        "/portal/deliveries/{delivery}/template.xlsx",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/deliveries/{delivery}/accept",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/deliveries/{delivery}/return",
        "message=m",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/deliveries/{delivery}/reopen",
        "message=m&indicator=comensha.minor_victims&period=2024&breakdown=",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/history", "", [No, Yes, Yes, Yes]),
    r("GET", "/portal/editions", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/editions/kib-2025/embargo",
        "action=clear",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/editions/kib-2025/pre-release",
        "login=sup",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/editions/kib-2025/pre-release/revoke",
        "login=sup",
        [No, No, Yes, Yes],
    ),
    // After the revoke above: the supplier has no pre-release access.
    r(
        "GET",
        "/portal/editions/kib-2025/preview/",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "GET",
        "/portal/editions/kib-2025/preview/en/",
        "",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/texts", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/texts",
        "kind=text&body=%7B%7D",
        [No, No, Yes, Yes],
    ),
    r("GET", "/api/me", "", [No, Yes, Yes, Yes]),
    r("GET", "/api/users", "", [No, No, No, Yes]),
    r(
        "POST",
        "/api/users",
        r#"{"login":"table-a","name":"T","role":"editor"}"#,
        [No, No, No, Yes],
    ),
    r("POST", "/api/users/nobody/disable", "", [No, No, No, Yes]),
    r("POST", "/api/users/nobody/enable", "", [No, No, No, Yes]),
    r("POST", "/api/users/nobody/password", "", [No, No, No, Yes]),
    r("GET", "/api/tokens", "", [No, Yes, Yes, Yes]),
    r(
        "POST",
        "/api/tokens",
        r#"{"name":"table"}"#,
        [No, Yes, Yes, Yes],
    ),
    r("DELETE", "/api/tokens/{token}", "", [No, Yes, Yes, Yes]),
    r("GET", "/api/audit", "", [No, No, No, Yes]),
    // The round API, on the same round and delivery.
    r("GET", "/api/rounds", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/api/rounds",
        r#"{"edition":"nope","title":"","due":"x","requests":[]}"#,
        [No, No, Yes, Yes],
    ),
    r("GET", "/api/rounds/{round}", "", [No, No, Yes, Yes]),
    r(
        "GET",
        "/api/rounds/{round}/encoded",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "POST",
        "/api/rounds/{round}/encoded",
        r#"{"organisation":"politie","delete_on":"2099-12-31"}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "PUT",
        "/api/rounds/{round}/encoded/file",
        "",
        [No, Yes, No, No],
    ),
    r("POST", "/api/rounds/{round}/link", "", [No, No, Yes, Yes]),
    r("GET", "/api/linkages/{linkage}", "", [No, No, Yes, Yes]),
    r("GET", "/api/deliveries", "", [No, Yes, Yes, Yes]),
    r("GET", "/api/deliveries/{delivery}", "", [No, Yes, Yes, Yes]),
    r(
        "GET",
        "/api/deliveries/{delivery}/template.csv",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "GET",
        "/api/deliveries/{delivery}/template.xlsx",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "PUT",
        "/api/deliveries/{delivery}/draft",
        "indicator,period",
        [No, Yes, No, No],
    ),
    r(
        "POST",
        "/api/deliveries/{delivery}/submit",
        "",
        [No, Yes, No, No],
    ),
    r(
        "POST",
        "/api/deliveries/{delivery}/accept",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/api/deliveries/{delivery}/return",
        r#"{"message":"m"}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/api/deliveries/{delivery}/reopen",
        r#"{"indicator":"comensha.minor_victims","period":"2024","message":"m"}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "GET",
        "/api/deliveries/{delivery}/revisions",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "GET",
        "/api/deliveries/{delivery}/differences",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "GET",
        "/api/history?organisation=comensha",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "GET",
        "/api/history?organisation=politie",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "PUT",
        "/api/editions/kib-2025/embargo",
        r#"{"embargo":null}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "PUT",
        "/api/editions/kib-2025/pre-release/sup",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "DELETE",
        "/api/editions/kib-2025/pre-release/sup",
        "",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/api/definitions/recommendation",
        "{}",
        [No, No, Yes, Yes],
    ),
    r(
        "PUT",
        "/api/definitions/recommendation/39a",
        "{}",
        [No, No, Yes, Yes],
    ),
];

// --- harness ---------------------------------------------------------------

const PASSWORD: &str = "a long enough password";

struct Env {
    name: String,
    state: AppState,
    store: Store,
    _dir: tempfile::TempDir,
}

/// One application per backend, each on a fresh store holding the embedded
/// monitor's catalogue and the users root (admin), ed (editor) and sup
/// (supplier of comensha), all with [`PASSWORD`].
async fn envs(test: &str) -> Vec<Env> {
    let (dir, urls) = common::store_urls(test).await;
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let hash = auth::hash_password(PASSWORD).unwrap();
    let mut out = Vec::new();
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        store
            .load("test", Some(&monitor.catalogue), &[], None)
            .await
            .unwrap();
        common::add_users(
            &store,
            &[
                ("root", Role::Admin, None),
                ("ed", Role::Editor, None),
                ("sup", Role::Supplier, Some("comensha")),
            ],
            &hash,
        )
        .await;
        out.push(Env {
            name: url.split('?').next().unwrap_or(&url).to_owned(),
            state: AppState::new(store.clone(), None),
            store,
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    // The SQLite file lives in `dir`: keep it with the first env.
    out[0]._dir = dir;
    out
}

#[derive(Clone, Default)]
enum Who {
    #[default]
    Nobody,
    Session {
        token: String,
        csrf: String,
    },
    Bearer(String),
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

struct Call<'a> {
    method: &'a str,
    path: &'a str,
    body: String,
    who: Who,
    /// Add the session's CSRF token (form field or header) to a write.
    csrf: bool,
    headers: Vec<(&'a str, String)>,
    ip: &'a str,
}

fn call<'a>(method: &'a str, path: &'a str, who: &Who) -> Call<'a> {
    Call {
        method,
        path,
        body: String::new(),
        who: who.clone(),
        csrf: true,
        headers: Vec::new(),
        ip: "192.0.2.1",
    }
}

impl Call<'_> {
    fn body(mut self, b: &str) -> Self {
        self.body = b.to_owned();
        self
    }
    fn no_csrf(mut self) -> Self {
        self.csrf = false;
        self
    }
    fn header(mut self, k: &'static str, v: &str) -> Self {
        self.headers.push((k, v.to_owned()));
        self
    }
    fn ip(mut self, ip: &'static str) -> Self {
        self.ip = ip;
        self
    }
    async fn send(self, state: &AppState) -> Answer {
        let api = self.path.starts_with("/api/");
        let mut b = Request::builder()
            .method(Method::from_bytes(self.method.as_bytes()).unwrap())
            .uri(self.path);
        let mut body = self.body;
        match &self.who {
            Who::Nobody => {}
            Who::Session { token, csrf } => {
                b = b.header(header::COOKIE, format!("{}={token}", auth::SESSION_COOKIE));
                if self.csrf && self.method != "GET" {
                    if api {
                        b = b.header(auth::CSRF_HEADER, csrf);
                    } else {
                        let sep = if body.is_empty() { "" } else { "&" };
                        body = format!("{body}{sep}csrf={csrf}");
                    }
                }
            }
            Who::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        if !body.is_empty() || self.method != "GET" {
            b = b.header(
                header::CONTENT_TYPE,
                if api {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            );
        }
        for (k, v) in &self.headers {
            b = b.header(*k, v);
        }
        let mut req = b.body(Body::from(body)).unwrap();
        let addr: SocketAddr = format!("{}:5000", self.ip).parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = app(state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// A fresh session of `login`, made in the store as a login would.
async fn session(store: &Store, login: &str) -> Who {
    let user = store.user_by_login(login).await.unwrap().unwrap();
    let token = auth::random_token();
    let csrf = auth::random_token();
    store
        .create_session(user.id, &auth::hash_token(&token), &csrf, 3600)
        .await
        .unwrap();
    Who::Session { token, csrf }
}

/// A fresh API token of `login`.
async fn bearer(store: &Store, login: &str) -> Who {
    let user = store.user_by_login(login).await.unwrap().unwrap();
    let token = auth::new_api_token();
    store
        .create_token(None, user.id, "test", &auth::hash_token(&token))
        .await
        .unwrap();
    Who::Bearer(token)
}

/// Logs in through the login form, as a browser does.
async fn login_form(state: &AppState, login: &str, password: &str, ip: &'static str) -> Answer {
    let page = call("GET", "/portal/login", &Who::Nobody).send(state).await;
    assert_eq!(page.status, StatusCode::OK);
    let cookie = page.set_cookie(auth::LOGIN_COOKIE).expect("login cookie");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    assert!(page
        .body
        .contains(&format!("name=\"csrf\" value=\"{value}\"")));
    let body =
        serde_urlencoded::to_string([("login", login), ("password", password), ("csrf", &value)])
            .unwrap();
    call("POST", "/portal/login", &Who::Nobody)
        .body(&body)
        .header("cookie", &format!("{}={value}", auth::LOGIN_COOKIE))
        .ip(ip)
        .send(state)
        .await
}

/// A logout also ends on the login page, but ends the session cookie and
/// says so.
fn logged_out(a: &Answer) -> bool {
    a.set_cookie(auth::SESSION_COOKIE)
        .is_some_and(|c| c.contains("Max-Age=0"))
        && a.set_cookie("zicht_flash").is_some()
}

fn session_of(answer: &Answer) -> String {
    let c = answer
        .set_cookie(auth::SESSION_COOKIE)
        .expect("session cookie");
    c.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

// --- tests -----------------------------------------------------------------

/// What the table's routes name: the user `nobody`, a round of kib-2025
/// asking comensha for one cell, and comensha's delivery, signed off.
struct Fixtures {
    round: i64,
    delivery: i64,
    linkage: i64,
}

async fn fixtures(store: &Store) -> Fixtures {
    let hash = auth::hash_password(PASSWORD).unwrap();
    common::add_users(store, &[("nobody", Role::Editor, None)], &hash).await;
    let slug = |s: &str| zicht_model::Slug::parse(s).unwrap();
    let key = zicht_portal::CellKey {
        indicator: slug("comensha.minor_victims"),
        period: zicht_model::Period::parse("2024").unwrap(),
        breakdown: zicht_model::Breakdown::parse("").unwrap(),
    };
    let plan = zicht_portal::RoundPlan {
        edition: slug("kib-2025"),
        title: "Tabel".into(),
        due: "2099-12-31".into(),
        requests: vec![zicht_portal::Request {
            organisation: slug("comensha"),
            indicators: vec![key.indicator.clone()],
            periods: vec![key.period.clone()],
            breakdowns: Vec::new(),
        }],
    };
    let round = store
        .open_round(&zicht_portal::Actor::editor("ed"), &plan)
        .await
        .unwrap();
    let delivery = store.deliveries(round).await.unwrap()[0].id;
    let answer =
        zicht_portal::DeliveredCell::new(key, zicht_model::Figure::Exact { value: 12.0 }, None)
            .unwrap();
    store
        .submit(
            &zicht_portal::Actor::supplier("sup", slug("comensha")),
            delivery,
            &[answer],
        )
        .await
        .unwrap();
    store
        .ask_encoded(
            &zicht_portal::Actor::editor("ed"),
            round,
            &slug("comensha"),
            "2099-12-31".parse().unwrap(),
        )
        .await
        .unwrap();
    let linkage = store
        .save_linkage(
            Some("ed"),
            &zicht_store::NewLinkage {
                round_id: round,
                parameters: "{}",
                histories: "comensha,politie,count\n1,1,4\n",
                report: "Link report",
                linked: &[],
            },
        )
        .await
        .unwrap();
    Fixtures {
        round,
        delivery,
        linkage,
    }
}

/// A route's path with the fixtures' ids, and a token of the caller's own
/// where it names one.
async fn path_of(route: &Route, fx: &Fixtures, store: &Store, login: Option<&str>) -> String {
    let path = route
        .path
        .replace("{round}", &fx.round.to_string())
        .replace("{delivery}", &fx.delivery.to_string())
        .replace("{linkage}", &fx.linkage.to_string());
    if !path.contains("{token}") {
        return path;
    }
    let id = match login {
        Some(l) => {
            let user = store.user_by_login(l).await.unwrap().unwrap();
            store
                .create_token(
                    None,
                    user.id,
                    "table",
                    &auth::hash_token(&auth::new_api_token()),
                )
                .await
                .unwrap()
                .id
        }
        None => 999_999,
    };
    path.replace("{token}", &id.to_string())
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_of_its_row() {
    for env in envs("table").await {
        let fx = fixtures(&env.store).await;
        for route in ROUTES {
            let api = route.path.starts_with("/api/");
            for (i, login) in [None, Some("sup"), Some("ed"), Some("root")]
                .into_iter()
                .enumerate()
            {
                let who = match (login, api) {
                    (None, _) => Who::Nobody,
                    (Some(l), true) => bearer(&env.store, l).await,
                    (Some(l), false) => session(&env.store, l).await,
                };
                let path = path_of(route, &fx, &env.store, login).await;
                let a = call(route.method, &path, &who)
                    .body(route.body)
                    .send(&env.state)
                    .await;
                let what = format!(
                    "{}: {} {} as {}: {} {}",
                    env.name,
                    route.method,
                    route.path,
                    login.unwrap_or("anonymous"),
                    a.status,
                    a.body.chars().take(200).collect::<String>()
                );
                assert!(a.status.as_u16() < 500, "{what}");
                match (route.may[i], login, api) {
                    (Yes, _, _) => assert!(
                        a.status != StatusCode::UNAUTHORIZED
                            && a.status != StatusCode::FORBIDDEN
                            && a.status != StatusCode::NOT_FOUND
                            && (a.location() != "/portal/login" || logged_out(&a)),
                        "{what}: should be let through"
                    ),
                    (No, None, false) => {
                        assert_eq!(a.status, StatusCode::SEE_OTHER, "{what}");
                        assert_eq!(a.location(), "/portal/login", "{what}");
                    }
                    (No, None, true) => {
                        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}");
                        assert!(a.json()["error"].is_string(), "{what}");
                    }
                    (No, Some(_), _) => {
                        assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}");
                        if api {
                            assert!(a.json()["error"].is_string(), "{what}");
                        } else {
                            assert!(a.body.contains("Geen toegang"), "{what}");
                            assert!(a.body.contains("Not allowed"), "{what}");
                        }
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn login_logout_and_the_session_cookie() {
    for env in envs("login").await {
        let s = &env.state;
        let bad = login_form(s, "ed", "not the password!", "192.0.2.10").await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{}", env.name);
        assert!(bad.body.contains("Onbekende gebruikersnaam"));
        assert!(bad.set_cookie(auth::SESSION_COOKIE).is_none());
        let unknown = login_form(s, "nobody", PASSWORD, "192.0.2.10").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert!(
            unknown.body.contains("Onbekende gebruikersnaam"),
            "the same answer"
        );

        let ok = login_form(s, "ed", PASSWORD, "192.0.2.10").await;
        assert_eq!(
            ok.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            env.name,
            ok.body
        );
        assert_eq!(ok.location(), "/portal/");
        let cookie = ok.set_cookie(auth::SESSION_COOKIE).unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=28800",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        let token = session_of(&ok);
        let session = env
            .store
            .session(&auth::hash_token(&token))
            .await
            .unwrap()
            .expect("the store knows the session by its hash");
        assert_eq!(session.user.login, "ed");
        assert!(
            env.store.session(&token).await.unwrap().is_none(),
            "hash only"
        );

        let who = Who::Session {
            token: token.clone(),
            csrf: session.csrf.clone(),
        };
        let home = call("GET", "/portal/", &who).send(s).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("Name of ed") && home.body.contains("redacteur"));
        assert!(
            !home.body.contains("/portal/users"),
            "an editor is not shown admin links"
        );
        assert!(home
            .body
            .contains(&format!("name=\"csrf\" value=\"{}\"", session.csrf)));
        let csp = home.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("form-action 'self'") && csp.contains("script-src 'none'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(home.headers["cache-control"], "no-store");
        // Under no-referrer a browser posts forms with `Origin: null`,
        // which the origin check refuses.
        assert_eq!(home.headers["referrer-policy"], "same-origin");
        assert!(!home.body.contains("<script"));
        let public = call("GET", "/api/openapi.json", &Who::Nobody).send(s).await;
        assert_eq!(public.headers["referrer-policy"], "no-referrer");
        assert!(public.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("form-action 'none'"));

        // Already logged in: the login page sends you home.
        let again = call("GET", "/portal/login", &who).send(s).await;
        assert_eq!(again.location(), "/portal/");

        // The login form without its CSRF token is refused.
        let forged = call("POST", "/portal/login", &Who::Nobody)
            .body(&format!("login=ed&password={PASSWORD}"))
            .send(s)
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let out = call("POST", "/portal/logout", &who).send(s).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), "/portal/login");
        assert!(out
            .set_cookie(auth::SESSION_COOKIE)
            .unwrap()
            .contains("Max-Age=0"));
        let after = call("GET", "/portal/", &who).send(s).await;
        assert_eq!(
            after.location(),
            "/portal/login",
            "{}: logged out",
            env.name
        );
    }
}

#[tokio::test]
async fn the_sixth_failure_trips_the_rate_limit() {
    for env in envs("ratelimit").await {
        let s = &env.state;
        for i in 1..=5 {
            let a = login_form(s, "ed", "wrong password!!", "192.0.2.20").await;
            assert_eq!(
                a.status,
                StatusCode::UNAUTHORIZED,
                "{}: attempt {i}",
                env.name
            );
        }
        let sixth = login_form(s, "ed", "wrong password!!", "192.0.2.20").await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{}", env.name);
        let retry: u64 = sixth.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        assert!(sixth.body.contains("Te veel mislukte inlogpogingen"));
        assert!(sixth.body.contains("Too many failed logins"));
        // Even the right password, even from elsewhere: the login is locked.
        let right = login_form(s, "ed", PASSWORD, "192.0.2.21").await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
        // Other logins from elsewhere are not affected.
        let other = login_form(s, "root", PASSWORD, "192.0.2.21").await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);

        // Per address: five failures over five logins lock the address.
        for login in ["a1", "a2", "a3", "a4", "a5"] {
            let a = login_form(s, login, "wrong password!!", "192.0.2.30").await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        }
        let blocked = login_form(s, "sup", PASSWORD, "192.0.2.30").await;
        assert_eq!(
            blocked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            env.name
        );
    }
}

#[tokio::test]
async fn writes_need_the_csrf_token_and_the_same_origin() {
    for env in envs("csrf").await {
        let s = &env.state;
        let who = session(&env.store, "ed").await;
        let Who::Session { csrf, .. } = &who else {
            unreachable!()
        };
        let missing = call("POST", "/portal/tokens", &who)
            .body("name=x")
            .no_csrf()
            .send(s)
            .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", env.name);
        assert!(missing.body.contains("Formulier geweigerd"));
        let wrong = call("POST", "/portal/tokens", &who)
            .body(&format!("name=x&csrf={}", auth::random_token()))
            .no_csrf()
            .send(s)
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let empty = call("POST", "/portal/tokens", &who)
            .body("name=x&csrf=")
            .no_csrf()
            .send(s)
            .await;
        assert_eq!(empty.status, StatusCode::FORBIDDEN);
        for (h, v) in [
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let a = call("POST", "/portal/tokens", &who)
                .body("name=x")
                .header(h, v)
                .send(s)
                .await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{h}: {v}");
        }
        let same = call("POST", "/portal/tokens", &who)
            .body("name=x")
            .header("host", "zicht.example")
            .header("origin", "https://zicht.example")
            .header("sec-fetch-site", "same-origin")
            .send(s)
            .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.body);
        assert!(
            env.store
                .tokens(env.store.user_by_login("ed").await.unwrap().unwrap().id)
                .await
                .unwrap()
                .len()
                == 1,
            "only the good request made a token"
        );

        // The API with the session cookie: the token goes in a header.
        let no_header = call("POST", "/api/tokens", &who)
            .body(r#"{"name":"y"}"#)
            .no_csrf()
            .send(s)
            .await;
        assert_eq!(no_header.status, StatusCode::FORBIDDEN);
        assert!(no_header.json()["error"]
            .as_str()
            .unwrap()
            .contains("x-csrf-token"));
        let me = call("GET", "/api/me", &who).send(s).await;
        assert_eq!(me.json()["csrf"], csrf.as_str());
        let with = call("POST", "/api/tokens", &who)
            .body(r#"{"name":"y"}"#)
            .send(s)
            .await;
        assert_eq!(with.status, StatusCode::CREATED, "{}", with.body);
    }
}

#[tokio::test]
async fn a_bearer_token_works_until_revoked() {
    for env in envs("bearer").await {
        let s = &env.state;
        let who = session(&env.store, "sup").await;
        let page = call("POST", "/portal/tokens", &who)
            .body("name=script")
            .send(s)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let start = page.body.find("zicht_").expect("the token is shown once");
        let token = page.body[start..start + 6 + 64].to_owned();
        assert!(token[6..].chars().all(|c| c.is_ascii_hexdigit()), "{token}");
        let listed = call("GET", "/portal/tokens", &who).send(s).await;
        assert!(!listed.body.contains(&token), "shown only once");

        let b = Who::Bearer(token.clone());
        let me = call("GET", "/api/me", &b).send(s).await;
        assert_eq!(me.status, StatusCode::OK, "{}", env.name);
        let me = me.json();
        assert_eq!(me["login"], "sup");
        assert_eq!(me["organisation"], "comensha");
        assert_eq!(me["via"], "token");
        assert!(me.get("csrf").is_none());
        // A token is for the API; the portal wants a session.
        let portal = call("GET", "/portal/", &b).send(s).await;
        assert_eq!(portal.location(), "/portal/login");

        let list = call("GET", "/api/tokens", &b).send(s).await.json();
        let id = list["tokens"][0]["id"].as_i64().unwrap();
        let revoked = call("DELETE", &format!("/api/tokens/{id}"), &b)
            .send(s)
            .await;
        assert_eq!(
            revoked.status,
            StatusCode::OK,
            "no CSRF with a bearer token"
        );
        assert!(revoked.json()["token"]["revoked_at"].is_string());
        let after = call("GET", "/api/me", &b).send(s).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", env.name);
        assert!(after.json()["error"].as_str().unwrap().contains("revoked"));
        let junk = call("GET", "/api/me", &Who::Bearer("zicht_nope".into()))
            .send(s)
            .await;
        assert_eq!(junk.status, StatusCode::UNAUTHORIZED);
        let basic = call("GET", "/api/me", &Who::Nobody)
            .header("authorization", "Basic Zm9vOmJhcg==")
            .send(s)
            .await;
        assert_eq!(basic.status, StatusCode::UNAUTHORIZED);

        // Someone else's token cannot be revoked, nor told apart from none.
        let other = bearer(&env.store, "ed").await;
        let Who::Bearer(other_token) = &other else {
            unreachable!()
        };
        let ed = env.store.user_by_login("ed").await.unwrap().unwrap();
        let ed_token = env.store.tokens(ed.id).await.unwrap()[0].id;
        let b2 = bearer(&env.store, "sup").await;
        let theirs = call("DELETE", &format!("/api/tokens/{ed_token}"), &b2)
            .send(s)
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        assert_eq!(
            call("GET", "/api/me", &Who::Bearer(other_token.clone()))
                .send(s)
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_disabled_user_loses_sessions_tokens_and_login() {
    for env in envs("disable").await {
        let s = &env.state;
        let ed_session = session(&env.store, "ed").await;
        let ed_token = bearer(&env.store, "ed").await;
        let admin = session(&env.store, "root").await;
        let a = call("POST", "/portal/users/ed/disable", &admin)
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}: {}", env.name, a.body);
        assert_eq!(a.location(), "/portal/users");
        let page = call("GET", "/portal/users", &admin)
            .header(
                "cookie",
                a.set_cookie("zicht_flash")
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap(),
            )
            .send(s)
            .await;
        assert!(page.body.contains("ed geblokkeerd"), "{}", page.body);

        let home = call("GET", "/portal/", &ed_session).send(s).await;
        assert_eq!(
            home.location(),
            "/portal/login",
            "{}: session ended",
            env.name
        );
        let me = call("GET", "/api/me", &ed_token).send(s).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
        let login = login_form(s, "ed", PASSWORD, "192.0.2.40").await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED);

        // An admin cannot lock themselves out.
        let selfish = call(
            "POST",
            "/api/users/root/disable",
            &bearer(&env.store, "root").await,
        )
        .send(s)
        .await;
        assert_eq!(selfish.status, StatusCode::UNPROCESSABLE_ENTITY);

        let b = bearer(&env.store, "root").await;
        let enabled = call("POST", "/api/users/ed/enable", &b).send(s).await;
        assert_eq!(enabled.json()["user"]["disabled"], false);
        let login = login_form(s, "ed", PASSWORD, "192.0.2.41").await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn the_audit_trail_is_for_admins_and_records_who_did_what() {
    for env in envs("audit").await {
        let s = &env.state;
        for who in [
            bearer(&env.store, "sup").await,
            bearer(&env.store, "ed").await,
        ] {
            let a = call("GET", "/api/audit", &who).send(s).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", env.name);
            assert!(!a.body.contains("user.add"));
        }
        let sup = session(&env.store, "sup").await;
        let page = call("GET", "/portal/audit", &sup).send(s).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(!page.body.contains("user.add"));

        let admin = bearer(&env.store, "root").await;
        let made = call("POST", "/api/users", &admin)
            .body(r#"{"login":"newsup","name":"New","role":"supplier","organisation":"comensha"}"#)
            .send(s)
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let password = made.json()["password"].as_str().unwrap().to_owned();
        assert!(password.len() >= 12);
        let unknown_org = call("POST", "/api/users", &admin)
            .body(r#"{"login":"x","name":"X","role":"supplier","organisation":"nope"}"#)
            .send(s)
            .await;
        assert_eq!(unknown_org.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown_org.json()["error"]
            .as_str()
            .unwrap()
            .contains("nope"));
        let short = call("POST", "/api/users", &admin)
            .body(r#"{"login":"x","name":"X","role":"editor","password":"short"}"#)
            .send(s)
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        let taken = call("POST", "/api/users", &admin)
            .body(r#"{"login":"ed","name":"X","role":"editor"}"#)
            .send(s)
            .await;
        assert_eq!(taken.status, StatusCode::CONFLICT);

        let log = call("GET", "/api/audit", &admin).send(s).await.json();
        let newest = &log["records"][0];
        assert_eq!(newest["action"], "user.add");
        assert_eq!(newest["entity"], "user:newsup");
        assert_eq!(newest["actor"], "root");
        assert_eq!(newest["organisation"], "comensha");
        assert_eq!(newest["after"]["role"], "supplier");
        let own = call("GET", "/api/audit?organisation=comensha&limit=1", &admin)
            .send(s)
            .await
            .json();
        assert_eq!(own["records"].as_array().unwrap().len(), 1);
        let next = own["next"].as_str().unwrap().to_owned();
        assert!(next.contains("organisation=comensha"), "{next}");
        let older = call("GET", &next, &admin).send(s).await.json();
        assert_ne!(older["records"][0]["id"], own["records"][0]["id"]);
        let bad = call("GET", "/api/audit?before_id=abc", &admin)
            .send(s)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        let root = session(&env.store, "root").await;
        let page = call("GET", "/portal/audit", &root).send(s).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("user:newsup") && page.body.contains("<em>terminal</em>"));
    }
}

#[tokio::test]
async fn secrets_never_appear_in_answers_or_the_audit_trail() {
    for env in envs("secrets").await {
        let s = &env.state;
        let admin = session(&env.store, "root").await;
        let Who::Session {
            token: session_token,
            csrf,
        } = &admin
        else {
            unreachable!()
        };
        // Through the portal: add a user, reset a password, make a token.
        let added = call("POST", "/portal/users", &admin)
            .body("login=carol&name=Carol&role=editor")
            .send(s)
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}: {}", env.name, added.body);
        assert!(added.body.contains("Gebruiker carol toegevoegd"));
        let bad = call("POST", "/portal/users", &admin)
            .body("login=dave&name=Dave&role=supplier&organisation=nope")
            .send(s)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("nope") && bad.body.contains("value=\"dave\""));
        let reset = call("POST", "/portal/users/ed/password", &admin)
            .send(s)
            .await;
        assert!(reset.body.contains("Nieuw wachtwoord voor ed"));
        let made = call("POST", "/portal/tokens", &admin)
            .body("name=t")
            .send(s)
            .await;
        let start = made.body.find("zicht_").unwrap();
        let api_token = made.body[start..start + 70].to_owned();

        let mut hashes = Vec::new();
        for u in env.store.users().await.unwrap() {
            hashes.push(
                env.store
                    .login_credentials(&u.login)
                    .await
                    .unwrap()
                    .unwrap()
                    .1,
            );
        }
        let b = Who::Bearer(api_token.clone());
        let mut seen = vec![added.body, reset.body, made.body];
        for path in [
            "/portal/users",
            "/portal/audit",
            "/portal/tokens",
            "/portal/",
        ] {
            seen.push(call("GET", path, &admin).send(s).await.body);
        }
        for path in [
            "/api/me",
            "/api/users",
            "/api/audit?limit=500",
            "/api/tokens",
        ] {
            seen.push(call("GET", path, &b).send(s).await.body);
        }
        let log = format!(
            "{:?}",
            env.store
                .audit_log(&AuditFilter {
                    limit: 500,
                    ..Default::default()
                })
                .await
                .unwrap()
        );
        for text in seen.iter().chain([&log]) {
            assert!(
                !text.contains("$argon2"),
                "{}: a password hash leaked",
                env.name
            );
            for h in &hashes {
                assert!(!text.contains(h.as_str()));
            }
            assert!(
                !text.contains(session_token.as_str()),
                "session token leaked"
            );
        }
        assert!(!log.contains(&api_token) && !log.contains(&auth::hash_token(&api_token)));
        assert!(!log.contains(csrf.as_str()));
        assert!(!log.contains(&auth::hash_token(session_token)));
    }
}

#[tokio::test]
async fn bad_input_is_answered_not_panicked_on() {
    for env in envs("input").await {
        let s = &env.state;
        let admin = bearer(&env.store, "root").await;
        let huge = "x".repeat(200 * 1024);
        let a = call("POST", "/api/tokens", &admin)
            .body(&format!(r#"{{"name":"{huge}"}}"#))
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", env.name);
        assert!(a.json()["error"].is_string());
        let root = session(&env.store, "root").await;
        let a = call("POST", "/portal/tokens", &root)
            .body(&format!("name={huge}"))
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        for (body, status) in [
            ("{", StatusCode::BAD_REQUEST),
            ("[]", StatusCode::UNPROCESSABLE_ENTITY),
            (
                r#"{"name":"x","extra":1}"#,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (r#"{"name":"   "}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let a = call("POST", "/api/tokens", &admin).body(body).send(s).await;
            assert_eq!(a.status, status, "{body}: {}", a.body);
            assert!(a.json()["error"].is_string());
        }
        let a = call("POST", "/api/users", &admin)
            .body(r#"{"login":"Bad Login","name":"X","role":"editor"}"#)
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let a = call("POST", "/api/users", &admin)
            .body(r#"{"login":"x","name":"X","role":"king"}"#)
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let a = call("DELETE", "/api/tokens/abc", &admin).send(s).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        let a = call("POST", "/portal/users", &root)
            .body("login=&name=&role=")
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let a = call("POST", "/portal/users", &root)
            .body("login=e1&name=E&role=editor&organisation=comensha")
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let a = call("POST", "/portal/login", &Who::Nobody)
            .body("%%%")
            .header("cookie", "zicht_login=abc")
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let a = call("GET", "/portal/audit?before_id=%ZZ", &root)
            .send(s)
            .await;
        assert_eq!(a.status, StatusCode::OK);
        let a = call("GET", "/portal/nothing", &root).send(s).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn every_api_route_of_the_table_is_in_the_openapi_document() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../src/openapi.json")).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
        let matches = |template: &str| {
            let path = route.path.split('?').next().unwrap_or(route.path);
            let (t, p): (Vec<&str>, Vec<&str>) =
                (template.split('/').collect(), path.split('/').collect());
            t.len() == p.len()
                && t.iter()
                    .zip(&p)
                    .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
        };
        let op = paths
            .iter()
            .find(|(t, _)| matches(t))
            .and_then(|(_, item)| item.get(route.method.to_lowercase()));
        let op =
            op.unwrap_or_else(|| panic!("{} {} is not in openapi.json", route.method, route.path));
        assert!(
            op["security"].is_array(),
            "{} {} names no security",
            route.method,
            route.path
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["cookie"]["name"], auth::SESSION_COOKIE);
}
