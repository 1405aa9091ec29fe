//! Signing ahead: while the app is open in a browser that holds a Microsoft 365 or Azure
//! account's key, it keeps the account's horizon of sign-in tickets topped up (one per 10-minute
//! window, as far ahead as the account's policy says), so Xops's scanners can use the account
//! while nobody has Xops open. One tab does it at a time (a Web Lock); it starts where the store's
//! tickets end, so other tabs and browsers never sign a window twice in a row, and uploads in
//! batches. Each signature is an await on WebCrypto, so the page stays responsive while a 7-day
//! horizon (1,008 tickets) is signed.

use super::held::signing_key;
use crate::api::Api;
use crate::assertion;
use crate::keys::KeyStore;
use crate::session::{Session, SessionState};
use crate::sync::{SyncEngine, SyncStatus};
use crate::tickets::{Coverage, Tickets};
use leptos::prelude::*;
use xops_model::tickets::{self, TicketBatch, TicketPolicy, TicketsKept, MAX_BATCH};
use xops_model::{paths, ErrorCode, Integration, OrganizationId, RecordId};

/// Between rounds when nothing changed (a round is cheap when the horizon is full: one GET).
const ROUND_EVERY_MS: i64 = 5 * 60 * 1000;
/// How often the loop looks whether the accounts changed (a new link, a policy, a renewal).
const LOOK_EVERY_MS: i32 = 2000;

/// What the signer needs from the signed-in frame.
#[derive(Clone)]
pub struct Handles {
    pub api: Api,
    pub engine: SyncEngine,
    pub session: Session,
    pub tickets: Tickets,
}

thread_local! {
    static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What a round depends on: each account that can have tickets, its policy and its certificates.
type Shape = Vec<(RecordId, TicketPolicy, Vec<String>)>;

fn shape(h: &Handles) -> Shape {
    h.engine
        .accounts()
        .try_with_untracked(|a| {
            a.by_name()
                .filter(|a| a.integration.details.provider().signs_tickets())
                .map(|a| {
                    let certs = a.integration.all_certificates().map(|(_, c)| c.sha1_thumbprint.to_string()).collect();
                    (a.id.clone(), a.integration.ticket_policy, certs)
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn start(handles: Handles) {
    let tickets = handles.tickets;
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        let mut last: Option<(Shape, i64)> = None;
        while handles.session.state().try_get_untracked().is_some() {
            let now = js_sys::Date::now() as i64;
            let shape = shape(&handles);
            let due = last.as_ref().is_none_or(|(s, at)| *s != shape || now - at > ROUND_EVERY_MS);
            if due && round(&handles, tickets).await {
                last = Some((shape, now));
            }
            crate::started::sleep_ms(LOOK_EVERY_MS).await;
        }
        STARTED.with(|s| s.set(false));
    });
}

/// One round; whether it ran (it waits for the first sync and for a person who may change
/// accounts).
async fn round(h: &Handles, tickets: Tickets) -> bool {
    let Some(SessionState::SignedIn(me)) = h.session.state().try_get_untracked() else { return false };
    if !me.role.changes_accounts() || h.engine.status().try_get_untracked() != Some(SyncStatus::Saved) {
        return false;
    }
    let org = me.organization.id.clone();
    let accounts: Vec<(RecordId, Integration)> = h
        .engine
        .accounts()
        .try_with_untracked(|a| {
            a.by_name()
                .filter(|a| a.integration.details.provider().signs_tickets() && a.integration.ticket_policy != TicketPolicy::Off)
                .map(|a| (a.id.clone(), a.integration.clone()))
                .collect()
        })
        .unwrap_or_default();
    if accounts.is_empty() {
        return true;
    }
    let lock = format!("xops-tickets-{org}");
    crate::sync::lock::exclusive(&lock, sign_all(&h.api, tickets, org, accounts)).await;
    true
}

async fn sign_all(api: &Api, tickets: Tickets, org: OrganizationId, accounts: Vec<(RecordId, Integration)>) {
    // Asked inside the lock: another tab may have just topped up.
    let Coverage::Known(coverage) = tickets.refresh(api).await else { return };
    let (Ok(keys), Ok(platform)) = (KeyStore::open(&org).await, crate::platform::platform(api).await) else { return };
    for (id, account) in accounts {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        let covered = coverage.iter().find(|c| c.account_id == id).map_or(0, |c| c.covered_until / 1000);
        let windows: Vec<i64> = tickets::windows_to_sign(account.ticket_policy, now, covered).collect();
        if windows.is_empty() {
            continue;
        }
        // Only where this browser holds a key the account uses.
        let Ok(Some((key, certificate))) = signing_key(&keys, &id, &account).await else { continue };
        let Some((tenant, application, _)) = account.details.app_registration() else { continue };
        for batch in windows.chunks(MAX_BATCH) {
            let mut signed = Vec::with_capacity(batch.len());
            for nbf in batch {
                let authority = &platform.microsoft_authority;
                match assertion::ticket(&key, authority, tenant, application, &certificate.sha1_thumbprint, *nbf).await {
                    Ok(t) => signed.push(t),
                    Err(e) => {
                        leptos::logging::warn!("a ticket for {} could not be signed: {e}", account.name.as_str());
                        return;
                    }
                }
            }
            let path = paths::account_tickets(&id);
            match api.post::<_, TicketsKept>(&path, &TicketBatch { tickets: signed }).await {
                Ok(kept) => tickets.update(kept.coverage),
                Err(crate::api::ApiClientError::Api { error, .. }) if error.error.code == ErrorCode::Conflict => break,
                Err(e) => {
                    leptos::logging::warn!("tickets for {} were not kept: {e}", account.name.as_str());
                    break;
                }
            }
        }
    }
}
