//! The account's credential, made in the browser: an RSA 2048 key pair from WebCrypto (the private
//! half non-extractable, so not even this page can read it out) and a self-signed X.509 v3
//! certificate assembled by rcgen and signed by WebCrypto.
//!
//! WebCrypto signs asynchronously and rcgen signs synchronously, so the certificate is built in
//! two passes: the first records the bytes to be signed, WebCrypto signs them, and the second
//! pass (same serial, same dates, same key) places that signature. The passes must agree byte for
//! byte, which is checked.

use js_sys::{Array, Object, Reflect, Uint8Array};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyUsagePurpose, PublicKeyData, SerialNumber,
    SignatureAlgorithm, SigningKey, PKCS_RSA_SHA256,
};
use std::cell::RefCell;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};
use xops_model::{BrowserName, CertificateInfo, Guid, Sha1Thumbprint, Sha256Thumbprint};

const RSA: &str = "RSASSA-PKCS1-v1_5";
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateError(pub String);

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsValue> for CertificateError {
    fn from(e: JsValue) -> Self {
        let text = Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).or_else(|| e.as_string());
        let text = text.or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()));
        CertificateError(text.unwrap_or_else(|| "an unknown error".to_string()))
    }
}

/// How long the certificate is valid: one year unless the person picks two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Validity {
    #[default]
    OneYear,
    TwoYears,
}

impl Validity {
    pub fn years(self) -> i64 {
        match self {
            Validity::OneYear => 1,
            Validity::TwoYears => 2,
        }
    }
    pub fn days(self) -> i64 {
        365 * self.years()
    }
    pub fn from_years(years: &str) -> Validity {
        if years == "2" {
            Validity::TwoYears
        } else {
            Validity::OneYear
        }
    }
}

/// The RSA modulus size: 2048 bits unless the person picks more (Entra accepts 2048 and up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum KeySize {
    #[default]
    Rsa2048,
    Rsa3072,
    Rsa4096,
}

impl KeySize {
    pub fn bits(self) -> u32 {
        match self {
            KeySize::Rsa2048 => 2048,
            KeySize::Rsa3072 => 3072,
            KeySize::Rsa4096 => 4096,
        }
    }
    pub fn from_bits(bits: &str) -> KeySize {
        match bits {
            "3072" => KeySize::Rsa3072,
            "4096" => KeySize::Rsa4096,
            _ => KeySize::Rsa2048,
        }
    }
}

/// What the person chose for a new credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CredentialOptions {
    #[serde(default)]
    pub validity: Validity,
    #[serde(default)]
    pub key_size: KeySize,
}

/// A new credential: the private key (a handle; its bytes are out of reach) and the certificate.
pub struct NewCredential {
    pub private_key: CryptoKey,
    pub certificate: CertificateInfo,
    pub der: Vec<u8>,
}

fn subtle() -> Result<SubtleCrypto, CertificateError> {
    let window = web_sys::window().ok_or_else(|| CertificateError("No browser window.".into()))?;
    let crypto = window.crypto().map_err(|_| CertificateError("This browser has no Web Crypto.".into()))?;
    Ok(crypto.subtle())
}

async fn resolve(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, CertificateError> {
    Ok(JsFuture::from(p?).await?)
}

fn bytes(v: JsValue) -> Vec<u8> {
    Uint8Array::new(&v).to_vec()
}

/// An RSA key pair for RSASSA-PKCS1-v1_5 with SHA-256. The private key is not extractable.
pub async fn generate_key_pair(size: KeySize) -> Result<CryptoKeyPair, CertificateError> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &RSA.into())?;
    Reflect::set(&algorithm, &"modulusLength".into(), &size.bits().into())?;
    Reflect::set(&algorithm, &"publicExponent".into(), &Uint8Array::from(&[1u8, 0, 1][..]))?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let pair = resolve(subtle()?.generate_key_with_object(&algorithm, false, &usages)).await?;
    Ok(pair.unchecked_into())
}

/// Signs `data` with RSASSA-PKCS1-v1_5 / SHA-256.
pub async fn sign(key: &CryptoKey, data: &[u8]) -> Result<Vec<u8>, CertificateError> {
    Ok(bytes(resolve(subtle()?.sign_with_str_and_u8_array(RSA, key, data)).await?))
}

