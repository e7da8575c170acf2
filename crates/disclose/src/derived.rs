//! Derived figures: a change vs the previous year, a share, a chart's bar, a
//! count derived from a percentage. Each gives away what it is computed from.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The derived cells to hide, given the hidden cells and what each derived
/// cell is computed from: every derived cell with a hidden source, and so on
/// through derived cells computed from derived ones.
///
/// Conservative on purpose: a figure computed from a hidden cell and
/// published ones reveals the hidden one (change = this year − last year),
/// so it is hidden whatever the formula.
pub fn derived_to_hide<K: Ord + Clone>(
    hidden: &BTreeSet<K>,
    derivations: &BTreeMap<K, Vec<K>>,
) -> BTreeSet<K> {
    let mut users: BTreeMap<&K, Vec<&K>> = BTreeMap::new();
    for (derived, sources) in derivations {
        for source in sources {
            users.entry(source).or_default().push(derived);
        }
    }
    let mut out: BTreeSet<K> = BTreeSet::new();
    let mut queue: VecDeque<&K> = hidden.iter().collect();
    while let Some(k) = queue.pop_front() {
        for &d in users.get(k).map(Vec::as_slice).unwrap_or_default() {
            if !hidden.contains(d) && out.insert(d.clone()) {
                queue.push_back(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_through_chains_of_derivations() {
        let hidden: BTreeSet<&str> = ["girls-2023"].into();
        let derivations: BTreeMap<&str, Vec<&str>> = [
            ("change-girls", vec!["girls-2023", "girls-2022"]),
            ("share-girls", vec!["girls-2023", "total-2023"]),
            ("bar-share-girls", vec!["share-girls"]),
            ("change-boys", vec!["boys-2023", "boys-2022"]),
        ]
        .into();
        let out = derived_to_hide(&hidden, &derivations);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["bar-share-girls", "change-girls", "share-girls"]
        );
    }

    #[test]
    fn cycles_terminate() {
        let hidden: BTreeSet<u32> = [1].into();
        let derivations: BTreeMap<u32, Vec<u32>> = [(2, vec![1, 3]), (3, vec![2])].into();
        assert_eq!(derived_to_hide(&hidden, &derivations), [2, 3].into());
    }
}
