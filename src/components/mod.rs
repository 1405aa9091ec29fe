//! Small pieces shared by the pages.

pub mod app_update;
pub mod boot_error;
pub mod brand;
pub mod certificate;
pub mod cloud_card;
pub mod copy;
pub mod feedback;
pub mod field;
pub mod logos;
pub mod page;
pub mod redirect;
pub mod role;
pub mod shell;
pub mod side_nav;
pub mod signed_in;
pub mod top_bar;
pub mod when;
