//! Hosting on the internet: only the operator's keys create sessions (re-read on demand), the
//! per-address abuse limits answer `429` with `Retry-After` and change nothing, a wrong-code flood
//! from one address does not lock a session for the others (addresses taken from `X-Forwarded-For`
//! of a trusted proxy), WebSocket connections are capped per token and per address, and a session's
//! documents stay within their disk quota (`507`, nothing kept).

mod support;

use breakout_core::protocol::{ErrorCode, JoinRequest};
use breakout_server::CreateKeys;
use reqwest::Method;
use std::sync::Arc;
use support::{failed_handshake, within, Reply, TestServer, WsClient};

/// The `Retry-After` of a `429` answer, in seconds; asserts the answer.
fn throttled(reply: &Reply) -> u64 {
    reply.expect_error(429, ErrorCode::RateLimited);
    let seconds = reply
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no Retry-After in {:?}", reply.headers));
    assert!(seconds >= 1);
    seconds
}

/// `POST /v1/sessions/{id}/join` as relayed by a proxy for `client`.
async fn join_from(server: &TestServer, client: &str, session: &str, code: &str) -> Reply {
    let body = JoinRequest {
        code: code.into(),
        name: format!("From {client}"),
    };
    let api = &server.api;
    let request = api
        .request(Method::POST, &format!("/v1/sessions/{session}/join"))
        .header("x-forwarded-for", client)
        .json(&body);
    api.send(request).await
}

async fn create_with_key(server: &TestServer, key: Option<&str>) -> Reply {
    let body = serde_json::json!({"title": "Keyed", "moderator_name": "Mona"});
    let request = server.api.request(Method::POST, "/v1/sessions").json(&body);
    let request = support::bearer(request, key);
    server.api.send(request).await
}

#[tokio::test]
async fn only_the_operators_keys_create_sessions_and_a_reload_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("create-keys");
    std::fs::write(&path, "# operators\nfirst-key\n").unwrap();
    let keys = Arc::new(CreateKeys::load(&path).unwrap());
    let server = TestServer::start_with(|c| c.create_keys = Some(keys.clone())).await;

    for key in [
        None,
        Some("wrong-key"),
        Some("first-ke"),
        Some("# operators"),
    ] {
        let error = create_with_key(&server, key)
            .await
            .expect_error(401, ErrorCode::Unauthorized);
        assert!(error.message.contains("operator"), "{error:?}");
    }
    // The key is checked before the body is read.
    let junk = server.api.request(Method::POST, "/v1/sessions").body("{");
    server
        .api
        .send(junk)
        .await
        .expect_error(401, ErrorCode::Unauthorized);
    assert_eq!(server.api.metric("breakout_sessions").await, Some(0.0));
    create_with_key(&server, Some("first-key"))
        .await
        .expect_status(201);
    assert_eq!(server.api.metric("breakout_sessions").await, Some(1.0));

    // What the binary does on SIGHUP.
    std::fs::write(&path, "second-key\n").unwrap();
    assert_eq!(keys.reload().unwrap(), 1);
    create_with_key(&server, Some("second-key"))
        .await
        .expect_status(201);
    create_with_key(&server, Some("first-key"))
        .await
        .expect_error(401, ErrorCode::Unauthorized);
    // An unusable file keeps the keys in use.
    std::fs::write(&path, "\n# none\n").unwrap();
    assert!(keys.reload().is_err());
    create_with_key(&server, Some("second-key"))
        .await
        .expect_status(201);
}

#[tokio::test]
async fn creations_per_address_are_limited_and_a_refusal_creates_nothing() {
    let server = TestServer::start_with(|c| c.creations_per_ip_per_hour = 2.0).await;
    server.api.create_session("One", "Mona").await;
    server.api.create_session("Two", "Mona").await;
    let reply = server.api.create_session_raw("Three", "Mona").await;
    assert!(
        throttled(&reply) > 60,
        "a creation per 30 minutes comes back slowly"
    );
    assert_eq!(server.api.metric("breakout_sessions").await, Some(2.0));
    let limited = r#"breakout_rate_limited_total{limit="creations_per_ip"}"#;
    assert_eq!(server.api.metric(limited).await, Some(1.0));
}

#[tokio::test]
async fn joins_per_address_are_limited_and_a_refusal_joins_nobody() {
    let server = TestServer::start_with(|c| c.joins_per_ip_per_minute = 2.0).await;
    let (s, mut moderator) = server.session_with_moderator("Busy door").await;
    let id = s.session_id.0.as_str();
    server.api.join(id, &s.participant_code, "Ann").await;
    server.api.join(id, &s.participant_code, "Bob").await;
    let reply = server.api.join_raw(id, &s.participant_code, "Cy").await;
    throttled(&reply);
    moderator.sync().await;
    let names: Vec<&str> = moderator
        .replica
        .participants
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names.len(), 3, "Cy was not added: {names:?}");
    assert!(!names.contains(&"Cy"));
    let limited = r#"breakout_rate_limited_total{limit="joins_per_ip"}"#;
    assert_eq!(server.api.metric(limited).await, Some(1.0));
}

