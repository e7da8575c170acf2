//! `zicht export`'s downloads for people (labelled CSV, Dutch Excel CSV,
//! workbook, codebook) and the versions export, end to end against a real
//! store, read back as a user's program would.

mod common;

use calamine::{DataType, Reader};
use common::{ok, sqlite, zicht};
use zicht_publish::{LABELLED_HEADER, NOTES_SHEET, VERSIONS_HEADER};

fn records(text: &[u8], delimiter: u8) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    (header, r.records().map(|r| r.unwrap()).collect())
}

#[test]
fn every_version_names_its_document_and_when_it_was_recorded() {
    let (dir, db) = sqlite("versions");
    ok(zicht(&db, &["init"]));
    let args = [
        "export",
        "--all-versions",
        "--indicator",
        "comensha.minor_victims",
    ];
    let csv = ok(zicht(&db, &args)).stdout;
    let (header, rows) = records(csv.as_bytes(), b',');
    assert_eq!(header, VERSIONS_HEADER);
    let (document, recorded) = (10, 11);
    // The three kinds of 2019 total told apart by document and time, not
    // only by their source text.
    let total_2019: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[1] == "2019" && r[2].is_empty())
        .collect();
    assert!(total_2019.len() >= 2, "{csv}");
    let keys: std::collections::HashSet<(&str, &str)> = total_2019
        .iter()
        .map(|r| (&r[document], &r[recorded]))
        .collect();
    assert_eq!(keys.len(), total_2019.len(), "each version is told apart");
    for r in &rows {
        assert!(
            !r[document].is_empty(),
            "the embedded monitor names documents"
        );
        let at: zicht_model::Instant = r[recorded].parse().unwrap();
        assert_eq!(at.to_string(), &r[recorded], "canonical UTC");
    }
    // Oldest first: the earlier document's version comes before the later.
    let times: Vec<&str> = total_2019.iter().map(|r| &r[recorded]).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The same in JSON and XLSX.
    let json: serde_json::Value =
        serde_json::from_str(&ok(zicht(&db, &[&args[..], &["--format", "json"]].concat())).stdout)
            .unwrap();
    let cells = json["cells"].as_array().unwrap();
    assert_eq!(cells.len(), rows.len());
    for (c, r) in cells.iter().zip(&rows) {
        assert_eq!(c["document"], r[document].to_owned());
        assert_eq!(c["recorded_at"], r[recorded].to_owned());
    }
    let xlsx = dir.join("versions.xlsx");
    let out = xlsx.to_str().unwrap();
    ok(zicht(
        &db,
        &[&args[..], &["--format", "xlsx", "--out", out]].concat(),
    ));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range("versions").unwrap();
    let sheet: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|d| d.to_string()).collect())
        .collect();
    assert_eq!(sheet[0], VERSIONS_HEADER);
    assert_eq!(sheet.len() - 1, rows.len());
    for (s, r) in sheet[1..].iter().zip(&rows) {
        assert_eq!(s[document], r[document]);
        assert_eq!(s[recorded], r[recorded]);
    }

    // The contract's export stays as it is.
    let current = ok(zicht(&db, &["export"])).stdout;
    assert_eq!(
        current.lines().next(),
        Some(zicht_contract::EXPORT_HEADER.join(",").as_str())
    );
}

/// A synthetic monitor (no real data): north boys 3 and south boys 7 are
/// small under a rule of 10, and 2.5% is a share only they give away.
fn planted(dir: &std::path::Path) {
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

[[indicator]]
id = "victims.share"
theme = "t"
label_nl = "Aandeel"
label_en = "Share"
unit = "percent"
dimensions = ["sex", "region"]
derived = { kind = "share", from = ["victims"] }
"#,
    )
    .unwrap();
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
         victims,2023,region=south;sex=girls,exact,52,,,,org,synthetic,,\n\
         victims.share,2023,region=north;sex=boys,exact,2.5,,,,org,synthetic,,\n\
         victims.share,2023,region=north;sex=girls,exact,39.8,,,,org,synthetic,,\n",
    )
    .unwrap();
}

