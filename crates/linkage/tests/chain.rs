//! Synthetic registrations → encodings → linkage, measured against the
//! generator's truth.

use zicht_linkage::synth::{generate, pairwise_quality, true_histories, SynthOptions};
use zicht_linkage::{link, Clk, Encoder, LinkOptions, RawRecord, Secret};

fn encode_all(encoder: &Encoder, synth: &zicht_linkage::synth::Synth) -> Vec<Vec<Clk>> {
    synth
        .lists
        .iter()
        .map(|list| {
            list.iter()
                .map(|r| {
                    encoder
                        .encode(&RawRecord {
                            first_name: &r.first_name,
                            last_name: &r.last_name,
                            birth_date: &r.birth_date,
                            sex: r.sex,
                        })
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
