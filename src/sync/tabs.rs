//! The browser's side of the engine: event listeners that go with it, and the news one tab of a
//! person gives the others on their BroadcastChannel.

use super::idb;
use super::local::{Cached, LocalStore};
use super::SyncEngine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub(super) struct EventListener {
    target: web_sys::EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl EventListener {
    pub(super) fn new(target: web_sys::EventTarget, event: &'static str, f: impl FnMut(web_sys::Event) + 'static) -> Self {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        EventListener { target, event, callback }
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.event, self.callback.as_ref().unchecked_ref());
    }
}

/// What one tab tells the others of the same person on the BroadcastChannel, as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum News {
    /// The outbox or the notices changed (a change made, a notice settled): read them again.
    Queue,
    /// A sync round took the device from revision `from` to `to`, confirming `records` (pushed
    /// and pulled), and may have changed the queue. A tab at `from` applies just these.
    Synced { from: i64, to: i64, records: Vec<Cached> },
    /// Anything else: read the whole device copy again.
    Reload,
}

/// A round that confirmed more records than this is announced as `News::Reload`.
pub(super) const NEWS_RECORDS_MAX: usize = 1000;

impl SyncEngine {
    pub(super) fn reload_from_device(&self) {
        self.hear(News::Reload);
    }

    /// Another tab's news: applies what it says changed, or reads the device copy again when
    /// this view is not where that news starts.
    pub(super) fn hear(&self, news: News) {
        let engine = *self;
        spawn_local(async move {
            let Some(r) = engine.local() else { return };
            let read = match news {
                News::Synced { from, to, records } if engine.since.get_untracked() == from => {
                    engine.confirm(records);
                    engine.view_changed();
                    engine.since.set(to);
                    engine.show_queue(&r.local).await
                }
                News::Queue => engine.show_queue(&r.local).await,
                News::Synced { .. } | News::Reload => engine.show_device(&r.local).await,
            };
            if let Err(e) = read {
                leptos::logging::warn!("could not read this device's copy: {e}");
            }
        });
    }

    /// Shows the device's outbox and notices (as `show_device`, without the records).
    async fn show_queue(&self, local: &LocalStore) -> Result<(), idb::IdbError> {
        match self.read_unmoved(|| local.load_queue()).await? {
            Some((outbox, notices, _)) => {
                self.view_changed();
                self.set_outbox(outbox);
                self.notices.set(notices);
                Ok(())
            }
            None => self.show_device(local).await,
        }
    }

    pub(super) fn announce(&self, news: News) {
        if let Some(ch) = self.local().and_then(|r| r.channel.clone()) {
            let text = serde_json::to_string(&news).unwrap_or_else(|_| "\"Reload\"".into());
            let _ = ch.post_message(&text.into());
        }
    }
}
