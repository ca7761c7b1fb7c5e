//! Why this file exists: removal and code rotation reach people through the client library and the
//! CLI. A removed participant's client must stop for good with a typed state and notice (it must not
//! hammer the endpoint with a revoked token), and `breakout-cli kick` / `rotate-codes` must work and
//! fail like every other subcommand (JSON out, exit codes, clear errors).

mod support;

use breakout_client::{Api, ClientError, ConnectionState, Endpoint, Notice};
use breakout_core::protocol::{ErrorCode, REMOVED_REASON};
use breakout_core::Command;
use serde_json::Value;
use support::{connect, session, within, InProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_client_stops_for_good_and_says_why() {
    let server = InProcess::start().await;
    let s = session(&server.url, 2).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let removed = connect(&server.url, &s.participants[0]).await;
    let mut notices = removed.notices();
    let mut connection = removed.connection();

    moderator
        .send(Command::RemoveParticipant {
            participant: removed.me(),
        })
        .await
        .unwrap();
    let state = within("the removed state", async {
        loop {
            let now = connection.borrow_and_update().clone();
            if !matches!(now, ConnectionState::Online) {
                return now;
            }
            connection.changed().await.unwrap();
        }
    })
    .await;
    assert_eq!(
        state,
        ConnectionState::Removed {
            reason: REMOVED_REASON.into()
        }
    );
    let notice = within("the removal notice", async {
        loop {
            if let Notice::Removed { reason } = notices.recv().await.unwrap() {
                return reason;
            }
        }
    })
    .await;
    assert_eq!(notice, REMOVED_REASON);
    let refused = removed
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap_err();
    assert!(matches!(refused, ClientError::Closed(_)), "{refused:?}");

    // The token is revoked: a fresh connection is refused at the handshake.
    let endpoint = Endpoint::parse(&server.url).unwrap();
    match Api::new(endpoint).documents(&s.participants[0]).await {
        Err(ClientError::Api { status: 401, .. }) => {}
        other => panic!("a revoked token must get 401, got {other:?}"),
    }
    // The client stays stopped (it does not reconnect): still Removed after the endpoint answered
    // a later command.
    moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap();
    assert!(matches!(
        *removed.connection().borrow(),
        ConnectionState::Removed { .. }
    ));
}

/// Run the built CLI with the endpoint, session and token in the environment.
async fn cli(url: &str, session: &str, token: &str, args: &[&str]) -> (i32, String, String) {
    let out = within(
        &format!("breakout-cli {args:?}"),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_breakout-cli"))
            .args(args)
            .env("BREAKOUT_ENDPOINT", url)
            .env("BREAKOUT_SESSION", session)
            .env("BREAKOUT_TOKEN", token)
            .output(),
    )
    .await
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_and_rotate_codes_from_the_command_line() {
    let server = InProcess::start().await;
    let s = session(&server.url, 2).await;
    let id = s.id().0.clone();
    let mo = s.moderator.token.clone();
    let p0 = s.participants[0].token.clone();
    let p1 = s.participants[1].token.clone();

    // Refusals: a participant may not kick (3: refused by the session) nor rotate (1: an HTTP
    // error), and an unknown name is a clear error.
    let (code, _, err) = cli(&server.url, &id, &p1, &["kick", "P0"]).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("moderators"), "{err}");
    let (code, _, err) = cli(&server.url, &id, &p1, &["rotate-codes"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("403"), "{err}");
    let (code, _, err) = cli(&server.url, &id, &mo, &["kick", "Nobody"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("nobody called \"Nobody\""), "{err}");

    let (code, out, err) = cli(&server.url, &id, &mo, &["kick", "P0"]).await;
    assert_eq!(code, 0, "{err}");
    let kicked: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(kicked["ok"], true);
    let (code, _, err) = cli(&server.url, &id, &p0, &["status"]).await;
    assert_eq!(code, 1, "the kicked person's token is refused");
    assert!(err.contains("401"), "{err}");

    let (code, out, err) = cli(&server.url, &id, &mo, &["rotate-codes"]).await;
    assert_eq!(code, 0, "{err}");
    let codes: Value = serde_json::from_str(out.trim()).unwrap();
    let new_code = codes["participant_code"].as_str().unwrap();
    assert!(codes["co_moderator_code"].is_string());
    let api = Api::new(Endpoint::parse(&server.url).unwrap());
    match api.join(s.id(), &s.created.participant_code, "Late").await {
        Err(ClientError::Api {
            status: 403,
            code: ErrorCode::Forbidden,
            message,
        }) => assert!(message.contains("new invite link"), "{message}"),
        other => panic!("the old code must be refused, got {other:?}"),
    }
    api.join(s.id(), new_code, "Late").await.unwrap();
}
