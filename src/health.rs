//! How every screen shows an account's status: the model's one rule (`xops_model::health`), in
//! the same words everywhere, plus *Checking…* while a test of the account runs in this tab.

use leptos::prelude::*;
use std::collections::BTreeSet;
use xops_model::{AccountStatus, Expiry, RecordId};

/// The accounts this tab is testing now, and the time the pages count "3 hours ago" from (moved
/// every minute, so the words age while a page stays open). Provided by the signed-in frame.
#[derive(Clone, Copy)]
pub struct Checks {
    running: RwSignal<BTreeSet<RecordId>>,
    now: RwSignal<i64>,
}

impl Checks {
    pub fn provide() -> Checks {
        let checks = Checks { running: RwSignal::new(BTreeSet::new()), now: RwSignal::new(js_sys::Date::now() as i64) };
        let tick =
            set_interval_with_handle(move || checks.now.set(js_sys::Date::now() as i64), std::time::Duration::from_secs(60));
        if let Ok(handle) = tick {
            on_cleanup(move || handle.clear());
        }
        provide_context(checks);
        checks
    }

    pub fn expect_context() -> Checks {
        expect_context::<Checks>()
    }

    /// Now, to the minute (tracked).
    pub fn now(&self) -> i64 {
        self.now.get()
    }

    /// Whether a test of `id` runs in this tab (tracked).
    pub fn is_checking(&self, id: &RecordId) -> bool {
        self.running.with(|r| r.contains(id))
    }

    /// Whether a test of `id` runs in this tab, not tracked.
    pub fn is_checking_untracked(&self, id: &RecordId) -> bool {
        self.running.try_with_untracked(|r| r.contains(id)).unwrap_or(false)
    }

    /// Marks `id` as being tested until the returned guard is dropped.
    pub fn begin(&self, id: &RecordId) -> Checking {
        self.running.try_update(|r| r.insert(id.clone()));
        self.now.try_set(js_sys::Date::now() as i64);
        Checking { checks: *self, id: id.clone() }
    }
}

/// A test under way (see [`Checks::begin`]).
pub struct Checking {
    checks: Checks,
    id: RecordId,
}

impl Drop for Checking {
    fn drop(&mut self) {
        // The page may be gone; the signal then is too, and there is nothing to update.
        let id = self.id.clone();
        self.checks.running.try_update(|r| r.remove(&id));
        self.checks.now.try_set(js_sys::Date::now() as i64);
    }
}

/// The class a status is drawn with.
pub fn class(status: AccountStatus, checking: bool) -> String {
    match checking {
        true => "health health-checking".into(),
        false => format!("health health-{}", status.health.key()),
    }
}

/// The status as every screen says it: "Working", "Failing", "Not tested yet", "Certificate
/// expired", or "Checking…".
pub fn label(status: AccountStatus, checking: bool) -> &'static str {
    if checking {
        "Checking…"
    } else {
        status.health.label()
    }
}

/// The status word, coloured, with when ("checked 3 hours ago"), and with the certificate's
/// warning (60 and 14 days before its end) when `with_certificate` (where no column of its own
/// shows the certificate).
#[component]
pub fn HealthBadge(
    id: RecordId,
    #[prop(into)] status: Signal<Option<AccountStatus>>,
    #[prop(optional)] with_certificate: bool,
) -> impl IntoView {
    let checks = Checks::expect_context();
    let checking = {
        let id = id.clone();
        move || checks.is_checking(&id)
    };
    move || {
        let status = status.get()?;
        let checking = checking();
        let when = (!checking).then(|| status.when(checks.now())).flatten();
        let ending =
            status.certificate.filter(|e| with_certificate && matches!(e, Expiry::Soon { .. } | Expiry::Expiring { .. }));
        Some(view! {
            <span class=class(status, checking) data-health=if checking { "checking" } else { status.health.key() }>
                {label(status, checking)}
            </span>
            {when.map(|w| view! { <span class="health-when">{format!(" · {w}")}</span> })}
            {ending.map(|e| view! { <span class="health-certificate">{format!(" · certificate: {}", e.describe())}</span> })}
        })
    }
}
