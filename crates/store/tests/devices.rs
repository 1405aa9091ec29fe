//! Strangers cannot lock anyone out (the OWASP "device cookies" scheme), and HSTS, over real HTTP
//! against a real store behind a trusted proxy (so each client can come from its own address).
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod common;

use common::{spawn_store, PASSWORD};
use serde_json::json;

const OWNER: &str = "ada@contoso.com";

fn from(c: &reqwest::Client, s: &common::TestStore, address: &str, email: &str, password: &str) -> reqwest::RequestBuilder {
    c.post(s.url("/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .header("origin", &s.base)
        .json(&json!({"email": email, "password": password}))
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_stranger_s_failures_do_not_keep_the_owner_out_of_a_browser_they_used_before() {
    let s = spawn_store(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    s.sign_up(OWNER, "Contoso").await;
    // The owner signs in from their laptop once, and signs out.
    let laptop = s.browser();
    let res = from(&laptop, &s, "203.0.113.7", OWNER, PASSWORD).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let device = set_cookies(&res).into_iter().find(|c| c.starts_with("xops_device=")).expect("a device cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth", "Max-Age=31536000"] {
        assert!(device.contains(attribute), "{attribute} in {device}");
    }
    assert!(!device.contains("ada") && !device.contains("contoso"), "the cookie names no one: {device}");
    assert_eq!(s.post(&laptop, "/api/v1/auth/logout", json!({})).await.status(), 204);

    // 50 wrong passwords for the owner's email from another address.
    let stranger = s.browser();
    let mut refused = 0;
    for _ in 0..50 {
        let status = from(&stranger, &s, "198.51.100.66", OWNER, "not the password").send().await.unwrap().status();
        assert!(status == 401 || status == 429, "{status}");
        refused += usize::from(status == 429);
    }
    assert!(refused >= 40, "the stranger is throttled ({refused} of 50 refused)");

    // The owner, from the browser they used before (even from another network): in at once.
    let res = from(&laptop, &s, "192.0.2.44", OWNER, PASSWORD).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // A browser that never signed in to this account keeps the account's wait.
    let unknown = s.browser();
    assert_eq!(from(&unknown, &s, "192.0.2.45", OWNER, PASSWORD).send().await.unwrap().status(), 429);
}

#[tokio::test]
async fn a_known_device_that_fails_waits_on_its_own_and_a_cookie_counts_only_for_its_account() {
    let s = spawn_store(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    s.sign_up(OWNER, "Contoso").await;
    s.sign_up("bob@fabrikam.com", "Fabrikam").await;
    let laptop = s.browser();
    assert_eq!(from(&laptop, &s, "203.0.113.7", OWNER, PASSWORD).send().await.unwrap().status(), 200);
    // The laptop itself guesses wrong: it waits after the free attempts, like an account would.
    for _ in 0..5 {
        assert_eq!(from(&laptop, &s, "203.0.113.7", OWNER, "wrong").send().await.unwrap().status(), 401);
    }
    assert_eq!(from(&laptop, &s, "203.0.113.7", OWNER, PASSWORD).send().await.unwrap().status(), 429);
    // Its cookie is Ada's: for Bob's account the laptop is an unknown browser, with the usual limits.
    let bobs_stranger = s.browser();
    for _ in 0..5 {
        assert_eq!(from(&bobs_stranger, &s, "198.51.100.9", "bob@fabrikam.com", "wrong").send().await.unwrap().status(), 401);
    }
    assert_eq!(from(&laptop, &s, "203.0.113.7", "bob@fabrikam.com", PASSWORD).send().await.unwrap().status(), 429);
}

#[tokio::test]
async fn answers_over_https_tell_the_browser_to_keep_to_https() {
    let s = spawn_store(|_| {}).await;
    let get = |proto: Option<&'static str>| {
        let mut req = s.client.get(s.url("/api/v1/healthz"));
        if let Some(p) = proto {
            req = req.header("x-forwarded-proto", p);
        }
        req.send()
    };
    let over_https = get(Some("https")).await.unwrap();
    assert_eq!(over_https.headers()["strict-transport-security"], "max-age=31536000");
    assert!(get(None).await.unwrap().headers().get("strict-transport-security").is_none(), "not over plain http");
    let page = s.client.get(s.url("/")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(page.headers().contains_key("strict-transport-security"), "documents too");

    let always = spawn_store(|c| c.cookie_secure = xops_store::config::CookieSecure::Always).await;
    let res = always.client.get(always.url("/api/v1/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000", "--cookie-secure always");
}
