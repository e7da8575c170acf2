//! The public snapshot on real stores (SQLite, and PostgreSQL when
//! configured) holding the embedded monitor: readers hammering the site,
//! the API and the downloads while loads commit beside the server each see
//! one whole revision at a time, never going back; an edition appears at
//! its embargo instant and not before; answers carry validators, 304 and
//! precompressed bodies.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use zicht_model::{Breakdown, Cell, Figure, Instant, Period, Provenance, Role, Slug};

use zicht_server::{app, AppState};
use zicht_store::{NewVersion, Store};

mod common;

async fn request(
    state: &AppState,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(k, *v);
    }
    let res = app(state.clone())
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

async fn get(state: &AppState, uri: &str) -> String {
    let (s, _, body) = request(state, Method::GET, uri, &[]).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK, "{uri}: {body}");
    body
}

/// The test's marker: the same figure for 2031 and 2032, one per load.
fn marker(period: i32, value: f64) -> Cell {
    Cell {
        indicator: Slug::parse("comensha.minor_victims").unwrap(),
        period: Period::year(period),
        breakdown: Breakdown::total(),
        figure: Figure::Exact { value },
        provenance: Provenance {
            source: Some(Slug::parse("comensha").unwrap()),
            source_ref: "snapshot test".into(),
            ..Provenance::default()
        },
    }
}

async fn load_marker(store: &Store, value: f64) {
    let cells = [marker(2031, value), marker(2032, value)];
    let at = Instant::from(SystemTime::now());
    let versions: Vec<NewVersion<'_>> = cells
        .iter()
        .map(|cell| NewVersion {
            cell,
            recorded_at: at,
            reason: None,
        })
        .collect();
    store.load("test", None, &versions, None).await.unwrap();
}

