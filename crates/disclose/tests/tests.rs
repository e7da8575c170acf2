//! Integration tests: one binary, to keep link times down.

mod util;

use proptest::prelude::*;
use util::{generate, Counts, Dim};
use zicht_contract::{parse_breakdown, ExportRow, EXPORT_HEADER};
use zicht_disclose::export::{protect_rows, ExportError, ExportOptions};
use zicht_disclose::{
    attacker_intervals, audit, audit_certified, derived_to_hide, link_earlier, protect,
    protect_table, protect_table_with, requirement, AuditError, EarlierEdition, ProtectOptions,
    Publication, Reason, Relation, Requirement, Rule, TableBuilder, Truth,
};

/// Checks a protected table the hard way: the attacker's exact interval of
/// every cell, against its rule.
fn assert_protected(table: &zicht_disclose::Table, publications: &[Publication]) {
    let intervals = attacker_intervals(table, publications).expect("consistent");
    for (c, interval) in intervals.iter().enumerate().take(table.len()) {
        let Some(req) = requirement(table, c) else {
            continue;
        };
        let (lo, hi) = interval.unwrap_or_else(|| panic!("{} is published", table.cell(c).label));
        match req {
            Requirement::Contains { lower, upper } => {
                // The policy: at least the window's width, wherever it lies;
                // the true value is always inside the attacker's interval.
                assert!(
                    hi - lo >= upper - lower - 1e-6,
                    "{}: attacker has [{lo}, {hi}], rule demands {} of room",
                    table.cell(c).label,
                    upper - lower
                );
                let truth = match table.cell(c).truth {
                    Truth::Exact(x) => x,
                    _ => unreachable!("a window is only asked of exact counts"),
                };
                assert!(
                    lo <= truth && truth <= hi,
                    "the attacker's interval holds the truth"
                );
            }
            Requirement::Width(w) => assert!(hi - lo >= w - 1e-6),
        }
    }
}

fn dims_strategy(max_dims: usize) -> impl Strategy<Value = Vec<Dim>> {
    prop::collection::vec((2usize..=3, any::<bool>()), 1..=max_dims).prop_map(|spec| {
        spec.iter()
            .enumerate()
            .map(|(i, &(leaves, nested))| {
                let name = format!("d{i}");
                if nested {
                    Dim::nested(&name, 2, leaves + 1)
                } else {
                    Dim::flat(&name, leaves)
                }
            })
            .collect()
    })
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    (
        prop_oneof![Just(10.0), Just(4.0)],
        any::<bool>(),
        prop_oneof![Just(None), Just(Some(1.0)), Just(Some(2.0))],
    )
        .prop_map(|(k, zeros, protection)| Rule {
            min_count: k,
            zeros_sensitive: zeros,
            protection,
            ..Rule::default()
        })
}

fn counts_strategy() -> impl Strategy<Value = Counts> {
    (0.0f64..0.4, 3.0f64..30.0).prop_map(|(zeros, median)| Counts {
        zeros,
        median,
        spread: 1.0,
    })
}

