//! The frame around every page of a signed-in person: the side navigation and the sync status.
//! The frame is in the first module, so a page's heading can show before the sync engine arrives;
//! the engine (`signed_in_code`) and every part that reads it are in the signed-in chunk (see
//! `split`), which the sign-in pages never download.

use super::app_update::UpdateNotice;
use super::side_nav::SideNav;
use super::top_bar::TopBar;
use crate::session::Session;
use crate::signed_in_code::{part, signed_in_code};
use leptos::prelude::*;

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
            crate::signed_in_code::page(crate::pages::chunks::security::preload_boxed, crate::pages::chunks::security::call_boxed)
        }
        false => page().into_any(),
    };
    let bar = || {
        view! { <header class="top-bar"><div class="sync-status busy" role="status" data-testid="sync-status">"Loading…"</div></header> }.into_any()
    };
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

crate::split_point!(
    signed_in,
    /// The bar above every page (a new build, the sync status, how many accounts need attention).
    pub fn top_bar() -> AnyView {
        view! { <UpdateNotice/> <TopBar/> }.into_any()
    }
);
