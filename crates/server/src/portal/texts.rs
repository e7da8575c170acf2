//! The monitor's texts for editors: recommendations, measures with their
//! dated events, assessments per recommendation and edition, and the
//! editions' texts, each in Dutch and English, written through
//! `Store::update_definition` (one transaction with its audit record).
//!
//! Each text of a definition (every `X_nl` field with its `X_en`) is one
//! field per language; what is not a text (ids, years, events, a status)
//! stays the JSON the catalogue stores, under "other fields", so every
//! shape is edited without a form of its own. A preview renders the
//! definition as typed through the public site's own templates
//! (`zicht_publish::site`), server-side, before it is saved.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::Serialize;
use serde_json::{Map, Value};
use zicht_model::{Catalogue, Instant, Lang};
use zicht_service::{release, ServiceError};
use zicht_store::{assessment_id, text_id, DefinitionKind};

use super::{flash_redirect, lang, render, Chrome, PageResult, PortalForm};
use crate::auth::{query_param, CurrentUser, Editor};
use crate::work::actor;
use crate::{AppState, Error};

/// One text of a definition: its field (`text` for `text_nl` and
/// `text_en`) and both languages.
pub struct TextField {
    pub field: String,
    pub nl: String,
    pub en: String,
}

impl TextField {
    /// What the field is called on the form.
    pub fn label(&self) -> &str {
        let (nl, en) = match self.field.as_str() {
            "text" => ("Tekst", "Text"),
            "label" => ("Naam", "Name"),
            "description" => ("Beschrijving", "Description"),
            "quantitative" => ("Kwantitatieve beoordeling", "Quantitative assessment"),
            "policy" => ("Beoordeling van het beleid", "Policy assessment"),
            "title" => ("Titel", "Title"),
            "body" => ("Tekst", "Body"),
            other => (other, other),
        };
        lang::t(nl, en)
    }

    /// A short text gets one line, a long one a text area.
    pub fn short(&self) -> bool {
        matches!(self.field.as_str(), "label" | "title")
    }
}

pub struct Definition {
    /// The id the store keeps it under; empty for a new one.
    pub id: String,
    pub title: String,
    pub texts: Vec<TextField>,
    /// The other fields, as the JSON the catalogue stores.
    pub rest: String,
}

impl Definition {
    /// A definition's JSON split into its texts and the rest.
    fn of(id: String, title: String, body: &Value) -> Definition {
        let mut rest = body.as_object().cloned().unwrap_or_default();
        let mut texts = Vec::new();
        let keys: Vec<String> = rest.keys().cloned().collect();
        for key in keys {
            let Some(field) = key.strip_suffix("_nl") else {
                continue;
            };
            let en_key = format!("{field}_en");
            let (Some(Value::String(_)), Some(Value::String(_)) | None) =
                (rest.get(&key), rest.get(&en_key))
            else {
                continue;
            };
            let take = |rest: &mut Map<String, Value>, k: &str| match rest.remove(k) {
                Some(Value::String(s)) => s,
                _ => String::new(),
            };
            texts.push(TextField {
                field: field.to_owned(),
                nl: take(&mut rest, &key),
                en: take(&mut rest, &en_key),
            });
        }
        Definition {
            id,
            title,
            texts,
            rest: serde_json::to_string_pretty(&Value::Object(rest)).unwrap_or_default(),
        }
    }
}

/// What a new definition of `kind` starts from: its texts empty, its other
/// fields to fill in.
fn skeleton(kind: DefinitionKind) -> Value {
    match kind {
        DefinitionKind::Recommendation => serde_json::json!({
            "id": "", "body": "", "year": 2025, "text_nl": "", "text_en": ""
        }),
        DefinitionKind::Measure => serde_json::json!({
            "id": "", "label_nl": "", "label_en": "", "description_nl": "",
            "description_en": "", "recommendations": [], "events": []
        }),
        DefinitionKind::Assessment => serde_json::json!({
            "recommendation": "", "document": "", "quantitative_nl": "",
            "quantitative_en": "", "policy_nl": "", "policy_en": ""
        }),
        DefinitionKind::Text => serde_json::json!({
            "theme": "", "document": "", "kind": "summary", "title_nl": "",
            "title_en": "", "body_nl": "", "body_en": ""
        }),
    }
}

pub struct Section {
    pub kind: &'static str,
    pub nl: &'static str,
    pub en: &'static str,
    pub items: Vec<Definition>,
    /// The form of a new one.
    pub new: Definition,
}

