//! "Test connection" for Microsoft accounts: the browser signed client assertions with its
//! non-extractable key; the store sends them to the configured Microsoft identity platform (a
//! browser may not: Entra refuses the client-credentials grant cross-origin), asks Graph for the
//! organization, and reads the Exchange token's roles. Assertions and tokens are never stored or
//! logged; only the checklist leaves this module.

use serde::Deserialize;
use xops_model::verify::{
    admin_consent_url, consent_fix, explain_entra_error, Check, CheckId, ConnectionTest, EXCHANGE_ROLE, EXCHANGE_SCOPE,
    GRAPH_SCOPE, UNANSWERED_FIX,
};
use xops_model::{ApplicationId, OrganizationDomain, OrganizationId, TenantId};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The configured Microsoft endpoints (never taken from a request) and one HTTP client.
pub struct Relay {
    pub(crate) http: reqwest::Client,
    pub(crate) authority: String,
    pub(crate) graph: String,
    /// Azure Resource Manager (Azure accounts' tests).
    pub(crate) arm: String,
    /// Connection tests running now in this process, per organization.
    running: std::sync::Mutex<std::collections::HashMap<OrganizationId, usize>>,
}

/// Connection tests one organization may run at once (per store process). Each holds two calls
/// to Microsoft open for up to 20 s; a person needs one.
pub const TESTS_AT_ONCE: usize = 2;

/// A running connection test, counted until dropped.
pub struct Running<'a> {
    relay: &'a Relay,
    organization: OrganizationId,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut running = self.relay.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = running.get_mut(&self.organization) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.organization);
            }
        }
    }
}

/// What the token endpoint said.
pub(crate) enum TokenOutcome {
    Token(String),
    Refused(String),
    Unreachable(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Organizations {
    value: Vec<Organization>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Organization {
    display_name: Option<String>,
    #[serde(default)]
    verified_domains: Vec<VerifiedDomain>,
}

#[derive(Deserialize)]
struct VerifiedDomain {
    name: String,
}

/// What one account is, for the test: the parsed values (a tenant id that reaches the token
/// endpoint's path is a GUID, never text from a request).
pub struct Target<'a> {
    pub tenant: &'a TenantId,
    pub application: &'a ApplicationId,
    /// Organization Name (Microsoft 365), to find among the tenant's verified domains.
    pub organization: Option<&'a OrganizationDomain>,
}

impl Relay {
    pub fn new(authority: &str, graph: &str, arm: &str) -> Relay {
        Relay {
            http: crate::outbound_client(),
            authority: authority.trim_end_matches('/').to_string(),
            graph: graph.trim_end_matches('/').to_string(),
            arm: arm.trim_end_matches('/').to_string(),
            running: Default::default(),
        }
    }

    /// Counts a connection test for `organization`, unless it already runs [`TESTS_AT_ONCE`].
    pub fn begin(&self, organization: &OrganizationId) -> Option<Running<'_>> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let n = running.entry(organization.clone()).or_default();
        if *n >= TESTS_AT_ONCE {
            return None;
        }
        *n += 1;
        Some(Running { relay: self, organization: organization.clone() })
    }

    pub(crate) async fn token(
        &self,
        tenant: &TenantId,
        application: &ApplicationId,
        assertion: &str,
        scope: &str,
    ) -> TokenOutcome {
        let url = format!("{}/{}/oauth2/v2.0/token", self.authority, tenant.as_str());
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", application.as_str()),
            ("scope", scope),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ];
        let res = match self.http.post(&url).form(&form).send().await {
            Ok(r) => r,
            Err(e) => return TokenOutcome::Unreachable(without_url(&e)),
        };
        let status = res.status();
        match res.json::<TokenAnswer>().await {
            Ok(TokenAnswer { access_token: Some(t), .. }) if status.is_success() => TokenOutcome::Token(t),
            Ok(a) if status.is_client_error() => TokenOutcome::Refused(
                a.error_description.or(a.error).unwrap_or_else(|| format!("the token endpoint answered {status}")),
            ),
            Ok(_) | Err(_) => TokenOutcome::Unreachable(format!("the token endpoint answered {status}")),
        }
    }

