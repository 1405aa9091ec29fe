//! The in-browser credential, checked independently of the code that made it: x509-parser reads
//! the certificate, the sha1/sha2 crates recompute the thumbprints, and WebCrypto verifies the
//! signature with the certificate's own public key.
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod support;

use js_sys::{Object, Reflect, Uint8Array};
use sha1::Digest;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::CryptoKey;
use x509_parser::prelude::*;
use xops_integrations::certificate::{
    self, file_name, new_credential, rsa_public_key_of_spki, CredentialOptions, KeySize, Validity,
};
use xops_integrations::keys::{KeySlot, KeyStore};
use xops_model::{RecordId, Sha1Thumbprint};

wasm_bindgen_test_configure!(run_in_browser);

const DAY_SECS: i64 = 86_400;

fn subtle() -> web_sys::SubtleCrypto {
    web_sys::window().unwrap().crypto().unwrap().subtle()
}

fn rsa() -> Object {
    let alg = Object::new();
    Reflect::set(&alg, &"name".into(), &"RSASSA-PKCS1-v1_5".into()).unwrap();
    Reflect::set(&alg, &"hash".into(), &"SHA-256".into()).unwrap();
    alg
}

/// Verifies `signature` over `data` with the certificate's SubjectPublicKeyInfo, via WebCrypto.
async fn verifies(spki: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let usages = js_sys::Array::of1(&"verify".into());
    let key =
        JsFuture::from(subtle().import_key_with_object("spki", &Uint8Array::from(spki).into(), &rsa(), true, &usages).unwrap())
            .await
            .unwrap();
    let key: CryptoKey = key.unchecked_into();
    let ok = JsFuture::from(subtle().verify_with_object_and_u8_array_and_u8_array(&rsa(), &key, signature, data).unwrap())
        .await
        .unwrap();
    ok.as_bool().unwrap()
}

