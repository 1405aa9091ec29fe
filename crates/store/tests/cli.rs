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
    let out = store()
        .args(["--listen", &addr, "--database"])
        .arg(dir.path().join("s.sqlite3"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot listen on") && err.contains("--listen"), "{err}");
}
