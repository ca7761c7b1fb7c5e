//! Turning one event into the bytes each connection receives: serialized once per projection key
//! (all staff share one message, participants share one per place), then queued without waiting.

use super::handle::ConnId;
use breakout_core::protocol::ServerMessage;
use breakout_core::view::{Projection, ProjectionKey, RoomView};
use breakout_core::{Location, ParticipantId, Session};
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
    to_json(message).into()
}

/// Append to `outbox` the message each subscriber gets for the event behind `projection`.
///
/// Messages are shared by content, not only by projection key: an auto-assign of 10,000 people
/// gives thousands of keys (every from → to pair), yet they differ only in whether the event is
/// included and which room view is attached, if any.
pub(crate) fn render(
    projection: &Projection<'_>,
    after: &Session,
    subscribers: &HashMap<ConnId, Subscriber>,
    outbox: &mut Vec<(ConnId, Utf8Bytes)>,
) {
    let mut by_key: HashMap<ProjectionKey, Utf8Bytes> = HashMap::new();
    let mut by_content: HashMap<(bool, Option<Location>), Utf8Bytes> = HashMap::new();
    let mut event_json: Option<String> = None;
    for (conn, sub) in subscribers {
        if sub.queue.is_none() {
            continue;
        }
        let Some(key) = projection.key(after, sub.participant) else {
            continue;
        };
        let bytes = by_key.entry(key).or_insert_with(|| {
            let room_view = projection.room_view(after, key);
            let shown_place = match key {
                ProjectionKey::Participant { at, .. } if room_view.is_some() => Some(at),
                _ => None,
            };
            let content = (key.sees_event(), shown_place);
            let message = by_content.entry(content).or_insert_with(|| {
                let event = key.sees_event().then(|| {
                    event_json
                        .get_or_insert_with(|| to_json(projection.event()))
                        .as_str()
                });
                event_message(after.version, event, room_view.as_ref())
            });
            debug_assert_eq!(
                *message,
                encode(&ServerMessage::Event(projection.update(after, key))),
                "a shared event message must be what serde makes of this key's update"
            );
            message.clone()
        });
        outbox.push((*conn, bytes.clone()));
    }
}

/// `ServerMessage::Event` put together from the event serialized once (it is the same for every
/// viewer who sees it). The field order is serde's for the internally tagged enum; debug builds
/// compare every message with serde's own.
fn event_message(version: u64, event: Option<&str>, room_view: Option<&RoomView>) -> Utf8Bytes {
    let room_view = room_view.map(to_json);
    format!(
        r#"{{"type":"event","version":{version},"event":{},"room_view":{}}}"#,
        event.unwrap_or("null"),
        room_view.as_deref().unwrap_or("null"),
    )
    .into()
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("protocol types always serialize")
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
