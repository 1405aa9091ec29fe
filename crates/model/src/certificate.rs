//! Certificate facts: the public half of a linked account's credential, its thumbprints, and
//! how close it is to its end date.

use crate::field_error::FieldError;
use crate::ids::KeyId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of a browser that holds a key, shown beside its certificate wherever the certificate
/// is ("Chromium on Ada's laptop", or as suggested: "Chromium on Linux, 7 Dec"). The person gives
/// it when the key is made; one rule for every form and for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserName(String);

impl BrowserName {
    pub const MAX_CHARS: usize = 100;

    /// Trimmed, 1 to 100 characters.
    pub fn parse(input: &str) -> Result<BrowserName, FieldError> {
        let name = input.trim();
        let n = name.chars().count();
        if n == 0 || n > Self::MAX_CHARS {
            return Err(FieldError::new(
                "key_held_by",
                format!(
                    "Name this browser in 1 to {} characters, so people can tell it from their other browsers (for example “Firefox on Ada's laptop”).",
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(BrowserName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<BrowserName> for String {
    fn from(n: BrowserName) -> String {
        n.0
    }
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
    /// Entra's id for this certificate on the app registration, when Xops added it there itself
    /// (renewal); a certificate uploaded in the portal has none here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub key_id: Option<KeyId>,
    /// Who made it (their email), when known: the account page lists each browser's certificate
    /// with its maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
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
        if let Err(e) = BrowserName::parse(&self.key_held_by) {
            return Err(FieldError::new("certificate.key_held_by", e.message));
        }
        if self.created_by.as_ref().is_some_and(|c| c.chars().count() > 254) {
            return Err(FieldError::new(
                "certificate.created_by",
                "Who made the certificate is an email of at most 254 characters.",
            ));
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
                 nothing more is read from it. Renew it below before then: from the browser that holds its key, one \
                 click adds a new certificate to the app registration for you. Or replace it by hand: make a new one \
                 here, upload it in the Microsoft Entra admin center, and confirm.",
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

    /// Whether it has ended: Microsoft no longer takes it to sign in or to sign a proof.
    pub fn has_expired(&self, now_ms: i64) -> bool {
        matches!(self.expiry(now_ms), Expiry::Expired { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::BrowserName;

    #[test]
    fn a_browser_name_is_trimmed_and_of_one_to_a_hundred_characters() {
        assert_eq!(BrowserName::parse("  Chromium on Linux, 7 Dec ").unwrap().as_str(), "Chromium on Linux, 7 Dec");
        for bad in ["", "   ", &"x".repeat(101)] {
            let e = BrowserName::parse(bad).unwrap_err();
            assert_eq!(e.field, "key_held_by");
            assert!(e.message.starts_with("Name this browser in 1 to 100 characters"), "{}", e.message);
        }
        assert!(BrowserName::parse(&"é".repeat(100)).is_ok(), "characters, not bytes");
    }
}
