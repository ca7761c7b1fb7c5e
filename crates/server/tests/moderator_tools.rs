//! Moderator safety tools against a real endpoint: removing a participant revokes their token (HTTP
//! 401, WebSocket upgrade refused, also after a restart) and closes their live socket with the
//! removal code and reason; rotating join codes retires the old invite links (also after a restart)
//! and only staff may do it; join codes are stored salted.

mod support;

use breakout_core::protocol::{ErrorCode, JoinCodes, ServerMessage, CLOSE_REMOVED, REMOVED_REASON};
use breakout_core::{Command, Event, Role};
use reqwest::Method;
use support::{bearer, failed_handshake, Reply, TestServer, WsClient};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

async fn rotate(server: &TestServer, session: &str, token: Option<&str>) -> Reply {
    let path = format!("/v1/sessions/{session}/codes");
    let request = bearer(server.api.request(Method::POST, &path), token);
    server.api.send(request).await
}

/// Both ways a revoked token can knock: HTTP and the WebSocket upgrade.
async fn assert_refused(server: &TestServer, session: &str, token: &str) {
    let documents = format!("/v1/sessions/{session}/documents");
    server
        .api
        .get(&documents, Some(token))
        .await
        .expect_error(401, ErrorCode::Unauthorized);
    let (status, error) = failed_handshake(&WsClient::options(&server.base, session, token)).await;
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));
}

#[tokio::test]
async fn a_removed_participant_is_closed_with_the_reason_and_never_gets_back_in() {
    let server = TestServer::start().await;
    let (created, mut moderator) = server.session_with_moderator("Workshop").await;
    let id = created.session_id.0.clone();
    let pat = server.api.join(&id, &created.participant_code, "Pat").await;
    let co = server
        .api
        .join(&id, &created.co_moderator_code, "Cody")
        .await;
    let mut pat_ws = WsClient::connect_online(&server.base, &id, &pat.token).await;
    let mut co_ws = WsClient::connect_online(&server.base, &id, &co.token).await;

    // Refusals change nothing: a co-moderator cannot remove the moderator, a participant nobody.
    let rejection = co_ws
        .reject(Command::RemoveParticipant {
            participant: created.participant_id,
        })
        .await;
    assert_eq!(rejection.code(), "forbidden");
    let rejection = pat_ws
        .reject(Command::RemoveParticipant {
            participant: co.participant_id,
        })
        .await;
    assert_eq!(rejection.code(), "forbidden");
    moderator.sync().await;
    assert_eq!(moderator.replica.participants.len(), 3);

    moderator
        .ack(Command::RemoveParticipant {
            participant: pat.participant_id,
        })
        .await;
    let frame = pat_ws
        .expect_close_with(CloseCode::from(CLOSE_REMOVED))
        .await;
    assert_eq!(frame.reason.as_str(), REMOVED_REASON);
    co_ws
        .wait_until(|s| s.participant(pat.participant_id).is_none())
        .await;
    assert_refused(&server, &id, &pat.token).await;

    // A restart reads the revocation back: still refused; everyone else still gets in.
    let dir = server.stop().await.expect("the data directory");
    let server = TestServer::start_in(dir, |_| {}).await;
    assert_refused(&server, &id, &pat.token).await;
    let back = WsClient::connect(&server.base, &id, &co.token).await;
    assert!(back.replica.participant(pat.participant_id).is_none());
    assert!(back.replica.participant(co.participant_id).is_some());
}

#[tokio::test]
async fn rotated_codes_retire_old_invite_links_also_after_a_restart() {
    let server = TestServer::start().await;
    let (created, mut moderator) = server.session_with_moderator("Workshop").await;
    let id = created.session_id.0.clone();
    let pat = server.api.join(&id, &created.participant_code, "Pat").await;

    // Only staff rotate, only over HTTP; refusals leave the codes as they were.
    rotate(&server, &id, None)
        .await
        .expect_error(401, ErrorCode::Unauthorized);
    rotate(&server, &id, Some(&pat.token))
        .await
        .expect_error(403, ErrorCode::Forbidden);
    let rejection = moderator.reject(Command::RotateJoinCodes).await;
    assert_eq!(rejection.code(), "forbidden");
    server
        .api
        .join(&id, &created.participant_code, "Early")
        .await;

    let reply = rotate(&server, &id, Some(&created.token)).await;
    reply.expect_status(200);
    let codes: JoinCodes = reply.json();
    assert_ne!(codes.participant_code, created.participant_code);
    assert_ne!(codes.co_moderator_code, created.co_moderator_code);
    // Staff replicas hear of it (participants are not told).
    moderator
        .wait_for(|m| {
            matches!(m, ServerMessage::Event(u)
                if matches!(u.event, Some(Event::JoinCodesRotated { by }) if by == created.participant_id))
        })
        .await;

    let check = |server: &TestServer| {
        let (api, id, codes, created) = (
            server.api.clone(),
            id.clone(),
            codes.clone(),
            created.clone(),
        );
        async move {
            for old in [&created.participant_code, &created.co_moderator_code] {
                let error = api
                    .join_raw(&id, old, "Late")
                    .await
                    .expect_error(403, ErrorCode::Forbidden);
                assert!(error.message.contains("new invite link"), "{error:?}");
            }
            let joined = api.join(&id, &codes.participant_code, "New").await;
            assert_eq!(joined.role, Role::Participant);
            let joined = api.join(&id, &codes.co_moderator_code, "New co").await;
            assert_eq!(joined.role, Role::CoModerator);
        }
    };
    check(&server).await;
    drop(moderator);
    let dir = server.stop().await.expect("the data directory");
    let server = TestServer::start_in(dir, |_| {}).await;
    check(&server).await;
}

#[tokio::test]
async fn join_codes_are_stored_salted() {
    let server = TestServer::start().await;
    let a = server.api.create_session("A", "Mo").await;
    let b = server.api.create_session("B", "Mo").await;
    let dir = server.stop().await.expect("the data directory");
    let db = rusqlite::Connection::open(dir.path().join(breakout_server::DATABASE_FILE)).unwrap();
    let mut stored = Vec::new();
    for (session, code) in [(&a, &a.participant_code), (&b, &b.participant_code)] {
        let hash: String = db
            .query_row(
                "SELECT participant_code_hash FROM sessions WHERE id = ?1",
                [&session.session_id.0],
                |row| row.get(0),
            )
            .unwrap();
        let (salt, digest) = hash.split_once('$').expect("salt$hash");
        assert_eq!((salt.len(), digest.len()), (32, 64), "{hash}");
        let plain = support::sha256_hex(code.replace('-', "").as_bytes());
        assert_ne!(digest, plain, "the hash is salted");
        stored.push(salt.to_owned());
    }
    assert_ne!(stored[0], stored[1], "each session has its own salt");
}
