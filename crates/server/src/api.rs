//! The read-only JSON API over the public data. Every cell passes the
//! release path ([`crate::public_cells`]) before it is answered, and
//! every definition comes from the catalogue without what is under embargo.
//! Each answer is a type that derives its schema ([`ToSchema`]) and each
//! handler says its parameters and answers (`#[utoipa::path]`): [`ReadApi`]
//! is the read API's part of the OpenAPI document ([`crate::openapi`]).

use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use zicht_model::{Catalogue, Cell, Citations, DocumentKind, Instant, Lang};
use zicht_publish::JsonCells;
use zicht_store::AsOf;

use crate::openapi::ErrorBody;
use crate::{AppState, Error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(crate::openapi::serve))
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
async fn catalogue(state: &AppState) -> Result<zicht_model::Catalogue, Error> {
    let cat = state.store.catalogue().await.map_err(Error::internal)?;
    Ok(zicht_release::public_catalogue(
        &cat,
        Instant::from(SystemTime::now()),
    ))
}

/// An indicator as the public may see it.
#[derive(Serialize, ToSchema)]
#[schema(as = Indicator)]
struct IndicatorOut {
    id: String,
    theme: String,
    label_nl: String,
    label_en: String,
    definition_nl: String,
    definition_en: String,
    /// The counting unit for counts (persons, reports…), else percent,
    /// percent_change, euro, months, years
    unit: String,
    dimensions: Vec<String>,
    sources: Vec<String>,
    recommendations: Vec<String>,
    /// The path of the indicator's cells
    cells: String,
}

fn indicator_out(i: &zicht_model::Indicator) -> IndicatorOut {
    IndicatorOut {
        id: i.id.to_string(),
        theme: i.theme.to_string(),
        label_nl: i.label_nl.clone(),
        label_en: i.label_en.clone(),
        definition_nl: i.definition_nl.clone(),
        definition_en: i.definition_en.clone(),
        unit: i.export_unit().to_owned(),
        dimensions: i.dimensions.iter().map(|d| d.to_string()).collect(),
        sources: i.sources.iter().map(|d| d.to_string()).collect(),
        recommendations: i.recommendations.iter().map(|d| d.to_string()).collect(),
        cells: format!("/api/indicators/{}/cells", i.id),
    }
}

#[derive(Serialize, ToSchema)]
struct IndicatorList {
    indicators: Vec<IndicatorOut>,
}

