//! The two forms: their markup (the app's classes and structure, so they look the same), the
//! checks beside each field, and sending them.

use crate::api;
use crate::dom::{by_id, focus, input_value, on, set_hidden, set_text};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::Element;
use xops_model::team::JoinRequest;
use xops_model::{Email, FieldError, LoginRequest, NewPassword, OrganizationName, SignupRequest};
use xops_web::{landing_path, pointer, remember, routes, ApiClientError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    CreateAccount,
    /// Joining an organization through an invitation link (`/join#TOKEN`).
    Join,
}

struct Field {
    id: &'static str,
    label: &'static str,
    input_type: &'static str,
    autocomplete: &'static str,
    hint: Option<&'static str>,
}

const ORGANIZATION: Field =
    Field { id: "organization", label: "Organization name", input_type: "text", autocomplete: "organization", hint: None };
const EMAIL: Field = Field { id: "email", label: "Email", input_type: "email", autocomplete: "email", hint: None };
/// The invited address: shown, not typed (the invitation names it).
const INVITED_EMAIL: Field = Field {
    id: "email",
    label: "Email",
    input_type: "email",
    autocomplete: "username",
    hint: Some("The address you were invited with."),
};
const PASSWORD: Field =
    Field { id: "password", label: "Password", input_type: "password", autocomplete: "current-password", hint: None };
const NEW_PASSWORD: Field = Field {
    id: "password",
    label: "Password",
    input_type: "password",
    autocomplete: "new-password",
    hint: Some("At least 12 characters. A few unrelated words make a strong one."),
};

/// The words of each page (the product's own).
struct Words {
    title: &'static str,
    lead: &'static str,
    fields: &'static [Field],
    submit: &'static str,
    pending: &'static str,
    switch_text: &'static str,
    switch_link: &'static str,
    switch_to: &'static str,
    endpoint: &'static str,
}

impl Page {
    fn words(self) -> Words {
        match self {
            Page::SignIn => Words {
                title: "Sign in",
                lead: "Access the platform and sign in using your credentials.",
                fields: &[EMAIL, PASSWORD],
                submit: "Sign in",
                pending: "Signing in…",
                switch_text: "New to Xops? ",
                switch_link: "Create an account",
                switch_to: routes::SIGNUP,
                endpoint: "/auth/login",
            },
            Page::CreateAccount => Words {
                title: "Create your account",
                lead: "Set up your organization in Xops, then link your first cloud account.",
                fields: &[ORGANIZATION, EMAIL, NEW_PASSWORD],
                submit: "Create account",
                pending: "Creating your account…",
                switch_text: "Already have an account? ",
                switch_link: "Sign in",
                switch_to: routes::LOGIN,
                endpoint: "/auth/signup",
            },
            Page::Join => Words {
                title: "Join your team on Xops",
                lead: "You were invited to an organization on Xops. Choose a password to create your account and join it.",
                fields: &[INVITED_EMAIL, NEW_PASSWORD],
                submit: "Join",
                pending: "Joining…",
                switch_text: "Already have an account? ",
                switch_link: "Sign in",
                switch_to: routes::LOGIN,
                endpoint: "/auth/join",
            },
        }
    }

    /// What is wrong with one field, by the same rules the store applies (`None`: nothing).
    fn check(self, root: &Element, id: &str) -> Option<String> {
        let message = |r: Result<(), FieldError>| r.err().map(|e| e.message);
        let value = input_value(root, id);
        match (self, id) {
            // The invitation names the address; the store says if it is unusable.
            (Page::Join, "email") => None,
            (_, "email") => message(Email::parse(&value).map(drop)),
            (Page::SignIn, "password") => value.is_empty().then(|| "Enter your password.".to_string()),
            (Page::CreateAccount | Page::Join, "password") => {
                message(NewPassword::parse_for(&value, &input_value(root, "email")).map(drop))
            }
            (_, "organization") => message(OrganizationName::parse(&value).map(drop)),
            _ => None,
        }
    }

    /// The request body, as typed (the store checks it again and says what is wrong).
    fn body(self, root: &Element) -> String {
        let (email, password) = (input_value(root, "email"), input_value(root, "password"));
        let json = match self {
            Page::SignIn => serde_json::to_string(&LoginRequest { email, password }),
            Page::CreateAccount => {
                serde_json::to_string(&SignupRequest { organization: input_value(root, "organization"), email, password })
            }
            Page::Join => serde_json::to_string(&JoinRequest { token: invitation_token(), password }),
        };
        json.unwrap_or_default()
    }
}

impl Page {
    pub const ALL: [Page; 3] = [Page::SignIn, Page::CreateAccount, Page::Join];

    /// The page's address.
    pub fn path(self) -> &'static str {
        match self {
            Page::SignIn => routes::LOGIN,
            Page::CreateAccount => routes::SIGNUP,
            Page::Join => routes::JOIN,
        }
    }

    /// The page's markup, as [`mount`] shows it. The build also writes it into index.html (a
    /// `<template>` per page, `xops-signin-pages`), so the form is on screen as soon as the
    /// stylesheet is, while this module is still downloading; [`mount`] then takes it over.
    pub fn markup(self) -> String {
        markup(self, &self.words())
    }
}

