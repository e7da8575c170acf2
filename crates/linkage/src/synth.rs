//! Synthetic Dutch-like registrations of a known population, with the
//! errors real registrations have, for tests and benchmarks. No real person
//! is in here: names are drawn from common given names and from surnames
//! built out of common Dutch name parts.

use std::collections::HashMap;

use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

const BOYS: &[&str] = &[
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Luuk", "Bram", "Noah", "Thijs", "Jesse",
    "Max", "Thomas", "Sven", "Ruben", "Lars", "Jens", "Tim", "Julian", "Stijn", "Niels", "Gijs",
    "Teun", "Mees", "Sam", "Tijn", "Joep", "Hugo", "Siem", "Jayden", "Ryan", "Mohammed", "Ahmed",
    "Yusuf", "Ayoub", "Bilal", "Omar", "Dex", "Floris", "Pepijn", "Olivier", "Kyan", "Liam",
    "Boaz", "Jurre", "Hidde", "Wout", "Koen", "Joris", "Jasper", "Rick", "Kevin", "Dylan", "Stan",
    "Timo", "Wessel", "Jelle", "Sander", "Mark", "Dennis", "Bas", "Jeroen", "Maarten", "Pieter",
    "Jan", "Kees", "Willem", "Johan", "Erik", "Rutger", "Ties", "Luca", "Adam", "Vince", "Owen",
    "Mats", "Quinten", "Morris", "Ilias", "Mika", "Nout", "Fedde", "Emre", "Mert", "Cem", "Anouar",
    "Rens", "Melle", "Jip", "Sepp", "Benjamin", "Damian", "Dani", "Elias", "Fabian", "Gerrit",
    "Hamza", "Ibrahim", "Job", "Kian", "Lorenzo", "Mohamed", "Nick", "Otis", "René", "Senna",
    "Tygo", "Vigo", "Xavi", "Youssef", "Zakaria", "Aaron", "Bart", "Casper", "Diederik", "Ezra",
    "Frenk", "Guus", "Ivo", "Jorrit", "Lenn", "Maurits", "Nathan", "Rayan", "Rafaël", "Sietse",
];

const GIRLS: &[&str] = &[
    "Emma",
    "Julia",
    "Mila",
    "Tess",
    "Sophie",
    "Zoë",
    "Sara",
    "Nora",
    "Yara",
    "Eva",
    "Lotte",
    "Noor",
    "Liv",
    "Fenna",
    "Evi",
    "Saar",
    "Anna",
    "Lieke",
    "Fleur",
    "Isa",
    "Sanne",
    "Lisa",
    "Femke",
    "Iris",
    "Roos",
    "Esmee",
    "Maud",
    "Floor",
    "Jasmijn",
    "Vera",
    "Lynn",
    "Elin",
    "Nina",
    "Hanna",
    "Olivia",
    "Amira",
    "Fatima",
    "Aya",
    "Malak",
    "Yasmin",
    "Nova",
    "Mia",
    "Lina",
    "Elif",
    "Zeynep",
    "Chloé",
    "Anaïs",
    "Inès",
    "Daphne",
    "Lauren",
    "Merel",
    "Ilse",
    "Anouk",
    "Britt",
    "Demi",
    "Fay",
    "Gwen",
    "Hailey",
    "Imane",
    "Jade",
    "Kiki",
    "Loïs",
    "Maya",
    "Naomi",
    "Puck",
    "Quinty",
    "Romy",
    "Sofie",
    "Tamara",
    "Ursula",
    "Valerie",
    "Wendy",
    "Xena",
    "Yfke",
    "Zara",
    "Amber",
    "Bo",
    "Charlotte",
    "Dewi",
    "Elise",
    "Femmy",
    "Guusje",
    "Hiba",
    "Ivy",
    "Janna",
    "Kim",
    "Linde",
    "Marit",
    "Nienke",
    "Odette",
    "Pien",
    "Rosalie",
    "Selin",
    "Tirza",
    "Vajèn",
    "Wies",
    "Yasmina",
    "Zoey",
    "Annabel",
    "Benthe",
    "Cato",
    "Dunya",
    "Esther",
    "Froukje",
    "Gijsje",
    "Hester",
    "Ilona",
    "Jolien",
    "Karlijn",
    "Lara",
    "Mirthe",
    "Noa",
    "Ouassima",
    "Pleun",
    "Rana",
];

