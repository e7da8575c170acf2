//! Confidential values planted in a synthetic monitor (no real data) are
//! searched for in every public output the server makes: every file of the
//! site (pages, charts, downloads — the XLSX read cell by cell) and every
//! API answer. The values are chosen so that they appear nowhere else:
//! under a theme rule of 1,000, the counts 737 and 373 are "small"; 6161
//! belongs to an edition under embargo.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use zicht_ingest::DataFile;
use zicht_server::{app, AppState};
use zicht_store::Store;

mod common;

const MONITOR: &str = r#"
[[theme]]
id = "t"
label_nl = "Thema"
label_en = "Theme"
min_count = 1000

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
cutoff = "2023-01-01"

[[document]]
id = "ed-3"
kind = "edition"
label_nl = "Editie onder embargo"
label_en = "Edition under embargo"
cutoff = "2024-01-01"
embargo = "2099-06-01T10:00:00+02:00"

[[organisation]]
id = "org"
label_nl = "Bron"
label_en = "Source"

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "sex"
label_nl = "geslacht"
label_en = "sex"
values = [ { id = "boys", label_nl = "jongens", label_en = "boys" }, { id = "girls", label_nl = "meisjes", label_en = "girls" } ]

[[dimension]]
id = "region"
label_nl = "regio"
label_en = "region"
values = [ { id = "north", label_nl = "noord", label_en = "north" }, { id = "south", label_nl = "zuid", label_en = "south" } ]
"#;

const INDICATORS: &str = r#"
[[indicator]]
id = "victims"
theme = "t"
label_nl = "Slachtoffers"
label_en = "Victims"
unit = "count"
counting_unit = "persons"
dimensions = ["sex", "region"]
exclusive = true

[[indicator]]
id = "victims.share"
theme = "t"
label_nl = "Aandeel van het totaal"
label_en = "Share of the total"
unit = "percent"
dimensions = ["sex", "region"]
derived = { kind = "share", from = ["victims"] }
"#;

const HEADER: &str =
    "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n";

/// 2021: north boys 737 and south boys 373 are confidential; the rest is
/// large. Edition 2 revises the south girls (and so the totals it is part
/// of): unrevised cells are the same unknowns in both editions.
fn table(south_girls: u32) -> String {
    let (nb, ng, sb) = (737, 4151, 373);
    let sg = south_girls;
    let rows = [
        ("", nb + ng + sb + sg),
        ("sex=boys", nb + sb),
        ("sex=girls", ng + sg),
        ("region=north", nb + ng),
        ("region=south", sb + sg),
        ("region=north;sex=boys", nb),
        ("region=north;sex=girls", ng),
        ("region=south;sex=boys", sb),
        ("region=south;sex=girls", sg),
    ];
    rows.iter()
        .map(|(b, v)| format!("victims,2021,{b},exact,{v},,,,org,synthetic,,\n"))
        .collect()
}

async fn store() -> (tempfile::TempDir, Store) {
    let ed1 = format!(
        "{HEADER}{}victims.share,2021,region=north;sex=boys,exact,7.3,,,,org,synthetic,,\n",
        table(5209)
    );
    let ed2 = format!("{HEADER}{}", table(5230));
    let ed3 = format!("{HEADER}victims,2023,,exact,6161,,,,org,synthetic,,\n");
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
            text: &ed1,
        },
        DataFile {
            path: "cells/ed-2.csv",
            text: &ed2,
        },
        DataFile {
            path: "cells/ed-3.csv",
            text: &ed3,
        },
    ];
    let (monitor, diags) = zicht_ingest::parse_monitor(&files);
    assert_eq!(diags.errors(), 0, "{diags:?}");
    common::store_with(&monitor).await
}

/// Where `needle` stands as a number of its own in `text`: not part of a
/// longer number, a decimal or a thousands group.
fn stands_alone(text: &str, needle: &str) -> bool {
    let bytes = text.as_bytes();
    let numeric = |b: u8| b.is_ascii_digit() || b == b'.' || b == b',';
    text.match_indices(needle).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + needle.len()).copied();
        !before.is_some_and(numeric) && !after.is_some_and(numeric)
    })
}

// "7,3": the Dutch Excel download writes a decimal comma.
const PLANTED: [&str; 7] = ["737", "373", "6161", "6.161", "6,161", "7.3", "7,3"];

fn assert_clean(what: &str, text: &str) {
    for needle in PLANTED {
        assert!(
            !stands_alone(text, needle),
            "{what} shows the confidential value {needle}"
        );
    }
    for name in ["ed-3", "Editie onder embargo", "Edition under embargo"] {
        assert!(!text.contains(name), "{what} names the embargoed {name}");
    }
}

