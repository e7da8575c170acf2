//! The editor's round pages: the list of rounds, opening a round, and a
//! round's progress per supplier.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use zicht_model::{Breakdown, Catalogue, DocumentKind, Period, Slug};
use zicht_portal::{PlanProblem, Request, RoundPlan};
use zicht_service::{rounds, ServiceError};
use zicht_store::{Round, StoreError, SupplierProgress};

use super::{flash_redirect, lang, not_found_page, render, today, Chrome, PageResult, PortalForm};
use crate::auth::{query_param, CurrentUser, Editor};
use crate::work::actor;
use crate::AppState;

/// How many request fieldsets an empty form offers; `?requests=N` asks for
/// more, up to [`MAX_REQUESTS`].
const DEFAULT_REQUESTS: usize = 3;
const MAX_REQUESTS: usize = 40;

/// One request fieldset as typed, kept to show again with its problems.
#[derive(Default, Clone)]
pub struct RequestForm {
    pub organisation: String,
    pub indicators: Vec<String>,
    pub periods: String,
    pub breakdowns: String,
    pub problems: Vec<String>,
}

impl RequestForm {
    fn has(&self, indicator: &str) -> bool {
        self.indicators.iter().any(|i| i == indicator)
    }
}

#[derive(Default)]
pub struct RoundForm {
    pub edition: String,
    pub title: String,
    pub due: String,
    pub requests: Vec<RequestForm>,
    /// Problems of the round's own fields, by place (`edition`, `title`,
    /// `due`, `round`).
    pub problems: Vec<(String, String)>,
}

impl RoundForm {
    fn problems_at(&self, place: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(p, _)| p == place)
            .map(|(_, m)| m.as_str())
            .collect()
    }
    fn has_problems(&self) -> bool {
        !self.problems.is_empty() || self.requests.iter().any(|r| !r.problems.is_empty())
    }
}

#[derive(Template)]
#[template(path = "portal/rounds.html")]
struct RoundsPage {
    c: Chrome,
    rounds: Vec<Round>,
    editions: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    form: RoundForm,
    more: usize,
}

/// A catalogue label in the page's language.
fn label(nl: &str, en: &str) -> String {
    lang::t(nl, en).to_owned()
}

impl RoundsPage {
    /// An edition's name, or its id if the catalogue has no such edition.
    fn edition_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.editions
            .iter()
            .find(|(e, _)| e == id)
            .map_or(id, |(_, name)| name.as_str())
    }
}

fn choices(catalogue: &Catalogue) -> [Vec<(String, String)>; 3] {
    [
        catalogue
            .documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Edition)
            .map(|d| (d.id.to_string(), label(&d.label_nl, &d.label_en)))
            .collect(),
        catalogue
            .organisations
            .iter()
            .map(|o| (o.id.to_string(), label(&o.label_nl, &o.label_en)))
            .collect(),
        catalogue
            .indicators
            .iter()
            .map(|i| (i.id.to_string(), label(&i.label_nl, &i.label_en)))
            .collect(),
    ]
}

async fn rounds_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    form: RoundForm,
) -> PageResult {
    let rounds = state.store.rounds().await?;
    let catalogue = state.store.catalogue().await?;
    let [editions, organisations, indicators] = choices(&catalogue);
    let more = (form.requests.len() + DEFAULT_REQUESTS).min(MAX_REQUESTS);
    let mut c = Chrome::new(
        Some(user),
        headers,
        "/portal/rounds",
        "Uitvraagrondes",
        "Request rounds",
    );
    if form.has_problems() {
        c.error = Some(lang::say(
            "De ronde is niet geopend: zie de problemen bij de velden.",
            "The round was not opened: see the problems next to the fields.",
        ));
    }
    Ok(render(
        status,
        &RoundsPage {
            c,
            rounds,
            editions,
            organisations,
            indicators,
            form,
            more,
        },
    ))
}

pub async fn rounds_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let n = query_param(&uri, "requests")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_REQUESTS)
        .clamp(1, MAX_REQUESTS);
    let form = RoundForm {
        requests: vec![RequestForm::default(); n],
        ..RoundForm::default()
    };
    rounds_view(&state, &user, &headers, StatusCode::OK, form).await
}

/// A breakdown as typed: `total` (or nothing) is the total.
fn breakdown(text: &str) -> Result<Breakdown, String> {
    let text = if text.eq_ignore_ascii_case("total") || text.eq_ignore_ascii_case("totaal") {
        ""
    } else {
        text
    };
    Breakdown::parse(text).map_err(|e| e.to_string())
}

