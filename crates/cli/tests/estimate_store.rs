//! `zicht estimate --from-store … --by year,DIM`: strata put together from
//! the capture histories that earlier `--save` runs stored, and the guards
//! that refuse a run before anything is computed (issue 14, items 4 and 6).

mod common;

use common::{ok, sqlite, zicht, Run};

fn refused(r: Run, needle: &str) -> String {
    assert_ne!(r.code, 0, "accepted:\n{}", r.stdout);
    assert!(r.stderr.contains(needle), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

/// Synthetic histories (no real data) of three independent lists with
/// capture probabilities `p`, for a stratum of `n` people: the expected
/// counts, rounded.
fn rows(stratum: &str, n: f64, p: [f64; 3]) -> String {
    let mut out = String::new();
    for mask in 1..8u32 {
        let share: f64 = (0..3)
            .map(|i| {
                if mask & (1 << i) != 0 {
                    p[i]
                } else {
                    1.0 - p[i]
                }
            })
            .product();
        let bits: Vec<String> = (0..3).map(|i| ((mask >> i) & 1).to_string()).collect();
        out += &format!("{},{stratum},{}\n", bits.join(","), (n * share).round());
    }
    out
}

fn save_year(db: &str, dir: &std::path::Path, year: &str, n: f64) {
    let file = dir.join(format!("h{year}.csv"));
    let text = format!(
        "A,B,C,stratum,count\n{}{}",
        rows("origin=domestic", n, [0.3, 0.4, 0.2]),
        rows("origin=foreign", n / 2.0, [0.15, 0.4, 0.2])
    );
    std::fs::write(&file, text).unwrap();
    ok(zicht(
        db,
        &[
            "estimate",
            file.to_str().unwrap(),
            "--stratum-column",
            "stratum",
            "--bootstrap",
            "0",
            "--no-sensitivity",
            "--save",
            "nr.estimate.victims",
            "--period",
            year,
        ],
    ));
}

#[test]
fn strata_of_stored_years_and_breakdowns_are_estimated_together() {
    let (dir, db) = sqlite("by");
    ok(zicht(&db, &["init"]));
    save_year(&db, &dir, "2022", 2000.0);
    save_year(&db, &dir, "2023", 3000.0);

    let by = |by: &str, period: &str| {
        zicht(
            &db,
            &[
                "estimate",
                "--from-store",
                "nr.estimate.victims",
                "--period",
                period,
                "--by",
                by,
                "--json",
            ],
        )
    };
    let out = ok(by("year,origin", "2022/2023")).stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let strata = v["strata"].as_array().unwrap();
    assert_eq!(strata.len(), 4, "{out}");
    let names: Vec<&str> = strata
        .iter()
        .map(|s| s["stratum"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"year=2022, origin=domestic")
            && names.contains(&"year=2023, origin=foreign"),
        "{names:?}"
    );
    // Each stratum is the stored histories of its cell, nothing else.
    let seen = |name: &str| {
        strata.iter().find(|s| s["stratum"] == name).unwrap()["observed"]
            .as_u64()
            .unwrap()
    };
    let domestic_2022: u64 = rows("x", 2000.0, [0.3, 0.4, 0.2])
        .lines()
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(seen("year=2022, origin=domestic"), domestic_2022);
    // The total is the strata's sum, and near the 7,500 simulated.
    let sum: f64 = strata.iter().map(|s| s["estimate"].as_f64().unwrap()).sum();
    let total = v["total"]["estimate"].as_f64().unwrap();
    assert!((total - sum).abs() < 1e-6 * total, "{total} vs {sum}");
    assert!((total / 7_500.0 - 1.0).abs() < 0.1, "{total}");
    assert_eq!(
        v["total"]["observed"].as_u64().unwrap(),
        strata
            .iter()
            .map(|s| s["observed"].as_u64().unwrap())
            .sum::<u64>()
    );

    // One year, by origin only.
    let out = ok(by("origin", "2023")).stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["strata"].as_array().unwrap().len(), 2, "{out}");

    // Strata that were never stored, a period without any: refused with
    // what the store holds.
    let e = refused(by("year,age", "2022/2023"), "Nothing was computed");
    assert!(e.contains("2022 [origin=domestic]"), "{e}");
    refused(by("year,origin", "2020/2021"), "no stored histories");
}

#[test]
fn from_store_guards_refuse_before_computing() {
    let (dir, db) = sqlite("guards");
    ok(zicht(&db, &["init"]));
    save_year(&db, &dir, "2022", 2000.0);
    let run = |args: &[&str]| {
        let mut all = vec!["estimate", "--bootstrap", "0", "--no-sensitivity"];
        all.extend_from_slice(args);
        zicht(&db, &all)
    };
    refused(
        run(&["--from-store", "no.such.indicator", "--period", "2022"]),
        "unknown indicator 'no.such.indicator'",
    );
    refused(
        run(&["--from-store", "comensha.minor_victims", "--period", "2022"]),
        "holds registered figures",
    );
    refused(
        run(&[
            "--from-store",
            "nr.estimate.victims",
            "--period",
            "2022",
            "--by",
            "origin",
            "--save",
            "nr.estimate.victims",
        ]),
        "Nothing was computed",
    );
    // A period with nothing stored; a saved estimate replaced without a
    // reason.
    refused(
        run(&[
            "--from-store",
            "nr.estimate.victims",
            "--period",
            "1990",
            "--save",
            "nr.estimate.victims",
        ]),
        "no capture histories are stored for nr.estimate.victims 1990",
    );
    let again = |reason: Option<&str>| {
        let mut args = vec![
            "--from-store",
            "nr.estimate.victims",
            "--period",
            "2022",
            "--breakdown",
            "origin=domestic",
            // Another level: another interval, so a correction.
            "--level",
            "0.8",
            "--save",
            "nr.estimate.victims",
        ];
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        run(&args)
    };
    refused(again(None), "a correction needs a reason");
    ok(again(Some("80% interval after review")));
}
