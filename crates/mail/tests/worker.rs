//! The mail worker against a real SMTP server on the loopback (`sink`), on
//! SQLite and PostgreSQL (`ZICHT_TEST_POSTGRES_URL`, a server URL; each
//! test makes its own database; without it the PostgreSQL half is skipped
//! with a notice, except under CI=true, where it fails).

mod sink;

use std::collections::BTreeMap;
use std::time::Duration;

use sink::{Received, Sink};
use zicht_mail::{MailConfig, Worker};
use zicht_model::{
    Breakdown, Catalogue, Day, Dimension, DimensionValue, Document, DocumentKind, Figure,
    Frequency, Indicator, Lang, Organisation, Period, Role, Slug, Theme, Unit,
};
use zicht_portal::{Actor, CellKey, DeliveredCell, Request, RoundPlan};
use zicht_service::mail::Schedule;
use zicht_store::{Contact, MailKind, MailState, NewUser, Store};

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

/// Labels that differ from the ids in both languages, so a mail that
/// shows an id is caught.
fn catalogue() -> Catalogue {
    let value = |id: &str, nl: &str, en: &str| DimensionValue {
        id: slug(id),
        label_nl: nl.into(),
        label_en: en.into(),
        parent: None,
    };
    let org = |id: &str, nl: &str, en: &str| Organisation {
        id: slug(id),
        label_nl: nl.into(),
        label_en: en.into(),
    };
    Catalogue {
        themes: vec![Theme {
            id: slug("t"),
            label_nl: "Thema".into(),
            label_en: "Theme".into(),
            min_count: None,
            headline: Vec::new(),
        }],
        documents: vec![Document {
            id: slug("ed-2031"),
            kind: DocumentKind::Edition,
            label_nl: "Monitor 2031".into(),
            label_en: "Monitor 2031 (English)".into(),
            publisher: None,
            cutoff: "2099-12-31".parse().unwrap(),
            published: None,
            seed: None,
            embargo: None,
        }],
        organisations: vec![
            org("registry", "Het Meldpunt", "The Reporting Centre"),
            org("police", "De Politie", "The Police"),
        ],
        dimensions: vec![Dimension {
            id: slug("sex"),
            label_nl: "Geslacht".into(),
            label_en: "Sex".into(),
            parent: None,
            min_count: None,
            values: vec![
                value("boys", "jongens", "boys (en)"),
                value("girls", "meisjes", "girls (en)"),
            ],
        }],
        indicators: vec![Indicator {
            id: slug("victims"),
            theme: slug("t"),
            label_nl: "Slachtoffers".into(),
            label_en: "Victims of exploitation".into(),
            definition_nl: String::new(),
            definition_en: String::new(),
            unit: Unit::Count,
            counting_unit: None,
            dimensions: vec![slug("sex")],
            exclusive: false,
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

const DUE: &str = "2031-05-20";

fn day(s: &str) -> Day {
    s.parse().unwrap()
}

fn plan() -> RoundPlan {
    let request = |org: &str| Request {
        organisation: slug(org),
        indicators: vec![slug("victims")],
        periods: vec![Period::year(2030)],
        breakdowns: vec![Breakdown::total(), Breakdown::parse("sex=girls").unwrap()],
    };
    RoundPlan {
        edition: slug("ed-2031"),
        title: "Uitvraag 2031".into(),
        due: DUE.into(),
        requests: vec![request("registry"), request("police")],
    }
}

fn editor() -> Actor {
    Actor::editor("eva")
}

fn answers() -> Vec<DeliveredCell> {
    let key = |b: &str| CellKey {
        indicator: slug("victims"),
        period: Period::year(2030),
        breakdown: Breakdown::parse(b).unwrap(),
    };
    vec![
        DeliveredCell::new(key(""), Figure::Exact { value: 40.0 }, None).unwrap(),
        DeliveredCell::new(key("sex=girls"), Figure::Exact { value: 25.0 }, None).unwrap(),
    ]
}

/// A fresh store URL per backend.
async fn urls(test: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("zicht-mail-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = vec![format!("sqlite://{}/z.db", dir.display())];
    match std::env::var("ZICHT_TEST_POSTGRES_URL") {
        Ok(server) => {
            let db = format!("zicht_mail_{}_{}", std::process::id(), test);
            let admin = Store::open(&server).await.expect("reach PostgreSQL");
            admin
                .execute_raw(&format!("DROP DATABASE IF EXISTS {db}"))
                .await
                .unwrap();
            admin
                .execute_raw(&format!("CREATE DATABASE {db}"))
                .await
                .unwrap();
            admin.close().await;
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
            out.push(format!("{base}/{db}"));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but ZICHT_TEST_POSTGRES_URL is not set")
        }
        Err(_) => eprintln!("note: ZICHT_TEST_POSTGRES_URL not set; ran on SQLite only"),
    }
    out
}

/// The store with the catalogue and its people: two suppliers of the
/// registry (Dutch, English) and one without an address, one of the
/// police, two editors (Dutch, English) and an admin (admins get no mail).
async fn store(url: &str) -> Store {
    let store = Store::open(url).await.unwrap();
    store
        .load("init", Some(&catalogue()), &[], None)
        .await
        .unwrap();
    type Person<'a> = (&'a str, Role, Option<&'a str>, Option<&'a str>, Lang);
    let people: [Person; 7] = [
        (
            "rita",
            Role::Supplier,
            Some("registry"),
            Some("rita@example.org"),
            Lang::Nl,
        ),
        (
            "rob",
            Role::Supplier,
            Some("registry"),
            Some("rob@example.org"),
            Lang::En,
        ),
        ("ron", Role::Supplier, Some("registry"), None, Lang::Nl),
        (
            "piet",
            Role::Supplier,
            Some("police"),
            Some("piet@example.org"),
            Lang::Nl,
        ),
        ("eva", Role::Editor, None, Some("eva@example.org"), Lang::Nl),
        (
            "erik",
            Role::Editor,
            None,
            Some("erik@example.org"),
            Lang::En,
        ),
        (
            "adam",
            Role::Admin,
            None,
            Some("adam@example.org"),
            Lang::Nl,
        ),
    ];
    for (login, role, organisation, email, language) in people {
        store
            .create_user_with_contact(
                None,
                &NewUser {
                    login,
                    name: &format!("{login} (naam)"),
                    role,
                    organisation,
                    password_hash: "not-a-login",
                },
                &Contact {
                    email: email.map(str::to_owned),
                    language,
                },
            )
            .await
            .unwrap();
    }
    store
}

fn config(smtp: &str) -> MailConfig {
    let mut c = MailConfig::new(smtp, "Monitor <monitor@example.org>");
    c.schedule = Schedule {
        remind_days: 7,
        digest_days: 0,
    };
    c.poll = Duration::from_millis(100);
    c.first_retry = Duration::from_secs(1);
    c.max_retry = Duration::from_secs(2);
    c.timeout = Duration::from_secs(5);
    c
}

/// The mails that arrived per recipient, as (subject, body).
fn by_recipient(received: &[Received]) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in received {
        assert_eq!(r.to.len(), 1, "one recipient per mail");
        out.entry(r.to[0].clone())
            .or_default()
            .push((r.header("Subject").unwrap_or_default(), r.body()));
    }
    out
}

fn delivery_of(deliveries: &[zicht_store::Delivery], org: &str) -> i64 {
    deliveries
        .iter()
        .find(|d| d.organisation.as_str() == org)
        .unwrap()
        .id
}

#[tokio::test]
async fn each_event_mails_its_recipients_in_their_language_with_labels() {
    for url in urls("events").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        let worker = Worker::new(store.clone(), config(&sink.url())).unwrap();
        let round = zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();

        // Queued with the round: the suppliers with an address, no one else.
        let queued = store.mails().await.unwrap();
        let mut to: Vec<&str> = queued.iter().map(|m| m.login.as_str()).collect();
        to.sort();
        assert_eq!(to, ["piet", "rita", "rob"], "{url}");
        assert!(queued.iter().all(|m| m.kind == MailKind::RoundOpened));

        let pass = worker.pass(day("2031-04-01")).await;
        assert_eq!((pass.sent, pass.retrying, pass.failed), (3, 0, 0), "{url}");
        assert!(sink
            .received()
            .iter()
            .all(|r| r.from == "monitor@example.org"));
        let got = by_recipient(&sink.received());
        let (subject, body) = &got["rita@example.org"][0];
        assert!(subject.contains("Nieuwe uitvraag"), "{subject}");
        for label in [
            "Het Meldpunt",
            "Slachtoffers",
            "Monitor 2031",
            "20 mei 2031",
            "Beste rita (naam)",
        ] {
            assert!(body.contains(label), "{label} in {body}");
        }
        let (subject, body) = &got["rob@example.org"][0];
        assert!(subject.contains("New request"), "{subject}");
        for label in [
            "The Reporting Centre",
            "Victims of exploitation",
            "Monitor 2031 (English)",
            "20 May 2031",
            "Dear rob (naam)",
        ] {
            assert!(body.contains(label), "{label} in {body}");
        }
        for mails in got.values() {
            for (subject, body) in mails {
                for id in ["registry", "victims", "ed-2031", "police"] {
                    assert!(
                        !body.contains(id) && !subject.contains(id),
                        "{id} in {body}"
                    );
                }
            }
        }
        // One language per mail.
        assert!(!got["rita@example.org"][0].1.contains("Dear"));
        assert!(!got["rob@example.org"][0].1.contains("Beste"));

        // Sent once: a second pass sends nothing, and the rows say sent.
        assert_eq!(worker.pass(day("2031-04-01")).await.sent, 0);
        assert_eq!(sink.received().len(), 3);
        assert!(store
            .mails()
            .await
            .unwrap()
            .iter()
            .all(|m| m.state == MailState::Sent && m.sent_at.is_some() && m.subject.is_some()));

        // Signed off: the editors; returned with a message: the suppliers.
        let deliveries = store.deliveries(round).await.unwrap();
        let reg = delivery_of(&deliveries, "registry");
        let rita = Actor::supplier("rita", slug("registry"));
        store.submit(&rita, reg, &answers()).await.unwrap();
        zicht_service::rounds::return_delivery(
            &store,
            &editor(),
            reg,
            "Het totaal is kleiner dan de meisjes bij elkaar.",
        )
        .await
        .unwrap();
        let pass = worker.pass(day("2031-04-02")).await;
        assert_eq!(pass.sent, 4, "{url}");
        let got = by_recipient(&sink.received());
        let eva = &got["eva@example.org"][0];
        assert!(eva.0.contains("Levering afgetekend"), "{}", eva.0);
        assert!(eva.1.contains("rita (naam)") && eva.1.contains("Het Meldpunt"));
        let erik = &got["erik@example.org"][0];
        assert!(erik.0.contains("Delivery signed off"), "{}", erik.0);
        let returned = &got["rita@example.org"][1];
        assert!(
            returned.0.contains("Levering teruggestuurd"),
            "{}",
            returned.0
        );
        assert!(returned
            .1
            .contains("Het totaal is kleiner dan de meisjes bij elkaar."));
        assert!(got["rob@example.org"][1].0.contains("Delivery returned"));
        assert!(!got.contains_key("adam@example.org"), "admins get no mail");
        assert_eq!(
            got["piet@example.org"].len(),
            1,
            "the police's delivery did not move"
        );
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn reminders_and_overdue_notices_go_once_per_delivery_and_deadline() {
    for url in urls("reminders").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        let worker = Worker::new(store.clone(), config(&sink.url())).unwrap();
        let round = zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        let kinds = |received: &[Received], word: &str| {
            received
                .iter()
                .filter(|r| r.header("Subject").unwrap_or_default().contains(word))
                .count()
        };

        // Ten days ahead: no reminder yet.
        assert_eq!(worker.pass(day("2031-05-10")).await.sent, 3, "{url}");
        // Seven days ahead: one per supplier with an address.
        let pass = worker.pass(day("2031-05-13")).await;
        assert_eq!((pass.queued, pass.sent), (3, 3), "{url}");
        let got = sink.received();
        assert_eq!(kinds(&got, "Herinnering"), 2);
        assert_eq!(kinds(&got, "Reminder"), 1);
        let rob = by_recipient(&got)["rob@example.org"][1].1.clone();
        assert!(rob.contains("Answered: 0 of 2"), "{rob}");
        // Asked again later: the same delivery and deadline, no new reminder.
        assert_eq!(worker.pass(day("2031-05-17")).await.queued, 0);

        // Past the deadline: queued for both, then the registry signs off
        // before the worker comes round, so only the police is told.
        let plan = Schedule {
            remind_days: 7,
            digest_days: 0,
        };
        let queued = zicht_service::mail::schedule(&store, day("2031-05-21"), &plan)
            .await
            .unwrap();
        assert_eq!(queued, 3, "{url}");
        let deliveries = store.deliveries(round).await.unwrap();
        let rita = Actor::supplier("rita", slug("registry"));
        store
            .submit(&rita, delivery_of(&deliveries, "registry"), &answers())
            .await
            .unwrap();
        let pass = worker.pass(day("2031-05-21")).await;
        assert_eq!(
            (pass.sent, pass.dropped),
            (3, 2),
            "{url}: overdue to piet, sign-off to 2 editors"
        );
        let got = sink.received();
        assert_eq!(kinds(&got, "Termijn verstreken"), 1);
        assert_eq!(kinds(&got, "Past due"), 0);
        assert_eq!(worker.pass(day("2031-05-22")).await.sent, 0);
        let dropped: Vec<_> = store
            .mails()
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.state == MailState::Dropped)
            .map(|m| m.login)
            .collect();
        assert_eq!(dropped, ["rita", "rob"]);
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn a_closed_round_chases_nobody() {
    for url in urls("closed").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        let mut c = config(&sink.url());
        c.schedule.digest_days = 7;
        let worker = Worker::new(store.clone(), c).unwrap();
        let round = zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        // The round's mails and the digest go out while it is open.
        let pass = worker.pass(day("2031-05-10")).await;
        assert_eq!(pass.sent, 5, "{url}: 3 suppliers, 2 editors");
        // Reminders queued, then the round is closed before they are sent:
        // they are dropped, and nothing more is queued for it.
        let plan = Schedule {
            remind_days: 7,
            digest_days: 0,
        };
        let queued = zicht_service::mail::schedule(&store, day("2031-05-13"), &plan)
            .await
            .unwrap();
        assert_eq!(queued, 3, "{url}");
        zicht_service::rounds::close_round(&store, &editor(), round)
            .await
            .unwrap();
        let pass = worker.pass(day("2031-05-13")).await;
        assert_eq!((pass.sent, pass.dropped), (0, 3), "{url}");
        for later in ["2031-05-21", "2031-05-30"] {
            let pass = worker.pass(day(later)).await;
            assert_eq!((pass.queued, pass.sent), (0, 0), "{url}: {later}");
        }
        assert_eq!(sink.received().len(), 5);
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn the_digest_tells_editors_once_per_period() {
    for url in urls("digest").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        let mut c = config(&sink.url());
        c.schedule.digest_days = 7;
        let worker = Worker::new(store.clone(), c).unwrap();
        // No open round: no digest.
        assert_eq!(worker.pass(day("2031-04-01")).await.queued, 0, "{url}");
        zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        worker.pass(day("2031-04-01")).await;
        worker.pass(day("2031-04-01")).await;
        let got = by_recipient(&sink.received());
        assert_eq!(got["eva@example.org"].len(), 1);
        let (subject, body) = &got["eva@example.org"][0];
        assert!(subject.contains("Voortgang"), "{subject}");
        assert!(body.contains("De Politie: in bewerking, 0 van 2"), "{body}");
        let (subject, body) = &got["erik@example.org"][0];
        assert!(subject.contains("Progress"), "{subject}");
        assert!(body.contains("The Police: in progress, 0 of 2"), "{body}");
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn a_refusing_server_is_tried_again_after_a_back_off() {
    for url in urls("refusal").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        let worker = Worker::new(store.clone(), config(&sink.url())).unwrap();
        zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        sink.refuse_next(2);
        let pass = worker.pass(day("2031-04-01")).await;
        assert_eq!((pass.sent, pass.retrying, pass.failed), (1, 2, 0), "{url}");
        let waiting: Vec<_> = store
            .mails()
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.state == MailState::Queued)
            .collect();
        assert_eq!(waiting.len(), 2);
        for m in &waiting {
            assert_eq!(m.attempts, 1);
            assert!(
                m.last_error.as_deref().unwrap_or("").contains("451"),
                "{m:?}"
            );
            assert!(m.next_attempt_at > m.queued_at, "{m:?}");
        }
        // Not yet due again.
        assert_eq!(worker.pass(day("2031-04-01")).await.sent, 0);
        let mut sent = 1;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sent += worker.pass(day("2031-04-01")).await.sent;
            if sent == 3 {
                break;
            }
        }
        assert_eq!(sent, 3, "{url}");
        let got = sink.received();
        assert_eq!(got.len(), 3, "each once");
        let mut ids: Vec<String> = got.iter().filter_map(|r| r.header("Message-ID")).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3);
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn a_restart_with_mails_queued_loses_none_and_repeats_none() {
    for url in urls("restart").await {
        // No SMTP server yet: the port is free, connections are refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let smtp = format!("smtp://{port}");
        let store = store(&url).await;
        zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn(
            Worker::new(store.clone(), config(&smtp))
                .unwrap()
                .run(async {
                    let _ = stopped.await;
                }),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.send(()).unwrap();
        first.await.unwrap();
        let before = store.mails().await.unwrap();
        assert_eq!(before.len(), 3, "{url}");
        assert!(
            before
                .iter()
                .all(|m| m.state == MailState::Queued && m.attempts >= 1),
            "{before:?}"
        );
        store.close().await;

        // The server comes back, and so does the SMTP server.
        let sink = Sink::start_at(port).await;
        let store = Store::open(&url).await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let second = tokio::spawn(
            Worker::new(store.clone(), config(&smtp))
                .unwrap()
                .run(async {
                    let _ = stopped.await;
                }),
        );
        let got = sink.wait_for(3, Duration::from_secs(10)).await;
        // Time for a mail that would be sent twice.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        stop.send(()).unwrap();
        second.await.unwrap();
        assert_eq!(got.len(), 3, "{url}");
        let to: BTreeMap<String, usize> =
            sink.received().iter().fold(BTreeMap::new(), |mut m, r| {
                *m.entry(r.to[0].clone()).or_default() += 1;
                m
            });
        assert_eq!(
            to.into_iter().collect::<Vec<_>>(),
            [
                ("piet@example.org".to_owned(), 1),
                ("rita@example.org".to_owned(), 1),
                ("rob@example.org".to_owned(), 1)
            ]
        );
        assert!(store
            .mails()
            .await
            .unwrap()
            .iter()
            .all(|m| m.state == MailState::Sent));
        sink.stop();
        store.close().await;
    }
}

#[tokio::test]
async fn a_mail_interrupted_while_handed_over_is_not_sent_again() {
    for url in urls("interrupted").await {
        let store = store(&url).await;
        let sink = Sink::start().await;
        zicht_service::rounds::open_round(&store, &editor(), &plan())
            .await
            .unwrap();
        // A worker claimed this one and stopped before recording it.
        let claimed = store.mails().await.unwrap()[0].clone();
        assert!(store.claim_mail(claimed.id, "s", "b").await.unwrap());
        assert!(
            !store.claim_mail(claimed.id, "s", "b").await.unwrap(),
            "one claim"
        );

        let worker = Worker::new(store.clone(), config(&sink.url())).unwrap();
        assert_eq!(worker.start().await.unwrap(), 1, "{url}");
        assert_eq!(worker.pass(day("2031-04-01")).await.sent, 2);
        assert!(!sink.received().iter().any(|r| r.to[0] == claimed.address));
        let after = store.mails().await.unwrap();
        let m = after.iter().find(|m| m.id == claimed.id).unwrap();
        assert_eq!(m.state, MailState::Uncertain);
        assert!(m.last_error.as_deref().unwrap().contains("not sent again"));
        sink.stop();
        store.close().await;
    }
}
