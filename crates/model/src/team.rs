//! The people of an organization: the members list and invitations (their roles are `role`'s).

use crate::account::Email;
use crate::field_error::FieldError;
use crate::ids::UserId;
pub use crate::role::Role;
use serde::{Deserialize, Serialize};

/// One person of the organization, as the Members page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: UserId,
    pub email: String,
    pub role: Role,
    /// Milliseconds since the Unix epoch.
    pub joined_at: i64,
    /// Their last sign-in (or sign-up), if the store has seen one.
    pub last_sign_in_at: Option<i64>,
}

/// An invitation that has not been used, revoked or let expire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: crate::ids::InvitationId,
    pub email: String,
    pub role: Role,
    /// The email of whoever invited them.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// `GET /api/v1/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Members {
    pub members: Vec<Member>,
    /// Pending invitations, newest first.
    pub invitations: Vec<Invitation>,
}

/// `POST /api/v1/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationRequest {
    pub email: String,
    pub role: Role,
}

impl InvitationRequest {
    pub fn email(&self) -> Result<Email, FieldError> {
        Email::parse(&self.email)
    }
}

/// The answer to `POST /api/v1/invitations`: the token is shown once (the store keeps only its
/// hash); the app makes the link `{origin}/join#{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationCreated {
    pub invitation: Invitation,
    pub token: String,
}

/// `POST /api/v1/auth/invitation`: what an invitation link offers, before joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationToken {
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub organization: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: i64,
}

/// `POST /api/v1/auth/join`: create an account with the invitation's email and join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinRequest {
    pub token: String,
    pub password: String,
}

/// `PUT /api/v1/members/{id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    pub role: Role,
}

/// Where an invitation link leads: the token rides in the fragment, which browsers never send
/// to a server (nor to a CDN's logs).
pub fn invitation_link(origin: &str, token: &str) -> String {
    format!("{}/join#{token}", origin.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_the_token_in_the_fragment() {
        assert_eq!(invitation_link("https://xops.example/", "abc"), "https://xops.example/join#abc");
    }
}
