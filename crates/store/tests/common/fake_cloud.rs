//! A fake of the clouds the store tests accounts against, on one local port: AWS STS (AssumeRole
//! and GetCallerIdentity, each refused unless signed with Signature Version 4 by a key it knows),
//! the Microsoft identity platform's token endpoint, Graph's organization, and Azure Resource
//! Manager's subscriptions and permissions. The store is pointed at it with
//! `--aws-sts-endpoint`, `--microsoft-authority`, `--microsoft-graph` and
//! `--azure-resource-manager`.
//!
//! What Entra itself checks of an assertion (signature, x5t, audience, replays) is checked by the
//! end-to-end tests' fake (tests/e2e/fake-entra.mjs), against the browser's real signatures; and
//! that fake checks AWS signatures with an implementation of its own (tests/e2e/fake-aws.mjs).

#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use xops_store::aws::sigv4;

/// The operator's AWS key, as the store's environment gives it.
pub const OPERATOR_KEY: &str = "AKIAXOPSOPERATOR0001";
pub const OPERATOR_SECRET: &str = "operator/secret/0123456789abcdefghijklmnopqrstuv";

/// What an AWS account's role trusts.
#[derive(Clone)]
pub struct Role {
    pub external_id: String,
    /// Whether its trust policy names Xops's account.
    pub trusts_xops: bool,
}

#[derive(Default)]
pub struct Cloud {
    /// By role ARN.
    pub roles: HashMap<String, Role>,
    /// Every AssumeRole that reached the role check: role ARN, External ID, session name.
    pub assumed: Vec<(String, String, String)>,
    /// Temporary keys handed out: key id → (secret, role ARN).
    temporary: HashMap<String, (String, String)>,
    /// Requests refused for their signature.
    pub bad_signatures: usize,
    /// When set, the token endpoint refuses with this description.
    pub entra_refusal: Option<String>,
    /// Subscription id → (display name, state, whether the app may read everything).
    pub subscriptions: HashMap<String, (String, String, bool)>,
    /// How long STS takes to answer (checks that overlap, in tests of the schedule).
    pub sts_delay: std::time::Duration,
}

pub struct FakeCloud {
    pub base: String,
    pub cloud: Arc<Mutex<Cloud>>,
}

impl FakeCloud {
    pub async fn start() -> FakeCloud {
        let cloud = Arc::new(Mutex::new(Cloud::default()));
        let app = Router::new()
            .route("/", post(sts))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/v1.0/organization", get(organization))
            .route("/subscriptions/{id}", get(subscription))
            .route("/subscriptions/{id}/providers/Microsoft.Authorization/permissions", get(permissions))
            .with_state(cloud.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeCloud { base, cloud }
    }

    /// The environment a store reads the operator's AWS credentials from.
    pub fn aws_environment() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("AWS_ACCESS_KEY_ID".to_string(), OPERATOR_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), OPERATOR_SECRET.to_string()),
        ])
    }

    /// Points a store's configuration at this fake, with the operator's AWS credentials.
    pub fn configure(&self, c: &mut xops_store::Config) {
        c.aws_sts_endpoint = self.base.clone();
        c.microsoft_authority = self.base.clone();
        c.microsoft_graph = self.base.clone();
        c.azure_resource_manager = self.base.clone();
        c.aws_environment = Some(Self::aws_environment().into());
    }

    pub fn add_role(&self, arn: &str, external_id: &str) {
        self.cloud.lock().unwrap().roles.insert(arn.into(), Role { external_id: external_id.into(), trusts_xops: true });
    }

    pub fn trust(&self, arn: &str, trusts_xops: bool) {
        self.cloud.lock().unwrap().roles.get_mut(arn).unwrap().trusts_xops = trusts_xops;
    }

    pub fn assumed(&self, arn: &str) -> usize {
        self.cloud.lock().unwrap().assumed.iter().filter(|(a, _, _)| a == arn).count()
    }
}

/// A form body's fields, percent-decoded.
fn form_fields(body: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' if i + 2 < bytes.len() => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    };
    body.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "text/xml")], body).into_response()
}

fn sts_error(status: StatusCode, code: &str, message: &str) -> Response {
    xml(
        status,
        format!("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"),
    )
}

