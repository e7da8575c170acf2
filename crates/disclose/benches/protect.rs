//! Time to protect and audit a 3-dimensional hierarchical table of ~100,000
//! cells and a 5-dimensional one of ~650,000, with the suppression rate.
//!
//! `cargo bench -p zicht-disclose --bench protect` prints a one-shot report of
//! both, then lets criterion time the 100,000-cell table. Set
//! `ZICHT_BENCH_SKIP_BIG=1` to leave out the 650,000-cell table, and
//! `ZICHT_BENCH_BLIND_AUDIT=1` to also time the audit without the protector's
//! proofs (search and LPs from scratch).
//!
//! What is audited: every protected cell of the whole table, by
//! [`audit_certified`]: each proof the protector filed is checked by
//! arithmetic against the publication; a cell without a valid one would be
//! audited from scratch.

#[path = "../tests/util/mod.rs"]
mod util;

use std::time::Instant;

use criterion::Criterion;
use util::{generate, Counts, Dim};
use zicht_disclose::{audit, audit_certified, protect, Rule, Table};

fn three_d() -> Vec<Dim> {
    // age × origin→country × region→municipality: 20 × 45 × 111 = 99,900 cells.
    vec![
        Dim::flat("age", 19),
        Dim::nested("country", 4, 40),
        Dim::nested("municipality", 10, 100),
    ]
}

fn five_d() -> Vec<Dim> {
    // sex × age × form × origin→country × region→municipality:
    // 3 × 7 × 7 × 34 × 131 = 654,738 cells.
    vec![
        Dim::flat("sex", 2),
        Dim::flat("age", 6),
        Dim::flat("form", 6),
        Dim::nested("country", 3, 30),
        Dim::nested("municipality", 10, 120),
    ]
}

fn counts() -> Counts {
    // Inner cells: a fifth empty, the rest log-normal around 25: about one
    // in seven inner cells is under 10.
    Counts {
        zeros: 0.2,
        median: 25.0,
        spread: 1.0,
    }
}

fn table(dims: &[Dim]) -> Table {
    generate(dims, counts(), Rule::default(), true, 2024).table
}

fn report(name: &str, dims: &[Dim]) {
    let t0 = Instant::now();
    let table = table(dims);
    let built = t0.elapsed();
    let t1 = Instant::now();
    let protected = protect(&table).expect("protect");
    let protecting = t1.elapsed();
    let t2 = Instant::now();
    let report =
        audit_certified(&table, &protected.publications, &protected.certificates).expect("audit");
    let auditing = t2.elapsed();
    if std::env::var_os("ZICHT_BENCH_BLIND_AUDIT").is_some() {
        let t3 = Instant::now();
        let blind = audit(&table, &protected.publications).expect("audit");
        println!(
            "  audit without the protector's proofs: {:.2?} ({} LPs)",
            t3.elapsed(),
            blind.lp_solves
        );
    }
    println!(
        "{name}: {} cells, {} equations; build {:.2?}, protect {:.2?}, audit {:.2?} \
         ({} cells audited, {} LPs), protect+audit {:.2?}\n  {}",
        table.len(),
        table.equations().len(),
        built,
        protecting,
        auditing,
        report.cells.len(),
        report.lp_solves,
        protecting + auditing,
        protected.summary
    );
}

fn main() {
    report("3-d hierarchical", &three_d());
    if std::env::var_os("ZICHT_BENCH_SKIP_BIG").is_none() {
        report("5-d hierarchical", &five_d());
    }
    let table = table(&three_d());
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(40));
    c.bench_function("protect+audit 3-d 100k", |b| {
        b.iter(|| {
            let p = protect(&table).expect("protect");
            audit_certified(&table, &p.publications, &p.certificates).expect("audit");
        })
    });
    c.final_summary();
}
