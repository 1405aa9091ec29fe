//! A linked cloud account: the body of a record of kind `integration`.

use crate::account::FieldError;
use crate::clouds::{AwsAccountId, AwsAccountType, ExternalId, ManagementGroupId, RoleArn};
use crate::ids::{AccountName, ApplicationId, OrganizationDomain, SubscriptionId, TenantId};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Provider {
    Microsoft365,
    Azure,
    Aws,
}

impl Provider {
    /// As in JSON (`details.provider`).
    pub fn value(self) -> &'static str {
        match self {
            Provider::Microsoft365 => "microsoft365",
            Provider::Azure => "azure",
            Provider::Aws => "aws",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Microsoft365 => "Microsoft 365",
            Provider::Azure => "Azure",
            Provider::Aws => "AWS",
        }
    }
}

/// What each provider needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntegrationDetails {
    Microsoft365(M365Details),
    Azure(AzureDetails),
    Aws(AwsDetails),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AzureDetails {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub application_id: ApplicationId,
    pub scope: AzureScope,
}

/// What the Azure app may read: one subscription, or everything under a management group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AzureScope {
    Subscription {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        subscription_id: SubscriptionId,
    },
    ManagementGroup {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        management_group_id: ManagementGroupId,
    },
}

impl AzureScope {
    pub fn describe(&self) -> String {
        match self {
            AzureScope::Subscription { subscription_id } => format!("Subscription {subscription_id}"),
            AzureScope::ManagementGroup { management_group_id } => format!("Management group {}", management_group_id.as_str()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwsDetails {
    pub account_type: AwsAccountType,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "arn:aws:iam::123456789012:role/XopsReadOnly"))]
    pub role_arn: RoleArn,
    /// Required by the role's trust policy; made for this connection.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 32))]
    pub external_id: ExternalId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct M365Details {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "72f988bf-86f1-41af-91ab-2d7cd011db47"))]
    pub tenant_id: TenantId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "72f988bf-86f1-41af-91ab-2d7cd011db47"))]
    pub application_id: ApplicationId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "contoso.onmicrosoft.com"))]
    pub organization: OrganizationDomain,
}

impl IntegrationDetails {
    pub fn provider(&self) -> Provider {
        match self {
            IntegrationDetails::Microsoft365(_) => Provider::Microsoft365,
            IntegrationDetails::Azure(_) => Provider::Azure,
            IntegrationDetails::Aws(_) => Provider::Aws,
        }
    }

    /// The tenant's domain, the Azure scope, or the AWS account: what the lists show beside the name.
    pub fn target(&self) -> String {
        match self {
            IntegrationDetails::Microsoft365(d) => d.organization.as_str().to_string(),
            IntegrationDetails::Azure(d) => d.scope.describe(),
            IntegrationDetails::Aws(d) => format!("AWS account {}", d.role_arn.account_id()),
        }
    }

