use std::fmt;

use serde::{Deserialize, Serialize};

use crate::slug::Slug;

/// The breakdown syntax is the export contract's.
pub use zicht_contract::BreakdownError;

/// The breakdown of a cell: which value of which dimension it counts. Empty for
/// the total. Kept sorted by dimension so that equal breakdowns print equally.
///
/// The pairs are a sorted boxed slice, not a map: a monitor holds hundreds of
/// thousands of cells, each a few pairs at most, and a `BTreeMap` allocates
/// a node of eleven pairs for one (≈ 550 bytes a cell, most of a publish's
/// memory). The order (`Ord`) is the same as the map's: pair by pair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Breakdown(Box<[(Slug, Slug)]>);

impl Breakdown {
    pub fn total() -> Self {
        Breakdown::default()
    }

    /// Parses `dim=value` pairs joined by `;` ([`zicht_contract::parse_breakdown`]).
    /// The pairs may come in any order; they are kept sorted.
    pub fn parse(s: &str) -> Result<Self, BreakdownError> {
        // The contract's parser sorts the pairs and refuses a repeated
        // dimension.
        let pairs = zicht_contract::parse_breakdown(s)?;
        Ok(Breakdown(
            pairs
                .into_iter()
                .map(|(d, v)| (Slug::checked(d), Slug::checked(v)))
                .collect(),
        ))
    }

    /// From pairs in any order; of a dimension given twice the last counts.
    pub fn from_pairs<I: IntoIterator<Item = (Slug, Slug)>>(pairs: I) -> Self {
        let mut pairs: Vec<(Slug, Slug)> = pairs.into_iter().collect();
        // Stable: a repeated dimension keeps its order, and the last wins.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(Slug, Slug)> = Vec::with_capacity(pairs.len());
        for (d, v) in pairs {
            match kept.last_mut() {
                Some(last) if last.0 == d => last.1 = v,
                _ => kept.push((d, v)),
            }
        }
        Breakdown(kept.into_boxed_slice())
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
        self.0.iter().map(|(d, v)| (d, v))
    }

    pub fn dimensions(&self) -> impl Iterator<Item = &Slug> {
        self.0.iter().map(|(d, _)| d)
    }

    /// This breakdown with one more dimension fixed (or changed).
    pub fn with(&self, dim: Slug, value: Slug) -> Breakdown {
        let mut pairs = self.0.to_vec();
        match pairs.binary_search_by(|(d, _)| d.cmp(&dim)) {
            Ok(i) => pairs[i].1 = value,
            Err(i) => pairs.insert(i, (dim, value)),
        }
        Breakdown(pairs.into_boxed_slice())
    }

    /// This breakdown with one dimension released.
    pub fn without(&self, dim: &str) -> Breakdown {
        Breakdown(
            self.0
                .iter()
                .filter(|(d, _)| d.as_str() != dim)
                .cloned()
                .collect(),
        )
    }
}

impl fmt::Display for Breakdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pairs are ordered by dimension and a dimension appears once,
        // so their order is already the canonical one of `breakdown_text`
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

    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    prop_compose! {
        fn pairs()(raw in prop::collection::vec(("[a-d]", "[a-c]"), 0..6)) -> Vec<(Slug, Slug)> {
            raw.iter().map(|(d, v)| (slug(d), slug(v))).collect()
        }
    }

    proptest! {
        /// The slice behaves as the map it replaced: the last of a repeated
        /// dimension counts, pairs sort by dimension, and breakdowns order
        /// as the maps did.
        #[test]
        fn behaves_as_a_sorted_map(a in pairs(), b in pairs(), d in "[a-e]", v in "[a-c]") {
            let map = |p: &[(Slug, Slug)]| p.iter().cloned().collect::<BTreeMap<Slug, Slug>>();
            let (ba, bb) = (Breakdown::from_pairs(a.clone()), Breakdown::from_pairs(b.clone()));
            let (ma, mb) = (map(&a), map(&b));
            prop_assert!(ba.pairs().eq(ma.iter()));
            prop_assert_eq!(ba.cmp(&bb), ma.cmp(&mb));
            prop_assert_eq!(ba == bb, ma == mb);
            let mut with = ma.clone();
            with.insert(slug(&d), slug(&v));
            prop_assert!(ba.with(slug(&d), slug(&v)).pairs().eq(with.iter()));
            let mut without = ma.clone();
            without.remove(&slug(&d));
            prop_assert!(ba.without(&d).pairs().eq(without.iter()));
            prop_assert_eq!(ba.get(&d), ma.get(&slug(&d)));
            prop_assert_eq!(Breakdown::parse(&ba.to_string()).unwrap(), ba);
        }
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
