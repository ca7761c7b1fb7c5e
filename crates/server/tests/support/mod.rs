//! Shared support for the integration tests of `breakout-server`: a real endpoint on loopback, a thin
//! HTTP client for the JSON API, and a typed WebSocket client that keeps a replica.
//!
//! Everything here talks to a *real* server over 127.0.0.1 and is bounded in time: every await that
//! waits for the network goes through [`within`] (or the client's own timeout), and a timeout panics
//! with what was being waited for. Nothing sleeps and hopes: tests wait for concrete messages.
//!
//! The pieces, from the outside in:
//! - [`TestServer`]: `breakout_server::run` on a port-0 listener with a temporary data directory; gives
//!   the base URL and a shutdown handle, and can be restarted on the same directory
//!   ([`TestServer::stop`] then [`TestServer::start_in`]); [`TestServer::start_with_storage`] runs
//!   it on any `Storage` (e.g. one that fails on demand); [`TestServer::session_with_moderator`]
//!   creates a session and connects its moderator.
//! - [`Api`]: the HTTP API by base URL (so it also works against a server in another process):
//!   typed helpers that assert success (`create_session`, `join`, `upload`, …) and `*_raw` variants
//!   that return the whole [`Reply`] for failure paths.
//! - [`WsClient`]: one WebSocket connection with `Authorization: Bearer`, optionally resuming with
//!   `?epoch=&version=`. It parses every frame as a `breakout_core::protocol::ServerMessage`, keeps a
//!   replica `Session` (the welcome snapshot, then `breakout_core::view::apply_update` for each event,
//!   asserting that versions arrive one by one in order), logs every message and raw text frame, and
//!   waits for the `ack`/`rejected`/`error` answering a command id.
//!   Shorthands for common steps: [`WsClient::open_rooms`], [`WsClient::expect_close_with`].
//!   [`WsClient::sync`] is a barrier (a harmless command every role may send, answered
//!   `rejected not_found`): once it returns, everything the server queued for the connection before
//!   it has been read — the way to assert that *no* event followed some input.
//! - [`failed_handshake`]: the status and `ApiError` of a refused WebSocket upgrade.
//! - Small helpers: uuid-like command ids ([`new_command_id`]), a seeded RNG ([`Rng`]), SHA-256
//!   ([`sha256_hex`]), a recursive file listing ([`files_under`]), bounded concurrency
//!   ([`bounded_join`]), `/metrics` samples ([`Api::metric`], [`Api::wait_metric`]).
//!
//! Presence changes are batched by the server and arrive a little after a connection's welcome; use
//! [`WsClient::connect_online`] (or [`WsClient::wait_presence`]) before taking a state as "still".
//!
//! Typical use:
//!
//! ```text
//! let server = TestServer::start_with(|c| c.presence_grace = Duration::from_millis(300)).await;
//! let s = server.api.create_session("Title", "Mona").await;
//! let p = server.api.join(&s.session_id.0, &s.participant_code, "Pat").await;
//! let mut moderator = WsClient::connect_online(&server.base, &s.session_id.0, &s.token).await;
//! let version = moderator.ack(Command::OpenBreakouts { rooms: 2, duration_minutes: None }).await;
//! let replica = some_client.close().await;              // later: WsClient::resume(.., replica)
//! let dir = server.stop().await;                        // restart: TestServer::start_in(dir, ..)
//! ```

// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use breakout_core::protocol::{
    ApiError, ClientMessage, CommandId, CreateSessionRequest, CreateSessionResponse, ErrorCode,
    JoinRequest, JoinResponse, ServerMessage, FILE_NAME_HEADER,
};
use breakout_core::view::{apply_update, ViewerUpdate};
use breakout_core::{
    Command, Document, DocumentId, HelpId, ParticipantId, Rejection, RoomId, Session,
};
use breakout_server::storage::Storage;
use breakout_server::tls::rustls;
use breakout_server::{Config, ServeError};
use futures_util::{SinkExt, StreamExt};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

/// How long any single network wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Await `fut`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    within_for(WAIT, what, fut).await
}

