//! The organization's linked accounts, as this device's copy of the records holds them: what the
//! Integrations list, the account page, the link forms (names taken) and Home read. The sync
//! engine keeps them (`sync::view`), one record at a time.

use crate::session::Session;
pub use crate::sync::view::{Accounts, LinkedAccount};
use crate::sync::{SyncEngine, SyncError};
use leptos::prelude::With;
use xops_model::{Integration, Provider, RecordId, RecordKind};

/// Saves `integration` as the account record `id` (new or changed): durable on this device when
/// it returns, then sent to the store.
pub async fn save_account(engine: SyncEngine, id: &RecordId, integration: &Integration) -> Result<(), SyncError> {
    let body = serde_json::to_value(integration).map_err(|e| SyncError::Storage(e.to_string()))?;
    engine.save(id, RecordKind::Integration, body).await
}

/// The names of the organization's `provider` accounts, other than `except` (the account being
/// renamed): what a new or changed name must differ from.
pub fn names_taken(accounts: &Accounts, provider: Provider, except: Option<&str>) -> Vec<String> {
    accounts.names(provider, except).map(str::to_string).collect()
}

/// Whether the organization has a connected account: the store said so at sign-in, or this
/// device holds one (just linked, perhaps not sent yet). Until then the first-login picker is
/// the way in.
pub fn has_connected_account(session: Session, engine: SyncEngine) -> impl Fn() -> bool + Copy {
    let accounts = engine.accounts();
    move || session.me().is_some_and(|m| m.has_connected_account) || accounts.with(|a| !a.is_empty())
}
