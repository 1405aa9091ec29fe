//! The sign-in module's pages: their words (the product's own), fields and markup (the app's
//! classes and structure, so they look the same), the checks beside each field, and the body each
//! sends.

use crate::dom::input_value;
use web_sys::Element;
use xops_model::security::ResetRequest;
use xops_model::team::JoinRequest;
use xops_model::{paths, Email, FieldError, LoginRequest, NewPassword, OrganizationName, SignupRequest};
use xops_web::routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    CreateAccount,
    /// Joining an organization through an invitation link (`/join#TOKEN`).
    Join,
    /// Setting a new password through a reset link (`/reset#TOKEN`).
    Reset,
}

pub(crate) struct Field {
    pub(crate) id: &'static str,
    pub(crate) label: &'static str,
    pub(crate) input_type: &'static str,
    pub(crate) autocomplete: &'static str,
    pub(crate) hint: Option<&'static str>,
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
/// The address whose password a reset link sets: shown, not typed.
const RESET_EMAIL: Field = Field {
    id: "email",
    label: "Email",
    input_type: "email",
    autocomplete: "username",
    hint: Some("The account this link sets a new password for."),
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
pub(crate) struct Words {
    pub(crate) title: &'static str,
    pub(crate) lead: &'static str,
    pub(crate) fields: &'static [Field],
    pub(crate) submit: &'static str,
    pub(crate) pending: &'static str,
    pub(crate) switch_text: &'static str,
    pub(crate) switch_link: &'static str,
    pub(crate) switch_to: &'static str,
    pub(crate) endpoint: &'static str,
    /// A disclosure under the form: its summary and text.
    pub(crate) help: Option<(&'static str, &'static str)>,
    /// A second way in under the form's button: "Sign in with a passkey".
    pub(crate) passkey: bool,
}

/// Who can help a person who forgot their password (there is no email to send a link to).
const FORGOT: (&str, &str) = (
    "Forgot password?",
    "Ask an owner or admin of your organization on Xops: on the Members page they can make you a one-time link that sets a new password. If you are the only owner, ask whoever runs Xops for your company.",
);

impl Page {
    pub(crate) fn words(self) -> Words {
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
                endpoint: paths::LOGIN,
                help: Some(FORGOT),
                passkey: true,
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
                endpoint: paths::SIGNUP,
                help: None,
                passkey: false,
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
                endpoint: paths::JOIN,
                help: None,
                passkey: false,
            },
            Page::Reset => Words {
                title: "Choose a new password",
                lead: "Set a new password for your Xops account. Every session of yours on other browsers ends when you do.",
                fields: &[RESET_EMAIL, NEW_PASSWORD],
                submit: "Set new password",
                pending: "Setting your password…",
                switch_text: "Remembered it? ",
                switch_link: "Sign in",
                switch_to: routes::LOGIN,
                endpoint: paths::RESET,
                help: None,
                passkey: false,
            },
        }
    }

    /// What is wrong with one field, by the same rules the store applies (`None`: nothing).
    pub(crate) fn check(self, root: &Element, id: &str) -> Option<String> {
        let message = |r: Result<(), FieldError>| r.err().map(|e| e.message);
        let value = input_value(root, id);
        match (self, id) {
            // The invitation names the address; the store says if it is unusable.
            (Page::Join | Page::Reset, "email") => None,
            (_, "email") => message(Email::parse(&value).map(drop)),
            (Page::SignIn, "password") => value.is_empty().then(|| "Enter your password.".to_string()),
            (Page::CreateAccount | Page::Join | Page::Reset, "password") => {
                message(NewPassword::parse_for(&value, &input_value(root, "email")).map(drop))
            }
            (_, "organization") => message(OrganizationName::parse(&value).map(drop)),
            _ => None,
        }
    }

    /// The request body, as typed (the store checks it again and says what is wrong).
    pub(crate) fn body(self, root: &Element) -> Result<String, serde_json::Error> {
        let (email, password) = (input_value(root, "email"), input_value(root, "password"));
        match self {
            Page::SignIn => serde_json::to_string(&LoginRequest { email, password }),
            Page::CreateAccount => {
                serde_json::to_string(&SignupRequest { organization: input_value(root, "organization"), email, password })
            }
            Page::Join => serde_json::to_string(&JoinRequest { token: link_token(), password }),
            Page::Reset => serde_json::to_string(&ResetRequest { token: link_token(), password }),
        }
    }
}

impl Page {
    pub const ALL: [Page; 4] = [Page::SignIn, Page::CreateAccount, Page::Join, Page::Reset];

    /// The page's address.
    pub fn path(self) -> &'static str {
        match self {
            Page::SignIn => routes::LOGIN,
            Page::CreateAccount => routes::SIGNUP,
            Page::Join => routes::JOIN,
            Page::Reset => routes::RESET,
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
        r#"<div class="auth-page"><div class="auth-brand"><svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="7"></rect><path d="M9 9l14 14M23 9L9 23"></path></svg><span>Xops</span></div><div class="auth-card"><h1 class="page-title">{title}</h1><p class="lead">{lead}</p><form class="form" method="post" novalidate data-page="{path}"><div class="form-alert" role="alert" hidden></div>{fields}<button class="button primary wide" type="submit">{submit}</button></form>{passkey}<p class="auth-switch">{switch_text}<a id="switch" href="{switch_to}">{switch_link}</a></p>{help}</div></div>"#,
        title = words.title,
        lead = words.lead,
        submit = words.submit,
        switch_text = words.switch_text,
        switch_link = words.switch_link,
        switch_to = words.switch_to,
        path = page.path(),
        passkey = if words.passkey {
            r#"<div class="auth-or"><button class="button wide" type="button" id="passkey">Sign in with a passkey</button></div>"#
        } else {
            ""
        },
        help = words
            .help
            .map(|(summary, text)| format!(r#"<details class="auth-help"><summary>{summary}</summary><p>{text}</p></details>"#))
            .unwrap_or_default(),
    )
}

/// A link's token (an invitation's, a reset link's): the address's fragment (`/join#TOKEN`,
/// `/reset#TOKEN`), which no server ever sees.
pub fn link_token() -> String {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    hash.trim_start_matches('#').to_string()
}
