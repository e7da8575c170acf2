//! Encoded records in a round (migration 0009), on SQLite and PostgreSQL:
//! asked, uploaded, replaced, linked and deleted, or swept at the
//! retention date; each step in the audit trail, the file gone after.

mod common;
use common::rounds::catalogue;

use zicht_model::{Breakdown, Period, Slug};
use zicht_portal::{Actor, Request, RoundPlan};
use zicht_store::{AuditFilter, NewLinkage, Store, StoreError};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn plan() -> RoundPlan {
    let request = |org: &str| Request {
        organisation: slug(org),
        indicators: vec![slug("victims")],
        periods: vec![Period::year(2024)],
        breakdowns: vec![
            Breakdown::total(),
            Breakdown::parse("sex=boys").unwrap(),
            Breakdown::parse("sex=girls").unwrap(),
        ],
    };
    RoundPlan {
        edition: slug("ed-2025"),
        title: "Uitvraag 2025".into(),
        due: "2025-03-31".into(),
        requests: vec![request("registry"), request("police")],
    }
}

async fn stores(test: &str) -> Vec<(String, Store)> {
    common::stores_holding(&format!("encoded_{test}"), "init", &catalogue()).await
}

fn day(s: &str) -> zicht_model::Day {
    s.parse().unwrap()
}