    /// A tagged enum is parsed from a buffer, which hides which field inside it failed. This
    /// parses the provider's own struct to name that field (`tenant_id`) and its message.
    pub fn explain_error(details: &serde_json::Value) -> Option<(String, String)> {
        let mut fields = details.as_object()?.clone();
        let provider = fields.remove("provider")?;
        let fields = serde_json::Value::Object(fields);
        let err = match provider.as_str()? {
            "microsoft365" => serde_path_to_error::deserialize::<_, M365Details>(&fields).err()?,
            "azure" => serde_path_to_error::deserialize::<_, AzureDetails>(&fields).err()?,
            "aws" => serde_path_to_error::deserialize::<_, AwsDetails>(&fields).err()?,
            _ => return None,
        };
        Some((err.path().to_string(), err.inner().to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntegrationStatus {
    Connected,
}

/// The public half of the account's credential. The private key never appears here: it stays
/// in the browser that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateInfo {
    /// The X.509 certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub pem: String,
    /// Upper-case hex, as the Azure portal shows it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "C9D73A40D02B751473A86314D847B1376EF78D18"))]
    pub sha1_thumbprint: Sha1Thumbprint,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub sha256_thumbprint: Sha256Thumbprint,
    /// Milliseconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Which browser holds the private key (a label the person recognises).
    pub key_held_by: String,
}

impl CertificateInfo {
    /// A PEM certificate of an RSA key up to 8192 bits is under 4 KB; anything far larger is not
    /// one this product made.
    pub const MAX_PEM_BYTES: usize = 16 * 1024;

    pub fn check(&self) -> Result<(), FieldError> {
        if self.pem.len() > Self::MAX_PEM_BYTES {
            return Err(FieldError::new(
                "certificate.pem",
                format!(
                    "The certificate is {} bytes; a certificate here is at most {} KiB.",
                    self.pem.len(),
                    Self::MAX_PEM_BYTES / 1024
                ),
            ));
        }
        let pem = self.pem.trim();
        let is_one_cert = pem.starts_with("-----BEGIN CERTIFICATE-----")
            && pem.ends_with("-----END CERTIFICATE-----")
            && pem.matches("-----BEGIN").count() == 1;
        if !is_one_cert {
            return Err(FieldError::new(
                "certificate.pem",
                "The certificate must be one PEM certificate block and nothing else.",
            ));
        }
        if self.not_after <= self.not_before {
            return Err(FieldError::new("certificate.not_after", "The certificate must end after it starts."));
        }
        if self.key_held_by.trim().is_empty() || self.key_held_by.chars().count() > 100 {
            return Err(FieldError::new("certificate.key_held_by", "Name the browser that holds the key (1 to 100 characters)."));
        }
        Ok(())
    }
}

/// A certificate's digest in upper-case hexadecimal, as the Azure portal shows it: `DIGITS` is 40
/// for SHA-1, 64 for SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Thumbprint<const DIGITS: usize>(String);

/// The SHA-1 thumbprint: what Entra lists, and what a client assertion names (`x5t`).
pub type Sha1Thumbprint = Thumbprint<40>;
pub type Sha256Thumbprint = Thumbprint<64>;

impl<const DIGITS: usize> Thumbprint<DIGITS> {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let (field, name) = if DIGITS == 40 { ("sha1_thumbprint", "SHA-1") } else { ("sha256_thumbprint", "SHA-256") };
        let upper_hex = input.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if input.len() != DIGITS || !upper_hex {
            return Err(FieldError::new(field, format!("The {name} thumbprint must be {DIGITS} upper-case hexadecimal digits.")));
        }
        Ok(Thumbprint(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const DIGITS: usize> TryFrom<String> for Thumbprint<DIGITS> {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Thumbprint::parse(&s)
    }
}

impl<const DIGITS: usize> From<Thumbprint<DIGITS>> for String {
    fn from(t: Thumbprint<DIGITS>) -> String {
        t.0
    }
}

impl<const DIGITS: usize> fmt::Display for Thumbprint<DIGITS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How close a certificate is to its end, for the lists, Home and the account page. Days are
/// counted from the certificate's own end date (`not_after`), never from when it was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// More than [`Expiry::EXPIRING_DAYS`] days left.
    Valid {
        days_left: i64,
    },
    /// [`Expiry::EXPIRING_DAYS`] days or fewer left: time to plan the renewal.
    Expiring {
        days_left: i64,
    },
    /// [`Expiry::SOON_DAYS`] days or fewer left: renew it now.
    Soon {
        days_left: i64,
    },
    Expired {
        days_ago: i64,
    },
}

impl Expiry {
    pub const EXPIRING_DAYS: i64 = 60;
    pub const SOON_DAYS: i64 = 14;
    const DAY_MS: i64 = 86_400_000;

    /// Days left, counting a started day: a new one-year certificate has 365 days left, and
    /// one ending in 36 hours has 2. Once expired, whole days since.
    pub fn at(not_after_ms: i64, now_ms: i64) -> Expiry {
        if now_ms >= not_after_ms {
            return Expiry::Expired { days_ago: (now_ms - not_after_ms) / Self::DAY_MS };
        }
        let days_left = (not_after_ms - now_ms + Self::DAY_MS - 1) / Self::DAY_MS;
        if days_left <= Self::SOON_DAYS {
            Expiry::Soon { days_left }
        } else if days_left <= Self::EXPIRING_DAYS {
            Expiry::Expiring { days_left }
        } else {
            Expiry::Valid { days_left }
        }
    }

    /// 0 (nothing to do) to 3 (expired): lists put the most urgent first.
    pub fn urgency(self) -> u8 {
        match self {
            Expiry::Valid { .. } => 0,
            Expiry::Expiring { .. } => 1,
            Expiry::Soon { .. } => 2,
            Expiry::Expired { .. } => 3,
        }
    }

    /// Whether the person should do something about it (Home counts these).
    pub fn needs_attention(self) -> bool {
        self.urgency() > 0
    }

    /// "365 days left", "45 days left: renew it before then", "12 days left: renew it now",
    /// "Expired 3 days ago".
    pub fn describe(self) -> String {
        let days = |n: i64| if n == 1 { "1 day".to_string() } else { format!("{n} days") };
        match self {
            Expiry::Valid { days_left } => format!("{} left", days(days_left)),
            Expiry::Expiring { days_left } => format!("{} left: renew it before then", days(days_left)),
            Expiry::Soon { days_left } => format!("{} left: renew it now", days(days_left)),
            Expiry::Expired { days_ago: 0 } => "Expired today".into(),
            Expiry::Expired { days_ago } => format!("Expired {} ago", days(days_ago)),
        }
    }

    /// What stops working and what to do, for the account page (`None`: nothing to say).
    pub fn advice(self) -> Option<&'static str> {
        match self {
            Expiry::Valid { .. } => None,
            Expiry::Expiring { .. } | Expiry::Soon { .. } => Some(
                "When this certificate ends, Xops can no longer sign in to this tenant: Test connection fails and \
                 nothing more is read from it. Replace the certificate below before then: make a new one here, upload \
                 it to the app registration in the Microsoft Entra admin center, and confirm.",
            ),
            Expiry::Expired { .. } => Some(
                "This certificate has ended, so Xops can no longer sign in to this tenant: Test connection fails and \
                 nothing more is read from it. Replace the certificate below: make a new one here, upload it to the app \
                 registration in the Microsoft Entra admin center, and confirm.",
            ),
        }
    }
}

impl CertificateInfo {
    pub fn expiry(&self, now_ms: i64) -> Expiry {
        Expiry::at(self.not_after, now_ms)
    }
}

/// What a person typed into "Link a New Microsoft Account", before parsing. The app checks each
/// field when the person leaves it and all of them on Connect, with the same rules.
#[derive(Debug, Clone, Copy)]
pub struct M365Input<'a> {
    pub name: &'a str,
    pub tenant_id: &'a str,
    pub application_id: &'a str,
    pub organization: &'a str,
}

impl M365Input<'_> {
    /// Every field's problem at once (so the form can show each beside its field), or the
    /// parsed values. `taken` holds the names of the organization's other Microsoft accounts.
    pub fn parse<'t>(&self, taken: impl IntoIterator<Item = &'t str>) -> Result<(AccountName, M365Details), Vec<FieldError>> {
        let name = unique_name(self.name, taken);
        let tenant_id = TenantId::parse(self.tenant_id);
        let application_id = ApplicationId::parse(self.application_id);
        let organization = OrganizationDomain::parse(self.organization);
        match (name, tenant_id, application_id, organization) {
            (Ok(name), Ok(tenant_id), Ok(application_id), Ok(organization)) => {
                Ok((name, M365Details { tenant_id, application_id, organization }))
            }
            (name, tenant_id, application_id, organization) => {
                Err([name.err(), tenant_id.err(), application_id.err(), organization.err()].into_iter().flatten().collect())
            }
        }
    }
}

