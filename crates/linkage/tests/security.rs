//! What an attacker without the secret can do with encoded files.

use std::collections::HashMap;

use zicht_linkage::synth::{generate, Synth, SynthOptions};
use zicht_linkage::{link, name_words, Clk, Encoder, LinkOptions, Secret, FILTER_BITS};

/// Bits per name bigram in the scheme (public: the attacker knows it).
const K_NAME: usize = 10;

fn encode(encoder: &Encoder, synth: &Synth) -> Vec<Vec<Clk>> {
    synth
        .lists
        .iter()
        .map(|l| {
            l.iter()
                .map(|r| encoder.encode(&r.raw()).unwrap())
                .collect()
        })
        .collect()
}

fn bigrams(first: &str, last: &str) -> Vec<[u8; 2]> {
    let mut out = Vec::new();
    for (raw, surname) in [(first, false), (last, true)] {
        for w in name_words(raw, surname).unwrap_or_default() {
            if w.ends_with('.') {
                continue;
            }
            let padded: Vec<u8> = format!("_{w}_").into_bytes();
            out.extend(padded.windows(2).map(|g| [g[0], g[1]]));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
fn encodings_made_with_another_secret_do_not_link() {
    let synth = generate(&SynthOptions {
        population: 3_000,
        lists: 2,
        list_size: 1_500,
        seed: 3,
        ..SynthOptions::default()
    });
    let mine = encode(
        &Encoder::new(&Secret::new(b"the suppliers' shared secret").unwrap()),
        &synth,
    );
    let theirs = encode(
        &Encoder::new(&Secret::new(b"a guess at the shared secret").unwrap()),
        &synth,
    );
    let same = link(&mine, &LinkOptions::default());
    let mixed = link(
        &[mine[0].clone(), theirs[1].clone()],
        &LinkOptions::default(),
    );
    let both = |h: &zicht_linkage::Histories| h.counts.get(&0b11).copied().unwrap_or(0);
    assert!(
        both(&same.histories[1].1) > 500,
        "{:?}",
        same.histories[1].1
    );
    assert_eq!(both(&mixed.histories[1].1), 0, "{:?}", mixed.histories[1].1);
    assert_eq!(
        both(&mixed.histories[2].1),
        0,
        "not even at the looser threshold"
    );
}

/// A frequency (pattern-mining) attack after Christen et al.: find the most
/// frequent bit, take the bits that are most often set with it as one
/// token's k bits, label the group with the public token whose frequency is
/// closest to the group's, remove the bits and repeat. Returns (label, bits).
fn pattern_mining_attack(
    clks: &[Clk],
    public: &[(String, f64)],
    groups: usize,
) -> Vec<(String, Vec<usize>)> {
    let n = clks.len() as f64;
    let mut freq = vec![0usize; FILTER_BITS];
    for c in clks {
        for (p, f) in freq.iter_mut().enumerate() {
            *f += usize::from(c.get(p));
        }
    }
    let mut taken = vec![false; FILTER_BITS];
    let mut unused: Vec<&(String, f64)> = public.iter().collect();
    let mut guesses = Vec::new();
    for _ in 0..groups {
        let p = (0..FILTER_BITS)
            .filter(|&p| !taken[p])
            .max_by_key(|&p| freq[p])
            .unwrap();
        // Grow the group one bit at a time, each time the bit most often set
        // in the records that have the whole group so far: a token's k bits
        // stay together, a chance bit drops the support.
        let mut group = vec![p];
        let mut holders: Vec<&Clk> = clks.iter().filter(|c| c.get(p)).collect();
        while group.len() < K_NAME {
            let q = (0..FILTER_BITS)
                .filter(|&q| !taken[q] && !group.contains(&q))
                .max_by_key(|&q| holders.iter().filter(|c| c.get(q)).count())
                .unwrap();
            group.push(q);
            holders.retain(|c| c.get(q));
        }
        let support = clks
            .iter()
            .filter(|c| group.iter().all(|&q| c.get(q)))
            .count() as f64
            / n;
        let best = (0..unused.len())
            .min_by(|&a, &b| {
                (unused[a].1 - support)
                    .abs()
                    .total_cmp(&(unused[b].1 - support).abs())
            })
            .unwrap();
        let label = unused.remove(best).0.clone();
        if std::env::var("ATTACK_DEBUG").is_ok() {
            eprintln!(
                "group freq {:.3} support {support:.3} -> {label}",
                freq[p] as f64 / n
            );
        }
        for &q in &group {
            taken[q] = true;
        }
        guesses.push((label, group));
    }
    guesses
}

/// How many of the 20 most frequent bigrams the attack places correctly: at
/// least half of its bits, for some birth year.
fn recovered(
    encoder: &Encoder,
    synth: &Synth,
    clks: &[Clk],
    public: &[(String, f64)],
) -> Vec<String> {
    let years: Vec<u16> = (2005..=2022).collect();
    let top20: Vec<&String> = public
        .iter()
        .filter(|(t, _)| !t.starts_with("sex"))
        .map(|(t, _)| t)
        .take(20)
        .collect();
    let _ = synth;
    pattern_mining_attack(clks, public, 40)
        .into_iter()
        .filter(|(label, bits)| {
            top20.contains(&label) && {
                let g = label.as_bytes();
                years.iter().any(|&y| {
                    let truth = encoder.bigram_positions(y, [g[0], g[1]]);
                    bits.iter().filter(|b| truth.contains(b)).count() * 2 >= K_NAME
                })
            }
        })
        .map(|(l, _)| l)
        .collect()
}

#[test]
fn a_frequency_attack_recovers_no_frequent_bigram() {
    // The attacker's public knowledge: how often each bigram occurs in
    // Dutch names (here: a sample drawn independently of the victims'),
    // and that half the people are of each sex.
    let public_sample = generate(&SynthOptions {
        population: 20_000,
        lists: 1,
        list_size: 10_000,
        seed: 99,
        typo: 0.0,
        ..SynthOptions::default()
    });
    let mut counts: HashMap<[u8; 2], usize> = HashMap::new();
    for r in &public_sample.lists[0] {
        for g in bigrams(&r.first_name, &r.last_name) {
            *counts.entry(g).or_default() += 1;
        }
    }
    let n = public_sample.lists[0].len() as f64;
    let mut public: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(g, c)| (String::from_utf8(g.to_vec()).unwrap(), c as f64 / n))
        .collect();
    public.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    public.push(("sex:f".into(), 0.5));
    public.push(("sex:m".into(), 0.5));

    let victims = generate(&SynthOptions {
        population: 10_000,
        lists: 1,
        list_size: 6_000,
        seed: 5,
        ..SynthOptions::default()
    });
    let secret = Secret::new(b"the suppliers' shared secret").unwrap();

    // The attack works on plain keyed CLKs, so it can fail this test…
    let plain = Encoder::unsalted_for_attack_tests(&secret);
    let plain_clks = encode(&plain, &victims).remove(0);
    let found_plain = recovered(&plain, &victims, &plain_clks, &public);
    assert!(
        !found_plain.is_empty(),
        "the attack should break unsalted encodings; it found nothing"
    );

    // …and recovers none of the 20 most frequent bigrams from zicht's.
    let hardened = Encoder::new(&secret);
    let clks = encode(&hardened, &victims).remove(0);
    let found = recovered(&hardened, &victims, &clks, &public);
    eprintln!("plain CLK: recovered {found_plain:?}; zicht: {found:?}");
    assert!(found.is_empty(), "recovered {found:?}");
}

#[test]
fn no_two_people_share_an_encoding_an_attacker_could_count() {
    // Frequency analysis of whole encodings: identical encodings would
    // reveal the most common name and birth date. Different people differ.
    let victims = generate(&SynthOptions {
        population: 10_000,
        lists: 1,
        list_size: 5_000,
        seed: 6,
        duplicate: 0.0,
        typo: 0.0,
        date_error: 0.0,
        ..SynthOptions::default()
    });
    let clks = encode(
        &Encoder::new(&Secret::new(b"the suppliers' shared secret").unwrap()),
        &victims,
    )
    .remove(0);
    let mut seen: HashMap<&Clk, u32> = HashMap::new();
    let mut repeated = 0;
    for (c, r) in clks.iter().zip(&victims.lists[0]) {
        if let Some(&p) = seen.get(c) {
            if p != r.person {
                repeated += 1;
            }
        }
        seen.insert(c, r.person);
    }
    assert!(
        repeated <= 2,
        "{repeated} encodings are shared by different people"
    );
}
