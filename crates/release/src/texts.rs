//! Texts that say what the tables hide.
//!
//! Disclosure control protects cells; a text beside them ("Van 3 van hen…")
//! can still state the count a table publishes as "<10". The release cannot
//! rewrite prose, so this check warns the editor instead: it finds every
//! number under the rule's k written in a text that sits next to a hidden
//! cell, and the editor replaces it with a citation (`{cell:…}`, rendered
//! from the public cells) or with words that give no count.
//!
//! **Which cells a text sits next to.** A text relates to
//! - *indicators*: those measuring a recommendation it is about (an
//!   assessment's recommendation, a measure's and its events'
//!   recommendations, a recommendation itself; a recommendation's parts and
//!   parent count as the same recommendation); for an edition's text, the
//!   indicators of its theme whose supplier the paragraph names ("bij
//!   CoMensha", "de politie"): a theme text ranges over every figure, and
//!   without that anchor every "twee" in it would be read against every
//!   hidden cell of the theme; for a footnote, the indicators of the cells
//!   that carry it; and every indicator it cites;
//! - *periods*, per paragraph (a number is read with the paragraph it
//!   stands in: "In 2022 zijn 10 … Van 3 van hen…"): the years the
//!   paragraph names ("In 2023"; "2017/2021" names both ends), the periods
//!   of the cells it cites, and, for a footnote, the periods of the cells
//!   that carry it. A paragraph that names no year relates to the years of
//!   its edition: the cut-off year and the year before, which is what an
//!   edition reports on. A cell relates when its period overlaps one of
//!   these years.
//!
//! One warning per text, number and hidden indicator × period, naming the
//! first hidden cell of it: the editor needs the place, not every cell.
//!
//! **What a number is.** A whole number written in digits as a word of its
//! own: not part of a larger number ("19.872", "76,6"), of a name ("B8/3",
//! "273f", "42(iii)"), of a percentage ("5%") or an amount ("€ 2"), nor the
//! day of a date ("1 juli 2027"), nor a number that names something
//! ("voetnoot 3", "artikel 28", "rij 4") or measures time or a layout
//! ("vijf jaar", "drie keer", "de eerste drie rijen"), a fraction ("twee
//! derde") or counts what the texts count besides people ("twee
//! onderzoeken", "zes actielijnen"); and a number written as a word, Dutch or
//! English, up to twenty ("drie", "vijf", "één", "three"), whole words,
//! case-insensitive. Citations are not read: what they show is the table's.
//! A 0 is read only next to an indicator whose zeros are hidden
//! (`zeros_sensitive`): elsewhere zeros are published as 0, so "<k" means
//! 1 to k − 1 and a 0 cannot be what it hides.
//!
//! **"een".** Dutch writes the numeral one and the indefinite article the
//! same way, and the article is by far the more common. Counting every
//! "een" would warn on nearly every Dutch text and teach editors to ignore
//! the warnings, so "een" is *not* read as a number; "één" (with accents,
//! as Dutch writes the numeral where it matters), the digit "1" and English
//! "one" are. A Dutch "een" meaning one count slips through; the English
//! text of the same passage usually says "one" and is caught.

use std::collections::{BTreeMap, BTreeSet};

use zicht_model::{Catalogue, Cell, Figure, Lang, Period, Piece, Prose, ProseKind, Slug};

use crate::min_count;

/// A number in a text that a hidden cell beside it may be.
#[derive(Debug, Clone, PartialEq)]
pub struct TextWarning {
    /// Which text: "assessment 39a · kib-2025 · quantitative_nl".
    pub text: String,
    /// The number as the text writes it: "vijf", "3".
    pub written: String,
    pub value: u32,
    /// The hidden cell, as the public outputs show it.
    pub cell: Cell,
    /// The rule's k for that cell.
    pub min_count: u32,
}

