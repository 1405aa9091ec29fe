//! Sign-in tickets over real HTTP: a browser's upload (each ticket checked, signature included),
//! sealed at rest, taken once by a service with its token, and gone whenever they can no longer be
//! used. The tickets are signed here with a fixture key whose certificate the account lists.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use base64::Engine;
use common::{spawn_store, TestStore, PASSWORD};
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use sqlx::Row;
use xops_model::tickets::{window_start, ClaimedTicket, TicketCoverages, TicketsKept, WINDOW_SECS};
use xops_model::{ActivityPage, ApiError, ErrorCode, InvitationCreated};

const ACCOUNT: &str = "0000000a-0000-4000-8000-000000000000";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "11111111-2222-3333-4444-555555555555";
const SIGNER_SHA1: &str = "60E6A39D033FA1867268C977290D94C10035C2AA";
const AUTHORITY: &str = "https://login.microsoftonline.com";

/// The certificate of the fixture key (facts from `openssl x509 -fingerprint -sha1 -sha256 -startdate -enddate`).
fn signer_certificate() -> Value {
    json!({
        "pem": include_str!("fixtures/ticket-signer.cer"),
        "sha1_thumbprint": SIGNER_SHA1,
        "sha256_thumbprint": "469942A2A041312ABA5A3F43C3153A4B63AEF1825248 00CF84BB597063A904F9".replace(' ', ""),
        "not_before": 1_796_624_514_000i64,
        "not_after": 2_427_344_514_000i64,
        "key_held_by": "Chromium on Linux, 7 Dec"
    })
}

fn account(policy: Option<&str>, certificate: Value) -> Value {
    let mut body = json!({
        "name": "Contoso",
        "details": {"provider": "microsoft365", "tenant_id": TENANT, "application_id": APP, "organization": "contoso.onmicrosoft.com"},
        "certificate": certificate,
        "created_at": 1_700_000_000_000i64,
        "updated_at": 1_700_000_000_000i64
    });
    if let Some(p) = policy {
        body["ticket_policy"] = p.into();
    }
    body
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A ticket for the window `nbf`, with `claims` changed by `edit`, signed by the fixture key.
fn ticket_with(nbf: i64, edit: impl FnOnce(&mut Value)) -> String {
    let x5t =
        (0..SIGNER_SHA1.len()).step_by(2).map(|i| u8::from_str_radix(&SIGNER_SHA1[i..i + 2], 16).unwrap()).collect::<Vec<_>>();
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": b64(&x5t)});
    let mut claims = json!({
        "aud": format!("{AUTHORITY}/{TENANT}/oauth2/v2.0/token"), "iss": APP, "sub": APP,
        "jti": format!("jti-{nbf}-{}", rand_suffix()), "nbf": nbf, "iat": nbf, "exp": nbf + WINDOW_SECS,
    });
    edit(&mut claims);
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let key = RsaKeyPair::from_pkcs8(include_bytes!("fixtures/ticket-signer.pk8")).unwrap();
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut signature).unwrap();
    format!("{input}.{}", b64(&signature))
}

fn rand_suffix() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn ticket(nbf: i64) -> String {
    ticket_with(nbf, |_| {})
}

fn now_window() -> i64 {
    window_start(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64)
}

/// A store that keeps tickets (a secrets key file of its own).
async fn store() -> TestStore {
    let keys = tempfile::tempdir().unwrap();
    let path = keys.path().join("secrets.key");
    std::fs::write(&path, "cd".repeat(32)).unwrap();
    let s = spawn_store(|c| c.secrets_key_file = Some(path.clone())).await;
    drop(keys); // the store read the key at start
    s
}

async fn put(s: &TestStore, c: &reqwest::Client, body: Value, precondition: (&str, String)) -> reqwest::Response {
    c.put(s.url(&format!("/api/v1/records/{ACCOUNT}")))
        .header(precondition.0, precondition.1)
        .json(&json!({"kind": "integration", "body": body}))
        .send()
        .await
        .unwrap()
}

async fn revision(s: &TestStore, c: &reqwest::Client) -> String {
    let r: Value = c.get(s.url(&format!("/api/v1/records/{ACCOUNT}"))).send().await.unwrap().json().await.unwrap();
    format!("\"{}\"", r["revision"])
}

async fn upload(s: &TestStore, c: &reqwest::Client, tickets: Vec<String>) -> reqwest::Response {
    s.post(c, &format!("/api/v1/accounts/{ACCOUNT}/tickets"), json!({ "tickets": tickets })).await
}

