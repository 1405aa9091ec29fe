//! The sessions a person can see and end (the Security page): only their own, always. Ending one
//! deletes it in the database, then this process forgets it at once; other processes stop
//! trusting what they knew of it within `recent::RECHECK`.

use crate::accounts::Actor;
use crate::activity::{self, Entry};
use crate::auth::token_hash;
use crate::db::now_millis;
use crate::error::AppError;
use crate::ids::id_column;
use crate::AppState;
use sqlx::Row;
use xops_model::security::{browser_label, SessionList, SignedInSession};
use xops_model::{ActivityKind, SessionId};

/// The hash of the session the request came with (none for a request without the cookie).
pub fn current_hash(headers: &axum::http::HeaderMap) -> Option<String> {
    crate::auth::session_token(headers).map(|t| token_hash(&t))
}

/// The person's live sessions (not expired, not idle too long): this browser's first, then the
/// most recently seen.
pub async fn list(state: &AppState, actor: &Actor, current: Option<&str>) -> Result<SessionList, AppError> {
    let now = now_millis();
    let idle = state.config.session_idle().as_millis() as i64;
    let rows = sqlx::query(
        "SELECT id, token_hash, user_agent, address, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND organization_id = $2 AND expires_at > $3 AND last_seen_at > $4
         ORDER BY last_seen_at DESC",
    )
    .bind(actor.user.user_id.as_str())
    .bind(actor.user.organization_id.as_str())
    .bind(now)
    .bind(now - idle)
    .fetch_all(&state.db.pool)
    .await?;
    let mut sessions = rows
        .iter()
        .map(|r| {
            let hash: String = r.try_get(1)?;
            let user_agent: String = r.try_get(2)?;
            Ok(SignedInSession {
                id: id_column(r, 0)?,
                browser: browser_label(&user_agent),
                address: r.try_get(3)?,
                signed_in_at: r.try_get(4)?,
                last_seen_at: r.try_get(5)?,
                this_browser: Some(hash.as_str()) == current,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    sessions.sort_by_key(|s| !s.this_browser);
    Ok(SessionList { sessions })
}

/// Ends one of the person's own sessions (any other person's id is "no such session").
pub async fn end_one(state: &AppState, actor: &Actor, id: &SessionId) -> Result<(), AppError> {
    let mut tx = state.db.pool.begin().await?;
    let row = sqlx::query(
        "DELETE FROM sessions WHERE id = $1 AND user_id = $2 AND organization_id = $3 RETURNING token_hash, user_agent",
    )
    .bind(id.as_str())
    .bind(actor.user.user_id.as_str())
    .bind(actor.user.organization_id.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("You have no session with this id; it may have ended already. Reload the list."))?;
    let (hash, user_agent): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let detail = Some(browser_label(&user_agent));
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::SessionsEnded, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    state.sessions.forget(&hash);
    Ok(())
}

/// Ends every session of the person but `current`; answers how many ended.
pub async fn end_others(state: &AppState, actor: &Actor, current: &str) -> Result<u64, AppError> {
    let mut tx = state.db.pool.begin().await?;
    let rows = sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND organization_id = $2 AND token_hash <> $3 RETURNING token_hash, user_agent",
    )
    .bind(actor.user.user_id.as_str())
    .bind(actor.user.organization_id.as_str())
    .bind(current)
    .fetch_all(&mut *tx)
    .await?;
    if !rows.is_empty() {
        let n = rows.len();
        let detail = Some(format!("{n} other session{}", if n == 1 { "" } else { "s" }));
        activity::record(&mut tx, actor, Entry { kind: ActivityKind::SessionsEnded, account: None, account_name: None, detail })
            .await?;
    }
    tx.commit().await?;
    for row in &rows {
        state.sessions.forget(&row.try_get::<String, _>(0)?);
    }
    Ok(rows.len() as u64)
}

/// Ends every session of a person, in the caller's transaction (a password reset); answers their
/// hashes, for [`forget`] once that transaction has committed.
pub async fn end_all_of(tx: &mut sqlx::AnyConnection, user: &xops_model::UserId) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query("DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash")
        .bind(user.as_str())
        .fetch_all(&mut *tx)
        .await?;
    Ok(rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?)
}

/// This process forgets these sessions (after the commit that ended them).
pub fn forget(state: &AppState, hashes: &[String]) {
    for hash in hashes {
        state.sessions.forget(hash);
    }
}
