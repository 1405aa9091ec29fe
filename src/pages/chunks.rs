//! The pages as split points, for the router (app.rs) and for the signed-in frame, which fetches
//! the link and account chunks in idle time. `page!` makes a page a split point: its `call()`
//! builds the page in its chunk, fetched when the page is first opened (see `split`).
//!
//! Every page but Page not found is here. The pages every signed-in person sees come with the
//! signed-in frame; the link forms (with the certificate code) and the account page (with Test
//! connection) are chunks of their own. Sign in and Create account are not here: they are a module
//! of their own (crates/signin), which index.html's loader starts for their paths.

use crate::pages::account::IntegrationDetail;
use crate::pages::activity::Activity;
use crate::pages::home::{Home, HomeSections};
use crate::pages::integrations::Integrations;
use crate::pages::link::{LinkAws, LinkAzure, LinkMicrosoft365};
use crate::pages::members::Members;
use crate::pages::security::Security;
use crate::pages::welcome::Welcome;
use crate::split::{lazy, Loading};
use crate::split_point;
use leptos::prelude::*;

macro_rules! page {
    ($chunk:ident, $vis:vis $name:ident, $component:ident) => {
        split_point!($chunk, $vis fn $name() -> AnyView { $component().into_any() });
    };
}
page!(signed_in, pub home, Home);
page!(signed_in, pub home_sections, HomeSections);
page!(signed_in, pub welcome, Welcome);
page!(signed_in, pub integrations, Integrations);
page!(link, pub link_aws, LinkAws);
page!(link, pub link_azure, LinkAzure);
page!(link, pub link_microsoft_365, LinkMicrosoft365);
page!(account, pub account, IntegrationDetail);
page!(team, pub members, Members);
page!(team, pub activity, Activity);
page!(team, pub security, Security);

/// A signed-in page (or part of one): fetched and built by `split::lazy` after the signed-in code
/// (the sync engine every page reads), then its own chunk.
pub fn page(preload: fn() -> Loading<()>, call: fn() -> Loading<AnyView>) -> AnyView {
    let after_signed_in_code = move || -> Loading<()> {
        Box::pin(async move {
            crate::components::signed_in::signed_in_code().await?;
            preload().await
        })
    };
    lazy(after_signed_in_code, call)
}
