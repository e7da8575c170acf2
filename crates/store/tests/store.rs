//! One contract suite for the store, run against SQLite and PostgreSQL.
//!
//! PostgreSQL is reached through `ZICHT_TEST_POSTGRES_URL` (a server URL; each
//! test makes its own database). Without it the PostgreSQL half is skipped
//! with a notice — except under CI=true, where it fails.

mod common;
use common::stores;
use zicht_model::{
    Breakdown, Catalogue, Cell, Document, DocumentKind, Figure, Frequency, Indicator, Period,
    Provenance, Slug, Theme, Unit,
};
use zicht_store::{AsOf, NewVersion, Store, StoredCell};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn catalogue() -> Catalogue {
    Catalogue {
        about: None,
        themes: vec![Theme {
            id: slug("t"),
            label_nl: "Thema".into(),
            label_en: "Theme".into(),
            min_count: Some(10),
            headline: Vec::new(),
        }],
        documents: vec![
            Document {
                id: slug("ed-2021"),
                kind: DocumentKind::Edition,
                label_nl: "Editie 2021".into(),
                label_en: "Edition 2021".into(),
                publisher: None,
                cutoff: "2021-09-01".parse().unwrap(),
                published: None,
                seed: None,
                embargo: None,
            },
            Document {
                id: slug("ed-2023"),
                kind: DocumentKind::Edition,
                label_nl: "Editie 2023".into(),
                label_en: "Edition 2023".into(),
                publisher: None,
                cutoff: "2023-10-01".parse().unwrap(),
                published: None,
                seed: None,
                embargo: None,
            },
        ],
        indicators: vec![Indicator {
            id: slug("victims"),
            theme: slug("t"),
            label_nl: "Slachtoffers".into(),
            label_en: "Victims".into(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: Unit::Count,
            counting_unit: None,
            dimensions: vec![slug("sex")],
            exclusive: true,
            estimates: false,
            frequency: Frequency::Year,
            from: None,
            to: None,
            sources: vec![],
            recommendations: vec![],
            min_count: None,
            rounding_base: None,
            zeros_sensitive: None,
            protection: None,
            derived: None,
            registered: None,
        }],
        ..Default::default()
    }
}

fn cell(period: &str, breakdown: &str, figure: Figure, document: Option<&str>) -> Cell {
    Cell {
        indicator: slug("victims"),
        period: Period::parse(period).unwrap(),
        breakdown: Breakdown::parse(breakdown).unwrap(),
        figure,
        provenance: Provenance {
            source: Some(slug("comensha")),
            source_ref: "Uitvraag 2021".into(),
            document: document.map(slug),
            footnotes: vec![slug("fn-1")],
            quote: "109 (23j-86m)".into(),
        },
    }
}

/// The stores of [`stores`], each holding the test catalogue's definitions.
async fn defined_stores(test: &str) -> Vec<(String, Store)> {
    common::stores_holding(test, "definitions", &catalogue()).await
}

/// The cells of stored versions, in key order.
fn by_key(stored: impl IntoIterator<Item = StoredCell>) -> Vec<Cell> {
    let mut cells: Vec<Cell> = stored.into_iter().map(|s| s.cell).collect();
    cells.sort_by(|a, b| a.key().cmp(&b.key()));
    cells
}

fn v<'a>(cell: &'a Cell, at: &str) -> NewVersion<'a> {
    NewVersion {
        cell,
        recorded_at: at.parse().unwrap(),
        reason: None,
    }
}

#[tokio::test]
async fn a_fresh_store_is_empty_and_reopens() {
    for (url, store) in stores("fresh").await {
        assert!(
            store.cells(&AsOf::Latest, None).await.unwrap().is_empty(),
            "{url}"
        );
        assert_eq!(
            store.catalogue().await.unwrap(),
            Catalogue::default(),
            "{url}"
        );
        store.close().await;
        // Migrations are applied once; opening again changes nothing.
        let again = Store::open(&url).await.unwrap();
        assert_eq!(again.version_count().await.unwrap(), 0, "{url}");
    }
}

