//! Local-first sync. The app renders from this device's copy at once, then pulls the store's
//! changes and pushes the outbox. A change is written to IndexedDB before anything else, so it
//! survives reloads, closed tabs and a store that is away; it leaves the outbox only when the
//! store has taken it, or refused it (then the person is told and decides: nothing is dropped
//! silently). One tab pushes at a time (a Web Lock); the others hear what changed on a
//! BroadcastChannel.
//!
//! Here: the engine (its state, start and stop, showing the device copy). Beside it: `changes`
//! (the person's saves, deletes and decisions), `round` (one sync round, retries), `tabs` (event
//! listeners, news between tabs), `status` (the status line), `view` (what pages read), `local`,
//! `outbox` and `idb` (the device copy), `early` (the copy read while the app starts), `lock`.
//!
//! Conflict rule: the store's copy wins in the cache (it is what everyone else sees), and the
//! person's refused change is kept as a notice with "Apply mine again" and "Keep theirs".

mod changes;
pub mod early;
pub mod idb;
pub mod local;
pub(crate) mod lock;
pub mod outbox;
mod round;
mod status;
mod tabs;
pub mod view;

use crate::erased::local_action;
use status::{status_of, Phase};
pub use status::{SyncError, SyncStatus};
use tabs::{EventListener, News};

use crate::api::Api;
use leptos::prelude::*;
use local::{last_pending, Cached, LocalStore, Notice, Pending, Snapshot};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use view::{overlay_one, Accounts};
use wasm_bindgen::JsCast;
use xops_model::{Me, OrganizationId, RecordId, UserId};

struct Running {
    local: LocalStore,
    channel: Option<web_sys::BroadcastChannel>,
    /// Kept alive while running; dropped (and so removed) on stop.
    _listeners: Vec<EventListener>,
}

#[derive(Clone, Copy)]
pub struct SyncEngine {
    confirmed: RwSignal<BTreeMap<RecordId, Cached>>,
    outbox: RwSignal<Vec<Pending>>,
    /// What the person sees: `confirmed` with `outbox` laid over it, as linked accounts. Kept up
    /// to date record by record (`refresh`), never rebuilt for one change.
    accounts: RwSignal<Accounts>,
    notices: RwSignal<Vec<Notice>>,
    phase: RwSignal<Phase>,
    /// Whether this device has caught up with the store once since start ("Saved" means that).
    caught_up: RwSignal<bool>,
    since: RwSignal<i64>,
    running: StoredValue<Option<Rc<Running>>, LocalStorage>,
    api: StoredValue<Api>,
    /// Asked again when the store says the session ended, so the person is sent to Sign in.
    session: Option<crate::session::Session>,
    /// A sync is under way / another was asked for meanwhile / the current backoff step.
    busy: StoredValue<(bool, bool, u32), LocalStorage>,
    retry_timer: StoredValue<Option<i32>, LocalStorage>,
    /// Which wait the store probe belongs to: a new wait (or a sync) starts a new number, and
    /// a probe of an older one stops.
    probe_round: StoredValue<u64, LocalStorage>,
    /// Counts this tab's changes to its view. A read of the device that started before one of
    /// them may be older than the view, so it is read again instead of shown.
    view_changes: StoredValue<u64, LocalStorage>,
    /// The device's copy has grown well past what it holds (`LocalStore::compact`): tidied in the
    /// next sync round, under its lock.
    compact_due: StoredValue<bool, LocalStorage>,
    /// What the status line shows; made once, with the engine, so it lives as long as the
    /// engine does (a page's effect that runs during its own teardown still finds it).
    status: Signal<SyncStatus>,
}

/// The name a record's body carries (an account's), for sentences about a change to it.
pub fn account_name(body: &Value) -> Option<&str> {
    body.get("name").and_then(Value::as_str)
}
impl SyncEngine {
    /// Creates the engine in context; it starts for whoever signs in (see `follow_session`).
    pub fn provide() -> SyncEngine {
        let (outbox, phase, caught_up) = (RwSignal::new(Vec::new()), RwSignal::new(Phase::Stopped), RwSignal::new(false));
        let engine = SyncEngine {
            confirmed: RwSignal::new(BTreeMap::new()),
            outbox,
            accounts: RwSignal::new(Accounts::default()),
            notices: RwSignal::new(Vec::new()),
            phase,
            caught_up,
            since: RwSignal::new(0),
            running: StoredValue::new_local(None),
            api: StoredValue::new(Api::expect_context()),
            session: use_context::<crate::session::Session>(),
            busy: StoredValue::new_local((false, false, 0)),
            retry_timer: StoredValue::new_local(None),
            probe_round: StoredValue::new_local(0),
            view_changes: StoredValue::new_local(0),
            compact_due: StoredValue::new_local(false),
            status: Memo::new(move |_| status_of(&phase.get(), outbox.with(Vec::len), caught_up.get())).into(),
        };
        provide_context(engine);
        engine
    }

    pub fn expect_context() -> SyncEngine {
        expect_context::<SyncEngine>()
    }

