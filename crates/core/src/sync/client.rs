//! The thin HTTP layer over the bureau API. Every answer is judged by its body, never by its
//! status alone: success is the JSON the contract promises, parsed; anything else (a captive
//! portal's `200 text/html`, a proxy's page, a body cut short) is [`Failure::NotBureau`].

use std::time::Duration;

use bytes::Bytes;
use petition_api::headers::{
    IDEMPOTENCY_KEY, OFFSET_OCTET_STREAM, TUS_RESUMABLE, TUS_VERSION, UPLOAD_OFFSET,
};
use petition_api::{
    Catalog, CodeRequest, CodeSent, CreateUpload, ErrorBody, Health, PetitionList, PetitionView,
    Receipt, SERVICE_NAME, SignedIn, SubmitPetition, TrackRequest, Upload, VerifyCode,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use super::plan::{Failure, NetworkKind};
use super::{Secret, SyncError};

/// A connection to one bureau with one token.
#[derive(Debug)]
pub(crate) struct Bureau {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
}

/// How long to wait for an answer to a small request.
const JSON_TIMEOUT: Duration = Duration::from_secs(30);
/// The slowest upload speed tolerated before a chunk counts as lost (bytes per second).
const SLOWEST_BYTES_PER_SECOND: u64 = 32 * 1024;

/// The HTTP client every request to a bureau goes through: rustls, trusting the OS's certificate
/// store (a bureau behind a government or private CA the administrator installed) as well as the
/// bundled web roots, no redirects (a captive portal's redirect is not the bureau), a connect
/// timeout of 10 s, and idle connections let go after 20 s: the reference bureau closes a
/// keep-alive connection idle for its read timeout (30 s by default), and a request sent on one
/// it is closing at that moment fails for nothing.
pub(crate) fn http_client() -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(20))
        .user_agent(concat!("PetitionDesk/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(SyncError::Client)
}

/// What kind of transport failure `e` is, from reqwest's own flags and the errors it wraps (DNS
/// and proxy failures are told by hyper's words, a certificate by rustls's error type).
pub(crate) fn network_kind(e: &reqwest::Error) -> NetworkKind {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        chain.push(err);
        // `io::Error::source` skips the error it wraps (often another io::Error around rustls's
        // own): step into it instead.
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    let tls = chain
        .iter()
        .find_map(|err| err.downcast_ref::<rustls::Error>());
    match tls {
        Some(
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType,
        ) => return NetworkKind::Certificate,
        Some(_) => return NetworkKind::Tls,
        None => {}
    }
    let words: String = chain
        .iter()
        .map(|err| err.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    if words.contains("tunnel") || words.contains("proxy") {
        NetworkKind::Proxy
    } else if words.contains("dns error") || words.contains("failed to lookup address") {
        NetworkKind::Dns
    } else if e.is_timeout() {
        NetworkKind::Timeout
    } else if e.is_connect() {
        NetworkKind::Connect
    } else {
        NetworkKind::Other
    }
}

/// A request that got no answer, with its kind in the log (never the address: it is the
/// bureau's, but the log keeps to ids and codes).
fn no_answer(e: reqwest::Error) -> Failure {
    let kind = network_kind(&e);
    tracing::info!(kind = kind.key(), "no answer from the bureau");
    Failure::Network(kind)
}

impl Bureau {
    /// `base` has been checked by [`super::check_bureau_url`].
    pub fn new(base: &str, token: &Secret) -> Result<Bureau, SyncError> {
        let http = http_client()?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| SyncError::TokenInvalid)?;
        auth.set_sensitive(true);
        Ok(Bureau {
            http,
            base: base.trim_end_matches('/').to_owned(),
            auth,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /v1/health`: reachable only if the bureau's own JSON comes back.
    pub async fn health(&self) -> Result<(), Failure> {
        let response = self
            .http
            .get(self.url("/v1/health"))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(no_answer)?;
        let health: Health = json(response, &[StatusCode::OK]).await?;
        if health.service == SERVICE_NAME && health.status == "ok" {
            Ok(())
        } else {
            Err(Failure::NotBureau)
        }
    }

    /// Whether the bureau is there and takes this token: its health, then an authorised read
    /// that lists nothing (`since` past any cursor).
    pub async fn check_sign_in(&self) -> Result<(), Failure> {
        self.health().await?;
        self.changes(&i64::MAX.to_string()).await.map(|_| ())
    }

    /// `POST /v1/uploads`.
    pub async fn create_upload(&self, req: &CreateUpload) -> Result<Upload, Failure> {
        let response = self
            .http
            .post(self.url("/v1/uploads"))
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(JSON_TIMEOUT)
            .json(req)
            .send()
            .await
            .map_err(no_answer)?;
        let upload: Upload = json(response, &[StatusCode::CREATED, StatusCode::OK]).await?;
        if upload.length != req.length || upload.sha256 != req.sha256 {
            return Err(Failure::NotBureau);
        }
        Ok(upload)
    }

    /// `GET /v1/uploads/{id}`: where the upload stands.
    pub async fn upload_status(&self, id: &str) -> Result<Upload, Failure> {
        let response = self
            .http
            .get(self.url(&format!("/v1/uploads/{id}")))
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(JSON_TIMEOUT)
            .send()
            .await
            .map_err(no_answer)?;
        json(response, &[StatusCode::OK]).await
    }

    /// `PATCH /v1/uploads/{id}` at `offset`; returns the bureau's new offset.
    pub async fn patch(&self, id: &str, offset: u64, body: Bytes) -> Result<u64, Failure> {
        let len = body.len() as u64;
        let response = self
            .http
            .patch(self.url(&format!("/v1/uploads/{id}")))
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, OFFSET_OCTET_STREAM)
            .header(TUS_RESUMABLE, TUS_VERSION)
            .header(UPLOAD_OFFSET, offset)
            .timeout(JSON_TIMEOUT + Duration::from_secs(len / SLOWEST_BYTES_PER_SECOND))
            .body(body)
            .send()
            .await
            .map_err(no_answer)?;
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            let tus = response.headers().get(TUS_RESUMABLE);
            let new_offset = header_u64(&response, UPLOAD_OFFSET);
            return match (tus, new_offset) {
                (Some(_), Some(o)) if o >= offset => Ok(o),
                _ => Err(Failure::NotBureau),
            };
        }
        Err(failure(response).await)
    }

    /// `POST /v1/petitions` with the petition's id as the key; counts only with a receipt for
    /// this very petition.
    pub async fn submit(&self, id: &str, body: &SubmitPetition) -> Result<Receipt, Failure> {
        let response = self
            .http
            .post(self.url("/v1/petitions"))
            .header(AUTHORIZATION, self.auth.clone())
            .header(IDEMPOTENCY_KEY, id)
            .timeout(JSON_TIMEOUT)
            .json(body)
            .send()
            .await
            .map_err(no_answer)?;
        let receipt: Receipt = json(response, &[StatusCode::CREATED, StatusCode::OK]).await?;
        if receipt.petition_id != id || receipt.tracking_code.trim().is_empty() {
            return Err(Failure::NotBureau);
        }
        Ok(receipt)
    }

    /// `POST /v1/petitions/{code}/{step}` with the step's own key: the petition as the bureau
    /// has it after the step (or, for a step sent again, as it stands).
    pub async fn step(
        &self,
        tracking_code: &str,
        step: &str,
        key: &str,
        body: &str,
    ) -> Result<PetitionView, Failure> {
        let response = self
            .http
            .post(self.url(&format!("/v1/petitions/{tracking_code}/{step}")))
            .header(AUTHORIZATION, self.auth.clone())
            .header(IDEMPOTENCY_KEY, key)
            .header(CONTENT_TYPE, "application/json")
            .timeout(JSON_TIMEOUT)
            .body(body.to_owned())
            .send()
            .await
            .map_err(no_answer)?;
        let view: PetitionView = json(response, &[StatusCode::OK]).await?;
        if view.tracking_code != tracking_code {
            return Err(Failure::NotBureau);
        }
        Ok(view)
    }

    /// `POST /v1/petitions/track`: follow a petition made elsewhere (the wallet).
    pub async fn track(&self, req: &TrackRequest) -> Result<PetitionView, Failure> {
        let response = self
            .http
            .post(self.url("/v1/petitions/track"))
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(JSON_TIMEOUT)
            .json(req)
            .send()
            .await
            .map_err(no_answer)?;
        json(response, &[StatusCode::OK]).await
    }

    /// `GET /v1/petitions?since=`.
    pub async fn changes(&self, since: &str) -> Result<PetitionList, Failure> {
        let response = self
            .http
            .get(self.url("/v1/petitions"))
            .query(&[("since", since)])
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(JSON_TIMEOUT)
            .send()
            .await
            .map_err(no_answer)?;
        json(response, &[StatusCode::OK]).await
    }
}

impl Bureau {
    /// `DELETE /v1/account/tokens/current`: this token stops working at the bureau.
    pub async fn sign_out(&self) -> Result<(), Failure> {
        self.delete("/v1/account/tokens/current").await
    }

    /// `DELETE /v1/account` (注销).
    pub async fn delete_account(&self) -> Result<(), Failure> {
        self.delete("/v1/account").await
    }

    async fn delete(&self, path: &str) -> Result<(), Failure> {
        let response = self
            .http
            .delete(self.url(path))
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(JSON_TIMEOUT)
            .send()
            .await
            .map_err(no_answer)?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(());
        }
        Err(failure(response).await)
    }
}

/// `POST /v1/account/codes` (no token): a one-time code is sent to the number.
pub(crate) async fn request_code(base: &str, req: &CodeRequest) -> Result<CodeSent, Failure> {
    post_json(base, "/v1/account/codes", req, StatusCode::ACCEPTED).await
}

/// `POST /v1/account/tokens` (no token): the code for a token.
pub(crate) async fn verify_code(base: &str, req: &VerifyCode) -> Result<SignedIn, Failure> {
    let signed: SignedIn = post_json(base, "/v1/account/tokens", req, StatusCode::CREATED).await?;
    if signed.token.trim().is_empty() {
        return Err(Failure::NotBureau);
    }
    Ok(signed)
}

/// A JSON `POST` to the bureau at `base` without a token, its answer read when it is `ok`.
async fn post_json<B: serde::Serialize, T: DeserializeOwned>(
    base: &str,
    path: &str,
    body: &B,
    ok: StatusCode,
) -> Result<T, Failure> {
    let http = http_client().map_err(|_| Failure::Network(NetworkKind::Other))?;
    let response = http
        .post(format!("{}{path}", base.trim_end_matches('/')))
        .timeout(JSON_TIMEOUT)
        .json(body)
        .send()
        .await
        .map_err(no_answer)?;
    json(response, &[ok]).await
}

/// `GET /v1/catalog` with `If-None-Match` (no token: the catalogue is public): `None` when the
/// kept one (`etag`) is current, else the new ETag, the JSON as served and the catalogue.
pub(crate) async fn fetch_catalog(
    base: &str,
    etag: Option<&str>,
) -> Result<Option<(String, String, Catalog)>, Failure> {
    let http = http_client().map_err(|_| Failure::Network(NetworkKind::Other))?;
    let mut request = http
        .get(format!("{}/v1/catalog", base.trim_end_matches('/')))
        .timeout(JSON_TIMEOUT);
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let response = request.send().await.map_err(no_answer)?;
    if response.status() == StatusCode::NOT_MODIFIED && etag.is_some() {
        return Ok(None);
    }
    if response.status() != StatusCode::OK {
        return Err(failure(response).await);
    }
    if !is_json(&response) {
        return Err(Failure::NotBureau);
    }
    let new_etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.map_err(no_answer)?;
    let catalog: Catalog = serde_json::from_slice(&bytes).map_err(|_| Failure::NotBureau)?;
    let json = String::from_utf8(bytes.to_vec()).map_err(|_| Failure::NotBureau)?;
    Ok(Some((new_etag, json, catalog)))
}

fn header_u64(response: &Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
}

/// The body as `T` when the status is one of `ok` and the body is JSON; the failure otherwise.
async fn json<T: DeserializeOwned>(response: Response, ok: &[StatusCode]) -> Result<T, Failure> {
    if !ok.contains(&response.status()) {
        return Err(failure(response).await);
    }
    if !is_json(&response) {
        return Err(Failure::NotBureau);
    }
    let bytes = response.bytes().await.map_err(no_answer)?;
    serde_json::from_slice(&bytes).map_err(|_| Failure::NotBureau)
}

/// Reads an error answer: the bureau's `{code, message}`, or what the status alone says.
async fn failure(response: Response) -> Failure {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let upload_offset = header_u64(&response, UPLOAD_OFFSET);
    if status.is_success() || status.is_redirection() || status.is_informational() {
        // A 2xx other than the one promised, or a redirect to a login page: not the bureau.
        return Failure::NotBureau;
    }
    let body: Option<ErrorBody> = if is_json(&response) {
        response
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    } else {
        None
    };
    match body {
        Some(body) => {
            let mut message = body.message;
            for p in &body.problems {
                message.push_str(&format!("\n{}: {}", p.field, p.message));
            }
            Failure::Http {
                status: status.as_u16(),
                code: body.code,
                message,
                retry_after,
                upload_offset,
            }
        }
        // The bureau answers every error in JSON: a bare 4xx comes from something in between
        // (or its body was cut off), and says nothing final about the request.
        None if status.is_client_error()
            && status != StatusCode::TOO_MANY_REQUESTS
            && status != StatusCode::REQUEST_TIMEOUT =>
        {
            Failure::NotBureau
        }
        None => Failure::Http {
            status: status.as_u16(),
            code: format!("http_{}", status.as_u16()),
            message: String::new(),
            retry_after,
            upload_offset,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn kind_of(url: &str, timeout: Duration) -> NetworkKind {
        let e = http_client()
            .expect("client")
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .expect_err("no answer");
        network_kind(&e)
    }

    /// Real failures, each told apart: a name that does not resolve, a port nobody listens on, a
    /// server that never answers. (A certificate from an unknown CA is tested against a TLS bureau
    /// in tests/sync/tls.rs.)
    #[tokio::test]
    async fn transport_failures_keep_their_kind() {
        assert_eq!(
            kind_of(
                "https://no-such-bureau.invalid/v1/health",
                Duration::from_secs(20)
            )
            .await,
            NetworkKind::Dns
        );
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        assert_eq!(
            kind_of(
                &format!("http://127.0.0.1:{port}/v1/health"),
                Duration::from_secs(20)
            )
            .await,
            NetworkKind::Connect
        );
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = silent.local_addr().expect("addr").port();
        let held = tokio::spawn(async move {
            // Accepts and says nothing.
            let _conn = silent.accept().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        assert_eq!(
            kind_of(
                &format!("http://127.0.0.1:{port}/v1/health"),
                Duration::from_millis(300)
            )
            .await,
            NetworkKind::Timeout
        );
        held.abort();
        assert!(NetworkKind::Dns.may_pass() && NetworkKind::Timeout.may_pass());
        assert!(!NetworkKind::Certificate.may_pass() && !NetworkKind::Proxy.may_pass());
    }
}