#[tokio::test]
async fn every_status_round_trips() {
    let figures = [
        Figure::Exact { value: 0.0 },
        Figure::Below { upper: 10.0 },
        Figure::Range {
            lower: 7.0,
            upper: 28.0,
        },
        Figure::Rounded {
            value: 320.0,
            base: 10.0,
        },
        Figure::Estimate {
            value: None,
            lower: Some(5000.0),
            upper: Some(7500.0),
        },
        Figure::Estimate {
            value: Some(76.6),
            lower: None,
            upper: None,
        },
        Figure::Refused,
        Figure::NotAvailable,
    ];
    let cells: Vec<Cell> = figures
        .iter()
        .enumerate()
        .map(|(i, f)| cell(&(2012 + i).to_string(), "sex=girls", *f, Some("ed-2021")))
        .collect();
    for (url, store) in stores("statuses").await {
        let versions: Vec<_> = cells.iter().map(|c| v(c, "2021-09-01T00:00:00Z")).collect();
        let s = store
            .load("test", Some(&catalogue()), &versions, None)
            .await
            .unwrap();
        assert_eq!(s.cells_added, figures.len() as u64, "{url}");
        let back: Vec<Cell> = store
            .cells(&AsOf::Latest, None)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.cell)
            .collect();
        assert_eq!(back, cells, "{url}");
        assert_eq!(store.catalogue().await.unwrap(), catalogue(), "{url}");
    }
}

#[tokio::test]
async fn loading_the_same_data_twice_changes_nothing() {
    let c = cell("2019", "", Figure::Exact { value: 109.0 }, Some("ed-2021"));
    for (url, store) in stores("idempotent").await {
        let first = store
            .load(
                "a",
                Some(&catalogue()),
                &[v(&c, "2021-09-01T00:00:00Z")],
                None,
            )
            .await
            .unwrap();
        assert_eq!(first.cells_added, 1);
        let second = store
            .load(
                "a",
                Some(&catalogue()),
                &[v(&c, "2021-09-01T00:00:00Z")],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                second.cells_added,
                second.cells_unchanged,
                second.definitions_changed
            ),
            (0, 1, 0),
            "{url}"
        );
        assert_eq!(second.load_id, None, "{url}: an empty load leaves no trace");
        assert_eq!(store.version_count().await.unwrap(), 1, "{url}");
    }
}

