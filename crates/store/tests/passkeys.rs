//! Passkeys over real HTTP, up to what needs an authenticator (the end-to-end test drives
//! Chromium's virtual authenticator through the whole ceremony): the options the browser gets,
//! challenges that work once, answers that are refused with a reason, only one's own passkeys,
//! and an organization that requires passkeys letting a member without one do nothing else.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::{spawn_store, TestStore, PASSWORD};
use serde_json::{json, Value};
use xops_model::{ApiError, ErrorCode, InvitationCreated};

async fn code_of(res: reqwest::Response) -> (u16, ErrorCode, String) {
    let status = res.status().as_u16();
    let err: ApiError = res.json().await.unwrap();
    (status, err.error.code, err.error.message)
}

async fn options(s: &TestStore, c: &reqwest::Client, path: &str) -> Value {
    let res = s.post(c, path, json!({})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["options"].clone()
}

/// A made-up passkey sign-in answer for `challenge` (well formed, but no authenticator signed it).
fn made_up_assertion(origin: &str, challenge: &str) -> Value {
    let client_data = json!({"type": "webauthn.get", "challenge": challenge, "origin": origin, "crossOrigin": false});
    let mut authenticator_data = vec![0u8; 37];
    authenticator_data[32] = 0b0000_0101; // user present and verified
    json!({
        "id": B64.encode([7u8; 16]),
        "rawId": B64.encode([7u8; 16]),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "clientExtensionResults": {},
        "response": {
            "clientDataJSON": B64.encode(client_data.to_string()),
            "authenticatorData": B64.encode(authenticator_data),
            "signature": B64.encode([1u8; 64]),
            "userHandle": B64.encode([9u8; 64]),
        }
    })
}

#[tokio::test]
async fn the_browser_gets_options_for_this_site_and_a_challenge_works_once() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;

    // Adding one: a passkey for this site, named by the person's email, kept on the device.
    let add = options(&s, &ada, "/api/v1/passkeys/options").await;
    assert_eq!(add["rp"]["id"], "127.0.0.1");
    assert_eq!(add["user"]["name"], "ada@contoso.com");
    assert_eq!(add["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(add["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(add["excludeCredentials"], json!([]));
    assert!(add["challenge"].as_str().unwrap().len() >= 22);
    // The same person's handle every time (all their passkeys name one user).
    let again = options(&s, &ada, "/api/v1/passkeys/options").await;
    assert_eq!(again["user"]["id"], add["user"]["id"]);
    assert_ne!(again["challenge"], add["challenge"]);
    // Adding needs a session.
    assert_eq!(s.post(&s.browser(), "/api/v1/passkeys/options", json!({})).await.status(), 401);

    // Signing in: no account named (the authenticator offers what it holds for this site).
    let anyone = s.browser();
    let get = options(&s, &anyone, "/api/v1/auth/passkey/options").await;
    assert_eq!(get["rpId"], "127.0.0.1");
    assert!(get.get("allowCredentials").is_none_or(|a| a == &json!([])), "{get}");
    let challenge = get["challenge"].as_str().unwrap();

    // An answer no authenticator signed is refused with a reason, and its challenge is spent.
    let answer = made_up_assertion(&s.base, challenge);
    let (status, code, message) = code_of(s.post(&anyone, "/api/v1/auth/passkey", json!({"credential": answer})).await).await;
    assert_eq!((status, code), (400, ErrorCode::PasskeyRefused), "{message}");
    assert!(message.contains("not one Xops knows"), "{message}");
    let (_, code, message) = code_of(s.post(&anyone, "/api/v1/auth/passkey", json!({"credential": answer})).await).await;
    assert_eq!(code, ErrorCode::PasskeyRefused);
    assert!(message.contains("expired or was used already"), "{message}");
    // Nor is anything but an answer accepted, nor a challenge the store never sent.
    let (_, code, _) = code_of(s.post(&anyone, "/api/v1/auth/passkey", json!({"credential": {"id": "x"}})).await).await;
    assert_eq!(code, ErrorCode::PasskeyRefused);
    let unknown = made_up_assertion(&s.base, &B64.encode([3u8; 16]));
    let (_, _, message) = code_of(s.post(&anyone, "/api/v1/auth/passkey", json!({"credential": unknown})).await).await;
    assert!(message.contains("expired or was used already"), "{message}");
    assert_eq!(s.me(&anyone).await.status(), 401, "nobody was signed in");
    // No challenge is kept anywhere a person reads: not in the activity log.
    let log = ada.get(s.url("/api/v1/activity")).send().await.unwrap().text().await.unwrap();
    assert!(!log.contains(challenge) && !log.contains(add["challenge"].as_str().unwrap()), "{log}");
}

/// Puts a passkey row for `email` straight into the database (its key is never read here).
async fn stored_passkey(s: &TestStore, email: &str, id: &str) {
    let db = s.db().await;
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, organization_id, credential_id, transports, static_state, dynamic_state, name, created_at)
         SELECT $1, id, organization_id, $1, 0, '', '', 'Work laptop', 1 FROM users WHERE email = $2",
    )
    .bind(id)
    .bind(email)
    .execute(&db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn an_owner_can_require_passkeys_and_a_member_without_one_can_then_only_add_one() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let res = s.post(&ada, "/api/v1/invitations", json!({"email": "grace@contoso.com", "role": "admin"})).await;
    let invitation: InvitationCreated = res.json().await.unwrap();
    let grace = s.browser();
    let res = s.post(&grace, "/api/v1/auth/join", json!({"token": invitation.token, "password": PASSWORD})).await;
    assert_eq!(res.status(), 201);

    // Only owners decide.
    let put = |c: &reqwest::Client, required: bool| {
        c.put(s.url("/api/v1/organization/passkeys")).json(&json!({"required": required})).send()
    };
    assert_eq!(put(&grace, true).await.unwrap().status(), 403);
    stored_passkey(&s, "ada@contoso.com", "0a000000-0000-4000-8000-0000000000a1").await;
    let res = put(&ada, true).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"required": true}));

    // Grace has none: she is told so, and can do nothing but add one (or look at her sessions).
    let me: Value = s.me(&grace).await.json().await.unwrap();
    assert_eq!(me["passkey_required"], true);
    let (status, code, message) = code_of(grace.get(s.url("/api/v1/records")).send().await.unwrap()).await;
    assert_eq!((status, code), (403, ErrorCode::PasskeyRequired));
    assert!(message.contains("Add one on the Security page"), "{message}");
    assert_eq!(code_of(grace.get(s.url("/api/v1/members")).send().await.unwrap()).await.1, ErrorCode::PasskeyRequired);
    let list: Value = grace.get(s.url("/api/v1/passkeys")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!({"passkeys": [], "required": true}));
    assert_eq!(options(&s, &grace, "/api/v1/passkeys/options").await["user"]["name"], "grace@contoso.com");
    assert_eq!(grace.get(s.url("/api/v1/sessions")).send().await.unwrap().status(), 200);
    // Ada has one: nothing changes for her.
    let me: Value = s.me(&ada).await.json().await.unwrap();
    assert_eq!(me["passkey_required"], false);
    assert_eq!(ada.get(s.url("/api/v1/records")).send().await.unwrap().status(), 200);
    // Once Grace has one, she is let through.
    stored_passkey(&s, "grace@contoso.com", "0a000000-0000-4000-8000-0000000000b1").await;
    tokio::time::sleep(xops_store::recent::RECHECK + std::time::Duration::from_millis(300)).await;
    assert_eq!(grace.get(s.url("/api/v1/records")).send().await.unwrap().status(), 200);

    // Her only passkey stays while the organization requires one; anyone else's is not hers.
    let res = grace.delete(s.url("/api/v1/passkeys/0a000000-0000-4000-8000-0000000000b1")).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 409);
    let res = grace.delete(s.url("/api/v1/passkeys/0a000000-0000-4000-8000-0000000000a1")).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 404);
    // Turned off again, it can go.
    assert_eq!(put(&ada, false).await.unwrap().status(), 200);
    let res = grace.delete(s.url("/api/v1/passkeys/0a000000-0000-4000-8000-0000000000b1")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let list: Value = grace.get(s.url("/api/v1/passkeys")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!({"passkeys": [], "required": false}));
    let log: Value = ada.get(s.url("/api/v1/activity")).send().await.unwrap().json().await.unwrap();
    let kinds: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..3], ["passkey_removed", "passkey_policy_changed", "passkey_policy_changed"], "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_from_one_store_process_is_finished_once_on_another() {
    use common::process::start_store;
    let Some(admin) = common::postgres_admin_url() else {
        eprintln!("skipped: XOPS_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return;
    };
    let database = common::new_postgres_database(&admin).await;
    let (a, b) = (start_store(&database, &[]), start_store(&database, &[]));
    let client = reqwest::Client::new();
    let post =
        |base: &str, path: &str, body: Value| client.post(format!("{base}{path}")).header("origin", base).json(&body).send();
    let res = post(&a.base, "/api/v1/auth/passkey/options", json!({})).await.unwrap();
    let options: Value = res.json().await.unwrap();
    let challenge = options["options"]["challenge"].as_str().unwrap().to_string();
    // B finds the ceremony A started (the answer then fails on its made-up signature's key) ...
    let fake = |base: &str| json!({"credential": made_up_assertion(base, &challenge)});
    let res = post(&b.base, "/api/v1/auth/passkey", fake(&b.base)).await.unwrap();
    let (_, code, message) = code_of(res).await;
    assert_eq!(code, ErrorCode::PasskeyRefused);
    assert!(message.contains("not one Xops knows"), "B took the ceremony: {message}");
    // ... and it is gone for A too.
    let (_, _, message) = code_of(post(&a.base, "/api/v1/auth/passkey", fake(&a.base)).await.unwrap()).await;
    assert!(message.contains("expired or was used already"), "{message}");
}
