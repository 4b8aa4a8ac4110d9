//! Limits on what can be tried or sent too often, in bounded memory, kept in the
//! store so that a restart does not lift them.
//!
//! A [`RateLimiter`] counts events of a key (an account, an address, a network, a
//! kiosk) in a fixed window that starts at its first event; past `max`, the key is
//! refused (429, `Retry-After`) until the window ends. The table holds at most
//! `capacity` keys: when full, expired windows are dropped first, then the oldest
//! (an attacker filling the table with fresh keys only ever evicts their own oldest
//! entries or stale ones). Every change is written through to the store (made
//! durable by the next group commit), and [`Limits::load`] reads the windows back
//! at start.
//!
//! [`Limits`] is the policy: which keys each action counts. Addresses count alone
//! and by network ([`network`]: a /24 in IPv4, a /56 in IPv6), so rotating the
//! source address inside one network does not walk past a limit. Failed logins
//! lock the pair (account, address), never the account for everyone: many
//! failures on one account from many places lock it only for browsers that have
//! not logged into it before (a *device cookie*, OWASP's defence against account
//! lock-out), so the real user, on their usual tablet, still logs in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::store::{LimitWindow, Store};

/// One limiter.
pub struct RateLimiter {
    name: &'static str,
    max: u32,
    window_ms: i64,
    capacity: usize,
    keys: Mutex<HashMap<String, Window>>,
    store: Option<Arc<dyn Store>>,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    start: i64,
    count: u32,
}

impl RateLimiter {
    /// `max` events per `window_ms`, at most `capacity` keys remembered, in memory
    /// only.
    pub fn new(name: &'static str, max: u32, window_ms: i64, capacity: usize) -> Self {
        RateLimiter {
            name,
            max,
            window_ms,
            capacity: capacity.max(1),
            keys: Mutex::new(HashMap::new()),
            store: None,
        }
    }

    /// The same, with every window kept in `store`.
    pub fn kept_in(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    fn keep(&self, key: &str, w: Window) {
        if let Some(store) = &self.store {
            let window = LimitWindow {
                limiter: self.name.to_string(),
                key: key.to_string(),
                start: w.start,
                count: w.count,
            };
            if let Err(e) = store.put_limit_window(&window) {
                tracing::error!(error = %e, limiter = self.name, "rate-limit window not kept");
            }
        }
    }

    fn forget(&self, key: &str) {
        if let Some(store) = &self.store {
            if let Err(e) = store.remove_limit_window(self.name, key) {
                tracing::error!(error = %e, limiter = self.name, "rate-limit window not removed");
            }
        }
    }

    /// `Err(seconds to wait)` if `key` is blocked at `now`.
    pub fn check(&self, key: &str, now: i64) -> Result<(), u64> {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        match keys.get(key) {
            Some(w) if w.count >= self.max && now < w.start + self.window_ms => {
                let ms = w.start + self.window_ms - now;
                Err(u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts an event of `key` at `now` (a failure, a submission).
    pub fn fail(&self, key: &str, now: i64) {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let counted = if let Some(w) = keys.get_mut(key) {
            if now >= w.start + self.window_ms {
                *w = Window {
                    start: now,
                    count: 1,
                };
            } else {
                w.count = w.count.saturating_add(1);
            }
            *w
        } else {
            let mut evicted = Vec::new();
            if keys.len() >= self.capacity {
                let window = self.window_ms;
                keys.retain(|k, w| {
                    let live = now < w.start + window;
                    if !live {
                        evicted.push(k.clone());
                    }
                    live
                });
                while keys.len() >= self.capacity {
                    let Some(oldest) = keys
                        .iter()
                        .min_by_key(|(_, w)| w.start)
                        .map(|(k, _)| k.clone())
                    else {
                        break;
                    };
                    keys.remove(&oldest);
                    evicted.push(oldest);
                }
            }
            for k in &evicted {
                self.forget(k);
            }
            let w = Window {
                start: now,
                count: 1,
            };
            keys.insert(key.to_string(), w);
            w
        };
        self.keep(key, counted);
    }

    /// Checks `key` and, when it is not blocked, counts one event: for actions that
    /// are limited whether they succeed or not.
    pub fn hit(&self, key: &str, now: i64) -> Result<(), u64> {
        self.check(key, now)?;
        self.fail(key, now);
        Ok(())
    }

    /// Forgets `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        let removed = self
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        if removed.is_some() {
            self.forget(key);
        }
    }

    /// Drops the windows that ended before `now`, here and in the store.
    pub fn expire(&self, now: i64) {
        let mut gone = Vec::new();
        let window = self.window_ms;
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|k, w| {
                let live = now < w.start + window;
                if !live {
                    gone.push(k.clone());
                }
                live
            });
        for k in gone {
            self.forget(&k);
        }
    }

    /// Takes back a kept window (at start); an ended one is forgotten.
    fn restore(&self, key: &str, start: i64, count: u32, now: i64) {
        if now >= start + self.window_ms || start > now {
            self.forget(key);
            return;
        }
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.len() < self.capacity {
            keys.insert(key.to_string(), Window { start, count });
        }
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

/// The network of an address: its /24 in IPv4, its /56 in IPv6 (what one
/// subscriber or one site usually holds).
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return network(IpAddr::V4(v4));
            }
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}00::/56", s[0], s[1], s[2], s[3] >> 8)
        }
    }
}

