//! The organization's linked accounts, as this device's copy of the records holds them: what the
//! Integrations list, the account page, the link forms (names taken) and Home read.

use crate::session::Session;
use crate::sync::local::LocalRecord;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use xops_model::{Integration, Provider, RecordKind};

/// An integration record as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    pub id: String,
    pub integration: Integration,
    pub pending: bool,
}

/// The names of the organization's `provider` accounts, other than `except` (the account being
/// renamed): what a new or changed name must differ from.
pub fn names_taken(list: &[LinkedAccount], provider: Provider, except: Option<&str>) -> Vec<String> {
    list.iter()
        .filter(|a| a.integration.details.provider() == provider && Some(a.id.as_str()) != except)
        .map(|a| a.integration.name.as_str().to_string())
        .collect()
}

/// The organization's linked accounts, from this device's copy, sorted by name.
pub fn linked_accounts(engine: SyncEngine) -> Memo<Vec<LinkedAccount>> {
    let records = engine.records();
    Memo::new(move |_| {
        let mut list: Vec<LinkedAccount> = records
            .get()
            .into_iter()
            .filter(|r| r.record.kind == RecordKind::Integration)
            .filter_map(|LocalRecord { record, pending }| {
                match serde_json::from_value(record.body?) {
                    Ok(integration) => Some(LinkedAccount { id: record.id, integration, pending }),
                    Err(e) => {
                        // Not shown (this version cannot read it), but never dropped without a word.
                        leptos::logging::warn!("the account record {} cannot be read by this version: {e}", record.id);
                        None
                    }
                }
            })
            .collect();
        list.sort_by_key(|a| a.integration.name.as_str().to_lowercase());
        list
    })
}

/// Whether the organization has a connected account: the store said so at sign-in, or this
/// device holds one (just linked, perhaps not sent yet). Until then the first-login picker is
/// the way in.
pub fn has_connected_account(session: Session, engine: SyncEngine) -> impl Fn() -> bool + Copy {
    let records = engine.records();
    move || {
        session.me().is_some_and(|m| m.has_connected_account)
            || records.with(|r| r.iter().any(|r| r.record.kind == xops_model::RecordKind::Integration && r.record.body.is_some()))
    }
}
