//! The device's copy, read while the app starts. The person this browser last saw signed in is
//! almost always the one the store is about to confirm, so their copy is opened and read while
//! the store is asked and the signed-in code is fetched, not after (on a reload at 10,000
//! accounts that read is a third of the time to the list).
//!
//! The read here is IndexedDB's alone (`LocalStore::read_raw`): the first module holds only that,
//! and the code that parses it (`LocalStore::snapshot`) comes with the engine, which parses when
//! it takes the read. So the first module stays small for the first page's heading.
//!
//! The engine takes the read only for the person the store confirms (`take`); for anyone else it
//! is closed and dropped. It was made before the engine listened to other tabs, so the engine's
//! first sync round checks it like any read that may be old: it reads the queue and the revision
//! again, and pulls every change after the read's revision.

use super::idb::IdbError;
use super::local::{LocalStore, RawCopy, Snapshot};
use crate::started::Started;
use std::cell::RefCell;
use xops_model::{OrganizationId, UserId};

struct Early {
    name: String,
    read: Started<Result<(LocalStore, RawCopy), IdbError>>,
}

thread_local! {
    static EARLY: RefCell<Option<Early>> = const { RefCell::new(None) };
}

/// Starts reading this person's copy (replacing any earlier start that nobody took).
pub fn start(user_id: &UserId, organization_id: &OrganizationId) {
    let (user, organization) = (user_id.clone(), organization_id.clone());
    let read = Started::new(async move {
        let local = LocalStore::open(&user, &organization).await?;
        let raw = local.read_raw().await?;
        Ok((local, raw))
    });
    let early = Early { name: LocalStore::database_name(user_id, organization_id), read };
    if let Some(old) = EARLY.with(|e| e.borrow_mut().replace(early)) {
        wasm_bindgen_futures::spawn_local(discard(old));
    }
}

/// The early read of this person's copy, once it has finished: `None` when none was started for
/// them (or it failed; the engine then opens and reads the copy itself).
pub async fn take(user_id: &UserId, organization_id: &OrganizationId) -> Option<(LocalStore, Snapshot)> {
    let early = EARLY.with(|e| e.borrow_mut().take())?;
    if early.name != LocalStore::database_name(user_id, organization_id) {
        discard(early).await;
        return None;
    }
    match early.read.output().await? {
        Ok((local, raw)) => Some((local, LocalStore::snapshot(raw))),
        Err(e) => {
            leptos::logging::warn!("could not read this device's copy early: {e}");
            None
        }
    }
}

/// Closes another person's copy that was opened early (an open connection would hold up its
/// deletion when they sign out).
async fn discard(early: Early) {
    if let Some(Ok((local, _))) = early.read.output().await {
        local.close();
    }
}