/// The open-round form read into a plan (or `None` when a field cannot be
/// read), the form to show again, and for each of the plan's requests the
/// fieldset it came from. Field names: `edition`, `title`, `due`, and per
/// fieldset N (from 0) `organisation_N`, `indicators_N` (repeated),
/// `periods_N` (commas or spaces), `breakdowns_N` (one per line).
fn read_form(pairs: &[(String, String)]) -> (RoundForm, Option<RoundPlan>, Vec<usize>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut form = RoundForm {
        edition: get("edition"),
        title: get("title"),
        due: get("due"),
        ..RoundForm::default()
    };
    let count = pairs
        .iter()
        .filter_map(|(k, _)| {
            k.rsplit_once('_')
                .and_then(|(_, n)| n.parse::<usize>().ok())
        })
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
        .min(MAX_REQUESTS);
    let edition = Slug::parse(&form.edition);
    if edition.is_err() {
        form.problems.push((
            "edition".into(),
            lang::say("Kies een editie", "Choose an edition"),
        ));
    }
    let mut readable = edition.is_ok();
    let mut requests = Vec::new();
    let mut positions = Vec::new();
    for i in 0..count {
        let mut r = RequestForm {
            organisation: get(&format!("organisation_{i}")),
            indicators: pairs
                .iter()
                .filter(|(k, v)| *k == format!("indicators_{i}") && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_owned())
                .collect(),
            periods: get(&format!("periods_{i}")),
            breakdowns: get(&format!("breakdowns_{i}")),
            problems: Vec::new(),
        };
        if r.organisation.is_empty()
            && r.indicators.is_empty()
            && r.periods.is_empty()
            && r.breakdowns.is_empty()
        {
            // An unused fieldset asks nothing and stays on the page, empty.
            form.requests.push(r);
            continue;
        }
        // The slug's own error is English and names a rule; the reader
        // only needs to know which choice to make.
        let organisation = Slug::parse(&r.organisation)
            .map_err(|_| lang::say("Kies een organisatie", "Choose an organisation"));
        let mut problems = Vec::new();
        if let Err(e) = &organisation {
            problems.push(e.clone());
        }
        let mut indicators = Vec::new();
        for i in &r.indicators {
            match Slug::parse(i) {
                Ok(s) => indicators.push(s),
                Err(_) => problems.push(lang::say(
                    format!("'{i}' is geen indicator van de catalogus"),
                    format!("'{i}' is not an indicator of the catalogue"),
                )),
            }
        }
        let mut periods = Vec::new();
        for p in r
            .periods
            .split([',', ';', ' ', '\n', '\r'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Period::parse(p) {
                Ok(p) => periods.push(p),
                Err(e) => problems.push(format!(
                    "{} '{p}': {}",
                    lang::t("periode", "period"),
                    zicht_portal::text::period(&e).get(lang::current())
                )),
            }
        }
        // A breakdown holds `;` between its pairs, so one per line.
        let mut breakdowns = Vec::new();
        for b in r
            .breakdowns
            .lines()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            match breakdown(b) {
                Ok(b) => breakdowns.push(b),
                Err(_) => problems.push(lang::say(
                    format!("'{b}' is geen uitsplitsing: schrijf total, of dimensie=waarde zoals sex=girls"),
                    format!("'{b}' is not a breakdown: write total, or dimension=value such as sex=girls"),
                )),
            }
        }
        match organisation {
            Ok(organisation) if problems.is_empty() => {
                positions.push(form.requests.len());
                requests.push(Request {
                    organisation,
                    indicators,
                    periods,
                    breakdowns,
                });
            }
            _ => readable = false,
        }
        r.problems = problems;
        form.requests.push(r);
    }
    let plan = match edition {
        Ok(edition) if readable => Some(RoundPlan {
            edition,
            title: form.title.clone(),
            due: form.due.clone(),
            requests,
        }),
        _ => None,
    };
    (form, plan, positions)
}

/// Puts each of the plan's problems at its place: `request N …` next to
/// the fieldset it came from, anything else next to the round's fields.
fn place_problems(form: &mut RoundForm, problems: &[PlanProblem], positions: &[usize]) {
    for p in problems {
        let fieldset = p
            .place
            .strip_prefix("request ")
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| positions.get(n.checked_sub(1)?).copied());
        match fieldset.and_then(|i| form.requests.get_mut(i)) {
            Some(r) => r.problems.push(p.message.get(lang::current()).to_owned()),
            None => {
                let place = ["edition", "title", "due"]
                    .into_iter()
                    .find(|f| p.place.starts_with(f))
                    .unwrap_or("round");
                form.problems
                    .push((place.into(), p.message.get(lang::current()).to_owned()));
            }
        }
    }
}

