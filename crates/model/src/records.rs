//! The record store's API bodies: per-organization records with revisions and tombstones.

use crate::api::ErrorDetail;
use crate::field_error::FieldError;
use crate::ids::{RecordId, UserId};
use crate::integration::{CertificateInfo, Integration, IntegrationDetails, UniqueKey};
use serde::{Deserialize, Serialize};

/// What a record holds. The store checks each kind's body with the matching type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecordKind {
    Integration,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Integration => "integration",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        match s {
            "integration" => Some(RecordKind::Integration),
            _ => None,
        }
    }

    /// Checks a body of this kind: its shape, every value, and the rules across fields, and
    /// returns it parsed. The error's field is the path inside the body, e.g. `details.tenant_id`.
    pub fn check_body(self, body: &serde_json::Value) -> Result<CheckedBody, FieldError> {
        match self {
            RecordKind::Integration => {
                let i: Integration = serde_path_to_error::deserialize(body).map_err(|e| {
                    let mut path = e.path().to_string();
                    let mut message = e.inner().to_string();
                    if path == "details" {
                        if let Some((inner, m)) = body.get("details").and_then(IntegrationDetails::explain_error) {
                            (path, message) = (format!("details.{inner}"), m);
                        }
                    }
                    let field = if path == "." || path.is_empty() { "body".to_string() } else { path };
                    FieldError { field: field.into(), message }
                })?;
                i.check()?;
                Ok(CheckedBody::Integration(Box::new(i)))
            }
        }
    }
}

/// A body that passed [`RecordKind::check_body`], parsed once for whatever else looks at it.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckedBody {
    Integration(Box<Integration>),
}

impl CheckedBody {
    /// What must be unique among the organization's live records (see [`Integration::unique_keys`]).
    pub fn unique_keys(&self) -> Vec<UniqueKey> {
        match self {
            CheckedBody::Integration(i) => i.unique_keys(),
        }
    }

    /// Every certificate in the body, with its field path (`certificate`, `other_certificates.0`, …).
    pub fn certificates(&self) -> Vec<(String, &CertificateInfo)> {
        match self {
            CheckedBody::Integration(i) => i.all_certificates().collect(),
        }
    }

    /// The body as the parsed values write it (GUIDs lower case, names trimmed, and so on): what
    /// the store keeps, so every stored body is in one form whatever the client sent.
    pub fn canonical(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            CheckedBody::Integration(i) => serde_json::to_value(i),
        }
    }
}

/// `PUT /api/v1/records/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordPut {
    pub kind: RecordKind,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: serde_json::Value,
}

/// A record as the store keeps it. A deleted record (a tombstone) has no body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: RecordId,
    pub kind: RecordKind,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub body: Option<serde_json::Value>,
    pub revision: i64,
    pub deleted: bool,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
    /// The user who made the change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub updated_by: UserId,
}

/// `GET /api/v1/records?since=REV&limit=N`: the changes after `since`, in revision order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordChanges {
    pub changes: Vec<Record>,
    /// The organization's newest revision; ask again from the last change's revision while
    /// `has_more` is true.
    pub latest_revision: i64,
    pub has_more: bool,
}

/// A 409: the change was made against an old revision; `current` is what the store holds now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub error: ErrorDetail,
    pub current: Record,
}
