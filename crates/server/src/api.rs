//! The read-only JSON API over the public data. Every cell passes the
//! release path ([`crate::public_cells`]) before it is answered, and
//! every definition comes from the catalogue without what is under embargo.

use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zicht_model::{Catalogue, Cell, Citations, DocumentKind, Instant, Lang};
use zicht_store::AsOf;

use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/indicators", get(indicators))
        .route("/api/indicators/{id}", get(indicator))
        .route("/api/indicators/{id}/cells", get(cells))
        .route("/api/editions", get(editions))
        .route("/api/recommendations", get(recommendations))
        .route("/api/recommendations/{id}", get(recommendation))
        .route("/api/measures", get(measures))
        .route("/api/measures/{id}", get(measure))
}

/// The catalogue as the public may see it now.
async fn catalogue(state: &AppState) -> Result<zicht_model::Catalogue, ApiError> {
    let cat = state.store.catalogue().await.map_err(ApiError::internal)?;
    Ok(zicht_release::public_catalogue(
        &cat,
        Instant::from(SystemTime::now()),
    ))
}

#[derive(Serialize)]
struct IndicatorOut<'a> {
    id: &'a str,
    theme: &'a str,
    label_nl: &'a str,
    label_en: &'a str,
    definition_nl: &'a str,
    definition_en: &'a str,
    unit: &'a str,
    dimensions: Vec<&'a str>,
    sources: Vec<&'a str>,
    recommendations: Vec<&'a str>,
    cells: String,
}

fn indicator_out(i: &zicht_model::Indicator) -> IndicatorOut<'_> {
    IndicatorOut {
        id: i.id.as_str(),
        theme: i.theme.as_str(),
        label_nl: &i.label_nl,
        label_en: &i.label_en,
        definition_nl: &i.definition_nl,
        definition_en: &i.definition_en,
        unit: i.export_unit(),
        dimensions: i.dimensions.iter().map(|d| d.as_str()).collect(),
        sources: i.sources.iter().map(|d| d.as_str()).collect(),
        recommendations: i.recommendations.iter().map(|d| d.as_str()).collect(),
        cells: format!("/api/indicators/{}/cells", i.id),
    }
}

async fn indicators(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let out: Vec<IndicatorOut<'_>> = cat.indicators.iter().map(indicator_out).collect();
    Ok(Json(json!({ "indicators": out })).into_response())
}

async fn indicator(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let i = cat
        .indicator(&id)
        .ok_or_else(|| ApiError::not_found(format!("unknown indicator '{id}'")))?;
    Ok(Json(indicator_out(i)).into_response())
}

#[derive(Deserialize)]
struct CellsQuery {
    as_of: Option<String>,
    edition: Option<String>,
}

async fn cells(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CellsQuery>,
) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    if cat.indicator(&id).is_none() {
        return Err(ApiError::not_found(format!("unknown indicator '{id}'")));
    }
    let as_of = match (q.as_of.as_deref(), q.edition.as_deref()) {
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give as_of or edition, not both")),
        (Some(d), None) => match d.parse() {
            Ok(day) => AsOf::Date(day),
            Err(_) => {
                return Err(ApiError::bad_request(format!(
                    "as_of takes a day such as 2023-10-01, not '{d}'"
                )))
            }
        },
        (None, Some(e)) => {
            if !cat
                .documents
                .iter()
                .any(|d| d.id.as_str() == e && d.kind == DocumentKind::Edition)
            {
                return Err(ApiError::not_found(format!(
                    "unknown edition '{e}': see /api/editions"
                )));
            }
            AsOf::Edition(e.to_owned())
        }
        (None, None) => AsOf::Latest,
    };
    let (cat, public) = crate::public_cells(
        &state.store,
        &as_of,
        Some(&id),
        Instant::from(SystemTime::now()),
    )
    .await
    .map_err(|e| match e {
        crate::LoadError::UnknownEdition(e) => {
            ApiError::not_found(format!("unknown edition '{e}': see /api/editions"))
        }
        e => ApiError::internal(e),
    })?;
    let bytes = zicht_publish::render(&public, &cat, zicht_publish::Format::Json)
        .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

