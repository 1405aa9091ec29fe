//! Sign-in tickets signed ahead: client assertions a browser holding an account's key signs for
//! the 10-minute windows to come, so Xops's scanners can sign in to the account while nobody has
//! Xops open. Each ticket works once, only inside its own window (`nbf` .. `nbf` + 10 minutes).
//! The browser and the store share the window arithmetic and the claims here; the store keeps the
//! tickets sealed and hands out the current one to a service (see the store's `tickets`).

use crate::ids::{ApplicationId, RecordId, TenantId};
use serde::{Deserialize, Serialize};

/// A ticket's window: ten minutes, back to back from the Unix epoch.
pub const WINDOW_SECS: i64 = 600;

/// At most this many tickets go up in one request: about 1 KB each with a 4096-bit key, so a
/// batch stays under the API's 64 KiB body limit.
pub const MAX_BATCH: usize = 50;

/// The start of the window `secs` (seconds since the epoch) lies in.
pub fn window_start(secs: i64) -> i64 {
    secs - secs.rem_euclid(WINDOW_SECS)
}

/// How far ahead an account's tickets are signed: the account's choice, owners and admins set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TicketPolicy {
    /// No tickets: Xops can use the account only while someone has it open.
    Off,
    /// 144 tickets (the default for a new link).
    #[default]
    #[serde(rename = "24h")]
    Day,
    /// 1,008 tickets.
    #[serde(rename = "7d")]
    Week,
}

impl TicketPolicy {
    pub const ALL: [TicketPolicy; 3] = [TicketPolicy::Off, TicketPolicy::Day, TicketPolicy::Week];

    /// How many windows ahead, the current one included.
    pub fn windows(self) -> i64 {
        match self {
            TicketPolicy::Off => 0,
            TicketPolicy::Day => 24 * 6,
            TicketPolicy::Week => 7 * 24 * 6,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketPolicy::Off => "Off",
            TicketPolicy::Day => "24 hours",
            TicketPolicy::Week => "7 days",
        }
    }

    pub fn value(self) -> &'static str {
        match self {
            TicketPolicy::Off => "off",
            TicketPolicy::Day => "24h",
            TicketPolicy::Week => "7d",
        }
    }

    pub fn parse(s: &str) -> Option<TicketPolicy> {
        TicketPolicy::ALL.into_iter().find(|p| p.value() == s)
    }

    pub fn is_default(&self) -> bool {
        *self == TicketPolicy::default()
    }
}

/// The tenant's token endpoint: a ticket's audience, and where a scanner presents it.
pub fn token_endpoint(authority: &str, tenant: &TenantId) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", authority.trim_end_matches('/'))
}

/// A ticket's claims before signing: the client assertion of `application` for the window that
/// starts at `nbf`, ending ten minutes later; `iat` is when it was signed.
pub fn claims(
    authority: &str,
    tenant: &TenantId,
    application: &ApplicationId,
    jti: &str,
    nbf: i64,
    iat: i64,
) -> serde_json::Value {
    serde_json::json!({
        "aud": token_endpoint(authority, tenant),
        "iss": application.as_str(),
        "sub": application.as_str(),
        "jti": jti,
        "nbf": nbf,
        "iat": iat.min(nbf),
        "exp": nbf + WINDOW_SECS,
    })
}

/// The windows a browser should sign now: from the first one the store does not cover yet, up to
/// the policy's horizon from the current window.
pub fn windows_to_sign(policy: TicketPolicy, now_secs: i64, covered_until_secs: i64) -> impl Iterator<Item = i64> {
    let current = window_start(now_secs);
    let end = current + policy.windows() * WINDOW_SECS;
    let from = covered_until_secs.max(current);
    (0..).map(move |i| from + i * WINDOW_SECS).take_while(move |w| *w < end)
}

/// `POST /api/v1/accounts/{id}/tickets`: tickets this browser signed (compact JWTs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketBatch {
    pub tickets: Vec<String>,
}

