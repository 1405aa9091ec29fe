//! A linked cloud account: the body of a record of kind `integration`.

use crate::account::FieldError;
use crate::ids::{AccountName, ApplicationId, OrganizationDomain, TenantId};
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
    pub fn label(self) -> &'static str {
        match self {
            Provider::Microsoft365 => "Microsoft 365",
            Provider::Azure => "Azure",
            Provider::Aws => "AWS",
        }
    }
}

/// What each provider needs. Azure and AWS details arrive with their forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntegrationDetails {
    Microsoft365(M365Details),
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
    pub sha1_thumbprint: String,
    pub sha256_thumbprint: String,
    /// Milliseconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Which browser holds the private key (a label the person recognises).
    pub key_held_by: String,
}

impl CertificateInfo {
    pub fn check(&self) -> Result<(), FieldError> {
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
        let hex_of = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if !hex_of(&self.sha1_thumbprint, 40) {
            return Err(FieldError::new(
                "certificate.sha1_thumbprint",
                "The SHA-1 thumbprint must be 40 upper-case hexadecimal digits.",
            ));
        }
        if !hex_of(&self.sha256_thumbprint, 64) {
            return Err(FieldError::new(
                "certificate.sha256_thumbprint",
                "The SHA-256 thumbprint must be 64 upper-case hexadecimal digits.",
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

/// How close a certificate is to its end, for the lists and the detail page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// More than [`Expiry::WARN_DAYS`] days left.
    Valid {
        days_left: i64,
    },
    /// [`Expiry::WARN_DAYS`] days or fewer left: time to replace it.
    Soon {
        days_left: i64,
    },
    Expired {
        days_ago: i64,
    },
}

impl Expiry {
    pub const WARN_DAYS: i64 = 30;
    const DAY_MS: i64 = 86_400_000;

    /// Days left, counting a started day: a new one-year certificate has 365 days left, and
    /// one ending in 36 hours has 2. Once expired, whole days since.
    pub fn at(not_after_ms: i64, now_ms: i64) -> Expiry {
        if now_ms >= not_after_ms {
            return Expiry::Expired { days_ago: (now_ms - not_after_ms) / Self::DAY_MS };
        }
        let days_left = (not_after_ms - now_ms + Self::DAY_MS - 1) / Self::DAY_MS;
        if days_left <= Self::WARN_DAYS {
            Expiry::Soon { days_left }
        } else {
            Expiry::Valid { days_left }
        }
    }

    /// "365 days left", "12 days left (replace it soon)", "Expired 3 days ago".
    pub fn describe(self) -> String {
        let days = |n: i64| if n == 1 { "1 day".to_string() } else { format!("{n} days") };
        match self {
            Expiry::Valid { days_left } => format!("{} left", days(days_left)),
            Expiry::Soon { days_left } => format!("{} left: replace it soon", days(days_left)),
            Expiry::Expired { days_ago: 0 } => "Expired today".into(),
            Expiry::Expired { days_ago } => format!("Expired {} ago", days(days_ago)),
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
        return Err(FieldError::new(
            AccountName::FIELD,
            format!("Another linked account is already called \"{}\". Choose a different name.", name.as_str()),
        ));
    }
    Ok(name)
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
}

impl Integration {
    /// The checks a type cannot carry by itself (the field types already parsed their values).
    pub fn check(&self) -> Result<(), FieldError> {
        if let Some(c) = &self.certificate {
            c.check()?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    const DAY: i64 = 86_400_000;

    #[test]
    fn expiry_counts_whole_days_and_warns_at_thirty() {
        let end = 1_000 * DAY;
        assert_eq!(Expiry::at(end, end - 365 * DAY), Expiry::Valid { days_left: 365 });
        assert_eq!(Expiry::at(end, end - 365 * DAY + 5_000), Expiry::Valid { days_left: 365 });
        assert_eq!(Expiry::at(end, end - 31 * DAY), Expiry::Valid { days_left: 31 });
        assert_eq!(Expiry::at(end, end - 30 * DAY), Expiry::Soon { days_left: 30 });
        assert_eq!(Expiry::at(end, end - DAY - DAY / 2), Expiry::Soon { days_left: 2 });
        assert_eq!(Expiry::at(end, end - 1), Expiry::Soon { days_left: 1 });
        assert_eq!(Expiry::at(end, end), Expiry::Expired { days_ago: 0 });
        assert_eq!(Expiry::at(end, end + 3 * DAY + 5), Expiry::Expired { days_ago: 3 });
        assert_eq!(Expiry::Soon { days_left: 1 }.describe(), "1 day left: replace it soon");
        assert_eq!(Expiry::Valid { days_left: 365 }.describe(), "365 days left");
        assert_eq!(Expiry::Expired { days_ago: 3 }.describe(), "Expired 3 days ago");
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
        let IntegrationDetails::Microsoft365(d) = &i.details;
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

    #[test]
    fn certificate_checks() {
        let mut c = CertificateInfo {
            pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
            sha1_thumbprint: "A".repeat(40),
            sha256_thumbprint: "B".repeat(64),
            not_before: 1,
            not_after: 2,
            key_held_by: "Chromium on Linux".into(),
        };
        c.check().unwrap();
        c.sha1_thumbprint = "a".repeat(40);
        assert_eq!(c.check().unwrap_err().field, "certificate.sha1_thumbprint");
        c.sha1_thumbprint = "A".repeat(40);
        c.pem.push_str("\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----");
        assert_eq!(c.check().unwrap_err().field, "certificate.pem");
    }
}
