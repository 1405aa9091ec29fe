//! Renewing a Microsoft account's certificate without the portal: the store relays Graph's
//! `addKey` and `removeKey` for the app registration, with a client assertion (for an app-only
//! token) and a proof of possession that the browser signed with a key the app already holds.
//! No private key is ever part of these requests.

use crate::ids::KeyId;
use serde::{Deserialize, Serialize};

/// The proof's audience by default: Microsoft's documentation of the proof token names
/// `00000002-0000-0000-c000-000000000000` (one version of the page says Graph's own id,
/// `00000003-…`), so the store's operator can change it (`--microsoft-proof-audience`).
pub const DEFAULT_PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";

/// A proof of possession may live at most ten minutes (Microsoft's limit).
pub const PROOF_LIFETIME_SECS: i64 = 10 * 60;

/// `POST /api/v1/integrations/{id}/keys`: add a certificate to the account's app registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddKeyRequest {
    /// A client assertion signed with a certificate the app holds now, for an app-only Graph token.
    pub graph_assertion: String,
    /// The proof of possession, signed with the same key: `aud` the configured proof audience,
    /// `iss` the app's object ID, at most ten minutes long.
    pub proof: String,
    /// The new certificate, PEM: its public half only.
    pub certificate_pem: String,
}

/// The certificate added (Entra's id for it, from `addKey`) or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChange {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub key_id: KeyId,
}

/// `POST /api/v1/integrations/{id}/keys/{key_id}/remove`: remove a certificate from the account's app
/// registration (signed with a key the app still holds afterwards, or with the one removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoveKeyRequest {
    pub graph_assertion: String,
    pub proof: String,
}