impl std::fmt::Display for TextWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.cell;
        let shown = zicht_model::FigureDisplay {
            figure: &c.figure,
            unit: zicht_model::Unit::Count,
            lang: Lang::En,
        };
        write!(
            f,
            "{}: '{}' is a count under {} next to {} {}{} which the tables hide ({shown}); cite the cell as {{cell:{}/{}{}}} or leave the count out",
            self.text,
            self.written,
            self.min_count,
            c.indicator,
            c.period,
            if c.breakdown.is_total() {
                String::new()
            } else {
                format!(" [{}]", c.breakdown)
            },
            c.indicator,
            c.period,
            if c.breakdown.is_total() {
                String::new()
            } else {
                format!("/{}", c.breakdown)
            },
        )
    }
}

const WORDS: [(&str, u32); 43] = [
    ("nul", 0),
    ("één", 1),
    ("eén", 1),
    ("éen", 1),
    ("twee", 2),
    ("drie", 3),
    ("vier", 4),
    ("vijf", 5),
    ("zes", 6),
    ("zeven", 7),
    ("acht", 8),
    ("negen", 9),
    ("tien", 10),
    ("elf", 11),
    ("twaalf", 12),
    ("dertien", 13),
    ("veertien", 14),
    ("vijftien", 15),
    ("zestien", 16),
    ("zeventien", 17),
    ("achttien", 18),
    ("negentien", 19),
    ("twintig", 20),
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
];

const MONTHS: [&str; 26] = [
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
    "january",
    "february",
    "march",
    "may",
    "june",
    "july",
    "august",
    "october",
    "jan",
    "feb",
    "mrt",
    "apr",
    "aug",
    "okt",
];

/// Words after which a number names something instead of counting it
/// ("voetnoot 3", "figuur 2", "artikel 28", "rij 4").
const NAMING: [&str; 40] = [
    "voetnoot",
    "footnote",
    "noot",
    "note",
    "figuur",
    "figure",
    "fig",
    "tabel",
    "table",
    "rij",
    "row",
    "kolom",
    "column",
    "artikel",
    "article",
    "art",
    "aanbeveling",
    "recommendation",
    "hoofdstuk",
    "chapter",
    "paragraaf",
    "section",
    "bijlage",
    "annex",
    "appendix",
    "pagina",
    "page",
    "p",
    "lid",
    "versie",
    "version",
    "nummer",
    "number",
    "nr",
    "no",
    "editie",
    "edition",
    "fase",
    "phase",
    "stap",
];

/// Words before which a number measures time or a layout, not people
/// ("vijf jaar", "drie keer", "de eerste drie rijen").
const NOT_PEOPLE: [&str; 47] = [
    "jaar",
    "jaren",
    "year",
    "years",
    "maand",
    "maanden",
    "month",
    "months",
    "week",
    "weken",
    "weeks",
    "dag",
    "dagen",
    "day",
    "days",
    "uur",
    "hours",
    "keer",
    "times",
    "procent",
    "percent",
    "rijen",
    "rows",
    "kolommen",
    "columns",
    "minuten",
    "minutes",
    "decennia",
    // fractions: "twee derde", "two thirds"
    "derde",
    "third",
    "thirds",
    "kwart",
    "quarter",
    "quarters",
    // what the monitor's texts count besides people
    "onderzoeken",
    "studies",
    "vormen",
    "forms",
    "actielijnen",
    "lines",
    "maatregelen",
    "measures",
    "wetten",
    "laws",
    "edities",
    "editions",
    "aanbevelingen",
];

/// The word just after `end`, lower-case, in the same sentence.
fn word_after(chars: &[char], end: usize) -> String {
    let mut begin = end;
    while begin < chars.len() && chars[begin].is_whitespace() {
        begin += 1;
    }
    let mut stop = begin;
    while stop < chars.len() && chars[stop].is_alphabetic() {
        stop += 1;
    }
    chars[begin..stop].iter().collect::<String>().to_lowercase()
}

/// Whether the number ending at `end` opens a ratio or a range of shares:
/// "één op drie", "one in three", "2 tot 3%", "2 to 3 per cent".
fn ratio_or_share(chars: &[char], end: usize) -> bool {
    let rest: String = chars[end..chars.len().min(end + 24)].iter().collect();
    let rest = rest.to_lowercase();
    let mut words = rest.split_whitespace();
    let (Some(link), Some(next)) = (words.next(), words.next()) else {
        return false;
    };
    let is_number = |w: &str| {
        let w = w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '%');
        w.trim_end_matches('%').chars().all(|c| c.is_ascii_digit())
            || WORDS.iter().any(|(n, _)| *n == w)
    };
    match link {
        "op" | "in" | "out" => is_number(next) || next == "of",
        "tot" | "to" | "–" | "-" => {
            next.contains('%')
                || words
                    .next()
                    .is_some_and(|w| w.starts_with("procent") || w.starts_with("per"))
        }
        _ => false,
    }
}

