//! The server against a real SQLite store holding the embedded monitor:
//! the API answers public cells only, errors are JSON, the site shows a
//! load without a restart.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use zicht_model::{Breakdown, Cell, Figure, Period, Provenance, Slug};
use zicht_server::{app, AppState};
use zicht_store::{NewVersion, Store};

mod common;

async fn store() -> (tempfile::TempDir, Store) {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    common::store_with(&monitor).await
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The answer at `uri` once it satisfies `shows`: a change made beside
/// the server shows within a few seconds (the revision is checked every
/// 250 ms, then the snapshot is rebuilt).
async fn eventually(state: &AppState, uri: &str, shows: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (s, _, body) = get(state, uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {body}");
        if shows(&body) {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{uri} did not show the change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn the_api_answers_public_cells_and_json_errors() {
    let (_dir, store) = store().await;
    let state = AppState::new(store, None);

    let (s, h, body) = get(&state, "/api/indicators").await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    assert!(json(&body)["indicators"].as_array().unwrap().len() > 10);

    let (s, _, body) = get(
        &state,
        "/api/indicators/jenv.minor_victims_temporary_permit/cells?edition=kic-2020",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let cells = json(&body);
    let y2020 = cells["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["period"] == "2020" && c["breakdown"] == "")
        .unwrap();
    assert_eq!(y2020["status"], "refused");
    assert!(y2020["value"].is_null());

    let (s, _, body) = get(&state, "/api/indicators/nope/cells").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(json(&body)["error"].as_str().unwrap().contains("nope"));
    let (s, _, _) = get(
        &state,
        "/api/indicators/comensha.minor_victims/cells?edition=nope",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = get(
        &state,
        "/api/indicators/comensha.minor_victims/cells?as_of=2023",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(json(&body)["error"].is_string());
    let (s, _, _) = get(&state, "/api/recommendations/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = get(&state, "/api/nothing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(json(&body)["error"].is_string());

    let (s, _, body) = get(&state, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let doc = json(&body);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/indicators/{id}/cells"].is_object());

    let (s, _, body) = get(&state, "/api/measures").await;
    assert_eq!(s, StatusCode::OK);
    assert!(json(&body)["measures"].as_array().unwrap().len() > 5);
    let (s, _, body) = get(&state, "/api/editions").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["editions"][0]["id"], "kic-2020");
}

fn cell(period: i32, value: f64) -> Cell {
    Cell {
        indicator: Slug::parse("comensha.minor_victims").unwrap(),
        period: Period::year(period),
        breakdown: Breakdown::total(),
        figure: Figure::Exact { value },
        provenance: Provenance {
            source: Some(Slug::parse("comensha").unwrap()),
            source_ref: "test".into(),
            ..Provenance::default()
        },
    }
}

#[tokio::test]
async fn a_load_shows_without_a_restart_and_small_counts_stay_hidden() {
    let (_dir, store) = store().await;
    let state = AppState::new(store.clone(), None);
    let (s, h, body) = get(&state, "/indicator/comensha.minor_victims.html").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(!body.contains("<th scope=\"row\">2031</th>"));

    let (big, small) = (cell(2031, 77.0), cell(2032, 3.0));
    store
        .load(
            "test",
            None,
            &[
                NewVersion {
                    cell: &big,
                    recorded_at: "2026-01-01T00:00:00Z".parse().unwrap(),
                    reason: None,
                },
                NewVersion {
                    cell: &small,
                    recorded_at: "2026-01-01T00:00:00Z".parse().unwrap(),
                    reason: None,
                },
            ],
            None,
        )
        .await
        .unwrap();
    // Loaded beside the server, as `zicht import` does: the server sees the
    // store's revision change and publishes it shortly after.
    let body = eventually(&state, "/indicator/comensha.minor_victims.html", |b| {
        b.contains("<th scope=\"row\">2031</th>")
    })
    .await;
    assert!(body.contains(
        "<th scope=\"row\">2031</th><td>totaal</td><td><span class=\"fig st-exact\">77</span>"
    ));
    assert!(body.contains(
        "<th scope=\"row\">2032</th><td>totaal</td><td><span class=\"fig st-below\">&#60;10</span>"
    ));

    let (_, _, body) = get(&state, "/api/indicators/comensha.minor_victims/cells").await;
    let cells = json(&body);
    let c = cells["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["period"] == "2032" && c["breakdown"] == "")
        .unwrap()
        .clone();
    assert_eq!(c["status"], "below");
    assert_eq!(c["upper"], 10.0);
    assert!(c["value"].is_null());
    let (_, _, csv) = get(&state, "/downloads/cells.csv").await;
    assert!(csv.contains("comensha.minor_victims,2032,,below,,,10,"));
    assert!(!csv.contains("comensha.minor_victims,2032,,exact"));
}

#[tokio::test]
async fn site_paths() {
    let (_dir, store) = store().await;
    let state = AppState::new(store, None);
    let (s, _, body) = get(&state, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<html lang=\"nl\">"));
    let (s, _, body) = get(&state, "/en/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<html lang=\"en\">"));
    let (s, h, _) = get(&state, "/en").await;
    assert_eq!(s, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(h["location"], "/en/");
    let (s, h, _) = get(&state, "/style.css").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "text/css; charset=utf-8");
    let (s, _, _) = get(&state, "/nothing.html").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_site_reads_each_moment_as_the_store_answers_it() {
    let (_dir, store) = store().await;
    let input = zicht_server::site_input(
        &store,
        None,
        zicht_model::Instant::from(std::time::SystemTime::now()),
    )
    .await
    .unwrap();
    let latest: Vec<Cell> = store
        .cells(&zicht_store::AsOf::Latest, None)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.cell)
        .collect();
    assert_eq!(input.cells, latest);
    assert_eq!(input.editions.len(), 3);
    for e in &input.editions {
        let at: Vec<Cell> = store
            .cells(&zicht_store::AsOf::Edition(e.edition.clone()), None)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.cell)
            .collect();
        assert_eq!(e.cells, at, "{}", e.edition);
    }
    let kib = zicht_server::site_input(
        &store,
        Some("kib-2023"),
        zicht_model::Instant::from(std::time::SystemTime::now()),
    )
    .await
    .unwrap();
    assert_eq!(kib.editions.len(), 2);
    assert!(zicht_server::site_input(
        &store,
        Some("nope"),
        zicht_model::Instant::from(std::time::SystemTime::now())
    )
    .await
    .is_err());
}

/// The embedded monitor's texts cite the B8 cells the tables publish as
/// "<10"; the edition's own words with the count ("Van 3 van hen…") must
/// appear in no public answer: no page of the site, no download, no API
/// answer.
#[tokio::test]
async fn texts_cite_hidden_counts_and_never_state_them() {
    let (_dir, store) = store().await;
    let state = AppState::new(store, None);
    let leaks = [
        "Van 3 van hen",
        "Van vijf van hen",
        "Drie van hen",
        "Of 3 of them",
        "Of five of them",
        "Three of them",
        "{cell:",
    ];
    let mut answers: Vec<(String, String)> = Vec::new();
    for uri in [
        "/api/recommendations",
        "/api/recommendations/39a",
        "/api/measures",
        "/api/indicators",
        "/api/editions",
        "/api/indicators/comensha.minor_victims.b8_reflection/cells",
        "/api/indicators/comensha.minor_victims.residence_permit/cells",
    ] {
        let (s, _, body) = get(&state, uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        answers.push((uri.to_owned(), body));
    }
    let input = zicht_server::site_input(
        state.store(),
        None,
        zicht_model::Instant::from(std::time::SystemTime::now()),
    )
    .await
    .unwrap();
    let site = zicht_publish::site::build(&input).unwrap();
    assert!(site.files.len() > 50);
    for (path, bytes) in &site.files {
        if path.ends_with(".xlsx") {
            continue; // the same rows as cells.csv, which is searched
        }
        let (s, _, body) = get(&state, &format!("/{path}")).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(!bytes.is_empty());
        answers.push((path.clone(), body));
    }
    for (where_, body) in &answers {
        for leak in leaks {
            assert!(!body.contains(leak), "{where_} says '{leak}'");
        }
    }
    // The citation shows what the table shows, in each language.
    let rec = json(&answers[1].1);
    let a = rec["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["document"] == "kib-2025")
        .unwrap();
    assert!(
        a["quantitative_nl"]
            .as_str()
            .unwrap()
            .contains("Van <10 van hen is bekend"),
        "{a}"
    );
    assert!(
        a["quantitative_en"]
            .as_str()
            .unwrap()
            .contains("Of <10 of them it is known"),
        "{a}"
    );
    let page = &answers
        .iter()
        .find(|(p, _)| p == "recommendation/39a.html")
        .unwrap()
        .1;
    assert!(
        page.contains("Van &#60;10 van hen is bekend"),
        "escaped on the page"
    );
    let page_en = &answers
        .iter()
        .find(|(p, _)| p == "en/recommendation/39a.html")
        .unwrap()
        .1;
    assert!(page_en.contains("Of &#60;10 of them it is known"));
}

/// A warning for every small number next to a hidden cell: none on the
/// embedded monitor (its texts cite), one per hidden neighbour once a text
/// writes the count again.
#[tokio::test]
async fn the_check_warns_when_a_text_states_a_hidden_count() {
    let (_dir, store) = store().await;
    let now = zicht_model::Instant::from(std::time::SystemTime::now());
    let warnings = zicht_server::text_warnings(&store, now).await.unwrap();
    assert!(warnings.is_empty(), "{warnings:#?}");
    let (mut monitor, _) = zicht_ingest::embedded_monitor();
    let a = monitor
        .catalogue
        .assessments
        .iter_mut()
        .find(|a| a.recommendation.as_str() == "39a" && a.document.as_str() == "kib-2025")
        .unwrap();
    a.quantitative_nl = a.quantitative_nl.replace(
        "Van {cell:comensha.minor_victims.b8_reflection/2023/origin=foreign} van hen",
        "Van vijf van hen",
    );
    let (_dir2, store2) = common::store_with(&monitor).await;
    let warnings = zicht_server::text_warnings(&store2, now).await.unwrap();
    assert!(!warnings.is_empty());
    assert!(warnings
        .iter()
        .all(|w| w.text == "assessment 39a · kib-2025 · quantitative_nl"
            && w.written == "vijf"
            && w.value == 5));
    assert!(warnings.iter().any(|w| w.cell.indicator.as_str()
        == "comensha.minor_victims.b8_reflection"
        && w.cell.breakdown.to_string() == "origin=foreign"
        && w.cell.period.to_string() == "2023"
        && w.min_count == 10));
}