pub async fn open_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    let (mut form, plan, positions) = read_form(&pairs);
    let Some(plan) = plan else {
        return rounds_view(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
        )
        .await;
    };
    match rounds::open_round(&state.store, &actor(&user), &plan).await {
        // A round that asks no cells collects encoded records (issue 13):
        // its editor goes on to ask for them.
        Ok(id) if plan.requests.is_empty() => Ok(flash_redirect(
            &state,
            &format!("/portal/rounds/{id}/encoded"),
            lang::t(
                "Ronde geopend zonder cellen: vraag hier versleutelde registraties.",
                "Round opened without cells: ask for encoded records here.",
            ),
        )),
        Ok(id) => Ok(flash_redirect(
            &state,
            &format!("/portal/rounds/{id}"),
            lang::t("Ronde geopend.", "Round opened."),
        )),
        Err(ServiceError::Plan(problems)) => {
            place_problems(&mut form, &problems, &positions);
            rounds_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/round.html")]
struct RoundPage {
    c: Chrome,
    round: Round,
    /// The edition's name.
    edition: String,
    /// (organisation's name, progress)
    suppliers: Vec<(String, SupplierProgress)>,
    today: String,
    /// Whether a supplier has started (the round can no longer be changed).
    started: bool,
    /// (id, name) of every edition, for the copy.
    editions: Vec<(String, String)>,
    next_title: String,
}

pub async fn round_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(not_found_page());
    };
    let round = match state.store.round(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(not_found_page()),
        Err(e) => return Err(e.into()),
    };
    let today = today().to_string();
    let catalogue = state.store.catalogue().await?;
    let suppliers = state
        .store
        .round_progress(id, &today)
        .await?
        .into_iter()
        .map(|p| {
            let name = catalogue
                .organisations
                .iter()
                .find(|o| o.id == p.organisation)
                .map(|o| label(&o.label_nl, &o.label_en))
                .unwrap_or_default();
            (name, p)
        })
        .collect();
    let started = state.store.round_started(id).await?;
    let editions = super::plan::edition_choices(&catalogue);
    let next_title = super::plan::next_title(&round.title);
    let c = Chrome::new(
        Some(&user),
        &headers,
        "/portal/rounds",
        &format!("Ronde: {}", round.title),
        &format!("Round: {}", round.title),
    );
    Ok(render(
        StatusCode::OK,
        &RoundPage {
            c,
            edition: super::words::document(&catalogue, round.edition.as_str(), lang::current()),
            round,
            suppliers,
            today,
            started,
            editions,
            next_title,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_reads_into_a_plan_skipping_empty_fieldsets() {
        let (form, plan, positions) = read_form(&pairs(&[
            ("edition", "kib-2025"),
            ("title", "Uitvraag"),
            ("due", "2026-03-31"),
            ("organisation_0", ""),
            ("organisation_1", "comensha"),
            ("indicators_1", "comensha.minor_victims"),
            ("indicators_1", "comensha.minor_victims.change"),
            ("periods_1", "2024, 2025"),
            ("breakdowns_1", "total\nsex=girls"),
        ]));
        assert!(!form.has_problems());
        let plan = plan.unwrap();
        assert_eq!(positions, vec![1]);
        assert_eq!(plan.requests.len(), 1);
        assert_eq!(plan.requests[0].indicators.len(), 2);
        assert_eq!(plan.requests[0].periods.len(), 2);
        assert_eq!(plan.requests[0].breakdowns.len(), 2);
        assert!(plan.requests[0].breakdowns[0].is_total());
    }

    #[test]
    fn every_unreadable_field_is_named_at_its_fieldset() {
        let (form, plan, _) = read_form(&pairs(&[
            ("edition", ""),
            ("organisation_0", "comensha"),
            ("periods_0", "20x4"),
            ("organisation_2", "Not A Slug"),
            ("breakdowns_2", "sex"),
        ]));
        assert!(plan.is_none());
        assert_eq!(form.problems_at("edition").len(), 1);
        assert_eq!(form.requests[0].problems.len(), 1);
        assert!(form.requests[0].problems[0].contains("20x4"));
        assert!(form.requests[1].problems.is_empty());
        assert_eq!(form.requests[2].problems.len(), 2);
    }

    #[test]
    fn plan_problems_land_next_to_their_fieldset() {
        let mut form = RoundForm {
            requests: vec![RequestForm::default(); 3],
            ..RoundForm::default()
        };
        let problems = vec![
            PlanProblem {
                place: "request 2, indicator x".into(),
                message: zicht_portal::Text::new("onbekend", "unknown"),
            },
            PlanProblem {
                place: "due".into(),
                message: zicht_portal::Text::new("geen dag", "not a day"),
            },
        ];
        place_problems(&mut form, &problems, &[0, 2]);
        assert_eq!(form.requests[2].problems.len(), 1);
        assert!(form.requests[0].problems.is_empty());
        // Outside a request the page language is Dutch.
        assert_eq!(form.problems_at("due"), vec!["geen dag"]);
    }
}
