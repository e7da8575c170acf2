//! Planning rounds in the store, on SQLite and PostgreSQL: a round edited
//! until a supplier starts, closed afterwards, copied to the next year, and
//! an edition added with its cut-off.

mod common;
use common::rounds::catalogue;

use zicht_model::{Breakdown, DocumentKind, Figure, Period, Slug};
use zicht_portal::{Actor, CellKey, DeliveredCell, DeliveryState, Request, RoundPlan};
use zicht_store::{AuditFilter, Store, StoreError};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn request(org: &str, breakdowns: &[&str]) -> Request {
    Request {
        organisation: slug(org),
        indicators: vec![slug("victims")],
        periods: vec![Period::year(2024)],
        breakdowns: breakdowns
            .iter()
            .map(|b| Breakdown::parse(b).unwrap())
            .collect(),
    }
}

fn plan() -> RoundPlan {
    RoundPlan {
        edition: slug("ed-2025"),
        title: "Uitvraag 2025".into(),
        due: "2025-03-31".into(),
        requests: vec![
            request("registry", &["", "sex=boys", "sex=girls"]),
            request("police", &[""]),
        ],
    }
}

fn editor() -> Actor {
    Actor::editor("eva")
}
fn registry() -> Actor {
    Actor::supplier("rita", slug("registry"))
}

fn total(value: f64) -> DeliveredCell {
    DeliveredCell::new(
        CellKey {
            indicator: slug("victims"),
            period: Period::year(2024),
            breakdown: Breakdown::total(),
        },
        Figure::Exact { value },
        None,
    )
    .unwrap()
}

async fn stores(test: &str) -> Vec<(String, Store)> {
    common::stores_holding(&format!("plans_{test}"), "init", &catalogue()).await
}

async fn actions(store: &Store, entity: &str) -> Vec<String> {
    let mut out: Vec<String> = store
        .audit_log(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.entity == entity)
        .map(|r| r.entry.action)
        .collect();
    out.reverse();
    out
}

async fn delivery_of(store: &Store, round: i64, org: &str) -> Option<i64> {
    store
        .deliveries(round)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.organisation.as_str() == org)
        .map(|d| d.id)
}

