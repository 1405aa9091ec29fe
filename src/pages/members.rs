//! Members: who is in the organization, their role and last sign-in; invitations (a one-time
//! link to copy: no mail server is needed); for owners, changing roles and removing members.
//! Owners and admins make a one-time reset link for a member who forgot their password.
//! What each role may do is the model's `Role`; the store refuses anything else.

use crate::api::{Api, ApiClientError};
use crate::components::certificate::format_date;
use crate::components::copy::CopyButton;
use crate::components::feedback::{ErrorLine, LoadFailed, Loading};
use crate::components::page::PageHeading;
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::session::Session;
use leptos::prelude::*;
use xops_model::security::{reset_link, ResetLinkCreated};
use xops_model::team::{invitation_link, InvitationRequest, RoleChange};
use xops_model::Problem;
use xops_model::{paths, Invitation, InvitationCreated, Member, Members as MemberList, Role, UserId};

#[component]
pub fn Members() -> impl IntoView {
    let api = Api::expect_context();
    let session = Session::expect_context();
    let me = move || session.me();
    let role = Memo::new(move |_| me().map(|m| m.role).unwrap_or(Role::Viewer));
    let list = local_resource({
        let api = api.clone();
        move || {
            let api = api.clone();
            async move {
                api.get::<MemberList>(paths::MEMBERS)
                    .await
                    .map_err(|e| Problem::from(e).context(|m| format!("Could not load the members: {m}")))
            }
        }
    });
    let refresh = Callback::new(move |()| list.refetch());
    view! {
        <PageHeading title="Members"/>
        <p class="lead">"The people of your organization and what each may do. Owners manage members; owners and admins invite."</p>
        <When when=move || Role::ALL.iter().any(|r| role.get().may_invite(*r))>
            <InviteForm role=role refresh=refresh/>
        </When>
        <Transition fallback=|| view! { <Loading/> }>
            {move || list.get().map(|got| match got {
                Err(e) => view! { <LoadFailed why=e/> }.into_any(),
                Ok(l) => view! {
                    <MemberTable members=l.members role=role refresh=refresh/>
                    <PendingInvitations invitations=l.invitations role=role refresh=refresh/>
                }.into_any(),
            })}
        </Transition>
    }
}

/// Whether this role has anything to do on a row (remove, or make a reset link).
fn has_actions(role: Role) -> bool {
    role.manages_members() || Role::ALL.iter().any(|r| role.may_make_reset_link(*r))
}

fn last_sign_in(m: &Member) -> String {
    m.last_sign_in_at.map(format_date).unwrap_or_else(|| "Never".into())
}

