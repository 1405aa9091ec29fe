//! A person's own sign-in over real HTTP (issue 31, parts 2 and 3): the sessions they can see and
//! end (only their own), and one-time reset links (who may make one, once, within the hour, the
//! newest only, ending every session of the person, on every store process).
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::{spawn_store, TestStore, PASSWORD};
use serde_json::{json, Value};
use xops_model::security::{ResetLinkCreated, SessionList};
use xops_model::{ApiError, ErrorCode, InvitationCreated, Me};

const CHROME_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const FIREFOX_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const NEW_PASSWORD: &str = "a brand new passphrase for grace";

/// A browser-like client with this User-Agent.
fn browser_as(s: &TestStore, user_agent: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", s.base.parse().unwrap());
    reqwest::Client::builder().cookie_store(true).default_headers(headers).user_agent(user_agent).build().unwrap()
}

async fn sign_in(s: &TestStore, c: &reqwest::Client, email: &str, password: &str) -> u16 {
    s.post(c, "/api/v1/auth/login", json!({"email": email, "password": password})).await.status().as_u16()
}

async fn code_of(res: reqwest::Response) -> (u16, ErrorCode, String) {
    let status = res.status().as_u16();
    let err: ApiError = res.json().await.unwrap();
    (status, err.error.code, err.error.message)
}

async fn sessions(s: &TestStore, c: &reqwest::Client) -> SessionList {
    let res = c.get(s.url("/api/v1/sessions")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn me_status(s: &TestStore, c: &reqwest::Client) -> u16 {
    s.me(c).await.status().as_u16()
}

/// Ada (owner) with Grace (admin) and Linus (viewer), each joined through their link.
async fn team(s: &TestStore) -> (reqwest::Client, Me, Me) {
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let mut joined = Vec::new();
    for (email, role) in [("grace@contoso.com", "admin"), ("linus@contoso.com", "viewer")] {
        let res = s.post(&ada, "/api/v1/invitations", json!({"email": email, "role": role})).await;
        let created: InvitationCreated = res.json().await.unwrap();
        let res = s.post(&s.browser(), "/api/v1/auth/join", json!({"token": created.token, "password": PASSWORD})).await;
        assert_eq!(res.status(), 201);
        joined.push(res.json::<Me>().await.unwrap());
    }
    let linus = joined.pop().unwrap();
    (ada, joined.pop().unwrap(), linus)
}

async fn reset_link(s: &TestStore, c: &reqwest::Client, member: &Me) -> reqwest::Response {
    c.post(s.url(&format!("/api/v1/members/{}/reset-link", member.user.id))).send().await.unwrap()
}

async fn made_link(s: &TestStore, c: &reqwest::Client, member: &Me) -> ResetLinkCreated {
    let res = reset_link(s, c, member).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn use_link(s: &TestStore, c: &reqwest::Client, token: &str, password: &str) -> reqwest::Response {
    s.post(c, "/api/v1/auth/reset", json!({"token": token, "password": password})).await
}

#[tokio::test]
async fn a_person_sees_their_own_sessions_by_browser_and_ends_only_their_own() {
    let s = spawn_store(|_| {}).await;
    s.sign_up("ada@contoso.com", "Contoso").await;
    let laptop = browser_as(&s, CHROME_ON_WINDOWS);
    let desktop = browser_as(&s, FIREFOX_ON_LINUX);
    assert_eq!(sign_in(&s, &laptop, "ada@contoso.com", PASSWORD).await, 200);
    assert_eq!(sign_in(&s, &desktop, "ada@contoso.com", PASSWORD).await, 200);
    let stranger = s.sign_up("bob@fabrikam.com", "Fabrikam").await;

    let list = sessions(&s, &laptop).await;
    assert_eq!(list.sessions.len(), 3, "the sign-up's session, and one per browser: {list:?}");
    let this = &list.sessions[0];
    assert!(this.this_browser, "this browser's first");
    assert_eq!(this.browser, "Chrome on Windows");
    assert_eq!(this.address, "127.0.0.1");
    assert_eq!(list.sessions.iter().filter(|x| x.this_browser).count(), 1);
    let firefox = list.sessions.iter().find(|x| x.browser == "Firefox on Linux").expect("the other browser").clone();
    // No token or hash in the answer: only ids.
    let raw = laptop.get(s.url("/api/v1/sessions")).send().await.unwrap().text().await.unwrap();
    assert!(!raw.contains("token"), "{raw}");
    // Someone else's sessions are not in their list, and they cannot end one of Ada's.
    assert_eq!(sessions(&s, &stranger).await.sessions.len(), 1);
    let res = stranger.delete(s.url(&format!("/api/v1/sessions/{}", firefox.id))).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 404);
    assert_eq!(me_status(&s, &desktop).await, 200, "Ada's other browser is still signed in");

    // Ada signs out the Firefox session: its next request is refused at once.
    let res = laptop.delete(s.url(&format!("/api/v1/sessions/{}", firefox.id))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(&s, &desktop).await, 401);
    assert_eq!(me_status(&s, &laptop).await, 200);
    let res = laptop.delete(s.url(&format!("/api/v1/sessions/{}", firefox.id))).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 404, "ending it twice says it is gone");
    let res = laptop.delete(s.url("/api/v1/sessions/not-an-id")).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 400);
    let log: Value = laptop.get(s.url("/api/v1/activity?kind=sessions_ended")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["entries"][0]["detail"], "Firefox on Linux");
}

