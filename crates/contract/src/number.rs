//! The plain number of the export contract: an optional `-`, digits, and
//! optionally `.` and more digits. Nothing else: no `+`, no exponent, no
//! thousands separator, no decimal comma, no `NaN` or `inf`. A Dutch writer
//! puts `.` between thousands, so `1.234` and `12.345.678` (a point before
//! each group of three digits) are refused too: read as decimals they would
//! turn 1234 persons into one.

/// Why a text is not a plain number (or not a count), with what to write
/// instead. Every message starts with the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("the field is empty: write a number (0 if there are none)")]
    Empty,
    #[error(
        "'{text}' has Dutch thousands separators: write {plain} without a separator; a count of persons is a whole number{}",
        .decimal.as_deref().map(|d| format!(" (a decimal with three places takes a fourth: {d})")).unwrap_or_default()
    )]
    DutchThousands {
        text: String,
        plain: String,
        /// The same digits as a decimal, where the text has one point.
        decimal: Option<String>,
    },
    #[error("'{text}' is not a number: '.' is the decimal separator, so write {plain}")]
    DecimalComma { text: String, plain: String },
    #[error("'{text}' is not a number: write {whole} if the comma separates thousands, or {decimal} if it is a decimal comma ('.' is the decimal separator)")]
    AmbiguousComma {
        text: String,
        whole: String,
        decimal: String,
    },
    #[error("'{text}' is not a number: write {plain} without a thousands separator")]
    ThousandsComma { text: String, plain: String },
    #[error("'{text}' is not a number: write {plain} without spaces")]
    Spaces { text: String, plain: String },
    #[error("'{text}' uses an exponent: write the number out in digits, {plain}")]
    Exponent { text: String, plain: String },
    #[error("'{text}' has a '+': leave it out and write {plain}")]
    PlusSign { text: String, plain: String },
    #[error("'{text}' needs a digit on both sides of the point: write {plain}")]
    BarePoint { text: String, plain: String },
    #[error("'{text}' is not a figure: leave the field empty and give the status that says why there is no figure")]
    NotFinite { text: String },
    #[error("'{text}' is too large for a figure: check the number")]
    TooLarge { text: String },
    #[error("'{text}' is not a number: write digits, with '.' before any decimals and no thousands separator, e.g. 283 or 76.6")]
    Other { text: String },
    #[error(
        "'{text}' is not a whole number: write a count of persons as a whole number of 0 or more"
    )]
    NotWhole { text: String },
    #[error("'{text}' is negative: write a count of persons as a whole number of 0 or more")]
    Negative { text: String },
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `-`? digits (`.` digits)?
fn is_plain(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    match body.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(body),
    }
}

/// Groups of three digits after a first group of one to three that does not
/// start with 0, joined by `sep`: at least two groups.
fn grouped(s: &str, sep: char) -> bool {
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or("");
    let mut rest = 0;
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return false;
        }
        rest += 1;
    }
    rest > 0 && digits(first) && first.len() <= 3 && !first.starts_with('0')
}

/// Writes a finite number as the contract does: in full, without exponent,
/// without a trailing `.0`, the shortest text that reads back as the same
/// number. A decimal that would look like Dutch thousands (`1.234`) gets a
/// fourth place (`1.2340`), so that what is written always reads back.
pub fn write_number(v: f64) -> String {
    if v == 0.0 {
        // Also -0, which is no figure anyone means.
        return "0".to_owned();
    }
    let s = format!("{v}");
    if grouped(s.strip_prefix('-').unwrap_or(&s), '.') {
        s + "0"
    } else {
        s
    }
}

/// [`write_number`], and the empty field for no number.
pub fn write_optional_number(v: Option<f64>) -> String {
    v.map(write_number).unwrap_or_default()
}

/// Reads a plain number; white space around it does not count. An empty
/// field is [`NumberError::Empty`].
pub fn parse_number(text: &str) -> Result<f64, NumberError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(NumberError::Empty);
    }
    if !is_plain(t) {
        return Err(diagnose(t));
    }
    if grouped(split_sign(t).1, '.') {
        return Err(dutch_thousands(t));
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(NumberError::TooLarge { text: t.to_owned() }),
    }
}

