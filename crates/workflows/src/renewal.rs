//! Renew certificate: a new key pair and certificate are made in this browser and added to the app
//! registration (Graph's `addKey`, the proof signed with the current key), tested with Test
//! connection, and only then put in use; the old certificate is then removed (`removeKey`, signed
//! with the new key) and its key deleted from this browser. Any failure before that leaves the
//! working certificate in place, and the new key and certificate are not left behind.

use crate::{Effects, KeySlot, Signer};
use xops_model::verify::ConnectionTest;
use xops_model::{ApplicationObjectId, CertificateInfo, Integration, KeyId, Problem, RecordId, Sha1Thumbprint};

/// Which certificate a renewal replaces: the account's own (from the browser that holds its key),
/// or this browser's own among other browsers' (Add this browser made it).
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Main,
    Own(Sha1Thumbprint),
}

impl Target {
    /// The certificate as the record has it now.
    pub fn certificate(&self, i: &Integration) -> Option<CertificateInfo> {
        match self {
            Target::Main => i.certificate.clone(),
            Target::Own(t) => i.other_certificates.iter().find(|c| c.sha1_thumbprint == *t).cloned(),
        }
    }

    /// The slot of the key of `certificate` in this browser.
    pub fn slot(&self, id: &RecordId, certificate: &CertificateInfo) -> KeySlot {
        match self {
            Target::Main => KeySlot::Account(id.clone()),
            Target::Own(_) => KeySlot::Browser(id.clone(), certificate.sha1_thumbprint.clone()),
        }
    }

    /// The record with `new` in the old certificate's place.
    fn replace(&self, i: &mut Integration, new: CertificateInfo) {
        match self {
            Target::Main => i.certificate = Some(new),
            Target::Own(t) => i.other_certificates.iter_mut().filter(|c| c.sha1_thumbprint == *t).for_each(|c| *c = new.clone()),
        }
    }
}

/// What the person gave for a renewal.
#[derive(Clone, Debug)]
pub struct RenewInput {
    pub target: Target,
    pub object_id: ApplicationObjectId,
    /// Entra's id of the current certificate, when the record does not know it.
    pub old_key_id: Option<KeyId>,
}

/// The steps a renewal goes through, in order; the page says each while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Making,
    Adding,
    Testing,
    TakingBack,
    Saving,
    RemovingOld,
}

impl Step {
    /// What the page says during the step.
    pub fn says(self) -> &'static str {
        match self {
            Step::Making => "Making a new key pair and certificate in this browser…",
            Step::Adding => "Adding the new certificate to the app registration (signed with the current key)…",
            Step::Testing => "Testing the connection with the new certificate…",
            Step::TakingBack => "The new certificate did not pass; taking it off the app registration again…",
            Step::Saving => "Saving the new certificate…",
            Step::RemovingOld => "Removing the old certificate from the app registration…",
        }
    }
}

/// Why a renewal stopped. In every case the working certificate stays in use.
#[derive(Debug, PartialEq)]
pub enum RenewError {
    /// Nothing was made or changed (nothing to renew, no key here, the store unreachable, …).
    NotStarted(Problem),
    /// The new certificate was not added to the app registration.
    NotAdded(Problem),
    /// The new certificate was added but failed its test (`why`); `cleanup` says whether it was
    /// taken off the app registration again.
    FailedTest { why: Problem, cleanup: Result<(), Problem>, thumbprint: Sha1Thumbprint },
    /// It passed, but could not be put in use on this device.
    NotSaved(Problem),
}

impl RenewError {
    /// What the store answered, if it did: the code and field of the step that failed.
    fn cause(&self) -> &Problem {
        match self {
            RenewError::NotStarted(why) | RenewError::NotAdded(why) | RenewError::NotSaved(why) => why,
            RenewError::FailedTest { why, .. } => why,
        }
    }
}

/// The sentence of the whole renewal, with the code and field of the step that failed.
impl From<RenewError> for Problem {
    fn from(e: RenewError) -> Problem {
        let cause = e.cause();
        Problem { message: e.to_string(), code: cause.code, field: cause.field.clone() }
    }
}

