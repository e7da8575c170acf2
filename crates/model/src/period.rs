use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A point in time as precise as a document gives it: a year, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Point {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// The period of a cell, in ISO 8601: a year (`2020`), a month (`2023-05`), a day
/// (`2023-05-15`) or a span between two of those (`2017/2021`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Point(Point),
    Span(Point, Point),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("'{0}' is not an ISO 8601 period: write a year (2020), a month (2023-05), a day (2023-05-15) or a span (2017/2021)")]
    Syntax(String),
    #[error("'{0}' is not a real date")]
    NoSuchDate(String),
    #[error("the span '{0}' ends before it starts")]
    Backwards(String),
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

impl Point {
    fn parse(s: &str, whole: &str) -> Result<Point, PeriodError> {
        let syntax = || PeriodError::Syntax(whole.to_owned());
        let mut parts = s.split('-');
        let year_part = parts.next().ok_or_else(syntax)?;
        if year_part.len() != 4 || !year_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syntax());
        }
        let year: i32 = year_part.parse().map_err(|_| syntax())?;
        let two_digits = |part: Option<&str>| -> Result<Option<u8>, PeriodError> {
            match part {
                None => Ok(None),
                Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(Some(p.parse().map_err(|_| syntax())?))
                }
                Some(_) => Err(syntax()),
            }
        };
        let month = two_digits(parts.next())?;
        let day = two_digits(parts.next())?;
        if parts.next().is_some() {
            return Err(syntax());
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(PeriodError::NoSuchDate(whole.to_owned()));
            }
            if let Some(d) = day {
                if d == 0 || d > days_in_month(year, m) {
                    return Err(PeriodError::NoSuchDate(whole.to_owned()));
                }
            }
        }
        Ok(Point { year, month, day })
    }

    /// The first day this point covers, as `(year, month, day)`.
    pub fn first_day(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day this point covers.
    pub fn last_day(&self) -> (i32, u8, u8) {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        (self.year, month, day)
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        match s.split_once('/') {
            None => Ok(Period::Point(Point::parse(s, s)?)),
            Some((a, b)) => {
                let start = Point::parse(a, s)?;
                let end = Point::parse(b, s)?;
                if end.last_day() < start.first_day() {
                    return Err(PeriodError::Backwards(s.to_owned()));
                }
                Ok(Period::Span(start, end))
            }
        }
    }

    pub fn year(year: i32) -> Period {
        Period::Point(Point {
            year,
            month: None,
            day: None,
        })
    }

    /// The year a plain yearly period stands for.
    pub fn as_year(&self) -> Option<i32> {
        match self {
            Period::Point(Point {
                year,
                month: None,
                day: None,
            }) => Some(*year),
            _ => None,
        }
    }

    pub fn is_span(&self) -> bool {
        matches!(self, Period::Span(..))
    }

    /// Whether this is a single day (an event).
    pub fn is_day(&self) -> bool {
        matches!(self, Period::Point(Point { day: Some(_), .. }))
    }

    pub fn first_year(&self) -> i32 {
        match self {
            Period::Point(p) | Period::Span(p, _) => p.year,
        }
    }

    pub fn last_year(&self) -> i32 {
        match self {
            Period::Point(p) | Period::Span(_, p) => p.year,
        }
    }

    /// The period one year earlier, for "change vs previous year".
    pub fn previous_year(&self) -> Option<Period> {
        self.as_year().map(|y| Period::year(y - 1))
    }

    fn sort_key(&self) -> ((i32, u8, u8), (i32, u8, u8)) {
        match self {
            Period::Point(p) => (p.first_day(), p.last_day()),
            Period::Span(a, b) => (a.first_day(), b.last_day()),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        // Equal periods, the common case when cells are grouped, need no
        // text; the text only orders different writings of the same days
        // ("2020" and "2020-01/2020-12").
        self.sort_key().cmp(&other.sort_key()).then_with(|| {
            if self == other {
                Ordering::Equal
            } else {
                self.to_string().cmp(&other.to_string())
            }
        })
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Point(p) => p.fmt(f),
            Period::Span(a, b) => write!(f, "{a}/{b}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_shapes_the_seeds_use() {
        assert_eq!(Period::parse("2020").unwrap().as_year(), Some(2020));
        assert!(Period::parse("2017/2021").unwrap().is_span());
        assert!(Period::parse("2023-05-15").unwrap().is_day());
        assert_eq!(Period::parse("2023-05").unwrap().to_string(), "2023-05");
    }

    #[test]
    fn rejects_what_is_not_a_period() {
        for bad in [
            "20",
            "2020-13",
            "2021-02-29",
            "2021/2017",
            "2020-1",
            "twintig",
            "",
            "2020/",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Period::parse("2020-02-29").is_ok());
    }

    #[test]
    fn orders_by_time_not_by_text() {
        let mut ps: Vec<Period> = ["2020", "2017/2021", "2019-06", "2012"]
            .iter()
            .map(|s| Period::parse(s).unwrap())
            .collect();
        ps.sort();
        let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["2012", "2017/2021", "2019-06", "2020"]);
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1900i32..2100, m in 1u8..=12, d in 1u8..=28, span in any::<bool>()) {
            let text = if span { format!("{y}/{}", y + 3) } else { format!("{y:04}-{m:02}-{d:02}") };
            let p = Period::parse(&text).unwrap();
            prop_assert_eq!(p.to_string(), text);
        }
    }
}
