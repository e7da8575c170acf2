//! A whole request round through the JSON API on the real store (SQLite,
//! and PostgreSQL when `ZICHT_TEST_POSTGRES_URL` is set), with bearer
//! tokens: an editor opens a round for an edition of a synthetic monitor
//! (no real data), suppliers fill in their templates and sign off, the
//! editor returns and accepts, and the accepted figure reaches the public
//! API exactly when its edition is public.

mod common;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use zicht_ingest::DataFile;
use zicht_model::Role;
use zicht_server::{app, auth, AppState};
use zicht_store::{NewUser, NewVersion, Store};

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
cutoff = "2022-01-01"

[[document]]
id = "ed-2"
kind = "edition"
label_nl = "Editie 2"
label_en = "Edition 2"
cutoff = "2024-06-01"

[[organisation]]
id = "org-a"
label_nl = "Bron A"
label_en = "Source A"

[[organisation]]
id = "org-b"
label_nl = "Bron B"
label_en = "Source B"

[[organisation]]
id = "org-c"
label_nl = "Bron C"
label_en = "Source C"

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"
"#;

const INDICATORS: &str = r#"
[[indicator]]
id = "victims"
theme = "t"
label_nl = "Slachtoffers"
label_en = "Victims"
unit = "count"
counting_unit = "persons"
"#;

const CELLS: &str =
    "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n\
                     victims,2021,,exact,500,,,,org-a,synthetic,,\n";

const MIN_PASSWORD: &str = "a long enough password";

/// Logins and the organisations they supply.
const SUPPLIERS: [(&str, &str); 3] = [("sup-a", "org-a"), ("sup-b", "org-b"), ("sup-c", "org-c")];

