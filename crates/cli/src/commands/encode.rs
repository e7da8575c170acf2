//! `zicht encode RECORDS.csv --secret-file KEY --out ENCODED.csv`: run at the
//! supplier. Each record becomes a hardened Bloom-filter encoding
//! (`zicht-linkage`); identifiers are read here and never written, not even
//! in a message: a bad row is named by line and column only.

use std::path::PathBuf;

use anyhow::{bail, Context};
use rayon::prelude::*;
use zicht_linkage::{Encoder, RawRecord, Secret};

use crate::output::write_atomically;

/// The identifying columns; never written, never kept.
const IDENTIFIERS: [&str; 4] = ["first_name", "last_name", "birth_date", "sex"];

#[derive(clap::Args, Debug)]
pub struct EncodeArgs {
    /// Records: `record_id` (your own pseudonymous id), `first_name`,
    /// `last_name`, `birth_date` (YYYY-MM-DD; a missing month or day as 00),
    /// `sex`, and any columns named with --keep.
    #[arg(value_name = "RECORDS.csv")]
    pub file: PathBuf,
    /// The secret shared by the suppliers (at least 16 bytes); never send it to the monitor.
    #[arg(long, value_name = "KEY")]
    pub secret_file: PathBuf,
    /// Where the encodings go: `record_id`, `encoding`, then the kept columns.
    #[arg(long, value_name = "ENCODED.csv")]
    pub out: PathBuf,
    /// Columns passed through in the clear as strata, e.g. `year,form,age_band`.
    #[arg(long, value_name = "COL,…", value_delimiter = ',')]
    pub keep: Vec<String>,
}

pub fn run(args: &EncodeArgs) -> anyhow::Result<std::process::ExitCode> {
    let name = args.file.display().to_string();
    for k in &args.keep {
        if IDENTIFIERS.contains(&k.as_str()) {
            bail!("--keep {k}: an identifier is never written; keep only strata such as year or age_band");
        }
    }
    let key = std::fs::read(&args.secret_file)
        .with_context(|| format!("cannot read the secret file {}", args.secret_file.display()))?;
    let secret = Secret::new(&key).with_context(|| args.secret_file.display().to_string())?;
    let encoder = Encoder::new(&secret);

    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&args.file)
        .with_context(|| format!("cannot read {name}"))?;
    let header: Vec<String> = reader
        .byte_headers()
        .with_context(|| format!("{name}: cannot read the header"))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let column = |c: &str| header.iter().position(|h| h == c);
    let mut missing = Vec::new();
    let mut wanted = Vec::new();
    for c in ["record_id"]
        .iter()
        .chain(&IDENTIFIERS)
        .copied()
        .chain(args.keep.iter().map(String::as_str))
    {
        match column(c) {
            Some(i) => wanted.push(i),
            None => missing.push(c.to_string()),
        }
    }
    if !missing.is_empty() {
        bail!(
            "{name}: no column {}; the header has {}",
            missing.join(", "),
            header.join(", ")
        );
    }
    let rows: Vec<csv::ByteRecord> = reader
        .byte_records()
        .collect::<Result<_, _>>()
        .with_context(|| format!("{name}: cannot read the rows"))?;
    eprintln!("{name}: encoding {} records…", rows.len());

    // Line numbers as an editor shows them: the header is line 1.
    let encoded: Vec<Result<Vec<String>, Vec<String>>> = rows
        .par_iter()
        .enumerate()
        .map(|(i, row)| {
            let line = i + 2;
            let mut fields = Vec::with_capacity(wanted.len());
            let mut bad = Vec::new();
            for (&at, col) in wanted.iter().zip(
                ["record_id"]
                    .iter()
                    .chain(&IDENTIFIERS)
                    .copied()
                    .chain(args.keep.iter().map(String::as_str)),
            ) {
                match row.get(at).map(std::str::from_utf8) {
                    Some(Ok(v)) => fields.push(v.trim()),
                    Some(Err(_)) => bad.push(format!("line {line}, column {col}: not UTF-8")),
                    None => bad.push(format!("line {line}, column {col}: the row is too short")),
                }
            }
            if !bad.is_empty() {
                return Err(bad);
            }
            if fields[0].is_empty() {
                bad.push(format!("line {line}, column record_id: empty"));
            }
            let record = RawRecord {
                first_name: fields[1],
                last_name: fields[2],
                birth_date: fields[3],
                sex: fields[4],
            };
            match encoder.encode(&record) {
                Ok(clk) if bad.is_empty() => {
                    let mut out = vec![fields[0].to_string(), clk.to_base64()];
                    out.extend(fields[5..].iter().map(|s| s.to_string()));
                    Ok(out)
                }
                Ok(_) => Err(bad),
                Err(fields) => {
                    bad.extend(
                        fields
                            .iter()
                            .map(|f| format!("line {line}, column {}: {}", f.column, f.why)),
                    );
                    Err(bad)
                }
            }
        })
        .collect();

    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut out_header = vec!["record_id".to_string(), "encoding".to_string()];
    out_header.extend(args.keep.iter().cloned());
    writer.write_record(&out_header)?;
    let mut seen = std::collections::HashMap::new();
    let (mut written, mut left_out) = (0usize, 0usize);
    for (i, r) in encoded.into_iter().enumerate() {
        match r {
            Ok(fields) => {
                // The record id and the strata pass through in the clear and
                // end up in CSV files people open: refuse, at the source,
                // what a spreadsheet would run or show out of order.
                let unsafe_text = out_header
                    .iter()
                    .zip(&fields)
                    .filter(|(column, _)| *column != "encoding")
                    .find_map(|(column, f)| {
                        zicht_contract::cell_text_problem(f).map(|p| (column, p))
                    });
                if let Some((column, problem)) = unsafe_text {
                    eprintln!(
                        "{name}: line {}, column {column}: the value {problem}; left out",
                        i + 2
                    );
                    left_out += 1;
                    continue;
                }
                if let Some(first) = seen.insert(fields[0].clone(), i + 2) {
                    eprintln!(
                        "{name}: line {}, column record_id: repeats line {first}; left out",
                        i + 2
                    );
                    left_out += 1;
                    continue;
                }
                writer.write_record(&fields)?;
                written += 1;
            }
            Err(bad) => {
                for b in bad {
                    eprintln!("{name}: {b}; left out");
                }
                left_out += 1;
            }
        }
    }
    let bytes = writer.into_inner().context("writing the encodings")?;
    write_atomically(&args.out, &bytes)?;
    eprintln!(
        "{name}: {written} records encoded into {}{}",
        args.out.display(),
        if left_out > 0 {
            format!("; {left_out} left out (named above)")
        } else {
            String::new()
        }
    );
    Ok(std::process::ExitCode::SUCCESS)
}
