//! The Security page's passkeys: the person's own (name, added, last used, Remove), Add a passkey
//! (the browser makes it; only its public half goes to Xops), and, for owners, whether every
//! member needs one. A person whose organization requires one and who has none sees this first.

use crate::api::{Api, ApiClientError};
use crate::components::certificate::format_date;
use crate::components::feedback::{ErrorLine, Feedback, LoadFailed, Loading};
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::session::Session;
use leptos::prelude::*;
use xops_model::security::{passkey_name, Passkey, PasskeyAdd, PasskeyList, PasskeyOptions, PasskeyPolicy};
use xops_model::Problem;
use xops_model::{paths, PasskeyId};

/// What this browser is called by default when a passkey is made in it ("Chrome on Windows").
fn this_browser() -> String {
    let ua = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    xops_model::security::browser_label(&ua)
}

/// Makes a passkey in this browser and adds it under `name`.
async fn add_passkey(api: Api, name: String) -> Result<Passkey, Problem> {
    let options: PasskeyOptions = api.post(paths::PASSKEY_OPTIONS, &serde_json::json!({})).await?;
    let options = serde_json::to_string(&options).map_err(|e| Problem::new(e.to_string()))?;
    let credential = xops_web::passkey::create(&options).await.map_err(|e| Problem::new(e.to_string()))?;
    let credential = serde_json::from_str(&credential).map_err(|e| Problem::new(e.to_string()))?;
    Ok(api.post::<_, Passkey>(paths::PASSKEYS, &PasskeyAdd { name, credential }).await?)
}

