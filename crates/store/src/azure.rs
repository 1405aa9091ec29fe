//! "Test connection" for Azure accounts: the browser signs a client assertion exactly as for
//! Microsoft 365; the store exchanges it at the identity platform for an Azure Resource Manager
//! token, then asks Resource Manager (the configured base, never one a request names) whether the
//! subscription or management group is there and enabled, and whether the app may read it.

use crate::microsoft::{Relay, TokenOutcome};
use serde::Deserialize;
use xops_model::integration::AzureScope;
use xops_model::verify::{explain_entra_error, Check, CheckId, ConnectionTest, AZURE_SCOPE, UNANSWERED_FIX};
use xops_model::{ApplicationId, TenantId};

pub const DEFAULT_RESOURCE_MANAGER: &str = "https://management.azure.com";
const SUBSCRIPTION_API: &str = "2022-12-01";
const MANAGEMENT_GROUP_API: &str = "2021-04-01";
const PERMISSIONS_API: &str = "2022-04-01";

/// One Azure account to test.
pub struct Target<'a> {
    pub tenant: &'a TenantId,
    pub application: &'a ApplicationId,
    pub scope: &'a AzureScope,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    display_name: Option<String>,
    /// Subscriptions: Enabled, Warned, PastDue, Disabled, Deleted.
    state: Option<String>,
    #[serde(default)]
    properties: Option<FoundProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundProperties {
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Permissions {
    value: Vec<Permission>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Permission {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    not_actions: Vec<String>,
}

/// Whether effective permissions let the app read everything in scope (`*/read`, or `*`), and
/// nothing takes it back.
fn can_read_everything(permissions: &[Permission]) -> bool {
    let everything = |a: &String| a == "*" || a.eq_ignore_ascii_case("*/read");
    permissions.iter().any(|p| p.actions.iter().any(everything) && !p.not_actions.iter().any(everything))
}

/// What a Resource Manager call came to.
enum Arm<T> {
    Ok(T),
    /// Not found, or not visible to the app (Azure shows a scope only to apps with a role on it).
    NotVisible,
    /// Refused, with Resource Manager's code.
    Refused(String),
    Unanswered(String),
}

impl Relay {
    async fn arm_get<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> Arm<T> {
        let res = match self.http.get(format!("{}{path}", self.arm)).bearer_auth(token).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Arm::Unanswered("Azure did not answer in time".into()),
            Err(_) => return Arm::Unanswered("Azure could not be reached".into()),
        };
        let status = res.status();
        if status.is_success() {
            return match res.json::<T>().await {
                Ok(t) => Arm::Ok(t),
                Err(_) => Arm::Unanswered("Azure's answer could not be read".into()),
            };
        }
        #[derive(Deserialize)]
        struct ArmError {
            error: ArmErrorBody,
        }
        #[derive(Deserialize)]
        struct ArmErrorBody {
            code: String,
        }
        let code = res.json::<ArmError>().await.map(|e| e.error.code).unwrap_or_else(|_| status.to_string());
        match status.as_u16() {
            404 | 403 if code != "InvalidAuthenticationToken" => Arm::NotVisible,
            400..=499 => Arm::Refused(code),
            _ => Arm::Unanswered(format!("Azure answered {status}")),
        }
    }

    /// Runs the checks for an Azure account.
    pub async fn test_azure(&self, target: Target<'_>, assertion: &str, now_ms: i64) -> ConnectionTest {
        let mut result = ConnectionTest::new(now_ms);
        let scope = Scope::of(&target);
        let (scope_check, what) = (scope.check, &scope.what);
        let application = target.application.as_str();
        let token = match self.token(target.tenant, target.application, assertion, AZURE_SCOPE).await {
            TokenOutcome::Token(t) => t,
            TokenOutcome::Refused(description) => {
                let (detail, fix) = explain_entra_error(&description, &self.authority, target.tenant.as_str(), application);
                result.checks.push(Check::failed(CheckId::Credentials, detail, fix));
                result.checks.push(Check::not_checked(scope_check, "the credentials were refused."));
                result.checks.push(Check::not_checked(CheckId::ReadAccess, "the credentials were refused."));
                return result;
            }
            TokenOutcome::Unreachable(e) => {
                tracing::warn!(authority = %self.authority, error = %e, "the Microsoft identity platform did not answer");
                result.checks.push(Check::unanswered(
                    CheckId::Credentials,
                    "Xops could not reach Microsoft just now, so nothing was checked; nothing is wrong with your setup that Xops knows of.",
                    UNANSWERED_FIX,
                ));
                result.checks.push(Check::not_checked(scope_check, "Microsoft could not be reached."));
                result.checks.push(Check::not_checked(CheckId::ReadAccess, "Microsoft could not be reached."));
                return result;
            }
        };
        result.checks.push(Check::passed(CheckId::Credentials, "Microsoft issued the app a token for Azure Resource Manager."));

        let found = self.scope_check(&token, &scope, &mut result).await;
        let scope_ok = found.ok;
        result.checks.push(found);
        if !scope_ok {
            result.checks.push(Check::not_checked(CheckId::ReadAccess, &format!("the {what} could not be read.")));
            return result;
        }
        result.checks.push(self.read_access_check(&token, &scope).await);
        result
    }

    /// Subscription (or Management group) visible: Azure shows the scope, and it is enabled.
    async fn scope_check(&self, token: &str, scope: &Scope, result: &mut ConnectionTest) -> Check {
        let (scope_check, what, reader_fix) = (scope.check, &scope.what, &scope.reader_fix);
        match self.arm_get::<Found>(token, &format!("{}?api-version={}", scope.path, scope.api)).await {
            Arm::Ok(found) => {
                let name = found.display_name.or(found.properties.and_then(|p| p.display_name)).unwrap_or_default();
                match found.state.as_deref() {
                    None | Some("Enabled") => {
                        result.organization_display_name = Some(name.clone());
                        Check::passed(scope_check, format!("The {what} (“{name}”) is there, and the app can see it."))
                    }
                    Some(state) => Check::failed(
                        scope_check,
                        format!("The {what} (“{name}”) is {state}, so nothing in it can be read."),
                        format!("Enable the {what} again in the Azure portal (Subscriptions), or link the account with another subscription."),
                    ),
                }
            }
            Arm::NotVisible => Check::failed(
                scope_check,
                format!("Azure did not find the {what}, or the app has no role on it (Azure shows a subscription or management group only to apps with a role on it)."),
                format!("Check that {what} is the right ID (the portal lists it under Subscriptions or Management groups). {reader_fix}"),
            ),
            Arm::Refused(code) => Check::failed(
                scope_check,
                format!("Azure Resource Manager refused to show the {what} ({code})."),
                format!("Check the Tenant ID and the {what}. {reader_fix}"),
            ),
            Arm::Unanswered(why) => Check::unanswered(
                scope_check,
                format!("{why}, so the {what} could not be checked just now; nothing is wrong with your setup that Xops knows of."),
                UNANSWERED_FIX,
            ),
        }
    }

    /// Read access: the app's roles on the scope let it read everything in it.
    async fn read_access_check(&self, token: &str, scope: &Scope) -> Check {
        let (what, reader_fix) = (&scope.what, scope.reader_fix.clone());
        let permissions_path =
            format!("{}/providers/Microsoft.Authorization/permissions?api-version={PERMISSIONS_API}", scope.path);
        match self.arm_get::<Permissions>(token, &permissions_path).await {
            Arm::Ok(p) if can_read_everything(&p.value) => {
                Check::passed(CheckId::ReadAccess, format!("The app's roles on the {what} let it read everything in it."))
            }
            Arm::Ok(p) => {
                let actions: Vec<String> = p.value.into_iter().flat_map(|p| p.actions).take(10).collect();
                let may = if actions.is_empty() { "nothing".to_string() } else { actions.join(", ") };
                Check::failed(
                    CheckId::ReadAccess,
                    format!("The app's roles on the {what} do not let it read everything (it may do: {may})."),
                    reader_fix,
                )
            }
            Arm::NotVisible | Arm::Refused(_) => Check::failed(
                CheckId::ReadAccess,
                format!("Azure refused to say what the app may do on the {what}."),
                reader_fix,
            ),
            Arm::Unanswered(why) => Check::unanswered(
                CheckId::ReadAccess,
                format!("{why}, so the app's permissions could not be checked just now; nothing is wrong with your setup that Xops knows of."),
                UNANSWERED_FIX,
            ),
        }
    }
}

/// The scope an Azure account is linked at, as the checks name and read it.
struct Scope {
    check: CheckId,
    /// Its Resource Manager path.
    path: String,
    /// "subscription …" or "management group …", for the sentences.
    what: String,
    api: &'static str,
    /// How to give the app the Reader role on it.
    reader_fix: String,
}

impl Scope {
    fn of(target: &Target<'_>) -> Scope {
        let (check, path, what, api) = match target.scope {
            AzureScope::Subscription { subscription_id } => (
                CheckId::Subscription,
                format!("/subscriptions/{subscription_id}"),
                format!("subscription {subscription_id}"),
                SUBSCRIPTION_API,
            ),
            AzureScope::ManagementGroup { management_group_id } => (
                CheckId::ManagementGroup,
                format!("/providers/Microsoft.Management/managementGroups/{}", management_group_id.as_str()),
                format!("management group {}", management_group_id.as_str()),
                MANAGEMENT_GROUP_API,
            ),
        };
        let reader_fix = format!(
            "In the Azure portal, open the {what}, then Access control (IAM) → Add role assignment → Reader, and assign it to the app (Application ID {}). Then test again.",
            target.application.as_str()
        );
        Scope { check, path, what, api, reader_fix }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission {
            actions: actions.iter().map(|s| s.to_string()).collect(),
            not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn reading_everything_takes_a_wildcard_read_that_nothing_takes_back() {
        assert!(can_read_everything(&[p(&["*/read"], &[])]), "Reader");
        assert!(can_read_everything(&[p(&["*"], &["Microsoft.Authorization/*/Delete"])]), "Owner");
        assert!(can_read_everything(&[p(&["Microsoft.Storage/*"], &[]), p(&["*/read"], &[])]), "two roles");
        assert!(!can_read_everything(&[p(&["Microsoft.Storage/*/read"], &[])]), "one provider only");
        assert!(!can_read_everything(&[p(&["*"], &["*/read"])]));
        assert!(!can_read_everything(&[]));
    }
}
