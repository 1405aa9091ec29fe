//! The link form's state: what was typed, the certificate made for it, the messages, and the
//! draft kept in this browser after every change (so the person can go to the cloud's console in
//! this tab and come back). Sections of the page read and change it; it holds no markup.

use crate::accounts::{names_taken, Accounts};
use crate::certificate::{self, CredentialOptions};
use crate::components::page::focus;
use crate::erased::{local_action, local_resource};
use crate::keys::{KeySlot, KeyStore};
use crate::link_kinds::{FieldSpec, LinkDraft, LinkKind, Taken, Values};
use crate::sync::idb::IdbError;
use leptos::prelude::*;
use xops_model::Problem;
use xops_model::{ApplicationId, CertificateInfo, Integration, IntegrationDetails, Me, OrganizationId, RecordId, TenantId};

/// One field of the form: its value and the message beside it.
#[derive(Clone, Copy)]
pub(super) struct Field {
    pub spec: &'static FieldSpec,
    pub value: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
}

#[derive(Clone, Copy)]
pub(super) struct LinkForm {
    pub kind: &'static LinkKind,
    organization: StoredValue<OrganizationId>,
    draft_name: StoredValue<String>,
    /// The new account's record id (none until the draft is read back or a new one started).
    pub id: RwSignal<Option<RecordId>>,
    pub fields: StoredValue<Vec<Field>>,
    /// Values no field shows (the AWS External ID, made for this connection).
    pub extra: RwSignal<Values>,
    pub options: RwSignal<CredentialOptions>,
    pub certificate: RwSignal<Option<CertificateInfo>>,
    /// The saved draft has been read back (until then nothing is saved over it).
    pub loaded: RwSignal<bool>,
    pub progress: RwSignal<String>,
    pub cert_error: RwSignal<Option<Problem>>,
    pub form_error: RwSignal<Option<Problem>>,
    accounts: ReadSignal<Accounts>,
}

/// A new form's id and starting values (AWS: a fresh External ID), from the browser's CSPRNG.
/// Without one there is no new form: a made-up id or an all-zero External ID (which would pass
/// its parser and end up in an AWS trust policy) is never used.
fn fresh_form(kind: &LinkKind) -> Result<(RecordId, Values), certificate::CertificateError> {
    let mut random = [0u8; 24];
    random.copy_from_slice(&certificate::random_bytes(24)?);
    Ok((RecordId::from(certificate::random_uuid()?), kind.initial_values(&random)))
}

impl LinkForm {
    pub fn new(kind: &'static LinkKind, me: &Me, accounts: ReadSignal<Accounts>) -> LinkForm {
        let fields = kind
            .fields
            .iter()
            .map(|spec| Field { spec, value: RwSignal::new(spec.initial.to_string()), error: RwSignal::new(None) })
            .collect();
        LinkForm {
            kind,
            organization: StoredValue::new(me.organization.id.clone()),
            draft_name: StoredValue::new(kind.draft_name(&me.user.id)),
            id: RwSignal::new(None),
            fields: StoredValue::new(fields),
            extra: RwSignal::new(Values::new()),
            options: RwSignal::new(CredentialOptions::default()),
            certificate: RwSignal::new(None),
            loaded: RwSignal::new(false),
            progress: RwSignal::new(String::new()),
            cert_error: RwSignal::new(None),
            form_error: RwSignal::new(None),
            accounts,
        }
    }

    /// Runs `work` on this form's draft in this browser, one tab at a time. (Async work captures
    /// what it needs first: the page may be gone by the time it resumes.)
    pub async fn with_draft<T>(self, work: impl AsyncFnOnce(&KeyStore, &str) -> Result<T, IdbError>) -> Result<T, IdbError> {
        // The page may be gone before the work starts (a read, or a keep, runs a tick later).
        let (Some(organization), Some(name)) = (self.organization.try_get_value(), self.draft_name.try_get_value()) else {
            return Err(IdbError("the form was closed".into()));
        };
        KeyStore::with_draft(&organization, &name, async |keys| work(keys, &name).await).await
    }

