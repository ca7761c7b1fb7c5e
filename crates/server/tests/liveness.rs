//! WebSocket liveness: the server pings every `ping_interval`; a client that stops answering (here:
//! a stalled client that no longer reads its socket, so it never answers a ping) is disconnected
//! after two missed pongs and shown offline to the moderator, while a client that keeps reading
//! (tungstenite answers pings as it reads) stays connected.

mod support;

use std::time::Duration;
use support::{within, TestServer, WsClient};
use tokio::io::AsyncReadExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_pings_is_dropped_and_shown_offline() {
    let server = TestServer::start_with(|c| {
        c.ping_interval = Duration::from_millis(300);
        c.presence_grace = Duration::from_millis(100);
    })
    .await;
    let (s, mut moderator) = server.session_with_moderator("Liveness").await;
    let id = &s.session_id.0;
    let pat = server.api.join(id, &s.participant_code, "Pat").await;
    // Pat connects, then its socket is never read again: no pong goes back.
    let mut stalled = WsClient::options(&server.base, id, &pat.token)
        .handshake()
        .await
        .expect("a WebSocket handshake");
    moderator.wait_presence(pat.participant_id, true).await;

    // The moderator reads (and so answers every ping) while waiting several ping intervals.
    moderator.wait_presence(pat.participant_id, false).await;
    moderator.sync().await;

    // What the stalled client had not read, as raw bytes (reading it as WebSocket would try to
    // answer the pings on a closed connection): the welcome, pings, then the server's close frame.
    let mut bytes = Vec::new();
    let _ = within(
        "the end of the stalled connection",
        stalled.get_mut().read_to_end(&mut bytes),
    )
    .await;
    let ping = [0x89, 0x00];
    assert!(
        bytes.windows(2).any(|w| w == ping),
        "no ping frame was sent"
    );
    let reason = b"no answer to pings; reconnect";
    let mut close = vec![0x88, 2 + reason.len() as u8, 0x03, 0xE9]; // 1001, going away
    close.extend_from_slice(reason);
    assert!(
        bytes.ends_with(&close),
        "no close frame at the end: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    // The moderator, who kept answering, is still connected after many intervals.
    moderator.sync().await;
}
