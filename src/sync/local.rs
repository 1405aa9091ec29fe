//! This device's copy of the organization's records: the cache (what the store confirmed), the
//! outbox (changes the store has not taken yet), and notices (changes it refused), all in one
//! IndexedDB database per user and organization.
//!
//! The cache is kept in two layers, because in Chromium every IndexedDB entry costs about 70 µs
//! to write and 30 µs to read whatever its size (10,000 one-record entries: 0.7 s to write, 0.3 s
//! to read; the same bytes in 64 entries: 22 ms each way). A large pulled page is one entry in
//! `chunks`; a single change (a small pull, the store's answer to a push) is one entry in
//! `records`. Reading merges both, the highest revision of each record winning (a deletion is
//! kept as a tombstone until then); `compact` rewrites both as chunks when the layers have
//! grown well past what they hold.

use super::idb::{Committing, Idb, IdbError};
pub use super::outbox::{last_pending, merge_change, Base, Notice, OutboxOp, Pending};
use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, JsValue};
use xops_model::{OrganizationId, Record, RecordId, RecordKind, UserId};

const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const NOTICES: &str = "notices";
const META: &str = "meta";
const CHUNKS: &str = "chunks";
/// A pulled page with at least this many changes is written as one chunk.
const CHUNK_FROM: usize = 32;
/// Records per chunk when compacting.
const CHUNK_SIZE: usize = 1000;
const SINCE: &str = "since";

/// A record as this device keeps it (in IndexedDB and in the engine's view): the store's
/// `Record` with its body left as the JSON text it came as, read only by what needs it (the
/// view parses an account straight from that text). Reading 10,000 records back builds no JSON
/// trees; that was most of the time a reload took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cached {
    pub id: RecordId,
    pub kind: RecordKind,
    pub body: Option<Box<RawValue>>,
    pub revision: i64,
    pub deleted: bool,
}

impl PartialEq for Cached {
    fn eq(&self, other: &Cached) -> bool {
        (&self.id, self.kind, self.revision, self.deleted) == (&other.id, other.kind, other.revision, other.deleted)
            && self.body.as_deref().map(RawValue::get) == other.body.as_deref().map(RawValue::get)
    }
}

impl Cached {
    /// The store's record (an answer to a push, a conflict's current copy) as kept here.
    pub fn from_record(r: &Record) -> Result<Cached, serde_json::Error> {
        let body = r.body.as_ref().map(serde_json::value::to_raw_value).transpose()?;
        Ok(Cached { id: r.id.clone(), kind: r.kind, body, revision: r.revision, deleted: r.deleted })
    }

    /// The revision of the store's copy while it is not deleted.
    pub fn live_revision(&self) -> Option<i64> {
        (!self.deleted).then_some(self.revision)
    }

    /// The name its body gives it (an account's), for sentences about a change to it.
    pub fn name(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        self.body.as_ref().and_then(|b| serde_json::from_str::<Named>(b.get()).ok()).map(|n| n.name)
    }
}

/// A page of changes from the store (`GET /records?since=`), read as this device keeps them.
#[derive(Debug, Deserialize)]
pub struct PulledPage {
    pub changes: Vec<Cached>,
    pub latest_revision: i64,
    pub has_more: bool,
}

/// Everything this device holds for one user in one organization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub confirmed: BTreeMap<RecordId, Cached>,
    pub outbox: Vec<Pending>,
    pub notices: Vec<Notice>,
    pub since: i64,
    /// Whether the cache's layers hold much more than `confirmed` (see `compact`).
    pub compact_due: bool,
}

/// The cache as its two layers hold it: each record at its highest revision (tombstones
/// dropped), and how many entries and versions it took.
struct Merged {
    confirmed: BTreeMap<RecordId, Cached>,
    entries: usize,
    versions: usize,
}

fn merge(chunks: &Entries, records: &Entries) -> Merged {
    let mut all: BTreeMap<RecordId, Cached> = BTreeMap::new();
    let mut versions = 0;
    let mut keep = |r: Cached| {
        versions += 1;
        if all.get(&r.id).is_none_or(|have| r.revision >= have.revision) {
            all.insert(r.id.clone(), r);
        }
    };
    // Which copy wins does not depend on the order: the highest revision does (two copies at
    // one revision are the same version).
    for (key, v) in chunks {
        match chunk_records(v) {
            Ok(records) => records.into_iter().for_each(&mut keep),
            // Its records are pulled again only if `since` is reset; say so rather than hide it.
            Err(e) => leptos::logging::warn!("a chunk of this device's copy ({key:?}) cannot be read: {e}"),
        }
    }
    for (_, v) in records {
        parse::<Cached>(v).into_iter().for_each(&mut keep);
    }
    all.retain(|_, r| !r.deleted);
    Merged { confirmed: all, entries: chunks.len() + records.len(), versions }
}

impl Merged {
    /// More than half again as many versions as records, or many one-record entries.
    fn compact_due(&self) -> bool {
        let live = self.confirmed.len();
        self.versions > live + (live / 2).max(CHUNK_SIZE) || self.entries > live.div_ceil(CHUNK_SIZE) + 4 * CHUNK_SIZE / 10
    }
}

