//! The record-level Bloom filter (a cryptographic long-term key, CLK) and its
//! text form.

use base64::Engine;

/// Length of every encoding in bits; a power of two, so that double hashing
/// with an odd step visits distinct positions.
pub const FILTER_BITS: usize = 1024;
const WORDS: usize = FILTER_BITS / 64;

/// A run of bits that one kind of field writes to: its own part of the
/// filter, so that linkage can read how the dates agree apart from the
/// names. Starts are whole words; with an odd step, double hashing visits
/// `len / gcd(step, len)` distinct positions, at least 256 here, far more
/// than a token's k.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: usize,
    pub len: usize,
}

/// The name bigrams (first and last name in one bag): three quarters of the
/// filter, as before the split about as many bits per name bigram.
pub const NAME_SLOT: Slot = Slot { start: 0, len: 768 };
/// The birth date's parts and the sex.
pub const DATE_SLOT: Slot = Slot {
    start: 768,
    len: 256,
};

/// One record's encoding: the bits its tokens set.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Clk(pub [u64; WORDS]);

/// Why a text is not an encoding.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClkError {
    #[error("not base64")]
    NotBase64,
    #[error("{0} bytes where an encoding has {FILTER_BITS}/8; was it made with another version of zicht encode?")]
    Length(usize),
}

impl Default for Clk {
    fn default() -> Self {
        Clk([0; WORDS])
    }
}

impl std::fmt::Debug for Clk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clk({} bits set)", self.count_ones())
    }
}

impl Clk {
    pub fn set(&mut self, position: usize) {
        self.0[position / 64] |= 1 << (position % 64);
    }

    pub fn get(&self, position: usize) -> bool {
        self.0[position / 64] >> (position % 64) & 1 == 1
    }

    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// Dice coefficient 2|A∩B| / (|A|+|B|); two empty filters are alike.
    pub fn dice(&self, other: &Clk) -> f64 {
        let both: u32 = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a & b).count_ones())
            .sum();
        let total = self.count_ones() + other.count_ones();
        if total == 0 {
            1.0
        } else {
            2.0 * f64::from(both) / f64::from(total)
        }
    }

    /// Dice with the popcounts known, for the inner loop of linkage.
    pub(crate) fn dice_with(&self, ones: u32, other: &Clk, other_ones: u32) -> f32 {
        let both: u32 = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a & b).count_ones())
            .sum();
        let total = ones + other_ones;
        if total == 0 {
            1.0
        } else {
            2.0 * both as f32 / total as f32
        }
    }

    /// Shared and total set bits in `slot`, for a per-field Dice.
    pub fn slot_counts(&self, other: &Clk, slot: Slot) -> (u32, u32) {
        let words = slot.start / 64..(slot.start + slot.len) / 64;
        let (mut both, mut total) = (0, 0);
        for w in words {
            both += (self.0[w] & other.0[w]).count_ones();
            total += self.0[w].count_ones() + other.0[w].count_ones();
        }
        (both, total)
    }

    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(FILTER_BITS / 8);
        for w in &self.0 {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    pub fn from_base64(text: &str) -> Result<Clk, ClkError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| ClkError::NotBase64)?;
        if bytes.len() != FILTER_BITS / 8 {
            return Err(ClkError::Length(bytes.len()));
        }
        let mut clk = Clk::default();
        for (w, chunk) in clk.0.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *w = u64::from_le_bytes(b);
        }
        Ok(clk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_wrong_lengths_are_named() {
        let mut c = Clk::default();
        for p in [0, 63, 64, 500, 1023] {
            c.set(p);
        }
        let back = Clk::from_base64(&c.to_base64()).unwrap();
        assert_eq!(back, c);
        assert!(back.get(1023) && !back.get(1022));
        assert_eq!(Clk::from_base64("AAAA"), Err(ClkError::Length(3)));
        assert_eq!(Clk::from_base64("@@@"), Err(ClkError::NotBase64));
    }

    #[test]
    fn dice_counts_shared_bits() {
        let mut a = Clk::default();
        let mut b = Clk::default();
        for p in 0..10 {
            a.set(p);
        }
        for p in 5..15 {
            b.set(p);
        }
        assert!((a.dice(&b) - 0.5).abs() < 1e-12);
        assert!((a.dice(&a) - 1.0).abs() < 1e-12);
        assert!((a.dice_with(10, &b, 10) - 0.5).abs() < 1e-6);
    }
}
