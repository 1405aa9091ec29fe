//! The store as a web server: the API's error shape, the SPA fallback, and the headers.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use base64::Engine;
use common::{spawn_store, INLINE_LOADER};
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn healthz_answers_ok_as_json() {
    let s = spawn_store(|_| {}).await;
    let res = s.client.get(s.url("/api/v1/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn platform_tells_the_configured_aws_account() {
    let s = spawn_store(|c| c.aws_environment = Some(Default::default())).await;
    let body: serde_json::Value = s.client.get(s.url("/api/v1/platform")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "aws_account_id": null, "microsoft_authority": "https://login.microsoftonline.com",
            "microsoft_proof_audience": "00000002-0000-0000-c000-000000000000", "aws_checks": false })
    );
    let s = spawn_store(|c| c.aws_account_id = Some(xops_model::AwsAccountId::parse("111122223333").unwrap())).await;
    let body: xops_model::Platform = s.client.get(s.url("/api/v1/platform")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body.aws_account_id.as_ref().map(|a| a.as_str()), Some("111122223333"));
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404_even_for_browsers() {
    let s = spawn_store(|_| {}).await;
    for path in ["/api/v1/nope", "/api/v2/healthz", "/api", "/api/v1/"] {
        let res = s.client.get(s.url(path)).header(ACCEPT, "text/html").send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"), "{path}");
        let body: xops_model::ApiError = res.json().await.unwrap();
        assert_eq!(body.error.code, xops_model::ErrorCode::NotFound, "{path}");
        assert!(body.error.message.contains(path), "{path}: {}", body.error.message);
    }
}

#[tokio::test]
async fn wrong_method_on_an_api_route_is_a_json_405() {
    let s = spawn_store(|_| {}).await;
    let res = s.browser().delete(s.url("/api/v1/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let body: xops_model::ApiError = res.json().await.unwrap();
    assert_eq!(body.error.code, xops_model::ErrorCode::MethodNotAllowed);
}

#[tokio::test]
async fn app_routes_get_index_html_with_a_strict_csp() {
    let s = spawn_store(|_| {}).await;
    let expected_hash =
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(INLINE_LOADER.as_bytes())));
    for path in ["/", "/integrations", "/integrations/microsoft/m365/new", "/no-such-page"] {
        let res = s.client.get(s.url(path)).header(ACCEPT, "text/html,*/*").send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers();
        assert_eq!(h[CONTENT_TYPE], "text/html; charset=utf-8", "{path}");
        assert_eq!(h[CACHE_CONTROL], "no-cache", "{path}");
        let csp = h[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains(&expected_hash), "{path}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(res.text().await.unwrap().contains("<script type=\"module\">"));
    }
}

