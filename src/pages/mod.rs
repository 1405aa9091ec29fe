//! One file per screen, each exporting one component; routes are in app.rs.

pub mod home;
pub mod integrations;
pub mod not_found;