    /// The linked accounts as this person sees them, pending changes included.
    pub fn accounts(&self) -> ReadSignal<Accounts> {
        self.accounts.read_only()
    }

    /// Lays the pending changes over the confirmed copy again for `ids` (and only those).
    fn refresh<'a>(&self, ids: impl IntoIterator<Item = &'a RecordId>) {
        let (confirmed, outbox, accounts) = (self.confirmed, self.outbox, self.accounts);
        let mut ids = ids.into_iter().peekable();
        if ids.peek().is_none() {
            return;
        }
        confirmed.with_untracked(|c| {
            outbox.with_untracked(|o| {
                accounts.update(|a| ids.for_each(|id| a.set(id, overlay_one(c.get(id), last_pending(o, id)))))
            })
        });
    }

    /// Replaces the outbox, and what the person sees of every record it had or has.
    fn set_outbox(&self, outbox: Vec<Pending>) {
        let ids: BTreeSet<RecordId> =
            self.outbox.with_untracked(|o| o.iter().chain(outbox.iter()).map(|p| p.id.clone()).collect());
        self.outbox.set(outbox);
        self.refresh(&ids);
    }

    fn update_outbox(&self, f: impl FnOnce(&mut Vec<Pending>)) {
        let mut outbox = self.outbox.get_untracked();
        f(&mut outbox);
        self.set_outbox(outbox);
    }

    pub fn notices(&self) -> ReadSignal<Vec<Notice>> {
        self.notices.read_only()
    }

    /// What each waiting change is about, by the account's name (“Contoso”, or “removing
    /// Contoso” for a disconnect), for a person deciding whether to sign out.
    pub fn pending_names(&self) -> Signal<Vec<String>> {
        let (confirmed, outbox) = (self.confirmed, self.outbox);
        let name_of = |body: &Value| account_name(body).map(|n| format!("“{n}”"));
        Signal::derive(move || {
            outbox.with(|o| {
                o.iter()
                    .map(|p| match &p.body {
                        Some(body) => name_of(body).unwrap_or_else(|| "a record".into()),
                        None => {
                            let name = confirmed.with(|c| c.get(&p.id).and_then(Cached::name));
                            format!("removing {}", name.map_or_else(|| "a record".into(), |n| format!("“{n}”")))
                        }
                    })
                    .collect()
            })
        })
    }

    pub fn status(&self) -> Signal<SyncStatus> {
        self.status
    }

    fn local(&self) -> Option<Rc<Running>> {
        self.running.with_value(|r| r.clone())
    }

    /// Opens this person's copy, shows it, and starts syncing.
    pub async fn start(&self, me: &Me) -> Result<(), SyncError> {
        self.stop();
        let storage = |e: idb::IdbError| SyncError::Storage(e.to_string());
        let (local, read_early) = match early::take(&me.user.id, &me.organization.id).await {
            Some((local, snapshot)) => (local, Some(snapshot)),
            None => (LocalStore::open(&me.user.id, &me.organization.id).await.map_err(storage)?, None),
        };
        let engine = *self;
        // Listen before the first read: another tab's change lands either before the read (and
        // is in it) or after the listener exists (and is announced to it), never in between. (An
        // early read came before; the first sync round checks it: see `early`.)
        let channel = web_sys::BroadcastChannel::new(&format!("{}-sync", local.name)).ok();
        let mut listeners = Vec::new();
        if let Some(ch) = &channel {
            listeners.push(EventListener::new(ch.clone().into(), "message", move |e| {
                let news = e.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string());
                engine.hear(news.and_then(|n| serde_json::from_str(&n).ok()).unwrap_or(News::Reload));
            }));
        }
        if let Some(w) = web_sys::window() {
            listeners.push(EventListener::new(w.clone().into(), "online", move |_| engine.sync_now()));
            listeners.push(EventListener::new(w.clone().into(), "offline", move |_| engine.phase.set(Phase::Offline)));
            if let Some(d) = w.document() {
                listeners.push(EventListener::new(d.into(), "visibilitychange", move |_| {
                    let visible = web_sys::window().and_then(|w| w.document()).is_some_and(|d| !d.hidden());
                    if visible {
                        engine.sync_now();
                    }
                }));
            }
        }
        let running = Rc::new(Running { local, channel, _listeners: listeners });
        self.running.set_value(Some(running.clone()));
        match read_early {
            // Read before these listeners existed: the sync round below checks it (see `early`).
            Some(snapshot) => self.show(snapshot),
            None => self.show_device(&running.local).await.map_err(storage)?,
        }
        self.caught_up.set(false);
        self.phase.set(Phase::Syncing);
        self.sync_now();
        Ok(())
    }

    /// Stops syncing (keeps the device's copy).
    pub fn stop(&self) {
        self.cancel_retry();
        if let Some(r) = self.running.try_update_value(Option::take).flatten() {
            r.local.close();
        }
        self.phase.set(Phase::Stopped);
        self.busy.set_value((false, false, 0));
        self.show(Snapshot::default());
    }

    /// Stops and removes this person's copy from the browser (on sign-out). Changes still in
    /// the outbox are lost with it; the sign-out button asks first.
    pub async fn forget(&self) {
        self.cancel_retry();
        let running = self.running.try_update_value(Option::take).flatten();
        self.phase.set(Phase::Stopped);
        self.busy.set_value((false, false, 0));
        self.show(Snapshot::default());
        if let Some(r) = running {
            let name = r.local.name.clone();
            r.local.close();
            drop(r);
            if let Err(e) = idb::Idb::delete_database(&name).await {
                leptos::logging::warn!("could not remove the local copy {name}: {e}");
            }
        }
    }

    fn show(&self, s: Snapshot) {
        self.view_changed();
        if s.compact_due {
            self.compact_due.set_value(true);
        }
        // Every confirmed record (with its pending change, if any), then the pending records the
        // store has not confirmed yet: each once, without looking any record up.
        let pending = |id: &RecordId| last_pending(&s.outbox, id);
        let fresh: BTreeSet<&RecordId> = s.outbox.iter().map(|p| &p.id).filter(|id| !s.confirmed.contains_key(*id)).collect();
        let seen = s.confirmed.iter().map(|(id, r)| (id, overlay_one(Some(r), pending(id))));
        let seen = seen.chain(fresh.into_iter().map(|id| (id, overlay_one(None, pending(id)))));
        let accounts = Accounts::from_records(s.confirmed.len(), seen.filter_map(|(id, seen)| seen.map(|seen| (id, seen))));
        self.accounts.set(accounts);
        self.confirmed.set(s.confirmed);
        self.outbox.set(s.outbox);
        self.notices.set(s.notices);
        self.since.set(s.since);
    }

    /// Call on every change to this tab's view (see `view_changes`).
    fn view_changed(&self) {
        self.view_changes.update_value(|n| *n += 1);
    }

    /// Shows what the device holds now. A read that this tab's view moved past while it ran
    /// (a sync round settled, the person saved) is read again rather than shown: showing it
    /// would bring back what is already gone.
    async fn show_device(&self, local: &LocalStore) -> Result<(), idb::IdbError> {
        let snapshot = match self.read_unmoved(|| local.load()).await? {
            Some(snapshot) => snapshot,
            // The view keeps moving (a burst of changes): this read is as new as any.
            None => local.load().await?,
        };
        self.show(snapshot);
        Ok(())
    }

    /// Reads the device with `read` until a read ends that this tab's view did not move past
    /// while it ran (see `view_changes`); `None` when the view moved during eight reads.
    async fn read_unmoved<T, F>(&self, read: impl Fn() -> F) -> Result<Option<T>, idb::IdbError>
    where
        F: std::future::Future<Output = Result<T, idb::IdbError>>,
    {
        for _ in 0..8 {
            let before = self.view_changes.try_get_value();
            let value = read().await?;
            if before.is_none() || self.view_changes.try_get_value() == before {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// Lays records the store confirmed over this tab's view (a tombstone removes one).
    /// Takes the records (a page of thousands is moved, not copied).
    fn confirm(&self, records: Vec<Cached>) {
        if records.is_empty() {
            return;
        }
        self.view_changed();
        let ids: Vec<RecordId> = records.iter().map(|r| r.id.clone()).collect();
        self.confirmed.update(|map| {
            for r in records {
                if r.deleted {
                    map.remove(&r.id);
                } else {
                    map.insert(r.id.clone(), r);
                }
            }
        });
        self.refresh(&ids);
    }
}

/// Starts the engine for whoever signs in, and stops it when they sign out.
pub fn follow_session(engine: SyncEngine, session: crate::session::Session) {
    // A change the store refused may mean the person's role changed (an admin made a viewer
    // while offline): ask who they are again, so the pages stop offering what is refused.
    let refused =
        Memo::new(move |_| engine.notices().with(|n| n.iter().filter(|x| matches!(x, local::Notice::Rejected { .. })).count()));
    Effect::new(move |previous: Option<usize>| {
        let now = refused.get();
        if previous.is_some_and(|p| now > p) {
            session.refresh();
        }
        now
    });
    // Starts the engine for the person signed in now, or stops it once nobody is.
    let follow = local_action(move |me: &Option<Me>| {
        let me = me.clone();
        async move {
            match me {
                Some(me) => {
                    if let Err(e) = engine.start(&me).await {
                        engine.phase.set(Phase::Error(e.to_string()));
                    }
                }
                // After this tick: the pages of the person who left go first (they follow the
                // same session), so none of them reacts to the emptied view while it is torn down.
                None => {
                    leptos::task::tick().await;
                    engine.stop();
                }
            }
        }
    });
    Effect::new(move |previous: Option<Option<(UserId, OrganizationId)>>| {
        let who = session.me().map(|m| (m.user.id.clone(), m.organization.id.clone()));
        if previous.as_ref() != Some(&who) {
            follow.dispatch(session.me());
        }
        who
    });
}
