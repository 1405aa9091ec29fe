//! Passkeys in the browser, for the sign-in page (sign in with one) and the app (add one): the
//! store's options go to `navigator.credentials` and the answer comes back as JSON. The browser
//! does the parsing both ways (`PublicKeyCredential.parse…OptionsFromJSON`, `toJSON()`), so no
//! WebAuthn type needs binding here; the private key never leaves the authenticator.

use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why a passkey ceremony did not finish, as a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyError(pub String);

impl std::fmt::Display for PasskeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether this browser can use passkeys at all (WebAuthn with its JSON helpers).
pub fn supported() -> bool {
    parse_function("parseRequestOptionsFromJSON").is_some()
}

/// Makes a passkey. `store_answer` is the store's answer to `POST /passkeys/options` as text
/// (`{"options": PublicKeyCredentialCreationOptionsJSON}`); the result is the new credential's
/// `toJSON()`, as JSON text. (Text both ways: the sign-in page stays without a JSON value type.)
pub async fn create(store_answer: &str) -> Result<String, PasskeyError> {
    ceremony("create", "parseCreationOptionsFromJSON", store_answer).await
}

/// Signs with a passkey. `store_answer` is the store's answer to `POST /auth/passkey/options` as
/// text; the result is the assertion's `toJSON()`, as JSON text.
pub async fn get(store_answer: &str) -> Result<String, PasskeyError> {
    ceremony("get", "parseRequestOptionsFromJSON", store_answer).await
}

fn parse_function(name: &str) -> Option<(JsValue, Function)> {
    let window = web_sys::window()?;
    let class = Reflect::get(&window, &"PublicKeyCredential".into()).ok().filter(|c| !c.is_undefined())?;
    let parse = Reflect::get(&class, &name.into()).ok()?.dyn_into::<Function>().ok()?;
    Some((class, parse))
}

const UNSUPPORTED: &str =
    "This browser cannot use passkeys. Use a current version of Chrome, Edge, Safari or Firefox, or sign in with your password.";

async fn ceremony(method: &str, parse: &str, store_answer: &str) -> Result<String, PasskeyError> {
    let fail = |m: &str| PasskeyError(m.to_string());
    let (class, parse) = parse_function(parse).ok_or_else(|| fail(UNSUPPORTED))?;
    let unreadable = || fail("The passkey options from Xops could not be read. Reload the page and try again.");
    let answer = JSON::parse(store_answer).map_err(|_| unreadable())?;
    let json = Reflect::get(&answer, &"options".into()).ok().filter(JsValue::is_object).ok_or_else(unreadable)?;
    let public_key = parse.call1(&class, &json).map_err(explain)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(explain)?;
    let window = web_sys::window().ok_or_else(|| fail(UNSUPPORTED))?;
    let navigator = Reflect::get(&window, &"navigator".into()).map_err(|_| fail(UNSUPPORTED))?;
    let credentials = Reflect::get(&navigator, &"credentials".into()).map_err(|_| fail(UNSUPPORTED))?;
    let call = Reflect::get(&credentials, &method.into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let call = call.ok_or_else(|| fail(UNSUPPORTED))?;
    let promise: Promise = call.call1(&credentials, &request).map_err(explain)?.dyn_into().map_err(explain)?;
    let credential = JsFuture::from(promise).await.map_err(explain)?;
    if credential.is_null() || credential.is_undefined() {
        return Err(fail("No passkey was chosen. Try again."));
    }
    let to_json = Reflect::get(&credential, &"toJSON".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let answer = to_json.ok_or_else(|| fail(UNSUPPORTED))?.call0(&credential).map_err(explain)?;
    Ok(String::from(JSON::stringify(&answer).map_err(explain)?))
}

/// The browser's refusal (a DOMException), in a person's words.
fn explain(e: JsValue) -> PasskeyError {
    let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    let message = Reflect::get(&e, &"message".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    PasskeyError(match name.as_str() {
        "NotAllowedError" => "The passkey prompt was closed or timed out. Try again when you are ready.".to_string(),
        "InvalidStateError" => "This device already holds a passkey for your Xops account.".to_string(),
        "SecurityError" => {
            "Passkeys need Xops to be opened by its name (such as xops.example.com), not by an address.".to_string()
        }
        "NotSupportedError" => UNSUPPORTED.to_string(),
        _ if message.is_empty() => format!("The passkey could not be used ({name})."),
        _ => format!("The passkey could not be used: {message}"),
    })
}
