//! Data request rounds in the store, on SQLite and PostgreSQL (see
//! `tests/store.rs` for how PostgreSQL is reached).

mod common;
use common::rounds::catalogue;
use std::time::Duration;

use serde_json::json;
use zicht_model::{Breakdown, Figure, Period, Role, Slug, Status};
use zicht_portal::{
    Actor, CellKey, DeliveredCell, DeliveryState, Request, RoundPlan, TransitionError,
};
use zicht_store::{AsOf, AuditFilter, DefinitionKind, Store, StoreError};

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

fn key(breakdown: &str) -> CellKey {
    CellKey {
        indicator: slug("victims"),
        period: Period::year(2024),
        breakdown: Breakdown::parse(breakdown).unwrap(),
    }
}

fn answer(breakdown: &str, figure: Figure) -> DeliveredCell {
    let reason =
        (figure == Figure::Refused).then(|| "Geen toestemming van de ketenpartner".to_owned());
    DeliveredCell::new(key(breakdown), figure, reason).unwrap()
}

fn full(total: f64) -> Vec<DeliveredCell> {
    vec![
        answer("", Figure::Exact { value: total }),
        answer("sex=boys", Figure::Below { upper: 10.0 }),
        answer("sex=girls", Figure::Refused),
    ]
}

fn editor() -> Actor {
    Actor::editor("eva")
}
fn registry() -> Actor {
    Actor::supplier("rita", slug("registry"))
}
fn police() -> Actor {
    Actor::supplier("piet", slug("police"))
}

/// Every backend, each with a fresh store holding the catalogue.
async fn stores(test: &str) -> Vec<(String, Store)> {
    common::stores_holding(&format!("rounds_{test}"), "init", &catalogue()).await
}

/// Opens the round and gives (round, registry's delivery, police's delivery).
async fn open(store: &Store) -> (i64, i64, i64) {
    let round = store.open_round(&editor(), &plan()).await.unwrap();
    let ds = store.deliveries(round).await.unwrap();
    let id = |org: &str| {
        ds.iter()
            .find(|d| d.organisation.as_str() == org)
            .unwrap()
            .id
    };
    (round, id("registry"), id("police"))
}

