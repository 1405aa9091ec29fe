use leptos::prelude::*;

/// Shown instead of the app when it cannot start (for example a broken config.json).
#[component]
pub fn BootError(message: String) -> impl IntoView {
    view! {
        <main class="boot-error" role="alert">
            <h1>"Xops Integrations could not start"</h1>
            <p>{message}</p>
        </main>
    }
}
