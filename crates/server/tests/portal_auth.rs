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
    // The language switch: a preference, for anyone, the login page too.
    r(
        "GET",
        "/portal/lang/en?back=/portal/account",
        "",
        [Yes, Yes, Yes, Yes],
    ),
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
    // One's own account: password and second factor. A session that owes
    // nothing is sent home from the code page.
    r("GET", "/portal/account", "", [No, Yes, Yes, Yes]),
    r("GET", "/portal/password", "", [No, Yes, Yes, Yes]),
    r(
        "POST",
        "/portal/password",
        "current=not+it+at+all&new=a+new+long+password&repeat=a+new+long+password",
        [No, Yes, Yes, Yes],
    ),
    r("GET", "/portal/second-factor", "", [No, Yes, Yes, Yes]),
    r(
        "POST",
        "/portal/second-factor",
        "code=000000",
        [No, Yes, Yes, Yes],
    ),
    r(
        "GET",
        "/portal/second-factor/enrol",
        "",
        [No, Yes, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/second-factor/enrol",
        "code=000000",
        [No, Yes, Yes, Yes],
    ),
    // Admins and editors must keep theirs; another admin removes it.
    r(
        "POST",
        "/portal/second-factor/remove",
        "code=000000",
        [No, Yes, No, No],
    ),
    r(
        "POST",
        "/portal/users/nobody/second-factor/remove",
        "",
        [No, No, No, Yes],
    ),
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
    r(
        "POST",
        "/api/password",
        r#"{"current":"not it at all","new":"a new long password"}"#,
        [No, Yes, Yes, Yes],
    ),
    r("GET", "/api/second-factor", "", [No, Yes, Yes, Yes]),
    r("POST", "/api/second-factor/enrol", "", [No, Yes, Yes, Yes]),
    r(
        "POST",
        "/api/second-factor/confirm",
        r#"{"code":"000000"}"#,
        [No, Yes, Yes, Yes],
    ),
    r(
        "DELETE",
        "/api/second-factor",
        r#"{"code":"000000"}"#,
        [No, Yes, No, No],
    ),
    r(
        "DELETE",
        "/api/users/nobody/second-factor",
        "",
        [No, No, No, Yes],
    ),
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
    // Planning: by theme, editing (the fixture round has started: 409),
    // copying, a new edition. Closing comes last, as it ends the round.
    r("GET", "/portal/rounds/plan", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/rounds/plan",
        "step=filter&q=minder",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/rounds/{round}/edit", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/rounds/{round}/edit",
        "step=filter",
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/portal/rounds/{round}/copy",
        "edition=nope&due=2100-01-31",
        [No, No, Yes, Yes],
    ),
    r("GET", "/portal/editions/new", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/editions/new",
        "id=&cutoff=x",
        [No, No, Yes, Yes],
    ),
    r("GET", "/api/rounds/options", "", [No, No, Yes, Yes]),
    r("GET", "/api/rounds/{round}/plan", "", [No, No, Yes, Yes]),
    r(
        "PUT",
        "/api/rounds/{round}",
        r#"{"edition":"nope","title":"","due":"x","requests":[]}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/api/rounds/{round}/copy",
        r#"{"edition":"nope","due":"x"}"#,
        [No, No, Yes, Yes],
    ),
    r(
        "POST",
        "/api/catalogue/editions",
        r#"{"id":"x","label_nl":"","label_en":"","cutoff":"x"}"#,
        [No, No, Yes, Yes],
    ),
    r("POST", "/api/rounds/{round}/close", "", [No, No, Yes, Yes]),
    r(
        "POST",
        "/portal/rounds/{round}/close",
        "",
        [No, No, Yes, Yes],
    ),
];

// --- harness ---------------------------------------------------------------

const PASSWORD: &str = "a long enough password";

struct Env {
    name: String,
    state: AppState,
    store: Store,
    /// The second-factor secrets of root and ed.
    secrets: std::collections::HashMap<String, String>,
    _dir: tempfile::TempDir,
}

