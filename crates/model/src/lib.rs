//! Domain types and API bodies shared by the Xops Integrations app (wasm) and its store.
//!
//! Parse, don't validate: every value that crosses a boundary (a form field, a request body,
//! a config file) is turned into a type that can only hold a valid value, by one `parse`
//! function that both the browser and the store call, so they never disagree.

pub mod account;
pub mod activity;
pub mod api;
pub mod certificate;
pub mod clouds;
pub mod config;
pub mod field_error;
pub mod health;
pub mod ids;
pub mod integration;
pub mod link_input;
pub mod paths;
pub mod problem;
pub mod records;
pub mod renew;
pub mod role;
pub mod security;
pub mod team;
pub mod tickets;
pub mod verify;

pub use account::{Email, FieldError, LoginRequest, Me, NewPassword, OrganizationName, SessionInfo, SignupRequest};
pub use activity::{ActivityEntry, ActivityFilter, ActivityKind, ActivityPage};
pub use api::{ApiError, ErrorCode, Health, Platform, WhenRefused};
pub use certificate::{BrowserName, CertificateInfo, Expiry, Sha1Thumbprint, Sha256Thumbprint, Thumbprint};
pub use clouds::{AwsAccountId, AwsAccountType, ExternalId, ManagementGroupId, RoleArn};
pub use config::{ApiBase, ClientConfig, ConfigError};
pub use health::{AccountStatus, HealthFacts, TestFacts};
pub use ids::{
    AccountName, ApplicationId, ApplicationObjectId, Guid, InvitationId, KeyId, OrganizationDomain, OrganizationId, PasskeyId,
    RecordId, SessionId, SubscriptionId, TenantId, UserId,
};
pub use integration::{Integration, IntegrationDetails, IntegrationStatus, M365Details, Provider};
pub use link_input::{unique_name, AwsInput, AzureInput, M365Input};
pub use problem::Problem;
pub use records::{CheckedBody, Conflict, Record, RecordChanges, RecordKind, RecordPut};
pub use team::{Invitation, InvitationCreated, Member, Members, Role};
