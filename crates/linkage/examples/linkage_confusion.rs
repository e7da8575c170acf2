//! Where the linkage errs, against the generator's truth (issue 13): the
//! linked pairs by kind (how the name and the date agree, within or across
//! lists), the cells of the field model (name band × date band) with the
//! pairs linked true and false, the true pairs left out, the model's match
//! probability and the non-matches it expects; and a bound: the recall left
//! when the linked pairs are cut, bin by bin in the order the truth knows
//! is best, until precision is 0.999. No rule that sees only those features
//! can do better than that bound. A diagnostic, not a test; synthetic
//! records only.
//!   linkage_confusion [LISTS] [SIZE] [POPULATION] [SEED]
//!   LINKAGE_SHOW=N    also prints N false links with their synthetic names

use std::collections::HashMap;

use rayon::prelude::*;
use zicht_linkage::synth::{generate, pairwise_quality, SynthOptions, SynthRecord};
use zicht_linkage::{
    band, candidates, cluster, date_agreement, field_dice, nonmatch_cells, pair_probabilities, Clk,
    DateAgreement, Encoder, LinkOptions, Secret, FIELD_BANDS, NAME_SLOT,
};

/// What a rule may see of a linked pair: the bin it falls in.
type Features<'a> = &'a dyn Fn(&Linked) -> Vec<u32>;

