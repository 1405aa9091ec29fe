//! Certificate renewal without the portal: Graph's `addKey` and `removeKey` on the account's app
//! registration, relayed for the browser. The browser signed both the client assertion (for an
//! app-only token) and the proof of possession with a key the app already holds; the store only
//! adds what the browser cannot: the token request (Entra refuses it cross-origin) and the call to
//! the configured Graph host. Assertions, proofs and tokens are never stored or logged.

use crate::error::AppError;
use crate::microsoft::{Relay, TokenOutcome};
use base64::Engine;
use serde::Deserialize;
use xops_model::verify::{explain_entra_error, GRAPH_SCOPE};
use xops_model::{ApplicationId, ErrorCode, KeyId, TenantId};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyCredential {
    key_id: String,
}

#[derive(Deserialize)]
struct GraphError {
    error: GraphErrorDetail,
}

#[derive(Deserialize)]
struct GraphErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The change being made, for the sentences a person reads.
#[derive(Clone, Copy)]
enum Action {
    Add,
    Remove,
}

impl Relay {
    /// Adds the certificate `der` to the app registration; answers Entra's id for it.
    pub async fn add_key(
        &self,
        tenant: &TenantId,
        application: &ApplicationId,
        graph_assertion: &str,
        proof: &str,
        der: &[u8],
    ) -> Result<KeyId, AppError> {
        let token = self.app_token(tenant, application, graph_assertion).await?;
        let body = serde_json::json!({
            "keyCredential": {
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": base64::engine::general_purpose::STANDARD.encode(der),
            },
            "passwordCredential": null,
            "proof": proof,
        });
        let res = self.graph_post(application, "addKey", &token, &body, Action::Add).await?;
        let added: KeyCredential = res.json().await.map_err(|e| unreadable(&e))?;
        KeyId::parse(&added.key_id).map_err(|_| unreadable(&"the keyId is not a GUID"))
    }

    /// Removes the certificate `key_id` from the app registration.
    pub async fn remove_key(
        &self,
        tenant: &TenantId,
        application: &ApplicationId,
        graph_assertion: &str,
        proof: &str,
        key_id: &KeyId,
    ) -> Result<(), AppError> {
        let token = self.app_token(tenant, application, graph_assertion).await?;
        let body = serde_json::json!({ "keyId": key_id.as_str(), "proof": proof });
        self.graph_post(application, "removeKey", &token, &body, Action::Remove).await.map(drop)
    }

    async fn app_token(&self, tenant: &TenantId, application: &ApplicationId, assertion: &str) -> Result<String, AppError> {
        match self.token(tenant, application, assertion, GRAPH_SCOPE).await {
            TokenOutcome::Token(t) => Ok(t),
            TokenOutcome::Refused(description) => {
                let (detail, fix) = explain_entra_error(&description, &self.authority, tenant.as_str(), application.as_str());
                Err(AppError::of(ErrorCode::MicrosoftRefused, format!("{detail} {fix}")))
            }
            TokenOutcome::Unreachable(e) => Err(unreachable(&e)),
        }
    }

    async fn graph_post(
        &self,
        application: &ApplicationId,
        verb: &str,
        token: &str,
        body: &serde_json::Value,
        action: Action,
    ) -> Result<reqwest::Response, AppError> {
        // The application is addressed by its application ID, a parsed GUID from the record.
        let url = format!("{}/v1.0/applications(appId='{}')/{verb}", self.graph, application.as_str());
        let res = self.http.post(&url).bearer_auth(token).json(body).send().await.map_err(|e| {
            if e.is_timeout() {
                unanswered()
            } else {
                unreachable("the connection failed")
            }
        })?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status();
        let error = res
            .json::<GraphError>()
            .await
            .map(|e| e.error)
            .unwrap_or(GraphErrorDetail { code: String::new(), message: format!("Microsoft Graph answered {status}") });
        Err(AppError::of(ErrorCode::MicrosoftRefused, explain_refusal(&error, action)))
    }
}

/// What Graph's refusal means for the person, and what to do.
fn explain_refusal(error: &GraphErrorDetail, action: Action) -> String {
    let what = match action {
        Action::Add => "Microsoft did not add the new certificate",
        Action::Remove => "Microsoft did not remove the certificate",
    };
    // Microsoft's own words, within bounds (they reach the page).
    let message: String = error.message.trim().trim_end_matches('.').chars().take(MAX_MESSAGE).collect();
    let lower = message.to_lowercase();
    let fix = if lower.contains("policy") || lower.contains("lifetime") || lower.contains("trusted") {
        "Your organization's app management policy refuses this certificate: it may require certificates from a trusted certificate authority, or limit how long they last. Ask your Microsoft Entra administrator to allow it for this app, or renew by hand with a certificate they accept (Replace certificate, then upload it in the Entra admin center)."
    } else if lower.contains("proof") || lower.contains("issuer") || error.code == "Authorization_RequestDenied" {
        "Check the Object ID: in the Microsoft Entra admin center, open App registrations, select the app, and copy Object ID from its Overview page (it is not the Application ID)."
    } else {
        "Try again in a few minutes; if it keeps failing, renew by hand (Replace certificate, then upload it in the Entra admin center)."
    };
    format!("{what}: {message}. {fix}")
}

/// The most of Graph's message passed on.
const MAX_MESSAGE: usize = 300;

/// Graph took the request but did not answer in time: the change may or may not be made.
fn unanswered() -> AppError {
    AppError::of(
        ErrorCode::MicrosoftUnreachable,
        "Microsoft did not answer in time, so Xops cannot tell whether the change was made. Check the app registration's certificates in the Entra admin center before trying again.",
    )
}

fn unreachable(why: &str) -> AppError {
    AppError::of(
        ErrorCode::MicrosoftUnreachable,
        format!("Microsoft could not be reached from Xops ({why}). Nothing was changed; try again in a few minutes."),
    )
}

fn unreadable(e: &dyn std::fmt::Display) -> AppError {
    AppError::of(
        ErrorCode::MicrosoftUnreachable,
        format!("Microsoft Graph's answer could not be read ({e}). Check the app registration's certificates in the Entra admin center before trying again."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: &str, message: &str, action: Action) -> String {
        explain_refusal(&GraphErrorDetail { code: code.into(), message: message.into() }, action)
    }

    #[test]
    fn graph_refusals_say_what_happened_and_what_to_do() {
        let policy = refusal(
            "Request_BadRequest",
            "Credential not allowed as per assigned policy: certificates must be issued by a trusted certificate authority.",
            Action::Add,
        );
        assert!(policy.starts_with("Microsoft did not add the new certificate: Credential not allowed as per assigned policy"));
        assert!(policy.contains("trusted certificate authority, or limit how long they last"), "{policy}");
        assert!(!policy.contains(".."), "one full stop between the reason and the fix: {policy}");

        let proof = refusal("Request_BadRequest", "Proof of possession token validation failed.", Action::Remove);
        assert!(proof.starts_with("Microsoft did not remove the certificate: Proof of possession"), "{proof}");
        assert!(proof.contains("copy Object ID from its Overview page (it is not the Application ID)"), "{proof}");
        let denied = refusal("Authorization_RequestDenied", "Insufficient privileges to complete the operation.", Action::Add);
        assert!(denied.contains("Check the Object ID"), "{denied}");

        let other = refusal("ServiceUnavailable", "Try later.", Action::Add);
        assert!(other.contains("renew by hand"), "{other}");
        let long = refusal("x", &"y".repeat(5000), Action::Add);
        assert!(long.len() < 1000, "Microsoft's words are cut to a bound: {} bytes", long.len());
    }
}
