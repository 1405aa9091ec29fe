//! Checks without anyone asking: the store tests every AWS account about once per
//! `--aws-check-interval-secs` (a day) by itself, as a person's Test connection would, and keeps
//! the result when it is conclusive. (Microsoft 365 and Azure accounts need a key only a browser
//! holds: the app re-tests those in the background, and the store with a sign-in ticket when no
//! browser has for a day: `ticket_checks`.)
//!
//! Each account's next check time lives in `scheduled_checks`. A process claims an account by
//! moving that time forward in one statement that only succeeds while the time has passed (a
//! lease), so any number of store processes on one PostgreSQL database check each account once,
//! and a process that stops mid-check leaves the account to be claimed again when the lease ends.
//! Times are jittered per account (90–100 % of the interval), so a fleet of accounts linked
//! together does not come due together.

use crate::aws::{self, Sts};
use crate::connection_tests::{self, Tester};
use crate::db::now_millis;
use crate::error::AppError;
use crate::ids::id_column;
use crate::AppState;
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use xops_model::{Integration, IntegrationDetails, OrganizationId, RecordId};

/// How long a claim holds before another process may take the account (a check takes at most
/// two calls of 20 s).
const LEASE_MS: i64 = 5 * 60 * 1000;
/// Accounts checked at once by one process.
const AT_ONCE: usize = 4;
/// Accounts looked at per round.
const PER_ROUND: i64 = 100;

/// The account's own share of the interval: the same for it every time, different between accounts.
pub fn jittered(id: &RecordId, interval: Duration) -> i64 {
    let spread = id.as_str().bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 11;
    interval.as_millis() as i64 * (90 + i64::from(spread)) / 100
}

/// Sets when the AWS account `id` is next due, after a test made at `at` (a person's, or the
/// schedule's own).
pub async fn checked(state: &AppState, organization: &OrganizationId, id: &RecordId, at: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO scheduled_checks (organization_id, record_id, next_at) VALUES ($1, $2, $3)
         ON CONFLICT (organization_id, record_id) DO UPDATE SET next_at = excluded.next_at",
    )
    .bind(organization.as_str())
    .bind(id.as_str())
    .bind(at + jittered(id, state.config.aws_check_interval()))
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Takes account `id` for this process until `until`, if nobody holds it and it is due.
pub(crate) async fn claim(state: &AppState, organization: &OrganizationId, id: &RecordId, until: i64) -> Result<bool, AppError> {
    let now = now_millis();
    let claimed = sqlx::query(
        "INSERT INTO scheduled_checks (organization_id, record_id, next_at) VALUES ($1, $2, $3)
         ON CONFLICT (organization_id, record_id) DO UPDATE SET next_at = excluded.next_at
         WHERE scheduled_checks.next_at <= $4",
    )
    .bind(organization.as_str())
    .bind(id.as_str())
    .bind(until)
    .bind(now)
    .execute(&state.db.pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

pub(crate) async fn release(
    state: &AppState,
    organization: &OrganizationId,
    id: &RecordId,
    next_at: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE scheduled_checks SET next_at = $3 WHERE organization_id = $1 AND record_id = $2")
        .bind(organization.as_str())
        .bind(id.as_str())
        .bind(next_at)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// One AWS account that may be due.
struct Due {
    organization: OrganizationId,
    organization_name: String,
    id: RecordId,
    body: String,
}

async fn due_accounts(state: &AppState) -> Result<Vec<Due>, AppError> {
    let rows = sqlx::query(
        "SELECT r.organization_id, o.name, r.id, r.body FROM record_keys k
         JOIN records r ON r.organization_id = k.organization_id AND r.id = k.id
         JOIN organizations o ON o.id = r.organization_id
         LEFT JOIN scheduled_checks s ON s.organization_id = r.organization_id AND s.record_id = r.id
         WHERE k.key LIKE 'aws-account:%' AND r.deleted = 0 AND (s.next_at IS NULL OR s.next_at <= $1)
         LIMIT $2",
    )
    .bind(now_millis())
    .bind(PER_ROUND)
    .fetch_all(&state.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                organization: id_column(r, "organization_id")?,
                organization_name: r.try_get("name")?,
                id: id_column(r, "id")?,
                body: r.try_get::<Option<String>, _>("body")?.unwrap_or_default(),
            })
        })
        .collect()
}

