//! The breakdown column: `dim=value` pairs joined by `;`, each side an
//! identifier. Model's `Breakdown` and disclose's tables both read it here.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("an identifier may not be empty")]
    Empty,
    #[error("'{0}' is not a valid identifier: use lower-case letters, digits, '_', '.' and '-', starting with a letter or digit")]
    Invalid(String),
}

/// An identifier is lower-case ASCII letters, digits, `_`, `.` and `-`,
/// starting with a letter or digit. Identifiers end up in URLs, file names
/// and CSV columns, so they must survive all three without escaping.
pub fn check_identifier(s: &str) -> Result<(), IdentifierError> {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return Err(IdentifierError::Empty);
    };
    let ok_first = first.is_ascii_lowercase() || first.is_ascii_digit();
    let ok_rest =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if ok_first && ok_rest {
        Ok(())
    } else {
        Err(IdentifierError::Invalid(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakdownError {
    #[error("'{0}' is not a dim=value pair")]
    NotAPair(String),
    #[error("dimension '{0}' appears twice")]
    Repeated(String),
    #[error("{0}")]
    Identifier(#[from] IdentifierError),
}

/// Parses `dim=value` pairs joined by `;` into pairs sorted by dimension. The
/// pairs may come in any order; white space around them does not count; the
/// empty text is the total (no pairs).
pub fn parse_breakdown(s: &str) -> Result<Vec<(String, String)>, BreakdownError> {
    // A breakdown has a handful of pairs: a scan of those before finds a
    // repeat (the first, in the order written) without a map per cell.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (dim, value) = pair
            .split_once('=')
            .ok_or_else(|| BreakdownError::NotAPair(pair.to_owned()))?;
        let (dim, value) = (dim.trim(), value.trim());
        check_identifier(dim)?;
        check_identifier(value)?;
        if pairs.iter().any(|(d, _)| d == dim) {
            return Err(BreakdownError::Repeated(dim.to_owned()));
        }
        pairs.push((dim.to_owned(), value.to_owned()));
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(pairs)
}

/// The canonical text of a breakdown: pairs sorted by dimension, joined by
/// `;`, so that equal breakdowns print equally.
pub fn breakdown_text<D: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (D, V)>,
) -> String {
    let mut pairs: Vec<(D, V)> = pairs.into_iter().collect();
    pairs.sort_by(|a, b| (a.0.as_ref(), a.1.as_ref()).cmp(&(b.0.as_ref(), b.1.as_ref())));
    let mut text = String::new();
    for (i, (d, v)) in pairs.iter().enumerate() {
        if i > 0 {
            text.push(';');
        }
        text.push_str(d.as_ref());
        text.push('=');
        text.push_str(v.as_ref());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(d, v)| (d.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pairs_come_back_sorted_and_print_canonically() {
        let p = parse_breakdown(" sex=girls ; origin = domestic;").unwrap();
        assert_eq!(p, pairs(&[("origin", "domestic"), ("sex", "girls")]));
        assert_eq!(breakdown_text(p), "origin=domestic;sex=girls");
        assert_eq!(parse_breakdown("").unwrap(), pairs(&[]));
        assert_eq!(breakdown_text(Vec::<(&str, &str)>::new()), "");
    }

    #[test]
    fn malformed_breakdowns_are_refused() {
        assert!(matches!(
            parse_breakdown("sex"),
            Err(BreakdownError::NotAPair(_))
        ));
        assert!(matches!(
            parse_breakdown("sex=boys;sex=girls"),
            Err(BreakdownError::Repeated(d)) if d == "sex"
        ));
        for bad in ["sex=", "=boys", "Sex=boys", "sex=a b", "a=b=c", "sex=é"] {
            assert!(
                matches!(parse_breakdown(bad), Err(BreakdownError::Identifier(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn identifiers_survive_urls_and_csv() {
        for ok in ["comensha.minor_victims", "42-iii", "kib-2023", "19a"] {
            assert_eq!(check_identifier(ok), Ok(()));
        }
        for bad in ["", "Comensha", "a b", "a,b", "-x", "a=b", "a;b", "é"] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
    }
}
