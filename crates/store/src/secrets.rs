//! Refuses private key material in anything the store would keep. The app never sends it; this
//! is the store's own guard, so a bug or a hand-made request cannot put a key into a record.

use base64::Engine;
use serde_json::Value;

/// Where in the value key material was found, if anywhere (a JSON path such as `body.certificate.pem`).
pub fn find_private_key(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) => looks_like_private_key(s).then(|| path.to_string()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| find_private_key(v, &format!("{path}[{i}]"))),
        Value::Object(map) => {
            // A JSON Web Key with a private exponent.
            if map.contains_key("kty") && map.contains_key("d") {
                return Some(path.to_string());
            }
            map.iter().find_map(|(k, v)| find_private_key(v, &format!("{path}.{k}")))
        }
        _ => None,
    }
}

fn looks_like_private_key(s: &str) -> bool {
    if s.contains("PRIVATE KEY-----") {
        return true;
    }
    // A base64 blob of DER whose outer SEQUENCE starts with INTEGER 0: PKCS#8 PrivateKeyInfo and
    // PKCS#1 RSAPrivateKey both do; a certificate starts with another SEQUENCE instead.
    s.split(|c: char| c.is_whitespace() || c == '"' || c == ',').filter(|w| w.len() >= 64).any(|w| {
        let w = w.trim_end_matches('=');
        let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(w)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(w));
        decoded.is_ok_and(|der| starts_like_private_key(&der))
    })
}

fn starts_like_private_key(der: &[u8]) -> bool {
    if der.first() != Some(&0x30) {
        return false;
    }
    let header = match der.get(1) {
        Some(l) if *l < 0x80 => 2,
        Some(l) if (0x81..=0x84).contains(l) => 2 + (*l as usize - 0x80),
        _ => return false,
    };
    der.get(header..header + 3) == Some(&[0x02, 0x01, 0x00])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The first bytes of a real PKCS#8 RSA key (30 82 04 bd 02 01 00 30 0d ...) and of a certificate.
    const PKCS8_B64: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ";
    const CERT_B64: &str = "MIIC+zCCAeOgAwIBAgIJALFCBhUxwsjtMA0GCSqGSIb3DQEBCwUAMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDAeFw0yMDA5MTQxMjAwMDBaFw0zMDA5MTIxMjAwMDBa";

    #[test]
    fn finds_pem_private_keys_anywhere() {
        let v = json!({"body": {"certificate": {"pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"}}});
        assert_eq!(find_private_key(&v, "").as_deref(), Some(".body.certificate.pem"));
        let v = json!({"notes": ["ok", "-----BEGIN ENCRYPTED PRIVATE KEY-----"]});
        assert_eq!(find_private_key(&v, "body").as_deref(), Some("body.notes[1]"));
    }

    #[test]
    fn finds_a_jwk_with_a_private_exponent() {
        let v = json!({"key": {"kty": "RSA", "n": "abc", "e": "AQAB", "d": "secret"}});
        assert_eq!(find_private_key(&v, "body").as_deref(), Some("body.key"));
        let public = json!({"key": {"kty": "RSA", "n": "abc", "e": "AQAB"}});
        assert_eq!(find_private_key(&public, "body"), None);
    }

    #[test]
    fn finds_a_bare_pkcs8_blob_but_not_a_certificate() {
        assert!(looks_like_private_key(PKCS8_B64));
        assert!(!looks_like_private_key(CERT_B64));
        let pem = format!("-----BEGIN CERTIFICATE-----\n{CERT_B64}\n-----END CERTIFICATE-----");
        assert_eq!(find_private_key(&json!({"pem": pem}), "body"), None);
        assert!(!looks_like_private_key("Contoso production"));
    }
}
