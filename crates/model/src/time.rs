//! Days and instants, and Amsterdam's wall clock.
//!
//! A [`Day`] is a calendar date (a document's cut-off, an as-of day); an
//! [`Instant`] is a moment in UTC, to the second (when a value was
//! recorded, an embargo, an audit record). Both read and write the text the
//! data files and the store have always held, and order as time orders.
//!
//! The calendar and the Europe/Amsterdam rules come from `jiff` and the
//! tz database bundled into it, so a machine without `/usr/share/zoneinfo`
//! knows them too. This module reads no clock: the caller does
//! ([`Instant::from`] a `SystemTime`).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::SystemTime;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a day, an instant or an Amsterdam time cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("'{0}' is not a day: write YYYY-MM-DD, e.g. 2025-09-08")]
    Day(String),
    #[error("'{0}' is not an RFC 3339 instant: write e.g. 2025-10-01T10:00:00+02:00")]
    Instant(String),
    #[error(
        "'{0}' has a fraction of a second: write whole seconds, e.g. 2025-10-01T10:00:00+02:00"
    )]
    Fraction(String),
    #[error("'{0}' is not a time of day: write e.g. 10:00")]
    TimeOfDay(String),
    #[error("{0} does not exist in Amsterdam: the clocks skip that hour when summer time starts; write a time after it, e.g. 03:00")]
    SkippedInAmsterdam(String),
    #[error("{0} is outside the years 0001 to 9999")]
    OutOfRange(String),
}

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

impl Day {
    pub fn year(self) -> i16 {
        self.0.year()
    }

    /// The first second of this day in UTC.
    pub fn start_utc(self) -> Instant {
        Instant(
            self.0
                .to_datetime(Time::midnight())
                .in_tz("UTC")
                .map_or(Timestamp::MIN, |z| z.timestamp()),
        )
    }

    /// The last second of this day in UTC: what was recorded up to the end
    /// of the day is at or before it.
    pub fn end_utc(self) -> Instant {
        let last = Time::constant(23, 59, 59, 0);
        Instant(
            self.0
                .to_datetime(last)
                .in_tz("UTC")
                .map_or(Timestamp::MAX, |z| z.timestamp()),
        )
    }
}

impl FromStr for Day {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Day, TimeError> {
        let bad = || TimeError::Day(s.to_owned());
        // jiff also reads other ISO 8601 spellings (20250908); the data
        // files and the store hold one.
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(bad());
        }
        let date: Date = s.parse().map_err(|_| bad())?;
        if date.year() < 1 {
            return Err(TimeError::OutOfRange(s.to_owned()));
        }
        Ok(Day(date))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

/// A moment in UTC, to the second.
///
/// Its text, [`Display`](fmt::Display), is the canonical form
/// `YYYY-MM-DDTHH:MM:SSZ`: fixed width, UTC, so that text order is time
/// order. The store writes only this form into its text columns and
/// compares them as text in SQL. It reads any RFC 3339 instant with an
/// offset (`2025-10-01T10:00:00+02:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Timestamp);

impl Instant {
    /// 0001-01-01T00:00:00Z.
    pub const MIN: Instant = Instant(Timestamp::constant(-62_135_596_800, 0));
    /// 9999-12-30T22:00:00Z, the last whole second `jiff` can place in
    /// every time zone: after every embargo.
    pub const MAX: Instant = Instant(Timestamp::constant(253_402_207_200, 0));

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn from_unix_seconds(seconds: i64) -> Result<Instant, TimeError> {
        let ts = Timestamp::from_second(seconds)
            .map_err(|_| TimeError::OutOfRange(format!("{seconds} s after 1970")))?;
        Instant::within(ts, || format!("{seconds} s after 1970"))
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.as_second()
    }

    fn within(ts: Timestamp, text: impl FnOnce() -> String) -> Result<Instant, TimeError> {
        let i = Instant(ts);
        if i < Instant::MIN || i > Instant::MAX {
            return Err(TimeError::OutOfRange(text()));
        }
        Ok(i)
    }

    /// `seconds` later (earlier when negative), kept within the years
    /// 0001–9999.
    pub fn plus_seconds(self, seconds: i64) -> Instant {
        self.0
            .checked_add(SignedDuration::from_secs(seconds))
            .ok()
            .map(Instant)
            .map_or(
                if seconds < 0 {
                    Instant::MIN
                } else {
                    Instant::MAX
                },
                |i| i.clamp(Instant::MIN, Instant::MAX),
            )
    }

