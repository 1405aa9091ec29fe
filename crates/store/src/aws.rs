//! Testing an AWS account: the store assumes the account's role through STS with the operator's
//! own AWS credentials and the account's External ID, then asks STS who the role's temporary
//! credentials belong to. Nothing is kept but the checklist: no credentials (the operator's or the
//! role's) are logged or stored.
//!
//! STS's Query API is two form-encoded POSTs with XML answers, signed with Signature Version 4
//! (`sigv4` below, checked against AWS's published test suite): a few dozen lines, where the AWS
//! SDK would bring its whole runtime.

use std::time::Duration;
use xops_model::verify::{Check, CheckId, ConnectionTest};
use xops_model::{AwsAccountId, ExternalId, OrganizationId, RoleArn};

/// The STS endpoint used unless the operator names another (`--aws-sts-endpoint`).
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.amazonaws.com";

/// AWS credentials: the operator's own (to assume roles with), or a role's temporary ones.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key id names the credentials; the secret and the token never appear.
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Where the operator's credentials come from: the standard environment variables, then the
/// shared credentials and config files (profile `AWS_PROFILE`, else `default`), as `variable`
/// reads the environment. `None` when there are none at all; an error (for the operator's log)
/// when some are there but unusable.
pub fn operator_credentials(variable: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>, String> {
    let env = |name: &str| variable(name).filter(|v| !v.trim().is_empty());
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => {
            return Ok(Some(Credentials { access_key_id, secret_access_key, session_token: env("AWS_SESSION_TOKEN") }))
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together".into())
        }
        (None, None) => {}
    }
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let home = env("HOME").map(std::path::PathBuf::from);
    let file = |variable: &str, default: &str| env(variable).map(Into::into).or_else(|| home.as_ref().map(|h| h.join(default)));
    // The credentials file names a profile `[name]`; the config file `[profile name]` (or `[default]`).
    let places = [
        (file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), profile.clone()),
        (
            file("AWS_CONFIG_FILE", ".aws/config"),
            if profile == "default" { profile.clone() } else { format!("profile {profile}") },
        ),
    ];
    for (path, section) in places {
        let Some(path) = path else { continue };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{} could not be read: {e}", path.display())),
        };
        let values = ini_section(&text, &section);
        let get = |k: &str| values.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                return Ok(Some(Credentials { access_key_id, secret_access_key, session_token: get("aws_session_token") }))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(format!("profile {profile} in {} has only half of a key pair", path.display()))
            }
            (None, None) => {}
        }
    }
    Ok(None)
}

/// The `key = value` lines of one `[section]` of an INI file (comments and other sections skipped).
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut values = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
            continue;
        }
        if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            values.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    values
}

/// AWS Signature Version 4, for a request whose headers are all signed.
pub mod sigv4 {
    use ::hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    type HmacSha256 = Hmac<Sha256>;

    fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes a key of any length.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    pub fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn sha256_hex(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    /// A request to sign: `headers` are what it sends besides Authorization (Host among them),
    /// names in any case.
    pub struct Request<'a> {
        pub method: &'a str,
        pub path: &'a str,
        /// Already in canonical form (sorted, encoded), or empty.
        pub query: &'a str,
        pub headers: &'a [(&'a str, &'a str)],
        pub payload: &'a [u8],
    }

    /// The canonical request (task 1 of the signing process), and the signed headers' names.
    pub fn canonical_request(r: &Request<'_>) -> (String, String) {
        let mut headers: Vec<(String, String)> =
            r.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.split_whitespace().collect::<Vec<_>>().join(" "))).collect();
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let signed = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
        let request = format!("{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}", r.method, r.path, r.query, sha256_hex(r.payload));
        (request, signed)
    }

    /// The `Authorization` header's value. `amz_date` is the request's `X-Amz-Date`
    /// (`YYYYMMDDTHHMMSSZ`), which must be among its headers.
    pub fn authorization(
        access_key_id: &str,
        secret_access_key: &str,
        region: &str,
        service: &str,
        amz_date: &str,
        request: &Request<'_>,
    ) -> String {
        let date = &amz_date[..8.min(amz_date.len())];
        let (canonical, signed) = canonical_request(request);
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
        let key = [region, service, "aws4_request"]
            .iter()
            .fold(mac(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes()), |k, part| mac(&k, part.as_bytes()));
        let signature = hex(&mac(&key, to_sign.as_bytes()));
        format!("AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}")
    }

    /// `X-Amz-Date` for a time in milliseconds since the Unix epoch.
    pub fn amz_date(unix_ms: i64) -> String {
        let secs = unix_ms.div_euclid(1000);
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
    }
}

