//! Domain types and API bodies shared by the Xops Integrations app (wasm) and its store.
//!
//! Parse, don't validate: every value that crosses a boundary (a form field, a request body,
//! a config file) is turned into a type that can only hold a valid value, by one `parse`
//! function that both the browser and the store call, so they never disagree.

pub mod api;
pub mod config;

pub use api::{ApiError, ErrorCode, Health};
pub use config::{ApiBase, ClientConfig, ConfigError};