/// `recorded_at` is compared as text in SQL. Instants written with an
/// offset would not order as text (`2025-01-01T00:30:00+02:00` is before
/// `2024-12-31T23:00:00Z`); the store writes them as canonical UTC, so
/// they do.
#[tokio::test]
async fn instants_written_with_an_offset_order_in_time() {
    let early = cell("2019", "", Figure::Exact { value: 109.0 }, None);
    let late = cell("2019", "", Figure::Exact { value: 108.0 }, None);
    for (url, store) in stores("offsets").await {
        store
            .load(
                "a",
                Some(&catalogue()),
                &[
                    v(&early, "2025-01-01T00:30:00+02:00"),
                    v(&late, "2024-12-31T23:00:00Z"),
                ],
                None,
            )
            .await
            .unwrap();
        let latest = store.cells(&AsOf::Latest, None).await.unwrap();
        assert_eq!(
            latest[0].cell.figure,
            Figure::Exact { value: 108.0 },
            "{url}"
        );
        assert_eq!(latest[0].recorded_at.to_string(), "2024-12-31T23:00:00Z");
        let on_the_day = store
            .cells(&AsOf::Date("2024-12-31".parse().unwrap()), None)
            .await
            .unwrap();
        assert_eq!(
            on_the_day.len(),
            1,
            "{url}: both were recorded on 31 December UTC"
        );
        let history = store.history("victims").await.unwrap();
        assert_eq!(
            history
                .iter()
                .map(|s| s.recorded_at.to_string())
                .collect::<Vec<_>>(),
            ["2024-12-31T22:30:00Z", "2024-12-31T23:00:00Z"],
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_correction_never_overwrites_and_as_of_answers_what_was_known() {
    let old = cell("2019", "", Figure::Exact { value: 109.0 }, Some("ed-2021"));
    let new = cell("2019", "", Figure::Exact { value: 108.0 }, Some("ed-2023"));
    for (url, store) in stores("revision").await {
        store
            .load(
                "a",
                Some(&catalogue()),
                &[v(&old, "2021-09-01T00:00:00Z")],
                None,
            )
            .await
            .unwrap();
        store
            .load(
                "b",
                None,
                &[NewVersion {
                    cell: &new,
                    recorded_at: "2023-10-01T00:00:00Z".parse().unwrap(),
                    reason: Some("CoMensha revised its count"),
                }],
                None,
            )
            .await
            .unwrap();
        let value = |cells: Vec<zicht_store::StoredCell>| cells[0].cell.figure;
        assert_eq!(
            value(store.cells(&AsOf::Latest, None).await.unwrap()),
            Figure::Exact { value: 108.0 },
            "{url}"
        );
        assert_eq!(
            value(
                store
                    .cells(&AsOf::Edition("ed-2021".into()), None)
                    .await
                    .unwrap()
            ),
            Figure::Exact { value: 109.0 },
            "{url}"
        );
        assert_eq!(
            value(
                store
                    .cells(&AsOf::Date("2022-12-31".parse().unwrap()), None)
                    .await
                    .unwrap()
            ),
            Figure::Exact { value: 109.0 },
            "{url}"
        );
        assert!(
            store
                .cells(&AsOf::Date("2020-01-01".parse().unwrap()), None)
                .await
                .unwrap()
                .is_empty(),
            "{url}"
        );
        let history = store.history("victims").await.unwrap();
        assert_eq!(history.len(), 2, "{url}");
        assert_eq!(
            history[1].reason.as_deref(),
            Some("CoMensha revised its count"),
            "{url}"
        );
        assert!(matches!(
            store.cells(&AsOf::Edition("nope".into()), None).await,
            Err(zicht_store::StoreError::UnknownEdition(_))
        ));
    }
}

#[tokio::test]
async fn versions_of_excluded_documents_are_passed_over() {
    let old = cell("2019", "", Figure::Exact { value: 109.0 }, Some("ed-2021"));
    let new = cell("2019", "", Figure::Exact { value: 108.0 }, Some("ed-2023"));
    let only_new = cell("2020", "", Figure::Exact { value: 90.0 }, Some("ed-2023"));
    let plain = cell("2021", "", Figure::Exact { value: 70.0 }, None);
    for (url, store) in stores("excluded").await {
        store
            .load(
                "a",
                Some(&catalogue()),
                &[
                    v(&old, "2021-09-01T00:00:00Z"),
                    v(&new, "2023-10-01T00:00:00Z"),
                    v(&only_new, "2023-10-01T00:00:00Z"),
                    v(&plain, "2023-10-01T00:00:00Z"),
                ],
                None,
            )
            .await
            .unwrap();
        let shown = |cells: Vec<zicht_store::StoredCell>| -> Vec<(String, Figure)> {
            cells
                .into_iter()
                .map(|s| (s.cell.period.to_string(), s.cell.figure))
                .collect()
        };
        let closed: std::collections::BTreeSet<String> =
            ["ed-2023".to_owned(), "ed-elsewhere".to_owned()].into();
        assert_eq!(
            shown(
                store
                    .cells_without(&AsOf::Latest, Some("victims"), &closed)
                    .await
                    .unwrap()
            ),
            vec![
                ("2019".to_owned(), Figure::Exact { value: 109.0 }),
                ("2021".to_owned(), Figure::Exact { value: 70.0 }),
            ],
            "{url}"
        );
        // Nothing excluded: the same as `cells`.
        assert_eq!(
            store
                .cells_without(&AsOf::Latest, None, &Default::default())
                .await
                .unwrap(),
            store.cells(&AsOf::Latest, None).await.unwrap(),
            "{url}"
        );
        assert_eq!(
            store.cells(&AsOf::Latest, None).await.unwrap().len(),
            3,
            "{url}"
        );
    }
}

#[tokio::test]
async fn reads_filter_by_indicator_and_sort_periods_in_time() {
    let cells = [
        cell("2020", "", Figure::Exact { value: 67.0 }, None),
        cell("2012", "sex=boys", Figure::Exact { value: 25.0 }, None),
        cell("2012", "", Figure::Exact { value: 223.0 }, None),
        cell("2017/2021", "", Figure::Exact { value: 11.0 }, None),
    ];
    for (url, store) in stores("order").await {
        let vs: Vec<_> = cells.iter().map(|c| v(c, "2021-09-01T00:00:00Z")).collect();
        store
            .load("a", Some(&catalogue()), &vs, None)
            .await
            .unwrap();
        let got: Vec<String> = store
            .cells(&AsOf::Latest, Some("victims"))
            .await
            .unwrap()
            .iter()
            .map(|s| format!("{} {}", s.cell.period, s.cell.breakdown))
            .collect();
        assert_eq!(
            got,
            ["2012 ", "2012 sex=boys", "2017/2021 ", "2020 "],
            "{url}"
        );
        assert!(store
            .cells(&AsOf::Latest, Some("other"))
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn a_large_load_is_batched_and_complete() {
    let cells: Vec<Cell> = (0..2_345)
        .map(|i| {
            cell(
                &format!("{}", 1000 + i),
                "",
                Figure::Exact { value: i as f64 },
                None,
            )
        })
        .collect();
    for (url, store) in stores("batched").await {
        let vs: Vec<_> = cells.iter().map(|c| v(c, "2024-01-01T00:00:00Z")).collect();
        let s = store
            .load("a", Some(&catalogue()), &vs, None)
            .await
            .unwrap();
        assert_eq!(s.cells_added, 2_345, "{url}");
        assert_eq!(
            store.cells(&AsOf::Latest, None).await.unwrap().len(),
            2_345,
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_bad_url_says_what_to_write() {
    let err = Store::open("mysql://x").await.unwrap_err().to_string();
    assert!(err.contains("sqlite://PATH"), "{err}");
    let err = Store::open("sqlite://").await.unwrap_err().to_string();
    assert!(err.contains("names no file"), "{err}");
}

#[tokio::test]
async fn the_audit_trail_is_append_only_and_filters() {
    use zicht_store::{AuditEntry, AuditFilter};
    for (name, store) in stores("audit").await {
        let e = |action: &str, entity: &str, org: Option<&str>| AuditEntry {
            actor: Some("alice".into()),
            action: action.into(),
            entity: entity.into(),
            organisation: org.map(str::to_owned),
            before: None,
            after: Some(serde_json::json!({"value": 12})),
        };
        let first = store
            .record_audit(&e("user.add", "user:bob", None))
            .await
            .unwrap();
        store
            .record_audit(&e("delivery.submit", "delivery:1", Some("comensha")))
            .await
            .unwrap();
        store
            .record_audit(&e("delivery.submit", "delivery:2", Some("politie")))
            .await
            .unwrap();
        let all = store.audit_log(&AuditFilter::default()).await.unwrap();
        assert_eq!(all.len(), 3, "{name}");
        assert_eq!(all[0].entry.entity, "delivery:2", "{name}: newest first");
        assert_eq!(all[2].entry.after, Some(serde_json::json!({"value": 12})));
        let own = store
            .audit_log(&AuditFilter {
                organisation: Some("comensha".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(own.len(), 1, "{name}: a supplier sees only its own");
        let deliveries = store
            .audit_log(&AuditFilter {
                entity_prefix: Some("delivery:".into()),
                limit: 1,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(deliveries.len(), 1, "{name}");
        assert_eq!(deliveries[0].entry.entity, "delivery:2");
        let attacks = [
            format!("UPDATE audit_log SET actor = 'mallory' WHERE id = {first}"),
            format!("DELETE FROM audit_log WHERE id = {first}"),
        ];
        assert_refused(&name, &store, &attacks).await;
        assert_eq!(
            store
                .audit_log(&AuditFilter::default())
                .await
                .unwrap()
                .len(),
            3
        );
    }
}

/// Loads the definitions and one cell (2021, 109), from `document`.
async fn load_one_cell(store: &Store, document: Option<&str>) {
    let c = cell("2021", "", Figure::Exact { value: 109.0 }, document);
    store
        .load(
            "test",
            Some(&catalogue()),
            &[v(&c, "2021-09-01T00:00:00Z")],
            None,
        )
        .await
        .unwrap();
}

/// Asserts the database refuses each statement.
async fn assert_refused(name: &str, store: &Store, statements: &[String]) {
    for sql in statements {
        assert!(
            store.execute_raw(sql).await.is_err(),
            "{name}: `{sql}` must be refused"
        );
    }
}

#[tokio::test]
async fn what_is_written_once_cannot_be_rewritten_by_sql() {
    use zicht_store::{AuditEntry, AuditFilter, Backend};
    for (name, store) in stores("append_only").await {
        let id = store
            .record_audit(&AuditEntry {
                action: "user.add".into(),
                entity: "user:a".into(),
                ..AuditEntry::default()
            })
            .await
            .unwrap();
        load_one_cell(&store, Some("ed-2021")).await;
        let mut attacks = vec![
            "UPDATE cell_versions SET value = 1".to_owned(),
            "DELETE FROM cell_versions".to_owned(),
        ];
        match store.backend() {
            Backend::Sqlite => attacks.push(format!(
                "INSERT OR REPLACE INTO audit_log (id, at, action, entity) VALUES ({id}, 'x', 'x', 'x')"
            )),
            Backend::Postgres => {
                attacks.push("TRUNCATE audit_log".to_owned());
                attacks.push("TRUNCATE cell_versions CASCADE".to_owned());
            }
        }
        assert_refused(&name, &store, &attacks).await;
        let log = store.audit_log(&AuditFilter::default()).await.unwrap();
        assert_eq!(log.len(), 1, "{name}");
        assert_eq!(log[0].entry.action, "user.add");
        assert_eq!(store.version_count().await.unwrap(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_version_always_names_a_load_that_exists() {
    // PostgreSQL checks this per statement (migration 0013), SQLite by its
    // foreign key: the same refusals on both.
    use zicht_store::Backend;
    for (name, store) in stores("names_a_load").await {
        load_one_cell(&store, None).await;
        let mut attacks = vec![
            "INSERT INTO cell_versions (load_id, indicator, period, breakdown, status, \
             source_ref, footnotes, quote, recorded_at) VALUES (987654, 'x', '2021', '', \
             'exact', '', '[]', '', '2021-09-02T00:00:00Z')"
                .to_owned(),
            "DELETE FROM loads".to_owned(),
            "UPDATE loads SET id = id + 1000".to_owned(),
        ];
        if store.backend() == Backend::Postgres {
            attacks.push("TRUNCATE loads".to_owned());
            attacks.push("TRUNCATE loads CASCADE".to_owned());
        }
        assert_refused(&name, &store, &attacks).await;
        // What a load itself does to its row stays allowed.
        store
            .execute_raw("UPDATE loads SET cells_added = cells_added + 0")
            .await
            .unwrap();
        assert_eq!(store.version_count().await.unwrap(), 1, "{name}");
        let second = cell("2022", "", Figure::Exact { value: 110.0 }, None);
        store
            .load("test", None, &[v(&second, "2022-09-01T00:00:00Z")], None)
            .await
            .unwrap();
        assert_eq!(store.version_count().await.unwrap(), 2, "{name}");
    }
}

#[tokio::test]
async fn streamed_reads_answer_as_the_whole_reads_do() {
    // Mixed frequencies: text order ("2017/2021" < "2017-03") is not time
    // order, so the stream must order periods itself.
    let first = [
        cell("2020", "", Figure::Exact { value: 67.0 }, None),
        cell("2012", "sex=boys", Figure::Exact { value: 25.0 }, None),
        cell("2012", "", Figure::Exact { value: 223.0 }, None),
        cell("2017/2021", "", Figure::Exact { value: 11.0 }, None),
        cell("2017-03", "", Figure::Exact { value: 4.0 }, None),
    ];
    let fix = cell("2012", "", Figure::Exact { value: 224.0 }, None);
    for (url, store) in stores("streamed").await {
        let vs: Vec<_> = first.iter().map(|c| v(c, "2021-09-01T00:00:00Z")).collect();
        store
            .load("a", Some(&catalogue()), &vs, None)
            .await
            .unwrap();
        store
            .load(
                "b",
                None,
                &[v(&fix, "2022-01-01T00:00:00Z")],
                Some("recount"),
            )
            .await
            .unwrap();
        for as_of in [AsOf::Latest, AsOf::Date("2021-12-31".parse().unwrap())] {
            let mut streamed = Vec::new();
            store
                .each_cell(&as_of, None, |s| {
                    streamed.push(s);
                    Ok::<_, zicht_store::StoreError>(())
                })
                .await
                .unwrap();
            assert_eq!(streamed, store.cells(&as_of, None).await.unwrap(), "{url}");
            let mut streamed = Vec::new();
            store
                .each_version(&as_of, Some("victims"), |s| {
                    streamed.push(s);
                    Ok::<_, zicht_store::StoreError>(())
                })
                .await
                .unwrap();
            assert_eq!(
                streamed,
                store.versions(&as_of, Some("victims")).await.unwrap(),
                "{url}"
            );
        }
    }
}

#[tokio::test]
async fn a_bulk_load_records_what_is_new_and_nothing_when_dropped() {
    let old = cell("2019", "", Figure::Exact { value: 109.0 }, None);
    let same = old.clone();
    let new = cell("2020", "", Figure::Exact { value: 70.0 }, None);
    for (url, store) in stores("bulk").await {
        store
            .load(
                "a",
                Some(&catalogue()),
                &[v(&old, "2021-09-01T00:00:00Z")],
                None,
            )
            .await
            .unwrap();
        let revision = store.revision().await.unwrap();
        let periods = [&old.period, &new.period];
        let batch = [
            v(&same, "2024-01-01T00:00:00Z"),
            v(&new, "2024-01-01T00:00:00Z"),
        ];

        // Dropped: nothing stays.
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let current = load.current("victims", &periods).await.unwrap();
        assert_eq!(current.len(), 1, "{url}");
        load.record(&batch, &current).await.unwrap();
        drop(load);
        assert_eq!(store.version_count().await.unwrap(), 1, "{url}");
        assert_eq!(store.revision().await.unwrap(), revision, "{url}");

        // Finished: only the new value is recorded.
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let current = load.current("victims", &periods).await.unwrap();
        load.record(&batch, &current).await.unwrap();
        let s = load.finish(None).await.unwrap();
        assert_eq!((s.cells_added, s.cells_unchanged), (1, 1), "{url}");
        assert_eq!(store.version_count().await.unwrap(), 2, "{url}");

        // Again: nothing new, no load recorded.
        let revision = store.revision().await.unwrap();
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let current = load.current("victims", &periods).await.unwrap();
        load.record(&batch, &current).await.unwrap();
        let s = load.finish(Some(&catalogue())).await.unwrap();
        assert_eq!(
            (s.cells_added, s.cells_unchanged, s.load_id),
            (0, 2, None),
            "{url}"
        );
        assert_eq!(store.revision().await.unwrap(), revision, "{url}");
    }
}

#[tokio::test]
async fn a_bulk_load_sees_what_it_has_recorded_and_others_do_not() {
    // Before its first write a load may read as any reader does; after it,
    // only through its own transaction, which alone sees that write.
    let total = cell("2019", "", Figure::Exact { value: 109.0 }, None);
    let girls = cell("2019", "sex=girls", Figure::Exact { value: 40.0 }, None);
    for (url, store) in defined_stores("bulk_own").await {
        let periods = [&total.period];
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let current = load.current("victims", &periods).await.unwrap();
        assert!(current.is_empty(), "{url}");
        load.record(&[v(&total, "2024-01-01T00:00:00Z")], &current)
            .await
            .unwrap();
        let current = load.current("victims", &periods).await.unwrap();
        let seen: Vec<_> = current.iter().map(|s| s.cell.clone()).collect();
        assert_eq!(seen, std::slice::from_ref(&total), "{url}");
        // Not committed: nobody else sees it yet.
        assert!(
            store.cells(&AsOf::Latest, None).await.unwrap().is_empty(),
            "{url}"
        );
        load.record(&[v(&girls, "2024-01-01T00:00:00Z")], &current)
            .await
            .unwrap();
        let seen = by_key(load.current("victims", &periods).await.unwrap());
        assert_eq!(seen, [total.clone(), girls.clone()], "{url}");
        let summary = load.finish(None).await.unwrap();
        assert_eq!(summary.cells_added, 2, "{url}");
        assert_eq!(
            store.cells(&AsOf::Latest, None).await.unwrap().len(),
            2,
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_bulk_load_keeps_every_character_and_number_exactly() {
    // PostgreSQL's loads go through COPY's text format, which gives tab,
    // newline, carriage return and backslash a meaning; SQLite's through
    // bound parameters. Both must give back what was recorded.
    let mut odd = cell("2019", "", Figure::Exact { value: 109.0 }, None);
    odd.provenance.quote = "tab\there, line\nbreak\r\n, back\\slash \\N, ‘quote’ \"x\" ü".into();
    odd.provenance.source_ref = "\\N".into();
    odd.provenance.footnotes = vec![];
    let estimate = cell(
        "2020",
        "",
        Figure::Estimate {
            value: Some(0.1 + 0.2),
            lower: Some(1e-7),
            upper: Some(123_456_789.123_456_78),
        },
        None,
    );
    let rounded = cell(
        "2019",
        "sex=girls",
        Figure::Rounded {
            value: 40.0,
            base: 5.0,
        },
        None,
    );
    for (url, store) in defined_stores("bulk_exact").await {
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let versions = [
            v(&odd, "2024-01-01T00:00:00Z"),
            v(&estimate, "2024-01-01T00:00:00Z"),
            NewVersion {
                reason: Some("recount\tby\\hand"),
                ..v(&rounded, "2024-01-02T00:00:00Z")
            },
        ];
        load.record(&versions, &[]).await.unwrap();
        load.finish(None).await.unwrap();
        let back = by_key(store.cells(&AsOf::Latest, None).await.unwrap());
        let mut want = vec![odd.clone(), rounded.clone(), estimate.clone()];
        want.sort_by(|a, b| a.key().cmp(&b.key()));
        assert_eq!(back, want, "{url}");
        let history = store.history("victims").await.unwrap();
        let reasons: Vec<Option<&str>> = history.iter().map(|h| h.reason.as_deref()).collect();
        assert_eq!(reasons, [None, None, Some("recount\tby\\hand")], "{url}");
    }
}

#[tokio::test]
async fn a_bulk_load_sees_the_latest_version_of_each_cell() {
    // Loads out of time order: a later load may record an earlier moment,
    // and two versions at one moment are told apart by the later load.
    let total = |value| cell("2019", "", Figure::Exact { value }, None);
    let girls = |value| cell("2019", "sex=girls", Figure::Exact { value }, None);
    let history = [
        (total(109.0), "2022-01-01T00:00:00Z"),
        (total(100.0), "2021-01-01T00:00:00Z"),
        (girls(40.0), "2021-01-01T00:00:00Z"),
        (girls(41.0), "2021-01-01T00:00:00Z"),
        (
            cell("2020", "", Figure::Exact { value: 70.0 }, None),
            "2020-06-01T00:00:00Z",
        ),
    ];
    for (url, store) in defined_stores("bulk_latest").await {
        for (i, (c, at)) in history.iter().enumerate() {
            store
                .load(&format!("l{i}"), None, &[v(c, at)], Some("recount"))
                .await
                .unwrap();
        }
        let periods = [&history[0].0.period, &history[4].0.period];
        let mut load = store.begin_bulk_load("import: t", None).await.unwrap();
        let mut current = load.current("victims", &periods).await.unwrap();
        current.sort_by(|a, b| a.cell.key().cmp(&b.cell.key()));
        let values: Vec<Option<f64>> = current
            .iter()
            .map(|s| s.cell.figure.parts().value)
            .collect();
        assert_eq!(values, [Some(109.0), Some(41.0), Some(70.0)], "{url}");
        assert_eq!(
            current,
            store.cells(&AsOf::Latest, None).await.unwrap(),
            "{url}"
        );
    }
}
