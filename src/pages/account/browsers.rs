//! More than one browser: each browser holds its own key and certificate for an account. The
//! account page lists them; a browser without a key asks to be added ("Add this browser": it makes
//! its key pair and certificate and records the request), and a person on a browser that holds a
//! key approves it, which adds the new certificate to the app registration through Graph's addKey,
//! signed with their key. The manual path stays: download the certificate, upload it in the
//! portal, confirm. No key ever leaves the browser that made it.

use super::browser_changes::{approve, remove, request};
use super::held::{Held, OneKeyPerBrowser};
use super::renew::RenewCertificate;
use super::{Account, ObjectIdField, ObjectIdInput};
use crate::api::Api;
use crate::certificate;
use crate::components::certificate::{expiry_class, format_date, now_ms, BrowserNameField, BrowserNameInput, ThumbprintText};
use crate::components::feedback::Feedback;
use crate::components::when::When;
use crate::erased::local_action;
use crate::session::Session;
use leptos::prelude::*;
use xops_model::Problem;
use xops_model::{ApplicationObjectId, CertificateInfo, Integration, Sha1Thumbprint};

/// One row of the list.
#[derive(Clone, PartialEq)]
struct Row {
    certificate: CertificateInfo,
    /// The account's own certificate (renewed or replaced above, not removed here).
    main: bool,
    waiting: bool,
    here: bool,
}

fn rows(integration: &Integration, held: &Option<Held>) -> Vec<Row> {
    let here = |c: &CertificateInfo, main: bool| match held {
        Some(Held::Main) => main,
        Some(Held::Other(t) | Held::Requested(t)) => !main && *t == c.sha1_thumbprint,
        _ => false,
    };
    let row = |c: &CertificateInfo, main: bool, waiting: bool| Row { certificate: c.clone(), main, waiting, here: here(c, main) };
    let main = integration.certificate.iter().map(|c| row(c, true, false));
    let others = integration.other_certificates.iter().map(|c| row(c, false, false));
    let waiting = integration.browser_requests.iter().map(|c| row(c, false, true));
    main.chain(others).chain(waiting).collect()
}

/// Who holds a row's key: the browser's name, this browser marked, and who made it.
fn holder(r: &Row) -> String {
    let by = r.certificate.created_by.clone().map(|b| format!(", made by {b}")).unwrap_or_default();
    format!("{}{}{by}", r.certificate.key_held_by, if r.here { " (this browser)" } else { "" })
}

/// What a row's buttons do, each given the row's thumbprint.
#[derive(Clone, Copy)]
struct RowCallbacks {
    approve: Callback<Sha1Thumbprint>,
    uploaded: Callback<Sha1Thumbprint>,
    remove: Callback<Sha1Thumbprint>,
}

/// The account's certificates, one row each, with the buttons that apply to it.
#[component]
fn BrowserList(account: Account, busy: Signal<bool>, can_sign: Signal<bool>, on: RowCallbacks) -> impl IntoView {
    let held = account.held;
    // Rows are built anew when they change, so an open "Remove?" question and the focus stay while
    // the rest of the record changes.
    let list =
        Memo::new(move |_| account.current.with(|a| a.as_ref().map(|a| rows(&a.integration, &held.get())).unwrap_or_default()));
    // The account's own certificate alone: one sentence says who holds its key (the table is for
    // when there is more than one browser, or a request).
    let alone = Memo::new(move |_| list.with(|l| matches!(l.as_slice(), [r] if r.main)));
    view! {
        <When when=move || alone.get() fallback=move || view! { <BrowserTable list busy can_sign on/> }>
            <p data-testid="only-browser">{move || list.with(|l| l.first().map(|r| format!("Only {} holds a key for this account.", holder(r))).unwrap_or_default())}</p>
        </When>
    }
}

