//! Connection health at the store, over real HTTP against a fake of the clouds
//! (common/fake_cloud.rs): a test's result is the store's own, AWS and Azure accounts are tested,
//! and the store re-checks AWS accounts by itself.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::fake_cloud::FakeCloud;
use common::spawn_store;
use serde_json::{json, Value};
use xops_model::verify::{CheckId, ConnectionTest};
use xops_model::{ActivityPage, ApiError, Platform, Record};

const ACCOUNT: &str = "00000001-0000-4000-8000-000000000000";
const OTHER: &str = "00000002-0000-4000-8000-000000000000";
const ROLE: &str = "arn:aws:iam::123456789012:role/XopsReadOnly";
const EXTERNAL_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";
const XOPS_ACCOUNT: &str = "111122223333";
/// The fixture certificate's thumbprint (see `common::fixture_certificate`).
const THUMBPRINT: &str = "C9D73A40D02B751473A86314D847B1376EF78D18";

fn aws() -> Value {
    let mut body = common::process::m365_body("Payments");
    body["details"] = json!({"provider": "aws", "account_type": "linked", "role_arn": ROLE, "external_id": EXTERNAL_ID});
    body
}

/// A client assertion's shape, naming the certificate `thumbprint` in its `x5t` (the fake
/// identity platform here does not check signatures; the end-to-end tests' fake does).
fn assertion(thumbprint: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let digest: Vec<u8> = (0..20).map(|i| u8::from_str_radix(&thumbprint[2 * i..2 * i + 2], 16).unwrap()).collect();
    let header = b64.encode(json!({"alg": "RS256", "typ": "JWT", "x5t": b64.encode(digest)}).to_string());
    format!("{header}.eyJpc3MiOiJ4In0.c2lnbmF0dXJl")
}

async fn verify(s: &common::TestStore, c: &reqwest::Client, id: &str, body: Value) -> reqwest::Response {
    s.post(c, &format!("/api/v1/integrations/{id}/verify"), body).await
}

async fn record(s: &common::TestStore, c: &reqwest::Client, id: &str) -> Record {
    c.get(s.url(&format!("/api/v1/records/{id}"))).send().await.unwrap().json().await.unwrap()
}

async fn put(s: &common::TestStore, c: &reqwest::Client, id: &str, revision: i64, body: Value) -> reqwest::Response {
    c.put(s.url(&format!("/api/v1/records/{id}")))
        .header("if-match", format!("\"{revision}\""))
        .json(&json!({"kind": "integration", "body": body}))
        .send()
        .await
        .unwrap()
}

async fn activity(s: &common::TestStore, c: &reqwest::Client) -> ActivityPage {
    c.get(s.url("/api/v1/activity")).send().await.unwrap().json().await.unwrap()
}

fn last_test(r: &Record) -> Option<ConnectionTest> {
    r.body.as_ref().and_then(|b| b.get("last_test")).map(|t| serde_json::from_value(t.clone()).unwrap())
}

#[tokio::test]
async fn a_client_cannot_put_a_test_result_on_an_account() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let forged = json!({"at": 1_800_000_000_000i64, "checks": [{"id": "credentials", "ok": true, "detail": "Fine."}]});
    let mut body = common::process::m365_body("Contoso");
    body["last_test"] = forged.clone();
    s.create_integration(&ada, ACCOUNT, body.clone()).await;
    let stored = record(&s, &ada, ACCOUNT).await;
    assert_eq!(last_test(&stored), None, "a new account's result is not taken from the client");

    body["name"] = "Contoso renamed".into();
    body["last_test"]["seal"] = "bm90IGEgc2VhbA".into();
    let res = put(&s, &ada, ACCOUNT, stored.revision, body).await;
    assert_eq!(res.status(), 200);
    let stored = record(&s, &ada, ACCOUNT).await;
    assert_eq!(stored.body.as_ref().unwrap()["name"], "Contoso renamed", "the rest of the change is taken");
    assert_eq!(last_test(&stored), None, "nor from a change, nor with a made-up seal");
}

