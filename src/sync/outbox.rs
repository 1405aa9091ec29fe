//! Changes made on this device that the store has not taken yet (the outbox), how a new change
//! merges into one already waiting, and the notices kept for changes the store refused.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use xops_model::{Record, RecordId, RecordKind};

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
    pub id: RecordId,
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

/// The change the person made last to record `id`, if one waits.
pub fn last_pending<'a>(outbox: &'a [Pending], id: &RecordId) -> Option<&'a Pending> {
    outbox.iter().rev().find(|p| &p.id == id)
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
/// version the person actually saw (`live_revision`: the store's copy as the person saw it,
/// `None` when there is none or it is deleted).
pub fn merge_change(
    pending: Option<&Pending>,
    live_revision: Option<i64>,
    id: &RecordId,
    kind: RecordKind,
    body: Option<Value>,
    next_seq: u64,
) -> Option<OutboxOp> {
    match (pending, body) {
        (Some(p), None) if p.base == Base::Create => Some(OutboxOp::Remove(p.seq)),
        (Some(p), body) => Some(OutboxOp::Put(Pending { body, ..p.clone() })),
        (None, body) => {
            let base = match live_revision {
                Some(revision) => Base::Revision(revision),
                None if body.is_some() => Base::Create,
                None => return None, // deleting what this device never had: nothing to do
            };
            Some(OutboxOp::Put(Pending { seq: next_seq, id: id.clone(), kind, body, base }))
        }
    }
}
