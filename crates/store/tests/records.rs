//! The record store over real HTTP: revisions, preconditions, tombstones, deltas, checks, isolation.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::{spawn_store, TestStore};
use serde_json::{json, Value};
use xops_model::{ApiError, Conflict, ErrorCode, Me, Record, RecordChanges};

fn integration(name: &str) -> Value {
    common::process::m365_body(name)
}

fn new_id(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

enum Pre<'a> {
    Create,
    Rev(i64),
    Raw(&'a str, &'a str),
    None,
}

async fn put(s: &TestStore, c: &reqwest::Client, id: &str, pre: Pre<'_>, body: Value) -> reqwest::Response {
    let req = c.put(s.url(&format!("/api/v1/records/{id}"))).json(&json!({"kind": "integration", "body": body}));
    with_pre(req, pre).send().await.unwrap()
}

async fn delete(s: &TestStore, c: &reqwest::Client, id: &str, pre: Pre<'_>) -> reqwest::Response {
    with_pre(c.delete(s.url(&format!("/api/v1/records/{id}"))), pre).send().await.unwrap()
}

fn with_pre(req: reqwest::RequestBuilder, pre: Pre<'_>) -> reqwest::RequestBuilder {
    match pre {
        Pre::Create => req.header("if-none-match", "*"),
        Pre::Rev(r) => req.header("if-match", format!("\"{r}\"")),
        Pre::Raw(h, v) => req.header(h, v),
        Pre::None => req,
    }
}

async fn changes(s: &TestStore, c: &reqwest::Client, query: &str) -> RecordChanges {
    let res = c.get(s.url(&format!("/api/v1/records{query}"))).send().await.unwrap();
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn create_update_delete_leave_revisions_and_a_tombstone() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let id = new_id(1);

    let res = put(&s, &c, &id, Pre::Create, integration("Contoso production")).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created: Record = res.json().await.unwrap();
    assert_eq!((created.revision, created.deleted), (1, false));
    assert_eq!(created.body.as_ref().unwrap()["name"], "Contoso production");

    let res = put(&s, &c, &id, Pre::Rev(1), integration("Contoso prod")).await;
    assert_eq!(res.status(), 200);
    let updated: Record = res.json().await.unwrap();
    assert_eq!(updated.revision, 2);

    let res = delete(&s, &c, &id, Pre::Rev(2)).await;
    assert_eq!(res.status(), 200);
    let gone: Record = res.json().await.unwrap();
    assert_eq!((gone.revision, gone.deleted, gone.body), (3, true, None));

    let all = changes(&s, &c, "").await;
    assert_eq!(all.latest_revision, 3);
    assert_eq!(all.changes.len(), 1, "one record, as its latest state: the tombstone");
    assert!(all.changes[0].deleted);
    let res = c.get(s.url(&format!("/api/v1/records/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Record>().await.unwrap().deleted);
}

#[tokio::test]
async fn a_stale_revision_gets_409_with_the_current_record() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let id = new_id(2);
    put(&s, &c, &id, Pre::Create, integration("First")).await;
    assert_eq!(put(&s, &c, &id, Pre::Rev(1), integration("Second")).await.status(), 200);

    // Another tab still holds revision 1.
    let res = put(&s, &c, &id, Pre::Rev(1), integration("Third")).await;
    assert_eq!(res.status(), 409);
    let conflict: Conflict = res.json().await.unwrap();
    assert_eq!(conflict.error.code, ErrorCode::Conflict);
    assert_eq!(conflict.current.revision, 2);
    assert_eq!(conflict.current.body.unwrap()["name"], "Second");

    let res = put(&s, &c, &id, Pre::Create, integration("Again")).await;
    assert_eq!(res.status(), 409, "creating over an existing record");
    let res = delete(&s, &c, &id, Pre::Rev(1)).await;
    assert_eq!(res.status(), 409, "deleting from a stale revision");
}

#[tokio::test]
async fn changes_need_a_precondition() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let res = put(&s, &c, &new_id(3), Pre::None, integration("X")).await;
    assert_eq!(res.status(), 428);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.code, ErrorCode::PreconditionRequired);
    assert!(e.error.message.contains("If-None-Match: *"));
    assert_eq!(delete(&s, &c, &new_id(3), Pre::None).await.status(), 428);
    assert_eq!(put(&s, &c, &new_id(3), Pre::Raw("if-match", "soon"), integration("X")).await.status(), 400);
    assert_eq!(put(&s, &c, &new_id(3), Pre::Rev(7), integration("X")).await.status(), 404, "updating what does not exist");
}

