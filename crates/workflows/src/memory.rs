//! The tests' effects: an app registration, a key store and a record, in memory.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

pub(crate) use crate::run_now;
use crate::{Credential, Effects, KeySlot, Keys, Signer};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use xops_model::verify::{Check, CheckId, ConnectionTest};
use xops_model::{ApplicationObjectId, CertificateInfo, Integration, KeyId, Problem, RecordId, Sha1Thumbprint};

pub(crate) const NOW: i64 = 1_800_000_000_000;
pub(crate) const DAY: i64 = 86_400_000;

pub(crate) fn thumbprint(c: char) -> Sha1Thumbprint {
    Sha1Thumbprint::parse(&c.to_string().repeat(40)).unwrap()
}

pub(crate) fn key_id(n: u32) -> KeyId {
    KeyId::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
}

pub(crate) fn certificate(c: char, key: Option<KeyId>, held_by: &str) -> CertificateInfo {
    CertificateInfo {
        pem: format!("-----BEGIN CERTIFICATE-----\n{c}\n-----END CERTIFICATE-----"),
        sha1_thumbprint: thumbprint(c),
        sha256_thumbprint: xops_model::Sha256Thumbprint::parse(&c.to_string().repeat(64)).unwrap(),
        not_before: NOW - 300 * DAY,
        not_after: NOW + 65 * DAY,
        key_held_by: held_by.into(),
        key_id: key,
        created_by: Some("ada@contoso.com".into()),
    }
}

pub(crate) fn id() -> RecordId {
    RecordId::parse("4d000000-0000-4000-8000-000000000001").unwrap()
}

pub(crate) fn object_id() -> ApplicationObjectId {
    ApplicationObjectId::parse("99999999-0000-4000-8000-000000000000").unwrap()
}

pub(crate) fn account(certificate: CertificateInfo) -> Integration {
    Integration {
        name: xops_model::AccountName::parse("Contoso production").unwrap(),
        details: xops_model::IntegrationDetails::Microsoft365(xops_model::M365Details {
            tenant_id: xops_model::TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
            application_id: xops_model::ApplicationId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
            organization: xops_model::OrganizationDomain::parse("contoso.onmicrosoft.com").unwrap(),
            application_object_id: None,
        }),
        certificate: Some(certificate),
        other_certificates: Vec::new(),
        browser_requests: Vec::new(),
        status: None,
        created_at: NOW - 300 * DAY,
        updated_at: NOW - 300 * DAY,
        last_test: None,
        ticket_policy: Default::default(),
    }
}

/// A key is a number; a certificate made here gets the next letter from 'D' (thumbprints are hexadecimal).
#[derive(Default)]
pub(crate) struct Memory {
    pub(crate) record: RefCell<Option<Integration>>,
    pub(crate) keys: RefCell<BTreeMap<String, u32>>,
    pub(crate) made: Cell<u32>,
    /// The app registration's certificates, by Entra's id.
    pub(crate) registration: RefCell<BTreeMap<String, Sha1Thumbprint>>,
    pub(crate) steps: RefCell<Vec<crate::renewal::Step>>,
    /// What was signed with which key: "add by 1", "remove {key id} by 2", "test by 2".
    pub(crate) signed: RefCell<Vec<String>>,
    pub(crate) saves: Cell<u32>,
    pub(crate) failing: RefCell<Vec<&'static str>>,
    pub(crate) test_fails: Cell<bool>,
}

impl Memory {
    pub(crate) fn with(record: Integration, slot: &KeySlot) -> Memory {
        let memory = Memory { record: RefCell::new(Some(record)), ..Memory::default() };
        memory.keys.borrow_mut().insert(slot.storage_key(), 1);
        memory.made.set(1);
        memory
    }

    pub(crate) fn on_registration(self, key: KeyId, c: char) -> Memory {
        self.registration.borrow_mut().insert(key.to_string(), thumbprint(c));
        self
    }

    pub(crate) fn failing(self, call: &'static str) -> Memory {
        self.failing.borrow_mut().push(call);
        self
    }

    /// `call` fails if the test said so; a change to the app registration fails as the store
    /// says Microsoft refused one (its code), the others as this browser's failures (none).
    fn fails(&self, call: &str) -> Result<(), Problem> {
        if self.failing.borrow().contains(&call) {
            let code = matches!(call, "add" | "remove").then_some(xops_model::ErrorCode::MicrosoftRefused);
            return Err(Problem { message: format!("{call} refused"), code, field: None });
        }
        Ok(())
    }

