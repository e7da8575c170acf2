//! The protector against an attacker it does not share code with: random
//! additive tables (2 to 4 dimensions with every margin, nested dimensions,
//! a revised later edition, k = 10 and k = 4) are protected as the release
//! protects them (`zicht_disclose::protect_table`: `protect`, then its
//! fallbacks where a small count is left unprotected),
//! and an integer program over only what was published must leave every
//! hidden small count at least ⌈0.3·k⌉ wide, around its true value.

mod attacker;
#[path = "../../disclose/tests/util/mod.rs"]
mod util;

use attacker::{Public, Relation as Rel, Shown, Sum};
use proptest::prelude::*;
use util::{generate, Counts, Dim};
use zicht_disclose::{
    is_sensitive, link_earlier, protect_table, EarlierEdition, Publication, Relation, Rule, Table,
    TableBuilder, Truth,
};

fn shown(p: &Publication) -> Shown {
    match *p {
        Publication::Exact(v) => Shown::Exact(v),
        Publication::Below { upper } => Shown::Below(upper),
        Publication::Rounded { value, base } => Shown::Rounded { value, base },
        Publication::Range { lower, upper } => Shown::Range(lower, upper),
        Publication::Suppressed => Shown::Hidden,
        Publication::Withheld => Shown::Nothing,
    }
}

fn sum(r: Relation) -> Sum {
    match r {
        Relation::Equal => Sum::Equal,
        Relation::PartsAtMost => Sum::AtMost,
        Relation::PartsAtLeast => Sum::AtLeast,
    }
}

/// Adds a table's public rows and its own relations (not links to other
/// tables: the attacker makes those itself) to what the attacker has.
/// `rules`: the cells' rules as applied, from `at` on (the protection may
/// have hidden zeros too, and then says so).
fn add_table(
    public: &mut Public,
    table: &Table,
    publications: &[Publication],
    rules: (&Table, usize),
    tag: &str,
) -> usize {
    let offset = public.shown.len();
    for (i, (c, p)) in table.cells().iter().zip(publications).enumerate() {
        let rule = rules.0.cell(rules.1 + i).rule;
        public.push(format!("{}{tag}", c.label), shown(p), !rule.hides_zeros());
    }
    let ks: Vec<(usize, f64)> = (0..table.len())
        .map(|i| (offset + i, rules.0.cell(rules.1 + i).rule.min_count))
        .collect();
    public.read_x(&ks);
    for e in table.equations() {
        public.relations.push(Rel {
            total: e.total + offset,
            parts: e.parts.iter().map(|p| p + offset).collect(),
            sum: sum(e.relation),
        });
    }
    offset
}

/// The hidden small counts of a table (cells `from..from + n` of the
/// table as protected), with the width the policy keeps: ⌈0.3·k⌉, or what
/// the "<k" domain leaves where that is narrower.
fn small(used: &Table, from: usize, n: usize, offset: usize) -> Vec<(usize, f64, f64)> {
    (0..n)
        .filter_map(|i| {
            let cell = used.cell(from + i);
            let c = i;
            let Truth::Exact(x) = cell.truth else {
                return None;
            };
            if !is_sensitive(x, &cell.rule) {
                return None;
            }
            let k = cell.rule.min_count;
            let floor = if cell.rule.hides_zeros() { 0.0 } else { 1.0 };
            let width = attacker::policy_width(k, None).min(k - 1.0 - floor);
            Some((c + offset, x, width))
        })
        .collect()
}