/// The account's certificates as a table, one row each, with the buttons that apply to it.
#[component]
fn BrowserTable(list: Memo<Vec<Row>>, busy: Signal<bool>, can_sign: Signal<bool>, on: RowCallbacks) -> impl IntoView {
    view! {
        <table class="accounts browsers">
            <thead><tr><th scope="col">"Certificate (SHA-1)"</th><th scope="col">"Valid until"</th><th scope="col">"Key held by"</th><th scope="col">"State"</th></tr></thead>
            <tbody>
                {move || list.get().into_iter().map(|r| {
                    let holder = holder(&r);
                    let expiry = r.certificate.expiry(now_ms());
                    view! {
                        <tr>
                            <td data-label="Certificate (SHA-1)"><ThumbprintText thumbprint=r.certificate.sha1_thumbprint.to_string()/></td>
                            <td data-label="Valid until">
                                {format_date(r.certificate.not_after)}
                                {expiry.needs_attention().then(|| view! { " " <span class=expiry_class(expiry)>"(" {expiry.describe()} ")"</span> })}
                            </td>
                            <td data-label="Key held by">{holder}</td>
                            <td data-label="State">
                                {if r.waiting { "Waiting for approval" } else { "In use" }}
                                <RowActions row=r busy can_sign on/>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A row's buttons: Approve or Decline another browser's request; on the requesting browser, "I
/// have uploaded it in the portal" or Withdraw; Remove (once confirmed) on a browser in use. The
/// account's own certificate has none here (Renew or Replace it above).
#[component]
fn RowActions(row: Row, busy: Signal<bool>, can_sign: Signal<bool>, on: RowCallbacks) -> impl IntoView {
    let thumbprint = StoredValue::new(row.certificate.sha1_thumbprint.clone());
    let press = move |c: Callback<Sha1Thumbprint>| move |_| c.run(thumbprint.get_value());
    let confirming = RwSignal::new(false);
    // Taking a certificate off the app registration is signed with a key held here.
    let signs = row.certificate.key_id.is_some();
    let question = StoredValue::new(if row.here {
        "Remove this browser? Its certificate comes off the app registration, and its key is deleted here.".to_string()
    } else {
        format!(
            "Remove {}? Its certificate comes off the app registration, so its key can no longer sign in.",
            row.certificate.key_held_by
        )
    });
    match (row.main, row.waiting, row.here) {
        (true, ..) => ().into_any(),
        (false, true, false) => view! {
            <button type="button" class="button small" disabled=move || busy.get() || !can_sign.get() on:click=press(on.approve)>"Approve"</button>
            <button type="button" class="button small subtle" disabled=busy on:click=press(on.remove)>"Decline"</button>
        }
        .into_any(),
        (false, true, true) => view! {
            <button type="button" class="button small" disabled=busy on:click=press(on.uploaded)>"I have uploaded it in the portal"</button>
            <button type="button" class="button small subtle" disabled=busy on:click=press(on.remove)>"Withdraw"</button>
        }
        .into_any(),
        (false, false, _) => view! {
            <When when=move || confirming.get() fallback=move || view! {
                <button type="button" class="button small subtle" disabled=move || busy.get() || (signs && !can_sign.get())
                    on:click=move |_| confirming.set(true)>"Remove"</button>
            }>
                <div class="confirm">
                    <p>{question.get_value()}</p>
                    <button type="button" class="button small danger" disabled=busy
                        on:click=move |ev| { confirming.set(false); press(on.remove)(ev) }>"Remove browser"</button>
                    <button type="button" class="button small" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </When>
        }
        .into_any(),
    }
}

/// The section's one progress line and one error, which its actions share.
#[derive(Clone, Copy)]
struct Feedback {
    status: RwSignal<String>,
    error: RwSignal<Option<Problem>>,
}

impl Feedback {
    fn working(self, what: &str) {
        self.error.set(None);
        self.status.set(what.to_string());
    }

    /// Says how an action ended: `said` of what it gave, or its error.
    fn ended<T, E: Into<Problem>>(self, result: Result<T, E>, said: impl FnOnce(T) -> String) {
        match result {
            Ok(v) => self.status.set(said(v)),
            Err(e) => {
                self.status.set(String::new());
                self.error.set(Some(e.into()));
            }
        }
    }
}

/// The section's writes (Add this browser, Approve, Remove), one at a time, saying how each went
/// in `feedback`.
#[derive(Clone, Copy)]
struct Changes {
    adding: Action<String, ()>,
    approving: Action<(Sha1Thumbprint, Option<ApplicationObjectId>), ()>,
    removing: Action<(Sha1Thumbprint, Option<ApplicationObjectId>), ()>,
}

impl Changes {
    fn new(account: Account, feedback: Feedback) -> Changes {
        let api = StoredValue::new(Api::expect_context());
        let made_by = Session::expect_context().me().map(|m| m.user.email);
        let adding = local_action(move |label: &String| {
            let (made_by, label) = (made_by.clone(), label.clone());
            async move {
                feedback.working("Making this browser's key pair and certificate…");
                feedback.ended(request(api.get_value(), account, label, made_by).await, |c| {
                    account.held.set(Some(Held::Requested(c.sha1_thumbprint)));
                    "Requested. Someone on a browser that holds a key for this account approves it on this page. Or upload the downloaded certificate in the Microsoft Entra admin center (Certificates & secrets) and confirm here.".into()
                });
            }
        });
        let approving = local_action(move |(request, object_id): &(Sha1Thumbprint, Option<ApplicationObjectId>)| {
            let (request, object_id) = (request.clone(), object_id.clone());
            async move {
                feedback.working(if object_id.is_some() {
                    "Adding the browser's certificate to the app registration (signed with this browser's key)…"
                } else {
                    "Putting the uploaded certificate in use…"
                });
                let approved = approve(api.get_value(), account, request, object_id).await;
                feedback.ended(approved, |()| "Approved: that browser can now test this account.".into());
            }
        });
        let removing = local_action(move |(thumbprint, object_id): &(Sha1Thumbprint, Option<ApplicationObjectId>)| {
            let (thumbprint, object_id) = (thumbprint.clone(), object_id.clone());
            async move {
                feedback.working(if object_id.is_some() {
                    "Taking the certificate off the app registration (signed with this browser's key)…"
                } else {
                    "Removing…"
                });
                feedback.ended(remove(api.get_value(), account, thumbprint, object_id).await, |r| r.to_string());
            }
        });
        Changes { adding, approving, removing }
    }

    fn busy(self) -> bool {
        self.adding.pending().get() || self.approving.pending().get() || self.removing.pending().get()
    }

    /// What a row's buttons do: approve through Graph (with the Object ID) or as uploaded, and
    /// remove (through Graph when Xops knows the certificate's id there).
    fn for_rows(self, account: Account, object_id: ObjectIdField) -> RowCallbacks {
        RowCallbacks {
            approve: Callback::new(move |request: Sha1Thumbprint| {
                if let Some(o) = object_id.read().filter(|_| !self.busy()) {
                    self.approving.dispatch_local((request, Some(o)));
                }
            }),
            uploaded: Callback::new(move |request: Sha1Thumbprint| {
                if !self.busy() {
                    self.approving.dispatch_local((request, None));
                }
            }),
            remove: Callback::new(move |thumbprint: Sha1Thumbprint| {
                let through_graph = account
                    .integration()
                    .is_some_and(|i| i.other_certificates.iter().any(|c| c.sha1_thumbprint == thumbprint && c.key_id.is_some()));
                let object_id = if through_graph { object_id.read() } else { None };
                if (object_id.is_some() || !through_graph) && !self.busy() {
                    self.removing.dispatch_local((thumbprint, object_id));
                }
            }),
        }
    }
}

#[component]
pub(super) fn BrowsersSection(account: Account) -> impl IntoView {
    let held = account.held;
    let object_id = ObjectIdField::new(account, "approve-object-id");
    let feedback = Feedback { status: RwSignal::new(String::new()), error: RwSignal::new(None) };
    let changes = Changes::new(account, feedback);
    let busy = move || changes.busy();
    let label = BrowserNameField::for_this_browser();
    let add = move |_| {
        let Some(name) = label.read() else { return crate::components::page::focus("browser-label") };
        certificate::remember_browser_name(&name);
        if !busy() {
            changes.adding.dispatch_local(name.into());
        }
    };
    let on = changes.for_rows(account, object_id);
    let can_sign = move || held.with(|h| h.as_ref().is_some_and(Held::can_sign));
    let own_here = move || matches!(held.get(), Some(Held::Other(_)));
    // Something to approve, a browser to take off the app registration, or this browser's own
    // certificate to renew.
    let graph_work = move || {
        own_here()
            || account.current.with(|a| {
                a.as_ref().is_some_and(|a| {
                    let i = &a.integration;
                    !i.browser_requests.is_empty() || i.other_certificates.iter().any(|c| c.key_id.is_some())
                })
            })
    };

    view! {
        <section class="panel" aria-labelledby="browsers-heading">
            <h2 id="browsers-heading">"Browsers"</h2>
            <p>"Each browser that uses this account holds its own key, which never leaves it."</p>
            <BrowserList account busy=Signal::derive(busy) can_sign=Signal::derive(can_sign) on/>
            <OneKeyPerBrowser/>
            <When when=move || graph_work() && can_sign()>
                <ObjectIdInput field=object_id why="Approving, removing or renewing a browser's certificate changes the app registration, signed with this browser's key, and needs the app's Object ID."/>
            </When>
            <When when=move || held.get() == Some(Held::Nothing) && account.current.with(|a| a.as_ref().is_some_and(|a| a.integration.certificate.is_some()))>
                <BrowserNameInput field=label id="browser-label"
                    hint="Shown to others beside this browser's certificate, such as “Firefox on Ada's laptop”."/>
                <div class="actions">
                    <button type="button" class="button primary" on:click=add disabled=busy>"Add this browser"</button>
                </div>
            </When>
            <When when=own_here>
                <RenewCertificate account own=true object_id/>
            </When>
            <Feedback busy=Signal::derive(busy) progress=feedback.status error=feedback.error testid="browsers"/>
        </section>
    }
}