#[component]
pub fn Passkeys() -> impl IntoView {
    let api = Api::expect_context();
    let session = Session::expect_context();
    let list = local_resource({
        let api = api.clone();
        move || {
            let api = api.clone();
            async move { api.get::<PasskeyList>(paths::PASSKEYS).await }
        }
    });
    let said = RwSignal::new(None::<Result<String, Problem>>);
    let name_error = RwSignal::new(None::<String>);
    let add = local_action({
        let api = api.clone();
        move |name: &String| add_passkey(api.clone(), name.clone())
    });
    Effect::new(move |_| match add.value().get() {
        Some(Ok(p)) => {
            said.set(Some(Ok(format!("Added the passkey “{}”. Next time, choose Sign in with a passkey.", p.name))));
            list.refetch();
            // A person who had to add one may now use everything else.
            session.refresh();
        }
        // The store's word on the name goes beside the name.
        Some(Err(e)) if e.is_about("name") => name_error.set(Some(e.message)),
        Some(Err(e)) => said.set(Some(Err(e))),
        None => {}
    });
    let remove = local_action({
        let api = api.clone();
        move |p: &Passkey| {
            let (api, p) = (api.clone(), p.clone());
            async move {
                let id: &PasskeyId = &p.id;
                api.delete(&paths::passkey(&id)).await.map(|()| format!("Removed the passkey “{}”.", p.name))
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = remove.value().get() {
            said.set(Some(r.map_err(Problem::from)));
            list.refetch();
        }
    });
    let supported = xops_web::passkey::supported();
    let required = move || session.me().is_some_and(|m| m.passkey_required);
    view! {
        <section class="panel" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">"Passkeys"</h2>
            <When when=required>
                <p class="notice" role="alert">"Your organization requires a passkey for signing in. Add one here to continue: until then, Xops shows only this page."</p>
            </When>
            <p>"A passkey signs you in with your fingerprint, face, screen lock or security key instead of a password. Its private key stays on your device; Xops keeps only the public half."</p>
            <Feedback
                done=Signal::derive(move || said.get().and_then(Result::ok))
                error=Signal::derive(move || said.get().and_then(Result::err))
            />
            <PasskeyItems list remove said/>
            {if supported {
                view! {
                    <AddPasskeyForm add said name_error/>
                }.into_any()
            } else {
                view! { <p class="notice">"This browser cannot make passkeys. Use a current version of Chrome, Edge, Safari or Firefox."</p> }.into_any()
            }}
        </section>
        <When when=move || session.me().is_some_and(|m| m.role.manages_members())>
            <PasskeyPolicyPanel/>
        </When>
    }
}

/// The person's passkeys, each with Remove.
#[component]
fn PasskeyItems(
    list: LocalResource<Result<PasskeyList, ApiClientError>>,
    remove: Action<Passkey, Result<String, ApiClientError>>,
    said: RwSignal<Option<Result<String, Problem>>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <Loading what="Loading your passkeys…"/> }>
            {move || list.get().map(|got| match got {
                Err(e) => view! { <LoadFailed why=Problem::from(e).context(|m| format!("Could not load your passkeys: {m}"))/> }.into_any(),
                Ok(l) if l.passkeys.is_empty() => view! { <p>"You have no passkeys yet."</p> }.into_any(),
                Ok(l) => view! {
                    <ul class="passkeys" data-testid="passkeys">
                        {l.passkeys.into_iter().map(|p| {
                            let used = p.last_used_at.map(|t| format!("last used {}", format_date(t))).unwrap_or_else(|| "not used yet".into());
                            let label = format!("Remove the passkey {}", p.name);
                            let text = format!("{} (added {}, {used})", p.name, format_date(p.created_at));
                            view! {
                                <li>{text}" "
                                    <button type="button" class="button subtle" aria-label=label disabled=move || remove.pending().get()
                                        on:click=move |_| { said.set(None); remove.dispatch_local(p.clone()); }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Transition>
    }
}

/// Adding a passkey: its name, then the device's own prompt.
#[component]
fn AddPasskeyForm(
    add: Action<String, Result<Passkey, Problem>>,
    said: RwSignal<Option<Result<String, Problem>>>,
    name_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = RwSignal::new(this_browser());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        said.set(None);
        match passkey_name(&name.get_untracked()) {
            Ok(n) => {
                name_error.set(None);
                add.dispatch_local(n);
            }
            Err(e) => name_error.set(Some(e.message)),
        }
    };
    view! {
        <form class="form" novalidate on:submit=submit>
            <div class="field" class:field-invalid=move || name_error.get().is_some()>
                <label for="passkey-name">"Passkey name"</label>
                <p class="field-hint" id="passkey-name-hint">"So you can tell your passkeys apart, such as the device that holds it."</p>
                <input id="passkey-name" type="text" autocomplete="off" prop:value=move || name.get()
                    on:input=move |ev| { name.set(event_target_value(&ev)); name_error.set(None); }
                    aria-invalid=move || name_error.get().is_some().to_string()
                    aria-describedby="passkey-name-hint passkey-name-error"/>
                <p class="field-error" id="passkey-name-error" hidden=move || name_error.get().is_none()>{move || name_error.get().unwrap_or_default()}</p>
            </div>
            <button class="button primary" type="submit" disabled=move || add.pending().get()>
                {move || if add.pending().get() { "Waiting for your device…" } else { "Add a passkey" }}
            </button>
        </form>
    }
}

/// Owners: whether every member needs a passkey.
#[component]
fn PasskeyPolicyPanel() -> impl IntoView {
    let api = Api::expect_context();
    let list = local_resource({
        let api = api.clone();
        move || {
            let api = api.clone();
            async move { api.get::<PasskeyList>(paths::PASSKEYS).await.map(|l| l.required).unwrap_or(false) }
        }
    });
    let said = RwSignal::new(None::<Result<String, Problem>>);
    let set = local_action(move |required: &bool| {
        let (api, required) = (api.clone(), *required);
        async move {
            api.put::<_, PasskeyPolicy>(paths::PASSKEY_POLICY, &PasskeyPolicy { required }).await?;
            Ok::<_, ApiClientError>(if required {
                "Every member now needs a passkey: those without one are asked to add one and can do nothing else until they do."
            } else {
                "Passkeys are now optional for members."
            })
        }
    });
    Effect::new(move |_| {
        if let Some(r) = set.value().get() {
            said.set(Some(r.map(str::to_string).map_err(Problem::from)));
            list.refetch();
        }
    });
    view! {
        <section class="panel" aria-labelledby="passkey-policy-heading">
            <h2 id="passkey-policy-heading">"Passkeys for your organization"</h2>
            <Transition fallback=|| ()>
                {move || list.get().map(|required| view! {
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=required disabled=move || set.pending().get()
                            on:change=move |ev| { set.dispatch_local(event_target_checked(&ev)); }/>
                        " Require a passkey for every member"
                    </label>
                })}
            </Transition>
            <p role="status" class="form-success" hidden=move || !matches!(said.get(), Some(Ok(_)))>{move || said.get().and_then(Result::ok).unwrap_or_default()}</p>
            <ErrorLine error=Signal::derive(move || said.get().and_then(Result::err))/>
        </section>
    }
}
