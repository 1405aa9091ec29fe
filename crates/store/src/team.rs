//! Members, roles and invitations. Every change here takes the organization's row lock first, so
//! two changes to one organization's members run one after the other (an organization can never
//! lose its last owner to two owners demoting each other at once), and writes its activity entry
//! in the same transaction.

use crate::accounts::{email_taken, insert_user, role_column, Actor, UserRef};
use crate::activity::{self, Entry};
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::{id_column, new_id};
use sqlx::Row;
use xops_model::team::InvitationPreview;
use xops_model::{
    ActivityKind, Email, ErrorCode, Invitation, InvitationCreated, InvitationId, Member, Members, OrganizationId, Role, UserId,
};

fn token_hash(token: &str) -> String {
    crate::auth::token_hash(token.trim())
}

/// Serialises the organization's membership changes (see the module's doc).
async fn lock_organization(tx: &mut sqlx::AnyConnection, organization: &OrganizationId) -> Result<(), AppError> {
    sqlx::query("UPDATE organizations SET name = name WHERE id = $1").bind(organization.as_str()).execute(&mut *tx).await?;
    Ok(())
}

pub async fn members(db: &Db, organization: &OrganizationId) -> Result<Members, AppError> {
    let rows = sqlx::query(&format!("SELECT {MEMBER_COLUMNS} FROM users WHERE organization_id = $1 ORDER BY created_at, email"))
        .bind(organization.as_str())
        .fetch_all(&db.pool)
        .await?;
    let members = rows.iter().map(member_from_row).collect::<Result<Vec<_>, AppError>>()?;
    let rows = sqlx::query(
        "SELECT id, email, role, invited_by_email, created_at, expires_at FROM invitations
         WHERE organization_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC",
    )
    .bind(organization.as_str())
    .bind(now_millis())
    .fetch_all(&db.pool)
    .await?;
    let invitations = rows.iter().map(invitation_from_row).collect::<Result<Vec<_>, AppError>>()?;
    Ok(Members { members, invitations })
}

/// A member, from a row of `MEMBER_COLUMNS`.
fn member_from_row(r: &sqlx::any::AnyRow) -> Result<Member, AppError> {
    Ok(Member {
        id: id_column(r, "id")?,
        email: r.try_get("email")?,
        role: role_column(r, "role")?,
        joined_at: r.try_get("created_at")?,
        last_sign_in_at: r.try_get("last_sign_in_at")?,
    })
}

const MEMBER_COLUMNS: &str = "id, email, role, created_at, last_sign_in_at";

