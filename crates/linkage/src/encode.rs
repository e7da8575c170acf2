//! Records → hardened Bloom-filter encodings (see ARCHITECTURE.md, "Linkage
//! encoding", for the scheme and why).

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::clk::{Clk, Slot, DATE_SLOT, NAME_SLOT};
use crate::normalise::{self, Sex};

/// The scheme's name, written beside encodings so that encodings of another
/// scheme are never compared with these.
pub const SCHEME: &str = "zicht-clk-2";

/// Bigrams of every name word, first and last name alike.
const Q: usize = 2;
/// Bits per token. A name bigram carries less than a date part, since a name
/// has a dozen bigrams and a date three parts.
const K_NAME: usize = 10;
const K_MONTH: usize = 12;
const K_DAY: usize = 12;
/// The day and month as an unordered pair, so that a day/month swap keeps
/// part of the date's weight.
const K_DATE_PART: usize = 28;
const K_SEX: usize = 6;

type HmacSha256 = Hmac<Sha256>;

/// The secret the suppliers share (and the monitor never sees).
pub struct Secret(Vec<u8>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the secret has {0} bytes; use at least 16 random bytes (e.g. `head -c 32 /dev/urandom | base64`)")]
    TooShort(usize),
}

impl Secret {
    /// The bytes of a key file, surrounding whitespace (a final newline) left out.
    pub fn new(bytes: &[u8]) -> Result<Secret, SecretError> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
        let trimmed = match start {
            Some(s) => {
                let end = bytes
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .unwrap_or(s);
                &bytes[s..=end]
            }
            None => &[][..],
        };
        if trimmed.len() < 16 {
            return Err(SecretError::TooShort(trimmed.len()));
        }
        Ok(Secret(trimmed.to_vec()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One record as the supplier holds it. Borrowed, so that the identifiers
/// are never copied out of the caller's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: &'a str,
    pub sex: &'a str,
}

/// A field that cannot be encoded: the column and why, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadField {
    pub column: &'static str,
    pub why: &'static str,
}

/// Keyed hashing with one key per field, all derived from the secret.
pub struct Encoder {
    name: HmacSha256,
    date: HmacSha256,
    sex: HmacSha256,
    salted: bool,
}

/// The `k` positions a token sets: double hashing on one HMAC, with an odd
/// step over a power-of-two length, so the positions are distinct.
fn positions(
    mac: &HmacSha256,
    salt: &[u8],
    kind: u8,
    bytes: &[u8],
    k: usize,
    slot: Slot,
) -> impl Iterator<Item = usize> {
    let mut m = mac.clone();
    m.update(salt);
    m.update(&[kind]);
    m.update(bytes);
    let h = m.finalize().into_bytes();
    let h1 = u64::from_le_bytes(h[0..8].try_into().expect("8 bytes"));
    let h2 = u64::from_le_bytes(h[8..16].try_into().expect("8 bytes")) | 1;
    let (start, len) = (slot.start as u64, slot.len as u64);
    (0..k as u64).map(move |i| (start + h1.wrapping_add(i.wrapping_mul(h2)) % len) as usize)
}

impl Encoder {
    pub fn new(secret: &Secret) -> Encoder {
        let hk = Hkdf::<Sha256>::new(Some(SCHEME.as_bytes()), &secret.0);
        let key = |field: &str| {
            let mut okm = [0u8; 32];
            hk.expand(field.as_bytes(), &mut okm)
                .expect("32 bytes is a valid HKDF-SHA256 length");
            HmacSha256::new_from_slice(&okm).expect("HMAC takes keys of any length")
        };
        Encoder {
            name: key("name"),
            date: key("date"),
            sex: key("sex"),
            salted: true,
        }
    }

    /// The scheme without its salt: plain keyed CLKs. Only for the security
    /// tests, which show that the attack they run works on these.
    #[doc(hidden)]
    pub fn unsalted_for_attack_tests(secret: &Secret) -> Encoder {
        Encoder {
            salted: false,
            ..Encoder::new(secret)
        }
    }

    /// Where a name bigram's bits go for people born in `year`; what the
    /// security tests check an attacker's guesses against.
    #[doc(hidden)]
    pub fn bigram_positions(&self, year: u16, bigram: [u8; 2]) -> Vec<usize> {
        let salt = if self.salted {
            year.to_be_bytes().to_vec()
        } else {
            Vec::new()
        };
        positions(&self.name, &salt, b'n', &bigram, K_NAME, NAME_SLOT).collect()
    }