/// Common surnames with their particles, most common first.
const SURNAMES: &[(&str, &str)] = &[
    ("de", "Jong"),
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Janssen"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("", "Smits"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("de", "Bruin"),
    ("van der", "Heijden"),
    ("", "Schouten"),
    ("van", "Beek"),
    ("", "Willems"),
    ("van", "Vliet"),
    ("van de", "Ven"),
    ("", "Hoekstra"),
    ("", "Maas"),
    ("", "Verhoeven"),
    ("", "Koster"),
    ("van", "Dam"),
    ("van der", "Wal"),
    ("", "Prins"),
    ("", "Blom"),
    ("", "Huisman"),
    ("", "Peeters"),
    ("de", "Jonge"),
    ("", "Kuipers"),
    ("van", "Veen"),
    ("", "Post"),
    ("", "Kuiper"),
    ("", "Veenstra"),
    ("", "Kramer"),
    ("van den", "Brink"),
    ("", "Scholten"),
    ("van", "Wijk"),
    ("", "Postma"),
    ("", "Martens"),
    ("", "Vink"),
    ("de", "Ruiter"),
    ("", "Timmermans"),
    ("", "Groen"),
    ("", "Gerritsen"),
    ("", "Jonker"),
    ("van 't", "Hof"),
    ("", "Yılmaz"),
    ("", "Kaya"),
    ("", "El Amrani"),
    ("", "Çelik"),
    ("", "Öztürk"),
    ("", "Bouzid"),
    ("", "Şahin"),
    ("", "Nguyen"),
    ("", "Pérez"),
    ("", "Müller"),
];

const ROOTS: &[&str] = &[
    "berg", "bos", "brink", "broek", "dijk", "donk", "hof", "horst", "huis", "kamp", "kerk",
    "laar", "meer", "molen", "veld", "wijk", "weg", "zand", "beek", "bosch", "dal", "dam", "gaard",
    "haar", "hout", "kolk", "linde", "loo", "mond", "poel", "rade", "riet", "schot", "sloot",
    "stein", "straat", "vaart", "voort", "water", "wold", "akker", "burg", "drecht", "hage",
    "heide", "holt", "klooster", "lande", "leur", "maat", "oord", "rijn", "sluis", "steeg", "tuin",
    "venne", "wiel", "zijl", "zwaag", "gracht",
];
const PREFIXES: &[&str] = &[
    "Hoog", "Groot", "Klein", "Oost", "West", "Noord", "Zuid", "Nieuw", "Oud", "Ver", "Wester",
    "Raven", "Eike", "Steen", "Kool", "Wit", "Zwart", "Rood", "Schoon", "Berk", "Els", "Hazel",
    "Lin", "Mol", "Ros", "Vals", "Wage", "Zon", "Brand", "Diep", "Breed", "Lang", "Kort", "Haver",
    "Rog", "Tarwe", "Vlas", "Heg", "Bouw", "Dorp",
];
const ENDINGS: &[&str] = &[
    "", "", "er", "ers", "man", "mans", "ink", "ing", "ma", "stra", "s",
];
const PARTICLES: &[&str] = &[
    "van", "van de", "van der", "van den", "de", "ter", "ten", "van 't",
];

