//! How a page says what a slow step is doing, what it did, and what went wrong: the same three
//! lines under every action (live regions, so a screen reader hears each as it changes), and the
//! lines a page shows while its data loads or when it could not.

use leptos::prelude::*;
use xops_model::Problem;

/// The three lines under an action: progress (with a spinner while `busy`; kept in the layout
/// when idle, so nothing jumps), what it did, and what went wrong. With `testid` = "x", they are
/// `x-progress`, `x-done` and `x-error` to the tests.
#[component]
pub fn Feedback(
    /// What went wrong (hidden when nothing did).
    #[prop(into)]
    error: Signal<Option<Problem>>,
    /// Whether the step is running.
    #[prop(into, default = Signal::stored(false))]
    busy: Signal<bool>,
    /// What the step is doing, or did (empty: only the spinner, if busy).
    #[prop(into, default = Signal::stored(String::new()))]
    progress: Signal<String>,
    /// What the step did, once it did it.
    #[prop(into, default = Signal::stored(None))]
    done: Signal<Option<String>>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let id = move |line: &str| testid.map(|t| format!("{t}-{line}"));
    view! {
        <p class="progress" role="status" data-testid=id("progress") class:idle=move || !busy.get() && progress.with(String::is_empty)>
            {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
            {move || progress.get()}
        </p>
        <p class="form-success" role="status" data-testid=id("done") hidden=move || done.with(Option::is_none)>
            {move || done.get().unwrap_or_default()}
        </p>
        <ErrorLine error testid=id("error")/>
    }
}

/// What went wrong, where it happened (hidden when nothing did).
#[component]
pub fn ErrorLine(#[prop(into)] error: Signal<Option<Problem>>, #[prop(default = None)] testid: Option<String>) -> impl IntoView {
    view! {
        <p class="field-error" role="alert" data-testid=testid hidden=move || error.with(Option::is_none)>
            {move || error.with(|e| e.as_ref().map(|e| e.message.clone()))}
        </p>
    }
}

/// While a page's data is on its way.
#[component]
pub fn Loading(#[prop(default = "Loading…")] what: &'static str) -> impl IntoView {
    view! { <p role="status">{what}</p> }
}

/// A page's data that could not be loaded, and why.
#[component]
pub fn LoadFailed(#[prop(into)] why: Problem) -> impl IntoView {
    view! { <p class="field-error" role="alert">{why.message}</p> }
}
