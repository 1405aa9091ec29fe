//! Accounts: who signs in, and to which organization they belong.

pub use crate::field_error::FieldError;
use crate::ids::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address: trimmed and lower-cased, so one address is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let s = input.trim().to_lowercase();
        let err = |m: String| Err(FieldError::new("email", m));
        if s.is_empty() {
            return err("Enter your email address.".into());
        }
        if s.chars().count() > Self::MAX_LEN {
            return err(format!("An email address has at most {} characters.", Self::MAX_LEN));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return err(format!("\"{}\" is not an email address: it needs an @, like name@example.com.", input.trim()));
        };
        if local.is_empty() || domain.is_empty() {
            return err("Enter the whole address, like name@example.com.".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return err("An email address cannot contain spaces.".into());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
            return err(format!("\"{domain}\" is not a valid email domain; check for typos, like name@example.com."));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password. Length is the rule that matters (NIST SP 800-63B): at least 12 characters,
/// no composition rules; an upper bound keeps hashing cheap to refuse. And, as 800-63B asks, no
/// password attackers try first: one of the commonest, a repeated or consecutive run ("aaaa…",
/// "abcabc…", "1234…", "qwerty…"), or one built from the person's own email address.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(input: &str) -> Result<NewPassword, FieldError> {
        Self::parse_for(input, "")
    }

    /// Also refuses a password made from `email` (its address or the part before the @).
    pub fn parse_for(input: &str, email: &str) -> Result<NewPassword, FieldError> {
        let n = input.chars().count();
        let err = |m: String| Err(FieldError::new("password", m));
        if n < Self::MIN_CHARS {
            return err(format!("Use at least {} characters for your password; this one has {n}.", Self::MIN_CHARS));
        }
        if n > Self::MAX_CHARS {
            return err(format!("Use at most {} characters for your password.", Self::MAX_CHARS));
        }
        if input.trim().is_empty() {
            return err("A password cannot be only spaces.".into());
        }
        const INSTEAD: &str = "Use a phrase of several unrelated words instead.";
        let lower = input.to_lowercase();
        if is_pattern(&lower) {
            return err(format!(
                "This password is a simple pattern (repeated or consecutive characters), which attackers try first. {INSTEAD}"
            ));
        }
        if is_common(&lower) {
            return err(format!("This is one of the most common passwords, which attackers try first. {INSTEAD}"));
        }
        if from_email(&lower, &email.trim().to_lowercase()) {
            return err(format!("This password is made from your email address, which attackers try first. {INSTEAD}"));
        }
        Ok(NewPassword(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A repetition of a shorter unit ("abcabcabcabc"), three or fewer distinct characters, or a run
/// along the alphabet, the digits or a keyboard row, either way ("3456789012", "poiuytrewq").
fn is_pattern(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    let repeated = (1..=chars.len() / 2).any(|unit| chars.iter().enumerate().all(|(i, c)| *c == chars[i % unit]));
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    const LINES: [&str; 5] = [
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "0123456789012345678901234567890123456789",
        "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
        "qazwsxedcrfvtgbyhnujmikolp",
    ];
    let along = |s: &str| LINES.iter().any(|l| l.contains(s) || l.chars().rev().collect::<String>().contains(s));
    repeated || distinct.len() <= 3 || along(p)
}

/// Words the commonest long passwords are made of.
const COMMON_WORDS: [&str; 40] = [
    "password",
    "passw",
    "pass",
    "iloveyou",
    "qwerty",
    "welcome",
    "letmein",
    "admin",
    "administrator",
    "changeme",
    "football",
    "baseball",
    "basketball",
    "soccer",
    "superman",
    "batman",
    "princess",
    "sunshine",
    "monkey",
    "dragon",
    "master",
    "shadow",
    "trustno",
    "secret",
    "login",
    "abc",
    "qwertz",
    "azerty",
    "asdf",
    "zxcv",
    "love",
    "hello",
    "freedom",
    "whatever",
    "starwars",
    "pokemon",
    "michael",
    "jordan",
    "xops",
    "default",
];
/// Whole passwords made of keyboard walks.
const COMMON_WHOLE: [&str; 8] = [
    "1q2w3e4r5t6y",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "1qazxsw23edc",
    "zaq1xsw2cde3",
    "1q2w3e4r5t6y7u",
    "qwer1234asdf",
    "1234qwerasdf",
];

/// The commonest passwords of 12 characters or more, as the breach corpora list them: a common
/// word (or two), perhaps in l33t spelling, padded with digits or symbols.
fn is_common(p: &str) -> bool {
    if COMMON_WHOLE.contains(&p) {
        return true;
    }
    // The letters, with l33t spelling undone; the rest must be only padding.
    let letters: String = p
        .chars()
        .filter_map(|c| match c {
            '@' | '4' => Some('a'),
            '3' => Some('e'),
            '0' => Some('o'),
            '$' | '5' => Some('s'),
            '1' | '!' => Some('i'),
            '7' => Some('t'),
            c if c.is_alphabetic() => Some(c),
            _ => None,
        })
        .collect();
    let plain: String = p.chars().filter(|c| c.is_alphabetic()).collect();
    let common = |s: &str| {
        !s.is_empty()
            && (COMMON_WORDS.contains(&s)
                || COMMON_WORDS.iter().any(|w| {
                    s.strip_prefix(w)
                        .is_some_and(|rest| rest.is_empty() || COMMON_WORDS.contains(&rest) || is_pattern_or_short(rest))
                })
                || is_pattern_or_short(s))
    };
    common(&plain) || common(&letters)
}

fn is_pattern_or_short(s: &str) -> bool {
    s.chars().count() <= 2 || (s.chars().count() >= 3 && is_pattern(s))
}

/// The password, with the email's address or local part taken out, leaves little of its own.
fn from_email(p: &str, email: &str) -> bool {
    let local = email.split('@').next().unwrap_or_default();
    let strip = |part: &str| {
        if part.chars().count() < 4 || !p.contains(part) {
            return false;
        }
        let rest: String = p.replace(part, "").chars().filter(|c| c.is_alphanumeric()).collect();
        rest.chars().count() < 6 || is_pattern(&rest)
    };
    strip(email) || strip(local)
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// An organization's display name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<OrganizationName, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::new("organization", "Enter your organization's name."));
        }
        let n = s.chars().count();
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                "organization",
                format!("An organization name has at most {} characters; this one has {n}.", Self::MAX_CHARS),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new("organization", "The organization name cannot contain control characters."));
        }
        Ok(OrganizationName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `POST /api/v1/auth/signup`: a new organization and its first user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    pub organization: String,
    pub email: String,
    pub password: String,
}

/// A sign-up request whose every field is valid.
#[derive(Debug, Clone)]
pub struct ValidSignup {
    pub organization: OrganizationName,
    pub email: Email,
    pub password: NewPassword,
}

impl SignupRequest {
    /// Checks every field, returning all problems (in form order) so the form can show each beside its field.
    pub fn validate(&self) -> Result<ValidSignup, Vec<FieldError>> {
        let organization = OrganizationName::parse(&self.organization);
        let email = Email::parse(&self.email);
        let password = NewPassword::parse_for(&self.password, &self.email);
        match (organization, email, password) {
            (Ok(organization), Ok(email), Ok(password)) => Ok(ValidSignup { organization, email, password }),
            (o, e, p) => Err([o.err(), e.err(), p.err()].into_iter().flatten().collect()),
        }
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `GET /api/v1/session`: who is signed in, if anyone. The app's probe at start: a signed-out
/// visitor is an ordinary answer (200, `me` null), not an error in the browser's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub me: Option<Me>,
}

/// `GET /api/v1/me` (and the answer to sign-up and sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: UserInfo,
    pub organization: OrganizationInfo,
    /// What they may do there. (A copy remembered before roles existed reads as a viewer until
    /// the store is asked again.)
    #[serde(default = "crate::role::Role::least")]
    pub role: crate::role::Role,
    /// Whether the organization has linked at least one account; until then, the app asks the
    /// person to pick a cloud to link first.
    pub has_connected_account: bool,
    /// The organization requires a passkey and this person has none yet: until they add one, the
    /// store answers nothing but the Security page's passkey calls (and the app shows only that).
    #[serde(default)]
    pub passkey_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: UserId,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInfo {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: OrganizationId,
    pub name: String,
}

/// The one message for a failed sign-in, whether the email is unknown or the password wrong,
/// so the answer does not tell an attacker which emails have accounts.
pub const INVALID_CREDENTIALS: &str = "That email and password do not match an account. Check both and try again.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        assert_eq!(Email::parse("a.b+tag@sub.example.co.uk").unwrap().as_str(), "a.b+tag@sub.example.co.uk");
    }

    #[test]
    fn bad_emails_say_why() {
        for (input, needle) in [
            ("", "Enter your email"),
            ("ada.example.com", "needs an @"),
            ("@example.com", "whole address"),
            ("ada@", "whole address"),
            ("ada@localhost", "not a valid email domain"),
            ("ada@exa..mple.com", "not a valid email domain"),
            ("a da@example.com", "spaces"),
        ] {
            let e = Email::parse(input).unwrap_err();
            assert_eq!(e.field, "email");
            assert!(e.message.contains(needle), "{input:?}: {}", e.message);
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn password_needs_twelve_characters_counted_as_characters() {
        let e = NewPassword::parse("short").unwrap_err();
        assert!(e.message.contains("at least 12") && e.message.contains("has 5"), "{}", e.message);
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse("ééééééééééé").is_err(), "11 characters in 22 bytes is still too short");
        assert!(NewPassword::parse("            ").unwrap_err().message.contains("only spaces"));
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse battery").unwrap()), "NewPassword(…)");
    }

    #[test]
    fn passwords_attackers_try_first_are_refused_with_the_reason() {
        for p in [
            "aaaaaaaaaaaa",
            "abababababab",
            "abcabcabcabc",
            "aaaaaaaaaaab",
            "123412341234",
            "abcdefghijkl",
            "123456789012",
            "987654321098",
            "qwertyuiopas",
            "lkjhgfdsapoi",
            "1qaz2wsx3edc",
            "passwordpassword",
        ] {
            let e = NewPassword::parse(p).map(|_| ()).expect_err(p);
            assert!(e.message.contains("simple pattern"), "{p}: {}", e.message);
        }
        for p in [
            "password1234",
            "Password123!",
            "P@ssw0rd2024",
            "iloveyou2024",
            "qwerty123456",
            "1q2w3e4r5t6y",
            "Welcome12345",
            "letmein!!!!!",
            "Xops12345678",
            "superman1990",
            "adminadmin12",
            "football2024!",
        ] {
            let e = NewPassword::parse(p).map(|_| ()).expect_err(p);
            assert!(e.message.contains("most common passwords"), "{p}: {}", e.message);
        }
        let e = NewPassword::parse_for("ada.lovelace2024", "Ada.Lovelace@contoso.com").unwrap_err();
        assert!(e.message.contains("email address"), "{}", e.message);
        let e = SignupRequest {
            organization: "C".into(),
            email: "ada.lovelace@contoso.com".into(),
            password: "ada.lovelace@contoso.com".into(),
        }
        .validate()
        .unwrap_err();
        assert!(e[0].message.contains("email address"), "{}", e[0].message);
        for p in ["correct horse battery staple", "twelve chars", "ada lovelace wrote the first program", "Kq8#vT2m!pZ4"] {
            if let Err(e) = NewPassword::parse_for(p, "ada.lovelace@contoso.com") {
                panic!("{p}: {}", e.message);
            }
        }
    }

    #[test]
    fn organization_name_is_trimmed_and_bounded() {
        assert_eq!(OrganizationName::parse("  Contoso Ltd ").unwrap().as_str(), "Contoso Ltd");
        assert!(OrganizationName::parse("   ").unwrap_err().message.contains("Enter"));
        assert!(OrganizationName::parse(&"x".repeat(101)).unwrap_err().message.contains("at most 100"));
    }

    #[test]
    fn signup_reports_every_bad_field_in_form_order() {
        let req = SignupRequest { organization: "".into(), email: "nope".into(), password: "short".into() };
        let errs = req.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_ref()).collect();
        assert_eq!(fields, ["organization", "email", "password"]);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let e = serde_json::from_str::<LoginRequest>(r#"{"email":"a@b.co","password":"x","admin":true}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field"));
    }
}
