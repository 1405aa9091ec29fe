//! One file per screen, each exporting one component; routes are in app.rs.

pub mod auth_form;
pub mod connection_test;
pub mod home;
pub mod integration_detail;
pub mod integrations;
pub mod link;
pub mod link_guides;
pub mod login;
pub mod not_found;
pub mod signup;
pub mod welcome;
