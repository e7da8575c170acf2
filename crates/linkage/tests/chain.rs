//! Synthetic registrations → encodings → linkage, measured against the
//! generator's truth.

use zicht_linkage::synth::{generate, pairwise_quality, true_histories, SynthOptions};
use zicht_linkage::{link, Clk, Encoder, LinkOptions, Secret};

fn encode_all(encoder: &Encoder, synth: &zicht_linkage::synth::Synth) -> Vec<Vec<Clk>> {
    synth
        .lists
        .iter()
        .map(|list| {
            list.iter()
                .map(|r| {
                    encoder
                        .encode(&r.raw())
                        .expect("the generator writes valid records")
                })
                .collect()
        })
        .collect()
}

#[test]
fn linkage_of_three_lists_finds_the_people_the_generator_made() {
    let synth = generate(&SynthOptions {
        population: 8_000,
        list_size: 4_000,
        seed: 7,
        ..SynthOptions::default()
    });
    let encoder = Encoder::new(&Secret::new(b"shared by the three suppliers").unwrap());
    let lists = encode_all(&encoder, &synth);
    let linked = link(&lists, &LinkOptions::default());
    let person: Vec<u32> = synth.lists.iter().flatten().map(|r| r.person).collect();
    let cluster: Vec<u32> = linked.cluster_of.iter().flatten().copied().collect();
    let q = pairwise_quality(&person, &cluster);
    eprintln!(
        "precision {:.4} recall {:.4} {q:?}",
        q.precision(),
        q.recall()
    );
    assert!(q.precision() >= 0.99, "{q:?}");
    assert!(q.recall() >= 0.9, "{q:?}");
    // The histories count people: close to the truth, and the looser
    // threshold never finds fewer people than the stricter one links.
    let truth = true_histories(&synth);
    let [(_, strict), (_, chosen), (_, loose)] = &linked.histories;
    let observed = chosen.observed() as f64;
    assert!((observed / truth.observed() as f64 - 1.0).abs() < 0.05);
    assert!(strict.observed() >= chosen.observed() && chosen.observed() >= loose.observed());
    for &pattern in chosen.counts.keys() {
        assert!(pattern != 0 && pattern < 8);
    }
}

#[test]
fn eight_lists_link_too() {
    let synth = generate(&SynthOptions {
        population: 2_000,
        lists: 8,
        list_size: 500,
        seed: 8,
        ..SynthOptions::default()
    });
    let encoder = Encoder::new(&Secret::new(b"shared by the eight suppliers").unwrap());
    let linked = link(&encode_all(&encoder, &synth), &LinkOptions::default());
    let person: Vec<u32> = synth.lists.iter().flatten().map(|r| r.person).collect();
    let cluster: Vec<u32> = linked.cluster_of.iter().flatten().copied().collect();
    let q = pairwise_quality(&person, &cluster);
    assert!(q.precision() >= 0.99 && q.recall() >= 0.9, "{q:?}");
    assert!(linked.histories[1]
        .1
        .counts
        .keys()
        .any(|&p| p >> 7 & 1 == 1));
}

/// The match probabilities carried into the estimate add up: the expected
/// number of links (the sum of the candidates' probabilities) is within 2%
/// of the true pairs, and a changed surname with the same birth date (few
/// bit bands agree) is among the candidates.
#[test]
fn match_probabilities_add_up_to_the_true_links() {
    use zicht_linkage::{band, candidates, field_dice, pair_probabilities};
    let synth = generate(&SynthOptions {
        seed: 11,
        ..SynthOptions::default()
    });
    let encoder = Encoder::new(&Secret::new(b"shared by the three suppliers").unwrap());
    let records: Vec<Clk> = encode_all(&encoder, &synth).into_iter().flatten().collect();
    let person: Vec<u32> = synth.lists.iter().flatten().map(|r| r.person).collect();
    let opts = LinkOptions::default();
    let pairs = candidates(&records, &opts);
    let (_, p) = pair_probabilities(&records, &pairs, opts.floor, opts.seed).unwrap();
    let mut per_person = std::collections::HashMap::<u32, u64>::new();
    for &q in &person {
        *per_person.entry(q).or_default() += 1;
    }
    let true_pairs: u64 = per_person.values().map(|&n| n * (n - 1) / 2).sum();
    let expected: f64 = p.iter().sum();
    assert!(
        (expected / true_pairs as f64 - 1.0).abs() < 0.02,
        "expected links {expected:.0}, true pairs {true_pairs}"
    );
    let changed_surname = pairs
        .iter()
        .filter(|c| {
            let (name, date) = field_dice(&records[c.a as usize], &records[c.b as usize]);
            band(date) == 20 && name < 0.6 && person[c.a as usize] == person[c.b as usize]
        })
        .count();
    assert!(
        changed_surname > 0,
        "no changed surname among the candidates"
    );
}