/// Published cells keep their figures, small ones say "<k", the rest is
/// suppressed.
fn assert_statuses(table: &zicht_disclose::Table, protected: &zicht_disclose::Protected, k: f64) {
    for (c, cell) in table.cells().iter().enumerate() {
        let Truth::Exact(x) = cell.truth else {
            unreachable!()
        };
        let p = protected.publications[c];
        match protected.reasons[c] {
            Reason::Published => assert_eq!(p, Publication::Exact(x)),
            Reason::Primary if table.shows_small_as_x() => assert_eq!(p, Publication::Suppressed),
            Reason::Primary => assert_eq!(p, Publication::Below { upper: k }),
            Reason::Secondary => assert_eq!(p, Publication::Suppressed),
            other => panic!("unexpected reason {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Up to three dimensions, some nested: the attacker's exact interval of
    /// every protected cell, one LP per cell and side, is as wide as its rule.
    #[test]
    fn every_hidden_cell_is_protected(
        dims in dims_strategy(3),
        rule in rule_strategy(),
        counts in counts_strategy(),
        name_parents in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let g = generate(&dims, counts, rule, name_parents, seed);
        let (table, protected, _) = protect_table(&g.table).unwrap();
        let table = &table;
        assert_protected(table, &protected.publications);
        prop_assert!(audit(table, &protected.publications).is_ok());
        prop_assert!(audit_certified(table, &protected.publications, &protected.certificates).is_ok());
        prop_assert_eq!(&protect_table(&g.table).unwrap().1, &protected);
        assert_statuses(table, &protected, rule.min_count);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Four dimensions, some nested: the auditor, without the protector's
    /// proofs, proves every protected cell.
    #[test]
    fn four_dimensional_tables_pass_the_audit(
        dims in dims_strategy(4),
        rule in rule_strategy(),
        counts in counts_strategy(),
        seed in any::<u64>(),
    ) {
        let g = generate(&dims, counts, rule, true, seed);
        let (table, protected, _) = protect_table(&g.table).unwrap();
        let report = audit(&table, &protected.publications);
        prop_assert!(report.is_ok(), "{}", report.unwrap_err());
        assert_statuses(&table, &protected, rule.min_count);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The demand bonus changes which cells are hidden, never whether every
    /// small count is protected, and the pattern stays the same run to run.
    #[test]
    fn any_demand_bonus_protects(
        dims in dims_strategy(3),
        counts in counts_strategy(),
        bonus in prop_oneof![Just(0.0), Just(0.3), Just(0.9)],
        seed in any::<u64>(),
    ) {
        let rule = Rule { min_count: 10.0, ..Rule::default() };
        let g = generate(&dims, counts, rule, true, seed);
        let options = ProtectOptions { demand_bonus: bonus, ..ProtectOptions::default() };
        let (table, protected, _) = protect_table_with(&g.table, &options).unwrap();
        assert_protected(&table, &protected.publications);
        prop_assert!(audit_certified(&table, &protected.publications, &protected.certificates).is_ok());
        prop_assert_eq!(&protect_table_with(&g.table, &options).unwrap().1, &protected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Choosing the hypercubes again by set cover protects every small
    /// count, hides no more than the first pass would have, and the pattern
    /// stays the same run to run.
    #[test]
    fn recover_protects_and_hides_no_more(
        dims in dims_strategy(3),
        counts in counts_strategy(),
        penalty in prop_oneof![Just(1.0), Just(2.0), Just(f64::INFINITY)],
        seed in any::<u64>(),
    ) {
        let rule = Rule { min_count: 10.0, ..Rule::default() };
        let g = generate(&dims, counts, rule, true, seed);
        let options = ProtectOptions { recover: true, recover_penalty: penalty, prune: false, ..ProtectOptions::default() };
        let (table, protected, fallback) = protect_table_with(&g.table, &options).unwrap();
        assert_protected(&table, &protected.publications);
        prop_assert!(audit_certified(&table, &protected.publications, &protected.certificates).is_ok());
        prop_assert_eq!(&protect_table_with(&g.table, &options).unwrap().1, &protected);
        let first = ProtectOptions { recover: false, ..options.clone() };
        let (_, without, fallback_without) = protect_table_with(&g.table, &first).unwrap();
        if fallback == zicht_disclose::Fallback::None && fallback_without == zicht_disclose::Fallback::None {
            prop_assert!(protected.summary.secondary <= without.summary.secondary);
        }
    }
}

/// A small table as a supplier might send it: sex × form of exploitation and
/// origin → country, with a few small counts, and another year.
const SMALL: &str = "\
indicator,period,breakdown,status,value,lower,upper,unit,source,footnote
victims,2022,,exact,283,,,persons,comensha,
victims,2022,sex=boys,exact,120,,,persons,comensha,
victims,2022,sex=girls,exact,163,,,persons,comensha,
victims,2022,form=sexual,exact,150,,,persons,comensha,
victims,2022,form=labour,exact,60,,,persons,comensha,
victims,2022,form=criminal,exact,73,,,persons,comensha,
victims,2022,form=sexual;sex=boys,exact,40,,,persons,comensha,
victims,2022,form=labour;sex=boys,exact,8,,,persons,comensha,
victims,2022,form=criminal;sex=boys,exact,72,,,persons,comensha,
victims,2022,form=sexual;sex=girls,exact,110,,,persons,comensha,
victims,2022,form=labour;sex=girls,exact,52,,,persons,comensha,
victims,2022,form=criminal;sex=girls,exact,1,,,persons,comensha,f1
victims,2022,origin=domestic,exact,200,,,persons,comensha,
victims,2022,origin=foreign,exact,80,,,persons,comensha,
victims,2022,origin=unknown,exact,3,,,persons,comensha,
victims,2022,country=ro;origin=foreign,exact,50,,,persons,comensha,
victims,2022,country=ng;origin=foreign,exact,27,,,persons,comensha,
victims,2022,country=gn;origin=foreign,exact,3,,,persons,comensha,
victims,2021,,exact,10,,,persons,comensha,
victims,2021,sex=boys,exact,4,,,persons,comensha,
victims,2021,sex=girls,exact,6,,,persons,comensha,
victims,2021,origin=foreign,refused,,,,persons,comensha,f2
";

fn rows(csv: &str) -> Vec<ExportRow> {
    csv.lines()
        .skip(1)
        .map(|l| ExportRow::from_fields(&l.split(',').collect::<Vec<_>>()).unwrap())
        .collect()
}

fn to_csv(rows: &[ExportRow]) -> String {
    let mut out = EXPORT_HEADER.join(",") + "\n";
    for r in rows {
        out.push_str(&r.fields().join(","));
        out.push('\n');
    }
    out
}

#[test]
fn a_small_table_is_protected() {
    let input = rows(SMALL);
    let protected = protect_rows(&input, &ExportOptions::default()).unwrap();
    insta::assert_snapshot!(to_csv(&protected.rows));
    // Published cells keep their exact figures, to the character.
    for (before, after) in input.iter().zip(&protected.rows) {
        if after.status == "exact" {
            assert_eq!(before, after);
        }
    }
    // The same input gives the same output.
    assert_eq!(
        protect_rows(&input, &ExportOptions::default())
            .unwrap()
            .rows,
        protected.rows
    );
}

#[test]
fn a_table_that_does_not_add_up_is_refused_with_its_rows() {
    let mut input = rows(SMALL);
    input[2].value = "164".into(); // girls: 120 + 164 ≠ 283
    let Err(ExportError::Rows(problems)) = protect_rows(&input, &ExportOptions::default()) else {
        panic!("accepted a table that does not add up");
    };
    let named: Vec<usize> = problems.iter().map(|p| p.row).collect();
    // The total (row 0) and the girls' margin (row 2) no longer add up.
    assert!(named.contains(&0) && named.contains(&2), "{problems:?}");
}

#[test]
fn a_lower_threshold_hides_less() {
    let input = rows(SMALL);
    let mut options = ExportOptions::default();
    options.rules.default.min_count = 5.0;
    let strict = protect_rows(&input, &ExportOptions::default())
        .unwrap()
        .summary;
    let loose = protect_rows(&input, &options).unwrap().summary;
    assert!(loose.primary < strict.primary);
}

fn small_table(figures: &[(&str, Truth)]) -> zicht_disclose::Table {
    let mut b = TableBuilder::new();
    for (breakdown, truth) in figures {
        b.push(
            &parse_breakdown(breakdown).unwrap(),
            *truth,
            Rule::default(),
        )
        .unwrap();
    }
    b.build().unwrap()
}

/// 2022 as the 2023 edition published it, and the same figures in 2024.
fn boys_and_girls() -> zicht_disclose::Table {
    small_table(&[
        ("", Truth::Exact(40.0)),
        ("sex=boys", Truth::Exact(3.0)),
        ("sex=girls", Truth::Exact(37.0)),
    ])
}

#[test]
fn an_earlier_edition_is_part_of_what_the_attacker_knows() {
    let earlier = boys_and_girls();
    let earlier_published = [
        Publication::Exact(40.0),
        Publication::Below { upper: 10.0 },
        Publication::Suppressed,
    ];
    let current = boys_and_girls();
    // Alone, hiding the total instead of the girls protects the boys...
    let hiding_the_total = [
        Publication::Suppressed,
        Publication::Below { upper: 10.0 },
        Publication::Exact(37.0),
    ];
    assert!(audit(&current, &hiding_the_total).is_ok());
    // ...but 40 - 37 gives them away to anyone who kept the earlier edition.
    let same: Vec<(usize, usize)> = (0..3).map(|c| (c, c)).collect();
    let linked = link_earlier(
        &current,
        &EarlierEdition {
            table: &earlier,
            publications: &earlier_published,
            same_cells: &same,
        },
    )
    .unwrap();
    let mut combined = hiding_the_total.to_vec();
    combined.extend(earlier_published);
    let Err(AuditError::Unprotected(cells)) = audit(&linked.table, &combined) else {
        panic!("differencing with the earlier edition went unnoticed");
    };
    assert_eq!(cells[0].label, "sex=boys");
    // Protected together, the pattern holds against both editions.
    let protected = protect(&linked.table).unwrap();
    assert!(audit(&linked.table, &protected.publications).is_ok());
    assert_eq!(
        protected.publications[1],
        Publication::Below { upper: 10.0 }
    );
    assert!(protected.exposed.is_empty());
}

#[test]
fn a_cell_an_earlier_edition_published_exactly_is_exposed_not_refused() {
    let earlier = boys_and_girls();
    let earlier_published = [
        Publication::Exact(40.0),
        Publication::Exact(3.0),
        Publication::Exact(37.0),
    ];
    let current = boys_and_girls();
    let same: Vec<(usize, usize)> = (0..3).map(|c| (c, c)).collect();
    let linked = link_earlier(
        &current,
        &EarlierEdition {
            table: &earlier,
            publications: &earlier_published,
            same_cells: &same,
        },
    )
    .unwrap();
    let protected = protect(&linked.table).unwrap();
    assert_eq!(protected.exposed, vec![1]);
    // Still "<10" now, as the rule says, and the release is not refused for it.
    assert_eq!(
        protected.publications[1],
        Publication::Below { upper: 10.0 }
    );
    let report = audit(&linked.table, &protected.publications).unwrap();
    assert_eq!(report.exposed, vec![1]);
}

#[test]
fn a_revised_figure_is_not_tied_to_its_earlier_self() {
    let earlier = boys_and_girls();
    let earlier_published = [
        Publication::Exact(40.0),
        Publication::Exact(3.0),
        Publication::Exact(37.0),
    ];
    let current = small_table(&[
        ("", Truth::Exact(41.0)),
        ("sex=boys", Truth::Exact(4.0)),
        ("sex=girls", Truth::Exact(37.0)),
    ]);
    let same: Vec<(usize, usize)> = (0..3).map(|c| (c, c)).collect();
    let linked = link_earlier(
        &current,
        &EarlierEdition {
            table: &earlier,
            publications: &earlier_published,
            same_cells: &same,
        },
    )
    .unwrap();
    // Only the girls (unrevised) are linked: the boys can still be protected.
    let protected = protect(&linked.table).unwrap();
    assert!(protected.exposed.is_empty());
    assert!(audit(&linked.table, &protected.publications).is_ok());
}

#[test]
fn parts_that_need_not_cover_their_total_give_less_away() {
    // Exclusive parts with an unknown remainder: 3 is only bounded above by 5.
    let mut b = TableBuilder::new().relation(Relation::PartsAtMost);
    for (k, v) in [("", 45.0), ("sex=boys", 3.0), ("sex=girls", 37.0)] {
        b.push(
            &parse_breakdown(k).unwrap(),
            Truth::Exact(v),
            Rule::default(),
        )
        .unwrap();
    }
    let table = b.build().unwrap();
    let protected = protect(&table).unwrap();
    assert_eq!(protected.summary.secondary, 0);
    assert!(audit(&table, &protected.publications).is_ok());
}

#[test]
fn a_suppliers_bound_is_not_undone_by_the_margins() {
    // The supplier said "<5"; the total and the other part would give 3.
    let table = small_table(&[
        ("", Truth::Exact(40.0)),
        ("sex=boys", Truth::Below { upper: 5.0 }),
        ("sex=girls", Truth::Exact(37.0)),
    ]);
    let protected = protect(&table).unwrap();
    assert_eq!(
        protected.publications[1],
        Publication::Below { upper: 10.0 }
    );
    assert_eq!(protected.summary.secondary, 1);
    assert!(audit(&table, &protected.publications).is_ok());
    let bare = [
        Publication::Exact(40.0),
        Publication::Below { upper: 10.0 },
        Publication::Exact(37.0),
    ];
    assert!(audit(&table, &bare).is_err());
}

#[test]
fn derived_figures_of_hidden_cells_are_hidden() {
    use std::collections::{BTreeMap, BTreeSet};
    let table = boys_and_girls();
    let protected = protect(&table).unwrap();
    let hidden: BTreeSet<String> = (0..table.len())
        .filter(|&c| !protected.publications[c].is_exact())
        .map(|c| table.cell(c).label.clone())
        .collect();
    let derivations: BTreeMap<String, Vec<String>> = [
        (
            "share-boys".to_string(),
            vec!["sex=boys".to_string(), String::new()],
        ),
        ("change-total".to_string(), vec![String::new()]),
    ]
    .into();
    let hide = derived_to_hide(&hidden, &derivations);
    assert!(hide.contains("share-boys"));
}

/// A hierarchy read from text nests municipalities named without their
/// region; every hidden row comes with what the auditor proved of it.
#[test]
fn a_hierarchy_file_nests_and_every_hidden_row_is_reported() {
    let input = rows(
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         v,2023,,exact,100,,,persons,,\n\
         v,2023,region=north,exact,44,,,persons,,\n\
         v,2023,region=south,exact,56,,,persons,,\n\
         v,2023,municipality=a,exact,3,,,persons,,\n\
         v,2023,municipality=b,exact,41,,,persons,,\n\
         v,2023,municipality=c,exact,20,,,persons,,\n\
         v,2023,municipality=d,exact,36,,,persons,,\n",
    );
    let hierarchies = zicht_disclose::Hierarchy::parse(
        "region=north,municipality=a\nregion=north,municipality=b\n\
         region=south,municipality=c\nregion=south,municipality=d\n",
    )
    .unwrap();
    let flat = protect_rows(&input, &ExportOptions::default()).unwrap();
    let options = ExportOptions {
        hierarchies,
        ..ExportOptions::default()
    };
    let nested = protect_rows(&input, &options).unwrap();
    let status = |p: &zicht_disclose::export::ProtectedRows, i: usize| p.rows[i].status.clone();
    // Without the nesting nothing ties a to b; with it, north = a + b.
    assert_eq!(status(&nested, 4), "suppressed");
    assert_ne!(status(&flat, 4), "suppressed");
    let hidden: Vec<usize> = nested.hidden.iter().map(|h| h.row).collect();
    let expected: Vec<usize> = (0..input.len())
        .filter(|&i| nested.rows[i].status != "exact")
        .collect();
    assert_eq!(hidden, expected);
    for h in &nested.hidden {
        match (&h.audit, nested.rows[h.row].status.as_str()) {
            (Some(a), "below") => assert!(a.holds(), "{a:?}"),
            (None, "suppressed") => {}
            other => panic!("row {}: {other:?}", h.row),
        }
    }
}

/// A four-dimensional table of mostly small counts under k = 4: with small
/// counts as "<4", every "x" tells the attacker "at least 4", and the margins
/// then pin small cells whatever is hidden. The release's last resort hides
/// the whole table, small counts as "x" too, and the audit passes.
#[test]
fn a_table_of_small_counts_is_hidden_whole() {
    let dims = vec![
        Dim::nested("d0", 2, 4),
        Dim::flat("d1", 2),
        Dim::nested("d2", 2, 3),
        Dim::flat("d3", 2),
    ];
    let rule = Rule {
        min_count: 4.0,
        protection: Some(2.0),
        ..Rule::default()
    };
    let counts = Counts {
        zeros: 0.004459031221553641,
        median: 6.112573617251599,
        spread: 1.0,
    };
    let g = generate(&dims, counts, rule, true, 13195919858459504223);
    assert!(
        !protect(&g.table).unwrap().exposed.is_empty(),
        "the ordinary pattern cannot"
    );
    let (table, protected, fallback) = protect_table(&g.table).unwrap();
    assert_eq!(fallback, zicht_disclose::Fallback::AllHidden);
    assert!(table.shows_small_as_x());
    assert!(protected.exposed.is_empty());
    audit(&table, &protected.publications).unwrap();
    assert_protected(&table, &protected.publications);
}
