//! Store throughput for authenticated record writes and reads over real HTTP on this machine.
//! Prints a table; not a test. Run: cargo bench -p xops-store --bench throughput
//! (scripts/bench.sh runs it with the other benchmarks).

use serde_json::json;
use std::time::{Duration, Instant};
use xops_store::Config;

const CLIENTS: usize = 4;
const WRITES: usize = 4_000;
const READS: usize = 8_000;

fn body(n: usize) -> serde_json::Value {
    json!({"kind": "integration", "body": {
        "name": format!("Account {n}"),
        "details": {"provider": "microsoft365", "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                    "application_id": "11111111-2222-3333-4444-555555555555", "organization": "contoso.onmicrosoft.com"},
        "certificate": null, "status": "connected", "created_at": 1, "updated_at": 1
    }})
}

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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::for_database(dir.path().join("bench.sqlite3").display().to_string());
    let app = xops_store::build_app(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    let client = reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap();
    let res = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"organization": "Bench", "email": "bench@example.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let (c, b) = (client.clone(), base.clone());
    let writes = run(WRITES, move |i| {
        let (c, b) = (c.clone(), b.clone());
        async move {
            let id = format!("{i:08x}-0000-4000-8000-000000000000");
            let r = c.put(format!("{b}/api/v1/records/{id}")).header("if-none-match", "*").json(&body(i)).send().await.unwrap();
            assert_eq!(r.status(), 201);
        }
    })
    .await;
    let (c, b) = (client.clone(), base.clone());
    let reads = run(READS, move |i| {
        let (c, b) = (c.clone(), b.clone());
        async move {
            let id = format!("{:08x}-0000-4000-8000-000000000000", i % WRITES);
            let r = c.get(format!("{b}/api/v1/records/{id}")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    let (c, b) = (client.clone(), base.clone());
    let deltas = run(READS / 4, move |_| {
        let (c, b) = (c.clone(), b.clone());
        async move {
            let since = WRITES - 1;
            let r = c.get(format!("{b}/api/v1/records?since={since}")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;

    println!("\nstore throughput: SQLite file, {CLIENTS} concurrent clients over loopback HTTP, one organization, session cookie on every request");
    println!("{:<44} {:>10} {:>10} {:>10}", "operation", "req/s", "p50 ms", "p99 ms");
    for (name, (rps, p50, p99)) in [
        (format!("PUT /records/{{id}} (create, {WRITES})"), writes),
        (format!("GET /records/{{id}} ({READS})"), reads),
        (format!("GET /records?since=N-1 over {WRITES} ({})", READS / 4), deltas),
    ] {
        println!("{name:<44} {rps:>10.0} {:>10.2} {:>10.2}", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
    }
}