/// Error rates and sizes of a synthetic set of lists.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// People in the population the lists are drawn from.
    pub population: usize,
    pub lists: usize,
    /// Records per list, duplicates included.
    pub list_size: usize,
    pub seed: u64,
    /// Share of records with one typing error in a name.
    pub typo: f64,
    /// Share with first and last name swapped.
    pub swap: f64,
    /// Share with a wrong birth date: day and month swapped, or a part missing.
    pub date_error: f64,
    /// Share with another or a double-barrelled surname (marriage).
    pub married: f64,
    /// Share of a list's records that are a second record of someone on it.
    pub duplicate: f64,
    /// Share with the first name given as initials only.
    pub initials: f64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            population: 6_000,
            lists: 3,
            list_size: 2_000,
            seed: 1,
            typo: 0.20,
            swap: 0.03,
            date_error: 0.10,
            married: 0.02,
            duplicate: 0.02,
            initials: 0.01,
        }
    }
}

/// One synthetic registration, with the person it belongs to.
#[derive(Debug, Clone)]
pub struct SynthRecord {
    pub person: u32,
    pub record_id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub sex: &'static str,
    /// Year of registration, a stratum passed through in the clear.
    pub year: u16,
}

impl SynthRecord {
    /// The fields a supplier encodes, as `zicht encode` reads them.
    pub fn raw(&self) -> crate::RawRecord<'_> {
        crate::RawRecord {
            first_name: &self.first_name,
            last_name: &self.last_name,
            birth_date: &self.birth_date,
            sex: self.sex,
        }
    }
}

/// The lists and the population they come from.
#[derive(Debug, Clone)]
pub struct Synth {
    pub population: usize,
    pub lists: Vec<Vec<SynthRecord>>,
}

struct Person {
    female: bool,
    first: u16,
    surname: u32,
    birth: (u16, u8, u8),
    year: u16,
}

fn surname_table(rng: &mut ChaCha8Rng) -> (Vec<(String, String)>, Vec<f64>) {
    let mut names: Vec<(String, String)> = SURNAMES
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    // The most common surname is held by about 0.5% of people, falling off
    // as 1/sqrt(rank); the long tail is built from name parts.
    let mut weights: Vec<f64> = (0..names.len())
        .map(|r| 0.005 / ((r + 1) as f64).sqrt())
        .collect();
    let mut seen: std::collections::HashSet<String> =
        names.iter().map(|(_, c)| c.to_lowercase()).collect();
    let mut built = Vec::new();
    for p in PREFIXES {
        for r in ROOTS {
            for e in ENDINGS {
                built.push(format!("{p}{r}{e}"));
            }
        }
    }
    for r in ROOTS {
        for e in ENDINGS {
            let mut c = r.to_string();
            c.push_str(e);
            let mut chars = c.chars();
            let first = chars.next().map(|f| f.to_uppercase().collect::<String>());
            built.push(format!("{}{}", first.unwrap_or_default(), chars.as_str()));
        }
    }
    built.shuffle(rng);
    let tail_mass = 1.0 - weights.iter().sum::<f64>();
    let tail: Vec<String> = built
        .into_iter()
        .filter(|c| seen.insert(c.to_lowercase()))
        .collect();
    let norm: f64 = (0..tail.len())
        .map(|r| 1.0 / ((r + 10) as f64).powf(0.3))
        .sum();
    for (r, core) in tail.into_iter().enumerate() {
        let particle = if rng.gen_bool(0.25) {
            PARTICLES[rng.gen_range(0..PARTICLES.len())].to_string()
        } else {
            String::new()
        };
        names.push((particle, core));
        weights.push(tail_mass / ((r + 10) as f64).powf(0.3) / norm);
    }
    (names, weights)
}

fn typo(rng: &mut ChaCha8Rng, word: &str) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 {
        chars.push(LETTERS[rng.gen_range(0..26)] as char);
        return chars.into_iter().collect();
    }
    // Never the first letter: people rarely mistype it, and the case is kept.
    let i = rng.gen_range(1..chars.len());
    match rng.gen_range(0..4) {
        0 => chars[i] = LETTERS[rng.gen_range(0..26)] as char,
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, LETTERS[rng.gen_range(0..26)] as char),
        _ => {
            let j = if i + 1 < chars.len() { i + 1 } else { i - 1 };
            chars.swap(i, j);
        }
    }
    chars.into_iter().collect()
}