/// Checks one account if this process wins it: tests it, keeps a conclusive result, and sets when
/// it is due next (sooner after an inconclusive one).
async fn check_one(state: &AppState, sts: &Sts, credentials: &aws::Credentials, due: Due) -> Result<(), AppError> {
    let interval = state.config.aws_check_interval();
    if !claim(state, &due.organization, &due.id, now_millis() + LEASE_MS).await? {
        return Ok(());
    }
    let integration: Integration = match serde_json::from_str(&due.body) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(account = %due.id, error = %e, "an AWS account's record could not be read; it is not checked");
            return release(state, &due.organization, &due.id, now_millis() + jittered(&due.id, interval)).await;
        }
    };
    let IntegrationDetails::Aws(details) = &integration.details else { return Ok(()) };
    // Tested lately (a person pressed Test connection), or linked lately and not tested yet (the
    // person is still creating the role, and the page asks them to test it): due a whole
    // interval after that.
    let since = integration.last_test.as_ref().map_or(integration.created_at, |t| t.at);
    if since + jittered(&due.id, interval) > now_millis() {
        return release(state, &due.organization, &due.id, since + jittered(&due.id, interval)).await;
    }
    let target = aws::Target {
        role_arn: &details.role_arn,
        external_id: &details.external_id,
        organization: &due.organization,
        organization_name: &due.organization_name,
        xops_account: state.config.aws_account_id.as_ref(),
    };
    let result = sts.test(credentials, target, now_millis()).await.bounded();
    if result.conclusive() {
        let at = result.at;
        if connection_tests::keep(state, &due.organization, &due.id, result, Tester::Schedule).await?.is_some() {
            return checked(state, &due.organization, &due.id, at).await;
        }
    } else {
        tracing::warn!(account = %due.id, "a scheduled AWS check was inconclusive (AWS did not answer); it is tried again sooner");
    }
    let sooner = (interval.as_millis() as i64 / 4).clamp(1000, 60 * 60 * 1000);
    release(state, &due.organization, &due.id, now_millis() + sooner).await
}

/// Runs the schedule for as long as the process lives. Without AWS credentials of the operator's
/// own it says so once in the log and checks nothing (the app says so to people, in their words).
pub fn keep_checking(state: AppState) {
    let interval = state.config.aws_check_interval();
    let tick = (interval / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let sts = Arc::new(Sts::new(&state.config.aws_sts_endpoint));
    tokio::spawn(async move {
        let mut said_missing = false;
        // The first round soon after start (a store that was down catches up), then every tick.
        let mut wait = Duration::from_secs(1);
        loop {
            tokio::time::sleep(wait).await;
            wait = tick;
            let credentials = match state.config.aws_credentials() {
                Ok(Some(c)) => c,
                Ok(None) => {
                    if !said_missing {
                        tracing::info!("no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws): AWS accounts are not tested");
                        said_missing = true;
                    }
                    continue;
                }
                Err(e) => {
                    if !said_missing {
                        tracing::error!(error = %e, "the AWS credentials cannot be used: AWS accounts are not tested");
                        said_missing = true;
                    }
                    continue;
                }
            };
            said_missing = false;
            let due = match due_accounts(&state).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e.body.error.message, "could not list the AWS accounts due for a check");
                    continue;
                }
            };
            let limit = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
            let mut running = tokio::task::JoinSet::new();
            for account in due {
                let (state, sts, credentials, limit) = (state.clone(), sts.clone(), credentials.clone(), limit.clone());
                running.spawn(async move {
                    let Ok(_permit) = limit.acquire_owned().await else { return };
                    let id = account.id.clone();
                    if let Err(e) = check_one(&state, &sts, &credentials, account).await {
                        tracing::warn!(account = %id, error = %e.body.error.message, "a scheduled AWS check failed");
                    }
                });
            }
            while running.join_next().await.is_some() {}
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_has_its_own_share_of_the_interval() {
        let day = Duration::from_secs(86_400);
        let shares: Vec<i64> =
            (1..=50).map(|n| jittered(&RecordId::parse(&format!("{n:08}-0000-4000-8000-000000000000")).unwrap(), day)).collect();
        assert!(shares.iter().all(|s| (day.as_millis() as i64 * 9 / 10..=day.as_millis() as i64).contains(s)));
        assert!(shares.iter().collect::<std::collections::HashSet<_>>().len() > 5, "spread out: {shares:?}");
        let one = RecordId::parse("00000001-0000-4000-8000-000000000000").unwrap();
        assert_eq!(jittered(&one, day), jittered(&one, day), "the same every time");
    }
}
