//! One module per screen (or pair of screens), each exporting its page component; routes are in
//! app.rs and their paths in routes.rs. A screen's own parts live in its folder.

pub mod account;
pub mod activity;
pub mod chunks;
pub mod home;
pub mod home_first;
pub mod integrations;
pub mod link;
pub mod members;
pub mod not_found;
pub mod passkeys;
pub mod security;
pub mod welcome;