/// A form body as AWS encodes it: every byte but `A-Za-z0-9-_.~` percent-encoded.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

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
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Sts { http, endpoint, host, region }
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
        let unanswered_fix = "Try again in a few minutes. If it keeps happening, tell the people who run Xops for you.";
        let assumed = match self.call(credentials, &params, now_ms).await {
            Answer::Ok(xml) => {
                let key = |tag| xml_text(&xml, tag).filter(|v| !v.is_empty());
                match (key("AccessKeyId"), key("SecretAccessKey"), key("SessionToken")) {
                    (Some(access_key_id), Some(secret_access_key), session_token) => {
                        Credentials { access_key_id, secret_access_key, session_token }
                    }
                    _ => {
                        result.checks.push(Check::unanswered(
                            CheckId::RoleAssumed,
                            "AWS's answer could not be read, so your role could not be checked just now; nothing is known to be wrong with your setup.",
                            unanswered_fix,
                        ));
                        result.checks.push(Check::not_checked(CheckId::AccountMatches, "AWS's answer could not be read."));
                        return result;
                    }
                }
            }
            Answer::Refused { code, message } if OPERATOR_FAULTS.contains(&code.as_str()) => {
                tracing::error!(code, message, "AWS refused Xops's own credentials; AWS accounts cannot be tested until they are fixed (see docs/operations.md)");
                result.checks.push(Check::unanswered(
                    CheckId::RoleAssumed,
                    "Xops's own access to AWS is not working just now, so your role could not be checked; nothing is known to be wrong with your setup.",
                    unanswered_fix,
                ));
                result.checks.push(Check::not_checked(CheckId::AccountMatches, "Xops could not ask AWS."));
                return result;
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
                    unanswered_fix,
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
                unanswered_fix,
            ),
        });
        result
    }
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

    /// AWS's Signature Version 4 test suite: the credentials and time every case uses.
    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    #[test]
    fn signatures_match_aws_s_published_test_suite() {
        // "post-x-www-form-urlencoded": the shape of every STS call.
        let headers =
            [("Content-Type", "application/x-www-form-urlencoded"), ("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)];
        let r = sigv4::Request { method: "POST", path: "/", query: "", headers: &headers, payload: b"Param1=value1" };
        assert_eq!(
            sigv4::authorization(KEY_ID, SECRET, "us-east-1", "service", DATE, &r),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
        // "post-x-www-form-urlencoded-parameters": a charset in the content type.
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf8"),
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", DATE),
        ];
        let r = sigv4::Request { headers: &headers, ..r };
        assert!(sigv4::authorization(KEY_ID, SECRET, "us-east-1", "service", DATE, &r)
            .ends_with("Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"));
        // The 2011 suite's "get-vanilla-query-order-key": a query, and a Date header instead.
        let headers = [("Date", "Mon, 09 Sep 2011 23:36:00 GMT"), ("Host", "host.foo.com")];
        let r = sigv4::Request { method: "GET", path: "/", query: "foo=Zoo&foo=aha", headers: &headers, payload: b"" };
        let (canonical, signed) = sigv4::canonical_request(&r);
        assert_eq!(signed, "date;host");
        assert_eq!(sigv4::sha256_hex(canonical.as_bytes()), "e25f777ba161a0f1baf778a87faf057187cf5987f17953320e3ca399feb5f00d");
        assert!(sigv4::authorization(KEY_ID, SECRET, "us-east-1", "host", "20110909T233600Z", &r)
            .ends_with("Signature=be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09"));
    }

    #[test]
    fn dates_forms_and_answers() {
        assert_eq!(sigv4::amz_date(1_440_938_160_000), DATE);
        assert_eq!(sigv4::amz_date(0), "19700101T000000Z");
        assert_eq!(sigv4::amz_date(951_782_400_000), "20000229T000000Z", "a leap day");
        assert_eq!(
            form_encode(&[("RoleSessionName", "xops-a b"), ("RoleArn", "arn:aws:iam::1:role/a+b")]),
            "RoleSessionName=xops-a%20b&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%2Bb"
        );
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

    #[test]
    fn profiles_are_read_from_their_section() {
        let text =
            "[default]\naws_access_key_id = A\n# a comment\n[profile ops]\naws_access_key_id=B\naws_secret_access_key = S\n";
        assert_eq!(
            ini_section(text, "profile ops"),
            [("aws_access_key_id".into(), "B".into()), ("aws_secret_access_key".into(), "S".into())]
        );
        assert_eq!(ini_section(text, "default").len(), 1);
        assert!(ini_section(text, "none").is_empty());
        let c =
            Credentials { access_key_id: "AKID".into(), secret_access_key: "SECRET".into(), session_token: Some("TOKEN".into()) };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKID") && !shown.contains("SECRET") && !shown.contains("TOKEN"), "{shown}");
    }
}