impl std::fmt::Display for RenewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenewError::NotStarted(why) | RenewError::NotSaved(why) => write!(f, "{why}"),
            RenewError::NotAdded(why) => write!(f, "{why} The current certificate stays in use."),
            RenewError::FailedTest { why, cleanup, thumbprint } => {
                write!(f, "The new certificate did not pass Test connection: {why} ")?;
                match cleanup {
                    Ok(()) => f.write_str("It was taken off the app registration again")?,
                    Err(e) => write!(
                        f,
                        "It could not be taken off the app registration ({e}); delete the certificate with thumbprint {thumbprint} in the Entra admin center"
                    )?,
                }
                f.write_str(", and the current certificate stays in use.")
            }
        }
    }
}

/// How a renewal ended.
#[derive(Debug, PartialEq)]
pub enum Renewed {
    /// The old certificate is gone from the app registration too.
    Complete { ends: i64 },
    /// Xops does not know the old certificate's id on the app registration.
    OldUnknown { ends: i64, old: CertificateInfo },
    /// Removing the old certificate failed (`why`).
    OldRemovalFailed { ends: i64, old: CertificateInfo, why: Problem },
}

impl Renewed {
    /// The sentence the person reads, with dates written by `date`.
    pub fn sentence(&self, date: impl Fn(i64) -> String) -> String {
        match self {
            Renewed::Complete { ends } => format!(
                "Certificate renewed: the new one is in use until {}; the old one is removed from the app registration and its key from this browser.",
                date(*ends)
            ),
            Renewed::OldUnknown { ends, old } => format!(
                "Certificate renewed: the new one is in use until {}, and the old key is deleted from this browser. Delete the old certificate (thumbprint {}) in the Entra admin center, Certificates & secrets, or leave it to expire on {}.",
                date(*ends),
                old.sha1_thumbprint,
                date(old.not_after)
            ),
            Renewed::OldRemovalFailed { ends, old, why } => format!(
                "Certificate renewed: the new one is in use until {}, and the old key is deleted from this browser. The old certificate could not be removed from the app registration ({why}); delete it (thumbprint {}) in the Entra admin center.",
                date(*ends),
                old.sha1_thumbprint
            ),
        }
    }
}

/// What went wrong in a test, in a sentence with its fix.
fn first_failure(test: &ConnectionTest) -> Problem {
    Problem::new(
        test.checks
            .iter()
            .find(|c| !c.ok && !c.skipped)
            .map(|c| format!("{} {}", c.detail, c.fix.clone().unwrap_or_default()))
            .unwrap_or_else(|| "a check failed.".into()),
    )
}

/// Renews the certificate `input.target` of the account `with` works on.
pub async fn renew<E: Effects>(with: &E, input: &RenewInput) -> Result<Renewed, RenewError> {
    let not_started = |why: &str| RenewError::NotStarted(Problem::new(why));
    let integration = with.integration().ok_or_else(|| not_started("This account is no longer linked."))?;
    let old = input
        .target
        .certificate(&integration)
        .ok_or_else(|| not_started("This account no longer has that certificate; nothing to renew."))?;
    let old_slot = input.target.slot(&with.id(), &old);
    let old_key = with.key(&old_slot).await.map_err(RenewError::NotStarted)?.ok_or_else(|| {
        not_started("This browser no longer holds the current certificate's key; renew from the browser that does, or use Replace certificate.")
    })?;
    let passed = add_and_test(with, input, integration.name.as_str(), (&old_key, &old)).await?;
    put_in_use(with, input, &old_slot, &passed).await?;

    let ends = passed.certificate.not_after;
    let Some(old_key_id) = old.key_id.clone().or_else(|| input.old_key_id.clone()) else {
        return Ok(Renewed::OldUnknown { ends, old });
    };
    with.step(Step::RemovingOld);
    Ok(match with.remove(&input.object_id, (&passed.key, &passed.certificate), &old_key_id).await {
        Ok(()) => Renewed::Complete { ends },
        Err(why) => Renewed::OldRemovalFailed { ends, old, why },
    })
}

