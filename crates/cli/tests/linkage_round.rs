//! The chain of issue 13 end to end, with the real binary and a real
//! server: synthetic records → `zicht encode` at three suppliers → each
//! uploads its file in a round through the API → `zicht link --from-round`
//! → `zicht estimate --save` → the estimate cell on the site, "estimated N
//! (interval), of whom x% registered", beside the registered count.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use zicht_linkage::synth::{generate, SynthOptions};

fn zicht(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zicht"))
        .args(args)
        .env("ZICHT_DATABASE_URL", db)
        .output()
        .expect("zicht runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The server, stopped when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; the answer's status and body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    ct: &str,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("the server listens");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if !ct.is_empty() {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

fn json(addr: &str, method: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let (status, text) = http(
        addr,
        method,
        path,
        Some(token),
        "application/json",
        body.to_string().as_bytes(),
    );
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

const SUPPLIERS: [(&str, &str); 3] = [
    ("sup-politie", "politie"),
    ("sup-comensha", "comensha"),
    ("sup-coa", "coa"),
];

#[test]
fn records_to_the_estimate_on_the_site_through_a_round() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("zicht-round-chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("z.db").display());
    let (ok, _, err) = zicht(&db, &["init"]);
    assert!(ok, "{err}");

    // Accounts: one editor, a supplier per organisation, an API token each.
    let mut tokens = std::collections::BTreeMap::new();
    let mut users: Vec<(&str, &str, Option<&str>)> = vec![("ed", "editor", None)];
    users.extend(SUPPLIERS.iter().map(|(l, o)| (*l, "supplier", Some(*o))));
    for (login, role, org) in &users {
        let mut args = vec!["user", "add", login, "--role", role];
        if let Some(o) = org {
            args.extend(["--organisation", o]);
        }
        let (ok, _, err) = zicht(&db, &args);
        assert!(ok, "{err}");
        let (ok, out, err) = zicht(&db, &["user", "token", login, "--name", "chain test"]);
        assert!(ok, "{err}");
        tokens.insert(login.to_string(), out.trim().to_owned());
    }

    // Three suppliers encode their own records with the secret they share.
    let synth = generate(&SynthOptions {
        population: 3_000,
        list_size: 1_200,
        seed: 23,
        ..SynthOptions::default()
    });
    std::fs::write(
        dir.join("key"),
        "the suppliers' shared secret, never the monitor's\n",
    )
    .unwrap();
    for ((_, org), list) in SUPPLIERS.iter().zip(&synth.lists) {
        let mut w = csv::Writer::from_path(dir.join(format!("{org}.csv"))).unwrap();
        w.write_record(["record_id", "first_name", "last_name", "birth_date", "sex"])
            .unwrap();
        for r in list {
            w.write_record([
                &r.record_id,
                &r.first_name,
                &r.last_name,
                &r.birth_date,
                r.sex,
            ])
            .unwrap();
        }
        w.flush().unwrap();
        let (ok, _, err) = zicht(
            &db,
            &[
                "encode",
                s(&dir.join(format!("{org}.csv"))),
                "--secret-file",
                s(&dir.join("key")),
                "--out",
                s(&dir.join(format!("{org}.enc.csv"))),
            ],
        );
        assert!(ok, "{err}");
    }

    let addr = free_addr();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_zicht"))
            .args(["serve", "--addr", &addr])
            .env("ZICHT_DATABASE_URL", &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The editor opens a round that asks no cells and asks each
    // organisation for its encoded records, kept until the end of 2099 at
    // the latest.
    let ed = tokens["ed"].clone();
    let (status, round) = json(
        &addr,
        "POST",
        "/api/rounds",
        &ed,
        &serde_json::json!({
            "edition": "kib-2025",
            "title": "Registraties 2024",
            "due": "2099-03-31",
            "requests": [],
        }),
    );
    assert_eq!(status, 201, "{round}");
    let round = round["id"].as_i64().unwrap();
    for (_, org) in SUPPLIERS {
        let (status, r) = json(
            &addr,
            "POST",
            &format!("/api/rounds/{round}/encoded"),
            &ed,
            &serde_json::json!({ "organisation": org, "delete_on": "2099-12-31" }),
        );
        assert_eq!(status, 201, "{r}");
        assert_eq!(r["held"], false);
    }

    // A supplier's records themselves are refused: only encodings are kept.
    let (status, body) = http(
        &addr,
        "PUT",
        &format!("/api/rounds/{round}/encoded/file"),
        Some(&tokens["sup-politie"]),
        "text/csv",
        &std::fs::read(dir.join("politie.csv")).unwrap(),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("identifier column"), "{body}");

    // Linking before two files are there names who has not uploaded.
    let (status, body) = json(
        &addr,
        "POST",
        &format!("/api/rounds/{round}/link"),
        &ed,
        &Value::Null,
    );
    assert_eq!(status, 422, "{body}");

    for (login, org) in SUPPLIERS {
        let (status, body) = http(
            &addr,
            "PUT",
            &format!("/api/rounds/{round}/encoded/file"),
            Some(&tokens[login]),
            "text/csv",
            &std::fs::read(dir.join(format!("{org}.enc.csv"))).unwrap(),
        );
        assert_eq!(status, 200, "{body}");
        let r: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(r["records"], 1_200, "{r}");
        assert_eq!(r["held"], true);
    }
    // A supplier sees its own request only.
    let (status, mine) = json(
        &addr,
        "GET",
        &format!("/api/rounds/{round}/encoded"),
        &tokens["sup-coa"],
        &Value::Null,
    );
    assert_eq!(status, 200);
    assert_eq!(mine["requests"].as_array().unwrap().len(), 1, "{mine}");

    // The editor links the round from the terminal; the files go.
    let out = dir.join("histories.csv");
    let (ok, _, err) = zicht(
        &db,
        &["link", "--from-round", &round.to_string(), "--out", s(&out)],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("the encoded files of coa, comensha, politie are deleted"),
        "{err}"
    );
    let histories = std::fs::read_to_string(&out).unwrap();
    assert!(
        histories.starts_with("coa,comensha,politie,count\n"),
        "{histories}"
    );
    let (_, requests) = json(
        &addr,
        "GET",
        &format!("/api/rounds/{round}/encoded"),
        &ed,
        &Value::Null,
    );
    for r in requests["requests"].as_array().unwrap() {
        assert_eq!(r["held"], false, "{r}");
        assert_eq!(r["deleted_why"], "linked", "{r}");
    }
    // The audit trail has the uploads and the deletions.
    let (ok, _, _) = zicht(
        &db,
        &["link", "--from-round", &round.to_string(), "--out", s(&out)],
    );
    assert!(!ok, "the files are gone: nothing to link twice");

    // The estimate, saved with its histories and the linkage's parameters.
    let (ok, _, err) = zicht(
        &db,
        &[
            "estimate",
            s(&out),
            "--method",
            "main",
            "--bootstrap",
            "0",
            "--save",
            "nr.estimate.victims",
            "--period",
            "2024",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("and the linkage they came from (Dice 0.82, 3 lists)"),
        "{err}"
    );
    let (ok, stored, err) = zicht(
        &db,
        &["histories", "nr.estimate.victims", "--period", "2024"],
    );
    assert!(ok, "{err}");
    assert_eq!(stored, histories, "the histories are kept as linked");
    assert!(
        err.contains("\"linkage\":{") && err.contains("\"scheme\":\"zicht-clk-2\""),
        "{err}"
    );
    assert!(
        err.contains("\"band_bits\":28") && err.contains("\"records\":1200"),
        "{err}"
    );

    // The site shows it beside the registered count, once the server has
    // seen the store change.
    let started = Instant::now();
    let page = loop {
        let (status, page) = http(
            &addr,
            "GET",
            "/en/indicator/nr.estimate.victims.html",
            None,
            "",
            b"",
        );
        assert_eq!(status, 200);
        if page.contains("of whom") {
            break page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the estimate never reached the site"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let registered: u64 = histories
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    let registered_text = {
        let d = registered.to_string();
        if d.len() > 3 {
            format!("{},{}", &d[..d.len() - 3], &d[d.len() - 3..])
        } else {
            d
        }
    };
    // The footnote, not the indicator's label ("Estimated number of …").
    let said = page
        .match_indices("Estimated ")
        .map(|(i, m)| &page[i + m.len()..])
        .find(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        said.contains("% registered: ")
            && said.contains(&format!(
                "{registered_text} registered on at least one of 3 lists"
            )),
        "{said}"
    );
    assert!(
        said.contains("(") && said.contains("–"),
        "an interval: {said}"
    );
    // The estimate exceeds the people seen: some are on no list.
    let n: u64 = said
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        n > registered && n < 2 * synth.population as u64,
        "{n} for {registered} seen, population {}",
        synth.population
    );
    let _ = std::fs::remove_dir_all(&dir);
}