#[tokio::test]
async fn sign_out_all_other_sessions_leaves_only_this_one() {
    let s = spawn_store(|_| {}).await;
    let first = s.sign_up("ada@contoso.com", "Contoso").await;
    let (second, third) = (s.browser(), s.browser());
    for c in [&second, &third] {
        assert_eq!(sign_in(&s, c, "ada@contoso.com", PASSWORD).await, 200);
    }
    let bob = s.sign_up("bob@fabrikam.com", "Fabrikam").await;
    let res = s.post(&second, "/api/v1/sessions/end-others", json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 2);
    assert_eq!(me_status(&s, &first).await, 401);
    assert_eq!(me_status(&s, &third).await, 401);
    assert_eq!(me_status(&s, &second).await, 200);
    assert_eq!(me_status(&s, &bob).await, 200, "another person's sessions are untouched");
    let list = sessions(&s, &second).await;
    assert_eq!(list.sessions.len(), 1);
    assert!(list.sessions[0].this_browser);
    let res = s.post(&second, "/api/v1/sessions/end-others", json!({})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 0);
}

#[tokio::test]
async fn a_reset_link_works_once_within_the_hour_and_ends_every_session_of_its_person() {
    let s = spawn_store(|_| {}).await;
    let (ada, grace, _) = team(&s).await;
    let graces_laptop = s.browser();
    assert_eq!(sign_in(&s, &graces_laptop, "grace@contoso.com", PASSWORD).await, 200);

    let created = made_link(&s, &ada, &grace).await;
    assert_eq!(created.email, "grace@contoso.com");
    assert_eq!(created.token.len(), 43, "32 random bytes, URL-safe");
    let hour = created.expires_at - xops_store::db::now_millis();
    assert!((59 * 60_000..=60 * 60_000).contains(&hour), "{hour}");
    let preview: Value =
        s.post(&s.browser(), "/api/v1/auth/reset-link", json!({"token": created.token})).await.json().await.unwrap();
    assert_eq!(preview["email"], "grace@contoso.com");
    assert_eq!(preview["organization"], "Contoso");

    // A weak password is refused beside its field, and the link still works after that.
    let phone = s.browser();
    let (status, code, _) = code_of(use_link(&s, &phone, &created.token, "short").await).await;
    assert_eq!((status, code), (422, ErrorCode::Validation));
    let res = use_link(&s, &phone, &created.token, NEW_PASSWORD).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(me_status(&s, &phone).await, 200, "the browser that used the link is signed in");
    assert_eq!(me_status(&s, &graces_laptop).await, 401, "every earlier session of Grace ended");
    assert_eq!(me_status(&s, &ada).await, 200, "nobody else's");
    assert_eq!(sign_in(&s, &s.browser(), "grace@contoso.com", PASSWORD).await, 401, "the old password is gone");
    assert_eq!(sign_in(&s, &s.browser(), "grace@contoso.com", NEW_PASSWORD).await, 200);

    // Once only; a made-up token is refused the same way.
    let (status, code, message) = code_of(use_link(&s, &s.browser(), &created.token, "yet another long password").await).await;
    assert_eq!((status, code), (410, ErrorCode::ResetLinkInvalid));
    assert!(message.contains("Ask an owner or admin"), "{message}");
    let made_up = "A".repeat(43);
    assert_eq!(code_of(use_link(&s, &s.browser(), &made_up, NEW_PASSWORD).await).await.1, ErrorCode::ResetLinkInvalid);
    let res = s.post(&s.browser(), "/api/v1/auth/reset-link", json!({"token": made_up})).await;
    assert_eq!(res.status(), 410);

    // Only the newest link works.
    let older = made_link(&s, &ada, &grace).await;
    let newer = made_link(&s, &ada, &grace).await;
    assert_eq!(use_link(&s, &s.browser(), &older.token, NEW_PASSWORD).await.status(), 410);
    // Within the hour: a link past it is refused (its time moved back in the database).
    let db = s.db().await;
    sqlx::query("UPDATE password_resets SET expires_at = $1 WHERE used_at IS NULL")
        .bind(xops_store::db::now_millis() - 1)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(use_link(&s, &s.browser(), &newer.token, NEW_PASSWORD).await.status(), 410);

    // The log says who made which link and that it was used, never a token.
    let raw = ada.get(s.url("/api/v1/activity")).send().await.unwrap().text().await.unwrap();
    let log: Value = serde_json::from_str(&raw).unwrap();
    let kinds: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "reset_link_created").count(), 3);
    let used = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "password_reset").unwrap();
    assert_eq!(used["actor_email"], "grace@contoso.com");
    assert_eq!(used["detail"], "2 sessions ended");
    for token in [&created.token, &older.token, &newer.token] {
        assert!(!raw.contains(token.as_str()), "a token in the activity log");
    }
    // Nor does the database hold one: only its hash.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM password_resets").fetch_all(&db.pool).await.unwrap();
    assert_eq!(hashes.len(), 3);
    for hash in &hashes {
        assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    }
    let details: Vec<String> = sqlx::query_scalar("SELECT COALESCE(detail, '') FROM activity").fetch_all(&db.pool).await.unwrap();
    assert!(details.iter().all(|d| !d.contains(created.token.as_str())), "{details:?}");
}

