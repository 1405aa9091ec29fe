//! What AWS and Azure accounts need: a role ARN (and the account ID inside it), an External ID,
//! an account type; an Azure scope (a subscription or a management group). Each value has one
//! `parse`, called by the form and by the store; its message names the part that is wrong.

use crate::field_error::FieldError;
use crate::serde_via_parse;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An IAM role's ARN: `arn:PARTITION:iam::ACCOUNT-ID:role/OPTIONAL/PATH/NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn {
    text: String,
    partition_len: usize,
}

impl RoleArn {
    pub const FIELD: &'static str = "role_arn";
    pub const EXAMPLE: &'static str = "arn:aws:iam::123456789012:role/XopsReadOnly";
    pub const PARTITIONS: [&'static str; 3] = ["aws", "aws-cn", "aws-us-gov"];

    pub fn parse(input: &str) -> Result<RoleArn, FieldError> {
        let err = |m: String| Err(FieldError::new(Self::FIELD, m));
        let s = input.trim();
        if s.is_empty() {
            return err(format!("Enter the AWS Role ARN, like {}.", Self::EXAMPLE));
        }
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts[0] != "arn" || parts.len() < 6 {
            return err(format!("An AWS Role ARN has six parts separated by colons, like {}; \"{s}\" does not.", Self::EXAMPLE));
        }
        let (partition, service, region, account, resource) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
        if !Self::PARTITIONS.contains(&partition) {
            return err(format!(
                "The partition (after arn:) must be aws, aws-cn or aws-us-gov; \"{partition}\" is not one of them."
            ));
        }
        if service != "iam" {
            return err(format!("The service must be iam, as in arn:{partition}:iam::…; \"{service}\" is not a role's service."));
        }
        if !region.is_empty() {
            return err(format!(
                "IAM ARNs have no region: remove \"{region}\" so the ARN reads arn:{partition}:iam::{account}:…"
            ));
        }
        // The account may arrive padded (" 123456789012"); the ARN keeps it as parsed, so the
        // account the store checks for uniqueness is the one AWS would see.
        let account = AwsAccountId::parse(account).map_err(|e| FieldError::new(Self::FIELD, e.message))?;
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return err(format!("The resource must be a role, written role/NAME after the account ID; \"{resource}\" is not."));
        };
        let (path, name) = match path_and_name.rsplit_once('/') {
            Some((path, name)) => (path, name),
            None => ("", path_and_name),
        };
        let bad_segment = |seg: &str| seg.is_empty() || !seg.chars().all(|c| ('!'..='~').contains(&c));
        if !path.is_empty() && (path.len() > 510 || path.split('/').any(bad_segment)) {
            return err(format!(
                "The role's path \"/{path}/\" is not valid: use printable characters without spaces, and no empty parts (//)."
            ));
        }
        if name.is_empty() {
            return err("The role name is missing after role/.".into());
        }
        if name.chars().count() > 64 {
            return err(format!("A role name has at most 64 characters; \"{name}\" has {}.", name.chars().count()));
        }
        if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))) {
            return err(format!(
                "The role name can contain letters, digits and + = , . @ _ -; \"{bad}\" in \"{name}\" is not allowed."
            ));
        }
        Ok(RoleArn { text: format!("arn:{partition}:iam::{account}:{resource}"), partition_len: partition.len() })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn partition(&self) -> &str {
        &self.text[4..4 + self.partition_len]
    }

    /// The role's name (the ARN's last part, after any path).
    pub fn name(&self) -> &str {
        self.text.rsplit('/').next().unwrap_or_default()
    }

    /// The 12-digit account ID inside the ARN.
    pub fn account_id(&self) -> AwsAccountId {
        let account = self.text.split(':').nth(4).unwrap_or_default();
        AwsAccountId(account.to_string())
    }
}

/// A 12-digit AWS account ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AwsAccountId(String);