#[tokio::test]
async fn wrong_codes_lock_out_the_guessing_address_only() {
    let server = TestServer::start_with(|c| {
        c.failed_joins_per_minute = 3.0;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (s, mut moderator) = server.session_with_moderator("Guarded").await;
    let id = s.session_id.0.as_str();
    let guesser = "198.51.100.66";
    for guess in ["aaaa-aaaa", "bbbb-bbbb", "cccc-cccc"] {
        join_from(&server, guesser, id, guess)
            .await
            .expect_error(403, ErrorCode::Forbidden);
    }
    // Now even the right code is refused for the guesser…
    throttled(&join_from(&server, guesser, id, &s.participant_code).await);
    // …but not for anyone else, the session's own joins are not locked.
    join_from(&server, "203.0.113.5", id, &s.participant_code)
        .await
        .expect_status(201);
    server.api.join(id, &s.participant_code, "Direct").await;
    moderator.sync().await;
    assert_eq!(moderator.replica.participants.len(), 3);
    let limited = r#"breakout_rate_limited_total{limit="wrong_codes_per_ip"}"#;
    assert_eq!(server.api.metric(limited).await, Some(1.0));
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    // No trusted proxy: every request is 127.0.0.1, whatever it claims.
    let server = TestServer::start_with(|c| c.failed_joins_per_minute = 1.0).await;
    let (s, _moderator) = server.session_with_moderator("Spoofed").await;
    let id = s.session_id.0.as_str();
    join_from(&server, "198.51.100.1", id, "wrong-code")
        .await
        .expect_error(403, ErrorCode::Forbidden);
    throttled(&join_from(&server, "198.51.100.2", id, &s.participant_code).await);
}

#[tokio::test]
async fn websockets_are_capped_per_token_and_per_address() {
    let server = TestServer::start_with(|c| {
        c.websockets_per_token = 2;
        c.websockets_per_ip = 3;
    })
    .await;
    let s = server.api.create_session("Sockets", "Mona").await;
    let id = s.session_id.0.as_str();
    let first = WsClient::connect(&server.base, id, &s.token).await;
    let _second = WsClient::connect(&server.base, id, &s.token).await;
    let (status, error) = failed_handshake(&WsClient::options(&server.base, id, &s.token)).await;
    assert_eq!((status, error.code), (429, ErrorCode::RateLimited));
    let per_token = r#"breakout_rate_limited_total{limit="websockets_per_token"}"#;
    // Two refusals: the WebSocket handshake and the same request over plain HTTP.
    assert_eq!(server.api.metric(per_token).await, Some(2.0));

    // A closed connection frees its place.
    first.close().await;
    let _again = within("a place for the token again", async {
        loop {
            let options = WsClient::options(&server.base, id, &s.token);
            if let Ok(client) = options.try_connect().await {
                return client;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;

    // Three open from this address: another token from it is refused too.
    let p = server.api.join(id, &s.participant_code, "Pat").await;
    let _third = WsClient::connect(&server.base, id, &p.token).await;
    let (status, _) = failed_handshake(&WsClient::options(&server.base, id, &p.token)).await;
    assert_eq!(status, 429);
    let per_ip = r#"breakout_rate_limited_total{limit="websockets_per_ip"}"#;
    assert_eq!(server.api.metric(per_ip).await, Some(2.0));
}

#[tokio::test]
async fn uploads_over_the_session_quota_are_refused_and_nothing_is_kept() {
    let server = TestServer::start_with(|c| c.session_quota_bytes = 1000).await;
    let s = server.api.create_session("Quota", "Mona").await;
    let id = s.session_id.0.as_str();
    let (_, kept) = server.api.upload(id, &s.token, "a.bin", vec![1; 600]).await;

    // Declared length over the quota: refused before the body is read.
    let reply = server
        .api
        .upload_raw(id, Some(&s.token), Some("b.bin"), vec![2; 500])
        .await;
    let error = reply.expect_error(507, ErrorCode::InsufficientStorage);
    assert!(error.message.contains("1000"), "{error:?}");

    // No declared length: refused once the size is known, before the document is registered.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![3; 250]), Ok(vec![3; 250])];
    let request = support::bearer(
        server
            .api
            .request(Method::POST, &format!("/v1/sessions/{id}/documents"))
            .header(breakout_core::protocol::FILE_NAME_HEADER, "c.bin")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            ))),
        Some(&s.token),
    );
    server
        .api
        .send(request)
        .await
        .expect_error(507, ErrorCode::InsufficientStorage);

    // The same bytes again take no room (a declared length is counted as new bytes, so send none).
    let again: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![1; 600])];
    let request = support::bearer(
        server
            .api
            .request(Method::POST, &format!("/v1/sessions/{id}/documents"))
            .header(breakout_core::protocol::FILE_NAME_HEADER, "a%20again.bin")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                again,
            ))),
        Some(&s.token),
    );
    server.api.send(request).await.expect_status(200);
    server.api.upload(id, &s.token, "d.bin", vec![4; 400]).await;
    let names: Vec<String> = server
        .api
        .list_documents(id, &s.token)
        .await
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&kept.name) && names.contains(&"d.bin".to_owned()));
}
