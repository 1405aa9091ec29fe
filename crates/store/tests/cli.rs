//! The store binary itself: its help text and its start-up errors.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use std::process::Command;

fn store() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xops-store"))
}

#[test]
fn help_lists_every_flag_with_its_environment_variable() {
    let out = store().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "XOPS_LISTEN"),
        ("--database", "XOPS_DATABASE"),
        ("--static-dir", "XOPS_STATIC_DIR"),
        ("--allowed-origins", "XOPS_ALLOWED_ORIGINS"),
        ("--trusted-proxies", "XOPS_TRUSTED_PROXIES"),
        ("--session-idle-secs", "XOPS_SESSION_IDLE_SECS"),
        ("--cookie-secure", "XOPS_COOKIE_SECURE"),
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
        assert!(help.contains(env), "{env} missing from:\n{help}");
    }
    assert!(help.contains("127.0.0.1:8080"));
}

#[test]
fn a_bad_origin_is_refused_with_a_reason() {
    let out = store().args(["--allowed-origins", "app.example.com"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("must start with https://"), "{err}");
}

#[test]
fn a_busy_port_is_reported_clearly() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = store().args(["--listen", &addr, "--database"]).arg(dir.path().join("s.sqlite3")).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot listen on") && err.contains("--listen"), "{err}");
}

/// Runs `xops-store user add <args>` with `password` on standard input: (success, stdout, stderr).
fn user_add(db: &std::path::Path, args: &[&str], password: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = store()
        .args(["user", "add"])
        .args(args)
        .arg("--database")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

fn org_list(db: &std::path::Path) -> String {
    let out = store().args(["org", "list", "--database"]).arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The organization id in `user add`'s "created user … (ORG-ID)" line.
fn org_id_of(out: &str) -> String {
    out.trim().rsplit('(').next().unwrap().trim_end_matches(')').to_string()
}

#[test]
fn operator_adds_a_user_with_the_password_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite3");
    let (ok, out, err) =
        user_add(&db, &["--email", "ada@contoso.com", "--organization", "Contoso"], "correct horse battery staple");
    assert!(ok, "{err}");
    assert!(out.contains("the new organization \"Contoso\"") && out.contains(", owner)"), "{out}");
    let org = org_id_of(&out);
    let (ok, _, err) = user_add(&db, &["--email", "bob@contoso.com", "--organization-id", &org], "another long password");
    assert!(!ok && err.contains("give --role owner, admin or viewer"), "joining needs a role: {err}");
    let (ok, _, err) =
        user_add(&db, &["--email", "bob@contoso.com", "--organization-id", &org, "--role", "root"], "another long password");
    assert!(!ok && err.contains("--role root: use owner, admin or viewer"), "{err}");
    let (ok, out, err) =
        user_add(&db, &["--email", "bob@contoso.com", "--organization-id", &org, "--role", "viewer"], "another long password");
    assert!(ok, "{err}");
    assert!(out.contains("the existing organization \"Contoso\"") && out.contains(&org) && out.contains(", viewer)"), "{out}");
    let (ok, _, err) =
        user_add(&db, &["--email", "eve@contoso.com", "--organization", "Other", "--role", "viewer"], "another long password");
    assert!(!ok && err.contains("first user is its owner"), "{err}");
    let listing = org_list(&db);
    assert!(listing.lines().any(|l| l.starts_with(&org) && l.contains("\t2\t") && l.ends_with("Contoso")), "{listing}");
    let (ok, _, err) = user_add(&db, &["--email", "cy@contoso.com", "--organization-id", &org, "--role", "admin"], "short");
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, _, err) = user_add(
        &db,
        &["--email", "ada@contoso.com", "--organization-id", &org, "--role", "admin"],
        "correct horse battery staple",
    );
    assert!(!ok && err.contains("already exists"), "{err}");
    let unknown = "7d3f1c2e-0000-4000-8000-000000000000";
    let (ok, _, err) = user_add(
        &db,
        &["--email", "dee@contoso.com", "--organization-id", unknown, "--role", "admin"],
        "correct horse battery staple",
    );
    assert!(!ok && err.contains(&format!("no organization with the id {unknown}")) && err.contains("org list"), "{err}");
    let (ok, _, err) = user_add(
        &db,
        &["--email", "dee@contoso.com", "--organization-id", "no-such-org", "--role", "admin"],
        "correct horse battery staple",
    );
    assert!(!ok && err.contains("--organization-id: Organization ID must be a GUID") && err.contains("org list"), "{err}");
}

/// Anyone can sign up an organization called "Contoso" first. The operator's new user for the
/// real Contoso must not land in it (and so read and edit what it holds).
#[test]
fn user_add_never_joins_an_organization_someone_else_named_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite3");
    let squatter = {
        let store = common::process::start_store(db.to_str().unwrap(), &[]);
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let client = reqwest::Client::new();
            let res = client
                .post(format!("{}/api/v1/auth/signup", store.base))
                .header("origin", &store.base)
                .json(&serde_json::json!({"organization": "Contoso", "email": "mallory@evil.example", "password": "correct horse battery staple"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let me: serde_json::Value = res.json().await.unwrap();
            me["organization"]["id"].as_str().unwrap().to_string()
        })
    };
    let (ok, out, err) =
        user_add(&db, &["--email", "ada@contoso.com", "--organization", "Contoso"], "correct horse battery staple");
    assert!(ok, "{err}");
    assert!(out.contains("the new organization \"Contoso\""), "{out}");
    assert_ne!(org_id_of(&out), squatter, "the operator's user joined the squatter's organization");
    assert_eq!(org_list(&db).lines().filter(|l| l.ends_with("\tContoso")).count(), 2);
}