    /// This instant as RFC 3339 with the offset Amsterdam's clocks had,
    /// e.g. `2025-10-01T10:00:00+02:00`: how an editor reads an embargo.
    pub fn in_amsterdam(self) -> String {
        let z = self.0.to_zoned_datetime(amsterdam_zone().clone());
        z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    /// The day it is in Amsterdam at this instant.
    pub fn amsterdam_day(self) -> Day {
        Day(self.0.to_zoned_datetime(amsterdam_zone().clone()).date())
    }

    /// A wall-clock date and time in Amsterdam as an instant. A time that
    /// occurs twice (the hour before summer time ends in October) is read as
    /// the first, summer time; one that does not occur (the hour skipped
    /// when summer time starts in March) is refused.
    pub fn from_amsterdam(day: Day, time_of_day: &str) -> Result<Instant, TimeError> {
        let t = time_of_day.trim();
        let time = parse_time_of_day(t)?;
        let local = DateTime::from_parts(day.0, time);
        let ambiguous = amsterdam_zone().to_ambiguous_timestamp(local);
        let ts = match ambiguous.offset() {
            AmbiguousOffset::Gap { .. } => {
                return Err(TimeError::SkippedInAmsterdam(format!("{day} {t}")))
            }
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => ambiguous
                .earlier()
                .map_err(|_| TimeError::OutOfRange(format!("{day} {t}")))?,
        };
        Instant::within(ts, || format!("{day} {t}"))
    }
}

fn parse_time_of_day(t: &str) -> Result<Time, TimeError> {
    let bad = || TimeError::TimeOfDay(t.to_owned());
    let parts: Vec<&str> = t.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(bad());
    }
    let n = |i: usize| parts.get(i).map_or(Ok(0), |p| p.parse::<i8>());
    let (h, m, s) = (n(0), n(1), n(2));
    match (h, m, s) {
        (Ok(h), Ok(m), Ok(s)) => Time::new(h, m, s, 0).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn amsterdam_zone() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| {
        TimeZone::get("Europe/Amsterdam")
            .expect("the tz database bundled into jiff holds Europe/Amsterdam")
    })
}

impl From<SystemTime> for Instant {
    /// The instant a clock reading falls in, to the second (a fraction is
    /// dropped, so an instant is never later than the reading).
    fn from(t: SystemTime) -> Instant {
        let seconds = match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => {
                let back = e.duration();
                let whole = i64::try_from(back.as_secs()).unwrap_or(i64::MAX);
                -whole - i64::from(back.subsec_nanos() > 0)
            }
        };
        Instant::from_unix_seconds(seconds).unwrap_or(if seconds < 0 {
            Instant::MIN
        } else {
            Instant::MAX
        })
    }
}

impl FromStr for Instant {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Instant, TimeError> {
        // jiff reads RFC 3339 and more of ISO 8601; an instant must carry
        // its offset (or Z), which jiff requires for a Timestamp.
        let b = s.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't') {
            return Err(TimeError::Instant(s.to_owned()));
        }
        let ts: Timestamp = s.parse().map_err(|_| TimeError::Instant(s.to_owned()))?;
        if ts.subsec_nanosecond() != 0 {
            return Err(TimeError::Fraction(s.to_owned()));
        }
        Instant::within(ts, || s.to_owned())
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Fixed width: MIN..=MAX keeps the year at four digits.
        let dt = TimeZone::UTC.to_datetime(self.0);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

macro_rules! text_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_serde!(Day);
text_serde!(Instant);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    #[test]
    fn a_day_reads_and_writes_yyyy_mm_dd_only() {
        assert_eq!(day("2025-09-08").to_string(), "2025-09-08");
        assert_eq!(day("2025-09-08").year(), 2025);
        for bad in [
            "20250908",
            "2025-9-8",
            "2025-02-30",
            "2025-13-01",
            " 2025-09-08",
            "",
        ] {
            let err = bad.parse::<Day>().unwrap_err();
            assert!(err.to_string().contains("write YYYY-MM-DD"), "{bad}: {err}");
        }
        assert!(day("2024-12-31") < day("2025-01-01"));
    }