async fn actions(store: &Store) -> Vec<String> {
    let mut a: Vec<String> = store
        .audit_log(&AuditFilter {
            entity_prefix: Some("encoded:".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            format!(
                "{} {}",
                r.entry.action,
                r.entry.organisation.unwrap_or_default()
            )
        })
        .collect();
    a.reverse();
    a
}

const FILE: &str = "record_id,encoding\nr1,AAAA\n";

#[tokio::test]
async fn asked_uploaded_linked_and_deleted() {
    for (url, store) in stores("lifecycle").await {
        let editor = Actor::editor("eva");
        let registry = Actor::supplier("rita", slug("registry"));
        let police = Actor::supplier("piet", slug("police"));
        let round = store.open_round(&editor, &plan()).await.unwrap();
        assert!(
            matches!(
                store
                    .ask_encoded(&registry, round, &slug("registry"), day("2099-12-31"))
                    .await,
                Err(StoreError::Forbidden(_))
            ),
            "{url}"
        );
        assert!(
            matches!(
                store
                    .ask_encoded(&editor, round, &slug("nobody"), day("2099-12-31"))
                    .await,
                Err(StoreError::UnknownOrganisation(_))
            ),
            "{url}"
        );
        for org in ["registry", "police"] {
            let r = store
                .ask_encoded(&editor, round, &slug(org), day("2099-12-31"))
                .await
                .unwrap();
            assert!(!r.holds_file(), "{url}");
        }
        assert!(
            matches!(
                store
                    .ask_encoded(&editor, round, &slug("police"), day("2099-12-31"))
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "asked twice: {url}"
        );
        // A supplier asked for nothing in a round gets "not found".
        let other = Actor::supplier("olga", slug("registry"));
        let second = store.open_round(&editor, &plan()).await.unwrap();
        assert!(
            matches!(
                store
                    .upload_encoded(&other, second, FILE, 1, "x", day("2026-01-01"))
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "{url}"
        );

        store
            .upload_encoded(&registry, round, FILE, 1, "first", day("2026-01-01"))
            .await
            .unwrap();
        let r = store
            .upload_encoded(
                &registry,
                round,
                "record_id,encoding\nr1,AAAA\nr2,BBBB\n",
                2,
                "second",
                day("2026-01-01"),
            )
            .await
            .unwrap();
        assert_eq!(
            (r.records, r.sha256.as_deref()),
            (Some(2), Some("second")),
            "replaced: {url}"
        );
        store
            .upload_encoded(&police, round, FILE, 1, "p", day("2026-01-01"))
            .await
            .unwrap();
        let files = store.encoded_files(round).await.unwrap();
        assert_eq!(files.len(), 2, "{url}");
        assert!(
            files
                .iter()
                .any(|(r, c)| r.organisation.as_str() == "registry" && c.contains("r2,BBBB")),
            "{url}"
        );

        let ids: Vec<i64> = files.iter().map(|(r, _)| r.id).collect();
        let linkage = store
            .save_linkage(
                None,
                &NewLinkage {
                    round_id: round,
                    parameters: r#"{"threshold":0.82}"#,
                    histories: "police,registry,count\n1,1,1\n",
                    report: "Link report",
                    linked: &ids,
                },
            )
            .await
            .unwrap();
        assert!(
            store.encoded_files(round).await.unwrap().is_empty(),
            "the files are gone: {url}"
        );
        for r in store.encoded_requests(round).await.unwrap() {
            assert_eq!(r.deleted_why.as_deref(), Some("linked"), "{url}");
            assert_eq!(
                r.records,
                Some(if r.organisation.as_str() == "registry" {
                    2
                } else {
                    1
                }),
                "what was kept is still told: {url}"
            );
        }
        let l = store.linkage(linkage).await.unwrap();
        assert_eq!(l.histories, "police,registry,count\n1,1,1\n", "{url}");
        assert_eq!(store.linkages(round).await.unwrap().len(), 1, "{url}");
        // A linked file cannot come back, nor be linked again.
        assert!(
            matches!(
                store
                    .upload_encoded(&police, round, FILE, 1, "again", day("2026-01-01"))
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{url}"
        );
        assert!(
            store
                .save_linkage(
                    None,
                    &NewLinkage {
                        round_id: round,
                        parameters: "{}",
                        histories: "",
                        report: "",
                        linked: &ids
                    }
                )
                .await
                .is_err(),
            "{url}"
        );
        assert_eq!(
            actions(&store).await,
            [
                "encoded.ask registry",
                "encoded.ask police",
                "encoded.upload registry",
                "encoded.upload registry",
                "encoded.upload police",
                "encoded.delete police",
                "encoded.delete registry",
            ],
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_file_is_swept_on_its_retention_date_and_not_taken_after() {
    for (url, store) in stores("sweep").await {
        let editor = Actor::editor("eva");
        let registry = Actor::supplier("rita", slug("registry"));
        let police = Actor::supplier("piet", slug("police"));
        let round = store.open_round(&editor, &plan()).await.unwrap();
        store
            .ask_encoded(&editor, round, &slug("registry"), day("2026-06-30"))
            .await
            .unwrap();
        store
            .ask_encoded(&editor, round, &slug("police"), day("2026-12-31"))
            .await
            .unwrap();
        store
            .upload_encoded(&registry, round, FILE, 1, "r", day("2026-06-01"))
            .await
            .unwrap();
        store
            .upload_encoded(&police, round, FILE, 1, "p", day("2026-06-01"))
            .await
            .unwrap();
        assert!(
            store
                .sweep_encoded(None, day("2026-06-29"))
                .await
                .unwrap()
                .is_empty(),
            "{url}"
        );
        let swept = store.sweep_encoded(None, day("2026-06-30")).await.unwrap();
        assert_eq!(swept.len(), 1, "{url}");
        assert_eq!(swept[0].organisation.as_str(), "registry", "{url}");
        assert_eq!(swept[0].deleted_why.as_deref(), Some("retention"), "{url}");
        let files = store.encoded_files(round).await.unwrap();
        assert_eq!(files.len(), 1, "{url}");
        assert_eq!(files[0].0.organisation.as_str(), "police", "{url}");
        assert!(
            store
                .sweep_encoded(None, day("2026-07-01"))
                .await
                .unwrap()
                .is_empty(),
            "swept once: {url}"
        );
        // On its retention date nothing is taken any more.
        assert!(
            matches!(
                store
                    .upload_encoded(&police, round, FILE, 1, "late", day("2026-12-31"))
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{url}"
        );
        assert_eq!(
            actions(&store).await.last().map(String::as_str),
            Some("encoded.delete registry"),
            "{url}"
        );
    }
}
