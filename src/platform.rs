//! The deployment's facts (`GET /platform`: the Xops AWS account, the Microsoft identity platform,
//! the proof audience). They change only when the store is reconfigured, so they are asked once,
//! when a page first needs them, and shared by every page after (the AWS link page, Test
//! connection, Renew certificate). A failed ask is not kept: the next reader asks again.

use crate::api::{Api, ApiClientError};
use std::cell::RefCell;
use xops_model::{paths, Platform};

thread_local! {
    static FACTS: RefCell<Option<Platform>> = const { RefCell::new(None) };
}

/// The facts, from the store the first time.
pub async fn platform(api: &Api) -> Result<Platform, ApiClientError> {
    if let Some(known) = FACTS.with(|f| f.borrow().clone()) {
        return Ok(known);
    }
    let facts: Platform = api.get(paths::PLATFORM).await?;
    FACTS.with(|f| *f.borrow_mut() = Some(facts.clone()));
    Ok(facts)
}
