//! The step-by-step guides beside the link forms, one per cloud, in the consoles' own words.

use crate::api::Api;
use crate::erased::local_resource;
use crate::platform::platform;
use leptos::prelude::*;
use xops_model::api::DEFAULT_MICROSOFT_AUTHORITY;
use xops_model::verify::admin_consent_url;
use xops_model::{ApplicationId, Provider, TenantId};

/// `app`: the Tenant ID and Application ID typed so far, once both parse.
#[component]
pub fn Guide(provider: Provider, app: Signal<Option<(TenantId, ApplicationId)>>) -> impl IntoView {
    let (title, steps) = match provider {
        Provider::Microsoft365 => ("How to connect a Microsoft 365 account", m365_steps(app).into_any()),
        Provider::Azure => ("How to connect an Azure account", azure_steps().into_any()),
        Provider::Aws => ("How to connect an AWS account", aws_steps().into_any()),
    };
    view! {
        <aside id="link-guide" class="guide panel" aria-labelledby="link-guide-heading" tabindex="-1">
            <h2 id="link-guide-heading">{title}</h2>
            {steps}
        </aside>
    }
}

/// The admin consent step: Microsoft's one-step consent page, prefilled once the form has the
/// tenant and the app.
fn consent_link(app: Signal<Option<(TenantId, ApplicationId)>>) -> impl IntoView {
    let api = Api::expect_context();
    let facts = local_resource(move || {
        let api = api.clone();
        async move { platform(&api).await.ok().map(|p| p.microsoft_authority) }
    });
    move || {
        let (tenant, application) = app.get()?;
        let authority = facts.get().flatten().unwrap_or_else(|| DEFAULT_MICROSOFT_AUTHORITY.to_string());
        let url = admin_consent_url(&authority, tenant.as_str(), application.as_str());
        Some(view! {
            " Or open " <a href=url data-testid="admin-consent-link" target="_blank" rel="noopener noreferrer">"the admin consent page for this app"</a>
            " (prefilled with your Tenant ID and Application ID) and accept as an administrator."
        })
    }
}

fn m365_steps(app: Signal<Option<(TenantId, ApplicationId)>>) -> impl IntoView {
    view! {
            <ol class="steps">
                <li>"Sign in to the " <a href="https://entra.microsoft.com" target="_blank" rel="noopener noreferrer">"Microsoft Entra admin center"</a> " as an administrator of the tenant."</li>
                <li>"Search for " <strong>"App registrations"</strong> " and open it, then select " <strong>"New registration"</strong> "."</li>
                <li>"Give the app a name (for example " <em>"Xops"</em> "). Under " <strong>"Supported account types"</strong> ", select " <strong>"Accounts in this organizational directory only"</strong> ", then select " <strong>"Register"</strong> "."</li>
                <li>"On the app's " <strong>"Overview"</strong> ", copy the " <strong>"Directory (tenant) ID"</strong> " into " <strong>"Tenant ID"</strong> " and the " <strong>"Application (client) ID"</strong> " into " <strong>"Application ID"</strong> ". Enter the organization's domain (such as contoso.onmicrosoft.com) as " <strong>"Organization Name"</strong> ", and a name you choose as " <strong>"Microsoft Account Name"</strong> "."</li>
                <li>"Open " <strong>"API permissions"</strong> " → " <strong>"Add a permission"</strong> " → " <strong>"APIs my organization uses"</strong> " → " <strong>"Office 365 Exchange Online"</strong> " → " <strong>"Application permissions"</strong> ", tick " <strong>"Exchange.ManageAsApp"</strong> " and add it. Then select " <strong>"Grant admin consent"</strong> "." {consent_link(app)}</li>
                <li>"Open " <strong>"Roles and administrators"</strong> " (in Entra ID), choose " <strong>"Global Reader"</strong> ", and add an assignment for the app. (Xops cannot check this role itself: reading role assignments needs more permissions than it asks for. Without it, Test connection's Organization check fails.)"</li>
                <li>"Back here, select " <strong>"Generate Public Key"</strong> ". The certificate downloads as " <em>"<account name>.cer"</em> "; the private key stays in this browser."</li>
                <li>"In the app registration, open " <strong>"Certificates & secrets"</strong> " → " <strong>"Certificates"</strong> " → " <strong>"Upload certificate"</strong> ", choose the downloaded file and select " <strong>"Add"</strong> ". Check that the thumbprint matches the one shown here."</li>
                <li>"Return here and select " <strong>"Connect"</strong> "."</li>
            </ol>
    }
}