const SMALL: [&str; 2] = ["region=north;sex=boys", "region=south;sex=boys"];

#[test]
fn public_labelled_downloads_hold_what_the_release_path_publishes_and_no_more() {
    let (dir, db) = sqlite("labelled");
    let data = dir.join("monitor");
    planted(&data);
    ok(zicht(&db, &["init", "--data", data.to_str().unwrap()]));
    let contract = ok(zicht(&db, &["export", "--public"])).stdout;
    let (_, contract) = records(contract.as_bytes(), b',');
    assert!(!contract.is_empty());
    let code_columns: Vec<usize> = zicht_contract::EXPORT_HEADER
        .iter()
        .map(|h| LABELLED_HEADER.iter().position(|l| l == h).unwrap())
        .collect();
    let value = LABELLED_HEADER.iter().position(|h| *h == "value").unwrap();

    let plain = ok(zicht(&db, &["export", "--public", "--format", "labelled"])).stdout;
    let excel = dir.join("nl.csv");
    ok(zicht(
        &db,
        &[
            "export",
            "--public",
            "--format",
            "excel-nl",
            "--out",
            excel.to_str().unwrap(),
        ],
    ));
    let excel = std::fs::read(&excel).unwrap();
    let excel = excel
        .strip_prefix("\u{FEFF}".as_bytes())
        .expect("a byte-order mark for Excel");
    for (bytes, delimiter) in [(plain.as_bytes(), b','), (excel, b';')] {
        let (header, rows) = records(bytes, delimiter);
        assert_eq!(header, LABELLED_HEADER);
        assert_eq!(rows.len(), contract.len());
        for (row, c) in rows.iter().zip(&contract) {
            let codes: Vec<String> = code_columns
                .iter()
                .map(|&i| row[i].replace(',', "."))
                .collect();
            let c: Vec<String> = c.iter().map(|f| f.replace(',', ".")).collect();
            assert_eq!(codes, c, "the labelled row is the release path's row");
            if SMALL.contains(&&row[4]) {
                assert_eq!(&row[value], "", "a small count has no value: {row:?}");
            }
        }
        // Neither the planted counts nor the share they give away is there.
        for field in rows
            .iter()
            .flat_map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
        {
            for secret in ["3", "7", "2.5", "2,5"] {
                assert_ne!(field, secret, "a confidential value in a download");
            }
        }
    }

    let xlsx = dir.join("book.xlsx");
    ok(zicht(
        &db,
        &[
            "export",
            "--public",
            "--format",
            "workbook",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(
        book.sheet_names(),
        [NOTES_SHEET, "victims", "victims.share"]
    );
    for sheet in ["victims", "victims.share"] {
        let range = book.worksheet_range(sheet).unwrap();
        for r in range.rows().skip(1) {
            if SMALL.contains(&r[4].to_string().as_str()) {
                assert_eq!(r[value].to_string(), "", "{sheet}: {r:?}");
            }
            for secret in [3.0, 7.0, 2.5] {
                assert_ne!(r[value].get_float(), Some(secret), "{sheet}: {r:?}");
            }
        }
    }

    // The codebook explains the codes the downloads use.
    let codebook = ok(zicht(&db, &["export", "--public", "--format", "codebook"])).stdout;
    assert!(
        codebook.contains("dimension_value,sex=boys,jongens,boys"),
        "{codebook}"
    );
    assert!(
        codebook.contains("status,suppressed,afgeschermd,withheld"),
        "{codebook}"
    );
    let md = ok(zicht(&db, &["export", "--format", "codebook-md"])).stdout;
    assert!(md.contains("| region=north | noord | north |"), "{md}");
}

#[test]
fn labelled_formats_say_what_they_need() {
    let (_dir, db) = sqlite("refusals");
    ok(zicht(&db, &["init"]));
    let r = zicht(&db, &["export", "--format", "workbook"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--out FILE.xlsx"), "{}", r.stderr);
    let r = zicht(&db, &["export", "--format", "labelled", "--all-versions"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("drop --all-versions"), "{}", r.stderr);
}