/// A valid account name that no other account of the same provider in the organization uses
/// (compared without regard to case or surrounding spaces).
pub fn unique_name<'t>(input: &str, taken: impl IntoIterator<Item = &'t str>) -> Result<AccountName, FieldError> {
    let name = AccountName::parse(input)?;
    let key = name.as_str().to_lowercase();
    if taken.into_iter().any(|t| t.trim().to_lowercase() == key) {
        return Err(FieldError::new(AccountName::FIELD, taken_name_message(name.as_str())));
    }
    Ok(name)
}

/// What a person typed into "Link a New Azure Account".
#[derive(Debug, Clone, Copy)]
pub struct AzureInput<'a> {
    pub name: &'a str,
    pub tenant_id: &'a str,
    pub application_id: &'a str,
    /// `subscription` or `management_group`.
    pub scope_kind: &'a str,
    pub subscription_id: &'a str,
    pub management_group_id: &'a str,
}

impl AzureInput<'_> {
    pub fn scope(&self) -> Result<AzureScope, FieldError> {
        if self.scope_kind == "management_group" {
            ManagementGroupId::parse(self.management_group_id)
                .map(|management_group_id| AzureScope::ManagementGroup { management_group_id })
        } else {
            SubscriptionId::parse(self.subscription_id).map(|subscription_id| AzureScope::Subscription { subscription_id })
        }
    }

    pub fn parse<'t>(&self, taken: impl IntoIterator<Item = &'t str>) -> Result<(AccountName, AzureDetails), Vec<FieldError>> {
        match (
            unique_name(self.name, taken),
            TenantId::parse(self.tenant_id),
            ApplicationId::parse(self.application_id),
            self.scope(),
        ) {
            (Ok(name), Ok(tenant_id), Ok(application_id), Ok(scope)) => {
                Ok((name, AzureDetails { tenant_id, application_id, scope }))
            }
            (a, b, c, d) => Err([a.err(), b.err(), c.err(), d.err()].into_iter().flatten().collect()),
        }
    }
}

