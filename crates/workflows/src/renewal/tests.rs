//! Every path of a renewal, against an app registration, a key store and a record in memory.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

use super::*;
use crate::memory::*;
use std::cell::RefCell;
use xops_model::ErrorCode;

fn main_input(old_key_id: Option<KeyId>) -> RenewInput {
    RenewInput { target: Target::Main, object_id: object_id(), old_key_id }
}

/// An account whose certificate 'A' (Entra's id `key_id(1)`, when known) has its key here.
fn main_account(key_known: bool) -> Memory {
    let known = key_known.then(|| key_id(1));
    Memory::with(account(certificate('A', known, "Chromium on Linux")), &KeySlot::Account(id())).on_registration(key_id(1), 'A')
}

#[test]
fn a_renewal_adds_tests_and_saves_the_new_certificate_then_removes_the_old_one() {
    let memory = main_account(true);
    let renewed = run_now(renew(&memory, &main_input(None))).unwrap();

    assert_eq!(renewed, Renewed::Complete { ends: NOW + 365 * DAY });
    use Step::*;
    assert_eq!(*memory.steps.borrow(), [Making, Adding, Testing, Saving, RemovingOld]);
    // Added with the old key, tested with the new one, the old one removed with the new one.
    assert_eq!(*memory.signed.borrow(), ["add by 1", "test by 2", &format!("remove {} by 2", key_id(1))]);
    assert_eq!(memory.on_registration_now(), [thumbprint('D')]);
    // The new key is the account's; nothing is left in the renewal's slot.
    assert_eq!(memory.key_in(&KeySlot::Account(id())), Some(2));
    assert_eq!(memory.key_in(&KeySlot::Renewing(id())), None);
    let saved = memory.integration().unwrap();
    let new = saved.certificate.clone().unwrap();
    assert_eq!((new.sha1_thumbprint, new.key_id), (thumbprint('D'), Some(key_id(101))));
    assert_eq!(saved.details.app_registration().and_then(|(_, _, o)| o.cloned()), Some(object_id()));
    assert!(saved.last_test.as_ref().is_some_and(ConnectionTest::passed));
    assert_eq!(saved.updated_at, NOW);
}

#[test]
fn without_the_old_certificates_entra_id_it_is_left_for_the_person_to_delete() {
    let memory = main_account(false);
    let renewed = run_now(renew(&memory, &main_input(None))).unwrap();
    let old = certificate('A', None, "Chromium on Linux");
    assert_eq!(renewed, Renewed::OldUnknown { ends: NOW + 365 * DAY, old: old.clone() });
    assert_eq!(memory.on_registration_now().len(), 2, "both stay on the app registration");
    let sentence = renewed.sentence(|t| format!("day {}", t / DAY));
    assert!(sentence.contains(&format!("thumbprint {}", old.sha1_thumbprint)), "{sentence}");
    assert!(sentence.contains(&format!("expire on day {}", old.not_after / DAY)), "{sentence}");

    // Given by the person, the id is enough.
    let memory = main_account(false);
    let renewed = run_now(renew(&memory, &main_input(Some(key_id(1))))).unwrap();
    assert_eq!(renewed, Renewed::Complete { ends: NOW + 365 * DAY });
    assert_eq!(memory.on_registration_now(), [thumbprint('D')]);
}

#[test]
fn a_refused_addition_changes_nothing_and_forgets_the_new_key() {
    let memory = main_account(true).failing("add");
    let failed = run_now(renew(&memory, &main_input(None))).unwrap_err();
    let refused = Problem { message: "add refused".into(), code: Some(ErrorCode::MicrosoftRefused), field: None };
    assert_eq!(failed, RenewError::NotAdded(refused));
    assert_eq!(failed.to_string(), "add refused The current certificate stays in use.");
    // The page gets the whole sentence, and the store's code for what Microsoft refused.
    let problem = Problem::from(failed);
    assert_eq!(
        (problem.message.as_str(), problem.code),
        ("add refused The current certificate stays in use.", Some(ErrorCode::MicrosoftRefused))
    );
    assert_eq!(memory.key_in(&KeySlot::Account(id())), Some(1), "the working key stays");
    assert_eq!(memory.key_in(&KeySlot::Renewing(id())), None, "the new key is gone");
    assert_eq!(memory.saves.get(), 0);
    assert_eq!(memory.on_registration_now(), [thumbprint('A')]);
}

