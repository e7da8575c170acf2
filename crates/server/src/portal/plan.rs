//! Planning a round by theme: the indicators grouped by theme with a
//! filter, each with the breakdowns its own dimensions offer; editing a
//! round until a supplier starts, closing it, copying last year's round,
//! and adding an edition with its cut-off.
//!
//! No script: the filter is a submit button of the same form, so what is
//! ticked survives filtering (ticked indicators the filter hides ride along
//! as hidden fields).

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use zicht_model::{Breakdown, Catalogue, Day, Document, DocumentKind, Instant, Lang, Period, Slug};
use zicht_portal::{offered_breakdowns, title_next_year, PlanChoice, RoundPlan};
use zicht_service::{rounds, ServiceError};
use zicht_store::StoreError;

use super::{
    error_page, flash_redirect, lang, not_found_page, render, words, Chrome, PageResult, PortalForm,
};
use crate::auth::{CurrentUser, Editor};
use crate::work::actor;
use crate::AppState;

pub struct PlanBreakdown {
    /// The form value: `INDICATOR|BREAKDOWN` (an empty breakdown is the
    /// total).
    pub value: String,
    /// In the page's language.
    pub label: String,
    pub chosen: bool,
}

pub struct PlanIndicator {
    pub id: String,
    /// In the page's language.
    pub label: String,
    pub chosen: bool,
    /// Whether the filter lets it through.
    pub shown: bool,
    pub breakdowns: Vec<PlanBreakdown>,
}

pub struct PlanTheme {
    /// In the page's language.
    pub label: String,
    pub indicators: Vec<PlanIndicator>,
}

impl PlanTheme {
    fn any_shown(&self) -> bool {
        self.indicators.iter().any(|i| i.shown)
    }
}

/// What the planning form holds, as typed.
#[derive(Default)]
pub struct PlanForm {
    pub edition: String,
    pub title: String,
    pub due: String,
    pub periods: String,
    pub organisations: BTreeSet<String>,
    pub indicators: BTreeSet<String>,
    /// Per indicator, the breakdowns ticked (as text; empty is the total).
    pub breakdowns: BTreeMap<String, BTreeSet<String>>,
    pub q: String,
}

