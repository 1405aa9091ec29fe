use leptos::prelude::*;
pub use xops_web::pointer::{track_pointer, when_pointer_is_up};

/// A labelled text input with its hint and its error beside it. The error is tied to the input
/// with aria-describedby and aria-invalid, so screen readers announce it with the field.
#[component]
pub fn TextField(
    /// The element id; also names the hint and error elements.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// Called when the person leaves the field (to validate it then), and as they type while a
    /// message shows.
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
) -> impl IntoView {
    // Listening from the start: the press that takes focus away comes before the blur.
    track_pointer();
    // Once a message shows, check again as the person types, so it goes as soon as the value is
    // right (and the page does not shift under their pointer when they leave the field).
    if let Some(check) = on_blur {
        Effect::new(move |_| {
            value.track();
            if error.get_untracked().is_some() {
                check.run(());
            }
        });
    }
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id.clone()
                name=id.clone()
                type=input_type
                autocomplete=autocomplete
                bind:value=value
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        // try_run: the click may have taken the person to another page meanwhile.
                        when_pointer_is_up(move || {
                            let _ = cb.try_run(());
                        });
                    }
                }
            />
            <p class="field-error" id=error_id.clone() hidden=move || error.get().is_none()>
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}
