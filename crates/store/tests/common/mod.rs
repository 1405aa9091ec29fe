//! Starts a real store on a free local port with its own temporary database, like production
//! but isolated per test.

#![allow(dead_code)]
// Test support: a failure here is a failed test, so unwrap as the tests do.
#![allow(clippy::unwrap_used)]

pub mod fake_cloud;
pub mod process;

use std::path::PathBuf;
use tempfile::TempDir;
use xops_store::Config;

pub struct TestStore {
    pub base: String,
    pub dir: TempDir,
    pub client: reqwest::Client,
    /// The store's database (a SQLite path or a PostgreSQL URL), for tests that look inside.
    pub database_url: String,
}

/// The inline loader a Trunk build puts into index.html (shape only; the store hashes whatever is there).
pub const INLINE_LOADER: &str = "\nimport init from '/app-0123456789abcdef.js';\nawait init();\n";

pub const PASSWORD: &str = "correct horse battery staple";

impl TestStore {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A fresh browser-like client (its own cookie jar) that sends this store's Origin.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
    }

    pub async fn post(&self, client: &reqwest::Client, path: &str, body: serde_json::Value) -> reqwest::Response {
        client.post(self.url(path)).json(&body).send().await.unwrap()
    }

    /// Signs up a new organization with one user; returns that user's signed-in client.
    pub async fn sign_up(&self, email: &str, organization: &str) -> reqwest::Client {
        let client = self.browser();
        let res = self
            .post(
                &client,
                "/api/v1/auth/signup",
                serde_json::json!({"organization": organization, "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), 201, "sign up {email}: {}", res.text().await.unwrap());
        client
    }

    /// Creates the integration record `id` with `body` in `client`'s organization.
    pub async fn create_integration(&self, client: &reqwest::Client, id: &str, body: serde_json::Value) {
        let res = client
            .put(self.url(&format!("/api/v1/records/{id}")))
            .header("if-none-match", "*")
            .json(&serde_json::json!({"kind": "integration", "body": body}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "create {id}: {}", res.text().await.unwrap());
    }

    pub async fn me(&self, client: &reqwest::Client) -> reqwest::Response {
        client.get(self.url("/api/v1/me")).send().await.unwrap()
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join("db").join("store.sqlite3")
    }

    /// The store's database, opened beside it (the same migrations are already applied).
    pub async fn db(&self) -> xops_store::Db {
        xops_store::Db::open(&self.database_url).await.unwrap()
    }

    pub fn on_postgres(&self) -> bool {
        postgres_admin_url().is_some()
    }
}

/// The RSA 2048 certificate of the fixtures, described as the app describes one it made (facts
/// printed by `openssl x509 -fingerprint -sha1 -sha256 -startdate -enddate`).
pub fn fixture_certificate() -> serde_json::Value {
    serde_json::json!({
        "pem": include_str!("../fixtures/rsa2048.cer"),
        "sha1_thumbprint": "C9D73A40D02B751473A86314D847B1376EF78D18",
        "sha256_thumbprint": "309BEC9D11ECAC934EFCFB9121FECA84F19862C8881B29CE456EB7F8B86F8D44",
        "not_before": 1_795_971_841_000i64,
        "not_after": 1_827_507_841_000i64,
        "key_held_by": "Chromium on Linux"
    })
}

/// scripts/test.sh runs the store's tests a second time with XOPS_TEST_POSTGRES set to a
/// throwaway PostgreSQL server's admin URL; each store then gets a fresh database there.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("XOPS_TEST_POSTGRES").ok().filter(|u| !u.is_empty())
}

/// A new, empty PostgreSQL database on the test server; its URL.
pub async fn new_postgres_database(admin: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!("xops_test_{}_{nanos}_{n}", std::process::id());
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await.expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create a test database");
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}

/// The database for one test store: a fresh PostgreSQL database, or a SQLite file in `dir`.
pub async fn test_database(dir: &std::path::Path) -> String {
    match postgres_admin_url() {
        Some(admin) => new_postgres_database(&admin).await,
        None => dir.join("db").join("store.sqlite3").display().to_string(),
    }
}

/// A store with a small static site in a temp folder.
pub async fn spawn_store(configure: impl FnOnce(&mut Config)) -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("dist");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">{INLINE_LOADER}</script></head><body></body></html>"),
    )
    .unwrap();
    std::fs::write(site.join("app-0123456789abcdef.js"), "export default async function init() {}").unwrap();
    std::fs::write(site.join("app-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.join("config.json"), r#"{"api_base": ""}"#).unwrap();
    // A stylesheet the size of the real one (tens of KB): big enough to be streamed in pieces.
    std::fs::write(site.join("app-0123456789abcdef.css"), "body { color: #123456; }\n".repeat(1200)).unwrap();
    std::fs::write(site.join("app-0123456789abcdef_bg.wasm.gz"), b"gzipped twin").unwrap();
    std::fs::write(site.join("app-0123456789abcdef_bg.wasm.br"), b"brotli twin").unwrap();

    let database_url = test_database(dir.path()).await;
    let mut config = Config::for_database(database_url.clone());
    config.static_dir = Some(site);
    // No AWS access unless a test gives it (fake_cloud.rs): a developer's own credentials never
    // reach a test store.
    config.aws_environment = Some(Default::default());
    configure(&mut config);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = config.connection_limits();
    let app = xops_store::build_app(config).await.expect("store starts");
    tokio::spawn(xops_store::server::run(listener, app, limits, std::future::pending()));
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    TestStore { base: format!("http://{addr}"), dir, client, database_url }
}
