//! The organization's linked accounts as the person sees them (the confirmed copy with pending
//! changes laid over it), kept up to date one record at a time: a change to one record costs the
//! same whether the organization has ten accounts or ten thousand. The sync engine owns it
//! (`SyncEngine::accounts`); pages read it and render only what they show (a count, a page of
//! the list, one account).

use super::local::{Cached, Pending};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use xops_model::verify::ConnectionTest;
use xops_model::{AccountStatus, HealthFacts, Integration, Provider, RecordId, RecordKind, TestFacts};

/// An integration record as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    pub id: RecordId,
    pub integration: Integration,
    pub pending: bool,
}

/// What the person sees of one record, borrowed from where it is (nothing is copied).
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub kind: RecordKind,
    pub body: Body<'a>,
    /// Not yet taken by the store.
    pub pending: bool,
}

/// A record's body: as the person's pending change holds it, or as the device keeps the
/// store's copy (its JSON text).
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Value(&'a serde_json::Value),
    Text(&'a RawValue),
}

/// What the person sees of one record: the pending change if there is one (the last one, if
/// several), else the store's copy; `None` when it is deleted or there is nothing.
pub fn overlay_one<'a>(confirmed: Option<&'a Cached>, pending: Option<&'a Pending>) -> Option<Seen<'a>> {
    match pending {
        Some(p) => p.body.as_ref().map(|body| Seen { kind: p.kind, body: Body::Value(body), pending: true }),
        None => confirmed
            .filter(|r| !r.deleted)
            .and_then(|r| r.body.as_deref().map(|body| Seen { kind: r.kind, body: Body::Text(body), pending: false })),
    }
}

/// The linked accounts, keyed by id, with the indexes the pages read.
///
/// What the indexes need of an account (its name, provider, whether it has a certificate, and
/// the few facts its health is computed from) is read when it arrives; the whole account is read
/// from its text the first time a page asks for it. Opening a copy of 10,000 accounts so reads
/// 10,000 names, not 10,000 accounts, while a page of the list reads 50.
#[derive(Debug, Default)]
pub struct Accounts {
    by_id: HashMap<RecordId, Entry>,
    /// Every account in list order (see `sort_key`).
    /// With each account's health facts, so a walk in list order needs no look-up.
    by_name: BTreeMap<(String, RecordId), HealthFacts>,
    /// The accounts that have a certificate (the only ones that can need attention).
    with_certificate: BTreeSet<(String, RecordId)>,
    counts: [usize; 3],
}

#[derive(Debug)]
struct Entry {
    name: String,
    provider: Provider,
    /// What its status is computed from (see `xops_model::health`).
    facts: HealthFacts,
    key: (String, RecordId),
    pending: bool,
    /// The account's JSON text until it is first read (a pending change's is read at once).
    text: Option<Arc<str>>,
    account: OnceLock<Option<Arc<LinkedAccount>>>,
}

impl Entry {
    /// The whole account, read from its text the first time. `None` (and a warning in the
    /// console) when this version cannot read it.
    fn account(&self, id: &RecordId) -> Option<&Arc<LinkedAccount>> {
        self.account
            .get_or_init(|| {
                let text = self.text.as_deref()?;
                match serde_json::from_str::<Integration>(text) {
                    Ok(integration) => Some(Arc::new(LinkedAccount { id: id.clone(), integration, pending: self.pending })),
                    Err(e) => {
                        unreadable(id, e);
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// An account this version cannot read is not shown, but never dropped without a word.
fn unreadable(id: &RecordId, e: serde_json::Error) {
    leptos::logging::warn!("the account record {id} cannot be read by this version: {e}");
}

/// What the indexes need of an account, read without the rest. It takes the same top-level
/// fields as `Integration` (and no others), so an account written by a newer version with a
/// field this one does not know is left out here, as a full read would leave it out, rather than
/// counted and then missing from the list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Peek {
    name: String,
    details: PeekDetails,
    #[serde(default)]
    certificate: Option<PeekCertificate>,
    #[serde(default, rename = "status")]
    _status: Option<IgnoredAny>,
    #[serde(rename = "created_at")]
    _created_at: IgnoredAny,
    #[serde(rename = "updated_at")]
    _updated_at: IgnoredAny,
    #[serde(default)]
    last_test: Option<PeekTest>,
    #[serde(default)]
    other_certificates: Vec<PeekCertificate>,
    #[serde(default, rename = "browser_requests")]
    _browser_requests: Option<IgnoredAny>,
    #[serde(default, rename = "ticket_policy")]
    _ticket_policy: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct PeekDetails {
    provider: Provider,
}

/// Of a certificate, what health needs (the rest is skipped).
#[derive(Deserialize)]
struct PeekCertificate {
    sha1_thumbprint: String,
    not_after: i64,
}

/// Of the last test, what health needs.
#[derive(Deserialize)]
struct PeekTest {
    at: i64,
    checks: Vec<PeekCheck>,
    #[serde(default)]
    failing_since: Option<i64>,
    #[serde(default)]
    certificate: Option<String>,
}

#[derive(Deserialize)]
struct PeekCheck {
    ok: bool,
}

impl Peek {
    /// The same facts `Integration::health_facts` gives, from the parts read here.
    fn facts(&self) -> HealthFacts {
        let listed = |t: &str| self.certificate.iter().chain(&self.other_certificates).any(|c| c.sha1_thumbprint == t);
        HealthFacts {
            provider: self.details.provider,
            certificate_ends: self.certificate.as_ref().map(|c| c.not_after),
            last_test: self.last_test.as_ref().map(|t| TestFacts {
                at: t.at,
                passed: t.checks.iter().all(|c| c.ok),
                failing_since: t.failing_since.unwrap_or(t.at),
                of_current_certificate: t.certificate.as_deref().is_none_or(listed),
            }),
        }
    }
}

/// Where an account sorts in the list: by name, ignoring case, then by id (names are unique per
/// provider, not across providers).
fn sort_key(name: &str, id: &RecordId) -> (String, RecordId) {
    (name.to_lowercase(), id.clone())
}

fn slot(p: Provider) -> usize {
    match p {
        Provider::Microsoft365 => 0,
        Provider::Azure => 1,
        Provider::Aws => 2,
    }
}

impl Accounts {
    /// All of them at once (opening this device's copy), by record id; about `capacity` of them.
    pub fn from_records<'a>(capacity: usize, records: impl IntoIterator<Item = (&'a RecordId, Seen<'a>)>) -> Accounts {
        let mut accounts = Accounts { by_id: HashMap::with_capacity(capacity), ..Accounts::default() };
        for (id, seen) in records {
            accounts.set(id, Some(seen));
        }
        accounts
    }

    /// Puts what the person now sees of record `id` in place of what was there.
    pub fn set(&mut self, id: &RecordId, now: Option<Seen<'_>>) {
        if let Some(old) = self.by_id.remove(id) {
            self.by_name.remove(&old.key);
            self.with_certificate.remove(&old.key);
            self.counts[slot(old.provider)] -= 1;
        }
        let Some(Seen { kind, body, pending }) = now else { return };
        if kind != RecordKind::Integration {
            return;
        }
        let entry = match body {
            // A pending change: one of a few, read whole at once.
            Body::Value(value) => Integration::deserialize(value).map(|integration| {
                let certificate = integration.certificate.is_some();
                let (name, provider) = (integration.name.as_str().to_string(), integration.details.provider());
                let facts = integration.health_facts();
                let account = Arc::new(LinkedAccount { id: id.clone(), integration, pending });
                (
                    Entry {
                        key: sort_key(&name, id),
                        name,
                        provider,
                        facts,
                        pending,
                        text: None,
                        account: OnceLock::from(Some(account)),
                    },
                    certificate,
                )
            }),
            Body::Text(text) => serde_json::from_str::<Peek>(text.get()).map(|peek| {
                let facts = peek.facts();
                let entry = Entry {
                    key: sort_key(&peek.name, id),
                    name: peek.name,
                    provider: peek.details.provider,
                    facts,
                    pending,
                    text: Some(Arc::from(text.get())),
                    account: OnceLock::new(),
                };
                (entry, peek.certificate.is_some())
            }),
        };
        let (entry, certificate) = match entry {
            Ok(e) => e,
            Err(e) => return unreadable(id, e),
        };
        if certificate {
            self.with_certificate.insert(entry.key.clone());
        }
        self.by_name.insert(entry.key.clone(), entry.facts);
        self.counts[slot(entry.provider)] += 1;
        self.by_id.insert(id.clone(), entry);
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: &RecordId) -> Option<&Arc<LinkedAccount>> {
        self.by_id.get(id).and_then(|e| e.account(id))
    }

    /// How many accounts of `provider` there are.
    pub fn count(&self, provider: Provider) -> usize {
        self.counts[slot(provider)]
    }

    /// Every account, by name.
    pub fn by_name(&self) -> impl Iterator<Item = &Arc<LinkedAccount>> + '_ {
        self.by_name.keys().filter_map(|(_, id)| self.get(id))
    }

    /// The names of the accounts of `provider` other than `except` (an id), read without
    /// reading the accounts.
    pub fn names<'a>(&'a self, provider: Provider, except: Option<&'a str>) -> impl Iterator<Item = &'a str> + 'a {
        self.by_id
            .iter()
            .filter(move |(id, e)| e.provider == provider && Some(id.as_str()) != except)
            .map(|(_, e)| e.name.as_str())
    }

    /// The accounts that have a certificate, by name.
    pub fn with_certificate(&self) -> impl Iterator<Item = &Arc<LinkedAccount>> + '_ {
        self.with_certificate.iter().filter_map(|(_, id)| self.get(id))
    }

    /// Account `id`'s status at `now_ms`, without reading the whole account.
    pub fn status(&self, id: &RecordId, now_ms: i64) -> Option<AccountStatus> {
        self.by_id.get(id).map(|e| e.facts.status(now_ms))
    }

    /// Every account's id and status, most urgent first, then by name: what Integrations lists
    /// and Home and the top bar count. Reads only each account's facts, and compares nothing: the
    /// name index is already in order, so one walk over it into a bucket per rank (a handful)
    /// keeps each bucket by name (no sort of every name on every change).
    pub fn by_urgency(&self, now_ms: i64) -> Vec<(&RecordId, AccountStatus)> {
        let mut buckets: BTreeMap<Reverse<(u8, u8)>, Ranked<'_>> = BTreeMap::new();
        for ((_, id), facts) in &self.by_name {
            let status = facts.status(now_ms);
            buckets.entry(Reverse(status.rank())).or_default().push((id, status));
        }
        buckets.into_values().flatten().collect()
    }

    /// How many accounts need attention at `now_ms`.
    pub fn needing_attention(&self, now_ms: i64) -> usize {
        self.by_name.values().filter(|f| f.status(now_ms).needs_attention()).count()
    }
}

/// Accounts with their status, in list order.
type Ranked<'a> = Vec<(&'a RecordId, AccountStatus)>;

/// The last test an account shows: this tab's latest answer when it is newer than the kept
/// one (an answer that was not kept, because a service did not answer, is shown all the same).
pub fn latest_test<'a>(kept: Option<&'a ConnectionTest>, fresh: Option<&'a ConnectionTest>) -> Option<&'a ConnectionTest> {
    match (kept, fresh) {
        (Some(k), Some(f)) if f.at > k.at => Some(f),
        (None, Some(f)) => Some(f),
        (k, _) => k,
    }
}
