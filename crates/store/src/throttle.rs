//! Sign-in throttling: after `free` attempts within the window, each further attempt doubles a
//! wait (1 s, 2 s, 4 s, … up to 15 minutes) during which sign-in is refused with 429. An attempt
//! is counted (atomically, on any store process) *before* its password is checked, so guesses
//! sent all at once cannot slip past the count; a successful sign-in then takes its own count
//! back. Sign-up has its own limit: so many per client address, and in total, per hour.

use crate::db::{now_millis, Db};
use crate::error::AppError;
use sqlx::Row;
use xops_model::ErrorCode;

const WINDOW_MS: i64 = 15 * 60 * 1000;
const MAX_BLOCK_MS: i64 = 15 * 60 * 1000;
/// Sign-in attempts allowed per account before waits begin.
pub const ACCOUNT_FREE_FAILURES: i64 = 5;
/// Per client address: higher, since many people can share one address (an office NAT).
pub const ADDRESS_FREE_FAILURES: i64 = 20;
/// The sign-up limits count per hour.
pub const SIGNUP_WINDOW_MS: i64 = 60 * 60 * 1000;

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn address_key(ip: std::net::IpAddr) -> String {
    format!("address:{ip}")
}

/// One known device's sign-ins (see `crate::devices`): its failures count for it alone.
pub fn device_key(device: &str) -> String {
    format!("device:{device}")
}

pub fn signup_address_key(address: impl std::fmt::Display) -> String {
    format!("signup-address:{address}")
}

pub const SIGNUP_TOTAL_KEY: &str = "signup-total";

/// Milliseconds until sign-in may be tried again for any of these keys (0 = now). A cheap
/// read, to refuse a blocked client before it waits for a password slot.
pub async fn wait_ms(db: &Db, keys: &[&str]) -> Result<i64, AppError> {
    let now = now_millis();
    let mut wait = 0;
    for key in keys {
        if let Some(row) =
            sqlx::query("SELECT blocked_until FROM login_throttle WHERE key = $1").bind(*key).fetch_optional(&db.pool).await?
        {
            wait = wait.max(row.try_get::<i64, _>(0)? - now);
        }
    }
    Ok(wait.max(0))
}

/// What counting an attempt decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go on and check the password. `blocked_until` is the wait this attempt started (it
    /// used up the free ones), to be lifted again if it succeeds.
    Counted { blocked_until: Option<i64> },
    /// Refused without a check: wait this many milliseconds.
    Blocked { wait_ms: i64 },
}

/// Counts one sign-in attempt for `key`, unless the key is waiting. One transaction: the row
/// lock (PostgreSQL) or the write lock (SQLite) lines concurrent attempts up, so each sees
/// the count and the wait the one before it left.
pub async fn attempt(db: &Db, key: &str, free: i64) -> Result<Attempt, AppError> {
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ($1, 0, $2, 0)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(
        "UPDATE login_throttle SET
            failures = CASE WHEN blocked_until > $2 THEN failures
                            WHEN window_started_at > $3 THEN failures + 1 ELSE 1 END,
            window_started_at = CASE WHEN blocked_until > $2 OR window_started_at > $3 THEN window_started_at ELSE $2 END
         WHERE key = $1
         RETURNING failures, blocked_until",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .fetch_one(&mut *tx)
    .await?;
    let (attempts, blocked_until): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if blocked_until > now {
        tx.commit().await?;
        return Ok(Attempt::Blocked { wait_ms: blocked_until - now });
    }
    let mut started = None;
    if attempts >= free {
        let doublings = (attempts - free).min(20) as u32;
        let until = now + (1000i64 << doublings).min(MAX_BLOCK_MS);
        sqlx::query("UPDATE login_throttle SET blocked_until = $2 WHERE key = $1")
            .bind(key)
            .bind(until)
            .execute(&mut *tx)
            .await?;
        started = Some(until);
    }
    tx.commit().await?;
    Ok(Attempt::Counted { blocked_until: started })
}

/// A successful sign-in: the account starts afresh.
pub async fn clear(db: &Db, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}

/// A successful sign-in from an address: its attempt was not a failure, so take it back (and
/// the wait it started, unless a later attempt has started another).
pub async fn take_back(db: &Db, key: &str, counted: Attempt) -> Result<(), AppError> {
    let started = match counted {
        Attempt::Counted { blocked_until } => blocked_until.unwrap_or(-1),
        Attempt::Blocked { .. } => return Ok(()),
    };
    sqlx::query(
        "UPDATE login_throttle SET
            failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
            blocked_until = CASE WHEN blocked_until = $2 THEN 0 ELSE blocked_until END
         WHERE key = $1",
    )
    .bind(key)
    .bind(started)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A fixed-window rate limit: counts one event for `key` and answers how many milliseconds
/// to wait when this one is over `limit` within the window. One atomic statement.
pub async fn over_limit(db: &Db, key: &str, limit: u32, window_ms: i64) -> Result<Option<i64>, AppError> {
    let now = now_millis();
    let row = sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_started_at, blocked_until) VALUES ($1, 1, $2, 0)
         ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN login_throttle.window_started_at > $3 THEN login_throttle.failures + 1 ELSE 1 END,
            window_started_at = CASE WHEN login_throttle.window_started_at > $3 THEN login_throttle.window_started_at ELSE $2 END
         RETURNING failures, window_started_at",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&db.pool)
    .await?;
    let (count, started): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok((count > i64::from(limit)).then(|| (started + window_ms - now).max(1000)))
}

/// The 429 for a wait of `wait_ms`, with `Retry-After`.
pub fn too_many(what: &str, wait_ms: i64) -> AppError {
    let secs = (wait_ms + 999) / 1000;
    let wait = if secs >= 120 {
        let minutes = (secs + 59) / 60;
        format!("{minutes} minutes")
    } else {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    };
    AppError::of(ErrorCode::TooManyRequests, format!("{what} Wait {wait} and try again.")).retry_after(secs as u64)
}