impl AwsAccountId {
    pub fn parse(input: &str) -> Result<AwsAccountId, FieldError> {
        let s = input.trim();
        if s.len() != 12 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                "account_id",
                format!("The account ID must be 12 digits, like 123456789012; \"{s}\" is not."),
            ));
        }
        Ok(AwsAccountId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AwsAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret-less handshake AWS recommends for third parties: the role's trust policy requires
/// this value, so only Xops, asked by this organization, can assume it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    pub const FIELD: &'static str = "external_id";
    pub const MIN_CHARS: usize = 32;
    pub const MAX_CHARS: usize = 1224;

    pub fn parse(input: &str) -> Result<ExternalId, FieldError> {
        let n = input.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(FieldError::new(
                Self::FIELD,
                format!("The External ID must have {} to {} characters; this one has {n}.", Self::MIN_CHARS, Self::MAX_CHARS),
            ));
        }
        if let Some(bad) = input.chars().find(|c| !(c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(*c))) {
            return Err(FieldError::new(
                Self::FIELD,
                format!("The External ID can contain letters, digits and + = , . @ : / - _; \"{bad}\" is not allowed."),
            ));
        }
        Ok(ExternalId(input.to_string()))
    }

    /// An External ID from 24 random bytes (the caller's CSPRNG): 48 lower-case hex digits.
    pub fn from_random(bytes: &[u8; 24]) -> ExternalId {
        ExternalId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AwsAccountType {
    /// The organization's management (payer) account.
    Management,
    /// A member account of an AWS Organization, or a standalone account.
    Linked,
}

impl AwsAccountType {
    pub const FIELD: &'static str = "account_type";

    pub fn label(self) -> &'static str {
        match self {
            AwsAccountType::Management => "Management Account",
            AwsAccountType::Linked => "Linked Account",
        }
    }
    pub fn value(self) -> &'static str {
        match self {
            AwsAccountType::Management => "management",
            AwsAccountType::Linked => "linked",
        }
    }
    pub fn parse(input: &str) -> Result<AwsAccountType, FieldError> {
        match input.trim() {
            "management" => Ok(AwsAccountType::Management),
            "linked" => Ok(AwsAccountType::Linked),
            _ => Err(FieldError::new(Self::FIELD, "Choose the AWS Account Type: Management Account or Linked Account.")),
        }
    }
}

/// An Azure management group's ID (its name, not its display name): 1 to 90 letters, digits,
/// hyphens, underscores, periods and parentheses, not ending with a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ManagementGroupId(String);

impl ManagementGroupId {
    pub const FIELD: &'static str = "management_group_id";

