//! This device's copy of the organization's records: the cache (what the store confirmed), the
//! outbox (changes the store has not taken yet), and notices (changes it refused), all in one
//! IndexedDB database per user and organization.

use super::idb::{Idb, IdbError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;
use xops_model::{Record, RecordKind};

const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const NOTICES: &str = "notices";
const META: &str = "meta";
const SINCE: &str = "since";

/// What a pending change expects of the store's copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Base {
    /// The record is new (`If-None-Match: *`).
    Create,
    /// The record was at this revision when the person changed it (`If-Match`).
    Revision(i64),
}

/// A change made on this device that the store has not taken yet. `body: None` deletes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub seq: u64,
    pub id: String,
    pub kind: RecordKind,
    pub body: Option<Value>,
    pub base: Base,
}

/// A change the store did not take, kept until the person decides what to do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Notice {
    /// Someone else changed (or deleted) the record first; `theirs` is the store's copy now.
    Conflict { seq: u64, mine: Pending, theirs: Record },
    /// The store refused the change (for example it is not valid any more); `message` says why.
    Rejected { seq: u64, mine: Pending, message: String },
}

impl Notice {
    pub fn seq(&self) -> u64 {
        match self {
            Notice::Conflict { seq, .. } | Notice::Rejected { seq, .. } => *seq,
        }
    }
}

/// What a new change does to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxOp {
    Put(Pending),
    /// The change cancels a pending create: nothing needs to reach the store.
    Remove(u64),
}

/// One pending change per record: a new change merges into the pending one, keeping its base
/// (the revision the person started from), so the store sees one change, checked against the
/// version the person actually saw.
pub fn merge_change(
    pending: Option<&Pending>,
    confirmed: Option<&Record>,
    id: &str,
    kind: RecordKind,
    body: Option<Value>,
    next_seq: u64,
) -> Option<OutboxOp> {
    match (pending, body) {
        (Some(p), None) if p.base == Base::Create => Some(OutboxOp::Remove(p.seq)),
        (Some(p), body) => Some(OutboxOp::Put(Pending { body, ..p.clone() })),
        (None, body) => {
            let base = match confirmed.filter(|r| !r.deleted) {
                Some(r) => Base::Revision(r.revision),
                None if body.is_some() => Base::Create,
                None => return None, // deleting what this device never had: nothing to do
            };
            Some(OutboxOp::Put(Pending { seq: next_seq, id: id.to_string(), kind, body, base }))
        }
    }
}

/// What the person sees: the confirmed records with their pending changes laid over them.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRecord {
    pub record: Record,
    /// Not yet taken by the store.
    pub pending: bool,
}

pub fn overlay(confirmed: &BTreeMap<String, Record>, outbox: &[Pending]) -> Vec<LocalRecord> {
    let mut view: BTreeMap<String, LocalRecord> = confirmed
        .iter()
        .filter(|(_, r)| !r.deleted)
        .map(|(id, r)| (id.clone(), LocalRecord { record: r.clone(), pending: false }))
        .collect();
    for p in outbox {
        match &p.body {
            None => {
                view.remove(&p.id);
            }
            Some(body) => {
                let base = confirmed.get(&p.id);
                let record = Record {
                    id: p.id.clone(),
                    kind: p.kind,
                    body: Some(body.clone()),
                    revision: base.map_or(0, |r| r.revision),
                    deleted: false,
                    updated_at: base.map_or(0, |r| r.updated_at),
                    updated_by: base.map(|r| r.updated_by.clone()).unwrap_or_default(),
                };
                view.insert(p.id.clone(), LocalRecord { record, pending: true });
            }
        }
    }
    view.into_values().collect()
}

/// Everything this device holds for one user in one organization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub confirmed: BTreeMap<String, Record>,
    pub outbox: Vec<Pending>,
    pub notices: Vec<Notice>,
    pub since: i64,
}

pub struct LocalStore {
    idb: Idb,
    pub name: String,
}

fn json<T: Serialize>(v: &T) -> JsValue {
    JsValue::from_str(&serde_json::to_string(v).unwrap_or_default())
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
    pub fn database_name(user_id: &str, organization_id: &str) -> String {
        format!("xops-records-{organization_id}-{user_id}")
    }

    pub async fn open(user_id: &str, organization_id: &str) -> Result<LocalStore, IdbError> {
        let name = Self::database_name(user_id, organization_id);
        let idb = Idb::open(&name, 1, |db| {
            for store in [RECORDS, OUTBOX, NOTICES, META] {
                db.create_object_store(store)?;
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
        let [records, outbox, notices, meta] = self.read(&[RECORDS, OUTBOX, NOTICES, META]).await?;
        let confirmed = records.iter().filter_map(|(_, v)| parse::<Record>(v)).map(|r| (r.id.clone(), r)).collect();
        Ok(Snapshot { confirmed, outbox: pending(&outbox), notices: parse_all(&notices), since: since(&meta) })
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

    /// One confirmed record, if this device has it.
    pub async fn confirmed(&self, id: &str) -> Result<Option<Record>, IdbError> {
        Ok(self.idb.get(RECORDS, &JsValue::from_str(id)).await?.as_ref().and_then(parse))
    }

    /// Applies a change to the outbox durably (before the store ever hears of it).
    pub async fn apply_outbox(&self, op: &OutboxOp) -> Result<(), IdbError> {
        self.idb
            .write(&[OUTBOX], |store| {
                let outbox = store(OUTBOX)?;
                match op {
                    OutboxOp::Put(p) => outbox.put_with_key(&json(p), &seq_key(p.seq)).map(|_| ()),
                    OutboxOp::Remove(seq) => outbox.delete(&seq_key(*seq)).map(|_| ()),
                }
            })
            .await
    }

    /// The store took (or already had) a pending change: its answer becomes the confirmed copy.
    pub async fn settle(&self, seq: u64, record: &Record, notice: Option<&Notice>) -> Result<(), IdbError> {
        self.idb
            .write(&[RECORDS, OUTBOX, NOTICES], |store| {
                put_record(&store(RECORDS)?, record)?;
                store(OUTBOX)?.delete(&seq_key(seq))?;
                if let Some(n) = notice {
                    store(NOTICES)?.put_with_key(&json(n), &seq_key(n.seq()))?;
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
                store(NOTICES)?.put_with_key(&json(notice), &seq_key(notice.seq()))?;
                Ok(())
            })
            .await
    }

    pub async fn dismiss(&self, seq: u64) -> Result<(), IdbError> {
        self.idb.write(&[NOTICES], |store| store(NOTICES)?.delete(&seq_key(seq)).map(|_| ())).await
    }

    /// A page of changes from the store, and the revision to ask from next time.
    pub async fn apply_pulled(&self, changes: &[Record], since: i64) -> Result<(), IdbError> {
        self.idb
            .write(&[RECORDS, META], |store| {
                let records = store(RECORDS)?;
                for r in changes {
                    put_record(&records, r)?;
                }
                store(META)?.put_with_key(&JsValue::from_f64(since as f64), &SINCE.into())?;
                Ok(())
            })
            .await
    }
}

type Entries = Vec<(JsValue, JsValue)>;

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

fn put_record(records: &web_sys::IdbObjectStore, r: &Record) -> Result<(), JsValue> {
    if r.deleted {
        records.delete(&JsValue::from_str(&r.id)).map(|_| ())
    } else {
        records.put_with_key(&json(r), &JsValue::from_str(&r.id)).map(|_| ())
    }
}