#[tokio::test]
async fn a_retried_request_that_already_succeeded_makes_no_second_change() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let id = new_id(4);
    assert_eq!(put(&s, &c, &id, Pre::Create, integration("A")).await.status(), 201);
    // The response was lost; the client sends the same create again.
    let res = put(&s, &c, &id, Pre::Create, integration("A")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Record>().await.unwrap().revision, 1);

    assert_eq!(put(&s, &c, &id, Pre::Rev(1), integration("B")).await.status(), 200);
    let res = put(&s, &c, &id, Pre::Rev(1), integration("B")).await;
    assert_eq!(res.status(), 200, "the same update again");
    assert_eq!(res.json::<Record>().await.unwrap().revision, 2);

    assert_eq!(delete(&s, &c, &id, Pre::Rev(2)).await.status(), 200);
    let res = delete(&s, &c, &id, Pre::Rev(2)).await;
    assert_eq!(res.status(), 200, "the same delete again");
    assert_eq!(res.json::<Record>().await.unwrap().revision, 3);
    assert_eq!(changes(&s, &c, "").await.latest_revision, 3, "three changes, not six");
}

#[tokio::test]
async fn deltas_page_in_revision_order() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    for n in 0..7 {
        assert_eq!(put(&s, &c, &new_id(100 + n), Pre::Create, integration(&format!("Account {n}"))).await.status(), 201);
    }
    let mut since = 0;
    let mut seen = Vec::new();
    loop {
        let page = changes(&s, &c, &format!("?since={since}&limit=3")).await;
        assert_eq!(page.latest_revision, 7);
        assert!(page.changes.len() <= 3);
        seen.extend(page.changes.iter().map(|r| r.revision));
        since = page.changes.last().map_or(since, |r| r.revision);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, (1..=7).collect::<Vec<_>>());
    let none = changes(&s, &c, "?since=7").await;
    assert!(none.changes.is_empty() && !none.has_more);

    let res = c.get(s.url("/api/v1/records?limit=0")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    // A device catching up asks for pages of up to 5,000 (src/sync/round.rs); more is refused.
    let res = c.get(s.url("/api/v1/records?limit=5000")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = c.get(s.url("/api/v1/records?limit=5001")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<ApiError>().await.unwrap().error.message.contains("1 to 5000"));
    let res = c.get(s.url("/api/v1/records?since=abc")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<ApiError>().await.unwrap().error.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn bodies_are_checked_with_the_model() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut bad = integration("X");
    bad["details"]["tenant_id"] = "72f988bf".into();
    let res = put(&s, &c, &new_id(5), Pre::Create, bad).await;
    assert_eq!(res.status(), 422);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.field.as_deref(), Some("body.details.tenant_id"));
    assert!(e.error.message.contains("Tenant ID must be a GUID"), "{}", e.error.message);

    let mut unknown = integration("X");
    unknown["client_secret"] = "hunter2".into();
    let res = put(&s, &c, &new_id(5), Pre::Create, unknown).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<ApiError>().await.unwrap().error.message.contains("unknown field"));

    let res = c
        .put(s.url(&format!("/api/v1/records/{}", new_id(5))))
        .header("if-none-match", "*")
        .json(&json!({"kind": "integration", "body": integration("X"), "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "unknown envelope fields too");

    let res = put(&s, &c, "not-a-uuid", Pre::Create, integration("X")).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<ApiError>().await.unwrap().error.field.as_deref(), Some("id"));
    assert_eq!(changes(&s, &c, "").await.latest_revision, 0, "nothing was written");
}

#[tokio::test]
async fn private_key_material_is_refused() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut with_pem = integration("X");
    with_pem["certificate"] = json!({
        "pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
        "sha1_thumbprint": "A".repeat(40), "sha256_thumbprint": "B".repeat(64),
        "not_before": 1, "not_after": 2, "key_held_by": "Chromium"
    });
    let mut with_jwk = integration("X");
    with_jwk["name"] = json!({"kty": "RSA", "n": "x", "e": "AQAB", "d": "private"});
    let mut with_pkcs8 = integration("X");
    with_pkcs8["name"] = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZH".into();
    for (body, field) in [(with_pem, "body.certificate.pem"), (with_jwk, "body.name"), (with_pkcs8, "body.name")] {
        let res = put(&s, &c, &new_id(6), Pre::Create, body).await;
        assert_eq!(res.status(), 422);
        let e: ApiError = res.json().await.unwrap();
        assert_eq!(e.error.field.as_deref(), Some(field));
        assert!(e.error.message.contains("private key"), "{}", e.error.message);
    }
    assert_eq!(changes(&s, &c, "").await.changes.len(), 0);
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut big = integration("X");
    big["padding"] = "x".repeat(65 * 1024).into();
    let res = put(&s, &c, &new_id(7), Pre::Create, big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<ApiError>().await.unwrap().error.code, ErrorCode::PayloadTooLarge);
}

#[tokio::test]
async fn records_need_a_session() {
    let s = spawn_store(|_| {}).await;
    let anonymous = s.browser();
    assert_eq!(anonymous.get(s.url("/api/v1/records")).send().await.unwrap().status(), 401);
    assert_eq!(put(&s, &anonymous, &new_id(8), Pre::Create, integration("X")).await.status(), 401);
    assert_eq!(delete(&s, &anonymous, &new_id(8), Pre::Rev(1)).await.status(), 401);
}

#[tokio::test]
async fn one_organization_cannot_read_or_change_another_s_records() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    let id = new_id(9);
    assert_eq!(put(&s, &ada, &id, Pre::Create, integration("Contoso production")).await.status(), 201);

    assert!(changes(&s, &eve, "").await.changes.is_empty(), "Eve's list shows nothing of Contoso's");
    assert_eq!(changes(&s, &eve, "").await.latest_revision, 0);
    assert_eq!(eve.get(s.url(&format!("/api/v1/records/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(put(&s, &eve, &id, Pre::Rev(1), integration("Hijacked")).await.status(), 404);
    assert_eq!(delete(&s, &eve, &id, Pre::Rev(1)).await.status(), 404);
    // The same id in Eve's organization is Eve's own record, and leaves Ada's alone.
    assert_eq!(put(&s, &eve, &id, Pre::Create, integration("Fabrikam")).await.status(), 201);
    let ada_view = changes(&s, &ada, "").await;
    assert_eq!(ada_view.changes.len(), 1);
    assert_eq!(ada_view.changes[0].body.as_ref().unwrap()["name"], "Contoso production");
    assert_eq!(ada_view.latest_revision, 1);

    let eve_me: Me = s.me(&eve).await.json().await.unwrap();
    assert!(eve_me.has_connected_account);
}

#[tokio::test]
async fn the_first_integration_marks_the_organization_connected_and_deleting_it_unmarks() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let connected = |c: reqwest::Client| {
        let s = &s;
        async move { s.me(&c).await.json::<Me>().await.unwrap().has_connected_account }
    };
    assert!(!connected(c.clone()).await);
    put(&s, &c, &new_id(10), Pre::Create, integration("Contoso production")).await;
    assert!(connected(c.clone()).await);
    delete(&s, &c, &new_id(10), Pre::Rev(1)).await;
    assert!(!connected(c.clone()).await);
}

#[tokio::test]
async fn account_names_are_unique_per_organization_in_any_case() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Create, integration("Contoso production")).await.status(), 201);

    let res = put(&s, &ada, &new_id(2), Pre::Create, integration("  CONTOSO production ")).await;
    assert_eq!(res.status(), 422);
    let err: ApiError = res.json().await.unwrap();
    assert_eq!((err.error.code, err.error.field.as_deref()), (ErrorCode::Validation, Some("body.name")));
    assert!(err.error.message.contains("already called"), "{}", err.error.message);

    // Another organization may use the name; the record keeps its own name when it changes.
    assert_eq!(put(&s, &eve, &new_id(3), Pre::Create, integration("Contoso production")).await.status(), 201);
    let mut renamed = integration("Contoso production");
    renamed["status"] = "connected".into();
    renamed["updated_at"] = 1_800_000_000_000i64.into();
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Rev(1), renamed).await.status(), 200);

    // Renaming frees the old name; deleting frees the name too.
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Rev(2), integration("Contoso EU")).await.status(), 200);
    assert_eq!(put(&s, &ada, &new_id(2), Pre::Create, integration("contoso production")).await.status(), 201);
    assert_eq!(delete(&s, &ada, &new_id(2), Pre::Rev(4)).await.status(), 200);
    assert_eq!(put(&s, &ada, &new_id(4), Pre::Create, integration("Contoso Production")).await.status(), 201);
}