/// The indicators.
#[utoipa::path(
    get,
    path = "/api/indicators",
    operation_id = "listIndicators",
    responses(
        (status = 200, description = "The indicators", body = IndicatorList),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn indicators(State(state): State<AppState>) -> Result<Json<IndicatorList>, Error> {
    let cat = catalogue(&state).await?;
    let indicators = cat.indicators.iter().map(indicator_out).collect();
    Ok(Json(IndicatorList { indicators }))
}

/// One indicator.
#[utoipa::path(
    get,
    path = "/api/indicators/{id}",
    operation_id = "getIndicator",
    params(("id" = String, Path, description = "The indicator's id, such as comensha.minor_victims")),
    responses(
        (status = 200, description = "The indicator", body = IndicatorOut),
        (status = 404, description = "An unknown indicator", body = ErrorBody),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn indicator(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<IndicatorOut>, Error> {
    let cat = catalogue(&state).await?;
    let i = cat
        .indicator(&id)
        .ok_or_else(|| Error::NotFound(format!("unknown indicator '{id}'")))?;
    Ok(Json(indicator_out(i)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CellsQuery {
    /// What was known at the end of this day (YYYY-MM-DD). Not with edition.
    #[param(format = Date)]
    as_of: Option<String>,
    /// What was known at this edition's cut-off (see /api/editions). Not with as_of.
    edition: Option<String>,
}

/// The public cells of an indicator, as of a day or an edition.
// The body is the site's JSON download, `zicht_publish::JsonCells`, as
// rendered by `zicht_publish::render`.
#[utoipa::path(
    get,
    path = "/api/indicators/{id}/cells",
    operation_id = "listCells",
    params(
        ("id" = String, Path, description = "The indicator's id, such as comensha.minor_victims"),
        CellsQuery,
    ),
    responses(
        (status = 200, description = "The cells, in the export contract", body = JsonCells),
        (status = 400, description = "A bad query: as_of that is not a day, or both as_of and edition", body = ErrorBody),
        (status = 404, description = "An unknown indicator or edition", body = ErrorBody),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn cells(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CellsQuery>,
) -> Result<Response, Error> {
    let cat = catalogue(&state).await?;
    if cat.indicator(&id).is_none() {
        return Err(Error::NotFound(format!("unknown indicator '{id}'")));
    }
    let as_of = match (q.as_of.as_deref(), q.edition.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Error::BadRequest("give as_of or edition, not both".into()))
        }
        (Some(d), None) => match d.parse() {
            Ok(day) => AsOf::Date(day),
            Err(_) => {
                return Err(Error::BadRequest(format!(
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
                return Err(Error::NotFound(format!(
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
            Error::NotFound(format!("unknown edition '{e}': see /api/editions"))
        }
        e => Error::internal(e),
    })?;
    let bytes = zicht_publish::render(&public, &cat, zicht_publish::Format::Json)
        .map_err(Error::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// An edition: a published monitor that freezes its figures at a cut-off.
#[derive(Serialize, ToSchema)]
#[schema(as = Edition)]
struct EditionOut {
    id: String,
    label_nl: String,
    label_en: String,
    /// The day whose end the edition's figures were frozen at
    #[schema(format = Date)]
    cutoff: String,
    /// The day it was published; its cutoff when that is not recorded
    #[schema(format = Date)]
    published: String,
    /// The organisation that published it
    #[schema(required = true)]
    publisher: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct EditionList {
    editions: Vec<EditionOut>,
}

/// The editions, oldest first.
#[utoipa::path(
    get,
    path = "/api/editions",
    operation_id = "listEditions",
    responses(
        (status = 200, description = "The editions", body = EditionList),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn editions(State(state): State<AppState>) -> Result<Json<EditionList>, Error> {
    let cat = catalogue(&state).await?;
    let editions = cat
        .editions()
        .into_iter()
        .filter(|d| d.kind == DocumentKind::Edition)
        .map(|d| EditionOut {
            id: d.id.to_string(),
            label_nl: d.label_nl.clone(),
            label_en: d.label_en.clone(),
            cutoff: d.cutoff.to_string(),
            published: d
                .published
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| d.cutoff.to_string()),
            publisher: d.publisher.as_ref().map(|p| p.to_string()),
        })
        .collect();
    Ok(Json(EditionList { editions }))
}

/// The public cells the texts of an answer cite, read only when one of
/// them cites a cell: the release path over everything is not free.
async fn cited_cells<'t>(
    state: &AppState,
    mut texts: impl Iterator<Item = &'t str>,
) -> Result<Vec<Cell>, Error> {
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
    .map_err(Error::internal)?;
    Ok(cells)
}

/// Every text of the catalogue an answer may hold.
fn prose_of(cat: &Catalogue) -> impl Iterator<Item = &str> {
    cat.prose().into_iter().map(|p| p.text)
}

/// What an edition says about a recommendation, its citations of cells
/// rendered from the latest public cells.
#[derive(Serialize, ToSchema)]
#[schema(as = Assessment)]
struct AssessmentOut {
    /// The edition or other document that says it
    document: String,
    quantitative_nl: String,
    quantitative_en: String,
    policy_nl: String,
    policy_en: String,
}

/// A recommendation, with the indicators, measures and assessments that
/// name it; citations of cells in its texts rendered from the latest
/// public cells.
#[derive(Serialize, ToSchema)]
#[schema(as = Recommendation)]
struct RecommendationOut {
    id: String,
    /// The body that made it
    body: String,
    year: i32,
    /// The recommendation this one is part of
    #[schema(required = true)]
    parent: Option<String>,
    text_nl: String,
    text_en: String,
    indicators: Vec<String>,
    measures: Vec<String>,
    assessments: Vec<AssessmentOut>,
}

fn recommendation_out(
    cat: &Catalogue,
    r: &zicht_model::Recommendation,
    cited: &Citations<'_>,
) -> RecommendationOut {
    let nl = |t: &str| cited.render(t, Lang::Nl);
    let en = |t: &str| cited.render(t, Lang::En);
    RecommendationOut {
        id: r.id.to_string(),
        body: r.body.to_string(),
        year: r.year,
        parent: r.parent.as_ref().map(|p| p.to_string()),
        text_nl: nl(&r.text_nl),
        text_en: en(&r.text_en),
        indicators: cat
            .indicators
            .iter()
            .filter(|i| i.recommendations.contains(&r.id))
            .map(|i| i.id.to_string())
            .collect(),
        measures: cat
            .measures
            .iter()
            .filter(|m| m.recommendations.contains(&r.id))
            .map(|m| m.id.to_string())
            .collect(),
        assessments: cat
            .assessments
            .iter()
            .filter(|a| a.recommendation == r.id)
            .map(|a| AssessmentOut {
                document: a.document.to_string(),
                quantitative_nl: nl(&a.quantitative_nl),
                quantitative_en: en(&a.quantitative_en),
                policy_nl: nl(&a.policy_nl),
                policy_en: en(&a.policy_en),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
struct RecommendationList {
    recommendations: Vec<RecommendationOut>,
}

/// The recommendations with their indicators, measures and assessments.
#[utoipa::path(
    get,
    path = "/api/recommendations",
    operation_id = "listRecommendations",
    responses(
        (status = 200, description = "The recommendations", body = RecommendationList),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn recommendations(State(state): State<AppState>) -> Result<Json<RecommendationList>, Error> {
    let cat = catalogue(&state).await?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    let recommendations = cat
        .recommendations
        .iter()
        .map(|r| recommendation_out(&cat, r, &cited))
        .collect();
    Ok(Json(RecommendationList { recommendations }))
}

/// One recommendation.
#[utoipa::path(
    get,
    path = "/api/recommendations/{id}",
    operation_id = "getRecommendation",
    params(("id" = String, Path, description = "The recommendation's id")),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationOut),
        (status = 404, description = "An unknown recommendation", body = ErrorBody),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn recommendation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RecommendationOut>, Error> {
    let cat = catalogue(&state).await?;
    let r = cat
        .recommendation(&id)
        .ok_or_else(|| Error::NotFound(format!("unknown recommendation '{id}'")))?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    Ok(Json(recommendation_out(&cat, r, &cited)))
}

/// A step in a measure's history.
#[derive(Serialize, ToSchema)]
#[schema(as = Event)]
struct EventOut {
    /// A year, month or day (ISO 8601)
    date: String,
    kind: zicht_model::EventKind,
    /// The document that reports it
    #[schema(required = true)]
    document: Option<String>,
    text_nl: String,
    text_en: String,
}

/// A policy measure with its events in date order; citations of cells in
/// its texts rendered from the latest public cells.
#[derive(Serialize, ToSchema)]
#[schema(as = Measure)]
struct MeasureOut {
    id: String,
    label_nl: String,
    label_en: String,
    description_nl: String,
    description_en: String,
    recommendations: Vec<String>,
    #[schema(required = true)]
    url: Option<String>,
    events: Vec<EventOut>,
}

fn measure_out(m: &zicht_model::Measure, cited: &Citations<'_>) -> MeasureOut {
    let nl = |t: &str| cited.render(t, Lang::Nl);
    let en = |t: &str| cited.render(t, Lang::En);
    let mut events: Vec<&zicht_model::Event> = m.events.iter().collect();
    events.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));
    MeasureOut {
        id: m.id.to_string(),
        label_nl: m.label_nl.clone(),
        label_en: m.label_en.clone(),
        description_nl: nl(&m.description_nl),
        description_en: en(&m.description_en),
        recommendations: m.recommendations.iter().map(|r| r.to_string()).collect(),
        url: m.url.clone(),
        events: events
            .iter()
            .map(|e| EventOut {
                date: e.date.to_string(),
                kind: e.kind,
                document: e.document.as_ref().map(|d| d.to_string()),
                text_nl: nl(&e.text_nl),
                text_en: en(&e.text_en),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
struct MeasureList {
    measures: Vec<MeasureOut>,
}

/// The policy measures with their events in date order.
#[utoipa::path(
    get,
    path = "/api/measures",
    operation_id = "listMeasures",
    responses(
        (status = 200, description = "The measures", body = MeasureList),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn measures(State(state): State<AppState>) -> Result<Json<MeasureList>, Error> {
    let cat = catalogue(&state).await?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    let measures = cat
        .measures
        .iter()
        .map(|m| measure_out(m, &cited))
        .collect();
    Ok(Json(MeasureList { measures }))
}

/// One policy measure.
#[utoipa::path(
    get,
    path = "/api/measures/{id}",
    operation_id = "getMeasure",
    params(("id" = String, Path, description = "The measure's id")),
    responses(
        (status = 200, description = "The measure", body = MeasureOut),
        (status = 404, description = "An unknown measure", body = ErrorBody),
        (status = 500, description = "A failure inside, answered without detail", body = ErrorBody),
    )
)]
async fn measure(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<MeasureOut>, Error> {
    let cat = catalogue(&state).await?;
    let m = cat
        .measures
        .iter()
        .find(|m| m.id.as_str() == id)
        .ok_or_else(|| Error::NotFound(format!("unknown measure '{id}'")))?;
    let cells = cited_cells(&state, prose_of(&cat)).await?;
    let cited = Citations::new(&cat, &cells);
    Ok(Json(measure_out(m, &cited)))
}

/// The read API's part of the OpenAPI document, generated from the
/// handlers above and the types their answers serialise.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "zicht API",
        description = "Read-only access to the public figures of the monitor (child trafficking and sexual exploitation). Every cell has passed disclosure control: small counts appear as status 'below' with upper = k ('<10'), cells withheld to protect another as 'suppressed'. Statuses: exact, below, range, rounded, estimate, refused, not_available, suppressed. The account endpoints (/api/me, /api/users, /api/tokens, /api/audit) need a login: an API token as 'Authorization: Bearer TOKEN' (make one at /portal/tokens or with `zicht user token`), or the portal's session cookie, in which case every write also needs the header X-CSRF-Token with the csrf of GET /api/me. Refused: 401 without a login, 403 for a role that may not. The working side's endpoints (/api/rounds, /api/deliveries, /api/history, /api/editions/{id}/embargo and pre-release, /api/definitions) take the same login: a supplier sees and changes only its own organisation's deliveries (another's answers 404), editors and admins review, release and edit texts."
    ),
    paths(
        indicators,
        indicator,
        cells,
        editions,
        recommendations,
        recommendation,
        measures,
        measure
    )
)]
pub(crate) struct ReadApi;
