//! `zicht encode` at three suppliers → `zicht link` → `zicht estimate`, on
//! synthetic registrations with planted names that must never come out.

use std::path::{Path, PathBuf};
use std::process::Command;

use zicht_linkage::synth::{generate, SynthOptions};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn zicht(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_zicht"))
        .args(args)
        .env("ZICHT_DATABASE_URL", "sqlite://unused-linkage.db")
        .output()
        .expect("zicht runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zicht-linkage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Names no generated record has, planted on one person in every list.
const PLANTED: [(&str, &str, &str); 2] = [
    ("Quirijntje", "van der Zwanenburgh", "2011-07-23"),
    ("Ouwehandtje", "Çakırbeyoğlu", "2016-02-09"),
];

#[test]
fn encode_link_estimate_and_no_identifier_comes_out() {
    let dir = workdir("chain");
    let synth = generate(&SynthOptions {
        population: 1_600,
        list_size: 800,
        seed: 11,
        ..SynthOptions::default()
    });
    std::fs::write(dir.join("key"), "a secret only the suppliers share\n").unwrap();
    let mut logs = String::new();
    for (l, list) in synth.lists.iter().enumerate() {
        let name = ["police", "shelter", "helpline"][l];
        let mut w = csv::Writer::from_path(dir.join(format!("{name}.csv"))).unwrap();
        w.write_record([
            "record_id",
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "year",
        ])
        .unwrap();
        for (i, r) in list.iter().enumerate() {
            let (first, last, born) = match i {
                0 => PLANTED[0],
                1 => PLANTED[1],
                _ => (
                    r.first_name.as_str(),
                    r.last_name.as_str(),
                    r.birth_date.as_str(),
                ),
            };
            w.write_record([&r.record_id, first, last, born, r.sex, &r.year.to_string()])
                .unwrap();
        }
        // Two bad rows: no first name; a day that does not exist.
        w.write_record(["bad1", "", "Jansen", "2010-01-01", "m", "2022"])
            .unwrap();
        w.write_record([
            "bad2",
            "Quirijntje",
            "Zwanenburgh",
            "2011-02-30",
            "f",
            "2022",
        ])
        .unwrap();
        w.flush().unwrap();
        let r = zicht(&[
            "encode",
            s(&dir.join(format!("{name}.csv"))),
            "--secret-file",
            s(&dir.join("key")),
            "--out",
            s(&dir.join(format!("{name}.enc.csv"))),
            "--keep",
            "year",
        ]);
        assert!(r.ok, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("line 802, column first_name: has no letters; left out"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("line 803, column birth_date: the day does not exist"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("800 records encoded"), "{}", r.stderr);
        logs.push_str(&r.stdout);
        logs.push_str(&r.stderr);
    }
    let enc = |n: &str| dir.join(format!("{n}.enc.csv"));
    let encoded = std::fs::read_to_string(enc("police")).unwrap();
    assert!(
        encoded.starts_with("record_id,encoding,year\n"),
        "{encoded:.80}"
    );

    let r = zicht(&[
        "link",
        s(&enc("police")),
        s(&enc("shelter")),
        s(&enc("helpline")),
        "--out",
        s(&dir.join("histories.csv")),
        "--clusters",
        s(&dir.join("clusters.csv")),
        "--names",
        "police,shelter,helpline",
    ]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains("Pairs compared after blocking"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("0.85") && r.stderr.contains("0.82*") && r.stderr.contains("0.79"));
    assert!(
        r.stderr.contains("at 0.82: false matches") && r.stderr.contains("% of matching pairs"),
        "the mixture's rates: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("linked at 0.82: ") && r.stderr.contains("; at 0.79: "),
        "the sensitivity sentence: {}",
        r.stderr
    );
    logs.push_str(&r.stdout);
    logs.push_str(&r.stderr);
    let histories = std::fs::read_to_string(dir.join("histories.csv")).unwrap();
    assert!(
        histories.starts_with("police,shelter,helpline,count\n"),
        "{histories}"
    );
    assert!(
        !histories.contains("\n0,0,0,"),
        "no all-zero history: {histories}"
    );
    let clusters = std::fs::read_to_string(dir.join("clusters.csv")).unwrap();
    assert_eq!(
        clusters.lines().count(),
        1 + 3 * 800,
        "every record has a cluster"
    );
    // The planted person is one cluster across the three lists.
    let planted: Vec<&str> = clusters
        .lines()
        .filter(|l| {
            l.ends_with(",a0000001") || l.ends_with(",b0000001") || l.ends_with(",c0000001")
        })
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(planted.len(), 3);
    assert!(planted.iter().all(|c| *c == planted[0]), "{planted:?}");

    let r = zicht(&[
        "estimate",
        s(&dir.join("histories.csv")),
        "--method",
        "main",
        "--bootstrap",
        "0",
        "--json",
    ]);
    assert!(r.ok, "estimate refuses the histories: {}", r.stderr);
    assert!(r.stdout.contains("\"estimate\""), "{}", r.stdout);
    // The looser threshold's histories, beside, for zicht estimate too.
    let r = zicht(&[
        "estimate",
        s(&dir.join("histories-at-0.79.csv")),
        "--method",
        "main",
        "--bootstrap",
        "0",
    ]);
    assert!(r.ok, "estimate refuses the looser histories: {}", r.stderr);

    // Per stratum: a column named after --by, which estimate reads.
    let r = zicht(&[
        "link",
        s(&enc("police")),
        s(&enc("shelter")),
        s(&enc("helpline")),
        "--out",
        s(&dir.join("by_year.csv")),
        "--by",
        "year",
        "--report",
        s(&dir.join("report.txt")),
    ]);
    assert!(r.ok, "{}", r.stderr);
    logs.push_str(&r.stderr);
    let by_year = std::fs::read_to_string(dir.join("by_year.csv")).unwrap();
    assert!(
        by_year.starts_with("year,police.enc,shelter.enc,helpline.enc,count\n"),
        "{by_year}"
    );
    assert!(by_year.contains("\n2022,") && by_year.contains("\n2023,"));
    let r = zicht(&[
        "estimate",
        s(&dir.join("by_year.csv")),
        "--stratum-column",
        "year",
        "--method",
        "main",
        "--bootstrap",
        "0",
    ]);
    assert!(
        r.ok,
        "estimate refuses the stratified histories: {}",
        r.stderr
    );

    // No planted identifier in any file written or anything printed, in
    // any spelling the normalisation makes of it.
    let mut outputs = logs;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        let is_input = ["police.csv", "shelter.csv", "helpline.csv", "key"].contains(&n.as_str());
        if !is_input {
            outputs.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    let outputs = outputs.to_lowercase();
    for (first, last, born) in PLANTED {
        for needle in [
            first,
            last,
            born,
            "zwanenburgh",
            "quirijntje",
            "cakirbeyoglu",
            "ouwehand",
        ] {
            assert!(
                !outputs.contains(&needle.to_lowercase()),
                "`{needle}` is in an output"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn identifiers_cannot_be_kept_and_a_short_secret_is_refused() {
    let dir = workdir("refuse");
    std::fs::write(
        dir.join("r.csv"),
        "record_id,first_name,last_name,birth_date,sex\nx,Jan,Jansen,2010-01-01,m\n",
    )
    .unwrap();
    std::fs::write(dir.join("key"), "a secret only the suppliers share").unwrap();
    std::fs::write(dir.join("short"), "tiny").unwrap();
    let args = |key: &str, keep: &str| {
        zicht(&[
            "encode",
            s(&dir.join("r.csv")),
            "--secret-file",
            s(&dir.join(key)),
            "--out",
            s(&dir.join("out.csv")),
            "--keep",
            keep,
        ])
    };
    let r = args("key", "last_name");
    assert!(
        !r.ok && r.stderr.contains("an identifier is never written"),
        "{}",
        r.stderr
    );
    let r = args("short", "sex");
    assert!(!r.ok, "{}", r.stderr);
    let r = zicht(&[
        "encode",
        s(&dir.join("r.csv")),
        "--secret-file",
        s(&dir.join("short")),
        "--out",
        s(&dir.join("out.csv")),
    ]);
    assert!(!r.ok && r.stderr.contains("at least 16"), "{}", r.stderr);
    assert!(!dir.join("out.csv").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_id_a_spreadsheet_would_run_is_left_out_and_named() {
    let dir = workdir("formula");
    std::fs::write(
        dir.join("r.csv"),
        "record_id,first_name,last_name,birth_date,sex\n\
         a1,Jan,Jansen,2010-01-01,m\n\
         \u{200B}=HYPERLINK(\"x\"),Piet,Pietersen,2011-02-03,m\n",
    )
    .unwrap();
    std::fs::write(dir.join("key"), "a secret only the suppliers share").unwrap();
    let r = zicht(&[
        "encode",
        s(&dir.join("r.csv")),
        "--secret-file",
        s(&dir.join("key")),
        "--out",
        s(&dir.join("out.csv")),
    ]);
    assert!(
        r.stderr
            .contains("line 3, column record_id: the value starts with '='"),
        "{}",
        r.stderr
    );
    let out = std::fs::read_to_string(dir.join("out.csv")).unwrap();
    assert!(out.contains("a1,") && !out.contains("HYPERLINK"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