#[tokio::test]
async fn a_certificate_s_facts_must_be_its_own() {
    let s = spawn_store(|_| {}).await;
    let c = s.sign_up("ada@contoso.com", "Contoso").await;
    let certificate = common::fixture_certificate();
    let mut body = integration("Contoso production");
    body["certificate"] = certificate.clone();
    assert_eq!(put(&s, &c, &new_id(1), Pre::Create, body.clone()).await.status(), 201);

    body["certificate"]["sha1_thumbprint"] = "A".repeat(40).into();
    let res = put(&s, &c, &new_id(2), Pre::Create, body.clone()).await;
    assert_eq!(res.status(), 422);
    let err: ApiError = res.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.certificate.sha1_thumbprint"));
    assert!(err.error.message.contains("C9D73A40D02B751473A86314D847B1376EF78D18"), "{}", err.error.message);

    body["certificate"] = certificate.clone();
    body["certificate"]["pem"] = include_str!("fixtures/ec-p256.cer").into();
    let err: ApiError = put(&s, &c, &new_id(2), Pre::Create, body.clone()).await.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.certificate.pem"));
    assert!(err.error.message.contains("must be RSA"), "{}", err.error.message);

    // Other browsers' certificates, and those waiting for approval, are checked the same way.
    body["certificate"] = certificate.clone();
    let mut wrong = certificate.clone();
    wrong["not_after"] = 1.into();
    body["other_certificates"] = json!([certificate.clone()]);
    body["browser_requests"] = json!([wrong]);
    let err: ApiError = put(&s, &c, &new_id(2), Pre::Create, body.clone()).await.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.browser_requests.0.not_after"), "{}", err.error.message);
    body["browser_requests"] = json!([certificate]);
    body["name"] = "Contoso with two browsers".into();
    let res = put(&s, &c, &new_id(2), Pre::Create, body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

fn aws(name: &str, arn: &str) -> Value {
    let mut body = integration(name);
    body["details"] = json!({
        "provider": "aws",
        "account_type": "linked",
        "role_arn": arn,
        "external_id": "0123456789abcdef0123456789abcdef0123456789abcdef"
    });
    body
}

#[tokio::test]
async fn an_aws_account_is_linked_once_per_organization_and_azure_scopes_are_checked() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    let arn = "arn:aws:iam::123456789012:role/XopsReadOnly";
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Create, aws("Payments", arn)).await.status(), 201);
    // The same AWS account under another role and name: refused, naming the field.
    let res = put(&s, &ada, &new_id(2), Pre::Create, aws("Payments 2", "arn:aws:iam::123456789012:role/Other")).await;
    assert_eq!(res.status(), 422);
    let err: ApiError = res.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.details.role_arn"));
    assert!(err.error.message.contains("123456789012 is already linked"), "{}", err.error.message);
    // Spelled with a space before the account ID, it is still the same account.
    let res = put(&s, &ada, &new_id(2), Pre::Create, aws("Payments 2", "arn:aws:iam:: 123456789012:role/X")).await;
    assert_eq!(res.status(), 422, "{}", res.text().await.unwrap());
    // Another organization may link it; a name may repeat across providers.
    assert_eq!(put(&s, &eve, &new_id(3), Pre::Create, aws("Payments", arn)).await.status(), 201);
    assert_eq!(put(&s, &ada, &new_id(4), Pre::Create, integration("Payments")).await.status(), 201);
    // Disconnecting frees the AWS account.
    assert_eq!(delete(&s, &ada, &new_id(1), Pre::Rev(1)).await.status(), 200);
    assert_eq!(put(&s, &ada, &new_id(2), Pre::Create, aws("Payments 2", arn)).await.status(), 201);

    let mut bad = aws("X", "arn:aws:iam:eu-west-1:123456789012:role/X");
    let err: ApiError = put(&s, &ada, &new_id(5), Pre::Create, bad.clone()).await.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.details.role_arn"));
    assert!(err.error.message.contains("no region"), "{}", err.error.message);
    bad = integration("Azure prod");
    bad["details"] = json!({"provider": "azure", "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "application_id": "11111111-2222-3333-4444-555555555555", "scope": {"kind": "subscription", "subscription_id": "x"}});
    let res = put(&s, &ada, &new_id(6), Pre::Create, bad.clone()).await;
    assert_eq!(res.status(), 422);
    bad["details"]["scope"] = json!({"kind": "management_group", "management_group_id": "mg-prod"});
    assert_eq!(put(&s, &ada, &new_id(6), Pre::Create, bad).await.status(), 201);
}

#[tokio::test]
async fn records_written_before_uniqueness_was_enforced_get_their_unique_values_on_upgrade() {
    let mut database = xops_store::config::Database::default();
    let s = spawn_store(|c| database = c.database.clone()).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Create, integration("Contoso production")).await.status(), 201);

    // Turn the database into one from before migration 4 filled record_keys: the values are not
    // recorded, so a duplicate name could be written (it was, in those days).
    let forget = || async {
        sqlx::any::install_default_drivers();
        use sqlx::Connection;
        let url = if database.contains("://") { database.to_string() } else { format!("sqlite://{}", &*database) };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM record_keys").execute(&mut conn).await.unwrap();
        sqlx::query("DELETE FROM schema_migrations WHERE version = 5").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    };
    forget().await;
    assert_eq!(put(&s, &ada, &new_id(2), Pre::Create, integration("CONTOSO production")).await.status(), 201);
    assert_eq!(put(&s, &ada, &new_id(3), Pre::Create, integration("Contoso EU")).await.status(), 201);
    forget().await;

    // The upgraded store (migration 5 runs on start) knows the old records' values again.
    let upgraded = spawn_store(|c| c.database = database.clone()).await;
    let ada = upgraded.browser();
    let res = upgraded.post(&ada, "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": common::PASSWORD})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = put(&upgraded, &ada, &new_id(4), Pre::Create, integration("contoso eu")).await;
    assert_eq!(res.status(), 422, "a name taken before the upgrade stays taken");
    let err: ApiError = res.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("body.name"));
    // The name two records already shared stays with the first; the second keeps working, and
    // may take a free name.
    assert_eq!(put(&upgraded, &ada, &new_id(4), Pre::Create, integration("Contoso production")).await.status(), 422);
    assert_eq!(put(&upgraded, &ada, &new_id(2), Pre::Rev(2), integration("Contoso staging")).await.status(), 200);
    // Running it again changes nothing (the store restarts often).
    let again = spawn_store(|c| c.database = database.clone()).await;
    assert_eq!(
        again
            .post(&again.browser(), "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": common::PASSWORD}))
            .await
            .status(),
        200
    );
}