async fn claim(s: &TestStore, token: &str) -> reqwest::Response {
    // A service is no browser: no Origin, no cookie.
    reqwest::Client::new()
        .post(s.url(&format!("/api/v1/service/accounts/{ACCOUNT}/ticket")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn kept(s: &TestStore) -> Vec<(i64, String)> {
    let db = s.db().await;
    let rows = sqlx::query("SELECT window_start, sealed FROM tickets ORDER BY window_start").fetch_all(&db.pool).await.unwrap();
    rows.iter().map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap())).collect()
}

async fn error(res: reqwest::Response) -> (u16, ErrorCode, String, Option<String>) {
    let status = res.status().as_u16();
    let e: ApiError = res.json().await.unwrap();
    (status, e.error.code, e.error.message, e.error.field)
}

#[tokio::test]
async fn a_day_of_tickets_is_kept_sealed_and_each_is_taken_once_by_a_service() {
    let s = store().await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, account(None, signer_certificate())).await;
    let current = now_window();
    let day: Vec<String> = (0..144).map(|i| ticket(current + i * WINDOW_SECS)).collect();
    let mut kept_now = None;
    for batch in day.chunks(xops_model::tickets::MAX_BATCH) {
        let res = upload(&s, &ada, batch.to_vec()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        kept_now = Some(res.json::<TicketsKept>().await.unwrap());
    }
    let kept_now = kept_now.unwrap();
    assert_eq!(kept_now.kept, 144 % xops_model::tickets::MAX_BATCH);
    assert_eq!(kept_now.coverage.covered_until, (current + 144 * WINDOW_SECS) * 1000);
    let coverage: TicketCoverages = ada.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert!(coverage.kept);
    assert_eq!(coverage.accounts.len(), 1);
    assert_eq!(coverage.accounts[0].tickets, 144);
    assert_eq!(coverage.accounts[0].signed_by.as_deref(), Some("Chromium on Linux, 7 Dec"));

    // At rest: nothing readable without the secrets key file.
    let rows = kept(&s).await;
    assert_eq!(rows.len(), 144);
    for ((_, sealed), jwt) in rows.iter().zip(&day) {
        let header = jwt.split('.').next().unwrap();
        assert!(!sealed.contains(header) && !sealed.contains(&jwt[jwt.len() - 40..]), "a readable ticket: {sealed}");
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed).unwrap();
        assert!(!bytes.windows(header.len()).any(|w| w == header.as_bytes()), "the ticket's bytes are sealed");
    }
    // Records never carry them: a browser's sync sees no ticket.
    let records = ada.get(s.url("/api/v1/records")).send().await.unwrap().text().await.unwrap();
    assert!(!records.contains(&day[0][..40]));

    let db = s.db().await;
    let token = xops_store::services::add(&db, "scanner").await.unwrap();
    let res = claim(&s, &token).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let taken: ClaimedTicket = res.json().await.unwrap();
    assert_eq!(taken.assertion, day[0], "the current window's ticket, as the browser signed it");
    assert_eq!(taken.token_endpoint, format!("{AUTHORITY}/{TENANT}/oauth2/v2.0/token"));
    assert_eq!((taken.client_id.as_str(), taken.scope.as_str()), (APP, "https://graph.microsoft.com/.default"));
    assert_eq!((taken.not_before, taken.expires_at), (current, current + WINDOW_SECS));
    assert_eq!(kept(&s).await.len(), 143, "taken means deleted");
    let (status, code, message, _) = error(claim(&s, &token).await).await;
    assert_eq!((status, code), (404, ErrorCode::NotFound), "{message}");
    // A browser still open signs from the horizon on: the window taken never gets a second ticket.
    let coverage: TicketCoverages = ada.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert_eq!((coverage.accounts[0].covered_until, coverage.accounts[0].tickets), ((current + 144 * WINDOW_SECS) * 1000, 143));
    let again: TicketsKept = upload(&s, &ada, vec![ticket(current)]).await.json().await.unwrap();
    assert_eq!(again.kept, 0);
    assert_eq!(error(claim(&s, &token).await).await.0, 404, "one ticket per window, ever");
    // Once the horizon has passed, the answer says when it ran out.
    sqlx::query("DELETE FROM tickets").execute(&db.pool).await.unwrap();
    sqlx::query("UPDATE ticket_horizons SET ends_at = $1")
        .bind((current - 3 * WINDOW_SECS) * 1000)
        .execute(&db.pool)
        .await
        .unwrap();
    let (_, _, message, _) = error(claim(&s, &token).await).await;
    assert!(
        message.contains("the horizon ran out on 20") && message.contains("a browser holding the key must open Xops"),
        "{message}"
    );

    let log: ActivityPage = ada.get(s.url("/api/v1/activity?kind=ticket_used")).send().await.unwrap().json().await.unwrap();
    let entry = &log.entries[0];
    assert_eq!(entry.actor_email, "scanner");
    assert_eq!(entry.detail.as_deref(), Some("signed by Chromium on Linux, 7 Dec"));
    assert!(!serde_json::to_string(&log).unwrap().contains(&day[0][..40]), "the log names no ticket");

    // A service token opens the ticket endpoint and nothing else; a revoked one opens nothing.
    let other = reqwest::Client::new();
    for path in ["/api/v1/records", "/api/v1/me", "/api/v1/tickets", "/api/v1/activity"] {
        let res = other.get(s.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path} with a service token");
    }
    assert!(xops_store::services::revoke(&db, "scanner").await.unwrap());
    let (status, _, message, _) = error(claim(&s, &token).await).await;
    assert_eq!(status, 401, "{message}");
    let (status, _, message, _) = error(claim(&s, "xops_svc_made-up").await).await;
    assert_eq!(status, 401, "{message}");
    let res = reqwest::Client::new().post(s.url(&format!("/api/v1/service/accounts/{ACCOUNT}/ticket"))).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_ticket_xops_could_not_hand_out_is_refused_by_number_and_reason() {
    let s = store().await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, account(None, signer_certificate())).await;
    let w = now_window();
    let cases: Vec<(String, &str)> = vec![
        (ticket_with(w, |c| c["aud"] = "https://evil.example/token".into()), "audience"),
        (ticket_with(w, |c| c["iss"] = "00000000-0000-0000-0000-000000000000".into()), "iss and sub"),
        (ticket_with(w + 1, |c| c["exp"] = (w + 1 + WINDOW_SECS).into()), "one 10-minute window"),
        (ticket_with(w, |c| c["exp"] = (w + 3600).into()), "one 10-minute window"),
        (ticket(w - WINDOW_SECS), "ended"),
        (ticket(w + 144 * WINDOW_SECS), "beyond the account's horizon"),
        (
            {
                let t = ticket(w);
                let parts: Vec<&str> = t.split('.').collect();
                let forged = b64(json!({"aud": format!("{AUTHORITY}/{TENANT}/oauth2/v2.0/token"), "iss": APP, "sub": APP, "jti": "x", "nbf": w + WINDOW_SECS, "exp": w + 2 * WINDOW_SECS}).to_string().as_bytes());
                format!("{}.{forged}.{}", parts[0], parts[2])
            },
            "not signed by the key",
        ),
        ("not.a.jwt".into(), "well-formed"),
    ];
    for (bad, why) in cases {
        let (status, code, message, field) = error(upload(&s, &ada, vec![ticket(w), bad]).await).await;
        assert_eq!((status, code), (422, ErrorCode::Validation), "{why}: {message}");
        assert!(message.starts_with("Ticket 2 ") && message.contains(why), "{why}: {message}");
        assert_eq!(field.as_deref(), Some("tickets[1]"));
    }
    assert!(kept(&s).await.is_empty(), "one bad ticket refuses the whole batch");
    // Another certificate's key (x5t of a certificate the account does not list).
    let res = put(&s, &ada, account(None, common::fixture_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (status, _, message, _) = error(upload(&s, &ada, vec![ticket(w)]).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("not signed by a certificate the account uses"), "{message}");
}

#[tokio::test]
async fn tickets_go_when_turned_off_when_the_certificate_changes_and_on_disconnect() {
    let s = store().await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, account(Some("7d"), signer_certificate())).await;
    let w = now_window();
    let week: Vec<String> = (0..1008).map(|i| ticket(w + i * WINDOW_SECS)).collect();
    for batch in week.chunks(xops_model::tickets::MAX_BATCH) {
        assert_eq!(upload(&s, &ada, batch.to_vec()).await.status(), 200);
    }
    assert_eq!(kept(&s).await.len(), 1008);

    // 7 days to 24 hours: the tickets beyond the new horizon go at once.
    let res = put(&s, &ada, account(None, signer_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(res.status(), 200);
    let rows = kept(&s).await;
    assert_eq!(rows.len(), 144);
    assert_eq!(rows.last().unwrap().0, w + 143 * WINDOW_SECS);
    let coverage: TicketCoverages = ada.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert_eq!(coverage.accounts[0].covered_until, (w + 144 * WINDOW_SECS) * 1000);
    put(&s, &ada, account(Some("7d"), signer_certificate()), ("if-match", revision(&s, &ada).await)).await;

    // Off: every ticket of the account goes at once, and none is taken after.
    let res = put(&s, &ada, account(Some("off"), signer_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(res.status(), 200);
    assert!(kept(&s).await.is_empty());
    let (status, code, _, _) = error(upload(&s, &ada, vec![ticket(w)]).await).await;
    assert_eq!((status, code), (409, ErrorCode::Conflict));

    // 24 hours again; then the certificate is replaced (renewed, or replaced by hand).
    put(&s, &ada, account(None, signer_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(upload(&s, &ada, week[..10].to_vec()).await.status(), 200);
    let mut renewed = account(None, Value::Null);
    renewed["certificate"] = Value::Null;
    let res = put(&s, &ada, renewed, ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert!(kept(&s).await.is_empty(), "tickets of a certificate the account no longer uses go with it");

    // Disconnect.
    put(&s, &ada, account(None, signer_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(upload(&s, &ada, week[..10].to_vec()).await.status(), 200);
    let res = ada
        .delete(s.url(&format!("/api/v1/records/{ACCOUNT}")))
        .header("if-match", revision(&s, &ada).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(kept(&s).await.is_empty());
    let token = xops_store::services::add(&s.db().await, "scanner").await.unwrap();
    let (status, _, message, _) = error(claim(&s, &token).await).await;
    assert_eq!(status, 404);
    assert!(message.contains("a browser holding the key must open Xops"), "{message}");
}

#[tokio::test]
async fn a_viewer_cannot_change_the_policy_or_upload_and_other_organizations_see_nothing() {
    let s = store().await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, account(None, signer_certificate())).await;
    let invitation: InvitationCreated =
        s.post(&ada, "/api/v1/invitations", json!({"email": "linus@contoso.com", "role": "viewer"})).await.json().await.unwrap();
    let linus = s.browser();
    let res = s.post(&linus, "/api/v1/auth/join", json!({"token": invitation.token, "password": PASSWORD})).await;
    assert_eq!(res.status(), 201);
    let res = put(&s, &linus, account(Some("off"), signer_certificate()), ("if-match", revision(&s, &ada).await)).await;
    assert_eq!(res.status(), 403);
    assert_eq!(upload(&s, &linus, vec![ticket(now_window())]).await.status(), 403);
    // A viewer reads how far ahead Xops can use the account.
    assert_eq!(upload(&s, &ada, vec![ticket(now_window())]).await.status(), 200);
    let coverage: TicketCoverages = linus.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert_eq!(coverage.accounts.len(), 1);

    // Another organization: neither uploads to the account nor sees its coverage.
    let mallory = s.sign_up("mallory@fabrikam.com", "Fabrikam").await;
    let (status, _, _, _) = error(upload(&s, &mallory, vec![ticket(now_window())]).await).await;
    assert_eq!(status, 404);
    let coverage: TicketCoverages = mallory.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert!(coverage.accounts.is_empty());
}

#[tokio::test]
async fn without_a_secrets_key_the_store_keeps_no_tickets_and_says_so() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, ACCOUNT, account(None, signer_certificate())).await;
    let coverage: TicketCoverages = ada.get(s.url("/api/v1/tickets")).send().await.unwrap().json().await.unwrap();
    assert!(!coverage.kept && coverage.accounts.is_empty());
    let (status, code, message, _) = error(upload(&s, &ada, vec![ticket(now_window())]).await).await;
    assert_eq!((status, code), (503, ErrorCode::Unavailable));
    assert!(message.contains("--secrets-key-file"), "{message}");
}

#[tokio::test]
async fn an_azure_account_s_ticket_asks_for_resource_manager() {
    let s = store().await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut azure = account(None, signer_certificate());
    azure["details"] = json!({"provider": "azure", "tenant_id": TENANT, "application_id": APP,
        "scope": {"kind": "subscription", "subscription_id": "8f3b8a52-6f0e-4c47-9a44-2f2c5b1d2e3f"}});
    s.create_integration(&ada, ACCOUNT, azure).await;
    assert_eq!(upload(&s, &ada, vec![ticket(now_window())]).await.status(), 200);
    let token = xops_store::services::add(&s.db().await, "scanner").await.unwrap();
    let taken: ClaimedTicket = claim(&s, &token).await.json().await.unwrap();
    assert_eq!(taken.scope, "https://management.azure.com/.default");
    assert_eq!(taken.client_id, APP);
}
