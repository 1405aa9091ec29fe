//! A store as its own process (the binary Cargo built for this test or bench), and the record
//! body the process-level tests and the throughput bench write. Shared by tests/crash.rs,
//! tests/multiprocess.rs and benches/throughput.rs (which includes this file by path).

#![allow(dead_code)]
// Test support: a failure here is a failed test, so unwrap as the tests do.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct StoreProcess {
    pub child: Child,
    pub base: String,
}

impl Drop for StoreProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `xops-store --listen 127.0.0.1:0 --database <database> <extra…>` and waits for the
/// address it prints.
pub fn start_store(database: &str, extra: &[&str]) -> StoreProcess {
    start_store_binary(env!("CARGO_BIN_EXE_xops-store"), database, extra)
}

/// `start_store` with variables added to its environment (AWS credentials, say).
pub fn start_store_with_env<'a>(
    database: &str,
    extra: &[&str],
    env: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> StoreProcess {
    spawn_store(env!("CARGO_BIN_EXE_xops-store"), database, extra, env)
}

/// `start_store` with another build of the store (the benchmarks' baseline).
pub fn start_store_binary(binary: &str, database: &str, extra: &[&str]) -> StoreProcess {
    spawn_store(binary, database, extra, std::iter::empty())
}

fn spawn_store<'a>(
    binary: &str,
    database: &str,
    extra: &[&str],
    env: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> StoreProcess {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--database", database])
        .args(extra)
        // No AWS access unless the test gives it: a developer's own credentials never reach it.
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .envs(env)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the store");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "the store did not start: {line}");
    StoreProcess { child, base }
}

/// A valid Microsoft 365 account body named `name`: the one fixture every store test uses.
pub fn m365_body(name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "details": {
            "provider": "microsoft365",
            "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "application_id": "11111111-2222-3333-4444-555555555555",
            "organization": "contoso.onmicrosoft.com"
        },
        "certificate": null,
        "status": "connected",
        "created_at": 1_700_000_000_000i64,
        "updated_at": 1_700_000_000_000i64
    })
}

/// A valid record body (an M365 integration named "Account {n}").
pub fn integration_record(n: usize) -> serde_json::Value {
    serde_json::json!({"kind": "integration", "body": m365_body(&format!("Account {n}"))})
}
