//! `zicht protect TABLE.csv`: disclosure control for a standalone table in the
//! export format. The work is `zicht_disclose::export`; this reads, reports
//! and writes.

use std::path::PathBuf;

use anyhow::{bail, Context};
use zicht_contract::{ExportRow, EXPORT_HEADER};
use zicht_disclose::export::{protect_rows, ExportError, ExportOptions, REPORT_HEADER};
use zicht_disclose::{Hierarchy, ProtectOptions, Rules};

use crate::output::{emit, write_atomically};

#[derive(clap::Args, Debug)]
pub struct ProtectArgs {
    /// A table in the export CSV format: a breakdown with fewer dimensions
    /// is the sum of those below it, the empty breakdown the total.
    #[arg(value_name = "TABLE.csv")]
    pub table: PathBuf,
    /// Hide counts under K (default 10; countries of origin under 4).
    #[arg(long, value_name = "K")]
    pub min_count: Option<u32>,
    /// Write to this file (written whole or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Nested dimensions, one nesting per line as two breakdown pairs,
    /// parent first: `region=north,municipality=assen`. Lines starting with
    /// `#` and blank lines are skipped; one file may nest several
    /// dimensions. Repeatable: one file per dimension or all in one. A leaf
    /// named without its parent (`municipality=assen`) then counts towards
    /// its parent's value (`region=north`).
    #[arg(long, value_name = "FILE")]
    pub hierarchy: Vec<PathBuf>,
    /// How wide the attacker's interval for a hidden small count must stay
    /// (default ⌈0.3·K⌉: 3 under a minimum of 10).
    #[arg(long, value_name = "W")]
    pub protection: Option<f64>,
    /// Write, for every hidden cell, the interval the auditor proved (CSV:
    /// indicator, period, breakdown, status, requirement, proven_low,
    /// proven_high, exact; a cell hidden only for others has requirement
    /// `none`). Written whole or not at all.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// `hypercube`: the greedy hypercube alone, without the passes that
    /// publish cells again (for comparison, as bench/disclose.sh prints).
    #[arg(long, value_enum, default_value_t = Method::Best, hide = true)]
    pub method: Method,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Best,
    Hypercube,
}

/// The nestings of every `--hierarchy` file, each bad line named.
pub fn read_hierarchies(files: &[PathBuf]) -> anyhow::Result<Vec<Hierarchy>> {
    let mut all: Vec<(Hierarchy, String)> = Vec::new();
    for path in files {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read hierarchy file {file}"))?;
        let parsed = Hierarchy::parse(&text).map_err(|errors| {
            let list: Vec<String> = errors
                .iter()
                .map(|e| format!("{file}:{}: {}", e.line, e.message))
                .collect();
            anyhow::anyhow!("{file} is not a hierarchy:\n{}", list.join("\n"))
        })?;
        for h in parsed {
            if let Some((_, other)) = all.iter().find(|(g, _)| g.child == h.child) {
                bail!(
                    "{file}: '{}' is nested in {other} too; declare each dimension's \
                     nesting in one file",
                    h.child
                );
            }
            all.push((h, file.clone()));
        }
    }
    Ok(all.into_iter().map(|(h, _)| h).collect())
}