/// Whether the number starting at `start` closes a ratio ("één op drie").
fn ends_a_ratio(chars: &[char], start: usize) -> bool {
    let before: String = chars[start.saturating_sub(16)..start].iter().collect();
    let before = before.to_lowercase();
    let mut words = before.split_whitespace().rev();
    match (words.next(), words.next()) {
        (Some("op" | "in"), Some(n)) => {
            n.chars().all(|c| c.is_ascii_digit()) || WORDS.iter().any(|(w, _)| *w == n)
        }
        _ => false,
    }
}

/// The word just before `start`, lower-case.
fn word_before(chars: &[char], start: usize) -> String {
    let mut end = start;
    while end > 0 && !chars[end - 1].is_alphanumeric() {
        if chars[end - 1] == '\n' || ".;:!?".contains(chars[end - 1]) {
            return String::new();
        }
        end -= 1;
    }
    let mut begin = end;
    while begin > 0 && chars[begin - 1].is_alphabetic() {
        begin -= 1;
    }
    chars[begin..end].iter().collect::<String>().to_lowercase()
}

/// A number as a text writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub written: String,
    pub value: u32,
}

/// The plain words of a text, citations left out (each leaves a space so
/// that words on either side stay apart).
fn words_only(text: &str) -> String {
    zicht_model::pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Words(w) => w,
            Piece::Cited { .. } => " ",
        })
        .collect()
}

