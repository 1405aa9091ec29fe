//! Prints, for index.html (scripts/setup.sh `write_loader`), the sign-in pages' markup as
//! `<template>`s: a script in the page shows the one its address names as soon as the stylesheet
//! has arrived, before the module has downloaded (see `Page::markup`). With `--paths`, their
//! addresses as a JSON array instead: the loader starts this module on exactly those. A native
//! program, run at build time.

use xops_signin::Page;

fn main() {
    if std::env::args().any(|a| a == "--paths") {
        let paths: Vec<String> = Page::ALL.iter().map(|p| format!("'{}'", p.path())).collect();
        print!("[{}]", paths.join(", "));
        return;
    }
    for page in Page::ALL {
        print!(r#"<template data-path="{}">{}</template>"#, page.path(), page.markup());
    }
}