async fn editions(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let out: Vec<Value> = cat
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .map(|d| {
            json!({
                "id": d.id.as_str(),
                "label_nl": d.label_nl,
                "label_en": d.label_en,
                "cutoff": d.cutoff,
                "published": d.published.unwrap_or(d.cutoff),
                "publisher": d.publisher.as_ref().map(|p| p.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({ "editions": out })).into_response())
}

/// The public cells the texts of an answer cite, read only when one of
/// them cites a cell: the release path over everything is not free.
async fn cited_cells<'t>(
    state: &AppState,
    mut texts: impl Iterator<Item = &'t str>,
) -> Result<Vec<Cell>, ApiError> {
    if !texts.any(|t| t.contains("{cell:")) {
        return Ok(Vec::new());
    }
    let (_, cells) = crate::public_cells(
        &state.store,
        &AsOf::Latest,
        None,
        Instant::from(SystemTime::now()),
    )
    .await
    .map_err(ApiError::internal)?;
    Ok(cells)
}

/// Every text of the catalogue an answer may hold.
fn prose_of(cat: &Catalogue) -> impl Iterator<Item = &str> {
    cat.prose().into_iter().map(|p| p.text)
}

fn recommendation_out(
    cat: &Catalogue,
    r: &zicht_model::Recommendation,
    cited: &Citations<'_>,
) -> Value {
    let nl = |t: &str| cited.render(t, Lang::Nl);
    let en = |t: &str| cited.render(t, Lang::En);
    json!({
        "id": r.id.as_str(),
        "body": r.body.as_str(),
        "year": r.year,
        "parent": r.parent.as_ref().map(|p| p.as_str()),
        "text_nl": nl(&r.text_nl),
        "text_en": en(&r.text_en),
        "indicators": cat.indicators.iter().filter(|i| i.recommendations.contains(&r.id)).map(|i| i.id.as_str()).collect::<Vec<_>>(),
        "measures": cat.measures.iter().filter(|m| m.recommendations.contains(&r.id)).map(|m| m.id.as_str()).collect::<Vec<_>>(),
        "assessments": cat.assessments.iter().filter(|a| a.recommendation == r.id).map(|a| json!({
            "document": a.document.as_str(),
            "quantitative_nl": nl(&a.quantitative_nl),
            "quantitative_en": en(&a.quantitative_en),
            "policy_nl": nl(&a.policy_nl),
            "policy_en": en(&a.policy_en),
        })).collect::<Vec<_>>(),
    })
}

async fn recommendations(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    let out: Vec<Value> = cat
        .recommendations
        .iter()
        .map(|r| recommendation_out(&cat, r, &cited))
        .collect();
    Ok(Json(json!({ "recommendations": out })).into_response())
}

async fn recommendation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let r = cat
        .recommendation(&id)
        .ok_or_else(|| ApiError::not_found(format!("unknown recommendation '{id}'")))?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    Ok(Json(recommendation_out(&cat, r, &cited)).into_response())
}

fn measure_out(m: &zicht_model::Measure, cited: &Citations<'_>) -> Value {
    let nl = |t: &str| cited.render(t, Lang::Nl);
    let en = |t: &str| cited.render(t, Lang::En);
    let mut events: Vec<&zicht_model::Event> = m.events.iter().collect();
    events.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));
    json!({
        "id": m.id.as_str(),
        "label_nl": m.label_nl,
        "label_en": m.label_en,
        "description_nl": nl(&m.description_nl),
        "description_en": en(&m.description_en),
        "recommendations": m.recommendations.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "url": m.url,
        "events": events.iter().map(|e| json!({
            "date": e.date.to_string(),
            "kind": e.kind,
            "document": e.document.as_ref().map(|d| d.as_str()),
            "text_nl": nl(&e.text_nl),
            "text_en": en(&e.text_en),
        })).collect::<Vec<_>>(),
    })
}

async fn measures(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    let out: Vec<Value> = cat
        .measures
        .iter()
        .map(|m| measure_out(m, &cited))
        .collect();
    Ok(Json(json!({ "measures": out })).into_response())
}

async fn measure(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cat = catalogue(&state).await?;
    let m = cat
        .measures
        .iter()
        .find(|m| m.id.as_str() == id)
        .ok_or_else(|| ApiError::not_found(format!("unknown measure '{id}'")))?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    Ok(Json(measure_out(m, &cited)).into_response())
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}
