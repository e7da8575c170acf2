//! How the monitor writes a figure: "19.872", "76,6%", "<10", "7–28", "x".

use crate::{Figure, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Nl,
    En,
}

/// A date as a reader writes it: "12 juni 2023", "juni 2023", "2023"
/// ("12 June 2023" in English); a span `A/B` joins its two ends with a dash.
/// A part that is not a date is left as written.
pub fn date_in_words(iso: &str, lang: Lang) -> String {
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let months = match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    };
    let month = |m: &str| {
        m.parse::<usize>()
            .ok()
            .and_then(|m| months.get(m.wrapping_sub(1)))
            .copied()
    };
    let point = |p: &str| -> String {
        match p.split('-').collect::<Vec<_>>().as_slice() {
            [y, m] => match month(m) {
                Some(m) => format!("{m} {y}"),
                None => p.to_owned(),
            },
            [y, m, d] => match (month(m), d.parse::<u8>()) {
                (Some(m), Ok(d)) => format!("{d} {m} {y}"),
                _ => p.to_owned(),
            },
            _ => p.to_owned(),
        }
    };
    iso.split('/').map(point).collect::<Vec<_>>().join("–")
}

/// Formats a number the way the language writes it: Dutch uses `.` for
/// thousands and `,` for decimals ("19.872", "76,6"); English the reverse.
pub fn format_number_nl(value: f64, lang: Lang) -> String {
    let (thousands, decimal) = match lang {
        Lang::Nl => ('.', ','),
        Lang::En => (',', '.'),
    };
    let negative = value < 0.0;
    // Counts, nearly every figure, skip the float formatting.
    let magnitude = value.abs();
    let text = if magnitude.fract() == 0.0 && magnitude < 1e15 {
        (magnitude as u64).to_string()
    } else {
        magnitude.to_string()
    };
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 2);
    if negative {
        out.push('-');
    }
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(ch);
    }
    if let Some(f) = frac_part {
        out.push(decimal);
        out.push_str(f);
    }
    out
}

/// A figure with its unit, ready to print.
pub struct FigureDisplay<'a> {
    pub figure: &'a Figure,
    pub unit: Unit,
    pub lang: Lang,
}

impl FigureDisplay<'_> {
    fn num(&self, v: f64) -> String {
        let n = format_number_nl(v, self.lang);
        match self.unit {
            Unit::Percent => format!("{n}%"),
            Unit::PercentChange if v > 0.0 => format!("+{n}%"),
            Unit::PercentChange => format!("{n}%"),
            Unit::Euro => format!("€ {n}"),
            _ => n,
        }
    }
}

impl std::fmt::Display for FigureDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nl = self.lang == Lang::Nl;
        match *self.figure {
            Figure::Exact { value } => f.write_str(&self.num(value)),
            Figure::Below { upper } => write!(f, "<{}", self.num(upper)),
            Figure::Range { lower, upper } => {
                write!(f, "{}–{}", self.num(lower), self.num(upper))
            }
            Figure::Rounded { value, .. } => write!(f, "±{}", self.num(value)),
            Figure::Estimate {
                value,
                lower,
                upper,
            } => {
                let word = if nl { "schatting" } else { "estimate" };
                match (value, lower, upper) {
                    (Some(v), Some(l), Some(u)) => {
                        write!(f, "≈{} ({}–{})", self.num(v), self.num(l), self.num(u))
                    }
                    (Some(v), _, _) => write!(f, "≈{} ({word})", self.num(v)),
                    (None, Some(l), Some(u)) => {
                        write!(f, "{}–{} ({word})", self.num(l), self.num(u))
                    }
                    _ => f.write_str(word),
                }
            }
            Figure::Refused => f.write_str("x"),
            Figure::NotAvailable => f.write_str(if nl { "n.b." } else { "n/a" }),
            Figure::Suppressed => f.write_str(if nl { "afgeschermd" } else { "withheld" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_words_in_either_language() {
        assert_eq!(date_in_words("2023-06-12", Lang::Nl), "12 juni 2023");
        assert_eq!(date_in_words("2023-06-02", Lang::En), "2 June 2023");
        assert_eq!(date_in_words("2023-03", Lang::Nl), "maart 2023");
        assert_eq!(date_in_words("2023", Lang::En), "2023");
        assert_eq!(
            date_in_words("2023-01-01/2024-12-31", Lang::Nl),
            "1 januari 2023–31 december 2024"
        );
        assert_eq!(date_in_words("2023-13-01", Lang::Nl), "2023-13-01");
        assert_eq!(date_in_words("not a day", Lang::En), "not a day");
    }

    fn show(figure: Figure, unit: Unit, lang: Lang) -> String {
        FigureDisplay {
            figure: &figure,
            unit,
            lang,
        }
        .to_string()
    }

    #[test]
    fn writes_figures_as_the_monitor_does() {
        assert_eq!(
            show(Figure::Exact { value: 19872.0 }, Unit::Count, Lang::Nl),
            "19.872"
        );
        assert_eq!(
            show(Figure::Exact { value: 76.6 }, Unit::Percent, Lang::Nl),
            "76,6%"
        );
        assert_eq!(
            show(Figure::Exact { value: 76.6 }, Unit::Percent, Lang::En),
            "76.6%"
        );
        assert_eq!(
            show(Figure::Below { upper: 10.0 }, Unit::Count, Lang::Nl),
            "<10"
        );
        assert_eq!(
            show(
                Figure::Range {
                    lower: 7.0,
                    upper: 28.0
                },
                Unit::Count,
                Lang::Nl
            ),
            "7–28"
        );
        assert_eq!(show(Figure::Refused, Unit::Count, Lang::Nl), "x");
        assert_eq!(
            show(
                Figure::Estimate {
                    value: None,
                    lower: Some(5000.0),
                    upper: Some(7500.0)
                },
                Unit::Count,
                Lang::Nl
            ),
            "5.000–7.500 (schatting)"
        );
        assert_eq!(format_number_nl(1234567.5, Lang::En), "1,234,567.5");
        assert_eq!(format_number_nl(0.0, Lang::Nl), "0");
        assert_eq!(format_number_nl(-1234.0, Lang::Nl), "-1.234");
    }

    proptest::proptest! {
        /// Whatever the number, the text reads back as it: grouping marks
        /// every three digits of the whole part, the decimal mark once.
        #[test]
        fn a_formatted_number_reads_back(value in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
            let en = format_number_nl(value, Lang::En);
            let nl = format_number_nl(value, Lang::Nl);
            proptest::prop_assert_eq!(en.replace(',', "").parse::<f64>().unwrap(), value);
            proptest::prop_assert_eq!(nl.replace('.', "").replace(',', ".").parse::<f64>().unwrap(), value);
            let whole = en.split('.').next().unwrap().trim_start_matches('-');
            for (i, group) in whole.split(',').enumerate() {
                proptest::prop_assert!(group.len() == 3 || (i == 0 && (1..=3).contains(&group.len())), "{}", en);
            }
        }
    }
}
