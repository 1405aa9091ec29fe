//! How a certificate is shown wherever it appears (the link form, the account page).

use crate::certificate::{CredentialOptions, KeySize, Validity};
use crate::components::copy::CopyButton;
use leptos::prelude::*;
use xops_model::{CertificateInfo, Expiry};

/// A date as the person's browser writes dates ("29 Nov 2027"), with the time in a tooltip.
pub fn format_date(ms: i64) -> String {
    crate::certificate::locale_date(ms as f64, "default", &[("day", "numeric"), ("month", "short"), ("year", "numeric")])
}

/// A moment as the browser writes it: "29 Nov 2027, 14:20:00".
pub fn format_moment(ms: i64) -> String {
    let time = String::from(js_sys::Date::new(&(ms as f64).into()).to_locale_time_string("default"));
    format!("{}, {time}", format_date(ms))
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The class that colours an expiry: a warning from 60 days, a strong one from 14, red once
/// expired.
pub fn expiry_class(e: Expiry) -> &'static str {
    match e {
        Expiry::Valid { .. } => "expiry",
        Expiry::Expiring { .. } => "expiry expiry-expiring",
        Expiry::Soon { .. } => "expiry expiry-soon",
        Expiry::Expired { .. } => "expiry expiry-expired",
    }
}

/// A thumbprint that a narrow screen breaks only between groups of ten digits (`<wbr>`, no
/// character of its own, so the text and a copy of it stay whole), never mid-group.
#[component]
pub fn ThumbprintText(thumbprint: String, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    let chars: Vec<char> = thumbprint.chars().collect();
    let groups: Vec<String> = chars.chunks(10).map(|c| c.iter().collect()).collect();
    let last = groups.len().saturating_sub(1);
    view! {
        <code class="thumbprint" data-testid=testid>
            {groups.into_iter().enumerate().map(|(i, g)| view! { {g} {(i < last).then(|| view! { <wbr/> })} }).collect_view()}
        </code>
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
                <ThumbprintText thumbprint=info.sha1_thumbprint.to_string() testid="sha1-thumbprint"/>
                <CopyButton text=info.sha1_thumbprint.to_string() what="thumbprint"/>
            </dd>
            <dt>"Valid"</dt>
            <dd>{when(info.not_before)} " – " {when(info.not_after)} " " <span class=expiry_class(expiry)>"(" {expiry.describe()} ")"</span></dd>
        </dl>
        {expiry.advice().map(|advice| view! { <p class="expiry-advice" data-testid="expiry-advice">{advice}</p> })}
    }
}

/// The choices for a new credential: how long the certificate is valid, and the key size.
#[component]
pub fn CredentialChoices(options: RwSignal<CredentialOptions>, id_prefix: &'static str) -> impl IntoView {
    let (validity_id, size_id) = (format!("{id_prefix}validity"), format!("{id_prefix}key-size"));
    view! {
        <div class="choices">
            <div class="field">
                <label for=validity_id.clone()>"Certificate validity"</label>
                <select
                    id=validity_id
                    prop:value=move || options.with(|o| o.validity.years().to_string())
                    on:change=move |ev| options.update(|o| o.validity = Validity::from_years(&event_target_value(&ev)))
                >
                    <option value="1">"1 year"</option>
                    <option value="2">"2 years"</option>
                </select>
            </div>
            <div class="field">
                <label for=size_id.clone()>"Key size"</label>
                <select
                    id=size_id
                    prop:value=move || options.with(|o| o.key_size.bits().to_string())
                    on:change=move |ev| options.update(|o| o.key_size = KeySize::from_bits(&event_target_value(&ev)))
                >
                    <option value="2048">"RSA 2048 bits (recommended)"</option>
                    <option value="3072">"RSA 3072 bits"</option>
                    <option value="4096">"RSA 4096 bits (slower to make)"</option>
                </select>
            </div>
        </div>
    }
}

/// "Name this browser": the name a new certificate gives the browser that holds its key (the link
/// form's certificate step, Add this browser). It starts from the name this browser was last given.
#[derive(Clone, Copy)]
pub struct BrowserNameField {
    pub value: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
}

impl BrowserNameField {
    pub fn for_this_browser() -> BrowserNameField {
        BrowserNameField { value: RwSignal::new(crate::certificate::this_browser_name()), error: RwSignal::new(None) }
    }

    /// The name typed, or `None` with the message shown beside the field.
    pub fn read(self) -> Option<xops_model::BrowserName> {
        let parsed = xops_model::BrowserName::parse(&self.value.get_untracked());
        self.error.set(parsed.as_ref().err().map(|e| e.message.clone()));
        parsed.ok()
    }
}

/// The field of a [`BrowserNameField`], checked as the person leaves it.
#[component]
pub fn BrowserNameInput(field: BrowserNameField, id: &'static str, hint: &'static str) -> impl IntoView {
    view! {
        <crate::components::field::TextField id=id label="Name this browser" value=field.value error=field.error hint=hint
            on_blur=Callback::new(move |_| { field.read(); })/>
    }
}
