//! One bad delivery through every way in: the portal's grid form (save and
//! sign off), the portal's CSV and XLSX upload, the API's draft (CSV and
//! XLSX) and sign-off. Each is refused with the same problems, each naming
//! its row and column, and nothing is stored. On a synthetic monitor (no
//! real data), on SQLite and, with `ZICHT_TEST_POSTGRES_URL`, PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use zicht_ingest::DataFile;
use zicht_model::{Breakdown, Period, Role, Slug};
use zicht_portal::{grid_field, template_csv, template_xlsx, Actor, Request as Asking};
use zicht_portal::{CellKey, RoundPlan, TemplateRow};
use zicht_server::{app, auth, AppState};
use zicht_store::{AsOf, NewUser, NewVersion, Store};

const MONITOR: &str = r#"
[[theme]]
id = "t"
label_nl = "Thema"
label_en = "Theme"

[[document]]
id = "ed-1"
kind = "edition"
label_nl = "Editie 1"
label_en = "Edition 1"
cutoff = "2024-06-01"

[[organisation]]
id = "org-a"
label_nl = "Bron A"
label_en = "Source A"

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "sex"
label_nl = "geslacht"
label_en = "sex"
values = [
  { id = "boys", label_nl = "jongens", label_en = "boys" },
  { id = "girls", label_nl = "meisjes", label_en = "girls" },
]

[[dimension]]
id = "origin"
label_nl = "herkomst"
label_en = "origin"
values = [
  { id = "domestic", label_nl = "binnenlands", label_en = "domestic" },
  { id = "foreign", label_nl = "buitenland", label_en = "foreign" },
]
"#;

const INDICATORS: &str = r#"
[[indicator]]
id = "victims"
theme = "t"
label_nl = "Slachtoffers"
label_en = "Victims"
unit = "count"
counting_unit = "persons"
dimensions = ["sex", "origin"]
exclusive = true
"#;

const CELLS: &str =
    "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n\
     victims,2023,,exact,50,,,,org-a,synthetic,,\n";

const PASSWORD: &str = "a long enough password";

/// What is asked, by breakdown: the total, girls and foreign of 2024.
const ASKED: [&str; 3] = ["", "sex=girls", "origin=foreign"];

struct Env {
    name: String,
    store: Store,
    state: AppState,
    delivery: i64,
    /// The asked cells in the order of the grid form (and of the files
    /// below, one line later for their header).
    asked: Vec<CellKey>,
    token: String,
    session: String,
    csrf: String,
}

async fn envs(test: &str) -> (tempfile::TempDir, Vec<Env>) {
    let files = [
        DataFile {
            path: "monitor.toml",
            text: MONITOR,
        },
        DataFile {
            path: "indicators.toml",
            text: INDICATORS,
        },
        DataFile {
            path: "cells/ed-1.csv",
            text: CELLS,
        },
    ];
    let (monitor, diags) = zicht_ingest::parse_monitor(&files);
    assert_eq!(diags.errors(), 0, "{diags:?}");
    let hash = auth::hash_password(PASSWORD).unwrap();
    let (dir, urls) = common::store_urls(&format!("one_way_in_{test}")).await;
    let mut out = Vec::new();
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        let versions: Vec<NewVersion<'_>> = monitor
            .cells
            .iter()
            .map(|rc| NewVersion {
                cell: &rc.cell,
                recorded_at: rc.recorded_at,
                reason: rc.reason.as_deref(),
            })
            .collect();
        store
            .load("test", Some(&monitor.catalogue), &versions, None)
            .await
            .unwrap();
        common::add_users(&store, &[("ed", Role::Editor, None)], &hash).await;
        let sup = store
            .create_user(
                None,
                &NewUser {
                    login: "sup",
                    name: "sup",
                    role: Role::Supplier,
                    organisation: Some("org-a"),
                    password_hash: &hash,
                },
            )
            .await
            .unwrap();
        let token = auth::new_api_token();
        store
            .create_token(None, sup.id, "test", &auth::hash_token(&token))
            .await
            .unwrap();
        let session = auth::random_token();
        let csrf = auth::random_token();
        store
            .create_session(sup.id, &auth::hash_token(&session), &csrf, 3600)
            .await
            .unwrap();
        let plan = RoundPlan {
            edition: Slug::parse("ed-1").unwrap(),
            title: "Uitvraag".into(),
            due: "2099-12-31".into(),
            requests: vec![Asking {
                organisation: Slug::parse("org-a").unwrap(),
                indicators: vec![Slug::parse("victims").unwrap()],
                periods: vec![Period::parse("2024").unwrap()],
                breakdowns: ASKED.iter().map(|b| Breakdown::parse(b).unwrap()).collect(),
            }],
        };
        let round = store.open_round(&Actor::editor("ed"), &plan).await.unwrap();
        let delivery = store.deliveries(round).await.unwrap()[0].id;
        let mut asked: Vec<CellKey> = store
            .asked_cells(round)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.key)
            .collect();
        asked.sort();
        out.push(Env {
            name: url.split('?').next().unwrap_or(&url).to_owned(),
            state: AppState::new(store.clone(), None),
            store,
            delivery,
            asked,
            token,
            session,
            csrf,
        });
    }
    (dir, out)
}

