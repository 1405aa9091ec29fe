//! The account workflows of several steps, apart from the page and the browser: each is an async
//! function over a trait for what it does outside itself (this browser's keys, the app
//! registration through the store, the record through the sync, what the page says meanwhile).
//! The app implements the traits with WebCrypto, IndexedDB and its API; the tests here implement
//! them in memory and check every path, failures included, natively.

pub mod browsers;
mod effects;
mod key_slot;
#[cfg(test)]
mod memory;
pub mod renewal;

pub use effects::{signing_key, Credential, Effects, Keys, Signer};
pub use key_slot::KeySlot;

/// Runs a future that never waits on anything outside it (the tests' in-memory effects) to its
/// end, without an executor.
#[cfg(test)]
pub(crate) fn run_now<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
            return out;
        }
    }
}
