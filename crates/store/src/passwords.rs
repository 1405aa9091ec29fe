//! Passwords: argon2id hashing, checks that cost the same for an unknown email, and a bound on
//! how many hashes a process runs at once.

use crate::error::AppError;
use crate::random::fill_random;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;
use xops_model::ErrorCode;

/// argon2id with the crate's defaults (OWASP's minimum: 19 MiB, 2 passes, 1 lane). Slow on
/// purpose; run it on a blocking thread.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Checks a password against a stored hash. With no hash (unknown email) it checks against a
/// fixed dummy hash, so an unknown email costs the same time as a wrong password.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy_hash())) else { return false };
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && stored.is_some()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// Makes the dummy hash at start, so even the first unknown email costs exactly one check.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(dummy_hash).await;
}

pub async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(AppError::internal)?
}

/// Bounds the password hashing a process does at once. Each argon2id hash takes 19 MiB and a
/// core for tens of milliseconds; without a bound, a flood of sign-ups or sign-ins runs hundreds
/// at once (one per blocking thread, up to 512: ~9.5 GiB). At most one hash runs per core; a
/// bounded number of requests wait their turn (briefly); beyond that the answer is an immediate
/// 503 with Retry-After, which costs nothing.
pub struct HashSlots {
    running: tokio::sync::Semaphore,
    /// Requests holding or waiting for a slot.
    in_line: std::sync::atomic::AtomicUsize,
    max_in_line: usize,
}

impl HashSlots {
    /// How long a request waits for a slot before it is told to come back.
    const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

    pub fn new(at_once: usize, may_wait: usize) -> Self {
        let at_once = at_once.max(1);
        HashSlots {
            running: tokio::sync::Semaphore::new(at_once),
            in_line: std::sync::atomic::AtomicUsize::new(0),
            max_in_line: at_once + may_wait,
        }
    }

    /// One slot per core, and sixteen waiting per slot.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        HashSlots::new(cores, 16 * cores)
    }

    /// Waits for a slot (or answers 503 at once when too many are waiting).
    pub async fn slot(&self) -> Result<HashSlot<'_>, AppError> {
        use std::sync::atomic::Ordering;
        let ahead = self.in_line.fetch_add(1, Ordering::AcqRel);
        let in_line = InLine(&self.in_line);
        if ahead >= self.max_in_line {
            return Err(busy());
        }
        match tokio::time::timeout(Self::MAX_WAIT, self.running.acquire()).await {
            Ok(Ok(permit)) => Ok(HashSlot { _permit: permit, _in_line: in_line }),
            _ => Err(busy()),
        }
    }

    /// Runs `work` (a password hash or check) on a blocking thread when a slot is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        self.slot().await?.run(work).await
    }
}

struct InLine<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// A password slot, held until dropped.
pub struct HashSlot<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
    _in_line: InLine<'a>,
}

impl HashSlot<'_> {
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
    }
}

/// The answer when every password slot is taken.
pub fn busy() -> AppError {
    AppError::of(ErrorCode::Unavailable, "Xops is handling many sign-ins right now. Try again in a moment.").retry_after(1)
}
