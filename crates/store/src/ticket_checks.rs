//! The store tests Microsoft 365 and Azure accounts by itself with sign-in tickets: when no
//! browser has tested an account for `--ticket-check-after-secs` (a day) and the store keeps a
//! ticket for the current window, it takes that ticket (logged as Xops's) and runs the test a
//! person's Test connection would, keeping a conclusive result (logged only when the status
//! changes). Accounts are claimed as for the AWS schedule (`scheduled::claim`), so several store
//! processes never test one account twice.
//!
//! A ticket is one client assertion. Azure's test needs one; Microsoft 365's needs two (Graph,
//! then Exchange Online), so with one ticket the store checks what Graph tells (credentials
//! accepted, organization matches). A failure there is kept; a pass is kept only after a full
//! test that passed, and carries that test's consent and Exchange checks over. A pass after a
//! failed full test says nothing about what failed, so it is not kept.

use crate::connection_tests::{self, signer_of, Tester};
use crate::db::now_millis;
use crate::error::AppError;
use crate::scheduled::{claim, release};
use crate::ticket_desk::{take_for_check, with_current_ticket, Taken};
use crate::{azure, microsoft, AppState};
use std::time::Duration;
use xops_model::verify::{CheckId, ConnectionTest};
use xops_model::{IntegrationDetails, OrganizationId, RecordId};

/// How long a claim holds (a test takes at most a few calls of 20 s).
const LEASE_MS: i64 = 5 * 60 * 1000;

/// Runs for as long as the process lives, on a store that keeps tickets.
pub fn keep_checking(state: AppState) {
    if state.tickets_key.is_none() {
        return;
    }
    let after = Duration::from_secs(state.config.ticket_check_after_secs);
    let tick = (after / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(tick).await;
            let due = match with_current_ticket(&state.db).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e.body.error.message, "could not list the accounts with a current ticket");
                    continue;
                }
            };
            for (org, id) in due {
                if let Err(e) = check_one(&state, &org, &id, after).await {
                    tracing::warn!(account = %id, error = %e.body.error.message, "a scheduled check with a ticket failed");
                }
            }
        }
    });
}

async fn check_one(state: &AppState, org: &OrganizationId, id: &RecordId, after: Duration) -> Result<(), AppError> {
    let Some(key) = state.tickets_key.as_ref() else { return Ok(()) };
    let after_ms = after.as_millis() as i64;
    let Some(record) = crate::records::get(&state.db, org, id).await?.filter(|r| !r.deleted) else { return Ok(()) };
    let Some(integration) = record.body.and_then(|b| serde_json::from_value::<xops_model::Integration>(b).ok()) else {
        return Ok(());
    };
    // Never tested: the person is still setting the account up. Tested lately: nothing to do.
    let Some(last) = integration.last_test.as_ref() else { return Ok(()) };
    if now_millis() - last.at < after_ms {
        return Ok(());
    }
    let Some(_running) = state.microsoft.begin(org) else { return Ok(()) };
    if !claim(state, org, id, now_millis() + LEASE_MS).await? {
        return Ok(());
    }
    let Some(Taken { assertion, .. }) = take_for_check(&state.db, key, org, id).await? else {
        return release(state, org, id, now_millis()).await;
    };
    let now = now_millis();
    let result = match &integration.details {
        IntegrationDetails::Microsoft365(d) => {
            let target =
                microsoft::Target { tenant: &d.tenant_id, application: &d.application_id, organization: Some(&d.organization) };
            let graph_only = state.microsoft.test(target, &assertion, None, now).await;
            with_last_full_test(graph_only, last)
        }
        IntegrationDetails::Azure(d) => {
            let target = azure::Target { tenant: &d.tenant_id, application: &d.application_id, scope: &d.scope };
            Some(state.microsoft.test_azure(target, &assertion, now).await)
        }
        IntegrationDetails::Aws(_) => None,
    };
    let kept = match result.map(|r| ConnectionTest { certificate: signer_of(&assertion), ..r.bounded() }) {
        Some(r) if r.conclusive() => connection_tests::keep(state, org, id, r, Tester::Schedule).await?.is_some(),
        _ => false,
    };
    tracing::info!(account = %id, kept, "tested an account with a ticket");
    release(state, org, id, now_millis() + if kept { after_ms } else { LEASE_MS }).await
}

/// A Microsoft 365 test with one ticket (Graph only) as it can be kept: a failure as it is; a pass
/// with the consent and Exchange checks of the last full test, when that passed; otherwise
/// nothing (see the module's summary).
fn with_last_full_test(graph_only: ConnectionTest, last: &ConnectionTest) -> Option<ConnectionTest> {
    if !graph_only.passed() {
        return Some(graph_only);
    }
    if !last.passed() {
        return None;
    }
    let carried = last.checks.iter().filter(|c| matches!(c.id, CheckId::AdminConsent | CheckId::ExchangeManageAsApp)).cloned();
    let mut test = graph_only;
    test.checks.extend(carried);
    test.roles = last.roles.clone();
    Some(test)
}