/// A valid integration of about 27 KB: a last connection test naming 100 long verified domains.
/// An account as large as a person can make one (about 36 KB): its certificate, and as many
/// other browsers' certificates and requests as an account lists, each with long names.
fn big_integration(name: &str) -> Value {
    let mut body = integration(name);
    let mut certificate = common::fixture_certificate();
    certificate["key_held_by"] = "b".repeat(100).into();
    certificate["created_by"] = format!("{}@example.com", "c".repeat(230)).into();
    body["certificate"] = certificate.clone();
    body["other_certificates"] = json!(vec![certificate.clone(); 10]);
    body["browser_requests"] = json!(vec![certificate; 10]);
    body
}

async fn quota_error(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 403);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.code, ErrorCode::QuotaExceeded);
    e.error.message
}

#[tokio::test]
async fn an_organization_cannot_keep_more_live_records_than_its_quota() {
    let s = spawn_store(|c| c.max_records_per_org = 3).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    for n in 1..=3 {
        assert_eq!(put(&s, &ada, &new_id(n), Pre::Create, integration(&format!("Account {n}"))).await.status(), 201);
    }
    let message = quota_error(put(&s, &ada, &new_id(4), Pre::Create, integration("Account 4")).await).await;
    assert!(message.contains("limit of 3") && message.contains("Remove"), "{message}");
    // At the limit, changing what is there still works; removing one makes room.
    assert_eq!(put(&s, &ada, &new_id(1), Pre::Rev(1), integration("Account one")).await.status(), 200);
    assert_eq!(delete(&s, &ada, &new_id(2), Pre::Rev(2)).await.status(), 200);
    assert_eq!(put(&s, &ada, &new_id(4), Pre::Create, integration("Account 4")).await.status(), 201);
    // Another organization has its own quota.
    let bob = s.sign_up("bob@fabrikam.com", "Fabrikam").await;
    assert_eq!(put(&s, &bob, &new_id(9), Pre::Create, integration("Fabrikam")).await.status(), 201);
}