/// Window of the login and lookup limits: 15 minutes.
pub const WINDOW_MS: i64 = 15 * 60_000;
/// Window of the submission limits: 10 minutes.
pub const SUBMIT_WINDOW_MS: i64 = 10 * 60_000;
/// Window of the kiosk's submission limit: one hour.
pub const KIOSK_WINDOW_MS: i64 = 60 * 60_000;
/// Keys each limiter remembers at most.
pub const CAPACITY: usize = 100_000;

/// Failed logins allowed for one account from one address (or one device).
pub const LOGIN_PER_PAIR: u32 = 5;
/// Failed logins allowed for one account from everywhere, before browsers that
/// never logged into it are refused.
pub const LOGIN_PER_ACCOUNT: u32 = 20;
/// Failed logins allowed from one address (any account).
pub const LOGIN_PER_ADDRESS: u32 = 20;
/// Failed logins allowed from one network.
pub const LOGIN_PER_NETWORK: u32 = 100;
/// Lookups of unknown result codes allowed per account.
pub const LOOKUP_PER_ACCOUNT: u32 = 20;
/// Lookups of unknown result codes per address (several agents of one post
/// office may share an address).
pub const LOOKUP_PER_ADDRESS: u32 = 60;
/// Lookups of unknown result codes per network.
pub const LOOKUP_PER_NETWORK: u32 = 200;
/// Wrong kiosk pairing codes per address.
pub const PAIR_PER_ADDRESS: u32 = 10;
/// Wrong kiosk pairing codes per network.
pub const PAIR_PER_NETWORK: u32 = 30;
/// Anonymous results accepted per address in [`SUBMIT_WINDOW_MS`] by default (a
/// test takes minutes; a room of people self-testing behind one address stays
/// under it); three times that per network.
pub const SUBMIT_PER_ADDRESS: u32 = 20;
/// Results accepted per kiosk in [`KIOSK_WINDOW_MS`] (one person at a time).
pub const SUBMIT_PER_KIOSK: u32 = 30;
/// Wrong current passwords when changing one's password.
pub const PASSWORD_PER_ACCOUNT: u32 = 5;

/// Every limit of the server.
pub struct Limits {
    login_pair: RateLimiter,
    login_account: RateLimiter,
    login_address: RateLimiter,
    login_network: RateLimiter,
    password: RateLimiter,
    lookup_account: RateLimiter,
    lookup_address: RateLimiter,
    lookup_network: RateLimiter,
    pair_address: RateLimiter,
    pair_network: RateLimiter,
    submit_address: RateLimiter,
    submit_network: RateLimiter,
    submit_kiosk: RateLimiter,
}

/// How a login attempt's browser is known to the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device<'a> {
    /// A browser that logged into this account before (its device cookie's id).
    Known(&'a str),
    /// Any other.
    Unknown,
}

impl Limits {
    /// The limits, kept in `store` when given; `anonymous_per_address` anonymous
    /// results per address in [`SUBMIT_WINDOW_MS`] (three times that per network),
    /// `per_kiosk` results per kiosk in [`KIOSK_WINDOW_MS`].
    pub fn new(store: Option<Arc<dyn Store>>, anonymous_per_address: u32, per_kiosk: u32) -> Self {
        let l = |name, max, window| {
            let r = RateLimiter::new(name, max, window, CAPACITY);
            match &store {
                Some(s) => r.kept_in(s.clone()),
                None => r,
            }
        };
        Limits {
            login_pair: l("login_pair", LOGIN_PER_PAIR, WINDOW_MS),
            login_account: l("login_account", LOGIN_PER_ACCOUNT, WINDOW_MS),
            login_address: l("login_address", LOGIN_PER_ADDRESS, WINDOW_MS),
            login_network: l("login_network", LOGIN_PER_NETWORK, WINDOW_MS),
            password: l("password", PASSWORD_PER_ACCOUNT, WINDOW_MS),
            lookup_account: l("lookup_account", LOOKUP_PER_ACCOUNT, WINDOW_MS),
            lookup_address: l("lookup_address", LOOKUP_PER_ADDRESS, WINDOW_MS),
            lookup_network: l("lookup_network", LOOKUP_PER_NETWORK, WINDOW_MS),
            pair_address: l("pair_address", PAIR_PER_ADDRESS, WINDOW_MS),
            pair_network: l("pair_network", PAIR_PER_NETWORK, WINDOW_MS),
            submit_address: l("submit_address", anonymous_per_address, SUBMIT_WINDOW_MS),
            submit_network: l(
                "submit_network",
                anonymous_per_address.saturating_mul(3),
                SUBMIT_WINDOW_MS,
            ),
            submit_kiosk: l("submit_kiosk", per_kiosk, KIOSK_WINDOW_MS),
        }
    }