#[component]
fn MemberTable(members: Vec<Member>, role: Memo<Role>, refresh: Callback<()>) -> impl IntoView {
    let own_id = Session::expect_context().me().map(|m| m.user.id);
    view! {
        <section class="panel" aria-labelledby="members-heading">
            <h2 id="members-heading">"People"</h2>
            <table class="members" data-testid="members">
                <thead><tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Last sign-in"</th>
                    <When when=move || has_actions(role.get())><th scope="col">"Actions"</th></When>
                </tr></thead>
                <tbody>
                    {members.into_iter().map(|m| {
                        let you = own_id.as_ref() == Some(&m.id);
                        view! { <MemberRow member=m you=you role=role refresh=refresh/> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn MemberRow(member: Member, you: bool, role: Memo<Role>, refresh: Callback<()>) -> impl IntoView {
    let api = Api::expect_context();
    let error = RwSignal::new(None::<Problem>);
    let confirming = RwSignal::new(false);
    let id = member.id.clone();
    let email = member.email.clone();
    let select_id = format!("role-{id}");
    let change = local_action({
        let (api, id) = (api.clone(), id.clone());
        move |new: &Role| {
            let (api, id, new) = (api.clone(), id.clone(), *new);
            async move { api.put::<_, Member>(&paths::member_role(&id), &RoleChange { role: new }).await.map(drop) }
        }
    });
    let remove = local_action({
        let (api, id) = (api.clone(), id.clone());
        move |(): &()| {
            let (api, id): (Api, UserId) = (api.clone(), id.clone());
            async move { api.delete(&paths::member(&id)).await }
        }
    });
    let done = move |result: Option<Result<(), ApiClientError>>| match result {
        Some(Ok(())) => {
            error.set(None);
            refresh.run(());
        }
        Some(Err(e)) => error.set(Some(e.into())),
        None => {}
    };
    Effect::new(move |_| done(change.value().get()));
    Effect::new(move |_| done(remove.value().get()));
    let current = member.role;
    let label = format!("Role of {email}");
    let remove_question = StoredValue::new(format!("Remove {email}? Their sessions end at once."));
    let reset_for = StoredValue::new(member.clone());
    let reset = RwSignal::new(None::<Result<ResetLinkCreated, Problem>>);
    view! {
        <tr data-email=email.clone()>
            <td>{email.clone()} {you.then_some(" (you)")}</td>
            <td>
                <When when=move || role.get().manages_members() fallback=move || current.label()>
                    <label class="visually-hidden" for=select_id.clone()>{label.clone()}</label>
                    <select id=select_id.clone() disabled=move || change.pending().get()
                        on:change=move |ev| {
                            if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                change.dispatch_local(r);
                            }
                        }>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{r.label()}</option> }).collect_view()}
                    </select>
                </When>
            </td>
            <td data-label="Last sign-in">{last_sign_in(&member)}</td>
            <When when=move || has_actions(role.get())>
                <td>
                    <When when=move || !you && role.get().may_make_reset_link(current)>
                        <ResetLinkButton member=reset_for.get_value() made=reset/>
                    </When>
                    // (No one removes themselves here: the only owner could not, and another
                    // owner does it for them.)
                    <When when=move || !you && role.get().manages_members()>
                    <When when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="button subtle" on:click=move |_| confirming.set(true)>"Remove"</button>
                    }>
                        <span>{remove_question.get_value()}</span>
                        " "
                        <button type="button" class="button danger" disabled=move || remove.pending().get()
                            on:click=move |_| { remove.dispatch_local(()); }>"Remove member"</button>
                        <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </When>
                    </When>
                </td>
            </When>
        </tr>
        <When when=move || error.get().is_some()>
            <tr><td colspan="4"><ErrorLine error/></td></tr>
        </When>
        <ResetLinkShown made=reset/>
    }
}

/// "Reset link": makes a one-time link (an hour) that sets a new password for the member and ends
/// all their sessions; `made` gets it (or why not), for [`ResetLinkShown`].
#[component]
fn ResetLinkButton(member: Member, made: RwSignal<Option<Result<ResetLinkCreated, Problem>>>) -> impl IntoView {
    let api = Api::expect_context();
    let id = member.id.clone();
    let make = local_action(move |(): &()| {
        let (api, id) = (api.clone(), id.clone());
        async move { api.post::<_, ResetLinkCreated>(&paths::member_reset_link(&id), &serde_json::json!({})).await }
    });
    Effect::new(move |_| {
        if let Some(result) = make.value().get() {
            made.set(Some(result.map_err(Problem::from)));
        }
    });
    let label = format!("Make a password reset link for {}", member.email);
    view! {
        <button type="button" class="button subtle" aria-label=label disabled=move || make.pending().get()
            on:click=move |_| { made.set(None); make.dispatch_local(()); }>
            {move || if make.pending().get() { "Making the link…" } else { "Reset link" }}
        </button>
    }
}

/// The link just made, shown once to copy and hand over (no mail server is needed), across the
/// member's row.
#[component]
fn ResetLinkShown(made: RwSignal<Option<Result<ResetLinkCreated, Problem>>>) -> impl IntoView {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    move || {
        made.get().map(|made| {
            let shown = match made {
                Ok(c) => {
                    let link = reset_link(&origin, &c.token);
                    let until = String::from(js_sys::Date::new(&(c.expires_at as f64).into()).to_locale_time_string("default"));
                    view! {
                        <div class="form-success" role="status" data-testid="reset-link">
                            <p>{format!("Give this link to {} only. It works once, until {until}: it sets a new password and signs them out everywhere. Making another link retires this one.", c.email)}</p>
                            <p class="with-copy"><code>{link.clone()}</code><CopyButton text=link what="reset link"/></p>
                        </div>
                    }
                    .into_any()
                }
                Err(e) => view! { <p class="field-error" role="alert">{e.message}</p> }.into_any(),
            };
            view! { <tr><td colspan="4">{shown}</td></tr> }
        })
    }
}

#[component]
fn InviteForm(role: Memo<Role>, refresh: Callback<()>) -> impl IntoView {
    let api = Api::expect_context();
    let email = RwSignal::new(String::new());
    let invite_as = RwSignal::new(Role::Viewer);
    let email_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<Problem>);
    let created = RwSignal::new(None::<InvitationCreated>);
    let send = local_action(move |req: &InvitationRequest| {
        let (api, req) = (api.clone(), req.clone());
        async move { api.post::<_, InvitationCreated>(paths::INVITATIONS, &req).await }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(c)) => {
            created.set(Some(c));
            email.set(String::new());
            refresh.run(());
        }
        Some(Err(e)) => match Problem::from(e) {
            // The store's word on the address goes beside it.
            e if e.is_about("email") => email_error.set(Some(e.message)),
            e => error.set(Some(e)),
        },
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        email_error.set(None);
        error.set(None);
        match xops_model::Email::parse(&email.get_untracked()) {
            Ok(e) => {
                send.dispatch_local(InvitationRequest { email: e.as_str().to_string(), role: invite_as.get_untracked() });
            }
            Err(e) => email_error.set(Some(e.message)),
        }
    };
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite a colleague"</h2>
            <form class="form" novalidate on:submit=submit>
                <div class="field" class:field-invalid=move || email_error.get().is_some()>
                    <label for="invite-email">"Email"</label>
                    <input id="invite-email" type="email" autocomplete="off" prop:value=move || email.get()
                        on:input=move |ev| { email.set(event_target_value(&ev)); email_error.set(None); }
                        aria-invalid=move || email_error.get().is_some().to_string()
                        aria-describedby="invite-email-error"/>
                    <p class="field-error" id="invite-email-error" hidden=move || email_error.get().is_none()>{move || email_error.get().unwrap_or_default()}</p>
                </div>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <p class="field-hint" id="invite-role-hint">{move || invite_as.get().summary()}</p>
                    <select id="invite-role" aria-describedby="invite-role-hint" on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { invite_as.set(r) }>
                        {move || Role::ALL.into_iter().rev().filter(|r| role.get().may_invite(*r)).map(|r| view! {
                            <option value=r.as_str() selected=move || invite_as.get() == r>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <ErrorLine error/>
                <button class="button primary" type="submit" disabled=move || send.pending().get()>
                    {move || if send.pending().get() { "Creating the link…" } else { "Create invitation link" }}
                </button>
            </form>
            {move || created.get().map(|c| {
                let link = invitation_link(&origin, &c.token);
                view! {
                    <div class="form-success" role="status" data-testid="invitation-link">
                        <p>{format!("Send this link to {} (it makes them {} {}). It works once, until {}; only you see it now.",
                            c.invitation.email, if c.invitation.role == Role::Admin { "an" } else { "a" }, c.invitation.role.as_str(), format_date(c.invitation.expires_at))}</p>
                        <p class="with-copy"><code>{link.clone()}</code><CopyButton text=link what="invitation link"/></p>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn PendingInvitations(invitations: Vec<Invitation>, role: Memo<Role>, refresh: Callback<()>) -> impl IntoView {
    let api = Api::expect_context();
    let error = RwSignal::new(None::<Problem>);
    let revoke = local_action(move |id: &xops_model::InvitationId| {
        let (api, id) = (api.clone(), id.clone());
        async move { api.delete(&paths::invitation(&id)).await }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => refresh.run(()),
        Some(Err(e)) => error.set(Some(e.into())),
        None => {}
    });
    let empty = invitations.is_empty();
    view! {
        <section class="panel" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Pending invitations"</h2>
            <ErrorLine error/>
            {empty.then(|| view! { <p>"No invitations are waiting."</p> })}
            <ul class="invitations" data-testid="invitations">
                {invitations.into_iter().map(|i| {
                    let id = i.id.clone();
                    let may = move || role.get().may_invite(i.role);
                    let text = format!("{} as {}, invited by {}; the link works until {}.", i.email, i.role.as_str(), i.invited_by, format_date(i.expires_at));
                    let label = format!("Revoke the invitation of {}", i.email);
                    view! {
                        <li>
                            {text}
                            " "
                            <When when=may>
                                <button type="button" class="button subtle" aria-label=label.clone() disabled=move || revoke.pending().get()
                                    on:click={ let id = id.clone(); move |_| { revoke.dispatch_local(id.clone()); } }>"Revoke"</button>
                            </When>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
