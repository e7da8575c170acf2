//! The definitions a monitor is made of. They are data: a theme, an indicator
//! or a dimension is declared in the data files, never in code.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::{Breakdown, Cell, Day, Instant, Period, Slug, TimeError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: Slug,
    pub label_nl: String,
    pub label_en: String,
    /// Disclosure: counts under this are not published exactly on the theme.
    #[serde(default)]
    pub min_count: Option<u32>,
    /// The indicators the home page leads with for this theme, in order
    /// (three to six reads best): chosen by the editors, not by the code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headline: Vec<Slug>,
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
#[serde(try_from = "DocumentText")]
pub struct Document {
    pub id: Slug,
    pub kind: DocumentKind,
    pub label_nl: String,
    pub label_en: String,
    pub publisher: Option<Slug>,
    /// What was known up to this day is in the document.
    pub cutoff: Day,
    pub published: Option<Day>,
    pub seed: Option<String>,
    /// Before this instant nothing of this document is in any public
    /// output. Set by an editor when the edition is released; absent for
    /// what is already public. Written as RFC 3339, e.g.
    /// `2025-10-01T10:00:00+02:00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embargo: Option<Instant>,
}

/// A document as the data files and the store write it. Its days and
/// instant are read here, so that one that cannot be read is refused with
/// the document and the field named, when the catalogue is read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentText {
    id: Slug,
    kind: DocumentKind,
    label_nl: String,
    label_en: String,
    #[serde(default)]
    publisher: Option<Slug>,
    cutoff: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    seed: Option<String>,
    #[serde(default)]
    embargo: Option<String>,
}

impl TryFrom<DocumentText> for Document {
    type Error = CatalogueError;

    fn try_from(d: DocumentText) -> Result<Document, CatalogueError> {
        let day = |field: &'static str, value: &str| {
            value
                .parse::<Day>()
                .map_err(|problem| CatalogueError::BadTime {
                    id: d.id.to_string(),
                    field,
                    problem,
                })
        };
        let cutoff = day("cutoff", &d.cutoff)?;
        let published = d
            .published
            .as_deref()
            .map(|p| day("published", p))
            .transpose()?;
        let embargo = d
            .embargo
            .as_deref()
            .map(|e| {
                e.parse::<Instant>()
                    .map_err(|problem| CatalogueError::BadTime {
                        id: d.id.to_string(),
                        field: "embargo",
                        problem,
                    })
            })
            .transpose()?;
        Ok(Document {
            id: d.id,
            kind: d.kind,
            label_nl: d.label_nl,
            label_en: d.label_en,
            publisher: d.publisher,
            cutoff,
            published,
            seed: d.seed,
            embargo,
        })
    }
}

impl Document {
    /// Whether this document's figures may be public at `now`: from the
    /// embargo instant itself on.
    pub fn is_public_at(&self, now: Instant) -> bool {
        self.embargo.is_none_or(|at| now >= at)
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
    /// For an indicator of estimates: the registered count whose hidden
    /// whole it estimates (same period and breakdown), so that a page can
    /// show how much of the estimate is in view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Slug>,
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
    /// How far the edition judges the recommendation carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AssessmentStatus>,
}

/// An edition's judgement of a recommendation, shown as a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Implemented,
    Partly,
    NotImplemented,
    /// The edition says too little to judge.
    Unclear,
}

impl AssessmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Implemented => "implemented",
            AssessmentStatus::Partly => "partly",
            AssessmentStatus::NotImplemented => "not_implemented",
            AssessmentStatus::Unclear => "unclear",
        }
    }
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
    /// Working agreements or a covenant made.
    Agreed,
    /// A court's ruling.
    Ruling,
    /// Debated or considered (a committee debate, a round table, a reading).
    Debated,
    /// Adopted by a European or international body.
    AdoptedInternational,
    /// Something the documents expect or were promised for the date.
    Expected,
    /// A promised step that did not happen on time.
    Delayed,
    /// A date by which something has to be done.
    Deadline,
    /// A date by which something is meant to be done.
    Target,
    /// Carried on after its planned end.
    Continued,
    Other,
}