/// What a person typed into "Link a New AWS Account" (the External ID was made for them).
#[derive(Debug, Clone, Copy)]
pub struct AwsInput<'a> {
    pub account_type: &'a str,
    pub name: &'a str,
    pub role_arn: &'a str,
    pub external_id: &'a str,
}

impl AwsInput<'_> {
    /// `taken_names`: the organization's other AWS accounts' names; `linked_accounts`: the AWS
    /// account IDs it has linked already.
    pub fn parse<'t>(
        &self,
        taken_names: impl IntoIterator<Item = &'t str>,
        linked_accounts: &[AwsAccountId],
    ) -> Result<(AccountName, AwsDetails), Vec<FieldError>> {
        let role_arn = RoleArn::parse(self.role_arn).and_then(|arn| unique_aws_account(arn, linked_accounts));
        match (
            AwsAccountType::parse(self.account_type),
            unique_name(self.name, taken_names),
            role_arn,
            ExternalId::parse(self.external_id),
        ) {
            (Ok(account_type), Ok(name), Ok(role_arn), Ok(external_id)) => {
                Ok((name, AwsDetails { account_type, role_arn, external_id }))
            }
            (a, b, c, d) => Err([a.err(), b.err(), c.err(), d.err()].into_iter().flatten().collect()),
        }
    }
}

/// The role's ARN, if its AWS account is not linked yet.
pub fn unique_aws_account(arn: RoleArn, linked: &[AwsAccountId]) -> Result<RoleArn, FieldError> {
    let account = arn.account_id();
    if linked.contains(&account) {
        return Err(FieldError::new(RoleArn::FIELD, taken_aws_account_message(&account)));
    }
    Ok(arn)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integration {
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 64))]
    pub name: AccountName,
    pub details: IntegrationDetails,
    #[serde(default)]
    pub certificate: Option<CertificateInfo>,
    pub status: IntegrationStatus,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// The last "Test connection" result (Microsoft 365 and Azure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_test: Option<crate::verify::ConnectionTest>,
}

