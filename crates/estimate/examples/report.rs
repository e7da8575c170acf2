//! Prints the full report for the UK 2013 reference data (or a CSV given on
//! the command line) and how long it took.
//!
//! cargo run --release -p zicht-estimate --example report [-- FILE.csv [METHOD [json]]]
//! (RESAMPLING=observed: SparseMSE's bootstrap)

use std::time::Instant;

use zicht_estimate::{estimate, CaptureHistories, Options, Resampling};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = match args.get(1) {
        Some(path) => std::fs::read_to_string(path).expect("readable CSV"),
        None => include_str!("../tests/data/uk2013.csv").to_string(),
    };
    let data = match CaptureHistories::parse_csv(&text) {
        Ok(d) => d,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    let mut opts = Options::default();
    if let Some(m) = args.get(2) {
        opts.method = m.parse().expect("method");
    }
    if std::env::var("RESAMPLING").as_deref() == Ok("observed") {
        opts.resampling = Resampling::Observed;
    }
    let start = Instant::now();
    match estimate(&data, &opts) {
        Ok(r) => {
            if args.get(3).map(String::as_str) == Some("json") {
                println!("{}", r.to_json());
            } else {
                print!("{}", r.render_text());
            }
            eprintln!("took {:?}", start.elapsed());
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
