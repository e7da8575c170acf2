//! The covariate model on a CSV with covariate columns, and how long it took.
//!
//! cargo run --release -p zicht-estimate --example covariates -- FILE.csv year,sex,age,form

use std::time::Instant;

use zicht_estimate::{estimate_covariates, CovariateHistories};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(names)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: covariates FILE.csv COVARIATE,COVARIATE…");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).expect("readable CSV");
    let names: Vec<&str> = names.split(',').collect();
    let start = Instant::now();
    let data = match CovariateHistories::parse_csv(&text, &names) {
        Ok(d) => d,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    match estimate_covariates(&data, 0.95) {
        Ok(r) => {
            print!("{}", r.render_text());
            eprintln!("took {:?} ({} models fitted)", start.elapsed(), r.fits);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
