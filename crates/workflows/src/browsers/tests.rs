//! Adding, approving and removing browsers, against an app registration, a key store and a record
//! in memory.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

use super::*;
use crate::memory::*;
use xops_model::{ErrorCode, Integration};

const ADA: &str = "ada@contoso.com";

/// The account's certificate 'A' (on the app registration as `key_id(1)`), its key here.
fn approver() -> Memory {
    Memory::with(account(certificate('A', Some(key_id(1)), "Chromium on Linux")), &KeySlot::Account(id()))
        .on_registration(key_id(1), 'A')
}

/// The same account with a request 'B' from Firefox.
fn with_request(memory: Memory) -> Memory {
    memory.record.borrow_mut().as_mut().unwrap().browser_requests.push(certificate('B', None, "Firefox on Ada's laptop"));
    memory
}

fn record(memory: &Memory) -> Integration {
    memory.integration().unwrap()
}

fn thumbprints(list: &[CertificateInfo]) -> Vec<Sha1Thumbprint> {
    list.iter().map(|c| c.sha1_thumbprint.clone()).collect()
}

#[test]
fn add_this_browser_records_a_request_keeps_its_key_here_and_retires_keys_nobody_lists() {
    // This browser holds no key of the account's own, only one for a certificate since removed.
    let memory =
        Memory::with(account(certificate('A', Some(key_id(1)), "Chromium on Linux")), &KeySlot::Browser(id(), thumbprint('C')));
    let mine = run_now(request(&memory, "Firefox on Ada's laptop".into(), Some(ADA.into()))).unwrap();

    assert_eq!((mine.key_held_by.as_str(), mine.created_by.as_deref()), ("Firefox on Ada's laptop", Some(ADA)));
    assert_eq!(thumbprints(&record(&memory).browser_requests), vec![mine.sha1_thumbprint.clone()]);
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), mine.sha1_thumbprint.clone())), Some(2), "its key is kept here");
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), thumbprint('C'))), None, "the key nobody lists is gone");
    assert!(memory.signed.borrow().is_empty(), "nothing asked of Microsoft");
}

#[test]
fn a_request_not_saved_keeps_the_old_keys() {
    let memory = Memory::with(account(certificate('A', None, "Chromium on Linux")), &KeySlot::Browser(id(), thumbprint('C')))
        .failing("save");
    let failed = run_now(request(&memory, "Firefox".into(), None)).unwrap_err();
    assert_eq!(failed.to_string(), "The account could not be saved: save refused");
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), thumbprint('C'))), Some(1));
}

#[test]
fn approve_adds_the_request_to_the_app_registration_signed_with_this_browsers_key() {
    let memory = with_request(approver());
    run_now(approve(&memory, &thumbprint('B'), Some(object_id()))).unwrap();

    assert_eq!(*memory.signed.borrow(), ["add by 1"]);
    assert_eq!(memory.on_registration_now(), [thumbprint('A'), thumbprint('B')]);
    let saved = record(&memory);
    assert!(saved.browser_requests.is_empty());
    assert_eq!(thumbprints(&saved.other_certificates), [thumbprint('B')]);
    assert_eq!(saved.other_certificates[0].key_id, Some(key_id(101)), "Entra's id is kept, so it can be removed later");
    assert_eq!(saved.details.app_registration().and_then(|(_, _, o)| o.cloned()), Some(object_id()));
}

#[test]
fn approve_by_the_portal_asks_nothing_of_microsoft() {
    let memory = with_request(approver());
    run_now(approve(&memory, &thumbprint('B'), None)).unwrap();
    assert!(memory.signed.borrow().is_empty());
    let saved = record(&memory);
    assert_eq!(
        (thumbprints(&saved.other_certificates), saved.other_certificates[0].key_id.clone()),
        (vec![thumbprint('B')], None)
    );
}

