//! Testing a connection. For Microsoft 365 and Azure the browser signs client assertions with its
//! key and the store relays them to Microsoft (Entra, then Graph or Azure Resource Manager); for
//! AWS the store assumes the account's role through STS itself. Either way the store answers with
//! a checklist, and it keeps the answer on the integration record (`last_test`) itself: a result
//! is earned from a test the store ran, never taken from a client's word.

use crate::field_error::FieldError;
use serde::{Deserialize, Serialize};

/// The Microsoft Graph scope the first assertion is exchanged for.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// What a person can do when a service did not answer: nothing about their setup.
pub const UNANSWERED_FIX: &str = "Try again in a few minutes. If it keeps happening, tell the people who run Xops for you.";
/// The Azure Resource Manager scope an Azure account's assertion is exchanged for.
pub const AZURE_SCOPE: &str = "https://management.azure.com/.default";
/// The Exchange Online scope: its token's `roles` claim says whether Exchange.ManageAsApp is granted.
pub const EXCHANGE_SCOPE: &str = "https://outlook.office365.com/.default";
pub const EXCHANGE_ROLE: &str = "Exchange.ManageAsApp";

/// `POST /api/v1/integrations/{id}/verify`. Microsoft 365 and Azure accounts send client
/// assertions their browser signed, one per token asked for (an assertion is good for one use:
/// Entra refuses a `jti` it has seen); AWS accounts send nothing (the store signs its own calls).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    /// For Microsoft Graph (Microsoft 365) or Azure Resource Manager (Azure).
    #[serde(default, alias = "graph_assertion")]
    pub assertion: Option<String>,
    /// For Exchange Online (Microsoft 365 accounts); omitted otherwise.
    #[serde(default)]
    pub exchange_assertion: Option<String>,
    /// A check the app started by itself (in the background), not one a person asked for: the
    /// activity log then records only a change of status.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automatic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CheckId {
    /// Entra issued a token for the app's certificate.
    Credentials,
    /// Graph answered with the tenant's organization, and it owns Organization Name.
    Organization,
    /// An administrator granted the app's application permissions (its Exchange Online token
    /// carries roles): Microsoft 365.
    AdminConsent,
    /// The app holds the Exchange.ManageAsApp application role.
    ExchangeManageAsApp,
    /// Azure: the subscription exists, the app can see it, and it is enabled.
    Subscription,
    /// Azure: the management group exists and the app can see it.
    ManagementGroup,
    /// Azure: the app's effective permissions on its scope include reading everything.
    ReadAccess,
    /// AWS: Xops assumed the account's role with its External ID.
    RoleAssumed,
    /// AWS: the role's temporary credentials belong to the account the ARN names.
    AccountMatches,
}

impl CheckId {
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Credentials => "Credentials accepted",
            CheckId::Organization => "Organization matches",
            CheckId::AdminConsent => "Admin consent granted",
            CheckId::ExchangeManageAsApp => "Exchange.ManageAsApp granted",
            CheckId::Subscription => "Subscription enabled",
            CheckId::ManagementGroup => "Management group found",
            CheckId::ReadAccess => "Read access granted",
            CheckId::RoleAssumed => "Role assumed",
            CheckId::AccountMatches => "Account matches",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    pub id: CheckId,
    pub ok: bool,
    /// What was found, in a sentence.
    pub detail: String,
    /// What to do about it, when it failed.
    #[serde(default)]
    pub fix: Option<String>,
    /// Not checked, because an earlier check failed (`ok` is false; `detail` says which).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    /// The service did not answer, or Xops's own access to it failed (`ok` is false): this says
    /// nothing about the account, so the test is inconclusive and its result is not kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unanswered: bool,
}

impl Check {
    pub fn passed(id: CheckId, detail: impl Into<String>) -> Check {
        Check { id, ok: true, detail: detail.into(), fix: None, skipped: false, unanswered: false }
    }

    pub fn failed(id: CheckId, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { id, ok: false, detail: detail.into(), fix: Some(fix.into()), skipped: false, unanswered: false }
    }

    /// A check that could not be made because the service did not answer (or Xops's own access
    /// to it failed): nothing is known about the account.
    pub fn unanswered(id: CheckId, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { unanswered: true, ..Check::failed(id, detail, fix) }
    }

    /// A check that could not run because `because` (an earlier check) failed.
    pub fn not_checked(id: CheckId, because: &str) -> Check {
        Check { id, ok: false, detail: format!("Not checked: {because}"), fix: None, skipped: true, unanswered: false }
    }
}

/// The store's answer, and what the record keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionTest {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub checks: Vec<Check>,
    #[serde(default)]
    pub organization_display_name: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<String>,
    /// Application roles in the Exchange token.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The certificate whose key signed the test (each browser holds its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub certificate: Option<crate::certificate::Sha1Thumbprint>,
    /// When a failing account first failed, of the tests in a row that failed up to this one
    /// (the store works it out from the test before; absent when this one passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<i64>,
    /// Made without anyone asking (the store's scheduled check, or the app in the background).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automatic: bool,
    /// The store's signature over this result, its account and its organization: a browser may
    /// put a result on a record only with this (a renewal keeps the test of its new certificate,
    /// made before the record listed it), so no result is ever taken on a client's word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