fn written_surname(rng: &mut ChaCha8Rng, particle: &str, core: &str) -> String {
    if particle.is_empty() {
        return core.to_string();
    }
    match rng.gen_range(0..20) {
        0 | 1 => {
            let mut p = particle.to_string();
            p[..1].make_ascii_uppercase();
            format!("{p} {core}")
        }
        2 => format!("{core}, {particle}"),
        3 => format!("{core} {particle}"),
        _ => format!("{particle} {core}"),
    }
}

fn days_in(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Draws a population and the lists; the same options give the same lists.
pub fn generate(opts: &SynthOptions) -> Synth {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let (surnames, weights) = surname_table(&mut rng);
    let surname_pick = WeightedIndex::new(&weights).expect("positive weights");
    let given = |names: &[&str]| {
        // The most common given name is held by about 2% of children.
        WeightedIndex::new((0..names.len()).map(|r| 1.0 / ((r + 10) as f64).sqrt()))
            .expect("positive weights")
    };
    let (boy_pick, girl_pick) = (given(BOYS), given(GIRLS));
    let people: Vec<Person> = (0..opts.population)
        .map(|_| {
            let female = rng.gen_bool(0.5);
            let first = if female {
                girl_pick.sample(&mut rng)
            } else {
                boy_pick.sample(&mut rng)
            } as u16;
            let y = rng.gen_range(2005..=2022);
            let m = rng.gen_range(1..=12);
            let d = rng.gen_range(1..=days_in(y, m));
            Person {
                female,
                first,
                surname: surname_pick.sample(&mut rng) as u32,
                birth: (y, m, d),
                year: rng.gen_range(2022..=2023),
            }
        })
        .collect();
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
    let mut lists = Vec::with_capacity(opts.lists);
    for l in 0..opts.lists {
        let distinct = ((opts.list_size as f64) * (1.0 - opts.duplicate)).round() as usize;
        let distinct = distinct.min(opts.population);
        let mut chosen: Vec<usize> = sample(&mut rng, opts.population, distinct).into_vec();
        while chosen.len() < opts.list_size {
            let again = chosen[rng.gen_range(0..distinct)];
            chosen.push(again);
        }
        chosen.shuffle(&mut rng);
        let list = chosen
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let person = &people[p];
                let mut first = if person.female {
                    GIRLS[person.first as usize]
                } else {
                    BOYS[person.first as usize]
                }
                .to_string();
                let (particle, core) = &surnames[person.surname as usize];
                let mut last = if rng.gen_bool(opts.married) {
                    let (p2, c2) = &surnames[surname_pick.sample(&mut rng)];
                    if rng.gen_bool(0.5) {
                        written_surname(&mut rng, p2, c2)
                    } else {
                        format!("{}-{}", written_surname(&mut rng, p2, c2), {
                            if particle.is_empty() {
                                core.clone()
                            } else {
                                format!("{particle} {core}")
                            }
                        })
                    }
                } else {
                    written_surname(&mut rng, particle, core)
                };
                if rng.gen_bool(opts.typo) {
                    if rng.gen_bool(0.5) {
                        first = typo(&mut rng, &first);
                    } else {
                        // The typo goes in the surname's last word, not a particle.
                        let at = last.rfind(' ').map_or(0, |i| i + 1);
                        let (head, word) = last.split_at(at);
                        last = format!("{head}{}", typo(&mut rng, word));
                    }
                }
                if rng.gen_bool(opts.initials) {
                    first = format!("{}.", first.chars().next().unwrap_or('X'));
                }
                if rng.gen_bool(0.03) {
                    first = first.to_uppercase();
                    last = last.to_uppercase();
                }
                if rng.gen_bool(opts.swap) {
                    std::mem::swap(&mut first, &mut last);
                }
                let (y, mut m, mut d) = person.birth;
                let mut date = None;
                if rng.gen_bool(opts.date_error) {
                    if d <= 12 && d != m {
                        std::mem::swap(&mut m, &mut d);
                    } else if rng.gen_bool(0.5) {
                        date = Some(format!("{y}-{m:02}-00"));
                    } else {
                        date = Some(format!("{y}-00-{d:02}"));
                    }
                }
                SynthRecord {
                    person: p as u32,
                    record_id: format!("{}{:07}", names[l % names.len()], i + 1),
                    first_name: first,
                    last_name: last,
                    birth_date: date.unwrap_or_else(|| format!("{y}-{m:02}-{d:02}")),
                    sex: if person.female { "f" } else { "m" },
                    year: person.year,
                }
            })
            .collect();
        lists.push(list);
    }
    Synth {
        population: opts.population,
        lists,
    }
}

