//! Deployment-wide services (Xops's scanners): not people, not members of any organization. The
//! operator makes one with `xops-store service add --name scanner`, which prints its token once;
//! the store keeps only the token's SHA-256. A service token opens the service endpoints
//! (`/api/v1/service/…`) and nothing else; a revoked one opens nothing, at once, on every store
//! process (it is looked up on every request, never cached).

use crate::auth::{new_token, token_hash};
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sqlx::Row;
use xops_model::ErrorCode;

/// What a service token starts with, so a leaked one is recognised for what it is.
pub const TOKEN_PREFIX: &str = "xops_svc_";

/// A service that sent a valid token.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
}

/// One line of `service list`.
pub struct Listed {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    let fine = |c: char| c.is_ascii_alphanumeric() || " ._-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(fine) {
        return Err(format!(
            "--name {name:?}: give 1 to 64 letters, digits, spaces, dots, dashes or underscores (the activity log shows it)"
        ));
    }
    Ok(name)
}

/// Makes a service and returns its token (shown once).
pub async fn add(db: &Db, name: &str) -> Result<String, String> {
    let name = check_name(name)?;
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    let id: xops_model::SessionId = crate::ids::new_id();
    sqlx::query("INSERT INTO service_tokens (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.as_str())
        .bind(name)
        .bind(token_hash(&token))
        .bind(now_millis())
        .execute(&db.pool)
        .await
        .map_err(|e| match e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            true => format!("a service called {name:?} already exists; revoke it first, or choose another name"),
            false => e.to_string(),
        })?;
    Ok(token)
}

pub async fn list(db: &Db) -> Result<Vec<Listed>, String> {
    let rows = sqlx::query("SELECT name, created_at, last_used_at, revoked_at FROM service_tokens ORDER BY created_at")
        .fetch_all(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|e| e.to_string())
}

/// Revokes the live service called `name`; whether there was one.
pub async fn revoke(db: &Db, name: &str) -> Result<bool, String> {
    let done = sqlx::query("UPDATE service_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
        .bind(now_millis())
        .bind(name.trim())
        .execute(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok(done.rows_affected() > 0)
}

/// Notes that the service took a ticket (`service list` shows it), in the claim's transaction.
pub async fn used(tx: &mut sqlx::AnyConnection, service: &Service) -> Result<(), AppError> {
    sqlx::query("UPDATE service_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_millis())
        .bind(&service.id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

fn unauthorized(message: &str) -> AppError {
    AppError::of(ErrorCode::Unauthorized, message.to_string())
}

impl FromRequestParts<AppState> for Service {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Service, AppError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    "Send Authorization: Bearer <service token>. The operator makes one with: xops-store service add --name NAME",
                )
            })?;
        let row = sqlx::query("SELECT id, name FROM service_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash(bearer))
            .fetch_optional(&state.db.pool)
            .await?;
        let row = row.ok_or_else(|| unauthorized("This service token is not known, or it was revoked."))?;
        Ok(Service { id: row.try_get("id")?, name: row.try_get("name")? })
    }
}
