//! Every path of the store's API (under [`API_PREFIX`](crate::api::API_PREFIX)), in one place: the
//! store's route table is made of these patterns, and the app and the sign-in page make their
//! requests with them. A path with parameters is a pattern (`{id}`) for the router and a function
//! for a client, which fills the parameters in, in order.

use std::fmt::Display;

pub const HEALTHZ: &str = "/healthz";
pub const PLATFORM: &str = "/platform";
pub const OPENAPI: &str = "/openapi.json";

pub const SIGNUP: &str = "/auth/signup";
pub const LOGIN: &str = "/auth/login";
pub const LOGOUT: &str = "/auth/logout";
pub const ME: &str = "/me";
/// Who is signed in, if anyone (200 either way).
pub const SESSION: &str = "/session";
/// What an invitation link offers.
pub const INVITATION_PREVIEW: &str = "/auth/invitation";
pub const JOIN: &str = "/auth/join";
/// Whose password a reset link sets.
pub const RESET_LINK_PREVIEW: &str = "/auth/reset-link";
pub const RESET: &str = "/auth/reset";
pub const PASSKEY_SIGN_IN_OPTIONS: &str = "/auth/passkey/options";
pub const PASSKEY_SIGN_IN: &str = "/auth/passkey";

pub const RECORDS: &str = "/records";
pub const RECORD: &str = "/records/{id}";

pub const VERIFY: &str = "/integrations/{id}/verify";
pub const APP_KEYS: &str = "/integrations/{id}/keys";
pub const APP_KEY_REMOVE: &str = "/integrations/{id}/keys/{key_id}/remove";

pub const MEMBERS: &str = "/members";
pub const MEMBER: &str = "/members/{id}";
pub const MEMBER_ROLE: &str = "/members/{id}/role";
pub const MEMBER_RESET_LINK: &str = "/members/{id}/reset-link";
pub const INVITATIONS: &str = "/invitations";
pub const INVITATION: &str = "/invitations/{id}";
pub const ACTIVITY: &str = "/activity";

pub const SESSIONS: &str = "/sessions";
pub const SESSION_ONE: &str = "/sessions/{id}";
pub const SESSIONS_END_OTHERS: &str = "/sessions/end-others";

pub const PASSKEYS: &str = "/passkeys";
pub const PASSKEY_OPTIONS: &str = "/passkeys/options";
pub const PASSKEY: &str = "/passkeys/{id}";
pub const PASSKEY_POLICY: &str = "/organization/passkeys";

pub const TICKETS: &str = "/tickets";
pub const ACCOUNT_TICKETS: &str = "/accounts/{id}/tickets";
/// For services (a bearer token), not people.
pub const SERVICE_TICKET: &str = "/service/accounts/{id}/ticket";

/// Every path above, for the tests that hold the store's route table and its OpenAPI document to
/// them.
pub const ALL: [&str; 36] = [
    HEALTHZ,
    PLATFORM,
    OPENAPI,
    SIGNUP,
    LOGIN,
    LOGOUT,
    ME,
    SESSION,
    INVITATION_PREVIEW,
    JOIN,
    RESET_LINK_PREVIEW,
    RESET,
    PASSKEY_SIGN_IN_OPTIONS,
    PASSKEY_SIGN_IN,
    RECORDS,
    RECORD,
    VERIFY,
    APP_KEYS,
    APP_KEY_REMOVE,
    MEMBERS,
    MEMBER,
    MEMBER_ROLE,
    MEMBER_RESET_LINK,
    INVITATIONS,
    INVITATION,
    ACTIVITY,
    SESSIONS,
    SESSION_ONE,
    SESSIONS_END_OTHERS,
    PASSKEYS,
    PASSKEY_OPTIONS,
    PASSKEY,
    PASSKEY_POLICY,
    TICKETS,
    ACCOUNT_TICKETS,
    SERVICE_TICKET,
];

/// `pattern` with its `{…}` segments replaced by `values`, in order.
pub fn fill(pattern: &str, values: &[&dyn Display]) -> String {
    let mut values = values.iter();
    pattern
        .split('/')
        .map(|segment| match segment.starts_with('{').then(|| values.next()).flatten() {
            Some(value) => value.to_string(),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `GET /records?since=…&limit=…`: the organization's changes after revision `since`.
pub fn records_since(since: i64, limit: usize) -> String {
    format!("{RECORDS}?since={since}&limit={limit}")
}

pub fn record(id: &impl Display) -> String {
    fill(RECORD, &[id])
}

pub fn verify(account: &impl Display) -> String {
    fill(VERIFY, &[account])
}

pub fn app_keys(account: &impl Display) -> String {
    fill(APP_KEYS, &[account])
}

pub fn app_key_remove(account: &impl Display, key_id: &impl Display) -> String {
    fill(APP_KEY_REMOVE, &[account, key_id])
}

pub fn member(id: &impl Display) -> String {
    fill(MEMBER, &[id])
}

pub fn member_role(id: &impl Display) -> String {
    fill(MEMBER_ROLE, &[id])
}

pub fn member_reset_link(id: &impl Display) -> String {
    fill(MEMBER_RESET_LINK, &[id])
}

pub fn invitation(id: &impl Display) -> String {
    fill(INVITATION, &[id])
}

pub fn session(id: &impl Display) -> String {
    fill(SESSION_ONE, &[id])
}

pub fn passkey(id: &impl Display) -> String {
    fill(PASSKEY, &[id])
}

pub fn account_tickets(account: &impl Display) -> String {
    fill(ACCOUNT_TICKETS, &[account])
}

pub fn service_ticket(account: &impl Display) -> String {
    fill(SERVICE_TICKET, &[account])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_in_order_and_nothing_else_changes() {
        assert_eq!(app_key_remove(&"acc", &"k-1"), "/integrations/acc/keys/k-1/remove");
        assert_eq!(member_role(&7), "/members/7/role");
        assert_eq!(fill(ME, &[]), "/me");
        assert_eq!(fill(RECORD, &[]), "/records/{id}", "a missing value leaves the pattern");
        assert_eq!(records_since(42, 1000), "/records?since=42&limit=1000");
    }

    /// Each client function fills exactly the parameters of its pattern: the same segments, a
    /// value where the pattern has `{…}`.
    #[test]
    fn every_function_has_the_shape_of_its_pattern() {
        fn shape(path: &str) -> Vec<&str> {
            path.split('/').map(|s| if s == "X" || s.starts_with('{') { "*" } else { s }).collect()
        }
        for (filled, pattern) in [
            (record(&"X"), RECORD),
            (verify(&"X"), VERIFY),
            (app_keys(&"X"), APP_KEYS),
            (app_key_remove(&"X", &"X"), APP_KEY_REMOVE),
            (member(&"X"), MEMBER),
            (member_role(&"X"), MEMBER_ROLE),
            (member_reset_link(&"X"), MEMBER_RESET_LINK),
            (invitation(&"X"), INVITATION),
            (session(&"X"), SESSION_ONE),
            (passkey(&"X"), PASSKEY),
            (account_tickets(&"X"), ACCOUNT_TICKETS),
            (service_ticket(&"X"), SERVICE_TICKET),
        ] {
            assert_eq!(shape(&filled), shape(pattern), "{filled} against {pattern}");
            assert!(!filled.contains('{'), "{filled}");
        }
    }
}