/// The key id that signed the request, if its signature checks out with the secret the fake
/// knows for it.
fn signed_by(cloud: &Cloud, headers: &HeaderMap, body: &str) -> Option<String> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let authorization = header("authorization");
    let key_id = authorization.strip_prefix("AWS4-HMAC-SHA256 Credential=")?.split('/').next()?.to_string();
    let secret = if key_id == OPERATOR_KEY { OPERATOR_SECRET.to_string() } else { cloud.temporary.get(&key_id)?.0.clone() };
    let signed: Vec<String> =
        authorization.split("SignedHeaders=").nth(1)?.split(',').next()?.split(';').map(str::to_string).collect();
    let values: Vec<(String, String)> = signed.iter().map(|h| (h.clone(), header(h))).collect();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = sigv4::Request { method: "POST", path: "/", query: "", headers: &pairs, payload: body.as_bytes() };
    let expected = sigv4::authorization(&key_id, &secret, "us-east-1", "sts", &header("x-amz-date"), &request);
    (expected == authorization).then_some(key_id)
}

async fn sts(State(cloud): State<Arc<Mutex<Cloud>>>, headers: HeaderMap, body: String) -> Response {
    let delay = cloud.lock().unwrap().sts_delay;
    tokio::time::sleep(delay).await;
    let mut cloud = cloud.lock().unwrap();
    let form = form_fields(&body);
    let Some(key_id) = signed_by(&cloud, &headers, &body) else {
        cloud.bad_signatures += 1;
        return sts_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match get("Action").as_str() {
        "AssumeRole" if key_id == OPERATOR_KEY => {
            let (arn, external_id, session) = (get("RoleArn"), get("ExternalId"), get("RoleSessionName"));
            cloud.assumed.push((arn.clone(), external_id.clone(), session));
            let allowed = cloud.roles.get(&arn).is_some_and(|r| r.trusts_xops && r.external_id == external_id);
            if !allowed {
                let message = format!(
                    "User: arn:aws:iam::111122223333:user/xops is not authorized to perform: sts:AssumeRole on resource: {arn}"
                );
                return sts_error(StatusCode::FORBIDDEN, "AccessDenied", &message);
            }
            let n = cloud.temporary.len();
            let (key, secret) = (format!("ASIATEMPORARY{n:07}"), format!("temporary-secret-{n}"));
            cloud.temporary.insert(key.clone(), (secret.clone(), arn));
            xml(StatusCode::OK, format!("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>token-{n}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"))
        }
        "GetCallerIdentity" => {
            let Some((_, arn)) = cloud.temporary.get(&key_id) else {
                return sts_error(StatusCode::FORBIDDEN, "AccessDenied", "only a role's session may ask here");
            };
            let account = arn.split(':').nth(4).unwrap_or_default().to_string();
            let role = arn.rsplit('/').next().unwrap_or_default();
            xml(StatusCode::OK, format!("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::{account}:assumed-role/{role}/xops</Arn><UserId>AROA:xops</UserId><Account>{account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"))
        }
        other => sts_error(StatusCode::BAD_REQUEST, "InvalidAction", &format!("{other} is not here")),
    }
}

async fn token(
    State(cloud): State<Arc<Mutex<Cloud>>>,
    Path(_tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    use base64::Engine;
    if let Some(description) = cloud.lock().unwrap().entra_refusal.clone() {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": description})))
            .into_response();
    }
    let roles = if form.get("scope").is_some_and(|s| s.starts_with("https://outlook")) {
        json!(["Exchange.ManageAsApp"])
    } else {
        json!([])
    };
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json!({"roles": roles}).to_string());
    Json(json!({"access_token": format!("eyJ0eXAiOiJKV1QifQ.{payload}.c2ln"), "token_type": "Bearer"})).into_response()
}

async fn organization() -> Json<serde_json::Value> {
    Json(json!({"value": [{"displayName": "Contoso Ltd", "verifiedDomains": [{"name": "contoso.onmicrosoft.com"}]}]}))
}

async fn subscription(State(cloud): State<Arc<Mutex<Cloud>>>, Path(id): Path<String>) -> Response {
    match cloud.lock().unwrap().subscriptions.get(&id) {
        Some((name, state, _)) => Json(json!({"subscriptionId": id, "displayName": name, "state": state})).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": "SubscriptionNotFound", "message": format!("The subscription '{id}' could not be found.")}})),
        )
            .into_response(),
    }
}

async fn permissions(State(cloud): State<Arc<Mutex<Cloud>>>, Path(id): Path<String>) -> Response {
    match cloud.lock().unwrap().subscriptions.get(&id) {
        Some((_, _, true)) => Json(json!({"value": [{"actions": ["*/read"], "notActions": []}]})).into_response(),
        Some((_, _, false)) => {
            Json(json!({"value": [{"actions": ["Microsoft.Storage/*/read"], "notActions": []}]})).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
