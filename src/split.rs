//! Code loaded when it is first needed. The sign-in pages are in the first download; each other
//! part of the app (the signed-in frame with the sync engine, the link forms with the certificate
//! code, the account page) is a chunk of its own, fetched the first time a page needs it and then
//! kept by the browser (immutable, hashed files).
//!
//! `split_point!` marks a function as the door into a chunk. In the release build (`--features
//! split`, see `cargo xtask build-app`, xtask/src/app.rs) it becomes a `wasm_split` import that wasm-split-cli
//! cuts out after linking; without the feature (browser tests, `cargo check`) it is an ordinary
//! async function, so the same code runs unsplit. `lazy` shows what such a door returns, with a
//! clear message and a Try again button when the chunk cannot be fetched (offline, a deployment
//! that replaced the files), never a blank page.

use leptos::prelude::*;
use std::future::Future;

/// A chunk of the app could not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadFailed;

impl From<leptos::wasm_split::SplitLoaderError> for LoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        LoadFailed
    }
}

/// `split_point!(chunk, pub fn name(args) -> T { body })` defines a module `name` with
/// `preload()`, which fetches `chunk` (at once when it is already here), and `call(args)`, which
/// runs the body in that chunk. Once `preload` has succeeded, `call`'s future is ready at its first
/// poll, so `lazy` can build the view in place, exactly where an ordinary component would.
#[macro_export]
macro_rules! split_point {
    ($chunk:ident, $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$meta])*
        $vis mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[cfg(feature = "split")]
            #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, preload(fn_preload), fallible)]
            pub fn call($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::LoadFailed> {
                let value: $ret = $body;
                ::core::result::Result::Ok(value)
            }

            #[cfg(feature = "split")]
            pub async fn preload() -> ::core::result::Result<(), $crate::split::LoadFailed> {
                fn_preload().await.map_err(::core::convert::Into::into)
            }

            #[cfg(not(feature = "split"))]
            pub async fn call($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::LoadFailed> {
                let value: $ret = $body;
                ::core::result::Result::Ok(value)
            }

            #[cfg(not(feature = "split"))]
            pub async fn preload() -> ::core::result::Result<(), $crate::split::LoadFailed> {
                ::core::result::Result::Ok(())
            }

            /// `preload` and `call` as boxed futures, for `lazy` (one copy of it for every page).
            pub fn preload_boxed() -> $crate::split::Loading<()> {
                ::std::boxed::Box::pin(preload())
            }

            pub fn call_boxed($($arg: $ty),*) -> $crate::split::Loading<$ret> {
                ::std::boxed::Box::pin(call($($arg),*))
            }
        }
    };
}

/// A split point's future: fetching its chunk, or its result.
pub type Loading<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, LoadFailed>>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Loading,
    Here,
    Failed,
}

/// Shows a split point's view: a loading line while its chunk arrives, then the view (built in
/// place, in this owner, like any component); if the chunk cannot be fetched, what happened and
/// Try again, which fetches it afresh. No Suspense boundary: the router's own transitions and
/// the focus on navigation work as they do for pages in the first download.
pub fn lazy(
    preload: impl Fn() -> Loading<()> + Send + Sync + 'static,
    call: impl Fn() -> Loading<AnyView> + Send + Sync + 'static,
) -> AnyView {
    show_lazy(std::sync::Arc::new(preload), std::sync::Arc::new(call))
}

type Boxed<T> = std::sync::Arc<dyn Fn() -> Loading<T> + Send + Sync>;

// Not generic, so the app holds one copy of it, not one per page.
fn show_lazy(preload: Boxed<()>, call: Boxed<AnyView>) -> AnyView {
    let chunk = RwSignal::new(Chunk::Loading);
    // A fetch starts here or from Try again; either way its first poll is in this owner, so
    // what it reads from context (`components::signed_in::signed_in_code`) is found.
    let owner = Owner::current();
    let fetch = Callback::new(move |()| {
        let mut pending = preload();
        let mut first = || poll_once(pending.as_mut());
        let ready = match &owner {
            Some(owner) => owner.with(first),
            None => first(),
        };
        match ready {
            Some(result) => chunk.set(if result.is_ok() { Chunk::Here } else { Chunk::Failed }),
            None => {
                chunk.set(Chunk::Loading);
                leptos::task::spawn_local(async move {
                    let here = pending.await.is_ok();
                    // The page may be gone by now (the person moved on): then nothing to show.
                    let _ = chunk.try_set(if here { Chunk::Here } else { Chunk::Failed });
                });
            }
        }
    });
    fetch.run(());
    (move || match chunk.get() {
        Chunk::Loading => view! { <p class="boot-message" role="status">"Loading…"</p> }.into_any(),
        Chunk::Here => match poll_once(call().as_mut()) {
            Some(Ok(view)) => view,
            _ => view! { <LoadFailedMessage retry=fetch/> }.into_any(),
        },
        Chunk::Failed => view! { <LoadFailedMessage retry=fetch/> }.into_any(),
    })
    .into_any()
}

/// Polls a future once: its output if it is ready at once.
pub fn poll_once<F: Future + ?Sized>(future: std::pin::Pin<&mut F>) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.poll(&mut cx) {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

#[component]
fn LoadFailedMessage(#[prop(into)] retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="boot-error load-failed">
            <h1>"This page could not be loaded"</h1>
            <p role="alert">
                "Part of Xops Integrations could not be downloaded. Check your connection and try again; \
                 if Xops was just updated, reload the page."
            </p>
            <button class="button primary" on:click=move |_| retry.run(())>"Try again"</button>
        </div>
    }
}

/// The app's own reactive owner, for what a chunk starts that must outlive the page that
/// started it (the sync engine: see `components::signed_in`).
#[derive(Clone)]
pub struct AppOwner(pub Owner);
