//! The frame around every page of a signed-in person: the side navigation, the sync status, and
//! the sync engine that keeps this person's records. The frame itself is in the first module, so
//! a page's heading can show before the engine arrives; the engine and every part that reads it
//! are in the signed-in chunk (see `split`), which the sign-in pages never download.

use super::app_update::UpdateNotice;
use super::side_nav::SideNav;
use super::top_bar::TopBar;
use crate::health::Checks;
use crate::pages::account::background::Handles;
use crate::session::Session;
use crate::split::LoadFailed;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use std::cell::Cell;

/// The frame with `page` inside it: the side navigation and the page, drawn at once (this is in
/// the first module); the parts that read the sync engine (the top bar, Sign out) fill in when
/// the signed-in code is here (`signed_in_code`), and so does every page's content.
#[component]
pub fn SignedInFrame(page: ChildrenFn) -> impl IntoView {
    // Fetch the signed-in code now, whatever the page (a page that cannot be shown without it
    // says so, with Try again; the frame's parts show their placeholder until then). The first
    // poll is here, in the frame, so the engine is made at once when the code is here already.
    let mut code = Box::pin(signed_in_code());
    if crate::split::poll_once(code.as_mut()).is_none() {
        leptos::task::spawn_local(async move {
            let _ = code.await;
        });
    }
    // A person whose organization requires a passkey and who has none sees only the Security
    // page, wherever they are, until they add one (the store serves them nothing else).
    // (On the Security page itself, that page stays as it is when they do.)
    let session = Session::expect_context();
    let location = leptos_router::hooks::use_location();
    let must_add_passkey = Memo::new(move |_| {
        session.me().is_some_and(|m| m.passkey_required) && location.pathname.get() != crate::routes::SECURITY
    });
    let page = move || match must_add_passkey.get() {
        true => {
            crate::pages::chunks::page(crate::pages::chunks::security::preload_boxed, crate::pages::chunks::security::call_boxed)
        }
        false => page().into_any(),
    };
    let bar = || view! { <header class="top-bar"><div class="sync-status busy" role="status" data-testid="sync-status">"Loading…"</div></header> };
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <div class="layout">
            <SideNav/>
            <div class="content">
                {part(bar, top_bar::preload_boxed, top_bar::call_boxed)}
                <main id="main" tabindex="-1">{page}</main>
            </div>
        </div>
    }
}

/// A part of the frame that reads the sync engine: `placeholder` until the signed-in code is here,
/// then the part (fetched with `preload`, and built by `call`). While the code cannot be fetched
/// the placeholder stays (the page says so, and its Try again brings the part too).
pub fn part<V: IntoView + 'static>(
    placeholder: fn() -> V,
    preload: fn() -> crate::split::Loading<()>,
    call: fn() -> crate::split::Loading<AnyView>,
) -> AnyView {
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
            _ => placeholder().into_any(),
        },
        false => placeholder().into_any(),
    })
    .into_any()
}

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
/// before its own chunk (`pages::chunks::page`). Ready at its first poll once done, so a page
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

crate::split_point!(
    signed_in,
    /// The bar above every page (a new build, the sync status, how many accounts need attention).
    pub fn top_bar() -> AnyView {
        view! { <UpdateNotice/> <TopBar/> }.into_any()
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
    fetch_other_pages_when_idle(handles);
}

/// Once the signed-in person's first page is up and the browser has nothing else to do, fetch
/// the code of every other page, so moving between pages never waits for the network and a
/// person who goes offline can still open each of them; then let the service worker keep the
/// whole build on the device (it finds those files in the browser's cache). A failure here is
/// not shown (a page says so, with Try again, if it is opened while its code is still missing).
/// Then start the background checks (their code is the account page's).
fn fetch_other_pages_when_idle(handles: Handles) {
    let keep_on_device = super::app_update::keep_on_device();
    let handles = StoredValue::new_local(handles);
    let fetch_all = move || {
        let Some(handles) = handles.try_get_value() else { return };
        leptos::task::spawn_local(async move {
            let _ = crate::pages::chunks::link_microsoft_365::preload().await;
            let _ = crate::pages::chunks::account::preload().await;
            if crate::pages::account::background::background_checks::call(handles).await.is_err() {
                leptos::logging::warn!("the background checks could not start: their code did not load");
            }
            let _ = crate::pages::chunks::members::preload().await;
            keep_on_device();
        })
    };
    // Give the first page's own requests (the records) a head start, then wait for idle time.
    set_timeout(
        move || {
            // (Safari has no idle callback: there, now.)
            let callback = leptos::wasm_bindgen::closure::Closure::once_into_js(fetch_all);
            let idle = web_sys::window().map(|w| w.request_idle_callback(callback.unchecked_ref()));
            if !matches!(idle, Some(Ok(_))) {
                fetch_all();
            }
        },
        std::time::Duration::from_secs(2),
    );
}
