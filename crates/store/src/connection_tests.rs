//! Connection tests kept on their accounts. Only the store writes an account's `last_test`: right
//! after a test it ran itself (asked for by a person, by the app in the background, or by its own
//! schedule), and only a conclusive one (every service answered). A client's body never sets it
//! (`records::Change`), with one exception: a result the store sealed and handed out for a
//! certificate the record did not list yet (a renewal tests its new certificate before it saves
//! it), put on the record together with that certificate.

use crate::accounts::Actor;
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::records;
use crate::store_keys::MacKey;
use crate::{activity, AppState};
use base64::Engine;
use xops_model::verify::ConnectionTest;
use xops_model::{ActivityKind, Integration, OrganizationId, Record, RecordId, RecordKind, Sha1Thumbprint, UserId};

/// What the store seals results with (a `MacKey` of its own, see `store_keys`).
pub struct SealKey(MacKey);

/// Its name in `store_meta`.
const SEAL_KEY: &str = "connection_test_seal_key";

impl SealKey {
    pub async fn load_or_create(db: &Db) -> Result<SealKey, sqlx::Error> {
        Ok(SealKey(MacKey::load_or_create(db, SEAL_KEY).await?))
    }

    /// `test`, sealed for `account` of `organization`.
    pub fn seal(&self, organization: &OrganizationId, account: &RecordId, mut test: ConnectionTest) -> ConnectionTest {
        test.seal = test
            .sealed_bytes(organization.as_str(), account.as_str())
            .ok()
            .map(|bytes| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0.sign(&bytes)));
        test
    }

    /// Whether `test` carries this store's seal for `account` of `organization`.
    pub fn verify(&self, organization: &OrganizationId, account: &RecordId, test: &ConnectionTest) -> bool {
        let Some(seal) = test.seal.as_deref() else { return false };
        let Ok(seal) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(seal) else { return false };
        test.sealed_bytes(organization.as_str(), account.as_str()).is_ok_and(|bytes| self.0.verify(&bytes, &seal))
    }
}

/// The certificate a client assertion names (its header's `x5t`: the SHA-1 thumbprint,
/// base64url), read without checking the signature (Microsoft checks it).
pub fn signer_of(assertion: &str) -> Option<Sha1Thumbprint> {
    #[derive(serde::Deserialize)]
    struct Header {
        x5t: String,
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Header = serde_json::from_slice(&b64.decode(assertion.split('.').next()?).ok()?).ok()?;
    let digest = b64.decode(header.x5t.trim_end_matches('=')).ok()?;
    Sha1Thumbprint::parse(&digest.iter().map(|b| format!("{b:02X}")).collect::<String>()).ok()
}

/// Who ran a test.
#[derive(Clone, Copy)]
pub enum Tester<'a> {
    /// A person, or the app in their browser (`automatic`).
    Person { actor: &'a Actor, automatic: bool },
    /// The store's own schedule.
    Schedule,
}

impl Tester<'_> {
    fn automatic(self) -> bool {
        match self {
            Tester::Person { automatic, .. } => automatic,
            Tester::Schedule => true,
        }
    }
}

/// The user a record names for a change the store made by itself.
fn xops_user() -> Result<UserId, AppError> {
    UserId::parse("00000000-0000-0000-0000-000000000000").map_err(|e| AppError::internal(e.message))
}

