//! The definitions a monitor is made of. They are data: a theme, an indicator
//! or a dimension is declared in the data files, never in code.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{Breakdown, Cell, Period, Slug};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    /// Disclosure: counts under this are not published exactly on the theme.
    #[serde(default)]
    pub min_count: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A published monitor that freezes its figures at a cut-off.
    Edition,
    /// Any other document figures are taken from.
    Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: Slug,
    pub kind: DocumentKind,
    pub label_nl: String,
    pub label_en: String,
    #[serde(default)]
    pub publisher: Option<Slug>,
    /// ISO 8601 day: what was known up to this day is in the document.
    pub cutoff: String,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub seed: Option<String>,
    /// RFC 3339 instant, e.g. `2025-10-01T10:00:00+02:00`: before it nothing
    /// of this document is in any public output. Set by an editor when the
    /// edition is released; absent for what is already public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargo: Option<String>,
}

impl Document {
    /// The embargo as an instant; `Err` when it is not RFC 3339.
    pub fn embargo_at(&self) -> Result<Option<time::OffsetDateTime>, time::error::Parse> {
        self.embargo
            .as_deref()
            .map(|e| time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339))
            .transpose()
    }

    /// Whether this document's figures may be public at `now`: from the
    /// embargo instant itself on. An embargo that cannot be read keeps the
    /// document closed — a typo must not publish early.
    pub fn is_public_at(&self, now: time::OffsetDateTime) -> bool {
        match self.embargo_at() {
            Ok(None) => true,
            Ok(Some(at)) => now >= at,
            Err(_) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionValue {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    /// The value of the parent dimension this value sits under.
    #[serde(default)]
    pub parent: Option<Slug>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    /// A dimension whose values refine this one's (origin → country).
    #[serde(default)]
    pub parent: Option<Slug>,
    /// Disclosure: a value is not shown for fewer than this many.
    #[serde(default)]
    pub min_count: Option<u32>,
    pub values: Vec<DimensionValue>,
}

impl Dimension {
    pub fn value(&self, id: &str) -> Option<&DimensionValue> {
        self.values.iter().find(|v| v.id.as_str() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingUnit {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    /// A share, between 0 and 100.
    Percent,
    /// A change in percent ("-39%", "+140%"): any sign, any size.
    PercentChange,
    Euro,
    Months,
    Years,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "percent",
            Unit::PercentChange => "percent_change",
            Unit::Euro => "euro",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    #[default]
    Year,
    Span,
    Date,
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: Slug,
    pub theme: Slug,
    pub label_nl: String,
    pub label_en: String,
    #[serde(default)]
    pub definition_nl: String,
    #[serde(default)]
    pub definition_en: String,
    pub unit: Unit,
    #[serde(default)]
    pub counting_unit: Option<Slug>,
    #[serde(default)]
    pub dimensions: Vec<Slug>,
    /// The parts of a breakdown add up to at most their total.
    #[serde(default)]
    pub exclusive: bool,
    /// The indicator holds estimates (a model's, or a document's "naar
    /// schatting"). Only such an indicator takes a cell with status
    /// `estimate`, so a model estimate never replaces a registered count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimates: bool,
    #[serde(default)]
    pub frequency: Frequency,
    #[serde(default)]
    pub from: Option<i32>,
    #[serde(default)]
    pub to: Option<i32>,
    #[serde(default)]
    pub sources: Vec<Slug>,
    #[serde(default)]
    pub recommendations: Vec<Slug>,
    #[serde(default)]
    pub min_count: Option<u32>,
    #[serde(default)]
    pub rounding_base: Option<u32>,
    #[serde(default)]
    pub zeros_sensitive: Option<bool>,
    /// The protection width: an attacker must not be able to narrow a hidden
    /// count to an interval narrower than this (default ⌈0.3·min_count⌉,
    /// 3 under "<10"; see ARCHITECTURE.md, "Disclosure policy").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<u32>,
    /// What this figure is computed from. A derived figure gives its
    /// sources away ("58% = 11,565"; a change against last year), so the
    /// release hides it wherever one of its sources is hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<Derivation>,
}

/// How a derived indicator is computed. A cell (period P, breakdown B) of
/// the derived indicator depends on the cells of each source indicator with
/// period P and with breakdown B and the empty breakdown (the total a share
/// is taken of); a change also on period P − 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    pub kind: DerivationKind,
    pub from: Vec<Slug>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivationKind {
    /// A percentage of a total, or a part of it.
    Share,
    /// A change against the previous period.
    Change,
    /// A count computed from other figures (a share times a total).
    Count,
}

impl Indicator {
    /// The unit as the export contract writes it: what is counted for counts,
    /// the unit itself otherwise.
    pub fn export_unit(&self) -> &str {
        match (self.unit, &self.counting_unit) {
            (Unit::Count, Some(cu)) => cu.as_str(),
            (unit, _) => unit.as_str(),
        }
    }

    /// Whether a period has the shape and the years this indicator has.
    pub fn period_problem(&self, period: &Period) -> Option<String> {
        let shape_ok = match self.frequency {
            Frequency::Year => period.as_year().is_some(),
            Frequency::Span => period.is_span(),
            Frequency::Date => period.is_day(),
            Frequency::Any => true,
        };
        if !shape_ok {
            let want = match self.frequency {
                Frequency::Year => "a year such as 2020",
                Frequency::Span => "a span such as 2017/2021",
                Frequency::Date => "a day such as 2023-05-15",
                Frequency::Any => unreachable!("any shape is accepted"),
            };
            return Some(format!(
                "indicator '{}' has periods of the form {want}, not '{period}'",
                self.id
            ));
        }
        if let Some(from) = self.from {
            if period.first_year() < from {
                return Some(format!(
                    "indicator '{}' starts in {from}; it has no period '{period}'",
                    self.id
                ));
            }
        }
        if let Some(to) = self.to {
            if period.last_year() > to {
                return Some(format!(
                    "indicator '{}' ends in {to}; it has no period '{period}'",
                    self.id
                ));
            }
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Footnote {
    pub id: Slug,
    pub text_nl: String,
    #[serde(default)]
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    pub id: Slug,
    pub body: Slug,
    pub year: i32,
    #[serde(default)]
    pub parent: Option<Slug>,
    pub text_nl: String,
    #[serde(default)]
    pub text_en: String,
}

/// What an edition says about a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub recommendation: Slug,
    pub document: Slug,
    #[serde(default)]
    pub quantitative_nl: String,
    #[serde(default)]
    pub quantitative_en: String,
    #[serde(default)]
    pub policy_nl: String,
    #[serde(default)]
    pub policy_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Announced,
    BillSubmitted,
    AdoptedHouse,
    AdoptedSenate,
    EnteredIntoForce,
    Started,
    Published,
    Evaluated,
    Ended,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// A year, month or day (ISO 8601).
    pub date: Period,
    pub kind: EventKind,
    #[serde(default)]
    pub document: Option<Slug>,
    #[serde(default)]
    pub text_nl: String,
    #[serde(default)]
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    #[serde(default)]
    pub description_nl: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub recommendations: Vec<Slug>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionLine {
    pub id: Slug,
    pub label_nl: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default)]
    pub description_nl: String,
    #[serde(default)]
    pub description_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPlan {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    #[serde(default)]
    pub description_nl: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub start: Option<Period>,
    #[serde(default)]
    pub target: Option<Period>,
    #[serde(default)]
    pub lines: Vec<ActionLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    Summary,
    Focus,
    Definition,
    Latest,
    Analysis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub theme: Slug,
    pub document: Slug,
    pub kind: TextKind,
    #[serde(default)]
    pub title_nl: String,
    #[serde(default)]
    pub title_en: String,
    pub body_nl: String,
    #[serde(default)]
    pub body_en: String,
}

/// A ranked list a document gives as names instead of numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranking {
    pub indicator: Slug,
    pub period: Period,
    pub rank: u32,
    pub dimension: Slug,
    pub value: Slug,
    pub source: Option<Slug>,
    pub source_ref: String,
    pub document: Option<Slug>,
    pub footnotes: Vec<Slug>,
    pub quote: String,
}

/// Everything a monitor declares, with look-ups by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub themes: Vec<Theme>,
    pub documents: Vec<Document>,
    pub organisations: Vec<Organisation>,
    pub dimensions: Vec<Dimension>,
    pub counting_units: Vec<CountingUnit>,
    pub indicators: Vec<Indicator>,
    pub footnotes: Vec<Footnote>,
    pub recommendations: Vec<Recommendation>,
    pub assessments: Vec<Assessment>,
    pub measures: Vec<Measure>,
    pub action_plans: Vec<ActionPlan>,
    pub texts: Vec<Text>,
    pub rankings: Vec<Ranking>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("{kind} '{id}' is declared twice")]
    Duplicate { kind: &'static str, id: String },
    #[error("{kind} '{id}' refers to unknown {target} '{missing}'")]
    Dangling {
        kind: &'static str,
        id: String,
        target: &'static str,
        missing: String,
    },
    #[error("document '{id}' has embargo '{value}', which is not an RFC 3339 instant: write e.g. 2025-10-01T10:00:00+02:00")]
    BadEmbargo { id: String, value: String },
}

fn find<'a, T>(items: &'a [T], id: &str, key: impl Fn(&T) -> &Slug) -> Option<&'a T> {
    items.iter().find(|t| key(t).as_str() == id)
}

impl Catalogue {
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        find(&self.indicators, id, |i| &i.id)
    }
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        find(&self.dimensions, id, |d| &d.id)
    }
    pub fn document(&self, id: &str) -> Option<&Document> {
        find(&self.documents, id, |d| &d.id)
    }
    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        find(&self.organisations, id, |o| &o.id)
    }
    pub fn footnote(&self, id: &str) -> Option<&Footnote> {
        find(&self.footnotes, id, |f| &f.id)
    }
    pub fn theme(&self, id: &str) -> Option<&Theme> {
        find(&self.themes, id, |t| &t.id)
    }
    pub fn recommendation(&self, id: &str) -> Option<&Recommendation> {
        find(&self.recommendations, id, |r| &r.id)
    }
    pub fn counting_unit(&self, id: &str) -> Option<&CountingUnit> {
        find(&self.counting_units, id, |c| &c.id)
    }

    /// Editions in the order they were frozen.
    pub fn editions(&self) -> Vec<&Document> {
        let mut eds: Vec<&Document> = self
            .documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Edition)
            .collect();
        eds.sort_by(|a, b| a.cutoff.cmp(&b.cutoff).then(a.id.cmp(&b.id)));
        eds
    }

    /// Checks that ids are unique and every reference points at something
    /// declared. Returns every problem, not just the first.
    pub fn check(&self) -> Vec<CatalogueError> {
        let mut errors = Vec::new();
        fn dups<T>(
            errors: &mut Vec<CatalogueError>,
            kind: &'static str,
            items: &[T],
            key: impl Fn(&T) -> String,
        ) {
            let mut seen = BTreeMap::new();
            for item in items {
                let k = key(item);
                if seen.insert(k.clone(), ()).is_some() {
                    errors.push(CatalogueError::Duplicate { kind, id: k });
                }
            }
        }
        dups(&mut errors, "theme", &self.themes, |t| t.id.to_string());
        dups(&mut errors, "document", &self.documents, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "organisation", &self.organisations, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "dimension", &self.dimensions, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "counting unit", &self.counting_units, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "indicator", &self.indicators, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "footnote", &self.footnotes, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "recommendation", &self.recommendations, |t| {
            t.id.to_string()
        });
        dups(&mut errors, "measure", &self.measures, |t| t.id.to_string());
        dups(&mut errors, "action plan", &self.action_plans, |t| {
            t.id.to_string()
        });
        for d in &self.dimensions {
            dups(&mut errors, "dimension value", &d.values, |v| {
                format!("{}={}", d.id, v.id)
            });
        }

        for d in &self.documents {
            if d.embargo_at().is_err() {
                errors.push(CatalogueError::BadEmbargo {
                    id: d.id.to_string(),
                    value: d.embargo.clone().unwrap_or_default(),
                });
            }
        }
        let mut dangling =
            |kind: &'static str, id: &Slug, target: &'static str, missing: &Slug, ok: bool| {
                if !ok {
                    errors.push(CatalogueError::Dangling {
                        kind,
                        id: id.to_string(),
                        target,
                        missing: missing.to_string(),
                    });
                }
            };
        for d in &self.documents {
            if let Some(p) = &d.publisher {
                dangling(
                    "document",
                    &d.id,
                    "organisation",
                    p,
                    self.organisation(p.as_str()).is_some(),
                );
            }
        }
        for d in &self.dimensions {
            if let Some(parent) = &d.parent {
                let pd = self.dimension(parent.as_str());
                dangling("dimension", &d.id, "dimension", parent, pd.is_some());
                if let Some(pd) = pd {
                    for v in &d.values {
                        if let Some(pv) = &v.parent {
                            dangling(
                                "dimension value",
                                &v.id,
                                "parent value",
                                pv,
                                pd.value(pv.as_str()).is_some(),
                            );
                        }
                    }
                }
            }
        }
        for i in &self.indicators {
            dangling(
                "indicator",
                &i.id,
                "theme",
                &i.theme,
                self.theme(i.theme.as_str()).is_some(),
            );
            if let Some(cu) = &i.counting_unit {
                dangling(
                    "indicator",
                    &i.id,
                    "counting unit",
                    cu,
                    self.counting_unit(cu.as_str()).is_some(),
                );
            }
            for d in &i.dimensions {
                dangling(
                    "indicator",
                    &i.id,
                    "dimension",
                    d,
                    self.dimension(d.as_str()).is_some(),
                );
            }
            for source in i.derived.iter().flat_map(|d| &d.from) {
                dangling(
                    "indicator",
                    &i.id,
                    "indicator (derived from)",
                    source,
                    self.indicator(source.as_str()).is_some(),
                );
            }
            for s in &i.sources {
                dangling(
                    "indicator",
                    &i.id,
                    "organisation",
                    s,
                    self.organisation(s.as_str()).is_some(),
                );
            }
            for r in &i.recommendations {
                dangling(
                    "indicator",
                    &i.id,
                    "recommendation",
                    r,
                    self.recommendation(r.as_str()).is_some(),
                );
            }
        }
        for r in &self.recommendations {
            dangling(
                "recommendation",
                &r.id,
                "organisation",
                &r.body,
                self.organisation(r.body.as_str()).is_some(),
            );
            if let Some(p) = &r.parent {
                dangling(
                    "recommendation",
                    &r.id,
                    "recommendation",
                    p,
                    self.recommendation(p.as_str()).is_some(),
                );
            }
        }
        for a in &self.assessments {
            dangling(
                "assessment",
                &a.recommendation,
                "recommendation",
                &a.recommendation,
                self.recommendation(a.recommendation.as_str()).is_some(),
            );
            dangling(
                "assessment",
                &a.recommendation,
                "document",
                &a.document,
                self.document(a.document.as_str()).is_some(),
            );
        }
        for m in &self.measures {
            for r in &m.recommendations {
                dangling(
                    "measure",
                    &m.id,
                    "recommendation",
                    r,
                    self.recommendation(r.as_str()).is_some(),
                );
            }
            for e in &m.events {
                if let Some(d) = &e.document {
                    dangling(
                        "measure",
                        &m.id,
                        "document",
                        d,
                        self.document(d.as_str()).is_some(),
                    );
                }
            }
        }
        for t in &self.texts {
            dangling(
                "text",
                &t.document,
                "theme",
                &t.theme,
                self.theme(t.theme.as_str()).is_some(),
            );
            dangling(
                "text",
                &t.theme,
                "document",
                &t.document,
                self.document(t.document.as_str()).is_some(),
            );
        }
        errors
    }

    /// Look-ups by id in constant time, for checking many cells.
    pub fn index(&self) -> CatalogueIndex<'_> {
        CatalogueIndex {
            indicators: self.indicators.iter().map(|i| (i.id.as_str(), i)).collect(),
            dimensions: self
                .dimensions
                .iter()
                .map(|d| {
                    let values = d.values.iter().map(|v| (v.id.as_str(), v)).collect();
                    (d.id.as_str(), (d, values))
                })
                .collect(),
            organisations: self.organisations.iter().map(|o| o.id.as_str()).collect(),
            documents: self.documents.iter().map(|d| d.id.as_str()).collect(),
            footnotes: self.footnotes.iter().map(|f| f.id.as_str()).collect(),
        }
    }
}

