//! The activity log: who changed which account or membership, when, and from where. The store
//! writes an entry in the same transaction as the change; nothing changes or deletes one (they
//! leave only when older than the store's retention). An entry names things, never secrets: no
//! certificate body, no key, no token, no assertion.

use crate::certificate::CertificateInfo;
use crate::ids::{RecordId, UserId};
use crate::integration::Integration;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActivityKind {
    AccountLinked,
    AccountRenamed,
    AccountDisconnected,
    /// The account's certificate changed (renewed, or replaced by hand).
    CertificateReplaced,
    /// A certificate was added to the app registration through Microsoft Graph (addKey).
    CertificateAdded,
    /// A certificate was taken off the app registration through Microsoft Graph (removeKey).
    CertificateRemoved,
    /// Another browser asked to hold a key for the account.
    BrowserRequested,
    /// Another browser's certificate was taken into use.
    BrowserApproved,
    /// A browser's certificate (or its request) was taken off the account.
    BrowserRemoved,
    ConnectionTested,
    /// A check nobody asked for (the store's schedule, or the app in the background) found the
    /// account's status changed: the detail says from what to what.
    StatusChanged,
    /// Any other change to the account's record.
    AccountChanged,
    MemberInvited,
    InvitationRevoked,
    MemberJoined,
    RoleChanged,
    MemberRemoved,
    /// An owner or admin (or the operator) made a one-time password reset link for a member.
    ResetLinkCreated,
    /// A person set a new password with a reset link (every other session of theirs ended).
    PasswordReset,
    /// A person signed out one or more of their other sessions from the Security page.
    SessionsEnded,
    /// A person added a passkey (its name in the detail).
    PasskeyAdded,
    /// A person removed one of their passkeys.
    PasskeyRemoved,
    /// An owner turned "every member needs a passkey" on or off.
    PasskeyPolicyChanged,
    /// An owner or admin changed how far ahead an account's tickets are signed.
    TicketPolicyChanged,
    /// A service (a scanner) took an account's ticket for the current window.
    TicketUsed,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 25] = [
        ActivityKind::AccountLinked,
        ActivityKind::AccountRenamed,
        ActivityKind::AccountDisconnected,
        ActivityKind::CertificateReplaced,
        ActivityKind::CertificateAdded,
        ActivityKind::CertificateRemoved,
        ActivityKind::BrowserRequested,
        ActivityKind::BrowserApproved,
        ActivityKind::BrowserRemoved,
        ActivityKind::ConnectionTested,
        ActivityKind::StatusChanged,
        ActivityKind::AccountChanged,
        ActivityKind::MemberInvited,
        ActivityKind::InvitationRevoked,
        ActivityKind::MemberJoined,
        ActivityKind::RoleChanged,
        ActivityKind::MemberRemoved,
        ActivityKind::ResetLinkCreated,
        ActivityKind::PasswordReset,
        ActivityKind::SessionsEnded,
        ActivityKind::PasskeyAdded,
        ActivityKind::PasskeyRemoved,
        ActivityKind::PasskeyPolicyChanged,
        ActivityKind::TicketPolicyChanged,
        ActivityKind::TicketUsed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::AccountLinked => "account_linked",
            ActivityKind::AccountRenamed => "account_renamed",
            ActivityKind::AccountDisconnected => "account_disconnected",
            ActivityKind::CertificateReplaced => "certificate_replaced",
            ActivityKind::CertificateAdded => "certificate_added",
            ActivityKind::CertificateRemoved => "certificate_removed",
            ActivityKind::BrowserRequested => "browser_requested",
            ActivityKind::BrowserApproved => "browser_approved",
            ActivityKind::BrowserRemoved => "browser_removed",
            ActivityKind::ConnectionTested => "connection_tested",
            ActivityKind::StatusChanged => "status_changed",
            ActivityKind::AccountChanged => "account_changed",
            ActivityKind::MemberInvited => "member_invited",
            ActivityKind::InvitationRevoked => "invitation_revoked",
            ActivityKind::MemberJoined => "member_joined",
            ActivityKind::RoleChanged => "role_changed",
            ActivityKind::MemberRemoved => "member_removed",
            ActivityKind::ResetLinkCreated => "reset_link_created",
            ActivityKind::PasswordReset => "password_reset",
            ActivityKind::SessionsEnded => "sessions_ended",
            ActivityKind::PasskeyAdded => "passkey_added",
            ActivityKind::PasskeyRemoved => "passkey_removed",
            ActivityKind::PasskeyPolicyChanged => "passkey_policy_changed",
            ActivityKind::TicketPolicyChanged => "ticket_policy_changed",
            ActivityKind::TicketUsed => "ticket_used",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the person did, as the Activity page says it after their email.
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::AccountLinked => "linked an account",
            ActivityKind::AccountRenamed => "renamed an account",
            ActivityKind::AccountDisconnected => "disconnected an account",
            ActivityKind::CertificateReplaced => "replaced a certificate",
            ActivityKind::CertificateAdded => "added a certificate on Microsoft",
            ActivityKind::CertificateRemoved => "removed a certificate on Microsoft",
            ActivityKind::BrowserRequested => "asked for a browser to hold a key",
            ActivityKind::BrowserApproved => "approved a browser",
            ActivityKind::BrowserRemoved => "removed a browser",
            ActivityKind::ConnectionTested => "tested a connection",
            ActivityKind::StatusChanged => "found a status change in an automatic check",
            ActivityKind::AccountChanged => "changed an account",
            ActivityKind::MemberInvited => "invited a member",
            ActivityKind::InvitationRevoked => "revoked an invitation",
            ActivityKind::MemberJoined => "joined the organization",
            ActivityKind::RoleChanged => "changed a role",
            ActivityKind::MemberRemoved => "removed a member",
            ActivityKind::ResetLinkCreated => "made a password reset link",
            ActivityKind::PasswordReset => "set a new password with a reset link",
            ActivityKind::SessionsEnded => "signed out other sessions",
            ActivityKind::PasskeyAdded => "added a passkey",
            ActivityKind::PasskeyRemoved => "removed a passkey",
            ActivityKind::PasskeyPolicyChanged => "changed whether members need a passkey",
            ActivityKind::TicketPolicyChanged => "changed how far ahead Xops may use an account",
            ActivityKind::TicketUsed => "used a ticket for",
        }
    }

    /// The filter's name for the kind ("Account linked").
    pub fn title(self) -> &'static str {
        match self {
            ActivityKind::AccountLinked => "Account linked",
            ActivityKind::AccountRenamed => "Account renamed",
            ActivityKind::AccountDisconnected => "Account disconnected",
            ActivityKind::CertificateReplaced => "Certificate replaced",
            ActivityKind::CertificateAdded => "Certificate added on Microsoft",
            ActivityKind::CertificateRemoved => "Certificate removed on Microsoft",
            ActivityKind::BrowserRequested => "Browser requested",
            ActivityKind::BrowserApproved => "Browser approved",
            ActivityKind::BrowserRemoved => "Browser removed",
            ActivityKind::ConnectionTested => "Connection tested",
            ActivityKind::StatusChanged => "Status changed (automatic check)",
            ActivityKind::AccountChanged => "Account changed",
            ActivityKind::MemberInvited => "Member invited",
            ActivityKind::InvitationRevoked => "Invitation revoked",
            ActivityKind::MemberJoined => "Member joined",
            ActivityKind::RoleChanged => "Role changed",
            ActivityKind::MemberRemoved => "Member removed",
            ActivityKind::ResetLinkCreated => "Reset link made",
            ActivityKind::PasswordReset => "Password reset",
            ActivityKind::SessionsEnded => "Sessions signed out",
            ActivityKind::PasskeyAdded => "Passkey added",
            ActivityKind::PasskeyRemoved => "Passkey removed",
            ActivityKind::PasskeyPolicyChanged => "Passkey requirement changed",
            ActivityKind::TicketPolicyChanged => "Ticket policy changed",
            ActivityKind::TicketUsed => "Ticket used",
        }
    }

    /// What a change to an account's record was, from its body before and after (`None`: it did
    /// not exist, or was deleted), with a short detail to show beside it. Bodies that do not read
    /// as accounts count as a change.
    pub fn of_account_change(before: Option<&Integration>, after: Option<&Integration>) -> (ActivityKind, Option<String>) {
        let (b, a) = match (before, after) {
            (None, Some(a)) => return (ActivityKind::AccountLinked, Some(a.details.provider().label().to_string())),
            (Some(_), None) => return (ActivityKind::AccountDisconnected, None),
            (Some(b), Some(a)) => (b, a),
            (None, None) => return (ActivityKind::AccountChanged, None),
        };
        if b.name != a.name {
            return (ActivityKind::AccountRenamed, Some(format!("{} → {}", b.name.as_str(), a.name.as_str())));
        }
        let thumbprint = |i: &Integration| i.certificate.as_ref().map(|c| c.sha1_thumbprint.to_string());
        if thumbprint(b) != thumbprint(a) {
            return (ActivityKind::CertificateReplaced, thumbprint(a).map(|t| format!("now {t}")));
        }
        if a.browser_requests.len() > b.browser_requests.len() {
            let named = a.browser_requests.last().map(|c| c.key_held_by.clone());
            return (ActivityKind::BrowserRequested, named);
        }
        if a.other_certificates.len() > b.other_certificates.len() {
            return (ActivityKind::BrowserApproved, a.other_certificates.last().map(|c| c.key_held_by.clone()));
        }
        // A certificate in `from` that `to` does not list (by thumbprint).
        fn missing<'a>(from: &'a [CertificateInfo], to: &[CertificateInfo]) -> Option<&'a CertificateInfo> {
            from.iter().find(|c| !to.iter().any(|x| x.sha1_thumbprint == c.sha1_thumbprint))
        }
        let (others_before, others_after) = (&b.other_certificates, &a.other_certificates);
        // A browser renewed its own certificate: as many browsers, one with a new certificate.
        if others_before.len() == others_after.len() {
            if let Some(new) = missing(others_after, others_before) {
                return (ActivityKind::CertificateReplaced, Some(format!("{}: now {}", new.key_held_by, new.sha1_thumbprint)));
            }
        }
        // A browser in use, or a request, that the account no longer lists.
        if let Some(gone) = missing(others_before, others_after).or_else(|| missing(&b.browser_requests, &a.browser_requests)) {
            return (ActivityKind::BrowserRemoved, Some(gone.key_held_by.clone()));
        }
        if b.ticket_policy != a.ticket_policy {
            return (
                ActivityKind::TicketPolicyChanged,
                Some(format!("{} → {}", b.ticket_policy.label(), a.ticket_policy.label())),
            );
        }
        // (A test's result is not a person's change: the store writes it, with its own entry.)
        (ActivityKind::AccountChanged, None)
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// Its place in the organization's log (larger is newer).
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// Who did it (absent when the store did it for nobody in particular).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub actor: Option<UserId>,
    /// Their email then (kept after they leave).
    pub actor_email: String,
    pub kind: ActivityKind,
    /// The account it was about, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub account: Option<RecordId>,
    /// The account's name then.
    pub account_name: Option<String>,
    /// A short note: the new name, a member's email and role, a test's result.
    pub detail: Option<String>,
    /// The address the request came from.
    pub address: String,
}

