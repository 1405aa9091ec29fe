//! What the store keeps sealed at rest (sign-in tickets): AES-256-GCM under a key from a file the
//! operator provides (`--secrets-key-file`), never from the database, so a copy of the database
//! alone reveals nothing. Each sealed value is bound to where it is kept (its `context`), so a
//! value moved to another row does not open.

use crate::random::fill_random;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use std::path::Path;

pub struct SealingKey(LessSafeKey);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    /// Reads the key file: 32 bytes as 64 hex digits or as base64 (surrounding space ignored).
    pub fn from_file(path: &Path) -> Result<SealingKey, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read --secrets-key-file {}: {e}", path.display()))?;
        SealingKey::from_text(&text).map_err(|e| format!("--secrets-key-file {}: {e}", path.display()))
    }

    pub fn from_text(text: &str) -> Result<SealingKey, String> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..64).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16)).collect::<Result<Vec<u8>, _>>().ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(t).ok()
        };
        bytes.and_then(|b| SealingKey::from_bytes(&b)).ok_or_else(|| {
            "the key must be 32 random bytes, written as 64 hex digits or base64; make one with: head -c 32 /dev/urandom | base64"
                .to_string()
        })
    }

    /// A key of 32 bytes (AES-256's length, the one thing `UnboundKey::new` checks).
    pub fn from_bytes(bytes: &[u8]) -> Option<SealingKey> {
        UnboundKey::new(&AES_256_GCM, bytes).ok().map(|k| SealingKey(LessSafeKey::new(k)))
    }

    /// `plain` sealed for `context`: base64 of a fresh random nonce, the ciphertext and its tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let mut out = plain.to_vec();
        // Sealing fails only for inputs of gigabytes.
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut out)
            .expect("a ticket is far below AES-GCM's length limit");
        let mut all = nonce.to_vec();
        all.extend(out);
        base64::engine::general_purpose::STANDARD.encode(all)
    }

    /// What `seal` sealed for this very `context`, or `None` (another key, another context, or
    /// changed bytes).
    pub fn open(&self, context: &str, sealed: &str) -> Option<Vec<u8>> {
        let all = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
        if all.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = all.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_context() {
        let key = SealingKey::from_text(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("org/account/600", b"eyJhbGciOiJSUzI1NiJ9.claims.sig");
        assert!(!sealed.contains("eyJ"));
        assert_eq!(key.open("org/account/600", &sealed).unwrap(), b"eyJhbGciOiJSUzI1NiJ9.claims.sig");
        assert!(key.open("org/account/1200", &sealed).is_none(), "bound to its row");
        let other = SealingKey::from_text(&base64::engine::general_purpose::STANDARD.encode([7u8; 32])).unwrap();
        assert!(other.open("org/account/600", &sealed).is_none(), "another key opens nothing");
        // Two seals of the same value differ (a fresh nonce each).
        assert_ne!(key.seal("c", b"x"), key.seal("c", b"x"));
    }

    #[test]
    fn a_bad_key_file_says_how_to_make_one() {
        for bad in ["", "abc", &"ab".repeat(31), &base64::engine::general_purpose::STANDARD.encode([1u8; 16])] {
            let e = SealingKey::from_text(bad).unwrap_err();
            assert!(e.contains("head -c 32 /dev/urandom"), "{e}");
        }
    }
}