/// A CSV's fields, near enough for the search: a number is a field of its
/// own, which [`stands_alone`] cannot see beside the `,` that separates it
/// (a `,` may be a decimal comma). The Dutch Excel files use `;`.
fn csv_fields<'t>(path: &str, text: &'t str) -> Vec<&'t str> {
    let separator = if path.contains("excel-nl") { ';' } else { ',' };
    text.lines()
        .flat_map(|l| l.split(separator))
        .map(|f| f.trim_matches('"'))
        .collect()
}

#[test]
fn the_search_finds_what_it_looks_for() {
    let found = |path: &str, text: &str, needle: &str| {
        csv_fields(path, text)
            .iter()
            .any(|f| stands_alone(f, needle))
    };
    assert!(found("cells.csv", "victims,2021,,exact,737,,,", "737"));
    assert!(found("x.csv", "victims.share,2021,b,exact,7.3,", "7.3"));
    assert!(found("excel-nl/x.csv", "x;2021;b;exact;7,3;;", "7,3"));
    assert!(!found("excel-nl/x.csv", "x;2021;b;exact;17,3;;", "7,3"));
    // The search itself must be able to fail.
    assert!(stands_alone("<td>737</td>", "737"));
    assert!(stands_alone("\"value\":373}", "373"));
    assert!(!stands_alone("y=\"173.7\"", "737"));
    assert!(!stands_alone("4.737", "737"));
    assert!(stands_alone("6.161 slachtoffers", "6.161"));
}

#[tokio::test]
async fn planted_values_reach_no_page_download_or_api_answer() {
    let (_dir, store) = store().await;
    // The store holds them, so their absence below is the release's doing.
    let all = store.cells(&zicht_store::AsOf::Latest, None).await.unwrap();
    let raw: Vec<String> = all.iter().map(|c| format!("{:?}", c.cell.figure)).collect();
    assert!(raw.iter().any(|f| f.contains("737.0")));
    assert!(raw.iter().any(|f| f.contains("6161.0")));

    let now = zicht_model::Instant::from(std::time::SystemTime::now());
    for edition in [None, Some("ed-1"), Some("ed-2")] {
        let input = zicht_server::site_input(&store, edition, now)
            .await
            .unwrap();
        let site = zicht_publish::site::build(&input).unwrap();
        assert!(site.files.len() > 5);
        // The search below covers every download, the labelled ones too.
        for path in [
            "downloads/cells.csv",
            "downloads/labelled.csv",
            "downloads/labelled-excel-nl.csv",
            "downloads/workbook.xlsx",
            "downloads/codebook.csv",
            "downloads/codebook.md",
            "downloads/indicator/victims.csv",
            "downloads/indicator/victims.share.xlsx",
            "downloads/indicator-excel-nl/victims.share.csv",
        ] {
            assert!(site.files.contains_key(path), "{path} is not built");
        }
        for (path, bytes) in &site.files {
            if path.ends_with(".xlsx") {
                use calamine::Reader;
                let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
                for name in book.sheet_names() {
                    let range = book.worksheet_range(&name).unwrap();
                    for row in range.rows() {
                        for cell in row {
                            assert_clean(&format!("{path} (sheet {name})"), &cell.to_string());
                        }
                    }
                }
            } else {
                let text = String::from_utf8_lossy(bytes);
                assert_clean(path, &text);
                if path.ends_with(".csv") {
                    for field in csv_fields(path, &text) {
                        assert_clean(path, field);
                    }
                }
            }
        }
    }

    let state = AppState::new(store, None);
    let mut uris = vec![
        "/api/indicators".to_owned(),
        "/api/editions".to_owned(),
        "/api/recommendations".to_owned(),
        "/api/measures".to_owned(),
        "/".to_owned(),
        "/en/".to_owned(),
    ];
    for ind in ["victims", "victims.share"] {
        uris.push(format!("/api/indicators/{ind}"));
        uris.push(format!("/api/indicators/{ind}/cells"));
        for e in ["ed-1", "ed-2"] {
            uris.push(format!("/api/indicators/{ind}/cells?edition={e}"));
        }
        for d in ["2021-06-01", "2022-06-01", "2023-06-01", "2099-12-31"] {
            uris.push(format!("/api/indicators/{ind}/cells?as_of={d}"));
        }
    }
    for uri in &uris {
        let res = app(state.clone())
            .oneshot(Request::get(uri.as_str()).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(status.is_success(), "{uri}: {status} {text}");
        assert_clean(uri, &text);
    }
    // An edition under embargo does not exist for the public yet.
    let res = app(state.clone())
        .oneshot(
            Request::get("/api/indicators/victims/cells?edition=ed-3")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