/// The deploy kit says what the store says: the same CSP (with the loader's hash, and the store's
/// origin when config.json points elsewhere), hashed files cached forever, the rest revalidated.
#[test]
fn the_deploy_kit_matches_the_build_and_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<html><head><script type=\"module\">import init from '/app-0123456789abcdef.js'; await init();</script></head></html>",
    )
    .unwrap();
    std::fs::write(dist.join("config.json"), r#"{"api_base": ""}"#).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js"), "").unwrap();
    std::fs::write(dist.join("app-0123456789abcdef_bg.wasm"), "").unwrap();
    std::fs::write(dist.join("main-fedcba9876543210.css"), "").unwrap();
    let out = dir.path().join("deploy");
    let run = || {
        let o = store()
            .args(["deploy-kit", "--api-origin", "https://api.example.com", "--root", "/srv/xops/dist", "--listen", "8081"])
            .arg("--dist")
            .arg(&dist)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let said = run();
    let csp = said.lines().find_map(|l| l.strip_prefix("Content-Security-Policy: ")).unwrap().to_string();
    let loader_hash = xops_store::web::inline_script_hashes(&std::fs::read_to_string(dist.join("index.html")).unwrap());
    assert!(csp.contains(&format!("'{}'", loader_hash[0])), "{csp}");
    assert!(csp.contains("connect-src 'self' https://api.example.com;"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    // The store serving this build sends the very same policy.
    let site = xops_store::web::StaticSite::load(Some(&dist)).unwrap().unwrap();
    assert_eq!(site.csp, csp);
    assert_eq!(std::fs::read_to_string(dist.join("config.json")).unwrap().trim(), r#"{ "api_base": "https://api.example.com" }"#);

    let headers = std::fs::read_to_string(dist.join("_headers")).unwrap();
    assert!(headers.contains(&format!("Content-Security-Policy: {csp}")));
    for file in ["/app-0123456789abcdef.js", "/app-0123456789abcdef_bg.wasm", "/main-fedcba9876543210.css"] {
        assert!(
            headers.contains(&format!("{file}\n  ! Cache-Control\n  Cache-Control: public, max-age=31536000, immutable")),
            "{file}"
        );
    }
    assert!(!headers.contains("/config.json\n"), "config.json is revalidated");
    for h in ["X-Content-Type-Options: nosniff", "Referrer-Policy: no-referrer", "Cache-Control: no-cache"] {
        assert!(headers.contains(h), "{h}");
    }
    assert!(std::fs::read_to_string(dist.join("_redirects")).unwrap().contains("/*  /index.html  200"));
    let nginx = std::fs::read_to_string(out.join("nginx.conf")).unwrap();
    assert!(nginx.contains(&format!("add_header Content-Security-Policy \"{csp}\" always;")));
    assert!(
        nginx.contains("listen 8081;") && nginx.contains("root /srv/xops/dist;") && nginx.contains("try_files $uri /index.html;")
    );
    let caddy = std::fs::read_to_string(out.join("Caddyfile")).unwrap();
    assert!(caddy.contains(&format!("Content-Security-Policy \"{csp}\"")) && caddy.contains("try_files {path} /index.html"));

    // A new build (another loader): --check catches the stale kit, and a new run replaces it.
    let check = || {
        store()
            .args(["deploy-kit", "--check", "--root", "/srv/xops/dist", "--listen", "8081"])
            .arg("--dist")
            .arg(&dist)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(check().status.success(), "a fresh kit passes the check");
    std::fs::write(
        dist.join("index.html"),
        "<html><head><script type=\"module\">import init from '/app-1111111111111111.js'; await init();</script></head></html>",
    )
    .unwrap();
    let stale = check();
    assert!(!stale.status.success());
    let err = String::from_utf8_lossy(&stale.stderr);
    assert!(err.contains("does not match this build") && err.contains("_headers") && err.contains("nginx.conf"), "{err}");
    let again = run();
    assert!(!again.contains(&loader_hash[0]));
    assert!(!std::fs::read_to_string(dist.join("_headers")).unwrap().contains(&loader_hash[0]), "the kit is regenerated");
    assert!(check().status.success(), "and matches the new build");
}

/// Runs `xops-store service <args> --database db`: (success, stdout, stderr).
fn service(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = store().arg("service").args(args).arg("--database").arg(db).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn the_operator_adds_lists_and_revokes_a_service_and_its_token_shows_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite3");
    let (ok, token, said) = service(&db, &["add", "--name", "scanner"]);
    assert!(ok, "{said}");
    assert!(token.trim().starts_with("xops_svc_") && token.trim().len() > 40, "{token}");
    assert!(said.contains("shown only now"), "{said}");
    let (ok, _, said) = service(&db, &["add", "--name", "scanner"]);
    assert!(!ok && said.contains("already exists"), "{said}");
    let (ok, _, said) = service(&db, &["add", "--name", "no/slashes"]);
    assert!(!ok && said.contains("--name"), "{said}");
    let (ok, list, _) = service(&db, &["list"]);
    assert!(ok);
    assert!(list.lines().nth(1).is_some_and(|l| l.starts_with("scanner\t") && l.ends_with("\t-\t-")), "{list}");
    assert!(!list.contains(token.trim()), "the list never shows a token");
    let (ok, out, _) = service(&db, &["revoke", "--name", "scanner"]);
    assert!(ok && out.contains("revoked scanner"), "{out}");
    let (ok, _, said) = service(&db, &["revoke", "--name", "scanner"]);
    assert!(!ok && said.contains("no service called"), "{said}");
    // Revoked, its name can be given to a new service.
    assert!(service(&db, &["add", "--name", "scanner"]).0);
}