pub struct LocalStore {
    idb: Idb,
    pub name: String,
}

/// `v` as the JSON text the device keeps. A value that cannot be written fails the write it is
/// part of (never an empty entry in its place).
fn json<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    serde_json::to_string(v)
        .map(|s| JsValue::from_str(&s))
        .map_err(|e| JsValue::from_str(&format!("could not be written as JSON: {e}")))
}

fn parse<T: for<'de> Deserialize<'de>>(v: &JsValue) -> Option<T> {
    v.as_string().and_then(|s| serde_json::from_str(&s).ok())
}

fn seq_key(seq: u64) -> JsValue {
    JsValue::from_f64(seq as f64)
}

impl LocalStore {
    /// The database name: one per user and organization, so two people sharing a browser never
    /// see each other's cached records.
    pub fn database_name(user_id: &UserId, organization_id: &OrganizationId) -> String {
        format!("xops-records-{organization_id}-{user_id}")
    }

    pub async fn open(user_id: &UserId, organization_id: &OrganizationId) -> Result<LocalStore, IdbError> {
        let name = Self::database_name(user_id, organization_id);
        // Version 2 added `chunks`; a version 1 copy keeps its records as they are.
        let idb = Idb::open(&name, 2, |db| {
            let have = db.object_store_names();
            for store in [RECORDS, OUTBOX, NOTICES, META, CHUNKS] {
                if !have.contains(store) {
                    db.create_object_store(store)?;
                }
            }
            Ok(())
        })
        .await?;
        Ok(LocalStore { idb, name })
    }

    pub fn close(&self) {
        self.idb.close();
    }

    pub async fn forget(self) -> Result<(), IdbError> {
        self.idb.close();
        Idb::delete_database(&self.name).await
    }

    /// Everything this device holds, as of one moment.
    pub async fn load(&self) -> Result<Snapshot, IdbError> {
        Ok(Self::snapshot(self.read_raw().await?))
    }

    /// Everything this device holds, as of one moment, as IndexedDB gives it: what `snapshot`
    /// understands. Apart, so the app's start can read while it downloads the code that parses
    /// (see `early`).
    pub async fn read_raw(&self) -> Result<RawCopy, IdbError> {
        Ok(RawCopy(self.read(&[CHUNKS, RECORDS, OUTBOX, NOTICES, META]).await?))
    }

    /// What a `read_raw` holds.
    pub fn snapshot(raw: RawCopy) -> Snapshot {
        let [chunks, records, outbox, notices, meta] = raw.0;
        let merged = merge(&chunks, &records);
        let compact_due = merged.compact_due();
        Snapshot {
            confirmed: merged.confirmed,
            outbox: pending(&outbox),
            notices: parse_all(&notices),
            since: since(&meta),
            compact_due,
        }
    }

    /// What a sync round needs, without reading every record: the outbox, the notices and the
    /// revision to pull from, as of one moment.
    pub async fn load_queue(&self) -> Result<(Vec<Pending>, Vec<Notice>, i64), IdbError> {
        let [outbox, notices, meta] = self.read(&[OUTBOX, NOTICES, META]).await?;
        Ok((pending(&outbox), parse_all(&notices), since(&meta)))
    }

    async fn read<const N: usize>(&self, stores: &[&str; N]) -> Result<[Entries; N], IdbError> {
        let all = self.idb.entries(stores).await?;
        all.try_into().map_err(|_| IdbError("a store was missing from the read".into()))
    }

    /// The record's entry of its own, if it has one (a tombstone included): newer than any
    /// chunk's copy of it. `None` means only a chunk may hold it (see the module's note).
    pub async fn own_entry(&self, id: &RecordId) -> Result<Option<Cached>, IdbError> {
        Ok(self.idb.get(RECORDS, &JsValue::from_str(id.as_str())).await?.as_ref().and_then(parse))
    }

    /// Applies a change to the outbox durably (before the store ever hears of it).
    pub async fn apply_outbox(&self, op: &OutboxOp) -> Result<(), IdbError> {
        self.idb
            .write(&[OUTBOX], |store| {
                let outbox = store(OUTBOX)?;
                match op {
                    OutboxOp::Put(p) => outbox.put_with_key(&json(p)?, &seq_key(p.seq)).map(|_| ()),
                    OutboxOp::Remove(seq) => outbox.delete(&seq_key(*seq)).map(|_| ()),
                }
            })
            .await
    }

    /// The store took (or already had) a pending change: its answer becomes the confirmed copy.
    pub async fn settle(&self, seq: u64, record: &Cached, notice: Option<&Notice>) -> Result<(), IdbError> {
        self.idb
            .write(&[RECORDS, OUTBOX, NOTICES], |store| {
                put_record(&store(RECORDS)?, record)?;
                store(OUTBOX)?.delete(&seq_key(seq))?;
                if let Some(n) = notice {
                    store(NOTICES)?.put_with_key(&json(n)?, &seq_key(n.seq()))?;
                }
                Ok(())
            })
            .await
    }