    fn all(&self) -> [&RateLimiter; 13] {
        [
            &self.login_pair,
            &self.login_account,
            &self.login_address,
            &self.login_network,
            &self.password,
            &self.lookup_account,
            &self.lookup_address,
            &self.lookup_network,
            &self.pair_address,
            &self.pair_network,
            &self.submit_address,
            &self.submit_network,
            &self.submit_kiosk,
        ]
    }

    /// Takes back the windows kept in `store` (at start).
    pub fn load(&self, store: &dyn Store, now: i64) -> Result<usize, crate::store::StoreError> {
        let mut n = 0;
        for w in store.limit_windows()? {
            match self.all().into_iter().find(|l| l.name == w.limiter) {
                Some(l) => {
                    l.restore(&w.key, w.start, w.count, now);
                    n += 1;
                }
                None => {
                    let _ = store.remove_limit_window(&w.limiter, &w.key);
                }
            }
        }
        Ok(n)
    }

    /// Drops ended windows (hourly).
    pub fn expire(&self, now: i64) {
        for l in self.all() {
            l.expire(now);
        }
    }

    fn pair_key(account: &str, peer: IpAddr, device: Device) -> String {
        match device {
            Device::Known(id) => format!("{account}\u{0}device:{id}"),
            Device::Unknown => format!("{account}\u{0}{peer}"),
        }
    }

    /// `Err(seconds to wait)` if a login of `account` from `peer` must be refused.
    pub fn login_check(
        &self,
        account: &str,
        peer: IpAddr,
        device: Device,
        now: i64,
    ) -> Result<(), u64> {
        self.login_pair
            .check(&Self::pair_key(account, peer, device), now)?;
        if device == Device::Unknown {
            self.login_address.check(&peer.to_string(), now)?;
            self.login_network.check(&network(peer), now)?;
            self.login_account.check(account, now)?;
        }
        Ok(())
    }

    /// Counts a failed login.
    pub fn login_failed(&self, account: &str, peer: IpAddr, device: Device, now: i64) {
        self.login_pair
            .fail(&Self::pair_key(account, peer, device), now);
        if device == Device::Unknown {
            self.login_address.fail(&peer.to_string(), now);
            self.login_network.fail(&network(peer), now);
            self.login_account.fail(account, now);
        }
    }

    /// A successful login forgets the failures of its own browser (not the
    /// account's: an attacker's count goes on).
    pub fn login_succeeded(&self, account: &str, peer: IpAddr, device: Device) {
        self.login_pair
            .clear(&Self::pair_key(account, peer, device));
    }

    /// `Err(wait)` if the account typed too many wrong current passwords.
    pub fn password_check(&self, user: u64, now: i64) -> Result<(), u64> {
        self.password.check(&user.to_string(), now)
    }

    /// Counts a wrong current password.
    pub fn password_failed(&self, user: u64, now: i64) {
        self.password.fail(&user.to_string(), now);
    }

    /// The right current password forgets the wrong ones.
    pub fn password_succeeded(&self, user: u64) {
        self.password.clear(&user.to_string());
    }

    /// `Err(wait)` if a lookup of a result code must be refused.
    pub fn lookup_check(&self, user: u64, peer: Option<IpAddr>, now: i64) -> Result<(), u64> {
        self.lookup_account.check(&user.to_string(), now)?;
        if let Some(ip) = peer {
            self.lookup_address.check(&ip.to_string(), now)?;
            self.lookup_network.check(&network(ip), now)?;
        }
        Ok(())
    }

    /// Counts a lookup that found nothing.
    pub fn lookup_failed(&self, user: u64, peer: Option<IpAddr>, now: i64) {
        self.lookup_account.fail(&user.to_string(), now);
        if let Some(ip) = peer {
            self.lookup_address.fail(&ip.to_string(), now);
            self.lookup_network.fail(&network(ip), now);
        }
    }

