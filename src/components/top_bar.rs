use crate::components::when::When;
use crate::erased::local_action;
use crate::health::Checks;
use crate::sync::local::Notice;
use crate::sync::{SyncEngine, SyncStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use xops_model::Record;

/// How long "Saved" shows after a save.
const SAVED_SHOWS_MS: u64 = 3_000;

/// The bar above every page: how many accounts need attention (a way to Home's list), and the
/// sync status when there is something to say (loading, saving, offline, failed, or a moment
/// after a save), announced politely to screen readers; below it, any change the store could not
/// take, with what the person can do. With nothing to say the bar takes no room; "Saved" stays in
/// the status region for screen readers.
#[component]
pub fn TopBar() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let (accounts, checks) = (engine.accounts(), Checks::expect_context());
    let attention = Memo::new(move |_| accounts.with(|a| a.needing_attention(checks.now())));
    let status = engine.status();
    let just_saved = RwSignal::new(false);
    Effect::new(move |before: Option<SyncStatus>| {
        let now = status.get();
        let saved_now = now == SyncStatus::Saved && matches!(before, Some(SyncStatus::Saving));
        just_saved.set(saved_now);
        if saved_now {
            set_timeout(
                move || {
                    just_saved.try_set(false);
                },
                std::time::Duration::from_millis(SAVED_SHOWS_MS),
            );
        }
        now
    });
    let quiet = move || status.with(|s| *s == SyncStatus::Saved) && !just_saved.get();
    let class = move || match status.get() {
        SyncStatus::Saved if quiet() => "sync-status saved quiet",
        SyncStatus::Saved => "sync-status saved",
        SyncStatus::Saving | SyncStatus::Loading => "sync-status busy",
        SyncStatus::Offline { .. } => "sync-status offline",
        SyncStatus::Error(_) => "sync-status error",
    };
    view! {
        <header class="top-bar" class:quiet=move || quiet() && attention.get() == 0>
            <When when=move || attention.get() != 0>
                <A href=crate::routes::HOME attr:class="attention-count" attr:data-testid="attention-count">
                    {move || match attention.get() {
                        1 => "1 account needs attention".to_string(),
                        n => format!("{n} accounts need attention"),
                    }}
                </A>
            </When>
            <div class=class role="status" aria-live="polite" data-testid="sync-status">
                {move || status.get().to_string()}
            </div>
        </header>
        <SyncNotices/>
    }
}

fn record_name(body: Option<&serde_json::Value>) -> String {
    body.and_then(crate::sync::account_name).unwrap_or("a record").to_string()
}

#[component]
fn SyncNotices() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let notices = engine.notices();
    // Either one ends the notice: the engine takes it off the list.
    let apply_mine_again = local_action(move |seq: &u64| {
        let seq = *seq;
        async move {
            if let Err(e) = engine.apply_mine_again(seq).await {
                leptos::logging::warn!("{e}");
            }
        }
    });
    let dismiss = local_action(move |seq: &u64| {
        let seq = *seq;
        async move {
            if let Err(e) = engine.dismiss(seq).await {
                leptos::logging::warn!("{e}");
            }
        }
    });
    // One answer at a time: a second click while the first works would act on a notice gone.
    let working = move || apply_mine_again.pending().get() || dismiss.pending().get();
    view! {
        <div class="notices" aria-live="assertive">
            <For each=move || notices.get() key=|n| n.seq() let:notice>
                {
                    let seq = notice.seq();
                    let (text, can_retry) = match &notice {
                        Notice::Conflict { mine, theirs, .. } => (conflict_text(mine.body.as_ref(), theirs), true),
                        Notice::Rejected { mine, message, .. } => (
                            format!("Your change to “{}” was not saved: {message}", record_name(mine.body.as_ref())),
                            false,
                        ),
                    };
                    let again = move |_| {
                        apply_mine_again.dispatch(seq);
                    };
                    let dismiss = move |_| {
                        dismiss.dispatch(seq);
                    };
                    view! {
                        <div class="notice" role="alert">
                            <p>{text}</p>
                            <div class="notice-actions">
                                {can_retry.then(|| view! { <button class="button primary" disabled=working on:click=again>"Apply mine again"</button> })}
                                <button class="button" disabled=working on:click=dismiss>{if can_retry { "Keep theirs" } else { "Dismiss" }}</button>
                            </div>
                        </div>
                    }
                }
            </For>
        </div>
    }
}

fn conflict_text(mine: Option<&serde_json::Value>, theirs: &Record) -> String {
    let name = record_name(mine.or(theirs.body.as_ref()));
    if theirs.deleted {
        format!("Your change to “{name}” was not applied: someone deleted it first.")
    } else {
        format!("Your change to “{name}” was not applied: someone changed it first. You now see their version.")
    }
}
