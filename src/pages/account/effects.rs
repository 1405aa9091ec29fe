//! The account workflows' effects in this browser (`xops_workflows::Effects`): keys in IndexedDB,
//! new credentials from WebCrypto, the record through the sync, and changes to the Microsoft app
//! registration, signed here with a client assertion and a proof of possession (both made with a
//! key this browser holds) and relayed by the store to Graph's `addKey` and `removeKey`. Renew and
//! Browsers use it; the workflows themselves are tested natively in `crates/workflows`.

use super::connection_test::{ask_microsoft, MicrosoftApp};
use super::Account;
use crate::api::Api;
use crate::assertion::{client_assertion, proof};
use crate::certificate::{new_credential, CredentialOptions};
use crate::keys::{KeySlot, KeyStore};
use leptos::prelude::*;
use web_sys::CryptoKey;
use xops_model::renew::{AddKeyRequest, KeyChange, RemoveKeyRequest};
use xops_model::verify::ConnectionTest;
use xops_model::Problem;
use xops_model::{paths, ApplicationObjectId, Integration, KeyId, Platform, RecordId};
use xops_workflows::renewal::Step;
use xops_workflows::{Credential, Effects, Keys, Signer};

/// What went wrong in this browser (IndexedDB, WebCrypto, the sync's copy): a sentence, no code.
fn here(e: impl std::fmt::Display) -> Problem {
    Problem::new(e.to_string())
}

/// One account's workflow, run from this browser.
pub(super) struct InBrowser {
    account: Account,
    keys: KeyStore,
    api: Api,
    /// What the person chose for a new credential.
    pub options: CredentialOptions,
    /// Where a renewal says what it is doing.
    pub progress: Option<RwSignal<String>>,
}

impl InBrowser {
    /// Opens this browser's key store for `account`.
    pub async fn open(api: Api, account: Account) -> Result<InBrowser, Problem> {
        let keys = KeyStore::open(&account.org.get_value()).await.map_err(here)?;
        Ok(InBrowser { account, keys, api, options: CredentialOptions::default(), progress: None })
    }

    /// The account's app registration and the deployment's Microsoft facts.
    async fn microsoft(&self) -> Result<(MicrosoftApp, Platform), Problem> {
        let integration = self.account.integration().ok_or("This account is no longer linked.")?;
        let app = MicrosoftApp::of(&integration.details).ok_or("Only Microsoft accounts have an app registration.")?;
        let platform = crate::platform::platform(&self.api).await.map_err(Problem::from)?;
        Ok((app, platform))
    }

    /// A client assertion and a proof of possession for the app registration `object_id`, both
    /// signed by `signer`.
    async fn signed(
        &self,
        object_id: &ApplicationObjectId,
        (key, certificate): Signer<'_, CryptoKey>,
    ) -> Result<(String, String), Problem> {
        let (app, platform) = self.microsoft().await?;
        let thumbprint = &certificate.sha1_thumbprint;
        let assertion = client_assertion(key, &platform.microsoft_authority, &app.tenant, &app.application, thumbprint)
            .await
            .map_err(|e| Problem::new(format!("The request could not be signed: {e}")))?;
        let proof = proof(key, &platform.microsoft_proof_audience, object_id, thumbprint)
            .await
            .map_err(|e| Problem::new(format!("The proof could not be signed: {e}")))?;
        Ok((assertion, proof))
    }
}

impl Keys for InBrowser {
    type Key = CryptoKey;

    async fn key(&self, slot: &KeySlot) -> Result<Option<CryptoKey>, Problem> {
        Keys::key(&self.keys, slot).await
    }
}

impl Effects for InBrowser {
    fn id(&self) -> RecordId {
        self.account.id.get_value()
    }
    fn integration(&self) -> Option<Integration> {
        self.account.integration()
    }
    fn now(&self) -> i64 {
        js_sys::Date::now() as i64
    }
    fn step(&self, step: Step) {
        if let Some(progress) = self.progress {
            progress.set(step.says().into());
        }
    }
    async fn new_credential(&self, name: &str) -> Result<Credential<CryptoKey>, Problem> {
        let made = new_credential(name, self.options, js_sys::Date::now()).await.map_err(here)?;
        Ok(Credential { certificate: made.certificate, key: made.private_key })
    }
    async fn browser_slots(&self) -> Result<Vec<KeySlot>, Problem> {
        self.keys.browser_slots(&self.id()).await.map_err(here)
    }
    async fn put_key(&self, slot: &KeySlot, key: &CryptoKey) -> Result<(), Problem> {
        self.keys.put_key(slot, key).await.map_err(here)
    }
    async fn delete_key(&self, slot: &KeySlot) -> Result<(), Problem> {
        // The workflows delete only keys that sign nothing any more: a failure leaves an unused
        // key behind, which is logged, not shown.
        self.keys.delete_key(slot).await.map_err(|e| {
            leptos::logging::warn!("an unused key could not be deleted from this browser: {e}");
            here(e)
        })
    }
    async fn promote_key(&self, from: &KeySlot, to: &KeySlot, retired: &KeySlot) -> Result<(), Problem> {
        self.keys.promote_key(from, to, retired).await.map_err(here)
    }
    async fn add(&self, object_id: &ApplicationObjectId, signer: Signer<'_, CryptoKey>, pem: &str) -> Result<KeyId, Problem> {
        let (graph_assertion, proof) = self.signed(object_id, signer).await?;
        let request = AddKeyRequest { graph_assertion, proof, certificate_pem: pem.to_string() };
        let added: KeyChange = self.api.post(&paths::app_keys(&self.id()), &request).await?;
        Ok(added.key_id)
    }
    async fn remove(
        &self,
        object_id: &ApplicationObjectId,
        signer: Signer<'_, CryptoKey>,
        key_id: &KeyId,
    ) -> Result<(), Problem> {
        let (graph_assertion, proof) = self.signed(object_id, signer).await?;
        let path = paths::app_key_remove(&self.id(), key_id);
        let _: KeyChange = self.api.post(&path, &RemoveKeyRequest { graph_assertion, proof }).await?;
        Ok(())
    }
    /// Test connection with `signer`. Entra may take a moment to accept a certificate just added,
    /// so a refused sign-in is tried again twice, five seconds apart.
    async fn test(&self, (key, certificate): Signer<'_, CryptoKey>) -> Result<ConnectionTest, Problem> {
        let (app, platform) = self.microsoft().await?;
        let id = self.id();
        let mut attempt = 1;
        loop {
            let result = ask_microsoft(&self.api, &platform, &id, &app, key, certificate, false).await.map_err(Problem::from)?;
            let refused = result.checks.first().is_some_and(|c| !c.ok);
            if !refused || attempt == 3 {
                return Ok(result);
            }
            attempt += 1;
            if let Some(progress) = self.progress {
                progress.set(format!(
                    "Microsoft does not accept the new certificate yet; trying again in 5 seconds (attempt {attempt} of 3)…"
                ));
            }
            crate::started::sleep_ms(5_000).await;
        }
    }
    async fn save(&self, integration: Integration) -> Result<(), Problem> {
        self.account.save(integration).await.map_err(here)
    }
}
