//! Serving the app's static build: hashed assets cached forever, index.html never cached, and
//! the single-page-app fallback (a browser navigation to an unknown path gets index.html, so
//! the app's router shows the page or its own not-found page).

use crate::startup::{Result, StartError as Error};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The loaded `index.html` (with the build's brotli and gzip twins, when they are there and not
/// older than it) and the Content-Security-Policy that fits it.
#[derive(Clone)]
pub struct StaticSite {
    pub dir: PathBuf,
    pub index_html: axum::body::Bytes,
    pub index_br: Option<axum::body::Bytes>,
    pub index_gz: Option<axum::body::Bytes>,
    pub csp: String,
}

/// The CSP for API responses: they are data, never documents.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Headers every file and answer carries (besides its CSP and caching), here and in the deploy kit.
pub const FILE_HEADERS: [(&str, &str); 3] =
    [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")];

impl StaticSite {
    /// Loads `dir/index.html`. `None` (or a folder without index.html) serves the API only.
    pub fn load(dir: Option<&Path>) -> Result<Option<StaticSite>> {
        let Some(dir) = dir else { return Ok(None) };
        let index = dir.join("index.html");
        if !index.is_file() {
            tracing::warn!(dir = %dir.display(), "no index.html there: serving the API only");
            return Ok(None);
        }
        let (html, csp) = build_csp(dir)?;
        let twin = |ext: &str| twin_of(&index, ext).map(axum::body::Bytes::from);
        Ok(Some(StaticSite { dir: dir.to_path_buf(), index_html: html.into(), index_br: twin("br"), index_gz: twin("gz"), csp }))
    }

    /// index.html in the encoding the request takes best: brotli, then gzip, then as it is.
    pub fn index_for(&self, accept_encoding: &str) -> (Option<&'static str>, axum::body::Bytes) {
        match (&self.index_br, &self.index_gz) {
            (Some(br), _) if accepts(accept_encoding, "br") => (Some("br"), br.clone()),
            (_, Some(gz)) if accepts(accept_encoding, "gzip") => (Some("gzip"), gz.clone()),
            _ => (None, self.index_html.clone()),
        }
    }
}

/// A precompressed twin of `file` (`file.ext`), unless it is missing, unreadable or older than
/// `file` (a hand-edited index.html whose twin was not rewritten: the twin would be wrong).
fn twin_of(file: &Path, ext: &str) -> Option<Vec<u8>> {
    let twin = PathBuf::from(format!("{}.{ext}", file.display()));
    // In whole seconds: `brotli -k` gives its output the input's time cut to the second.
    let modified = |p: &Path| {
        let time = std::fs::metadata(p).and_then(|m| m.modified()).ok()?;
        time.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
    };
    let (Some(original), Some(copy)) = (modified(file), modified(&twin)) else { return None };
    if copy < original {
        tracing::warn!(twin = %twin.display(), "older than index.html: not served (rebuild to write it again)");
        return None;
    }
    std::fs::read(&twin).ok()
}

/// Whether an Accept-Encoding header takes `coding` (named, and not with q=0).
pub fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case(coding));
        let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
        named && !refused
    })
}

/// The build's `index.html` and the CSP that fits it: its inline loader by hash, and the store's
/// origin when its `config.json` points elsewhere. The store and the deploy kit both use this.
pub fn build_csp(dir: &Path) -> Result<(String, String)> {
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| Error::new(format!("cannot read {}: {e}", index.display())))?;
    let config = dir.join("config.json");
    let api_origin = match std::fs::read_to_string(&config) {
        Ok(json) => api_origin_of(&json).map_err(|e| Error::new(format!("{}: {e}", config.display())))?,
        Err(_) => None,
    };
    let csp = document_csp(&inline_script_hashes(&html), api_origin.as_deref());
    Ok((html, csp))
}

/// The origin of the store a build's `config.json` points at, if it points elsewhere.
pub fn api_origin_of(config_json: &str) -> std::result::Result<Option<String>, String> {
    let config = xops_model::ClientConfig::parse(config_json).map_err(|e| e.to_string())?;
    Ok(match config.api_base {
        xops_model::ApiBase::SameOrigin => None,
        xops_model::ApiBase::Url(url) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("https", &url));
            Some(format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)))
        }
    })
}

/// The policy for the app's documents. Scripts: our own files, the wasm module, and the inline
/// loader Trunk writes into index.html, allowed by its hash, never by 'unsafe-inline'. Requests:
/// this origin, and the store's when the build points at one elsewhere.
pub fn document_csp(script_hashes: &[String], api_origin: Option<&str>) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script_src.push_str(&format!(" '{h}'"));
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'{}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'",
        api_origin.map(|o| format!(" {o}")).unwrap_or_default()
    )
}

/// `sha256-…` sources for every inline `<script>` (one without `src`) in the document.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else { break };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else { break };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            hashes.push(format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// Trunk names built assets `name-<hash>.ext` (and `name-<hash>_bg.wasm`), the hash a u64 in hex
/// without leading zeros (so up to 16 digits, usually 13 or more): their content never changes
/// under that name, so they may be cached for a year.
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _ext)) = file.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => (10..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<head><script src="/a.js"></script><script type="module">init()</script></head>"#;
        let h = inline_script_hashes(html);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(h, vec![format!("sha256-{expected}")]);
    }

    #[test]
    fn accept_encoding_names_a_coding_unless_its_q_is_zero() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("br;q=1, gzip;q=0.5", "gzip"));
        assert!(accepts("BR", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("br;q=0.0", "br"));
        assert!(!accepts("gzip", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("brotli", "br"));
    }

    #[test]
    fn csp_has_no_unsafe_inline() {
        let csp = document_csp(&["sha256-abc".into()], None);
        assert!(csp.contains("'sha256-abc'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("connect-src 'self';"));
        let elsewhere = document_csp(&[], Some("https://api.example.com"));
        assert!(elsewhere.contains("connect-src 'self' https://api.example.com;"), "{elsewhere}");
    }

    #[test]
    fn the_store_origin_comes_from_config_json() {
        assert_eq!(api_origin_of(r#"{"api_base": ""}"#), Ok(None));
        assert_eq!(api_origin_of(r#"{"api_base": "https://api.example.com/xops"}"#), Ok(Some("https://api.example.com".into())));
        assert_eq!(api_origin_of(r#"{"api_base": "http://127.0.0.1:8081"}"#), Ok(Some("http://127.0.0.1:8081".into())));
        assert!(api_origin_of(r#"{"api_base": "ftp://x"}"#).is_err());
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/xops-integrations-3f2a9c1b7d6e5f40_bg.wasm"));
        assert!(is_hashed_asset("/xops-integrations-3f2a9c1b7d6e5f40.js"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        assert!(is_hashed_asset("/xops-integrations-3468b1817324f1_bg.wasm"), "14 digits: a hash with leading zeros");
        assert!(!is_hashed_asset("/report-2026.pdf"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/config.json"));
        assert!(!is_hashed_asset("/xops-integrations.js"));
        assert!(!is_hashed_asset("/logo-v2.svg"));
    }
}
