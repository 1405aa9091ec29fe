//! Organizations and users in the database.

use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::{id_column, new_id};
use sqlx::Row;
use xops_model::account::{OrganizationInfo, UserInfo};
use xops_model::{Email, ErrorCode, Me, OrganizationId, OrganizationName, Role, UserId};

/// The signed-in person and the organization every query of theirs is scoped to.
#[derive(Clone, Debug)]
pub struct UserRef {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
}

/// Who makes a change, as the activity log records them: the person, their role (what the store
/// lets them do), their email then, and the address the request came from.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: UserRef,
    pub email: String,
    pub role: Role,
    pub address: String,
}

impl Actor {
    /// Refuses (403, with what their role may do) unless `allowed`.
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::of(ErrorCode::Forbidden, self.role.refusal(what)))
        }
    }

    /// Refuses unless this person may change accounts (link, test, renew, rename, disconnect).
    pub fn may_change_accounts(&self) -> Result<(), AppError> {
        self.require(self.role.changes_accounts(), "change accounts")
    }
}

pub fn email_taken() -> AppError {
    AppError::of(
        ErrorCode::Conflict,
        "If you already have an account with this email, sign in instead. Otherwise, use another email.",
    )
    .field("email")
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Sign-up: a new organization and its first user, in one transaction.
pub async fn create_organization_with_user(
    db: &Db,
    organization: &OrganizationName,
    email: &Email,
    password_hash: &str,
) -> Result<UserRef, AppError> {
    let now = now_millis();
    let org_id: OrganizationId = new_id();
    let user_id: UserId = new_id();
    let mut tx = db.pool.begin().await?;
    insert_organization(&mut tx, &org_id, organization, now).await?;
    // The first person of an organization is its owner.
    insert_user(&mut tx, &user_id, &org_id, email, password_hash, Role::Owner, now).await?;
    tx.commit().await?;
    Ok(UserRef { user_id, organization_id: org_id })
}

/// Which organization the operator's `user add` puts the user in.
pub enum Joining<'a> {
    /// An existing organization, by its id.
    Existing(&'a OrganizationId),
    /// A new organization of this name (never an existing one of the same name: names are not
    /// unique, and anyone can sign up an organization with any name first).
    New(&'a OrganizationName),
}

/// The operator's `user add`: the user and, for [`Joining::New`], their organization. Returns the
/// user and the organization's name.
/// A new organization's first user is its owner, whatever `role` says.
pub async fn add_user(
    db: &Db,
    joining: Joining<'_>,
    email: &Email,
    password_hash: &str,
    role: Role,
) -> Result<(UserRef, String), AppError> {
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    let mut role = role;
    let (org_id, name) = match joining {
        Joining::Existing(id) => {
            let name: String = sqlx::query("SELECT name FROM organizations WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?
                .ok_or_else(|| {
                    AppError::not_found(format!(
                        "There is no organization with the id {id}. See the ids with: xops-store org list"
                    ))
                })?;
            (id.clone(), name)
        }
        Joining::New(name) => {
            let id: OrganizationId = new_id();
            insert_organization(&mut tx, &id, name, now).await?;
            role = Role::Owner;
            (id, name.as_str().to_string())
        }
    };
    let user_id: UserId = new_id();
    insert_user(&mut tx, &user_id, &org_id, email, password_hash, role, now).await?;
    tx.commit().await?;
    Ok((UserRef { user_id, organization_id: org_id }, name))
}

/// One line of `xops-store org list`.
pub struct OrganizationSummary {
    pub id: OrganizationId,
    pub name: String,
    pub users: i64,
    pub created_at: i64,
}

pub async fn list_organizations(db: &Db) -> Result<Vec<OrganizationSummary>, AppError> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.created_at, (SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id)
         FROM organizations o ORDER BY o.created_at, o.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OrganizationSummary { id: id_column(r, 0)?, name: r.try_get(1)?, created_at: r.try_get(2)?, users: r.try_get(3)? })
        })
        .collect()
}

async fn insert_organization(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &OrganizationId,
    name: &OrganizationName,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO organizations (id, name, revision, created_at) VALUES ($1, $2, 0, $3)")
        .bind(id.as_str())
        .bind(name.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_user(
    tx: &mut sqlx::AnyConnection,
    user_id: &UserId,
    org_id: &OrganizationId,
    email: &Email,
    password_hash: &str,
    role: Role,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO users (id, organization_id, email, password_hash, created_at, role) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id.as_str())
    .bind(org_id.as_str())
    .bind(email.as_str())
    .bind(password_hash)
    .bind(now)
    .bind(role.as_str())
    .execute(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { email_taken() } else { e.into() })?;
    Ok(())
}

/// The organization's name.
pub async fn organization_name(db: &Db, organization: &OrganizationId) -> Result<String, AppError> {
    Ok(sqlx::query("SELECT name FROM organizations WHERE id = $1")
        .bind(organization.as_str())
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?)
}

pub async fn email_exists(db: &Db, email: &Email) -> Result<bool, AppError> {
    Ok(sqlx::query("SELECT 1 FROM users WHERE email = $1").bind(email.as_str()).fetch_optional(&db.pool).await?.is_some())
}

/// The stored password hash of the user with this email, if any.
pub async fn credentials(db: &Db, email: &Email) -> Result<Option<(UserRef, String)>, AppError> {
    let row = sqlx::query("SELECT id, organization_id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((UserRef { user_id: id_column(&r, 0)?, organization_id: id_column(&r, 1)? }, r.try_get(2)?))).transpose()
}

/// What `GET /api/v1/me` answers for a signed-in user.
pub async fn me(db: &Db, user: &UserRef) -> Result<Me, AppError> {
    let row = sqlx::query(
        "SELECT u.id, u.email, o.id, o.name, u.role,
                CASE WHEN o.require_passkeys <> 0 AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id) THEN 1 ELSE 0 END
         FROM users u JOIN organizations o ON o.id = u.organization_id
         WHERE u.id = $1 AND o.id = $2",
    )
    .bind(user.user_id.as_str())
    .bind(user.organization_id.as_str())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::of(ErrorCode::Unauthorized, "Your account no longer exists."))?;
    Ok(Me {
        user: UserInfo { id: id_column(&row, 0)?, email: row.try_get(1)? },
        organization: OrganizationInfo { id: id_column(&row, 2)?, name: row.try_get(3)? },
        role: role_column(&row, 4)?,
        has_connected_account: has_connected_account(db, &user.organization_id).await?,
        passkey_required: row.try_get::<i64, _>(5)? != 0,
    })
}

/// A role as the database keeps it.
pub fn role_column<I: sqlx::ColumnIndex<sqlx::any::AnyRow>>(row: &sqlx::any::AnyRow, col: I) -> Result<Role, AppError> {
    let text: String = row.try_get(col)?;
    Role::parse(&text).ok_or_else(|| AppError::internal(format!("unknown role {text} in the database")))
}

/// An organization has a connected account once it holds a live integration record.
pub async fn has_connected_account(db: &Db, organization_id: &OrganizationId) -> Result<bool, AppError> {
    Ok(sqlx::query("SELECT 1 FROM records WHERE organization_id = $1 AND kind = 'integration' AND deleted = 0 LIMIT 1")
        .bind(organization_id.as_str())
        .fetch_optional(&db.pool)
        .await?
        .is_some())
}
