//! A page's form at work: taking over (or writing) its markup, the checks beside each field as
//! the person leaves it, and sending it. The words and markup are `page.rs`'s.

use crate::api;
use crate::dom::{by_id, focus, input_value, on, set_hidden, set_text};
use crate::page::{link_token, Page, Words};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::Element;
use xops_model::paths;
use xops_web::{landing_path, pointer, remember, routes, ApiClientError};

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
        root.set_inner_html(&page.markup());
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
    if let Some(button) = by_id(root, "passkey") {
        if xops_web::passkey::supported() {
            let this = form.clone();
            on(&button, "click", move |_| this.sign_in_with_passkey());
        } else {
            // Nothing to offer a browser that cannot: the password form stays.
            set_hidden(&button, true);
        }
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
        let body = match self.0.page.body(&self.0.root) {
            Ok(body) => body,
            Err(e) => {
                return self
                    .alert(Some(&format!("This page could not write the form to send ({e}). Reload the page and try again.")))
            }
        };
        self.set_pending(true);
        let this = self.clone();
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

    /// "Sign in with a passkey": the store's options, the browser's passkey prompt (the person
    /// picks one of the passkeys their authenticator holds for this site; nothing is typed), and
    /// the store's check. Every failure is said above the form, which stays as it was.
    fn sign_in_with_passkey(&self) {
        if self.0.pending.get() {
            return;
        }
        self.alert(None);
        let Some(button) = by_id(&self.0.root, "passkey") else { return };
        self.0.pending.set(true);
        set_text(&button, "Waiting for your passkey…");
        let _ = button.set_attribute("disabled", "");
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = async {
                let base = api::api_base().await.map_err(|e| e.to_string())?;
                let options = api::passkey_options(&base).await.map_err(|e| e.to_string())?;
                let credential = xops_web::passkey::get(&options).await.map_err(|e| e.to_string())?;
                // The browser's own JSON, sent as it is (the store reads it as `PasskeySignIn`).
                let body = format!(r#"{{"credential":{credential}}}"#);
                api::enter(&base, paths::PASSKEY_SIGN_IN, body).await.map_err(|e| e.to_string())
            }
            .await;
            match result {
                Ok(me) => {
                    remember(Some(&me));
                    (this.0.leave)(&landing_path(&me, this.0.next.clone()));
                }
                Err(message) => {
                    this.alert(Some(&message));
                    set_text(&button, "Sign in with a passkey");
                    let _ = button.remove_attribute("disabled");
                    this.0.pending.set(false);
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

    /// Join and Reset: says what the link is for (who invited the person to which organization;
    /// whose password it sets) and fills in their address, or says plainly that the link cannot
    /// be used (and why) above the form.
    pub async fn show_link(&self) {
        let root = &self.0.root;
        if let Some(email) = by_id(root, "email") {
            let _ = email.set_attribute("readonly", "");
        }
        let token = link_token();
        if token.is_empty() {
            let what = if self.0.page == Page::Reset { "reset code" } else { "invitation code" };
            return self
                .alert(Some(&format!("This link is missing its {what} (the part after #). Open the whole link you were sent.")));
        }
        let base = match api::api_base().await {
            Ok(base) => base,
            Err(e) => return self.alert(Some(&e.to_string())),
        };
        let shown = match self.0.page {
            Page::Reset => api::reset_preview(&base, &token).await.map(|r| {
                let lead = format!(
                    "Choose a new password for {} in {}. Your sessions on other browsers end when you set it.",
                    r.email, r.organization
                );
                (lead, r.email)
            }),
            _ => api::invitation(&base, &token).await.map(|invited| {
                let lead = format!(
                    "{} invited you to join {} on Xops as {} {}. Choose a password to create your account.",
                    invited.invited_by,
                    invited.organization,
                    if invited.role == xops_model::Role::Admin { "an" } else { "a" },
                    invited.role.as_str()
                );
                (lead, invited.email)
            }),
        };
        match shown {
            Ok((lead, email)) => {
                if let Some(el) = root.query_selector(".lead").ok().flatten() {
                    set_text(&el, &lead);
                }
                if let Some(input) = by_id(root, "email").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    input.set_value(&email);
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