/// Await `fut`, failing the test with `what` if it takes longer than `limit`.
pub async fn within_for<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// A `breakout_server::run` task on 127.0.0.1 with its own data directory.
///
/// Dropping it completes the shutdown future (the runtime of a `#[tokio::test]` then ends the task);
/// [`TestServer::stop`] shuts down and waits for `run` to return.
pub struct TestServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The data directory (SQLite file and `documents/`).
    pub data_dir: PathBuf,
    /// An HTTP client for this server.
    pub api: Api,
    dir: Option<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    /// A server with the shipped defaults in a fresh temporary directory.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// A server in a fresh temporary directory, with `tune` applied to the default config.
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        TestServer::start_in(dir, tune).await
    }

    /// A server on an existing data directory (e.g. the one a stopped server left behind).
    pub async fn start_in(dir: TempDir, tune: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config::new(dir.path());
        tune(&mut config);
        let mut server = TestServer::start_config(config).await;
        server.dir = Some(dir);
        server
    }

    /// A server with exactly this config; the caller keeps `config.data_dir` alive.
    pub async fn start_config(config: Config) -> TestServer {
        TestServer::launch(config, None).await
    }

    /// A server on `dir` that keeps its sessions in `storage` (`breakout_server::run_with_storage`),
    /// e.g. a wrapper that fails on demand.
    pub async fn start_with_storage(
        dir: TempDir,
        tune: impl FnOnce(&mut Config),
        storage: Arc<dyn Storage>,
    ) -> TestServer {
        let mut config = Config::new(dir.path());
        tune(&mut config);
        let mut server = TestServer::launch(config, Some(storage)).await;
        server.dir = Some(dir);
        server
    }

    async fn launch(config: Config, storage: Option<Arc<dyn Storage>>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let data_dir = config.data_dir.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            // A dropped sender counts as "shut down" too.
            let _ = rx.await;
        };
        let task = match storage {
            None => tokio::spawn(breakout_server::run(listener, config, shutdown)),
            Some(storage) => tokio::spawn(breakout_server::run_with_storage(
                listener, config, storage, shutdown,
            )),
        };
        let base = format!("http://{addr}");
        TestServer {
            addr,
            api: Api::new(base.clone()),
            base,
            data_dir,
            dir: None,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Where document bytes are stored.
    pub fn documents_dir(&self) -> PathBuf {
        self.data_dir.join("documents")
    }

    /// Create a session titled `title` with the moderator "Mona", and connect the moderator
    /// ([`WsClient::connect_online`]).
    pub async fn session_with_moderator(&self, title: &str) -> (CreateSessionResponse, WsClient) {
        let s = self.api.create_session(title, "Mona").await;
        let moderator = WsClient::connect_online(&self.base, &s.session_id.0, &s.token).await;
        (s, moderator)
    }

    /// Complete the shutdown future (idempotent). `run` stops accepting and closes every socket.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Wait (bounded by `limit`) for `run` to return, and return what it returned.
    pub async fn wait_stopped(&mut self, limit: Duration) -> Result<(), ServeError> {
        let task = self.task.take().expect("the server task is still there");
        within_for(limit, "breakout_server::run to return", task)
            .await
            .expect("the server task did not panic")
    }

    /// Shut down, assert that `run` returned Ok within [`WAIT`], and hand back the data directory
    /// (None if the server was started with [`TestServer::start_config`]).
    pub async fn stop(mut self) -> Option<TempDir> {
        self.begin_shutdown();
        self.wait_stopped(WAIT).await.expect("run returned Ok");
        self.dir.take()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// A whole HTTP answer, read to the end.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON `T`; panics with the body when it is not.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of a {} answer is not the expected JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }

    /// The `ApiError` body of an error answer; asserts the JSON content type.
    pub fn api_error(&self) -> ApiError {
        let content_type = self
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "an error answer ({}) must be JSON, got content type {content_type:?}: {}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// Assert this is an error with `status` and `code`; return the error body.
    pub fn expect_error(&self, status: u16, code: ErrorCode) -> ApiError {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        let error = self.api_error();
        assert_eq!(error.code, code, "unexpected error code: {error:?}");
        assert!(!error.message.is_empty(), "error messages are for people");
        error
    }

    /// Assert the status is `status`; return self for chaining.
    pub fn expect_status(&self, status: u16) -> &Reply {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

/// The HTTP API of one endpoint, by base URL. Every request is bounded by [`WAIT`].
#[derive(Clone)]
pub struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    /// A client for the endpoint at `base` (`http://127.0.0.1:<port>`); never uses a proxy.
    pub fn new(base: impl Into<String>) -> Api {
        Api::trusting(base, &[])
    }

    /// A client that also speaks https, trusting only certificates issued by one of `ca_pems`
    /// (e.g. `breakout_server::certs::PrivateCa::cert_pem`).
    pub fn trusting(base: impl Into<String>, ca_pems: &[&str]) -> Api {
        Api::trusting_from(base, ca_pems, None)
    }

    /// Like [`Api::trusting`], with connections from `local` (e.g. `127.0.0.2`, to look like
    /// another client address on loopback).
    pub fn trusting_from(
        base: impl Into<String>,
        ca_pems: &[&str],
        local: Option<std::net::IpAddr>,
    ) -> Api {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(WAIT)
            .tcp_nodelay(true)
            .local_address(local)
            .use_preconfigured_tls(client_tls(ca_pems))
            .build()
            .expect("an HTTP client");
        Api {
            base: base.into(),
            client,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request builder for anything the typed helpers do not cover; send it with [`Api::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Send a request and read the whole answer (bounded); panics on a transport error.
    pub async fn send(&self, request: RequestBuilder) -> Reply {
        self.try_send(request)
            .await
            .unwrap_or_else(|e| panic!("HTTP request failed: {e}"))
    }

    /// Send a request and read the whole answer (bounded), returning transport errors.
    pub async fn try_send(&self, request: RequestBuilder) -> Result<Reply, reqwest::Error> {
        within("an HTTP answer", async {
            let response = request.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok(Reply {
                status,
                headers,
                body,
            })
        })
        .await
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(bearer(self.request(Method::GET, path), token))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> Reply {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// `POST /v1/sessions`, whatever the answer.
    pub async fn create_session_raw(&self, title: &str, moderator_name: &str) -> Reply {
        let body = CreateSessionRequest {
            title: title.into(),
            moderator_name: moderator_name.into(),
        };
        self.post_json("/v1/sessions", &body).await
    }

    /// Create a session; asserts 201.
    pub async fn create_session(&self, title: &str, moderator_name: &str) -> CreateSessionResponse {
        self.create_session_raw(title, moderator_name)
            .await
            .expect_status(201)
            .json()
    }

    /// `POST /v1/sessions/{session}/join`, whatever the answer.
    pub async fn join_raw(&self, session: &str, code: &str, name: &str) -> Reply {
        let body = JoinRequest {
            code: code.into(),
            name: name.into(),
        };
        self.post_json(&format!("/v1/sessions/{session}/join"), &body)
            .await
    }

    /// Join a session; asserts 201.
    pub async fn join(&self, session: &str, code: &str, name: &str) -> JoinResponse {
        self.join_raw(session, code, name)
            .await
            .expect_status(201)
            .json()
    }

    /// `POST /v1/sessions/{session}/documents` with `bytes` as the body (Content-Length known) and
    /// `name` percent-encoded in `X-File-Name` when given.
    pub async fn upload_raw(
        &self,
        session: &str,
        token: Option<&str>,
        name: Option<&str>,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .request(Method::POST, &format!("/v1/sessions/{session}/documents"))
            .body(bytes);
        if let Some(name) = name {
            request = request.header(
                FILE_NAME_HEADER,
                breakout_core::protocol::encode_file_name(name),
            );
        }
        self.send(bearer(request, token)).await
    }

    /// Upload a document; asserts 201 (new) or 200 (same bytes again) and returns both.
    pub async fn upload(
        &self,
        session: &str,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Document) {
        let reply = self
            .upload_raw(session, Some(token), Some(name), bytes)
            .await;
        assert!(
            matches!(reply.status.as_u16(), 200 | 201),
            "upload failed with {}: {}",
            reply.status,
            reply.text()
        );
        (reply.status, reply.json())
    }

    /// `GET /v1/sessions/{session}/documents`; asserts 200.
    pub async fn list_documents(&self, session: &str, token: &str) -> Vec<Document> {
        self.get(&format!("/v1/sessions/{session}/documents"), Some(token))
            .await
            .expect_status(200)
            .json()
    }

    /// `GET /v1/sessions/{session}/documents/{doc}`, whatever the answer.
    pub async fn download_raw(
        &self,
        session: &str,
        token: Option<&str>,
        doc: &DocumentId,
    ) -> Reply {
        self.get(&format!("/v1/sessions/{session}/documents/{doc}"), token)
            .await
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.get("/metrics", None).await.expect_status(200).text()
    }

    /// The value of one sample in `/metrics` (`name` may include labels, e.g.
    /// `breakout_rejected_commands_total{code="forbidden"}`).
    pub async fn metric(&self, name: &str) -> Option<f64> {
        metric_value(&self.metrics().await, name)
    }

    /// Poll `/metrics` (every 10 ms, bounded by [`WAIT`]) until sample `name` satisfies `ok`.
    /// For conditions that have no message of their own, such as a closed socket being processed.
    pub async fn wait_metric(&self, name: &str, ok: impl Fn(f64) -> bool) -> f64 {
        within(
            &format!("metric {name} to reach the expected value"),
            async {
                loop {
                    if let Some(value) = self.metric(name).await.filter(|v| ok(*v)) {
                        return value;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        )
        .await
    }
}

/// Add `Authorization: Bearer <token>` when a token is given.
pub fn bearer(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => request.header(AUTHORIZATION, format!("Bearer {token}")),
        None => request,
    }
}

/// The value of sample `name` in a Prometheus text exposition.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
}

// ---------------------------------------------------------------------------------------------
// WebSocket
// ---------------------------------------------------------------------------------------------

/// `ws://…/v1/sessions/{session}/ws` for an endpoint at `base` (`http://…`).
pub fn ws_url(base: &str, session: &str) -> String {
    let rest = base
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("tests use plain http bases, got {base}"));
    format!("ws://{rest}/v1/sessions/{session}/ws")
}

/// The connection type of [`WsClient`].
pub type WsStream = WebSocketStream<TcpStream>;

/// What the server said in a `welcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// Protocol version.
    pub protocol: u32,
    /// The connected participant.
    pub you: ParticipantId,
    /// The session's epoch.
    pub epoch: u64,
    /// The session's version.
    pub version: u64,
    /// Did it carry a snapshot (false: resume by replay, the missed events follow)?
    pub snapshot: bool,
}

/// The server's answer to one command id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `ack`: applied; the session reached `version`.
    Ack {
        /// Version after the command.
        version: u64,
    },
    /// `rejected`: refused, nothing changed.
    Rejected(Rejection),
    /// `error` with this id: the message could not be taken as a command.
    Error {
        /// Machine-readable kind.
        code: ErrorCode,
        /// For people.
        message: String,
    },
}

impl Answer {
    /// The acked version; panics on anything else.
    pub fn ack(self) -> u64 {
        match self {
            Answer::Ack { version } => version,
            other => panic!("expected an ack, got {other:?}"),
        }
    }

    /// The rejection; panics on anything else.
    pub fn rejection(self) -> Rejection {
        match self {
            Answer::Rejected(rejection) => rejection,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    /// The error code; panics on anything else.
    pub fn error_code(self) -> ErrorCode {
        match self {
            Answer::Error { code, .. } => code,
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

/// One thing read from the socket.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // read one at a time; boxing would only hinder matching
pub enum Incoming {
    /// A text frame, parsed (already applied to the replica and logged).
    Message(ServerMessage),
    /// A close frame.
    Close(Option<CloseFrame>),
    /// The stream ended (after a close, or the connection broke: the error text).
    Ended(Option<String>),
}

/// How to open a [`WsClient`]; see [`WsClient::options`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    url: String,
    authorization: Option<String>,
    query: Option<String>,
    replica: Option<Session>,
    recv_buffer: Option<u32>,
}

impl ConnectOptions {
    /// Resume from `replica`: `?epoch=&version=` from it; it stays the replica if the server replays.
    pub fn resume_from(mut self, replica: Session) -> Self {
        self.query = Some(format!(
            "epoch={}&version={}",
            replica.epoch, replica.version
        ));
        self.replica = Some(replica);
        self
    }

    /// Send `?epoch=&version=` as given (e.g. a wrong epoch), whatever the replica.
    pub fn query(mut self, epoch: u64, version: u64) -> Self {
        self.query = Some(format!("epoch={epoch}&version={version}"));
        self
    }

    /// Send this exact query string (without `?`), e.g. one that does not parse.
    pub fn raw_query(mut self, query: &str) -> Self {
        self.query = Some(query.to_owned());
        self
    }

    /// Start from this replica if the server replays (a welcome without snapshot).
    pub fn replica(mut self, replica: Session) -> Self {
        self.replica = Some(replica);
        self
    }

    /// Shrink the client socket's receive buffer (to make a slow reader the server must drop).
    pub fn recv_buffer(mut self, bytes: u32) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// Without an `Authorization` header.
    pub fn without_token(mut self) -> Self {
        self.authorization = None;
        self
    }

    /// With this exact `Authorization` header value (e.g. another scheme than Bearer).
    pub fn authorization(mut self, value: &str) -> Self {
        self.authorization = Some(value.to_owned());
        self
    }

    /// The URL with the resume query, if any.
    pub fn request_url(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.url),
            None => self.url.clone(),
        }
    }

    /// Open the socket and complete the handshake only (no welcome read); errors are returned.
    pub async fn handshake(&self) -> Result<WsStream, tungstenite::Error> {
        let mut request = self.request_url().into_client_request()?;
        if let Some(value) = &self.authorization {
            let value = HeaderValue::from_str(value).expect("a header-safe Authorization value");
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let authority = request
            .uri()
            .authority()
            .expect("a ws URL has an authority")
            .to_string();
        let recv_buffer = self.recv_buffer;
        within("the WebSocket handshake", async move {
            let addr = tokio::net::lookup_host(authority.as_str())
                .await?
                .next()
                .ok_or_else(|| std::io::Error::other("no address"))?;
            let socket = if addr.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            if let Some(bytes) = recv_buffer {
                socket.set_recv_buffer_size(bytes)?;
            }
            let tcp = socket.connect(addr).await?;
            tcp.set_nodelay(true)?;
            let (stream, _response) = tokio_tungstenite::client_async(request, tcp).await?;
            Ok(stream)
        })
        .await
    }

    /// Connect and read the welcome; panics if either fails.
    pub async fn connect(self) -> WsClient {
        self.try_connect()
            .await
            .unwrap_or_else(|e| panic!("WebSocket connection failed: {e}"))
    }

    /// Connect and read the welcome; handshake errors are returned.
    pub async fn try_connect(self) -> Result<WsClient, tungstenite::Error> {
        let stream = self.handshake().await?;
        Ok(WsClient::after_handshake(stream, self.replica).await)
    }
}

/// A typed WebSocket client keeping a replica of the session as its participant may see it.
///
/// Every text frame read (by any method) is recorded in [`WsClient::raw`], parsed into
/// [`WsClient::log`] and applied: a `welcome` with a snapshot replaces the replica, an `event` must
/// carry exactly `replica.version + 1` (the test fails otherwise) and goes through
/// `breakout_core::view::apply_update`.
pub struct WsClient {
    stream: WsStream,
    /// The participant this connection belongs to (from the first welcome).
    pub you: ParticipantId,
    /// The session's epoch (from the latest welcome).
    pub epoch: u64,
    /// The replica: what this participant may see of the session.
    pub replica: Session,
    /// Every welcome received on this connection, in order (more than one means a resync).
    pub welcomes: Vec<Welcome>,
    /// Every message received, in order.
    pub log: Vec<ServerMessage>,
    /// Every text frame received, verbatim, in order.
    pub raw: Vec<String>,
    /// How long one read may wait (default [`WAIT`]).
    pub timeout: Duration,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient")
            .field("you", &self.you)
            .field("version", &self.replica.version)
            .field("messages", &self.log.len())
            .finish()
    }
}

impl WsClient {
    /// Options for connecting to `session` at `base` with `token`.
    pub fn options(base: &str, session: &str, token: &str) -> ConnectOptions {
        ConnectOptions {
            url: ws_url(base, session),
            authorization: Some(format!("Bearer {token}")),
            query: None,
            replica: None,
            recv_buffer: None,
        }
    }

    /// Connect (no resume) and read the welcome.
    pub async fn connect(base: &str, session: &str, token: &str) -> WsClient {
        WsClient::options(base, session, token).connect().await
    }

    /// Connect, then read until the replica shows this participant online. Presence changes are
    /// batched by the server and arrive shortly after the welcome; waiting for them gives a state
    /// that stays still until someone acts.
    pub async fn connect_online(base: &str, session: &str, token: &str) -> WsClient {
        let mut client = WsClient::connect(base, session, token).await;
        client.wait_presence(client.you, true).await;
        client
    }

    /// Reconnect resuming from `replica` (`?epoch=&version=`) and read the welcome.
    pub async fn resume(base: &str, session: &str, token: &str, replica: Session) -> WsClient {
        WsClient::options(base, session, token)
            .resume_from(replica)
            .connect()
            .await
    }

    async fn after_handshake(mut stream: WsStream, replica: Option<Session>) -> WsClient {
        let text = loop {
            let frame = within("the welcome", stream.next())
                .await
                .unwrap_or_else(|| panic!("the connection ended before the welcome"))
                .unwrap_or_else(|e| panic!("the connection failed before the welcome: {e}"));
            match frame {
                Message::Text(text) => break text.to_string(),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                other => panic!("expected a welcome, got {other:?}"),
            }
        };
        let message: ServerMessage = parse_server_message(&text);
        let ServerMessage::Welcome {
            you,
            epoch,
            snapshot,
            ..
        } = &message
        else {
            panic!("the first message must be a welcome, got {text}");
        };
        let replica = match (snapshot, replica) {
            (Some(snapshot), _) => snapshot.clone(),
            (None, Some(replica)) => replica,
            (None, None) => panic!("a welcome without snapshot, but this client has no replica"),
        };
        let mut client = WsClient {
            stream,
            you: *you,
            epoch: *epoch,
            replica,
            welcomes: Vec::new(),
            log: Vec::new(),
            raw: Vec::new(),
            timeout: WAIT,
        };
        client.absorb(text, message);
        client
    }

    /// The welcome this connection began with.
    pub fn first_welcome(&self) -> &Welcome {
        &self.welcomes[0]
    }

    /// Record, check and apply one received message.
    fn absorb(&mut self, text: String, message: ServerMessage) {
        match &message {
            ServerMessage::Welcome {
                protocol,
                you,
                epoch,
                version,
                snapshot,
            } => {
                assert_eq!(*you, self.you, "a welcome for someone else");
                match snapshot {
                    Some(snapshot) => {
                        assert_eq!(
                            snapshot.version, *version,
                            "snapshot version ≠ welcome version"
                        );
                        assert_eq!(snapshot.epoch, *epoch, "snapshot epoch ≠ welcome epoch");
                        self.replica = snapshot.clone();
                    }
                    None => {
                        assert_eq!(*epoch, self.replica.epoch, "replay across epochs");
                        assert!(
                            *version >= self.replica.version,
                            "a replay welcome at {version} behind the replica at {}",
                            self.replica.version
                        );
                    }
                }
                self.epoch = *epoch;
                self.welcomes.push(Welcome {
                    protocol: *protocol,
                    you: *you,
                    epoch: *epoch,
                    version: *version,
                    snapshot: snapshot.is_some(),
                });
            }
            ServerMessage::Event(update) => {
                assert_eq!(
                    update.version,
                    self.replica.version + 1,
                    "participant {}: events must arrive one version at a time, in order",
                    self.you
                );
                apply_update(&mut self.replica, update);
            }
            ServerMessage::Ack { .. }
            | ServerMessage::Rejected { .. }
            | ServerMessage::Error { .. } => {}
        }
        self.raw.push(text);
        self.log.push(message);
    }

    /// Read the next frame (bounded by `self.timeout`), skipping pings and pongs.
    pub async fn next_incoming(&mut self) -> Incoming {
        loop {
            let next = within_for(
                self.timeout,
                &format!("a frame for participant {}", self.you),
                self.stream.next(),
            )
            .await;
            match next {
                None => return Incoming::Ended(None),
                Some(Err(e)) => return Incoming::Ended(Some(e.to_string())),
                Some(Ok(Message::Text(text))) => {
                    let text = text.to_string();
                    let message = parse_server_message(&text);
                    self.absorb(text, message.clone());
                    return Incoming::Message(message);
                }
                Some(Ok(Message::Binary(bytes))) => {
                    panic!("the server sent a binary frame of {} bytes", bytes.len())
                }
                Some(Ok(Message::Close(frame))) => return Incoming::Close(frame),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            }
        }
    }

    /// The next message; panics on a close or the end of the stream.
    pub async fn next_message(&mut self) -> ServerMessage {
        match self.next_incoming().await {
            Incoming::Message(message) => message,
            other => panic!(
                "participant {}: expected a message, got {other:?}",
                self.you
            ),
        }
    }

    /// Read until a message satisfies `wanted`, and return it (earlier ones are applied and logged).
    pub async fn wait_for(
        &mut self,
        mut wanted: impl FnMut(&ServerMessage) -> bool,
    ) -> ServerMessage {
        loop {
            let message = self.next_message().await;
            if wanted(&message) {
                return message;
            }
        }
    }

    /// Read until `done(&replica)` holds.
    pub async fn wait_until(&mut self, mut done: impl FnMut(&Session) -> bool) {
        while !done(&self.replica) {
            self.next_message().await;
        }
    }

    /// Read until the replica shows `who` online (or offline).
    pub async fn wait_presence(&mut self, who: ParticipantId, online: bool) {
        self.wait_until(|s| s.participant(who).is_some_and(|p| p.online == online))
            .await;
    }

    /// Read until the replica reaches at least `version`.
    pub async fn wait_version(&mut self, version: u64) {
        while self.replica.version < version {
            self.next_message().await;
        }
    }

    /// Read until the `ack`, `rejected` or `error` answering `id`.
    pub async fn wait_answer(&mut self, id: &CommandId) -> Answer {
        loop {
            match self.next_message().await {
                ServerMessage::Ack { id: got, version } if &got == id => {
                    return Answer::Ack { version };
                }
                ServerMessage::Rejected { id: got, rejection } if &got == id => {
                    return Answer::Rejected(rejection);
                }
                ServerMessage::Error {
                    id: Some(got),
                    code,
                    message,
                } if &got == id => return Answer::Error { code, message },
                _ => {}
            }
        }
    }

    /// Read the next `error` message (with or without id) and return its id and code.
    pub async fn wait_error(&mut self) -> (Option<CommandId>, ErrorCode) {
        loop {
            if let ServerMessage::Error { id, code, .. } = self.next_message().await {
                return (id, code);
            }
        }
    }

    /// Send a text frame as is.
    pub async fn send_text(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        within("sending a frame", self.stream.send(Message::text(text)))
            .await
            .expect("the socket accepts a frame");
    }

    /// Send any frame as is.
    pub async fn send_frame(&mut self, message: Message) {
        within("sending a frame", self.stream.send(message))
            .await
            .expect("the socket accepts a frame");
    }

    /// Send a client message.
    pub async fn send(&mut self, message: &ClientMessage) {
        let text = serde_json::to_string(message).expect("client messages serialize");
        self.send_text(text).await;
    }

    /// Send `command` with a fresh id; return the id.
    pub async fn command(&mut self, command: Command) -> CommandId {
        let id = new_command_id();
        self.command_with_id(id.clone(), command).await;
        id
    }

    /// Send `command` with the given id (for retries).
    pub async fn command_with_id(&mut self, id: CommandId, command: Command) {
        self.send(&ClientMessage::Command { id, command }).await;
    }

    /// Send `command` and wait for its answer. On an ack the replica has reached the acked version
    /// (the server queues a command's events before its ack): asserted here.
    pub async fn run(&mut self, command: Command) -> Answer {
        let id = self.command(command).await;
        let answer = self.wait_answer(&id).await;
        if let Answer::Ack { version } = answer {
            assert!(
                self.replica.version >= version,
                "ack for version {version} arrived before its events (replica at {})",
                self.replica.version
            );
        }
        answer
    }

    /// Run `command`, assert it was acked, return the version.
    pub async fn ack(&mut self, command: Command) -> u64 {
        let description = format!("{command:?}");
        match self.run(command).await {
            Answer::Ack { version } => version,
            other => panic!("{description} was not acked: {other:?}"),
        }
    }

    /// Run `command`, assert it was rejected, return the rejection.
    pub async fn reject(&mut self, command: Command) -> Rejection {
        let description = format!("{command:?}");
        match self.run(command).await {
            Answer::Rejected(rejection) => rejection,
            other => panic!("{description} was not rejected: {other:?}"),
        }
    }

    /// Open `N` breakout rooms without a timer (asserting the ack) and return their ids, in order.
    pub async fn open_rooms<const N: usize>(&mut self) -> [RoomId; N] {
        self.ack(Command::OpenBreakouts {
            rooms: N as u32,
            duration_minutes: None,
        })
        .await;
        std::array::from_fn(|i| self.replica.rooms[i].id)
    }

    /// A barrier: send a command that every role may send and that changes nothing (resolving a help
    /// request that cannot exist, answered `rejected` `not_found`), wait for its answer, and return
    /// the messages that arrived before it. Since the session owner handles one connection's messages
    /// in order, everything the owner queued for this connection before it has then been read.
    /// (Takes a token from the connection's command rate limit.)
    pub async fn sync(&mut self) -> Vec<ServerMessage> {
        let mark = self.log.len();
        let id = self
            .command(Command::ResolveHelp {
                request: HelpId(u64::MAX),
            })
            .await;
        let answer = self.wait_answer(&id).await;
        assert!(
            matches!(answer, Answer::Rejected(Rejection::NotFound(_))),
            "the barrier command must be rejected not_found, got {answer:?}"
        );
        let end = self.log.len() - 1;
        self.log[mark..end].to_vec()
    }

    /// Position in the log, for [`WsClient::since`].
    pub fn mark(&self) -> usize {
        self.log.len()
    }

    /// Messages received since `mark`.
    pub fn since(&self, mark: usize) -> &[ServerMessage] {
        &self.log[mark..]
    }

    /// Event updates received since `mark`.
    pub fn events_since(&self, mark: usize) -> Vec<ViewerUpdate> {
        events_in(self.since(mark))
    }

    /// Read (messages are applied) until a close frame arrives and return it; panics if the stream
    /// ends without one.
    pub async fn expect_close(&mut self) -> Option<CloseFrame> {
        loop {
            match self.next_incoming().await {
                Incoming::Message(_) => {}
                Incoming::Close(frame) => return frame,
                Incoming::Ended(error) => {
                    panic!("the stream ended without a close frame ({error:?})")
                }
            }
        }
    }

    /// [`WsClient::expect_close`], asserting that the close frame carries `code`; return the frame.
    pub async fn expect_close_with(&mut self, code: CloseCode) -> CloseFrame {
        let frame = self
            .expect_close()
            .await
            .expect("a close frame with a code");
        assert_eq!(frame.code, code, "participant {}: close code", self.you);
        frame
    }

    /// Close the connection with a close handshake (bounded) and return the replica, e.g. to
    /// [`WsClient::resume`] later. Messages that arrive meanwhile are applied.
    pub async fn close(mut self) -> Session {
        let _ = within("sending a close frame", self.stream.close(None)).await;
        while let Incoming::Message(_) | Incoming::Close(_) = self.next_incoming().await {}
        self.replica
    }

    /// Drop the connection without a close handshake (like a crashed client).
    pub fn abort(self) -> Session {
        self.replica
    }
}

/// Parse a server message; panics with the text when it is not one.
pub fn parse_server_message(text: &str) -> ServerMessage {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not a ServerMessage ({e}): {text}"))
}

/// The event updates among `messages`.
pub fn events_in(messages: &[ServerMessage]) -> Vec<ViewerUpdate> {
    messages
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Event(update) => Some(update.clone()),
            _ => None,
        })
        .collect()
}

/// A rustls client configuration (*ring*) that trusts exactly the CA certificates in `ca_pems`.
pub fn client_tls(ca_pems: &[&str]) -> rustls::ClientConfig {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for pem in ca_pems {
        let cert = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
            .expect("a PEM CA certificate");
        roots.add(cert).expect("a usable CA certificate");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Try a WebSocket handshake that should fail; return the HTTP status and the `ApiError` body.
///
/// The status comes from a real WebSocket handshake. The body is read with a plain HTTP request
/// carrying the same URL, `Authorization` and upgrade headers (a WebSocket client only sees the part
/// of a refusal's body that arrived with its headers); both must agree on the status.
pub async fn failed_handshake(options: &ConnectOptions) -> (u16, ApiError) {
    let status = match options.handshake().await {
        Ok(_) => panic!("the handshake succeeded but should have failed"),
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
    };
    let url = options.request_url().replacen("ws://", "http://", 1);
    let base = url[..url.find("/v1/").expect("a session URL")].to_owned();
    let api = Api::new(base);
    let mut request = api
        .client
        .get(&url)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    if let Some(value) = &options.authorization {
        request = request.header(AUTHORIZATION, value);
    }
    let reply = api.send(request).await;
    assert_eq!(
        reply.status.as_u16(),
        status,
        "plain HTTP and WebSocket refusals differ"
    );
    (status, reply.api_error())
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A fresh command id shaped like a random (version 4) UUID; unique within the test process.
pub fn new_command_id() -> CommandId {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: OnceLock<u64> = OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ u64::from(std::process::id()).rotate_left(32)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::new(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (a, b) = (rng.next_u64(), rng.next_u64());
    CommandId(format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    ))
}

/// A small seeded PRNG (SplitMix64): the same seed gives the same test run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `range`.
    pub fn between(&mut self, low: u32, high_inclusive: u32) -> u32 {
        low + self.below((high_inclusive - low + 1) as usize) as u32
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + f64::EPSILON < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A non-empty random subset of `items`, in their order.
    pub fn subset<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        loop {
            let chosen: Vec<T> = items.iter().filter(|_| self.chance(0.5)).cloned().collect();
            if !chosen.is_empty() {
                return chosen;
            }
        }
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Every file under `dir`, recursively (directories themselves are not listed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {dir:?}: {e}")) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Run `futures` with at most `limit` in flight, returning their outputs in order.
pub async fn bounded_join<F: Future>(futures: Vec<F>, limit: usize) -> Vec<F::Output> {
    futures_util::stream::iter(futures)
        .buffered(limit)
        .collect()
        .await
}

/// The session with everyone offline and the version zeroed: what a reload from storage keeps of
/// a state (presence is not durable; the version moves on with the presence events).
pub fn without_presence(state: &Session) -> Session {
    let mut state = state.clone();
    state.version = 0;
    for p in &mut state.participants {
        p.online = false;
    }
    state
}
