//! One sync round (push every pending change, then pull until up to date), and how the engine
//! runs rounds: one at a time, again when asked meanwhile, and with backoff while the store
//! cannot be reached.

use super::idb;
use super::local::{Base, Cached, Notice, Pending, PulledPage};
use super::status::Phase;
use super::tabs::{News, NEWS_RECORDS_MAX};
use super::{lock, Running, SyncEngine};
use crate::api::{Api, ApiClientError};
use crate::started::Started;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use xops_model::{paths, ErrorCode, Record, RecordChanges, WhenRefused};

/// Changes asked for per request while catching up: a first page that shows soon, then pages as
/// large as the store gives (every request is a round trip; on a distant store that is most of
/// the time a device new to a large organization takes).
const FIRST_PAGE: usize = 1000;
const PAGE: usize = 5000;

/// How often a long wait asks whether the store answers again (plus up to 1 s of jitter).
const PROBE_EVERY_MS: i32 = 2000;

impl SyncEngine {
    /// Pushes the outbox and pulls changes, now (or right after the sync under way).
    pub fn sync_now(&self) {
        let (busy, _, _) = self.busy.get_value();
        if busy {
            self.busy.update_value(|b| b.1 = true);
            return;
        }
        if self.local().is_none() {
            return;
        }
        self.cancel_retry();
        self.busy.update_value(|b| *b = (true, false, b.2));
        let engine = *self;
        spawn_local(async move {
            loop {
                let Some(running) = engine.local() else { break };
                engine.phase.set(Phase::Syncing);
                let name = format!("{}-push", running.local.name);
                let result = lock::exclusive(&name, engine.sync_once(&running)).await;
                let again = match result {
                    Ok(news) => {
                        engine.busy.update_value(|b| b.2 = 0);
                        engine.caught_up.set(true);
                        engine.phase.set(Phase::Idle);
                        if let Some(news) = news {
                            engine.announce(news);
                        }
                        false
                    }
                    Err(Stop::Offline) => {
                        engine.phase.set(Phase::Offline);
                        engine.schedule_retry();
                        false
                    }
                    Err(Stop::Failed(reason)) => {
                        engine.phase.set(Phase::Error(reason));
                        engine.schedule_retry();
                        false
                    }
                    Err(Stop::SignedOut(reason)) => {
                        // The outbox stays on this device for when the person signs in again.
                        engine.phase.set(Phase::Error(reason));
                        if let Some(session) = engine.session {
                            session.refresh();
                        }
                        false
                    }
                };
                let asked_again = engine.busy.try_update_value(|b| std::mem::replace(&mut b.1, false)).unwrap_or(false);
                if !(again || asked_again) || engine.local().is_none() {
                    break;
                }
            }
            engine.busy.update_value(|b| b.0 = false);
        });
    }

    /// One round: push every pending change in order, then pull until up to date.
    /// Returns what changed on this device, for the other tabs (`None`: nothing).
    async fn sync_once(&self, running: &Running) -> Result<Option<News>, Stop> {
        // The device's outbox, not this tab's view: another tab may have added to it. Only the
        // queue is read here, never every record, so a round costs what changed, not what is stored.
        if self.compact_due.try_update_value(std::mem::take).unwrap_or(false) {
            // Not worth failing the round for: the copy stays correct, only slower to read.
            if let Err(e) = running.local.compact().await {
                leptos::logging::warn!("could not tidy this device's copy: {e}");
            }
        }
        let (outbox, notices, from) = running.local.load_queue().await.map_err(storage)?;
        if from != self.since.get_untracked() {
            // Another tab pulled changes this view has not shown (its announcement came before
            // this tab listened, or is still on its way): show the device's copy first.
            self.show_device(&running.local).await.map_err(storage)?;
        }
        self.view_changed();
        self.set_outbox(outbox.clone());
        self.notices.set(notices);
        let mut told = Told::default();
        let pushed = self.push(running, outbox, &mut told).await?;
        let (to, pulled) = self.pull(running, from, &mut told).await?;
        Ok((pushed || pulled).then(|| told.news(from, to)))
    }