#[tokio::test]
async fn index_html_is_sent_as_its_precompressed_twin_unless_the_twin_is_stale() {
    // The build writes index.html.br and .gz beside index.html (it carries the sign-in pages' markup).
    let s = spawn_store(|c| {
        let dir = c.static_dir.clone().unwrap();
        std::fs::write(dir.join("index.html.br"), b"brotli index").unwrap();
        std::fs::write(dir.join("index.html.gz"), b"gzipped index").unwrap();
        // As `brotli -k` leaves it: the page's time, cut to the whole second (so a little older).
        let page = std::fs::metadata(dir.join("index.html")).unwrap().modified().unwrap();
        let secs = page.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let cut = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        std::fs::File::options().write(true).open(dir.join("index.html.br")).unwrap().set_modified(cut).unwrap();
    })
    .await;
    for path in ["/", "/login", "/integrations"] {
        for (accept, encoding, body) in [
            ("gzip, deflate, br", Some("br"), &b"brotli index"[..]),
            ("gzip", Some("gzip"), b"gzipped index"),
            ("br;q=0, gzip", Some("gzip"), b"gzipped index"),
            ("identity", None, b""),
        ] {
            let res =
                s.client.get(s.url(path)).header(ACCEPT, "text/html").header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{path} {accept}");
            assert_eq!(res.headers()["vary"], "accept-encoding", "caches keep the twins apart");
            assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
            assert!(res.headers().contains_key(CONTENT_SECURITY_POLICY));
            let got = res.bytes().await.unwrap();
            match encoding {
                Some(_) => assert_eq!(got.as_ref(), body, "{path} {accept}"),
                None => assert!(String::from_utf8_lossy(&got).starts_with("<!doctype html>"), "{path} {accept}"),
            }
        }
    }

    // A twin older than index.html (edited by hand after the build) would be a different page.
    let s = spawn_store(|c| {
        let dir = c.static_dir.clone().unwrap();
        std::fs::write(dir.join("index.html.br"), b"brotli index").unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(dir.join("index.html")).unwrap().set_modified(later).unwrap();
    })
    .await;
    let res = s.client.get(s.url("/")).header("accept-encoding", "br").send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert!(res.text().await.unwrap().starts_with("<!doctype html>"));
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_the_rest_is_revalidated() {
    let s = spawn_store(|_| {}).await;
    let res = s.client.get(s.url("/app-0123456789abcdef_bg.wasm")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    // The build's precompressed twins: brotli to browsers that take it (the smaller one), else
    // gzip, with the same caching.
    for (accept, encoding, body) in [
        ("gzip", "gzip", &b"gzipped twin"[..]),
        ("gzip, deflate, br", "br", b"brotli twin"),
        ("br;q=1, gzip;q=0.5", "br", b"brotli twin"),
    ] {
        let res = s.client.get(s.url("/app-0123456789abcdef_bg.wasm")).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(res.headers()["content-encoding"], encoding, "{accept}");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert!(
            res.headers()["vary"].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"),
            "caches keep the twins apart"
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), body);
    }

    let res = s.client.get(s.url("/app-0123456789abcdef.js")).send().await.unwrap();
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");

    let res = s.client.get(s.url("/config.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn a_missing_asset_is_a_404_not_the_app() {
    let s = spawn_store(|_| {}).await;
    let res = s.client.get(s.url("/app-ffffffffffffffff.js")).header(ACCEPT, "*/*").send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_ne!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn cors_allows_only_configured_origins_with_credentials() {
    let s = spawn_store(|c| c.allowed_origins = vec!["https://app.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        s.client
            .request(reqwest::Method::OPTIONS, s.url("/api/v1/healthz"))
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type,if-match")
            .send()
    };
    let ok = preflight("https://app.example.com").await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");

    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let get = s.client.get(s.url("/api/v1/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(get.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn no_cors_headers_without_configured_origins() {
    let s = spawn_store(|_| {}).await;
    let res = s.client.get(s.url("/api/v1/healthz")).header("origin", "https://app.example.com").send().await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_database_is_a_sqlite_file_in_wal_mode() {
    let s = spawn_store(|_| {}).await;
    if s.on_postgres() {
        return; // this test is about the SQLite file; the PostgreSQL pass checks the rest
    }
    assert!(s.database().is_file(), "the store creates its database file and folder");
    let res = s.client.get(s.url("/api/v1/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut wal = s.database().into_os_string();
    wal.push("-wal");
    assert!(std::path::Path::new(&wal).exists(), "WAL journal file exists");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let s = spawn_store(|_| {}).await;
    let res = s.client.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/healthz", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/records", "get"),
        ("/api/v1/records/{id}", "get"),
        ("/api/v1/records/{id}", "put"),
        ("/api/v1/records/{id}", "delete"),
        ("/api/v1/members", "get"),
        ("/api/v1/members/{id}/role", "put"),
        ("/api/v1/members/{id}", "delete"),
        ("/api/v1/invitations", "post"),
        ("/api/v1/invitations/{id}", "delete"),
        ("/api/v1/activity", "get"),
        ("/api/v1/auth/invitation", "post"),
        ("/api/v1/auth/join", "post"),
        ("/api/v1/sessions", "get"),
        ("/api/v1/sessions/{id}", "delete"),
        ("/api/v1/sessions/end-others", "post"),
        ("/api/v1/members/{id}/reset-link", "post"),
        ("/api/v1/auth/reset-link", "post"),
        ("/api/v1/auth/reset", "post"),
        ("/api/v1/passkeys", "get"),
        ("/api/v1/passkeys", "post"),
        ("/api/v1/passkeys/options", "post"),
        ("/api/v1/passkeys/{id}", "delete"),
        ("/api/v1/organization/passkeys", "put"),
        ("/api/v1/auth/passkey/options", "post"),
        ("/api/v1/auth/passkey", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is not documented");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ApiError",
        "Record",
        "RecordPut",
        "Conflict",
        "Me",
        "Integration",
        "M365Details",
        "Members",
        "Role",
        "InvitationCreated",
        "ActivityPage",
        "ActivityKind",
        "SessionList",
        "ResetLinkCreated",
        "ResetPreview",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    // The documented error codes are the ones the store sends.
    let codes = schemas["ErrorCode"]["enum"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "precondition_required"));
}

/// The SQLite file holds password and session hashes: only the store's user may read it.
#[cfg(unix)]
#[tokio::test]
async fn the_database_file_and_its_folder_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new").join("store.sqlite3");
    let db = xops_store::Db::open(path.to_str().unwrap()).await.unwrap();
    sqlx::query("INSERT INTO store_meta (key, value) VALUES ('k', 'v')").execute(&db.pool).await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the database file");
    assert_eq!(mode(path.parent().unwrap()), 0o700, "its folder");
    let wal = path.with_extension("sqlite3-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600, "the write-ahead log");
    db.pool.close().await;

    // A database made world-readable before (older stores did) is narrowed on start.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = xops_store::Db::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(mode(&path), 0o600);
    db.pool.close().await;
}

/// DNS rebinding: a page on evil.example whose name now resolves to this store sends Host and
/// Origin of evil.example; they agree, so the Origin check alone let it sign up and read.
#[tokio::test]
async fn a_request_for_a_name_the_store_does_not_answer_as_is_refused() {
    let s = spawn_store(|c| c.public_origins = vec!["https://xops.example.com".into()]).await;
    let port = s.base.rsplit(':').next().unwrap().to_string();
    let evil = format!("evil.example:{port}");
    let res = reqwest::Client::new()
        .post(s.url("/api/v1/auth/signup"))
        .header("host", &evil)
        .header("origin", format!("http://{evil}"))
        .json(&serde_json::json!({"organization": "Evil", "email": "eve@evil.example", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 421);
    let e: xops_model::ApiError = res.json().await.unwrap();
    assert_eq!(e.error.code, xops_model::ErrorCode::HostNotAllowed);
    assert!(e.error.message.contains("--public-origin https://evil.example"), "{}", e.error.message);
    let res = reqwest::Client::new().get(s.url("/")).header("host", &evil).send().await.unwrap();
    assert_eq!(res.status(), 421, "not the app either");
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), "xops.example.com".to_string()] {
        let res = reqwest::Client::new().get(s.url("/api/v1/healthz")).header("host", &host).send().await.unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
}
