use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Breakdown, Period, Slug};

/// The one status every cell has. See DESIGN.md, "The cell".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        description = "The cell's status: which of value, lower and upper it has follows from it"
    )
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Exact,
    Below,
    Range,
    Rounded,
    Estimate,
    Refused,
    NotAvailable,
    /// Only in public outputs: withheld to protect another cell.
    Suppressed,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Exact,
        Status::Below,
        Status::Range,
        Status::Rounded,
        Status::Estimate,
        Status::Refused,
        Status::NotAvailable,
        Status::Suppressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Exact => "exact",
            Status::Below => "below",
            Status::Range => "range",
            Status::Rounded => "rounded",
            Status::Estimate => "estimate",
            Status::Refused => "refused",
            Status::NotAvailable => "not_available",
            Status::Suppressed => "suppressed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a status: use one of exact, below, range, rounded, estimate, refused, not_available, suppressed")]
pub struct StatusParseError(pub String);

impl FromStr for Status {
    type Err = StatusParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| StatusParseError(s.to_owned()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a cell says about its number: a status with exactly the numbers that
/// status has. Invalid combinations (an exact cell without a value, a refused
/// cell with one) cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Figure {
    Exact {
        value: f64,
    },
    /// Known only to be under `upper` ("<10" is upper 10).
    Below {
        upper: f64,
    },
    Range {
        lower: f64,
        upper: f64,
    },
    /// Rounded by the supplier to a multiple of `base`.
    Rounded {
        value: f64,
        base: f64,
    },
    /// A model estimate: a point, an interval, or both.
    Estimate {
        value: Option<f64>,
        lower: Option<f64>,
        upper: Option<f64>,
    },
    Refused,
    NotAvailable,
    Suppressed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FigureError {
    #[error("status {status} needs a {field}")]
    Missing { status: Status, field: &'static str },
    #[error("status {status} has no {field}: leave it empty")]
    Unexpected { status: Status, field: &'static str },
    #[error("{field} is not a finite number")]
    NotFinite { field: &'static str },
    #[error("lower bound {lower} is above upper bound {upper}")]
    Inverted { lower: String, upper: String },
    #[error("estimate {value} lies outside its interval {lower}–{upper}")]
    OutsideInterval {
        value: String,
        lower: String,
        upper: String,
    },
    #[error("an estimate needs a value, or both bounds")]
    EmptyEstimate,
    #[error("rounding base must be positive, not {0}")]
    BadBase(String),
}

/// The raw numbers as they arrive from a file or a form.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FigureParts {
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub base: Option<f64>,
}

impl Figure {
    /// Builds a figure from a status and the numbers given with it, refusing
    /// numbers the status does not have and missing ones it needs.
    pub fn from_parts(
        status: Status,
        value: Option<f64>,
        lower: Option<f64>,
        upper: Option<f64>,
        base: Option<f64>,
    ) -> Result<Figure, FigureError> {
        for (field, v) in [
            ("value", value),
            ("lower", lower),
            ("upper", upper),
            ("base", base),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(FigureError::NotFinite { field });
            }
        }
        let need =
            |field: &'static str, v: Option<f64>| v.ok_or(FigureError::Missing { status, field });
        let none = |field: &'static str, v: Option<f64>| match v {
            Some(_) => Err(FigureError::Unexpected { status, field }),
            None => Ok(()),
        };
        let ordered = |lower: f64, upper: f64| {
            if lower > upper {
                Err(FigureError::Inverted {
                    lower: lower.to_string(),
                    upper: upper.to_string(),
                })
            } else {
                Ok(())
            }
        };
        match status {
            Status::Exact => {
                none("lower", lower)?;
                none("upper", upper)?;
                none("base", base)?;
                Ok(Figure::Exact {
                    value: need("value", value)?,
                })
            }
            Status::Below => {
                none("value", value)?;
                none("lower", lower)?;
                none("base", base)?;
                Ok(Figure::Below {
                    upper: need("upper", upper)?,
                })
            }
            Status::Range => {
                none("value", value)?;
                none("base", base)?;
                let (l, u) = (need("lower", lower)?, need("upper", upper)?);
                ordered(l, u)?;
                Ok(Figure::Range { lower: l, upper: u })
            }
            Status::Rounded => {
                none("lower", lower)?;
                none("upper", upper)?;
                let base = need("base", base)?;
                if base <= 0.0 {
                    return Err(FigureError::BadBase(base.to_string()));
                }
                Ok(Figure::Rounded {
                    value: need("value", value)?,
                    base,
                })
            }
            Status::Estimate => {
                none("base", base)?;
                match (value, lower, upper) {
                    (None, None, None) | (None, Some(_), None) | (None, None, Some(_)) => {
                        return Err(FigureError::EmptyEstimate)
                    }
                    _ => {}
                }
                if let (Some(l), Some(u)) = (lower, upper) {
                    ordered(l, u)?;
                    if let Some(v) = value {
                        if v < l || v > u {
                            return Err(FigureError::OutsideInterval {
                                value: v.to_string(),
                                lower: l.to_string(),
                                upper: u.to_string(),
                            });
                        }
                    }
                }
                Ok(Figure::Estimate {
                    value,
                    lower,
                    upper,
                })
            }
            Status::Refused | Status::NotAvailable | Status::Suppressed => {
                none("value", value)?;
                none("lower", lower)?;
                none("upper", upper)?;
                none("base", base)?;
                Ok(match status {
                    Status::Refused => Figure::Refused,
                    Status::NotAvailable => Figure::NotAvailable,
                    _ => Figure::Suppressed,
                })
            }
        }
    }

    pub fn status(&self) -> Status {
        match self {
            Figure::Exact { .. } => Status::Exact,
            Figure::Below { .. } => Status::Below,
            Figure::Range { .. } => Status::Range,
            Figure::Rounded { .. } => Status::Rounded,
            Figure::Estimate { .. } => Status::Estimate,
            Figure::Refused => Status::Refused,
            Figure::NotAvailable => Status::NotAvailable,
            Figure::Suppressed => Status::Suppressed,
        }
    }

    /// The numbers of this figure, in the columns of the export contract.
    pub fn parts(&self) -> FigureParts {
        match *self {
            Figure::Exact { value } => FigureParts {
                value: Some(value),
                ..Default::default()
            },
            Figure::Below { upper } => FigureParts {
                upper: Some(upper),
                ..Default::default()
            },
            Figure::Range { lower, upper } => FigureParts {
                lower: Some(lower),
                upper: Some(upper),
                ..Default::default()
            },
            Figure::Rounded { value, base } => FigureParts {
                value: Some(value),
                base: Some(base),
                ..Default::default()
            },
            Figure::Estimate {
                value,
                lower,
                upper,
            } => FigureParts {
                value,
                lower,
                upper,
                base: None,
            },
            Figure::Refused | Figure::NotAvailable | Figure::Suppressed => FigureParts::default(),
        }
    }

    /// The smallest and largest true value this figure allows, if it says
    /// anything about the number at all. Counts are never negative, so a
    /// `below` starts at zero.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match *self {
            Figure::Exact { value } => Some((value, value)),
            Figure::Below { upper } => Some((0.0, upper)),
            Figure::Range { lower, upper } => Some((lower, upper)),
            Figure::Rounded { value, base } => {
                Some(((value - base / 2.0).max(0.0), value + base / 2.0))
            }
            Figure::Estimate { .. }
            | Figure::Refused
            | Figure::NotAvailable
            | Figure::Suppressed => None,
        }
    }

