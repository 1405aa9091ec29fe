//! What a person types into a link form, before parsing: one input type per provider, each
//! parsed with the same rules in the app (field by field, and on Connect) and in the store.

use crate::clouds::{AwsAccountId, AwsAccountType, ExternalId, ManagementGroupId, RoleArn};
use crate::field_error::FieldError;
use crate::ids::{AccountName, ApplicationId, OrganizationDomain, SubscriptionId, TenantId};
use crate::integration::{taken_aws_account_message, taken_name_message, AwsDetails, AzureDetails, AzureScope, M365Details};

/// The four fields of a link form parsed: all their values, or every field's problem at once (so
/// the form can show each beside its field), in the fields' order.
fn every_field<A, B, C, D>(
    a: Result<A, FieldError>,
    b: Result<B, FieldError>,
    c: Result<C, FieldError>,
    d: Result<D, FieldError>,
) -> Result<(A, B, C, D), Vec<FieldError>> {
    match (a, b, c, d) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => Ok((a, b, c, d)),
        (a, b, c, d) => Err([a.err(), b.err(), c.err(), d.err()].into_iter().flatten().collect()),
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
        let (name, tenant_id, application_id, organization) = every_field(
            unique_name(self.name, taken),
            TenantId::parse(self.tenant_id),
            ApplicationId::parse(self.application_id),
            OrganizationDomain::parse(self.organization),
        )?;
        Ok((name, M365Details { tenant_id, application_id, organization, application_object_id: None }))
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
        let (name, tenant_id, application_id, scope) = every_field(
            unique_name(self.name, taken),
            TenantId::parse(self.tenant_id),
            ApplicationId::parse(self.application_id),
            self.scope(),
        )?;
        Ok((name, AzureDetails { tenant_id, application_id, scope, application_object_id: None }))
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
        let (account_type, name, role_arn, external_id) = every_field(
            AwsAccountType::parse(self.account_type),
            unique_name(self.name, taken_names),
            role_arn,
            ExternalId::parse(self.external_id),
        )?;
        Ok((name, AwsDetails { account_type, role_arn, external_id }))
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
