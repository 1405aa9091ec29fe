//! Random bytes from the operating system (session tokens, salts, ids).

pub fn fill_random(buf: &mut [u8]) {
    // The OS random source failing is not something a request can recover from.
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}