/// A new certificate on the app registration that passed Test connection, its key in `slot`.
struct Passed<K> {
    key: K,
    certificate: CertificateInfo,
    slot: KeySlot,
    test: ConnectionTest,
}

/// Makes a new key pair and certificate for the account `name`, keeps the key here, adds the
/// certificate to the app registration (signed by `current`) and tests it. A certificate that
/// fails is taken off again and its key deleted: nothing of it stays.
async fn add_and_test<E: Effects>(
    with: &E,
    input: &RenewInput,
    name: &str,
    current: Signer<'_, E::Key>,
) -> Result<Passed<E::Key>, RenewError> {
    let id = with.id();
    with.step(Step::Making);
    let cred = with
        .new_credential(name)
        .await
        .map_err(|e| RenewError::NotStarted(e.context(|m| format!("The new certificate could not be made: {m}"))))?;
    // The account's key waits in a slot of its own until it is in use. This browser's own key
    // goes straight to its slot, which its new thumbprint names: unlisted until the record is
    // saved, it is found as soon as the record lists it (the page looks again on every change).
    let slot = match input.target {
        Target::Main => KeySlot::Renewing(id.clone()),
        Target::Own(_) => KeySlot::Browser(id.clone(), cred.certificate.sha1_thumbprint.clone()),
    };
    with.put_key(&slot, &cred.key)
        .await
        .map_err(|e| RenewError::NotStarted(e.context(|m| format!("The new key could not be kept in this browser: {m}"))))?;
    // A key that never served is deleted; if even that fails, it is only a key nobody uses.
    let forget_new = async || {
        let _ = with.delete_key(&slot).await;
    };

    with.step(Step::Adding);
    let added = match with.add(&input.object_id, current, &cred.certificate.pem).await {
        Ok(k) => k,
        Err(e) => {
            forget_new().await;
            return Err(RenewError::NotAdded(e));
        }
    };
    let (old, key_id) = (current.1, Some(added.clone()));
    let certificate = match input.target {
        Target::Main => CertificateInfo { key_id, ..cred.certificate },
        // Still this browser's, under the name it gave itself and its maker.
        Target::Own(_) => CertificateInfo {
            key_id,
            key_held_by: old.key_held_by.clone(),
            created_by: old.created_by.clone(),
            ..cred.certificate
        },
    };

    with.step(Step::Testing);
    let why = match with.test((&cred.key, &certificate)).await {
        Ok(test) if test.passed() => return Ok(Passed { key: cred.key, certificate, slot, test }),
        Ok(test) => first_failure(&test),
        Err(e) => e,
    };
    with.step(Step::TakingBack);
    let cleanup = with.remove(&input.object_id, current, &added).await;
    forget_new().await;
    Err(RenewError::FailedTest { why, cleanup, thumbprint: certificate.sha1_thumbprint })
}

/// Saves the record with the new certificate in the old one's place (and its test), then puts
/// its key in the old one's slot here.
async fn put_in_use<E: Effects>(
    with: &E,
    input: &RenewInput,
    old_slot: &KeySlot,
    passed: &Passed<E::Key>,
) -> Result<(), RenewError> {
    use RenewError::NotSaved;
    with.step(Step::Saving);
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = with.integration().ok_or_else(|| NotSaved(Problem::new("This account is no longer linked.")))?;
    input.target.replace(&mut changed, passed.certificate.clone());
    changed.details.set_application_object_id(input.object_id.clone());
    changed.last_test = Some(passed.test.clone());
    changed.updated_at = with.now();
    with.save(changed).await.map_err(|e| NotSaved(e.context(|m| format!("The new certificate could not be saved: {m}"))))?;
    // The old key goes: the new one takes its place in this browser.
    let in_use = input.target.slot(&with.id(), &passed.certificate);
    let put = match passed.slot == in_use {
        true => with.delete_key(old_slot).await,
        false => with.promote_key(&passed.slot, &in_use, old_slot).await,
    };
    put.map_err(|e| NotSaved(e.context(|m| format!("The new key could not be put in use here: {m}"))))
}

#[cfg(test)]
mod tests;
