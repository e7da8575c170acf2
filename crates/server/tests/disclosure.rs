//! Disclosure through every public output, on the real store: the
//! embedded monitor's CoMensha 2018 split (a sex split that adds up beside
//! an origin split that does not), refusals made through a real round
//! (refused from the start, and refused after the figure was published),
//! and an exact integer attacker over the whole embedded monitor's public
//! export. The rounds use a synthetic monitor, no real data.

#[path = "../../release/tests/attacker/mod.rs"]
mod attacker;
mod common;

use std::collections::BTreeMap;

use attacker::{Public, Relation as Rel, Shown, Sum};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use zicht_disclose::{Relation, Rule, TableBuilder, Truth};
use zicht_ingest::DataFile;
use zicht_model::{Catalogue, Cell, Figure, Role, Unit};
use zicht_server::{app, auth, AppState};
use zicht_store::{AsOf, NewUser, Store};

/// One public row: period, breakdown (as the output names it), status and
/// the figure's text.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    period: String,
    breakdown: String,
    status: String,
    value: String,
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if !content_type.is_empty() {
        b = b.header(header::CONTENT_TYPE, content_type);
    }
    let res = app(state.clone())
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn get(state: &AppState, uri: &str) -> String {
    let (s, body) = call(state, "GET", uri, None, "", Vec::new()).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {body}");
    body
}

fn number(v: &Value) -> String {
    v.as_f64().map(|x| x.to_string()).unwrap_or_default()
}

/// The API's cells of an indicator.
async fn api_rows(state: &AppState, indicator: &str, query: &str) -> Vec<Row> {
    let body = get(state, &format!("/api/indicators/{indicator}/cells{query}")).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Row {
            period: c["period"].as_str().unwrap().to_owned(),
            breakdown: c["breakdown"].as_str().unwrap().to_owned(),
            status: c["status"].as_str().unwrap().to_owned(),
            value: number(&c["value"]),
        })
        .collect()
}

/// Rows of the export contract's CSV (the downloads, `export --public`).
fn csv_rows(csv: &str, indicator: &str) -> Vec<Row> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == indicator)
        .map(|f| Row {
            period: f[1].to_owned(),
            breakdown: f[2].to_owned(),
            status: f[3].to_owned(),
            value: f[4].to_owned(),
        })
        .collect()
}

/// Every figure of an indicator page, in the table of all figures and in
/// the table of earlier editions: the breakdown as the page labels it.
fn page_rows(html: &str) -> Vec<Row> {
    let mut out = Vec::new();
    for chunk in html.split("<tr><th scope=\"row\">").skip(1) {
        let Some((period, rest)) = chunk.split_once("</th><td>") else {
            continue;
        };
        let Some((label, mut rest)) = rest.split_once("</td>") else {
            continue;
        };
        // A chart's table of years: its figures are also in the table of
        // all figures.
        if label.contains('<') {
            continue;
        }
        let end = rest.find("</tr>").unwrap_or(rest.len());
        rest = &rest[..end];
        for fig in rest.split("<span class=\"fig st-").skip(1) {
            let (status, rest) = fig.split_once("\">").unwrap();
            let (text, _) = rest.split_once("</span>").unwrap();
            out.push(Row {
                period: period.to_owned(),
                breakdown: label.to_owned(),
                status: status.to_owned(),
                value: text.replace('.', ""),
            });
        }
    }
    out
}

/// Whether the rows show the figure `value` exactly for this cell.
fn shows(rows: &[Row], period: &str, breakdown: &str, value: &str) -> bool {
    rows.iter().any(|r| {
        r.period == period && r.breakdown == breakdown && r.status == "exact" && r.value == value
    })
}

