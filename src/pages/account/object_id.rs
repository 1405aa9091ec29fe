//! The app registration's Object ID, which changes to the app registration need (renewal,
//! approving or removing a browser): where to find it in the Entra admin center, checked as the
//! person types, and asked only once: when the account knows it (a renewal or an approval learned
//! it), the page shows it with Change instead of asking again.

use super::connection_test::MicrosoftApp;
use super::Account;
use crate::components::field::TextField;
use crate::components::page::focus;
use crate::components::when::When;
use leptos::prelude::*;
use xops_model::{ApplicationId, ApplicationObjectId};

/// Where the Object ID is, in the portal's own words.
const WHERE: &str = "In the Microsoft Entra admin center: App registrations → your app → Overview. Under Essentials, copy Object ID, the line below Application (client) ID. (Not the Object ID under “Managed application in local directory”: that is another object.)";

/// One Object ID field; one per section, shared by what the section does.
#[derive(Clone, Copy)]
pub(super) struct ObjectIdField {
    id: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    /// What the account knows (a renewal or an approval learned it).
    known: Memo<Option<ApplicationObjectId>>,
    /// The account's Application ID, the value most often pasted here by mistake.
    application: Memo<Option<ApplicationId>>,
    /// The person pressed Change beside a known Object ID.
    editing: RwSignal<bool>,
}

impl ObjectIdField {
    /// A field for `account` (`id` is its element id), holding what the account knows, and
    /// following it when the account learns another while the person has not changed it.
    pub fn new(account: Account, id: &'static str) -> ObjectIdField {
        let app = Memo::new(move |_| account.current.with(|a| a.as_ref().and_then(|a| MicrosoftApp::of(&a.integration.details))));
        let known = Memo::new(move |_| app.with(|m| m.as_ref().and_then(|m| m.object_id.clone())));
        let application = Memo::new(move |_| app.with(|m| m.as_ref().map(|m| m.application.clone())));
        let field = ObjectIdField {
            id,
            value: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            known,
            application,
            editing: RwSignal::new(false),
        };
        Effect::new(move |_| {
            if let Some(o) = known.get() {
                if !field.editing.get_untracked() || field.value.with_untracked(String::is_empty) {
                    field.value.set(o.to_string());
                }
            }
        });
        // Checked as the person types, once there is a whole id to check (a half-typed one is not
        // wrong yet); the field's own blur check covers the rest.
        Effect::new(move |_| {
            let complete = field.value.with(|v| v.trim().trim_matches(['{', '}']).len() >= 36);
            if complete {
                field.check();
            }
        });
        field
    }

    /// The Object ID as typed, or `None` with the message beside the field.
    pub fn check(self) -> Option<ApplicationObjectId> {
        let text = self.value.get_untracked();
        let parsed = self.application.with_untracked(|a| match a {
            Some(a) => ApplicationObjectId::parse_for(&text, a),
            None => ApplicationObjectId::parse(&text),
        });
        self.error.set(parsed.as_ref().err().map(|e| e.message.clone()));
        parsed.ok()
    }

    /// `check`, taking the person to the field when it is wrong (showing the field first, if the
    /// known id was shown in its place).
    pub fn read(self) -> Option<ApplicationObjectId> {
        let parsed = self.check();
        if parsed.is_none() {
            self.edit();
        }
        parsed
    }

    /// Shows the field (in place of a known id) and takes the person to it.
    fn edit(self) {
        self.editing.set(true);
        let id = self.id;
        request_animation_frame(move || focus(id));
    }
}

/// The Object ID on the page: the field with where to find it and why it is needed (`why`), or,
/// once the account knows it, the id with Change.
#[component]
pub(super) fn ObjectIdInput(field: ObjectIdField, why: &'static str) -> impl IntoView {
    let ask = move || field.editing.get() || field.known.with(Option::is_none);
    let change = move |_| field.edit();
    view! {
        <When when=ask fallback=move || view! {
            <div class="field known-value" data-testid=format!("{}-known", field.id)>
                <p>
                    <span class="known-label">"Object ID "</span>
                    <code>{move || field.known.get().map(|o| o.to_string()).unwrap_or_default()}</code>
                    " "
                    <button type="button" class="button small subtle" aria-label="Change the Object ID" on:click=change>"Change"</button>
                </p>
                <p class="field-hint">"The app registration's Object ID, which Xops learned when it last changed the app registration."</p>
            </div>
        }>
            <TextField id=field.id label="Object ID" value=field.value error=field.error hint=format!("{why} {WHERE}")
                on_blur=Callback::new(move |_| { field.check(); })/>
        </When>
    }
}
