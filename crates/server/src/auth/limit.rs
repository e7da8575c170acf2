//! The login rate limit.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins per key (a login, a client address) in a sliding window.
/// In memory: it resets on restart and is per process, which is enough for
/// one server; several servers behind a balancer would need it in the store.
pub struct RateLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max_failures: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic elsewhere must not lock everyone out: the map stays usable.
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts an attempt on every key, or says how long to wait when a key
    /// is at its limit. Checked and counted under one lock, before the
    /// password is verified: concurrent attempts cannot all pass the check
    /// before any of them is counted. A successful attempt is taken back
    /// with [`RateLimiter::succeeded`].
    pub fn attempt(&self, keys: &[String]) -> Result<Instant, Duration> {
        let now = Instant::now();
        let mut map = self.lock();
        let mut wait: Option<Duration> = None;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    q.pop_front();
                }
                if q.len() >= self.max_failures {
                    let oldest = q[q.len() - self.max_failures];
                    let w = self.window.saturating_sub(now.duration_since(oldest));
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        if let Some(w) = wait {
            return Err(w);
        }
        if map.len() > 100_000 {
            // Bounded memory under a spray of logins: forget the settled ones.
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            q.push_back(now);
            while q.len() > self.max_failures {
                q.pop_front();
            }
        }
        Ok(now)
    }

    /// Takes back a counted attempt that succeeded, and forgets the login's
    /// earlier failures: a user who logs in is not held to them.
    pub fn succeeded(&self, keys: &[String], attempt: Instant) {
        let mut map = self.lock();
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                if let Some(i) = q.iter().rposition(|t| *t == attempt) {
                    q.remove(i);
                }
            }
        }
        if let Some(login) = keys.first() {
            map.remove(login);
        }
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_before_verifying_and_forgives_a_success() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let k = vec!["login:a".to_owned(), "ip:1".to_owned()];
        // Two attempts in flight at once are both counted: the third waits.
        assert!(l.attempt(&k).is_ok());
        let second = l.attempt(&k).unwrap();
        assert!(l.attempt(&k).unwrap_err() <= Duration::from_secs(60));
        assert!(l.attempt(&["ip:1".to_owned()]).is_err());
        assert!(l.attempt(&["login:b".to_owned()]).is_ok());
        // A success takes its own attempt back and the login's failures.
        l.succeeded(&k, second);
        assert!(l.attempt(&["login:a".to_owned()]).is_ok());
        let quick = RateLimiter::new(1, Duration::ZERO);
        assert!(quick.attempt(&k).is_ok());
        assert!(quick.attempt(&k).is_ok(), "attempts leave the window");
    }

    #[tokio::test]
    async fn concurrent_attempts_cannot_pass_the_check_together() {
        let l = std::sync::Arc::new(RateLimiter::new(5, Duration::from_secs(60)));
        let k = vec!["login:a".to_owned(), "ip:1".to_owned()];
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (l, k) = (l.clone(), k.clone());
                tokio::spawn(async move { l.attempt(&k).is_ok() })
            })
            .collect();
        let mut passed = 0;
        for t in tasks {
            passed += usize::from(t.await.unwrap());
        }
        assert_eq!(passed, 5);
    }
}
