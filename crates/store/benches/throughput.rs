//! Store throughput for authenticated record writes and reads over real HTTP on this machine.
//! Prints a table; not a test. Run: cargo bench -p xops-store --bench throughput
//! (scripts/bench.sh runs it with the other benchmarks).
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

use serde_json::json;

#[path = "../tests/common/process.rs"]
mod process;
use process::{integration_record as body, start_store, start_store_binary, StoreProcess as Store};
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const WRITES: usize = 4_000;
const READS: usize = 8_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn run<F, Fut>(total: usize, op: F) -> (f64, Duration, Duration)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for i in (c..total).step_by(CLIENTS) {
                let t = Instant::now();
                op(i).await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    (total as f64 / elapsed.as_secs_f64(), percentile(&all, 0.5), percentile(&all, 0.99))
}

async fn new_postgres_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await.expect("connect to PostgreSQL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// Writes, reads and deltas through `stores`, the clients spreading requests over them in turn
/// (as a load balancer would).
async fn measure(stores: &[Store]) -> [(f64, Duration, Duration); 3] {
    let bases: Vec<String> = stores.iter().map(|s| s.base.clone()).collect();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar).build().unwrap();
    let res = client
        .post(format!("{}/api/v1/auth/signup", bases[0]))
        .header("origin", &bases[0])
        .json(&json!({"organization": "Bench", "email": "bench@example.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let pick = |bases: &Vec<String>, i: usize| bases[i % bases.len()].clone();

    let (c, bs) = (client.clone(), bases.clone());
    let writes = run(WRITES, move |i| {
        let (c, b) = (c.clone(), pick(&bs, i));
        async move {
            let id = format!("{i:08x}-0000-4000-8000-000000000000");
            let r = c
                .put(format!("{b}/api/v1/records/{id}"))
                .header("origin", &b)
                .header("if-none-match", "*")
                .json(&body(i))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
    })
    .await;
    let (c, bs) = (client.clone(), bases.clone());
    let reads = run(READS, move |i| {
        let (c, b) = (c.clone(), pick(&bs, i));
        async move {
            let id = format!("{:08x}-0000-4000-8000-000000000000", i % WRITES);
            let r = c.get(format!("{b}/api/v1/records/{id}")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    let (c, bs) = (client.clone(), bases.clone());
    let deltas = run(READS / 4, move |i| {
        let (c, b) = (c.clone(), pick(&bs, i));
        async move {
            let since = WRITES - 1;
            let r = c.get(format!("{b}/api/v1/records?since={since}")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    [writes, reads, deltas]
}

/// The anchor for writes: as many creates of the same bodies into a bare SQLite table, with the
/// store's durability settings (WAL, synchronous=FULL: every commit fsynced) and its driver, by as
/// many concurrent writers, one transaction per insert. What the store adds beyond this is its own.
async fn bare_sqlite_inserts(path: &std::path::Path) -> (f64, Duration, Duration) {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await.unwrap();
    sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL)").execute(&pool).await.unwrap();
    run(WRITES, move |i| {
        let pool = pool.clone();
        async move {
            let id = format!("{i:08x}-0000-4000-8000-000000000000");
            sqlx::query("INSERT INTO t (id, body) VALUES ($1, $2)")
                .bind(id)
                .bind(body(i).to_string())
                .execute(&pool)
                .await
                .unwrap();
        }
    })
    .await
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("bench.sqlite3").display().to_string();
    // This build, or XOPS_BENCH_STORE (another binary, e.g. to compare two older revisions).
    let this = match std::env::var("XOPS_BENCH_STORE").ok().filter(|b| !b.is_empty()) {
        Some(binary) => start_store_binary(&binary, &first, &[]),
        None => start_store(&first, &[]),
    };
    let mut setups: Vec<(String, Vec<Store>)> = vec![("SQLite, 1 store".into(), vec![this])];
    // Another build of the store (e.g. an older revision's), measured in the same run.
    if let Some(baseline) = std::env::var("XOPS_BASELINE_STORE").ok().filter(|b| !b.is_empty()) {
        let database = dir.path().join("baseline.sqlite3").display().to_string();
        setups.push(("SQLite, baseline".into(), vec![start_store_binary(&baseline, &database, &[])]));
    }
    match std::env::var("XOPS_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) {
        Some(admin) => {
            let one = new_postgres_database(&admin, "xops_bench_one").await;
            setups.push(("PostgreSQL, 1 store".into(), vec![start_store(&one, &[])]));
            let two = new_postgres_database(&admin, "xops_bench_two").await;
            setups.push(("PostgreSQL, 2 stores".into(), vec![start_store(&two, &[]), start_store(&two, &[])]));
        }
        None => eprintln!("(PostgreSQL rows skipped: set XOPS_TEST_POSTGRES, as scripts/bench.sh does)"),
    }

    println!(
        "\nstore throughput: {CLIENTS} concurrent clients over loopback HTTP, one organization, session cookie on every request;"
    );
    println!("each store is its own process; with 2 stores the clients alternate between them (as a load balancer would)");
    println!("{:<22} {:<44} {:>10} {:>10} {:>10}", "database, stores", "operation", "req/s", "p50 ms", "p99 ms");
    let (bare_rps, p50, p99) = bare_sqlite_inserts(&dir.path().join("bare.sqlite3")).await;
    let bare = format!("bare INSERT, no HTTP ({WRITES})");
    println!(
        "{:<22} {bare:<44} {bare_rps:>10.0} {:>10.2} {:>10.2}",
        "SQLite, no store",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    let mut puts = Vec::new();
    for (setup, stores) in &setups {
        let results = measure(stores).await;
        let names = [
            format!("PUT /records/{{id}} (create, {WRITES})"),
            format!("GET /records/{{id}} ({READS})"),
            format!("GET /records?since=N-1 over {WRITES} ({})", READS / 4),
        ];
        puts.push((setup, results[0].0));
        for (name, (rps, p50, p99)) in names.iter().zip(results) {
            println!("{setup:<22} {name:<44} {rps:>10.0} {:>10.2} {:>10.2}", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
        }
    }
    // The anchor: what the database itself does with the same durability, in the same run.
    for (setup, rps) in puts {
        println!("PUT against the bare INSERT loop: {setup} {:.2}x", rps / bare_rps);
    }
}
