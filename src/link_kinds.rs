//! What each "Link a New … Account" form asks for, and how its values become an integration.
//! The page (pages/link.rs) is one component for all three; this file holds what differs.
//! Every check is the model crate's, so the form and the store agree.

use crate::certificate::CredentialOptions;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use xops_model::{
    AwsAccountId, AwsInput, AzureInput, CertificateInfo, ExternalId, FieldError, IntegrationDetails, M365Input, Provider,
    RecordId, UserId,
};

/// The unfinished form, as kept in IndexedDB (the key itself is stored beside it, under `id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkDraft {
    /// The id the account will have once connected; its key is kept under it. (Drafts of earlier
    /// versions may hold an empty one: no id yet.)
    #[serde(deserialize_with = "no_id_if_empty")]
    pub id: Option<RecordId>,
    pub values: Values,
    pub options: CredentialOptions,
    pub certificate: Option<CertificateInfo>,
}

fn no_id_if_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<RecordId>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.is_empty() => RecordId::parse(&s).map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

impl LinkDraft {
    /// Whether the person has started on it (more than what a new form holds).
    pub fn started(&self, kind: &LinkKind) -> bool {
        self.certificate.is_some()
            || kind.fields.iter().any(|f| self.values.get(f.key).is_some_and(|v| !v.trim().is_empty() && v != f.initial))
    }
}

/// The form's values by field key (the model's field names: `name`, `tenant_id`, …).
pub type Values = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Radio buttons: (value, label).
    Choice(&'static [(&'static str, &'static str)]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The model's field name; errors come back under it.
    pub key: &'static str,
    /// The element id (and the prefix of its hint and error ids).
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    /// Shown only while another field has this value (`scope_kind` = `subscription`).
    pub shown_when: Option<(&'static str, &'static str)>,
    /// The value a new form starts with.
    pub initial: &'static str,
}

const fn text(key: &'static str, id: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec { key, id, label, hint, kind: FieldKind::Text, shown_when: None, initial: "" }
}

/// What the checks need to know about the organization's other accounts.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    /// Names of the organization's other accounts of this provider.
    pub names: Vec<String>,
    /// AWS account IDs linked already.
    pub aws_accounts: Vec<AwsAccountId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkKind {
    pub provider: Provider,
    pub title: &'static str,
    pub lead: &'static str,
    pub path: &'static str,
    pub fields: &'static [FieldSpec],
    /// Whether Connect needs a certificate made in this browser.
    pub certificate: bool,
}

impl LinkKind {
    pub fn of(provider: Provider) -> &'static LinkKind {
        match provider {
            Provider::Microsoft365 => &M365,
            Provider::Azure => &AZURE,
            Provider::Aws => &AWS,
        }
    }

    /// The name of this form's draft for a person.
    pub fn draft_name(&self, user_id: &UserId) -> String {
        format!("{user_id}/{}/new", self.provider.value())
    }

    /// The label of the name field ("Microsoft Account Name").
    pub fn name_label(&self) -> &'static str {
        self.fields.iter().find(|f| f.key == "name").map(|f| f.label).unwrap_or("Name")
    }

    pub fn is_shown(&self, field: &FieldSpec, values: &Values) -> bool {
        field.shown_when.is_none_or(|(key, value)| values.get(key).map(String::as_str) == Some(value))
    }

    /// Every field's problem, or the parsed account.
    pub fn parse(
        &self,
        values: &Values,
        taken: &Taken,
    ) -> Result<(xops_model::AccountName, IntegrationDetails), Vec<FieldError>> {
        let v = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
        let names = taken.names.iter().map(String::as_str);
        match self.provider {
            Provider::Microsoft365 => M365Input {
                name: v("name"),
                tenant_id: v("tenant_id"),
                application_id: v("application_id"),
                organization: v("organization"),
            }
            .parse(names)
            .map(|(n, d)| (n, IntegrationDetails::Microsoft365(d))),
            Provider::Azure => AzureInput {
                name: v("name"),
                tenant_id: v("tenant_id"),
                application_id: v("application_id"),
                scope_kind: v("scope_kind"),
                subscription_id: v("subscription_id"),
                management_group_id: v("management_group_id"),
            }
            .parse(names)
            .map(|(n, d)| (n, IntegrationDetails::Azure(d))),
            Provider::Aws => AwsInput {
                account_type: v("account_type"),
                name: v("name"),
                role_arn: v("role_arn"),
                external_id: v("external_id"),
            }
            .parse(names, &taken.aws_accounts)
            .map(|(n, d)| (n, IntegrationDetails::Aws(d))),
        }
    }

    /// The problem of one field (what the person sees on leaving it).
    pub fn check_field(&self, key: &str, values: &Values, taken: &Taken) -> Option<String> {
        let errors = self.parse(values, taken).err()?;
        errors.into_iter().find(|e| e.field == key).map(|e| e.message)
    }

    /// The values a new form starts with (AWS: a fresh External ID from `random`).
    pub fn initial_values(&self, random: &[u8; 24]) -> Values {
        let mut values: Values = self.fields.iter().map(|f| (f.key.to_string(), f.initial.to_string())).collect();
        if self.provider == Provider::Aws {
            values.insert("external_id".into(), ExternalId::from_random(random).as_str().to_string());
        }
        values
    }
}

