//! Free text that crosses the contract: what a spreadsheet would run, and
//! what would make a line read in another order than it is stored.
//!
//! Texts from suppliers and editors (sources, footnotes, reasons, labels)
//! end up in CSV files that people open in Excel or LibreOffice. A cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
//! formula there (CSV injection, OWASP). Attackers hide the sign behind
//! characters a person does not see (a zero-width space, a byte-order mark,
//! a soft hyphen, a direction mark) or write a look-alike (`＝`, `﹦`, `⁼`,
//! `₌`, `−`), so the check looks through both: invisible and format
//! characters are skipped, and the first visible character is compared after
//! compatibility normalisation (NFKC) and by its confusable skeleton
//! (Unicode TS 39).
//!
//! Two uses, one rule: input refuses such a text at the source with a
//! message ([`formula_start`], [`bidi_control`]), and every CSV zicht writes
//! makes it inert ([`inert`]), so a value stored before the rule, or typed
//! by an editor, is never run either.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The characters that start a formula in the common spreadsheets.
pub const FORMULA_SIGNS: [char; 4] = ['=', '+', '-', '@'];

/// A character a reader does not see, which a spreadsheet may skip before it
/// decides whether a cell is a formula: format characters (zero-width
/// space and joiners, BOM, soft hyphen, word joiner, direction marks and
/// overrides), the blank Hangul fillers, variation selectors and the
/// combining grapheme joiner, and ordinary spaces.
fn invisible(c: char) -> bool {
    // No ASCII character is a format character: the fast path for nearly
    // every field of an export, which otherwise looks up Unicode's tables.
    if c.is_ascii() {
        return c == ' ';
    }
    c == '\u{00A0}'
        || c.general_category() == GeneralCategory::Format
        || matches!(
            c,
            '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{2000}'..='\u{200A}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// Whether `c` is, or looks like, a sign that starts a formula.
fn formula_sign(c: char) -> bool {
    if c.is_ascii() {
        // NFKC and the skeleton leave ASCII signs alone: the fast path for
        // nearly every field of a million-row export.
        return FORMULA_SIGNS.contains(&c) || matches!(c, '\t' | '\r' | '\n');
    }
    // NFKC folds the full-width, small, superscript and subscript forms
    // (＝ ﹦ ⁼ ₌ ＋ ﹢ － ﹣ ＠ ﹫); the confusable skeleton catches the signs
    // that only look alike (− MINUS SIGN, ➕, ˖, ‐ …).
    let nfkc = c.to_string().nfkc().collect::<String>();
    let skeleton = unicode_security::confusable_detection::skeleton(&nfkc).collect::<String>();
    [nfkc, skeleton].iter().any(|s| {
        let mut chars = s.chars();
        matches!((chars.next(), chars.next()), (Some(f), None) if FORMULA_SIGNS.contains(&f))
    }) || matches!(
        c,
        // Dashes a spreadsheet in some locales takes as a minus.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2796}' | '\u{2795}' | '\u{FE58}'
    )
}

/// The sign that would make a spreadsheet run `text` as a formula, if any:
/// its first character that is not invisible, when that is a formula sign or
/// looks like one, or a leading tab or line break.
pub fn formula_start(text: &str) -> Option<char> {
    let first = text.chars().find(|&c| !invisible(c))?;
    formula_sign(first).then_some(first)
}

/// The first bidirectional control character in `text`, if any: marks,
/// embeddings, overrides and isolates, which make a line display in an order
/// other than its characters (the "Trojan Source" trick). No text zicht
/// takes needs one: Dutch and English read left to right.
pub fn bidi_control(text: &str) -> Option<char> {
    text.chars().find(|c| {
        matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
    })
}

/// Why a text is refused at the source, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error(
        "starts with '{}' (U+{:04X}), which a spreadsheet would run as a formula: start it with a letter or a digit",
        .0.escape_debug(),
        *.0 as u32
    )]
    FormulaStart(char),
    #[error(
        "holds the direction control U+{:04X}, which makes the text display in another order than it is stored: remove it",
        *.0 as u32
    )]
    BidiControl(char),
}

/// The problem of a free text from a supplier or editor that ends up in a
/// cell of a download: a formula start or a direction control.
pub fn cell_text_problem(text: &str) -> Option<TextProblem> {
    if let Some(c) = bidi_control(text) {
        return Some(TextProblem::BidiControl(c));
    }
    formula_start(text).map(TextProblem::FormulaStart)
}

