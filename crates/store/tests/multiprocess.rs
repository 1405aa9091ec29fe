//! Scale-out on PostgreSQL: two store processes started at once on one fresh database (their
//! migrations must not collide), a session made on one used on the other, and concurrent writers
//! to one organization through both: every acknowledged write is stored exactly once, and the
//! organization's revisions are strictly increasing with no gaps or repeats.
//!
//! Needs XOPS_TEST_POSTGRES (scripts/test.sh starts a throwaway server and sets it); without it
//! the test says so and passes, because there is nothing to scale out on SQLite.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::fake_cloud::FakeCloud;
use common::process::{integration_record as body, start_store, start_store_with_env, StoreProcess};

use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_lose_and_repeat_nothing() {
    let Some(admin) = common::postgres_admin_url() else {
        eprintln!("skipped: XOPS_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return;
    };
    let database = common::new_postgres_database(&admin).await;
    // Both start at once on the empty database: one migrates, the other waits and finds it done.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start_store(&database, &["--pool-size", "5"]));
        let b = s.spawn(|| start_store(&database, &["--pool-size", "5"]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let stores = [a.base.clone(), b.base.clone()];

    // One cookie jar: a session made through A is used through B (sessions live in the database).
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap();
    let res = client
        .post(format!("{}/api/v1/auth/signup", stores[0]))
        .header("origin", &stores[0])
        .json(&json!({"organization": "Contoso", "email": "ada@contoso.com", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let me = client.get(format!("{}/api/v1/me", stores[1])).send().await.unwrap();
    assert_eq!(me.status(), 200, "the session made on A works on B");

    // 8 writers, alternating between the processes, 40 creates each, all in one organization.
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (client, stores) = (client.clone(), stores.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..EACH {
                let n = w * EACH + i;
                let base = &stores[n % 2];
                let id = format!("{n:08x}-0000-4000-8000-000000000000");
                let res = client
                    .put(format!("{base}/api/v1/records/{id}"))
                    .header("origin", base)
                    .header("if-none-match", "*")
                    .json(&body(n))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
                let record: serde_json::Value = res.json().await.unwrap();
                acknowledged.push((id, record["revision"].as_i64().unwrap()));
            }
            acknowledged
        }));
    }
    let mut acknowledged = BTreeMap::new();
    for t in tasks {
        for (id, revision) in t.await.unwrap() {
            assert!(acknowledged.insert(id, revision).is_none());
        }
    }
    let revisions: HashSet<i64> = acknowledged.values().copied().collect();
    assert_eq!(revisions.len(), WRITERS * EACH, "every acknowledged write got its own revision");

    // Read everything back through B, paging: each write exactly once, revisions increasing.
    let mut seen = Vec::new();
    let mut since = 0;
    loop {
        let page: serde_json::Value = client
            .get(format!("{}/api/v1/records?since={since}&limit=100", stores[1]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for c in page["changes"].as_array().unwrap() {
            seen.push((c["id"].as_str().unwrap().to_string(), c["revision"].as_i64().unwrap()));
        }
        since = seen.last().map_or(since, |(_, r)| *r);
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(seen.len(), WRITERS * EACH, "nothing lost, nothing repeated");
    assert!(seen.windows(2).all(|w| w[0].1 < w[1].1), "revisions strictly increasing");
    assert_eq!(seen.first().unwrap().1, 1);
    assert_eq!(seen.last().unwrap().1, (WRITERS * EACH) as i64, "no gaps");
    for (id, revision) in &seen {
        assert_eq!(acknowledged.get(id), Some(revision), "{id} is stored as acknowledged");
    }

    // The same record changed through both processes at once from one revision: one wins.
    let id = "00000000-0000-4000-8000-000000000000";
    let revision = acknowledged[id];
    // (Different bodies: the same body twice would be an idempotent retry, answered 200 both times.)
    let change = |base: String, n: usize| {
        let client = client.clone();
        async move {
            client
                .put(format!("{base}/api/v1/records/{id}"))
                .header("origin", &base)
                .header("if-match", format!("\"{revision}\""))
                .json(&body(1000 + n))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (x, y) = tokio::join!(change(stores[0].clone(), 0), change(stores[1].clone(), 1));
    let mut statuses = [x, y];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "exactly one of two concurrent changes from the same revision wins");
}

/// Two store processes on one fresh PostgreSQL database, and a person signed up through the
/// first: her session cookie, sent by hand in each request (as a stolen copy would be). `None`
/// without XOPS_TEST_POSTGRES.
async fn two_stores_and_a_session() -> Option<(StoreProcess, StoreProcess, String)> {
    let Some(admin) = common::postgres_admin_url() else {
        eprintln!("skipped: XOPS_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return None;
    };
    let database = common::new_postgres_database(&admin).await;
    let (a, b) = (start_store(&database, &[]), start_store(&database, &[]));
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/signup", a.base))
        .header("origin", &a.base)
        .json(&json!({"organization": "Contoso", "email": "ada@contoso.com", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    Some((a, b, cookie))
}

/// Asks `done` every 50 ms until it says yes; fails if that takes longer than the bound a store
/// process trusts what it read (`recent::RECHECK`, plus half a second for the asking).
async fn within_the_recheck_bound<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let since = std::time::Instant::now();
    while !done().await {
        let waited = since.elapsed();
        assert!(
            waited < xops_store::recent::RECHECK + std::time::Duration::from_millis(500),
            "{what}: still not after {waited:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Each process keeps the sessions it checked lately: a sign-out takes effect at once on the
/// process that handled it, and on another process sharing the database within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_ends_the_session_on_every_process_within_the_recheck_bound() {
    let Some((a, b, cookie)) = two_stores_and_a_session().await else { return };
    let client = reqwest::Client::new();
    let me = |base: &str| {
        let request = client.get(format!("{base}/api/v1/me")).header("cookie", &cookie);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Both processes have checked the session, and keep it.
    assert_eq!(me(&a.base).await, 200);
    assert_eq!(me(&b.base).await, 200);

    let res = client
        .post(format!("{}/api/v1/auth/logout", a.base))
        .header("origin", &a.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me(&a.base).await, 401, "refused at once where it was signed out");
    within_the_recheck_bound("the other process refuses the session", || async {
        match me(&b.base).await {
            401 => true,
            status => {
                assert_eq!(status, 200);
                false
            }
        }
    })
    .await;
}

/// A record read through one process and changed through another reads as changed on the first
/// within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_reads_on_the_other_within_the_recheck_bound() {
    let Some((a, b, cookie)) = two_stores_and_a_session().await else { return };
    let client = reqwest::Client::new();
    let id = "0000000b-0000-4000-8000-000000000000";
    let put = |pre: (&'static str, &'static str), n: usize| {
        let url = format!("{}/api/v1/records/{id}", a.base);
        client.put(url).header("origin", &a.base).header("cookie", &cookie).header(pre.0, pre.1).json(&body(n)).send()
    };
    assert_eq!(put(("if-none-match", "*"), 1).await.unwrap().status(), 201);
    let revision_on_b = || {
        let req = client.get(format!("{}/api/v1/records/{id}", b.base)).header("cookie", &cookie);
        async move { req.send().await.unwrap().headers()["etag"].to_str().unwrap().to_string() }
    };
    assert_eq!(revision_on_b().await, "\"1\"", "B reads the record, and keeps it");

    assert_eq!(put(("if-match", "\"1\""), 2).await.unwrap().status(), 200);
    within_the_recheck_bound("the other process serves the new revision", || async { revision_on_b().await == "\"2\"" }).await;
}

/// The store's own AWS checks, on two processes that start together on one database (so their
/// first rounds race): each account is checked once, not once per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_check_each_aws_account_once() {
    let Some(admin) = common::postgres_admin_url() else {
        eprintln!("skipped: XOPS_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return;
    };
    let database = common::new_postgres_database(&admin).await;
    let cloud = FakeCloud::start().await;
    let roles: Vec<String> = (0..4).map(|n| format!("arn:aws:iam::12345678900{n}:role/XopsReadOnly")).collect();
    let external_id = "0123456789abcdef0123456789abcdef0123456789abcdef";
    {
        // The accounts, linked through a store that cannot check them (no AWS credentials).
        let setup = start_store(&database, &[]);
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let res = client
            .post(format!("{}/api/v1/auth/signup", setup.base))
            .header("origin", &setup.base)
            .json(&json!({"organization": "Contoso", "email": "ada@contoso.com", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        for (n, role) in roles.iter().enumerate() {
            cloud.add_role(role, external_id);
            let mut account = common::process::m365_body(&format!("AWS {n}"));
            account["details"] =
                json!({"provider": "aws", "account_type": "linked", "role_arn": role, "external_id": external_id});
            let res = client
                .put(format!("{}/api/v1/records/{n:08x}-0000-4000-8000-000000000000", setup.base))
                .header("origin", &setup.base)
                .header("if-none-match", "*")
                .json(&json!({"kind": "integration", "body": account}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }
    }
    // STS takes 3 s: each process's first round finds every account due while the other's checks
    // are still under way.
    cloud.cloud.lock().unwrap().sts_delay = std::time::Duration::from_secs(3);
    let env = FakeCloud::aws_environment();
    let flags = ["--aws-sts-endpoint", cloud.base.as_str(), "--aws-check-interval-secs", "3600"];
    let (_a, _b) = std::thread::scope(|s| {
        let a = s.spawn(|| start_store_with_env(&database, &flags, &env));
        let b = s.spawn(|| start_store_with_env(&database, &flags, &env));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Both processes' first rounds run about a second after they start.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    for role in &roles {
        assert_eq!(cloud.assumed(role), 1, "{role} was checked once");
    }
}
