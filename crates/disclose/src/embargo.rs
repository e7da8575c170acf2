//! Embargo: figures appear nowhere public before their time.

/// Whether a release under embargo until `embargo_until` is public at `now`
/// (the caller reads the clock; `None`: no embargo). Public from the instant
/// itself on.
pub fn is_public<T: PartialOrd>(embargo_until: Option<&T>, now: &T) -> bool {
    match embargo_until {
        None => true,
        Some(until) => now >= until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_from_the_embargo_instant_on() {
        assert!(!is_public(Some(&100), &99));
        assert!(is_public(Some(&100), &100));
        assert!(is_public(Some(&100), &101));
        assert!(is_public(None, &0));
        // Any ordered time type works, RFC 3339 UTC strings included.
        assert!(!is_public(
            Some(&"2024-06-01T09:00:00Z"),
            &"2024-05-31T23:59:59Z"
        ));
    }
}
