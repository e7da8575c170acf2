//! Synthetic lists for `bench/linkage.sh`, and their scoring; file I/O is
//! here, not in the library.
//!   linkage_bench generate DIR LISTS SIZE POPULATION SEED
//!     writes DIR/a.csv, DIR/b.csv, … (records) and DIR/truth.csv
//!   linkage_bench score CLUSTERS.csv TRUTH.csv
//!     prints pairwise precision and recall of `zicht link --clusters`

use std::collections::HashMap;
use std::io::Write;

use zicht_linkage::synth::{generate, pairwise_quality, true_histories, SynthOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") if args.len() == 6 => {
            let dir = std::path::Path::new(&args[1]);
            let opts = SynthOptions {
                lists: args[2].parse()?,
                list_size: args[3].parse()?,
                population: args[4].parse()?,
                seed: args[5].parse()?,
                ..SynthOptions::default()
            };
            let synth = generate(&opts);
            let mut truth = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.csv"))?);
            writeln!(truth, "list,record_id,person")?;
            for (l, list) in synth.lists.iter().enumerate() {
                let name = ((b'a' + l as u8) as char).to_string();
                let mut w = csv::Writer::from_path(dir.join(format!("{name}.csv")))?;
                w.write_record(["record_id", "first_name", "last_name", "birth_date", "sex", "year"])?;
                for r in list {
                    w.write_record([
                        r.record_id.as_str(),
                        &r.first_name,
                        &r.last_name,
                        &r.birth_date,
                        r.sex,
                        &r.year.to_string(),
                    ])?;
                    writeln!(truth, "{name},{},{}", r.record_id, r.person)?;
                }
            }
            let mut w = csv::Writer::from_path(dir.join("true_histories.csv"))?;
            let mut header: Vec<String> = (0..opts.lists)
                .map(|l| ((b'a' + l as u8) as char).to_string())
                .collect();
            header.push("count".into());
            w.write_record(&header)?;
            for (p, n) in true_histories(&synth).counts {
                let mut row: Vec<String> = (0..opts.lists)
                    .map(|l| (p >> l & 1).to_string())
                    .collect();
                row.push(n.to_string());
                w.write_record(&row)?;
            }
            Ok(())
        }
        Some("score") if args.len() == 3 => {
            let mut person: HashMap<(String, String), u32> = HashMap::new();
            for r in csv::Reader::from_path(&args[2])?.records() {
                let r = r?;
                person.insert((r[0].to_string(), r[1].to_string()), r[2].parse()?);
            }
            let (mut people, mut clusters) = (Vec::new(), Vec::new());
            for r in csv::Reader::from_path(&args[1])?.records() {
                let r = r?;
                clusters.push(r[0].parse::<u32>()?);
                people.push(person[&(r[1].to_string(), r[2].to_string())]);
            }
            let q = pairwise_quality(&people, &clusters);
            println!(
                "precision {:.4}, recall {:.4} ({} true pairs, {} linked, {} correct)",
                q.precision(),
                q.recall(),
                q.true_pairs,
                q.linked_pairs,
                q.correct_pairs
            );
            Ok(())
        }
        _ => Err("usage: linkage_bench generate DIR LISTS SIZE POPULATION SEED | score CLUSTERS.csv TRUTH.csv".into()),
    }
}
