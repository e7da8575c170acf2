//! zicht's periods as SDMX `TIME_PERIOD` values (ObservationalTimePeriod).
//!
//! A year, a month and a day are the same text in both (`2020`, `2023-05`,
//! `2023-05-15`: SDMX's Gregorian periods). A span has no such form in
//! SDMX; it becomes a time range, its first day and an ISO 8601 duration:
//! whole years as `P{n}Y` (`2017/2021` → `2017-01-01/P5Y`), whole months as
//! `P{n}M`, anything else in days.

use jiff::civil::Date;
use zicht_model::Period;

fn date((y, m, d): (i32, u8, u8)) -> Option<Date> {
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// The SDMX `TIME_PERIOD` of a period.
pub fn time_period(period: &Period) -> String {
    match period {
        Period::Point(p) => p.to_string(),
        Period::Span(a, b) => {
            let start = a.first_day();
            let first = format!("{:04}-{:02}-{:02}", start.0, start.1, start.2);
            let years = a.month.is_none() && b.month.is_none();
            let months = a.day.is_none() && b.day.is_none();
            let duration = match (a.month, b.month) {
                _ if years => format!("P{}Y", b.year - a.year + 1),
                (Some(ma), Some(mb)) if months => format!(
                    "P{}M",
                    (b.year - a.year) * 12 + i32::from(mb) - i32::from(ma) + 1
                ),
                _ => match (date(a.first_day()), date(b.last_day())) {
                    (Some(s), Some(e)) => match s.until(e) {
                        Ok(span) => format!("P{}D", span.get_days() + 1),
                        Err(_) => return period.to_string(),
                    },
                    // A period is checked when it is read, so its days exist.
                    _ => return period.to_string(),
                },
            };
            format!("{first}/{duration}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(s: &str) -> String {
        time_period(&Period::parse(s).unwrap())
    }

    #[test]
    fn points_stay_and_spans_become_ranges() {
        assert_eq!(tp("2020"), "2020");
        assert_eq!(tp("2023-05"), "2023-05");
        assert_eq!(tp("2023-05-15"), "2023-05-15");
        assert_eq!(tp("2017/2021"), "2017-01-01/P5Y");
        assert_eq!(tp("2023-11/2024-02"), "2023-11-01/P4M");
        assert_eq!(tp("2024-02-28/2024-03-01"), "2024-02-28/P3D");
        assert_eq!(tp("2023/2024-01"), "2023-01-01/P396D");
    }
}
