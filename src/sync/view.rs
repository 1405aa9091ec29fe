//! The organization's linked accounts as the person sees them (the confirmed copy with pending
//! changes laid over it), kept up to date one record at a time: a change to one record costs the
//! same whether the organization has ten accounts or ten thousand. The sync engine owns it
//! (`SyncEngine::accounts`); pages read it and render only what they show (a count, a page of
//! the list, one account).

use super::local::Pending;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use xops_model::{Integration, Provider, Record, RecordKind};

/// An integration record as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    pub id: String,
    pub integration: Integration,
    pub pending: bool,
}

impl LinkedAccount {
    /// Where it sorts in the list: by name, ignoring case, then by id (names are unique per
    /// provider, not across providers).
    fn sort_key(&self) -> (String, String) {
        (self.integration.name.as_str().to_lowercase(), self.id.clone())
    }
}

/// What the person sees of one record, borrowed from where it is (nothing is copied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen<'a> {
    pub kind: RecordKind,
    pub body: &'a serde_json::Value,
    /// Not yet taken by the store.
    pub pending: bool,
}

/// What the person sees of one record: the pending change if there is one (the last one, if
/// several), else the store's copy; `None` when it is deleted or there is nothing.
pub fn overlay_one<'a>(confirmed: Option<&'a Record>, pending: Option<&'a Pending>) -> Option<Seen<'a>> {
    match pending {
        Some(p) => p.body.as_ref().map(|body| Seen { kind: p.kind, body, pending: true }),
        None => {
            confirmed.filter(|r| !r.deleted).and_then(|r| r.body.as_ref().map(|body| Seen { kind: r.kind, body, pending: false }))
        }
    }
}

/// The linked accounts, keyed by id, with the indexes the pages read.
#[derive(Debug, Default, Clone)]
pub struct Accounts {
    by_id: HashMap<String, Arc<LinkedAccount>>,
    /// Every account in list order (see `LinkedAccount::sort_key`).
    by_name: BTreeSet<(String, String)>,
    /// The accounts that have a certificate (the only ones that can need attention).
    with_certificate: BTreeSet<(String, String)>,
    counts: [usize; 3],
}

fn slot(p: Provider) -> usize {
    match p {
        Provider::Microsoft365 => 0,
        Provider::Azure => 1,
        Provider::Aws => 2,
    }
}

impl Accounts {
    /// All of them at once (opening this device's copy), by record id.
    pub fn from_records<'a>(records: impl IntoIterator<Item = (&'a str, Seen<'a>)>) -> Accounts {
        let mut accounts = Accounts::default();
        for (id, seen) in records {
            accounts.set(id, Some(seen));
        }
        accounts
    }

    /// Puts what the person now sees of record `id` in place of what was there.
    pub fn set(&mut self, id: &str, now: Option<Seen<'_>>) {
        if let Some(old) = self.by_id.remove(id) {
            let key = old.sort_key();
            self.by_name.remove(&key);
            self.with_certificate.remove(&key);
            self.counts[slot(old.integration.details.provider())] -= 1;
        }
        let Some(Seen { kind, body, pending }) = now else { return };
        if kind != RecordKind::Integration {
            return;
        }
        let integration = match Integration::deserialize(body) {
            Ok(i) => i,
            Err(e) => {
                // Not shown (this version cannot read it), but never dropped without a word.
                leptos::logging::warn!("the account record {id} cannot be read by this version: {e}");
                return;
            }
        };
        let account = LinkedAccount { id: id.to_string(), integration, pending };
        let key = account.sort_key();
        if account.integration.certificate.is_some() {
            self.with_certificate.insert(key.clone());
        }
        self.by_name.insert(key);
        self.counts[slot(account.integration.details.provider())] += 1;
        self.by_id.insert(id.to_string(), Arc::new(account));
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Arc<LinkedAccount>> {
        self.by_id.get(id)
    }

    /// How many accounts of `provider` there are.
    pub fn count(&self, provider: Provider) -> usize {
        self.counts[slot(provider)]
    }

    /// Every account, by name.
    pub fn by_name(&self) -> impl Iterator<Item = &Arc<LinkedAccount>> + '_ {
        self.by_name.iter().filter_map(|(_, id)| self.by_id.get(id))
    }

    /// The accounts that have a certificate, by name.
    pub fn with_certificate(&self) -> impl Iterator<Item = &Arc<LinkedAccount>> + '_ {
        self.with_certificate.iter().filter_map(|(_, id)| self.by_id.get(id))
    }
}
