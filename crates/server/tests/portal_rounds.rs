//! A round through the portal's pages, as browsers drive them: log in with
//! the login form, carry the session cookie and each page's CSRF field,
//! open a round, fill the grid, upload a file with a bad row, sign off,
//! return, accept; and the edition preview that only editors and
//! pre-release logins see. On a real SQLite store with the embedded
//! monitor.

mod common;

use common::browser::{Browser, Page, PASSWORD};

use axum::http::{header, StatusCode};
use zicht_model::Role;
use zicht_server::{auth, AppState};
use zicht_store::{AsOf, Store};

/// A value that appears nowhere in the embedded monitor.
const FIGURE: &str = "7391";

async fn setup() -> (tempfile::TempDir, Store, AppState) {
    let (monitor, _) = zicht_ingest::embedded_monitor();
    let (dir, store) = common::store_with(&monitor).await;
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
    (dir, store, state)
}

/// Opens a round asking comensha for minor victims 2024, total and girls,
/// and gives the comensha delivery's page path.
async fn open_round(ed: &mut Browser) -> String {
    let page = ed.get("/portal/rounds").await;
    assert_eq!(page.status, StatusCode::OK);
    let res = ed
        .post(
            "/portal/rounds",
            &page.csrf(),
            &[
                ("edition", "kib-2025"),
                ("title", "Uitvraag 2025"),
                ("due", "2099-12-31"),
                ("organisation_0", ""),
                ("organisation_1", "comensha"),
                ("indicators_1", "comensha.minor_victims"),
                ("periods_1", "2024"),
                ("breakdowns_1", "total\nsex=girls"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let round = ed.get(res.location()).await;
    assert_eq!(round.status, StatusCode::OK);
    assert!(round.body.contains("Ronde geopend"), "the flash is shown");
    let start = round
        .body
        .find("/portal/deliveries/")
        .expect("a delivery link");
    let path: String = round.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    path
}

fn field(key: &str, part: &str) -> String {
    format!("{key}:{part}")
}

#[tokio::test]
async fn a_round_is_opened_delivered_returned_and_accepted_through_the_pages() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;

    // A plan with problems shows every one of them next to its fieldset.
    let page = ed.get("/portal/rounds").await;
    let bad = ed
        .post(
            "/portal/rounds",
            &page.csrf(),
            &[
                ("edition", "kib-2025"),
                ("title", ""),
                ("due", "someday"),
                ("organisation_0", "comensha"),
                ("indicators_0", "no.such.indicator"),
                ("periods_0", "2024"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("geef de ronde een titel"));
    assert!(bad.body.contains("is geen dag"));
    let fieldset = &bad.body[bad
        .body
        .find("id=\"problems_0\"")
        .expect("problems at request 1")..];
    assert!(fieldset[..fieldset.find("</ul>").unwrap()].contains("no.such.indicator"));
    assert!(store.rounds().await.unwrap().is_empty(), "nothing opened");

    let delivery = open_round(&mut ed).await;

    // The supplier sees its request on its home page and the grid.
    let mut sup = Browser::login(&state, "sup").await;
    let home = sup.get("/portal/").await;
    assert!(home.body.contains("Uitvraag 2025"), "{}", home.body);
    assert!(home.body.contains(&delivery));
    let grid = sup.get(&delivery).await;
    assert_eq!(grid.status, StatusCode::OK);
    let total = "comensha.minor_victims|2024|";
    let girls = "comensha.minor_victims|2024|sex=girls";
    assert!(grid
        .body
        .contains(&format!("name=\"{}\"", field(total, "status"))));
    assert!(grid
        .body
        .contains(&format!("name=\"{}\"", field(girls, "reason"))));

    // Save a draft with one cell; signing off with a cell open is refused.
    let csrf = grid.csrf();
    let status_total = field(total, "status");
    let value_total = field(total, "value");
    let saved = sup
        .post(
            &delivery,
            &csrf,
            &[
                (&status_total, "exact"),
                (&value_total, FIGURE),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let open = sup
        .post(
            &delivery,
            &csrf,
            &[
                (&status_total, "exact"),
                (&value_total, FIGURE),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(open.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        open.body.contains("heeft nog geen antwoord"),
        "{}",
        open.body
    );

    // An upload with one bad row names its row and column, and stores
    // nothing: the draft still holds the saved figure only.
    let upload = format!("{delivery}/upload");
    let bad_csv = format!(
        "indicator,period,breakdown,status,value,lower,upper,reason\n\
         comensha.minor_victims,2024,,exact,{FIGURE},,,\n\
         comensha.minor_victims,2024,sex=girls,exact,\"12,5\",,,\n"
    );
    let res = sup
        .upload(&upload, &csrf, "levering.csv", bad_csv.as_bytes())
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("<td>3</td><td>value</td>"),
        "row 3, column value: {}",
        res.body
    );
    assert!(res.body.contains("is geen getal"), "{}", res.body);
    let draft_page = sup.get(&delivery).await;
    assert!(!draft_page.body.contains("value=\"12,5\""));

    // The corrected file: girls refused, with a reason that is markup.
    let reason = "Geen toestemming <script>alert(1)</script>";
    let good_csv = format!(
        "indicator,period,breakdown,status,value,lower,upper,reason\n\
         comensha.minor_victims,2024,,exact,{FIGURE},,,\n\
         comensha.minor_victims,2024,sex=girls,refused,,,,{reason}\n"
    );
    let res = sup
        .upload(&upload, &csrf, "levering.csv", good_csv.as_bytes())
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let filled = sup.get(&delivery).await;
    assert!(filled.body.contains("Bestand gelezen"));
    assert!(!filled.body.contains("<script>alert(1)"), "escaped");
    let at = filled
        .body
        .find("Geen toestemming")
        .map(|i| &filled.body[i..i + 80]);
    assert!(filled.body.contains("&#60;script&#62;alert(1)"), "{at:?}");

    // Sign off from the grid as it now stands.
    let status_girls = field(girls, "status");
    let reason_girls = field(girls, "reason");
    let signed = sup
        .post(
            &delivery,
            &filled.csrf(),
            &[
                (&status_total, "exact"),
                (&value_total, FIGURE),
                (&status_girls, "refused"),
                (&reason_girls, reason),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let after = sup.get(&delivery).await;
    assert!(after.body.contains("revisie 1"), "{}", after.body);

    // Another organisation's supplier: the 404 page, for the page, the
    // template and the forms alike.
    let mut other = Browser::login(&state, "other").await;
    assert_eq!(other.get(&delivery).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("{delivery}/template.csv")).await.status,
        StatusCode::NOT_FOUND
    );
    let other_page = other.get("/portal/").await;
    let res = other
        .post(&delivery, &other_page.csrf(), &[("action", "save")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The editor reviews: the figure, last year's 52 and the flag; the
    // reason escaped. Returns it with a message the supplier then reads.
    let review = ed.get(&delivery).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.body.contains(FIGURE));
    assert!(
        review.body.contains("<td>52</td>"),
        "last year: {}",
        review.body
    );
    assert!(review.body.contains("grote verandering t.o.v. vorig jaar"));
    assert!(!review.body.contains("<script>alert(1)"));
    assert!(review.body.contains("&#60;script&#62;"));
    let returned = ed
        .post(
            &format!("{delivery}/return"),
            &review.csrf(),
            &[(
                "message",
                "Controleer het totaal: 7391 is veel meer dan 52.",
            )],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    let back = sup.get(&delivery).await;
    assert!(back.body.contains("Teruggestuurd door de redactie"));
    assert!(back.body.contains("Controleer het totaal"));

    // Accepting a returned delivery is refused; after a new sign-off it
    // is accepted and the figure is in the store.
    let review = ed.get(&delivery).await;
    let early = ed
        .post(&format!("{delivery}/accept"), &review.csrf(), &[])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let signed = sup
        .post(
            &delivery,
            &back.csrf(),
            &[
                (&status_total, "exact"),
                (&value_total, FIGURE),
                (&status_girls, "refused"),
                (&reason_girls, reason),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let accepted = ed
        .post(&format!("{delivery}/accept"), &review.csrf(), &[])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let cells = store
        .cells(&AsOf::Latest, Some("comensha.minor_victims"))
        .await
        .unwrap();
    assert!(cells.iter().any(|c| c.cell.period.to_string() == "2024"
        && c.cell.breakdown.is_total()
        && c.cell.figure.parts().value == Some(7391.0)));

    // Reopening one accepted cell sends the delivery back with the message.
    let review = ed.get(&delivery).await;
    assert!(review.body.contains("/reopen"));
    let reopened = ed
        .post(
            &format!("{delivery}/reopen"),
            &review.csrf(),
            &[
                ("indicator", "comensha.minor_victims"),
                ("period", "2024"),
                ("breakdown", "sex=girls"),
                ("message", "Mag het aantal meisjes toch gedeeld worden?"),
            ],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    let back = sup.get(&delivery).await;
    assert!(back
        .body
        .contains("Mag het aantal meisjes toch gedeeld worden?"));
    assert!(back.body.contains("teruggestuurd"));

    // The supplier's history shows both revisions.
    let history = sup.get("/portal/history").await;
    assert!(history.body.contains("revisie 2"), "{}", history.body);
    assert!(history.body.contains("revisie 1"));
}

#[tokio::test]
async fn a_large_upload_reaches_the_parser_and_a_too_large_one_is_refused() {
    let (_dir, _store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let delivery = open_round(&mut ed).await;
    let mut sup = Browser::login(&state, "sup").await;
    let page = sup.get(&delivery).await;
    let upload = format!("{delivery}/upload");
    // 3 MB, far over the 64 KiB of an ordinary form: past the CSRF check
    // to the parser, which names the rows that were not asked.
    let mut big = String::from("indicator,period,breakdown,status,value,lower,upper,reason\n");
    let row = format!(
        "comensha.minor_victims,2019,,exact,1,,,{}\n",
        "padding ".repeat(40)
    );
    while big.len() < 3 * 1024 * 1024 {
        big.push_str(&row);
    }
    let res = sup
        .upload(&upload, &page.csrf(), "big.csv", big.as_bytes())
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("niet gevraagd aan"), "{}", res.body);
    // Over the upload limit: refused before anything is read or stored.
    let huge = vec![b'x'; zicht_server::work::UPLOAD_LIMIT + 200 * 1024];
    let res = sup.upload(&upload, &page.csrf(), "huge.csv", &huge).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn templates_are_prefilled_with_last_years_published_figure() {
    let (_dir, _store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let delivery = open_round(&mut ed).await;
    let mut sup = Browser::login(&state, "sup").await;
    let csv = sup.get(&format!("{delivery}/template.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("attachment"));
    let total_row = csv
        .body
        .lines()
        .find(|l| l.starts_with("comensha.minor_victims,") && l.contains(",2024,,"))
        .expect("the total's row");
    assert!(
        total_row.ends_with(",52"),
        "last year's figure: {total_row}"
    );
    let xlsx = sup.get(&format!("{delivery}/template.xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .contains("spreadsheetml"));
}

#[tokio::test]
async fn the_preview_is_for_editors_and_pre_release_logins_only() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let page = ed.get("/portal/editions").await;
    assert!(page.body.contains("Amsterdamse tijd"));
    let res = ed
        .post(
            "/portal/editions/kib-2025/embargo",
            &page.csrf(),
            &[("date", "2099-10-01"), ("time", "10:00"), ("action", "set")],
        )
        .await;
    // kib-2025 is public: the embargo would withdraw it, so the portal asks
    // first, saying what would disappear, and changes nothing yet.
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Embargo bevestigen"), "{}", res.body);
    let public = zicht_service::public_cells(
        &store,
        &AsOf::Edition("kib-2025".into()),
        None,
        zicht_model::Instant::from(std::time::SystemTime::now()),
    )
    .await
    .unwrap()
    .1;
    assert!(!public.is_empty());
    let indicators: std::collections::BTreeSet<_> =
        public.iter().map(|c| c.indicator.clone()).collect();
    assert!(
        res.body
            .contains(&format!("<dd class=\"cells\">{}</dd>", public.len())),
        "{}",
        res.body
    );
    assert!(
        res.body.contains(&format!(
            "<dd class=\"indicators\">{}</dd>",
            indicators.len()
        )),
        "{}",
        res.body
    );
    assert_eq!(
        store
            .catalogue()
            .await
            .unwrap()
            .document("kib-2025")
            .unwrap()
            .embargo,
        None,
        "not set before it is confirmed"
    );
    let res = ed
        .post(
            "/portal/editions/kib-2025/embargo",
            &res.csrf(),
            &[
                ("embargo", "2099-10-01T08:00:00Z"),
                ("confirm", "yes"),
                ("action", "set"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let catalogue = store.catalogue().await.unwrap();
    let doc = catalogue.document("kib-2025").unwrap();
    assert_eq!(
        doc.embargo,
        Some("2099-10-01T10:00:00+02:00".parse().unwrap())
    );

    let preview = "/portal/editions/kib-2025/preview/";
    let mut sup = Browser::login(&state, "sup").await;
    assert_eq!(sup.get(preview).await.status, StatusCode::FORBIDDEN);

    let page = ed.get("/portal/editions").await;
    let res = ed
        .post(
            "/portal/editions/kib-2025/pre-release",
            &page.csrf(),
            &[("login", "sup")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let seen = sup.get(preview).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        seen.headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    // The preview shows the edition the public site does not have yet.
    let public = Browser::new(&state).get("/").await;
    assert!(seen.body.contains("2025"), "{}", seen.body);
    assert_ne!(seen.body, public.body);

    let page = ed.get("/portal/editions").await;
    ed.post(
        "/portal/editions/kib-2025/pre-release/revoke",
        &page.csrf(),
        &[("login", "sup")],
    )
    .await;
    assert_eq!(sup.get(preview).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_editor_edits_a_text_and_the_change_is_audited() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let page = ed.get("/portal/texts").await;
    assert_eq!(page.status, StatusCode::OK);
    let catalogue = store.catalogue().await.unwrap();
    let mut rec = serde_json::to_value(&catalogue.recommendations[0]).unwrap();
    let id = rec["id"].as_str().unwrap().to_owned();
    rec["text_nl"] = serde_json::json!("Een nieuwe <b>tekst</b>.");
    let res = ed
        .post(
            "/portal/texts",
            &page.csrf(),
            &[
                ("kind", "recommendation"),
                ("id", &id),
                ("body", &rec.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let after = store.catalogue().await.unwrap();
    assert_eq!(after.recommendations[0].text_nl, "Een nieuwe <b>tekst</b>.");
    let audit = store
        .audit_log(&zicht_store::AuditFilter {
            entity_prefix: Some(format!("recommendation:{id}")),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let record = audit.first().expect("the change is audited");
    assert_eq!(record.entry.actor.as_deref(), Some("ed"));
    assert_ne!(record.entry.before, record.entry.after);
    let shown = ed.get(res.location()).await;
    let at = shown
        .body
        .find("Een nieuwe")
        .map(|i| &shown.body[i..i + 60]);
    assert!(shown.body.contains("Een nieuwe &#60;b&#62;tekst"), "{at:?}");

    // A body that is not that kind of definition is refused and shown again.
    let bad = ed
        .post(
            "/portal/texts",
            &shown.csrf(),
            &[("kind", "measure"), ("id", ""), ("body", "{\"nope\": 1}")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Niet opgeslagen"));
    assert!(bad.body.contains("&#34;nope&#34;"));
}

#[tokio::test]
async fn the_text_editor_refuses_a_citation_of_nothing_and_warns_about_a_hidden_count() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let page = ed.get("/portal/texts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Getallen die de tabellen verbergen"),
        "the embedded texts cite their hidden counts"
    );
    let catalogue = store.catalogue().await.unwrap();
    let a = catalogue
        .assessments
        .iter()
        .find(|a| a.recommendation.as_str() == "39a" && a.document.as_str() == "kib-2025")
        .unwrap();
    let id = zicht_store::assessment_id(a);
    let mut body = serde_json::to_value(a).unwrap();

    // A citation of a cell the monitor does not have is refused, with the reason.
    body["quantitative_nl"] = serde_json::json!(
        "Van {cell:comensha.minor_victims.b8_reflection/2023/origin=domestic} van hen."
    );
    let bad = ed
        .post(
            "/portal/texts",
            &page.csrf(),
            &[
                ("kind", "assessment"),
                ("id", &id),
                ("body", &body.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("cites a cell the monitor does not have"),
        "{}",
        bad.body
    );

    // A count the tables hide is saved, and warned about after saving and on opening.
    body["quantitative_nl"] = serde_json::json!(
        "In 2023 zijn 22 slachtoffers gemeld. Van vijf van hen is de B8-bedenktijd bekend."
    );
    let res = ed
        .post(
            "/portal/texts",
            &bad.csrf(),
            &[
                ("kind", "assessment"),
                ("id", &id),
                ("body", &body.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let shown = ed.get(res.location()).await;
    assert!(
        shown.body.contains("Getallen die de tabellen verbergen"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("&#39;vijf&#39;") || shown.body.contains("'vijf'"),
        "{}",
        shown.body
    );
    assert!(shown
        .body
        .contains("comensha.minor_victims.b8_reflection 2023 [origin=foreign]"));
    assert!(!shown.body.contains("&#39;22&#39;") && !shown.body.contains("'22'"));
    let again = ed.get("/portal/texts").await;
    assert!(again.body.contains("Getallen die de tabellen verbergen"));
}

/// The round's id in a path like `/portal/rounds/12`.
fn round_of(location: &str) -> i64 {
    location
        .strip_prefix("/portal/rounds/")
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("not a round's page: {location}"))
}

#[tokio::test]
async fn a_round_is_planned_by_theme_edited_copied_and_closed_through_the_pages() {
    let (_dir, store, state) = setup().await;
    let catalogue = store.catalogue().await.unwrap();
    let mut ed = Browser::login(&state, "ed").await;

    // Every theme's indicators, each offering its own breakdowns only.
    let page = ed.get("/portal/rounds/plan").await;
    assert_eq!(page.status, StatusCode::OK);
    for t in &catalogue.themes {
        assert!(page.body.contains(&t.label_nl), "theme {}", t.id);
    }
    let ind = "comensha.minor_victims";
    assert!(page.body.contains(&format!("value=\"{ind}|sex=girls\"")));
    for i in &catalogue.indicators {
        let offers_sex = page.body.contains(&format!("value=\"{}|sex=", i.id));
        assert_eq!(
            offers_sex,
            i.dimensions.iter().any(|d| d.as_str() == "sex"),
            "{} offers the sex breakdown only if it has that dimension",
            i.id
        );
    }

    // The filter keeps what was ticked, also when it hides it.
    let filtered = ed
        .post(
            "/portal/rounds/plan",
            &page.csrf(),
            &[
                ("q", "zzz-no-such-indicator"),
                ("indicator", ind),
                ("breakdown", "comensha.minor_victims|sex=girls"),
                ("step", "filter"),
            ],
        )
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.body);
    assert!(!filtered
        .body
        .contains("type=\"checkbox\" name=\"indicator\""));
    assert!(filtered.body.contains(&format!(
        "type=\"hidden\" name=\"indicator\" value=\"{ind}\""
    )));
    assert!(filtered
        .body
        .contains("type=\"hidden\" name=\"breakdown\" value=\"comensha.minor_victims|sex=girls\""));

    // Nothing chosen: every missing choice is named, nothing opened.
    let refused = ed
        .post("/portal/rounds/plan", &page.csrf(), &[("step", "save")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Kies minstens één organisatie"));
    assert!(store.rounds().await.unwrap().is_empty());

    let plan = [
        ("edition", "kib-2025"),
        ("title", "Uitvraag 2025"),
        ("due", "2099-12-31"),
        ("periods", "2024"),
        ("organisation", "comensha"),
        ("indicator", ind),
        ("breakdown", "comensha.minor_victims|"),
        ("breakdown", "comensha.minor_victims|sex=girls"),
        ("step", "save"),
    ];
    let opened = ed.post("/portal/rounds/plan", &page.csrf(), &plan).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let round = round_of(opened.location());
    assert_eq!(store.asked_cells(round).await.unwrap().len(), 2);

    // Changed before anyone started: a later due day, the total only.
    let edit = ed.get(&format!("/portal/rounds/{round}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit
        .body
        .contains("value=\"comensha.minor_victims|sex=girls\" checked"));
    let mut changed = plan.to_vec();
    changed.retain(|(k, v)| !(*k == "breakdown" && v.ends_with("girls")) && *k != "due");
    changed.push(("due", "2099-11-30"));
    let saved = ed
        .post(
            &format!("/portal/rounds/{round}/edit"),
            &edit.csrf(),
            &changed,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(store.asked_cells(round).await.unwrap().len(), 1);
    assert_eq!(store.round(round).await.unwrap().due, "2099-11-30");

    // A new edition with its cut-off, and last year's round copied into it.
    let new = ed.get("/portal/editions/new").await;
    assert_eq!(new.status, StatusCode::OK);
    // A direction control in a name is refused in the page's language.
    let refused = ed
        .post(
            "/portal/editions/new",
            &new.csrf(),
            &[
                ("id", "kib-2026"),
                ("label_nl", "Monitor \u{202E}6202"),
                ("label_en", "Monitor 2026"),
                ("cutoff", "2026-06-30"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("richtingsteken (U+202E)"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("direction"), "{}", refused.body);
    let added = ed
        .post(
            "/portal/editions/new",
            &new.csrf(),
            &[
                ("id", "kib-2026"),
                ("label_nl", "Monitor 2026"),
                ("label_en", "Monitor 2026"),
                ("cutoff", "2026-06-30"),
                ("embargo_date", "2099-10-01"),
                ("embargo_time", "10:00"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let doc = store.catalogue().await.unwrap();
    let doc = doc.document("kib-2026").unwrap();
    assert_eq!(doc.cutoff.to_string(), "2026-06-30");
    assert!(doc.embargo.is_some(), "not public before its embargo");

    let page = ed.get(&format!("/portal/rounds/{round}")).await;
    assert!(
        page.body.contains("Uitvraag 2026"),
        "the copy's title is offered"
    );
    let copied = ed
        .post(
            &format!("/portal/rounds/{round}/copy"),
            &page.csrf(),
            &[
                ("edition", "kib-2026"),
                ("title", ""),
                ("due", "2100-12-31"),
            ],
        )
        .await;
    assert_eq!(copied.status, StatusCode::SEE_OTHER, "{}", copied.body);
    let copy = round_of(copied.location());
    let asked = store.asked_cells(copy).await.unwrap();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].key.period.to_string(), "2025");
    assert_eq!(store.round(copy).await.unwrap().title, "Uitvraag 2026");

    // Closed: the page says so and the round can no longer be changed.
    let closed = ed
        .post(&format!("/portal/rounds/{round}/close"), &page.csrf(), &[])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let page = ed.get(&format!("/portal/rounds/{round}")).await;
    assert!(page.body.contains("Gesloten op"), "{}", page.body);
    assert!(
        !page.body.contains("/close\""),
        "no close button on a closed round"
    );
    let edit = ed.get(&format!("/portal/rounds/{round}/edit")).await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    let list = ed.get("/portal/rounds").await;
    assert!(list.body.contains("gesloten"));
}

/// The page's visible text: its markup left out, so that a marker word is
/// looked for where a reader sees it (not in a field name or a path).
fn visible(body: &str) -> String {
    // What a text area holds is the catalogue's text, in both languages
    // on the texts page by design.
    let mut body = body.to_owned();
    while let Some(start) = body.find("<textarea") {
        let end = body[start..]
            .find("</textarea>")
            .map_or(body.len(), |e| start + e + "</textarea>".len());
        body.replace_range(start..end, " ");
    }
    let mut out = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

/// Words of the portal's own text, per page kind, that exist in one language
/// only. The chrome's come first and are on every page.
const CHROME: (&[&str], &[&str]) = (
    &["Uitloggen", "Naar de inhoud", "De openbare monitor"],
    &["Log out", "Skip to content", "The public monitor"],
);

/// Asserts that `page` is in `lang` (`nl` or `en`) only: its `<html lang>`,
/// every marker of that language and none of the other's. An id in small
/// print belongs to no language, so the markers are looked for outside it.
fn in_one_language(page: &Page, lang: &str, nl: &[&str], en: &[&str]) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!("<html lang=\"{lang}\">")),
        "{}",
        &page.body[..200.min(page.body.len())]
    );
    let text = outside_small_print(&page.body);
    let (own, other) = if lang == "nl" { (nl, en) } else { (en, nl) };
    let (own_chrome, other_chrome) = if lang == "nl" {
        CHROME
    } else {
        (CHROME.1, CHROME.0)
    };
    for w in own.iter().chain(own_chrome) {
        assert!(text.contains(w), "{lang} page without {w:?}: {text}");
    }
    for w in other.iter().chain(other_chrome) {
        assert!(!text.contains(w), "{lang} page with {w:?}: {text}");
    }
}

/// A page kind: its path and its marker words in Dutch and English.
fn kind(
    path: impl Into<String>,
    nl: &'static [&'static str],
    en: &'static [&'static str],
) -> (String, &'static [&'static str], &'static [&'static str]) {
    (path.into(), nl, en)
}

#[tokio::test]
async fn every_page_is_in_one_language_and_the_switch_remembers_it() {
    let (_dir, _store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let delivery = open_round(&mut ed).await;
    let round = {
        let rounds = ed.get("/portal/rounds").await;
        let start = rounds.body.find("/portal/rounds/").unwrap();
        rounds.body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    let mut sup = Browser::login(&state, "sup").await;
    let editor_pages = vec![
        kind(
            "/portal/",
            &["Wat u hier kunt doen", "redacteur"],
            &["What you can do here", "editor"],
        ),
        kind(
            "/portal/rounds",
            &["Ronde openen", "Meer verzoeken"],
            &["Open a round", "More requests"],
        ),
        kind(
            round.clone(),
            &["Voortgang per leverancier", "Te laat", "concept"],
            &["Progress per supplier", "Overdue", "draft"],
        ),
        kind(
            delivery.clone(),
            &["Nog niet afgetekend", "Besluiten"],
            &["Not signed off yet", "Decisions"],
        ),
        kind(
            "/portal/editions",
            &["Vooraf inzien", "Embargo instellen"],
            &["Pre-release access", "Set embargo"],
        ),
        kind(
            "/portal/texts",
            &["Aanbevelingen", "Overige velden", "Voorbeeld"],
            &["Recommendations", "Other fields", "Preview"],
        ),
        kind(
            "/portal/history?organisation=comensha",
            &["Afgetekende revisies van"],
            &["Signed-off revisions of"],
        ),
        kind(
            "/portal/account",
            &["Wachtwoord wijzigen", "Tweede factor"],
            &["Change your password", "Second factor"],
        ),
        ("/portal/tokens".into(), &["Nieuwe sleutel"], &["New token"]),
    ];
    let supplier_pages = vec![
        kind(
            "/portal/",
            &["Uw uitvragen", "leverancier", "concept"],
            &["Your requests", "supplier", "draft"],
        ),
        kind(
            delivery.clone(),
            &[
                "Sjabloon en upload",
                "Concept opslaan",
                "Vorig jaar",
                "gemelde minderjarige",
            ],
            &[
                "Template and upload",
                "Save draft",
                "Last year",
                "Minor victims of trafficking",
            ],
        ),
    ];
    for (browser, pages) in [(&mut ed, &editor_pages), (&mut sup, &supplier_pages)] {
        for (path, nl, en) in pages.iter() {
            let page = browser.get(path).await;
            in_one_language(&page, "nl", nl, en);
        }
        // The switch leads back to the page it was used on, its query
        // kept, and is remembered for every page after it.
        let on = browser.get(&pages[1].0).await;
        let start = on
            .body
            .find("/portal/lang/en?back=")
            .expect("the page has the switch");
        let end = start + on.body[start..].find('"').unwrap();
        let link = on.body[start..end].replace("&amp;", "&");
        let switched = browser.get(&link).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        assert_eq!(switched.location(), pages[1].0);
        for (path, nl, en) in pages.iter() {
            let page = browser.get(path).await;
            in_one_language(&page, "en", nl, en);
        }
        let back = browser.get("/portal/lang/nl?back=/portal/").await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
        in_one_language(&browser.get("/portal/").await, "nl", &[], &[]);
    }
    // A page's query survives the switch, `&` and all.
    let listed = "/portal/rounds?organisation=police&view=all";
    let on = ed.get(listed).await;
    let start = on.body.find("/portal/lang/nl?back=").expect("the switch");
    let end = start + on.body[start..].find('"').unwrap();
    let back = ed.get(&on.body[start..end].replace("&amp;", "&")).await;
    assert_eq!(back.location(), listed);
    // The switch leads only into the portal.
    let away = ed.get("/portal/lang/en?back=https://example.org/").await;
    assert_eq!(away.location(), "/portal/");
    let away = ed.get("/portal/lang/en?back=//example.org/portal/").await;
    assert_eq!(away.location(), "/portal/");
}

/// Borrows owned form fields for [`Browser::post`].
fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Signs off the grid with the total's value only.
async fn sign_off_total(b: &mut Browser, delivery: &str, value: &str) -> Page {
    let grid = b.get(delivery).await;
    let total = "comensha.minor_victims|2024|";
    let (status, figure) = (field(total, "status"), field(total, "value"));
    b.post(
        delivery,
        &grid.csrf(),
        &[
            (status.as_str(), "exact"),
            (figure.as_str(), value),
            ("action", "submit"),
        ],
    )
    .await
}

#[tokio::test]
async fn problems_come_in_the_pages_language_and_a_login_brings_the_users_own() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let delivery = open_round(&mut ed).await;
    // The supplier's stored language (that of their mail) is their pages'
    // after they log in.
    store
        .set_contact(
            None,
            "sup",
            &zicht_store::Contact {
                email: None,
                language: zicht_model::Lang::En,
            },
        )
        .await
        .unwrap();
    let mut sup = Browser::login(&state, "sup").await;
    let grid = sup.get(&delivery).await;
    assert!(grid.body.contains("<html lang=\"en\">"), "{}", grid.body);

    let en = sign_off_total(&mut sup, &delivery, "12,5").await;
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible(&en.body);
    assert!(text.contains("is not a number"), "{text}");
    assert!(text.contains("Problems: nothing was stored"), "{text}");
    assert!(
        !text.contains("is geen getal") && !text.contains("Problemen"),
        "{text}"
    );

    sup.get("/portal/lang/nl").await;
    let nl = sign_off_total(&mut sup, &delivery, "12,5").await;
    let text = visible(&nl.body);
    assert!(text.contains("is geen getal"), "{text}");
    assert!(text.contains("Problemen: niets is opgeslagen"), "{text}");
    assert!(!text.contains("is not a number"), "{text}");
    // The cells left open when signing off, too.
    let open = sign_off_total(&mut sup, &delivery, "5").await;
    assert_eq!(open.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible(&open.body);
    assert!(text.contains("heeft nog geen antwoord"), "{text}");
    assert!(!text.contains("is not answered"), "{text}");
}

#[tokio::test]
async fn a_text_is_edited_by_language_and_previewed_through_the_sites_templates() {
    let (_dir, store, state) = setup().await;
    let mut ed = Browser::login(&state, "ed").await;
    let page = ed.get("/portal/texts").await;
    assert!(
        page.body.contains("name=\"nl:text\""),
        "one field per language"
    );
    assert!(page.body.contains("name=\"en:text\""));
    let catalogue = store.catalogue().await.unwrap();
    let rec = &catalogue.recommendations[0];
    let mut rest = serde_json::to_value(rec).unwrap();
    let fields = rest.as_object_mut().unwrap();
    fields.remove("text_nl");
    fields.remove("text_en");
    let form = |action: &str| -> Vec<(&'static str, String)> {
        vec![
            ("kind", "recommendation".into()),
            ("id", rec.id.to_string()),
            ("nl:text", "Een voorbeeldzin voor de site.".into()),
            ("en:text", "A sample sentence for the site.".into()),
            ("rest", rest.to_string()),
            ("action", action.into()),
        ]
    };
    let preview = ed
        .post("/portal/texts", &page.csrf(), &borrowed(&form("preview")))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let at = preview
        .body
        .find("class=\"site-preview\"")
        .expect("a preview");
    let shown = &preview.body[at..];
    let shown = &shown[..shown.find("<form").unwrap_or(shown.len())];
    assert!(shown.contains("Een voorbeeldzin voor de site."), "{shown}");
    assert!(
        !shown.contains("A sample sentence"),
        "the page's language only"
    );
    assert_eq!(
        store.catalogue().await.unwrap().recommendations[0].text_nl,
        rec.text_nl,
        "a preview stores nothing"
    );

    let saved = ed
        .post("/portal/texts", &preview.csrf(), &borrowed(&form("save")))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = store.catalogue().await.unwrap();
    assert_eq!(
        after.recommendations[0].text_nl,
        "Een voorbeeldzin voor de site."
    );
    assert_eq!(
        after.recommendations[0].text_en,
        "A sample sentence for the site."
    );

    // A direction control is still refused, and the form comes back as typed.
    let mut bidi = form("save");
    bidi[2].1 = "Een zin met \u{202E}omkering.".into();
    let csrf = ed.get("/portal/texts").await.csrf();
    let refused = ed.post("/portal/texts", &csrf, &borrowed(&bidi)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(visible(&refused.body).contains("Niet opgeslagen"));
    assert!(refused.body.contains("name=\"nl:text\""));
}

/// The page's visible text outside small print: where a raw id must not
/// show. An id is welcome on hover (a title attribute, gone with the
/// markup) and in `<small>` beside its label.
fn outside_small_print(body: &str) -> String {
    let mut body = body.to_owned();
    while let Some(start) = body.find("<small") {
        let end = body[start..]
            .find("</small>")
            .map_or(body.len(), |e| start + e + "</small>".len());
        body.replace_range(start..end, " ");
    }
    visible(&body)
}

/// Ids as the catalogue and the breakdowns write them, which a reader
/// should see as labels.
const RAW_IDS: &[&str] = &["comensha.minor_victims", "[origin=", "sex=girls", "[sex="];

fn without_raw_ids(page: &Page, what: &str) {
    let text = outside_small_print(&page.body);
    for id in RAW_IDS {
        assert!(
            !text.contains(id),
            "{what}: {id:?} outside small print: {text}"
        );
    }
}

/// Answers both cells `open_round` asks and signs off.
async fn sign_off_both(b: &mut Browser, delivery: &str) -> Page {
    let grid = b.get(delivery).await;
    let total = "comensha.minor_victims|2024|";
    let girls = "comensha.minor_victims|2024|sex=girls";
    let fields = [
        (field(total, "status"), "exact"),
        (field(total, "value"), "12"),
        (field(girls, "status"), "refused"),
        (field(girls, "reason"), "n < 10"),
    ];
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    all.push(("action", "submit"));
    b.post(delivery, &grid.csrf(), &all).await
}

/// Switches `b` to `lang` as the NL | EN link does.
async fn switch_to(b: &mut Browser, lang: &str) {
    let res = b.get(&format!("/portal/lang/{lang}?back=/portal/")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_page_kind_reads_in_one_language_with_labels_in_place_of_ids() {
    let (_dir, store, state) = setup().await;
    let hash = auth::hash_password(PASSWORD).unwrap();
    common::add_users(&store, &[("root", Role::Admin, None)], &hash).await;
    let mut ed = Browser::login(&state, "ed").await;
    let delivery = open_round(&mut ed).await;
    let round = store.rounds().await.unwrap()[0].id;
    let mut sup = Browser::login(&state, "sup").await;
    let slug = |s: &str| zicht_model::Slug::parse(s).unwrap();

    // The supplier's grid before signing off, then the editor's review of it.
    let mut grid = Vec::new();
    for lang in ["nl", "en"] {
        switch_to(&mut sup, lang).await;
        grid.push((lang, sup.get(&delivery).await));
    }
    switch_to(&mut sup, "nl").await;
    let signed = sign_off_both(&mut sup, &delivery).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    store
        .ask_encoded(
            &zicht_portal::Actor::editor("ed"),
            round,
            &slug("comensha"),
            "2099-12-31".parse().unwrap(),
        )
        .await
        .unwrap();
    let linkage = store
        .save_linkage(
            Some("ed"),
            &zicht_store::NewLinkage {
                round_id: round,
                parameters: "{}",
                histories: "comensha,politie,count\n1,1,4\n",
                report: "Link report",
                linked: &[],
            },
        )
        .await
        .unwrap();
    let mut root = Browser::login(&state, "root").await;
    let mut anonymous = Browser::new(&state);

    type Kind = (
        &'static str,
        String,
        &'static [&'static str],
        &'static [&'static str],
    );
    let editor: Vec<Kind> = vec![
        (
            "home",
            "/portal/".into(),
            &["Wat u hier kunt doen", "redacteur"],
            &["What you can do here", "editor"],
        ),
        (
            "rounds",
            "/portal/rounds".into(),
            &["Ronde openen", "Meer verzoeken", "gemelde minderjarige"],
            &[
                "Open a round",
                "More requests",
                "Minor victims of trafficking",
            ],
        ),
        (
            "round",
            format!("/portal/rounds/{round}"),
            &[
                "Voortgang per leverancier",
                "Te laat",
                "ingediend",
                "Kopiëren naar het volgende jaar",
            ],
            &[
                "Progress per supplier",
                "Overdue",
                "submitted",
                "Copy to the next year",
            ],
        ),
        (
            "plan",
            "/portal/rounds/plan".into(),
            &[
                "Indicatoren zoeken",
                "Uitsplitsingen",
                "Organisaties",
                "gemelde minderjarige",
            ],
            &[
                "Search indicators",
                "Breakdowns",
                "Organisations",
                "Minor victims of trafficking",
            ],
        ),
        (
            "review",
            delivery.clone(),
            &["Revisie 1", "Besluiten", "Terugsturen", "Vorig jaar"],
            &["Revision 1", "Decisions", "Return", "Last year"],
        ),
        (
            "encoded",
            format!("/portal/rounds/{round}/encoded"),
            &["Bewaren tot", "Registraties", "nog niet"],
            &["Deleted on", "Records", "not yet"],
        ),
        (
            "linkage",
            format!("/portal/linkages/{linkage}"),
            &["Gekoppeld", "Vangstgeschiedenissen"],
            &["Linked", "Capture histories"],
        ),
        (
            "history",
            "/portal/history?organisation=comensha".into(),
            &["Afgetekende revisies van", "Reden", "meisjes"],
            &["Signed-off revisions of", "Reason", "girls"],
        ),
        (
            "texts",
            "/portal/texts".into(),
            &["Aanbevelingen", "Overige velden", "Voorbeeld"],
            &["Recommendations", "Other fields", "Preview"],
        ),
        (
            "editions",
            "/portal/editions".into(),
            &[
                "Vooraf inzien",
                "Embargo instellen",
                "Nieuwe editie toevoegen",
            ],
            &["Pre-release access", "Set embargo", "Add a new edition"],
        ),
        (
            "new edition",
            "/portal/editions/new".into(),
            &["Peildatum", "Naam in het Engels", "Editie toevoegen"],
            &["Cut-off", "Name in English", "Add the edition"],
        ),
        (
            "account",
            "/portal/account".into(),
            &["Wachtwoord wijzigen", "Tweede factor"],
            &["Change your password", "Second factor"],
        ),
        (
            "tokens",
            "/portal/tokens".into(),
            &["Nieuwe sleutel"],
            &["New token"],
        ),
    ];
    let supplier: Vec<Kind> = vec![(
        "supplier's home",
        "/portal/".into(),
        &["Uw uitvragen", "leverancier", "ingediend"],
        &["Your requests", "supplier", "submitted"],
    )];
    let admin: Vec<Kind> = vec![
        (
            "users",
            "/portal/users".into(),
            &["Gebruikersnaam", "Tweede factor", "beheerder"],
            &["Login", "Second factor", "admin"],
        ),
        (
            "audit",
            "/portal/audit".into(),
            &["Nieuwste eerst", "Ervoor", "Erna"],
            &["Newest first", "Before", "After"],
        ),
    ];
    for (browser, kinds) in [
        (&mut ed, &editor),
        (&mut sup, &supplier),
        (&mut root, &admin),
    ] {
        for lang in ["nl", "en"] {
            switch_to(browser, lang).await;
            for (what, path, nl, en) in kinds {
                let page = browser.get(path).await;
                in_one_language(&page, lang, nl, en);
                without_raw_ids(&page, &format!("{what} ({lang})"));
            }
        }
    }
    for (lang, page) in &grid {
        in_one_language(
            page,
            lang,
            &[
                "Sjabloon en upload",
                "Concept opslaan",
                "Vorig jaar",
                "meisjes",
            ],
            &["Template and upload", "Save draft", "Last year", "girls"],
        );
        without_raw_ids(page, &format!("delivery ({lang})"));
    }

    // The login page, before anyone is known: its own words, no chrome.
    for (lang, own, other) in [
        (
            "nl",
            ["Gebruikersnaam", "Wachtwoord", "Inloggen"],
            ["Password", "Log in"],
        ),
        (
            "en",
            ["Login", "Password", "Log in"],
            ["Wachtwoord", "Inloggen"],
        ),
    ] {
        let res = anonymous
            .get(&format!("/portal/lang/{lang}?back=/portal/login"))
            .await;
        assert_eq!(res.location(), "/portal/login");
        let page = anonymous.get("/portal/login").await;
        assert!(page.body.contains(&format!("<html lang=\"{lang}\">")));
        let text = visible(&page.body);
        for w in own {
            assert!(text.contains(w), "login ({lang}) without {w:?}: {text}");
        }
        for w in other {
            assert!(!text.contains(w), "login ({lang}) with {w:?}: {text}");
        }
    }

    // Refusals and problems come in the chosen language too.
    for (lang, own, other) in [
        ("nl", "Uw rol mag dit niet.", "Your role may not do this."),
        ("en", "Your role may not do this.", "Uw rol mag dit niet."),
    ] {
        switch_to(&mut sup, lang).await;
        let refused = sup.get("/portal/rounds").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let text = visible(&refused.body);
        assert!(text.contains(own) && !text.contains(other), "{text}");
    }
    for (lang, own, other) in [
        (
            "nl",
            "Kies minstens één organisatie",
            "Choose at least one organisation",
        ),
        (
            "en",
            "Choose at least one organisation",
            "Kies minstens één organisatie",
        ),
    ] {
        switch_to(&mut ed, lang).await;
        let page = ed.get("/portal/rounds/plan").await;
        let refused = ed
            .post(
                "/portal/rounds/plan",
                &page.csrf(),
                &[("periods", "20x4"), ("step", "save")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = visible(&refused.body);
        assert!(text.contains(own) && !text.contains(other), "{text}");
        let period = if lang == "nl" {
            "is geen ISO 8601-periode"
        } else {
            "is not an ISO 8601 period"
        };
        assert!(text.contains(period), "{text}");
    }
}
