//! The store's configuration: one typed struct, from flags or their environment equivalents.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(name = "xops-store", version, about = "The Xops Integrations storage endpoint (and, for a local run, the app's web server).")]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "XOPS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The database: a SQLite file path (created if missing, with its folder).
    #[arg(long, env = "XOPS_DATABASE", default_value = "data/xops.sqlite3")]
    pub database: String,

    /// Folder of the app's release build (index.html and its assets) to serve, with the
    /// single-page-app fallback. Leave unset (or point at a missing folder) to serve the API only.
    #[arg(long, env = "XOPS_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// Origins of an app hosted elsewhere (a CDN) that may call the API with credentials,
    /// comma-separated, e.g. https://app.example.com. The store's own origin is always allowed.
    #[arg(long = "allowed-origins", env = "XOPS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub allowed_origins: Vec<String>,
}

impl Config {
    /// A configuration for tests and embedding: the given database, no static site, no origins.
    pub fn for_database(database: impl Into<String>) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: database.into(),
            static_dir: None,
            allowed_origins: Vec::new(),
        }
    }
}

/// An origin is `scheme://host[:port]`, exactly as a browser sends it in the Origin header.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("origin \"{s}\" must start with https:// or http://"))?;
    if rest.is_empty() {
        return Err(format!("origin \"{s}\" has no host"));
    }
    if rest.contains(['/', '?', '#', ' ']) {
        return Err(format!(
            "origin \"{s}\" must be only scheme://host[:port], without a path or a trailing slash"
        ));
    }
    Ok(s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        assert_eq!(parse_origin("https://App.example.com").unwrap(), "https://app.example.com");
        assert_eq!(parse_origin("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert!(parse_origin("app.example.com").unwrap_err().contains("https://"));
        assert!(parse_origin("https://app.example.com/").unwrap_err().contains("trailing slash"));
    }

    #[test]
    fn flags_parse_with_defaults() {
        let c = Config::try_parse_from(["xops-store"]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database, "data/xops.sqlite3");
        let c = Config::try_parse_from(["xops-store", "--allowed-origins", "https://a.example,https://b.example"]).unwrap();
        assert_eq!(c.allowed_origins, vec!["https://a.example", "https://b.example"]);
    }
}