pub fn run(args: &ProtectArgs) -> anyhow::Result<()> {
    let hierarchies = read_hierarchies(&args.hierarchy)?;
    if let Some(w) = args.protection {
        if !(w.is_finite() && w >= 0.0) {
            bail!("--protection {w}: give a width of 0 or more (e.g. 3)");
        }
    }
    let file = args.table.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(&args.table)
        .with_context(|| format!("cannot read {file}"))?;
    let header = reader
        .headers()
        .with_context(|| format!("{file}:1: no header"))?
        .clone();
    if !header.iter().eq(EXPORT_HEADER) {
        bail!(
            "{file}:1: the header must be exactly {}",
            EXPORT_HEADER.join(",")
        );
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read {file}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<&str> = record.iter().collect();
        let Some(row) = ExportRow::from_fields(&fields) else {
            bail!("{file}:{line}: {} fields, the header has 10", fields.len());
        };
        rows.push(row);
        lines.push(line);
    }

    let mut rules = Rules::default();
    if let Some(k) = args.min_count {
        rules.default.min_count = f64::from(k);
    }
    if let Some(w) = args.protection {
        rules.default.protection = Some(w);
    }
    let mut protect = ProtectOptions::default();
    if args.method == Method::Hypercube {
        protect = ProtectOptions::hypercube_alone();
    }
    let options = ExportOptions {
        rules,
        hierarchies,
        protect,
    };
    let protected = match protect_rows(&rows, &options) {
        Ok(p) => p,
        Err(ExportError::Rows(problems)) => {
            let line = |row: usize| lines.get(row).copied().unwrap_or(0);
            let list: Vec<String> = problems
                .iter()
                .map(|p| {
                    let mut s = format!("{file}:{}: {}", line(p.row), p.message);
                    if !p.also.is_empty() {
                        let parts: Vec<String> =
                            p.also.iter().map(|&r| line(r).to_string()).collect();
                        s.push_str(&format!(" (parts on lines {})", parts.join(", ")));
                    }
                    s
                })
                .collect();
            bail!("{file} cannot be protected:\n{}", list.join("\n"));
        }
        Err(e) => return Err(e).with_context(|| format!("{file} cannot be protected")),
    };

    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(EXPORT_HEADER)?;
    for row in &protected.rows {
        writer.write_record(row.csv_fields().iter().map(|f| f.as_bytes()))?;
    }
    let bytes = writer.into_inner().context("writing CSV")?;
    let mut report_bytes = None;
    if let Some(report) = &args.report {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(REPORT_HEADER)?;
        for h in &protected.hidden {
            let fields = h.fields(&protected.rows[h.row]);
            writer.write_record(
                fields
                    .iter()
                    .map(|f| zicht_contract::inert(f.as_ref()))
                    .map(|f| f.into_owned()),
            )?;
        }
        report_bytes = Some((report, writer.into_inner().context("writing CSV")?));
    }
    // Each file is synced before it takes its name (nothing half-written);
    // the report's sync overlaps the table's instead of preceding it.
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let report = report_bytes
            .as_ref()
            .map(|(path, bytes)| scope.spawn(move || write_atomically(path, bytes)));
        emit(args.out.as_deref(), &bytes)?;
        match report.map(|r| r.join()) {
            Some(Ok(written)) => written,
            Some(Err(_)) => bail!("writing the report failed"),
            None => Ok(()),
        }
    })?;
    eprintln!("{file}: {}", protected.summary);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str, body: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zicht-protect-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("table.csv");
        std::fs::write(&path, body).unwrap();
        path
    }

    const HEAD: &str = "indicator,period,breakdown,status,value,lower,upper,unit,source,footnote\n";

    #[test]
    fn small_counts_become_below_and_their_partners_suppressed() {
        let body = format!(
            "{HEAD}v,2023,,exact,40,,,persons,comensha,\n\
             v,2023,sex=boys,exact,3,,,persons,comensha,\n\
             v,2023,sex=girls,exact,37,,,persons,comensha,\n"
        );
        let table = scratch("ok", &body);
        let out = table.with_file_name("out.csv");
        run(&ProtectArgs {
            table,
            min_count: None,
            out: Some(out.clone()),
            hierarchy: Vec::new(),
            protection: None,
            report: None,
            method: Method::Best,
        })
        .unwrap();
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(
            written.contains("v,2023,sex=boys,below,,,10,persons,comensha,"),
            "{written}"
        );
        assert!(written.contains(",suppressed,,,,"), "{written}");
    }

    #[test]
    fn a_table_that_does_not_add_up_names_its_line() {
        let body = format!(
            "{HEAD}v,2023,,exact,41,,,persons,comensha,\n\
             v,2023,sex=boys,exact,3,,,persons,comensha,\n\
             v,2023,sex=girls,exact,37,,,persons,comensha,\n"
        );
        let table = scratch("bad", &body);
        let err = run(&ProtectArgs {
            table: table.clone(),
            min_count: None,
            out: None,
            hierarchy: Vec::new(),
            protection: None,
            report: None,
            method: Method::Best,
        })
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&format!("{}:2:", table.display())), "{msg}");
    }
}
