//! How a certificate is shown wherever it appears (the link form, the account page).

use crate::components::copy::CopyButton;
use leptos::prelude::*;
use xops_model::{CertificateInfo, Expiry};

/// A date as the person's browser writes dates ("29 Nov 2027"), with the time in a tooltip.
pub fn format_date(ms: i64) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    let options = js_sys::Object::new();
    for (k, v) in [("day", "numeric"), ("month", "short"), ("year", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    }
    String::from(date.to_locale_date_string("default", &options))
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The class that colours an expiry: a warning from 30 days, red once expired.
pub fn expiry_class(e: Expiry) -> &'static str {
    match e {
        Expiry::Valid { .. } => "expiry",
        Expiry::Soon { .. } => "expiry expiry-soon",
        Expiry::Expired { .. } => "expiry expiry-expired",
    }
}

/// Thumbprint (with Copy), validity and days left.
#[component]
pub fn CertificateFacts(info: CertificateInfo) -> impl IntoView {
    let expiry = info.expiry(now_ms());
    let when = |ms: i64| {
        let full = String::from(js_sys::Date::new(&(ms as f64).into()).to_string());
        view! { <time datetime=String::from(js_sys::Date::new(&(ms as f64).into()).to_iso_string()) title=full>{format_date(ms)}</time> }
    };
    view! {
        <dl class="details certificate-facts">
            <dt>"Thumbprint (SHA-1)"</dt>
            <dd class="with-copy">
                <code data-testid="sha1-thumbprint">{info.sha1_thumbprint.clone()}</code>
                <CopyButton text=info.sha1_thumbprint.clone() what="thumbprint"/>
            </dd>
            <dt>"Valid from"</dt>
            <dd>{when(info.not_before)}</dd>
            <dt>"Valid until"</dt>
            <dd>{when(info.not_after)} " " <span class=expiry_class(expiry)>"(" {expiry.describe()} ")"</span></dd>
        </dl>
    }
}