/// The split total = boys + girls, as an attacker reads it off some public
/// rows: boys' whole-number interval, or `None` where what is shown of the
/// three contradicts itself.
fn boys_interval(rows: &[Row], period: &str, b: [&str; 3], zeros_published: bool) -> (f64, f64) {
    let mut p = Public::default();
    let mut ids = Vec::new();
    for name in b {
        // A page shows a cell once per edition as well: the attacker takes
        // the most telling.
        let shown = rows
            .iter()
            .filter(|r| r.period == period && r.breakdown == name)
            .map(|r| match r.status.as_str() {
                "exact" => Shown::Exact(r.value.parse().unwrap()),
                "below" => Shown::Below(10.0),
                "suppressed" => Shown::Hidden,
                _ => Shown::Nothing,
            })
            .min_by_key(|s| match s {
                Shown::Exact(_) => 0,
                Shown::Below(_) => 1,
                Shown::Hidden => 2,
                _ => 3,
            })
            .unwrap_or(Shown::Nothing);
        ids.push(p.push(name, shown, zeros_published));
    }
    p.relations.push(Rel {
        total: ids[0],
        parts: vec![ids[1], ids[2]],
        sum: Sum::Equal,
    });
    p.read_x(&ids.iter().map(|&c| (c, 10.0)).collect::<Vec<_>>());
    p.interval(ids[1]).expect("the rows contradict themselves")
}

// ---------------------------------------------------------------------
// CoMensha 2018 in the embedded monitor.

/// The source gives 62 minor victims, 9 boys and 53 girls, and an origin
/// split of 22 foreign victims only. Boys must not be readable as
/// 62 − 53 in the API, on the indicator page or in the downloads.
#[tokio::test]
async fn comensha_2018_boys_cannot_be_read_off_the_total_and_the_girls() {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (_dir, store) = common::store_with(&monitor).await;
    let state = AppState::new(store, None);
    let ind = "comensha.minor_victims";
    let sex = ["", "sex=boys", "sex=girls"];
    for query in [
        "",
        "?edition=kic-2020",
        "?edition=kib-2023",
        "?edition=kib-2025",
    ] {
        let rows = api_rows(&state, ind, query).await;
        assert!(
            rows.iter().any(|r| r.period == "2018"),
            "{query}: 2018 is in the API"
        );
        assert!(!shows(&rows, "2018", "sex=boys", "9"), "{query}: {rows:?}");
        let (low, high) = boys_interval(&rows, "2018", sex, true);
        assert!(
            low <= 9.0 && high - low >= 3.0,
            "API{query}: boys 2018 pinned to [{low}, {high}]: {:?}",
            rows.iter()
                .filter(|r| r.period == "2018")
                .collect::<Vec<_>>()
        );
    }
    let csv = get(&state, "/downloads/cells.csv").await;
    let rows = csv_rows(&csv, ind);
    let (low, high) = boys_interval(&rows, "2018", sex, true);
    assert!(
        low <= 9.0 && high - low >= 3.0,
        "downloads: [{low}, {high}]"
    );
    for page in [
        format!("/indicator/{ind}.html"),
        format!("/en/indicator/{ind}.html"),
    ] {
        let rows = page_rows(&get(&state, &page).await);
        let en = page.starts_with("/en");
        let names = if en {
            ["total", "boys", "girls"]
        } else {
            ["totaal", "jongens", "meisjes"]
        };
        assert!(
            rows.iter()
                .any(|r| r.period == "2018" && r.breakdown == names[0]),
            "{page}: the 2018 total is on the page"
        );
        // The page holds the latest figures and every edition's: an
        // attacker combines all of them.
        assert!(!shows(&rows, "2018", names[1], "9"), "{page}");
        assert!(
            !(shows(&rows, "2018", names[0], "62") && shows(&rows, "2018", names[2], "53")),
            "{page}: total 62 and girls 53 are both shown: {:?}",
            rows.iter()
                .filter(|r| r.period == "2018")
                .collect::<Vec<_>>()
        );
    }
}

// ---------------------------------------------------------------------
// Refusals through a real round.

const MONITOR: &str = r#"
[[theme]]
id = "t"
label_nl = "Thema"
label_en = "Theme"
min_count = 10

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

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "sex"
label_nl = "geslacht"
label_en = "sex"
values = [ { id = "boys", label_nl = "jongens", label_en = "boys" }, { id = "girls", label_nl = "meisjes", label_en = "girls" } ]
"#;

const INDICATORS: &str = r#"
[[indicator]]
id = "victims"
theme = "t"
label_nl = "Slachtoffers"
label_en = "Victims"
unit = "count"
counting_unit = "persons"
dimensions = ["sex"]
exclusive = true
"#;

