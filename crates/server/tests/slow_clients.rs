//! Slow and silent clients cannot take the endpoint down: connections that trickle their request
//! headers or send none are closed after the header-read timeout; uploads that stall or trickle
//! below the minimum rate fail with `408 timeout` and leave no file; uploads beyond the per-session
//! and per-endpoint bounds are refused with `Retry-After`, storing nothing — and all the while a
//! moderator's moves are acknowledged. Clients here are raw TCP sockets, so the test controls every
//! byte and its timing. Timeouts are short through `Config`; nothing asserts how fast anything was.

mod support;

use breakout_core::protocol::{ApiError, ErrorCode};
use breakout_core::{Command, Location};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use support::{files_under, within, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What a raw client read before the server closed the connection.
struct RawReply {
    bytes: Vec<u8>,
}

impl RawReply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The status code of the response, if one arrived.
    fn status(&self) -> Option<u16> {
        let text = self.text();
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    }

    fn api_error(&self) -> ApiError {
        let text = self.text();
        let body = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no response body in {text:?}"))
            .1;
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not an ApiError ({e}): {body}"))
    }
}

/// Connect, send `head` (the request line and headers, or a first part of them), then one byte of
/// `drip` every `every` until the server closes the connection; return everything it sent.
async fn raw_request(
    addr: SocketAddr,
    head: String,
    drip: &'static [u8],
    every: Duration,
) -> RawReply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let (mut read, mut write) = stream.split();
    let send = async {
        if write.write_all(head.as_bytes()).await.is_ok() {
            for byte in drip.iter().cycle() {
                tokio::time::sleep(every).await;
                if write.write_all(&[*byte]).await.is_err() {
                    break;
                }
            }
        }
        // The server stopped reading: only its answer matters now.
        std::future::pending::<()>().await
    };
    let mut bytes = Vec::new();
    // An error (a reset after the answer) ends the reply like an orderly close.
    let receive = within(
        "the server to close the connection",
        read.read_to_end(&mut bytes),
    );
    tokio::select! {
        _ = receive => {}
        _ = send => {}
    }
    RawReply { bytes }
}

/// An upload of a declared megabyte that sends one byte every `every`.
async fn trickling_upload(
    addr: SocketAddr,
    session: &str,
    token: &str,
    every: Duration,
) -> RawReply {
    let head = format!(
        "POST /v1/sessions/{session}/documents HTTP/1.1\r\nhost: 127.0.0.1\r\n\
         authorization: Bearer {token}\r\nx-file-name: slow.txt\r\n\
         content-length: 1000000\r\n\r\nfirst bytes"
    );
    raw_request(addr, head, b"x", every).await
}

/// Upload temporary files (one per upload in progress).
fn uploads_in_progress(documents: &Path) -> usize {
    std::fs::read_dir(documents.join("tmp")).map_or(0, |dir| dir.count())
}

