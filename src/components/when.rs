//! `<When>`: Leptos's `<Show>`, compiled once for the whole app.
//!
//! `<Show>` is generic over its condition and its children's view type, so Leptos's code for it
//! (a memo, a render effect, an `Either` of two views) was compiled again at each of its 49
//! places. `<When>` takes the condition as a `Signal<bool>` and the children and fallback as
//! `AnyView`s, so that code exists once; a place costs only its own closures. It behaves as
//! `<Show>`: the condition is read in a memo, so the children are built again only when it flips
//! (what a person typed inside them stays while it holds).

use leptos::prelude::*;

#[component]
pub fn When(
    /// Whether to show the children.
    #[prop(into)]
    when: Signal<bool>,
    children: ChildrenFn,
    /// Shown while `when` is false (nothing, if not given).
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    let shown = Memo::new(move |_| when.get());
    move || if shown.get() { children() } else { fallback.run() }
}