#[tokio::test]
async fn an_organization_cannot_store_more_bytes_than_its_quota() {
    let s = spawn_store(|c| c.max_mib_per_org = 1).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let size = serde_json::to_string(&big_integration("Account 0")).unwrap().len();
    let mut stored = 0;
    let refused = loop {
        let res = put(&s, &ada, &new_id(stored + 1), Pre::Create, big_integration(&format!("Account {stored}"))).await;
        if res.status() != 201 {
            break res;
        }
        stored += 1;
        assert!(stored < 100, "1 MiB of {size}-byte records is never reached");
    };
    let message = quota_error(refused).await;
    assert!(message.contains("storage limit of 1 MiB"), "{message}");
    let fits = (1024 * 1024 / size) as u32;
    assert!(stored == fits || stored + 1 == fits, "{stored} records of {size} bytes stored under 1 MiB");
    // Making one small frees room for another.
    let res = put(&s, &ada, &new_id(1), Pre::Rev(1), integration("Account 0")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(put(&s, &ada, &new_id(stored + 1), Pre::Create, big_integration("One more")).await.status(), 201);
}

#[tokio::test]
async fn a_page_of_changes_stops_at_its_byte_budget_and_paging_on_finds_everything() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let total = 200u32; // ~5.4 MB of bodies, over one page's 4 MiB
    for n in 1..=total {
        assert_eq!(put(&s, &ada, &new_id(n), Pre::Create, big_integration(&format!("Account {n}"))).await.status(), 201);
    }
    let first = changes(&s, &ada, "?since=0&limit=1000").await;
    assert!(first.has_more, "the page stopped early");
    let bytes: usize = first.changes.iter().map(|c| serde_json::to_string(&c.body).unwrap().len()).sum();
    assert!(bytes <= 4 * 1024 * 1024, "{bytes} body bytes in one page");
    assert!(first.changes.len() > 100 && first.changes.len() < total as usize, "{}", first.changes.len());
    let mut seen = first.changes.len();
    let mut since = first.changes.last().unwrap().revision;
    loop {
        let page = changes(&s, &ada, &format!("?since={since}&limit=1000")).await;
        seen += page.changes.len();
        if !page.has_more {
            break;
        }
        since = page.changes.last().unwrap().revision;
    }
    assert_eq!(seen, total as usize);
}

