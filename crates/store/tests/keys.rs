//! `POST /integrations/{id}/keys` and `.../keys/{key_id}/remove` over real HTTP: who may ask, and
//! what is refused before Microsoft is called. (The conversation with Graph itself, proofs checked
//! for real, is tested end to end against a fake Entra: tests/e2e/renew.test.mjs.)
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::spawn_store;
use serde_json::{json, Value};
use xops_model::{ApiError, ErrorCode};

const ID: &str = "00000001-0000-4000-8000-000000000000";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";
const KEY_ID: &str = "0000000a-0000-4000-8000-000000000000";
const CERTIFICATE: &str = include_str!("fixtures/rsa2048.cer");
const EC_CERTIFICATE: &str = include_str!("fixtures/ec-p256.cer");

fn add_body(pem: &str) -> Value {
    json!({"graph_assertion": JWT, "proof": JWT, "certificate_pem": pem})
}

async fn add(s: &common::TestStore, c: &reqwest::Client, id: &str, body: Value) -> reqwest::Response {
    s.post(c, &format!("/api/v1/integrations/{id}/keys"), body).await
}

async fn remove(s: &common::TestStore, c: &reqwest::Client, id: &str, key_id: &str) -> reqwest::Response {
    s.post(c, &format!("/api/v1/integrations/{id}/keys/{key_id}/remove"), json!({"graph_assertion": JWT, "proof": JWT})).await
}

async fn error(res: reqwest::Response) -> (u16, ApiError) {
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn only_the_organization_s_microsoft_accounts_may_change_keys_and_never_with_a_private_key() {
    // Nothing listens on port 9: a request that got as far as Microsoft would answer 502.
    let s = spawn_store(|c| c.microsoft_authority = "http://127.0.0.1:9".into()).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    s.create_integration(&ada, ID, common::process::m365_body("Contoso")).await;

    assert_eq!(add(&s, &eve, ID, add_body(CERTIFICATE)).await.status(), 404, "another organization's account");
    assert_eq!(remove(&s, &eve, ID, KEY_ID).await.status(), 404, "another organization's account");
    assert_eq!(add(&s, &s.browser(), ID, add_body(CERTIFICATE)).await.status(), 401, "signed out");

    let with_key = format!("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n{CERTIFICATE}");
    let (status, err) = error(add(&s, &ada, ID, add_body(&with_key)).await).await;
    assert_eq!((status, err.error.field.as_deref()), (422, Some("certificate_pem")));
    assert!(err.error.message.contains("a private key never leaves your browser"), "{}", err.error.message);

    let (status, err) = error(add(&s, &ada, ID, add_body(EC_CERTIFICATE)).await).await;
    assert_eq!(status, 422);
    assert!(err.error.message.contains("must be RSA"), "{}", err.error.message);
    let (_, err) =
        error(add(&s, &ada, ID, json!({"graph_assertion": JWT, "proof": "not a jwt", "certificate_pem": CERTIFICATE})).await)
            .await;
    assert_eq!(err.error.field.as_deref(), Some("proof"));
    let res =
        add(&s, &ada, ID, json!({"graph_assertion": JWT, "proof": JWT, "certificate_pem": CERTIFICATE, "private_key": "x"}))
            .await;
    assert_eq!(res.status(), 422, "unknown fields are refused");
    let (_, err) = error(remove(&s, &ada, ID, "not-a-key-id").await).await;
    assert_eq!(err.error.field.as_deref(), Some("key_id"));

    let aws_id = "00000002-0000-4000-8000-000000000000";
    let mut aws = common::process::m365_body("Payments");
    aws["details"] = json!({"provider": "aws", "account_type": "linked", "role_arn": "arn:aws:iam::123456789012:role/X",
        "external_id": "0123456789abcdef0123456789abcdef0123456789abcdef"});
    s.create_integration(&ada, aws_id, aws).await;
    let (_, err) = error(add(&s, &ada, aws_id, add_body(CERTIFICATE)).await).await;
    assert!(err.error.message.contains("AWS accounts are linked through a role"), "{}", err.error.message);
}

#[tokio::test]
async fn when_microsoft_cannot_be_reached_nothing_changes_and_the_person_is_told() {
    let s = spawn_store(|c| c.microsoft_authority = "http://127.0.0.1:9".into()).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ID, common::process::m365_body("Contoso")).await;
    for res in [add(&s, &ada, ID, add_body(CERTIFICATE)).await, remove(&s, &ada, ID, KEY_ID).await] {
        let (status, err) = error(res).await;
        assert_eq!((status, err.error.code), (502, ErrorCode::MicrosoftUnreachable));
        assert!(err.error.message.contains("Nothing was changed"), "{}", err.error.message);
    }
    // The proof's audience the browser signs for is the store's to say.
    let platform: Value = s.browser().get(s.url("/api/v1/platform")).send().await.unwrap().json().await.unwrap();
    assert_eq!(platform["microsoft_proof_audience"], "00000002-0000-0000-c000-000000000000");
}