/// The marker's figures for 2031 and 2032 in one answer, by where it was
/// asked: the indicator page, the API's cells, the CSV download.
fn markers(uri: &str, body: &str) -> (Option<String>, Option<String>) {
    if uri.contains("/api/") {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let find = |year: &str| {
            v["cells"].as_array().unwrap().iter().find_map(|c| {
                (c["period"] == year && c["breakdown"] == "" && c["status"] == "exact")
                    .then(|| c["value"].as_f64().unwrap().to_string())
            })
        };
        return (find("2031"), find("2032"));
    }
    let find = |year: &str| -> Option<String> {
        let (before, after) = if uri.ends_with(".html") {
            (
                format!(
                    "<th scope=\"row\">{year}</th><td>totaal</td><td><span class=\"fig st-exact\">"
                ),
                "<",
            )
        } else {
            (format!("comensha.minor_victims,{year},,exact,"), ",")
        };
        let start = body.find(&before)? + before.len();
        let rest = &body[start..];
        Some(rest[..rest.find(after)?].to_owned())
    };
    (find("2031"), find("2032"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_see_one_whole_revision_at_a_time_while_loads_commit() {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (_dir, urls) = common::store_urls("snapshot_hammer").await;
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        common::load_monitor(&store, &monitor).await;
        let state = AppState::new(store.clone(), None);
        let uris = [
            "/indicator/comensha.minor_victims.html",
            "/api/indicators/comensha.minor_victims/cells",
            "/downloads/cells.csv",
        ];
        // The answer shape the search relies on, before any marker.
        for uri in uris {
            assert_eq!(markers(uri, &get(&state, uri).await), (None, None), "{uri}");
        }
        let loads = 3;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for r in 0..3 {
            let state = state.clone();
            let done = done.clone();
            readers.push(tokio::spawn(async move {
                // The marker each reader saw last, by load: never less later.
                let mut seen = 0u32;
                let mut answers = 0u32;
                let mut i = r;
                while !done.load(std::sync::atomic::Ordering::Relaxed) || seen < loads {
                    let uri = uris[i % uris.len()];
                    i += 1;
                    let body = get(&state, uri).await;
                    answers += 1;
                    let (a, b) = markers(uri, &body);
                    assert_eq!(a, b, "{uri}: 2031 and 2032 from different loads");
                    let now = a.map_or(0, |v| v.parse::<u32>().unwrap() - 100);
                    assert!(now >= seen, "{uri}: went back from load {seen} to {now}");
                    seen = now;
                    // Readers leave the rebuild some of the machine.
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                answers
            }));
        }
        for k in 1..=loads {
            load_marker(&store, f64::from(100 + k)).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut answers = 0;
        for r in readers {
            answers += tokio::time::timeout(Duration::from_secs(300), r)
                .await
                .expect("every reader sees the last load")
                .unwrap();
        }
        assert!(answers > 20, "{url}: only {answers} answers");
        // Every output shows the last load.
        for uri in uris {
            let (a, _) = markers(uri, &get(&state, uri).await);
            assert_eq!(a.as_deref(), Some("103"), "{uri}");
        }
    }
}

#[tokio::test]
async fn an_edition_appears_at_its_embargo_instant_and_not_before() {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (_dir, urls) = common::store_urls("snapshot_embargo").await;
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        common::load_monitor(&store, &monitor).await;
        common::add_users(&store, &[("ed", Role::Editor, None)], "unused").await;
        let user = store.user_by_login("ed").await.unwrap().unwrap();
        let token = zicht_server::auth::new_api_token();
        store
            .create_token(
                None,
                user.id,
                "test",
                &zicht_server::auth::hash_token(&token),
            )
            .await
            .unwrap();
        let state = AppState::new(store.clone(), None);
        let edition = "kib-2025";
        let uri = format!("/api/indicators/comensha.minor_victims/cells?edition={edition}");
        let (s, _, _) = request(&state, Method::GET, &uri, &[]).await;
        assert_eq!(s, StatusCode::OK);
        // Whole seconds, a few ahead, set through the server as an editor
        // does: from its answer on, the edition is withheld.
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let embargo = Instant::from_unix_seconds(secs as i64 + 20).unwrap();
        let res = app(state.clone())
            .oneshot(
                Request::put(format!("/api/editions/{edition}/embargo"))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    // The edition is public: withdrawing it must be confirmed.
                    .body(Body::from(format!(
                        "{{\"embargo\": \"{embargo}\", \"confirm\": true}}"
                    )))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(embargo.unix_seconds() as u64);
        let mut absent = 0;
        let deadline = at + Duration::from_secs(60);
        let present = loop {
            let asked = SystemTime::now();
            let (s, _, _) = request(&state, Method::GET, &uri, &[]).await;
            match s {
                StatusCode::NOT_FOUND => {
                    assert!(SystemTime::now() < deadline, "{url}: never appeared");
                    if absent == 0 && asked >= at {
                        panic!("{url}: the embargo was set too late for the test");
                    }
                    // Built ahead: withheld only before the instant.
                    assert!(asked < at, "{url}: still withheld after its embargo");
                    absent += 1;
                }
                StatusCode::OK => {
                    // Shown only from the instant on: the request ended
                    // after it.
                    assert!(SystemTime::now() >= at, "{url}: shown before its embargo");
                    break asked;
                }
                other => panic!("{url}: {other}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(absent > 0, "{url}: the edition was never seen withheld");
        let late = present.duration_since(at).unwrap_or_default();
        assert!(late < Duration::from_secs(2), "{url}: {late:?} late");
    }
}

#[tokio::test]
async fn answers_are_cached_as_a_cdn_wants() {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (_dir, store) = common::store_with(&monitor).await;
    let state = AppState::new(store.clone(), None);
    for uri in [
        "/",
        "/style.css",
        "/indicator/comensha.minor_victims.html",
        "/api/indicators",
        "/api/indicators/comensha.minor_victims/cells?edition=kic-2020",
        "/downloads/cells.json",
    ] {
        let (s, h, plain) = request(&state, Method::GET, uri, &[]).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert!(h.get(header::CONTENT_ENCODING).is_none(), "{uri}");
        assert_eq!(h[header::CACHE_CONTROL], "public, no-cache", "{uri}");
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let modified = h[header::LAST_MODIFIED].to_str().unwrap().to_owned();

        let (s, h304, body) =
            request(&state, Method::GET, uri, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(body.is_empty());
        assert_eq!(h304[header::ETAG], etag.as_str());
        let (s, _, _) = request(
            &state,
            Method::GET,
            uri,
            &[(header::IF_MODIFIED_SINCE, &modified)],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{uri}");

        // The compressed bodies decode to the same bytes.
        let (_, h, br) = request(
            &state,
            Method::GET,
            uri,
            &[(header::ACCEPT_ENCODING, "gzip, deflate, br")],
        )
        .await;
        assert_eq!(h[header::CONTENT_ENCODING], "br", "{uri}");
        assert_eq!(h[header::VARY], "accept-encoding");
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut decoded).unwrap();
        assert_eq!(decoded, plain, "{uri}");
        let (_, h, gz) = request(
            &state,
            Method::GET,
            uri,
            &[(header::ACCEPT_ENCODING, "gzip")],
        )
        .await;
        assert_eq!(h[header::CONTENT_ENCODING], "gzip", "{uri}");
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(gz.as_slice()),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, plain, "{uri}");

        // HEAD: the headers of GET, no body.
        let (s, h, body) = request(&state, Method::HEAD, uri, &[]).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert!(body.is_empty(), "{uri}");
        assert_eq!(h[header::ETAG], etag.as_str());
        assert_eq!(
            h[header::CONTENT_LENGTH],
            plain.len().to_string().as_str(),
            "{uri}"
        );
    }

    // A load changes what it changes: the indicator's page gets a new tag,
    // the stylesheet keeps its own and its date.
    let (_, page, _) = request(
        &state,
        Method::GET,
        "/indicator/comensha.minor_victims.html",
        &[],
    )
    .await;
    let (_, style, _) = request(&state, Method::GET, "/style.css", &[]).await;
    load_marker(&store, 150.0).await;
    state.publish().await.unwrap();
    let (_, page2, _) = request(
        &state,
        Method::GET,
        "/indicator/comensha.minor_victims.html",
        &[],
    )
    .await;
    let (_, style2, _) = request(&state, Method::GET, "/style.css", &[]).await;
    assert_ne!(page[header::ETAG], page2[header::ETAG]);
    assert_eq!(style[header::ETAG], style2[header::ETAG]);
    assert_eq!(style[header::LAST_MODIFIED], style2[header::LAST_MODIFIED]);
}
