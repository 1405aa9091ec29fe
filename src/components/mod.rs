//! Small pieces shared by the pages.

pub mod boot_error;
pub mod page;
pub mod shell;
pub mod side_nav;
pub mod top_bar;
