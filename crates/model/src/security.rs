//! A person's own sign-in: the sessions they can see and end, and the one-time links that set a
//! new password (made by an owner or admin, or by the operator). The store keeps every token only
//! as a hash; a link carries its token in the fragment, which no server sees.

use crate::field_error::FieldError;
use crate::ids::{PasskeyId, SessionId};
use serde::{Deserialize, Serialize};

/// One place where the person is signed in, as the Security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedInSession {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: SessionId,
    /// The browser and system, as a person recognises them ("Chrome on Windows"; see
    /// [`browser_label`]).
    pub browser: String,
    /// The client's address when the session was last seen.
    pub address: String,
    /// Milliseconds since the Unix epoch.
    pub signed_in_at: i64,
    pub last_seen_at: i64,
    /// The session of the browser that asked.
    pub this_browser: bool,
}

/// `GET /api/v1/sessions`: the person's own live sessions, this browser's first, then the most
/// recently seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SignedInSession>,
}

/// The answer to `POST /api/v1/sessions/end-others`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub ended: u64,
}

/// The answer to `POST /api/v1/members/{id}/reset-link`: the token is shown once (the store keeps
/// only its hash); the link is [`reset_link`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetLinkCreated {
    /// Whose password the link sets.
    pub email: String,
    pub token: String,
    /// Milliseconds since the Unix epoch; the link works once, until then.
    pub expires_at: i64,
}

/// `POST /api/v1/auth/reset-link`: what a reset link is for, before it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetToken {
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPreview {
    pub email: String,
    pub organization: String,
    pub expires_at: i64,
}

/// `POST /api/v1/auth/reset`: sets a new password with a reset link's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetRequest {
    pub token: String,
    pub password: String,
}

/// Where a reset link leads: the token rides in the fragment, as an invitation's does.
pub fn reset_link(origin: &str, token: &str) -> String {
    format!("{}/reset#{token}", origin.trim_end_matches('/'))
}

/// How long a reset link works.
pub const RESET_LINK_LIFETIME_MS: i64 = 60 * 60 * 1000;

/// One of the person's passkeys, as the Security page lists it (never its key: the store keeps
/// only the public half, and only the store reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Passkey {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: PasskeyId,
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// `GET /api/v1/passkeys`: the person's passkeys, oldest first, and whether their organization
/// requires one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    pub passkeys: Vec<Passkey>,
    pub required: bool,
}

/// A ceremony's options for the browser: `PublicKeyCredentialCreationOptionsJSON` (adding a
/// passkey) or `PublicKeyCredentialRequestOptionsJSON` (signing in), as WebAuthn defines them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyOptions {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// `POST /api/v1/passkeys`: the name the person gave, and what the browser answered
/// (`PublicKeyCredential.toJSON()` of the new credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyAdd {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// `POST /api/v1/auth/passkey`: what the browser answered (`PublicKeyCredential.toJSON()` of the
/// assertion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySignIn {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// `PUT /api/v1/organization/passkeys`: whether every member must have a passkey (owners only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyPolicy {
    pub required: bool,
}

/// A passkey's name, as the person gave it: 1 to 60 characters once trimmed.
pub fn passkey_name(input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    match name.chars().count() {
        0 => Err(FieldError::new("name", "Give the passkey a name you will recognise, such as \"Work laptop\".")),
        1..=60 => Ok(name.to_string()),
        n => Err(FieldError::new("name", format!("A passkey's name can be at most 60 characters; this one has {n}."))),
    }
}

/// A label for a browser that a person recognises ("Chrome on Windows"), from its user agent.
/// The app names the browser that makes a key with it; the store names sessions with it.
pub fn browser_label(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chromium/") || ua.contains("HeadlessChrome") {
        "Chromium"
    } else if ua.contains("Chrome/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "A browser"
    };
    let os = if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Mac OS X") {
        "macOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "this device"
    };
    format!("{browser} on {os}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_links_carry_the_token_in_the_fragment() {
        assert_eq!(reset_link("https://xops.example/", "abc"), "https://xops.example/reset#abc");
    }

    #[test]
    fn passkey_names_are_trimmed_and_bounded() {
        assert_eq!(passkey_name("  Work laptop ").unwrap(), "Work laptop");
        assert!(passkey_name("   ").unwrap_err().message.contains("Give the passkey a name"));
        assert!(passkey_name(&"x".repeat(61)).unwrap_err().message.contains("this one has 61"));
    }

    #[test]
    fn browsers_are_named_as_people_know_them() {
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(browser_label(edge), "Edge on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_label(safari), "Safari on iOS");
        let headless =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(browser_label(headless), "Chromium on Linux");
        assert_eq!(browser_label("curl/8.0"), "A browser on this device");
    }
}