    pub(crate) fn key_in(&self, slot: &KeySlot) -> Option<u32> {
        self.keys.borrow().get(&slot.storage_key()).copied()
    }

    pub(crate) fn on_registration_now(&self) -> Vec<Sha1Thumbprint> {
        self.registration.borrow().values().cloned().collect()
    }
}

impl Keys for Memory {
    type Key = u32;

    async fn key(&self, slot: &KeySlot) -> Result<Option<u32>, Problem> {
        self.fails("key")?;
        Ok(self.key_in(slot))
    }
}

impl Effects for Memory {
    fn id(&self) -> RecordId {
        id()
    }
    fn integration(&self) -> Option<Integration> {
        self.record.borrow().clone()
    }
    fn step(&self, step: crate::renewal::Step) {
        self.steps.borrow_mut().push(step);
    }
    fn now(&self) -> i64 {
        NOW
    }
    async fn new_credential(&self, _name: &str) -> Result<Credential<u32>, Problem> {
        self.fails("new_credential")?;
        let n = self.made.get() + 1;
        self.made.set(n);
        let letter = char::from(b'C' + n as u8 - 1);
        let mut certificate = certificate(letter, None, "Chromium on Linux");
        certificate.not_after = NOW + 365 * DAY;
        certificate.created_by = None;
        Ok(Credential { certificate, key: n })
    }
    async fn browser_slots(&self) -> Result<Vec<KeySlot>, Problem> {
        self.fails("browser_slots")?;
        Ok(self.keys.borrow().keys().filter_map(|k| KeySlot::parse(k)).filter(|s| matches!(s, KeySlot::Browser(..))).collect())
    }
    async fn put_key(&self, slot: &KeySlot, key: &u32) -> Result<(), Problem> {
        self.fails("put_key")?;
        self.keys.borrow_mut().insert(slot.storage_key(), *key);
        Ok(())
    }
    async fn delete_key(&self, slot: &KeySlot) -> Result<(), Problem> {
        self.fails("delete_key")?;
        self.keys.borrow_mut().remove(&slot.storage_key());
        Ok(())
    }
    async fn promote_key(&self, from: &KeySlot, to: &KeySlot, retired: &KeySlot) -> Result<(), Problem> {
        self.fails("promote_key")?;
        let mut keys = self.keys.borrow_mut();
        let key = keys.remove(&from.storage_key()).ok_or("no key to promote")?;
        keys.remove(&retired.storage_key());
        keys.insert(to.storage_key(), key);
        Ok(())
    }
    async fn add(&self, _: &ApplicationObjectId, signer: Signer<'_, u32>, pem: &str) -> Result<KeyId, Problem> {
        self.fails("add")?;
        self.signed.borrow_mut().push(format!("add by {}", signer.0));
        let added = key_id(100 + self.registration.borrow().len() as u32);
        let letter = pem.lines().nth(1).and_then(|l| l.chars().next()).unwrap();
        self.registration.borrow_mut().insert(added.to_string(), thumbprint(letter));
        Ok(added)
    }
    async fn remove(&self, _: &ApplicationObjectId, signer: Signer<'_, u32>, key: &KeyId) -> Result<(), Problem> {
        self.fails("remove")?;
        self.signed.borrow_mut().push(format!("remove {key} by {}", signer.0));
        self.registration.borrow_mut().remove(&key.to_string()).map(|_| ()).ok_or_else(|| "no such certificate".into())
    }
    async fn test(&self, signer: Signer<'_, u32>) -> Result<ConnectionTest, Problem> {
        self.fails("test")?;
        self.signed.borrow_mut().push(format!("test by {}", signer.0));
        let check = match self.test_fails.get() {
            false => Check::passed(CheckId::Credentials, "Microsoft issued a token."),
            true => Check::failed(CheckId::Credentials, "Microsoft did not accept the certificate.", "Upload it again."),
        };
        Ok(ConnectionTest {
            checks: vec![check],
            certificate: Some(signer.1.sha1_thumbprint.clone()),
            ..ConnectionTest::new(NOW)
        })
    }
    async fn save(&self, integration: Integration) -> Result<(), Problem> {
        self.fails("save")?;
        self.saves.set(self.saves.get() + 1);
        *self.record.borrow_mut() = Some(integration);
        Ok(())
    }
}