#[test]
fn approve_without_a_key_here_or_refused_by_microsoft_leaves_the_request() {
    let keyless = with_request(Memory { record: approver().record, ..Memory::default() });
    assert_eq!(run_now(approve(&keyless, &thumbprint('B'), Some(object_id()))), Err(BrowserError::NoKeyHere));

    let refused = with_request(approver()).failing("add");
    let failed = run_now(approve(&refused, &thumbprint('B'), Some(object_id()))).unwrap_err();
    assert_eq!(failed.to_string(), "add refused The request stays; nothing changed.");
    assert_eq!(Problem::from(failed).code, Some(ErrorCode::MicrosoftRefused), "the store's code reaches the page");
    for memory in [keyless, refused] {
        assert_eq!(thumbprints(&record(&memory).browser_requests), [thumbprint('B')]);
        assert_eq!(memory.saves.get(), 0);
    }
}

#[test]
fn a_request_approved_meanwhile_is_left_as_it_is() {
    let memory = approver();
    assert_eq!(run_now(approve(&memory, &thumbprint('B'), Some(object_id()))), Ok(()));
    assert_eq!((memory.saves.get(), memory.signed.borrow().len()), (0, 0));
}

#[test]
fn remove_takes_a_browser_in_use_off_the_app_registration_then_off_the_account() {
    let memory = approver().on_registration(key_id(2), 'B');
    memory.record.borrow_mut().as_mut().unwrap().other_certificates.push(certificate('B', Some(key_id(2)), "Firefox"));
    let removed = run_now(remove(&memory, &thumbprint('B'), Some(object_id()))).unwrap();

    assert_eq!(removed, Removed::Everywhere { label: "Firefox".into() });
    assert_eq!(*memory.signed.borrow(), [format!("remove {} by 1", key_id(2))]);
    assert_eq!(memory.on_registration_now(), [thumbprint('A')]);
    assert!(record(&memory).other_certificates.is_empty());
}

#[test]
fn remove_needs_the_object_id_for_a_browser_in_use() {
    let memory = approver();
    memory.record.borrow_mut().as_mut().unwrap().other_certificates.push(certificate('B', Some(key_id(2)), "Firefox"));
    let failed = run_now(remove(&memory, &thumbprint('B'), None)).unwrap_err();
    assert_eq!(failed.to_string(), "Enter the app's Object ID first. The browser stays listed; nothing changed.");
    assert_eq!(record(&memory).other_certificates.len(), 1);
}

#[test]
fn a_certificate_uploaded_in_the_portal_comes_off_the_list_with_its_thumbprint_to_delete() {
    let memory = approver();
    memory.record.borrow_mut().as_mut().unwrap().other_certificates.push(certificate('B', None, "Firefox"));
    let removed = run_now(remove(&memory, &thumbprint('B'), Some(object_id()))).unwrap();
    assert_eq!(removed, Removed::ListOnly { label: "Firefox".into(), thumbprint: thumbprint('B') });
    assert!(removed.to_string().contains(&format!("delete the certificate with thumbprint {}", thumbprint('B'))));
    assert!(memory.signed.borrow().is_empty());
    assert!(record(&memory).other_certificates.is_empty());
}

#[test]
fn a_request_withdrawn_here_deletes_its_key_and_one_declined_elsewhere_does_not() {
    let memory = with_request(approver());
    memory.keys.borrow_mut().insert(KeySlot::Browser(id(), thumbprint('B')).storage_key(), 7);
    assert_eq!(
        run_now(remove(&memory, &thumbprint('B'), None)),
        Ok(Removed::Request { label: "Firefox on Ada's laptop".into(), here: true })
    );
    assert_eq!(memory.key_in(&KeySlot::Browser(id(), thumbprint('B'))), None);
    assert!(record(&memory).browser_requests.is_empty());

    let elsewhere = with_request(approver());
    let removed = run_now(remove(&elsewhere, &thumbprint('B'), None)).unwrap();
    assert_eq!(removed.to_string(), "The request from Firefox on Ada's laptop is declined.");
    assert_eq!(elsewhere.key_in(&KeySlot::Account(id())), Some(1), "the approver's key stays");
    assert_eq!(run_now(remove(&elsewhere, &thumbprint('B'), None)), Ok(Removed::AlreadyGone));
}
