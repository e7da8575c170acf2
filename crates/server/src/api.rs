//! The read-only JSON API over the public data. Every cell passes the
//! release path ([`zicht_service::public_moments_of`], as
//! [`crate::public_cells`] answers it) before it is answered, and every
//! definition comes from the catalogue without what is under embargo. The
//! answers are made once per public snapshot ([`answers`]) and served from
//! it as bytes; only `?as_of=` is made on demand, per day, and kept.
//! Each answer is a type that derives its schema ([`ToSchema`]) and each
//! handler says its parameters and answers (`#[utoipa::path]`): [`ReadApi`]
//! is the read API's part of the OpenAPI document ([`crate::openapi`]).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use zicht_model::{Catalogue, Cell, Citations, DocumentKind, Lang};
use zicht_publish::{JsonCells, PublishError};
use zicht_service::PublicMoments;

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

/// Every answer of the read API but `?as_of=`, by path (`?edition=ID` for
/// an edition's cells), from the public moments of a snapshot.
pub(crate) fn answers(
    m: &PublicMoments,
) -> Result<Vec<(String, Vec<u8>)>, crate::snapshot::BuildError> {
    let cat = &m.catalogue;
    let mut out = Vec::new();
    let indicators = cat.indicators.iter().map(indicator_out).collect();
    out.push((
        "/api/indicators".to_owned(),
        serde_json::to_vec(&IndicatorList { indicators })?,
    ));
    for i in &cat.indicators {
        out.push((
            format!("/api/indicators/{}", i.id),
            serde_json::to_vec(&indicator_out(i))?,
        ));
    }
    for (id, body) in cells_answers(cat, &m.latest)? {
        out.push((format!("/api/indicators/{id}/cells"), body));
    }
    for (edition, cells) in &m.editions {
        for (id, body) in cells_answers(cat, cells)? {
            out.push((
                format!("/api/indicators/{id}/cells?edition={edition}"),
                body,
            ));
        }
    }
    out.push((
        "/api/editions".to_owned(),
        serde_json::to_vec(&editions_of(cat))?,
    ));
    // Texts cite the latest public cells.
    let cited = Citations::new(cat, &m.latest);
    let recommendations = cat
        .recommendations
        .iter()
        .map(|r| recommendation_out(cat, r, &cited))
        .collect();
    out.push((
        "/api/recommendations".to_owned(),
        serde_json::to_vec(&RecommendationList { recommendations })?,
    ));
    for r in &cat.recommendations {
        out.push((
            format!("/api/recommendations/{}", r.id),
            serde_json::to_vec(&recommendation_out(cat, r, &cited))?,
        ));
    }
    let measures = cat
        .measures
        .iter()
        .map(|m| measure_out(m, &cited))
        .collect();
    out.push((
        "/api/measures".to_owned(),
        serde_json::to_vec(&MeasureList { measures })?,
    ));
    for m in &cat.measures {
        out.push((
            format!("/api/measures/{}", m.id),
            serde_json::to_vec(&measure_out(m, &cited))?,
        ));
    }
    Ok(out)
}

/// The cells answer of every indicator of the catalogue (an empty list
/// for one without public cells) from the public cells of one moment.
pub(crate) fn cells_answers(
    cat: &Catalogue,
    public: &[Cell],
) -> Result<Vec<(String, Vec<u8>)>, PublishError> {
    let mut by_indicator: HashMap<&str, Vec<Cell>> = HashMap::new();
    for c in public {
        by_indicator
            .entry(c.indicator.as_str())
            .or_default()
            .push(c.clone());
    }
    cat.indicators
        .iter()
        .map(|i| {
            let cells = by_indicator.remove(i.id.as_str()).unwrap_or_default();
            let body = zicht_publish::render(&cells, cat, zicht_publish::Format::Json)?;
            Ok((i.id.to_string(), body))
        })
        .collect()
}

/// A pre-made answer of the current snapshot, or 404 with `missing`.
async fn served(
    state: &AppState,
    key: &str,
    request: &HeaderMap,
    missing: impl FnOnce() -> String,
) -> Result<Response, Error> {
    let snapshot = state.snapshot().await?;
    match snapshot.answer(key) {
        Some(e) => Ok(e.respond(request)),
        None => Err(Error::NotFound(missing())),
    }
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
async fn indicators(State(state): State<AppState>, h: HeaderMap) -> Result<Response, Error> {
    served(&state, "/api/indicators", &h, String::new).await
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
    h: HeaderMap,
) -> Result<Response, Error> {
    served(&state, &format!("/api/indicators/{id}"), &h, || {
        format!("unknown indicator '{id}'")
    })
    .await
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
    h: HeaderMap,
) -> Result<Response, Error> {
    let snapshot = state.snapshot().await?;
    if snapshot.catalogue.indicator(&id).is_none() {
        return Err(Error::NotFound(format!("unknown indicator '{id}'")));
    }
    let unknown_edition =
        |e: &str| Error::NotFound(format!("unknown edition '{e}': see /api/editions"));
    let key = match (q.as_of.as_deref(), q.edition.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Error::BadRequest("give as_of or edition, not both".into()))
        }
        (Some(d), None) => {
            let Ok(day) = d.parse() else {
                return Err(Error::BadRequest(format!(
                    "as_of takes a day such as 2023-10-01, not '{d}'"
                )));
            };
            // Any day may be asked for: made on demand, off the async
            // workers, and kept with the snapshot.
            return match snapshot.as_of(day, &id).await {
                Ok(Some(e)) => Ok(e.respond(&h)),
                Ok(None) => Err(Error::NotFound(format!("unknown indicator '{id}'"))),
                Err(e) => Err(Error::internal(e)),
            };
        }
        (None, Some(e)) => {
            if !snapshot
                .catalogue
                .documents
                .iter()
                .any(|d| d.id.as_str() == e && d.kind == DocumentKind::Edition)
            {
                return Err(unknown_edition(e));
            }
            format!("/api/indicators/{id}/cells?edition={e}")
        }
        (None, None) => format!("/api/indicators/{id}/cells"),
    };
    match snapshot.answer(&key) {
        Some(e) => Ok(e.respond(&h)),
        None => Err(unknown_edition(q.edition.as_deref().unwrap_or_default())),
    }
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
async fn editions(State(state): State<AppState>, h: HeaderMap) -> Result<Response, Error> {
    served(&state, "/api/editions", &h, String::new).await
}

fn editions_of(cat: &Catalogue) -> EditionList {
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
    EditionList { editions }
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
async fn recommendations(State(state): State<AppState>, h: HeaderMap) -> Result<Response, Error> {
    served(&state, "/api/recommendations", &h, String::new).await
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
    h: HeaderMap,
) -> Result<Response, Error> {
    served(&state, &format!("/api/recommendations/{id}"), &h, || {
        format!("unknown recommendation '{id}'")
    })
    .await
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
async fn measures(State(state): State<AppState>, h: HeaderMap) -> Result<Response, Error> {
    served(&state, "/api/measures", &h, String::new).await
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
    h: HeaderMap,
) -> Result<Response, Error> {
    served(&state, &format!("/api/measures/{id}"), &h, || {
        format!("unknown measure '{id}'")
    })
    .await
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