/// [`parse_number`], where an empty field means no number.
pub fn parse_optional_number(text: &str) -> Result<Option<f64>, NumberError> {
    match parse_number(text) {
        Ok(v) => Ok(Some(v)),
        Err(NumberError::Empty) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The largest count an f64 holds exactly.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

fn count_of(text: &str, v: f64) -> Result<u64, NumberError> {
    let text = text.to_owned();
    if v < 0.0 {
        Err(NumberError::Negative { text })
    } else if v.fract() != 0.0 {
        Err(NumberError::NotWhole { text })
    } else if v > MAX_COUNT {
        Err(NumberError::TooLarge { text })
    } else {
        Ok(v as u64)
    }
}

/// Checks that a number is a count: whole and not negative.
pub fn whole_count(v: f64) -> Result<u64, NumberError> {
    if !v.is_finite() {
        return Err(NumberError::NotFinite {
            text: format!("{v}"),
        });
    }
    count_of(&write_number(v), v)
}

/// Reads a count: a plain number that is whole and not negative.
pub fn parse_count(text: &str) -> Result<u64, NumberError> {
    let v = parse_number(text)?;
    count_of(text.trim(), v)
}

fn dutch_thousands(t: &str) -> NumberError {
    let (sign, body) = split_sign(t);
    NumberError::DutchThousands {
        text: t.to_owned(),
        plain: format!("{sign}{}", body.replace('.', "")),
        decimal: (body.matches('.').count() == 1).then(|| format!("{t}0")),
    }
}

fn split_sign(t: &str) -> (&str, &str) {
    match t.strip_prefix('-') {
        Some(body) => ("-", body),
        None => ("", t),
    }
}

/// Says what a text that is not plain should have been.
fn diagnose(t: &str) -> NumberError {
    let text = t.to_owned();
    if let Some(rest) = t.strip_prefix('+') {
        if is_plain(rest) {
            return NumberError::PlusSign {
                text,
                plain: rest.to_owned(),
            };
        }
    }
    let (sign, body) = split_sign(t);
    if matches!(
        body.trim_start_matches('+').to_ascii_lowercase().as_str(),
        "nan" | "inf" | "infinity"
    ) {
        return NumberError::NotFinite { text };
    }
    if grouped(body, '.') {
        return dutch_thousands(t);
    }
    if body.chars().any(char::is_whitespace) {
        let plain: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if is_plain(&plain) {
            return NumberError::Spaces { text, plain };
        }
    }
    if let Some((int, dec)) = body.rsplit_once(',') {
        if digits(dec) && grouped(int, '.') {
            return NumberError::DutchThousands {
                text,
                plain: format!("{sign}{}.{dec}", int.replace('.', "")),
                decimal: None,
            };
        }
        if digits(int) && digits(dec) {
            let decimal = format!("{sign}{int}.{dec}");
            return if grouped(body, ',') {
                NumberError::AmbiguousComma {
                    text,
                    whole: format!("{sign}{int}{dec}"),
                    decimal,
                }
            } else {
                NumberError::DecimalComma {
                    text,
                    plain: decimal,
                }
            };
        }
    }
    let (int, frac) = match body.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (body, None),
    };
    if grouped(int, ',') && frac.is_none_or(digits) {
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        return NumberError::ThousandsComma {
            text,
            plain: format!("{sign}{}{frac}", int.replace(',', "")),
        };
    }
    if body.contains(['e', 'E']) {
        if let Ok(v) = t.parse::<f64>() {
            return if v.is_finite() {
                NumberError::Exponent {
                    text,
                    plain: write_number(v),
                }
            } else {
                NumberError::TooLarge { text }
            };
        }
    }
    match frac {
        Some(f) if int.is_empty() && digits(f) => NumberError::BarePoint {
            text,
            plain: format!("{sign}0.{f}"),
        },
        Some("") if digits(int) => NumberError::BarePoint {
            text,
            plain: format!("{sign}{int}"),
        },
        _ => NumberError::Other { text },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn says(text: &str) -> String {
        parse_number(text).unwrap_err().to_string()
    }

    #[test]
    fn plain_numbers_are_read() {
        assert_eq!(parse_number("19872"), Ok(19872.0));
        assert_eq!(parse_number(" 76.6 "), Ok(76.6));
        assert_eq!(parse_number("-39"), Ok(-39.0));
        assert_eq!(parse_number("0.125"), Ok(0.125));
        assert_eq!(parse_number("1234.5"), Ok(1234.5));
        assert_eq!(parse_number("1.2340"), Ok(1.234));
        assert_eq!(parse_optional_number("  "), Ok(None));
        assert_eq!(parse_number(""), Err(NumberError::Empty));
    }

    #[test]
    fn dutch_thousands_are_named() {
        for (text, plain) in [
            ("1.234", "1234"),
            ("12.345.678", "12345678"),
            ("-1.000", "-1000"),
        ] {
            let m = says(text);
            assert!(m.contains("Dutch thousands separators"), "{m}");
            assert!(
                m.contains(&format!("write {plain} without a separator")),
                "{m}"
            );
            assert!(m.contains("a count of persons is a whole number"), "{m}");
        }
        assert!(says("1.234").contains("1.2340"));
        assert!(!says("12.345.678").contains("fourth"));
        assert!(says("19.872,5").contains("write 19872.5"));
    }

    #[test]
    fn commas_get_their_fix() {
        assert_eq!(
            says("2,5"),
            "'2,5' is not a number: '.' is the decimal separator, so write 2.5"
        );
        let m = says("1,234");
        assert!(
            m.contains("write 1234 if the comma separates thousands"),
            "{m}"
        );
        assert!(m.contains("or 1.234 if it is a decimal comma"), "{m}");
        assert!(says("1,234,567").contains("write 1234567 without a thousands separator"));
        assert!(says("1,234.5").contains("write 1234.5 without"));
    }

    #[test]
    fn other_spellings_get_a_clear_message() {
        assert_eq!(
            says("1e5"),
            "'1e5' uses an exponent: write the number out in digits, 100000"
        );
        assert_eq!(says("+5"), "'+5' has a '+': leave it out and write 5");
        for text in ["NaN", "inf", "-inf", "+Infinity"] {
            assert!(says(text).contains("is not a figure"), "{text}");
        }
        assert_eq!(
            says("1 000"),
            "'1 000' is not a number: write 1000 without spaces"
        );
        assert!(says("1\u{a0}000").contains("write 1000 without spaces"));
        assert!(says(".5").contains("write 0.5"));
        assert!(says("5.").contains("write 5"));
        assert!(says("1e999").contains("too large"));
        assert!(says(&"9".repeat(400)).contains("too large"));
        assert!(says("x").contains("e.g. 283 or 76.6"));
        assert!(says("--5").contains("is not a number"));
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        assert_eq!(parse_count("283"), Ok(283));
        assert_eq!(parse_count("5.0"), Ok(5));
        assert_eq!(parse_count("-0"), Ok(0));
        assert!(parse_count("2.5")
            .unwrap_err()
            .to_string()
            .contains("not a whole number"));
        assert!(parse_count("-3")
            .unwrap_err()
            .to_string()
            .contains("negative"));
        assert!(parse_count("1.234")
            .unwrap_err()
            .to_string()
            .contains("Dutch"));
        assert!(parse_count("1e20").is_err());
        assert_eq!(whole_count(70.0), Ok(70));
        assert!(matches!(
            whole_count(1.5),
            Err(NumberError::NotWhole { .. })
        ));
        assert!(matches!(
            whole_count(f64::NAN),
            Err(NumberError::NotFinite { .. })
        ));
        assert!(matches!(
            whole_count(1e300),
            Err(NumberError::TooLarge { .. })
        ));
    }

    #[test]
    fn writing_is_plain() {
        assert_eq!(write_number(19872.0), "19872");
        assert_eq!(write_number(76.6), "76.6");
        assert_eq!(write_number(-0.0), "0");
        assert_eq!(write_number(1.234), "1.2340");
        assert_eq!(write_number(0.125), "0.125");
        assert_eq!(write_number(1e20), "100000000000000000000");
        assert_eq!(write_optional_number(None), "");
    }

    proptest! {
        #[test]
        fn any_finite_number_reads_back(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            let text = write_number(v);
            prop_assert!(is_plain(&text), "{text}");
            prop_assert_eq!(parse_number(&text), Ok(v));
        }

        #[test]
        fn any_count_reads_back(n in 0u64..=(1u64 << 53)) {
            prop_assert_eq!(parse_count(&write_number(n as f64)), Ok(n));
        }

        #[test]
        fn any_whole_number_reads_back(n in -(1i64 << 53)..=(1i64 << 53)) {
            prop_assert_eq!(parse_number(&write_number(n as f64)), Ok(n as f64));
        }

        #[test]
        fn any_text_gets_a_number_or_a_message(text in "\\PC{0,12}") {
            match parse_number(&text) {
                Ok(v) => prop_assert!(v.is_finite()),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
