//! The form's fields, as link_kinds.rs lists them for each provider: text fields, radio choices,
//! and the AWS account a typed role ARN names.

use super::form::{Field, LinkForm};
use crate::components::field::TextField;
use crate::link_kinds::FieldKind;
use leptos::prelude::*;
use xops_model::RoleArn;

/// Every field of `form`, each hidden while the choice it depends on says so.
#[component]
pub(super) fn FormFields(form: LinkForm) -> impl IntoView {
    let kind = form.kind;
    form.fields.with_value(|fs| {
        fs.iter()
            .map(|&f| {
                let shown = move || kind.is_shown(f.spec, &form.values());
                let key = f.spec.key;
                let input = match f.spec.kind {
                    FieldKind::Text => view! {
                        <TextField id=f.spec.id label=f.spec.label value=f.value error=f.error hint=f.spec.hint
                            on_blur=Callback::new(move |_| form.check(key))/>
                    }
                    .into_any(),
                    FieldKind::Choice(choices) => view! {
                        <ChoiceField field=f choices=choices on_change=Callback::new(move |_| form.check(key))/>
                    }
                    .into_any(),
                };
                let after = (key == "role_arn").then(|| view! { <ArnAccount arn=f.value/> });
                view! { <div class="field-slot" hidden=move || !shown()>{input}{after}</div> }
            })
            .collect_view()
    })
}

/// Radio buttons in a fieldset, with the message beside them.
#[component]
fn ChoiceField(field: Field, choices: &'static [(&'static str, &'static str)], on_change: Callback<()>) -> impl IntoView {
    let spec = field.spec;
    let (hint_id, error_id) = (format!("{}-hint", spec.id), format!("{}-error", spec.id));
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <fieldset class="field choice-field" class:field-invalid=move || field.error.get().is_some() id=spec.id
            aria-describedby=described_by tabindex="-1">
            <legend>{spec.label}</legend>
            <p class="field-hint" id=hint_id>{spec.hint}</p>
            <div class="radios">
                {choices.iter().map(|&(value, label)| {
                    let input_id = format!("{}-{value}", spec.id);
                    view! {
                        <label class="radio" for=input_id.clone()>
                            <input type="radio" id=input_id.clone() name=spec.id value=value
                                prop:checked=move || field.value.get() == value
                                on:change=move |_| {
                                    field.value.set(value.to_string());
                                    on_change.run(());
                                }/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="field-error" id=error_id hidden=move || field.error.get().is_none()>{move || field.error.get().unwrap_or_default()}</p>
        </fieldset>
    }
}

/// The AWS account the typed ARN names, once it parses.
#[component]
fn ArnAccount(arn: RwSignal<String>) -> impl IntoView {
    let account = move || RoleArn::parse(&arn.get()).ok().map(|a| a.account_id().to_string());
    view! {
        <p class="field-hint arn-account" role="status">
            {move || account().map(|a| format!("AWS account ID: {a}"))}
        </p>
    }
}