async fn audit_count(store: &Store) -> usize {
    store
        .audit_log(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_round_from_opening_to_acceptance_and_a_reopened_cell() {
    for (url, store) in stores("lifecycle").await {
        let (round, reg, _) = open(&store).await;
        assert_eq!(
            store.rounds().await.unwrap()[0].title,
            "Uitvraag 2025",
            "{url}"
        );
        assert_eq!(store.asked_cells(round).await.unwrap().len(), 6);

        let requests = store.supplier_requests(&registry()).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].asked.len(), 3);
        assert_eq!(requests[0].delivery.state, DeliveryState::Draft);

        // A draft may lack cells; signing off may not.
        let partial = &full(283.0)[..1];
        store.save_draft(&registry(), reg, partial).await.unwrap();
        assert_eq!(
            store.draft(&registry(), reg).await.unwrap(),
            partial.to_vec()
        );
        assert!(matches!(
            store.submit(&registry(), reg, partial).await,
            Err(StoreError::Transition(TransitionError::Incomplete(2)))
        ));
        let p = store.round_progress(round, "2025-04-01").await.unwrap();
        let rp = p
            .iter()
            .find(|p| p.organisation.as_str() == "registry")
            .unwrap();
        assert_eq!(
            (
                rp.progress.delivered,
                rp.progress.missing,
                rp.progress.overdue
            ),
            (1, 2, true)
        );

        let first = store.submit(&registry(), reg, &full(283.0)).await.unwrap();
        assert_eq!((first.revision, first.new), (1, true));
        // A retry of the same sign-off makes no second revision.
        let again = store.submit(&registry(), reg, &full(283.0)).await.unwrap();
        assert_eq!((again.revision, again.new), (1, false));

        let returned = store
            .return_delivery(&editor(), reg, "Het totaal wijkt sterk af van vorig jaar")
            .await
            .unwrap();
        assert_eq!(returned.state, DeliveryState::Returned);
        assert_eq!(
            returned.message.as_deref(),
            Some("Het totaal wijkt sterk af van vorig jaar")
        );

        assert_eq!(
            store
                .submit(&registry(), reg, &full(290.0))
                .await
                .unwrap()
                .revision,
            2
        );
        let summary = store.accept(&editor(), reg).await.unwrap();
        assert_eq!(summary.cells_added, 3);

        // Accepted cells are in the monitor, with the round's edition.
        let cells = store.cells(&AsOf::Latest, Some("victims")).await.unwrap();
        assert_eq!(cells.len(), 3, "{url}");
        for c in &cells {
            assert_eq!(c.cell.provenance.document, Some(slug("ed-2025")));
            assert_eq!(c.cell.provenance.source, Some(slug("registry")));
            assert_eq!(c.cell.provenance.source_ref, "Uitvraag 2025");
        }
        let total = cells.iter().find(|c| c.cell.breakdown.is_total()).unwrap();
        assert_eq!(total.cell.figure, Figure::Exact { value: 290.0 });
        let girls = cells
            .iter()
            .find(|c| c.cell.figure.status() == Status::Refused)
            .unwrap();
        assert_eq!(
            girls.cell.provenance.quote,
            "Geen toestemming van de ketenpartner"
        );
        let note = &girls.cell.provenance.footnotes[0];
        let cat = store.catalogue().await.unwrap();
        assert_eq!(
            cat.footnote(note.as_str()).unwrap().text_nl,
            "Geen toestemming van de ketenpartner"
        );
        assert_eq!(
            store
                .cells(&AsOf::Edition("ed-2025".into()), Some("victims"))
                .await
                .unwrap()
                .len(),
            3
        );

        // Reopening one cell sends the delivery back without it.
        let reopened = store
            .reopen_cell(&editor(), reg, &key("sex=boys"), "Klopt <10 hier?")
            .await
            .unwrap();
        assert_eq!(reopened.state, DeliveryState::Returned);
        let draft = store.draft(&registry(), reg).await.unwrap();
        assert_eq!(draft.len(), 2);
        assert!(draft.iter().all(|c| c.key != key("sex=boys")));
        // The monitor keeps what was accepted until a new acceptance.
        assert_eq!(
            store
                .cells(&AsOf::Latest, Some("victims"))
                .await
                .unwrap()
                .len(),
            3
        );

        let mut corrected = draft.clone();
        corrected.push(answer("sex=boys", Figure::Exact { value: 4.0 }));
        assert_eq!(
            store
                .submit(&registry(), reg, &corrected)
                .await
                .unwrap()
                .revision,
            3
        );
        store.accept(&editor(), reg).await.unwrap();
        let boys = store
            .cells(&AsOf::Latest, Some("victims"))
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.cell.breakdown == key("sex=boys").breakdown)
            .unwrap();
        assert_eq!(boys.cell.figure, Figure::Exact { value: 4.0 });

        // Every revision stays, with its own content.
        let revisions = store.revisions(&registry(), reg).await.unwrap();
        assert_eq!(
            revisions.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(revisions[0].cells[0].figure, Figure::Exact { value: 283.0 });
        assert_eq!(revisions[0].submitted_by, "rita");
        let reviews = store.reviews(&editor(), reg).await.unwrap();
        let decisions: Vec<&str> = reviews.iter().map(|r| r.decision.as_str()).collect();
        assert_eq!(decisions, ["returned", "accepted", "reopened", "accepted"]);
        assert_eq!(reviews[2].cell, Some(key("sex=boys")));
        assert!(reviews[1].load_id.is_some());

        // The audit trail has every step, attributed to the organisation.
        let trail = store
            .audit_log(&AuditFilter {
                organisation: Some("registry".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut actions: Vec<&str> = trail.iter().map(|r| r.entry.action.as_str()).collect();
        actions.reverse();
        assert_eq!(
            actions,
            [
                "delivery.save_draft",
                "delivery.submit",
                "delivery.return",
                "delivery.submit",
                "delivery.accept",
                "cell.reopen",
                "delivery.submit",
                "delivery.accept"
            ],
            "{url}"
        );
        assert_eq!(trail.last().unwrap().entry.actor.as_deref(), Some("rita"));
    }
}

#[tokio::test]
async fn organisations_see_and_change_only_their_own_delivery() {
    for (url, store) in stores("isolation").await {
        let (_, reg, pol) = open(&store).await;
        let requests = store.supplier_requests(&police()).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].delivery.id, pol, "{url}");
        assert!(matches!(
            store.delivery(&police(), reg).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.draft(&police(), reg).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.revisions(&police(), reg).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store
                .organisation_history(&police(), &slug("registry"))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        // Another organisation's delivery is not found, whatever is sent:
        // no answer names the organisation or what it was asked.
        for result in [
            store.submit(&police(), reg, &full(1.0)).await.map(|_| ()),
            store
                .save_draft(&police(), reg, &full(1.0))
                .await
                .map(|_| ()),
        ] {
            match result {
                Err(StoreError::NotFound(m)) => {
                    assert!(!m.contains("registry"), "{url}: {m}")
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        // Editors review; they do not deliver in a supplier's name.
        assert!(matches!(
            store.submit(&editor(), reg, &full(1.0)).await,
            Err(StoreError::Transition(
                TransitionError::NotOwnOrganisation { .. }
            ))
        ));
        assert!(matches!(
            store.open_round(&police(), &plan()).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.supplier_requests(&editor()).await,
            Err(StoreError::Forbidden(_))
        ));

        store.submit(&police(), pol, &full(7.0)).await.unwrap();
        let history = store
            .organisation_history(&police(), &slug("police"))
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
        assert!(store
            .organisation_history(&registry(), &slug("registry"))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .organisation_history(&editor(), &slug("police"))
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_refused_change_leaves_the_store_as_it_was() {
    for (url, store) in stores("refused").await {
        let (_, reg, _) = open(&store).await;
        store
            .save_draft(&registry(), reg, &full(5.0)[..2])
            .await
            .unwrap();
        let before = (
            store.delivery(&editor(), reg).await.unwrap(),
            store.draft(&registry(), reg).await.unwrap(),
            audit_count(&store).await,
            store.revision().await.unwrap(),
            store.version_count().await.unwrap(),
        );
        let unasked = DeliveredCell::new(
            CellKey {
                period: Period::year(2023),
                ..key("")
            },
            Figure::Exact { value: 1.0 },
            None,
        )
        .unwrap();
        let mut with_unasked = full(5.0);
        with_unasked.push(unasked);
        assert!(matches!(
            store.submit(&registry(), reg, &with_unasked).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.accept(&editor(), reg).await,
            Err(StoreError::Transition(TransitionError::WrongState { .. }))
        ));
        assert!(matches!(
            store.reopen_cell(&editor(), reg, &key(""), "x").await,
            Err(StoreError::Transition(TransitionError::WrongState { .. }))
        ));
        assert!(matches!(
            store.return_delivery(&registry(), reg, "x").await,
            Err(StoreError::Transition(TransitionError::NotEditor { .. }))
        ));
        assert!(matches!(
            store.submit(&registry(), reg, &full(5.0)[..2]).await,
            Err(StoreError::Transition(TransitionError::Incomplete(1)))
        ));
        let after = (
            store.delivery(&editor(), reg).await.unwrap(),
            store.draft(&registry(), reg).await.unwrap(),
            audit_count(&store).await,
            store.revision().await.unwrap(),
            store.version_count().await.unwrap(),
        );
        assert_eq!(before, after, "{url}");
    }
}

#[tokio::test]
async fn two_suppliers_signing_off_at_once_both_land() {
    for (url, store) in stores("concurrent").await {
        let (_, reg, pol) = open(&store).await;
        let mut tasks = Vec::new();
        {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.save_draft(&registry(), reg, &full(11.0)[..1]).await?;
                store.submit(&registry(), reg, &full(11.0)).await
            }));
        }
        // The police's sign-off sent three times at once (a double click, a
        // retry): one revision, and every answer names it.
        for _ in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.submit(&police(), pol, &full(22.0)).await
            }));
        }
        let mut new = 0;
        for t in tasks {
            let outcome = t.await.unwrap().unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(outcome.revision, 1);
            new += usize::from(outcome.new);
        }
        assert_eq!(new, 2, "{url}: one new revision per delivery");
        for id in [reg, pol] {
            let d = store.delivery(&editor(), id).await.unwrap();
            assert_eq!(
                (d.state, d.revision),
                (DeliveryState::Submitted, Some(1)),
                "{url}"
            );
            assert_eq!(store.revisions(&editor(), id).await.unwrap().len(), 1);
        }
    }
}

#[tokio::test]
async fn an_interrupted_sign_off_leaves_all_of_it_or_nothing() {
    for (url, store) in stores("interrupted").await {
        let (_, reg, _) = open(&store).await;
        // Cut the sign-off off at ever later moments; each time the store
        // must hold either the whole revision with its audit record or none.
        // Fine steps over the first 3 ms, where a sign-off usually ends,
        // then doubling to 2 s: on a busy machine one may take longer, and
        // the test is about what a cut leaves, not about speed.
        let mut landed = false;
        let cuts = (0..3000u32)
            .step_by(50)
            .chain(std::iter::successors(Some(3000u32), |m| {
                (*m < 2_000_000).then_some(m * 2)
            }));
        for micros in cuts {
            let total = 100.0 + f64::from(micros);
            let (actor, cells) = (registry(), full(total));
            let fut = store.submit(&actor, reg, &cells);
            let done = tokio::time::timeout(Duration::from_micros(micros as u64), fut).await;
            // A cut sign-off's COMMIT may still be under way (SQLite runs it
            // on its own thread) and land between the reads below. What a
            // cut leaves is what stays once that has ended: a torn write
            // never evens out, so the store is read until the revisions, the
            // audit records and the delivery's state agree, or a second has
            // passed.
            let settled_by = std::time::Instant::now() + Duration::from_secs(1);
            let (revisions, submits, d) = loop {
                let revisions = store.revisions(&editor(), reg).await.unwrap();
                let submits = store
                    .audit_log(&AuditFilter {
                        entity_prefix: Some(format!("delivery:{reg}")),
                        limit: 1000,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .iter()
                    .filter(|r| r.entry.action == "delivery.submit")
                    .count();
                let d = store.delivery(&editor(), reg).await.unwrap();
                let state = if revisions.is_empty() {
                    DeliveryState::Draft
                } else {
                    DeliveryState::Submitted
                };
                let agree = revisions.len() == submits && d.state == state;
                if agree || std::time::Instant::now() > settled_by {
                    break (revisions, submits, d);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            assert_eq!(revisions.len(), submits, "{url} after {micros}µs");
            assert!(revisions.iter().all(|r| r.cells.len() == 3), "{url}");
            if let Some(r) = revisions.last() {
                assert_eq!(d.state, DeliveryState::Submitted);
                landed = true;
                assert_eq!(store.draft(&editor(), reg).await.unwrap(), r.cells);
                break;
            }
            assert_eq!(d.state, DeliveryState::Draft);
            if let Ok(result) = &done {
                assert!(
                    landed,
                    "{url}: a submit that finished ({result:?}) left no revision"
                );
            }
        }
        assert!(landed, "{url}: no submit completed within 2 s");
    }
}

#[tokio::test]
async fn an_embargo_and_pre_release_access_are_set_by_editors_and_rebuild_the_site() {
    for (url, store) in stores("embargo").await {
        let rev = store.revision().await.unwrap();
        store
            .set_embargo(
                &editor(),
                "ed-2025",
                Some("2025-10-01T10:00:00+02:00".parse().unwrap()),
            )
            .await
            .unwrap();
        let cat = store.catalogue().await.unwrap();
        assert_eq!(
            cat.document("ed-2025").unwrap().embargo,
            Some("2025-10-01T08:00:00Z".parse().unwrap()),
            "{url}"
        );
        assert!(store.revision().await.unwrap() > rev);
        assert!(matches!(
            store.set_embargo(&registry(), "ed-2025", None).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            store.set_embargo(&editor(), "nope", None).await,
            Err(StoreError::UnknownEdition(_))
        ));
        store.set_embargo(&editor(), "ed-2025", None).await.unwrap();
        assert_eq!(
            store
                .catalogue()
                .await
                .unwrap()
                .document("ed-2025")
                .unwrap()
                .embargo,
            None
        );
        let trail = store
            .audit_log(&AuditFilter {
                entity_prefix: Some("edition:ed-2025".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            trail[0].entry.before,
            Some(json!({"embargo": "2025-10-01T08:00:00Z"}))
        );
        assert_eq!(trail[0].entry.after, Some(json!({"embargo": null})));

        store
            .grant_pre_release(&editor(), "ed-2025", "journalist-1")
            .await
            .unwrap();
        store
            .grant_pre_release(&editor(), "ed-2025", "minister-2")
            .await
            .unwrap();
        store
            .grant_pre_release(&editor(), "ed-2025", "minister-2")
            .await
            .unwrap();
        assert_eq!(
            store.pre_release_logins("ed-2025").await.unwrap(),
            ["journalist-1", "minister-2"]
        );
        assert!(store
            .has_pre_release("ed-2025", "minister-2")
            .await
            .unwrap());
        store
            .revoke_pre_release(&editor(), "ed-2025", "minister-2")
            .await
            .unwrap();
        assert!(!store
            .has_pre_release("ed-2025", "minister-2")
            .await
            .unwrap());
        assert!(matches!(
            store.grant_pre_release(&police(), "ed-2025", "x").await,
            Err(StoreError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn an_editor_updates_a_text_with_before_and_after_in_the_audit() {
    for (url, store) in stores("definitions").await {
        let text = &catalogue().texts[0];
        let id = format!(
            "{}|{}|{:?}|{}",
            text.theme, text.document, text.kind, text.title_nl
        );
        let mut body = serde_json::to_value(text).unwrap();
        body["body_nl"] = json!("Tweede versie.");
        let rev = store.revision().await.unwrap();
        let stored = store
            .update_definition(&editor(), DefinitionKind::Text, Some(&id), &body)
            .await
            .unwrap();
        assert_eq!(stored, id);
        assert_eq!(
            store.catalogue().await.unwrap().texts[0].body_nl,
            "Tweede versie.",
            "{url}"
        );
        assert!(store.revision().await.unwrap() > rev);
        let trail = store
            .audit_log(&AuditFilter {
                entity_prefix: Some("text:".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(trail[0].entry.action, "text.update");
        assert_eq!(
            trail[0].entry.before.as_ref().unwrap()["body_nl"],
            "Eerste versie."
        );
        assert_eq!(
            trail[0].entry.after.as_ref().unwrap()["body_nl"],
            "Tweede versie."
        );

        body["unknown"] = json!(1);
        assert!(matches!(
            store
                .update_definition(&editor(), DefinitionKind::Text, Some(&id), &body)
                .await,
            Err(StoreError::Invalid(_))
        ));
        let supplier = Actor {
            role: Role::Supplier,
            ..registry()
        };
        assert!(matches!(
            store
                .update_definition(&supplier, DefinitionKind::Text, Some(&id), &body)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        let rec = json!({"id": "crc-19a", "body": "registry", "year": 2022, "text_nl": "Verzamel gegevens."});
        assert_eq!(
            store
                .update_definition(&editor(), DefinitionKind::Recommendation, None, &rec)
                .await
                .unwrap(),
            "crc-19a"
        );
        assert_eq!(store.catalogue().await.unwrap().recommendations.len(), 1);
    }
}

/// Through sqlx's Any driver a missing number reaches PostgreSQL typed as
/// float4; a cached statement of that shape then refused a later float8.
/// Deliveries alternate figures with and without bounds all the time.
#[tokio::test]
async fn loads_alternating_numbers_and_empty_bounds_all_land() {
    for (url, store) in stores("nullshapes").await {
        let (_, reg, pol) = open(&store).await;
        store.submit(&registry(), reg, &full(5.0)).await.unwrap();
        store.accept(&editor(), reg).await.unwrap();
        let swapped = vec![
            answer("", Figure::Below { upper: 10.0 }),
            answer("sex=boys", Figure::Exact { value: 3.0 }),
            answer(
                "sex=girls",
                Figure::Range {
                    lower: 1.0,
                    upper: 9.0,
                },
            ),
        ];
        store
            .submit(&police(), pol, &swapped)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        store
            .accept(&editor(), pol)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            store
                .versions(&AsOf::Latest, Some("victims"))
                .await
                .unwrap()
                .len(),
            6
        );
    }
}
