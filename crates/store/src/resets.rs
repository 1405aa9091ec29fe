//! One-time links that set a new password (issue 31, part 3): made by an owner or admin for a
//! member (`Role::may_make_reset_link`), or by the operator from the command line for anyone. A
//! link holds 32 random bytes (the store keeps only their hash), works once and for an hour, and
//! only the newest of a person's links works. Using one sets the password and ends every session
//! of that person, in one transaction. The log names each link and each use, never a token.

use crate::accounts::{role_column, Actor, UserRef};
use crate::activity::{self, Entry};
use crate::auth::{new_token, token_hash};
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::id_column;
use sqlx::Row;
use xops_model::security::{ResetLinkCreated, ResetPreview, RESET_LINK_LIFETIME_MS};
use xops_model::{ActivityKind, Email, ErrorCode, OrganizationId, UserId};

pub fn reset_link_invalid() -> AppError {
    AppError::of(
        ErrorCode::ResetLinkInvalid,
        "This reset link cannot be used: it was used already, a newer link replaced it, or its hour has passed. Ask an owner or admin of your organization for a new one.",
    )
}

/// An owner or admin makes a link for a member of their organization.
pub async fn create_for_member(db: &Db, actor: &Actor, id: &UserId) -> Result<ResetLinkCreated, AppError> {
    let organization = &actor.user.organization_id;
    let mut tx = db.pool.begin().await?;
    let (email, role) = crate::team::member_of(&mut tx, organization, id).await?;
    if id == &actor.user.user_id {
        return Err(AppError::of(
            ErrorCode::Forbidden,
            "You cannot make a reset link for yourself: another owner or admin of your organization can make one for you.",
        ));
    }
    let article = if role == xops_model::Role::Viewer { "a" } else { "an" };
    actor
        .require(actor.role.may_make_reset_link(role), &format!("make a password reset link for {article} {}", role.as_str()))?;
    let created = insert(&mut tx, id, organization, &email, &actor.email).await?;
    let detail = Some(email);
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::ResetLinkCreated, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// The operator makes a link for anyone (`xops-store user reset-link`): the way back in for an
/// owner with no one to ask.
pub async fn create_by_operator(db: &Db, email: &Email) -> Result<ResetLinkCreated, AppError> {
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query("SELECT id, organization_id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user with the email {email}.")))?;
    let (id, organization): (UserId, OrganizationId) = (id_column(&row, 0)?, id_column(&row, 1)?);
    let created = insert(&mut tx, &id, &organization, email.as_str(), activity::OPERATOR).await?;
    let entry =
        Entry { kind: ActivityKind::ResetLinkCreated, account: None, account_name: None, detail: Some(email.to_string()) };
    activity::record_as(&mut tx, &organization, activity::OPERATOR, entry).await?;
    tx.commit().await?;
    Ok(created)
}

/// Stores a new link (its hash) and retires the person's earlier ones.
async fn insert(
    tx: &mut sqlx::AnyConnection,
    user: &UserId,
    organization: &OrganizationId,
    email: &str,
    created_by: &str,
) -> Result<ResetLinkCreated, AppError> {
    let now = now_millis();
    sqlx::query("UPDATE password_resets SET expires_at = $2 WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(user.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let token = new_token();
    let expires_at = now + RESET_LINK_LIFETIME_MS;
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, organization_id, created_by_email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(token.trim()))
    .bind(user.as_str())
    .bind(organization.as_str())
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(ResetLinkCreated { email: email.to_string(), token, expires_at })
}

/// Whose password a link sets, before it is used.
pub async fn preview(db: &Db, token: &str) -> Result<ResetPreview, AppError> {
    let row = sqlx::query(
        "SELECT u.email, o.name, r.expires_at
         FROM password_resets r JOIN users u ON u.id = r.user_id JOIN organizations o ON o.id = r.organization_id
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2",
    )
    .bind(token_hash(token.trim()))
    .bind(now_millis())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(reset_link_invalid)?;
    Ok(ResetPreview { email: row.try_get(0)?, organization: row.try_get(1)?, expires_at: row.try_get(2)? })
}

/// What using a link did: who it was for, and the sessions it ended (for the caller to forget
/// on this process).
pub struct Used {
    pub user: UserRef,
    pub email: String,
    pub ended: Vec<String>,
}

/// Uses a link (once: taking it, setting the password and ending the sessions are one
/// transaction).
pub async fn use_link(db: &Db, token: &str, password_hash: &str, address: String) -> Result<Used, AppError> {
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id, organization_id",
    )
    .bind(token_hash(token.trim()))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(reset_link_invalid)?;
    let user = UserRef { user_id: id_column(&row, 0)?, organization_id: id_column(&row, 1)? };
    let row = sqlx::query("UPDATE users SET password_hash = $3 WHERE id = $1 AND organization_id = $2 RETURNING email, role")
        .bind(user.user_id.as_str())
        .bind(user.organization_id.as_str())
        .bind(password_hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(reset_link_invalid)?;
    let (email, role): (String, _) = (row.try_get(0)?, role_column(&row, 1)?);
    let ended = crate::sessions::end_all_of(&mut tx, &user.user_id).await?;
    let n = ended.len();
    let actor = Actor { user: user.clone(), email: email.clone(), role, address };
    let detail = Some(format!("{n} session{} ended", if n == 1 { "" } else { "s" }));
    activity::record(&mut tx, &actor, Entry { kind: ActivityKind::PasswordReset, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(Used { user, email, ended })
}
