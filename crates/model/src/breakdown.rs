use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::slug::Slug;

/// The breakdown syntax is the export contract's.
pub use zicht_contract::BreakdownError;

/// The breakdown of a cell: which value of which dimension it counts. Empty for
/// the total. Kept sorted by dimension so that equal breakdowns print equally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Breakdown(BTreeMap<Slug, Slug>);

impl Breakdown {
    pub fn total() -> Self {
        Breakdown::default()
    }

    /// Parses `dim=value` pairs joined by `;` ([`zicht_contract::parse_breakdown`]).
    /// The pairs may come in any order; they are kept sorted.
    pub fn parse(s: &str) -> Result<Self, BreakdownError> {
        let pairs = zicht_contract::parse_breakdown(s)?;
        Ok(Breakdown(
            pairs
                .into_iter()
                .map(|(d, v)| (Slug::checked(d), Slug::checked(v)))
                .collect(),
        ))
    }

    pub fn from_pairs<I: IntoIterator<Item = (Slug, Slug)>>(pairs: I) -> Self {
        Breakdown(pairs.into_iter().collect())
    }

    pub fn is_total(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, dim: &str) -> Option<&Slug> {
        self.0
            .iter()
            .find(|(d, _)| d.as_str() == dim)
            .map(|(_, v)| v)
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&Slug, &Slug)> {
        self.0.iter()
    }

    pub fn dimensions(&self) -> impl Iterator<Item = &Slug> {
        self.0.keys()
    }

    /// This breakdown with one more dimension fixed.
    pub fn with(&self, dim: Slug, value: Slug) -> Breakdown {
        let mut map = self.0.clone();
        map.insert(dim, value);
        Breakdown(map)
    }

    /// This breakdown with one dimension released.
    pub fn without(&self, dim: &str) -> Breakdown {
        Breakdown(
            self.0
                .iter()
                .filter(|(d, _)| d.as_str() != dim)
                .map(|(d, v)| (d.clone(), v.clone()))
                .collect(),
        )
    }
}

impl fmt::Display for Breakdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The map is ordered by dimension and a dimension appears once, so
        // its order is already the canonical one of `breakdown_text`
        // (pinned by a test below): written straight out, a million cells
        // of an import or export build no string per pair.
        for (i, (dimension, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(dimension.as_str())?;
            f.write_str("=")?;
            f.write_str(value.as_str())?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Breakdown {
    type Error = BreakdownError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Breakdown::parse(&s)
    }
}

impl From<Breakdown> for String {
    fn from(b: Breakdown) -> String {
        b.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_the_contract_prints_pairs() {
        for text in [
            "",
            "sex=boys",
            "age=12-17;origin=foreign;sex=boys",
            "z=a;a=z",
        ] {
            let b = Breakdown::parse(text).unwrap();
            let pairs = b.0.iter().map(|(d, v)| (d.as_str(), v.as_str()));
            assert_eq!(b.to_string(), zicht_contract::breakdown_text(pairs));
        }
    }

    #[test]
    fn sorts_pairs_by_dimension() {
        let b = Breakdown::parse("sex=girls;origin=domestic").unwrap();
        assert_eq!(b.to_string(), "origin=domestic;sex=girls");
        assert!(Breakdown::parse("").unwrap().is_total());
    }

    #[test]
    fn rejects_malformed_pairs() {
        assert!(matches!(
            Breakdown::parse("sex"),
            Err(BreakdownError::NotAPair(_))
        ));
        assert!(matches!(
            Breakdown::parse("sex=boys;sex=girls"),
            Err(BreakdownError::Repeated(_))
        ));
        assert!(Breakdown::parse("Sex=boys").is_err());
    }
}