/// Pairwise linkage quality against the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Pairs of records that are one person.
    pub true_pairs: u64,
    /// Pairs of records put in one cluster.
    pub linked_pairs: u64,
    /// Pairs that are both.
    pub correct_pairs: u64,
}

impl Quality {
    pub fn precision(&self) -> f64 {
        if self.linked_pairs == 0 {
            1.0
        } else {
            self.correct_pairs as f64 / self.linked_pairs as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.true_pairs == 0 {
            1.0
        } else {
            self.correct_pairs as f64 / self.true_pairs as f64
        }
    }
}

/// Compares clusters with the people the records belong to (record by
/// record, in the same order); within-list pairs count too.
pub fn pairwise_quality(person: &[u32], cluster: &[u32]) -> Quality {
    assert_eq!(person.len(), cluster.len());
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut by_person: HashMap<u32, u64> = HashMap::new();
    let mut by_cluster: HashMap<u32, u64> = HashMap::new();
    let mut both: HashMap<(u32, u32), u64> = HashMap::new();
    for (&p, &c) in person.iter().zip(cluster) {
        *by_person.entry(p).or_default() += 1;
        *by_cluster.entry(c).or_default() += 1;
        *both.entry((p, c)).or_default() += 1;
    }
    Quality {
        true_pairs: by_person.values().map(|&n| pairs(n)).sum(),
        linked_pairs: by_cluster.values().map(|&n| pairs(n)).sum(),
        correct_pairs: both.values().map(|&n| pairs(n)).sum(),
    }
}

/// The capture histories perfect linkage would give: list bit patterns →
/// number of people.
pub fn true_histories(synth: &Synth) -> crate::Histories {
    let mut on: HashMap<u32, u64> = HashMap::new();
    for (l, list) in synth.lists.iter().enumerate() {
        for r in list {
            *on.entry(r.person).or_default() |= 1 << l;
        }
    }
    let mut h = crate::Histories::default();
    for p in on.into_values() {
        *h.counts.entry(p).or_default() += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_overlap_have_duplicates_and_errors_at_the_asked_rates() {
        let s = generate(&SynthOptions {
            population: 4_000,
            list_size: 2_000,
            ..SynthOptions::default()
        });
        assert_eq!(s.lists.len(), 3);
        assert!(s.lists.iter().all(|l| l.len() == 2_000));
        let q = pairwise_quality(
            &s.lists
                .iter()
                .flatten()
                .map(|r| r.person)
                .collect::<Vec<_>>(),
            &(0..6_000).collect::<Vec<u32>>(),
        );
        // About half of each list is on each other list: ~3 × 1,000 pairs.
        assert!((2_400..3_800).contains(&q.true_pairs), "{q:?}");
        let missing_parts = s
            .lists
            .iter()
            .flatten()
            .filter(|r| r.birth_date.contains("-00"))
            .count();
        assert!((100..600).contains(&missing_parts), "{missing_parts}");
        let again = generate(&SynthOptions {
            population: 4_000,
            list_size: 2_000,
            ..SynthOptions::default()
        });
        assert_eq!(again.lists[2][17].last_name, s.lists[2][17].last_name);
    }

    #[test]
    fn quality_counts_pairs() {
        // People 1,1,2,2; clusters put the first three together.
        let q = pairwise_quality(&[1, 1, 2, 2], &[7, 7, 7, 8]);
        assert_eq!((q.true_pairs, q.linked_pairs, q.correct_pairs), (2, 3, 1));
    }
}
