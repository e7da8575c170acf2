//! Encoded records through the portal's pages (issue 13), as browsers drive
//! them: an editor opens a round that asks no cells and asks two
//! organisations for encoded records; a supplier finds the upload from its
//! portal home and uploads a file over the 5 MiB of an ordinary upload,
//! past the CSRF guard, which still refuses a wrong token; the editor's
//! linkage runs in the background and the round's page shows how it went.
//! On a real SQLite store with the embedded monitor.

mod common;

use common::browser::{Browser, PASSWORD};

use axum::http::StatusCode;
use std::time::{Duration, Instant};
use zicht_linkage::synth::{generate, SynthOptions};
use zicht_linkage::{Encoder, Secret};
use zicht_model::Role;
use zicht_server::{auth, AppState};

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
        let clk = encoder.encode(&r.raw()).unwrap();
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
        .upload(&format!("{encoded}/file"), "not-the-token", "enc.csv", &big)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let res = sup
        .upload(&format!("{encoded}/file"), &page.csrf(), "enc.csv", &big)
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
            "enc.csv",
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
