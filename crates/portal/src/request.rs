//! A round and what it asks: requests per supplier organisation, expanded to
//! the exact list of asked cells and checked against the catalogue.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use zicht_model::{Breakdown, Catalogue, Cell, DocumentKind, Figure, Period, Provenance, Slug};

use crate::text::{self, Text};

/// Which cell: indicator × period × breakdown. What a request asks and what a
/// delivery answers are both keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellKey {
    pub indicator: Slug,
    pub period: Period,
    pub breakdown: Breakdown,
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.indicator, self.period)?;
        if self.breakdown.is_total() {
            f.write_str(" [total]")
        } else {
            write!(f, " [{}]", self.breakdown)
        }
    }
}

/// What one supplier organisation is asked: every combination of these
/// indicators, periods and breakdowns. An empty `breakdowns` asks the total
/// only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub organisation: Slug,
    pub indicators: Vec<Slug>,
    pub periods: Vec<Period>,
    #[serde(default)]
    pub breakdowns: Vec<Breakdown>,
}

/// A round as an editor opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundPlan {
    /// The edition (a document of kind edition) the figures are for.
    pub edition: Slug,
    pub title: String,
    /// ISO 8601 day; a delivery not submitted by the end of it is overdue.
    pub due: String,
    pub requests: Vec<Request>,
}

/// One cell asked of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AskedCell {
    pub organisation: Slug,
    pub key: CellKey,
}

/// Something wrong with a round plan, named by where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct PlanProblem {
    /// `edition`, `title`, `due`, or `request N` (1-based) with the field.
    pub place: String,
    /// What to do, in both languages; `Display` gives the English.
    pub message: Text,
}

fn problem(place: impl Into<String>, message: Text) -> PlanProblem {
    PlanProblem {
        place: place.into(),
        message,
    }
}

/// Whether `day` is an ISO 8601 day such as `2025-03-31`.
pub fn is_day(day: &str) -> bool {
    Period::parse(day).is_ok_and(|p| p.is_day()) && day.trim() == day
}

impl RoundPlan {
    /// Every asked cell, sorted by organisation and cell, each once; or every
    /// problem in the plan. The checks are the catalogue's own
    /// (`cell_problems`), so a round cannot ask for a cell an import would
    /// refuse.
    pub fn expand(&self, catalogue: &Catalogue) -> Result<Vec<AskedCell>, Vec<PlanProblem>> {
        let mut problems = Vec::new();
        match catalogue.document(self.edition.as_str()) {
            None => problems.push(problem(
                "edition",
                Text::new(
                    format!("onbekend document '{}': kies een editie uit de catalogus", self.edition),
                    format!("unknown document '{}': pick an edition of the catalogue", self.edition),
                ),
            )),
            Some(d) if d.kind != DocumentKind::Edition => problems.push(problem(
                "edition",
                Text::new(
                    format!("document '{}' is een bron, geen editie: een ronde verzamelt cijfers voor een editie", self.edition),
                    format!("document '{}' is a source, not an edition: a round collects figures for an edition", self.edition),
                ),
            )),
            Some(_) => {}
        }
        if self.title.trim().is_empty() {
            problems.push(problem(
                "title",
                Text::new("geef de ronde een titel", "give the round a title"),
            ));
        }
        if !is_day(&self.due) {
            problems.push(problem(
                "due",
                Text::new(
                    format!("'{}' is geen dag: schrijf bijv. 2025-03-31", self.due),
                    format!("'{}' is not a day: write e.g. 2025-03-31", self.due),
                ),
            ));
        }
        // A round may ask no cells at all: one that collects encoded
        // records only (issue 13) asks for them once it is open.
        let index = catalogue.index();
        let mut asked = BTreeSet::new();
        for (i, r) in self.requests.iter().enumerate() {
            let place = |field: &str| format!("request {} ({}), {field}", i + 1, r.organisation);
            if catalogue.organisation(r.organisation.as_str()).is_none() {
                problems.push(problem(
                    place("organisation"),
                    Text::new(
                        format!(
                            "onbekende organisatie '{}': neem haar eerst op in de catalogus",
                            r.organisation
                        ),
                        format!(
                            "unknown organisation '{}': declare it in the catalogue first",
                            r.organisation
                        ),
                    ),
                ));
            }
            if r.indicators.is_empty() {
                problems.push(problem(
                    place("indicators"),
                    Text::new("noem minstens één indicator", "name at least one indicator"),
                ));
            }
            if r.periods.is_empty() {
                problems.push(problem(
                    place("periods"),
                    Text::new("noem minstens één periode", "name at least one period"),
                ));
            }
            let total = [Breakdown::total()];
            let breakdowns: &[Breakdown] = if r.breakdowns.is_empty() {
                &total
            } else {
                &r.breakdowns
            };
            for indicator in &r.indicators {
                if index.indicator(indicator.as_str()).is_none() {
                    problems.push(problem(
                        place("indicators"),
                        Text::new(
                            format!("onbekende indicator '{indicator}'"),
                            format!("unknown indicator '{indicator}'"),
                        ),
                    ));
                    continue;
                }
                for period in &r.periods {
                    for breakdown in breakdowns {
                        let probe = Cell {
                            indicator: indicator.clone(),
                            period: period.clone(),
                            breakdown: breakdown.clone(),
                            figure: Figure::NotAvailable,
                            provenance: Provenance::default(),
                        };
                        let found = index.cell_problems(&probe);
                        for p in &found {
                            let msg = format!("{indicator} {period} [{breakdown}]: {}", p.message);
                            let pp = problem(place(p.field), text::foreign(&msg));
                            // The same period or breakdown fails for every
                            // combination; say it once.
                            if !problems.contains(&pp) {
                                problems.push(pp);
                            }
                        }
                        if found.is_empty() {
                            asked.insert(AskedCell {
                                organisation: r.organisation.clone(),
                                key: CellKey {
                                    indicator: indicator.clone(),
                                    period: period.clone(),
                                    breakdown: breakdown.clone(),
                                },
                            });
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(asked.into_iter().collect())
        } else {
            Err(problems)
        }
    }
}
