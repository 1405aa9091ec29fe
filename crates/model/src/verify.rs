//! Testing a Microsoft connection: the browser signs client assertions with its key, the store
//! relays them to Microsoft's identity platform and Graph, and answers with a checklist. The
//! last answer is kept on the integration record (`last_test`).

use serde::{Deserialize, Serialize};

/// The Microsoft Graph scope the first assertion is exchanged for.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// The Exchange Online scope: its token's `roles` claim says whether Exchange.ManageAsApp is granted.
pub const EXCHANGE_SCOPE: &str = "https://outlook.office365.com/.default";
pub const EXCHANGE_ROLE: &str = "Exchange.ManageAsApp";

/// `POST /api/v1/integrations/{id}/verify`: one assertion per token asked for (an assertion is
/// good for one use: Entra refuses a `jti` it has seen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    /// For Microsoft Graph.
    pub graph_assertion: String,
    /// For Exchange Online (Microsoft 365 accounts); omitted for Azure.
    #[serde(default)]
    pub exchange_assertion: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CheckId {
    /// Entra issued a token for the app's certificate.
    Credentials,
    /// Graph answered with the tenant's organization, and it owns Organization Name.
    Organization,
    /// The app holds the Exchange.ManageAsApp application role.
    ExchangeManageAsApp,
}

impl CheckId {
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Credentials => "Credentials accepted",
            CheckId::Organization => "Organization matches",
            CheckId::ExchangeManageAsApp => "Exchange.ManageAsApp granted",
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
}

impl Check {
    pub fn passed(id: CheckId, detail: impl Into<String>) -> Check {
        Check { id, ok: true, detail: detail.into(), fix: None, skipped: false }
    }

    pub fn failed(id: CheckId, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { id, ok: false, detail: detail.into(), fix: Some(fix.into()), skipped: false }
    }

    /// A check that could not run because `because` (an earlier check) failed.
    pub fn not_checked(id: CheckId, because: &str) -> Check {
        Check { id, ok: false, detail: format!("Not checked: {because}"), fix: None, skipped: true }
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
}

impl ConnectionTest {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// Entra's error (`AADSTS700016: …`) as a sentence a person can act on, with the fix.
pub fn explain_entra_error(description: &str, tenant: &str, application: &str) -> (String, String) {
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

    #[test]
    fn entra_errors_become_sentences_with_a_fix() {
        let (detail, fix) =
            explain_entra_error("AADSTS700016: Application with identifier 'x' was not found.\r\nTrace ID: 1", "t", "a");
        assert_eq!(detail, "Microsoft did not find application a in tenant t.");
        assert!(fix.contains("Application ID"));
        assert!(explain_entra_error("AADSTS700027: Client assertion contains an invalid signature.", "t", "a")
            .1
            .contains("Upload the certificate"));
        assert!(explain_entra_error("AADSTS90002: Tenant 'x' not found.", "t", "a").0.contains("tenant t"));
        let (detail, _) = explain_entra_error("Something new.\nMore", "t", "a");
        assert_eq!(detail, "Microsoft refused the credentials: Something new.");
    }

    #[test]
    fn a_test_passes_only_when_every_check_does() {
        let check = |ok| if ok { Check::passed(CheckId::Credentials, "") } else { Check::failed(CheckId::Credentials, "", "") };
        let mut t = ConnectionTest {
            at: 1,
            checks: vec![check(true)],
            organization_display_name: None,
            verified_domains: vec![],
            roles: vec![],
        };
        assert!(t.passed());
        t.checks.push(check(false));
        assert!(!t.passed());
    }
}