const CELLS: &str =
    "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n\
     victims,2021,,exact,500,,,,org-a,synthetic,,\n";

const HEADER: &str = "indicator,label,period,breakdown,status,value,lower,upper,reason,previous\n";

struct Round {
    state: AppState,
    store: Store,
    editor: String,
    supplier: String,
    delivery: i64,
    _dir: tempfile::TempDir,
}

impl Round {
    async fn send(&self, method: &str, uri: &str, who: &str, ct: &str, body: String) -> Value {
        let (s, text) = call(&self.state, method, uri, Some(who), ct, body.into_bytes()).await;
        assert!(s.is_success(), "{method} {uri}: {s}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn submit(&self, csv: &str) {
        let uri = format!("/api/deliveries/{}/submit", self.delivery);
        let who = self.supplier.clone();
        self.send("POST", &uri, &who, "text/csv", csv.to_owned())
            .await;
    }

    async fn accept(&self) {
        let uri = format!("/api/deliveries/{}/accept", self.delivery);
        let who = self.editor.clone();
        self.send("POST", &uri, &who, "", String::new()).await;
    }

    /// The figures of victims in every public output: the API, the
    /// indicator page (Dutch labels turned back into breakdowns), the
    /// download and what `zicht export --public` writes.
    async fn outputs(&self) -> Vec<(&'static str, Vec<Row>)> {
        let api = api_rows(&self.state, "victims", "").await;
        let page = page_rows(&get(&self.state, "/indicator/victims.html").await)
            .into_iter()
            .map(|mut r| {
                r.breakdown = match r.breakdown.as_str() {
                    "totaal" => "",
                    "jongens" => "sex=boys",
                    "meisjes" => "sex=girls",
                    other => panic!("unexpected row {other}"),
                }
                .to_owned();
                r
            })
            .collect();
        let download = csv_rows(&get(&self.state, "/downloads/cells.csv").await, "victims");
        // `zicht export --public`: the same two calls the command makes.
        let (cat, cells) = zicht_server::public_cells(
            &self.store,
            &AsOf::Latest,
            None,
            zicht_model::Instant::from(std::time::SystemTime::now()),
        )
        .await
        .unwrap();
        let bytes = zicht_publish::render(&cells, &cat, zicht_publish::Format::Csv).unwrap();
        let export = csv_rows(&String::from_utf8(bytes).unwrap(), "victims");
        vec![
            ("API", api),
            ("site", page),
            ("download", download),
            ("export --public", export),
        ]
    }
}

async fn round(test: &str, asked: &[&str]) -> Vec<Round> {
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
    let hash = auth::hash_password("a long enough password").unwrap();
    let (dir, urls) = common::store_urls(&format!("disclosure_{test}")).await;
    let mut out = Vec::new();
    let mut dir = Some(dir);
    for url in urls {
        let store = Store::open(&url).await.unwrap();
        common::load_monitor(&store, &monitor).await;
        let mut tokens = Vec::new();
        for (login, role, org) in [
            ("ed", Role::Editor, None),
            ("sup-a", Role::Supplier, Some("org-a")),
        ] {
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
            tokens.push(token);
        }
        let state = AppState::new(store.clone(), None);
        let plan = json!({
            "edition": "ed-2",
            "title": "Uitvraag",
            "due": "2099-03-31",
            "requests": [{
                "organisation": "org-a",
                "indicators": ["victims"],
                "periods": asked,
                "breakdowns": ["", "sex=boys", "sex=girls"],
            }],
        });
        let body = plan.to_string().into_bytes();
        let (s, text) = call(
            &state,
            "POST",
            "/api/rounds",
            Some(&tokens[0]),
            "application/json",
            body,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{text}");
        let (_, text) = call(
            &state,
            "GET",
            "/api/deliveries",
            Some(&tokens[1]),
            "",
            vec![],
        )
        .await;
        let list: Value = serde_json::from_str(&text).unwrap();
        let delivery = list["deliveries"][0]["id"].as_i64().unwrap();
        out.push(Round {
            state,
            store,
            editor: tokens[0].clone(),
            supplier: tokens[1].clone(),
            delivery,
            _dir: dir.take().unwrap_or_else(|| tempfile::tempdir().unwrap()),
        });
    }
    out
}

/// Neither the refused boys nor the total and the girls together: boys
/// (truly 3) must keep the policy's width in every output.
fn assert_boys_hidden(outputs: &[(&str, Vec<Row>)], period: &str, when: &str) {
    for (what, rows) in outputs {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.period == period).collect();
        for b in ["", "sex=boys", "sex=girls"] {
            assert!(
                mine.iter().any(|r| r.breakdown == b),
                "{when}: {what}: no [{b}] in {mine:?}"
            );
        }
        assert!(
            !mine
                .iter()
                .any(|r| r.breakdown == "sex=boys" && r.status == "exact"),
            "{when}: {what}: {mine:?}"
        );
        let (low, high) = boys_interval(rows, period, ["", "sex=boys", "sex=girls"], true);
        assert!(
            low <= 3.0 && 3.0 <= high && high - low >= 3.0,
            "{when}: {what}: boys {period} pinned to [{low}, {high}]: {mine:?}"
        );
    }
}

fn status_of<'a>(rows: &'a [Row], period: &str, breakdown: &str) -> &'a str {
    rows.iter()
        .find(|r| r.period == period && r.breakdown == breakdown)
        .map(|r| r.status.as_str())
        .unwrap_or("missing")
}