impl EventKind {
    /// The event's name as a timeline shows it.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (nl, en) = match self {
            EventKind::Announced => ("aangekondigd", "announced"),
            EventKind::BillSubmitted => ("wetsvoorstel ingediend", "bill submitted"),
            EventKind::AdoptedHouse => (
                "aangenomen door de Tweede Kamer",
                "adopted by the House of Representatives",
            ),
            EventKind::AdoptedSenate => {
                ("aangenomen door de Eerste Kamer", "adopted by the Senate")
            }
            EventKind::EnteredIntoForce => ("in werking getreden", "entered into force"),
            EventKind::Started => ("gestart", "started"),
            EventKind::Published => ("gepubliceerd", "published"),
            EventKind::Evaluated => ("geëvalueerd", "evaluated"),
            EventKind::Ended => ("beëindigd", "ended"),
            EventKind::Agreed => ("afspraken gemaakt", "agreed"),
            EventKind::Ruling => ("uitspraak", "ruling"),
            EventKind::Debated => ("besproken", "debated"),
            EventKind::AdoptedInternational => {
                ("internationaal aangenomen", "adopted internationally")
            }
            EventKind::Expected => ("verwacht", "expected"),
            EventKind::Delayed => ("vertraagd", "delayed"),
            EventKind::Deadline => ("uiterste datum", "deadline"),
            EventKind::Target => ("streefdatum", "target date"),
            EventKind::Continued => ("voortgezet", "continued"),
            EventKind::Other => ("overig", "other"),
        };
        match lang {
            crate::Lang::Nl => nl,
            crate::Lang::En => en,
        }
    }
}

impl AssessmentStatus {
    /// The judgement as a badge says it.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (nl, en) = match self {
            AssessmentStatus::Implemented => ("uitgevoerd", "implemented"),
            AssessmentStatus::Partly => ("deels uitgevoerd", "partly implemented"),
            AssessmentStatus::NotImplemented => ("niet uitgevoerd", "not implemented"),
            AssessmentStatus::Unclear => ("onduidelijk", "unclear"),
        };
        match lang {
            crate::Lang::Nl => nl,
            crate::Lang::En => en,
        }
    }
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

/// Who publishes the monitor, how to reach them, under which licence and
/// how to cite it, and how its figures are made: the site's about and
/// methodology pages. Data, so that another monitor says its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// The organisation that publishes the monitor.
    pub publisher: Slug,
    /// An e-mail address or a web address.
    pub contact: String,
    #[serde(default = "About::default_licence")]
    pub licence: String,
    #[serde(default = "About::default_licence_url")]
    pub licence_url: String,
    /// The suggested citation; `{edition}` becomes the edition's label and
    /// `{year}` the year it was published.
    pub citation_nl: String,
    pub citation_en: String,
    #[serde(default)]
    pub about: Vec<Section>,
    #[serde(default)]
    pub methodology: Vec<Section>,
}

impl About {
    fn default_licence() -> String {
        "CC BY 4.0".to_owned()
    }
    fn default_licence_url() -> String {
        "https://creativecommons.org/licenses/by/4.0/".to_owned()
    }
}

/// A titled piece of prose on the about or methodology page; paragraphs
/// are separated by a blank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: Slug,
    pub title_nl: String,
    pub title_en: String,
    pub body_nl: String,
    #[serde(default)]
    pub body_en: String,
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
    /// The colophon and the methodology; none for a monitor without pages.
    #[serde(default)]
    pub about: Option<About>,
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
    /// A document's cutoff, published day or embargo cannot be read.
    #[error("document '{id}', {field}: {problem}")]
    BadTime {
        id: String,
        field: &'static str,
        problem: TimeError,
    },
    /// A text that would be run by a spreadsheet or displayed out of order.
    #[error("{path} {problem}")]
    Text {
        /// Where the text is, as a path into the catalogue
        /// (`footnotes[3].text_nl`).
        path: String,
        problem: zicht_contract::TextProblem,
    },
}

fn find<'a, T>(items: &'a [T], id: &str, key: impl Fn(&T) -> &Slug) -> Option<&'a T> {
    items.iter().find(|t| key(t).as_str() == id)
}

/// One row of [`Catalogue::check`]'s reference table: the references of one
/// field of one list, and where the ids they name must be declared.
struct Reference<'c> {
    /// What refers ("indicator").
    kind: &'static str,
    /// What it refers to, as the message says it ("counting unit").
    target: &'static str,
    known: Known<'c>,
    /// (the id the message names the referrer by, the id it refers to)
    refs: Vec<(&'c Slug, &'c Slug)>,
}