    pub fn parse(input: &str) -> Result<ManagementGroupId, FieldError> {
        let err = |m: String| Err(FieldError::new(Self::FIELD, m));
        let s = input.trim();
        if s.is_empty() {
            return err("Enter the management group ID (its ID, such as mg-production, not its display name).".into());
        }
        let n = s.chars().count();
        if n > 90 {
            return err(format!("A management group ID has at most 90 characters; this one has {n}."));
        }
        if let Some(bad) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.()".contains(*c))) {
            return err(format!(
                "A management group ID can contain letters, digits and - _ . ( ); \"{bad}\" is not allowed (use the ID, not the display name)."
            ));
        }
        if s.ends_with('.') {
            return err("A management group ID cannot end with a period.".into());
        }
        Ok(ManagementGroupId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

serde_via_parse!(RoleArn, AwsAccountId, ExternalId, ManagementGroupId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_role_arns_parse_and_give_their_account() {
        for (arn, account, partition, name) in [
            ("arn:aws:iam::123456789012:role/XopsReadOnly", "123456789012", "aws", "XopsReadOnly"),
            (
                "  arn:aws-cn:iam::000000000001:role/team/ops/Xops+Read=1,a.b@c_d-e ",
                "000000000001",
                "aws-cn",
                "Xops+Read=1,a.b@c_d-e",
            ),
            ("arn:aws-us-gov:iam::999999999999:role/service-role/X", "999999999999", "aws-us-gov", "X"),
        ] {
            let a = RoleArn::parse(arn).unwrap();
            assert_eq!(a.account_id().as_str(), account);
            assert_eq!(a.name(), name);
            assert_eq!(a.partition(), partition);
            assert_eq!(a.as_str(), arn.trim());
        }
        // A padded account is the same account, and the ARN reads as AWS writes it.
        let padded = RoleArn::parse("arn:aws:iam:: 123456789012 :role/X").unwrap();
        assert_eq!(padded.account_id(), RoleArn::parse("arn:aws:iam::123456789012:role/X").unwrap().account_id());
        assert_eq!(padded.as_str(), "arn:aws:iam::123456789012:role/X");
    }

    #[test]
    fn bad_role_arns_name_the_part_that_is_wrong() {
        for (arn, says) in [
            ("", "Enter the AWS Role ARN"),
            ("123456789012", "six parts"),
            ("arn:aws:iam::123456789012", "six parts"),
            ("arn:azure:iam::123456789012:role/X", "partition"),
            ("arn:aws:s3::123456789012:role/X", "service must be iam"),
            ("arn:aws:iam:us-east-1:123456789012:role/X", "no region: remove \"us-east-1\""),
            ("arn:aws:iam::12345678901:role/X", "12 digits"),
            ("arn:aws:iam::12345678901a:role/X", "12 digits"),
            ("arn:aws:iam::123456789012:user/X", "must be a role"),
            ("arn:aws:iam::123456789012:role/", "role name is missing"),
            ("arn:aws:iam::123456789012:role/bad name", "\" \" in \"bad name\""),
            ("arn:aws:iam::123456789012:role/a//b", "path"),
        ] {
            let err = RoleArn::parse(arn).unwrap_err();
            assert_eq!(err.field, "role_arn");
            assert!(err.message.contains(says), "{arn}: {}", err.message);
        }
        let long = format!("arn:aws:iam::123456789012:role/{}", "x".repeat(65));
        assert!(RoleArn::parse(&long).unwrap_err().message.contains("at most 64"));
    }

    #[test]
    fn external_ids() {
        let id = ExternalId::from_random(&[0xab; 24]);
        assert_eq!(id.as_str().len(), 48);
        ExternalId::parse(id.as_str()).unwrap();
        assert!(ExternalId::parse("short").unwrap_err().message.contains("32 to 1224"));
        assert!(ExternalId::parse(&format!("{}!", "a".repeat(40))).unwrap_err().message.contains("\"!\""));
    }

    #[test]
    fn management_group_ids() {
        ManagementGroupId::parse(" mg-prod_(eu).1 ").unwrap();
        assert_eq!(ManagementGroupId::parse(" mg-prod ").unwrap().as_str(), "mg-prod");
        for (bad, says) in [("", "Enter"), ("Production EU", "\" \""), ("mg.", "period"), (&"m".repeat(91), "at most 90")] {
            assert!(ManagementGroupId::parse(bad).unwrap_err().message.contains(says), "{bad}");
        }
    }

    #[test]
    fn account_types() {
        assert_eq!(AwsAccountType::parse("management").unwrap(), AwsAccountType::Management);
        assert_eq!(AwsAccountType::parse("linked").unwrap().label(), "Linked Account");
        assert!(AwsAccountType::parse("").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::ids::{Guid, TenantId};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_well_formed_role_arn_parses_and_keeps_its_account(
            partition in prop::sample::select(&RoleArn::PARTITIONS[..]),
            account in "[0-9]{12}",
            path in prop::collection::vec("[!-.0-~]{1,10}", 0..3),
            name in "[A-Za-z0-9+=,.@_-]{1,64}",
        ) {
            let path: String = path.iter().map(|p| format!("{p}/")).collect();
            let arn = format!("arn:{partition}:iam::{account}:role/{path}{name}");
            let parsed = RoleArn::parse(&format!("  {arn} ")).unwrap();
            prop_assert_eq!(parsed.as_str(), arn.as_str());
            prop_assert_eq!(parsed.account_id().to_string(), account);
            prop_assert_eq!(parsed.partition(), partition);
        }

        #[test]
        fn an_account_id_that_is_not_12_digits_is_refused(account in "[0-9]{1,11}|[0-9]{13,14}|[0-9]{6}[a-z][0-9]{5}") {
            let arn = format!("arn:aws:iam::{account}:role/X");
            let err = RoleArn::parse(&arn).unwrap_err();
            prop_assert!(err.message.contains("12 digits"), "{}", err.message);
        }

        #[test]
        fn random_external_ids_are_valid(bytes in prop::array::uniform24(any::<u8>())) {
            let id = ExternalId::from_random(&bytes);
            prop_assert_eq!(ExternalId::parse(id.as_str()).unwrap(), id);
        }

        #[test]
        fn guids_parse_in_any_case_and_normalise_to_lower_case(hex in "[0-9a-fA-F]{32}", spaces in " {0,3}") {
            let guid = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
            let parsed = TenantId::parse(&format!("{spaces}{guid}{spaces}")).unwrap();
            prop_assert_eq!(parsed.as_str(), guid.to_ascii_lowercase());
            prop_assert_eq!(Guid::parse("id", "ID", parsed.as_str()).unwrap().to_string(), parsed.to_string());
        }

        #[test]
        fn management_group_ids_of_allowed_characters_parse(id in "[A-Za-z0-9_()-][A-Za-z0-9._()-]{0,88}[A-Za-z0-9_()-]") {
            prop_assert_eq!(String::from(ManagementGroupId::parse(&id).unwrap()), id);
        }
    }
}