pub async fn digest(algorithm: &str, data: &[u8]) -> Result<Vec<u8>, CertificateError> {
    Ok(bytes(resolve(subtle()?.digest_with_str_and_u8_array(algorithm, data)).await?))
}

/// Upper-case hex, as the Azure portal shows thumbprints.
pub fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// `n` bytes from the browser's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CertificateError> {
    let mut buf = vec![0u8; n];
    let window = web_sys::window().ok_or_else(|| CertificateError("No browser window.".into()))?;
    window.crypto()?.get_random_values_with_u8_array(&mut buf).map_err(|_| no_random())?;
    Ok(buf)
}

/// A random (v4) UUID from the browser's CSPRNG (never a fixed value when that fails).
pub fn random_uuid() -> Result<Guid, CertificateError> {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&random_bytes(16)?);
    Ok(Guid::from_random(bytes))
}

fn no_random() -> CertificateError {
    CertificateError(
        "This browser cannot make secure random numbers (Web Crypto is unavailable). Open Xops over https in a current browser."
            .into(),
    )
}

/// Makes a key pair and its self-signed certificate for the account named `account_name`.
pub async fn new_credential(
    account_name: &str,
    options: CredentialOptions,
    now_ms: f64,
) -> Result<NewCredential, CertificateError> {
    let pair = generate_key_pair(options.key_size).await?;
    let spki = bytes(resolve(subtle()?.export_key("spki", &pair.get_public_key())).await?);
    let public = rsa_public_key_of_spki(&spki)?;
    let mut serial = random_bytes(16)?;
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive (DER INTEGER) and exactly 16 bytes long
    let not_before = (now_ms as i64 / 1000) * 1000;
    let not_after = not_before + options.validity.days() * DAY_MS;
    let params = params(account_name, &serial, not_before, not_after)?;

    // Pass 1: learn the to-be-signed bytes.
    let recorder = Signer { public: &public, tbs: RefCell::new(None), signature: None };
    params.self_signed(&recorder).map_err(rcgen_error)?;
    let tbs = recorder.tbs.into_inner().ok_or_else(|| CertificateError("The certificate had nothing to sign.".into()))?;
    let signature = sign(&pair.get_private_key(), &tbs).await?;
    // Pass 2: the same bytes, now with the signature.
    let signer = Signer { public: &public, tbs: RefCell::new(None), signature: Some(signature) };
    let certificate = params.self_signed(&signer).map_err(rcgen_error)?;
    if signer.tbs.into_inner().as_deref() != Some(&tbs[..]) {
        return Err(CertificateError("The certificate changed between signing passes.".into()));
    }
    let der = certificate.der().to_vec();
    let info = CertificateInfo {
        pem: certificate.pem(),
        sha1_thumbprint: Sha1Thumbprint::parse(&upper_hex(&digest("SHA-1", &der).await?))
            .map_err(|e| CertificateError(e.message))?,
        sha256_thumbprint: Sha256Thumbprint::parse(&upper_hex(&digest("SHA-256", &der).await?))
            .map_err(|e| CertificateError(e.message))?,
        not_before,
        not_after,
        key_held_by: this_browser_name(),
        key_id: None,
        created_by: None,
    };
    Ok(NewCredential { private_key: pair.get_private_key(), certificate: info, der })
}

fn rcgen_error(e: rcgen::Error) -> CertificateError {
    CertificateError(format!("The certificate could not be built: {e}"))
}

fn params(
    account_name: &str,
    serial: &[u8],
    not_before_ms: i64,
    not_after_ms: i64,
) -> Result<CertificateParams, CertificateError> {
    let at = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp(ms / 1000)
            .map_err(|_| CertificateError("The browser's clock is out of range.".into()))
    };
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("Xops - {}", account_name.trim()));
    name.push(DnType::OrganizationName, "Xops");
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.serial_number = Some(SerialNumber::from_slice(serial));
    params.not_before = at(not_before_ms)?;
    params.not_after = at(not_after_ms)?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    Ok(params)
}