    /// `Err(wait)` if a pairing from `peer` must be refused.
    pub fn pair_check(&self, peer: IpAddr, now: i64) -> Result<(), u64> {
        self.pair_address.check(&peer.to_string(), now)?;
        self.pair_network.check(&network(peer), now)
    }

    /// Counts a wrong pairing code.
    pub fn pair_failed(&self, peer: IpAddr, now: i64) {
        self.pair_address.fail(&peer.to_string(), now);
        self.pair_network.fail(&network(peer), now);
    }

    /// Counts a result sent by a kiosk (`Some`) or anonymously from `peer`;
    /// `Err(wait)` when over the limit (nothing counted then).
    pub fn submission(&self, kiosk: Option<u64>, peer: IpAddr, now: i64) -> Result<(), u64> {
        match kiosk {
            Some(k) => self.submit_kiosk.hit(&k.to_string(), now),
            None => {
                let (address, net) = (peer.to_string(), network(peer));
                self.submit_address.check(&address, now)?;
                self.submit_network.check(&net, now)?;
                self.submit_address.fail(&address, now);
                self.submit_network.fail(&net, now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_window_ends() {
        let rl = RateLimiter::new("t", 5, 900_000, 100);
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
        let rl = RateLimiter::new("t", 5, 900_000, 50);
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

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(network(ip("192.0.2.77")), "192.0.2.0/24");
        assert_eq!(network(ip("::ffff:192.0.2.77")), "192.0.2.0/24");
        assert_eq!(network(ip("2001:db8:1:2a3::1")), "2001:db8:1:200::/56");
        assert_eq!(
            network(ip("2001:db8:1:2ff::9")),
            network(ip("2001:db8:1:200::1"))
        );
        assert_ne!(
            network(ip("2001:db8:1:300::1")),
            network(ip("2001:db8:1:200::1"))
        );
    }

    #[test]
    fn an_attacker_locks_their_own_address_not_the_user() {
        let limits = Limits::new(None, SUBMIT_PER_ADDRESS, SUBMIT_PER_KIOSK);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let (attacker, user) = (ip("198.51.100.9"), ip("203.0.113.5"));
        for t in 0..5 {
            assert!(limits
                .login_check("marie", attacker, Device::Unknown, t)
                .is_ok());
            limits.login_failed("marie", attacker, Device::Unknown, t);
        }
        assert!(limits
            .login_check("marie", attacker, Device::Unknown, 10)
            .is_err());
        assert!(limits
            .login_check("marie", user, Device::Unknown, 10)
            .is_ok());
        // Attackers from many networks reach the account's limit: browsers that
        // never logged in are refused, the user's known tablet is not.
        for n in 0..4u8 {
            for t in 0..5 {
                let a = ip(&format!("192.0.{n}.1"));
                limits.login_failed("marie", a, Device::Unknown, 20 + i64::from(t));
            }
        }
        assert!(limits
            .login_check("marie", user, Device::Unknown, 50)
            .is_err());
        assert!(limits
            .login_check("marie", user, Device::Known("tablette"), 50)
            .is_ok());
        // The known device has its own count.
        for t in 0..5 {
            limits.login_failed("marie", user, Device::Known("tablette"), 60 + t);
        }
        assert!(limits
            .login_check("marie", user, Device::Known("tablette"), 70)
            .is_err());
        assert!(limits
            .login_check("paul", user, Device::Unknown, 70)
            .is_ok());
    }

    #[test]
    fn anonymous_results_are_limited_per_address_and_network() {
        let limits = Limits::new(None, SUBMIT_PER_ADDRESS, SUBMIT_PER_KIOSK);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        for t in 0..i64::from(SUBMIT_PER_ADDRESS) {
            assert!(limits.submission(None, ip("192.0.2.1"), t).is_ok());
        }
        assert!(limits.submission(None, ip("192.0.2.1"), 100).is_err());
        // Rotating inside the network goes on until the network's limit.
        let mut accepted = 0;
        for h in 2..200u8 {
            if limits
                .submission(None, ip(&format!("192.0.2.{h}")), 200)
                .is_ok()
            {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 2 * SUBMIT_PER_ADDRESS);
        assert!(limits.submission(None, ip("198.51.100.1"), 300).is_ok());
        // A kiosk counts alone.
        for t in 0..i64::from(SUBMIT_PER_KIOSK) {
            assert!(limits.submission(Some(7), ip("192.0.2.1"), 400 + t).is_ok());
        }
        assert!(limits.submission(Some(7), ip("192.0.2.1"), 500).is_err());
        assert!(limits.submission(Some(8), ip("192.0.2.1"), 500).is_ok());
        assert!(limits
            .submission(Some(7), ip("192.0.2.1"), 400 + KIOSK_WINDOW_MS)
            .is_ok());
    }
}
