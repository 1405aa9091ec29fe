//! The runtime configuration, read once at start from `config.json` beside index.html.

use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use xops_model::ClientConfig;

pub use xops_web::config::{config_url, ConfigLoadError};

pub async fn load() -> Result<ClientConfig, ConfigLoadError> {
    let url = config_url();
    match crate::boot::config(&url).await {
        // The loader asked already (src/boot.rs).
        Some(Ok(res)) => read(&url, res.into()).await,
        Some(Err(e)) => {
            let reason = e.dyn_ref::<js_sys::Error>().map_or_else(|| "the request failed".to_string(), |e| e.message().into());
            Err(ConfigLoadError::Unreachable { url, reason })
        }
        None => load_from(&url).await,
    }
}

/// A missing file (404) means the defaults: the API on the page's own origin.
pub async fn load_from(url: &str) -> Result<ClientConfig, ConfigLoadError> {
    let res = Request::get(url)
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await
        .map_err(|e| ConfigLoadError::Unreachable { url: url.to_string(), reason: e.to_string() })?;
    read(url, res).await
}

async fn read(url: &str, res: gloo_net::http::Response) -> Result<ClientConfig, ConfigLoadError> {
    match res.status() {
        404 => return Ok(ClientConfig::default()),
        200..=299 => {}
        status => return Err(ConfigLoadError::Status { url: url.to_string(), status }),
    }
    let text = res.text().await.map_err(|e| ConfigLoadError::Unreachable { url: url.to_string(), reason: e.to_string() })?;
    ClientConfig::parse(&text).map_err(|e| ConfigLoadError::Invalid { url: url.to_string(), reason: e.to_string() })
}
