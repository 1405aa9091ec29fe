//! Testing an AWS account: the store assumes the account's role through STS with the operator's
//! own AWS credentials and the account's External ID, then asks STS who the role's temporary
//! credentials belong to. Nothing is kept but the checklist: no credentials (the operator's or the
//! role's) are logged or stored.
//!
//! STS's Query API is two form-encoded POSTs with XML answers, signed with Signature Version 4
//! (`sigv4` below, checked against AWS's published test suite): a few dozen lines, where the AWS
//! SDK would bring its whole runtime.

mod credentials;
pub mod sigv4;

pub use credentials::{operator_credentials, Credentials};
use sigv4::form_encode;
use xops_model::verify::{Check, CheckId, ConnectionTest, UNANSWERED_FIX};
use xops_model::{AwsAccountId, ExternalId, OrganizationId, RoleArn};

/// The STS endpoint used unless the operator names another (`--aws-sts-endpoint`).
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.amazonaws.com";

/// The text of the first `<tag>…</tag>` in an STS answer, with XML's entities decoded.
pub fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    let raw = &xml[start..end];
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// What an STS call came to.
enum Answer {
    /// 200, with its XML.
    Ok(String),
    /// STS refused: its error code and message.
    Refused { code: String, message: String },
    /// No answer, or one that was not STS's (a 5xx, a proxy's page, a timeout).
    Unanswered(String),
}

/// Error codes that say Xops's own credentials (or its clock) are at fault, not the customer's
/// setup.
const OPERATOR_FAULTS: [&str; 7] = [
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "UnrecognizedClientException",
    "RequestExpired",
];

/// The configured STS endpoint (never taken from a request) and one HTTP client.
pub struct Sts {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    region: String,
}

/// One AWS account to test.
pub struct Target<'a> {
    pub role_arn: &'a RoleArn,
    pub external_id: &'a ExternalId,
    /// Who the session is for (AWS CloudTrail shows it in the customer's account).
    pub organization: &'a OrganizationId,
    pub organization_name: &'a str,
    /// Xops's own AWS account, when the operator named it (the fix names it).
    pub xops_account: Option<&'a AwsAccountId>,
}

impl Sts {
    pub fn new(endpoint: &str) -> Sts {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let host = endpoint.split_once("://").map_or(endpoint.as_str(), |(_, h)| h).to_string();
        // A regional endpoint (sts.eu-west-1.amazonaws.com) signs for its region; the global one,
        // and anything else (a test double), for us-east-1.
        let region = host
            .strip_prefix("sts.")
            .and_then(|rest| rest.strip_suffix(".amazonaws.com"))
            .filter(|r| !r.is_empty() && !r.contains('.'))
            .unwrap_or("us-east-1")
            .to_string();
        Sts { http: crate::outbound_client(), endpoint, host, region }
    }

