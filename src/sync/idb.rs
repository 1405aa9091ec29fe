//! A small async wrapper over the browser's IndexedDB (through web-sys): open with an upgrade
//! step, read all, write several things in one transaction, delete a database.

use js_sys::{Array, Promise};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction};

#[derive(Debug, Clone, PartialEq)]
pub struct IdbError(pub String);

impl fmt::Display for IdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the browser's storage failed: {}", self.0)
    }
}

impl std::error::Error for IdbError {}

impl From<JsValue> for IdbError {
    fn from(v: JsValue) -> Self {
        let text = v
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| v.dyn_ref::<web_sys::DomException>().map(|e| format!("{}: {}", e.name(), e.message())))
            .or_else(|| v.as_string())
            .or_else(|| js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()))
            .unwrap_or_else(|| "an unknown error".to_string());
        IdbError(text)
    }
}

/// Resolves when the request succeeds, with its result.
async fn request(req: &IdbRequest) -> Result<JsValue, IdbError> {
    // The callbacks read the request itself, not the event's target, so nothing in them can panic
    // (a panic aborts the release build); every outcome settles the promise.
    let promise = Promise::new(&mut |resolve, reject| {
        let done = req.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = req.clone();
        let fail = Closure::once_into_js(move || {
            let err = failed.error().ok().flatten().map(JsValue::from).unwrap_or_else(|| "request failed".into());
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(IdbError::from)
}

/// A write under way: resolves when its transaction has committed.
pub type Committing = Pin<Box<dyn Future<Output = Result<(), IdbError>>>>;

/// Resolves when the transaction has committed (its data is durable in the browser). Listens
/// from the moment it is called, so it may be awaited later.
fn committed(tx: &IdbTransaction) -> Committing {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let reject2 = reject.clone();
        let fail = Closure::once_into_js(move |e: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &e.target().map(JsValue::from).unwrap_or(JsValue::NULL));
        });
        let abort = Closure::once_into_js(move || {
            let _ = reject2.call1(&JsValue::NULL, &"the transaction was aborted".into());
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(fail.unchecked_ref()));
        tx.set_onabort(Some(abort.unchecked_ref()));
    });
    Box::pin(async move {
        JsFuture::from(promise).await.map(|_| ()).map_err(|e| {
            e.dyn_ref::<IdbTransaction>()
                .and_then(|t| t.error())
                .map(|d| IdbError(format!("{}: {}", d.name(), d.message())))
                .unwrap_or_else(|| IdbError::from(e))
        })
    })
}

/// The stores a transaction spans, as the JS array IndexedDB takes.
fn store_names(stores: &[&str]) -> Array {
    stores.iter().map(|s| JsValue::from_str(s)).collect()
}

fn factory() -> Result<web_sys::IdbFactory, IdbError> {
    web_sys::window()
        .ok_or_else(|| IdbError("no window".into()))?
        .indexed_db()?
        .ok_or_else(|| IdbError("IndexedDB is not available (a private window may block it)".into()))
}

pub struct Idb {
    db: IdbDatabase,
    /// Closes this connection when another tab deletes or upgrades the database (sign-out
    /// deletes it): an open connection would otherwise block that tab until this one closes.
    _on_version_change: Closure<dyn FnMut()>,
}

impl Idb {
    /// Opens (creating or upgrading) a database; `upgrade` creates its object stores.
    pub async fn open(name: &str, version: u32, upgrade: fn(&IdbDatabase) -> Result<(), JsValue>) -> Result<Idb, IdbError> {
        let req: IdbOpenDbRequest = factory()?.open_with_u32(name, version)?;
        let upgrading = req.clone();
        let on_upgrade = Closure::<dyn FnMut()>::new(move || {
            if let Ok(db) = upgrading.result() {
                if let Err(err) = upgrade(&db.unchecked_into()) {
                    leptos::logging::error!("IndexedDB upgrade failed: {}", IdbError::from(err));
                }
            }
        });
        req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let db = request(&req).await;
        req.set_onupgradeneeded(None);
        drop(on_upgrade);
        let db: IdbDatabase = db?.unchecked_into();
        let to_close = db.clone();
        let on_version_change = Closure::<dyn FnMut()>::new(move || to_close.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        Ok(Idb { db, _on_version_change: on_version_change })
    }

    pub async fn delete_database(name: &str) -> Result<(), IdbError> {
        let req = factory()?.delete_database(name)?;
        request(&req).await.map(|_| ())
    }

    pub fn close(&self) {
        self.db.close();
    }

    /// Every (key, value) of each of the named stores, in key order, read in one transaction:
    /// a consistent picture, never half before and half after another tab's write.
    pub async fn entries(&self, stores: &[&str]) -> Result<Vec<Vec<(JsValue, JsValue)>>, IdbError> {
        let tx = self.db.transaction_with_str_sequence(&store_names(stores))?;
        // Every request is made before the first await, so the transaction stays active for all.
        let mut requests = Vec::with_capacity(stores.len());
        for name in stores {
            let s = tx.object_store(name)?;
            requests.push((s.get_all_keys()?, s.get_all()?));
        }
        let mut all = Vec::with_capacity(stores.len());
        for (keys, values) in requests {
            let keys: Array = request(&keys).await?.unchecked_into();
            let values: Array = request(&values).await?.unchecked_into();
            all.push(keys.iter().zip(values.iter()).collect());
        }
        Ok(all)
    }

    pub async fn get(&self, store: &str, key: &JsValue) -> Result<Option<JsValue>, IdbError> {
        let tx = self.db.transaction_with_str(store)?;
        let v = request(&tx.object_store(store)?.get(key)?).await?;
        Ok((!v.is_undefined()).then_some(v))
    }

    /// Runs `f` on the named stores in one read-write transaction and waits for it to commit:
    /// either every write in it is kept, or none. Committed means on disk (`strict`): for what
    /// exists nowhere else, such as a change the store has not taken yet.
    pub async fn write(
        &self,
        stores: &[&str],
        f: impl FnOnce(&dyn Fn(&str) -> Result<IdbObjectStore, JsValue>) -> Result<(), JsValue>,
    ) -> Result<(), IdbError> {
        self.start_write(stores, "strict", f)?.await
    }

    /// As `write`, for what can be fetched again: committed once handed to the operating system
    /// (`relaxed`). A crash may lose the last such writes, never half of one: what is lost is
    /// pulled again.
    pub async fn write_refetchable(
        &self,
        stores: &[&str],
        f: impl FnOnce(&dyn Fn(&str) -> Result<IdbObjectStore, JsValue>) -> Result<(), JsValue>,
    ) -> Result<(), IdbError> {
        self.start_write(stores, "relaxed", f)?.await
    }

    /// As `write_refetchable`, but returns once the writes are made: the future resolves when
    /// they have committed (something else can be done meanwhile).
    pub fn start_write_refetchable(
        &self,
        stores: &[&str],
        f: impl FnOnce(&dyn Fn(&str) -> Result<IdbObjectStore, JsValue>) -> Result<(), JsValue>,
    ) -> Result<Committing, IdbError> {
        self.start_write(stores, "relaxed", f)
    }

    fn start_write(
        &self,
        stores: &[&str],
        durability: &str,
        f: impl FnOnce(&dyn Fn(&str) -> Result<IdbObjectStore, JsValue>) -> Result<(), JsValue>,
    ) -> Result<Committing, IdbError> {
        // `transaction(stores, "readwrite", { durability })`: web-sys has this form only behind
        // its unstable-API flag, so it is called by name.
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"durability".into(), &durability.into())?;
        let transaction: js_sys::Function = js_sys::Reflect::get(&self.db, &"transaction".into())?.dyn_into()?;
        let tx: IdbTransaction = transaction.call3(&self.db, &store_names(stores), &"readwrite".into(), &options)?.dyn_into()?;
        let done = committed(&tx);
        let store = |name: &str| tx.object_store(name);
        if let Err(e) = f(&store) {
            let _ = tx.abort();
            return Err(e.into());
        }
        Ok(done)
    }
}