async fn wait_uploads_in_progress(documents: &Path, n: usize) {
    within(&format!("{n} uploads in progress"), async {
        while uploads_in_progress(documents) != n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// No document bytes, finished or not, are on disk.
fn assert_nothing_stored(documents: &Path) {
    let files = files_under(documents);
    assert!(files.is_empty(), "files left behind: {files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_trickling_uploads_fail_while_moves_are_acknowledged() {
    const SLOW_HEADERS: usize = 200;
    const TRICKLES: usize = 300;
    let server = TestServer::start_with(|c| {
        c.header_read_timeout = Duration::from_secs(3);
        c.upload_rate_window = Duration::from_secs(5);
        c.min_upload_bytes_per_second = 100;
        c.max_uploads = TRICKLES;
        c.max_uploads_per_session = TRICKLES;
    })
    .await;
    let (s, mut moderator) = server.session_with_moderator("Under siege").await;
    let id = s.session_id.0.clone();
    let pat = server.api.join(&id, &s.participant_code, "Pat").await;
    let rooms = moderator.open_rooms::<2>().await;
    let documents = server.documents_dir();

    let slow_headers: Vec<_> = (0..SLOW_HEADERS)
        .map(|_| {
            let head = "GET /healthz HTTP/1.1\r\n".to_owned();
            tokio::spawn(raw_request(
                server.addr,
                head,
                b"x-slow: 1\r\n",
                Duration::from_secs(1),
            ))
        })
        .collect();
    let trickles: Vec<_> = (0..TRICKLES)
        .map(|_| {
            let (addr, id, token) = (server.addr, id.clone(), s.token.clone());
            tokio::spawn(async move {
                trickling_upload(addr, &id, &token, Duration::from_millis(300)).await
            })
        })
        .collect();
    // Every upload is past its checks and writing.
    wait_uploads_in_progress(&documents, TRICKLES).await;

    for i in 0..20 {
        moderator
            .ack(Command::Move {
                participant: pat.participant_id,
                to: Location::Room(rooms[i % 2]),
            })
            .await;
    }

    for trickle in trickles {
        let reply = within("a trickling upload's answer", trickle)
            .await
            .unwrap();
        assert_eq!(reply.status(), Some(408), "{}", reply.text());
        let error = reply.api_error();
        assert_eq!(error.code, ErrorCode::Timeout);
        assert!(error.message.contains("too slow"), "{}", error.message);
    }
    for slow in slow_headers {
        let reply = within("a slow client's end", slow).await.unwrap();
        assert_ne!(reply.status(), Some(200), "a trickled request was served");
    }
    assert_nothing_stored(&documents.join("tmp"));
    let blobs: Vec<_> = files_under(&documents)
        .into_iter()
        .filter(|f| !f.starts_with(documents.join("tmp")))
        .collect();
    assert!(blobs.is_empty(), "blobs stored: {blobs:?}");
    moderator.sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_header_read_timeout() {
    let server =
        TestServer::start_with(|c| c.header_read_timeout = Duration::from_millis(300)).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    for stream in [&mut silent, &mut partial] {
        let mut bytes = Vec::new();
        let _ = within("the server to close", stream.read_to_end(&mut bytes)).await;
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("200 OK"), "answered: {text}");
    }
    // A prompt request on a new connection is served as usual.
    server.api.get("/healthz", None).await.expect_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_fails_with_timeout_and_keeps_nothing() {
    let server = TestServer::start_with(|c| {
        c.upload_idle_timeout = Duration::from_millis(500);
        c.min_upload_bytes_per_second = 0;
    })
    .await;
    let s = server.api.create_session("Stalled", "Mona").await;
    // A byte an hour: after the first bytes, nothing.
    let reply = trickling_upload(
        server.addr,
        &s.session_id.0,
        &s.token,
        Duration::from_secs(3600),
    )
    .await;
    assert_eq!(reply.status(), Some(408), "{}", reply.text());
    let error = reply.api_error();
    assert_eq!(error.code, ErrorCode::Timeout);
    assert!(error.message.contains("stalled"), "{}", error.message);
    assert_nothing_stored(&server.documents_dir());
    assert!(server
        .api
        .list_documents(&s.session_id.0, &s.token)
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_the_bounds_are_refused_with_retry_after_and_store_nothing() {
    let server = TestServer::start_with(|c| {
        c.max_uploads = 3;
        c.max_uploads_per_session = 2;
    })
    .await;
    let api = &server.api;
    let (a, b, c) = (
        api.create_session("A", "Mona").await,
        api.create_session("B", "Mona").await,
        api.create_session("C", "Mona").await,
    );
    let documents = server.documents_dir();
    let hold = |s: &breakout_core::protocol::CreateSessionResponse| {
        let (addr, id, token) = (server.addr, s.session_id.0.clone(), s.token.clone());
        tokio::spawn(
            async move { trickling_upload(addr, &id, &token, Duration::from_secs(3600)).await },
        )
    };
    let held = vec![hold(&a), hold(&a)];
    wait_uploads_in_progress(&documents, 2).await;

    let third = api
        .upload_raw(
            &a.session_id.0,
            Some(&a.token),
            Some("x.txt"),
            b"x".to_vec(),
        )
        .await;
    third.expect_error(429, ErrorCode::RateLimited);
    assert_eq!(third.headers["retry-after"], "5");

    let held_b = hold(&b);
    wait_uploads_in_progress(&documents, 3).await;
    let fourth = api
        .upload_raw(
            &c.session_id.0,
            Some(&c.token),
            Some("x.txt"),
            b"x".to_vec(),
        )
        .await;
    fourth.expect_error(503, ErrorCode::Unavailable);
    assert_eq!(fourth.headers["retry-after"], "5");
    for s in [&a, &b, &c] {
        assert!(api
            .list_documents(&s.session_id.0, &s.token)
            .await
            .is_empty());
    }
    for limit in ["uploads_per_session", "uploads"] {
        let name = format!("breakout_rate_limited_total{{limit=\"{limit}\"}}");
        assert_eq!(api.metric(&name).await, Some(1.0), "{name}");
    }

    // The held uploads end (their clients hang up); their places and files are freed.
    for upload in held.into_iter().chain([held_b]) {
        upload.abort();
    }
    wait_uploads_in_progress(&documents, 0).await;
    assert_nothing_stored(&documents);
    let (status, _) = api
        .upload(&c.session_id.0, &c.token, "fine.txt", b"fine".to_vec())
        .await;
    assert_eq!(status.as_u16(), 201);
}
