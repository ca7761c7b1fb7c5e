//! Turning one event into the bytes each connection receives: serialized once per projection key
//! (all staff share one message, participants share one per place), then queued without waiting.

use super::handle::ConnId;
use breakout_core::protocol::ServerMessage;
use breakout_core::view::{Projection, ProjectionKey};
use breakout_core::{ParticipantId, Session};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One connection's subscription. `queue` is None after the connection fell behind (or its
/// participant left): it then gets nothing until it resyncs.
pub(crate) struct Subscriber {
    pub(crate) participant: ParticipantId,
    pub(crate) queue: Option<mpsc::Sender<Utf8Bytes>>,
}

/// Serialize a server message.
pub(crate) fn encode(message: &ServerMessage) -> Utf8Bytes {
    serde_json::to_string(message)
        .expect("protocol types always serialize")
        .into()
}

/// Append to `outbox` the message each subscriber gets for the event behind `projection`.
pub(crate) fn render(
    projection: &Projection<'_>,
    after: &Session,
    subscribers: &HashMap<ConnId, Subscriber>,
    outbox: &mut Vec<(ConnId, Utf8Bytes)>,
) {
    let mut by_key: HashMap<ProjectionKey, Utf8Bytes> = HashMap::new();
    for (conn, sub) in subscribers {
        if sub.queue.is_none() {
            continue;
        }
        let Some(key) = projection.key(after, sub.participant) else {
            continue;
        };
        let bytes = by_key
            .entry(key)
            .or_insert_with(|| encode(&ServerMessage::Event(projection.update(after, key))));
        outbox.push((*conn, bytes.clone()));
    }
}

/// Queue `bytes` for `conn` without waiting. A full queue means the client is too slow: its queue is
/// dropped (bounding memory) and it will resync from a snapshot.
pub(crate) fn send(subscribers: &mut HashMap<ConnId, Subscriber>, conn: ConnId, bytes: Utf8Bytes) {
    let Some(sub) = subscribers.get_mut(&conn) else {
        return;
    };
    let Some(queue) = &sub.queue else {
        return;
    };
    if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(bytes) {
        tracing::info!(
            conn,
            "connection fell behind; it will resync from a snapshot"
        );
        sub.queue = None;
    }
}
