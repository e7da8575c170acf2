//! The second factor: TOTP codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, one step of clock drift either way) and one-time recovery codes.
//! Pure functions of a secret and a time; the store keeps what was decided.

use rand::rngs::OsRng;
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
pub const STEP_SECS: u64 = 30;
/// The name an authenticator app shows beside the account.
pub const ISSUER: &str = "zicht";
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// A new secret of 160 random bits (RFC 4226's recommendation), base32 as
/// authenticator apps take it.
pub fn new_secret() -> String {
    let mut bytes = vec![0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded answers an encoded secret"),
    }
}

fn totp(secret: &str, login: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_owned()),
        login.to_owned(),
    )
    .ok()
}

/// The `otpauth://` URI an authenticator app reads (as a QR code, or typed).
pub fn otpauth_uri(secret: &str, login: &str) -> Option<String> {
    totp(secret, login).map(|t| t.get_url())
}

/// The code of `secret` at `unix_secs` (what an authenticator shows then).
pub fn code_at(secret: &str, unix_secs: u64) -> Option<String> {
    totp(secret, "-").map(|t| t.generate(unix_secs))
}

/// The time step whose code `code` is, among the step of `unix_secs` and
/// one either side; `None` when it is none of them. The caller must still
/// refuse a step already used ([`zicht_store::Store::accept_code_step`]).
pub fn matching_step(secret: &str, code: &str, unix_secs: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "-")?;
    let now = unix_secs / STEP_SECS;
    // Every candidate is compared, so the time taken says nothing about
    // which one matched.
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = t.generate(step * STEP_SECS);
        if subtle_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = i64::try_from(step).ok();
        }
    }
    found
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `code` is written as a TOTP code (six digits), not a recovery
/// code.
pub fn looks_like_totp(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// New recovery codes, shown once: 3 groups of 4 from an alphabet without
/// look-alikes (0/o, 1/l/i), about 60 bits each.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut out = String::with_capacity(14);
            let mut n = 0;
            while n < 12 {
                let mut b = [0u8; 1];
                OsRng.fill_bytes(&mut b);
                let i = usize::from(b[0]);
                // Rejection sampling keeps every character equally likely.
                if i < 256 - 256 % ALPHABET.len() {
                    if n > 0 && n % 4 == 0 {
                        out.push('-');
                    }
                    out.push(char::from(ALPHABET[i % ALPHABET.len()]));
                    n += 1;
                }
            }
            out
        })
        .collect()
}

/// A recovery code as it is hashed: lower case, without the spaces and
/// dashes a person may type or leave out.
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_vector_and_the_drift_window() {
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" at
        // 59 s gives 94287082 in 8 digits, so 287082 in 6.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(matching_step(&secret, "287082", 59), Some(1));
        // One step of drift either way, not two.
        assert_eq!(matching_step(&secret, "287082", 59 + 30), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 60), None);
        assert_eq!(matching_step(&secret, "287 082", 59), Some(1));
        assert_eq!(matching_step(&secret, "28708", 59), None);
        assert_eq!(matching_step(&secret, "abcdef", 59), None);
    }

    #[test]
    fn secrets_and_recovery_codes_are_fresh() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_ne!(s, new_secret());
        let uri = otpauth_uri(&s, "ed").unwrap();
        assert!(uri.starts_with("otpauth://totp/zicht:ed?"), "{uri}");
        assert!(uri.contains(&format!("secret={s}")), "{uri}");
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes[0].len(), 14);
        assert_ne!(codes[0], codes[1]);
        assert_eq!(normalise_recovery_code(" ABcd-efgh-jkmn "), "abcdefghjkmn");
        assert!(!looks_like_totp(&codes[0]));
        assert!(looks_like_totp("123 456"));
    }
}
