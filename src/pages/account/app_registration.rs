//! Changes to the Microsoft app registration, signed in this browser: a client assertion and a
//! proof of possession, both made with a key this browser holds, which the store relays to Graph's
//! `addKey` and `removeKey` (and Test connection's checks). Renewal and Browsers use it.

use super::connection_test::{ask_microsoft, MicrosoftApp};
use crate::api::Api;
use crate::assertion::{client_assertion, proof};
use leptos::prelude::*;
use web_sys::CryptoKey;
use xops_model::renew::{AddKeyRequest, KeyChange, RemoveKeyRequest};
use xops_model::verify::ConnectionTest;
use xops_model::{paths, ApplicationObjectId, CertificateInfo, KeyId, Platform, RecordId};

/// One key this browser holds, and its certificate on the app registration.
pub(super) struct Signer<'a> {
    pub key: &'a CryptoKey,
    pub certificate: &'a CertificateInfo,
}

/// Everything a call to the app registration needs.
pub(super) struct AppRegistration<'a> {
    pub api: &'a Api,
    pub platform: &'a Platform,
    pub id: &'a RecordId,
    pub app: &'a MicrosoftApp,
    pub object_id: &'a ApplicationObjectId,
}

impl AppRegistration<'_> {
    /// A client assertion and a proof of possession, both signed by `signer`.
    async fn signed(&self, signer: &Signer<'_>) -> Result<(String, String), String> {
        let thumbprint = &signer.certificate.sha1_thumbprint;
        let authority = &self.platform.microsoft_authority;
        let assertion = client_assertion(signer.key, authority, &self.app.tenant, &self.app.application, thumbprint)
            .await
            .map_err(|e| format!("The request could not be signed: {e}"))?;
        let proof = proof(signer.key, &self.platform.microsoft_proof_audience, self.object_id, thumbprint)
            .await
            .map_err(|e| format!("The proof could not be signed: {e}"))?;
        Ok((assertion, proof))
    }

    pub async fn add(&self, signer: &Signer<'_>, pem: &str) -> Result<KeyId, String> {
        let (graph_assertion, proof) = self.signed(signer).await?;
        let request = AddKeyRequest { graph_assertion, proof, certificate_pem: pem.to_string() };
        let added: KeyChange = self.api.post(&paths::app_keys(self.id), &request).await.map_err(|e| e.to_string())?;
        Ok(added.key_id)
    }

    pub async fn remove(&self, signer: &Signer<'_>, key_id: &KeyId) -> Result<(), String> {
        let (graph_assertion, proof) = self.signed(signer).await?;
        let path = paths::app_key_remove(self.id, key_id);
        let _: KeyChange = self.api.post(&path, &RemoveKeyRequest { graph_assertion, proof }).await.map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Test connection with `signer`. Entra may take a moment to accept a certificate just added,
    /// so a refused sign-in is tried again twice, five seconds apart.
    pub async fn test(&self, signer: &Signer<'_>, progress: RwSignal<String>) -> Result<ConnectionTest, String> {
        let mut attempt = 1;
        loop {
            let result = ask_microsoft(self.api, self.platform, self.id, self.app, signer.key, signer.certificate, false)
                .await
                .map_err(|e| e.to_string())?;
            let refused = result.checks.first().is_some_and(|c| !c.ok);
            if !refused || attempt == 3 {
                return Ok(result);
            }
            attempt += 1;
            progress.set(format!(
                "Microsoft does not accept the new certificate yet; trying again in 5 seconds (attempt {attempt} of 3)…"
            ));
            crate::started::sleep_ms(5_000).await;
        }
    }
}
