//! Every page's path, in one place. The app's router (`src/app.rs`) and the sign-in page match
//! these paths; links, redirects and the pages that navigate use these names instead of repeating
//! the strings. Sign in and Create account belong to the sign-in page (`crates/signin`): the app
//! reaches them, and they reach the app, only by a full page load (`is_public`).

use xops_model::RecordId;

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const SIGNUP: &str = "/signup";
/// Joining an organization through an invitation link (`/join#TOKEN`); the sign-in page's.
pub const JOIN: &str = "/join";
/// Setting a new password through a reset link (`/reset#TOKEN`); the sign-in page's.
pub const RESET: &str = "/reset";
/// The person's own sign-in: their sessions.
pub const SECURITY: &str = "/security";
/// The first-login picker: which cloud to link first.
pub const WELCOME: &str = "/welcome";
pub const INTEGRATIONS: &str = "/integrations";
pub const LINK_AWS: &str = "/integrations/aws/new";
pub const LINK_AZURE: &str = "/integrations/azure/new";
pub const LINK_MICROSOFT_365: &str = "/integrations/microsoft/m365/new";
/// Who is in the organization, their roles, and invitations.
pub const MEMBERS: &str = "/members";
/// Who changed what, newest first.
pub const ACTIVITY: &str = "/activity";

/// The Activity page showing one account's entries.
pub fn account_activity(id: &RecordId) -> String {
    format!("{ACTIVITY}?account={id}")
}

/// One linked account's page.
pub fn account(id: &RecordId) -> String {
    format!("{INTEGRATIONS}/{id}")
}

/// An account's page right after Connect (it offers Test connection).
pub fn account_just_linked(id: &RecordId) -> String {
    format!("{INTEGRATIONS}/{id}?linked=1")
}

/// The pages anyone may open; every other page needs a signed-in person.
pub fn is_public(path: &str) -> bool {
    matches!(path, LOGIN | SIGNUP | JOIN | RESET)
}

/// `path`, carrying the `next` page on (Sign in ⇄ Create account keep where the person was headed).
pub fn with_next(path: &str, next: Option<String>) -> String {
    match next {
        Some(n) => format!("{path}?next={}", String::from(js_sys::encode_uri_component(&n))),
        None => path.to_string(),
    }
}