    /// Pushes each waiting change in order; a change the store refuses is kept as a notice.
    /// Whether anything changed on this device.
    async fn push(&self, running: &Running, outbox: Vec<Pending>, told: &mut Told) -> Result<bool, Stop> {
        let api = self.api.get_value();
        let mut changed = false;
        for p in outbox {
            let settled = match push(&api, &p).await {
                Ok(record) => {
                    let record = kept(&record)?;
                    running.local.settle(p.seq, &record, None).await.map_err(storage)?;
                    Some((record, None))
                }
                Err(ApiClientError::Network) => return Err(Stop::Offline),
                // Decided by the store's error code (the model's rule), not by status numbers. An
                // answer without one (a proxy's page) is tried again, with the sync's backoff.
                Err(e) => match e.code().map(ErrorCode::when_refused) {
                    Some(WhenRefused::Conflict) => {
                        let theirs = conflict_record(&e).ok_or_else(|| Stop::Failed(e.to_string()))?;
                        let record = kept(&theirs)?;
                        let notice = Notice::Conflict { seq: p.seq, mine: p.clone(), theirs };
                        running.local.settle(p.seq, &record, Some(&notice)).await.map_err(storage)?;
                        Some((record, Some(notice)))
                    }
                    Some(WhenRefused::SignIn) => return Err(Stop::SignedOut(e.to_string())),
                    Some(WhenRefused::Keep) => {
                        let notice = Notice::Rejected { seq: p.seq, mine: p.clone(), message: e.to_string() };
                        running.local.refuse(p.seq, &notice).await.map_err(storage)?;
                        self.view_changed();
                        self.notices.update(|n| n.push(notice));
                        None
                    }
                    Some(WhenRefused::Retry) | None => return Err(Stop::Failed(e.to_string())),
                },
            };
            if let Some((record, notice)) = settled {
                told.add(std::slice::from_ref(&record));
                self.confirm(vec![record]);
                if let Some(n) = notice {
                    self.notices.update(|list| list.push(n));
                }
            }
            self.view_changed();
            self.update_outbox(|o| o.retain(|q| q.seq != p.seq));
            changed = true;
        }
        Ok(changed)
    }

    /// Pulls page after page until up to date: the revision reached, and whether any record
    /// changed. The next page is asked for as soon as this one is read, so the store serves it
    /// while this one is stored and shown, and each page's writes commit while the next is on its
    /// way.
    async fn pull(&self, running: &Running, mut since: i64, told: &mut Told) -> Result<(i64, bool), Stop> {
        let api = self.api.get_value();
        let mut changed = false;
        let mut writing: Option<(idb::Committing, i64)> = None;
        let fetch = |since: i64, limit: usize| {
            let api = api.clone();
            Started::new(async move { api.get_bytes(&paths::records_since(since, limit)).await })
        };
        let mut fetching = Some(fetch(since, FIRST_PAGE));
        while let Some(started) = fetching.take() {
            let fetched = started.output().await.unwrap_or(Err(ApiClientError::Network));
            if let Some((commit, reached)) = writing.take() {
                commit.await.map_err(storage)?;
                self.view_changed();
                self.since.set(reached);
            }
            let (page, raw) = match fetched.and_then(|raw| Ok((parse_page(&raw)?, raw))) {
                Ok(got) => got,
                Err(ApiClientError::Network) => return Err(Stop::Offline),
                Err(e) if e.code().map(ErrorCode::when_refused) == Some(WhenRefused::SignIn) => {
                    return Err(Stop::SignedOut(e.to_string()))
                }
                Err(e) => return Err(Stop::Failed(e.to_string())),
            };
            let next = page.changes.last().map_or(page.latest_revision.max(since), |r| r.revision);
            if page.has_more {
                fetching = Some(fetch(next, PAGE));
            }
            if !page.changes.is_empty() || next != since {
                writing = Some((running.local.apply_pulled(&page.changes, &raw, next).map_err(storage)?, next));
                told.add(&page.changes);
                changed |= !page.changes.is_empty();
                self.confirm(page.changes);
            }
            since = next;
        }
        if let Some((commit, reached)) = writing {
            commit.await.map_err(storage)?;
            self.view_changed();
            self.since.set(reached);
        }
        Ok((since, changed))
    }