#[tokio::test]
async fn the_quota_counts_of_records_written_before_quotas_are_filled_on_upgrade() {
    let mut database = xops_store::config::Database::default();
    let s = spawn_store(|c| database = c.database.clone()).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    for n in 1..=3 {
        assert_eq!(put(&s, &ada, &new_id(n), Pre::Create, integration(&format!("Account {n}"))).await.status(), 201);
    }
    assert_eq!(delete(&s, &ada, &new_id(3), Pre::Rev(3)).await.status(), 200);
    // Back to a database from before migration 6: no counts.
    {
        sqlx::any::install_default_drivers();
        use sqlx::Connection;
        let url = if database.contains("://") { database.to_string() } else { format!("sqlite://{}", &*database) };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("ALTER TABLE organizations DROP COLUMN live_records").execute(&mut conn).await.unwrap();
        sqlx::query("ALTER TABLE organizations DROP COLUMN stored_bytes").execute(&mut conn).await.unwrap();
        sqlx::query("DELETE FROM schema_migrations WHERE version = 6").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let upgraded = spawn_store(|c| {
        c.database = database.clone();
        c.max_records_per_org = 3;
    })
    .await;
    let ada = upgraded.browser();
    let res = upgraded.post(&ada, "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": common::PASSWORD})).await;
    assert_eq!(res.status(), 200);
    // Two live records were counted: one more fits, the next does not.
    assert_eq!(put(&upgraded, &ada, &new_id(4), Pre::Create, integration("Account 4")).await.status(), 201);
    quota_error(put(&upgraded, &ada, &new_id(5), Pre::Create, integration("Account 5")).await).await;
}