const KINDS: [(DefinitionKind, &str, &str); 4] = [
    (
        DefinitionKind::Recommendation,
        "Aanbevelingen",
        "Recommendations",
    ),
    (
        DefinitionKind::Measure,
        "Maatregelen en hun gebeurtenissen",
        "Measures and their events",
    ),
    (
        DefinitionKind::Assessment,
        "Beoordelingen per aanbeveling en editie",
        "Assessments per recommendation and edition",
    ),
    (
        DefinitionKind::Text,
        "Teksten van de edities (samenvatting, focus, laatste ontwikkelingen)",
        "Edition texts (summary, focus, latest developments)",
    ),
];

fn kind_of(s: &str) -> Option<DefinitionKind> {
    KINDS.iter().map(|k| k.0).find(|k| k.as_str() == s)
}

fn json<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or_default()
}

fn sections(catalogue: &Catalogue) -> Vec<Section> {
    KINDS
        .iter()
        .map(|(kind, nl, en)| {
            let items = match kind {
                DefinitionKind::Recommendation => catalogue
                    .recommendations
                    .iter()
                    .map(|r| Definition::of(r.id.to_string(), r.id.to_string(), &json(r)))
                    .collect(),
                DefinitionKind::Measure => catalogue
                    .measures
                    .iter()
                    .map(|m| {
                        let title = format!("{} — {}", lang::t(&m.label_nl, &m.label_en), m.id);
                        Definition::of(m.id.to_string(), title, &json(m))
                    })
                    .collect(),
                DefinitionKind::Assessment => catalogue
                    .assessments
                    .iter()
                    .map(|a| {
                        let title = format!("{} · {}", a.recommendation, a.document);
                        Definition::of(assessment_id(a), title, &json(a))
                    })
                    .collect(),
                DefinitionKind::Text => catalogue
                    .texts
                    .iter()
                    .map(|t| {
                        let title = format!(
                            "{} · {:?} · {}",
                            t.document,
                            t.kind,
                            lang::t(&t.title_nl, &t.title_en)
                        );
                        Definition::of(text_id(t), title, &json(t))
                    })
                    .collect(),
            };
            Section {
                kind: kind.as_str(),
                nl,
                en,
                items,
                new: Definition::of(String::new(), String::new(), &skeleton(*kind)),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/texts.html")]
struct TextsPage {
    c: Chrome,
    sections: Vec<Section>,
    /// The section shown open: `?kind=`.
    open: String,
    /// A definition as typed, shown again: not stored (with the reason
    /// in the page's error), or previewed.
    typed: Option<Typed>,
    /// Numbers in the texts that the tables hide (see
    /// `zicht_release::text_warnings`): shown on opening and after saving,
    /// never blocking.
    warnings: Vec<String>,
}

/// A definition as typed, and what it looks like on the site if it was
/// previewed.
pub struct Typed {
    pub kind: String,
    pub definition: Definition,
    /// The page's `<main>` as the site renders it; `None`: not previewed.
    pub preview: Option<String>,
    /// Where on the site it appears.
    pub page: String,
}

/// The texts' warnings as the monitor will publish once every embargo has
/// passed: an editor checks an edition before it is released.
async fn warnings(state: &AppState) -> Vec<String> {
    let after_every_embargo = zicht_model::Instant::MAX;
    match crate::text_warnings(&state.store, after_every_embargo).await {
        Ok(ws) => ws.iter().map(warning_in_page_language).collect(),
        // The page still serves its purpose without the check; say so.
        Err(e) => vec![format!(
            "{}: {e}",
            lang::t(
                "De controle van de teksten kon niet draaien",
                "The texts could not be checked"
            )
        )],
    }
}

/// A text's warning in the page's language (the release crate writes it in
/// English for the CLI); the cell reference keeps its ids, since that is
/// what the editor types into the text.
fn warning_in_page_language(w: &zicht_release::TextWarning) -> String {
    if lang::current() == Lang::En {
        return w.to_string();
    }
    let c = &w.cell;
    let shown = zicht_model::FigureDisplay {
        figure: &c.figure,
        unit: zicht_model::Unit::Count,
        lang: Lang::Nl,
    };
    let (label, reference) = if c.breakdown.is_total() {
        (String::new(), String::new())
    } else {
        (format!(" [{}]", c.breakdown), format!("/{}", c.breakdown))
    };
    format!(
        "{}: '{}' is een aantal onder {} naast {} {}{label}, dat de tabellen verbergen ({shown}); verwijs naar de cel als {{cell:{}/{}{reference}}} of laat het aantal weg",
        w.text, w.written, w.min_count, c.indicator, c.period, c.indicator, c.period,
    )
}

async fn texts_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    open: String,
    typed: Option<Typed>,
    error: Option<String>,
) -> PageResult {
    let catalogue = state.store.catalogue().await?;
    let mut c = Chrome::new(
        Some(user),
        headers,
        "/portal/texts",
        "Teksten van de monitor",
        "The monitor's texts",
    );
    c.error = error;
    Ok(render(
        status,
        &TextsPage {
            c,
            sections: sections(&catalogue),
            open,
            typed,
            warnings: warnings(state).await,
        },
    ))
}

pub async fn texts_page(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let open = query_param(&uri, "kind").unwrap_or_default();
    texts_view(&state, &user, &headers, StatusCode::OK, open, None, None).await
}

/// The form of one definition: `kind`, `id`, `action` (`save` or
/// `preview`), `rest` (the other fields' JSON) and a `nl:FIELD` and
/// `en:FIELD` per text; read as pairs because the texts differ by kind.
struct DefinitionForm {
    kind: String,
    id: String,
    action: String,
    rest: String,
    texts: Vec<TextField>,
}

impl DefinitionForm {
    fn read(pairs: Vec<(String, String)>) -> DefinitionForm {
        let mut form = DefinitionForm {
            kind: String::new(),
            id: String::new(),
            action: String::new(),
            rest: String::new(),
            texts: Vec::new(),
        };
        for (k, v) in pairs {
            let (field, lang) = match (k.strip_prefix("nl:"), k.strip_prefix("en:")) {
                (Some(f), _) => (f.to_owned(), Lang::Nl),
                (_, Some(f)) => (f.to_owned(), Lang::En),
                _ => {
                    match k.as_str() {
                        "kind" => form.kind = v,
                        "id" => form.id = v,
                        "action" => form.action = v,
                        // The whole definition as JSON, as the form had it before
                        // its texts were fields (and as a script may post it).
                        "rest" | "body" => form.rest = v,
                        _ => {}
                    }
                    continue;
                }
            };
            let at = match form.texts.iter().position(|t| t.field == field) {
                Some(i) => i,
                None => {
                    form.texts.push(TextField {
                        field,
                        nl: String::new(),
                        en: String::new(),
                    });
                    form.texts.len() - 1
                }
            };
            match lang {
                Lang::Nl => form.texts[at].nl = v,
                Lang::En => form.texts[at].en = v,
            }
        }
        form
    }

    /// The definition's JSON: the other fields with the texts put back.
    fn body(&self) -> Result<Value, String> {
        let rest = if self.rest.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(&self.rest).map_err(|e| {
                format!(
                    "{}: {e}",
                    lang::t(
                        "Overige velden: geen geldige JSON",
                        "Other fields: not valid JSON"
                    )
                )
            })?
        };
        let Value::Object(mut fields) = rest else {
            return Err(lang::say(
                "Overige velden: schrijf een JSON-object, tussen { en }",
                "Other fields: write a JSON object, between { and }",
            ));
        };
        for t in &self.texts {
            fields.insert(format!("{}_nl", t.field), Value::String(t.nl.clone()));
            fields.insert(format!("{}_en", t.field), Value::String(t.en.clone()));
        }
        Ok(Value::Object(fields))
    }

    /// The form shown again as typed.
    fn typed(self, preview: Option<String>, page: String) -> Typed {
        Typed {
            definition: Definition {
                title: self.id.clone(),
                id: self.id,
                texts: self.texts,
                rest: self.rest,
            },
            kind: self.kind,
            preview,
            page,
        }
    }
}

pub async fn save_definition(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    PortalForm(pairs): PortalForm<Vec<(String, String)>>,
) -> PageResult {
    let form = DefinitionForm::read(pairs);
    let open = form.kind.clone();
    let refuse = |form: DefinitionForm, text: String| {
        let (state, user, headers, open) = (&state, &user, &headers, open.clone());
        async move {
            texts_view(
                state,
                user,
                headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                open,
                Some(form.typed(None, String::new())),
                Some(text),
            )
            .await
        }
    };
    let Some(kind) = kind_of(&form.kind) else {
        let text = lang::say("Kies een soort tekst", "Choose a kind of text");
        return refuse(form, text).await;
    };
    let body = match form.body() {
        Ok(b) => b,
        Err(text) => return refuse(form, text).await,
    };
    if form.action == "preview" {
        return match preview(&state, kind, &form.id, &body).await? {
            Ok((page, html)) => {
                texts_view(
                    &state,
                    &user,
                    &headers,
                    StatusCode::OK,
                    open,
                    Some(form.typed(Some(html), page)),
                    None,
                )
                .await
            }
            Err(text) => refuse(form, text).await,
        };
    }
    let id = Some(form.id.trim()).filter(|i| !i.is_empty());
    match release::save_definition(&state.store, &actor(&user), kind, id, &body).await {
        Ok(stored) => Ok(flash_redirect(
            &state,
            &format!("/portal/texts?kind={}", kind.as_str()),
            &lang::say(
                format!("{} '{stored}' opgeslagen.", kind.as_str()),
                format!("{} '{stored}' saved.", kind.as_str()),
            ),
        )),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::NotFound(_))) => {
            let text = format!("{}: {e}", lang::t("Niet opgeslagen", "Not saved"));
            refuse(form, text).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The definition as the site would show it: the catalogue with it in
/// place of the stored one (`id`) or added, built by the site's own
/// templates at a moment after every embargo, and the `<main>` of the page
/// it appears on, in the page's language. `Err`: why it cannot be shown.
async fn preview(
    state: &AppState,
    kind: DefinitionKind,
    id: &str,
    body: &Value,
) -> Result<Result<(String, String), String>, Error> {
    let mut input = crate::site_input(&state.store, None, Instant::MAX)
        .await
        .map_err(Error::internal)?;
    let invalid = |e: serde_json::Error| {
        format!(
            "{}: {e}",
            lang::t("Geen geldige definitie", "Not a valid definition")
        )
    };
    let c = &mut input.catalogue;
    let page = match kind {
        DefinitionKind::Recommendation => {
            let r: zicht_model::Recommendation = match serde_json::from_value(body.clone()) {
                Ok(r) => r,
                Err(e) => return Ok(Err(invalid(e))),
            };
            let page = format!("recommendation/{}.html", r.id);
            put(&mut c.recommendations, id, |x| x.id.to_string(), r);
            page
        }
        DefinitionKind::Measure => {
            let m: zicht_model::Measure = match serde_json::from_value(body.clone()) {
                Ok(m) => m,
                Err(e) => return Ok(Err(invalid(e))),
            };
            let page = format!("measure/{}.html", m.id);
            put(&mut c.measures, id, |x| x.id.to_string(), m);
            page
        }
        DefinitionKind::Assessment => {
            let a: zicht_model::Assessment = match serde_json::from_value(body.clone()) {
                Ok(a) => a,
                Err(e) => return Ok(Err(invalid(e))),
            };
            let page = format!("recommendation/{}.html", a.recommendation);
            put(&mut c.assessments, id, assessment_id, a);
            page
        }
        DefinitionKind::Text => {
            let t: zicht_model::Text = match serde_json::from_value(body.clone()) {
                Ok(t) => t,
                Err(e) => return Ok(Err(invalid(e))),
            };
            let page = format!("theme/{}.html", t.theme);
            put(&mut c.texts, id, text_id, t);
            page
        }
    };
    let page = match lang::current() {
        Lang::Nl => page,
        Lang::En => format!("en/{page}"),
    };
    let want = page.clone();
    let found = std::sync::Mutex::new(None);
    let built = tokio::task::spawn_blocking(move || {
        let result = zicht_publish::site::build_each(&input, &|path, bytes| {
            if path == want {
                if let Ok(mut f) = found.lock() {
                    *f = Some(bytes);
                }
            }
        });
        result.map(|()| found.into_inner().ok().flatten())
    })
    .await
    .map_err(Error::internal)?;
    let html = match built {
        Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(None) => {
            return Ok(Err(lang::say(
                format!(
                "De site heeft geen pagina {page} voor deze definitie: kijk de verwijzingen na."
            ),
                format!(
                    "The site has no page {page} for this definition: check what it refers to."
                ),
            )))
        }
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(Ok((page, main_of(&html).to_owned())))
}

/// Puts `item` where the stored definition `id` was, or at the end.
fn put<T>(items: &mut Vec<T>, id: &str, id_of: impl Fn(&T) -> String, item: T) {
    match items.iter().position(|x| !id.is_empty() && id_of(x) == id) {
        Some(i) => items[i] = item,
        None => items.push(item),
    }
}

/// The content of a site page's `<main>`: the page without its chrome.
fn main_of(html: &str) -> &str {
    let start = html
        .find("<main")
        .and_then(|i| html[i..].find('>').map(|j| i + j + 1));
    let end = html.rfind("</main>");
    match (start, end) {
        (Some(s), Some(e)) if s <= e => &html[s..e],
        _ => html,
    }
}