/// `GET /api/v1/activity`: newest first; `next_before` asks for the page after this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    pub next_before: Option<i64>,
}

/// Which entries `GET /api/v1/activity` lists; every filter is optional. The app builds its query
/// from one, and the store reads the query into one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ActivityFilter {
    pub account: Option<RecordId>,
    pub person: Option<UserId>,
    pub kind: Option<ActivityKind>,
    /// Only entries older than this `seq` (the previous page's `next_before`).
    pub before: Option<i64>,
}

impl ActivityFilter {
    /// The filters as a query string (`account=…&kind=…`; empty when there are none). Ids and
    /// kind names are URL-safe as they are.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = &self.account {
            parts.push(format!("account={}", a.as_str()));
        }
        if let Some(p) = &self.person {
            parts.push(format!("person={}", p.as_str()));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind={}", k.as_str()));
        }
        if let Some(b) = self.before {
            parts.push(format!("before={b}"));
        }
        parts.join("&")
    }

    /// The store's path (under `/api/v1`) for these entries, `limit` at a time.
    pub fn path(&self, limit: u32) -> String {
        match self.query() {
            q if q.is_empty() => format!("/activity?limit={limit}"),
            q => format!("/activity?limit={limit}&{q}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser(thumbprint: char, label: &str) -> serde_json::Value {
        serde_json::json!({
            "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "sha1_thumbprint": thumbprint.to_string().repeat(40),
            "sha256_thumbprint": "B".repeat(64), "not_before": 1, "not_after": 2, "key_held_by": label
        })
    }

    fn account(others: Vec<serde_json::Value>, requests: Vec<serde_json::Value>) -> Integration {
        let mut v = crate::integration::tests::m365_json();
        v["other_certificates"] = others.into();
        v["browser_requests"] = requests.into();
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_browser_added_approved_or_removed_is_said_with_its_name() {
        let ada = || browser('A', "Firefox on Ada's laptop");
        let linus = || browser('C', "Edge on Linus's desktop");
        let asked = account(vec![ada()], vec![linus()]);
        let both = account(vec![ada(), linus()], vec![]);
        let kind = |b: &Integration, a: &Integration| ActivityKind::of_account_change(Some(b), Some(a));
        let named = |k: ActivityKind, label: &str| (k, Some(label.to_string()));
        assert_eq!(kind(&account(vec![ada()], vec![]), &asked), named(ActivityKind::BrowserRequested, "Edge on Linus's desktop"));
        assert_eq!(kind(&asked, &both), named(ActivityKind::BrowserApproved, "Edge on Linus's desktop"));
        assert_eq!(kind(&both, &account(vec![linus()], vec![])), named(ActivityKind::BrowserRemoved, "Firefox on Ada's laptop"));
        // A browser's own certificate renewed: the same browser, a new thumbprint.
        let renewed = account(vec![browser('D', "Firefox on Ada's laptop"), linus()], vec![]);
        assert_eq!(
            kind(&both, &renewed),
            (ActivityKind::CertificateReplaced, Some(format!("Firefox on Ada's laptop: now {}", "D".repeat(40))))
        );
        // A request declined is a removal too.
        assert_eq!(kind(&asked, &account(vec![ada()], vec![])), named(ActivityKind::BrowserRemoved, "Edge on Linus's desktop"));
    }

    #[test]
    fn a_filter_is_its_query() {
        assert_eq!(ActivityFilter::default().path(50), "/activity?limit=50");
        assert_eq!(ActivityFilter { kind: Some(ActivityKind::MemberJoined), ..Default::default() }.query(), "kind=member_joined");
        let account = RecordId::parse("0a1b2c3d-0000-4000-8000-000000000001").unwrap();
        let person = UserId::parse("0a1b2c3d-0000-4000-8000-000000000002").unwrap();
        let all = ActivityFilter {
            account: Some(account),
            person: Some(person),
            kind: Some(ActivityKind::RoleChanged),
            before: Some(42),
        };
        assert_eq!(
            all.path(10),
            "/activity?limit=10&account=0a1b2c3d-0000-4000-8000-000000000001&person=0a1b2c3d-0000-4000-8000-000000000002&kind=role_changed&before=42"
        );
    }

    #[test]
    fn kinds_read_and_write_as_their_names() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
    }
}
