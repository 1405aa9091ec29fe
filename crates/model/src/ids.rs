//! Identifiers: GUIDs (tenant, application, subscription, record ids), domains, account names.
//! Each has one `parse` that the form and the store both call.

use crate::field_error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A GUID in canonical form: lower-case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(String);

impl Guid {
    /// What one looks like (a made-up one: a row of zeros shows the groups but not the letters).
    pub const EXAMPLE: &'static str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    /// Accepts either case, surrounding spaces, and `{braces}` as Windows tools show them.
    /// `label` names the field in the message ("Tenant ID").
    pub fn parse(field: &'static str, label: &str, input: &str) -> Result<Guid, FieldError> {
        let s = input.trim();
        let s = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(s);
        if s.is_empty() {
            return Err(FieldError::new(field, format!("Enter the {label}. It looks like {}.", Self::EXAMPLE)));
        }
        // Groups of 8-4-4-4-12: hyphens at these places and nowhere else. (Byte by byte: every
        // account read from the device parses several, so this is on the app's start path.)
        let shape_ok = s.len() == 36 && s.bytes().enumerate().all(|(i, b)| matches!(i, 8 | 13 | 18 | 23) == (b == b'-'));
        if !shape_ok {
            let n = s.chars().count();
            return Err(FieldError::new(
                field,
                format!(
                    "{label} must be a GUID, shaped like {}: five groups of the digits 0-9 and letters a-f, joined by hyphens; you entered {n} character{}.",
                    Self::EXAMPLE,
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
        if s.bytes().any(|b| b != b'-' && !b.is_ascii_hexdigit()) {
            let bad = s.chars().find(|c| *c != '-' && !c.is_ascii_hexdigit()).unwrap_or('?');
            return Err(FieldError::new(
                field,
                format!("{label} can contain only the digits 0-9 and the letters a-f; \"{bad}\" is not one of them."),
            ));
        }
        Ok(Guid(s.to_ascii_lowercase()))
    }

    /// A random (version 4) UUID from 16 random bytes; the caller brings the randomness (the
    /// operating system's in the store, Web Crypto's in the browser).
    pub fn from_random(mut b: [u8; 16]) -> Guid {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut s = String::with_capacity(36);
        for (i, x) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            s.push(char::from(HEX[usize::from(x >> 4)]));
            s.push(char::from(HEX[usize::from(x & 0x0f)]));
        }
        Guid(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serde for a string newtype through its `parse` (from a string) and `as_str` (to one), so a
/// value that does not parse never gets in, whether typed into a form or sent to the store.
#[macro_export]
macro_rules! serde_via_parse {
    ($($t:ty),* $(,)?) => {$(
        impl TryFrom<String> for $t {
            type Error = $crate::field_error::FieldError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$t>::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.as_str().to_string()
            }
        }
    )*};
}

serde_via_parse!(OrganizationDomain, AccountName);

/// Declares a GUID newtype with its field name and label, (de)serialised through `parse`.
macro_rules! guid_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Guid);

        impl $name {
            pub const FIELD: &'static str = $field;
            pub const LABEL: &'static str = $label;

            pub fn parse(input: &str) -> Result<Self, FieldError> {
                Guid::parse($field, $label, input).map($name)
            }

            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> {
                Self::parse(s)
            }
        }

        impl From<Guid> for $name {
            fn from(g: Guid) -> Self {
                $name(g)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0 .0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

guid_type!(
    /// The Microsoft Entra directory (tenant) ID.
    TenantId, "tenant_id", "Tenant ID"
);
guid_type!(
    /// The application (client) ID of an app registration.
    ApplicationId, "application_id", "Application ID"
);
guid_type!(
    /// An Azure subscription ID.
    SubscriptionId, "subscription_id", "Subscription ID"
);
guid_type!(
    /// A record's id, made by the client (a UUID) so a change can be created offline.
    RecordId, "id", "Record ID"
);
guid_type!(
    /// An app registration's object ID (beside its application ID on the portal's Overview page):
    /// the issuer of a proof of possession for Graph's addKey and removeKey.
    ApplicationObjectId, "application_object_id", "Object ID"
);
impl ApplicationObjectId {
    /// `parse`, for the app registration whose Application ID is `application`: that id, the one
    /// most often pasted here by mistake (it is on the line above), is refused with where to look.
    pub fn parse_for(input: &str, application: &ApplicationId) -> Result<Self, FieldError> {
        let parsed = Self::parse(input)?;
        if parsed.as_str() == application.as_str() {
            return Err(FieldError::new(
                Self::FIELD,
                "This is the Application ID. The Object ID is another id: in the app's Overview, the line below Application (client) ID.",
            ));
        }
        Ok(parsed)
    }
}

guid_type!(
    /// Entra's id for one certificate of an app registration (the portal's "Certificate ID").
    KeyId, "key_id", "Certificate ID"
);
guid_type!(
    /// A person's id, made by the store when they sign up or are added.
    UserId, "user_id", "User ID"
);
guid_type!(
    /// An invitation's id (not its token: the id names it in lists and to revoke it).
    InvitationId, "invitation_id", "Invitation ID"
);
guid_type!(
    /// A passkey's id (the store's name for it; the credential's own id stays in the store).
    PasskeyId, "passkey_id", "Passkey ID"
);
guid_type!(
    /// A session's id (not its token: the id names it on the Security page and to end it).
    SessionId, "session_id", "Session ID"
);
guid_type!(
    /// An organization's id, made by the store when it is created.
    OrganizationId, "organization_id", "Organization ID"
);

/// A tenant's domain, such as `contoso.onmicrosoft.com` (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrganizationDomain(String);

impl OrganizationDomain {
    pub const FIELD: &'static str = "organization";

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: String| Err(FieldError::new(Self::FIELD, m));
        let s = input.trim().trim_end_matches('.').to_ascii_lowercase();
        if s.is_empty() {
            return err("Enter the organization's domain, like contoso.onmicrosoft.com.".into());
        }
        if s.contains("://") || s.contains('/') || s.contains('@') {
            return err(format!(
                "Enter only the domain, like contoso.onmicrosoft.com, without https://, a path or an email name; you entered \"{}\".",
                input.trim()
            ));
        }
        if s.len() > 253 {
            return err("A domain has at most 253 characters.".into());
        }
        if !s.contains('.') {
            return err(format!("\"{s}\" is not a full domain; it needs a dot, like contoso.onmicrosoft.com."));
        }
        for label in s.split('.') {
            let valid_chars = label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if label.is_empty() || label.len() > 63 || !valid_chars || label.starts_with('-') || label.ends_with('-') {
                return err(format!(
                    "\"{s}\" is not a valid domain: each part between dots needs 1 to 63 letters, digits or inner hyphens."
                ));
            }
        }
        let tld = s.rsplit('.').next().unwrap_or_default();
        if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
            return err(format!("\"{s}\" does not end in a valid top-level domain such as .com."));
        }
        Ok(OrganizationDomain(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name a person gives a linked account: trimmed, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    pub const FIELD: &'static str = "name";
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::new(Self::FIELD, "Enter a name for this account, so you can tell it apart from others."));
        }
        let n = s.chars().count();
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                Self::FIELD,
                format!("Use at most {} characters for the name; this one has {n}.", Self::MAX_CHARS),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(Self::FIELD, "The name cannot contain control characters."));
        }
        Ok(AccountName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_guid_is_a_version_4_uuid_that_parses_back() {
        let g = Guid::from_random([0xff; 16]);
        assert_eq!(g.as_str(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(Guid::from_random([0; 16]).as_str(), "00000000-0000-4000-8000-000000000000");
        let id = UserId::from(Guid::from_random(*b"0123456789abcdef"));
        assert_eq!(UserId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(id.as_str().parse::<UserId>(), Ok(id));
    }

    #[test]
    fn ids_of_different_kinds_name_their_field() {
        let e = OrganizationId::parse("org-1").unwrap_err();
        assert_eq!(e.field, "organization_id");
        assert!(e.message.starts_with("Organization ID must be a GUID"), "{}", e.message);
        assert!(serde_json::from_str::<RecordId>("\"not-a-uuid\"").is_err(), "a record id that is no UUID is refused");
    }

    #[test]
    fn the_application_id_is_not_taken_for_the_object_id() {
        let app = ApplicationId::parse("22222222-3333-4444-8555-666666666666").unwrap();
        let e = ApplicationObjectId::parse_for("22222222-3333-4444-8555-666666666666", &app).unwrap_err();
        assert_eq!(e.field, "application_object_id");
        assert!(e.message.starts_with("This is the Application ID."), "{}", e.message);
        let other = ApplicationObjectId::parse_for(" {0BAD0BAD-0000-4000-8000-000000000000} ", &app).unwrap();
        assert_eq!(other.as_str(), "0bad0bad-0000-4000-8000-000000000000");
        assert!(ApplicationObjectId::parse_for("not-an-id", &app).unwrap_err().message.contains("must be a GUID"));
    }

    #[test]
    fn guids_are_normalised() {
        let t = TenantId::parse("  {72F988BF-86F1-41AF-91AB-2D7CD011DB47} ").unwrap();
        assert_eq!(t.as_str(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"72f988bf-86f1-41af-91ab-2d7cd011db47\"");
    }

    #[test]
    fn bad_guids_say_what_is_wrong() {
        let e = TenantId::parse("72f988bf").unwrap_err();
        assert_eq!(e.field, "tenant_id");
        assert!(
            e.message.starts_with("Tenant ID must be a GUID, shaped like 3f2504e0-4f89-41d3-9a0c-0305e82c3301: five groups"),
            "{}",
            e.message
        );
        assert!(e.message.contains("you entered 8 characters"), "{}", e.message);
        let e = ApplicationId::parse("72f988bf-86f1-41af-91ab-2d7cd011db4g").unwrap_err();
        assert!(e.message.contains("\"g\""), "{}", e.message);
        assert!(ApplicationId::parse("").unwrap_err().message.starts_with("Enter the Application ID"));
        assert!(TenantId::parse("72f988bf86f141af91ab2d7cd011db47").is_err(), "hyphens are required");
    }

    #[test]
    fn guid_deserialisation_goes_through_parse() {
        let e = serde_json::from_str::<TenantId>("\"nope\"").unwrap_err();
        assert!(e.to_string().contains("Tenant ID must be a GUID"), "{e}");
    }

    #[test]
    fn domains() {
        assert_eq!(OrganizationDomain::parse(" Contoso.OnMicrosoft.com. ").unwrap().as_str(), "contoso.onmicrosoft.com");
        assert_eq!(OrganizationDomain::parse("xn--bcher-kva.example").unwrap().as_str(), "xn--bcher-kva.example");
        for (input, needle) in [
            ("", "Enter the organization's domain"),
            ("https://contoso.onmicrosoft.com", "without https://"),
            ("admin@contoso.com", "without https://"),
            ("contoso", "needs a dot"),
            ("contoso..com", "each part"),
            ("-contoso.com", "each part"),
            ("contoso.c0m", "top-level domain"),
            ("contoso_ltd.com", "each part"),
        ] {
            let e = OrganizationDomain::parse(input).unwrap_err();
            assert!(e.message.contains(needle), "{input:?}: {}", e.message);
        }
    }

    #[test]
    fn account_names() {
        assert_eq!(AccountName::parse("  Contoso production ").unwrap().as_str(), "Contoso production");
        assert!(AccountName::parse(" ").unwrap_err().message.starts_with("Enter a name"));
        assert!(AccountName::parse(&"é".repeat(64)).is_ok(), "64 characters, counted as characters");
        assert!(AccountName::parse(&"é".repeat(65)).unwrap_err().message.contains("has 65"));
    }
}