/// Every whole number a text writes, in digits or in words (see the module
/// documentation for what counts).
pub fn numbers(text: &str) -> Vec<Written> {
    let text = words_only(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            let after2 = chars.get(i + 1).copied();
            let glued_before = before.is_some_and(|b| b.is_alphanumeric() || "/.,-€$".contains(b));
            let glued_after = after.is_some_and(|a| {
                a.is_alphanumeric()
                    || "%/(‰°".contains(a)
                    || (".,".contains(a) && after2.is_some_and(|n| n.is_ascii_digit()))
                    || (a == '-' && after2.is_some_and(|n| n.is_alphanumeric()))
            });
            // "€ 500.000": an amount, whatever the spacing.
            let amount = chars[..start]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| "€$£".contains(*c));
            let day_of_date = {
                let rest: String = chars[i..].iter().take(12).collect();
                let next = rest
                    .trim_start()
                    .split(|c: char| !c.is_alphabetic())
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                after.is_some_and(char::is_whitespace) && MONTHS.contains(&next.as_str())
            };
            let names = NAMING.contains(&word_before(&chars, start).as_str())
                || NOT_PEOPLE.contains(&word_after(&chars, i).as_str())
                || ratio_or_share(&chars, i)
                || ends_a_ratio(&chars, start);
            if !(glued_before || glued_after || amount || day_of_date || names) {
                let written: String = chars[start..i].iter().collect();
                if let Ok(value) = written.parse::<u32>() {
                    out.push(Written { written, value });
                }
            }
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let lower = word.to_lowercase();
            let names = NAMING.contains(&word_before(&chars, start).as_str())
                || NOT_PEOPLE.contains(&word_after(&chars, i).as_str())
                || ratio_or_share(&chars, i)
                || ends_a_ratio(&chars, start);
            if let (Some((_, v)), false) = (WORDS.iter().find(|(w, _)| *w == lower), names) {
                out.push(Written {
                    written: word,
                    value: *v,
                });
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The years a text names: four-digit numbers from 1900 to 2099 standing
/// on their own or in a span ("2017/2021", "2015-2019").
fn years(text: &str) -> BTreeSet<i32> {
    let text = words_only(text);
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let alnum = |b: u8| b.is_ascii_alphanumeric();
            let before_ok = start == 0 || !alnum(bytes[start - 1]);
            let after_ok = i == bytes.len() || !alnum(bytes[i]);
            if i - start == 4 && before_ok && after_ok {
                if let Ok(y) = text[start..i].parse::<i32>() {
                    if (1900..2100).contains(&y) {
                        out.insert(y);
                    }
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Whether the public outputs hide this cell's count (only counts: a
/// number in a text says nothing about a hidden share or age): published under its
/// bound, withheld to protect another, refused.
fn hidden(figure: &Figure) -> bool {
    matches!(
        figure,
        Figure::Below { .. } | Figure::Suppressed | Figure::Refused
    )
}

/// The recommendation with its parent and its parts: a text about "42"
/// speaks of what "42-i" measures, and the other way round.
fn family<'a>(catalogue: &'a Catalogue, ids: &[&'a Slug]) -> BTreeSet<&'a str> {
    let mut out: BTreeSet<&str> = ids.iter().map(|s| s.as_str()).collect();
    for r in &catalogue.recommendations {
        if let Some(p) = &r.parent {
            if out.contains(p.as_str()) || out.contains(r.id.as_str()) {
                out.insert(r.id.as_str());
                out.insert(p.as_str());
            }
        }
    }
    out
}

/// Every number under the rule's k in a text of `catalogue` next to a cell
/// the public outputs hide. `released` holds the public cells of each
/// moment the outputs show (the editions and the latest figures, as
/// [`crate::public_moments`] returns them): a cell hidden in any of them
/// counts as hidden. Warnings are sorted by text and do not repeat.
pub fn text_warnings(catalogue: &Catalogue, released: &[Vec<Cell>]) -> Vec<TextWarning> {
    // The hidden cells, once each: (indicator, period, breakdown) → cell.
    let mut hidden_cells: BTreeMap<(String, String, String), &Cell> = BTreeMap::new();
    for c in released.iter().flatten() {
        let counts = catalogue
            .indicator(c.indicator.as_str())
            .is_some_and(|i| i.unit == zicht_model::Unit::Count);
        if hidden(&c.figure) && counts {
            hidden_cells
                .entry((
                    c.indicator.to_string(),
                    c.period.to_string(),
                    c.breakdown.to_string(),
                ))
                .or_insert(c);
        }
    }
    if hidden_cells.is_empty() {
        return Vec::new();
    }
    // Where each footnote is used: its cells' indicators and periods.
    let mut footnoted: BTreeMap<&str, Vec<&Cell>> = BTreeMap::new();
    for c in released.iter().flatten() {
        for f in &c.provenance.footnotes {
            footnoted.entry(f.as_str()).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for prose in catalogue.prose() {
        for paragraph in prose.text.split("\n\n") {
            let numbers = numbers(paragraph);
            if numbers.is_empty() {
                continue;
            }
            let (indicators, periods) = neighbourhood(catalogue, &prose, paragraph, &footnoted);
            for cell in hidden_cells.values() {
                if !indicators.contains(cell.indicator.as_str()) {
                    continue;
                }
                let overlaps = periods.iter().any(|p| match p {
                    Near::Year(y) => {
                        (cell.period.first_year()..=cell.period.last_year()).contains(y)
                    }
                    Near::Period(p) => **p == cell.period,
                });
                if !overlaps {
                    continue;
                }
                let Some(k) = min_count(catalogue, cell) else {
                    continue;
                };
                // Where zeros are published as 0, "<k" means 1 to k − 1: a 0
                // in a text cannot be a hidden count.
                let zeros_hidden = catalogue
                    .indicator(cell.indicator.as_str())
                    .and_then(|i| i.zeros_sensitive)
                    .unwrap_or(false);
                for n in &numbers {
                    if n.value < k
                        && (n.value > 0 || zeros_hidden)
                        && seen.insert((
                            prose.id.clone(),
                            n.written.to_lowercase(),
                            cell.key_ref().0.to_owned(),
                            cell.period.to_string(),
                        ))
                    {
                        out.push(TextWarning {
                            text: prose.id.clone(),
                            written: n.written.clone(),
                            value: n.value,
                            cell: (*cell).clone(),
                            min_count: k,
                        });
                    }
                }
            }
        }
    }
    out
}

enum Near<'a> {
    Year(i32),
    Period(&'a Period),
}

/// Whether a paragraph names an organisation that supplies the indicator.
fn names_a_source(catalogue: &Catalogue, i: &zicht_model::Indicator, paragraph: &str) -> bool {
    i.sources
        .iter()
        .filter_map(|s| catalogue.organisation(s.as_str()))
        .flat_map(|o| [&o.label_nl, &o.label_en])
        .filter(|l| !l.is_empty())
        .any(|l| paragraph.contains(&l.to_lowercase()))
}

/// The indicators and periods a text sits next to (the rule in the module
/// documentation).
fn neighbourhood<'a>(
    catalogue: &'a Catalogue,
    prose: &Prose<'a>,
    paragraph: &str,
    footnoted: &BTreeMap<&str, Vec<&'a Cell>>,
) -> (BTreeSet<&'a str>, Vec<Near<'a>>) {
    let mut indicators: BTreeSet<&str> = BTreeSet::new();
    let mut periods: Vec<Near<'a>> = Vec::new();
    let recs = family(catalogue, &prose.recommendations);
    for i in &catalogue.indicators {
        let measures = i.recommendations.iter().any(|r| recs.contains(r.as_str()));
        let of_theme = prose.kind == ProseKind::Text
            && prose.theme == Some(&i.theme)
            && names_a_source(catalogue, i, &paragraph.to_lowercase());
        if measures || of_theme {
            indicators.insert(i.id.as_str());
        }
    }
    if let Some(f) = prose.footnote {
        for c in footnoted.get(f.as_str()).into_iter().flatten() {
            indicators.insert(c.indicator.as_str());
            periods.push(Near::Period(&c.period));
        }
    }
    for r in zicht_model::citations(paragraph).into_iter().flatten() {
        if let Some(i) = catalogue.indicator(r.indicator.as_str()) {
            indicators.insert(i.id.as_str());
        }
        periods.push(Near::Year(r.period.first_year()));
        periods.push(Near::Year(r.period.last_year()));
    }
    let named = years(paragraph);
    if named.is_empty() && prose.footnote.is_none() {
        if let Some(d) = prose.document.and_then(|d| catalogue.document(d.as_str())) {
            let y = i32::from(d.cutoff.year());
            periods.push(Near::Year(y));
            periods.push(Near::Year(y - 1));
        }
    }
    periods.extend(named.into_iter().map(Near::Year));
    (indicators, periods)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, u32)> {
        numbers(text)
            .into_iter()
            .map(|w| (w.written, w.value))
            .collect()
    }

    #[test]
    fn reads_digits_and_words_but_not_names_amounts_dates_or_the_article() {
        assert_eq!(
            values("Van vijf van hen; Drie van hen; Of 3 of them; ONE; één; twee."),
            vec![
                ("vijf".into(), 5),
                ("Drie".into(), 3),
                ("3".into(), 3),
                ("ONE".into(), 1),
                ("één".into(), 1),
                ("twee".into(), 2)
            ]
        );
        assert!(values("een kind, B8/3, B8.3-aangifte, 273f, 42(iii), 5%, € 2 miljoen, 19.872, 76,6, 1 juli, 14 July").is_empty(),
            "{:?}", values("een kind, B8/3, B8.3-aangifte, 273f, 42(iii), 5%, € 2 miljoen, 19.872, 76,6, 1 juli, 14 July"));
        assert!(values("vijftig, drieën, someone, tone, {cell:a/2023/sex=boys}").is_empty());
        assert!(
            values("voetnoot 3, artikel 28, vijf jaar, drie keer, de eerste drie rijen").is_empty()
        );
        assert_eq!(values("Vier uitvragen"), vec![("Vier".into(), 4)]);
        assert!(values("één op drie kinderen, one in three, 2 tot 3% van hen").is_empty());
        assert_eq!(values("(7), 7."), vec![("7".into(), 7), ("7".into(), 7)]);
    }

    #[test]
    fn reads_the_years_a_text_names() {
        let y: Vec<i32> =
            years("In 2022 en 2017/2021, 2015-2019; niet 12345, B2020 of {cell:a/2019}")
                .into_iter()
                .collect();
        assert_eq!(y, vec![2015, 2017, 2019, 2021, 2022]);
    }

    fn catalogue() -> Catalogue {
        serde_json::from_value(serde_json::json!({
            "themes": [{ "id": "t", "label_nl": "t", "label_en": "t", "min_count": 10 }],
            "documents": [{ "id": "ed", "kind": "edition", "label_nl": "e", "label_en": "e",
                            "cutoff": "2024-10-01" }],
            "organisations": [], "counting_units": [],
            "dimensions": [{ "id": "origin", "label_nl": "o", "label_en": "o",
                             "values": [{ "id": "foreign", "label_nl": "f", "label_en": "f" }] }],
            "indicators": [
                { "id": "b8", "theme": "t", "label_nl": "b", "label_en": "b", "unit": "count",
                  "dimensions": ["origin"], "recommendations": ["39a"] },
                { "id": "other", "theme": "u", "label_nl": "o", "label_en": "o", "unit": "count" }
            ],
            "footnotes": [{ "id": "fn", "text_nl": "Drie van hen deden aangifte." }],
            "recommendations": [{ "id": "39a", "body": "crc", "year": 2022, "text_nl": "…" },
                                { "id": "19a", "body": "crc", "year": 2022, "text_nl": "…" }],
            "assessments": [
                { "recommendation": "39a", "document": "ed",
                  "quantitative_nl": "In 2023 zijn 22 slachtoffers gemeld. Van vijf van hen, een deel, is het bekend.",
                  "quantitative_en": "Of {cell:b8/2023/origin=foreign} of them it is known." },
                { "recommendation": "39a", "document": "ed",
                  "policy_nl": "Het plan helpt zes kinderen." },
                { "recommendation": "19a", "document": "ed",
                  "policy_nl": "In 2023 zijn vijf wetten aangenomen." }
            ],
            "measures": [], "action_plans": [], "texts": [], "rankings": [],
        }))
        .unwrap()
    }

    fn cell(indicator: &str, period: i32, breakdown: &str, figure: Figure) -> Cell {
        Cell {
            indicator: Slug::parse(indicator).unwrap(),
            period: Period::year(period),
            breakdown: zicht_model::Breakdown::parse(breakdown).unwrap(),
            figure,
            provenance: Default::default(),
        }
    }

    #[test]
    fn warns_about_a_small_number_next_to_a_hidden_cell_of_its_indicator_and_period() {
        let cat = catalogue();
        let below = Figure::Below { upper: 10.0 };
        let mut carrying = cell("b8", 2022, "origin=foreign", Figure::NotAvailable);
        carrying.provenance.footnotes = vec![Slug::parse("fn").unwrap()];
        let released = vec![
            vec![
                cell("b8", 2023, "origin=foreign", below),
                cell("b8", 2023, "", Figure::Exact { value: 22.0 }),
                carrying,
            ],
            vec![cell("b8", 2022, "origin=foreign", Figure::Suppressed)],
        ];
        let ws = text_warnings(&cat, &released);
        let got: Vec<(&str, &str, String)> = ws
            .iter()
            .map(|w| {
                (
                    w.text.as_str(),
                    w.written.as_str(),
                    format!(
                        "{} {} {}",
                        w.cell.indicator, w.cell.period, w.cell.breakdown
                    ),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "assessment 39a · ed · quantitative_nl",
                    "vijf",
                    "b8 2023 origin=foreign".to_owned()
                ),
                // No year named: the edition's years (2024, 2023).
                (
                    "assessment 39a · ed · policy_nl",
                    "zes",
                    "b8 2023 origin=foreign".to_owned()
                ),
                // A footnote sits next to the cells that carry it; the
                // hidden cell of 2022 is hidden in another moment.
                (
                    "footnote fn · text_nl",
                    "Drie",
                    "b8 2022 origin=foreign".to_owned()
                ),
            ]
        );
        assert_eq!(ws[0].min_count, 10);
        assert!(ws[0].to_string().contains("{cell:b8/2023/origin=foreign}"));
        // Nothing hidden, nothing to warn about.
        let open = vec![vec![cell(
            "b8",
            2023,
            "origin=foreign",
            Figure::Exact { value: 12.0 },
        )]];
        assert!(text_warnings(&cat, &open).is_empty());
    }
}
