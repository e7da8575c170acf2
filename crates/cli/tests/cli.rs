//! The `zicht` binary end to end, against real stores.

mod common;

use common::{ok, sqlite, zicht};
use std::path::PathBuf;
use std::process::Command;

fn rows<'a>(csv: &'a str, prefix: &str) -> Vec<&'a str> {
    csv.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn help_lists_every_command() {
    let r = ok(zicht("sqlite://unused.db", &["--help"]));
    for cmd in [
        "init",
        "indicators",
        "editions",
        "show",
        "history",
        "export",
        "import",
    ] {
        assert!(
            r.stdout.contains(cmd),
            "--help does not list {cmd}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn init_twice_changes_nothing_the_second_time() {
    let (_d, db) = sqlite("init");
    let first = ok(zicht(&db, &["init"]));
    assert!(
        first.stdout.contains("345 cells recorded")
            || first.stdout.contains("cells recorded, 0 already"),
        "{}",
        first.stdout
    );
    let second = ok(zicht(&db, &["init"]));
    assert!(
        second
            .stdout
            .contains("0 definitions new or changed, 0 cells recorded"),
        "{}",
        second.stdout
    );
}

#[test]
fn export_lists_the_seed_figures_with_their_status() {
    let (_d, db) = sqlite("export");
    ok(zicht(&db, &["init"]));
    let csv = ok(zicht(&db, &["export", "--format", "csv"])).stdout;
    assert_eq!(
        csv.lines().next(),
        Some("indicator,period,breakdown,status,value,lower,upper,unit,source,footnote")
    );
    let has = |prefix: &str| assert!(!rows(&csv, prefix).is_empty(), "no row starting {prefix:?}");
    has("jenv.minor_victims_temporary_permit,2015,,below,,,10,persons,");
    has("jenv.minor_victims_temporary_permit,2020,,refused,,,,persons,");
    has("amv.disappearances,2019,reception=protected,range,,7,28,persons,");
    has("amv.disappearances,2020,organisation=coa,rounded,320,,,persons,");
    has("nr.estimate.victims,2020,,estimate,,5000,7500,persons,");
    has("offlimits.reports.illegal_share,2019,,exact,76.6,,,percent,");
    has("comensha.minor_victims,2019,,exact,108,,,persons,");
    has("comensha.minor_victims,2019,sex=girls,exact,86,,,persons,");
    has("cn.minor_victims,2022,,exact,0,,,persons,");
    // As of the 2020 edition, 2019 was still 109.
    let old = ok(zicht(&db, &["export", "--edition", "kic-2020"])).stdout;
    assert!(!rows(&old, "comensha.minor_victims,2019,,exact,109,").is_empty());
    assert!(
        rows(&old, "comensha.minor_victims,2023,").is_empty(),
        "2023 was not known in 2021"
    );
    // Every version, both documents' 2019 figures among them.
    let all = ok(zicht(
        &db,
        &[
            "export",
            "--all-versions",
            "--indicator",
            "comensha.minor_victims",
        ],
    ))
    .stdout;
    assert!(!rows(&all, "comensha.minor_victims,2019,,exact,109,").is_empty());
    assert!(!rows(&all, "comensha.minor_victims,2019,,exact,108,").is_empty());
}

#[test]
fn export_import_export_round_trips() {
    let (_a, db_a) = sqlite("rt-a");
    let (dir_b, db_b) = sqlite("rt-b");
    ok(zicht(&db_a, &["init"]));
    let first = ok(zicht(&db_a, &["export"])).stdout;
    ok(zicht(&db_b, &["init"]));
    let file = dir_b.join("e.csv");
    std::fs::write(&file, &first).unwrap();
    let imported = ok(zicht(&db_b, &["import", file.to_str().unwrap()]));
    assert!(
        imported.stdout.contains("0 cells recorded"),
        "re-importing the same figures records nothing: {}",
        imported.stdout
    );
    assert_eq!(ok(zicht(&db_b, &["export"])).stdout, first);
}

/// `--out` naming a named pipe (or a device such as /dev/null) writes into
/// it: a rename over it would replace it with a file (as root, /dev/null).
#[test]
fn export_writes_into_a_named_pipe_not_over_it() {
    let (dir, db) = sqlite("fifo");
    ok(zicht(&db, &["init"]));
    let whole = ok(zicht(&db, &["export"])).stdout;
    let fifo = dir.join("out.pipe");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    for _ in 0..2 {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        ok(zicht(&db, &["export", "--out", fifo.to_str().unwrap()]));
        assert_eq!(reader.join().unwrap(), whole);
        let kind = std::fs::metadata(&fifo).unwrap().file_type();
        assert!(
            std::os::unix::fs::FileTypeExt::is_fifo(&kind),
            "the pipe is still a pipe"
        );
    }
}

#[test]
fn a_correction_is_a_new_version_with_its_reason() {
    let (dir, db) = sqlite("correction");
    ok(zicht(&db, &["init"]));
    let file = dir.join("fix.csv");
    std::fs::write(
        &file,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         municipalities.trafficking_policy_share,2023,,exact,67,,,percent,significant-public: Herziene telling,\n",
    )
    .unwrap();
    ok(zicht(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--reason",
            "recount of the survey",
        ],
    ));
    let now = ok(zicht(
        &db,
        &[
            "export",
            "--indicator",
            "municipalities.trafficking_policy_share",
        ],
    ))
    .stdout;
    assert!(
        !rows(
            &now,
            "municipalities.trafficking_policy_share,2023,,exact,67,"
        )
        .is_empty(),
        "{now}"
    );
    let then = ok(zicht(
        &db,
        &[
            "export",
            "--indicator",
            "municipalities.trafficking_policy_share",
            "--as-of",
            "2025-12-31",
        ],
    ))
    .stdout;
    assert!(
        !rows(
            &then,
            "municipalities.trafficking_policy_share,2023,,exact,66,"
        )
        .is_empty(),
        "{then}"
    );
    let history = ok(zicht(
        &db,
        &["history", "municipalities.trafficking_policy_share"],
    ))
    .stdout;
    assert!(history.contains("recount of the survey"), "{history}");
}

#[test]
fn bad_input_is_named_and_nothing_is_half_loaded() {
    let (dir, db) = sqlite("bad");
    ok(zicht(&db, &["init"]));
    let before = ok(zicht(&db, &["export"])).stdout;
    let file = dir.join("bad.csv");
    std::fs::write(
        &file,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         comensha.minor_victims,2024,,exact,40,,,persons,,\n\
         no.such.indicator,2020,,exact,5,,,persons,,\n\
         comensha.minor_victims,1999,,exact,5,,,persons,,\n\
         comensha.minor_victims,2020,sex=martians,exact,5,,,persons,,\n\
         comensha.minor_victims,2021,,refused,5,,,persons,,\n\
         comensha.minor_victims,2020,sex=girls,exact,500,,,persons,,\n\
         comensha.minor_victims,2019,,below,,,,persons,,\n\
         comensha.minor_victims,2018,,exact,19.872,,,persons,,\n\
         comensha.minor_victims,2017,,exact,19872,5,,persons,,\n",
    )
    .unwrap();
    let r = zicht(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let name = file.display().to_string();
    for expected in [
        format!("{name}:3: field 'indicator': unknown indicator 'no.such.indicator'"),
        format!("{name}:4: field 'period': indicator 'comensha.minor_victims' starts in 2012"),
        format!("{name}:5: field 'breakdown': 'martians' is not a value of dimension 'sex'"),
        format!("{name}:6: field 'value': status refused has no value"),
        format!("{name}:7: field 'value': the parts of comensha.minor_victims 2020"),
        format!("{name}:8: field 'upper': status below needs a upper"),
        format!("{name}:9: field 'value': '19.872' has Dutch thousands separators: write 19872 without a separator"),
        format!("{name}:10: field 'lower': status exact has no lower"),
        "nothing was imported".to_owned(),
    ] {
        assert!(
            r.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            r.stderr
        );
    }
    // The good first row was not stored either.
    assert_eq!(ok(zicht(&db, &["export"])).stdout, before);
}

#[test]
fn a_wrong_header_is_named() {
    let (dir, db) = sqlite("header");
    ok(zicht(&db, &["init"]));
    let file = dir.join("h.csv");
    std::fs::write(&file, "indicator;period\nx;y\n").unwrap();
    let r = zicht(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(":1: the header must be exactly"),
        "{}",
        r.stderr
    );
}

#[test]
fn show_writes_statuses_as_the_monitor_does() {
    let (_d, db) = sqlite("show");
    ok(zicht(&db, &["init"]));
    let out = ok(zicht(&db, &["show", "jenv.minor_victims_temporary_permit"])).stdout;
    assert!(
        out.lines()
            .any(|l| l.starts_with("2015") && l.contains("<10")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("2020") && l.contains(" x[")),
        "{out}"
    );
    assert!(
        out.contains("vierde jaar op een rij"),
        "the refusal's reason is shown:\n{out}"
    );
    let amv = ok(zicht(&db, &["show", "amv.disappearances"])).stdout;
    assert!(amv.contains("7–28"), "{amv}");
    let r = zicht(&db, &["show", "comensha"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("did you mean"), "{}", r.stderr);
}

#[test]
fn json_and_xlsx_hold_the_same_cells() {
    let (dir, db) = sqlite("formats");
    ok(zicht(&db, &["init"]));
    let csv = ok(zicht(&db, &["export"])).stdout;
    let n = csv.lines().count() - 1;
    let json: serde_json::Value =
        serde_json::from_str(&ok(zicht(&db, &["export", "--format", "json"])).stdout).unwrap();
    assert_eq!(json["cells"].as_array().unwrap().len(), n);
    let xlsx = dir.join("cells.xlsx");
    ok(zicht(
        &db,
        &[
            "export",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("cells").unwrap();
    assert_eq!(range.height(), n + 1);
    let r = zicht(&db, &["export", "--format", "xlsx"]);
    assert_ne!(r.code, 0, "binary to a terminal is refused");
}

#[test]
fn postgres_gives_the_same_export_as_sqlite() {
    let Ok(server) = std::env::var("ZICHT_TEST_POSTGRES_URL") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but ZICHT_TEST_POSTGRES_URL is not set"
        );
        eprintln!("note: ZICHT_TEST_POSTGRES_URL not set; skipped the PostgreSQL comparison");
        return;
    };
    let db = format!("zicht_cli_{}", std::process::id());
    let admin = Command::new("psql")
        .arg(&server)
        .arg("-qc")
        .arg(format!("DROP DATABASE IF EXISTS {db}; "))
        .output();
    let _ = admin;
    let create = Command::new("psql")
        .arg(&server)
        .arg("-qc")
        .arg(format!("CREATE DATABASE {db}"))
        .output()
        .expect("psql");
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    let base = server.rsplit_once('/').unwrap().0;
    let pg = format!("{base}/{db}");
    let (_d, lite) = sqlite("pg-compare");
    ok(zicht(&pg, &["init"]));
    ok(zicht(&lite, &["init"]));
    for args in [
        &["export"][..],
        &["export", "--edition", "kib-2023"],
        &["export", "--all-versions"],
    ] {
        assert_eq!(
            ok(zicht(&pg, args)).stdout,
            ok(zicht(&lite, args)).stdout,
            "{args:?}"
        );
    }
}

#[test]
fn recommendations_show_their_measures_with_a_timeline() {
    let (_d, db) = sqlite("recs");
    ok(zicht(&db, &["init"]));
    let list = ok(zicht(&db, &["recommendations"])).stdout;
    for id in [
        "19a", "19b", "39a", "39b", "39c", "42-i", "42-ii", "42-iii", "42-iv",
    ] {
        assert!(
            list.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{list}"
        );
    }
    let one = ok(zicht(&db, &["recommendations", "42-iii"])).stdout;
    assert!(
        one.contains("offlimits.reports"),
        "its indicators are named:\n{one}"
    );
    let law = ok(zicht(&db, &["recommendations", "19a"])).stdout;
    assert!(
        law.contains("2024-07-01  in werking getreden"),
        "Wet seksuele misdrijven entered into force on 1 July 2024:\n{law}"
    );
    let r = zicht(&db, &["recommendations", "99z"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("unknown recommendation '99z'"),
        "{}",
        r.stderr
    );
}

fn uk2013() -> String {
    format!(
        "{}/../estimate/tests/data/uk2013.csv",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn estimate_prints_json_and_saves_a_reproducible_estimate_cell() {
    let (dir, db) = sqlite("estimate");
    ok(zicht(&db, &["init"]));
    let json = ok(zicht(
        &db,
        &[
            "estimate",
            &uk2013(),
            "--json",
            "--bootstrap",
            "0",
            "--no-sensitivity",
        ],
    ))
    .stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["estimate"].as_f64().unwrap().round(), 11418.0);
    assert_eq!(v["observed"].as_u64(), Some(2744));
    assert!(v["model"].as_str().unwrap().contains("PF:NCA"));
    assert!((v["ci_lower"].as_f64().unwrap() - 9977.3).abs() < 1.0);

    ok(zicht(
        &db,
        &[
            "estimate",
            &uk2013(),
            "--bootstrap",
            "0",
            "--no-sensitivity",
            "--save",
            "nr.estimate.victims",
            "--period",
            "2024",
        ],
    ));
    let csv = ok(zicht(
        &db,
        &["export", "--indicator", "nr.estimate.victims"],
    ))
    .stdout;
    assert!(
        !rows(
            &csv,
            "nr.estimate.victims,2024,,estimate,11418,9977,13146,persons,"
        )
        .is_empty(),
        "{csv}"
    );
    let back = dir.join("h.csv");
    ok(zicht(
        &db,
        &[
            "histories",
            "nr.estimate.victims",
            "--period",
            "2024",
            "--out",
            back.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        std::fs::read_to_string(&back).unwrap(),
        std::fs::read_to_string(uk2013()).unwrap()
    );

    // Again from the stored histories, with no file: the same figure.
    let again = ok(zicht(
        &db,
        &[
            "estimate",
            "--from-store",
            "nr.estimate.victims",
            "--period",
            "2024",
            "--json",
            "--bootstrap",
            "0",
            "--no-sensitivity",
        ],
    ))
    .stdout;
    let v: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(v["estimate"].as_f64().unwrap().round(), 11418.0);
    // Another model's figure replaces the saved one only with a reason.
    let replace = |reason: Option<&str>| {
        let mut args = vec![
            "estimate",
            "--from-store",
            "nr.estimate.victims",
            "--period",
            "2024",
            "--method",
            "main",
            "--bootstrap",
            "0",
            "--no-sensitivity",
            "--save",
            "nr.estimate.victims",
        ];
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        zicht(&db, &args)
    };
    let r = replace(None);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("a correction needs a reason"),
        "{}",
        r.stderr
    );
    ok(replace(Some("main effects after review")));

    let bad = zicht(
        &db,
        &[
            "estimate",
            &uk2013(),
            "--save",
            "nr.estimate.victims",
            "--period",
            "1990",
            "--bootstrap",
            "0",
        ],
    );
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr
            .contains("--period: indicator 'nr.estimate.victims'")
            && bad.stderr.contains("nothing was computed"),
        "{}",
        bad.stderr
    );
}

#[test]
fn estimate_names_bad_input() {
    let (dir, db) = sqlite("estimate-bad");
    let file = dir.join("bad.csv");
    std::fs::write(&file, "A,B,count\n1,0,5\n0,2,3\n1,1,-1\n").unwrap();
    let r = zicht(&db, &["estimate", file.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("line 3") || r.stderr.contains(":3"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// A synthetic monitor (no real data) with confidential values planted in an
/// additive table: 3 and 7 are small, and each could be recomputed from the
/// total minus the other parts if nothing else were hidden.
fn planted_monitor(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("cells")).unwrap();
    std::fs::write(
        dir.join("monitor.toml"),
        r#"
[[theme]]
id = "t"
label_nl = "Thema"
label_en = "Theme"
min_count = 10

[[document]]
id = "ed"
kind = "edition"
label_nl = "Editie"
label_en = "Edition"
cutoff = "2024-01-01"

[[organisation]]
id = "org"
label_nl = "Bron"
label_en = "Source"

[[counting_unit]]
id = "persons"
label_nl = "personen"
label_en = "persons"

[[dimension]]
id = "sex"
label_nl = "geslacht"
label_en = "sex"
values = [ { id = "boys", label_nl = "jongens", label_en = "boys" }, { id = "girls", label_nl = "meisjes", label_en = "girls" } ]

[[dimension]]
id = "region"
label_nl = "regio"
label_en = "region"
values = [ { id = "north", label_nl = "noord", label_en = "north" }, { id = "south", label_nl = "zuid", label_en = "south" } ]
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("indicators.toml"),
        r#"
[[indicator]]
id = "victims"
theme = "t"
label_nl = "Slachtoffers"
label_en = "Victims"
unit = "count"
counting_unit = "persons"
dimensions = ["sex", "region"]
exclusive = true
"#,
    )
    .unwrap();
    // north: boys 3 (planted), girls 41; south: boys 7 (planted), girls 52.
    std::fs::write(
        dir.join("cells/ed.csv"),
        "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n\
         victims,2023,,exact,103,,,,org,synthetic,,\n\
         victims,2023,sex=boys,exact,10,,,,org,synthetic,,\n\
         victims,2023,sex=girls,exact,93,,,,org,synthetic,,\n\
         victims,2023,region=north,exact,44,,,,org,synthetic,,\n\
         victims,2023,region=south,exact,59,,,,org,synthetic,,\n\
         victims,2023,region=north;sex=boys,exact,3,,,,org,synthetic,,\n\
         victims,2023,region=north;sex=girls,exact,41,,,,org,synthetic,,\n\
         victims,2023,region=south;sex=boys,exact,7,,,,org,synthetic,,\n\
         victims,2023,region=south;sex=girls,exact,52,,,,org,synthetic,,\n",
    )
    .unwrap();
}

#[test]
fn planted_confidential_values_reach_no_public_output() {
    let (dir, db) = sqlite("planted");
    let data = dir.join("monitor");
    planted_monitor(&data);
    ok(zicht(&db, &["init", "--data", data.to_str().unwrap()]));
    // The store keeps the truth …
    let all = ok(zicht(&db, &["export"])).stdout;
    assert!(!rows(&all, "victims,2023,region=north;sex=boys,exact,3,").is_empty());

    // … and no public output shows it, nor anything it can be recomputed from.
    let csv = ok(zicht(&db, &["export", "--public"])).stdout;
    let small = ["region=north;sex=boys", "region=south;sex=boys"];
    for b in small {
        assert!(
            !rows(&csv, &format!("victims,2023,{b},below,,,10,")).is_empty(),
            "{b} is '<10':\n{csv}"
        );
    }
    let exact: std::collections::HashMap<&str, f64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[3] == "exact").then(|| (f[2], f[4].parse().unwrap()))
        })
        .collect();
    // Neither boy cell is the difference of two published cells.
    for (total, other, hidden) in [
        ("sex=boys", "region=south;sex=boys", 3.0),
        ("region=north", "region=north;sex=girls", 3.0),
        ("sex=boys", "region=north;sex=boys", 7.0),
        ("region=south", "region=south;sex=girls", 7.0),
    ] {
        if let (Some(t), Some(o)) = (exact.get(total), exact.get(other)) {
            assert_ne!(
                t - o,
                hidden,
                "{total} − {other} gives away {hidden}:\n{csv}"
            );
        }
    }

    let json: serde_json::Value =
        serde_json::from_str(&ok(zicht(&db, &["export", "--public", "--format", "json"])).stdout)
            .unwrap();
    for c in json["cells"].as_array().unwrap() {
        if small.contains(&c["breakdown"].as_str().unwrap()) {
            assert!(c["value"].is_null(), "{c}");
        }
    }
    let xlsx = dir.join("public.xlsx");
    ok(zicht(
        &db,
        &[
            "export",
            "--public",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("cells").unwrap();
    for row in range.rows().skip(1) {
        let breakdown = row[2].to_string();
        if small.contains(&breakdown.as_str()) {
            assert_eq!(
                row[4].to_string(),
                "",
                "{breakdown} has a value in the XLSX"
            );
        }
    }
}

#[test]
fn the_embedded_monitor_publishes_no_small_count() {
    let (_d, db) = sqlite("public-embedded");
    ok(zicht(&db, &["init"]));
    let csv = ok(zicht(&db, &["export", "--public"])).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for rec in reader.records() {
        let r = rec.unwrap();
        let counted = !matches!(
            &r[7],
            "percent" | "percent_change" | "euro" | "months" | "years"
        );
        if counted && &r[3] == "exact" {
            let v: f64 = r[4].parse().unwrap();
            assert!(v == 0.0 || v >= 10.0, "a count under 10 is public: {r:?}");
        }
    }
    assert!(!rows(
        &csv,
        "comensha.minor_victims,2020,origin=foreign;sex=boys,below,,,10,"
    )
    .is_empty());
    assert!(!rows(
        &csv,
        "comensha.minor_victims,2020,origin=foreign;sex=girls,suppressed,,,,"
    )
    .is_empty());
}

#[test]
fn protect_hides_small_cells_and_names_a_table_that_does_not_add_up() {
    let (dir, db) = sqlite("protect");
    let table = dir.join("t.csv");
    std::fs::write(
        &table,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         v,2023,,exact,103,,,persons,,\n\
         v,2023,sex=boys,exact,10,,,persons,,\n\
         v,2023,sex=girls,exact,93,,,persons,,\n\
         v,2023,region=north,exact,44,,,persons,,\n\
         v,2023,region=south,exact,59,,,persons,,\n\
         v,2023,region=north;sex=boys,exact,3,,,persons,,\n\
         v,2023,region=north;sex=girls,exact,41,,,persons,,\n\
         v,2023,region=south;sex=boys,exact,7,,,persons,,\n\
         v,2023,region=south;sex=girls,exact,52,,,persons,,\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    ok(zicht(
        &db,
        &[
            "protect",
            table.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let protected = std::fs::read_to_string(&out).unwrap();
    assert!(
        !rows(&protected, "v,2023,region=north;sex=boys,below,,,10,").is_empty(),
        "{protected}"
    );
    assert!(
        !rows(&protected, "v,2023,region=north;sex=girls,suppressed,,,,").is_empty(),
        "{protected}"
    );
    assert!(
        !protected.contains(",3,") && !protected.contains(",7,"),
        "{protected}"
    );

    std::fs::write(
        &table,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         v,2023,,exact,100,,,persons,,\n\
         v,2023,sex=boys,exact,10,,,persons,,\n\
         v,2023,sex=girls,exact,93,,,persons,,\n",
    )
    .unwrap();
    let r = zicht(&db, &["protect", table.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(":2:") && r.stderr.contains("does not add up"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_edition_under_embargo_is_in_no_public_output() {
    let (dir, db) = sqlite("embargo");
    let data = dir.join("monitor");
    planted_monitor(&data);
    let mut monitor = std::fs::read_to_string(data.join("monitor.toml")).unwrap();
    monitor.push_str(
        r#"
[[document]]
id = "ed-next"
kind = "edition"
label_nl = "Volgende editie"
label_en = "Next edition"
cutoff = "2025-01-01"
embargo = "2099-01-01T09:00:00+01:00"
"#,
    );
    std::fs::write(data.join("monitor.toml"), monitor).unwrap();
    // The next edition revises 2023's total and adds 2024.
    std::fs::write(
        data.join("cells/ed-next.csv"),
        "indicator,period,breakdown,status,value,lower,upper,base,source,source_ref,footnotes,quote\n\
         victims,2023,,exact,104,,,,org,synthetic,,\n\
         victims,2024,,exact,120,,,,org,synthetic,,\n",
    )
    .unwrap();
    ok(zicht(&db, &["init", "--data", data.to_str().unwrap()]));
    // The store has it …
    let all = ok(zicht(&db, &["export"])).stdout;
    assert!(!rows(&all, "victims,2023,,exact,104,").is_empty());
    assert!(!rows(&all, "victims,2024,").is_empty());
    // … the public sees what was public before it.
    let public = ok(zicht(&db, &["export", "--public"])).stdout;
    assert!(
        !rows(&public, "victims,2023,,exact,103,").is_empty(),
        "{public}"
    );
    assert!(rows(&public, "victims,2024,").is_empty(), "{public}");
    assert!(!public.contains("ed-next"), "{public}");
    let refused = zicht(&db, &["export", "--public", "--edition", "ed-next"]);
    assert_ne!(
        refused.code, 0,
        "an edition under embargo is unknown to the public"
    );
    assert!(refused.stderr.contains("ed-next"), "{}", refused.stderr);
    // The site does not name it.
    let site = dir.join("site");
    ok(zicht(&db, &["publish", "--out", site.to_str().unwrap()]));
    let mut stack = vec![site];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for needle in ["ed-next", "Volgende editie", "Next edition"] {
                assert!(!text.contains(needle), "{} names {needle}", p.display());
            }
        }
    }
}

/// A region → municipality table whose municipalities are named without
/// their region: only the hierarchy file says which sum they make.
const NESTED: &str = "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
    v,2023,,exact,100,,,persons,,\n\
    v,2023,region=north,exact,44,,,persons,,\n\
    v,2023,region=south,exact,56,,,persons,,\n\
    v,2023,municipality=a,exact,3,,,persons,,\n\
    v,2023,municipality=b,exact,41,,,persons,,\n\
    v,2023,municipality=c,exact,20,,,persons,,\n\
    v,2023,municipality=d,exact,36,,,persons,,\n";

#[test]
fn protect_reads_a_hierarchy_and_reports_what_the_auditor_proved() {
    let (dir, db) = sqlite("protect-nested");
    let table = dir.join("t.csv");
    std::fs::write(&table, NESTED).unwrap();
    let nesting = dir.join("regions.txt");
    std::fs::write(
        &nesting,
        "# region → municipality\n\
         region=north,municipality=a\n\
         region=north,municipality=b\n\
         region=south,municipality=c\n\
         region=south,municipality=d\n",
    )
    .unwrap();
    let (out, report) = (dir.join("out.csv"), dir.join("report.csv"));
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    ok(zicht(
        &db,
        &[
            "protect",
            &path(&table),
            "--hierarchy",
            &path(&nesting),
            "--protection",
            "6",
            "--out",
            &path(&out),
            "--report",
            &path(&report),
        ],
    ));
    let protected = std::fs::read_to_string(&out).unwrap();
    // Only the nesting makes north = a + b, so b is a's partner.
    assert!(
        !rows(&protected, "v,2023,municipality=b,suppressed,").is_empty(),
        "{protected}"
    );
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.starts_with(
            "indicator,period,breakdown,status,requirement,proven_low,proven_high,exact\n"
        ),
        "{report}"
    );
    let small = rows(&report, "v,2023,municipality=a,below,contains ");
    assert_eq!(small.len(), 1, "{report}");
    let f: Vec<&str> = small[0].split(',').collect();
    let (lower, upper) = f[4]["contains ".len()..].split_once("..").unwrap();
    let num = |s: &str| s.parse::<f64>().unwrap();
    // The width asked for, and proven: low at most its lower end, high at
    // least its upper end.
    assert_eq!(num(upper) - num(lower), 6.0, "{report}");
    assert!(
        num(f[5]) <= num(lower) && num(f[6]) >= num(upper),
        "{report}"
    );
    assert!(
        !rows(&report, "v,2023,municipality=b,suppressed,none,,,").is_empty(),
        "{report}"
    );
}

#[test]
fn a_bad_hierarchy_line_names_file_and_line_and_writes_nothing() {
    let (dir, db) = sqlite("protect-bad-nesting");
    let table = dir.join("t.csv");
    std::fs::write(&table, NESTED).unwrap();
    let nesting = dir.join("regions.txt");
    std::fs::write(
        &nesting,
        "region=north,municipality=a\nnorth;b\nregion=south,municipality=a\n",
    )
    .unwrap();
    let (out, report) = (dir.join("out.csv"), dir.join("report.csv"));
    let r = zicht(
        &db,
        &[
            "protect",
            table.to_str().unwrap(),
            "--hierarchy",
            nesting.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_ne!(r.code, 0);
    let file = nesting.display().to_string();
    assert!(
        r.stderr.contains(&format!("{file}:2:")) && r.stderr.contains("parent_dimension=value"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("{file}:3:")) && r.stderr.contains("(line 1)"),
        "{}",
        r.stderr
    );
    assert!(!out.exists() && !report.exists());
}

#[test]
fn import_refuses_an_impossible_table_a_fraction_of_a_person_and_an_unknown_source() {
    let (dir, db) = sqlite("impossible");
    ok(zicht(&db, &["init"]));
    let before = ok(zicht(&db, &["export"])).stdout;
    let file = dir.join("2024.csv");
    std::fs::write(
        &file,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         comensha.minor_victims,2024,,exact,61,,,persons,comensha,\n\
         comensha.minor_victims,2024,sex=girls,exact,70,,,persons,comensha,\n\
         comensha.minor_victims,2024,origin=foreign,exact,1.234,,,persons,comensha,\n\
         comensha.minor_victims,2024,origin=domestic,exact,2.5,,,persons,comensha,\n\
         comensha.minor_victims,2024,sex=boys,exact,3,,,persons,comensah: Uitvraag 2024,\n",
    )
    .unwrap();
    let r = zicht(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let name = file.display().to_string();
    for expected in [
        format!("{name}:2: field 'value': the parts of comensha.minor_victims 2024 [total] by 'sex' add up to at least 70 but the total is at most 61"),
        format!("{name}:4: field 'value': '1.234' has Dutch thousands separators: write 1234"),
        format!("{name}:5: field 'value': 2.5 is not a whole number"),
        format!("{name}:6: field 'source': unknown organisation 'comensah'"),
    ] {
        assert!(
            r.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            r.stderr
        );
    }
    assert_eq!(ok(zicht(&db, &["export"])).stdout, before);
}

#[test]
fn import_refuses_text_a_spreadsheet_would_run_or_show_out_of_order() {
    let (dir, db) = sqlite("formula");
    ok(zicht(&db, &["init"]));
    let before = ok(zicht(&db, &["export"])).stdout;
    let file = dir.join("2024.csv");
    std::fs::write(
        &file,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         comensha.minor_victims,2024,,exact,61,,,persons,comensha,\"=HYPERLINK(\"\"http://x\"\",\"\"klik\"\")\"\n\
         comensha.minor_victims,2024,sex=girls,exact,30,,,persons,comensha: \u{200B}\u{FF1D}1+1,\n\
         comensha.minor_victims,2024,sex=boys,exact,31,,,persons,comensha,Noot met \u{202E}txt.exe\n",
    )
    .unwrap();
    let r = zicht(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let name = file.display().to_string();
    for expected in [
        format!("{name}:2: field 'footnotes': the footnote text starts with '='"),
        format!("{name}:3: field 'source_ref': the source_ref starts with '\u{FF1D}'"),
        format!(
            "{name}:4: field 'footnotes': the footnote text holds the direction control U+202E"
        ),
    ] {
        assert!(
            r.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            r.stderr
        );
    }
    assert_eq!(ok(zicht(&db, &["export"])).stdout, before);
}

#[test]
fn export_writes_sdmx_data_and_the_structure_it_conforms_to() {
    let (_dir, db) = sqlite("sdmx");
    ok(zicht(&db, &["init"]));
    let data = ok(zicht(&db, &["export", "--public", "--format", "sdmx"])).stdout;
    let mut lines = data.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..4],
        ["STRUCTURE", "STRUCTURE_ID", "ACTION", "INDICATOR"]
    );
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (value, conf) = (col("OBS_VALUE"), col("CONF_STATUS"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let public = ok(zicht(&db, &["export", "--public"])).stdout;
    assert_eq!(
        rows.len(),
        public.lines().count() - 1,
        "one observation per public cell"
    );
    let hidden = rows.iter().filter(|r| r[conf] != "F").count();
    assert!(hidden > 0, "the embedded monitor has small counts");
    for r in &rows {
        if r[conf] != "F" {
            assert_eq!(r[value], "", "a confidential value in {r:?}");
        }
    }
    let xml = ok(zicht(&db, &["export", "--format", "sdmx-structure"])).stdout;
    assert!(xml.contains("<str:DataStructure id=\"DSD_ZICHT\""), "{xml}");
    assert!(xml.contains("<str:Dataflow id=\"DF_ZICHT\""));
    let r = zicht(&db, &["export", "--all-versions", "--format", "sdmx"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("drop --all-versions"), "{}", r.stderr);
}

#[test]
fn a_correction_without_a_reason_is_refused() {
    let (dir, db) = sqlite("no-reason");
    ok(zicht(&db, &["init"]));
    let file = dir.join("fix.csv");
    std::fs::write(
        &file,
        "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n\
         comensha.minor_victims,2023,,exact,53,,,persons,comensha,\n",
    )
    .unwrap();
    let r = zicht(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            ":2: field 'reason': this corrects comensha.minor_victims 2023 [total] from 52 to 53"
        ),
        "{}",
        r.stderr
    );
    ok(zicht(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--reason",
            "late registration",
        ],
    ));
    let csv = ok(zicht(
        &db,
        &["export", "--indicator", "comensha.minor_victims"],
    ))
    .stdout;
    assert!(
        !rows(&csv, "comensha.minor_victims,2023,,exact,53,").is_empty(),
        "{csv}"
    );
}

#[test]
fn an_estimate_never_replaces_a_registered_count() {
    let (_dir, db) = sqlite("estimate-into-count");
    ok(zicht(&db, &["init"]));
    let before = ok(zicht(
        &db,
        &["export", "--indicator", "comensha.minor_victims"],
    ))
    .stdout;
    let r = zicht(
        &db,
        &[
            "estimate",
            &uk2013(),
            "--bootstrap",
            "0",
            "--no-sensitivity",
            "--save",
            "comensha.minor_victims",
            "--period",
            "2023",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("indicator 'comensha.minor_victims' holds registered figures, not estimates"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Nothing was computed"), "{}", r.stderr);
    assert_eq!(
        ok(zicht(
            &db,
            &["export", "--indicator", "comensha.minor_victims"]
        ))
        .stdout,
        before
    );
}