fn describe(leaks: &[attacker::Leak]) -> String {
    leaks
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn dims_strategy(min: usize, max: usize) -> impl Strategy<Value = Vec<Dim>> {
    prop::collection::vec((2usize..=3, any::<bool>()), min..=max).prop_map(|spec| {
        let four = spec.len() >= 4;
        spec.iter()
            .enumerate()
            .map(|(i, &(leaves, nested))| {
                let name = format!("d{i}");
                // Four dimensions stay small: two values each, one nested.
                if four {
                    if i == 0 && nested {
                        Dim::nested(&name, 2, 3)
                    } else {
                        Dim::flat(&name, 2)
                    }
                } else if nested {
                    Dim::nested(&name, 2, leaves + 1)
                } else {
                    Dim::flat(&name, leaves)
                }
            })
            .collect()
    })
}

fn counts_strategy() -> impl Strategy<Value = Counts> {
    (0.0f64..0.3, 4.0f64..25.0).prop_map(|(zeros, median)| Counts {
        zeros,
        median,
        spread: 1.0,
    })
}

fn attack_one(dims: &[Dim], counts: Counts, rule: Rule, seed: u64) -> Result<(), TestCaseError> {
    let g = generate(dims, counts, rule, true, seed);
    let (used, protected, fallback) = protect_table(&g.table).unwrap();
    let mut public = Public::default();
    add_table(
        &mut public,
        &g.table,
        &protected.publications,
        (&used, 0),
        "",
    );
    let leaks = public.leaks(&small(&used, 0, g.table.len(), 0));
    prop_assert!(
        leaks.is_empty(),
        "{} of the hidden small counts leak ({fallback:?}):\n{}",
        leaks.len(),
        describe(&leaks)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_hidden_count_of_a_two_or_three_dimensional_table_is_narrower_than_the_policy(
        dims in dims_strategy(2, 3),
        counts in counts_strategy(),
        zeros_sensitive in any::<bool>(),
        min_count in prop_oneof![Just(10.0), Just(4.0)],
        seed in any::<u64>(),
    ) {
        let rule = Rule { zeros_sensitive, min_count, ..Rule::default() };
        attack_one(&dims, counts, rule, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_hidden_count_of_a_four_dimensional_table_is_narrower_than_the_policy(
        dims in dims_strategy(4, 4),
        counts in counts_strategy(),
        seed in any::<u64>(),
    ) {
        attack_one(&dims, counts, Rule::default(), seed)?;
    }
}

/// The same table with a few inner counts revised upwards, and every
/// margin above them with them: a later edition.
fn revised(g: &util::Generated, dims: &[Dim], rule: Rule, changes: &[(usize, u8)]) -> Table {
    let deepest = g.breakdowns.iter().map(Vec::len).max().unwrap_or(0);
    let inner: Vec<usize> = (0..g.breakdowns.len())
        .filter(|&c| g.breakdowns[c].len() == deepest)
        .collect();
    let mut values: Vec<f64> = g
        .table
        .cells()
        .iter()
        .map(|c| match c.truth {
            Truth::Exact(v) => v,
            _ => unreachable!("generated cells are exact"),
        })
        .collect();
    for &(pick, delta) in changes {
        let i = inner[pick % inner.len()];
        for (c, b) in g.breakdowns.iter().enumerate() {
            if b.iter().all(|p| g.breakdowns[i].contains(p)) {
                values[c] += f64::from(delta);
            }
        }
    }
    let mut builder = TableBuilder::new().integer(true);
    for h in dims.iter().filter_map(Dim::hierarchy) {
        builder = builder.hierarchy(h);
    }
    for (b, v) in g.breakdowns.iter().zip(values) {
        builder.push(b, Truth::Exact(v), rule).unwrap();
    }
    builder.build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

    /// An edition, then a later one revising a few counts: the attacker
    /// holds both publications, an unrevised count being the same in both,
    /// and narrows no hidden count of either below the policy.
    #[test]
    fn a_later_edition_leaves_no_hidden_count_narrower_than_the_policy(
        dims in dims_strategy(2, 3),
        counts in counts_strategy(),
        changes in prop::collection::vec((any::<usize>(), 1u8..=6), 1..=3),
        seed in any::<u64>(),
    ) {
        let rule = Rule::default();
        let g = generate(&dims, counts, rule, true, seed);
        let (first_used, first, _) = protect_table(&g.table).unwrap();
        let later = revised(&g, &dims, rule, &changes);
        let same: Vec<(usize, usize)> = (0..later.len()).map(|c| (c, c)).collect();
        let linked = link_earlier(
            &later,
            &EarlierEdition {
                table: &first_used,
                publications: &first.publications,
                same_cells: &same,
            },
        )
        .unwrap();
        let (used, second, fallback) = protect_table(&linked.table).unwrap();
        let (now, then) = second.publications.split_at(later.len());
        prop_assert_eq!(then, &first.publications[..], "an earlier edition stays as published");

        let mut public = Public::default();
        let at_now = add_table(&mut public, &later, now, (&used, 0), " (later)");
        let at_then = add_table(&mut public, &g.table, &first.publications, (&first_used, 0), " (earlier)");
        for c in 0..later.len() {
            if later.cell(c).truth == g.table.cell(c).truth {
                public.same.push((at_now + c, at_then + c));
            }
        }
        let mut asked = small(&used, 0, later.len(), at_now);
        asked.extend(small(&first_used, 0, g.table.len(), at_then));
        // What an earlier edition already gave away is reported, not hidden
        // again; the attacker is not asked about it.
        asked.retain(|(c, _, _)| !second.exposed.contains(c));
        let leaks = public.leaks(&asked);
        prop_assert!(
            leaks.is_empty(),
            "{} of the hidden small counts leak across the two editions ({fallback:?}, exposed: {:?}):\n{}",
            leaks.len(),
            second.exposed,
            describe(&leaks)
        );
    }
}

/// The attacker itself: on a table it can solve by hand, it finds what
/// an LP would miss, and it reads "<10" as 1 to 9 where zeros are public.
#[test]
fn the_attacker_reasons_in_whole_numbers() {
    let mut p = Public::default();
    let total = p.push("total", Shown::Exact(12.0), true);
    let a = p.push("a", Shown::Below(10.0), true);
    let b = p.push("b", Shown::Below(10.0), true);
    p.relations.push(Rel {
        total,
        parts: vec![a, b],
        sum: Sum::Equal,
    });
    // a + b = 12, both 1..9: a in 3..9.
    assert_eq!(p.interval(a), Some((3.0, 9.0)));
    let leaks = p.leaks(&[(a, 3.0, 3.0)]);
    assert!(leaks.is_empty(), "{leaks:?}");
    // Zeros kept secret: "<10" may be 0.
    let mut z = Public::default();
    let c = z.push("c", Shown::Below(10.0), false);
    assert_eq!(z.interval(c), Some((0.0, 9.0)));
    // A count pinned exactly is a leak.
    let mut w = Public::default();
    let t = w.push("t", Shown::Exact(10.0), true);
    let d = w.push("d", Shown::Below(10.0), true);
    let e = w.push("e", Shown::Exact(8.0), true);
    w.relations.push(Rel {
        total: t,
        parts: vec![d, e],
        sum: Sum::Equal,
    });
    let leaks = w.leaks(&[(d, 2.0, 3.0)]);
    assert_eq!(leaks.len(), 1);
    assert_eq!((leaks[0].low, leaks[0].high), (2.0, 2.0));
}
