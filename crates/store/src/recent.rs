//! What this process learned from the database lately, so a request need not ask again: who a
//! session is (`AppState::sessions`) and how a record reads (`AppState::records`).
//!
//! Each is one [`Recent`] map with one owner (the shared state), a bound ([`MAX_ENTRIES`]), and a
//! short trust: an entry is used for at most [`RECHECK`] after the database said it; after that
//! the database is asked again. So:
//! - a change made through this process (a sign-out, a record written) takes effect here at once:
//!   it forgets the entry after its commit, and an answer read from the database before that
//!   commit is never kept (a ticket taken before the read says so);
//! - a change made by another process sharing the database takes effect here within [`RECHECK`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long this process trusts what the database said.
pub const RECHECK: Duration = Duration::from_secs(2);
/// Entries kept at most; when full, those past [`RECHECK`] are dropped, then (if still full) all.
pub const MAX_ENTRIES: usize = 100_000;

pub struct Recent<K, V> {
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    entries: HashMap<K, (V, Instant)>,
    /// Counts forgettings: an answer is kept only if none happened since its ticket.
    forgotten: u64,
}

/// Taken before asking the database; see [`Recent::confirmed`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ticket(u64);

impl<K: Eq + Hash, V: Clone> Default for Recent<K, V> {
    fn default() -> Self {
        Recent { inner: Mutex::new(Inner { entries: HashMap::new(), forgotten: 0 }) }
    }
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry, if the database said it within `trust` (at most [`RECHECK`]).
    pub fn get(&self, key: &K, trust: Duration) -> Option<V> {
        let trust = trust.min(RECHECK);
        self.lock().entries.get(key).filter(|(_, at)| at.elapsed() < trust).map(|(v, _)| v.clone())
    }

    /// Take one before asking the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.lock().forgotten)
    }

    /// What the database said, asked after `ticket` was taken. Kept only if nothing was forgotten
    /// meanwhile: the answer may predate that change.
    pub fn confirmed(&self, ticket: Ticket, key: K, value: V) {
        let mut inner = self.lock();
        if inner.forgotten != ticket.0 {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES && !inner.entries.contains_key(&key) {
            inner.entries.retain(|_, (_, at)| at.elapsed() < RECHECK);
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key, (value, Instant::now()));
    }

    /// The entry changed or ended (after the change's commit): never use what was known of it.
    pub fn forget(&self, key: &K) {
        let mut inner = self.lock();
        inner.entries.remove(key);
        inner.forgotten += 1;
    }

    /// Forgets every entry that `matches` (a person's sessions, when their role changes or they
    /// are removed), after the change's commit.
    pub fn forget_where(&self, matches: impl Fn(&V) -> bool) {
        let mut inner = self.lock();
        inner.entries.retain(|_, (v, _)| !matches(v));
        inner.forgotten += 1;
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_trusted_only_until_the_recheck_and_forgotten_at_once() {
        let cache = Recent::<&str, u32>::default();
        cache.confirmed(cache.ticket(), "a", 1);
        assert_eq!(cache.get(&"a", RECHECK), Some(1));
        cache.forget(&"a");
        assert_eq!(cache.get(&"a", RECHECK), None);

        cache.confirmed(cache.ticket(), "b", 2);
        cache.lock().entries.get_mut("b").unwrap().1 = Instant::now() - RECHECK;
        assert_eq!(cache.get(&"b", RECHECK), None, "past the recheck, the database is asked again");
        cache.confirmed(cache.ticket(), "c", 3);
        assert_eq!(cache.get(&"c", Duration::ZERO), None, "a shorter trust is honoured");
    }

    /// A read that started before a change committed must not bring the old answer back.
    #[test]
    fn an_answer_read_before_a_change_is_not_kept() {
        let cache = Recent::<&str, u32>::default();
        let ticket = cache.ticket(); // a request starts reading the old value ...
        cache.forget(&"a"); // ... another changes it and commits ...
        cache.confirmed(ticket, "a", 1); // ... and the first comes back with the old value.
        assert_eq!(cache.get(&"a", RECHECK), None);
    }

    #[test]
    fn the_cache_never_grows_past_its_bound() {
        let cache = Recent::<usize, ()>::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.confirmed(cache.ticket(), i, ());
        }
        assert!(cache.len() <= MAX_ENTRIES, "{}", cache.len());
        assert!(cache.get(&(MAX_ENTRIES + 9), RECHECK).is_some(), "the newest is kept");
    }
}