/// (b) Boys refused from the start beside a total of 52 and 49 girls.
#[tokio::test]
async fn a_cell_refused_from_the_start_is_not_given_away_by_its_siblings() {
    for r in round("refused_from_start", &["2022"]).await {
        r.submit(&format!(
            "{HEADER}victims,Slachtoffers,2022,,exact,52,,,,\n\
             victims,Slachtoffers,2022,sex=boys,refused,,,,De bron geeft dit niet,\n\
             victims,Slachtoffers,2022,sex=girls,exact,49,,,,\n"
        ))
        .await;
        r.accept().await;
        let outputs = r.outputs().await;
        for (what, rows) in &outputs {
            assert_eq!(
                status_of(rows, "2022", "sex=boys"),
                "refused",
                "{what}: the public sees the refusal"
            );
        }
        assert_boys_hidden(&outputs, "2022", "refused from the start");
    }
}

/// (a) Boys 3 published as "<10" beside a suppressed sibling; the editor
/// reopens the cell, the supplier resubmits it refused, the editor accepts.
#[tokio::test]
async fn a_cell_refused_after_it_was_published_stays_protected() {
    for r in round("refused_after", &["2023"]).await {
        let figures = |boys: &str| {
            format!(
                "{HEADER}victims,Slachtoffers,2023,,exact,20,,,,\n\
                 victims,Slachtoffers,2023,sex=boys,{boys}\n\
                 victims,Slachtoffers,2023,sex=girls,exact,17,,,,\n"
            )
        };
        r.submit(&figures("exact,3,,,,")).await;
        r.accept().await;
        let outputs = r.outputs().await;
        for (what, rows) in &outputs {
            assert!(
                rows.iter().any(|r| r.period == "2023"
                    && r.breakdown == "sex=boys"
                    && r.status == "below"),
                "{what}: {rows:?}"
            );
        }
        assert_boys_hidden(&outputs, "2023", "published as <10");

        let uri = format!("/api/deliveries/{}/reopen", r.delivery);
        let body = json!({
            "indicator": "victims", "period": "2023", "breakdown": "sex=boys",
            "message": "Mag dit openbaar?",
        });
        let editor = r.editor.clone();
        r.send("POST", &uri, &editor, "application/json", body.to_string())
            .await;
        r.submit(&figures("refused,,,,De bron trekt dit cijfer in,"))
            .await;
        r.accept().await;
        // The store keeps the 3 it had; the public sees the refusal only.
        let history = r
            .store
            .versions(&AsOf::Latest, Some("victims"))
            .await
            .unwrap();
        let boys: Vec<&Figure> = history
            .iter()
            .filter(|v| {
                v.cell.period.to_string() == "2023" && v.cell.breakdown.to_string() == "sex=boys"
            })
            .map(|v| &v.cell.figure)
            .collect();
        assert_eq!(
            boys,
            [&Figure::Exact { value: 3.0 }, &Figure::Refused],
            "the history keeps the value"
        );
        let outputs = r.outputs().await;
        for (what, rows) in &outputs {
            assert_eq!(status_of(rows, "2023", "sex=boys"), "refused", "{what}");
        }
        assert_boys_hidden(&outputs, "2023", "refused after publication");
    }
}