fn azure_steps() -> impl IntoView {
    view! {
            <ol class="steps">
                <li>"Sign in to the " <a href="https://entra.microsoft.com" target="_blank" rel="noopener noreferrer">"Microsoft Entra admin center"</a> " as an administrator of the tenant."</li>
                <li>"Open " <strong>"App registrations"</strong> " → " <strong>"New registration"</strong> ". Give the app a name (for example " <em>"Xops"</em> "), under " <strong>"Supported account types"</strong> " select " <strong>"Accounts in this organizational directory only"</strong> " (single tenant), and select " <strong>"Register"</strong> "."</li>
                <li>"On the app's " <strong>"Overview"</strong> ", copy the " <strong>"Directory (tenant) ID"</strong> " into " <strong>"Tenant ID"</strong> " and the " <strong>"Application (client) ID"</strong> " into " <strong>"Application ID"</strong> ", and choose a name for " <strong>"Azure Account Name"</strong> "."</li>
                <li>"Open " <strong>"Roles and administrators"</strong> ", choose " <strong>"Global Reader"</strong> ", and add an assignment for the app. (Xops cannot check this role itself: reading role assignments needs more permissions than it asks for.)"</li>
                <li>"In the " <a href="https://portal.azure.com" target="_blank" rel="noopener noreferrer">"Azure portal"</a> ", open the " <strong>"subscription"</strong> " (or the " <strong>"management group"</strong> ") Xops should read → " <strong>"Access control (IAM)"</strong> " → " <strong>"Add role assignment"</strong> " → " <strong>"Reader"</strong> " → " <strong>"Members"</strong> ": select the app → " <strong>"Review + assign"</strong> ". Copy its " <strong>"Subscription ID"</strong> " (or the management group's " <strong>"ID"</strong> ") into the form."</li>
                <li>"Optionally, to let Xops read Key Vault metadata, assign " <strong>"Key Vault Reader"</strong> " the same way."</li>
                <li>"Back here, select " <strong>"Generate Public Key"</strong> ". The certificate downloads as " <em>"<account name>.cer"</em> "; the private key stays in this browser."</li>
                <li>"In the app registration, open " <strong>"Certificates & secrets"</strong> " → " <strong>"Certificates"</strong> " → " <strong>"Upload certificate"</strong> ", choose the downloaded file and select " <strong>"Add"</strong> ". Check that the thumbprint matches the one shown here."</li>
                <li>"Return here and select " <strong>"Connect"</strong> "."</li>
            </ol>
    }
}

fn aws_steps() -> impl IntoView {
    view! {
            <ol class="steps">
                <li>"Choose the " <strong>"AWS Account Type"</strong> " and a name for " <strong>"AWS Account Name"</strong> "."</li>
                <li>"Under " <strong>"Role set-up"</strong> ", pick the permissions (" <strong>"ReadOnlyAccess"</strong> ", or " <strong>"SecurityAudit"</strong> " for security configuration only) and select " <strong>"Download CloudFormation template"</strong> ". It creates a cross-account role that trusts the Xops AWS account and requires the " <strong>"External ID"</strong> " shown there."</li>
                <li>"Sign in to the " <a href="https://console.aws.amazon.com/cloudformation" target="_blank" rel="noopener noreferrer">"AWS CloudFormation console"</a> " of the account to link → " <strong>"Create stack"</strong> " → " <strong>"With new resources"</strong> " → " <strong>"Upload a template file"</strong> ", choose the downloaded file, give the stack a name, tick " <strong>"I acknowledge that AWS CloudFormation might create IAM resources"</strong> ", and select " <strong>"Submit"</strong> "."</li>
                <li>"When the stack is " <strong>"CREATE_COMPLETE"</strong> ", open its " <strong>"Outputs"</strong> " and copy " <strong>"RoleArn"</strong> " into " <strong>"AWS Role ARN"</strong> "."</li>
                <li>"Without CloudFormation: in the " <strong>"IAM console"</strong> " → " <strong>"Roles"</strong> " → " <strong>"Create role"</strong> " → " <strong>"AWS account"</strong> " → " <strong>"Another AWS account"</strong> ", enter the Xops AWS account, tick " <strong>"Require external ID"</strong> " and paste the External ID; attach " <strong>"ReadOnlyAccess"</strong> " or " <strong>"SecurityAudit"</strong> ", create the role and copy its ARN."</li>
                <li>"Return here and select " <strong>"Connect"</strong> "."</li>
            </ol>
    }
}