/// `field` as a CSV writer should put it in a file a spreadsheet opens: a
/// text a spreadsheet would run gets a leading apostrophe, which the common
/// spreadsheets take as "this is text" (OWASP's advice). A plain number
/// (`-3`, `+5` are not: the contract's numbers have no sign to spare) and
/// any other text pass unchanged.
pub fn inert(field: &str) -> Cow<'_, str> {
    if formula_start(field).is_some() && crate::parse_number(field).is_err() {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The ASCII fast path of `invisible` answers as the tables would.
    #[test]
    fn no_ascii_character_but_the_space_is_invisible() {
        for c in (0u8..128).map(char::from) {
            let by_tables = c == ' ' || c.general_category() == GeneralCategory::Format;
            assert_eq!(invisible(c), by_tables, "{c:?}");
        }
    }

    #[test]
    fn hidden_and_look_alike_signs_are_found() {
        for text in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "\u{200B}=1",
            "\u{FEFF}=1",
            "\u{00AD}=1",
            "\u{2060}=1",
            "\u{200E}=1",
            "\u{202E}=1",
            "\u{FE66}1",
            "\u{207C}1",
            "\u{208C}1",
            "\u{FF1D}1",
            "\u{FF0B}1",
            "\u{FF20}x",
            "\u{2212}1",
            " \u{3000}=1",
        ] {
            assert!(formula_start(text).is_some(), "{text:?} passed");
        }
    }

    #[test]
    fn ordinary_text_passes() {
        for text in [
            "CoMensha, jaarrapport 2023",
            "zie noot 3",
            "'=1",
            "Ondergrens volgens de politie",
            "3 meldingen",
            "",
            "\u{200B}",
        ] {
            assert_eq!(formula_start(text), None, "{text:?} refused");
        }
    }

    #[test]
    fn direction_controls_are_found() {
        assert_eq!(bidi_control("abc\u{202E}def"), Some('\u{202E}'));
        assert_eq!(bidi_control("\u{2066}x"), Some('\u{2066}'));
        assert_eq!(bidi_control("gewoon tekst"), None);
        assert!(matches!(
            cell_text_problem("\u{200F}x"),
            Some(TextProblem::BidiControl(_))
        ));
    }

    #[test]
    fn inert_keeps_numbers_and_quotes_formulas() {
        assert_eq!(inert("12"), "12");
        assert_eq!(inert("0.5"), "0.5");
        assert_eq!(inert("=1+1"), "'=1+1");
        assert_eq!(inert("\u{200B}@x"), "'\u{200B}@x");
        assert_eq!(inert("tekst"), "tekst");
    }

    proptest! {
        /// Whatever is written, what a CSV writer puts out never starts a
        /// formula once the apostrophe is there, and nothing else changes.
        #[test]
        fn inert_output_is_never_a_formula(s in "\\PC{0,12}") {
            let out = inert(&s);
            if out != s {
                prop_assert!(out.starts_with('\''));
                prop_assert_eq!(&out[1..], s.as_str());
                prop_assert_eq!(formula_start(&out), None);
            }
        }

        /// Hiding a sign behind any run of invisible characters never gets
        /// it past the check.
        #[test]
        fn invisible_prefixes_do_not_hide_a_sign(
            prefix in proptest::collection::vec(
                prop_oneof![Just('\u{200B}'), Just('\u{FEFF}'), Just('\u{00AD}'),
                            Just('\u{2060}'), Just('\u{200E}'), Just('\u{202E}'),
                            Just(' '), Just('\u{034F}'), Just('\u{FE0F}')],
                0..6),
            sign in prop_oneof![Just('='), Just('+'), Just('-'), Just('@'),
                                Just('\u{FF1D}'), Just('\u{FE66}'), Just('\u{207C}'),
                                Just('\u{208C}'), Just('\u{2212}')],
            rest in "[a-z0-9()]{0,8}",
        ) {
            let text: String = prefix.into_iter().chain(std::iter::once(sign)).collect::<String>() + &rest;
            prop_assert!(formula_start(&text).is_some());
            // A plain number (`-0`) is a number, not a formula: left alone.
            if crate::parse_number(&text).is_err() {
                prop_assert!(inert(&text).starts_with('\''));
            }
        }
    }
}