impl PlanForm {
    fn read(pairs: &[(String, String)]) -> (PlanForm, bool) {
        let mut f = PlanForm::default();
        let mut filter = false;
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "edition" => f.edition = v.into(),
                "title" => f.title = v.into(),
                "due" => f.due = v.into(),
                "periods" => f.periods = v.into(),
                "q" => f.q = v.into(),
                "organisation" if !v.is_empty() => {
                    f.organisations.insert(v.into());
                }
                "indicator" if !v.is_empty() => {
                    f.indicators.insert(v.into());
                }
                "breakdown" => {
                    if let Some((ind, b)) = v.split_once('|') {
                        f.breakdowns.entry(ind.into()).or_default().insert(b.into());
                    }
                }
                "step" => filter = v == "filter",
                _ => {}
            }
        }
        (f, filter)
    }

    fn of_choice(round: &zicht_store::Round, choice: &PlanChoice) -> PlanForm {
        PlanForm {
            edition: round.edition.to_string(),
            title: round.title.clone(),
            due: round.due.clone(),
            periods: choice
                .periods
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            organisations: choice
                .organisations
                .iter()
                .map(ToString::to_string)
                .collect(),
            indicators: choice.indicators.keys().map(ToString::to_string).collect(),
            breakdowns: choice
                .indicators
                .iter()
                .map(|(i, bs)| (i.to_string(), bs.iter().map(ToString::to_string).collect()))
                .collect(),
            q: String::new(),
        }
    }

    /// The indicators asked: those ticked, and those with a breakdown
    /// ticked under them (ticking "girls" under an indicator means it).
    fn chosen(&self) -> BTreeSet<&String> {
        self.indicators
            .iter()
            .chain(
                self.breakdowns
                    .iter()
                    .filter(|(_, bs)| !bs.is_empty())
                    .map(|(i, _)| i),
            )
            .collect()
    }

    /// The plan the form asks for, or every problem reading it, in the
    /// page's language.
    fn plan(&self) -> Result<RoundPlan, Vec<String>> {
        let mut problems = Vec::new();
        let edition = Slug::parse(&self.edition).map_err(|_| {
            problems.push(lang::say("Kies een editie", "Choose an edition"));
        });
        let mut choice = PlanChoice::default();
        for o in &self.organisations {
            match Slug::parse(o) {
                Ok(s) => {
                    choice.organisations.insert(s);
                }
                Err(_) => problems.push(lang::say(
                    format!("'{o}' is geen organisatie van de catalogus"),
                    format!("'{o}' is not an organisation of the catalogue"),
                )),
            }
        }
        if choice.organisations.is_empty() {
            problems.push(lang::say(
                "Kies minstens één organisatie",
                "Choose at least one organisation",
            ));
        }
        for p in self
            .periods
            .split([',', ';', ' ', '\n', '\r'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Period::parse(p) {
                Ok(p) => {
                    choice.periods.insert(p);
                }
                Err(e) => problems.push(
                    zicht_portal::text::period(&e)
                        .get(lang::current())
                        .to_owned(),
                ),
            }
        }
        if choice.periods.is_empty() {
            problems.push(lang::say(
                "Noem minstens één periode",
                "Name at least one period",
            ));
        }
        for i in self.chosen() {
            let Ok(ind) = Slug::parse(i) else {
                problems.push(lang::say(
                    format!("'{i}' is geen indicator van de catalogus"),
                    format!("'{i}' is not an indicator of the catalogue"),
                ));
                continue;
            };
            let mut bs = BTreeSet::new();
            for b in self.breakdowns.get(i).into_iter().flatten() {
                match Breakdown::parse(b) {
                    Ok(b) => {
                        bs.insert(b);
                    }
                    Err(_) => problems.push(lang::say(
                        format!("'{b}' is geen uitsplitsing"),
                        format!("'{b}' is not a breakdown"),
                    )),
                }
            }
            // Nothing ticked asks the total, as an empty list always has.
            if bs.is_empty() {
                bs.insert(Breakdown::total());
            }
            choice.indicators.insert(ind, bs);
        }
        if choice.indicators.is_empty() {
            problems.push(lang::say(
                "Kies minstens één indicator",
                "Choose at least one indicator",
            ));
        }
        match edition {
            Ok(edition) if problems.is_empty() => Ok(RoundPlan {
                edition,
                title: self.title.clone(),
                due: self.due.clone(),
                requests: choice.requests(),
            }),
            _ => Err(problems),
        }
    }
}

fn matches(q: &str, texts: &[&str]) -> bool {
    let q = q.to_lowercase();
    q.split_whitespace()
        .all(|word| texts.iter().any(|t| t.to_lowercase().contains(word)))
}