// ---------------------------------------------------------------------
// The exact attacker over the embedded monitor's public export.

/// What the attacker assumes of a relation: where the stored figures are
/// all exact, what they show (equal, parts short of the total, or parts
/// over it: no relation); elsewhere only what the indicator declares at
/// the least (parts within their total, or counted at least once).
fn relation_from_truth(
    cells: &[&Cell],
    total: usize,
    parts: &[usize],
    exclusive: bool,
) -> Option<Sum> {
    let exact = |c: usize| match cells[c].figure {
        Figure::Exact { value } => Some(value),
        _ => None,
    };
    let known: Option<Vec<f64>> = std::iter::once(total)
        .chain(parts.iter().copied())
        .map(exact)
        .collect();
    match known {
        Some(v) => {
            let sum: f64 = v[1..].iter().sum();
            if (sum - v[0]).abs() < 1e-9 {
                Some(Sum::Equal)
            } else if sum < v[0] && exclusive {
                Some(Sum::AtMost)
            } else if sum > v[0] && !exclusive {
                Some(Sum::AtLeast)
            } else {
                None
            }
        }
        None if exclusive => Some(Sum::AtMost),
        None => Some(Sum::AtLeast),
    }
}

fn shown(f: &Figure) -> Shown {
    match *f {
        Figure::Exact { value } => Shown::Exact(value),
        Figure::Below { upper } => Shown::Below(upper),
        Figure::Rounded { value, base } => Shown::Rounded { value, base },
        Figure::Range { lower, upper } => Shown::Range(lower, upper),
        Figure::Suppressed => Shown::Hidden,
        Figure::Estimate { .. } | Figure::Refused | Figure::NotAvailable => Shown::Nothing,
    }
}

type Key = (String, String, String);

fn key(c: &Cell) -> Key {
    (
        c.indicator.to_string(),
        c.period.to_string(),
        c.breakdown.to_string(),
    )
}

/// Adds one moment's public counts to what the attacker has: each
/// indicator × period with its relations. Returns where each cell went,
/// with its true figure.
fn add_moment(
    public: &mut Public,
    catalogue: &Catalogue,
    truth: &[Cell],
    published: &[Cell],
    tag: &str,
) -> BTreeMap<Key, (usize, Figure)> {
    let shown_of: BTreeMap<Key, &Figure> = published.iter().map(|c| (key(c), &c.figure)).collect();
    let mut groups: BTreeMap<(String, String), Vec<&Cell>> = BTreeMap::new();
    for c in truth {
        let Some(ind) = catalogue.indicator(c.indicator.as_str()) else {
            continue;
        };
        if ind.unit != Unit::Count || !shown_of.contains_key(&key(c)) {
            continue;
        }
        groups
            .entry((c.indicator.to_string(), c.period.to_string()))
            .or_default()
            .push(c);
    }
    let mut at = BTreeMap::new();
    for ((indicator, _), cells) in groups {
        let ind = catalogue.indicator(&indicator).unwrap();
        // The structure only: which breakdowns sum to which.
        let mut b = TableBuilder::new();
        for d in &ind.dimensions {
            let Some(dim) = catalogue.dimension(d.as_str()) else {
                continue;
            };
            if let Some(parent) = &dim.parent {
                b = b.hierarchy(zicht_disclose::Hierarchy {
                    parent: parent.to_string(),
                    child: dim.id.to_string(),
                    parent_of: dim
                        .values
                        .iter()
                        .filter_map(|v| Some((v.id.to_string(), v.parent.as_ref()?.to_string())))
                        .collect(),
                });
            }
        }
        let mut ids = Vec::new();
        for c in &cells {
            let pairs: Vec<(&str, &str)> = c
                .breakdown
                .pairs()
                .map(|(d, v)| (d.as_str(), v.as_str()))
                .collect();
            b.push(&pairs, Truth::Unknown, Rule::default()).unwrap();
            let id = public.push(
                format!("{} {} [{}]{tag}", c.indicator, c.period, c.breakdown),
                shown(shown_of[&key(c)]),
                !ind.zeros_sensitive.unwrap_or(false),
            );
            ids.push(id);
            at.insert(key(c), (id, c.figure));
        }
        let ks: Vec<(usize, f64)> = cells
            .iter()
            .zip(&ids)
            .map(|(c, &id)| {
                let k = zicht_release::min_count(catalogue, c).unwrap_or(0);
                (id, f64::from(k))
            })
            .collect();
        public.read_x(&ks);
        let table = b.build().unwrap();
        for e in table.equations() {
            debug_assert_eq!(e.relation, Relation::Equal);
            if let Some(sum) = relation_from_truth(&cells, e.total, &e.parts, ind.exclusive) {
                public.relations.push(Rel {
                    total: ids[e.total],
                    parts: e.parts.iter().map(|&p| ids[p]).collect(),
                    sum,
                });
            }
        }
    }
    at
}

