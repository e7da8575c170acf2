//! From how a name or date was typed to what is encoded. Errors name the
//! problem, never the value: the value is an identifier.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Dutch (and a few neighbouring) name particles, the *tussenvoegsels*. They
/// are written, capitalised, ordered and dropped inconsistently between
/// registrations ("van der Berg", "Berg, van der", "V.d. Berg"), so only the
/// other words of a surname are encoded.
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "het", "t", "te", "ten", "ter", "in", "op", "d", "vd", "v", "la",
    "le", "du", "des", "von", "zu", "dos", "da", "el", "al",
];

/// Lower case, diacritics removed, letters only, one space between words.
fn fold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = true;
    for c in raw.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        let mapped: &str = match c {
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'ø' | 'Ø' => "o",
            'ł' | 'Ł' => "l",
            'ı' => "i",
            // "van 't Hof" and "d'Ancona": the apostrophe belongs to the
            // particle, which is dropped anyway.
            '\'' | '’' | '`' => "",
            _ => {
                if c.is_alphabetic() {
                    for l in c.to_lowercase() {
                        if l.is_ascii_alphabetic() {
                            out.push(l);
                            space = false;
                        }
                    }
                    continue;
                }
                " "
            }
        };
        if mapped == " " {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push_str(mapped);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The words of a name that are encoded, or `None` if it has no letters.
///
/// A name loses its particles (unless it is nothing but particles, as
/// "Van" alone). A first name given only as initials ("J.P.") keeps its first
/// initial, marked as such so it matches the start of the written-out name;
/// initials beside a written-out name ("Jan P.") are dropped.
pub fn name_words(raw: &str, surname: bool) -> Option<Vec<String>> {
    let folded = fold(raw);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return None;
    }
    // Particles go from both names, so that a swap of the two fields (the
    // surname typed as the first name) gives the same words.
    let mut kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !PARTICLES.contains(w))
        .collect();
    if kept.is_empty() {
        kept = words.clone();
    }
    if !surname {
        let written: Vec<&str> = kept.iter().copied().filter(|w| w.len() > 1).collect();
        if written.is_empty() {
            // Only initials: the first one stands for the name.
            return Some(vec![format!("{}.", &kept[0][..1])]);
        }
        kept = written;
    }
    Some(kept.into_iter().map(str::to_string).collect())
}

/// A birth date with the parts that are known. The year is required: it
/// salts every token of the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// Reads `YYYY-MM-DD`, where a missing month or day is empty, `00`, `XX` or
/// `??`, or left off at the end (`YYYY-MM`, `YYYY`).
pub fn birth_date(raw: &str) -> Result<BirthDate, &'static str> {
    const SHAPE: &str =
        "not a date of the form YYYY-MM-DD (a missing month or day may be 00 or empty)";
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("empty; the birth year at least is needed");
    }
    let parts: Vec<&str> = raw.split('-').collect();
    if parts.len() > 3 || parts[0].len() != 4 {
        return Err(SHAPE);
    }
    let year: u16 = parts[0].parse().map_err(|_| SHAPE)?;
    if !(1900..=2100).contains(&year) {
        return Err("the year is outside 1900–2100");
    }
    let part = |i: usize, max: u8| -> Result<Option<u8>, &'static str> {
        let Some(p) = parts.get(i) else {
            return Ok(None);
        };
        let p = p.trim();
        if p.is_empty() || p == "00" || p.eq_ignore_ascii_case("xx") || p == "??" || p == "0" {
            return Ok(None);
        }
        if p.len() > 2 {
            return Err(SHAPE);
        }
        let v: u8 = p.parse().map_err(|_| SHAPE)?;
        if v == 0 || v > max {
            return Err(if max == 12 {
                "the month is not 1–12"
            } else {
                "the day is not 1–31"
            });
        }
        Ok(Some(v))
    };
    let month = part(1, 12)?;
    let day = part(2, 31)?;
    if let (Some(m), Some(d)) = (month, day) {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let last = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if d > last {
            return Err("the day does not exist in that month");
        }
    }
    Ok(BirthDate { year, month, day })
}

/// Registered sex; unknown is allowed and simply not encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    Other,
}

/// Reads `m`/`f` and the Dutch and English words for them; empty or `u`
/// (unknown) is `None`.
pub fn sex(raw: &str) -> Result<Option<Sex>, &'static str> {
    Ok(match raw.trim().to_lowercase().as_str() {
        "" | "u" | "unknown" | "onbekend" => None,
        "m" | "man" | "male" | "j" | "jongen" | "boy" => Some(Sex::Male),
        "f" | "v" | "vrouw" | "female" | "meisje" | "girl" | "w" => Some(Sex::Female),
        "x" | "o" | "other" | "anders" => Some(Sex::Other),
        _ => return Err("not one of m, f (v), x or empty"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(raw: &str, surname: bool) -> Vec<String> {
        name_words(raw, surname).unwrap()
    }

    #[test]
    fn surnames_lose_case_diacritics_spacing_and_particles() {
        assert_eq!(w("Van der Berg", true), ["berg"]);
        assert_eq!(w("  berg,  VAN DER ", true), ["berg"]);
        assert_eq!(w("van 't Hof", true), ["hof"]);
        assert_eq!(w("V.d. Berg", true), ["berg"]);
        assert_eq!(w("de Vries", true), ["vries"]);
        assert_eq!(w("Jansen-de Vries", true), ["jansen", "vries"]);
        assert_eq!(w("Çelik", true), ["celik"]);
        assert_eq!(w("Van", true), ["van"]);
    }

    #[test]
    fn first_names_fold_and_initials_stand_for_the_name() {
        assert_eq!(w("Zoë", false), ["zoe"]);
        assert_eq!(w("CHLOÉ", false), ["chloe"]);
        assert_eq!(w("J.P.", false), ["j."]);
        assert_eq!(w("Jan P.", false), ["jan"]);
        assert_eq!(w("Anne-Marie", false), ["anne", "marie"]);
        assert_eq!(name_words(" .- ", false), None);
    }

    #[test]
    fn dates_allow_missing_month_or_day_but_need_the_year() {
        let d = |y, m, d| BirthDate {
            year: y,
            month: m,
            day: d,
        };
        assert_eq!(birth_date("2008-03-14"), Ok(d(2008, Some(3), Some(14))));
        assert_eq!(birth_date("2008-00-14"), Ok(d(2008, None, Some(14))));
        assert_eq!(birth_date("2008--14"), Ok(d(2008, None, Some(14))));
        assert_eq!(birth_date("2008-03"), Ok(d(2008, Some(3), None)));
        assert_eq!(birth_date("2008-XX-XX"), Ok(d(2008, None, None)));
        assert!(birth_date("").is_err());
        assert!(birth_date("14-03-2008").is_err());
        assert!(birth_date("2008-13-01").is_err());
        assert!(birth_date("2007-02-29").is_err());
        assert!(birth_date("2008-02-29").is_ok());
    }

    #[test]
    fn sex_reads_dutch_and_english() {
        assert_eq!(sex("V"), Ok(Some(Sex::Female)));
        assert_eq!(sex("man"), Ok(Some(Sex::Male)));
        assert_eq!(sex(""), Ok(None));
        assert!(sex("7").is_err());
    }
}
