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
            return Err(FieldError::new("certificate.pem", "The certificate must be one PEM certificate block and nothing else."));
        }
        let hex_of = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if !hex_of(&self.sha1_thumbprint, 40) {
            return Err(FieldError::new("certificate.sha1_thumbprint", "The SHA-1 thumbprint must be 40 upper-case hexadecimal digits."));
        }
        if !hex_of(&self.sha256_thumbprint, 64) {
            return Err(FieldError::new("certificate.sha256_thumbprint", "The SHA-256 thumbprint must be 64 upper-case hexadecimal digits."));
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
