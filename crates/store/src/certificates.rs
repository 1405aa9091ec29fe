//! A record's certificate facts must be the certificate's own: the thumbprints the Azure portal
//! shows (and a later sign-in's `x5t`) and the dates the app warns about are recomputed from the
//! PEM here, and the key must be one Microsoft Entra accepts (RSA, 2048 bits or more).

use base64::Engine;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use xops_model::{CertificateInfo, FieldError};

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body = pem.trim().strip_prefix(BEGIN)?.strip_suffix(END)?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn date(ms: i64) -> String {
    let t = x509_parser::time::ASN1Time::from_timestamp(ms / 1000).map(|t| t.to_string());
    t.unwrap_or_else(|_| format!("{ms} ms"))
}

/// The DER of a PEM certificate whose key Microsoft Entra accepts (RSA, 2048 bits or more), or
/// what is wrong with it (about `field`).
pub fn entra_der(pem: &str, field: &'static str) -> Result<Vec<u8>, FieldError> {
    let unreadable = || {
        FieldError::new(
            field,
            "The certificate could not be read: send one X.509 certificate in PEM (base64 between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----).",
        )
    };
    let der = pem_to_der(pem).ok_or_else(unreadable)?;
    let (rest, cert) = X509Certificate::from_der(&der).map_err(|_| unreadable())?;
    if !rest.is_empty() {
        return Err(unreadable());
    }
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) if rsa.key_size() >= 2048 => {}
        Ok(PublicKey::RSA(rsa)) => {
            return Err(FieldError::new(
                field,
                format!(
                    "The certificate's RSA key has {} bits; Microsoft Entra needs 2048 or more. Generate a new certificate.",
                    rsa.key_size()
                ),
            ))
        }
        _ => {
            return Err(FieldError::new(
                field,
                "The certificate's key must be RSA: Microsoft Entra does not accept other kinds. Generate a new certificate.",
            ))
        }
    }
    drop(cert);
    Ok(der)
}

/// Checks `info` against its PEM. Field names are relative to the integration body.
pub fn check(info: &CertificateInfo) -> Result<(), FieldError> {
    let der = entra_der(&info.pem, "certificate.pem")?;
    let (_, cert) =
        X509Certificate::from_der(&der).map_err(|_| FieldError::new("certificate.pem", "The certificate could not be read."))?;
    let sha1 = upper_hex(&Sha1::digest(&der));
    if info.sha1_thumbprint.as_str() != sha1 {
        return Err(FieldError::new(
            "certificate.sha1_thumbprint",
            format!("The SHA-1 thumbprint does not match the certificate, whose thumbprint is {sha1}."),
        ));
    }
    let sha256 = upper_hex(&Sha256::digest(&der));
    if info.sha256_thumbprint.as_str() != sha256 {
        return Err(FieldError::new(
            "certificate.sha256_thumbprint",
            format!("The SHA-256 thumbprint does not match the certificate, whose thumbprint is {sha256}."),
        ));
    }
    let validity = cert.validity();
    let (from, until) = (validity.not_before.timestamp() * 1000, validity.not_after.timestamp() * 1000);
    if info.not_before != from {
        return Err(FieldError::new(
            "certificate.not_before",
            format!("The start date does not match the certificate, which is valid from {}.", date(from)),
        ));
    }
    if info.not_after != until {
        return Err(FieldError::new(
            "certificate.not_after",
            format!("The end date does not match the certificate, which is valid until {}.", date(until)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xops_model::{Sha1Thumbprint, Sha256Thumbprint};

    const RSA2048: &str = include_str!("../tests/fixtures/rsa2048.cer");
    const RSA1024: &str = include_str!("../tests/fixtures/rsa1024.cer");
    const EC: &str = include_str!("../tests/fixtures/ec-p256.cer");

    /// The facts `openssl x509 -fingerprint -sha1 -sha256 -startdate -enddate` printed for the fixture.
    pub fn fixture_info() -> CertificateInfo {
        CertificateInfo {
            pem: RSA2048.to_string(),
            sha1_thumbprint: Sha1Thumbprint::parse("C9D73A40D02B751473A86314D847B1376EF78D18").unwrap(),
            sha256_thumbprint: Sha256Thumbprint::parse("309BEC9D11ECAC934EFCFB9121FECA84F19862C8881B29CE456EB7F8B86F8D44")
                .unwrap(),
            not_before: 1_795_971_841_000,
            not_after: 1_827_507_841_000,
            key_held_by: "Chromium on Linux".into(),
            key_id: None,
            created_by: None,
        }
    }

    #[test]
    fn the_facts_of_a_real_certificate_pass() {
        check(&fixture_info()).unwrap();
    }

    #[test]
    fn facts_that_are_not_the_certificate_s_own_are_refused_by_field() {
        type Case = (fn(&mut CertificateInfo), &'static str, &'static str);
        let cases: [Case; 5] = [
            (
                |i| i.sha1_thumbprint = Sha1Thumbprint::parse(&"A".repeat(40)).unwrap(),
                "certificate.sha1_thumbprint",
                "C9D73A40D02B",
            ),
            (
                |i| i.sha256_thumbprint = Sha256Thumbprint::parse(&"B".repeat(64)).unwrap(),
                "certificate.sha256_thumbprint",
                "309BEC9D",
            ),
            (|i| i.not_before += 1000, "certificate.not_before", "valid from"),
            (|i| i.not_after -= 86_400_000, "certificate.not_after", "valid until"),
            (|i| i.pem = i.pem.replace("MII", "MIJ"), "certificate.pem", "could not be read"),
        ];
        for (change, field, says) in cases {
            let mut info = fixture_info();
            change(&mut info);
            let err = check(&info).unwrap_err();
            assert_eq!(err.field, field);
            assert!(err.message.contains(says), "{}", err.message);
        }
    }

    #[test]
    fn keys_entra_refuses_are_refused() {
        let weak = CertificateInfo { pem: RSA1024.into(), ..fixture_info() };
        assert!(check(&weak).unwrap_err().message.contains("1024 bits"));
        let ec = CertificateInfo { pem: EC.into(), ..fixture_info() };
        assert!(check(&ec).unwrap_err().message.contains("must be RSA"));
    }
}