/// The markup: only the fixed words above, never anything typed or taken from the address (the
/// `next` page goes in through `set_attribute`), so it is safe as HTML.
fn markup(page: Page, words: &Words) -> String {
    let mut fields = String::new();
    for f in words.fields {
        let hint = f.hint.map(|h| format!(r#"<p class="field-hint" id="{}-hint">{h}</p>"#, f.id)).unwrap_or_default();
        let described = if f.hint.is_some() { format!(r#" aria-describedby="{}-hint""#, f.id) } else { String::new() };
        fields += &format!(
            r#"<div class="field"><label for="{id}">{label}</label>{hint}<input id="{id}" name="{id}" type="{ty}" autocomplete="{ac}" aria-invalid="false"{described}><p class="field-error" id="{id}-error" hidden></p></div>"#,
            id = f.id,
            label = f.label,
            ty = f.input_type,
            ac = f.autocomplete,
        );
    }
    format!(
        r#"<div class="auth-page"><div class="auth-brand"><svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="7"></rect><path d="M9 9l14 14M23 9L9 23"></path></svg><span>Xops</span></div><div class="auth-card"><h1 class="page-title">{title}</h1><p class="lead">{lead}</p><form class="form" method="post" novalidate data-page="{path}"><div class="form-alert" role="alert" hidden></div>{fields}<button class="button primary wide" type="submit">{submit}</button></form><p class="auth-switch">{switch_text}<a id="switch" href="{switch_to}">{switch_link}</a></p></div></div>"#,
        title = words.title,
        lead = words.lead,
        submit = words.submit,
        switch_text = words.switch_text,
        switch_link = words.switch_link,
        switch_to = words.switch_to,
        path = page.path(),
    )
}

/// The invitation token: the address's fragment (`/join#TOKEN`), which no server ever sees.
pub fn invitation_token() -> String {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    hash.trim_start_matches('#').to_string()
}

/// A mounted form. Cheap to clone.
#[derive(Clone)]
pub struct Form(Rc<Inner>);

struct Inner {
    page: Page,
    root: Element,
    next: Option<String>,
    leave: fn(&str),
    pending: Cell<bool>,
}

/// Shows `page` in `root`. `next` is the page of the app to open after signing in (already
/// checked with `safe_next`); `leave` opens a page of the app (a full page load; tests record it).
///
/// When `root` already holds this page's form (written by index.html before this module had
/// loaded), it takes that form over as it is: what the person typed stays, and a press of the
/// button that came before this module (the page's script holds it back and marks the form
/// `data-submitted`) is sent now.
pub fn mount(root: &Element, page: Page, next: Option<String>, leave: fn(&str)) -> Form {
    let words = page.words();
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{} · Xops Integrations", words.title));
    }
    let present = root.query_selector("form[data-page]").ok().flatten();
    if present.and_then(|f| f.get_attribute("data-page")).as_deref() != Some(page.path()) {
        root.set_inner_html(&markup(page, &words));
    }
    if let Some(switch) = by_id(root, "switch") {
        let _ = switch.set_attribute("href", &routes::with_next(words.switch_to, next.clone()));
    }
    // Listening from the start: the press that takes focus away comes before the blur.
    pointer::track_pointer();
    let form = Form(Rc::new(Inner { page, root: root.clone(), next, leave, pending: Cell::new(false) }));
    for f in words.fields {
        let Some(input) = by_id(root, f.id) else { continue };
        let id = f.id;
        // Checked when the person leaves a field they typed in (after a click that took them away
        // has happened, so a message never moves the button under their pointer) ...
        let this = form.clone();
        on(&input, "blur", move |_| {
            if !input_value(&this.0.root, id).is_empty() {
                let this = this.clone();
                pointer::when_pointer_is_up(move || {
                    this.check(id);
                });
            }
        });
        // ... and again as they type while a message shows, so it goes once the value is right.
        let this = form.clone();
        on(&input, "input", move |_| {
            if this.showing_error(id) {
                this.check(id);
            }
        });
    }
    if let Some(el) = root.query_selector("form").ok().flatten() {
        let this = form.clone();
        on(&el, "submit", move |ev| {
            ev.prevent_default();
            this.submit();
        });
        if el.has_attribute("data-submitted") {
            let _ = el.remove_attribute("data-submitted");
            form.submit();
        }
    }
    form
}

impl Form {
    fn words(&self) -> Words {
        self.0.page.words()
    }

    /// Checks one field and shows or clears its message; true when it is right.
    fn check(&self, id: &str) -> bool {
        let problem = self.0.page.check(&self.0.root, id);
        let ok = problem.is_none();
        self.show_error(id, problem.as_deref());
        ok
    }

    fn showing_error(&self, id: &str) -> bool {
        by_id(&self.0.root, &format!("{id}-error")).is_some_and(|e| !e.has_attribute("hidden"))
    }

    /// The message beside a field, tied to its input (aria-describedby, aria-invalid) so screen
    /// readers announce it with the field.
    fn show_error(&self, id: &str, message: Option<&str>) {
        let root = &self.0.root;
        let (Some(input), Some(error)) = (by_id(root, id), by_id(root, &format!("{id}-error"))) else { return };
        set_text(&error, message.unwrap_or_default());
        set_hidden(&error, message.is_none());
        let _ = input.set_attribute("aria-invalid", if message.is_some() { "true" } else { "false" });
        let has_hint = self.words().fields.iter().any(|f| f.id == id && f.hint.is_some());
        let described: Vec<String> =
            [has_hint.then(|| format!("{id}-hint")), message.map(|_| format!("{id}-error"))].into_iter().flatten().collect();
        let _ = match described.is_empty() {
            true => input.remove_attribute("aria-describedby"),
            false => input.set_attribute("aria-describedby", &described.join(" ")),
        };
        if let Some(field) = input.parent_element() {
            let _ = field.class_list().toggle_with_force("field-invalid", message.is_some());
        }
    }

    /// The message above the form, for problems that belong to no one field.
    fn alert(&self, message: Option<&str>) {
        if let Some(alert) = self.0.root.query_selector(".form-alert").ok().flatten() {
            set_text(&alert, message.unwrap_or_default());
            set_hidden(&alert, message.is_none());
        }
    }

    fn set_pending(&self, pending: bool) {
        self.0.pending.set(pending);
        let words = self.words();
        if let Some(button) = self.0.root.query_selector("button[type='submit']").ok().flatten() {
            set_text(&button, if pending { words.pending } else { words.submit });
            let _ = match pending {
                true => button.set_attribute("disabled", ""),
                false => button.remove_attribute("disabled"),
            };
        }
    }

    /// Checks every field (each message beside its field, focus on the first wrong one), then
    /// sends the form once.
    fn submit(&self) {
        self.alert(None);
        let words = self.words();
        let wrong: Vec<&str> = words.fields.iter().map(|f| f.id).filter(|id| !self.check(id)).collect();
        if let Some(first) = wrong.first() {
            focus(&self.0.root, first);
            return;
        }
        if self.0.pending.get() {
            return;
        }
        self.set_pending(true);
        let this = self.clone();
        let body = self.0.page.body(&self.0.root);
        wasm_bindgen_futures::spawn_local(async move {
            let base = match api::api_base().await {
                Ok(base) => base,
                Err(e) => {
                    this.alert(Some(&e.to_string()));
                    return this.set_pending(false);
                }
            };
            match api::enter(&base, words.endpoint, body).await {
                // The button stays "Signing in…" until the app's page has loaded.
                Ok(me) => {
                    remember(Some(&me));
                    (this.0.leave)(&landing_path(&me, this.0.next.clone()));
                }
                Err(e) => {
                    this.failed(e);
                    this.set_pending(false);
                }
            }
        });
    }

    /// A problem with one field goes beside that field; anything else above the form.
    fn failed(&self, e: ApiClientError) {
        let field = e.field().filter(|f| self.words().fields.iter().any(|x| x.id == *f)).map(str::to_string);
        match field {
            Some(id) => {
                self.show_error(&id, Some(&e.to_string()));
                focus(&self.0.root, &id);
            }
            None => self.alert(Some(&e.to_string())),
        }
    }

    /// Join: says who invited the person to which organization and fills in their address, or
    /// says plainly that the link cannot be used (and why) above the form.
    pub async fn show_invitation(&self) {
        let root = &self.0.root;
        if let Some(email) = by_id(root, "email") {
            let _ = email.set_attribute("readonly", "");
        }
        let token = invitation_token();
        if token.is_empty() {
            return self
                .alert(Some("This link is missing its invitation code (the part after #). Open the whole link you were sent."));
        }
        let base = match api::api_base().await {
            Ok(base) => base,
            Err(e) => return self.alert(Some(&e.to_string())),
        };
        match api::invitation(&base, &token).await {
            Ok(invited) => {
                if let Some(lead) = root.query_selector(".lead").ok().flatten() {
                    set_text(
                        &lead,
                        &format!(
                            "{} invited you to join {} on Xops as {} {}. Choose a password to create your account.",
                            invited.invited_by,
                            invited.organization,
                            if invited.role == xops_model::Role::Admin { "an" } else { "a" },
                            invited.role.as_str()
                        ),
                    );
                }
                if let Some(input) = by_id(root, "email").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    input.set_value(&invited.email);
                }
                focus(root, "password");
            }
            Err(e) => self.alert(Some(&e.to_string())),
        }
    }

    /// A person who is already signed in and opens this page goes on at once; a broken settings
    /// file is said above the form (the person can do nothing here until it is fixed).
    pub async fn skip_if_signed_in(&self) {
        let base = match api::api_base().await {
            Ok(base) => base,
            Err(e) => return self.alert(Some(&e.to_string())),
        };
        if let Ok(Some(me)) = api::session(&base).await {
            (self.0.leave)(&landing_path(&me, self.0.next.clone()));
        }
    }
}
