//! The monitor's texts for editors: recommendations, measures with their
//! dated events, assessments per recommendation and edition, and the
//! editions' texts, each in Dutch and English, written through
//! `Store::update_definition` (one transaction with its audit record).
//!
//! Each definition is edited as the JSON document the catalogue stores:
//! every field of the model (both languages, evidence, events) without a
//! form per shape, and the store refuses what does not read as that kind.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde::Serialize;
use zicht_model::Catalogue;
use zicht_service::{release, ServiceError};
use zicht_store::{assessment_id, text_id, DefinitionKind};

use super::{flash_redirect, render, Chrome, PageResult, PortalForm};
use crate::auth::{query_param, CurrentUser, Editor};
use crate::work::actor;
use crate::AppState;

pub struct Definition {
    /// The id the store keeps it under.
    pub id: String,
    pub title: String,
    pub body: String,
}

pub struct Section {
    pub kind: &'static str,
    pub nl: &'static str,
    pub en: &'static str,
    pub items: Vec<Definition>,
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

fn pretty<T: Serialize>(t: &T) -> String {
    serde_json::to_string_pretty(t).unwrap_or_default()
}

fn sections(catalogue: &Catalogue) -> Vec<Section> {
    KINDS
        .iter()
        .map(|(kind, nl, en)| {
            let items = match kind {
                DefinitionKind::Recommendation => catalogue
                    .recommendations
                    .iter()
                    .map(|r| Definition {
                        id: r.id.to_string(),
                        title: format!("{}", r.id),
                        body: pretty(r),
                    })
                    .collect(),
                DefinitionKind::Measure => catalogue
                    .measures
                    .iter()
                    .map(|m| Definition {
                        id: m.id.to_string(),
                        title: format!("{} — {}", m.id, m.label_nl),
                        body: pretty(m),
                    })
                    .collect(),
                DefinitionKind::Assessment => catalogue
                    .assessments
                    .iter()
                    .map(|a| Definition {
                        id: assessment_id(a),
                        title: format!("{} · {}", a.recommendation, a.document),
                        body: pretty(a),
                    })
                    .collect(),
                DefinitionKind::Text => catalogue
                    .texts
                    .iter()
                    .map(|t| Definition {
                        id: text_id(t),
                        title: format!("{} · {:?} · {}", t.document, t.kind, t.title_nl),
                        body: pretty(t),
                    })
                    .collect(),
            };
            Section {
                kind: kind.as_str(),
                nl,
                en,
                items,
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
    /// A definition that was not stored, shown again: (kind, id, body).
    retry: Option<(String, String, String)>,
    /// Numbers in the texts that the tables hide (see
    /// `zicht_release::text_warnings`): shown on opening and after saving,
    /// never blocking.
    warnings: Vec<String>,
}

/// The texts' warnings as the monitor will publish once every embargo has
/// passed: an editor checks an edition before it is released.
async fn warnings(state: &AppState) -> Vec<String> {
    let after_every_embargo = zicht_model::Instant::MAX;
    match crate::text_warnings(&state.store, after_every_embargo).await {
        Ok(ws) => ws.iter().map(ToString::to_string).collect(),
        // The page still serves its purpose without the check; say so.
        Err(e) => vec![format!(
            "De controle van de teksten kon niet draaien · The texts could not be checked: {e}"
        )],
    }
}

async fn texts_view(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    status: StatusCode,
    open: String,
    retry: Option<(String, String, String)>,
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
            retry,
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

#[derive(serde::Deserialize)]
pub struct DefinitionForm {
    #[serde(default)]
    kind: String,
    /// The stored id of the definition changed; empty for a new one.
    #[serde(default)]
    id: String,
    #[serde(default)]
    body: String,
}

pub async fn save_definition(
    State(state): State<AppState>,
    Editor(user): Editor,
    headers: HeaderMap,
    PortalForm(form): PortalForm<DefinitionForm>,
) -> PageResult {
    let retry = |text: String, status| {
        let open = form.kind.clone();
        let again = (form.kind.clone(), form.id.clone(), form.body.clone());
        let (state, user, headers) = (&state, &user, &headers);
        async move { texts_view(state, user, headers, status, open, Some(again), Some(text)).await }
    };
    let Some(kind) = kind_of(&form.kind) else {
        return retry(
            "Kies een soort tekst · Choose a kind of text".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let body: serde_json::Value = match serde_json::from_str(&form.body) {
        Ok(v) => v,
        Err(e) => {
            return retry(
                format!("Geen geldige JSON · Not valid JSON: {e}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let id = Some(form.id.trim()).filter(|i| !i.is_empty());
    match release::save_definition(&state.store, &actor(&user), kind, id, &body).await {
        Ok(stored) => Ok(flash_redirect(
            &state,
            &format!("/portal/texts?kind={}", kind.as_str()),
            &format!(
                "{} '{stored}' opgeslagen. · {} '{stored}' saved.",
                kind.as_str(),
                kind.as_str()
            ),
        )),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::NotFound(_))) => {
            retry(
                format!("Niet opgeslagen · Not saved: {e}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