impl ConnectionTest {
    /// Longest sentence kept (a check's `detail` or `fix`), in characters.
    pub const MAX_TEXT: usize = 1000;
    /// Longest name kept (the organization's display name, a domain, a role), in characters.
    pub const MAX_NAME: usize = 256;
    /// Most verified domains or roles kept.
    pub const MAX_LIST: usize = 100;

    /// A result of no checks (the start of one) with everything else empty.
    pub fn new(at: i64) -> ConnectionTest {
        ConnectionTest {
            at,
            checks: Vec::new(),
            organization_display_name: None,
            verified_domains: Vec::new(),
            roles: Vec::new(),
            certificate: None,
            failing_since: None,
            automatic: false,
            seal: None,
        }
    }

    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// Whether the test says something about the account: every service answered. An
    /// inconclusive test is shown to whoever ran it, and never replaces the account's last result.
    pub fn conclusive(&self) -> bool {
        !self.checks.iter().any(|c| c.unanswered)
    }

    /// The first check that failed (not one skipped because of it): what the account needs first.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.ok && !c.skipped)
    }

    /// The bytes the store's seal covers: the result without its seal, for one account of one
    /// organization.
    pub fn sealed_bytes(&self, organization: &str, account: &str) -> Result<Vec<u8>, serde_json::Error> {
        let unsealed = ConnectionTest { seal: None, ..self.clone() };
        let mut bytes = format!("xops connection test\0{organization}\0{account}\0").into_bytes();
        bytes.extend(serde_json::to_vec(&unsealed)?);
        Ok(bytes)
    }

    /// Bounds on what came from outside (Microsoft's answers, kept on the record): each check at
    /// most once, sentences and names of bounded length, bounded lists.
    pub fn check(&self) -> Result<(), FieldError> {
        let err = |field: &'static str, m: String| Err(FieldError::new(field, m));
        let too_long = |s: &str, max: usize| s.chars().count() > max;
        let mut seen = Vec::new();
        for c in &self.checks {
            if seen.contains(&c.id) {
                return err("last_test.checks", "Each check appears at most once in a connection test.".into());
            }
            seen.push(c.id);
            if too_long(&c.detail, Self::MAX_TEXT) || c.fix.as_deref().is_some_and(|f| too_long(f, Self::MAX_TEXT)) {
                return err(
                    "last_test.checks",
                    format!("A check's detail and fix are at most {} characters each.", Self::MAX_TEXT),
                );
            }
        }
        if self.organization_display_name.as_deref().is_some_and(|n| too_long(n, Self::MAX_NAME)) {
            return err("last_test.organization_display_name", format!("At most {} characters.", Self::MAX_NAME));
        }
        for (field, list) in [("last_test.verified_domains", &self.verified_domains), ("last_test.roles", &self.roles)] {
            if list.len() > Self::MAX_LIST || list.iter().any(|v| too_long(v, Self::MAX_NAME)) {
                return err(field, format!("At most {} entries of at most {} characters each.", Self::MAX_LIST, Self::MAX_NAME));
            }
        }
        Ok(())
    }

    /// The same result cut to the bounds [`ConnectionTest::check`] enforces (what the store
    /// answers, so the browser can always save it).
    pub fn bounded(mut self) -> ConnectionTest {
        let cut = |s: &mut String, max: usize| {
            if s.chars().count() > max {
                *s = s.chars().take(max - 1).collect::<String>() + "…";
            }
        };
        for c in &mut self.checks {
            cut(&mut c.detail, Self::MAX_TEXT);
            if let Some(f) = &mut c.fix {
                cut(f, Self::MAX_TEXT);
            }
        }
        if let Some(n) = &mut self.organization_display_name {
            cut(n, Self::MAX_NAME);
        }
        for list in [&mut self.verified_domains, &mut self.roles] {
            list.truncate(Self::MAX_LIST);
            list.iter_mut().for_each(|v| cut(v, Self::MAX_NAME));
        }
        self
    }
}

/// Entra's error (`AADSTS700016: …`) as a sentence a person can act on, with the fix.
/// Where an administrator grants the app's permissions for their tenant in one step (Microsoft's
/// admin consent endpoint), prefilled with the tenant and the app.
pub fn admin_consent_url(authority: &str, tenant: &str, application: &str) -> String {
    format!("{}/{tenant}/adminconsent?client_id={application}", authority.trim_end_matches('/'))
}

/// The fix for missing admin consent, with the link for this tenant and app.
pub fn consent_fix(authority: &str, tenant: &str, application: &str) -> String {
    format!(
        "Sign in as an administrator of the tenant and grant admin consent at {} (or, in the app registration's API permissions, select Grant admin consent), then test again.",
        admin_consent_url(authority, tenant, application)
    )
}