fn themes(catalogue: &Catalogue, form: &PlanForm) -> Vec<PlanTheme> {
    let lang = lang::current();
    catalogue
        .themes
        .iter()
        .map(|t| PlanTheme {
            label: lang::pick(lang, &t.label_nl, &t.label_en).to_owned(),
            indicators: catalogue
                .indicators
                .iter()
                .filter(|i| i.theme == t.id)
                .map(|i| {
                    let ticked = form.breakdowns.get(i.id.as_str());
                    PlanIndicator {
                        id: i.id.to_string(),
                        label: lang::pick(lang, &i.label_nl, &i.label_en).to_owned(),
                        chosen: form.indicators.contains(i.id.as_str())
                            || ticked.is_some_and(|t| !t.is_empty()),
                        shown: form.q.is_empty()
                            || matches(
                                &form.q,
                                &[
                                    i.id.as_str(),
                                    &i.label_nl,
                                    &i.label_en,
                                    &t.label_nl,
                                    &t.label_en,
                                ],
                            ),
                        breakdowns: offered_breakdowns(catalogue, i.id.as_str())
                            .iter()
                            .map(|b| {
                                let text = b.to_string();
                                PlanBreakdown {
                                    chosen: ticked.is_some_and(|t| t.contains(&text)),
                                    value: format!("{}|{text}", i.id),
                                    label: words::breakdown(catalogue, b, lang),
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/round_plan.html")]
struct PlanPage {
    c: Chrome,
    action: String,
    /// The round being changed, if any.
    round: Option<i64>,
    form: PlanForm,
    problems: Vec<String>,
    /// (id, name) of every edition.
    editions: Vec<(String, String)>,
    /// (id, name, chosen) of every organisation.
    organisations: Vec<(String, String, bool)>,
    themes: Vec<PlanTheme>,
}

/// (id, name) of every edition, for a choice.
pub fn edition_choices(catalogue: &Catalogue) -> Vec<(String, String)> {
    let lang = lang::current();
    catalogue
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .map(|d| {
            (
                d.id.to_string(),
                lang::pick(lang, &d.label_nl, &d.label_en).to_owned(),
            )
        })
        .collect()
}

async fn plan_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    round: Option<i64>,
    form: PlanForm,
    problems: Vec<String>,
) -> PageResult {
    let catalogue = state.store.catalogue().await?;
    let editions = edition_choices(&catalogue);
    let organisations = catalogue
        .organisations
        .iter()
        .map(|o| {
            (
                o.id.to_string(),
                words::organisation(&catalogue, o.id.as_str(), lang::current()),
                form.organisations.contains(o.id.as_str()),
            )
        })
        .collect();
    let themes = themes(&catalogue, &form);
    let (action, nl, en) = match round {
        Some(id) => (
            format!("/portal/rounds/{id}/edit"),
            "Ronde wijzigen",
            "Change the round",
        ),
        None => (
            "/portal/rounds/plan".to_owned(),
            "Ronde plannen",
            "Plan a round",
        ),
    };
    let mut c = Chrome::new(Some(user), headers, "/portal/rounds", nl, en);
    if !problems.is_empty() {
        c.error = Some(lang::say(
            "De ronde is niet opgeslagen: zie de problemen.",
            "The round was not saved: see the problems.",
        ));
    }
    Ok(render(
        status,
        &PlanPage {
            c,
            action,
            round,
            form,
            problems,
            editions,
            organisations,
            themes,
        },
    ))
}

pub async fn plan_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
) -> PageResult {
    plan_view(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        None,
        PlanForm::default(),
        Vec::new(),
    )
    .await
}

/// Saves the planning form: opens a round, or changes `round`.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    round: Option<i64>,
    pairs: &[(String, String)],
) -> PageResult {
    let (form, filter) = PlanForm::read(pairs);
    if filter {
        return plan_view(
            state,
            user,
            headers,
            StatusCode::OK,
            round,
            form,
            Vec::new(),
        )
        .await;
    }
    let plan = match form.plan() {
        Ok(plan) => plan,
        Err(problems) => {
            return plan_view(
                state,
                user,
                headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                round,
                form,
                problems,
            )
            .await
        }
    };
    let who = actor(user);
    let done = match round {
        None => rounds::open_round(&state.store, &who, &plan)
            .await
            .map(|id| (id, lang::t("Ronde geopend.", "Round opened."))),
        Some(id) => rounds::edit_round(&state.store, &who, id, &plan)
            .await
            .map(|_| (id, lang::t("Ronde gewijzigd.", "Round changed."))),
    };
    match done {
        Ok((id, text)) => Ok(flash_redirect(state, &format!("/portal/rounds/{id}"), text)),
        Err(ServiceError::Plan(problems)) => {
            plan_view(
                state,
                user,
                headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                round,
                form,
                problems
                    .iter()
                    .map(|p| p.message.get(lang::current()).to_owned())
                    .collect(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn plan_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    save(&state, &user, &headers, None, &pairs).await
}

fn refusal(status: StatusCode, nl: &str, en: &str) -> axum::response::Response {
    error_page(status, "Niet gelukt", "Not done", nl, en)
}

fn round_id(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

pub async fn edit_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let Some(id) = round_id(&id) else {
        return Ok(not_found_page());
    };
    let round = match changeable(&state, id).await? {
        Ok(round) => round,
        Err(refused) => return Ok(refused),
    };
    let asked = state.store.asked_cells(id).await?;
    let Some(choice) = PlanChoice::of_asked(&asked) else {
        return Ok(refusal(
            StatusCode::CONFLICT,
            "Deze ronde vraagt organisaties verschillende dingen; wijzig haar via de API (PUT /api/rounds/ID).",
            "This round asks organisations different things; change it through the API (PUT /api/rounds/ID).",
        ));
    };
    let form = PlanForm::of_choice(&round, &choice);
    plan_view(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        Some(id),
        form,
        Vec::new(),
    )
    .await
}

/// The round if it can still be changed, or the page that says why not
/// (the store refuses too; asking first gives the reason in the page's
/// language).
async fn changeable(
    state: &AppState,
    id: i64,
) -> Result<Result<zicht_store::Round, axum::response::Response>, crate::Error> {
    let round = match state.store.round(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(Err(not_found_page())),
        Err(e) => return Err(e.into()),
    };
    if round.is_closed() || state.store.round_started(id).await? {
        return Ok(Err(refusal(
            StatusCode::CONFLICT,
            "Deze ronde is gesloten of een leverancier is begonnen: wijzigen kan niet meer.",
            "This round is closed or a supplier has started: it can no longer be changed.",
        )));
    }
    Ok(Ok(round))
}

pub async fn edit_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    Path(id): Path<String>,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    let Some(id) = round_id(&id) else {
        return Ok(not_found_page());
    };
    if let Err(refused) = changeable(&state, id).await? {
        return Ok(refused);
    }
    save(&state, &user, &headers, Some(id), &pairs).await
}

pub async fn close_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> PageResult {
    let Some(id) = round_id(&id) else {
        return Ok(not_found_page());
    };
    match state.store.round(id).await {
        Ok(r) if r.is_closed() => {
            return Ok(refusal(
                StatusCode::CONFLICT,
                "Deze ronde is al gesloten.",
                "This round is closed already.",
            ))
        }
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => return Ok(not_found_page()),
        Err(e) => return Err(e.into()),
    }
    rounds::close_round(&state.store, &actor(&user), id).await?;
    Ok(flash_redirect(
        &state,
        &format!("/portal/rounds/{id}"),
        lang::t(
            "Ronde gesloten: er kan niet meer worden geleverd en er gaan geen herinneringen meer uit.",
            "Round closed: no more deliveries, no more reminders.",
        ),
    ))
}

#[derive(serde::Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    edition: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    title: String,
}

pub async fn copy_round(
    State(state): State<AppState>,
    Editor(user): Editor,
    Path(id): Path<String>,
    PortalForm(form): PortalForm<CopyForm>,
) -> PageResult {
    let Some(id) = round_id(&id) else {
        return Ok(not_found_page());
    };
    let Ok(edition) = Slug::parse(form.edition.trim()) else {
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Kies de editie van de nieuwe ronde.",
            "Choose the new round's edition.",
        ));
    };
    let title = Some(form.title.trim().to_owned()).filter(|t| !t.is_empty());
    match rounds::copy_round(
        &state.store,
        &actor(&user),
        id,
        edition,
        title,
        form.due.trim().to_owned(),
    )
    .await
    {
        Ok(new) => Ok(flash_redirect(
            &state,
            &format!("/portal/rounds/{new}"),
            lang::t(
                "Ronde gekopieerd naar het volgende jaar.",
                "Round copied to the next year.",
            ),
        )),
        Err(ServiceError::Plan(problems)) => {
            let list = |lang| {
                problems
                    .iter()
                    .map(|p| p.message.get(lang))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            Ok(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("De kopie is niet geopend: {}", list(Lang::Nl)),
                &format!("The copy was not opened: {}", list(Lang::En)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The copy form's defaults on a round's page: the title with its years
/// moved on.
pub fn next_title(title: &str) -> String {
    title_next_year(title)
}

#[derive(Template)]
#[template(path = "portal/edition_new.html")]
struct EditionPage {
    c: Chrome,
    form: EditionForm,
    /// (id, name) of every organisation, for the publisher.
    organisations: Vec<(String, String)>,
    problems: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct EditionForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    label_nl: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    cutoff: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    embargo_date: String,
    #[serde(default)]
    embargo_time: String,
}

impl EditionForm {
    /// The edition the form asks for, or every problem, in the page's
    /// language. The catalogue's own checks (a new id, names, a known
    /// publisher) are made here too, so that the store's English refusal
    /// is left for a race or a direction control in a name.
    fn document(&self, catalogue: &Catalogue) -> Result<Document, Vec<String>> {
        let mut problems = Vec::new();
        let id = match Slug::parse(self.id.trim()) {
            Ok(id) if catalogue.document(id.as_str()).is_some() => {
                problems.push(lang::say(
                    format!("de code '{id}' is al in gebruik: kies een andere"),
                    format!("the code '{id}' is taken: choose another"),
                ));
                None
            }
            Ok(id) => Some(id),
            Err(_) => {
                problems.push(lang::say(
                    format!(
                        "'{}' is geen code: gebruik kleine letters, cijfers, - en . (bijv. kib-2026)",
                        self.id.trim()
                    ),
                    format!(
                        "'{}' is not a code: use lower case, digits, - and . (e.g. kib-2026)",
                        self.id.trim()
                    ),
                ));
                None
            }
        };
        for (label, nl, en) in [
            (&self.label_nl, "Nederlands", "Dutch"),
            (&self.label_en, "Engels", "English"),
        ] {
            if label.trim().is_empty() {
                problems.push(lang::say(
                    format!("geef de editie een naam in het {nl}"),
                    format!("give the edition a name in {en}"),
                ));
            } else if let Some(c) = zicht_contract::bidi_control(label) {
                // The store refuses it too, but in English only.
                problems.push(lang::say(
                    format!(
                        "de naam in het {nl} bevat een richtingsteken (U+{:04X}) dat de tekst anders toont dan hij is: haal het weg",
                        c as u32
                    ),
                    format!(
                        "the {en} name holds a direction control (U+{:04X}) that shows the text other than it is: remove it",
                        c as u32
                    ),
                ));
            }
        }
        let cutoff = self
            .cutoff
            .trim()
            .parse::<Day>()
            .map_err(|_| {
                problems.push(lang::say(
                    "kies de peildatum: de dag tot waar de cijfers gaan",
                    "choose the cut-off: the day up to which the figures go",
                ))
            })
            .ok();
        let publisher = match self.publisher.trim() {
            "" => None,
            p => match Slug::parse(p) {
                Ok(p) if catalogue.organisation(p.as_str()).is_some() => Some(p),
                _ => {
                    problems.push(lang::say(
                        "kies de uitgever uit de lijst",
                        "choose the publisher from the list",
                    ));
                    None
                }
            },
        };
        let embargo = match self.embargo_date.trim() {
            "" => None,
            d => d
                .parse::<Day>()
                .ok()
                .and_then(|day| {
                    let time = match self.embargo_time.trim() {
                        "" => "00:00",
                        t => t,
                    };
                    Instant::from_amsterdam(day, time).ok()
                })
                .or_else(|| {
                    problems.push(lang::say(
                        "het embargo is geen datum en tijd: kies een dag en een tijd (uu:mm)",
                        "the embargo is not a date and time: choose a day and a time (hh:mm)",
                    ));
                    None
                }),
        };
        match (id, cutoff) {
            (Some(id), Some(cutoff)) if problems.is_empty() => Ok(Document {
                id,
                kind: DocumentKind::Edition,
                label_nl: self.label_nl.trim().to_owned(),
                label_en: self.label_en.trim().to_owned(),
                publisher,
                cutoff,
                published: None,
                seed: None,
                embargo,
            }),
            _ => Err(problems),
        }
    }
}

async fn edition_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    form: EditionForm,
    problems: Vec<String>,
) -> PageResult {
    let catalogue = state.store.catalogue().await?;
    let organisations = catalogue
        .organisations
        .iter()
        .map(|o| {
            (
                o.id.to_string(),
                words::organisation(&catalogue, o.id.as_str(), lang::current()),
            )
        })
        .collect();
    let mut c = Chrome::new(
        Some(user),
        headers,
        "/portal/editions",
        "Nieuwe editie",
        "New edition",
    );
    if !problems.is_empty() {
        c.error = Some(lang::say(
            "De editie is niet toegevoegd: zie de problemen.",
            "The edition was not added: see the problems.",
        ));
    }
    Ok(render(
        status,
        &EditionPage {
            c,
            form,
            organisations,
            problems,
        },
    ))
}

pub async fn edition_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
) -> PageResult {
    edition_view(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        EditionForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn add_edition(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    PortalForm(form): PortalForm<EditionForm>,
) -> PageResult {
    let catalogue = state.store.catalogue().await?;
    let doc = match form.document(&catalogue) {
        Ok(d) => d,
        Err(problems) => {
            return edition_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                problems,
            )
            .await
        }
    };
    match rounds::add_edition(&state.store, &actor(&user), &doc).await {
        Ok(()) => Ok(flash_redirect(
            &state,
            "/portal/editions",
            lang::t("Editie toegevoegd.", "Edition added."),
        )),
        Err(ServiceError::Invalid(m) | ServiceError::NotFound(m)) => {
            edition_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                vec![m],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
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
    fn the_form_gives_each_indicator_its_own_breakdowns() {
        let (form, filter) = PlanForm::read(&pairs(&[
            ("edition", "kib-2025"),
            ("title", "Uitvraag"),
            ("due", "2026-03-31"),
            ("periods", "2024, 2025"),
            ("organisation", "a"),
            ("organisation", "b"),
            ("indicator", "x"),
            ("indicator", "y"),
            ("breakdown", "x|"),
            ("breakdown", "x|sex=girls"),
            ("breakdown", "z|sex=boys"),
            ("step", "save"),
        ]));
        assert!(!filter);
        let plan = form.plan().unwrap();
        // Two organisations × three indicators, each its own request.
        assert_eq!(plan.requests.len(), 6);
        let x = plan
            .requests
            .iter()
            .find(|r| r.indicators[0].as_str() == "x")
            .unwrap();
        assert_eq!(x.breakdowns.len(), 2);
        assert_eq!(x.periods.len(), 2);
        let y = plan
            .requests
            .iter()
            .find(|r| r.indicators[0].as_str() == "y")
            .unwrap();
        assert_eq!(y.breakdowns, vec![Breakdown::total()]);
        // A breakdown ticked under an indicator asks for that indicator too.
        let z = plan
            .requests
            .iter()
            .find(|r| r.indicators[0].as_str() == "z")
            .unwrap();
        assert_eq!(z.breakdowns, vec![Breakdown::parse("sex=boys").unwrap()]);
    }

    #[test]
    fn an_empty_form_names_every_missing_choice() {
        let (form, filter) = PlanForm::read(&pairs(&[("step", "filter"), ("q", "minder")]));
        assert!(filter);
        assert_eq!(form.q, "minder");
        let problems = form.plan().unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn the_filter_matches_every_word_in_any_label() {
        assert!(matches(
            "minderjarige slachtoffers",
            &["Minderjarige slachtoffers", ""]
        ));
        assert!(matches("victims", &["x", "Minor victims"]));
        assert!(!matches(
            "minderjarige daders",
            &["Minderjarige slachtoffers", "Minor victims"]
        ));
    }
}