#[tokio::test]
async fn owners_and_admins_make_reset_links_within_their_reach_and_no_one_for_themselves() {
    let s = spawn_store(|_| {}).await;
    let (ada, grace, linus) = team(&s).await;
    let ada_me: Me = s.me(&ada).await.json().await.unwrap();
    let grace_c = s.browser();
    assert_eq!(sign_in(&s, &grace_c, "grace@contoso.com", PASSWORD).await, 200);
    let linus_c = s.browser();
    assert_eq!(sign_in(&s, &linus_c, "linus@contoso.com", PASSWORD).await, 200);

    // An admin never takes over an owner's sign-in; for a viewer, yes.
    let (status, code, message) = code_of(reset_link(&s, &grace_c, &ada_me).await).await;
    assert_eq!((status, code), (403, ErrorCode::Forbidden), "{message}");
    assert!(message.contains("make a password reset link for an owner"), "{message}");
    assert_eq!(reset_link(&s, &grace_c, &linus).await.status(), 201);
    // A viewer makes none.
    assert_eq!(reset_link(&s, &linus_c, &grace).await.status(), 403);
    // No one for themselves (another owner or admin can).
    let (status, _, message) = code_of(reset_link(&s, &ada, &ada_me).await).await;
    assert_eq!(status, 403);
    assert!(message.contains("another owner or admin"), "{message}");
    // Nor across organizations: someone else's member is "no such member".
    let bob = s.sign_up("bob@fabrikam.com", "Fabrikam").await;
    assert_eq!(reset_link(&s, &bob, &grace).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_makes_a_link_from_the_command_line_for_an_owner_with_no_one_to_ask() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xops-store"))
        .args(["user", "reset-link", "--email", "ADA@contoso.com", "--origin", "https://xops.example.com/", "--database"])
        .arg(&s.database_url)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
    assert!(out.status.success(), "{stderr}");
    let link = stdout.trim();
    let token = link.strip_prefix("https://xops.example.com/reset#").unwrap_or_else(|| panic!("a link: {link}"));
    assert!(stderr.contains("ends all their sessions") && stderr.contains("ada@contoso.com"), "{stderr}");
    assert_eq!(use_link(&s, &s.browser(), token, NEW_PASSWORD).await.status(), 200);
    assert_eq!(me_status(&s, &ada).await, 401, "the owner's earlier session ended");
    let log: Value = s
        .post(&s.browser(), "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": NEW_PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["user"]["email"], "ada@contoso.com");
    let log: Value = {
        let c = s.browser();
        assert_eq!(sign_in(&s, &c, "ada@contoso.com", NEW_PASSWORD).await, 200);
        c.get(s.url("/api/v1/activity")).send().await.unwrap().json().await.unwrap()
    };
    let made = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "reset_link_created").unwrap();
    assert_eq!(made["actor_email"], "The operator of Xops (command line)");
    assert_eq!(made["detail"], "ada@contoso.com");

    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_xops-store"))
        .args(["user", "reset-link", "--email", "nobody@contoso.com", "--database"])
        .arg(&s.database_url)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("no user with the email nobody@contoso.com"));
}