#[tokio::test]
async fn an_aws_account_is_tested_by_assuming_its_role_and_the_result_is_kept() {
    let cloud = FakeCloud::start().await;
    cloud.add_role(ROLE, EXTERNAL_ID);
    let s = spawn_store(|c| {
        cloud.configure(c);
        c.aws_account_id = Some(xops_model::AwsAccountId::parse(XOPS_ACCOUNT).unwrap());
    })
    .await;
    let ada = s.sign_up("ada@contoso.com", "Contoso Ltd").await;
    s.create_integration(&ada, ACCOUNT, aws()).await;
    let platform: Platform = ada.get(s.url("/api/v1/platform")).send().await.unwrap().json().await.unwrap();
    assert!(platform.aws_checks, "the app offers Test connection");

    let res = verify(&s, &ada, ACCOUNT, json!({})).await;
    assert_eq!(res.status(), 200);
    let t: ConnectionTest = res.json().await.unwrap();
    assert!(t.passed(), "{t:?}");
    assert_eq!(t.checks.iter().map(|c| c.id).collect::<Vec<_>>(), [CheckId::RoleAssumed, CheckId::AccountMatches]);
    assert!(t.checks[1].detail.contains("123456789012"), "{}", t.checks[1].detail);
    {
        let seen = cloud.cloud.lock().unwrap();
        let (arn, external_id, session) = seen.assumed.last().unwrap().clone();
        assert_eq!((arn.as_str(), external_id.as_str()), (ROLE, EXTERNAL_ID));
        assert!(session.starts_with("xops-Contoso-Ltd-"), "the session names the organization: {session}");
        assert_eq!(seen.bad_signatures, 0, "every call was signed as AWS checks it");
    }
    let kept = record(&s, &ada, ACCOUNT).await;
    assert_eq!(last_test(&kept), Some(t.clone()), "kept on the account, by the store");
    assert!(!t.automatic);

    // A person renames the account from the revision before the test: no conflict, and the
    // test's result stays.
    let before_test = kept.revision - 1;
    let mut renamed = aws();
    renamed["name"] = "Payments (prod)".into();
    let res = put(&s, &ada, ACCOUNT, before_test, renamed).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(last_test(&record(&s, &ada, ACCOUNT).await), Some(t));
    // A change from before the rename is stale, though.
    assert_eq!(put(&s, &ada, ACCOUNT, before_test, aws()).await.status(), 409);

    // The trust policy no longer names Xops: a failure with what to check.
    cloud.trust(ROLE, false);
    let failed: ConnectionTest = verify(&s, &ada, ACCOUNT, json!({})).await.json().await.unwrap();
    assert!(!failed.passed());
    let fix = failed.checks[0].fix.clone().unwrap();
    for says in ["XopsReadOnly", XOPS_ACCOUNT, EXTERNAL_ID, "trust policy"] {
        assert!(fix.contains(says), "the fix names {says}: {fix}");
    }
    assert_eq!(failed.failing_since, Some(failed.at));
    let again: ConnectionTest = verify(&s, &ada, ACCOUNT, json!({})).await.json().await.unwrap();
    assert_eq!(again.failing_since, Some(failed.at), "failing since the first failure in a row");

    let log = activity(&s, &ada).await;
    let tested: Vec<_> = log.entries.iter().filter(|e| e.kind == xops_model::ActivityKind::ConnectionTested).collect();
    assert_eq!(tested.len(), 3, "each test a person asked for is logged");
    assert_eq!(tested[0].detail.as_deref(), Some("failed: Role assumed"));
    assert_eq!(tested[2].detail.as_deref(), Some("passed"));
}

#[tokio::test]
async fn without_aws_credentials_a_person_is_told_in_their_words() {
    let s = spawn_store(|c| c.aws_environment = Some(Default::default())).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, aws()).await;
    let platform: Platform = ada.get(s.url("/api/v1/platform")).send().await.unwrap().json().await.unwrap();
    assert!(!platform.aws_checks);
    let res = verify(&s, &ada, ACCOUNT, json!({})).await;
    assert_eq!(res.status(), 503);
    let e: ApiError = res.json().await.unwrap();
    assert!(e.error.message.contains("cannot test AWS accounts yet"), "{}", e.error.message);
    for internal in ["AWS_", "--", "XOPS", "store", "credentials"] {
        assert!(!e.error.message.contains(internal), "no {internal} for customers: {}", e.error.message);
    }
    assert_eq!(last_test(&record(&s, &ada, ACCOUNT).await), None);
}

#[tokio::test]
async fn an_azure_subscription_must_be_there_enabled_and_readable() {
    let cloud = FakeCloud::start().await;
    let s = spawn_store(|c| cloud.configure(c)).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let subscription = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let mut body = common::process::m365_body("Prod");
    body["details"] = json!({"provider": "azure", "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "application_id": "11111111-2222-3333-4444-555555555555",
        "scope": {"kind": "subscription", "subscription_id": subscription}});
    body["certificate"] = common::fixture_certificate();
    s.create_integration(&ada, ACCOUNT, body).await;
    let test = |body| {
        let (s, ada) = (&s, &ada);
        async move { verify(s, ada, ACCOUNT, body).await.json::<ConnectionTest>().await.unwrap() }
    };
    let signed = json!({"assertion": assertion(THUMBPRINT)});

    let unknown = test(signed.clone()).await;
    let ids: Vec<_> = unknown.checks.iter().map(|c| (c.id, c.ok)).collect();
    assert_eq!(ids, [(CheckId::Credentials, true), (CheckId::Subscription, false), (CheckId::ReadAccess, false)]);
    assert!(unknown.checks[1].fix.as_deref().unwrap().contains(subscription), "the fix names the subscription");
    assert!(unknown.checks[2].skipped);

    cloud.cloud.lock().unwrap().subscriptions.insert(subscription.into(), ("Production".into(), "Enabled".into(), false));
    let not_readable = test(signed.clone()).await;
    assert!(not_readable.checks[1].ok);
    assert!(!not_readable.checks[2].ok);
    assert!(not_readable.checks[2].fix.as_deref().unwrap().contains("Reader"));

    cloud.cloud.lock().unwrap().subscriptions.insert(subscription.into(), ("Production".into(), "Enabled".into(), true));
    let working = test(json!({"graph_assertion": assertion(THUMBPRINT)})).await;
    assert!(working.passed(), "{working:?}");
    assert_eq!(working.certificate.as_ref().map(|t| t.as_str()), Some(THUMBPRINT), "named by the certificate that signed");
    assert_eq!(last_test(&record(&s, &ada, ACCOUNT).await), Some(working));

    cloud.cloud.lock().unwrap().subscriptions.insert(subscription.into(), ("Production".into(), "Disabled".into(), true));
    let disabled = test(signed).await;
    assert!(disabled.checks[1].detail.contains("Disabled"), "{}", disabled.checks[1].detail);
}

