//! The signed-in code: the sync engine and what every signed-in page shares, in the signed-in
//! chunk (see `split`). Here: fetching it and starting it once (`signed_in_code`), fetching it at
//! start for the person this browser remembers, and what waits for it: every page (`page`) and
//! the frame's parts that read the engine (`part`). The frame itself (`components::signed_in`)
//! and Home's heading are in the first module and do not wait.

use crate::health::Checks;
use crate::pages::account::background::Handles;
use crate::session::Session;
use crate::split::{lazy, LoadFailed, Loading};
use crate::sync::SyncEngine;
use leptos::prelude::*;
use std::cell::Cell;

thread_local! {
    /// Whether the signed-in code is here and has started (the engine exists).
    static CODE_HERE: ArcRwSignal<bool> = ArcRwSignal::new(false);
    static FETCHED_AT_START: Cell<bool> = const { Cell::new(false) };
}

/// Fetches the signed-in code while the app starts, for the person this browser remembers (whose
/// records are being read meanwhile: see `sync::early`). A failure shows where a page needs the
/// code (`split::lazy`), with Try again.
pub fn fetch_at_start() {
    FETCHED_AT_START.with(|f| f.set(true));
    // (Before the app is mounted, so not Leptos's executor, which mounting sets up.)
    wasm_bindgen_futures::spawn_local(async {
        let _ = signed_in_start::preload().await;
    });
}

fn code_here() -> ArcRwSignal<bool> {
    CODE_HERE.with(Clone::clone)
}

/// Fetches the signed-in code (the sync engine, and what every signed-in page shares) and starts
/// it once: the engine, the background checks, the tickets. Every signed-in page waits for this
/// before its own chunk (`page`). Ready at its first poll once done, so a page
/// opened later is built in place. Call it inside the app's reactive tree: the engine is made in
/// the app's own owner (`AppOwner`), found at the first poll.
pub async fn signed_in_code() -> Result<(), LoadFailed> {
    let app = use_context::<crate::split::AppOwner>().map(|a| a.0).or_else(Owner::current);
    if cfg!(feature = "split") && !code_here().get_untracked() && !FETCHED_AT_START.with(Cell::get) {
        // The first time, the frame and the page's heading are painted first: this code is most
        // of what a signed-in start downloads, and it would hold that paint up. (Unsplit, as in
        // the browser tests, the code is here and the page is built at once. Fetched at start, for
        // the person this browser remembers, it is on its way already: the records come first.)
        crate::started::after_paint().await;
    }
    signed_in_start::preload().await?;
    let start = || crate::split::poll_once(signed_in_start::call_boxed().as_mut());
    let started = match app {
        Some(app) => app.with(start),
        None => start(),
    };
    match started {
        Some(Ok(())) => {
            code_here().set(true);
            Ok(())
        }
        _ => Err(LoadFailed),
    }
}

/// A signed-in page (or part of one): fetched and built by `split::lazy` after the signed-in code
/// (the sync engine every page reads), then its own chunk.
pub fn page(preload: fn() -> Loading<()>, call: fn() -> Loading<AnyView>) -> AnyView {
    let after_signed_in_code = move || -> Loading<()> {
        Box::pin(async move {
            signed_in_code().await?;
            preload().await
        })
    };
    lazy(after_signed_in_code, call)
}

/// A part of the frame that reads the sync engine: `placeholder` until the signed-in code is here,
/// then the part (fetched with `preload`, and built by `call`). While the code cannot be fetched
/// the placeholder stays (the page says so, and its Try again brings the part too).
pub fn part(placeholder: fn() -> AnyView, preload: fn() -> Loading<()>, call: fn() -> Loading<AnyView>) -> AnyView {
    let (here, ready) = (code_here(), RwSignal::new(false));
    Effect::new(move |_| {
        if !here.get() || ready.get_untracked() {
            return;
        }
        let mut fetch = preload();
        match crate::split::poll_once(fetch.as_mut()) {
            Some(result) => ready.set(result.is_ok()),
            None => leptos::task::spawn_local(async move {
                if fetch.await.is_ok() {
                    ready.try_set(true);
                }
            }),
        }
    });
    (move || match ready.get() {
        true => match crate::split::poll_once(call().as_mut()) {
            Some(Ok(view)) => view,
            _ => placeholder(),
        },
        false => placeholder(),
    })
    .into_any()
}

crate::split_point!(
    signed_in,
    /// Makes the engine the first time a person signs in; it then lives as long as the app (it
    /// follows the session: it stops on sign-out and starts again for the next person), so work
    /// still under way when a page goes never touches a disposed signal. An embedder (the
    /// browser tests) may provide its own.
    pub fn signed_in_start() -> () {
        start_signed_in()
    }
);

/// Once per app; each later call (every page's) finds it done.
fn start_signed_in() {
    if use_context::<SyncEngine>().is_none() {
        let engine = SyncEngine::provide();
        crate::sync::follow_session(engine, Session::expect_context());
    }
    // The tests running in this tab, like the engine, outlive any one page.
    if use_context::<Checks>().is_some() {
        return;
    }
    Checks::provide();
    if use_context::<crate::tickets::Tickets>().is_none() {
        crate::tickets::Tickets::provide();
    }
    let handles = Handles {
        api: crate::api::Api::expect_context(),
        engine: SyncEngine::expect_context(),
        session: Session::expect_context(),
        checks: Checks::expect_context(),
        tickets: crate::tickets::Tickets::expect_context(),
    };
    crate::pages::chunks::fetch_other_pages_when_idle(handles);
}