/// What the store answers an upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketsKept {
    /// Tickets kept (one for a window that was already taken is not: a window has one ticket, ever).
    pub kept: usize,
    pub coverage: TicketCoverage,
}

/// How far ahead Xops can use one account (`GET /api/v1/tickets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketCoverage {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub account_id: RecordId,
    /// The end of the furthest ticket kept (the horizon), in milliseconds since the epoch, or the
    /// current window's start once that has passed. A browser signs from here on: a window before
    /// it without a ticket was taken, and never gets another.
    pub covered_until: i64,
    /// Tickets kept for the account, from now on.
    pub tickets: i64,
    /// The browser whose key signed the latest of them (the certificate's `key_held_by`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
}

/// `GET /api/v1/tickets`: every account of the organization that has tickets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketCoverages {
    /// Whether this deployment keeps tickets at all (the operator gave the store a secrets key).
    pub kept: bool,
    pub accounts: Vec<TicketCoverage>,
}

/// `POST /api/v1/service/accounts/{id}/ticket`: the ticket for the current window, taken (it is
/// gone from the store once answered). Present it to `token_endpoint` as a client credentials
/// grant: `client_id`, `client_assertion_type`, `client_assertion` = `assertion`, `scope`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedTicket {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub account_id: RecordId,
    pub assertion: String,
    pub client_assertion_type: String,
    pub token_endpoint: String,
    pub client_id: String,
    pub scope: String,
    /// The window, in seconds since the epoch (`nbf` and `exp` of the assertion).
    pub not_before: i64,
    pub expires_at: i64,
    pub signed_by: String,
}

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_ten_minutes_back_to_back() {
        assert_eq!(window_start(1_800_000_123), 1_800_000_000);
        assert_eq!(window_start(600), 600);
        assert_eq!(window_start(1199), 600);
        assert_eq!(window_start(-1), -600);
    }

    #[test]
    fn a_policy_signs_its_horizon_from_the_first_window_not_covered() {
        let now = 1_800_000_123;
        let current = window_start(now);
        let all: Vec<i64> = windows_to_sign(TicketPolicy::Day, now, 0).collect();
        assert_eq!(all.len(), 144);
        assert_eq!(all[0], current);
        assert!(all.windows(2).all(|w| w[1] - w[0] == WINDOW_SECS));
        assert_eq!(windows_to_sign(TicketPolicy::Week, now, 0).count(), 1008);
        assert_eq!(windows_to_sign(TicketPolicy::Off, now, 0).count(), 0);
        // Covered for the next 100 windows: only the last 44 are missing.
        let rest: Vec<i64> = windows_to_sign(TicketPolicy::Day, now, current + 100 * WINDOW_SECS).collect();
        assert_eq!(rest.len(), 44);
        assert_eq!(rest[0], current + 100 * WINDOW_SECS);
        // Covered beyond the horizon (the policy went from 7 days to 24 hours): nothing to sign.
        assert_eq!(windows_to_sign(TicketPolicy::Day, now, current + 500 * WINDOW_SECS).count(), 0);
    }

    #[test]
    fn policies_read_and_write_their_values() {
        for p in TicketPolicy::ALL {
            assert_eq!(TicketPolicy::parse(p.value()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.value());
        }
        assert_eq!(TicketPolicy::default(), TicketPolicy::Day);
    }

    #[test]
    fn a_tickets_claims_are_a_client_assertion_for_its_window() {
        let tenant = TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
        let app = ApplicationId::parse("11111111-2222-3333-4444-555555555555").unwrap();
        let c = claims("https://login.example/", &tenant, &app, "j", 1200, 1000);
        assert_eq!(c["aud"], "https://login.example/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token");
        assert_eq!(c["iss"], c["sub"]);
        assert_eq!((c["nbf"].as_i64(), c["exp"].as_i64(), c["iat"].as_i64()), (Some(1200), Some(1800), Some(1000)));
    }
}
