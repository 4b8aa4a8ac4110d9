//! Failed-login limits, per account and per client address, in bounded memory.
//!
//! A key (a login, an IP address) may fail `max` times in a fixed window that starts
//! at its first failure; after that every attempt is refused (429, `Retry-After`)
//! until the window ends, even with the right password. A successful login clears
//! the account's key. The table holds at most `capacity` keys: when full, expired
//! windows are dropped first, then the oldest windows (so an attacker filling the
//! table with fresh keys only ever evicts their own oldest entries or stale ones).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// One limiter.
pub struct RateLimiter {
    max: u32,
    window_ms: i64,
    capacity: usize,
    keys: Mutex<HashMap<String, Window>>,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    start: i64,
    failures: u32,
}

impl RateLimiter {
    /// `max` failures per `window_ms`, at most `capacity` keys remembered.
    pub fn new(max: u32, window_ms: i64, capacity: usize) -> Self {
        RateLimiter {
            max,
            window_ms,
            capacity: capacity.max(1),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` if `key` is blocked at `now`.
    pub fn check(&self, key: &str, now: i64) -> Result<(), u64> {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        match keys.get(key) {
            Some(w) if w.failures >= self.max && now < w.start + self.window_ms => {
                let ms = w.start + self.window_ms - now;
                Err(u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failure of `key` at `now`.
    pub fn fail(&self, key: &str, now: i64) {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = keys.get_mut(key) {
            if now >= w.start + self.window_ms {
                *w = Window {
                    start: now,
                    failures: 1,
                };
            } else {
                w.failures = w.failures.saturating_add(1);
            }
            return;
        }
        if keys.len() >= self.capacity {
            let window = self.window_ms;
            keys.retain(|_, w| now < w.start + window);
            while keys.len() >= self.capacity {
                let Some(oldest) = keys
                    .iter()
                    .min_by_key(|(_, w)| w.start)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                keys.remove(&oldest);
            }
        }
        keys.insert(
            key.to_string(),
            Window {
                start: now,
                failures: 1,
            },
        );
    }

    /// Forgets `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// Keys remembered (for tests).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_window_ends() {
        let rl = RateLimiter::new(5, 900_000, 100);
        for i in 0..5 {
            assert_eq!(rl.check("marie", 1000 + i), Ok(()));
            rl.fail("marie", 1000 + i);
        }
        assert_eq!(rl.check("marie", 2000), Err(899));
        assert_eq!(rl.check("paul", 2000), Ok(()));
        assert_eq!(rl.check("marie", 900_999), Err(1));
        assert_eq!(rl.check("marie", 901_000), Ok(()));
        rl.fail("marie", 901_000);
        assert_eq!(rl.check("marie", 901_001), Ok(()), "a new window starts");
        rl.clear("marie");
        assert_eq!(rl.len(), 0);
    }

    #[test]
    fn memory_is_bounded() {
        let rl = RateLimiter::new(5, 900_000, 50);
        for _ in 0..5 {
            rl.fail("victim", 0);
        }
        for i in 0..10_000 {
            rl.fail(&format!("spray-{i}"), 1 + i);
            assert!(rl.len() <= 50);
        }
        // The oldest entry went first: the flood evicted the victim's window, which
        // is what bounded memory costs; fresh keys never exceed the capacity.
        assert_eq!(rl.len(), 50);
    }
}
