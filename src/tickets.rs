//! How far ahead Xops can use each account while nobody has it open (sign-in tickets signed ahead,
//! see `xops_model::tickets`): what the store says, shared by the pages that show it (the account
//! page, Home's warning) and the signer that tops it up (`pages::account::signing_ahead`).
//! Provided by the signed-in frame; fetched the first time a page asks.

use crate::api::Api;
use leptos::prelude::*;
use xops_model::tickets::{TicketCoverage, TicketCoverages, TicketPolicy};
use xops_model::{paths, Integration, RecordId};

/// Home warns when an account's tickets end within this long.
pub const WARN_WITHIN_MS: i64 = 6 * 60 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Coverage {
    #[default]
    Unknown,
    /// This deployment keeps no tickets (the store has no secrets key).
    NotKept,
    Failed(String),
    Known(Vec<TicketCoverage>),
}

#[derive(Clone, Copy)]
pub struct Tickets {
    coverage: RwSignal<Coverage>,
    asked: StoredValue<bool>,
}

impl Tickets {
    pub fn provide() -> Tickets {
        let t = Tickets { coverage: RwSignal::new(Coverage::Unknown), asked: StoredValue::new(false) };
        provide_context(t);
        t
    }

    pub fn expect_context() -> Tickets {
        expect_context::<Tickets>()
    }

    /// What is known (tracked); the first call asks the store.
    pub fn coverage(&self) -> Coverage {
        if self.asked.try_get_value() == Some(false) {
            self.asked.set_value(true);
            let (this, api) = (*self, Api::expect_context());
            leptos::task::spawn_local(async move {
                this.refresh(&api).await;
            });
        }
        self.coverage.get()
    }

    /// Asks the store again; returns what it said.
    pub async fn refresh(&self, api: &Api) -> Coverage {
        let now = match api.get::<TicketCoverages>(paths::TICKETS).await {
            Ok(c) if c.kept => Coverage::Known(c.accounts),
            Ok(_) => Coverage::NotKept,
            Err(e) => Coverage::Failed(e.to_string()),
        };
        self.asked.try_set_value(true);
        self.coverage.try_set(now.clone());
        now
    }

    /// Puts one account's coverage as the store just answered an upload.
    pub fn update(&self, c: TicketCoverage) {
        self.coverage.try_update(|all| {
            let mut list = match std::mem::take(all) {
                Coverage::Known(l) => l,
                _ => Vec::new(),
            };
            list.retain(|x| x.account_id != c.account_id);
            list.push(c);
            *all = Coverage::Known(list);
        });
    }
}

/// Until when Xops can use an account (milliseconds), by what the store said; `None` where the
/// account has no tickets or tickets are not kept here.
pub fn covered_until(coverage: &Coverage, id: &RecordId, now_ms: i64) -> Option<TicketCoverage> {
    match coverage {
        Coverage::Known(list) => list.iter().find(|c| &c.account_id == id && c.covered_until > now_ms).cloned(),
        _ => None,
    }
}

/// Whether Home should warn about this account: its tickets are on and end (or ended) within
/// six hours, on a deployment that keeps tickets.
pub fn ends_soon(coverage: &Coverage, id: &RecordId, integration: &Integration, now_ms: i64) -> bool {
    let on = integration.details.provider().signs_tickets() && integration.ticket_policy != TicketPolicy::Off;
    on && matches!(coverage, Coverage::Known(_))
        && covered_until(coverage, id, now_ms).is_none_or(|c| c.covered_until - now_ms < WARN_WITHIN_MS)
}