/// How long until `client`'s requests to `base` are refused (polled every 50 ms, for at most 5 s).
async fn refused_within(client: &reqwest::Client, base: &str) -> std::time::Duration {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(5) {
        if client.get(format!("{base}/api/v1/me")).send().await.unwrap().status() == 401 {
            return started.elapsed();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the session still works on {base} after 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_and_sign_out_all_others_end_sessions_on_every_store_process() {
    use common::process::start_store;
    let Some(admin) = common::postgres_admin_url() else {
        eprintln!("skipped: XOPS_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return;
    };
    let database = common::new_postgres_database(&admin).await;
    let (a, b) = (start_store(&database, &[]), start_store(&database, &[]));
    let client = |base: &str| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", base.parse().unwrap());
        reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
    };
    let post = |c: &reqwest::Client, base: &str, path: &str, body: Value| c.post(format!("{base}{path}")).json(&body).send();
    let ada = client(&a.base);
    let res = post(
        &ada,
        &a.base,
        "/api/v1/auth/signup",
        json!({"organization": "Contoso", "email": "ada@contoso.com", "password": PASSWORD}),
    );
    assert_eq!(res.await.unwrap().status(), 201);
    // Two more browsers, signed in through B and used there (so B holds what it learned of them).
    let mut on_b = Vec::new();
    for _ in 0..2 {
        let c = client(&b.base);
        let res = post(&c, &b.base, "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": PASSWORD}));
        assert_eq!(res.await.unwrap().status(), 200);
        assert_eq!(c.get(format!("{}/api/v1/me", b.base)).send().await.unwrap().status(), 200);
        on_b.push(c);
    }
    // Sign out all other sessions, through A: B refuses them within its 2 s of trust.
    let res = post(&ada, &a.base, "/api/v1/sessions/end-others", json!({})).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 2);
    for c in &on_b {
        let waited = refused_within(c, &b.base).await;
        assert!(waited <= std::time::Duration::from_millis(2500), "{waited:?}");
    }

    // A reset link used through A ends Ada's session used through B.
    let ada_on_b = client(&b.base);
    let res = post(&ada_on_b, &b.base, "/api/v1/auth/login", json!({"email": "ada@contoso.com", "password": PASSWORD}));
    assert_eq!(res.await.unwrap().status(), 200);
    assert_eq!(ada_on_b.get(format!("{}/api/v1/me", b.base)).send().await.unwrap().status(), 200);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xops-store"))
        .args(["user", "reset-link", "--email", "ada@contoso.com", "--database", &database])
        .output()
        .unwrap();
    assert!(out.status.success());
    let link = String::from_utf8(out.stdout).unwrap();
    let token = link.trim().rsplit('#').next().unwrap().to_string();
    let res =
        post(&client(&a.base), &a.base, "/api/v1/auth/reset", json!({"token": token, "password": NEW_PASSWORD})).await.unwrap();
    assert_eq!(res.status(), 200);
    let waited = refused_within(&ada_on_b, &b.base).await;
    assert!(waited <= std::time::Duration::from_millis(2500), "{waited:?}");
    // The used link is refused on the other process too.
    let res =
        post(&client(&b.base), &b.base, "/api/v1/auth/reset", json!({"token": token, "password": NEW_PASSWORD})).await.unwrap();
    assert_eq!(res.status(), 410);
}