    /// The number to compute with (change vs previous year, charts), where the
    /// figure has one.
    pub fn point(&self) -> Option<f64> {
        match *self {
            Figure::Exact { value } | Figure::Rounded { value, .. } => Some(value),
            Figure::Estimate { value, .. } => value,
            _ => None,
        }
    }
}

/// Where a cell's figure comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The organisation that supplied the figure.
    pub source: Option<Slug>,
    /// The reference as the document gives it.
    pub source_ref: String,
    /// The edition or other document it appeared in.
    pub document: Option<Slug>,
    pub footnotes: Vec<Slug>,
    /// The document's own words for the figure, for reviewers.
    pub quote: String,
}

/// One observation: indicator × period × breakdown, with its figure and its
/// provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub indicator: Slug,
    pub period: Period,
    pub breakdown: Breakdown,
    pub figure: Figure,
    pub provenance: Provenance,
}

impl Cell {
    pub fn key(&self) -> (&Slug, &Period, &Breakdown) {
        (&self.indicator, &self.period, &self.breakdown)
    }

    /// The key with the indicator as a plain string.
    pub fn key_ref(&self) -> (&str, &Period, &Breakdown) {
        (self.indicator.as_str(), &self.period, &self.breakdown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn below_ten_keeps_ten_as_its_bound() {
        let f = Figure::from_parts(Status::Below, None, None, Some(10.0), None).unwrap();
        assert_eq!(f.parts().upper, Some(10.0));
        assert_eq!(f.bounds(), Some((0.0, 10.0)));
    }

    #[test]
    fn a_value_that_contradicts_its_status_is_refused() {
        assert!(matches!(
            Figure::from_parts(Status::Refused, Some(3.0), None, None, None),
            Err(FigureError::Unexpected { field: "value", .. })
        ));
        assert!(matches!(
            Figure::from_parts(Status::Exact, None, None, None, None),
            Err(FigureError::Missing { field: "value", .. })
        ));
        assert!(matches!(
            Figure::from_parts(Status::Range, None, Some(28.0), Some(7.0), None),
            Err(FigureError::Inverted { .. })
        ));
        assert!(matches!(
            Figure::from_parts(
                Status::Estimate,
                Some(9000.0),
                Some(5000.0),
                Some(7500.0),
                None
            ),
            Err(FigureError::OutsideInterval { .. })
        ));
        assert!(matches!(
            Figure::from_parts(Status::Exact, Some(f64::NAN), None, None, None),
            Err(FigureError::NotFinite { .. })
        ));
    }

    #[test]
    fn zero_is_a_number() {
        let f = Figure::from_parts(Status::Exact, Some(0.0), None, None, None).unwrap();
        assert_eq!(f.point(), Some(0.0));
    }

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn parts_round_trip(st in status(),
                            v in proptest::option::of(0.0f64..1e7),
                            l in proptest::option::of(0.0f64..1e7),
                            u in proptest::option::of(0.0f64..1e7),
                            b in proptest::option::of(1.0f64..100.0)) {
            if let Ok(f) = Figure::from_parts(st, v, l, u, b) {
                let p = f.parts();
                prop_assert_eq!(f.status(), st);
                prop_assert_eq!(Figure::from_parts(st, p.value, p.lower, p.upper, p.base), Ok(f));
                if let Some((lo, hi)) = f.bounds() {
                    prop_assert!(lo <= hi);
                }
            }
        }
    }
}
