//! The store binary itself: its help text and its start-up errors.

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

#[test]
fn operator_adds_a_user_with_the_password_on_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite3");
    let run = |email: &str, password: &str| {
        let mut child = store()
            .args(["user", "add", "--email", email, "--organization", "Contoso", "--database"])
            .arg(&db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (ok, out, err) = run("ada@contoso.com", "correct horse battery staple");
    assert!(ok, "{err}");
    assert!(out.contains("the new organization \"Contoso\""), "{out}");
    let (ok, out, err) = run("bob@contoso.com", "another long password");
    assert!(ok, "{err}");
    assert!(out.contains("the existing organization"), "{out}");
    let (ok, _, err) = run("cy@contoso.com", "short");
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, _, err) = run("ada@contoso.com", "correct horse battery staple");
    assert!(!ok && err.contains("already exists"), "{err}");
}
