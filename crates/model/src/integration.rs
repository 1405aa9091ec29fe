//! A linked cloud account: the body of a record of kind `integration`. Beside it: `certificate`
//! (the credential's public facts, re-exported here) and `link_input` (what a link form sends,
//! before parsing).

pub use crate::certificate::{CertificateInfo, Expiry, Sha1Thumbprint, Sha256Thumbprint, Thumbprint};
use crate::clouds::{AwsAccountId, AwsAccountType, ExternalId, ManagementGroupId, RoleArn};
use crate::field_error::FieldError;
use crate::ids::{AccountName, ApplicationId, ApplicationObjectId, OrganizationDomain, SubscriptionId, TenantId};
use serde::{Deserialize, Serialize};

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

    /// Whether its accounts have sign-in tickets (`tickets`): Microsoft 365 and Azure. AWS
    /// accounts are used through a role the store assumes itself.
    pub fn signs_tickets(self) -> bool {
        self != Provider::Aws
    }

    /// What a scanner asks for with a ticket of this provider's account: Graph for Microsoft 365,
    /// Azure Resource Manager for Azure.
    pub fn ticket_scope(self) -> &'static str {
        match self {
            Provider::Azure => crate::verify::AZURE_SCOPE,
            _ => crate::verify::GRAPH_SCOPE,
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
    /// The app registration's object ID, once the person gave it (renewing without the portal
    /// needs it); absent on accounts linked before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub application_object_id: Option<ApplicationObjectId>,
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
    /// The app registration's object ID, once the person gave it (renewing without the portal
    /// needs it); absent on accounts linked before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub application_object_id: Option<ApplicationObjectId>,
}

impl IntegrationDetails {
    /// A Microsoft account's app registration: its tenant, its application and, once known, its
    /// object ID. AWS accounts have none.
    pub fn app_registration(&self) -> Option<(&TenantId, &ApplicationId, Option<&ApplicationObjectId>)> {
        match self {
            IntegrationDetails::Microsoft365(d) => Some((&d.tenant_id, &d.application_id, d.application_object_id.as_ref())),
            IntegrationDetails::Azure(d) => Some((&d.tenant_id, &d.application_id, d.application_object_id.as_ref())),
            IntegrationDetails::Aws(_) => None,
        }
    }

    /// Keeps the app registration's object ID on a Microsoft account (AWS accounts have none).
    pub fn set_application_object_id(&mut self, id: ApplicationObjectId) {
        match self {
            IntegrationDetails::Microsoft365(d) => d.application_object_id = Some(id),
            IntegrationDetails::Azure(d) => d.application_object_id = Some(id),
            IntegrationDetails::Aws(_) => {}
        }
    }

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

/// What records written before an account's status was earned carried: `"connected"`, whatever
/// happened. It is read (so those records stay readable) and means nothing: the status is
/// computed (`health`), and the field is never written again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntegrationStatus {
    Connected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integration {
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 64))]
    pub name: AccountName,
    pub details: IntegrationDetails,
    /// The certificate of the browser that linked the account (or last renewed or replaced it).
    #[serde(default)]
    pub certificate: Option<CertificateInfo>,
    /// Certificates of other browsers, on the app registration too: any browser holding one of
    /// these keys can test the account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_certificates: Vec<CertificateInfo>,
    /// Certificates other browsers made for themselves ("Add this browser"), waiting to be added
    /// to the app registration by a browser that holds a key (or uploaded in the portal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub browser_requests: Vec<CertificateInfo>,
    /// Ignored (see [`IntegrationStatus`]): read from old records, never written.
    #[serde(default, skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub status: Option<IntegrationStatus>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// The last conclusive connection test, as the store ran and kept it (a client cannot set
    /// it: the store keeps its own, or one it sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_test: Option<crate::verify::ConnectionTest>,
    /// How far ahead browsers holding the key sign tickets for Xops's scanners (Microsoft 365 and
    /// Azure; see `tickets`). Not written while it is the default (24 hours).
    #[serde(default, skip_serializing_if = "crate::tickets::TicketPolicy::is_default")]
    pub ticket_policy: crate::tickets::TicketPolicy,
}

impl Integration {
    /// Browsers' certificates an account may list (in use, and waiting), each.
    pub const MAX_BROWSERS: usize = 10;

    /// Other browsers' certificates that have not ended. An ended one's key signs nothing
    /// Microsoft takes, so the browser that holds it counts as holding none for the account.
    pub fn other_certificates_in_force(&self, now_ms: i64) -> impl Iterator<Item = &CertificateInfo> {
        self.other_certificates.iter().filter(move |c| !c.has_expired(now_ms))
    }

    /// Whether the account uses the certificate `thumbprint` to sign in: its own, or another
    /// browser's in use (a request still waiting is not on the app registration yet). Only a test
    /// such a certificate signed says anything about the account.
    pub fn uses_certificate(&self, thumbprint: &crate::certificate::Sha1Thumbprint) -> bool {
        self.certificate.iter().chain(&self.other_certificates).any(|c| &c.sha1_thumbprint == thumbprint)
    }

    /// Every certificate the record holds, with its field path: the one in use, other browsers',
    /// and those waiting for approval.
    pub fn all_certificates(&self) -> impl Iterator<Item = (String, &CertificateInfo)> {
        let first = self.certificate.iter().map(|c| ("certificate".to_string(), c));
        let others = self.other_certificates.iter().enumerate().map(|(i, c)| (format!("other_certificates.{i}"), c));
        let waiting = self.browser_requests.iter().enumerate().map(|(i, c)| (format!("browser_requests.{i}"), c));
        first.chain(others).chain(waiting)
    }

    /// The checks a type cannot carry by itself (the field types already parsed their values).
    pub fn check(&self) -> Result<(), FieldError> {
        for (list, name) in [(&self.other_certificates, "other_certificates"), (&self.browser_requests, "browser_requests")] {
            if list.len() > Self::MAX_BROWSERS {
                return Err(FieldError::new(name, format!("An account lists at most {} browsers here.", Self::MAX_BROWSERS)));
            }
        }
        for (path, c) in self.all_certificates().skip(usize::from(self.certificate.is_some())) {
            if self.details.provider() == Provider::Aws {
                return Err(FieldError::new("certificate", "AWS accounts are linked through a role, not a certificate."));
            }
            c.check().map_err(|e| FieldError { field: e.field.replacen("certificate", &path, 1).into(), message: e.message })?;
        }
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

pub(crate) fn taken_name_message(name: &str) -> String {
    format!("Another linked account is already called \"{name}\". Choose a different name.")
}

pub(crate) fn taken_aws_account_message(account: &AwsAccountId) -> String {
    format!("The AWS account {account} is already linked in your organization; open it from Integrations instead of linking it again.")
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::link_input::{AwsInput, AzureInput, M365Input};

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
            key_id: None,
            created_by: None,
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