    #[test]
    fn an_instant_reads_rfc3339_with_an_offset_and_writes_canonical_utc() {
        assert_eq!(
            at("2025-10-01T10:00:00+02:00").to_string(),
            "2025-10-01T08:00:00Z"
        );
        assert_eq!(at("2025-10-01T08:00:00Z"), at("2025-10-01T10:00:00+02:00"));
        for bad in [
            "2025-10-01 10:00",
            "2025-10-01T10:00:00",
            "2025-10-01",
            "tomorrow",
        ] {
            let err = bad.parse::<Instant>().unwrap_err();
            assert!(err.to_string().contains("RFC 3339"), "{bad}: {err}");
        }
        assert!(matches!(
            "2025-10-01T10:00:00.5Z".parse::<Instant>(),
            Err(TimeError::Fraction(_))
        ));
        assert_eq!(Instant::MIN.to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(Instant::MAX.to_string(), "9999-12-30T22:00:00Z");
    }

    #[test]
    fn serde_is_the_text() {
        let i = at("2025-10-01T10:00:00+02:00");
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            "\"2025-10-01T08:00:00Z\""
        );
        let d: Day = serde_json::from_str("\"2025-09-08\"").unwrap();
        assert_eq!(d, day("2025-09-08"));
        let bad = serde_json::from_str::<Instant>("\"2025-10-01\"").unwrap_err();
        assert!(bad.to_string().contains("RFC 3339"), "{bad}");
    }

    #[test]
    fn a_day_spans_its_utc_seconds() {
        assert_eq!(day("2025-09-08").start_utc(), at("2025-09-08T00:00:00Z"));
        assert_eq!(day("2025-09-08").end_utc(), at("2025-09-08T23:59:59Z"));
    }

    #[test]
    fn amsterdam_time_follows_the_tz_database() {
        let ams = |d: &str, t: &str| Instant::from_amsterdam(day(d), t);
        // Summer: +02:00; winter: +01:00.
        assert_eq!(ams("2026-10-01", "10:00"), Ok(at("2026-10-01T08:00:00Z")));
        assert_eq!(
            ams("2026-12-01", "10:00:30"),
            Ok(at("2026-12-01T09:00:30Z"))
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(ams("2026-03-29", "01:59"), Ok(at("2026-03-29T00:59:00Z")));
        assert_eq!(ams("2026-03-29", "03:00"), Ok(at("2026-03-29T01:00:00Z")));
        // 02:30 on 29 March does not exist: refused.
        assert!(matches!(
            ams("2026-03-29", "02:30"),
            Err(TimeError::SkippedInAmsterdam(_))
        ));
        // 02:30 on 25 October occurs twice: the first, summer time.
        assert_eq!(ams("2026-10-25", "02:30"), Ok(at("2026-10-25T00:30:00Z")));
        assert_eq!(ams("2026-10-25", "03:00"), Ok(at("2026-10-25T02:00:00Z")));
        for bad in ["25:00", "10", "10:00:00:00", "1:00", "10:60"] {
            assert!(
                matches!(ams("2026-10-01", bad), Err(TimeError::TimeOfDay(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_amsterdam_day_and_offset() {
        // 23:30 UTC on 30 June is already 1 July in Amsterdam.
        let late = at("2026-06-30T23:30:00Z");
        assert_eq!(late.amsterdam_day(), day("2026-07-01"));
        assert_eq!(late.in_amsterdam(), "2026-07-01T01:30:00+02:00");
        assert_eq!(
            at("2026-12-01T09:00:00Z").in_amsterdam(),
            "2026-12-01T10:00:00+01:00"
        );
    }

    #[test]
    fn a_clock_reading_drops_its_fraction() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        assert_eq!(Instant::from(t), at("1970-01-01T00:00:01Z"));
        let before = SystemTime::UNIX_EPOCH - std::time::Duration::from_millis(500);
        assert_eq!(Instant::from(before), at("1969-12-31T23:59:59Z"));
        assert_eq!(
            at("2025-01-01T00:00:00Z").plus_seconds(-1),
            at("2024-12-31T23:59:59Z")
        );
        assert_eq!(Instant::MAX.plus_seconds(10), Instant::MAX);
    }

    fn any_instant() -> impl Strategy<Value = Instant> {
        (Instant::MIN.unix_seconds()..=Instant::MAX.unix_seconds())
            .prop_map(|s| Instant::from_unix_seconds(s).unwrap())
    }

    proptest! {
        /// The store compares recorded_at as text in SQL: that is right
        /// only if text order is time order.
        #[test]
        fn canonical_text_order_is_time_order(a in any_instant(), b in any_instant()) {
            let (ta, tb) = (a.to_string(), b.to_string());
            prop_assert_eq!(ta.len(), 20);
            prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            prop_assert_eq!(ta.parse::<Instant>().unwrap(), a);
        }

        #[test]
        fn a_day_round_trips(a in any_instant()) {
            let d = a.amsterdam_day();
            prop_assert_eq!(d.to_string().parse::<Day>().unwrap(), d);
        }
    }
}