    fn schedule_retry(&self) {
        let attempt = self.busy.try_update_value(|b| {
            b.2 = (b.2 + 1).min(6);
            b.2
        });
        let delay_ms = 1000 * (1 << attempt.unwrap_or(1).saturating_sub(1)); // 1 s … 32 s
        let engine = *self;
        let cb = Closure::once_into_js(move || {
            engine.retry_timer.set_value(None);
            engine.sync_now();
        });
        let handle = web_sys::window()
            .and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay_ms).ok());
        self.retry_timer.set_value(handle);
        // Only when the store could not be reached: a store that answers with an error is not
        // asked any faster than the backoff allows.
        if delay_ms > PROBE_EVERY_MS && self.phase.get_untracked() == Phase::Offline {
            let round = self.probe_round.try_update_value(|r| {
                *r += 1;
                *r
            });
            self.probe(round.unwrap_or_default());
        }
    }

    /// While a long backoff runs, asks the store every 2–3 s (jittered, one request at a time)
    /// whether it answers again, so waiting changes go out within seconds of its return
    /// instead of at the end of a wait of up to 32 s. The question is the sync's own kind of
    /// request, at its cheapest: the records after the newest possible revision (none).
    fn probe(&self, round: u64) {
        let engine = *self;
        let jitter = (js_sys::Math::random() * 1000.0) as i32;
        let cb = Closure::once_into_js(move || {
            if engine.probe_round.try_get_value() != Some(round) || engine.local().is_none() {
                return;
            }
            spawn_local(async move {
                let answered = engine.api.get_value().get::<RecordChanges>(&paths::records_since(i64::MAX, 1)).await;
                if engine.probe_round.try_get_value() != Some(round) {
                    return;
                }
                match answered {
                    Ok(_) => engine.sync_now(),
                    Err(_) => engine.probe(round),
                }
            });
        });
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), PROBE_EVERY_MS + jitter);
        }
    }

    pub(super) fn cancel_retry(&self) {
        self.probe_round.update_value(|r| *r += 1);
        if let Some(h) = self.retry_timer.try_update_value(Option::take).flatten() {
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(h);
            }
        }
    }
}

enum Stop {
    Offline,
    Failed(String),
    SignedOut(String),
}

fn storage(e: idb::IdbError) -> Stop {
    Stop::Failed(e.to_string())
}

fn kept(r: &Record) -> Result<Cached, Stop> {
    Cached::from_record(r).map_err(|e| Stop::Failed(e.to_string()))
}

/// Every record a round confirms, pushed or pulled, while it is few enough to tell the other tabs
/// (`None` beyond: they read the device's copy again).
struct Told(Option<Vec<Cached>>);

impl Default for Told {
    fn default() -> Self {
        Told(Some(Vec::new()))
    }
}

impl Told {
    fn add(&mut self, records: &[Cached]) {
        self.0 = self.0.take().filter(|c| c.len() + records.len() <= NEWS_RECORDS_MAX).map(|mut c| {
            c.extend_from_slice(records);
            c
        });
    }

    fn news(self, from: i64, to: i64) -> News {
        match self.0 {
            Some(records) => News::Synced { from, to, records },
            None => News::Reload,
        }
    }
}

async fn push(api: &Api, p: &Pending) -> Result<Record, ApiClientError> {
    let path = paths::record(&p.id);
    let precondition = match p.base {
        Base::Create => ("If-None-Match", "*".to_string()),
        Base::Revision(rev) => ("If-Match", format!("\"{rev}\"")),
    };
    match &p.body {
        Some(body) => api.put_record(&path, precondition, p.kind, body).await,
        None => api.delete_record(&path, precondition).await,
    }
}

/// A page of changes as the store sent it.
fn parse_page(raw: &[u8]) -> Result<PulledPage, ApiClientError> {
    serde_json::from_slice(raw).map_err(|_| ApiClientError::Unexpected { status: 200 })
}

fn conflict_record(e: &ApiClientError) -> Option<Record> {
    match e {
        ApiClientError::Conflict(c) if c.error.code == ErrorCode::Conflict => Some(c.current.clone()),
        _ => None,
    }
}