#[tokio::test]
async fn a_test_of_a_certificate_the_account_does_not_list_comes_back_sealed_for_that_account_only() {
    let cloud = FakeCloud::start().await;
    let s = spawn_store(|c| cloud.configure(c)).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    // No certificate on the account yet: a renewal's new one is tested before the account lists it.
    s.create_integration(&ada, ACCOUNT, common::process::m365_body("Contoso")).await;
    s.create_integration(&ada, OTHER, common::process::m365_body("Fabrikam")).await;
    let signed = json!({"assertion": assertion(THUMBPRINT), "exchange_assertion": assertion(THUMBPRINT)});
    let sealed: ConnectionTest = verify(&s, &ada, ACCOUNT, signed).await.json().await.unwrap();
    assert!(sealed.passed() && sealed.seal.is_some(), "{sealed:?}");
    let stored = record(&s, &ada, ACCOUNT).await;
    assert_eq!(last_test(&stored), None, "not kept: the account does not list that certificate");

    let with = |name: &str, test: &ConnectionTest| {
        let mut body = common::process::m365_body(name);
        body["certificate"] = common::fixture_certificate();
        body["last_test"] = serde_json::to_value(test).unwrap();
        body
    };
    // Changed after it was sealed: not taken.
    let tampered = ConnectionTest { at: sealed.at + 1, ..sealed.clone() };
    assert_eq!(put(&s, &ada, ACCOUNT, stored.revision, with("Contoso", &tampered)).await.status(), 200);
    let stored = record(&s, &ada, ACCOUNT).await;
    assert_eq!(last_test(&stored), None);
    // Another account's: not taken.
    let other = record(&s, &ada, OTHER).await;
    assert_eq!(put(&s, &ada, OTHER, other.revision, with("Fabrikam", &sealed)).await.status(), 200);
    assert_eq!(last_test(&record(&s, &ada, OTHER).await), None);
    // Its own account, with the certificate it tested: kept, without the seal.
    assert_eq!(put(&s, &ada, ACCOUNT, stored.revision, with("Contoso", &sealed)).await.status(), 200);
    let kept = last_test(&record(&s, &ada, ACCOUNT).await).unwrap();
    assert_eq!(kept, ConnectionTest { seal: None, ..sealed });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_rechecks_aws_accounts_by_itself_and_logs_only_a_change() {
    let cloud = FakeCloud::start().await;
    cloud.add_role(ROLE, EXTERNAL_ID);
    let s = spawn_store(|c| {
        cloud.configure(c);
        c.aws_check_interval_secs = 2;
    })
    .await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, aws()).await;
    let first: ConnectionTest = verify(&s, &ada, ACCOUNT, json!({})).await.json().await.unwrap();
    assert!(first.passed());

    // Passing checks by the schedule move the time and write nothing in the log.
    let wait_for = |what: &'static str, done: Box<dyn Fn(&ConnectionTest) -> bool + Send>| {
        let (s, ada) = (&s, &ada);
        async move {
            for _ in 0..100 {
                if let Some(t) = last_test(&record(s, ada, ACCOUNT).await).filter(|t| done(t)) {
                    return t;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            panic!("{what} did not happen within 20 s");
        }
    };
    let first_at = first.at;
    let rechecked = wait_for("a scheduled check", Box::new(move |t| t.at > first_at)).await;
    assert!(rechecked.passed() && rechecked.automatic);
    let entries = |log: &ActivityPage, kind| log.entries.iter().filter(|e| e.kind == kind).count();
    assert_eq!(entries(&activity(&s, &ada).await, xops_model::ActivityKind::StatusChanged), 0);

    // The role stops trusting Xops: the schedule finds it, with nobody there.
    cloud.trust(ROLE, false);
    let failing = wait_for("a failing scheduled check", Box::new(|t| !t.passed())).await;
    assert!(failing.automatic);
    let log = activity(&s, &ada).await;
    let changed: Vec<_> = log.entries.iter().filter(|e| e.kind == xops_model::ActivityKind::StatusChanged).collect();
    assert_eq!(changed.len(), 1, "one entry for the change");
    assert_eq!(changed[0].actor, None, "made by nobody in particular");
    assert_eq!(changed[0].actor_email, "Xops (scheduled check)");
    assert_eq!(changed[0].detail.as_deref(), Some("Working → Failing: Role assumed"));
}