    /// The encoding of one record, or every field that is wrong.
    pub fn encode(&self, record: &RawRecord<'_>) -> Result<Clk, Vec<BadField>> {
        let mut bad = Vec::new();
        let first = normalise::name_words(record.first_name, false);
        if first.is_none() {
            bad.push(BadField {
                column: "first_name",
                why: "has no letters",
            });
        }
        let last = normalise::name_words(record.last_name, true);
        if last.is_none() {
            bad.push(BadField {
                column: "last_name",
                why: "has no letters",
            });
        }
        let date = normalise::birth_date(record.birth_date).map_err(|why| BadField {
            column: "birth_date",
            why,
        });
        let sex = normalise::sex(record.sex).map_err(|why| BadField { column: "sex", why });
        let (date, sex) = match (date, sex) {
            (Ok(d), Ok(s)) if bad.is_empty() => (d, s),
            (d, s) => {
                bad.extend(d.err());
                bad.extend(s.err());
                return Err(bad);
            }
        };
        let (first, last) = (first.unwrap_or_default(), last.unwrap_or_default());

        // Every token is salted with the birth year: the same bigram sets
        // other bits for people born in another year, which flattens the bit
        // frequencies a frequency attack reads.
        let salt: &[u8] = &date.year.to_be_bytes();
        let salt = if self.salted { salt } else { &[] };
        let mut clk = Clk::default();
        let mut token = |mac: &HmacSha256, kind: u8, bytes: &[u8], k: usize| {
            let slot = if kind == b'n' { NAME_SLOT } else { DATE_SLOT };
            for p in positions(mac, salt, kind, bytes, k, slot) {
                clk.set(p);
            }
        };
        // First and last name share one key and one set of bigrams, so a
        // swap of the two fields gives the same encoding.
        let mut grams: Vec<[u8; Q]> = Vec::with_capacity(24);
        for word in first.iter().chain(&last) {
            if let Some(initial) = word.strip_suffix('.') {
                // An initial is the opening bigram of the name it stands for.
                grams.push([b'_', initial.as_bytes()[0]]);
                continue;
            }
            let padded: Vec<u8> = std::iter::once(b'_')
                .chain(word.bytes())
                .chain(std::iter::once(b'_'))
                .collect();
            for g in padded.windows(Q) {
                grams.push([g[0], g[1]]);
            }
        }
        grams.sort_unstable();
        grams.dedup();
        for g in &grams {
            token(&self.name, b'n', g, K_NAME);
        }
        if let Some(m) = date.month {
            token(&self.date, b'm', &[m], K_MONTH);
            token(&self.date, b'p', &[m], K_DATE_PART);
        }
        if let Some(d) = date.day {
            token(&self.date, b'd', &[d], K_DAY);
            token(&self.date, b'p', &[d], K_DATE_PART);
        }
        if let Some(s) = sex {
            let code = match s {
                Sex::Male => b'm',
                Sex::Female => b'f',
                Sex::Other => b'x',
            };
            token(&self.sex, b's', &[code], K_SEX);
        }
        Ok(clk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec<'a>(f: &'a str, l: &'a str, d: &'a str, s: &'a str) -> RawRecord<'a> {
        RawRecord {
            first_name: f,
            last_name: l,
            birth_date: d,
            sex: s,
        }
    }

    fn enc() -> Encoder {
        Encoder::new(&Secret::new(b"a shared secret of the suppliers\n").unwrap())
    }

    #[test]
    fn spelling_variants_encode_alike_and_swaps_exactly_alike() {
        let e = enc();
        let a = e
            .encode(&rec("Zoë", "van der Berg", "2009-04-17", "v"))
            .unwrap();
        let b = e
            .encode(&rec("ZOE", "Berg, Van Der", "2009-04-17", "F"))
            .unwrap();
        let swapped = e
            .encode(&rec("van der Berg", "Zoë", "2009-04-17", "v"))
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, swapped);
        let typo = e
            .encode(&rec("Zoe", "van der Brg", "2009-04-17", "v"))
            .unwrap();
        let day_month = e.encode(&rec("Zoe", "van der Berg", "2009-17-04", "v"));
        assert!(day_month.is_err(), "month 17 does not exist");
        let other = e.encode(&rec("Daan", "Jansen", "2009-04-17", "m")).unwrap();
        assert!(a.dice(&typo) > 0.85, "{}", a.dice(&typo));
        assert!(a.dice(&other) < 0.6, "{}", a.dice(&other));
    }

    #[test]
    fn another_year_salts_every_token() {
        let e = enc();
        let a = e.encode(&rec("Daan", "Jansen", "2009-04-07", "m")).unwrap();
        let b = e.encode(&rec("Daan", "Jansen", "2010-04-07", "m")).unwrap();
        assert!(a.dice(&b) < 0.4, "{}", a.dice(&b));
    }

    #[test]
    fn another_secret_gives_unrelated_bits() {
        let a = enc()
            .encode(&rec("Daan", "Jansen", "2009-04-07", "m"))
            .unwrap();
        let other = Encoder::new(&Secret::new(b"another secret, not shared").unwrap());
        let b = other
            .encode(&rec("Daan", "Jansen", "2009-04-07", "m"))
            .unwrap();
        assert!(a.dice(&b) < 0.4, "{}", a.dice(&b));
    }

    #[test]
    fn bad_fields_are_named_all_at_once_without_their_value() {
        let bad = enc()
            .encode(&rec("", "Jansen", "07-04-2009", "q"))
            .unwrap_err();
        let cols: Vec<_> = bad.iter().map(|b| b.column).collect();
        assert_eq!(cols, ["first_name", "birth_date", "sex"]);
        assert!(bad.iter().all(|b| !b.why.contains("2009")));
        assert_eq!(
            Secret::new(b"short\n").unwrap_err(),
            SecretError::TooShort(5)
        );
    }
}
