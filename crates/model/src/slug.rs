use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable identifier: lower-case ASCII letters, digits, `_`, `.` and `-`,
/// starting with a letter or digit. Identifiers end up in URLs, file names and
/// CSV columns, so they must survive all three without escaping.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// The identifier syntax is the export contract's.
pub use zicht_contract::IdentifierError as SlugError;

impl Slug {
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        zicht_contract::check_identifier(s)?;
        Ok(Slug(s.to_owned()))
    }

    /// For text that [`zicht_contract::check_identifier`] has passed.
    pub(crate) fn checked(s: String) -> Slug {
        Slug(s)
    }

    /// The id of a footnote known only by its text
    /// ([`zicht_contract::footnote_id_for_text`]).
    pub fn for_footnote_text(text: &str) -> Slug {
        Slug(zicht_contract::footnote_id_for_text(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_domain_ids() {
        for ok in ["comensha.minor_victims", "42-iii", "kib-2023", "19a"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_what_breaks_urls_or_csv() {
        for bad in ["", "Comensha", "a b", "a,b", "-x", "a=b", "a;b", "é"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
