//! `POST /integrations/{id}/verify` over real HTTP: who may ask, what is refused before Microsoft
//! is called, and what a person reads when Microsoft cannot be reached. (Results kept on
//! accounts, Azure and AWS: tests/health.rs.) (The conversation with
//! Entra itself is tested end to end against a fake identity platform: tests/e2e/verify.test.mjs.)
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::spawn_store;
use serde_json::{json, Value};
use xops_model::verify::{CheckId, ConnectionTest};
use xops_model::ApiError;

const ID: &str = "00000001-0000-4000-8000-000000000000";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";

fn m365() -> Value {
    common::process::m365_body("Contoso")
}

async fn verify(s: &common::TestStore, c: &reqwest::Client, id: &str, body: Value) -> reqwest::Response {
    s.post(c, &format!("/api/v1/integrations/{id}/verify"), body).await
}

#[tokio::test]
async fn an_unreachable_identity_platform_is_said_in_a_customer_s_words_and_not_kept() {
    // Port 9 (discard) on loopback: nothing listens there.
    let s = spawn_store(|c| c.microsoft_authority = "http://127.0.0.1:9".into()).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&c, ID, m365()).await;
    let res = verify(&s, &c, ID, json!({"graph_assertion": JWT, "exchange_assertion": JWT})).await;
    assert_eq!(res.status(), 200);
    let t: ConnectionTest = res.json().await.unwrap();
    assert!(!t.passed());
    assert!(!t.conclusive(), "Microsoft not answering says nothing about the account");
    assert_eq!(
        t.checks.iter().map(|c| c.id).collect::<Vec<_>>(),
        [CheckId::Credentials, CheckId::Organization, CheckId::AdminConsent, CheckId::ExchangeManageAsApp]
    );
    let first = &t.checks[0];
    assert!(first.unanswered);
    assert!(first.detail.contains("Xops could not reach Microsoft just now"), "{}", first.detail);
    assert!(first.detail.contains("nothing is wrong with your setup"), "{}", first.detail);
    // Unreachable is not refused: the later checks say why they did not run.
    assert_eq!(t.checks[1].detail, "Not checked: Microsoft could not be reached.");
    assert_eq!((t.checks[0].skipped, t.checks[1].skipped), (false, true), "a failure, then a check that could not run");
    // Our words and our configuration stay out of what the customer reads.
    for c in &t.checks {
        let text = format!("{} {}", c.detail, c.fix.as_deref().unwrap_or_default());
        for internal in ["127.0.0.1", "store", "administrator"] {
            assert!(!text.contains(internal), "{internal} in: {text}");
        }
    }
    // The account's status stays as it was: nothing was kept.
    let record: xops_model::Record = c.get(s.url(&format!("/api/v1/records/{ID}"))).send().await.unwrap().json().await.unwrap();
    assert!(record.body.unwrap().get("last_test").is_none());
}

#[tokio::test]
async fn only_the_organization_s_microsoft_accounts_with_well_formed_assertions_are_tested() {
    let s = spawn_store(|c| {
        c.microsoft_authority = "http://127.0.0.1:9".into();
        c.aws_environment = Some(Default::default());
    })
    .await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    s.create_integration(&ada, ID, m365()).await;
    let body = json!({"graph_assertion": JWT, "exchange_assertion": JWT});

    assert_eq!(verify(&s, &eve, ID, body.clone()).await.status(), 404, "another organization's account");
    assert_eq!(verify(&s, &s.browser(), ID, body.clone()).await.status(), 401, "signed out");

    let err: ApiError =
        verify(&s, &ada, ID, json!({"graph_assertion": "not a jwt", "exchange_assertion": JWT})).await.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("assertion"));
    let err: ApiError = verify(&s, &ada, ID, json!({"graph_assertion": JWT})).await.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("exchange_assertion"));
    let res = verify(&s, &ada, ID, json!({"graph_assertion": JWT, "client_secret": "x"})).await;
    assert_eq!(res.status(), 422, "unknown fields are refused");

    let aws_id = "00000002-0000-4000-8000-000000000000";
    let mut aws = m365();
    aws["details"] = json!({"provider": "aws", "account_type": "linked", "role_arn": "arn:aws:iam::123456789012:role/X",
        "external_id": "0123456789abcdef0123456789abcdef0123456789abcdef"});
    s.create_integration(&ada, aws_id, aws).await;
    // An AWS account needs no assertion; this store has no AWS access to test it with.
    let res = verify(&s, &ada, aws_id, json!({})).await;
    assert_eq!(res.status(), 503);
    let err: ApiError = res.json().await.unwrap();
    assert!(err.error.message.contains("cannot test AWS accounts yet"), "{}", err.error.message);
}

/// Each connection test calls Microsoft: one organization may not hold many calls open at once,
/// nor start an endless stream of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connection_tests_are_limited_per_organization_at_once_and_per_minute() {
    // An identity platform that accepts connections and never answers: tests stay running.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            open.push(conn);
        }
    });
    let s = spawn_store(|c| c.microsoft_authority = silent_url).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ID, m365()).await;
    let body = json!({"graph_assertion": JWT, "exchange_assertion": JWT});
    let running: Vec<_> = (0..2)
        .map(|_| {
            let (url, ada, body) = (s.url(&format!("/api/v1/integrations/{ID}/verify")), ada.clone(), body.clone());
            tokio::spawn(async move { ada.post(url).json(&body).send().await })
        })
        .collect();
    // Both are under way (held by the silent identity platform) well before this.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let res = verify(&s, &ada, ID, body.clone()).await;
    assert_eq!(res.status(), 429, "a third at once");
    assert_eq!(res.headers()["retry-after"], "1");
    let err: ApiError = res.json().await.unwrap();
    assert!(err.error.message.contains("already running"), "{}", err.error.message);
    // Another organization is not held up.
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    s.create_integration(&eve, "00000003-0000-4000-8000-000000000000", m365()).await;
    let eve_test = {
        let (url, eve, body) =
            (s.url("/api/v1/integrations/00000003-0000-4000-8000-000000000000/verify"), eve.clone(), body.clone());
        tokio::spawn(async move { eve.post(url).json(&body).send().await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!eve_test.is_finished(), "Fabrikam's test runs (it waits on Microsoft) instead of being refused");
    for t in running.into_iter().chain([eve_test]) {
        t.abort();
    }
    held.abort();

    // Per minute: the limit is counted whether the tests succeed or not.
    let s = spawn_store(|c| {
        c.microsoft_authority = "http://127.0.0.1:9".into();
        c.connection_tests_per_minute = 3;
    })
    .await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ID, m365()).await;
    for _ in 0..3 {
        assert_eq!(verify(&s, &ada, ID, body.clone()).await.status(), 200);
    }
    let res = verify(&s, &ada, ID, body.clone()).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}
