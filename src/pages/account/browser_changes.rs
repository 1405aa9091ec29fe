//! What the Browsers section's buttons do: Add this browser, Approve, and Remove (a request
//! declined or withdrawn). The workflows are `xops_workflows::browsers`, tested natively; here
//! they run with this browser's effects (`effects.rs`), and Add this browser downloads the
//! certificate it made.

use super::effects::InBrowser;
use super::Account;
use crate::api::Api;
use crate::certificate;
use xops_model::{ApplicationObjectId, CertificateInfo, Sha1Thumbprint};
use xops_workflows::browsers::{self, BrowserError, Removed};

/// Add this browser: its own key pair and certificate, the key kept here, the certificate
/// recorded as a request, and downloaded (for the manual path).
pub(super) async fn request(
    api: Api,
    account: Account,
    label: String,
    made_by: Option<String>,
) -> Result<CertificateInfo, BrowserError> {
    let with = InBrowser::open(api, account).await.map_err(BrowserError::Keys)?;
    let mine = browsers::request(&with, label, made_by).await?;
    let name = account.integration().map(|i| i.name.as_str().to_string()).unwrap_or_default();
    certificate::download(&name, &mine.pem).map_err(|e| BrowserError::NotMade(xops_model::Problem::new(e.to_string())))?;
    Ok(mine)
}

/// Puts `request` in use: added to the app registration through Graph with this browser's key
/// (`object_id` given), or, for the manual path (`None`), as the person uploaded it in the portal.
pub(super) async fn approve(
    api: Api,
    account: Account,
    request: Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<(), BrowserError> {
    let with = InBrowser::open(api, account).await.map_err(BrowserError::Keys)?;
    browsers::approve(&with, &request, object_id).await
}

/// Takes the certificate `thumbprint` off the account (see `xops_workflows::browsers::remove`).
pub(super) async fn remove(
    api: Api,
    account: Account,
    thumbprint: Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<Removed, BrowserError> {
    let with = InBrowser::open(api, account).await.map_err(BrowserError::Keys)?;
    browsers::remove(&with, &thumbprint, object_id).await
}
