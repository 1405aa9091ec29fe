//! Durability: a write the store acknowledged survives `kill -9` of the store in the middle of
//! a stream of writes (SQLite in WAL mode with synchronous=FULL).
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::process::{integration_record, start_store};
use serde_json::json;
use std::time::{Duration, Instant};

fn client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    reqwest::Client::builder().cookie_store(true).default_headers(headers).timeout(Duration::from_secs(5)).build().unwrap()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    let mut store = start_store(db.to_str().unwrap(), &[]);
    let c = client(&store.base);
    let res = c
        .post(format!("{}/api/v1/auth/signup", store.base))
        .json(&json!({"organization": "Contoso", "email": "ada@contoso.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Four writers in parallel; the store is killed while they are mid-request.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..4u32 {
        let (c, base, acked) = (c.clone(), store.base.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..10_000u32 {
                let n = w * 10_000 + i;
                let id = format!("{n:08x}-0000-4000-8000-000000000000");
                let sent = c
                    .put(format!("{base}/api/v1/records/{id}"))
                    .header("if-none-match", "*")
                    .json(&integration_record(n as usize))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => acked.lock().unwrap().push(id),
                    _ => break, // the store is gone
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    store.child.kill().unwrap(); // SIGKILL
    store.child.wait().unwrap();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200, "only {} writes were acknowledged before the kill", acked.len());

    let store = start_store(db.to_str().unwrap(), &[]);
    let c = client(&store.base);
    let res = c
        .post(format!("{}/api/v1/auth/login", store.base))
        .json(&json!({"email": "ada@contoso.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the account survived too");
    let mut stored = std::collections::HashSet::new();
    let mut since = 0;
    loop {
        let page: xops_model::RecordChanges =
            c.get(format!("{}/api/v1/records?since={since}&limit=1000", store.base)).send().await.unwrap().json().await.unwrap();
        since = page.changes.last().map_or(since, |r| r.revision);
        stored.extend(page.changes.into_iter().map(|r| r.id.to_string()));
        if !page.has_more {
            break;
        }
    }
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged writes were lost, e.g. {:?}", lost.len(), acked.len(), lost.first());
    println!("{} acknowledged writes before SIGKILL, {} records after restart, none lost", acked.len(), stored.len());
}