impl Integration {
    /// The checks a type cannot carry by itself (the field types already parsed their values).
    pub fn check(&self) -> Result<(), FieldError> {
        if let Some(c) = &self.certificate {
            if self.details.provider() == Provider::Aws {
                return Err(FieldError::new(
                    "certificate",
                    "AWS accounts are linked through a role, not a certificate: send null.",
                ));
            }
            c.check()?;
        }
        if let Some(t) = &self.last_test {
            t.check()?;
        }
        Ok(())
    }

    /// The values no other live account of the organization may share, each with what to say if
    /// one does: the name (per provider, any case) and, for AWS, the account ID.
    pub fn unique_keys(&self) -> Vec<UniqueKey> {
        let provider = self.details.provider();
        let mut keys = vec![UniqueKey {
            key: format!("name:{}:{}", provider.value(), self.name.as_str().to_lowercase()),
            field: "name",
            message: taken_name_message(self.name.as_str()),
        }];
        if let IntegrationDetails::Aws(d) = &self.details {
            let account = d.role_arn.account_id();
            keys.push(UniqueKey {
                key: format!("aws-account:{account}"),
                field: "details.role_arn",
                message: taken_aws_account_message(&account),
            });
        }
        keys
    }
}

/// A value that must be unique within the organization (see [`Integration::unique_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueKey {
    pub key: String,
    /// The field inside the body, for the error.
    pub field: &'static str,
    pub message: String,
}

fn taken_name_message(name: &str) -> String {
    format!("Another linked account is already called \"{name}\". Choose a different name.")
}

fn taken_aws_account_message(account: &AwsAccountId) -> String {
    format!("The AWS account {account} is already linked in your organization; open it from Integrations instead of linking it again.")
}

#[cfg(test)]
pub(crate) mod tests {
    const DAY: i64 = 86_400_000;

    #[test]
    fn expiry_counts_whole_days_and_warns_at_sixty_and_fourteen() {
        let end = 1_000 * DAY;
        assert_eq!(Expiry::at(end, end - 365 * DAY), Expiry::Valid { days_left: 365 });
        assert_eq!(Expiry::at(end, end - 365 * DAY + 5_000), Expiry::Valid { days_left: 365 });
        assert_eq!(Expiry::at(end, end - 61 * DAY), Expiry::Valid { days_left: 61 });
        assert_eq!(Expiry::at(end, end - 60 * DAY), Expiry::Expiring { days_left: 60 });
        assert_eq!(Expiry::at(end, end - 15 * DAY), Expiry::Expiring { days_left: 15 });
        assert_eq!(Expiry::at(end, end - 14 * DAY), Expiry::Soon { days_left: 14 });
        assert_eq!(Expiry::at(end, end - DAY - DAY / 2), Expiry::Soon { days_left: 2 });
        assert_eq!(Expiry::at(end, end - 1), Expiry::Soon { days_left: 1 });
        assert_eq!(Expiry::at(end, end), Expiry::Expired { days_ago: 0 });
        assert_eq!(Expiry::at(end, end + 3 * DAY + 5), Expiry::Expired { days_ago: 3 });
        assert_eq!(Expiry::Soon { days_left: 1 }.describe(), "1 day left: renew it now");
        assert_eq!(Expiry::Expiring { days_left: 45 }.describe(), "45 days left: renew it before then");
        assert_eq!(Expiry::Valid { days_left: 365 }.describe(), "365 days left");
        assert_eq!(Expiry::Expired { days_ago: 3 }.describe(), "Expired 3 days ago");
    }

    #[test]
    fn the_more_urgent_the_higher_and_only_valid_needs_nothing() {
        let states = [
            Expiry::Valid { days_left: 100 },
            Expiry::Expiring { days_left: 40 },
            Expiry::Soon { days_left: 3 },
            Expiry::Expired { days_ago: 1 },
        ];
        assert!(states.windows(2).all(|w| w[0].urgency() < w[1].urgency()));
        assert_eq!(states.map(Expiry::needs_attention), [false, true, true, true]);
        assert_eq!(states.map(|s| s.advice().is_some()), [false, true, true, true]);
    }

