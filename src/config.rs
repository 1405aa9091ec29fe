//! The runtime configuration, read once at start from `config.json` beside index.html.

use gloo_net::http::Request;
use std::fmt;
use xops_model::ClientConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigLoadError {
    Unreachable { url: String, reason: String },
    Status { url: String, status: u16 },
    Invalid { url: String, reason: String },
}

impl fmt::Display for ConfigLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigLoadError::Unreachable { url, reason } => {
                write!(f, "The app could not load its settings from {url} ({reason}). Check your connection and reload.")
            }
            ConfigLoadError::Status { url, status } => {
                write!(
                    f,
                    "The app's settings file {url} answered with HTTP {status}. Reload; if it persists, tell your administrator."
                )
            }
            ConfigLoadError::Invalid { url, reason } => {
                write!(f, "The app's settings file {url} is not valid: {reason}. Your administrator needs to fix it.")
            }
        }
    }
}

impl std::error::Error for ConfigLoadError {}

/// The URL of `config.json`, resolved against the document's base (Trunk's public URL), so
/// it is found from any route, e.g. /integrations/microsoft/m365/new.
pub fn config_url() -> String {
    let base =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_else(|| "/".to_string());
    match web_sys::Url::new_with_base("config.json", &base) {
        Ok(u) => u.href(),
        Err(_) => "/config.json".to_string(),
    }
}

pub async fn load() -> Result<ClientConfig, ConfigLoadError> {
    load_from(&config_url()).await
}

/// A missing file (404) means the defaults: the API on the page's own origin.
pub async fn load_from(url: &str) -> Result<ClientConfig, ConfigLoadError> {
    let res = Request::get(url)
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await
        .map_err(|e| ConfigLoadError::Unreachable { url: url.to_string(), reason: e.to_string() })?;
    match res.status() {
        404 => return Ok(ClientConfig::default()),
        200..=299 => {}
        status => return Err(ConfigLoadError::Status { url: url.to_string(), status }),
    }
    let text = res.text().await.map_err(|e| ConfigLoadError::Unreachable { url: url.to_string(), reason: e.to_string() })?;
    ClientConfig::parse(&text).map_err(|e| ConfigLoadError::Invalid { url: url.to_string(), reason: e.to_string() })
}
