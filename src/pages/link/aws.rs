//! The AWS form's role set-up: the External ID made for this connection, the Xops account the
//! role must trust, and the CloudFormation template that creates the role.

use crate::api::{Api, ApiClientError};
use crate::components::copy::CopyButton;
use crate::components::feedback::ErrorLine;
use crate::erased::local_resource;
use crate::link_kinds::{aws_role_template, Values, AWS_POLICIES};
use crate::platform::platform;
use leptos::prelude::*;
use std::fmt;
use xops_model::Problem;
use xops_model::{AwsAccountId, ExternalId};

/// Why the Xops AWS account cannot be shown; `Display` is the sentence.
enum XopsAccountError {
    NotConfigured,
    NotLoaded(ApiClientError),
}

impl fmt::Display for XopsAccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A customer's words: how to turn it on is the operator's log's and the docs' to say.
            XopsAccountError::NotConfigured => f.write_str("AWS linking is not set up on this Xops yet: the role needs the AWS account Xops works from, and none is set. Ask whoever runs Xops for your company to turn AWS on; Microsoft 365 and Azure accounts can be linked meanwhile."),
            XopsAccountError::NotLoaded(e) => write!(f, "The Xops AWS account could not be loaded: {e}"),
        }
    }
}

/// AWS: the External ID made for this connection, the Xops account the role must trust, and
/// the CloudFormation template that creates the role.
#[component]
pub(super) fn AwsRoleSetup(extra: RwSignal<Values>) -> impl IntoView {
    let api = Api::expect_context();
    let platform = local_resource(move || {
        let api = api.clone();
        async move { platform(&api).await }
    });
    let xops_account = move || -> Option<Result<AwsAccountId, XopsAccountError>> {
        platform.get().map(|r| match r {
            Ok(p) => p.aws_account_id.ok_or(XopsAccountError::NotConfigured),
            Err(e) => Err(XopsAccountError::NotLoaded(e)),
        })
    };
    let external_id = move || extra.with(|v| v.get("external_id").cloned().unwrap_or_default());
    let policy = RwSignal::new(AWS_POLICIES[0].0.to_string());
    let template_error = RwSignal::new(None::<Problem>);
    let download = move |_| {
        template_error.set(None);
        let Some(Ok(account)) = xops_account() else { return };
        let Ok(external) = ExternalId::parse(&external_id()) else { return };
        let template = aws_role_template(&account, &external, &policy.get_untracked());
        if let Err(e) = crate::certificate::save_file("xops-readonly-role.json", "application/json", &template) {
            template_error.set(Some(format!("The download did not start: {e}").into()));
        }
    };
    view! {
        <fieldset class="credential">
            <legend>"Role set-up"</legend>
            <dl class="details">
                <dt>"External ID"</dt>
                <dd class="with-copy">
                    <code data-testid="external-id">{external_id}</code>
                    {move || view! { <CopyButton text=external_id() what="External ID"/> }}
                </dd>
                <dt>"Xops AWS account"</dt>
                <dd class="with-copy">
                    <Suspense fallback=|| view! { <span>"Loading…"</span> }>
                        {move || Suspend::new(async move {
                            match platform.await {
                                Ok(p) => match p.aws_account_id {
                                    Some(a) => view! { <code data-testid="xops-account">{a.to_string()}</code><CopyButton text=a.to_string() what="Xops AWS account"/> }.into_any(),
                                    None => view! { <span class="field-error" role="alert">{XopsAccountError::NotConfigured.to_string()}</span> }.into_any(),
                                },
                                Err(e) => view! { <span class="field-error" role="alert">{XopsAccountError::NotLoaded(e).to_string()}</span> }.into_any(),
                            }
                        })}
                    </Suspense>
                </dd>
            </dl>
            <p class="field-hint">
                "The role must trust the Xops AWS account and require this External ID; it was made for this connection only. "
                "The CloudFormation template does both."
            </p>
            <div class="choices">
                <div class="field">
                    <label for="aws-policy">"Permissions"</label>
                    <select id="aws-policy" on:change=move |ev| policy.set(event_target_value(&ev))>
                        {AWS_POLICIES.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=download disabled=move || !matches!(xops_account(), Some(Ok(_)))>
                    "Download CloudFormation template"
                </button>
            </div>
            <ErrorLine error=template_error/>
        </fieldset>
    }
}