    async fn organization(&self, token: &str) -> Result<Organization, GraphError> {
        let res = self
            .http
            .get(format!("{}/v1.0/organization", self.graph))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| GraphError::Unanswered(format!("Microsoft Graph could not be reached ({})", without_url(&e))))?;
        let status = res.status();
        if status == reqwest::StatusCode::FORBIDDEN || status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(GraphError::Denied);
        }
        if !status.is_success() {
            return Err(GraphError::Unanswered(format!("Microsoft Graph answered {status}")));
        }
        let orgs: Organizations =
            res.json().await.map_err(|_| GraphError::Unanswered("Microsoft Graph's answer could not be read".into()))?;
        orgs.value.into_iter().next().ok_or_else(|| GraphError::Unanswered("Microsoft Graph returned no organization".into()))
    }

    /// Runs the checks. `exchange_assertion` is for Microsoft 365 accounts.
    pub async fn test(
        &self,
        target: Target<'_>,
        graph_assertion: &str,
        exchange_assertion: Option<&str>,
        now_ms: i64,
    ) -> ConnectionTest {
        let mut result = ConnectionTest::new(now_ms);
        let later: Vec<CheckId> = [
            Some(CheckId::Organization),
            exchange_assertion.map(|_| CheckId::AdminConsent),
            exchange_assertion.map(|_| CheckId::ExchangeManageAsApp),
        ]
        .into_iter()
        .flatten()
        .collect();
        let (tenant, application) = (target.tenant.as_str(), target.application.as_str());
        let token = match self.token(target.tenant, target.application, graph_assertion, GRAPH_SCOPE).await {
            TokenOutcome::Token(t) => t,
            TokenOutcome::Refused(description) => {
                let (detail, fix) = explain_entra_error(&description, &self.authority, tenant, application);
                result.checks.push(Check::failed(CheckId::Credentials, detail, fix));
                result.checks.extend(later.into_iter().map(|id| Check::not_checked(id, "the credentials were refused.")));
                return result;
            }
            TokenOutcome::Unreachable(e) => {
                // The operator's business (our network, our configuration), not the customer's.
                tracing::warn!(authority = %self.authority, error = %e, "the Microsoft identity platform did not answer");
                result.checks.push(Check::unanswered(
                    CheckId::Credentials,
                    format!("Xops could not reach Microsoft just now ({e}), so nothing was checked; nothing is wrong with your setup that Xops knows of."),
                    UNANSWERED_FIX,
                ));
                result.checks.extend(later.into_iter().map(|id| Check::not_checked(id, "Microsoft could not be reached.")));
                return result;
            }
        };
        result.checks.push(Check::passed(CheckId::Credentials, "Microsoft issued a token to the app for this certificate."));

        let organization = self.organization_check(&token, &target, &mut result).await;
        result.checks.push(organization);
        if let Some(assertion) = exchange_assertion {
            let (consent_check, exchange_check) = self.exchange_checks(&target, assertion, &mut result).await;
            result.checks.push(consent_check);
            result.checks.push(exchange_check);
        }
        result
    }

    /// Organization matches: the tenant Graph describes has the account's domain among its
    /// verified ones (what Graph said is kept on `result`).
    async fn organization_check(&self, token: &str, target: &Target<'_>, result: &mut ConnectionTest) -> Check {
        let (tenant, application) = (target.tenant.as_str(), target.application.as_str());
        let organization_fix = format!(
            "Assign the app the Global Reader role (Entra ID → Roles and administrators → Global Reader → Add assignments). If it has it, grant admin consent: {}",
            admin_consent_url(&self.authority, tenant, application)
        );
        match self.organization(token).await {
            Ok(org) => {
                let name = org.display_name.unwrap_or_default();
                result.verified_domains = org.verified_domains.into_iter().map(|d| d.name.to_lowercase()).collect();
                result.organization_display_name = Some(name.clone());
                match target.organization.map(OrganizationDomain::as_str) {
                    Some(domain) if result.verified_domains.iter().any(|d| d == &domain.to_lowercase()) => Check::passed(
                        CheckId::Organization,
                        format!("The tenant is “{name}”, and {domain} is one of its verified domains."),
                    ),
                    Some(domain) => Check::failed(
                        CheckId::Organization,
                        format!(
                            "The tenant is “{name}”, but {domain} is not one of its verified domains ({}).",
                            result.verified_domains.join(", ")
                        ),
                        "Check the Tenant ID, or link the account again with one of these domains as Organization Name.",
                    ),
                    None => Check::passed(CheckId::Organization, format!("The tenant is “{name}”.")),
                }
            }
            Err(GraphError::Denied) => Check::failed(
                CheckId::Organization,
                "The app may not read the organization (Graph answered Authorization_RequestDenied): it lacks the Global Reader role or admin consent.",
                organization_fix,
            ),
            Err(GraphError::Unanswered(e)) => Check::unanswered(
                CheckId::Organization,
                format!("{e}, so the organization could not be checked just now; nothing is wrong with your setup that Xops knows of."),
                UNANSWERED_FIX,
            ),
        }
    }

    /// Admin consent granted and Exchange.ManageAsApp granted, from a token for Exchange Online
    /// (its roles are kept on `result`).
    async fn exchange_checks(&self, target: &Target<'_>, assertion: &str, result: &mut ConnectionTest) -> (Check, Check) {
        let (tenant, application) = (target.tenant.as_str(), target.application.as_str());
        let consent = consent_fix(&self.authority, tenant, application);
        let exchange_fix = format!(
            "In API permissions, add Office 365 Exchange Online → Application permissions → Exchange.ManageAsApp, then grant admin consent: {}",
            admin_consent_url(&self.authority, tenant, application)
        );
        match self.token(target.tenant, target.application, assertion, EXCHANGE_SCOPE).await {
            // An app-only token carries the application permissions an administrator granted as
            // roles; none at all means nobody granted consent.
            TokenOutcome::Token(t) => {
                result.roles = roles_of(&t);
                if result.roles.is_empty() {
                    no_consent(
                        "No administrator has granted the app's permissions: its Exchange Online token carries none.",
                        consent.clone(),
                    )
                } else if result.roles.iter().any(|r| r == EXCHANGE_ROLE) {
                    consented(Check::passed(
                        CheckId::ExchangeManageAsApp,
                        "The app holds the Exchange.ManageAsApp application role.",
                    ))
                } else {
                    consented(Check::failed(
                        CheckId::ExchangeManageAsApp,
                        format!(
                            "The app does not hold Exchange.ManageAsApp (its Exchange roles: {}).",
                            list_or_none(&result.roles)
                        ),
                        exchange_fix,
                    ))
                }
            }
            TokenOutcome::Refused(d) => {
                let (detail, fix) = explain_entra_error(&d, &self.authority, tenant, application);
                if fix == consent {
                    no_consent(detail, fix)
                } else {
                    (
                        Check::not_checked(CheckId::AdminConsent, "Microsoft refused a token for Exchange Online."),
                        Check::failed(
                            CheckId::ExchangeManageAsApp,
                            format!(
                                "Microsoft refused a token for Exchange Online: {}",
                                d.lines().next().unwrap_or_default()
                            ),
                            exchange_fix,
                        ),
                    )
                }
            }
            TokenOutcome::Unreachable(e) => (
                Check::not_checked(CheckId::AdminConsent, "Microsoft could not be reached."),
                Check::unanswered(
                    CheckId::ExchangeManageAsApp,
                    format!("Xops could not reach Microsoft just now for Exchange Online ({e}); nothing is wrong with your setup that Xops knows of."),
                    UNANSWERED_FIX,
                ),
            ),
        }
    }
}

