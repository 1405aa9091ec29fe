use crate::accounts::{Accounts, LinkedAccount};
use crate::components::certificate::{expiry_class, now_ms};
use crate::components::feedback::Loading;
use crate::components::page::PageHeading;
use crate::components::redirect::ReplaceWith;
use crate::components::when::When;
use crate::erased::local_resource;
use crate::health::{Checks, HealthBadge};
use crate::keys::{KeySlot, KeyStore};
use crate::routes;
use crate::session::Session;
use crate::sync::{SyncEngine, SyncStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use xops_model::{AccountStatus, CertificateInfo, Expiry, Provider};

/// Accounts Home lists by name before pointing to Integrations for the rest.
const LISTED: usize = 10;

/// This browser's own certificates among other browsers' (Add this browser) that need attention,
/// found by the keys it holds (`slots`). Only this browser can renew them, so only its Home counts
/// them.
fn own_needing_attention(accounts: &Accounts, slots: &[KeySlot]) -> Vec<(LinkedAccount, Expiry)> {
    let now = now_ms();
    accounts
        .with_certificate()
        .flat_map(|a| {
            let slot = |c: &&CertificateInfo| KeySlot::Browser(a.id.clone(), c.sha1_thumbprint.clone());
            let own = a.integration.other_certificates.iter().filter(|c| slots.contains(&slot(c)));
            own.map(|c| ((**a).clone(), c.expiry(now))).collect::<Vec<_>>()
        })
        .filter(|(_, e)| e.needs_attention())
        .collect()
}

/// Home's first section: the accounts that need someone (failing, expired, not tested yet, a
/// certificate ending), most urgent first, each with its one next step; or that none do.
#[component]
fn NeedsAttention(accounts: ReadSignal<Accounts>) -> impl IntoView {
    let checks = Checks::expect_context();
    let attention = Memo::new(move |_| {
        accounts.with(|a| {
            let all = a.by_urgency(checks.now());
            let needing: Vec<_> = all.into_iter().filter(|(_, s)| s.needs_attention()).collect();
            let total = needing.len();
            let listed: Vec<(LinkedAccount, AccountStatus, Option<String>)> = needing
                .into_iter()
                .take(LISTED)
                .filter_map(|(id, s)| a.get(id).map(|x| ((**x).clone(), s, x.integration.next_step(checks.now()))))
                .collect();
            (total, listed)
        })
    });
    let heading = move || match attention.with(|(n, _)| *n) {
        0 => "Needs attention".to_string(),
        n => format!("Needs attention ({n})"),
    };
    view! {
        <section class="panel attention-panel" aria-labelledby="attention-heading" data-testid="needs-attention">
            <h2 id="attention-heading">{heading}</h2>
            <When when=move || attention.with(|(n, _)| *n > 0) fallback=move || view! {
                <p class="all-working">{move || if accounts.with(Accounts::is_empty) {
                    "Nothing yet: link an account to see how it is doing here."
                } else {
                    "Nothing needs attention: every linked account passed its last test."
                }}</p>
            }>
                <ul class="attention-list">
                    <For each=move || attention.get().1 key=|(a, s, _)| (a.id.clone(), *s) let:item>
                        {
                            let (account, status, next) = item;
                            view! {
                                <li data-testid="attention-item">
                                    <p>
                                        <A href=routes::account(&account.id)>{account.integration.name.as_str().to_string()}</A>
                                        " (" {account.integration.details.provider().label()} "): "
                                        <HealthBadge id=account.id.clone() status=Signal::derive(move || Some(status)) with_certificate=true/>
                                    </p>
                                    {next.map(|n| view! { <p class="next-step">{n}</p> })}
                                </li>
                            }
                        }
                    </For>
                </ul>
                <When when=move || attention.with(|(n, _)| *n > LISTED)>
                    <p><A href=routes::INTEGRATIONS>{move || format!("See all {} on Integrations", attention.with(|(n, _)| *n))}</A></p>
                </When>
            </When>
        </section>
    }
}

/// This browser's own certificates (Add this browser) that end soon: only this browser can renew
/// them. Nothing when none do.
#[component]
fn OwnCertificatesNeedingAttention(accounts: ReadSignal<Accounts>) -> impl IntoView {
    let organization = Session::expect_context().me().map(|m| m.organization.id);
    // The keys this browser holds, by slot (one read; none when the key store cannot be read).
    let slots = local_resource(move || {
        let organization = organization.clone();
        async move {
            let Some(organization) = organization else { return Vec::new() };
            let slots = async { KeyStore::open(&organization).await?.slots().await };
            slots.await.unwrap_or_else(|e| {
                leptos::logging::warn!("Home could not read this browser's keys: {e}");
                Vec::new()
            })
        }
    });
    let own = Memo::new(move |_| {
        let slots = slots.get().unwrap_or_default();
        let mut list = accounts.with(|a| own_needing_attention(a, &slots));
        list.sort_by_key(|(_, e)| std::cmp::Reverse(e.urgency()));
        list
    });
    move || {
        let list = own.get();
        (!list.is_empty()).then(|| {
            let heading = match list.len() {
                1 => "1 certificate of this browser needs attention".to_string(),
                n => format!("{n} certificates of this browser need attention"),
            };
            view! {
                <section class="panel" aria-labelledby="own-certificates-heading" data-testid="certificates-attention">
                    <h2 id="own-certificates-heading">{heading}</h2>
                    <ul class="attention-list">
                        {list.into_iter().map(|(account, expiry)| view! {
                            <li>
                                <A href=routes::account(&account.id)>{account.integration.name.as_str().to_string()}</A>
                                " (this browser's own certificate): " <span class=expiry_class(expiry)>{expiry.describe()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// The accounts Xops can use only for less than six more hours while nobody has them open (their
/// tickets run out): a browser that holds the key must open Xops. Nothing on a deployment that
/// keeps no tickets, or when no account has tickets on.
#[component]
fn TicketsEndingSoon(accounts: ReadSignal<Accounts>) -> impl IntoView {
    let tickets = crate::tickets::Tickets::expect_context();
    let checks = Checks::expect_context();
    let ending = Memo::new(move |_| {
        let now = checks.now();
        let on: Vec<LinkedAccount> = accounts.with(|a| {
            a.by_name()
                .filter(|a| {
                    a.integration.details.provider().signs_tickets()
                        && a.integration.ticket_policy != xops_model::tickets::TicketPolicy::Off
                })
                .map(|a| (**a).clone())
                .collect()
        });
        if on.is_empty() {
            return Vec::new();
        }
        let coverage = tickets.coverage();
        on.into_iter()
            .filter(|a| crate::tickets::ends_soon(&coverage, &a.id, &a.integration, now))
            .map(|a| (a.clone(), crate::tickets::covered_until(&coverage, &a.id, now).map(|c| c.covered_until)))
            .collect::<Vec<_>>()
    });
    move || {
        let list = ending.get();
        (!list.is_empty()).then(|| {
            view! {
                <section class="panel" aria-labelledby="tickets-ending-heading" data-testid="tickets-ending">
                    <h2 id="tickets-ending-heading">"Xops can soon no longer use these accounts while nobody is here"</h2>
                    <ul class="attention-list">
                        {list.into_iter().map(|(account, until)| view! {
                            <li>
                                <A href=routes::account(&account.id)>{account.integration.name.as_str().to_string()}</A>
                                {match until {
                                    Some(t) => format!(": its tickets end {}.", crate::components::certificate::format_moment(t)),
                                    None => ": it has no tickets.".to_string(),
                                }}
                                " Open Xops in a browser that holds its key to sign more."
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// Home's heading and whom it welcomes: only the session.
#[component]
pub fn HomeHeading() -> impl IntoView {
    let session = Session::expect_context();
    let me = move || session.me();
    view! {
        <PageHeading title="Home"/>
        <p class="lead">
            "Welcome, " <strong>{move || me().map(|m| m.user.email).unwrap_or_default()}</strong>
            ". You are working in " <strong>{move || me().map(|m| m.organization.name).unwrap_or_default()}</strong> "."
        </p>
    }
}

/// Home, whole (the heading too), in the signed-in chunk.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <StaysHome>
            <HomeHeading/>
            <Sections/>
        </StaysHome>
    }
}

/// Home's sections, below the heading `HomeFirst` drew.
#[component]
pub fn HomeSections() -> impl IntoView {
    view! {
        <StaysHome>
            <Sections/>
        </StaysHome>
    }
}

/// Until the organization has connected an account, the first-login picker comes first. A
/// viewer cannot link the first account, so is never sent there.
#[component]
fn StaysHome(children: ChildrenFn) -> impl IntoView {
    let session = Session::expect_context();
    let connected = crate::accounts::has_connected_account(session, SyncEngine::expect_context());
    let can_change = session.can_change_accounts();
    view! {
        <When when=move || connected() || !can_change.get() fallback=|| view! { <ReplaceWith to=routes::WELCOME/> }>
            {children()}
        </When>
    }
}

#[component]
fn Sections() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    // Linked accounts, as this device's copy holds them (they update as records sync).
    let accounts = engine.accounts();
    let by_provider = Memo::new(move |_| {
        accounts.with(|a| {
            [Provider::Microsoft365, Provider::Azure, Provider::Aws].into_iter().map(|p| (p, a.count(p))).collect::<Vec<_>>()
        })
    });
    // Nothing is said of the accounts until this device's copy is shown (or, on a new device, the
    // store has answered once): "Nothing yet" before that would be a guess.
    let known = move || engine.status().get() != SyncStatus::Loading || accounts.with(|a| !a.is_empty());
    view! {
        <When when=known fallback=|| view! { <Loading what="Loading your accounts…"/> }>
        <NeedsAttention accounts=accounts/>
        <OwnCertificatesNeedingAttention accounts=accounts/>
        <TicketsEndingSoon accounts=accounts/>
        <section class="panel" aria-labelledby="linked-heading">
            <h2 id="linked-heading">"Linked accounts"</h2>
            <ul class="summary">
                <For each=move || by_provider.get() key=|(p, n)| (*p, *n) let:item>
                    <li>
                        <span class="summary-count">{item.1}</span>
                        <span>{item.0.label()}</span>
                    </li>
                </For>
            </ul>
            <A href=routes::INTEGRATIONS attr:class="button primary">"Manage integrations"</A>
        </section>
        </When>
    }
}