    #[test]
    fn the_m365_form_reports_every_bad_field_and_normalises_good_ones() {
        let input = M365Input {
            name: "  Contoso  ",
            tenant_id: " 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ",
            application_id: "11111111-2222-3333-4444-555555555555",
            organization: "Contoso.onmicrosoft.com",
        };
        let (name, d) = input.parse(["Fabrikam"]).unwrap();
        assert_eq!(name.as_str(), "Contoso");
        assert_eq!(d.tenant_id.as_str(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(d.organization.as_str(), "contoso.onmicrosoft.com");

        let bad = M365Input { name: "", tenant_id: "nope", application_id: "1234", organization: "contoso" };
        let fields: Vec<_> = bad.parse([]).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "tenant_id", "application_id", "organization"]);

        let taken = input.parse([" CONTOSO "]).unwrap_err();
        assert_eq!(taken.len(), 1);
        assert!(taken[0].message.contains("already called \"Contoso\""), "{}", taken[0].message);
    }

    use super::*;

    pub fn m365_json() -> serde_json::Value {
        serde_json::json!({
            "name": "Contoso production",
            "details": {
                "provider": "microsoft365",
                "tenant_id": "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
                "application_id": "11111111-2222-3333-4444-555555555555",
                "organization": "contoso.onmicrosoft.com"
            },
            "certificate": null,
            "status": "connected",
            "created_at": 1_700_000_000_000i64,
            "updated_at": 1_700_000_000_000i64
        })
    }