struct Env {
    name: String,
    state: AppState,
    /// Bearer tokens by login: ed (editor), sup-a, sup-b, sup-c.
    tokens: Vec<(&'static str, String)>,
    _dir: tempfile::TempDir,
}

impl Env {
    fn token(&self, login: &str) -> &str {
        &self.tokens.iter().find(|(l, _)| *l == login).unwrap().1
    }
}

async fn store_urls(test: &str) -> (tempfile::TempDir, Vec<String>) {
    common::store_urls(&format!("api_{test}")).await
}

/// One application per backend on a fresh store with the synthetic
/// monitor, an editor and the suppliers of [`SUPPLIERS`], each with a token.
async fn envs(test: &str) -> Vec<Env> {
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
    let hash = auth::hash_password(MIN_PASSWORD).unwrap();
    let (dir, urls) = store_urls(test).await;
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
        let mut users = vec![("ed", Role::Editor, None)];
        users.extend(
            SUPPLIERS
                .iter()
                .map(|(l, o)| (*l, Role::Supplier, Some(*o))),
        );
        let mut tokens = Vec::new();
        for (login, role, org) in users {
            let user = store
                .create_user(
                    None,
                    &NewUser {
                        login,
                        name: login,
                        role,
                        organisation: org,
                        password_hash: &hash,
                    },
                )
                .await
                .unwrap();
            let token = auth::new_api_token();
            store
                .create_token(None, user.id, "test", &auth::hash_token(&token))
                .await
                .unwrap();
            tokens.push((login, token));
        }
        out.push(Env {
            name: url.split('?').next().unwrap_or(&url).to_owned(),
            state: AppState::new(store, None),
            tokens,
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    out[0]._dir = dir;
    out
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(
    env: &Env,
    method: &str,
    path: &str,
    who: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path);
    if let Some(login) = who {
        b = b.header(
            header::AUTHORIZATION,
            format!("Bearer {}", env.token(login)),
        );
    }
    if !content_type.is_empty() {
        b = b.header(header::CONTENT_TYPE, content_type);
    }
    let res = app(env.state.clone())
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(env: &Env, path: &str, who: Option<&str>) -> Answer {
    send(env, "GET", path, who, "", Vec::new()).await
}

async fn json_call(env: &Env, method: &str, path: &str, who: &str, body: Value) -> Answer {
    send(
        env,
        method,
        path,
        Some(who),
        "application/json",
        body.to_string().into_bytes(),
    )
    .await
}

async fn csv(env: &Env, method: &str, path: &str, who: &str, text: &str) -> Answer {
    send(
        env,
        method,
        path,
        Some(who),
        "text/csv",
        text.as_bytes().to_vec(),
    )
    .await
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const HEADER: &str = "indicator,label,period,breakdown,status,value,lower,upper,reason,previous\n";

fn filled(v2022: &str, v2023: &str) -> String {
    format!(
        "{HEADER}victims,Slachtoffers,2022,,exact,{v2022},,,,500\nvictims,Slachtoffers,2023,,exact,{v2023},,,,\n"
    )
}

fn plan() -> Value {
    json!({
        "edition": "ed-2",
        "title": "Uitvraag 2024",
        "due": "2099-03-31",
        "requests": SUPPLIERS.iter().map(|(_, org)| json!({
            "organisation": org,
            "indicators": ["victims"],
            "periods": ["2022", "2023"],
        })).collect::<Vec<_>>(),
    })
}

/// Opens the round as the editor and gives its id and each supplier's
/// delivery id.
async fn open_round(env: &Env) -> (i64, Vec<(&'static str, i64)>) {
    let a = json_call(env, "POST", "/api/rounds", "ed", plan()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}: {}", env.name, a.text());
    let round = a.json()["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for (login, org) in SUPPLIERS {
        let list = get(env, "/api/deliveries", Some(login)).await.json();
        let list = list["deliveries"].as_array().unwrap();
        assert_eq!(list.len(), 1, "a supplier sees its own delivery only");
        assert_eq!(list[0]["organisation"], org);
        assert_eq!(list[0]["round"], round);
        ids.push((login, list[0]["id"].as_i64().unwrap()));
    }
    (round, ids)
}

fn id_of(ids: &[(&str, i64)], login: &str) -> i64 {
    ids.iter().find(|(l, _)| *l == login).unwrap().1
}

/// Whether the public API shows the figure `value` for victims.
async fn public_shows(env: &Env, value: &str) -> bool {
    let a = get(env, "/api/indicators/victims/cells", None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let cells = a.json();
    let cells = cells
        .as_array()
        .cloned()
        .or_else(|| cells["cells"].as_array().cloned())
        .unwrap_or_else(|| panic!("no cells in {cells}"));
    cells.iter().any(|c| {
        c["period"] == "2023" && c["value"].as_f64().map(|v| v.to_string()) == Some(value.into())
    })
}

#[tokio::test]
async fn a_whole_round_from_opening_to_release() {
    for env in envs("whole").await {
        let e = &env;
        let n = &env.name;

        // A bad plan: every problem with its place.
        let bad = json_call(
            e,
            "POST",
            "/api/rounds",
            "ed",
            json!({"edition": "ed-9", "title": " ", "due": "soon", "requests": []}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let places: Vec<String> = bad.json()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["place"].as_str().unwrap().to_owned())
            .collect();
        for place in ["edition", "title", "due"] {
            assert!(places.iter().any(|p| p == place), "{n}: {places:?}");
        }
        // No cells asked is no problem: such a round collects encoded
        // records only.
        assert!(!places.iter().any(|p| p == "requests"), "{n}: {places:?}");
        let refused = json_call(e, "POST", "/api/rounds", "sup-a", plan()).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "suppliers open no rounds"
        );

        let (round, ids) = open_round(e).await;
        let da = id_of(&ids, "sup-a");
        let listed = get(e, "/api/rounds", Some("ed")).await.json();
        assert_eq!(listed["rounds"][0]["id"], round);
        assert_eq!(listed["rounds"][0]["edition"], "ed-2");

        // The template: every asked cell, last year's public figure beside it.
        let t = get(
            e,
            &format!("/api/deliveries/{da}/template.csv"),
            Some("sup-a"),
        )
        .await;
        assert_eq!(t.status, StatusCode::OK);
        assert!(t.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let text = t.text();
        assert!(
            text.contains("victims,Slachtoffers,2022,,,,,,,500"),
            "{n}: {text}"
        );
        assert!(text.contains("victims,Slachtoffers,2023,"), "{text}");
        let x = get(
            e,
            &format!("/api/deliveries/{da}/template.xlsx"),
            Some("sup-a"),
        )
        .await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.body.starts_with(b"PK\x03\x04"));

        // One bad row: 422 naming its row and column; nothing saved.
        let broken = filled("4000", "4100").replace("2023,,exact", "2023,,exactly");
        let a = csv(
            e,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &broken,
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: {}",
            a.text()
        );
        let problems = a.json()["problems"].as_array().unwrap().clone();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0]["row"], 3);
        assert_eq!(problems[0]["column"], "status");
        let d = get(e, &format!("/api/deliveries/{da}"), Some("sup-a"))
            .await
            .json();
        assert_eq!(
            d["draft"].as_array().unwrap().len(),
            0,
            "{n}: nothing saved"
        );
        assert_eq!(d["asked"].as_array().unwrap().len(), 2);

        // Half a draft saves, but does not sign off.
        let half = format!("{HEADER}victims,Slachtoffers,2022,,exact,4000,,,,500\n");
        let a = csv(
            e,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &half,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.json(), json!({"saved": 1, "missing": 1}));
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{da}/submit"),
            Some("sup-a"),
            "",
            vec![],
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: {}",
            a.text()
        );

        // Fixed: saved, then signed off; a retry makes no new revision.
        let a = csv(
            e,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &filled("4000", "4100"),
        )
        .await;
        assert_eq!(a.json(), json!({"saved": 2, "missing": 0}));
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{da}/submit"),
            Some("sup-a"),
            "",
            vec![],
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert_eq!(a.json(), json!({"revision": 1, "new": true}));
        let a = csv(
            e,
            "POST",
            &format!("/api/deliveries/{da}/submit"),
            "sup-a",
            &filled("4000", "4100"),
        )
        .await;
        assert_eq!(a.json(), json!({"revision": 1, "new": false}), "{n}");
        let a = csv(
            e,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &filled("1", "1"),
        )
        .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "signed off: no more drafts");

        // Another organisation learns nothing about it.
        for path in [
            format!("/api/deliveries/{da}"),
            format!("/api/deliveries/{da}/template.csv"),
            format!("/api/deliveries/{da}/revisions"),
        ] {
            let a = get(e, &path, Some("sup-b")).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{n}: {path}");
            assert!(!a.text().contains("org-a"), "{}", a.text());
        }
        let a = csv(
            e,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-b",
            &filled("1", "1"),
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(
            get(e, "/api/history?organisation=org-a", Some("sup-b"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{da}/accept"),
            Some("sup-a"),
            "",
            vec![],
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "a supplier accepts nothing"
        );

        // The editor sees the progress and returns it with a message.
        let r = get(e, &format!("/api/rounds/{round}"), Some("ed"))
            .await
            .json();
        let progress = r["progress"].as_array().unwrap();
        let of = |org: &str| {
            progress
                .iter()
                .find(|p| p["organisation"] == org)
                .unwrap()
                .clone()
        };
        assert_eq!(of("org-a")["state"], "submitted");
        assert_eq!(of("org-a")["delivered"], 2);
        assert_eq!(of("org-b")["missing"], 2);
        assert_eq!(r["deliveries"].as_array().unwrap().len(), 3);
        let a = json_call(
            e,
            "POST",
            &format!("/api/deliveries/{da}/return"),
            "ed",
            json!({"message": " "}),
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a return needs a message"
        );
        let a = json_call(
            e,
            "POST",
            &format!("/api/deliveries/{da}/return"),
            "ed",
            json!({"message": "2023 lijkt te laag"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert_eq!(a.json()["state"], "returned");
        let d = get(e, &format!("/api/deliveries/{da}"), Some("sup-a"))
            .await
            .json();
        assert_eq!(d["message"], "2023 lijkt te laag");
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{da}/accept"),
            Some("ed"),
            "",
            vec![],
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::CONFLICT,
            "a returned delivery is not accepted"
        );

        // Resubmitted with a file; the review shows what changed.
        let a = csv(
            e,
            "POST",
            &format!("/api/deliveries/{da}/submit"),
            "sup-a",
            &filled("4000", "4321"),
        )
        .await;
        assert_eq!(a.json(), json!({"revision": 2, "new": true}), "{n}");
        let diff = get(e, &format!("/api/deliveries/{da}/differences"), Some("ed"))
            .await
            .json();
        let changed = diff["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["cell"]["period"] == "2023")
            .unwrap()
            .clone();
        assert_eq!(changed["figure"], "4321");
        assert_eq!(changed["earlier"][0]["figure"], "4100");
        assert!(changed["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("changed_since_earlier_revision")));
        let revs = get(e, &format!("/api/deliveries/{da}/revisions"), Some("sup-a"))
            .await
            .json();
        assert_eq!(revs["revisions"].as_array().unwrap().len(), 2);
        assert_eq!(revs["reviews"][0]["decision"], "returned");

        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{da}/accept"),
            Some("ed"),
            "",
            vec![],
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert_eq!(a.json()["cells_added"], 2);
        let hist = get(e, "/api/history", Some("sup-a")).await.json();
        let actions: Vec<&str> = hist["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        for action in ["delivery.submit", "delivery.return", "delivery.accept"] {
            assert!(actions.contains(&action), "{n}: {actions:?}");
        }

        // Public exactly when its edition is.
        assert!(
            public_shows(e, "4321").await,
            "{n}: accepted and ed-2 is public"
        );
        // ed-2 is public: an embargo ahead withdraws it, so it is asked
        // for again with `confirm`, after being told what would go.
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "ed",
            json!({"embargo": "2099-12-01T10:00:00+01:00"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text());
        let w = &a.json()["would_withdraw"];
        assert_eq!(w["edition"], "ed-2");
        assert_eq!(w["label_en"], "Edition 2");
        assert!(w["cells"].as_u64().unwrap() >= 1, "{w}");
        assert!(w["indicators"].as_u64().unwrap() >= 1, "{w}");
        assert!(a.json()["error"].as_str().unwrap().contains("confirm"));
        assert!(public_shows(e, "4321").await, "{n}: nothing changed yet");
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "ed",
            json!({"embargo": "2099-12-01T10:00:00+01:00", "confirm": true}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert!(!public_shows(e, "4321").await, "{n}: under embargo");
        // Not public any more: moving the embargo asks nothing.
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "ed",
            json!({"embargo": "2099-12-02T10:00:00+01:00"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "ed",
            json!({"embargo": "next week"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "sup-a",
            json!({"embargo": null}),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert!(!public_shows(e, "4321").await, "{n}: still under embargo");
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/embargo",
            "ed",
            json!({"embargo": "2020-01-01T00:00:00Z"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(public_shows(e, "4321").await, "{n}: the embargo has passed");

        // Pre-release access for a known login only.
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/pre-release/sup-b",
            "ed",
            json!({}),
        )
        .await;
        assert_eq!(a.json()["pre_release"], json!(["sup-b"]), "{n}");
        let a = send(
            e,
            "DELETE",
            "/api/editions/ed-2/pre-release/sup-b",
            Some("ed"),
            "",
            vec![],
        )
        .await;
        assert_eq!(a.json()["pre_release"], json!([]));
        let a = json_call(
            e,
            "PUT",
            "/api/editions/ed-2/pre-release/nobody",
            "ed",
            json!({}),
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_xlsx_is_read_and_a_bomb_or_an_oversize_body_stores_nothing() {
    for env in envs("xlsx").await {
        let e = &env;
        let n = &env.name;
        let (_, ids) = open_round(e).await;
        let dc = id_of(&ids, "sup-c");
        let draft = format!("/api/deliveries/{dc}/draft");
        // The XLSX template carries the saved draft; uploaded after the
        // draft was emptied, it brings those figures back.
        let a = csv(e, "PUT", &draft, "sup-c", &filled("71", "72")).await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        let xlsx = get(
            e,
            &format!("/api/deliveries/{dc}/template.xlsx"),
            Some("sup-c"),
        )
        .await;
        assert_eq!(xlsx.headers[header::CONTENT_TYPE], XLSX);
        let a = csv(e, "PUT", &draft, "sup-c", HEADER).await;
        assert_eq!(a.json(), json!({"saved": 0, "missing": 2}), "{n}");
        let a = send(e, "PUT", &draft, Some("sup-c"), XLSX, xlsx.body.clone()).await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert_eq!(a.json(), json!({"saved": 2, "missing": 0}));
        let d = get(e, &format!("/api/deliveries/{dc}"), Some("sup-c"))
            .await
            .json();
        let values: Vec<f64> = d["draft"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_f64().unwrap())
            .collect();
        assert_eq!(values, vec![71.0, 72.0]);

        // A zip bomb: 40 MiB of zeros in a few dozen kilobytes.
        let bomb = {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..40 {
                w.write_all(&zeros).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        let a = send(e, "PUT", &draft, Some("sup-c"), XLSX, bomb.clone()).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: {}",
            a.text()
        );
        assert!(a.json()["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty()));
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{dc}/submit"),
            Some("sup-c"),
            XLSX,
            bomb,
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{n}: {}",
            a.text()
        );

        // More than the upload limit: 413 before anything is read.
        let mut big = filled("1", "2").into_bytes();
        big.resize(zicht_server::work::UPLOAD_LIMIT + 1, b'\n');
        let a = send(e, "PUT", &draft, Some("sup-c"), "text/csv", big.clone()).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{n}");
        assert!(a.json()["error"].is_string());
        let a = send(
            e,
            "POST",
            &format!("/api/deliveries/{dc}/submit"),
            Some("sup-c"),
            "text/csv",
            big,
        )
        .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{n}");

        // Nothing of either was stored: the draft is the XLSX's, unsigned.
        let d = get(e, &format!("/api/deliveries/{dc}"), Some("sup-c"))
            .await
            .json();
        assert_eq!(d["state"], "draft");
        assert!(d["revision"].is_null());
        let values: Vec<f64> = d["draft"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_f64().unwrap())
            .collect();
        assert_eq!(values, vec![71.0, 72.0], "{n}");
        // An editor does not fill in a supplier's delivery.
        let a = csv(e, "PUT", &draft, "ed", &filled("1", "2")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn suppliers_signing_off_at_once_all_land() {
    for env in envs("concurrent").await {
        let e = &env;
        let (round, ids) = open_round(e).await;
        let sign_off = |login: &'static str, v: u32| {
            let id = id_of(&ids, login);
            async move {
                let a = csv(
                    e,
                    "POST",
                    &format!("/api/deliveries/{id}/submit"),
                    login,
                    &filled(&v.to_string(), &(v + 1).to_string()),
                )
                .await;
                (login, a.status, a.text())
            }
        };
        let results = tokio::join!(
            sign_off("sup-a", 100),
            sign_off("sup-b", 200),
            sign_off("sup-c", 300)
        );
        for (login, status, text) in [results.0, results.1, results.2] {
            assert_eq!(status, StatusCode::OK, "{}: {login}: {text}", e.name);
        }
        let r = get(e, &format!("/api/rounds/{round}"), Some("ed"))
            .await
            .json();
        for d in r["deliveries"].as_array().unwrap() {
            assert_eq!(d["state"], "submitted", "{}: {d}", e.name);
            assert_eq!(d["revision"], 1);
        }
        for (login, v) in [("sup-a", 100.0), ("sup-b", 200.0), ("sup-c", 300.0)] {
            let id = id_of(&ids, login);
            let revs = get(e, &format!("/api/deliveries/{id}/revisions"), Some("ed"))
                .await
                .json();
            let cells = revs["revisions"][0]["cells"].as_array().unwrap().clone();
            assert_eq!(cells[0]["value"], v, "{}: {login}", e.name);
            assert_eq!(cells[1]["value"], v + 1.0);
        }
    }
}

#[tokio::test]
async fn a_round_is_planned_edited_copied_and_closed_through_the_api() {
    for env in envs("planning").await {
        let n = &env.name;
        // What can be asked, with labels and each indicator's breakdowns.
        let options = get(&env, "/api/rounds/options", Some("ed")).await;
        assert_eq!(options.status, StatusCode::OK, "{n}: {}", options.text());
        let options = options.json();
        assert_eq!(options["themes"][0]["indicators"][0]["id"], "victims");
        assert_eq!(
            options["themes"][0]["indicators"][0]["breakdowns"],
            json!([""])
        );
        assert_eq!(options["organisations"].as_array().unwrap().len(), 3);
        assert_eq!(
            get(&env, "/api/rounds/options", Some("sup-a")).await.status,
            StatusCode::FORBIDDEN
        );

        let (round, ids) = open_round(&env).await;
        // Changed before anyone started: org-c out, a later due day.
        let mut changed = plan();
        changed["due"] = json!("2099-04-30");
        changed["requests"].as_array_mut().unwrap().pop();
        let path = format!("/api/rounds/{round}");
        assert_eq!(
            json_call(&env, "PUT", &path, "sup-a", changed.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let a = json_call(&env, "PUT", &path, "ed", changed.clone()).await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert_eq!(a.json()["due"], "2099-04-30");
        let r = get(&env, &path, Some("ed")).await.json();
        assert_eq!(r["deliveries"].as_array().unwrap().len(), 2, "{n}");
        let p = get(&env, &format!("{path}/plan"), Some("ed")).await.json();
        assert_eq!(p["requests"].as_array().unwrap().len(), 2, "{n}: {p}");
        assert!(
            get(&env, "/api/deliveries", Some("sup-c")).await.json()["deliveries"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Once a supplier saved a draft, the round stays as it is.
        let da = id_of(&ids, "sup-a");
        let draft = format!("{HEADER}victims,Slachtoffers,2022,,exact,510,,,,500\n");
        let a = csv(
            &env,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &draft,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        let a = json_call(&env, "PUT", &path, "ed", plan()).await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{n}: {}", a.text());

        // A new edition with its cut-off; last year's round copied into it.
        let edition = json!({
            "id": "ed-3", "label_nl": "Editie 3", "label_en": "Edition 3",
            "cutoff": "2025-06-01", "embargo": "2099-10-01T10:00:00+02:00",
        });
        for (who, status) in [
            ("sup-a", StatusCode::FORBIDDEN),
            ("ed", StatusCode::CREATED),
            ("ed", StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let a = json_call(
                &env,
                "POST",
                "/api/catalogue/editions",
                who,
                edition.clone(),
            )
            .await;
            assert_eq!(a.status, status, "{n}: {who}: {}", a.text());
        }
        let bad = json!({"id": "ed-4", "label_nl": "x", "label_en": "x", "cutoff": "1 juni"});
        let a = json_call(&env, "POST", "/api/catalogue/editions", "ed", bad).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let a = json_call(
            &env,
            "POST",
            &format!("{path}/copy"),
            "ed",
            json!({"edition": "ed-3", "due": "2100-03-31"}),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{n}: {}", a.text());
        let copy = a.json()["id"].as_i64().unwrap();
        let p = get(&env, &format!("/api/rounds/{copy}/plan"), Some("ed"))
            .await
            .json();
        assert_eq!(p["edition"], "ed-3");
        assert_eq!(p["title"], "Uitvraag 2025");
        let mut periods: Vec<String> = p["requests"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["periods"].as_array().unwrap().clone())
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        periods.sort();
        periods.dedup();
        assert_eq!(periods, ["2023", "2024"], "{n}");

        // Closed: no more drafts, closing twice is refused.
        let a = send(
            &env,
            "POST",
            &format!("{path}/close"),
            Some("sup-a"),
            "",
            Vec::new(),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let a = send(
            &env,
            "POST",
            &format!("{path}/close"),
            Some("ed"),
            "",
            Vec::new(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{n}: {}", a.text());
        assert!(a.json()["closed_at"].is_string());
        let a = send(
            &env,
            "POST",
            &format!("{path}/close"),
            Some("ed"),
            "",
            Vec::new(),
        )
        .await;
        assert_eq!(a.status, StatusCode::CONFLICT);
        let a = csv(
            &env,
            "PUT",
            &format!("/api/deliveries/{da}/draft"),
            "sup-a",
            &draft,
        )
        .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{n}: {}", a.text());
        assert!(get(&env, &path, Some("ed")).await.json()["closed_at"].is_string());

        let actions: Vec<(String, Option<String>)> = env
            .state
            .store()
            .audit_log(&zicht_store::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|r| {
                r.entry.entity.starts_with("round:") || r.entry.entity.starts_with("edition:")
            })
            .map(|r| (r.entry.action, r.entry.actor))
            .collect();
        for action in ["round.open", "round.edit", "round.close", "edition.add"] {
            assert!(
                actions
                    .iter()
                    .any(|(a, who)| a == action && who.as_deref() == Some("ed")),
                "{n}: {action} in {actions:?}"
            );
        }
    }
}