/// One application per backend, each on a fresh store holding the embedded
/// monitor's catalogue and the users root (admin), ed (editor) and sup
/// (supplier of comensha), all with [`PASSWORD`]; root and ed have a
/// second factor.
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
        // Admins and editors must have a second factor before anything.
        let mut secrets = std::collections::HashMap::new();
        for login in ["root", "ed"] {
            let (secret, _) = common::enrol_second_factor(&store, login).await;
            secrets.insert(login.to_owned(), secret);
        }
        out.push(Env {
            name: url.split('?').next().unwrap_or(&url).to_owned(),
            state: AppState::new(store.clone(), None),
            secrets,
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

/// A fresh session of `login`, made in the store as a login (and its
/// second factor) would.
async fn session(store: &Store, login: &str) -> Who {
    let token = auth::random_token();
    let csrf = auth::random_token();
    common::full_session(store, login, &token, &csrf).await;
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
                            // One language per page: Dutch unless chosen.
                            assert!(!a.body.contains("Not allowed"), "{what}");
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
        // ed has a second factor: the session owes a code first.
        assert_eq!(ok.location(), "/portal/second-factor");
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
        assert!(!session.second_factor_passed);
        let first = call("GET", "/portal/", &who).send(s).await;
        assert_eq!(first.location(), "/portal/second-factor", "{}", env.name);
        let code = common::totp_code(&env.secrets["ed"], 1);
        let passed = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={code}"))
            .send(s)
            .await;
        assert_eq!(passed.location(), "/portal/", "{}", passed.body);
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
async fn a_login_locks_at_one_address_only_and_backs_off() {
    for env in envs("ratelimit").await {
        let s = &env.state;
        for i in 1..=5 {
            let a = login_form(s, "sup", "wrong password!!", "192.0.2.20").await;
            assert_eq!(
                a.status,
                StatusCode::UNAUTHORIZED,
                "{}: attempt {i}",
                env.name
            );
        }
        let sixth = login_form(s, "sup", "wrong password!!", "192.0.2.20").await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{}", env.name);
        let retry: u64 = sixth.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            retry > 0 && retry <= 60,
            "the first lock is a minute: {retry}"
        );
        assert!(sixth.body.contains("Te veel mislukte pogingen"));
        assert!(!sixth.body.contains("Too many failed attempts"));
        // At that address even the right password waits...
        let here = login_form(s, "sup", PASSWORD, "192.0.2.20").await;
        assert_eq!(here.status, StatusCode::TOO_MANY_REQUESTS);
        // ...but from any other address the user logs in: one address
        // cannot lock a login out.
        let elsewhere = login_form(s, "sup", PASSWORD, "192.0.2.21").await;
        assert_eq!(elsewhere.status, StatusCode::SEE_OTHER, "{}", env.name);
        assert_eq!(elsewhere.location(), "/portal/");

        // The failures and the lock are in the audit trail, with the
        // address and never the password.
        let records = env
            .store
            .audit_log(&AuditFilter {
                entity_prefix: Some("user:sup".into()),
                limit: 50,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let fails: Vec<_> = records
            .iter()
            .filter(|r| r.entry.action == "login.fail")
            .collect();
        assert_eq!(fails.len(), 5, "{}", env.name);
        assert_eq!(
            fails[0].entry.after.as_ref().unwrap()["address"],
            "192.0.2.20"
        );
        let locks: Vec<_> = records
            .iter()
            .filter(|r| r.entry.action == "login.lock")
            .collect();
        assert_eq!(locks.len(), 1, "{}", env.name);
        assert_eq!(locks[0].entry.after.as_ref().unwrap()["seconds"], 60);
        for r in &records {
            let text = format!("{:?}", r.entry);
            assert!(!text.contains("wrong password"), "{text}");
        }

        // One address spraying many logins is locked after 20 failures, for
        // every login from there, and for no other address.
        for i in 0..20 {
            let login = format!("guess{i}");
            let a = login_form(s, &login, "wrong password!!", "192.0.2.30").await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}: {i}", env.name);
        }
        let blocked = login_form(s, "root", PASSWORD, "192.0.2.30").await;
        assert_eq!(
            blocked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            env.name
        );
        let other = login_form(s, "root", PASSWORD, "192.0.2.31").await;
        assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", env.name);
    }
}

#[tokio::test]
async fn writes_need_the_csrf_token_and_the_same_origin() {
    for env in envs("csrf").await {
        let s = &env.state;
        // sup: a token of an editor needs a code besides (see `second_factor.rs`).
        let who = session(&env.store, "sup").await;
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
                .tokens(env.store.user_by_login("sup").await.unwrap().unwrap().id)
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
        // Enabling brings back neither the token nor the session issued
        // before the user was disabled: they are revoked for good.
        let me = call("GET", "/api/me", &ed_token).send(s).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", env.name);
        assert!(me.json()["error"].as_str().unwrap().contains("revoked"));
        let home = call("GET", "/portal/", &ed_session).send(s).await;
        assert_eq!(home.location(), "/portal/login", "{}", env.name);
        let ed = env.store.user_by_login("ed").await.unwrap().unwrap();
        assert!(env
            .store
            .tokens(ed.id)
            .await
            .unwrap()
            .iter()
            .all(|t| t.revoked_at.is_some()));
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
        // An admin has a second factor: a token needs a fresh code.
        let code = common::totp_code(&env.secrets["root"], 1);
        let made = call("POST", "/portal/tokens", &admin)
            .body(&format!("name=t&code={code}"))
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

// --- one's own account: password and second factor ---------------------------

/// The session a login form answer started.
async fn session_from(env: &Env, answer: &Answer) -> Who {
    let token = session_of(answer);
    let s = env
        .store
        .session(&auth::hash_token(&token))
        .await
        .unwrap()
        .expect("a session");
    Who::Session {
        token,
        csrf: s.csrf,
    }
}

fn between<'a>(body: &'a str, before: &str, after: &str) -> &'a str {
    let start = body
        .find(before)
        .unwrap_or_else(|| panic!("{before} in {body}"))
        + before.len();
    body[start..].split(after).next().unwrap()
}

async fn actions_of(store: &Store, entity: &str) -> Vec<String> {
    store
        .audit_log(&AuditFilter {
            entity_prefix: Some(entity.into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect()
}

#[tokio::test]
async fn an_editor_sets_up_a_second_factor_before_anything_else() {
    for env in envs("enrol").await {
        let s = &env.state;
        let n = &env.name;
        let hash = auth::hash_password(PASSWORD).unwrap();
        common::add_users(&env.store, &[("newed", Role::Editor, None)], &hash).await;
        let a = login_form(s, "newed", PASSWORD, "192.0.2.50").await;
        assert_eq!(a.location(), "/portal/second-factor/enrol", "{n}");
        let who = session_from(&env, &a).await;
        // Nothing else works until then.
        let rounds = call("GET", "/portal/rounds", &who).send(s).await;
        assert_eq!(rounds.location(), "/portal/second-factor/enrol", "{n}");
        let api = call("GET", "/api/rounds", &who).send(s).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{n}");
        assert!(api.json()["error"]
            .as_str()
            .unwrap()
            .contains("set up a second factor"));
        assert_eq!(
            call("GET", "/api/me", &who).send(s).await.json()["owed"],
            "enrolment"
        );

        let page = call("GET", "/portal/second-factor/enrol", &who)
            .send(s)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{n}");
        let secret = between(&page.body, "class=\"totp-secret\">", "<").to_owned();
        assert!(page
            .body
            .contains(&format!("otpauth://totp/zicht:newed?secret={secret}")));
        let again = call("GET", "/portal/second-factor/enrol", &who)
            .send(s)
            .await;
        assert!(again.body.contains(&secret), "a reload keeps the secret");
        let wrong = call("POST", "/portal/second-factor/enrol", &who)
            .body("code=000000")
            .send(s)
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let code = common::totp_code(&secret, 0);
        let done = call("POST", "/portal/second-factor/enrol", &who)
            .body(&format!("code={code}"))
            .send(s)
            .await;
        assert_eq!(done.status, StatusCode::OK, "{n}: {}", done.body);
        let list = between(&done.body, "<ul class=\"recovery-codes\">", "</ul>");
        let recovery: Vec<String> = list
            .split("<code>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().to_owned())
            .collect();
        assert_eq!(recovery.len(), 10, "{list}");
        let rounds = call("GET", "/portal/rounds", &who).send(s).await;
        assert_eq!(rounds.status, StatusCode::OK, "{n}: the session passed");
        let newed = env.store.user_by_login("newed").await.unwrap().unwrap();
        assert!(newed.second_factor);
        assert!(actions_of(&env.store, "user:newed")
            .await
            .contains(&"second_factor.enrol".to_owned()));
        // The secret and the codes are never in the audit trail.
        for r in env.store.audit_log(&AuditFilter::default()).await.unwrap() {
            let text = format!("{:?}", r.entry);
            assert!(!text.contains(&secret), "{text}");
            assert!(!text.contains(&recovery[0]), "{text}");
        }

        // The next login asks for a code; each code is good once.
        call("POST", "/portal/logout", &who).send(s).await;
        let a = login_form(s, "newed", PASSWORD, "192.0.2.50").await;
        assert_eq!(a.location(), "/portal/second-factor", "{n}");
        let who = session_from(&env, &a).await;
        let home = call("GET", "/portal/", &who).send(s).await;
        assert_eq!(home.location(), "/portal/second-factor");
        let bad = call("POST", "/portal/second-factor", &who)
            .body("code=000000")
            .send(s)
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{n}");
        let replay = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={code}"))
            .send(s)
            .await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{n}: replayed");
        let next = common::totp_code(&secret, 1);
        let ok = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={next}"))
            .send(s)
            .await;
        assert_eq!(ok.location(), "/portal/", "{n}: {}", ok.body);
        assert_eq!(
            call("GET", "/portal/rounds", &who).send(s).await.status,
            StatusCode::OK
        );
        let fails = actions_of(&env.store, "user:newed").await;
        assert_eq!(
            fails.iter().filter(|a| *a == "second_factor.fail").count(),
            2,
            "{fails:?}"
        );

        // A recovery code works once, typed in capitals without dashes too.
        let a = login_form(s, "newed", PASSWORD, "192.0.2.50").await;
        let who = session_from(&env, &a).await;
        let typed = recovery[3].replace('-', "").to_uppercase();
        let ok = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={typed}"))
            .send(s)
            .await;
        assert_eq!(ok.location(), "/portal/", "{n}: {}", ok.body);
        let a = login_form(s, "newed", PASSWORD, "192.0.2.50").await;
        let who = session_from(&env, &a).await;
        let used = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={}", recovery[3]))
            .send(s)
            .await;
        assert_eq!(used.status, StatusCode::UNAUTHORIZED, "{n}: used up");
        assert_eq!(env.store.recovery_codes_left(newed.id).await.unwrap(), 9);
    }
}

#[tokio::test]
async fn a_reset_password_is_changed_at_the_next_login_before_anything_else() {
    for env in envs("reset").await {
        let s = &env.state;
        let n = &env.name;
        let root = bearer(&env.store, "root").await;
        let reset = call("POST", "/api/users/sup/password", &root).send(s).await;
        assert_eq!(reset.status, StatusCode::OK, "{n}");
        let given = reset.json()["password"].as_str().unwrap().to_owned();
        assert_eq!(reset.json()["user"]["password_change_due"], true);

        let a = login_form(s, "sup", &given, "192.0.2.60").await;
        assert_eq!(a.location(), "/portal/password", "{n}");
        let who = session_from(&env, &a).await;
        for path in ["/portal/", "/portal/history", "/portal/tokens"] {
            let r = call("GET", path, &who).send(s).await;
            assert_eq!(r.location(), "/portal/password", "{n}: {path}");
        }
        let api = call("GET", "/api/deliveries", &who).send(s).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        assert!(api.json()["error"]
            .as_str()
            .unwrap()
            .contains("change your password"));
        let form = call("GET", "/portal/password", &who).send(s).await;
        assert!(form.body.contains("opnieuw ingesteld door een beheerder"));

        let change = |current: &str, new: &str, repeat: &str| {
            serde_urlencoded::to_string([("current", current), ("new", new), ("repeat", repeat)])
                .unwrap()
        };
        for (body, why) in [
            (
                change(&given, "a brand new password", "a brand new passwort"),
                "differ",
            ),
            (
                change(
                    "not the password",
                    "a brand new password",
                    "a brand new password",
                ),
                "current password",
            ),
            (change(&given, &given, &given), "must differ"),
            (change(&given, "short", "short"), "at least 12"),
        ] {
            let r = call("POST", "/portal/password", &who)
                .body(&body)
                .send(s)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {why}");
        }
        let r = call("POST", "/portal/password", &who)
            .body(&change(
                &given,
                "a brand new password",
                "a brand new password",
            ))
            .send(s)
            .await;
        assert_eq!(r.location(), "/portal/", "{n}: {}", r.body);
        assert_eq!(
            call("GET", "/portal/", &who).send(s).await.status,
            StatusCode::OK
        );
        assert!(actions_of(&env.store, "user:sup")
            .await
            .contains(&"user.password.change".to_owned()));
        assert_eq!(
            login_form(s, "sup", "a brand new password", "192.0.2.60")
                .await
                .location(),
            "/portal/"
        );

        // The same change through the API, with a token.
        let token = bearer(&env.store, "sup").await;
        let r = call("POST", "/api/password", &token)
            .body(r#"{"current":"a brand new password","new":"an even newer password"}"#)
            .send(s)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.body);
        assert!(env
            .store
            .session(&auth::hash_token(&session_of(&a)))
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            login_form(s, "sup", "an even newer password", "192.0.2.60")
                .await
                .location(),
            "/portal/"
        );

        // With a second factor, the code comes first: whoever reset the
        // password knows it, but not the code.
        let reset = call("POST", "/api/users/ed/password", &root).send(s).await;
        let given = reset.json()["password"].as_str().unwrap().to_owned();
        let a = login_form(s, "ed", &given, "192.0.2.61").await;
        assert_eq!(a.location(), "/portal/second-factor", "{n}");
        let who = session_from(&env, &a).await;
        assert_eq!(
            call("GET", "/portal/password", &who)
                .send(s)
                .await
                .location(),
            "/portal/second-factor"
        );
        let code = common::totp_code(&env.secrets["ed"], 1);
        let r = call("POST", "/portal/second-factor", &who)
            .body(&format!("code={code}"))
            .send(s)
            .await;
        assert_eq!(r.location(), "/portal/", "{n}");
        assert_eq!(
            call("GET", "/portal/", &who).send(s).await.location(),
            "/portal/password"
        );
    }
}

#[tokio::test]
async fn a_token_needs_a_fresh_code_of_the_second_factor() {
    for env in envs("token2fa").await {
        let s = &env.state;
        let n = &env.name;
        let who = session(&env.store, "ed").await;
        let none = call("POST", "/api/tokens", &who)
            .body(r#"{"name":"x"}"#)
            .send(s)
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(none.json()["error"]
            .as_str()
            .unwrap()
            .contains("fresh code"));
        let code = common::totp_code(&env.secrets["ed"], 1);
        let made = call("POST", "/api/tokens", &who)
            .body(&format!(r#"{{"name":"x","code":"{code}"}}"#))
            .send(s)
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{n}: {}", made.body);
        // The portal's form asks for the code too.
        let page = call("GET", "/portal/tokens", &who).send(s).await;
        assert!(page.body.contains("name=\"code\""));
        let refused = call("POST", "/portal/tokens", &who)
            .body("name=y&code=000000")
            .send(s)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let ed = env.store.user_by_login("ed").await.unwrap().unwrap();
        assert_eq!(env.store.tokens(ed.id).await.unwrap().len(), 1);
        // A supplier without a second factor needs none.
        let sup = session(&env.store, "sup").await;
        let page = call("GET", "/portal/tokens", &sup).send(s).await;
        assert!(!page.body.contains("name=\"code\""));
    }
}

#[tokio::test]
async fn second_factors_are_optional_for_suppliers_and_an_admin_removes_a_lost_one() {
    for env in envs("remove2fa").await {
        let s = &env.state;
        let n = &env.name;
        // A supplier sets one up through the API.
        let sup = bearer(&env.store, "sup").await;
        let e = call("POST", "/api/second-factor/enrol", &sup).send(s).await;
        assert_eq!(e.status, StatusCode::OK, "{n}: {}", e.body);
        let secret = e.json()["secret"].as_str().unwrap().to_owned();
        assert!(e.json()["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/"));
        let code = common::totp_code(&secret, 0);
        let c = call("POST", "/api/second-factor/confirm", &sup)
            .body(&format!(r#"{{"code":"{code}"}}"#))
            .send(s)
            .await;
        assert_eq!(c.status, StatusCode::OK, "{n}: {}", c.body);
        let recovery = c.json()["recovery_codes"].clone();
        assert_eq!(recovery.as_array().unwrap().len(), 10);
        let state = call("GET", "/api/second-factor", &sup).send(s).await.json();
        assert_eq!(state["enabled"], true);
        assert_eq!(state["required"], false);
        assert_eq!(state["recovery_codes_left"], 10);
        let a = login_form(s, "sup", PASSWORD, "192.0.2.70").await;
        assert_eq!(a.location(), "/portal/second-factor", "{n}");
        // ...and turns it off again with a code of it.
        let wrong = call("DELETE", "/api/second-factor", &sup)
            .body(r#"{"code":"000000"}"#)
            .send(s)
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let off = call("DELETE", "/api/second-factor", &sup)
            .body(&format!(
                r#"{{"code":"{}"}}"#,
                recovery[0].as_str().unwrap()
            ))
            .send(s)
            .await;
        assert_eq!(off.status, StatusCode::OK, "{n}: {}", off.body);
        assert_eq!(off.json()["user"]["second_factor"], false);

        // An editor cannot drop theirs; an admin removes it (a lost phone),
        // and the editor's next step is to set one up again.
        let ed = session(&env.store, "ed").await;
        let own = call(
            "DELETE",
            "/api/second-factor",
            &bearer(&env.store, "ed").await,
        )
        .body(r#"{"code":"000000"}"#)
        .send(s)
        .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{n}");
        let root = bearer(&env.store, "root").await;
        let removed = call("DELETE", "/api/users/ed/second-factor", &root)
            .send(s)
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{n}: {}", removed.body);
        assert_eq!(
            call("GET", "/portal/", &ed).send(s).await.location(),
            "/portal/second-factor/enrol"
        );
        assert!(actions_of(&env.store, "user:ed")
            .await
            .contains(&"second_factor.remove".to_owned()));
    }
}

#[tokio::test]
async fn direction_controls_are_refused_in_names_and_texts() {
    for env in envs("bidi").await {
        let s = &env.state;
        let root = bearer(&env.store, "root").await;
        let r = call("POST", "/api/users", &root)
            .body(r#"{"login":"eve","name":"Eve \u202Eexe.doc","role":"editor"}"#)
            .send(s)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("U+202E"));
        let r = call("POST", "/api/tokens", &bearer(&env.store, "sup").await)
            .body(r#"{"name":"laptop\u2067"}"#)
            .send(s)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let ed = bearer(&env.store, "ed").await;
        let r = call("POST", "/api/definitions/recommendation", &ed)
            .body(r#"{"id":"99z","label_nl":"Aanbeveling \u200F","label_en":"Recommendation"}"#)
            .send(s)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("label_nl"));
    }
}
