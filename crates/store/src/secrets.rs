//! Refuses private key material in anything the store would keep. The app never sends it; this
//! is the store's own guard, so a bug or a hand-made request cannot put a key into a record.

use base64::Engine;
use serde_json::Value;

/// Where in the value key material was found, if anywhere (a JSON path such as `body.certificate.pem`).
///
/// A backstop, not the guarantee (the guarantee is that the key is made non-extractable in the
/// browser and never read): it catches a PEM private key, a JWK with a private exponent (also
/// as JSON inside a string), and DER private keys in base64 (also split into short lines) or hex.
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
    // JSON inside a string (a JWK pasted as text).
    let t = s.trim();
    if (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<Value>(t).is_ok_and(|v| find_private_key(&v, "").is_some())
    {
        return true;
    }
    // DER whose outer SEQUENCE starts with INTEGER 0: PKCS#8 PrivateKeyInfo and PKCS#1
    // RSAPrivateKey both do; a certificate starts with another SEQUENCE instead. Only the first
    // bytes are needed, so only the start of a candidate is decoded.
    // A run is tried from its start and from every "MII"/"3082" inside it (a SEQUENCE with a
    // two-byte length: every RSA key), so a prefix such as "key-" does not hide what follows.
    let starts = |r: &str, marker: &str| {
        let upper = r.to_ascii_uppercase();
        std::iter::once(0).chain(upper.match_indices(marker).map(|(i, _)| i)).collect::<Vec<_>>()
    };
    let base64 = |c: char| c.is_ascii_alphanumeric() || "+/=-_".contains(c);
    let base64_runs = runs(s, base64, char::is_whitespace).into_iter().filter(|r| r.len() >= 64).any(|r| {
        starts(&r, "MII").into_iter().filter_map(|i| r.get(i..i + 12)).any(|head| {
            let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(head)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(head));
            decoded.is_ok_and(|der| starts_like_private_key(&der))
        })
    });
    let hex_runs = || {
        runs(s, |c| c.is_ascii_hexdigit(), |c| c.is_whitespace() || c == ':').into_iter().filter(|r| r.len() >= 128).any(|r| {
            starts(&r, "3082").into_iter().filter_map(|i| r.get(i..i + 24)).any(|head| {
                let der: Vec<u8> =
                    head.as_bytes().chunks(2).filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok()).collect();
                starts_like_private_key(&der)
            })
        })
    };
    base64_runs || hex_runs()
}

/// The runs of `part` characters in `s`, with `gap` characters (line breaks, separators)
/// inside a run dropped: "MIIE\nvQIB" is the one run "MIIEvQIB".
fn runs(s: &str, part: impl Fn(char) -> bool, gap: impl Fn(char) -> bool) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in s.chars() {
        if part(c) {
            out.last_mut().expect("never empty").push(c);
        } else if !gap(c) && !out.last().expect("never empty").is_empty() {
            out.push(String::new());
        }
    }
    out
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
    fn finds_keys_in_hex_in_short_lines_and_as_json_text() {
        let der = base64::engine::general_purpose::STANDARD_NO_PAD.decode(PKCS8_B64.trim_end_matches('=')).unwrap();
        let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
        assert!(looks_like_private_key(&hex), "hex");
        let colons: Vec<String> = der.iter().map(|b| format!("{b:02X}")).collect();
        assert!(looks_like_private_key(&colons.join(":")), "hex with colons");
        let short_lines: Vec<&str> = PKCS8_B64.as_bytes().chunks(20).map(|c| std::str::from_utf8(c).unwrap()).collect();
        assert!(looks_like_private_key(&short_lines.join("\n")), "base64 in 20-character lines");
        assert!(looks_like_private_key(&format!("key-{PKCS8_B64}")), "after a prefix that looks like base64");
        assert!(looks_like_private_key(&format!("00ff{hex}")), "hex after a prefix");
        let jwk_text = r#"{"kty":"RSA","n":"abc","e":"AQAB","d":"secret"}"#;
        assert_eq!(find_private_key(&json!({"notes": jwk_text}), "body").as_deref(), Some("body.notes"));
        // Not keys: a certificate in short lines, thumbprints, prose.
        let cert_lines: Vec<&str> = CERT_B64.as_bytes().chunks(20).map(|c| std::str::from_utf8(c).unwrap()).collect();
        assert!(!looks_like_private_key(&cert_lines.join("\n")));
        assert!(!looks_like_private_key(&"A1B2C3D4".repeat(8)));
        assert!(!looks_like_private_key(
            "Microsoft did not accept the certificate: it is not uploaded to the app registration, or it belongs to another key."
        ));
        assert!(!looks_like_private_key(r#"{"kty":"RSA","n":"abc","e":"AQAB"}"#));
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
