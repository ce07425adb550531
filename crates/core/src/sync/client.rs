//! The thin HTTP layer over the bureau API. Every answer is judged by its body, never by its
//! status alone: success is the JSON the contract promises, parsed; anything else (a captive
//! portal's `200 text/html`, a proxy's page, a body cut short) is [`Failure::NotBureau`].

use std::time::Duration;

use bytes::Bytes;
use petition_api::headers::{
    IDEMPOTENCY_KEY, OFFSET_OCTET_STREAM, TUS_RESUMABLE, TUS_VERSION, UPLOAD_OFFSET,
};
use petition_api::{
    CreateUpload, ErrorBody, Health, PetitionList, Receipt, SERVICE_NAME, SubmitPetition, Upload,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use super::plan::Failure;
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

impl Bureau {
    /// `base` has been checked by [`super::check_bureau_url`].
    pub fn new(base: &str, token: &Secret) -> Result<Bureau, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("PetitionDesk/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SyncError::Client)?;
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
            .map_err(|_| Failure::Network)?;
        let health: Health = json(response, &[StatusCode::OK]).await?;
        if health.service == SERVICE_NAME && health.status == "ok" {
            Ok(())
        } else {
            Err(Failure::NotBureau)
        }
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
            .map_err(|_| Failure::Network)?;
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
            .map_err(|_| Failure::Network)?;
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
            .map_err(|_| Failure::Network)?;
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
            .map_err(|_| Failure::Network)?;
        let receipt: Receipt = json(response, &[StatusCode::CREATED, StatusCode::OK]).await?;
        if receipt.petition_id != id || receipt.tracking_code.trim().is_empty() {
            return Err(Failure::NotBureau);
        }
        Ok(receipt)
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
            .map_err(|_| Failure::Network)?;
        json(response, &[StatusCode::OK]).await
    }
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
    let bytes = response.bytes().await.map_err(|_| Failure::Network)?;
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