/// The figure of each asked breakdown in a delivery.
type Figures = [(&'static str, &'static str); 3];

/// The asked: total 61, girls 70, foreign `1.234` (a Dutch 1234, or a
/// fraction of a person).
const BAD: Figures = [("", "61"), ("sex=girls", "70"), ("origin=foreign", "1.234")];
/// Whole numbers, but more girls than victims.
const CONTRADICTORY: Figures = [("", "61"), ("sex=girls", "70"), ("origin=foreign", "5")];

fn value_of(figures: &Figures, key: &CellKey) -> &'static str {
    let b = key.breakdown.to_string();
    figures.iter().find(|(k, _)| *k == b).unwrap().1
}

fn rows(env: &Env, figures: &Figures) -> Vec<TemplateRow> {
    env.asked
        .iter()
        .map(|k| TemplateRow {
            indicator: k.indicator.to_string(),
            label: "Slachtoffers".into(),
            period: k.period.to_string(),
            breakdown: k.breakdown.to_string(),
            status: "exact".into(),
            value: value_of(figures, k).into(),
            lower: String::new(),
            upper: String::new(),
            reason: String::new(),
            previous: String::new(),
        })
        .collect()
}

fn grid(env: &Env, figures: &Figures, action: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf".to_owned(), env.csrf.clone()),
        ("action".to_owned(), action.to_owned()),
    ];
    for k in &env.asked {
        form.push((grid_field(k, "status"), "exact".into()));
        form.push((grid_field(k, "value"), value_of(figures, k).into()));
    }
    form
}

/// A problem as a way in names it: row and column.
type Named = (Option<usize>, Option<String>, String);

async fn send(
    env: &Env,
    req: axum::http::request::Builder,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let res = app(env.state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    (
        status,
        res.into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
}

async fn api(env: &Env, method: &str, what: &str, content_type: &str, body: Vec<u8>) -> Vec<Named> {
    let req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(format!("/api/deliveries/{}/{what}", env.delivery))
        .header(header::AUTHORIZATION, format!("Bearer {}", env.token))
        .header(header::CONTENT_TYPE, content_type);
    let (status, body) = send(env, req, body).await;
    let text = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}: {text}",
        env.name
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    json["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no problems in {text}", env.name))
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().map(|r| r as usize),
                p["column"].as_str().map(str::to_owned),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn portal_request(env: &Env, path: &str, content_type: &str) -> axum::http::request::Builder {
    Request::post(format!("/portal/deliveries/{}{path}", env.delivery))
        .header(
            header::COOKIE,
            format!("{}={}", auth::SESSION_COOKIE, env.session),
        )
        .header(header::CONTENT_TYPE, content_type)
}

/// The problems table of a portal page: row, column, message.
fn problems_on_page(env: &Env, status: StatusCode, body: &[u8]) -> Vec<Named> {
    let page = String::from_utf8_lossy(body);
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}: {page}",
        env.name
    );
    let table = page
        .split("<table class=\"data problems\">")
        .nth(1)
        .unwrap_or_else(|| panic!("{}: no problems table in {page}", env.name));
    let body = table
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    body.split("<tr>")
        .skip(1)
        .map(|tr| {
            let cells: Vec<&str> = tr
                .split("<td>")
                .skip(1)
                .map(|td| td.split("</td>").next().unwrap())
                .collect();
            let opt = |s: &str| (s != "—").then(|| s.to_owned());
            (
                opt(cells[0]).map(|r| r.parse().unwrap()),
                opt(cells[1]),
                cells[2].to_owned(),
            )
        })
        .collect()
}

