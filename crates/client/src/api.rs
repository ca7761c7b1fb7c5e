//! The endpoint's HTTP API: creating and joining sessions, and documents — uploads streamed from
//! disk with progress and cancellation (never the whole file in memory, nothing sent twice), and
//! downloads verified by SHA-256 before they appear under their final name.

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::ClientError;
use breakout_core::protocol::{
    encode_file_name, ApiError, CreateSessionRequest, CreateSessionResponse, JoinCodes,
    JoinRequest, JoinResponse, FILE_NAME_HEADER,
};
use breakout_core::{Document, SessionId};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// Bytes done out of a total, reported during transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes transferred so far.
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
}

/// Called with each progress step; steps never go backwards and end at the total.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// An HTTP client of one endpoint.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    endpoint: Endpoint,
    /// The operator's key for creating sessions on a hosted endpoint that requires one.
    create_key: Option<Arc<str>>,
}

impl Api {
    /// A client for `endpoint`.
    pub fn new(endpoint: Endpoint) -> Api {
        Api {
            http: endpoint.http_client(),
            endpoint,
            create_key: None,
        }
    }

    /// Send `key` (`Authorization: Bearer`) when creating sessions: a hosted endpoint started with
    /// `--create-keys-file` creates sessions only for its operator's keys.
    pub fn with_create_key(mut self, key: Option<&str>) -> Api {
        self.create_key = key.map(Arc::from);
        self
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Is the endpoint up?
    pub async fn health(&self) -> Result<(), ClientError> {
        let response = self.http.get(self.endpoint.http("healthz")).send().await?;
        checked(response).await.map(drop)
    }

    /// The endpoint's Prometheus metrics, as text (for tools; a hosted endpoint may serve them
    /// only on a private listener).
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let response = self.http.get(self.endpoint.http("metrics")).send().await?;
        Ok(checked(response).await?.text().await?)
    }

    /// Create a session; the answer holds the moderator's token and both join codes.
    pub async fn create_session(
        &self,
        title: &str,
        moderator_name: &str,
    ) -> Result<CreateSessionResponse, ClientError> {
        let body = CreateSessionRequest {
            title: title.to_owned(),
            moderator_name: moderator_name.to_owned(),
        };
        let mut request = self
            .http
            .post(self.endpoint.http("v1/sessions"))
            .json(&body);
        if let Some(key) = &self.create_key {
            request = request.bearer_auth(key);
        }
        json(request.send().await?).await
    }

    /// Join a session with a participant or co-moderator code.
    pub async fn join(
        &self,
        session: &SessionId,
        code: &str,
        name: &str,
    ) -> Result<JoinResponse, ClientError> {
        let body = JoinRequest {
            code: code.to_owned(),
            name: name.to_owned(),
        };
        let response = self
            .http
            .post(self.endpoint.http(&format!("v1/sessions/{session}/join")))
            .json(&body)
            .send()
            .await?;
        json(response).await
    }

    /// Replace the session's join codes (staff only); invite links with the old codes stop
    /// working. Returns the new codes.
    pub async fn rotate_codes(&self, who: &Credentials) -> Result<JoinCodes, ClientError> {
        let url = self
            .endpoint
            .http(&format!("v1/sessions/{}/codes", who.session));
        let response = self.http.post(url).bearer_auth(&who.token).send().await?;
        json(response).await
    }

    /// The documents this participant may see.
    pub async fn documents(&self, who: &Credentials) -> Result<Vec<Document>, ClientError> {
        let url = self
            .endpoint
            .http(&format!("v1/sessions/{}/documents", who.session));
        let response = self.http.get(url).bearer_auth(&who.token).send().await?;
        json(response).await
    }