/// A linked pair's features, for the bound.
struct Linked {
    true_pair: bool,
    within: bool,
    agreement: DateAgreement,
    name: f64,
    date: f64,
    dice: f64,
    /// Fewer of the two records' name-slot twins (records with the very same
    /// name bits: a common name in that birth year).
    twins: u32,
    /// More of the two records' look-alikes: candidates with a like name
    /// (≥ 0.8) and another date.
    look_alikes: u32,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(std::env::args().nth(i).map_or(Ok(default), |a| a.parse())?)
    };
    let (lists, size, population, seed) = (
        arg(1, 3)?,
        arg(2, 100_000)?,
        arg(3, 200_000)?,
        arg(4, 1)? as u64,
    );
    let show: usize = std::env::var("LINKAGE_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let synth = generate(&SynthOptions {
        population,
        lists,
        list_size: size,
        seed,
        ..SynthOptions::default()
    });
    let encoder = Encoder::new(&Secret::new(b"the suppliers' secret of this diagnostic")?);
    let all: Vec<&SynthRecord> = synth.lists.iter().flatten().collect();
    let records: Vec<Clk> = all
        .par_iter()
        .map(|r| {
            encoder
                .encode(&r.raw())
                .expect("the generator writes valid records")
        })
        .collect();
    let list_of: Vec<u16> = synth
        .lists
        .iter()
        .enumerate()
        .flat_map(|(l, v)| std::iter::repeat_n(l as u16, v.len()))
        .collect();
    let person: Vec<u32> = all.iter().map(|r| r.person).collect();
    let opts = LinkOptions::default();
    let pairs = candidates(&records, &opts);
    let clusters = cluster(&records, &list_of, &pairs, opts.threshold);
    let q = pairwise_quality(&person, &clusters);
    println!(
        "{lists} × {size} (population {population}), {} candidates: precision {:.4}, recall {:.4} ({} true pairs, {} linked, {} correct)",
        pairs.len(),
        q.precision(),
        q.recall(),
        q.true_pairs,
        q.linked_pairs,
        q.correct_pairs
    );

    let name_words = NAME_SLOT.len / 64;
    let mut twins_of: HashMap<&[u64], u32> = HashMap::new();
    for r in &records {
        *twins_of.entry(&r.0[..name_words]).or_default() += 1;
    }
    let twins: Vec<u32> = records
        .iter()
        .map(|r| twins_of[&r.0[..name_words]])
        .collect();
    let mut look_alikes = vec![0u32; records.len()];
    for p in &pairs {
        let (a, b) = (&records[p.a as usize], &records[p.b as usize]);
        if field_dice(a, b).0 >= 0.8 && date_agreement(a, b) == DateAgreement::Other {
            look_alikes[p.a as usize] += 1;
            look_alikes[p.b as usize] += 1;
        }
    }

    let k = FIELD_BANDS;
    // Per cell: linked true, linked false, true left out, false left out.
    let mut cells = vec![[0u64; 4]; k * k];
    let mut linked = Vec::new();
    let mut shown = 0;
    for p in &pairs {
        let (a, b) = (p.a as usize, p.b as usize);
        let (name, date) = field_dice(&records[a], &records[b]);
        let (is_true, is_linked) = (person[a] == person[b], clusters[a] == clusters[b]);
        cells[band(name) * k + band(date)][match (is_linked, is_true) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        }] += 1;
        if !is_linked {
            continue;
        }
        if !is_true && shown < show {
            shown += 1;
            let r = |x: &SynthRecord| {
                format!(
                    "{} {} {} {}",
                    x.first_name, x.last_name, x.birth_date, x.sex
                )
            };
            println!(
                "false link, Dice {:.3} (name {name:.3}, date {date:.3}): {} | {}",
                p.dice,
                r(all[a]),
                r(all[b])
            );
        }
        linked.push(Linked {
            true_pair: is_true,
            within: list_of[a] == list_of[b],
            agreement: date_agreement(&records[a], &records[b]),
            name,
            date,
            dice: f64::from(p.dice),
            twins: twins[a].min(twins[b]),
            look_alikes: look_alikes[a].max(look_alikes[b]),
        });
    }

    println!("\nLinked pairs by kind (false / true):");
    let mut kinds: std::collections::BTreeMap<(&str, &str), [u64; 2]> = Default::default();
    for l in &linked {
        let whole_name = l.name >= 1.0 - 1e-9;
        let kind = match l.agreement {
            DateAgreement::Exact if whole_name => "the same name and date (Dice 1)",
            DateAgreement::Exact => "the same date, a near name",
            DateAgreement::Error if whole_name => "the same name, one date error",
            DateAgreement::Error => "a near name, one date error",
            DateAgreement::Other if l.date >= 0.85 => "the same date, another sex",
            DateAgreement::Other if whole_name => "the same name, another date",
            DateAgreement::Other => "a near name, another date",
        };
        let side = if l.within { "within a list" } else { "across" };
        kinds.entry((kind, side)).or_default()[usize::from(l.true_pair)] += 1;
    }
    for ((kind, side), [f, t]) in &kinds {
        println!("  {kind:<34} {side:<14} {f:>6} / {t:>7}");
    }

    let model = pair_probabilities(&records, &pairs, opts.floor, opts.seed)
        .ok_or("too few candidates for the field model")?
        .0;
    let expected = nonmatch_cells(&records, opts.floor, opts.seed).ok_or("too few records")?;
    println!(
        "\nCells with the most false links (name band, date band; band b is Dice b/20, 20 is 1); match share {:.4}:",
        model.match_share
    );
    println!(
        "{:>5} {:>5} {:>9} {:>7} {:>8} {:>12} {:>9} {:>12}",
        "name", "date", "linked", "false", "missed", "other false", "model p", "model non-m."
    );
    let mut order: Vec<usize> = (0..k * k).collect();
    order.sort_by_key(|&c| std::cmp::Reverse((cells[c][1], cells[c][2])));
    for &c in order.iter().take(25) {
        let [t, f, m, o] = cells[c];
        println!(
            "{:>5} {:>5} {t:>9} {f:>7} {m:>8} {o:>12} {:>9.4} {:>12.1}",
            c / k,
            c % k,
            model.posterior[c],
            expected[c]
        );
    }
    println!("\nA veto on the model's match probability of the pair's cell:");
    for cut in [0.01, 0.1, 0.5] {
        let (mut t, mut f) = (0, 0);
        for c in (0..k * k).filter(|&c| model.posterior[c] < cut) {
            t += cells[c][0];
            f += cells[c][1];
        }
        let (correct, all) = (q.correct_pairs - t, q.linked_pairs - t - f);
        println!(
            "  p < {cut}: {t} true and {f} false links fewer: precision {:.4}, recall {:.4}",
            correct as f64 / all as f64,
            correct as f64 / q.true_pairs as f64
        );
    }

    println!("\nBound: recall at precision 0.999 when the truth picks which bins to cut:");
    let band50 = |x: f64| (x * 50.0).min(50.0) as u32;
    let small = |n: u32| n.min(5);
    let features: [(&str, Features); 4] = [
        ("name band × date band (the field model's cells)", &|l| {
            vec![band(l.name) as u32, band(l.date) as u32]
        }),
        ("… × within or across lists", &|l| {
            vec![
                band(l.name) as u32,
                band(l.date) as u32,
                u32::from(l.within),
            ]
        }),
        ("… × date agreement, name, date and Dice by 0.02", &|l| {
            vec![
                u32::from(l.within),
                l.agreement as u32,
                band50(l.name),
                band50(l.date),
                band50(l.dice),
            ]
        }),
        ("… × name twins and look-alikes per record", &|l| {
            vec![
                u32::from(l.within),
                l.agreement as u32,
                band(l.name) as u32,
                band(l.date) as u32,
                small(l.twins),
                small(l.look_alikes),
            ]
        }),
    ];
    for (label, key) in features {
        let mut bins: HashMap<Vec<u32>, [u64; 2]> = HashMap::new();
        for l in &linked {
            bins.entry(key(l)).or_default()[usize::from(l.true_pair)] += 1;
        }
        let mut bins: Vec<[u64; 2]> = bins.into_values().collect();
        // Worst first: most false links per true one.
        bins.sort_by(|x, y| {
            let r = |b: &[u64; 2]| (b[0] as f64 + 0.01) / (b[1] as f64 + 0.01);
            r(y).total_cmp(&r(x))
        });
        let (mut correct, mut wrong) = (q.correct_pairs, q.linked_pairs - q.correct_pairs);
        for [f, t] in bins {
            if wrong as f64 <= 0.001 * (correct + wrong) as f64 {
                break;
            }
            correct -= t;
            wrong -= f;
        }
        println!(
            "  {label:<50} recall {:.4} (precision {:.4})",
            correct as f64 / q.true_pairs as f64,
            correct as f64 / (correct + wrong) as f64
        );
    }
    Ok(())
}