/// Where a referred id must be declared.
#[derive(Clone, Copy)]
enum Known<'c> {
    /// In one of the catalogue's lists.
    In(fn(&Catalogue, &str) -> bool),
    /// Among the values of this dimension.
    ValueOf(&'c Dimension),
}

impl Catalogue {
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        // Callers ask cell by cell, and cells come grouped by indicator: the
        // position of the last answer is tried first, so a monitor of
        // thousands of indicators is not searched through for each cell. A
        // hint only: whatever it holds, the id is compared.
        thread_local! {
            static LAST: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        }
        // The last answer, else the one after it: a walk through cells in
        // the catalogue's order moves on one indicator at a time.
        let hint = LAST.with(std::cell::Cell::get);
        for at in [hint, hint + 1] {
            if let Some(i) = self.indicators.get(at).filter(|i| i.id.as_str() == id) {
                LAST.with(|l| l.set(at));
                return Some(i);
            }
        }
        let at = self.indicators.iter().position(|i| i.id.as_str() == id)?;
        LAST.with(|l| l.set(at));
        Some(&self.indicators[at])
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
        for (kind, ids) in self.declarations() {
            let mut seen = HashSet::new();
            for id in ids {
                if !seen.insert(id.clone()) {
                    errors.push(CatalogueError::Duplicate { kind, id });
                }
            }
        }