/// Keeps `test` (conclusive, its `certificate` the one that signed it, if any) as account `id`'s
/// last test, with the time its failures began, and logs it. `None` when it is not kept: the
/// account is gone, or its certificates do not include the one that signed (a candidate's test).
pub async fn keep(
    state: &AppState,
    organization: &OrganizationId,
    id: &RecordId,
    mut test: ConnectionTest,
    tester: Tester<'_>,
) -> Result<Option<ConnectionTest>, AppError> {
    let mut tx = state.db.pool.begin().await?;
    let (revision, _, _) = records::next_revision(&mut tx, organization).await?;
    let current = records::current_for_write(&mut tx, organization, id).await?;
    let Some(current) = current.filter(|c| !c.record.deleted && c.record.kind == RecordKind::Integration) else {
        return Ok(None);
    };
    let Some(body) = current.record.body.as_ref() else { return Ok(None) };
    // Read from the body in place (a `&Value` is a deserializer), as record writes do.
    let mut integration = <Integration as serde::Deserialize>::deserialize(body).map_err(AppError::internal)?;
    if test.certificate.as_ref().is_some_and(|t| !integration.uses_certificate(t)) {
        return Ok(None);
    }
    let now = now_millis();
    let before = integration.status(now);
    test.seal = None;
    test.automatic = tester.automatic();
    test.failing_since = match &integration.last_test {
        _ if test.passed() => None,
        Some(last) if !last.passed() => Some(last.failing_since.unwrap_or(last.at)),
        _ => Some(test.at),
    };
    integration.last_test = Some(test.clone());
    let after = integration.status(now);
    let new_body = serde_json::to_value(&integration).map_err(AppError::internal)?;
    let body_text = serde_json::to_string(&new_body).map_err(AppError::internal)?;
    let more_bytes = body_text.len() as i64 - records::body_bytes(body);
    records::add_to_totals(&mut tx, organization, 0, more_bytes).await?;
    let updated_by = match tester {
        Tester::Person { actor, .. } => actor.user.user_id.clone(),
        Tester::Schedule => xops_user()?,
    };
    let record = Record { body: Some(new_body), revision, updated_at: now, updated_by, ..current.record };
    // The person's last change stays where it was: a test does not make their view stale.
    records::put_row(&mut tx, organization, &record, Some(body_text), current.content_revision).await?;

    let name = Some(integration.name.as_str());
    let failure = test.first_failure().map(|c| c.id.title());
    let (from, to) = (before.health.label(), after.health.label());
    let entry = match tester {
        Tester::Person { automatic: false, .. } => Some(activity::Entry {
            kind: ActivityKind::ConnectionTested,
            account: Some(id),
            account_name: name,
            detail: Some(match failure {
                None => "passed".to_string(),
                Some(check) => format!("failed: {check}"),
            }),
        }),
        // An automatic check is logged only when it changes what the account's status says.
        _ if from != to => Some(activity::Entry {
            kind: ActivityKind::StatusChanged,
            account: Some(id),
            account_name: name,
            detail: Some(match failure {
                None => format!("{from} → {to}"),
                Some(check) => format!("{from} → {to}: {check}"),
            }),
        }),
        _ => None,
    };
    match (entry, tester) {
        (Some(entry), Tester::Person { actor, .. }) => activity::record(&mut tx, actor, entry).await?,
        (Some(entry), Tester::Schedule) => activity::record_by_xops(&mut tx, organization, entry).await?,
        (None, _) => {}
    }
    tx.commit().await?;
    state.records.forget(&(organization.clone(), id.clone()));
    Ok(Some(test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signer_is_read_from_the_assertion_header() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let digest = [
            0xC9u8, 0xD7, 0x3A, 0x40, 0xD0, 0x2B, 0x75, 0x14, 0x73, 0xA8, 0x63, 0x14, 0xD8, 0x47, 0xB1, 0x37, 0x6E, 0xF7, 0x8D,
            0x18,
        ];
        let header = b64.encode(format!(r#"{{"alg":"RS256","typ":"JWT","x5t":"{}"}}"#, b64.encode(digest)));
        let signer = signer_of(&format!("{header}.e30.c2ln")).unwrap();
        assert_eq!(signer.as_str(), "C9D73A40D02B751473A86314D847B1376EF78D18");
        assert_eq!(signer_of("not a jwt"), None);
        assert_eq!(signer_of(&format!("{}.e30.c2ln", b64.encode(r#"{"alg":"RS256"}"#))), None, "no x5t");
    }

    #[test]
    fn a_seal_covers_the_result_its_account_and_its_organization() {
        let key = SealKey(MacKey::from_bytes([7; 32]));
        let org = OrganizationId::parse("0b7c2f55-2a4c-4b8e-9a43-5d1c2e3f4a5b").unwrap();
        let account = RecordId::parse("00000001-0000-4000-8000-000000000000").unwrap();
        let other = RecordId::parse("00000002-0000-4000-8000-000000000000").unwrap();
        let sealed = key.seal(&org, &account, ConnectionTest::new(1));
        assert!(key.verify(&org, &account, &sealed));
        assert!(!key.verify(&org, &other, &sealed), "another account");
        assert!(!key.verify(&OrganizationId::parse("0b7c2f55-2a4c-4b8e-9a43-5d1c2e3f4a5c").unwrap(), &account, &sealed));
        assert!(!key.verify(&org, &account, &ConnectionTest { at: 2, ..sealed.clone() }), "a changed result");
        assert!(!SealKey(MacKey::from_bytes([8; 32])).verify(&org, &account, &sealed), "another store's key");
        assert!(!key.verify(&org, &account, &ConnectionTest::new(1)), "no seal");
    }
}
