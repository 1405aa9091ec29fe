//! The HTTP client for the store's JSON API. Every failure becomes an `ApiClientError` whose
//! `Display` is a sentence a person can act on.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;
use xops_model::{paths, ApiBase, Me, Record, RecordKind, RecordPut};
pub use xops_web::ApiClientError;

/// The API client. Cheap to clone; found through context (`Api::expect_context()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    base: ApiBase,
}

impl Api {
    pub fn new(base: ApiBase) -> Self {
        Api { base }
    }

    pub fn expect_context() -> Api {
        leptos::prelude::expect_context::<Api>()
    }

    fn url(&self, path: &str) -> String {
        self.base.url(&format!("{}{path}", xops_model::api::API_PREFIX))
    }

    /// Sends cookies also when the API is on another origin (an app hosted on a CDN).
    fn with_credentials(b: RequestBuilder) -> RequestBuilder {
        b.credentials(RequestCredentials::Include)
    }

    async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiClientError> {
        let request = request.map_err(|_| ApiClientError::Network)?;
        let res = request.send().await.map_err(|_| ApiClientError::Network)?;
        Self::checked(res).await
    }

    /// The answer, or the store's error in it.
    async fn checked(res: Response) -> Result<Response, ApiClientError> {
        Self::checked_by(res, ApiClientError::from_answer).await
    }

    /// The answer, or the error `error` reads from it.
    async fn checked_by(res: Response, error: impl Fn(u16, &str) -> ApiClientError) -> Result<Response, ApiClientError> {
        if res.ok() {
            return Ok(res);
        }
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        Err(error(status, &text))
    }

    async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, ApiClientError> {
        let status = res.status();
        res.json::<T>().await.map_err(|_| ApiClientError::Unexpected { status })
    }

    async fn send_get(&self, path: &str) -> Result<Response, ApiClientError> {
        Self::send(Self::with_credentials(Request::get(&self.url(path))).build()).await
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiClientError> {
        Self::decode(self.send_get(path).await?).await
    }

    /// A GET answer as the bytes the store sent (UTF-8 JSON), for a caller that parses them and
    /// also keeps them (the sync keeps a large page as it came: see `sync::local`).
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ApiClientError> {
        let res = self.send_get(path).await?;
        let status = res.status();
        res.binary().await.map_err(|_| ApiClientError::Unexpected { status })
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiClientError> {
        let res = Self::send(Self::with_credentials(Request::post(&self.url(path))).json(body)).await?;
        Self::decode(res).await
    }

    /// `PUT /records/{id}` with its precondition header (`If-None-Match: *` or `If-Match: "REV"`).
    pub async fn put_record(
        &self,
        path: &str,
        precondition: (&str, String),
        kind: RecordKind,
        body: &serde_json::Value,
    ) -> Result<Record, ApiClientError> {
        let req = Self::with_credentials(Request::put(&self.url(path))).header(precondition.0, &precondition.1);
        let res = Self::send(req.json(&RecordPut { kind, body: body.clone() })).await?;
        Self::decode(res).await
    }

    pub async fn delete_record(&self, path: &str, precondition: (&str, String)) -> Result<Record, ApiClientError> {
        let req = Self::with_credentials(Request::delete(&self.url(path))).header(precondition.0, &precondition.1);
        let res = Self::send(req.build()).await?;
        Self::decode(res).await
    }

    /// Who is signed in, if anyone (`GET /session`: 200 either way, so a signed-out visitor's
    /// probe leaves no error in the console).
    pub async fn session(&self) -> Result<Option<Me>, ApiClientError> {
        // The app's first ask: index.html's loader may have asked already (see `boot`).
        let asked = match crate::boot::absolute(&self.url(paths::SESSION)) {
            Some(url) => crate::boot::session(&url).await,
            None => None,
        };
        let res = match asked {
            Some(res) => res.into(),
            None => {
                let request = Self::with_credentials(Request::get(&self.url(paths::SESSION))).build();
                request.map_err(|_| ApiClientError::Network)?.send().await.map_err(|_| ApiClientError::Network)?
            }
        };
        // (Never a conflict: see `ApiClientError::from_error`.)
        let res = Self::checked_by(res, ApiClientError::from_error).await?;
        Self::decode::<xops_model::SessionInfo>(res).await.map(|s| s.me)
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiClientError> {
        let res = Self::send(Self::with_credentials(Request::put(&self.url(path))).json(body)).await?;
        Self::decode(res).await
    }

    /// A DELETE whose answer has no body (204).
    pub async fn delete(&self, path: &str) -> Result<(), ApiClientError> {
        Self::send(Self::with_credentials(Request::delete(&self.url(path))).build()).await.map(|_| ())
    }

    pub async fn logout(&self) -> Result<(), ApiClientError> {
        Self::send(Self::with_credentials(Request::post(&self.url(paths::LOGOUT))).build()).await.map(|_| ())
    }
}
