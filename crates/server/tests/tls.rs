//! The endpoint serving https and wss by itself (`Config::tls`, the binary's `--tls-cert/--tls-key`),
//! with a throwaway CA and server certificate made in the test: a client trusting that CA creates,
//! joins, uploads, downloads and gets its welcome over wss; a client trusting another CA is refused
//! before any request reaches the endpoint.

mod support;

use breakout_core::protocol::ServerMessage;
use breakout_server::certs::{CertifiedKey, PrivateCa};
use breakout_server::tls::server_config_from_pem;
use futures_util::StreamExt;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use support::{client_tls, parse_server_message, within, Api, TestServer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

/// A CA and a certificate it issued for 127.0.0.1.
fn ca_and_leaf() -> (PrivateCa, CertifiedKey) {
    let ca = PrivateCa::new("Breakout test CA").expect("a CA");
    let leaf = ca
        .issue(&["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("a server certificate");
    (ca, leaf)
}

/// An endpoint serving `leaf` over TLS, and its `https://` base.
async fn tls_server(leaf: &CertifiedKey) -> (TestServer, String) {
    let tls = server_config_from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes())
        .expect("the issued pair is usable");
    let server = TestServer::start_with(|c| c.tls = Some(tls)).await;
    let base = format!("https://{}", server.addr);
    (server, base)
}

/// A wss handshake with `Authorization: Bearer token`, trusting `ca_pem` only.
async fn connect_wss(
    base: &str,
    session: &str,
    token: &str,
    ca_pem: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let url = format!(
        "{}/v1/sessions/{session}/ws",
        base.replacen("https://", "wss://", 1)
    );
    let mut request = url.into_client_request()?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
    request.headers_mut().insert("authorization", bearer);
    let connector = Connector::Rustls(Arc::new(client_tls(&[ca_pem])));
    let connecting =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(connector));
    within("a wss handshake", connecting)
        .await
        .map(|(stream, _)| stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_wss_work_with_a_certificate_from_a_trusted_ca() {
    let (ca, leaf) = ca_and_leaf();
    let (_server, base) = tls_server(&leaf).await;
    let api = Api::trusting(&base, &[ca.cert_pem()]);

    let s = api.create_session("Encrypted", "Mona").await;
    let id = s.session_id.0.as_str();
    let pat = api.join(id, &s.participant_code, "Pat").await;
    let bytes = b"over TLS".repeat(10_000);
    let (status, doc) = api.upload(id, &s.token, "notes.txt", bytes.clone()).await;
    assert_eq!(status.as_u16(), 201);
    let download = api.download_raw(id, Some(&s.token), &doc.id).await;
    assert_eq!(download.expect_status(200).body, bytes);

    let mut socket = connect_wss(&base, id, &pat.token, ca.cert_pem())
        .await
        .expect("a wss connection");
    let welcome = loop {
        match within("the welcome over wss", socket.next()).await {
            Some(Ok(Message::Text(text))) => break parse_server_message(&text),
            Some(Ok(_)) => continue,
            other => panic!("no welcome over wss: {other:?}"),
        }
    };
    match welcome {
        ServerMessage::Welcome { you, .. } => assert_eq!(you, pat.participant_id),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_another_ca_and_plain_http_are_refused() {
    let (ca, leaf) = ca_and_leaf();
    let (server, base) = tls_server(&leaf).await;
    let stranger = PrivateCa::new("Some other CA").expect("a CA");

    let untrusting = Api::trusting(&base, &[stranger.cert_pem()]);
    let refused = untrusting
        .try_send(untrusting.request(reqwest::Method::GET, "/healthz"))
        .await;
    assert!(
        refused.is_err(),
        "a certificate from an unknown CA was accepted"
    );
    let plain = Api::new(format!("http://{}", server.addr));
    let plain_reply = plain
        .try_send(plain.request(reqwest::Method::GET, "/healthz"))
        .await;
    assert!(
        plain_reply.is_err(),
        "plain http got an answer from a TLS endpoint: {plain_reply:?}"
    );

    let api = Api::trusting(&base, &[ca.cert_pem()]);
    let s = api.create_session("Encrypted", "Mona").await;
    let refused = connect_wss(&base, &s.session_id.0, &s.token, stranger.cert_pem()).await;
    assert!(refused.is_err(), "wss accepted an unknown CA");
    // The endpoint still serves those who trust it.
    api.get("/healthz", None).await.expect_status(200);
}

/// The binary: `--tls-cert` and `--tls-key` come together and make it print an https address.
#[test]
fn the_binary_serves_https_with_both_flags_and_refuses_one_alone() {
    let (_, leaf) = ca_and_leaf();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &leaf.cert_pem).unwrap();
    std::fs::write(&key, &leaf.key_pem).unwrap();
    let server = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_breakout-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .env_remove("BREAKOUT_TLS_CERT")
            .env_remove("BREAKOUT_TLS_KEY");
        command
    };

    let alone = server()
        .arg("--tls-cert")
        .arg(&cert)
        .output()
        .expect("the binary runs");
    assert_eq!(alone.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&alone.stderr);
    assert!(
        stderr.contains("--tls-key"),
        "names the missing flag: {stderr}"
    );

    let bad = server()
        .arg("--tls-cert")
        .arg(&key)
        .arg("--tls-key")
        .arg(&key)
        .output()
        .expect("the binary runs");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("certificate"),
        "says what is wrong: {stderr}"
    );

    let mut child = server()
        .arg("--tls-cert")
        .arg(&cert)
        .env("BREAKOUT_TLS_KEY", &key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    BufReader::new(stdout).read_line(&mut first).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        first.starts_with("listening on https://127.0.0.1:"),
        "first line: {first:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_tls_handshake_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ca, leaf) = ca_and_leaf();
    let tls = server_config_from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes()).unwrap();
    let server = TestServer::start_with(|c| {
        c.tls = Some(tls);
        c.tls_handshake_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // The start of a TLS record, then nothing.
    silent.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    let mut bytes = Vec::new();
    let _ = within(
        "the server to drop the handshake",
        silent.read_to_end(&mut bytes),
    )
    .await;
    assert!(bytes.is_empty(), "the server answered: {bytes:?}");
    // Others still get through.
    let api = Api::trusting(format!("https://{}", server.addr), &[ca.cert_pem()]);
    api.get("/healthz", None).await.expect_status(200);
}
