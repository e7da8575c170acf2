//! Encoded records through the portal's pages (issue 13), as browsers drive
//! them: an editor opens a round that asks no cells and asks two
//! organisations for encoded records; a supplier finds the upload from its
//! portal home and uploads a file over the 5 MiB of an ordinary upload,
//! past the CSRF guard, which still refuses a wrong token; the editor's
//! linkage runs in the background and the round's page shows how it went.
//! On a real SQLite store with the embedded monitor.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use zicht_linkage::synth::{generate, SynthOptions};
use zicht_linkage::{Encoder, RawRecord, Secret};
use zicht_model::Role;
use zicht_server::{app, auth, AppState};

const PASSWORD: &str = "a long enough password";

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

/// One browser: the application and the cookies it holds.
struct Browser {
    state: AppState,
    cookies: Vec<(String, String)>,
}

impl Browser {
    async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
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
            .insert(ConnectInfo("192.0.2.8:5000".parse::<SocketAddr>().unwrap()));
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        for set in headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let pair = set.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                if !v.is_empty() {
                    self.cookies.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn post(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
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
    async fn upload(&mut self, path: &str, csrf: &str, bytes: &[u8]) -> Page {
        let boundary = "zicht-test-boundary-0d13";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"enc.csv\"\r\n\
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

    async fn login(state: &AppState, login: &str) -> Browser {
        let mut b = Browser {
            state: state.clone(),
            cookies: Vec::new(),
        };
        let page = b.get("/portal/login").await;
        let res = b
            .post(
                "/portal/login",
                &page.csrf(),
                &[("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        if res.location() == "/portal/second-factor/enrol" {
            let page = b.get("/portal/second-factor/enrol").await;
            let marker = "class=\"totp-secret\">";
            let start = page.body.find(marker).expect("the secret is shown") + marker.len();
            let secret = page.body[start..].split('<').next().unwrap().to_owned();
            let code = common::totp_code(&secret, 0);
            let done = b
                .post(
                    "/portal/second-factor/enrol",
                    &page.csrf(),
                    &[("code", code.as_str())],
                )
                .await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        }
        b
    }
}

/// An encoded file of `list` of a generated population, each record with
/// a kept column of `padding` bytes (strata pass through in the clear).
fn encoded_file(list: usize, padding: usize) -> Vec<u8> {
    let synth = generate(&SynthOptions {
        population: 3_000,
        lists: 2,
        list_size: 1_000,
        seed: 13,
        ..SynthOptions::default()
    });
    let encoder = Encoder::new(&Secret::new(b"the suppliers' secret in this test").unwrap());
    let pad = "p".repeat(padding);
    let mut out = String::from("record_id,encoding,note\n");
    for r in &synth.lists[list] {
        let clk = encoder
            .encode(&RawRecord {
                first_name: &r.first_name,
                last_name: &r.last_name,
                birth_date: &r.birth_date,
                sex: r.sex,
            })
            .unwrap();
        out.push_str(&format!("{},{},{pad}\n", r.record_id, clk.to_base64()));
    }
    out.into_bytes()
}

#[tokio::test]
async fn a_cell_less_round_collects_large_encoded_files_and_links_in_the_background() {
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let (_dir, store) = common::store_with(&monitor).await;
    let hash = auth::hash_password(PASSWORD).unwrap();
    common::add_users(
        &store,
        &[
            ("ed", Role::Editor, None),
            ("sup", Role::Supplier, Some("comensha")),
            ("other", Role::Supplier, Some("politie")),
        ],
        &hash,
    )
    .await;
    let state = AppState::new(store.clone(), None);

    // A round that asks no cells opens, and leads to its encoded records.
    let mut ed = Browser::login(&state, "ed").await;
    let page = ed.get("/portal/rounds").await;
    let res = ed
        .post(
            "/portal/rounds",
            &page.csrf(),
            &[
                ("edition", "kib-2025"),
                ("title", "Koppeling 2025"),
                ("due", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let encoded = res.location().to_owned();
    let round: i64 = encoded
        .strip_prefix("/portal/rounds/")
        .and_then(|r| r.strip_suffix("/encoded"))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("the round's encoded page, not {encoded}"));
    let page = ed.get(&encoded).await;
    assert!(page.body.contains("zonder cellen"), "{}", page.body);
    for org in ["comensha", "politie"] {
        let res = ed
            .post(
                &encoded,
                &page.csrf(),
                &[("organisation", org), ("delete_on", "2099-12-31")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    assert!(store
        .supplier_requests(&zicht_portal::Actor {
            login: "sup".into(),
            role: Role::Supplier,
            organisation: Some(zicht_model::Slug::parse("comensha").unwrap()),
        })
        .await
        .unwrap()
        .is_empty());

    // The supplier's home links to the upload.
    let mut sup = Browser::login(&state, "sup").await;
    let home = sup.get("/portal/").await;
    assert!(
        home.body.contains(&format!("href=\"{encoded}\"")),
        "{}",
        home.body
    );
    let page = sup.get(&encoded).await;
    let big = encoded_file(0, 5_600);
    assert!(big.len() > zicht_server::work::UPLOAD_LIMIT);
    // The guard still wants the form's own token, however large the file.
    let forged = sup
        .upload(&format!("{encoded}/file"), "not-the-token", &big)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let res = sup
        .upload(&format!("{encoded}/file"), &page.csrf(), &big)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let held = store.encoded_requests(round).await.unwrap();
    let comensha = held
        .iter()
        .find(|r| r.organisation.as_str() == "comensha")
        .unwrap();
    assert_eq!(comensha.records, Some(1_000));
    let mut other = Browser::login(&state, "other").await;
    let page = other.get(&encoded).await;
    let res = other
        .upload(
            &format!("{encoded}/file"),
            &page.csrf(),
            &encoded_file(1, 0),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The editor's linkage answers at once and runs on; the page tells.
    let page = ed.get(&encoded).await;
    let started = ed
        .post(&format!("/portal/rounds/{round}/link"), &page.csrf(), &[])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    assert_eq!(started.location(), encoded);
    let begun = Instant::now();
    let linked = loop {
        let page = ed.get(&encoded).await;
        if page.body.contains("Gekoppeld om") {
            break page;
        }
        assert!(!page.body.contains("Koppeling mislukt"), "{}", page.body);
        assert!(
            begun.elapsed() < Duration::from_secs(120),
            "the linkage did not finish: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let linkage = store.linkages(round).await.unwrap();
    assert_eq!(linkage.len(), 1);
    assert!(
        linked
            .body
            .contains(&format!("/portal/linkages/{}", linkage[0].id)),
        "{}",
        linked.body
    );
    let held = store.encoded_requests(round).await.unwrap();
    assert!(
        held.iter().all(|r| !r.holds_file()),
        "the files are deleted"
    );
    // Nothing left to upload: the supplier's home no longer lists it.
    let home = sup.get("/portal/").await;
    assert!(!home.body.contains(&format!("href=\"{encoded}\"")));
}
