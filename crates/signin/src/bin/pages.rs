//! Prints the sign-in pages' markup as `<template>`s for index.html (scripts/setup.sh
//! `write_loader`): a script in the page shows the one its address names as soon as the
//! stylesheet has arrived, before the module has downloaded (see `Page::markup`). A native
//! program, run at build time.

use xops_signin::Page;

fn main() {
    for page in Page::ALL {
        print!(r#"<template data-path="{}">{}</template>"#, page.path(), page.markup());
    }
}