#[tokio::test]
async fn a_round_is_edited_until_a_supplier_starts() {
    for (url, store) in stores("edit").await {
        let round = store.open_round(&editor(), &plan()).await.unwrap();
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 4, "{url}");
        assert!(!store.round_started(round).await.unwrap());

        // Police out, the registry asked only the total, a later due day.
        let mut changed = plan();
        changed.due = "2025-04-30".into();
        changed.title = "Uitvraag 2025, herzien".into();
        changed.requests = vec![request("registry", &[""])];
        let after = store.edit_round(&editor(), round, &changed).await.unwrap();
        assert_eq!(after.due, "2025-04-30", "{url}");
        assert_eq!(after.title, "Uitvraag 2025, herzien");
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 1);
        assert_eq!(delivery_of(&store, round, "police").await, None, "{url}");
        assert_eq!(
            store.round_plan(round).await.unwrap().requests,
            changed.requests
        );

        // Police back in: a new delivery for it.
        let reg = delivery_of(&store, round, "registry").await.unwrap();
        store.edit_round(&editor(), round, &plan()).await.unwrap();
        assert!(
            delivery_of(&store, round, "police").await.is_some(),
            "{url}"
        );
        assert_eq!(delivery_of(&store, round, "registry").await, Some(reg));
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 4);

        // A plan with a problem changes nothing.
        let mut wrong = plan();
        wrong.requests.push(request("nobody", &[""]));
        assert!(matches!(
            store.edit_round(&editor(), round, &wrong).await,
            Err(StoreError::Plan(_))
        ));
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 4, "{url}");

        // A supplier may not change a round.
        assert!(matches!(
            store.edit_round(&registry(), round, &plan()).await,
            Err(StoreError::Forbidden(_))
        ));

        // Once the registry has saved a draft, the round stays as it is.
        store
            .save_draft(&registry(), reg, &[total(12.0)])
            .await
            .unwrap();
        assert!(store.round_started(round).await.unwrap());
        let refused = store.edit_round(&editor(), round, &changed).await;
        assert!(
            matches!(refused, Err(StoreError::RoundState(_))),
            "{url}: {refused:?}"
        );
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 4, "{url}");
        assert_eq!(store.round(round).await.unwrap().due, "2025-03-31");
        assert_eq!(
            actions(&store, &format!("round:{round}")).await,
            vec!["round.open", "round.edit", "round.edit"],
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_closed_round_takes_no_deliveries_and_is_not_chased() {
    for (url, store) in stores("close").await {
        let round = store.open_round(&editor(), &plan()).await.unwrap();
        let other = store.open_round(&editor(), &plan()).await.unwrap();
        let reg = delivery_of(&store, round, "registry").await.unwrap();
        let pol = delivery_of(&store, round, "police").await.unwrap();
        let police = Actor::supplier("piet", slug("police"));
        store.submit(&police, pol, &[total(7.0)]).await.unwrap();

        assert!(matches!(
            store.close_round(&registry(), round).await,
            Err(StoreError::Forbidden(_))
        ));
        let closed = store.close_round(&editor(), round).await.unwrap();
        assert!(closed.is_closed(), "{url}");
        assert_eq!(closed.closed_by.as_deref(), Some("eva"));
        assert!(matches!(
            store.close_round(&editor(), round).await,
            Err(StoreError::RoundState(_))
        ));

        // No more drafts, sign-offs, returns; a signed-off delivery can
        // still be accepted.
        for refused in [
            store
                .save_draft(&registry(), reg, &[total(1.0)])
                .await
                .err(),
            store
                .return_delivery(&editor(), pol, "nog eens")
                .await
                .err(),
        ] {
            assert!(
                matches!(refused, Some(StoreError::RoundState(_))),
                "{url}: {refused:?}"
            );
        }
        assert!(store.draft(&editor(), reg).await.unwrap().is_empty());
        store.accept(&editor(), pol).await.unwrap();
        assert_eq!(
            store.delivery(&editor(), pol).await.unwrap().state,
            DeliveryState::Accepted
        );
        assert!(matches!(
            store.edit_round(&editor(), round, &plan()).await,
            Err(StoreError::RoundState(_))
        ));

        // The reminders and the digest read only the open rounds.
        let open: Vec<i64> = store
            .open_rounds()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(open, vec![other], "{url}");
        assert_eq!(store.rounds().await.unwrap().len(), 2);
        assert_eq!(
            actions(&store, &format!("round:{round}")).await,
            vec!["round.open", "round.close"],
            "{url}"
        );
    }
}

#[tokio::test]
async fn last_years_round_is_copied_one_year_on() {
    for (url, store) in stores("copy").await {
        let round = store.open_round(&editor(), &plan()).await.unwrap();
        let edition = zicht_model::Document {
            id: slug("ed-2026"),
            kind: DocumentKind::Edition,
            label_nl: "Editie 2026".into(),
            label_en: "Edition 2026".into(),
            publisher: Some(slug("registry")),
            cutoff: "2026-06-30".parse().unwrap(),
            published: None,
            seed: None,
            embargo: None,
        };
        assert!(matches!(
            store.add_edition(&registry(), &edition).await,
            Err(StoreError::Forbidden(_))
        ));
        store.add_edition(&editor(), &edition).await.unwrap();
        assert!(matches!(
            store.add_edition(&editor(), &edition).await,
            Err(StoreError::Invalid(_))
        ));
        let cat = store.catalogue().await.unwrap();
        let added = cat.document("ed-2026").unwrap();
        assert_eq!(added.cutoff.to_string(), "2026-06-30", "{url}");
        assert_eq!(added.kind, DocumentKind::Edition);
        assert_eq!(
            actions(&store, "edition:ed-2026").await,
            vec!["edition.add"]
        );

        let copy = store
            .copy_round(&editor(), round, slug("ed-2026"), None, "2026-03-31".into())
            .await
            .unwrap();
        let new = store.round(copy).await.unwrap();
        assert_eq!(new.title, "Uitvraag 2026", "{url}");
        assert_eq!(new.edition.as_str(), "ed-2026");
        assert_eq!(new.due, "2026-03-31");
        let old: Vec<_> = store.asked_cells(round).await.unwrap();
        let moved: Vec<_> = store.asked_cells(copy).await.unwrap();
        assert_eq!(old.len(), moved.len(), "{url}");
        for (a, b) in old.iter().zip(&moved) {
            assert_eq!(a.organisation, b.organisation);
            assert_eq!(a.key.indicator, b.key.indicator);
            assert_eq!(a.key.breakdown, b.key.breakdown);
            assert_eq!(b.key.period, Period::year(2025));
        }
        assert_eq!(store.deliveries(copy).await.unwrap().len(), 2);
        let log = store
            .audit_log(&AuditFilter {
                limit: 10_000,
                ..Default::default()
            })
            .await
            .unwrap();
        let opened = log
            .iter()
            .find(|r| r.entry.entity == format!("round:{copy}"))
            .unwrap();
        assert_eq!(
            opened.entry.after.as_ref().unwrap()["copied_from"],
            serde_json::json!(round),
            "{url}"
        );

        // A copy into something that is not an edition is the plan's problem.
        assert!(matches!(
            store
                .copy_round(&editor(), round, slug("nothing"), None, "2026-03-31".into())
                .await,
            Err(StoreError::Plan(_))
        ));
    }
}