/// Why Graph gave no organization.
enum GraphError {
    /// The app may not read it (no role, or no consent).
    Denied,
    /// No answer, or one that could not be read.
    Unanswered(String),
}

/// Admin consent granted, and what the Exchange role check found.
fn consented(exchange: Check) -> (Check, Check) {
    (Check::passed(CheckId::AdminConsent, "An administrator granted the app's permissions."), exchange)
}

/// Nobody granted consent (`detail` says how that showed): the Exchange role cannot be checked.
fn no_consent(detail: impl Into<String>, fix: String) -> (Check, Check) {
    (
        Check::failed(CheckId::AdminConsent, detail, fix),
        Check::not_checked(CheckId::ExchangeManageAsApp, "admin consent is missing."),
    )
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// An HTTP error without its URL (which is configuration, not news to the person).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "it did not answer in time".into()
    } else if e.is_connect() {
        "the connection was refused or the host is unknown".into()
    } else {
        "the request failed".into()
    }
}

/// The `roles` claim of a JWT access token (read, not verified: it came straight from Entra
/// over TLS, and only its roles are reported back).
pub fn roles_of(token: &str) -> Vec<String> {
    use base64::Engine;
    let Some(payload) = token.split('.').nth(1) else { return Vec::new() };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return Vec::new();
    };
    #[derive(Deserialize)]
    struct Claims {
        #[serde(default)]
        roles: Vec<String>,
    }
    serde_json::from_slice::<Claims>(&bytes).map(|c| c.roles).unwrap_or_default()
}

/// A client assertion's shape: three base64url parts (the signature is Entra's to check).
pub fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    s.len() <= 8192
        && parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_from_the_token_payload() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"roles":["Exchange.ManageAsApp","x"]}"#);
        assert_eq!(roles_of(&format!("h.{payload}.s")), ["Exchange.ManageAsApp", "x"]);
        assert!(roles_of("nonsense").is_empty());
    }

    #[test]
    fn assertions_must_look_like_jwts() {
        assert!(looks_like_jwt("eyJh.eyJi.c2ln"));
        assert!(!looks_like_jwt("eyJh.eyJi"));
        assert!(!looks_like_jwt("a.b.c d"));
        assert!(!looks_like_jwt(&format!("a.b.{}", "c".repeat(9000))));
    }
}
