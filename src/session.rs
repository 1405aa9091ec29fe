//! Who is signed in, shared through context (`Session::expect_context()`).

use crate::api::{Api, ApiClientError};
use crate::erased::local_action;
use leptos::prelude::*;
use xops_model::{ErrorCode, Me};
pub use xops_web::{landing_path, remember, remembered, safe_next};

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// Asking the store at start.
    Checking,
    /// Not signed in (never was, or the session expired): sign-in brings them back to the page.
    SignedOut,
    /// The person pressed Sign out: the next sign-in starts afresh.
    SignedOutByChoice,
    SignedIn(Me),
    /// The store could not be asked; the person can retry.
    Unreachable(String),
}

#[derive(Clone, Copy)]
pub struct Session {
    state: RwSignal<SessionState>,
    /// Kept here because the session's async work runs outside any component (no context there).
    api: StoredValue<Api>,
    /// Asking the store who is signed in: at start, after Try again, or after something that
    /// changes `/me`. Its `pending()` is "asking now".
    asking: Action<(), ()>,
}

impl Session {
    /// Creates the session in context and asks the store who is signed in.
    pub fn provide() -> Session {
        let session = Session::provide_state(SessionState::Checking);
        session.refresh();
        session
    }

    /// A session in a known state, without asking the store (for tests and embedding).
    /// The `Api` must already be in context.
    pub fn provide_state(state: SessionState) -> Session {
        let state = RwSignal::new(state);
        let api = StoredValue::new(Api::expect_context());
        let asking = local_action(move |_: &()| ask(api.get_value(), state));
        let session = Session { state, api, asking };
        provide_context(session);
        session
    }

    pub fn expect_context() -> Session {
        expect_context::<Session>()
    }

    pub fn state(&self) -> ReadSignal<SessionState> {
        self.state.read_only()
    }

    pub fn me(&self) -> Option<Me> {
        match self.state.get() {
            SessionState::SignedIn(me) => Some(me),
            _ => None,
        }
    }

    /// Whether the signed-in person may change accounts (link, test, renew, rename, disconnect):
    /// a viewer's pages offer none of these. Follows the session (a role changed elsewhere
    /// shows once the store is asked again). A memo: what depends on it is built anew only when
    /// the answer changes, not each time the store is asked.
    pub fn can_change_accounts(&self) -> Signal<bool> {
        let state = self.state;
        Memo::new(move |_| state.with(|s| matches!(s, SessionState::SignedIn(me) if me.role.changes_accounts()))).into()
    }

    pub fn signed_in(&self, me: Me) {
        remember(Some(&me));
        self.state.set(SessionState::SignedIn(me));
    }

    /// Asks the store again (at start, after Retry, or after something that changes `/me`).
    pub fn refresh(&self) {
        self.asking.dispatch(());
    }

    /// Whether the store is being asked now.
    pub fn asking(&self) -> bool {
        self.asking.pending().get()
    }

    /// Ends the session on the store. The person is signed out locally even if the store is
    /// unreachable (the error is returned so the page can say the server may still hold it).
    pub async fn sign_out(&self) -> Result<(), ApiClientError> {
        let result = self.api.get_value().logout().await;
        remember(None);
        self.state.set(SessionState::SignedOutByChoice);
        result
    }
}

/// Asks the store who is signed in, and sets `state` from its answer.
async fn ask(api: Api, state: RwSignal<SessionState>) {
    let next = match api.session().await {
        Ok(Some(me)) => SessionState::SignedIn(me),
        Ok(None) => SessionState::SignedOut,
        Err(e) if e.code() == Some(ErrorCode::Unauthorized) => SessionState::SignedOut,
        // Offline start: the person this browser last saw signed in, with their copy of the
        // records; the sync engine says it is offline, and the store decides once it answers.
        Err(ApiClientError::Network) => match remembered() {
            Some(me) => SessionState::SignedIn(me),
            None => SessionState::Unreachable(ApiClientError::Network.to_string()),
        },
        Err(e) => SessionState::Unreachable(e.to_string()),
    };
    match &next {
        SessionState::SignedIn(me) => remember(Some(me)),
        SessionState::SignedOut => remember(None),
        _ => {}
    }
    state.set(next);
}