        for r in self.references() {
            for (id, missing) in r.refs {
                let known = match r.known {
                    Known::In(declared) => declared(self, missing.as_str()),
                    Known::ValueOf(dimension) => dimension.value(missing.as_str()).is_some(),
                };
                if !known {
                    errors.push(CatalogueError::Dangling {
                        kind: r.kind,
                        id: id.to_string(),
                        target: r.target,
                        missing: missing.to_string(),
                    });
                }
            }
        }
        if let Some(a) = &self.about {
            if self.organisation(a.publisher.as_str()).is_none() {
                errors.push(CatalogueError::Dangling {
                    kind: "about",
                    id: "about".to_owned(),
                    target: "organisation (publisher)",
                    missing: a.publisher.to_string(),
                });
            }
        }
        errors.extend(self.text_problems());
        errors
    }

    /// Every text of the catalogue that holds a direction control, and every
    /// footnote text (a column of the downloads) a spreadsheet would run.
    /// The texts are found through the catalogue's serialised form, so a
    /// field added later is checked without being listed here.
    fn text_problems(&self) -> Vec<CatalogueError> {
        fn walk(value: &serde_json::Value, path: &mut String, out: &mut Vec<CatalogueError>) {
            match value {
                serde_json::Value::String(text) => {
                    let problem = match zicht_contract::bidi_control(text) {
                        Some(c) => Some(zicht_contract::TextProblem::BidiControl(c)),
                        None if path.starts_with("footnotes[") => {
                            zicht_contract::formula_start(text)
                                .map(zicht_contract::TextProblem::FormulaStart)
                        }
                        None => None,
                    };
                    if let Some(problem) = problem {
                        out.push(CatalogueError::Text {
                            path: path.clone(),
                            problem,
                        });
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        walk(item, path, out);
                        path.truncate(len);
                    }
                }
                serde_json::Value::Object(fields) => {
                    for (name, item) in fields {
                        let len = path.len();
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(name);
                        walk(item, path, out);
                        path.truncate(len);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        // A catalogue is plain data: serialising it cannot fail.
        if let Ok(value) = serde_json::to_value(self) {
            walk(&value, &mut String::new(), &mut out);
        }
        out
    }

    /// Every list of declared ids that must be unique: what its items are
    /// called, and their ids. A dimension's values are unique within it.
    fn declarations(&self) -> Vec<(&'static str, Vec<String>)> {
        fn ids<T>(items: &[T], id: impl Fn(&T) -> &Slug) -> Vec<String> {
            items.iter().map(|t| id(t).to_string()).collect()
        }
        let mut lists = vec![
            ("theme", ids(&self.themes, |t| &t.id)),
            ("document", ids(&self.documents, |d| &d.id)),
            ("organisation", ids(&self.organisations, |o| &o.id)),
            ("dimension", ids(&self.dimensions, |d| &d.id)),
            ("counting unit", ids(&self.counting_units, |c| &c.id)),
            ("indicator", ids(&self.indicators, |i| &i.id)),
            ("footnote", ids(&self.footnotes, |f| &f.id)),
            ("recommendation", ids(&self.recommendations, |r| &r.id)),
            ("measure", ids(&self.measures, |m| &m.id)),
            ("action plan", ids(&self.action_plans, |a| &a.id)),
        ];
        for d in &self.dimensions {
            let values = d.values.iter().map(|v| format!("{}={}", d.id, v.id));
            lists.push(("dimension value", values.collect()));
        }
        lists
    }

    /// Every reference the catalogue holds, one row per field: who refers
    /// (and by which id the message names it), to what, and where the ids
    /// it refers to must be declared.
    fn references(&self) -> Vec<Reference<'_>> {
        fn refs<'c, T, I>(items: &'c [T], each: impl Fn(&'c T) -> I) -> Vec<(&'c Slug, &'c Slug)>
        where
            I: IntoIterator<Item = (&'c Slug, &'c Slug)>,
        {
            items.iter().flat_map(each).collect()
        }
        let theme = Known::In(|c, id| c.theme(id).is_some());
        let document = Known::In(|c, id| c.document(id).is_some());
        let organisation = Known::In(|c, id| c.organisation(id).is_some());
        let dimension = Known::In(|c, id| c.dimension(id).is_some());
        let counting_unit = Known::In(|c, id| c.counting_unit(id).is_some());
        let indicator = Known::In(|c, id| c.indicator(id).is_some());
        let recommendation = Known::In(|c, id| c.recommendation(id).is_some());
        let row = |kind, target, known, refs| Reference {
            kind,
            target,
            known,
            refs,
        };

        let mut table = vec![
            row(
                "document",
                "organisation",
                organisation,
                refs(&self.documents, |d| d.publisher.iter().map(|p| (&d.id, p))),
            ),
            row(
                "dimension",
                "dimension",
                dimension,
                refs(&self.dimensions, |d| d.parent.iter().map(|p| (&d.id, p))),
            ),
        ];
        // A value's parent is a value of its dimension's parent dimension
        // (where that dimension exists: a missing one is reported above).
        for d in &self.dimensions {
            if let Some(pd) = d.parent.as_ref().and_then(|p| self.dimension(p.as_str())) {
                table.push(row(
                    "dimension value",
                    "parent value",
                    Known::ValueOf(pd),
                    refs(&d.values, |v| v.parent.iter().map(|p| (&v.id, p))),
                ));
            }
        }
        let ind = &self.indicators;
        let rec = &self.recommendations;
        table.extend([
            row(
                "indicator",
                "theme",
                theme,
                refs(ind, |i| [(&i.id, &i.theme)]),
            ),
            row(
                "indicator",
                "counting unit",
                counting_unit,
                refs(ind, |i| i.counting_unit.iter().map(|c| (&i.id, c))),
            ),
            row(
                "indicator",
                "dimension",
                dimension,
                refs(ind, |i| i.dimensions.iter().map(|d| (&i.id, d))),
            ),
            row(
                "theme",
                "indicator (headline)",
                indicator,
                refs(&self.themes, |t| t.headline.iter().map(|h| (&t.id, h))),
            ),
            row(
                "indicator",
                "indicator (registered count)",
                indicator,
                refs(ind, |i| i.registered.iter().map(|r| (&i.id, r))),
            ),
            row(
                "indicator",
                "indicator (derived from)",
                indicator,
                refs(ind, |i| {
                    i.derived.iter().flat_map(|d| &d.from).map(|s| (&i.id, s))
                }),
            ),
            row(
                "indicator",
                "organisation",
                organisation,
                refs(ind, |i| i.sources.iter().map(|s| (&i.id, s))),
            ),
            row(
                "indicator",
                "recommendation",
                recommendation,
                refs(ind, |i| i.recommendations.iter().map(|r| (&i.id, r))),
            ),
            row(
                "recommendation",
                "organisation",
                organisation,
                refs(rec, |r| [(&r.id, &r.body)]),
            ),
            row(
                "recommendation",
                "recommendation",
                recommendation,
                refs(rec, |r| r.parent.iter().map(|p| (&r.id, p))),
            ),
            // An assessment has no id of its own: the message names it by its
            // recommendation.
            row(
                "assessment",
                "recommendation",
                recommendation,
                refs(&self.assessments, |a| {
                    [(&a.recommendation, &a.recommendation)]
                }),
            ),
            row(
                "assessment",
                "document",
                document,
                refs(&self.assessments, |a| [(&a.recommendation, &a.document)]),
            ),
            row(
                "measure",
                "recommendation",
                recommendation,
                refs(&self.measures, |m| {
                    m.recommendations.iter().map(|r| (&m.id, r))
                }),
            ),
            row(
                "measure",
                "document",
                document,
                refs(&self.measures, |m| {
                    m.events
                        .iter()
                        .filter_map(|e| e.document.as_ref())
                        .map(|d| (&m.id, d))
                }),
            ),
            // A text is named by its document where its theme is unknown, and
            // by its theme where its document is.
            row(
                "text",
                "theme",
                theme,
                refs(&self.texts, |t| [(&t.document, &t.theme)]),
            ),
            row(
                "text",
                "document",
                document,
                refs(&self.texts, |t| [(&t.theme, &t.document)]),
            ),
        ]);
        table
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
            footnotes: self.footnotes.iter().map(|f| (f.id.as_str(), f)).collect(),
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
    footnotes: HashMap<&'a str, &'a Footnote>,
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
            match self.footnotes.get(f.as_str()) {
                None => out.push(P::new("footnotes", format!("unknown footnote '{f}'"))),
                // A footnote's text is a column of every download.
                Some(note) => {
                    for text in [&note.text_nl, &note.text_en] {
                        if let Some(p) = zicht_contract::cell_text_problem(text) {
                            out.push(P::new("footnotes", format!("the footnote text {p}")));
                        }
                    }
                }
            }
        }
        for (field, text) in [("source_ref", &prov.source_ref), ("quote", &prov.quote)] {
            if let Some(p) = zicht_contract::cell_text_problem(text) {
                out.push(P::new(field, format!("the {field} {p}")));
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
mod check_tests;

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
            cutoff: "2025-09-08".parse().unwrap(),
            published: None,
            seed: None,
            embargo: embargo.map(|e| e.parse().unwrap()),
        }
    }

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn public_from_the_embargo_instant_on() {
        let d = doc(Some("2025-10-01T10:00:00+02:00"));
        assert!(!d.is_public_at(at("2025-10-01T07:59:59Z")));
        assert!(d.is_public_at(at("2025-10-01T08:00:00Z")));
        assert!(doc(None).is_public_at(at("1970-01-01T00:00:00Z")));
    }

    fn read(json: &str) -> Result<Document, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_document_reads_its_days_and_embargo_as_written() {
        let d = read(
            r#"{"id":"ed","kind":"edition","label_nl":"","label_en":"","cutoff":"2025-09-08","embargo":"2025-10-01T10:00:00+02:00"}"#,
        )
        .unwrap();
        assert_eq!(d, doc(Some("2025-10-01T08:00:00Z")));
        let again = read(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn an_unreadable_embargo_or_cutoff_is_refused_naming_the_document() {
        let typo = read(
            r#"{"id":"ed","kind":"edition","label_nl":"","label_en":"","cutoff":"2025-09-08","embargo":"2025-10-01 10:00"}"#,
        )
        .unwrap_err();
        assert!(
            typo.contains("document 'ed', embargo: '2025-10-01 10:00' is not an RFC 3339 instant: write e.g. 2025-10-01T10:00:00+02:00"),
            "{typo}"
        );
        let cutoff =
            read(r#"{"id":"ed","kind":"edition","label_nl":"","label_en":"","cutoff":"2025-9-8"}"#)
                .unwrap_err();
        assert!(
            cutoff.contains("document 'ed', cutoff: '2025-9-8' is not a day: write YYYY-MM-DD"),
            "{cutoff}"
        );
        let unknown = read(
            r#"{"id":"ed","kind":"edition","label_nl":"","label_en":"","cutoff":"2025-09-08","embrago":"x"}"#,
        )
        .unwrap_err();
        assert!(unknown.contains("embrago"), "{unknown}");
    }
}