    /// Upload a file to the session library. If a document with the same bytes is already there
    /// (an earlier attempt got through before the network dropped), nothing is sent again; the
    /// endpoint stores each distinct content once whatever is sent.
    pub async fn upload(
        &self,
        who: &Credentials,
        path: &Path,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> Result<Document, ClientError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| ClientError::Io(std::io::Error::other("the path has no file name")))?
            .to_owned();
        let total = tokio::fs::metadata(path).await?.len();
        // Hashing a large file costs about as long as sending it, so it is only worth doing when
        // a document of the same size could be this one.
        let library = self.documents(who).await?;
        if library.iter().any(|d| d.size == total) {
            let sha256 = cancellable(&cancel, sha256_of(path)).await??;
            if let Some(existing) = library.into_iter().find(|d| d.sha256 == sha256) {
                progress(Progress { done: total, total });
                return Ok(existing);
            }
        }
        let file = tokio::fs::File::open(path).await?;
        let mut done = 0u64;
        let reporter = progress.clone();
        let body = tokio_util::io::ReaderStream::with_capacity(file, UPLOAD_READ_BYTES).map(
            move |chunk| {
                if let Ok(bytes) = &chunk {
                    done += bytes.len() as u64;
                    reporter(Progress { done, total });
                }
                chunk
            },
        );
        let url = self
            .endpoint
            .http(&format!("v1/sessions/{}/documents", who.session));
        let request = self
            .http
            .post(url)
            .bearer_auth(&who.token)
            .header(FILE_NAME_HEADER, encode_file_name(&name))
            .header(reqwest::header::CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(body))
            .send();
        let response = cancellable(&cancel, request).await??;
        json(response).await
    }

    /// Download a document to `target`, verifying its SHA-256. The bytes go to a temporary file
    /// next to `target` first; a corrupt or cancelled download leaves nothing behind.
    pub async fn download(
        &self,
        who: &Credentials,
        document: &Document,
        target: &Path,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> Result<(), ClientError> {
        let temp = partial_path(target);
        let result = cancellable(&cancel, self.download_to(who, document, &temp, progress))
            .await
            .and_then(|r| r);
        match result {
            Ok(()) => Ok(tokio::fs::rename(&temp, target).await?),
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                Err(e)
            }
        }
    }

    async fn download_to(
        &self,
        who: &Credentials,
        document: &Document,
        temp: &Path,
        progress: ProgressFn,
    ) -> Result<(), ClientError> {
        let url = self.endpoint.http(&format!(
            "v1/sessions/{}/documents/{}",
            who.session, document.id
        ));
        let response = checked(self.http.get(url).bearer_auth(&who.token).send().await?).await?;
        let total = document.size;
        let mut file = tokio::fs::File::create(temp).await?;
        let mut hasher = Sha256::new();
        let mut done = 0u64;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
            done += chunk.len() as u64;
            progress(Progress { done, total });
        }
        file.sync_all().await?;
        let actual = hex::encode(hasher.finalize());
        if actual != document.sha256 {
            return Err(ClientError::Checksum {
                expected: document.sha256.clone(),
                actual,
            });
        }
        Ok(())
    }
}

/// Run `work` unless `cancel` fires first.
async fn cancellable<T>(
    cancel: &CancellationToken,
    work: impl std::future::Future<Output = T>,
) -> Result<T, ClientError> {
    tokio::select! {
        _ = cancel.cancelled() => Err(ClientError::Cancelled),
        out = work => Ok(out),
    }
}

fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// How much of a file each read takes while uploading: large enough that the hops to tokio's
/// blocking pool (one per read) cost little next to the copy itself.
const UPLOAD_READ_BYTES: usize = 256 * 1024;

/// Hex SHA-256 of a file, read in chunks.
pub async fn sha256_of(path: &Path) -> Result<String, ClientError> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; UPLOAD_READ_BYTES];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The response if it succeeded, else its `ApiError` as a `ClientError`.
async fn checked(response: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.bytes().await.unwrap_or_default();
    Err(match serde_json::from_slice::<ApiError>(&body) {
        Ok(ApiError { code, message }) => ClientError::Api {
            status: status.as_u16(),
            code,
            message,
        },
        Err(_) => ClientError::Protocol(format!("HTTP {status} without an error body")),
    })
}

async fn json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ClientError> {
    checked(response)
        .await?
        .json()
        .await
        .map_err(|e| ClientError::Protocol(e.to_string()))
}