async fn portal_grid(env: &Env, figures: &Figures, action: &str) -> Vec<Named> {
    let body = serde_urlencoded::to_string(grid(env, figures, action)).unwrap();
    let req = portal_request(env, "", "application/x-www-form-urlencoded");
    let (status, body) = send(env, req, body.into_bytes()).await;
    problems_on_page(env, status, &body)
}

async fn portal_upload(env: &Env, name: &str, content_type: &str, file: &[u8]) -> Vec<Named> {
    let boundary = "zicht-test-boundary-1f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n",
        env.csrf
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = portal_request(
        env,
        "/upload",
        &format!("multipart/form-data; boundary={boundary}"),
    );
    let (status, body) = send(env, req, body).await;
    problems_on_page(env, status, &body)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Every way in, each with its problems moved to the asked cell's position
/// (a file's line or sheet row is one more, for its header), so that they
/// compare.
async fn every_way_in(env: &Env, figures: &Figures) -> Vec<(&'static str, Vec<Named>)> {
    let csv = template_csv(&rows(env, figures));
    let xlsx = template_xlsx(&rows(env, figures)).unwrap();
    let in_file = |p: Vec<Named>| -> Vec<Named> {
        p.into_iter()
            .map(|(r, c, m)| (r.map(|r| r - 1), c, m))
            .collect()
    };
    vec![
        ("portal grid, save", portal_grid(env, figures, "save").await),
        (
            "portal grid, sign off",
            portal_grid(env, figures, "submit").await,
        ),
        (
            "portal CSV upload",
            in_file(portal_upload(env, "levering.csv", "text/csv", &csv).await),
        ),
        (
            "portal XLSX upload",
            in_file(portal_upload(env, "levering.xlsx", XLSX, &xlsx).await),
        ),
        (
            "API draft, CSV",
            in_file(api(env, "PUT", "draft", "text/csv", csv.clone()).await),
        ),
        (
            "API draft, XLSX",
            in_file(api(env, "PUT", "draft", XLSX, xlsx.clone()).await),
        ),
        (
            "API sign-off, CSV",
            in_file(api(env, "POST", "submit", "text/csv", csv).await),
        ),
        (
            "API sign-off, XLSX",
            in_file(api(env, "POST", "submit", XLSX, xlsx).await),
        ),
    ]
}

/// The position (1-based) of the asked cell with this breakdown.
fn position(env: &Env, breakdown: &str) -> usize {
    1 + env
        .asked
        .iter()
        .position(|k| k.breakdown.to_string() == breakdown)
        .unwrap()
}

fn assert_same_everywhere(env: &Env, ways: &[(&str, Vec<Named>)]) {
    let (first, expected) = &ways[0];
    for (way, problems) in ways {
        assert!(!problems.is_empty(), "{}: {way} refused nothing", env.name);
        for (row, column, message) in problems {
            assert!(
                row.is_some() && column.is_some(),
                "{}: {way}: a problem without row or column: {message}",
                env.name
            );
        }
        // Rows and columns are the same; a message may quote the figure as
        // each way read it (a sheet's number, a file's text).
        let places = |p: &[Named]| {
            p.iter()
                .map(|(r, c, _)| (*r, c.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            places(problems),
            places(expected),
            "{}: {way} and {first} disagree: {problems:?} vs {expected:?}",
            env.name
        );
    }
}

async fn assert_nothing_stored(env: &Env) {
    let sup = Actor::supplier("sup", Slug::parse("org-a").unwrap());
    assert!(
        env.store
            .draft(&sup, env.delivery)
            .await
            .unwrap()
            .is_empty(),
        "{}: a draft was saved",
        env.name
    );
    let d = env.store.delivery(&sup, env.delivery).await.unwrap();
    assert_eq!(d.revision, None, "{}: a revision was signed off", env.name);
    let cells = env
        .store
        .cells(&AsOf::Latest, Some("victims"))
        .await
        .unwrap();
    assert_eq!(cells.len(), 1, "{}: {cells:?}", env.name);
}

#[tokio::test]
async fn a_bad_delivery_is_refused_alike_through_every_way_in() {
    let (_dir, envs) = envs("ways").await;
    for env in &envs {
        // A fraction of a person, or a Dutch thousands separator: refused
        // at the foreign row's value whichever way it comes.
        let ways = every_way_in(env, &BAD).await;
        assert_same_everywhere(env, &ways);
        for (way, problems) in &ways {
            assert!(
                problems
                    .iter()
                    .any(|(r, c, _)| *r == Some(position(env, "origin=foreign"))
                        && c.as_deref() == Some("value")),
                "{}: {way}: {problems:?}",
                env.name
            );
        }
        assert_nothing_stored(env).await;

        // More girls than victims: refused at the total, against the same
        // rule `zicht import` applies.
        let ways = every_way_in(env, &CONTRADICTORY).await;
        assert_same_everywhere(env, &ways);
        for (way, problems) in &ways {
            assert!(
                problems
                    .iter()
                    .any(|(r, c, m)| *r == Some(position(env, ""))
                        && c.as_deref() == Some("value")
                        && m.contains("70")
                        && m.contains("61")),
                "{}: {way}: {problems:?}",
                env.name
            );
        }
        assert_nothing_stored(env).await;
    }
}

/// A delivery signed off when it was sound is checked again at accept: the
/// store may hold other figures by then (here a total loaded after the
/// sign-off, below the delivered girls). Refused by the API and the
/// portal, and nothing is taken into the monitor.
#[tokio::test]
async fn a_delivery_is_checked_again_at_accept() {
    let (_dir, envs) = envs("accept").await;
    for env in &envs {
        let slug = |s: &str| Slug::parse(s).unwrap();
        let girls = CellKey {
            indicator: slug("victims"),
            period: Period::parse("2025").unwrap(),
            breakdown: Breakdown::parse("sex=girls").unwrap(),
        };
        let plan = RoundPlan {
            edition: slug("ed-1"),
            title: "Nauitvraag".into(),
            due: "2099-12-31".into(),
            requests: vec![Asking {
                organisation: slug("org-a"),
                indicators: vec![girls.indicator.clone()],
                periods: vec![girls.period.clone()],
                breakdowns: vec![girls.breakdown.clone()],
            }],
        };
        let round = env
            .store
            .open_round(&Actor::editor("ed"), &plan)
            .await
            .unwrap();
        let delivery = env.store.deliveries(round).await.unwrap()[0].id;
        let answer = zicht_portal::DeliveredCell::new(
            girls.clone(),
            zicht_model::Figure::Exact { value: 70.0 },
            None,
        )
        .unwrap();
        let sup = Actor::supplier("sup", slug("org-a"));
        env.store.submit(&sup, delivery, &[answer]).await.unwrap();
        let total = zicht_model::Cell {
            indicator: girls.indicator.clone(),
            period: girls.period.clone(),
            breakdown: Breakdown::parse("").unwrap(),
            figure: zicht_model::Figure::Exact { value: 61.0 },
            provenance: zicht_model::Provenance {
                source: Some(slug("org-a")),
                source_ref: "synthetic".into(),
                ..Default::default()
            },
        };
        let now = zicht_store::now();
        env.store
            .load(
                "test",
                None,
                &[NewVersion {
                    cell: &total,
                    recorded_at: now,
                    reason: None,
                }],
                None,
            )
            .await
            .unwrap();

        let ed = env.store.user_by_login("ed").await.unwrap().unwrap();
        let token = auth::new_api_token();
        env.store
            .create_token(None, ed.id, "test", &auth::hash_token(&token))
            .await
            .unwrap();
        let req = Request::post(format!("/api/deliveries/{delivery}/accept"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let (status, body) = send(env, req, Vec::new()).await;
        let text = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {text}",
            env.name
        );
        assert!(
            text.contains("70") && text.contains("61") && text.contains("value"),
            "{}: {text}",
            env.name
        );

        // An editor's session must have passed the second factor.
        common::enrol_second_factor(&env.store, "ed").await;
        let session = auth::random_token();
        let csrf = auth::random_token();
        common::full_session(&env.store, "ed", &session, &csrf).await;
        let req = Request::post(format!("/portal/deliveries/{delivery}/accept"))
            .header(
                header::COOKIE,
                format!("{}={session}", auth::SESSION_COOKIE),
            )
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let (status, body) = send(env, req, format!("csrf={csrf}").into_bytes()).await;
        let page = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {page}",
            env.name
        );
        assert!(
            page.contains("70") && page.contains("61"),
            "{}: {page}",
            env.name
        );

        let held = env
            .store
            .cells(&AsOf::Latest, Some("victims"))
            .await
            .unwrap();
        assert!(
            held.iter().all(|c| c.cell.breakdown.is_total()),
            "{}: the girls were taken in: {held:?}",
            env.name
        );
    }
}