#[test]
fn a_new_certificate_that_fails_its_test_is_taken_back_and_the_old_one_stays() {
    let memory = main_account(true);
    memory.test_fails.set(true);
    let failed = run_now(renew(&memory, &main_input(None))).unwrap_err();
    assert_eq!(
        failed,
        RenewError::FailedTest {
            why: "Microsoft did not accept the certificate. Upload it again.".into(),
            cleanup: Ok(()),
            thumbprint: thumbprint('D')
        }
    );
    assert!(failed
        .to_string()
        .ends_with("It was taken off the app registration again, and the current certificate stays in use."));
    assert_eq!(*memory.steps.borrow().last().unwrap(), Step::TakingBack);
    // Taken back with the key that added it.
    assert_eq!(memory.signed.borrow().last().unwrap(), &format!("remove {} by 1", key_id(101)));
    assert_eq!(memory.on_registration_now(), [thumbprint('A')]);
    assert_eq!((memory.key_in(&KeySlot::Account(id())), memory.key_in(&KeySlot::Renewing(id()))), (Some(1), None));
    assert_eq!(memory.saves.get(), 0);
}

#[test]
fn a_new_certificate_that_cannot_be_taken_back_is_named_for_the_person_to_delete() {
    let memory = main_account(true).failing("remove");
    memory.test_fails.set(true);
    let failed = run_now(renew(&memory, &main_input(None))).unwrap_err();
    let sentence = failed.to_string();
    assert!(sentence.contains("It could not be taken off the app registration (remove refused)"), "{sentence}");
    assert!(sentence.contains(&format!("delete the certificate with thumbprint {}", thumbprint('D'))), "{sentence}");
    assert_eq!(memory.key_in(&KeySlot::Renewing(id())), None);
}

#[test]
fn a_pass_that_cannot_be_saved_leaves_the_working_key_in_use() {
    let memory = main_account(true).failing("save");
    let failed = run_now(renew(&memory, &main_input(None))).unwrap_err();
    assert_eq!(failed, RenewError::NotSaved("The new certificate could not be saved: save refused".into()));
    assert_eq!(memory.key_in(&KeySlot::Account(id())), Some(1));
    assert_eq!(memory.integration().unwrap().certificate.unwrap().sha1_thumbprint, thumbprint('A'));
}

#[test]
fn without_the_key_here_nothing_is_made() {
    let memory = Memory { record: RefCell::new(Some(account(certificate('A', None, "Firefox")))), ..Memory::default() };
    let failed = run_now(renew(&memory, &main_input(None))).unwrap_err();
    assert!(
        matches!(&failed, RenewError::NotStarted(why) if why.message.contains("no longer holds the current certificate's key")),
        "{failed}"
    );
    assert!(memory.steps.borrow().is_empty());
    assert_eq!(memory.made.get(), 0, "no key pair made");

    let gone = Memory::default();
    assert_eq!(run_now(renew(&gone, &main_input(None))), Err(RenewError::NotStarted("This account is no longer linked.".into())));
}

#[test]
fn a_browser_renews_its_own_certificate_under_its_own_name() {
    let mut record = account(certificate('A', Some(key_id(1)), "Chromium on Linux"));
    let own = certificate('B', Some(key_id(2)), "Firefox on Ada's laptop");
    record.other_certificates.push(own.clone());
    let memory = Memory::with(record, &KeySlot::Browser(id(), thumbprint('B'))).on_registration(key_id(2), 'B');
    let input = RenewInput { target: Target::Own(thumbprint('B')), object_id: object_id(), old_key_id: None };
    assert_eq!(run_now(renew(&memory, &input)), Ok(Renewed::Complete { ends: NOW + 365 * DAY }));

    // The new key went straight to the slot its thumbprint names; the old slot is empty.
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), thumbprint('D'))), Some(2));
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), thumbprint('B'))), None);
    let saved = memory.integration().unwrap();
    assert_eq!(saved.certificate.map(|c| c.sha1_thumbprint), Some(thumbprint('A')), "the account's certificate is untouched");
    let renewed = &saved.other_certificates[0];
    assert_eq!(renewed.sha1_thumbprint, thumbprint('D'));
    assert_eq!(
        (renewed.key_held_by.as_str(), renewed.created_by.as_deref()),
        ("Firefox on Ada's laptop", Some("ada@contoso.com"))
    );
}
