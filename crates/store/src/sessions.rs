//! The sessions this process has checked lately, so an authenticated request does not ask the
//! database who sent it.
//!
//! One owner (`AppState::sessions`), a bound ([`MAX_ENTRIES`]), and a short trust: an entry is
//! used for at most [`RECHECK`] after the database last confirmed it; after that the database is
//! asked again (which also records the session's activity). So:
//! - a sign-out on this process takes effect at once (it removes the entry);
//! - a sign-out, expiry or removal made by another process sharing the database takes effect here
//!   within [`RECHECK`];
//! - the session's own limits (idle, lifetime) are checked on every request from the entry.

use crate::accounts::UserRef;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long this process trusts what the database said about a session.
pub const RECHECK: Duration = Duration::from_secs(2);
/// Sessions kept at most; when full, those past [`RECHECK`] are dropped, then (if still full) all.
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Clone)]
pub struct Checked {
    pub user: UserRef,
    /// Milliseconds since the epoch, as the database holds them.
    pub last_seen_at: i64,
    pub expires_at: i64,
}

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Checked, Instant)>>,
}

impl SessionCache {
    /// The session with this token hash, if the database confirmed it within `trust` (at most
    /// [`RECHECK`]; shorter when the session's activity must be recorded sooner).
    pub fn get(&self, token_hash: &str, trust: Duration) -> Option<Checked> {
        let trust = trust.min(RECHECK);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(token_hash).filter(|(_, at)| at.elapsed() < trust).map(|(c, _)| c.clone())
    }

    /// What the database just said about a session.
    pub fn confirmed(&self, token_hash: &str, checked: Checked) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(token_hash) {
            entries.retain(|_, (_, at)| at.elapsed() < RECHECK);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_hash.to_string(), (checked, Instant::now()));
    }

    /// The session ended here (sign-out, expiry): never use it again.
    pub fn forget(&self, token_hash: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(token_hash);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked() -> Checked {
        Checked { user: UserRef { user_id: "u".into(), organization_id: "o".into() }, last_seen_at: 0, expires_at: i64::MAX }
    }

    #[test]
    fn an_entry_is_trusted_only_until_the_recheck_and_forgotten_at_once() {
        let cache = SessionCache::default();
        cache.confirmed("a", checked());
        assert!(cache.get("a", RECHECK).is_some());
        cache.forget("a");
        assert!(cache.get("a", RECHECK).is_none());

        cache.confirmed("b", checked());
        cache.entries.lock().unwrap().get_mut("b").unwrap().1 = Instant::now() - RECHECK;
        assert!(cache.get("b", RECHECK).is_none(), "past the recheck, the database is asked again");
    }

    #[test]
    fn the_cache_never_grows_past_its_bound() {
        let cache = SessionCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.confirmed(&i.to_string(), checked());
        }
        assert!(cache.len() <= MAX_ENTRIES, "{}", cache.len());
        assert!(cache.get(&(MAX_ENTRIES + 9).to_string(), RECHECK).is_some(), "the newest is kept");
    }
}