fn invitation_from_row(r: &sqlx::any::AnyRow) -> Result<Invitation, AppError> {
    Ok(Invitation {
        id: id_column(r, "id")?,
        email: r.try_get("email")?,
        role: role_column(r, "role")?,
        invited_by: r.try_get("invited_by_email")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// Invites `email` to be `role`, valid for `lifetime`. A newer invitation for the same email
/// replaces a pending one (only the newest link works).
pub async fn invite(
    db: &Db,
    actor: &Actor,
    email: &Email,
    role: Role,
    lifetime: std::time::Duration,
) -> Result<InvitationCreated, AppError> {
    actor.require(actor.role.may_invite(role), &format!("invite someone as {}", role.as_str()))?;
    let organization = &actor.user.organization_id;
    let mut tx = db.pool.begin().await?;
    lock_organization(&mut tx, organization).await?;
    let existing = sqlx::query("SELECT organization_id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| id_column::<OrganizationId, _>(&r, 0))
        .transpose()?;
    match existing {
        Some(org) if &org == organization => {
            return Err(AppError::of(ErrorCode::Conflict, format!("{email} is already a member of your organization.")).field("email"))
        }
        Some(_) => {
            return Err(AppError::of(
                ErrorCode::Conflict,
                format!("{email} already has an Xops account in another organization, and a person belongs to one organization. Invite another address."),
            )
            .field("email"))
        }
        None => {}
    }
    let now = now_millis();
    let replaced = sqlx::query(
        "UPDATE invitations SET revoked_at = $3
         WHERE organization_id = $1 AND email = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(organization.as_str())
    .bind(email.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let id: InvitationId = new_id();
    let token = crate::auth::new_token();
    let invitation = Invitation {
        id: id.clone(),
        email: email.as_str().to_string(),
        role,
        invited_by: actor.email.clone(),
        created_at: now,
        expires_at: now + lifetime.as_millis() as i64,
    };
    sqlx::query(
        "INSERT INTO invitations (id, organization_id, token_hash, email, role, invited_by_email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(organization.as_str())
    .bind(token_hash(&token))
    .bind(&invitation.email)
    .bind(role.as_str())
    .bind(&invitation.invited_by)
    .bind(invitation.created_at)
    .bind(invitation.expires_at)
    .execute(&mut *tx)
    .await?;
    let replaced = if replaced > 0 { " (replacing an earlier link)" } else { "" };
    let detail = Some(format!("{email} as {}{replaced}", role.as_str()));
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::MemberInvited, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(InvitationCreated { invitation, token })
}

/// Revokes a pending invitation: its link stops working at once.
pub async fn revoke(db: &Db, actor: &Actor, id: &InvitationId) -> Result<(), AppError> {
    let organization = &actor.user.organization_id;
    let mut tx = db.pool.begin().await?;
    lock_organization(&mut tx, organization).await?;
    let row = sqlx::query(
        "SELECT email, role FROM invitations
         WHERE id = $1 AND organization_id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(id.as_str())
    .bind(organization.as_str())
    .bind(now_millis())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        AppError::not_found(
            "There is no pending invitation with this id in your organization; it may have been used, revoked or let expire.",
        )
    })?;
    let (email, role): (String, Role) = (row.try_get(0)?, role_column(&row, 1)?);
    actor.require(actor.role.may_invite(role), &format!("revoke an invitation to be {}", role.as_str()))?;
    sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE id = $1")
        .bind(id.as_str())
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
    let detail = Some(format!("{email} as {}", role.as_str()));
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::InvitationRevoked, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(())
}

pub fn invitation_invalid() -> AppError {
    AppError::of(
        ErrorCode::InvitationInvalid,
        "This invitation link cannot be used: it was used already, revoked, or has expired. Ask whoever invited you for a new link.",
    )
}

/// What a link offers, before anyone joins through it.
pub async fn preview(db: &Db, token: &str) -> Result<InvitationPreview, AppError> {
    let row = sqlx::query(
        "SELECT o.name, i.email, i.role, i.invited_by_email, i.expires_at
         FROM invitations i JOIN organizations o ON o.id = i.organization_id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now_millis())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(invitation_invalid)?;
    Ok(InvitationPreview {
        organization: row.try_get(0)?,
        email: row.try_get(1)?,
        role: role_column(&row, 2)?,
        invited_by: row.try_get(3)?,
        expires_at: row.try_get(4)?,
    })
}

/// Uses the invitation (once: taking it and creating the person are one transaction) to create
/// the invited person with this password hash, in the organization and role it names.
pub async fn join(db: &Db, token: &str, password_hash: &str, address: String) -> Result<UserRef, AppError> {
    let now = now_millis();
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "UPDATE invitations SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         RETURNING organization_id, email, role",
    )
    .bind(token_hash(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invitation_invalid)?;
    let organization: OrganizationId = id_column(&row, 0)?;
    let email_text: String = row.try_get(1)?;
    let role = role_column(&row, 2)?;
    let email = Email::parse(&email_text).map_err(|e| AppError::internal(e.message))?;
    lock_organization(&mut tx, &organization).await?;
    let user_id: UserId = new_id();
    insert_user(&mut tx, &user_id, &organization, &email, password_hash, role, now).await.map_err(|e| {
        if e.body.error.code == email_taken().body.error.code {
            AppError::of(
                ErrorCode::Conflict,
                format!("{email} already has an Xops account, and a person belongs to one organization. Sign in with it, or ask for an invitation to another address."),
            )
        } else {
            e
        }
    })?;
    let user = UserRef { user_id, organization_id: organization };
    let actor = Actor { user: user.clone(), email: email_text, role, address };
    let detail = Some(format!("as {}", role.as_str()));
    activity::record(&mut tx, &actor, Entry { kind: ActivityKind::MemberJoined, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(user)
}

/// A member of the actor's organization: their email and role.
pub(crate) async fn member_of(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &UserId,
) -> Result<(String, Role), AppError> {
    let row = sqlx::query("SELECT email, role FROM users WHERE id = $1 AND organization_id = $2")
        .bind(id.as_str())
        .bind(organization.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("There is no member with this id in your organization."))?;
    Ok((row.try_get(0)?, role_column(&row, 1)?))
}

/// Refuses a change that would leave the organization without an owner.
async fn keep_an_owner(tx: &mut sqlx::AnyConnection, organization: &OrganizationId, email: &str) -> Result<(), AppError> {
    let owners: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE organization_id = $1 AND role = 'owner'")
        .bind(organization.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if owners <= 1 {
        return Err(AppError::of(
            ErrorCode::Conflict,
            format!("{email} is the organization's only owner, and an organization always keeps one. Make another member an owner first."),
        ));
    }
    Ok(())
}

pub async fn change_role(db: &Db, actor: &Actor, id: &UserId, role: Role) -> Result<Member, AppError> {
    actor.require(actor.role.manages_members(), "change members' roles")?;
    let organization = &actor.user.organization_id;
    let mut tx = db.pool.begin().await?;
    lock_organization(&mut tx, organization).await?;
    let (email, was) = member_of(&mut tx, organization, id).await?;
    if was == Role::Owner && role != Role::Owner {
        keep_an_owner(&mut tx, organization, &email).await?;
    }
    if was != role {
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1").bind(id.as_str()).bind(role.as_str()).execute(&mut *tx).await?;
        let detail = Some(format!("{email}: {} → {}", was.as_str(), role.as_str()));
        activity::record(&mut tx, actor, Entry { kind: ActivityKind::RoleChanged, account: None, account_name: None, detail })
            .await?;
    }
    let row =
        sqlx::query(&format!("SELECT {MEMBER_COLUMNS} FROM users WHERE id = $1")).bind(id.as_str()).fetch_one(&mut *tx).await?;
    let member = member_from_row(&row)?;
    tx.commit().await?;
    Ok(member)
}

/// Removes a member and ends their sessions, in one transaction.
pub async fn remove(db: &Db, actor: &Actor, id: &UserId) -> Result<(), AppError> {
    actor.require(actor.role.manages_members(), "remove members")?;
    let organization = &actor.user.organization_id;
    let mut tx = db.pool.begin().await?;
    lock_organization(&mut tx, organization).await?;
    let (email, role) = member_of(&mut tx, organization, id).await?;
    if role == Role::Owner {
        keep_an_owner(&mut tx, organization, &email).await?;
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM passkeys WHERE user_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM users WHERE id = $1 AND organization_id = $2")
        .bind(id.as_str())
        .bind(organization.as_str())
        .execute(&mut *tx)
        .await?;
    let detail = Some(format!("{email} ({})", role.as_str()));
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::MemberRemoved, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(())
}