#[tokio::test]
async fn free_text_that_came_from_microsoft_is_bounded() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut body = integration("Contoso");
    body["last_test"] =
        json!({"at": 1, "checks": [{"id": "credentials", "ok": false, "detail": "x".repeat(5000), "fix": "Retry."}]});
    let res = put(&s, &ada, &new_id(1), Pre::Create, body).await;
    assert_eq!(res.status(), 422);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.field.as_deref(), Some("body.last_test.checks"));
    assert!(e.error.message.contains("1000 characters"), "{}", e.error.message);
    let mut body = integration("Contoso");
    body["certificate"] = json!({"pem": format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", "A".repeat(40_000)),
        "sha1_thumbprint": "0".repeat(40), "sha256_thumbprint": "0".repeat(64), "not_before": 1, "not_after": 2, "key_held_by": "Chrome"});
    let res = put(&s, &ada, &new_id(1), Pre::Create, body).await;
    assert_eq!(res.status(), 422);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.field.as_deref(), Some("body.certificate.pem"));
    assert!(e.error.message.contains("at most 16 KiB"), "{}", e.error.message);
}

/// The store keeps how a record read (`recent`): a read right after a change through it shows
/// that change, and a record kept for one organization is never served to another.
#[tokio::test]
async fn a_read_right_after_a_change_shows_it_and_never_another_organization_s_copy() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let eve = s.sign_up("eve@fabrikam.com", "Fabrikam").await;
    let id = new_id(11);
    let read = |c: &reqwest::Client| {
        let req = c.get(s.url(&format!("/api/v1/records/{id}")));
        async move {
            let res = req.send().await.unwrap();
            let (status, etag) = (res.status().as_u16(), res.headers().get("etag").map(|e| e.to_str().unwrap().to_string()));
            (status, etag, res.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(put(&s, &ada, &id, Pre::Create, integration("Contoso production")).await.status(), 201);
    let (status, etag, first) = read(&ada).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")));
    assert_eq!(first["body"]["name"], "Contoso production");
    assert_eq!(read(&ada).await.2, first, "the kept copy is the same record");
    assert_eq!(read(&eve).await.0, 404, "Ada's record, just read, is not Eve's");

    assert_eq!(put(&s, &ada, &id, Pre::Rev(1), integration("Contoso prod")).await.status(), 200);
    let (_, etag, updated) = read(&ada).await;
    assert_eq!((etag.as_deref(), &updated["body"]["name"]), (Some("\"2\""), &json!("Contoso prod")));

    assert_eq!(delete(&s, &ada, &id, Pre::Rev(2)).await.status(), 200);
    let (_, etag, gone) = read(&ada).await;
    assert_eq!((etag.as_deref(), &gone["deleted"]), (Some("\"3\""), &json!(true)));
}

/// Changes that arrive together are written together (one commit on SQLite), yet each is
/// answered as if it were alone: one that conflicts or breaks a rule changes nothing, not even
/// the revision, and every other gets a revision of its own, with no gaps.
#[tokio::test]
async fn changes_sent_at_once_are_each_answered_as_if_alone() {
    let s = spawn_store(|c| c.max_records_per_org = 31).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let create = |n: u32, name: String| {
        let (url, client) = (s.url(&format!("/api/v1/records/{}", new_id(n))), ada.clone());
        tokio::spawn(async move {
            let body = json!({"kind": "integration", "body": integration(&name)});
            client.put(url).header("if-none-match", "*").json(&body).send().await.unwrap().status().as_u16()
        })
    };
    // Thirty accounts, and ten creates of one name at the same moment (one wins, nine are told
    // the name is taken), all at once.
    let sent: Vec<_> = (1..=40).map(|n| create(n, if n <= 30 { format!("Account {n}") } else { "Same name".into() })).collect();
    let mut statuses = Vec::new();
    for answer in sent {
        statuses.push(answer.await.unwrap());
    }
    assert!(statuses[..30].iter().all(|s| *s == 201), "{statuses:?}");
    let mut same = statuses[30..].to_vec();
    same.sort();
    assert_eq!(same, [201, 422, 422, 422, 422, 422, 422, 422, 422, 422]);

    // 31 records at revisions 1 to 31: nothing refused took a revision.
    let feed = changes(&s, &ada, "?since=0").await;
    let mut revisions: Vec<i64> = feed.changes.iter().map(|r| r.revision).collect();
    revisions.sort();
    assert_eq!(revisions, (1..=31).collect::<Vec<_>>());
    assert_eq!(feed.latest_revision, 31);
    // The organization's count is right too: it is at its limit of 31.
    assert_eq!(create(99, "One too many".into()).await.unwrap(), 403);
}

/// The store keeps what it checked, in the one form the parsed values write (GUIDs lower case,
/// names trimmed), not the bytes as sent: every reader sees one form, and a retry of the same
/// change in another spelling is still the same change.
#[tokio::test]
async fn a_body_is_kept_in_its_checked_form() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut sent = integration("  Contoso production  ");
    sent["details"]["tenant_id"] = " 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ".into();
    sent["details"]["application_id"] = "11111111-2222-3333-4444-555555555555".to_uppercase().into();
    let res = put(&s, &ada, &new_id(1), Pre::Create, sent.clone()).await;
    assert_eq!(res.status(), 201);
    let created: Record = res.json().await.unwrap();
    let kept = created.body.clone().unwrap();
    assert_eq!(kept["name"], "Contoso production");
    assert_eq!(kept["details"]["tenant_id"], "72f988bf-86f1-41af-91ab-2d7cd011db47");
    assert_eq!(kept["details"]["application_id"], "11111111-2222-3333-4444-555555555555");

    let read: Record = ada.get(s.url(&format!("/api/v1/records/{}", new_id(1)))).send().await.unwrap().json().await.unwrap();
    assert_eq!(read.body, created.body);
    assert_eq!(changes(&s, &ada, "?since=0").await.changes[0].body, created.body);
    // The same change sent again (a retry), spelled as before: already applied, no new revision.
    let again = put(&s, &ada, &new_id(1), Pre::Create, sent).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Record>().await.unwrap().revision, created.revision);
}