    /// The Tenant ID and Application ID typed so far, once both parse (the guide's admin consent
    /// link is prefilled with them).
    pub fn app_registration(self) -> Option<(TenantId, ApplicationId)> {
        let v = self.values();
        let parsed = |key: &str| v.get(key).map(String::as_str).unwrap_or_default().to_string();
        Some((TenantId::parse(&parsed("tenant_id")).ok()?, ApplicationId::parse(&parsed("application_id")).ok()?))
    }

    /// Every value, shown or not.
    pub fn values(self) -> Values {
        let mut v = self.extra.get();
        self.fields.with_value(|fs| {
            for f in fs {
                v.insert(f.spec.key.to_string(), f.value.get());
            }
        });
        v
    }

    /// `keep_typed`: a field the person already changed keeps what they typed (the saved draft
    /// is read back asynchronously, and a quick typist may start before it arrives).
    fn set_values(self, v: &Values, keep_typed: bool) {
        self.fields.with_value(|fs| {
            for f in fs {
                if keep_typed && f.value.get_untracked() != f.spec.initial {
                    continue;
                }
                f.value.set(v.get(f.spec.key).cloned().unwrap_or_else(|| f.spec.initial.to_string()));
                f.error.set(None);
            }
        });
        let kind = self.kind;
        self.extra.set(
            v.iter()
                .filter(|(k, _)| !kind.fields.iter().any(|f| f.key == k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
    }

    /// What the organization has linked already (names of this provider, AWS account IDs).
    fn taken(self) -> Taken {
        self.accounts.with(|list| Taken {
            names: names_taken(list, self.kind.provider, None),
            aws_accounts: list
                .by_name()
                .filter_map(|a| match &a.integration.details {
                    IntegrationDetails::Aws(d) => Some(d.role_arn.account_id()),
                    _ => None,
                })
                .collect(),
        })
    }

    /// Shows the message (if any) beside field `key`.
    pub fn check(self, key: &'static str) {
        let message = self.kind.check_field(key, &self.values(), &self.taken());
        self.fields.with_value(|fs| fs.iter().filter(|f| f.spec.key == key).for_each(|f| f.error.set(message.clone())));
    }

    /// The message beside field `key` now.
    pub fn error_of(self, key: &str) -> Option<String> {
        self.fields.with_value(|fs| fs.iter().find(|f| f.spec.key == key).and_then(|f| f.error.get_untracked()))
    }

    /// Whether everything needed to Connect is there.
    pub fn complete(self) -> bool {
        self.kind.parse(&self.values(), &self.taken()).is_ok()
            && (!self.kind.certificate || self.certificate.with(Option::is_some))
    }

    /// What was typed, as kept in this browser.
    pub fn draft(self) -> LinkDraft {
        LinkDraft { id: self.id.get(), values: self.values(), options: self.options.get(), certificate: self.certificate.get() }
    }

    /// Reads the saved draft back, if there is one; otherwise starts one with a fresh id.
    pub fn restore(self) {
        let saved = local_resource(move || async move {
            self.with_draft(async |keys, name| {
                let saved: Option<LinkDraft> = keys.draft(name).await?;
                let key_present = match &saved {
                    Some(LinkDraft { id: Some(id), certificate: Some(_), .. }) => {
                        keys.key(&KeySlot::Account(id.clone())).await?.is_some()
                    }
                    _ => false,
                };
                Ok((saved, key_present))
            })
            .await
            .map_err(|e| e.to_string())
        });
        // Once, when it has been read (the resource tracks nothing, so it is never read again).
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            saved.with(|read| read.as_ref().map(|read| self.restored(read.clone())).is_some())
        });
    }

    fn restored(self, read: Result<(Option<LinkDraft>, bool), String>) {
        let kind = self.kind;
        let start_new = move || match fresh_form(kind) {
            Ok((new_id, fresh)) => {
                self.id.set(Some(new_id));
                self.set_values(&fresh, true);
            }
            Err(e) => self.form_error.set(Some(Problem::new(e.to_string()))),
        };
        match read {
            Ok((Some(d), key_present)) if d.id.is_some() => {
                self.id.set(d.id);
                // The draft has its own External ID; the fresh values only fill what it lacks.
                let mut restored = fresh_form(kind).map(|(_, v)| v).unwrap_or_default();
                restored.extend(d.values);
                self.set_values(&restored, true);
                self.options.set(d.options);
                if d.certificate.is_some() && !key_present {
                    self.cert_error.set(Some(
                        "The key of the certificate made earlier is no longer in this browser. Generate a new one and upload it instead.".into(),
                    ));
                } else {
                    self.certificate.set(d.certificate);
                }
            }
            Ok(_) => start_new(),
            Err(e) => {
                self.form_error
                    .set(Some(format!("Your unfinished form could not be restored ({e}). You can fill it in again.").into()));
                start_new();
            }
        }
        self.loaded.set(true);
    }

    /// Keeps the draft after every change (only once the saved one has been read back).
    pub fn keep_drafts(self) {
        let keep = local_action(move |d: &LinkDraft| {
            let d = d.clone();
            async move {
                if let Err(e) = self.with_draft(async |keys, name| keys.put_draft(name, &d).await).await {
                    let _ = self.form_error.try_set(Some(
                        format!("Your form could not be kept in this browser ({e}); finish it before leaving the page.").into(),
                    ));
                }
            }
        });
        Effect::new(move |_| {
            let d = self.draft();
            if self.loaded.get() {
                keep.dispatch(d);
            }
        });
    }

    /// The new account to save, or `None` with every problem shown beside its field (focus on
    /// the first) or above the form.
    pub fn account(self) -> Option<(RecordId, Integration)> {
        self.form_error.set(None);
        let kind = self.kind;
        let (name, details) = match kind.parse(&self.values(), &self.taken()) {
            Ok(v) => {
                self.fields.with_value(|fs| fs.iter().for_each(|f| f.error.set(None)));
                v
            }
            Err(errors) => {
                let shown = self.values();
                let mut first = None;
                self.fields.with_value(|fs| {
                    for f in fs {
                        let message = errors.iter().find(|e| e.field == f.spec.key).map(|e| e.message.clone());
                        if message.is_some() && first.is_none() && kind.is_shown(f.spec, &shown) {
                            first = Some(f.spec.id);
                        }
                        f.error.set(message);
                    }
                });
                if let Some(id) = first {
                    focus(id);
                } else if let Some(e) = errors.first() {
                    self.form_error.set(Some(e.message.as_str().into()));
                }
                return None;
            }
        };
        let certificate = self.certificate.get_untracked();
        if kind.certificate && certificate.is_none() {
            self.cert_error.set(Some(
                "Generate the certificate first (Generate Public Key), upload it to your app registration, then Connect.".into(),
            ));
            focus("generate-key");
            return None;
        }
        // No form was started (see `fresh_form`): its reason is on the page already.
        let id = self.id.get_untracked()?;
        let now = js_sys::Date::now() as i64;
        let integration = Integration {
            name,
            details,
            certificate: if kind.certificate { certificate } else { None },
            other_certificates: Vec::new(),
            browser_requests: Vec::new(),
            status: None,
            created_at: now,
            updated_at: now,
            last_test: None,
            ticket_policy: Default::default(),
        };
        Some((id, integration))
    }

    /// Start over: forgets the draft and its key (an uploaded certificate without its key is
    /// useless) and empties the form. Pending while the draft is removed.
    pub fn start_over_action(self) -> Action<(), ()> {
        local_action(move |_: &()| {
            let old_id = self.id.get_untracked();
            async move {
                let old = old_id.map(KeySlot::Account);
                match self.with_draft(async |keys, name| keys.delete_draft(name, old.as_ref()).await).await {
                    Ok(()) => self.emptied(),
                    Err(e) => self.form_error.set(Some(format!("The draft could not be removed: {e}").into())),
                }
            }
        })
    }

    fn emptied(self) {
        if self.id.try_get_untracked().is_none() {
            return; // the person has left the page
        }
        let kind = self.kind;
        let (new_id, fresh) = match fresh_form(kind) {
            Ok(f) => f,
            Err(e) => return self.form_error.set(Some(Problem::new(e.to_string()))),
        };
        self.loaded.set(false);
        self.set_values(&fresh, false);
        self.certificate.set(None);
        self.options.set(CredentialOptions::default());
        self.cert_error.set(None);
        self.form_error.set(None);
        self.progress.set("Started over: the form is empty and anything made for it is deleted.".into());
        self.id.set(Some(new_id));
        self.loaded.set(true);
        focus(kind.fields[0].id);
    }
}
