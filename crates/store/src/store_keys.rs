//! Secret keys the store signs its own tokens with (a connection test's seal, a device cookie):
//! random, made once per database under a name, kept in `store_meta`, so every store process on
//! the database shares them. They never leave the store.

use crate::db::Db;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One HMAC-SHA256 key.
pub struct MacKey([u8; 32]);

impl MacKey {
    /// The key called `name`, made now if the database has none yet.
    pub async fn load_or_create(db: &Db, name: &str) -> Result<MacKey, sqlx::Error> {
        use sqlx::Row;
        let mut fresh = [0u8; 32];
        crate::random::fill_random(&mut fresh);
        let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        // Two processes starting at once: the first insert wins, and both read it.
        sqlx::query("INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(name)
            .bind(&hex)
            .execute(&db.pool)
            .await?;
        let kept: String =
            sqlx::query("SELECT value FROM store_meta WHERE key = $1").bind(name).fetch_one(&db.pool).await?.try_get(0)?;
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = kept
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| sqlx::Error::Decode(format!("store_meta {name} is not 64 hexadecimal digits").into()))?;
        }
        Ok(MacKey(key))
    }

    fn start(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key"))
    }

    /// The MAC of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut mac = self.start();
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether `tag` is the MAC of `message` (compared in constant time).
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.start();
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }

    #[cfg(test)]
    pub fn from_bytes(bytes: [u8; 32]) -> MacKey {
        MacKey(bytes)
    }
}
