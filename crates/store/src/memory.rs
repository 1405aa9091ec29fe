//! Memory a burst used comes back to the system.
//!
//! Each password hash allocates 19 MiB (argon2id's memory cost). glibc's malloc serves a block
//! that large with mmap and gives it back on free, but only at first: after the first such free
//! it raises its "mmap threshold" past the block's size (up to 32 MiB), and from then on serves
//! these blocks from its per-thread arenas, which keep freed memory for reuse. With hashes
//! running on many blocking threads, a sign-in flood left the process at hundreds of MiB to
//! GiBs that it never returned. Fixing the threshold at glibc's default (128 KiB) turns the
//! adjustment off: every large block is its own mapping, returned the moment it is freed.
//! Small allocations are unaffected.

/// Sets malloc's mmap threshold to a fixed 128 KiB (glibc only; elsewhere nothing to do).
/// The store's one `unsafe`: a call into the C library, which has no safe wrapper.
#[allow(unsafe_code)]
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc's tuning; it is called before the store allocates much.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