#[wasm_bindgen_test]
async fn the_private_key_cannot_be_read_out() {
    let cred = new_credential("Contoso", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    assert_eq!(cred.private_key.type_(), "private");
    assert!(!cred.private_key.extractable());
    for format in ["pkcs8", "jwk"] {
        let exported = JsFuture::from(subtle().export_key(format, &cred.private_key).unwrap()).await;
        assert!(exported.is_err(), "export as {format} must be refused");
    }
}

#[wasm_bindgen_test]
async fn the_certificate_is_rsa_sha256_self_signed_with_the_chosen_validity_and_key_size() {
    let cases = [
        (CredentialOptions::default(), 365, 2048),
        (CredentialOptions { validity: Validity::TwoYears, key_size: KeySize::Rsa2048 }, 730, 2048),
        (CredentialOptions { validity: Validity::OneYear, key_size: KeySize::Rsa3072 }, 365, 3072),
    ];
    for (options, days, bits) in cases {
        let now = js_sys::Date::now();
        let cred = new_credential("Contoso production", options, now).await.unwrap();
        let info = &cred.certificate;
        info.check().unwrap();

        let (rest, pem) = x509_parser::pem::parse_x509_pem(info.pem.as_bytes()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(pem.label, "CERTIFICATE");
        assert_eq!(pem.contents, cred.der, "the PEM holds the same certificate");
        let (_, cert) = parse_x509_certificate(&cred.der).unwrap();

        assert_eq!(cert.version(), X509Version::V3);
        assert_eq!(cert.signature_algorithm.algorithm, x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA);
        match cert.public_key().parsed().unwrap() {
            x509_parser::public_key::PublicKey::RSA(rsa) => {
                assert_eq!(rsa.key_size(), bits);
                assert_eq!(rsa.exponent, &[1, 0, 1]);
            }
            other => panic!("expected an RSA key, got {other:?}"),
        }
        let cn = cert.subject().iter_common_name().next().unwrap().as_str().unwrap().to_string();
        assert_eq!(cn, "Xops - Contoso production");
        assert_eq!(cert.subject(), cert.issuer(), "self-signed");
        assert!(cert.raw_serial().len() == 16 && cert.raw_serial()[0] & 0x80 == 0, "a positive 128-bit serial");

        let start = cert.validity().not_before.timestamp();
        let end = cert.validity().not_after.timestamp();
        assert!((start * 1000 - now as i64).abs() < 1000, "valid from now");
        assert_eq!(end - start, days * DAY_SECS);
        assert_eq!((info.not_before, info.not_after), (start * 1000, end * 1000));

        assert!(verifies(cert.public_key().raw, cert.tbs_certificate.as_ref(), &cert.signature_value.data).await);
        let mut tampered = cert.tbs_certificate.as_ref().to_vec();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(!verifies(cert.public_key().raw, &tampered, &cert.signature_value.data).await, "the check can fail");

        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
        assert_eq!(info.sha1_thumbprint.as_str(), hex(&sha1::Sha1::digest(&cred.der)));
        assert_eq!(info.sha256_thumbprint.as_str(), hex(&sha2::Sha256::digest(&cred.der)));
    }
}

#[wasm_bindgen_test]
async fn two_certificates_differ_in_key_and_serial() {
    let a = new_credential("A", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let b = new_credential("A", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let (_, ca) = parse_x509_certificate(&a.der).unwrap();
    let (_, cb) = parse_x509_certificate(&b.der).unwrap();
    assert_ne!(ca.raw_serial(), cb.raw_serial());
    assert_ne!(ca.public_key().raw, cb.public_key().raw);
}

#[wasm_bindgen_test]
async fn a_stored_key_comes_back_from_indexeddb_and_still_signs_for_its_certificate() {
    let org: xops_model::OrganizationId = support::fresh_id();
    let cred = new_credential("Stored", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let store = KeyStore::open(&org).await.unwrap();
    let (one, two): (RecordId, RecordId) = (support::fresh_id(), support::fresh_id());
    store.put_key(&KeySlot::Account(one.clone()), &cred.private_key).await.unwrap();
    drop(store);

    let store = KeyStore::open(&org).await.unwrap();
    let key = store.key(&KeySlot::Account(one.clone())).await.unwrap().expect("the key is kept");
    assert!(!key.extractable());
    let signature = certificate::sign(&key, b"hello").await.unwrap();
    let (_, cert) = parse_x509_certificate(&cred.der).unwrap();
    assert!(verifies(cert.public_key().raw, b"hello", &signature).await);

    // Into the same slot (a replacement), and into another one, retiring the old key.
    let (next, renewing) = (KeySlot::Next(one.clone()), KeySlot::Renewing(one.clone()));
    store.put_key(&next, &cred.private_key).await.unwrap();
    store.promote_key(&next, &KeySlot::Account(one.clone()), &KeySlot::Account(one.clone())).await.unwrap();
    assert!(store.key(&next).await.unwrap().is_none());
    assert!(store.holds(&KeySlot::Account(one.clone())).await);
    store.put_key(&renewing, &cred.private_key).await.unwrap();
    store.promote_key(&renewing, &KeySlot::Account(two.clone()), &KeySlot::Account(one.clone())).await.unwrap();
    assert!(store.key(&renewing).await.unwrap().is_none());
    assert!(!store.holds(&KeySlot::Account(one.clone())).await);
    assert!(store.holds(&KeySlot::Account(two.clone())).await);
    assert_eq!(store.slots().await.unwrap(), [KeySlot::Account(two.clone())]);
    store.delete_key(&KeySlot::Account(two.clone())).await.unwrap();
    assert!(!store.holds(&KeySlot::Account(two.clone())).await);

    let k = KeySlot::Next(two.clone());
    store.put_draft_and_key("draft", &serde_json::json!({"name": "x"}), &k, &key).await.unwrap();
    assert_eq!(store.draft::<serde_json::Value>("draft").await.unwrap(), Some(serde_json::json!({"name": "x"})));
    store.delete_draft("draft", Some(&k)).await.unwrap();
    assert!(store.draft::<serde_json::Value>("draft").await.unwrap().is_none());
    assert!(!store.holds(&k).await);
}

/// Every kind of slot is read back as the slot it was written as, and an account's browser slots
/// are its own: another account's, and its main key, are not among them.
#[wasm_bindgen_test]
async fn every_key_slot_reads_back_as_itself() {
    let org: xops_model::OrganizationId = support::fresh_id();
    let cred = new_credential("Slots", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let (one, two): (RecordId, RecordId) = (support::fresh_id(), support::fresh_id());
    let sha1 = |c: char| Sha1Thumbprint::parse(&c.to_string().repeat(40)).unwrap();
    let slots = [
        KeySlot::Account(one.clone()),
        KeySlot::Next(one.clone()),
        KeySlot::Renewing(one.clone()),
        KeySlot::Browser(one.clone(), sha1('A')),
        KeySlot::Browser(one.clone(), sha1('B')),
        KeySlot::Browser(two.clone(), sha1('C')),
    ];
    let store = KeyStore::open(&org).await.unwrap();
    for slot in &slots {
        store.put_key(slot, &cred.private_key).await.unwrap();
    }
    let mut read = store.slots().await.unwrap();
    let order = |s: &KeySlot| format!("{s:?}");
    read.sort_by_key(order);
    let mut written = slots.to_vec();
    written.sort_by_key(order);
    assert_eq!(read, written);
    let mut own = store.browser_slots(&one).await.unwrap();
    own.sort_by_key(order);
    assert_eq!(own, [KeySlot::Browser(one.clone(), sha1('A')), KeySlot::Browser(one.clone(), sha1('B'))]);
    assert!(slots.iter().all(|s| s.account() == &one || s.account() == &two));
}

#[wasm_bindgen_test]
fn file_names_keep_the_account_name_and_drop_what_file_systems_refuse() {
    assert_eq!(file_name("Contoso production"), "Contoso production.cer");
    assert_eq!(file_name(" a/b:c? "), "a-b-c-.cer");
    assert_eq!(file_name(".."), "certificate.cer");
}

#[wasm_bindgen_test]
fn browser_labels() {
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    assert_eq!(xops_model::security::browser_label(chrome), "Chrome on Windows");
    let edge = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0";
    assert_eq!(xops_model::security::browser_label(edge), "Edge on macOS");
    assert_eq!(
        xops_model::security::browser_label("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
        "Firefox on Linux"
    );
}

#[wasm_bindgen_test]
fn the_rsa_key_is_found_inside_the_spki() {
    // SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0, SEQUENCE { INTEGER 5, INTEGER 3 } } }
    let spki = [
        0x30, 0x1a, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x09, 0x00,
        0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03,
    ];
    assert_eq!(rsa_public_key_of_spki(&spki).unwrap(), vec![0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03]);
    assert!(rsa_public_key_of_spki(&spki[..10]).is_err());
}

#[wasm_bindgen_test]
fn base64url_matches_rfc_4648_vectors_without_padding() {
    use xops_integrations::assertion::base64url;
    for (input, expected) in [
        (&b""[..], ""),
        (b"f", "Zg"),
        (b"fo", "Zm8"),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg"),
        (b"fooba", "Zm9vYmE"),
        (b"foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64url(input), expected);
    }
    assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
}

#[wasm_bindgen_test]
async fn a_client_assertion_is_a_jwt_signed_by_the_stored_key_in_microsoft_s_format() {
    use xops_integrations::assertion::client_assertion;
    let cred = new_credential("Assertion", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let thumb = &cred.certificate.sha1_thumbprint;
    let tenant = xops_model::TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    let app = xops_model::ApplicationId::parse("11111111-2222-3333-4444-555555555555").unwrap();
    let jwt = client_assertion(&cred.private_key, "https://login.example/", &tenant, &app, thumb).await.unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |s: &str| {
        let padded = format!("{s}{}", "=".repeat((4 - s.len() % 4) % 4)).replace('-', "+").replace('_', "/");
        js_sys::JSON::parse(&web_sys::window().unwrap().atob(&padded).unwrap()).unwrap()
    };
    let get = |v: &wasm_bindgen::JsValue, k: &str| Reflect::get(v, &k.into()).unwrap();
    let header = decode(parts[0]);
    assert_eq!(get(&header, "alg").as_string().unwrap(), "RS256");
    assert_eq!(get(&header, "typ").as_string().unwrap(), "JWT");
    let x5t = get(&header, "x5t").as_string().unwrap();
    let sha1 = sha1::Sha1::digest(&cred.der);
    assert_eq!(x5t, xops_integrations::assertion::base64url(&sha1), "x5t is the SHA-1 thumbprint's bytes");
    let claims = decode(parts[1]);
    assert_eq!(
        get(&claims, "aud").as_string().unwrap(),
        "https://login.example/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    );
    assert_eq!(get(&claims, "iss").as_string().unwrap(), app.as_str());
    assert_eq!(get(&claims, "sub").as_string().unwrap(), app.as_str());
    let (nbf, exp) = (get(&claims, "nbf").as_f64().unwrap(), get(&claims, "exp").as_f64().unwrap());
    assert_eq!(exp - nbf, 300.0);
    assert!((nbf - js_sys::Date::now() / 1000.0).abs() < 5.0);
    let signature = {
        let s = parts[2];
        let padded = format!("{s}{}", "=".repeat((4 - s.len() % 4) % 4)).replace('-', "+").replace('_', "/");
        let bin = web_sys::window().unwrap().atob(&padded).unwrap();
        bin.chars().map(|c| c as u8).collect::<Vec<u8>>()
    };
    let (_, cert) = parse_x509_certificate(&cred.der).unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    assert!(verifies(cert.public_key().raw, signed.as_bytes(), &signature).await);
}

#[wasm_bindgen_test]
async fn a_proof_of_possession_is_issued_by_the_object_id_for_ten_minutes_and_signed_by_the_stored_key() {
    use xops_integrations::assertion::proof;
    let cred = new_credential("Proof", CredentialOptions::default(), js_sys::Date::now()).await.unwrap();
    let object_id = xops_model::ApplicationObjectId::parse("aaaaaaaa-0000-4111-8222-333333333333").unwrap();
    let jwt = proof(&cred.private_key, "00000002-0000-0000-c000-000000000000", &object_id, &cred.certificate.sha1_thumbprint)
        .await
        .unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let decode = |s: &str| {
        let padded = format!("{s}{}", "=".repeat((4 - s.len() % 4) % 4)).replace('-', "+").replace('_', "/");
        web_sys::window().unwrap().atob(&padded).unwrap()
    };
    let header: serde_json::Value = serde_json::from_str(&decode(parts[0])).unwrap();
    let claims: serde_json::Value = serde_json::from_str(&decode(parts[1])).unwrap();
    let sha1 = sha1::Sha1::digest(&cred.der);
    assert_eq!(
        header,
        serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": xops_integrations::assertion::base64url(&sha1) })
    );
    assert_eq!(claims["aud"], "00000002-0000-0000-c000-000000000000");
    assert_eq!(claims["iss"], object_id.as_str());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap(), 600, "Microsoft's limit: ten minutes");
    assert!((claims["nbf"].as_f64().unwrap() - js_sys::Date::now() / 1000.0).abs() < 5.0);
    let signature: Vec<u8> = decode(parts[2]).chars().map(|c| c as u8).collect();
    let (_, cert) = parse_x509_certificate(&cred.der).unwrap();
    assert!(verifies(cert.public_key().raw, format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).await);
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn draft_changes_land_in_the_order_they_were_made() {
    // A slow save (an older keystroke) and then a removal (Connect): the removal must win, or
    // the finished link would come back as an "Unfinished link".
    let org: xops_model::OrganizationId = support::fresh_id();
    let older = {
        let org = org.clone();
        async move {
            KeyStore::with_draft(&org, "draft", async |keys| {
                sleep(150).await; // opening and writing took long this time
                keys.put_draft("draft", &"typed before Connect").await
            })
            .await
        }
    };
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = done.clone();
    wasm_bindgen_futures::spawn_local(async move {
        older.await.unwrap();
        flag.set(true);
    });
    sleep(0).await; // the older change has asked for its turn
    KeyStore::with_draft(&org, "draft", async |keys| keys.delete_draft("draft", None).await).await.unwrap();
    assert!(done.get(), "the older change ran first, to its end");
    let store = KeyStore::open(&org).await.unwrap();
    assert_eq!(store.draft::<String>("draft").await.unwrap(), None, "the removal came last and stays");
}
