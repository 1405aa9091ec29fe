//! Security: the person's passkeys (`passkeys`), and where they are signed in (browser and system, address, when), with Sign out for
//! any other session and "Sign out all other sessions". Only the person's own sessions: the store
//! lists and ends nobody else's.

use crate::api::{Api, ApiClientError};
use crate::components::certificate::{format_date, now_ms};
use crate::components::feedback::{Feedback, LoadFailed, Loading};
use crate::components::page::PageHeading;
use crate::erased::{local_action, local_resource};
use crate::pages::passkeys::Passkeys;
use leptos::prelude::*;
use xops_model::security::{SessionList, SessionsEnded, SignedInSession};
use xops_model::Problem;
use xops_model::SessionId;
use xops_model::{health::ago, paths};

#[component]
pub fn Security() -> impl IntoView {
    let api = Api::expect_context();
    let list = local_resource({
        let api = api.clone();
        move || {
            let api = api.clone();
            async move { api.get::<SessionList>(paths::SESSIONS).await }
        }
    });
    // What the last sign-out did, said once in the status line.
    let said = RwSignal::new(None::<Result<String, Problem>>);
    let end_one = local_action({
        let api = api.clone();
        move |s: &SignedInSession| {
            let (api, s) = (api.clone(), s.clone());
            async move {
                let id: &SessionId = &s.id;
                api.delete(&paths::session(&id)).await.map(|()| format!("Signed out {} ({}).", s.browser, s.address))
            }
        }
    });
    let end_others = local_action(move |(): &()| {
        let api = api.clone();
        async move {
            let ended: SessionsEnded = api.post(paths::SESSIONS_END_OTHERS, &serde_json::json!({})).await?;
            Ok::<_, ApiClientError>(match ended.ended {
                0 => "There were no other sessions to sign out.".to_string(),
                1 => "Signed out 1 other session.".to_string(),
                n => format!("Signed out {n} other sessions."),
            })
        }
    });
    let landed = move |result: Option<Result<String, ApiClientError>>| {
        if let Some(result) = result {
            said.set(Some(result.map_err(|e| Problem::from(e).context(|m| format!("Could not sign out: {m}")))));
            list.refetch();
        }
    };
    Effect::new(move |_| landed(end_one.value().get()));
    Effect::new(move |_| landed(end_others.value().get()));
    let busy = Signal::derive(move || end_one.pending().get() || end_others.pending().get());
    view! {
        <PageHeading title="Security"/>
        <p class="lead">"How you sign in to Xops, and where you are signed in."</p>
        <Passkeys/>
        <section class="panel" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p>"Where you are signed in. If you do not recognise a session, sign it out; its browser must then sign in again."</p>
            <Feedback
                busy
                done=Signal::derive(move || said.get().and_then(Result::ok))
                error=Signal::derive(move || said.get().and_then(Result::err))
            />
            <Transition fallback=|| view! { <Loading what="Loading your sessions…"/> }>
                {move || list.get().map(|got| match got {
                    Err(e) => view! { <LoadFailed why=Problem::from(e).context(|m| format!("Could not load your sessions: {m}"))/> }.into_any(),
                    Ok(l) => {
                        let others = l.sessions.iter().filter(|s| !s.this_browser).count();
                        view! {
                            <SessionTable sessions=l.sessions busy=busy end=Callback::new(move |s| { end_one.dispatch_local(s); })/>
                            <button type="button" class="button end-others" disabled=move || busy.get() || others == 0
                                on:click=move |_| { end_others.dispatch_local(()); }>
                                {move || if end_others.pending().get() { "Signing out…" } else { "Sign out all other sessions" }}
                            </button>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SessionTable(sessions: Vec<SignedInSession>, busy: Signal<bool>, end: Callback<SignedInSession>) -> impl IntoView {
    let now = now_ms();
    view! {
        <table class="members" data-testid="sessions">
            <thead><tr>
                <th scope="col">"Browser"</th>
                <th scope="col">"Address"</th>
                <th scope="col">"Signed in"</th>
                <th scope="col">"Last seen"</th>
                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {sessions.into_iter().map(|s| {
                    let label = format!("Sign out {} ({})", s.browser, s.address);
                    let seen = if s.this_browser { "Now".to_string() } else { ago(now, s.last_seen_at) };
                    let this = s.this_browser;
                    let session = s.clone();
                    view! {
                        <tr data-this-browser=this.to_string()>
                            <td>{s.browser.clone()} {this.then(|| view! { " " <span class="badge">"This browser"</span> })}</td>
                            <td data-label="Address">{s.address.clone()}</td>
                            <td data-label="Signed in">{format_date(s.signed_in_at)}</td>
                            <td data-label="Last seen">{seen}</td>
                            <td>
                                {(!this).then(|| view! {
                                    <button type="button" class="button subtle" aria-label=label disabled=move || busy.get()
                                        on:click=move |_| end.run(session.clone())>"Sign out"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