/// Every edition as published and the latest figures, as `zicht export
/// --public` writes them: every hidden small count keeps the policy's
/// width against an attacker holding all of them at once, an unrevised
/// count being the same in each.
#[tokio::test]
async fn no_hidden_count_of_the_embedded_monitor_is_narrower_than_the_policy() {
    let (monitor, diags) = zicht_ingest::embedded_monitor();
    assert_eq!(diags.errors(), 0);
    let (_dir, store) = common::store_with(&monitor).await;
    let catalogue = store.catalogue().await.unwrap();
    let now = zicht_model::Instant::from(std::time::SystemTime::now());
    let mut moments: Vec<AsOf> = zicht_release::editions_before(&catalogue, None, now)
        .iter()
        .map(|d| AsOf::Edition(d.id.to_string()))
        .collect();
    moments.push(AsOf::Latest);
    let mut public = Public::default();
    let mut placed: Vec<BTreeMap<Key, (usize, Figure)>> = Vec::new();
    for moment in &moments {
        let (_, published) = zicht_server::public_cells(&store, moment, None, now)
            .await
            .unwrap();
        let truth: Vec<Cell> = store
            .cells(moment, None)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.cell)
            .collect();
        let tag = format!(" ({moment:?})");
        placed.push(add_moment(
            &mut public,
            &catalogue,
            &truth,
            &published,
            &tag,
        ));
    }
    // An unrevised count is the same unknown in every moment.
    for later in 1..placed.len() {
        for (k, (id, fig)) in &placed[later] {
            if let Some((first, f)) = placed[..later].iter().find_map(|m| m.get(k)) {
                if matches!(fig, Figure::Exact { .. }) && f == fig {
                    public.same.push((*first, *id));
                }
            }
        }
    }
    let mut asked = Vec::new();
    for m in &placed {
        for (k, (id, fig)) in m {
            let Figure::Exact { value } = *fig else {
                continue;
            };
            let ind = catalogue.indicator(&k.0).unwrap();
            let cell = Cell {
                indicator: zicht_model::Slug::parse(&k.0).unwrap(),
                period: zicht_model::Period::parse(&k.1).unwrap(),
                breakdown: zicht_model::Breakdown::parse(&k.2).unwrap(),
                figure: *fig,
                provenance: Default::default(),
            };
            let k_min = f64::from(zicht_release::min_count(&catalogue, &cell).unwrap_or(0));
            let zeros = ind.zeros_sensitive.unwrap_or(false);
            if !(value < k_min && (value > 0.0 || zeros)) {
                continue;
            }
            let floor = if zeros { 0.0 } else { 1.0 };
            let width = attacker::policy_width(k_min, ind.protection.map(f64::from))
                .min(k_min - 1.0 - floor);
            asked.push((*id, value, width));
        }
    }
    assert!(
        asked.len() > 10,
        "the monitor has hidden small counts: {}",
        asked.len()
    );
    let leaks = public.leaks(&asked);
    assert!(
        leaks.is_empty(),
        "{} of {} hidden small counts leak from the public export:\n{}",
        leaks.len(),
        asked.len(),
        leaks
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
