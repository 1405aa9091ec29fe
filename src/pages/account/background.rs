//! Checks without anyone asking, for the accounts only a browser can test: while the app is open
//! in a browser that holds a Microsoft 365 or Azure account's key, an account whose last test is
//! older than a day (or failing) is tested again in the background. One tab does it at a time (a
//! Web Lock), each account at most once an hour across tabs (the time of the last attempt is kept
//! in this browser's storage), a few per round, within the organization's limits on tests (a
//! refusal for too many ends the round). The store logs a result only when it changes the
//! account's status.
//!
//! The store checks AWS accounts itself, on its own schedule.

use super::connection_test::run_test;
use super::held::signing_key;
use crate::api::Api;
use crate::health::Checks;
use crate::keys::KeyStore;
use crate::session::{Session, SessionState};
use crate::sync::{SyncEngine, SyncStatus};
use leptos::prelude::*;
use xops_model::health::Health;
use xops_model::{OrganizationId, Provider, RecordId};

/// A passing test is trusted this long.
const STALE_MS: i64 = 24 * 60 * 60 * 1000;
/// An account is tried at most this often, from any tab of this browser.
const ATTEMPT_EVERY_MS: i64 = 60 * 60 * 1000;
/// Tests per round (the organization may run 20 a minute in all).
const PER_ROUND: usize = 5;
/// Between rounds.
const ROUND_EVERY_MS: i32 = 60 * 1000;

/// What the background checks need from the signed-in frame.
#[derive(Clone)]
pub struct Handles {
    pub api: Api,
    pub engine: SyncEngine,
    pub session: Session,
    pub checks: Checks,
    pub tickets: crate::tickets::Tickets,
}

crate::split_point!(
    account,
    /// Starts the background checks and the signing of tickets ahead (once per app: the frame
    /// calls it in idle time).
    pub fn background_checks(handles: Handles) -> () {
        crate::pages::account::signing_ahead::start(crate::pages::account::signing_ahead::Handles {
            api: handles.api.clone(),
            engine: handles.engine,
            session: handles.session,
            tickets: handles.tickets,
        });
        start(handles)
    }
);

thread_local! {
    static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn start(handles: Handles) {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        // The app's session and engine live as long as the page; an embedder's (the browser
        // tests') may go, and the checks with them.
        while handles.session.state().try_get_untracked().is_some() {
            round(&handles).await;
            crate::started::sleep_ms(ROUND_EVERY_MS).await;
        }
        STARTED.with(|s| s.set(false));
    });
}

/// Where this browser keeps when it last tried account `id` (across tabs).
fn attempt_key(org: &OrganizationId, id: &RecordId) -> String {
    format!("xops-auto-test:{org}:{id}")
}

fn last_attempt(org: &OrganizationId, id: &RecordId) -> i64 {
    xops_web::local_storage()
        .and_then(|s| s.get_item(&attempt_key(org, id)).ok().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether an account with this status is due for a test in the background now.
pub fn due(health: Health, now: i64) -> bool {
    match health {
        Health::Working { checked_at } => now - checked_at > STALE_MS,
        Health::Failing { checked_at, .. } => now - checked_at > ATTEMPT_EVERY_MS,
        // Never tested: the person uploads the certificate first; an ended certificate signs
        // nothing Microsoft takes.
        Health::NotTested { .. } | Health::CertificateExpired { .. } => false,
    }
}

async fn round(h: &Handles) {
    let Some(SessionState::SignedIn(me)) = h.session.state().try_get_untracked() else { return };
    // Viewers cannot test; until the first catch-up the device's copy may be old.
    if !me.role.changes_accounts() || h.engine.status().try_get_untracked() != Some(SyncStatus::Saved) {
        return;
    }
    let org = me.organization.id.clone();
    let now = js_sys::Date::now() as i64;
    let Some(candidates) = h.engine.accounts().try_with_untracked(|a| {
        a.by_urgency(now)
            .into_iter()
            .filter(|(_, s)| s.provider != Provider::Aws && due(s.health, now))
            .map(|(id, _)| id.clone())
            .filter(|id| now - last_attempt(&org, id) > ATTEMPT_EVERY_MS)
            .collect::<Vec<RecordId>>()
    }) else {
        return;
    };
    if candidates.is_empty() {
        return;
    }
    let lock = format!("xops-auto-test-{org}");
    crate::sync::lock::exclusive(&lock, async {
        let Ok(keys) = KeyStore::open(&org).await else { return };
        let mut tested = 0;
        for id in candidates {
            if tested == PER_ROUND {
                break;
            }
            // Another tab may have tried it while this one waited for the lock.
            let now = js_sys::Date::now() as i64;
            if now - last_attempt(&org, &id) <= ATTEMPT_EVERY_MS || h.checks.is_checking_untracked(&id) {
                continue;
            }
            let Some(account) = h.engine.accounts().try_with_untracked(|a| a.get(&id).map(|a| (**a).clone())).flatten() else {
                continue;
            };
            // Only where this browser holds a key for it.
            if !matches!(signing_key(&keys, &id, &account.integration).await, Ok(Some(_))) {
                continue;
            }
            let kept = xops_web::local_storage().map(|s| s.set_item(&attempt_key(&org, &id), &now.to_string()));
            if !matches!(kept, Some(Ok(()))) {
                // Then only the lock and the store's limits keep tabs from repeating each other.
                leptos::logging::warn!("this browser's storage did not keep when an account was last tested");
            }
            tested += 1;
            let checking = h.checks.begin(&id);
            let result = run_test(&h.api, h.engine, &org, &account, true).await;
            drop(checking);
            match result {
                Ok(_) => {}
                Err(e) if e.is_rate_limited() => break,
                Err(e) => leptos::logging::warn!("a background test of {} could not run: {e}", account.integration.name.as_str()),
            }
        }
    })
    .await;
}
