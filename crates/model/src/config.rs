//! The app's runtime configuration: `config.json`, deployed next to `index.html`.
//!
//! One static build can be pointed at any store by editing this file on the CDN; nothing is
//! baked in at build time.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where the app finds the store's API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ApiBase {
    /// The store serves the app too: API calls go to `/api/v1/...` on the page's own origin.
    #[default]
    SameOrigin,
    /// The store lives elsewhere, e.g. `https://api.example.com` (no trailing slash, no path
    /// other than an optional prefix such as `/xops`).
    Url(String),
}

impl ApiBase {
    /// Accepts `""` (same origin) or an absolute `http(s)://host[:port][/prefix]` URL.
    pub fn parse(input: &str) -> Result<ApiBase, ConfigError> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(ApiBase::SameOrigin);
        }
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(|| {
            ConfigError::new(format!("api_base must be empty (same origin) or start with https:// or http://; it is \"{s}\""))
        })?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(ConfigError::new(format!("api_base \"{s}\" has no host name after the scheme")));
        }
        if s.contains(['?', '#', ' ']) {
            return Err(ConfigError::new(format!("api_base \"{s}\" must not contain a query, a fragment or spaces")));
        }
        Ok(ApiBase::Url(s.trim_end_matches('/').to_string()))
    }

    /// The full URL of an API path such as `/api/v1/healthz`.
    pub fn url(&self, path: &str) -> String {
        match self {
            ApiBase::SameOrigin => path.to_string(),
            ApiBase::Url(base) => format!("{base}{path}"),
        }
    }
}

/// The parsed content of `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientConfig {
    pub api_base: ApiBase,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    api_base: String,
}

impl ClientConfig {
    /// Parses the text of `config.json`. Unknown keys are refused so a typo is not ignored.
    pub fn parse(json: &str) -> Result<ClientConfig, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(json).map_err(|e| ConfigError::new(format!("config.json is not valid: {e}")))?;
        Ok(ClientConfig { api_base: ApiBase::parse(&raw.api_base)? })
    }
}

/// A config file problem, with a sentence an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    fn new(message: String) -> Self {
        ConfigError(message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_same_origin() {
        assert_eq!(ClientConfig::parse(r#"{"api_base": ""}"#).unwrap().api_base, ApiBase::SameOrigin);
        assert_eq!(ClientConfig::parse("{}").unwrap().api_base, ApiBase::SameOrigin);
        assert_eq!(ApiBase::SameOrigin.url("/api/v1/healthz"), "/api/v1/healthz");
    }

    #[test]
    fn absolute_url_loses_trailing_slash() {
        let b = ApiBase::parse(" https://api.example.com/ ").unwrap();
        assert_eq!(b, ApiBase::Url("https://api.example.com".into()));
        assert_eq!(b.url("/api/v1/me"), "https://api.example.com/api/v1/me");
        let b = ApiBase::parse("http://127.0.0.1:9000/xops").unwrap();
        assert_eq!(b.url("/api/v1/me"), "http://127.0.0.1:9000/xops/api/v1/me");
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let e = ApiBase::parse("api.example.com").unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        let e = ApiBase::parse("https:///x").unwrap_err();
        assert!(e.to_string().contains("no host"), "{e}");
        let e = ApiBase::parse("https://a.example/?x=1").unwrap_err();
        assert!(e.to_string().contains("query"), "{e}");
        let e = ClientConfig::parse(r#"{"apibase": "x"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = ClientConfig::parse("not json").unwrap_err();
        assert!(e.to_string().contains("config.json"), "{e}");
    }
}