    async fn call(&self, credentials: &Credentials, params: &[(&str, &str)], now_ms: i64) -> Answer {
        let body = form_encode(params);
        let amz_date = sigv4::amz_date(now_ms);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let mut headers = vec![("content-type", content_type), ("host", self.host.as_str()), ("x-amz-date", amz_date.as_str())];
        if let Some(token) = &credentials.session_token {
            headers.push(("x-amz-security-token", token.as_str()));
        }
        let request = sigv4::Request { method: "POST", path: "/", query: "", headers: &headers, payload: body.as_bytes() };
        let authorization = sigv4::authorization(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            &self.region,
            "sts",
            &amz_date,
            &request,
        );
        let mut send = self.http.post(format!("{}/", self.endpoint)).header("authorization", authorization);
        for (k, v) in headers.iter().filter(|(k, _)| *k != "host") {
            send = send.header(*k, *v);
        }
        let res = match send.body(body).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Answer::Unanswered("AWS did not answer in time".into()),
            Err(_) => return Answer::Unanswered("AWS could not be reached".into()),
        };
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status.is_success() {
            return Answer::Ok(text);
        }
        match (status.is_client_error(), xml_text(&text, "Code")) {
            (true, Some(code)) if code != "Throttling" => {
                Answer::Refused { message: xml_text(&text, "Message").unwrap_or_default(), code }
            }
            _ => Answer::Unanswered(format!("AWS answered {status}")),
        }
    }

    /// The role session's name: it names the organization (it shows in the customer's CloudTrail).
    pub fn session_name(organization_name: &str, organization: &OrganizationId) -> String {
        let name: String = organization_name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "+=,.@-".contains(c) { c } else { '-' })
            .take(40)
            .collect();
        let id: String = organization.as_str().chars().take(8).collect();
        format!("xops-{}-{id}", name.trim_matches('-'))
    }

    /// Runs the checks with the operator's credentials (`None`: the deployment has none).
    pub async fn test(&self, credentials: &Credentials, target: Target<'_>, now_ms: i64) -> ConnectionTest {
        let mut result = ConnectionTest::new(now_ms);
        let account = target.role_arn.account_id();
        let session = Self::session_name(target.organization_name, target.organization);
        let params = [
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", target.role_arn.as_str()),
            ("RoleSessionName", session.as_str()),
            ("ExternalId", target.external_id.as_str()),
            ("DurationSeconds", "900"),
        ];
        let assumed = match self.call(credentials, &params, now_ms).await {
            Answer::Ok(xml) => {
                let key = |tag| xml_text(&xml, tag).filter(|v| !v.is_empty());
                match (key("AccessKeyId"), key("SecretAccessKey"), key("SessionToken")) {
                    (Some(access_key_id), Some(secret_access_key), session_token) => {
                        Credentials { access_key_id, secret_access_key, session_token }
                    }
                    _ => {
                        let detail = "AWS's answer could not be read, so your role could not be checked just now; nothing is known to be wrong with your setup.";
                        return not_asked(result, detail, "AWS's answer could not be read.");
                    }
                }
            }
            Answer::Refused { code, message } if OPERATOR_FAULTS.contains(&code.as_str()) => {
                tracing::error!(code, message, "AWS refused Xops's own credentials; AWS accounts cannot be tested until they are fixed (see docs/operations.md)");
                let detail = "Xops's own access to AWS is not working just now, so your role could not be checked; nothing is known to be wrong with your setup.";
                return not_asked(result, detail, "Xops could not ask AWS.");
            }
            Answer::Refused { code, message } => {
                let (detail, fix) = explain_refusal(&code, &message, &target, &account);
                result.checks.push(Check::failed(CheckId::RoleAssumed, detail, fix));
                result.checks.push(Check::not_checked(CheckId::AccountMatches, "Xops could not assume the role."));
                return result;
            }
            Answer::Unanswered(why) => {
                result.checks.push(Check::unanswered(
                    CheckId::RoleAssumed,
                    format!(
                        "{why}, so your role could not be checked just now; nothing is wrong with your setup that Xops knows of."
                    ),
                    UNANSWERED_FIX,
                ));
                result.checks.push(Check::not_checked(CheckId::AccountMatches, "AWS could not be reached."));
                return result;
            }
        };
        result.checks.push(Check::passed(
            CheckId::RoleAssumed,
            format!("Xops assumed the role {} in AWS account {account} with this account's External ID.", target.role_arn.name()),
        ));
        let who = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];
        result.checks.push(match self.call(&assumed, &who, now_ms).await {
            Answer::Ok(xml) => {
                let (found, arn) = (xml_text(&xml, "Account").unwrap_or_default(), xml_text(&xml, "Arn").unwrap_or_default());
                let role_part = format!(":assumed-role/{}/", target.role_arn.name());
                if found == account.as_str() && arn.contains(&role_part) {
                    Check::passed(CheckId::AccountMatches, format!("The role's credentials belong to AWS account {account} ({arn})."))
                } else {
                    Check::failed(
                        CheckId::AccountMatches,
                        format!("The role's credentials belong to {arn} in AWS account {found}, not to the role {} in {account}.", target.role_arn.name()),
                        format!("Check the AWS Role ARN: it must be the role Xops reads from in account {account}. Link the account again with the right ARN."),
                    )
                }
            }
            Answer::Refused { code, message } => Check::failed(
                CheckId::AccountMatches,
                format!("AWS refused to say who the role's credentials belong to ({code}: {message})."),
                "Check that no policy in the account (a service control policy, say) denies sts:GetCallerIdentity to the role, then test again.",
            ),
            Answer::Unanswered(why) => Check::unanswered(
                CheckId::AccountMatches,
                format!("{why} while checking the account; nothing is wrong with your setup that Xops knows of."),
                UNANSWERED_FIX,
            ),
        });
        result
    }
}

/// The result when the role could not be checked at all (`detail` says why): inconclusive.
fn not_asked(mut result: ConnectionTest, detail: &str, because: &str) -> ConnectionTest {
    result.checks.push(Check::unanswered(CheckId::RoleAssumed, detail, UNANSWERED_FIX));
    result.checks.push(Check::not_checked(CheckId::AccountMatches, because));
    result
}

/// STS's refusal to let Xops assume the role, as a sentence and a fix. AWS answers AccessDenied
/// alike for a role that is missing, a trust policy that does not name Xops, and an External ID
/// that differs (it tells an outsider nothing), so the fix names all three in the order to check.
fn explain_refusal(code: &str, message: &str, target: &Target<'_>, account: &AwsAccountId) -> (String, String) {
    let role = target.role_arn.name();
    let xops = match target.xops_account {
        Some(a) => format!("Xops's AWS account {a} (the principal arn:aws:iam::{a}:root)"),
        None => "Xops's AWS account".to_string(),
    };
    match code {
        "AccessDenied" => (
            format!("AWS refused to let Xops assume the role {role} in account {account} (AccessDenied)."),
            format!(
                "In AWS account {account}, open IAM → Roles and check, in this order: that the role {role} exists; that its trust policy allows {xops}; and that its trust policy's condition sts:ExternalId is exactly {}. Creating the role with the CloudFormation template from the AWS link page sets all three.",
                target.external_id.as_str()
            ),
        ),
        "RegionDisabledException" => (
            "AWS STS is not active in the region Xops asked for this account.".to_string(),
            format!("In AWS account {account}, activate STS for the region (IAM → Account settings → Security Token Service endpoints), then test again."),
        ),
        _ => (
            format!("AWS refused to let Xops assume the role {role}: {code}: {message}"),
            "Check the role, its trust policy and its External ID in IAM → Roles, then test again.".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_from_sts_s_xml() {
        let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: a &amp; b is not authorized</Message></Error></ErrorResponse>";
        assert_eq!(xml_text(xml, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_text(xml, "Message").as_deref(), Some("User: a & b is not authorized"));
        assert_eq!(xml_text(xml, "Arn"), None);
    }

    #[test]
    fn the_session_names_the_organization_in_what_aws_allows() {
        let org = OrganizationId::parse("0b7c2f55-2a4c-4b8e-9a43-5d1c2e3f4a5b").unwrap();
        assert_eq!(Sts::session_name("Contoso Ltd (EU)", &org), "xops-Contoso-Ltd--EU-0b7c2f55");
        let long = Sts::session_name(&"x".repeat(200), &org);
        assert!(long.len() <= 64, "{long}");
    }
}