/// rcgen's view of the WebCrypto key: the public key, and either a recorder of what to sign
/// (first pass) or the signature WebCrypto made for it (second pass).
struct Signer<'a> {
    public: &'a [u8],
    tbs: RefCell<Option<Vec<u8>>>,
    signature: Option<Vec<u8>>,
}

impl PublicKeyData for Signer<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.public
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

impl SigningKey for Signer<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        *self.tbs.borrow_mut() = Some(msg.to_vec());
        // The placeholder's length does not matter: the signed bytes never include the signature.
        Ok(self.signature.clone().unwrap_or_else(|| vec![0; 256]))
    }
}

/// A DER element at the start of `der`: (tag, content, rest).
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 RSAPublicKey inside a SubjectPublicKeyInfo (what rcgen calls the key's DER bytes).
pub fn rsa_public_key_of_spki(spki: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let bad = || CertificateError("The browser returned a public key in an unexpected form.".into());
    let (0x30, body, _) = der_element(spki).ok_or_else(bad)? else { return Err(bad()) };
    let (0x30, _algorithm, rest) = der_element(body).ok_or_else(bad)? else { return Err(bad()) };
    let (0x03, bits, _) = der_element(rest).ok_or_else(bad)? else { return Err(bad()) };
    match bits.split_first() {
        Some((0, key)) => Ok(key.to_vec()),
        _ => Err(bad()),
    }
}

/// The certificate's file name: "<account name>.cer", without characters file systems refuse.
pub fn file_name(account_name: &str) -> String {
    let clean: String = account_name
        .trim()
        .chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() { '-' } else { c })
        .collect();
    let clean = clean.trim_matches('.').trim();
    format!("{}.cer", if clean.is_empty() { "certificate" } else { clean })
}

/// Saves `pem` as a download named after the account.
pub fn download(account_name: &str, pem: &str) -> Result<(), CertificateError> {
    save_file(&file_name(account_name), "application/x-pem-file", pem)
}

/// Offers `text` to the person as a downloaded file.
pub fn save_file(name: &str, mime: &str, text: &str) -> Result<(), CertificateError> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| CertificateError("No document.".into()))?;
    let parts = Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click has started the download; the URL may go once the event loop turns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// Where this device keeps the name its person gave this browser (not a secret: it is shown to
/// everyone beside this browser's certificates).
const BROWSER_NAME_KEY: &str = "xops-browser-name";

/// The date of `ms` as the browser writes it in `locale` ("default": the person's), with the
/// `Intl.DateTimeFormat` options `parts` (`[("day", "numeric"), ("month", "short")]`: "7 Dec").
pub fn locale_date(ms: f64, locale: &str, parts: &[(&str, &str)]) -> String {
    let options = js_sys::Object::new();
    for (k, v) in parts {
        let _ = js_sys::Reflect::set(&options, &(*k).into(), &(*v).into());
    }
    String::from(js_sys::Date::new(&ms.into()).to_locale_date_string(locale, &options))
}

/// A name suggested for this browser: its kind, its system and today's date ("Chromium on Linux,
/// 7 Dec"), so two browsers of one kind can be told apart.
fn suggested_browser_name(now_ms: f64) -> String {
    let ua = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    format!(
        "{}, {}",
        xops_model::security::browser_label(&ua),
        locale_date(now_ms, "en-GB", &[("day", "numeric"), ("month", "short")])
    )
}

/// This browser's name: the one its person gave last (kept on this device), else a suggestion.
/// Every key made here is held under it.
pub fn this_browser_name() -> String {
    xops_web::local_storage()
        .and_then(|s| s.get_item(BROWSER_NAME_KEY).ok().flatten())
        .and_then(|n| BrowserName::parse(&n).ok())
        .map(String::from)
        .unwrap_or_else(|| suggested_browser_name(js_sys::Date::now()))
}

/// Keeps `name` as this browser's name, for the next key made here.
pub fn remember_browser_name(name: &BrowserName) {
    if let Some(s) = xops_web::local_storage() {
        let _ = s.set_item(BROWSER_NAME_KEY, name.as_str());
    }
}
