//! Teams over real HTTP: invitations, roles enforced on every request, members, and the activity
//! log (written in the change's own transaction, scoped to the organization, never a secret).
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::{spawn_store, TestStore, PASSWORD};
use serde_json::{json, Value};
use xops_model::{ActivityPage, ApiError, ErrorCode, InvitationCreated, Me, Members, Role};

fn id(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

async fn status_and_code(res: reqwest::Response) -> (u16, ErrorCode, String) {
    let status = res.status().as_u16();
    let err: ApiError = res.json().await.unwrap();
    (status, err.error.code, err.error.message)
}

async fn invite(s: &TestStore, c: &reqwest::Client, email: &str, role: &str) -> reqwest::Response {
    s.post(c, "/api/v1/invitations", json!({"email": email, "role": role})).await
}

async fn invited(s: &TestStore, c: &reqwest::Client, email: &str, role: &str) -> InvitationCreated {
    let res = invite(s, c, email, role).await;
    assert_eq!(res.status(), 201, "invite {email}: {}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// Joins through the invitation; the new person's signed-in client.
async fn join(s: &TestStore, token: &str) -> (reqwest::Client, Me) {
    let client = s.browser();
    let res = s.post(&client, "/api/v1/auth/join", json!({"token": token, "password": PASSWORD})).await;
    assert_eq!(res.status(), 201, "join: {}", res.text().await.unwrap());
    let me = res.json().await.unwrap();
    (client, me)
}

/// Ada (owner) with Grace (admin) and Linus (viewer), each joined through their link.
async fn team(s: &TestStore) -> (reqwest::Client, (reqwest::Client, Me), (reqwest::Client, Me)) {
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let grace = invited(s, &ada, "grace@contoso.com", "admin").await;
    let linus = invited(s, &ada, "linus@contoso.com", "viewer").await;
    (ada.clone(), join(s, &grace.token).await, join(s, &linus.token).await)
}

async fn members(s: &TestStore, c: &reqwest::Client) -> Members {
    let res = c.get(s.url("/api/v1/members")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn activity(s: &TestStore, c: &reqwest::Client, query: &str) -> ActivityPage {
    let res = c.get(s.url(&format!("/api/v1/activity{query}"))).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn kinds(page: &ActivityPage) -> Vec<&'static str> {
    page.entries.iter().map(|e| e.kind.as_str()).collect()
}

async fn put_account(
    s: &TestStore,
    c: &reqwest::Client,
    record: &str,
    name: &str,
    precondition: (&str, String),
) -> reqwest::Response {
    c.put(s.url(&format!("/api/v1/records/{record}")))
        .header(precondition.0, precondition.1)
        .json(&json!({"kind": "integration", "body": common::process::m365_body(name)}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invitation_joins_its_organization_once_with_its_role() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let me: Me = s.me(&ada).await.json().await.unwrap();
    assert_eq!(me.role, Role::Owner, "the first person of an organization is its owner");

    let created = invited(&s, &ada, "Grace@Contoso.com", "admin").await;
    assert!(created.token.len() >= 43, "256 random bits: {}", created.token);
    assert_eq!((created.invitation.email.as_str(), created.invitation.role), ("grace@contoso.com", Role::Admin));
    let week = created.invitation.expires_at - created.invitation.created_at;
    assert_eq!(week, 7 * 24 * 60 * 60 * 1000, "a link works for 7 days by default");

    let preview: Value =
        s.post(&s.browser(), "/api/v1/auth/invitation", json!({"token": created.token})).await.json().await.unwrap();
    assert_eq!(preview["organization"], "Contoso");
    assert_eq!(preview["email"], "grace@contoso.com");
    assert_eq!(preview["invited_by"], "ada@contoso.com");

    let (grace, grace_me) = join(&s, &created.token).await;
    assert_eq!(grace_me.organization.id, me.organization.id);
    assert_eq!((grace_me.user.email.as_str(), grace_me.role), ("grace@contoso.com", Role::Admin));
    assert_eq!(s.me(&grace).await.status(), 200, "joining signs the person in");

    // Single use: the same link again, by anyone, is refused.
    let again =
        s.post(&s.browser(), "/api/v1/auth/join", json!({"token": created.token, "password": "another long password"})).await;
    assert_eq!(status_and_code(again).await.0, 410);

    let list = members(&s, &ada).await;
    let roles: Vec<(&str, Role)> = list.members.iter().map(|m| (m.email.as_str(), m.role)).collect();
    assert_eq!(roles, [("ada@contoso.com", Role::Owner), ("grace@contoso.com", Role::Admin)]);
    assert!(list.members.iter().all(|m| m.last_sign_in_at.is_some()), "signing up counts as signing in");
    assert!(list.invitations.is_empty(), "a used invitation is no longer pending");
    assert_eq!(kinds(&activity(&s, &ada, "").await), ["member_joined", "member_invited"]);
}

#[tokio::test]
async fn invitation_links_expire_can_be_revoked_and_cannot_be_guessed() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let (bad, code, message) = status_and_code(invite(&s, &ada, "not-an-email", "viewer").await).await;
    assert_eq!((bad, code), (422, ErrorCode::Validation), "{message}");

    // Revoked: listed until then, refused after.
    let revoked = invited(&s, &ada, "linus@contoso.com", "viewer").await;
    assert_eq!(members(&s, &ada).await.invitations.len(), 1);
    let res = ada.delete(s.url(&format!("/api/v1/invitations/{}", revoked.invitation.id))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(members(&s, &ada).await.invitations.is_empty());
    let (status, code, message) =
        status_and_code(s.post(&s.browser(), "/api/v1/auth/join", json!({"token": revoked.token, "password": PASSWORD})).await)
            .await;
    assert_eq!((status, code), (410, ErrorCode::InvitationInvalid));
    assert!(message.contains("Ask whoever invited you for a new link"), "{message}");

    // Expired: seven days later the link no longer works.
    let expiring = invited(&s, &ada, "linus@contoso.com", "viewer").await;
    let db = s.db().await;
    sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2")
        .bind(xops_store::db::now_millis() - 1)
        .bind(expiring.invitation.id.as_str())
        .execute(&db.pool)
        .await
        .unwrap();
    let res = s.post(&s.browser(), "/api/v1/auth/invitation", json!({"token": expiring.token})).await;
    assert_eq!(status_and_code(res).await.0, 410);
    let res = s.post(&s.browser(), "/api/v1/auth/join", json!({"token": expiring.token, "password": PASSWORD})).await;
    assert_eq!(status_and_code(res).await.0, 410);

    // Guessed: a made-up token of the right shape, or a near miss of a real one, is refused.
    let live = invited(&s, &ada, "linus@contoso.com", "viewer").await;
    let mut near = live.token.clone().into_bytes();
    near[0] = if near[0] == b'A' { b'B' } else { b'A' };
    for guess in [String::from_utf8(near).unwrap(), "A".repeat(43), String::new()] {
        let res = s.post(&s.browser(), "/api/v1/auth/join", json!({"token": guess, "password": PASSWORD})).await;
        assert_eq!(status_and_code(res).await.0, 410, "guess {guess}");
    }
    // Only the token's hash is kept.
    let rows = sqlx::query("SELECT token_hash FROM invitations").fetch_all(&db.pool).await.unwrap();
    for row in rows {
        let hash: String = sqlx::Row::get(&row, 0);
        assert_ne!(hash, live.token);
        assert_eq!(hash.len(), 64, "a SHA-256 in hex");
    }
    join(&s, &live.token).await;
}

#[tokio::test]
async fn a_viewer_reads_everything_and_every_change_is_refused() {
    let s = spawn_store(|_| {}).await;
    let (ada, _, (linus, linus_me)) = team(&s).await;
    assert_eq!(linus_me.role, Role::Viewer);
    let record = id(1);
    s.create_integration(&ada, &record, common::process::m365_body("Contoso M365")).await;

    // Reads work.
    assert_eq!(linus.get(s.url("/api/v1/records")).send().await.unwrap().status(), 200);
    assert_eq!(linus.get(s.url(&format!("/api/v1/records/{record}"))).send().await.unwrap().status(), 200);
    assert_eq!(members(&s, &linus).await.members.len(), 3);
    assert!(!activity(&s, &linus, "").await.entries.is_empty());

    // Every change is refused with 403 and a sentence that says why.
    let ada_id = members(&s, &ada).await.members[0].id.clone();
    let body = json!({"kind": "integration", "body": common::process::m365_body("Renamed")});
    let proof = json!({"graph_assertion": "a.b.c", "proof": "a.b.c", "certificate_pem": "x"});
    let attempts = [
        linus.put(s.url(&format!("/api/v1/records/{}", id(2)))).header("if-none-match", "*").json(&body),
        linus.put(s.url(&format!("/api/v1/records/{record}"))).header("if-match", "\"1\"").json(&body),
        linus.delete(s.url(&format!("/api/v1/records/{record}"))).header("if-match", "\"1\""),
        linus.post(s.url(&format!("/api/v1/integrations/{record}/verify"))).json(&json!({"graph_assertion": "a.b.c"})),
        linus.post(s.url(&format!("/api/v1/integrations/{record}/keys"))).json(&proof),
        linus
            .post(s.url(&format!("/api/v1/integrations/{record}/keys/{}/remove", id(9))))
            .json(&json!({"graph_assertion": "a.b.c", "proof": "a.b.c"})),
        linus.post(s.url("/api/v1/invitations")).json(&json!({"email": "x@contoso.com", "role": "viewer"})),
        linus.put(s.url(&format!("/api/v1/members/{ada_id}/role"))).json(&json!({"role": "viewer"})),
        linus.delete(s.url(&format!("/api/v1/members/{ada_id}"))),
    ];
    for attempt in attempts {
        let req = attempt.build().unwrap();
        let what = format!("{} {}", req.method(), req.url().path());
        let (status, code, message) = status_and_code(linus.execute(req).await.unwrap()).await;
        assert_eq!((status, code), (403, ErrorCode::Forbidden), "{what}: {message}");
        assert!(message.starts_with("You cannot ") && message.contains("Ask an owner"), "{what}: {message}");
    }
    let pending = invited(&s, &ada, "pat@contoso.com", "viewer").await;
    let res = linus.delete(s.url(&format!("/api/v1/invitations/{}", pending.invitation.id))).send().await.unwrap();
    assert_eq!(res.status(), 403, "a viewer cannot revoke an invitation");
    // Nothing changed.
    let record_now: Value = ada.get(s.url(&format!("/api/v1/records/{record}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(record_now["body"]["name"], "Contoso M365");
    assert_eq!(members(&s, &ada).await.members.len(), 3);
}

#[tokio::test]
async fn an_admin_changes_accounts_and_invites_but_only_owners_manage_members() {
    let s = spawn_store(|_| {}).await;
    let (ada, (grace, _), (_, linus_me)) = team(&s).await;
    s.create_integration(&grace, &id(1), common::process::m365_body("Grace's account")).await;
    assert_eq!(invite(&s, &grace, "new-admin@contoso.com", "admin").await.status(), 201);
    assert_eq!(invite(&s, &grace, "new-viewer@contoso.com", "viewer").await.status(), 201);
    let (status, code, message) = status_and_code(invite(&s, &grace, "boss@contoso.com", "owner").await).await;
    assert_eq!((status, code), (403, ErrorCode::Forbidden));
    assert!(message.contains("invite someone as owner"), "{message}");
    let owners_invitation = invited(&s, &ada, "co-owner@contoso.com", "owner").await;
    let res = grace.delete(s.url(&format!("/api/v1/invitations/{}", owners_invitation.invitation.id))).send().await.unwrap();
    assert_eq!(res.status(), 403, "an admin cannot revoke an owner's invitation");
    let res =
        grace.put(s.url(&format!("/api/v1/members/{}/role", linus_me.user.id))).json(&json!({"role": "admin"})).send().await;
    assert_eq!(status_and_code(res.unwrap()).await.0, 403);
    let res = grace.delete(s.url(&format!("/api/v1/members/{}", linus_me.user.id))).send().await.unwrap();
    assert_eq!(status_and_code(res).await.0, 403);
    // Inviting an existing member is a clear conflict.
    let (status, _, message) = status_and_code(invite(&s, &grace, "linus@contoso.com", "viewer").await).await;
    assert_eq!(status, 409);
    assert!(message.contains("already a member"), "{message}");
}

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let s = spawn_store(|_| {}).await;
    let (ada, (_, grace_me), _) = team(&s).await;
    let ada_id = members(&s, &ada).await.members[0].id.clone();
    for res in [
        ada.put(s.url(&format!("/api/v1/members/{ada_id}/role"))).json(&json!({"role": "admin"})).send().await.unwrap(),
        ada.delete(s.url(&format!("/api/v1/members/{ada_id}"))).send().await.unwrap(),
    ] {
        let (status, _, message) = status_and_code(res).await;
        assert_eq!(status, 409);
        assert!(message.contains("only owner") && message.contains("Make another member an owner first"), "{message}");
    }
    let res = ada.put(s.url(&format!("/api/v1/members/{}/role", grace_me.user.id))).json(&json!({"role": "owner"})).send().await;
    assert_eq!(res.unwrap().status(), 200);
    let res = ada.put(s.url(&format!("/api/v1/members/{ada_id}/role"))).json(&json!({"role": "viewer"})).send().await;
    assert_eq!(res.unwrap().status(), 200, "with another owner, the first may step down");
}

#[tokio::test]
async fn a_role_change_or_removal_takes_effect_on_the_next_request() {
    let s = spawn_store(|_| {}).await;
    let (ada, (grace, grace_me), (linus, linus_me)) = team(&s).await;
    assert_eq!(linus.get(s.url("/api/v1/records")).send().await.unwrap().status(), 200);
    s.create_integration(&grace, &id(1), common::process::m365_body("One")).await;

    let res = ada.put(s.url(&format!("/api/v1/members/{}/role", grace_me.user.id))).json(&json!({"role": "viewer"})).send().await;
    assert_eq!(res.unwrap().status(), 200);
    let res = put_account(&s, &grace, &id(2), "Two", ("if-none-match", "*".into())).await;
    assert_eq!(status_and_code(res).await.0, 403, "demoted: her next change is refused");
    let me: Me = s.me(&grace).await.json().await.unwrap();
    assert_eq!(me.role, Role::Viewer);

    let res = ada.delete(s.url(&format!("/api/v1/members/{}", linus_me.user.id))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let (status, code, _) = status_and_code(linus.get(s.url("/api/v1/records")).send().await.unwrap()).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthorized), "removed: his open session stops at once");
    let res = s.post(&s.browser(), "/api/v1/auth/login", json!({"email": "linus@contoso.com", "password": PASSWORD})).await;
    assert_eq!(res.status(), 401, "and he cannot sign in again");
    let list = members(&s, &ada).await;
    assert!(list.members.iter().all(|m| m.email != "linus@contoso.com"));
    let log = activity(&s, &ada, "").await;
    assert_eq!(&kinds(&log)[..3], ["member_removed", "role_changed", "account_linked"]);
    assert_eq!(log.entries[1].detail.as_deref(), Some("grace@contoso.com: admin → viewer"));
}

/// The entry is written before the checks that can still refuse a change, in its transaction: a
/// refused change takes its entry with it (outside the transaction, one would be left behind).
#[tokio::test]
async fn a_refused_change_leaves_no_activity_entry() {
    let s = spawn_store(|c| c.max_records_per_org = 2).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    s.create_integration(&ada, &id(1), common::process::m365_body("First")).await;
    s.create_integration(&ada, &id(2), common::process::m365_body("Second")).await;
    let before = activity(&s, &ada, "").await.entries.len();
    // The name is taken (checked after the entry is written) ...
    let res = put_account(&s, &ada, &id(2), "First", ("if-match", "\"2\"".into())).await;
    assert_eq!(status_and_code(res).await.0, 422);
    // ... and the organization is full (also checked after).
    let res = put_account(&s, &ada, &id(3), "Third", ("if-none-match", "*".into())).await;
    assert_eq!(status_and_code(res).await.1, ErrorCode::QuotaExceeded);
    // A conflict and a retried change write nothing either.
    let res = put_account(&s, &ada, &id(2), "Other", ("if-match", "\"1\"".into())).await;
    assert_eq!(res.status(), 409);
    assert_eq!(activity(&s, &ada, "").await.entries.len(), before, "refused changes left entries");
}

#[tokio::test]
async fn activity_is_newest_first_filtered_paged_and_kept_to_the_organization() {
    let s = spawn_store(|_| {}).await;
    let (ada, (grace, grace_me), _) = team(&s).await;
    s.create_integration(&grace, &id(1), common::process::m365_body("Alpha")).await;
    s.create_integration(&ada, &id(2), common::process::m365_body("Beta")).await;
    let res = put_account(&s, &grace, &id(1), "Alpha prime", ("if-match", "\"1\"".into())).await;
    assert_eq!(res.status(), 200);
    let res = grace.delete(s.url(&format!("/api/v1/records/{}", id(2)))).header("if-match", "\"2\"").send().await.unwrap();
    assert_eq!(res.status(), 200);

    let all = activity(&s, &ada, "").await;
    assert_eq!(
        kinds(&all),
        [
            "account_disconnected",
            "account_renamed",
            "account_linked",
            "account_linked",
            "member_joined",
            "member_joined",
            "member_invited",
            "member_invited"
        ]
    );
    let renamed = &all.entries[1];
    assert_eq!(renamed.actor_email, "grace@contoso.com");
    assert_eq!(renamed.account_name.as_deref(), Some("Alpha prime"));
    assert_eq!(renamed.detail.as_deref(), Some("Alpha → Alpha prime"));
    assert_eq!(renamed.address, "127.0.0.1");
    assert!(all.entries.windows(2).all(|w| w[0].seq > w[1].seq && w[0].at >= w[1].at));

    let alpha = activity(&s, &ada, &format!("?account={}", id(1))).await;
    assert_eq!(kinds(&alpha), ["account_renamed", "account_linked"]);
    let by_grace = activity(&s, &ada, &format!("?person={}", grace_me.user.id)).await;
    assert!(by_grace.entries.iter().all(|e| e.actor_email == "grace@contoso.com") && by_grace.entries.len() == 4);
    assert_eq!(kinds(&activity(&s, &ada, "?kind=account_linked").await), ["account_linked", "account_linked"]);

    // Pages of three, following next_before, give the whole log once.
    let (mut seen, mut before) = (Vec::new(), None::<i64>);
    loop {
        let query = before.map_or("?limit=3".to_string(), |b| format!("?limit=3&before={b}"));
        let page = activity(&s, &ada, &query).await;
        assert!(page.entries.len() <= 3);
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_before {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    assert_eq!(seen, all.entries.iter().map(|e| e.seq).collect::<Vec<_>>());

    for bad in ["?kind=exploded", "?limit=0", "?person=nobody", "?account=x"] {
        let res = ada.get(s.url(&format!("/api/v1/activity{bad}"))).send().await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
    // Another organization sees none of it, even asking for this one's account.
    let mallory = s.sign_up("mallory@evil.example", "Evil").await;
    assert!(activity(&s, &mallory, &format!("?account={}", id(1))).await.entries.is_empty());
    assert_eq!(kinds(&activity(&s, &mallory, "").await), Vec::<&str>::new());
    // Nor can it touch this one's members or invitations.
    let res = mallory.delete(s.url(&format!("/api/v1/members/{}", grace_me.user.id))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let pending = invited(&s, &ada, "pat@contoso.com", "viewer").await;
    let res = mallory.delete(s.url(&format!("/api/v1/invitations/{}", pending.invitation.id))).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_log_holds_no_secret_and_keeps_entries_for_the_retention_only() {
    let s = spawn_store(|_| {}).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let created = invited(&s, &ada, "grace@contoso.com", "admin").await;
    join(&s, &created.token).await;
    s.create_integration(&ada, &id(1), common::process::m365_body("Alpha")).await;
    let db = s.db().await;
    let rows = sqlx::query("SELECT * FROM activity").fetch_all(&db.pool).await.unwrap();
    assert!(!rows.is_empty());
    let dump = format!("{:?}", activity(&s, &ada, "").await);
    for secret in [created.token.as_str(), PASSWORD, "BEGIN", "PRIVATE", "eyJ"] {
        assert!(!dump.contains(secret), "the log holds {secret}: {dump}");
    }

    sqlx::query("UPDATE activity SET at = $1 WHERE kind = 'member_invited'")
        .bind(xops_store::db::now_millis() - 401 * 24 * 60 * 60 * 1000)
        .execute(&db.pool)
        .await
        .unwrap();
    let dropped = xops_store::activity::prune(&db, std::time::Duration::from_secs(400 * 24 * 60 * 60)).await.unwrap();
    assert_eq!(dropped, 1);
    assert_eq!(kinds(&activity(&s, &ada, "").await), ["account_linked", "member_joined"]);
}

/// Opening links has its own limit per address (five times the sign-up limit), and joining counts
/// as a sign-up: a flood of guesses gets 429 long before it could find a token.
#[tokio::test]
async fn opening_and_using_links_is_limited_per_address() {
    let s = spawn_store(|c| c.signups_per_address = 2).await;
    let ada = s.sign_up("ada@contoso.com", "Contoso").await;
    let created = invited(&s, &ada, "grace@contoso.com", "admin").await;
    for _ in 0..10 {
        let res = s.post(&s.browser(), "/api/v1/auth/invitation", json!({"token": created.token})).await;
        assert_eq!(res.status(), 200);
    }
    let (status, code, message) =
        status_and_code(s.post(&s.browser(), "/api/v1/auth/invitation", json!({"token": created.token})).await).await;
    assert_eq!((status, code), (429, ErrorCode::TooManyRequests), "{message}");
    // Ada's sign-up used one of the two sign-ups; a wrong token uses the other; then 429.
    let res = s.post(&s.browser(), "/api/v1/auth/join", json!({"token": "guess", "password": PASSWORD})).await;
    assert_eq!(res.status(), 410);
    let res = s.post(&s.browser(), "/api/v1/auth/join", json!({"token": created.token, "password": PASSWORD})).await;
    assert_eq!(status_and_code(res).await.0, 429);
}
