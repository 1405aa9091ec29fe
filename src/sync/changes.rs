//! The person's changes: save and delete (into the outbox first, durably, then pushed), and what
//! they decide about a change the store refused (apply it again, or keep theirs).

use super::idb;
use super::local::{merge_change, Base, Cached, Notice, OutboxOp, Pending};
use super::tabs::News;
use super::{SyncEngine, SyncError};
use leptos::prelude::*;
use serde_json::Value;
use xops_model::{RecordId, RecordKind};

impl SyncEngine {
    /// Saves a record (new or changed). Durable on this device when this returns.
    pub async fn save(&self, id: &RecordId, kind: RecordKind, body: Value) -> Result<(), SyncError> {
        self.change(id, Some(kind), Some(body)).await
    }

    /// Deletes a record. Durable on this device when this returns.
    pub async fn delete(&self, id: &RecordId) -> Result<(), SyncError> {
        self.change(id, None, None).await
    }

    /// `kind` is given for a save; a delete keeps the kind of what it deletes.
    async fn change(&self, id: &RecordId, kind: Option<RecordKind>, body: Option<Value>) -> Result<(), SyncError> {
        let running = self.local().ok_or(SyncError::NotReady)?;
        let storage = |e: idb::IdbError| SyncError::Storage(e.to_string());
        // Another tab may have queued changes: merge against the device's outbox, not this tab's view.
        let (mut outbox, notices, _) = running.local.load_queue().await.map_err(storage)?;
        // The store's copy as the person last saw it: the newer of the record's own entry on the
        // device (another tab may have written it; a tombstone counts) and this tab's view (which
        // has what the chunks hold; a later chunk may be newer than the own entry).
        let own = running.local.own_entry(id).await.map_err(storage)?;
        let seen = self.confirmed.with_untracked(|c| c.get(id).cloned());
        let confirmed = match (own, seen) {
            (Some(own), Some(seen)) => Some(if own.revision >= seen.revision { own } else { seen }),
            (own, seen) => own.or(seen),
        };
        let next_seq = next_seq(&outbox, &notices);
        let pending = outbox.iter().find(|p| &p.id == id);
        let kind = kind.or(pending.map(|p| p.kind)).or(confirmed.as_ref().map(|r| r.kind)).ok_or(SyncError::NotFound)?;
        let op = merge_change(pending, confirmed.as_ref().and_then(Cached::live_revision), id, kind, body, next_seq)
            .ok_or(SyncError::NotFound)?;
        running.local.apply_outbox(&op).await.map_err(storage)?;
        match op {
            OutboxOp::Put(p) => match outbox.iter_mut().find(|q| q.seq == p.seq) {
                Some(q) => *q = p,
                None => outbox.push(p),
            },
            OutboxOp::Remove(seq) => outbox.retain(|q| q.seq != seq),
        }
        self.view_changed();
        self.set_outbox(outbox);
        self.notices.set(notices);
        self.announce(News::Queue);
        self.sync_now();
        Ok(())
    }

    /// "Apply mine again": re-queue the person's change on top of the store's current copy.
    pub async fn apply_mine_again(&self, seq: u64) -> Result<(), SyncError> {
        let notice = self.notices.get_untracked().into_iter().find(|n| n.seq() == seq).ok_or(SyncError::NotFound)?;
        let (mine, theirs_revision) = match &notice {
            Notice::Conflict { mine, theirs, .. } => (mine.clone(), (!theirs.deleted).then_some(theirs.revision)),
            Notice::Rejected { mine, .. } => (mine.clone(), None),
        };
        let running = self.local().ok_or(SyncError::NotReady)?;
        let (outbox, notices, _) = running.local.load_queue().await.map_err(|e| SyncError::Storage(e.to_string()))?;
        let base = match theirs_revision {
            Some(rev) => Base::Revision(rev),
            None if mine.body.is_some() => Base::Create,
            None => return self.dismiss(seq).await, // both sides deleted it: nothing left to do
        };
        let op = OutboxOp::Put(Pending { seq: next_seq(&outbox, &notices), base, ..mine });
        running.local.apply_outbox(&op).await.map_err(|e| SyncError::Storage(e.to_string()))?;
        running.local.dismiss(seq).await.map_err(|e| SyncError::Storage(e.to_string()))?;
        self.reload_from_device();
        self.announce(News::Queue);
        self.sync_now();
        Ok(())
    }

    /// "Keep theirs" / "OK": forget the notice.
    pub async fn dismiss(&self, seq: u64) -> Result<(), SyncError> {
        let running = self.local().ok_or(SyncError::NotReady)?;
        running.local.dismiss(seq).await.map_err(|e| SyncError::Storage(e.to_string()))?;
        self.view_changed();
        self.notices.update(|n| n.retain(|x| x.seq() != seq));
        self.announce(News::Queue);
        Ok(())
    }
}

fn next_seq(outbox: &[Pending], notices: &[Notice]) -> u64 {
    let outbox_max = outbox.iter().map(|p| p.seq).max().unwrap_or(0);
    let notice_max = notices.iter().map(Notice::seq).max().unwrap_or(0);
    outbox_max.max(notice_max) + 1
}