type DimensionEntry<'a> = (&'a Dimension, HashMap<&'a str, &'a DimensionValue>);

/// A catalogue's definitions by id, built once to check many cells.
pub struct CatalogueIndex<'a> {
    indicators: HashMap<&'a str, &'a Indicator>,
    dimensions: HashMap<&'a str, DimensionEntry<'a>>,
    organisations: HashSet<&'a str>,
    documents: HashSet<&'a str>,
    footnotes: HashSet<&'a str>,
}

impl CatalogueIndex<'_> {
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.get(id).copied()
    }

    /// Everything wrong with one cell against these definitions, each problem
    /// with the field it is in.
    pub fn cell_problems(&self, cell: &Cell) -> Vec<crate::CellProblem> {
        use crate::CellProblem as P;
        let mut out = Vec::new();
        let Some(ind) = self.indicators.get(cell.indicator.as_str()) else {
            out.push(P::new(
                "indicator",
                format!(
                    "unknown indicator '{}': run `zicht indicators` for the list",
                    cell.indicator
                ),
            ));
            return out;
        };
        if let Some(msg) = ind.period_problem(&cell.period) {
            out.push(P::new("period", msg));
        }
        out.extend(self.breakdown_problems(ind, &cell.breakdown));
        let prov = &cell.provenance;
        if let Some(s) = &prov.source {
            if !self.organisations.contains(s.as_str()) {
                out.push(P::new(
                    "source",
                    format!("unknown organisation '{s}': declare it in monitor.toml"),
                ));
            }
        }
        if let Some(d) = &prov.document {
            if !self.documents.contains(d.as_str()) {
                out.push(P::new("document", format!("unknown document '{d}'")));
            }
        }
        for f in &prov.footnotes {
            if !self.footnotes.contains(f.as_str()) {
                out.push(P::new("footnotes", format!("unknown footnote '{f}'")));
            }
        }
        if cell.figure.status() == crate::Status::Estimate && !ind.estimates {
            out.push(P::new(
                "status",
                format!(
                    "indicator '{}' holds registered figures, not estimates: store an estimate in an \
                     indicator declared with `estimates = true` (such as nr.estimate.victims)",
                    ind.id
                ),
            ));
        }
        // A count of persons, reports or registrations is a whole number;
        // only a model estimate of one may carry a fraction.
        if ind.unit == crate::Unit::Count && cell.figure.status() != crate::Status::Estimate {
            let parts = cell.figure.parts();
            for (field, v) in [
                ("value", parts.value),
                ("lower", parts.lower),
                ("upper", parts.upper),
            ] {
                if let Some(v) = v.filter(|v| v.fract() != 0.0) {
                    // "1.234" from a Dutch spreadsheet means 1234: a point
                    // before exactly three digits is a thousands separator.
                    let whole = |x: f64| (x - x.round()).abs() < 1e-6;
                    let thousands = v * 1000.0;
                    let hint = if whole(thousands) && !whole(v * 100.0) && v >= 1.0 {
                        format!(
                            "; if you meant {}, write it without the Dutch thousands separator",
                            thousands.round()
                        )
                    } else {
                        String::new()
                    };
                    out.push(P::new(
                        field,
                        format!(
                            "{v} is not a whole number: indicator '{}' is a count{}, so write a \
                             whole number{hint} (for a figure known only roughly use status range \
                             or below)",
                            ind.id,
                            ind.counting_unit
                                .as_ref()
                                .map(|u| format!(" of {u}"))
                                .unwrap_or_default(),
                        ),
                    ));
                }
            }
        }
        if ind.unit == crate::Unit::Percent {
            if let Some((lo, hi)) = cell.figure.bounds() {
                if lo < 0.0 || hi > 100.0 {
                    out.push(P::new(
                        "value",
                        format!("a percentage lies between 0 and 100, not {lo}–{hi}"),
                    ));
                }
            }
        } else if ind.unit == crate::Unit::PercentChange {
            // A change may be negative.
        } else if let Some((lo, _)) = cell.figure.bounds() {
            if lo < 0.0 {
                out.push(P::new(
                    "value",
                    format!("a {} is never negative", ind.unit.as_str()),
                ));
            }
        }
        out
    }

    /// What is wrong with a breakdown for this indicator, if anything.
    pub fn breakdown_problems(&self, ind: &Indicator, b: &Breakdown) -> Vec<crate::CellProblem> {
        use crate::CellProblem as P;
        let mut out = Vec::new();
        for (dim, value) in b.pairs() {
            if !ind.dimensions.contains(dim) {
                out.push(P::new(
                    "breakdown",
                    format!(
                        "indicator '{}' is not broken down by '{dim}' (it has: {})",
                        ind.id,
                        if ind.dimensions.is_empty() {
                            "no dimensions".to_owned()
                        } else {
                            ind.dimensions
                                .iter()
                                .map(Slug::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                ));
                continue;
            }
            let Some((d, values)) = self.dimensions.get(dim.as_str()) else {
                out.push(P::new("breakdown", format!("unknown dimension '{dim}'")));
                continue;
            };
            let Some(v) = values.get(value.as_str()) else {
                out.push(P::new(
                    "breakdown",
                    format!(
                        "'{value}' is not a value of dimension '{dim}' (it has: {})",
                        d.values
                            .iter()
                            .map(|v| v.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            };
            // A country under 'domestic' contradicts itself: the hierarchy must hold.
            if let (Some(parent_dim), Some(parent_val)) = (&d.parent, &v.parent) {
                if let Some(given) = b.get(parent_dim.as_str()) {
                    if given != parent_val {
                        out.push(P::new(
                            "breakdown",
                            format!("{dim}={value} lies under {parent_dim}={parent_val}, not {parent_dim}={given}"),
                        ));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod embargo_tests {
    use super::*;

    fn doc(embargo: Option<&str>) -> Document {
        Document {
            id: Slug::parse("ed").unwrap(),
            kind: DocumentKind::Edition,
            label_nl: String::new(),
            label_en: String::new(),
            publisher: None,
            cutoff: "2025-09-08".into(),
            published: None,
            seed: None,
            embargo: embargo.map(str::to_owned),
        }
    }

    #[test]
    fn public_from_the_embargo_instant_on_and_closed_when_unreadable() {
        let at = |s: &str| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
        };
        let d = doc(Some("2025-10-01T10:00:00+02:00"));
        assert!(!d.is_public_at(at("2025-10-01T07:59:59.999Z")));
        assert!(d.is_public_at(at("2025-10-01T08:00:00Z")));
        assert!(doc(None).is_public_at(at("1970-01-01T00:00:00Z")));
        let typo = doc(Some("2025-10-01 10:00"));
        assert!(!typo.is_public_at(at("2099-01-01T00:00:00Z")));
        let cat = Catalogue {
            documents: vec![typo],
            ..Catalogue::default()
        };
        assert!(matches!(
            cat.check().as_slice(),
            [CatalogueError::BadEmbargo { .. }]
        ));
    }
}