    #[test]
    fn an_m365_integration_parses_and_normalises() {
        let i: Integration = serde_json::from_value(m365_json()).unwrap();
        assert_eq!(i.details.provider(), Provider::Microsoft365);
        let IntegrationDetails::Microsoft365(d) = &i.details else { panic!("an M365 integration") };
        assert_eq!(d.tenant_id.as_str(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        i.check().unwrap();
    }

    #[test]
    fn bad_values_and_unknown_fields_are_refused() {
        let mut v = m365_json();
        v["details"]["tenant_id"] = "nope".into();
        assert!(serde_json::from_value::<Integration>(v).unwrap_err().to_string().contains("Tenant ID must be a GUID"));
        let mut v = m365_json();
        v["private_key"] = "x".into();
        assert!(serde_json::from_value::<Integration>(v).unwrap_err().to_string().contains("unknown field"));
        let mut v = m365_json();
        v["details"]["client_secret"] = "x".into();
        assert!(serde_json::from_value::<Integration>(v).is_err());
    }

    pub fn azure_json() -> serde_json::Value {
        let mut v = m365_json();
        v["details"] = serde_json::json!({
            "provider": "azure",
            "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "application_id": "11111111-2222-3333-4444-555555555555",
            "scope": { "kind": "management_group", "management_group_id": "mg-prod" }
        });
        v
    }

    pub fn aws_json() -> serde_json::Value {
        let mut v = m365_json();
        v["details"] = serde_json::json!({
            "provider": "aws",
            "account_type": "management",
            "role_arn": "arn:aws:iam::123456789012:role/XopsReadOnly",
            "external_id": "0123456789abcdef0123456789abcdef0123456789abcdef"
        });
        v
    }

    #[test]
    fn azure_and_aws_integrations_parse_and_explain_their_errors() {
        let azure: Integration = serde_json::from_value(azure_json()).unwrap();
        assert_eq!(azure.details.provider(), Provider::Azure);
        assert_eq!(azure.details.target(), "Management group mg-prod");
        let aws: Integration = serde_json::from_value(aws_json()).unwrap();
        assert_eq!(aws.details.target(), "AWS account 123456789012");
        assert_eq!(
            aws.unique_keys().iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
            ["name:aws:contoso production", "aws-account:123456789012"]
        );

        let mut bad = aws_json();
        bad["details"]["role_arn"] = "arn:aws:iam::1:role/X".into();
        let (path, message) = IntegrationDetails::explain_error(&bad["details"]).unwrap();
        assert_eq!(path, "role_arn");
        assert!(message.contains("12 digits"), "{message}");

        let mut bad = azure_json();
        bad["details"]["scope"] = serde_json::json!({ "kind": "subscription", "subscription_id": "nope" });
        let (path, message) = IntegrationDetails::explain_error(&bad["details"]).unwrap();
        assert_eq!(path, "scope");
        assert!(message.contains("Subscription ID must be a GUID"), "{message}");

        let mut with_cert = aws_json();
        with_cert["certificate"] = serde_json::json!({
            "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "sha1_thumbprint": "A".repeat(40),
            "sha256_thumbprint": "B".repeat(64), "not_before": 1, "not_after": 2, "key_held_by": "x"
        });
        let i: Integration = serde_json::from_value(with_cert).unwrap();
        assert_eq!(i.check().unwrap_err().field, "certificate");
    }

    #[test]
    fn the_azure_form_checks_the_chosen_scope_only() {
        let mut input = AzureInput {
            name: "Prod",
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47",
            application_id: "11111111-2222-3333-4444-555555555555",
            scope_kind: "subscription",
            subscription_id: " 3FA85F64-5717-4562-B3FC-2C963F66AFA6 ",
            management_group_id: "not checked",
        };
        let (_, d) = input.parse([]).unwrap();
        assert_eq!(d.scope.describe(), "Subscription 3fa85f64-5717-4562-b3fc-2c963f66afa6");
        input.scope_kind = "management_group";
        assert_eq!(input.parse([]).unwrap_err()[0].field, "management_group_id");
        input.management_group_id = "mg-prod";
        input.subscription_id = "";
        assert!(input.parse([]).is_ok());
        assert_eq!(input.parse(["prod"]).unwrap_err()[0].field, "name");
    }

    #[test]
    fn the_aws_form_refuses_an_account_linked_already() {
        let input = AwsInput {
            account_type: "linked",
            name: "Payments",
            role_arn: "arn:aws:iam::123456789012:role/XopsReadOnly",
            external_id: "0123456789abcdef0123456789abcdef0123456789abcdef",
        };
        let (name, d) = input.parse([], &[]).unwrap();
        assert_eq!((name.as_str(), d.account_type), ("Payments", AwsAccountType::Linked));
        let linked = [AwsAccountId::parse("123456789012").unwrap()];
        let errors = input.parse([], &linked).unwrap_err();
        assert_eq!(errors[0].field, "role_arn");
        assert!(errors[0].message.contains("123456789012 is already linked"));
        let none = AwsInput { account_type: "", name: "", role_arn: "", external_id: "" };
        let fields: Vec<_> = none.parse([], &[]).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["account_type", "name", "role_arn", "external_id"]);
    }

    #[test]
    fn certificate_checks() {
        let mut c = CertificateInfo {
            pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
            sha1_thumbprint: Sha1Thumbprint::parse(&"A".repeat(40)).unwrap(),
            sha256_thumbprint: Sha256Thumbprint::parse(&"B".repeat(64)).unwrap(),
            not_before: 1,
            not_after: 2,
            key_held_by: "Chromium on Linux".into(),
        };
        c.check().unwrap();
        // A thumbprint is upper-case hex of its digest's length, or it is not one.
        assert_eq!(Sha1Thumbprint::parse(&"a".repeat(40)).unwrap_err().field, "sha1_thumbprint");
        assert!(Sha1Thumbprint::parse(&"A".repeat(39)).is_err());
        assert!(Sha256Thumbprint::parse(&"A".repeat(40)).unwrap_err().message.contains("64 upper-case"));
        c.pem.push_str("\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----");
        assert_eq!(c.check().unwrap_err().field, "certificate.pem");
    }
}