pub static M365: LinkKind = LinkKind {
    provider: Provider::Microsoft365,
    title: "Link a New Microsoft Account",
    lead: "Link a Microsoft 365 tenant: register an app in the Microsoft Entra admin center, enter its details here, generate the certificate and upload it to the app, then Connect.",
    path: crate::routes::LINK_MICROSOFT_365,
    fields: &[
        text("name", "account-name", "Microsoft Account Name", "The name Xops shows for this account; any name that tells it apart (1 to 64 characters)."),
        text("tenant_id", "tenant-id", "Tenant ID", "The Directory (tenant) ID from the app's Overview page."),
        text("application_id", "application-id", "Application ID", "The Application (client) ID from the app's Overview page."),
        text("organization", "organization-name", "Organization Name", "The tenant's domain, such as contoso.onmicrosoft.com."),
    ],
    certificate: true,
};

pub static AZURE: LinkKind = LinkKind {
    provider: Provider::Azure,
    title: "Link a New Azure Account",
    lead: "Link an Azure subscription or management group: register an app in Microsoft Entra, give it read access, enter its details here, generate the certificate and upload it to the app, then Connect.",
    path: crate::routes::LINK_AZURE,
    fields: &[
        text("name", "account-name", "Azure Account Name", "The name Xops shows for this account; any name that tells it apart (1 to 64 characters)."),
        text("tenant_id", "tenant-id", "Tenant ID", "The Directory (tenant) ID from the app's Overview page."),
        text("application_id", "application-id", "Application ID", "The Application (client) ID from the app's Overview page."),
        FieldSpec {
            key: "scope_kind",
            id: "scope-kind",
            label: "Scope",
            hint: "What Xops may read: one subscription, or every subscription under a management group.",
            kind: FieldKind::Choice(&[("subscription", "Subscription"), ("management_group", "Management group")]),
            shown_when: None,
            initial: "subscription",
        },
        FieldSpec {
            shown_when: Some(("scope_kind", "subscription")),
            ..text("subscription_id", "subscription-id", "Subscription ID", "From Subscriptions in the Azure portal (a GUID).")
        },
        FieldSpec {
            shown_when: Some(("scope_kind", "management_group")),
            ..text(
                "management_group_id",
                "management-group-id",
                "Management group ID",
                "From Management groups in the Azure portal: the ID, not the display name.",
            )
        },
    ],
    certificate: true,
};

pub static AWS: LinkKind = LinkKind {
    provider: Provider::Aws,
    title: "Link a New AWS Account",
    lead: "Link an AWS account through a read-only role that trusts Xops: create the role (the template below does it), paste its ARN here, then Connect.",
    path: crate::routes::LINK_AWS,
    fields: &[
        FieldSpec {
            key: "account_type",
            id: "account-type",
            label: "AWS Account Type",
            hint: "The management account of an AWS Organization, or a linked (member or standalone) account.",
            kind: FieldKind::Choice(&[("management", "Management Account"), ("linked", "Linked Account")]),
            shown_when: None,
            initial: "",
        },
        text("name", "account-name", "AWS Account Name", "The name Xops shows for this account; any name that tells it apart (1 to 64 characters)."),
        text(
            "role_arn",
            "role-arn",
            "AWS Role ARN",
            "The ARN of the role you created, like arn:aws:iam::123456789012:role/XopsReadOnly (the stack's RoleArn output).",
        ),
    ],
    certificate: false,
};

/// The managed policies the role may carry.
pub const AWS_POLICIES: [(&str, &str); 2] =
    [("ReadOnlyAccess", "ReadOnlyAccess (read everything)"), ("SecurityAudit", "SecurityAudit (security configuration only)")];

/// A CloudFormation template (JSON) that creates the cross-account role: trusted by the Xops AWS
/// account, only with this External ID, carrying one read-only AWS managed policy. Its output is
/// the role's ARN.
pub fn aws_role_template(xops_account: &AwsAccountId, external_id: &ExternalId, policy: &str) -> String {
    let policy = if AWS_POLICIES.iter().any(|(p, _)| *p == policy) { policy } else { "ReadOnlyAccess" };
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "A read-only role that Xops assumes with an External ID (created for one Xops connection).",
        "Resources": {
            "XopsReadOnlyRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Assumed by Xops to read this account's configuration.",
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": { "AWS": { "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::{xops_account}:root") } },
                            "Action": "sts:AssumeRole",
                            "Condition": { "StringEquals": { "sts:ExternalId": external_id.as_str() } }
                        }]
                    },
                    "ManagedPolicyArns": [{ "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::aws:policy/{policy}") }]
                }
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "Paste this into AWS Role ARN in Xops.",
                "Value": { "Fn::GetAtt": ["XopsReadOnlyRole", "Arn"] }
            }
        }
    });
    serde_json::to_string_pretty(&template).unwrap_or_default()
}
