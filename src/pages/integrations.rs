use crate::components::page::PageHeading;
use crate::sync::local::LocalRecord;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::A;
use xops_model::{Integration, IntegrationDetails, RecordKind};

/// An integration record as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    pub id: String,
    pub integration: Integration,
    pub pending: bool,
}

/// The organization's linked accounts, from this device's copy, sorted by name.
pub fn linked_accounts(engine: SyncEngine) -> Memo<Vec<LinkedAccount>> {
    let records = engine.records();
    Memo::new(move |_| {
        let mut list: Vec<LinkedAccount> = records
            .get()
            .into_iter()
            .filter(|r| r.record.kind == RecordKind::Integration)
            .filter_map(|LocalRecord { record, pending }| {
                let integration = serde_json::from_value(record.body?).ok()?;
                Some(LinkedAccount { id: record.id, integration, pending })
            })
            .collect();
        list.sort_by(|a, b| a.integration.name.as_str().to_lowercase().cmp(&b.integration.name.as_str().to_lowercase()));
        list
    })
}

pub fn where_it_points(details: &IntegrationDetails) -> String {
    match details {
        IntegrationDetails::Microsoft365(d) => d.organization.as_str().to_string(),
    }
}

#[component]
pub fn Integrations() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let accounts = linked_accounts(engine);
    view! {
        <PageHeading title="Integrations"/>
        <p class="lead">"Link AWS, Azure and Microsoft accounts to Xops."</p>
        <section class="panel" aria-labelledby="linked-accounts-heading">
            <h2 id="linked-accounts-heading">"Linked accounts"</h2>
            <Show
                when=move || !accounts.with(Vec::is_empty)
                fallback=|| view! { <p>"No accounts are linked yet."</p> }
            >
                <table class="accounts">
                    <thead>
                        <tr><th scope="col">"Name"</th><th scope="col">"Provider"</th><th scope="col">"Tenant or organization"</th><th scope="col">"Status"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || accounts.get() key=|a| (a.id.clone(), a.integration.name.clone(), a.pending) let:account>
                            <tr>
                                <td><A href=format!("/integrations/{}", account.id)>{account.integration.name.as_str().to_string()}</A></td>
                                <td>{account.integration.details.provider().label()}</td>
                                <td>{where_it_points(&account.integration.details)}</td>
                                <td>{if account.pending { "Not saved yet" } else { "Connected" }}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