    /// The store refused a pending change for good: keep it as a notice for the person.
    pub async fn refuse(&self, seq: u64, notice: &Notice) -> Result<(), IdbError> {
        self.idb
            .write(&[OUTBOX, NOTICES], |store| {
                store(OUTBOX)?.delete(&seq_key(seq))?;
                store(NOTICES)?.put_with_key(&json(notice)?, &seq_key(notice.seq()))?;
                Ok(())
            })
            .await
    }

    pub async fn dismiss(&self, seq: u64) -> Result<(), IdbError> {
        self.idb.write(&[NOTICES], |store| store(NOTICES)?.delete(&seq_key(seq)).map(|_| ())).await
    }

    /// A page of changes from the store (`changes`, parsed from `raw`, the bytes it sent), and
    /// the revision to ask from next time. The writes are made at once; the returned future
    /// resolves when they have committed, so the caller can fetch the next page meanwhile.
    pub fn apply_pulled(&self, changes: &[Cached], raw: &[u8], since: i64) -> Result<Committing, IdbError> {
        // The records and the revision they reach go in one transaction: a crash keeps both or
        // neither, and then they are pulled again (so handing it to the system is enough).
        self.idb.start_write_refetchable(&[RECORDS, CHUNKS, META], |store| {
            if changes.len() >= CHUNK_FROM {
                // Kept as it came: nothing to encode again, and bytes cross into IndexedDB and
                // back as one copy (a string is re-encoded each way).
                store(CHUNKS)?.put_with_key(&Uint8Array::from(raw), &JsValue::from_f64(since as f64))?;
            } else {
                let records = store(RECORDS)?;
                for r in changes {
                    put_record(&records, r)?;
                }
            }
            store(META)?.put_with_key(&JsValue::from_f64(since as f64), &SINCE.into())?;
            Ok(())
        })
    }

    /// Rewrites the cache as chunks of what it holds now (see the module's note). Call it where
    /// no other tab writes the cache meanwhile (the sync's lock).
    pub async fn compact(&self) -> Result<(), IdbError> {
        let [chunks, records] = self.read(&[CHUNKS, RECORDS]).await?;
        let merged = merge(&chunks, &records);
        if !merged.compact_due() {
            return Ok(());
        }
        let live: Vec<&Cached> = merged.confirmed.values().collect();
        self.idb
            .write_refetchable(&[CHUNKS, RECORDS], |store| {
                let (chunk_store, record_store) = (store(CHUNKS)?, store(RECORDS)?);
                chunk_store.clear()?;
                record_store.clear()?;
                // Negative keys: a pulled chunk is keyed by the revision it reaches (never below
                // 0), so the two never meet.
                for (i, part) in live.chunks(CHUNK_SIZE).enumerate() {
                    let bytes = serde_json::to_vec(&part).map_err(|e| JsValue::from_str(&e.to_string()))?;
                    chunk_store.put_with_key(&Uint8Array::from(&bytes[..]), &JsValue::from_f64(-1.0 - i as f64))?;
                }
                Ok(())
            })
            .await
    }
}

type Entries = Vec<(JsValue, JsValue)>;

/// The device's copy as read, not yet parsed (`LocalStore::read_raw`).
pub struct RawCopy([Entries; 5]);

/// The records of one chunk. A chunk is UTF-8 JSON bytes: a pulled page as the store sent it
/// (`{"changes": [...], ...}`) or a compacted list (`[...]`); copies written before the bytes
/// form hold a list as a string.
fn chunk_records(v: &JsValue) -> Result<Vec<Cached>, String> {
    let bytes = match v.as_string() {
        Some(s) => s.into_bytes(),
        None => v.dyn_ref::<Uint8Array>().ok_or("neither bytes nor text")?.to_vec(),
    };
    let parsed = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice::<PulledPage>(&bytes).map(|p| p.changes),
        _ => serde_json::from_slice(&bytes),
    };
    parsed.map_err(|e| e.to_string())
}

fn parse_all<T: for<'de> Deserialize<'de>>(entries: &Entries) -> Vec<T> {
    entries.iter().filter_map(|(_, v)| parse(v)).collect()
}

/// The outbox in the order the changes were made.
fn pending(entries: &Entries) -> Vec<Pending> {
    let mut outbox: Vec<Pending> = parse_all(entries);
    outbox.sort_by_key(|p| p.seq);
    outbox
}

fn since(meta: &Entries) -> i64 {
    meta.iter().find(|(k, _)| k.as_string().as_deref() == Some(SINCE)).and_then(|(_, v)| v.as_f64()).unwrap_or(0.0) as i64
}

/// A record's entry of its own; a deletion stays as a tombstone, which hides any older copy of
/// the record in a chunk.
fn put_record(records: &web_sys::IdbObjectStore, r: &Cached) -> Result<(), JsValue> {
    records.put_with_key(&json(r)?, &JsValue::from_str(r.id.as_str())).map(|_| ())
}
