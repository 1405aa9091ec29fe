//! Where the runtime configuration (`config.json`) is, and how loading it can fail. The app and
//! the sign-in page each fetch it (with their own HTTP clients) and parse it with the model's
//! `ClientConfig::parse`.

use std::fmt;

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