pub fn explain_entra_error(description: &str, authority: &str, tenant: &str, application: &str) -> (String, String) {
    let code = description.split(':').next().unwrap_or("").trim();
    let first_line = description.lines().next().unwrap_or(description).trim().to_string();
    match code {
        "AADSTS700016" => (
            format!("Microsoft did not find application {application} in tenant {tenant}."),
            "Check the Application ID (the app's Overview in App registrations) and that the app is registered in this tenant.".into(),
        ),
        "AADSTS700027" => (
            "Microsoft did not accept the certificate: it is not uploaded to the app registration, or it belongs to another key.".into(),
            "Upload the certificate shown on this page in the app registration (Certificates & secrets → Certificates), or use Replace certificate and upload the new one.".into(),
        ),
        "AADSTS90002" => (
            format!("Microsoft did not find tenant {tenant}."),
            "Check the Tenant ID: it is the Directory (tenant) ID on the app's Overview page.".into(),
        ),
        // Consent required, or a permission the app asks for that nobody granted.
        "AADSTS65001" | "AADSTS650051" | "AADSTS650052" | "AADSTS650057" => (
            format!("Microsoft refused because the app lacks admin consent: {first_line}"),
            consent_fix(authority, tenant, application),
        ),
        "AADSTS700024" => (
            "Microsoft refused the assertion as outside its valid time: this device's clock may be wrong.".into(),
            "Set this device's clock to the correct time, then test again.".into(),
        ),
        _ => (
            format!("Microsoft refused the credentials: {first_line}"),
            "Check the app registration's certificate, Tenant ID and Application ID, then test again.".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "https://login.microsoftonline.com/";

    #[test]
    fn entra_errors_become_sentences_with_a_fix() {
        let (detail, fix) =
            explain_entra_error("AADSTS700016: Application with identifier 'x' was not found.\r\nTrace ID: 1", AUTH, "t", "a");
        assert_eq!(detail, "Microsoft did not find application a in tenant t.");
        assert!(fix.contains("Application ID"));
        assert!(explain_entra_error("AADSTS700027: Client assertion contains an invalid signature.", AUTH, "t", "a")
            .1
            .contains("Upload the certificate"));
        assert!(explain_entra_error("AADSTS90002: Tenant 'x' not found.", AUTH, "t", "a").0.contains("tenant t"));
        let (detail, _) = explain_entra_error("Something new.\nMore", AUTH, "t", "a");
        assert_eq!(detail, "Microsoft refused the credentials: Something new.");
        let (detail, fix) = explain_entra_error("AADSTS65001: The user or administrator has not consented.", AUTH, "t", "a");
        assert!(detail.contains("lacks admin consent"), "{detail}");
        assert!(fix.contains("https://login.microsoftonline.com/t/adminconsent?client_id=a"), "{fix}");
    }

    #[test]
    fn what_microsoft_said_is_kept_within_bounds() {
        let long = "x".repeat(5000);
        let t = ConnectionTest {
            checks: vec![Check::failed(CheckId::Credentials, long.clone(), long.clone())],
            organization_display_name: Some(long.clone()),
            verified_domains: vec![long.clone(); 500],
            roles: vec!["Exchange.ManageAsApp".into()],
            ..ConnectionTest::new(1)
        };
        let e = t.check().unwrap_err();
        assert_eq!(e.field, "last_test.checks");
        assert!(e.message.contains("1000 characters"), "{}", e.message);
        let bounded = t.bounded();
        assert_eq!(bounded.check(), Ok(()));
        assert_eq!(bounded.checks[0].detail.chars().count(), ConnectionTest::MAX_TEXT);
        assert!(bounded.checks[0].detail.ends_with('…'));
        assert_eq!(bounded.verified_domains.len(), ConnectionTest::MAX_LIST);
        let twice = ConnectionTest { checks: vec![Check::passed(CheckId::Credentials, ""); 2], ..bounded };
        assert!(twice.check().unwrap_err().message.contains("at most once"));
    }

    #[test]
    fn a_test_passes_only_when_every_check_does() {
        let check = |ok| if ok { Check::passed(CheckId::Credentials, "") } else { Check::failed(CheckId::Credentials, "", "") };
        let mut t = ConnectionTest { checks: vec![check(true)], ..ConnectionTest::new(1) };
        assert!(t.passed());
        assert!(t.first_failure().is_none());
        t.checks.push(Check::not_checked(CheckId::Organization, "an earlier check failed."));
        t.checks.insert(0, check(false));
        assert!(!t.passed());
        assert_eq!(t.first_failure().map(|c| c.id), Some(CheckId::Credentials), "the first failure, not the skipped one");
        assert!(t.conclusive());
        t.checks[0] = Check::unanswered(CheckId::Credentials, "Microsoft did not answer.", "Try again.");
        assert!(!t.conclusive(), "a service that did not answer says nothing about the account");
    }
}
