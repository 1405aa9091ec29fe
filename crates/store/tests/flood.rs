//! A sign-up and sign-in flood from many addresses against the store as its own process: every
//! request gets an answer (never a reset), resident memory stays bounded and comes back
//! afterwards, and a real person signs in while the flood runs.
//!
//! Each sign-up and sign-in hashes a password with argon2id (19 MiB). Before the bound on
//! password slots, 32 concurrent sign-ups took the store from 11 to 621 MiB, and glibc kept it.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::process::start_store;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The store's resident memory, from /proc (Linux).
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

const FLOOD: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_sign_ups_and_sign_ins_keeps_memory_bounded_and_lets_a_real_person_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flood.sqlite3");
    // Behind a "proxy" (loopback), so every flood request can come from its own address, as from
    // a botnet: the per-address limits do not save the store, the password slots must.
    let store = start_store(
        db.to_str().unwrap(),
        &["--trusted-proxies", "127.0.0.1", "--signups-per-address", "1000", "--signups-per-hour", "100000"],
    );
    let (base, pid) = (store.base.clone(), store.child.id());
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let post = |path: &str, from: String, body: serde_json::Value| {
        client.post(format!("{base}{path}")).header("origin", &base).header("x-forwarded-for", from).json(&body).send()
    };
    let res = post(
        "/api/v1/auth/signup",
        "203.0.113.1".into(),
        json!({"organization": "Contoso", "email": "ada@contoso.com", "password": common::PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let before = resident_mib(pid);

    // Sample the store's memory while the flood runs.
    let peak = Arc::new(AtomicU64::new(0));
    let flooding = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, flooding) = (peak.clone(), flooding.clone());
        tokio::spawn(async move {
            while flooding.load(Ordering::Relaxed) {
                peak.fetch_max((resident_mib(pid) * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let started = Instant::now();
    let mut flood = Vec::new();
    for i in 0..FLOOD {
        let from = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        let signup = post(
            "/api/v1/auth/signup",
            from.clone(),
            json!({"organization": format!("Flood {i}"), "email": format!("flood{i}@evil.example"), "password": "a long enough password"}),
        );
        let login = post(
            "/api/v1/auth/login",
            from,
            json!({"email": format!("nobody{i}@evil.example"), "password": "a long enough password"}),
        );
        flood.push(tokio::spawn(async move { signup.await.map(|r| r.status().as_u16()).map_err(|e| e.to_string()) }));
        flood.push(tokio::spawn(async move { login.await.map(|r| r.status().as_u16()).map_err(|e| e.to_string()) }));
    }
    // A real person signs in meanwhile, coming back when told to (Retry-After), as the app does.
    let person = async {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let res = post(
                "/api/v1/auth/login",
                "203.0.113.1".into(),
                json!({"email": "ada@contoso.com", "password": common::PASSWORD}),
            )
            .await
            .unwrap();
            match res.status().as_u16() {
                200 => return started.elapsed(),
                503 if Instant::now() < deadline => {
                    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                    tokio::time::sleep(Duration::from_millis(200 * wait)).await;
                }
                other => panic!("the person's sign-in got {other}: {}", res.text().await.unwrap()),
            }
        }
    };
    let person_in = person.await;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for h in flood {
        let answer = match h.await.unwrap() {
            Ok(status) => status.to_string(),
            Err(e) => format!("no answer ({e})"),
        };
        *counts.entry(answer).or_default() += 1;
    }
    let flood_took = started.elapsed();
    flooding.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    let peak = peak.load(Ordering::Relaxed) as f64 / 1024.0;

    // Afterwards the memory comes back.
    let settle_started = Instant::now();
    let mut after = resident_mib(pid);
    while after >= 64.0 && settle_started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = resident_mib(pid);
    }
    println!(
        "flood of {} requests: {counts:?} in {flood_took:?}; the person was in after {person_in:?}; \
         resident memory {before:.0} MiB before, peak {peak:.0} MiB, {after:.0} MiB {:?} after",
        2 * FLOOD,
        settle_started.elapsed()
    );
    for answer in counts.keys() {
        assert!(["201", "401", "429", "503"].contains(&answer.as_str()), "an unexpected answer: {counts:?}");
    }
    assert!(peak < 256.0, "peak resident memory {peak:.0} MiB during the flood");
    assert!(after < 64.0, "resident memory {after:.0} MiB a minute after the flood");
}
