//! One WebSocket connection: authenticates the upgrade, then pumps messages both ways — client
//! commands to the session owner, the owner's queued messages (events, acks) to the client, written
//! in batches. Limits are explicit: small buffers, a message size cap, a command rate.

use super::client_ip::ClientIp;
use super::liveness::{Liveness, MISSED_PONGS};
use super::upgrade::{Socket, Upgrade};
use crate::auth::bearer_token;
use crate::context::Context;
use crate::error::HttpError;
use crate::metrics::Metrics;
use crate::owner::{ConnId, Outbox, Request, ResumePoint, SessionHandle};
use crate::rate_limit::TokenBucket;
use crate::registry::Registry;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use breakout_core::protocol::{
    ClientMessage, CommandId, ErrorCode, ServerMessage, CLOSE_REMOVED, REMOVED_REASON,
};
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Bytes, Message, Utf8Bytes};

/// Messages written before one flush.
const WRITE_BATCH: usize = 64;
/// Messages longer than this go out as several frames of this size, so the socket's write buffer
/// never grows to the size of a whole snapshot.
const FRAGMENT: usize = 2 * 1024;
/// How long, and for how many bytes, a closed connection's leftover input is drained.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;
/// Longest accepted command id.
const MAX_COMMAND_ID: usize = 64;

/// `?epoch=&version=`: where a reconnecting client's replica stands (read leniently, then checked,
/// so a bad value gets our JSON error instead of a plain-text rejection).
#[derive(Deserialize)]
pub(crate) struct ResumeQuery {
    epoch: Option<String>,
    version: Option<String>,
}

impl ResumeQuery {
    fn resume_point(&self) -> Result<Option<ResumePoint>, HttpError> {
        let number = |name: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        HttpError::Malformed(format!("{name} must be a non-negative integer"))
                    })
                })
                .transpose()
        };
        match (
            number("epoch", &self.epoch)?,
            number("version", &self.version)?,
        ) {
            (Some(epoch), Some(version)) => Ok(Some(ResumePoint { epoch, version })),
            (None, None) => Ok(None),
            _ => Err(HttpError::Malformed(
                "resume needs both epoch and version".into(),
            )),
        }
    }
}

/// `GET /v1/sessions/{id}/ws` with `Authorization: Bearer <token>`.
pub(crate) async fn upgrade(
    State(registry): State<Arc<Registry>>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Query(query): Query<ResumeQuery>,
    headers: HeaderMap,
    ws: Result<Upgrade, HttpError>,
) -> Result<Response, HttpError> {
    let ws = ws?;
    let resume = query.resume_point()?;
    let session = registry.get(&id).await?;
    let token = bearer_token(&headers).ok_or(HttpError::Unauthorized)?;
    let me = session.authenticate(token).await?;
    let ctx = registry.context().clone();
    let permit = ctx.limits.socket(crate::auth::hash_secret(token), ip)?;
    let config = &ctx.config;
    let limits = WebSocketConfig::default()
        .read_buffer_size(config.read_buffer_bytes)
        .write_buffer_size(config.write_buffer_bytes)
        .max_write_buffer_size(config.max_write_buffer_bytes)
        .max_message_size(Some(config.max_message_bytes))
        .max_frame_size(Some(config.max_message_bytes));
    Ok(ws.accept(limits, move |socket| async move {
        ctx.metrics.client_connected();
        serve(socket, session, me.id, resume, &ctx).await;
        ctx.metrics.client_disconnected();
        drop(permit);
    }))
}

/// Every connection's task is as large as its largest state, idle or not: the rare, large steps
/// (connecting, commands, resyncs, the goodbye) are boxed so an idle connection stays small.
async fn serve(
    socket: Socket,
    session: SessionHandle,
    participant: breakout_core::ParticipantId,
    resume: Option<ResumePoint>,
    ctx: &Arc<Context>,
) {
    let (mut sink, mut stream) = socket.split();
    let connected = Box::pin(session.ask(|reply| Request::Connect {
        participant,
        resume,
        reply,
    }))
    .await;
    let (conn, mut outbox) = match connected {
        Ok(ok) => ok,
        Err(e) => {
            let _ = sink.send(close(CloseCode::Policy, &e.to_string())).await;
            return;
        }
    };
    let mut limiter = TokenBucket::new(
        ctx.config.commands_per_second,
        ctx.config.command_burst,
        Instant::now(),
    );
    let interval = ctx.config.ping_interval;
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut liveness = Liveness::new();
    let goodbye = loop {
        tokio::select! {
            biased;
            _ = ctx.shutdown.cancelled() => break Some(close(CloseCode::Away, "the server is shutting down")),
            queued = outbox.recv() => match queued {
                Some(first) => {
                    // A client that reads nothing for as long as it may stay silent is gone too.
                    // Almost every batch fits the socket at once: only one that must wait arms
                    // a timer (not one timer per event and connection: 20,000 a second at 1,000).
                    let mut written = std::pin::pin!(write_batch(&mut sink, first, &mut outbox));
                    let ok = match (&mut written).now_or_never() {
                        Some(done) => done.is_ok(),
                        None => matches!(
                            tokio::time::timeout(interval * MISSED_PONGS, written).await,
                            Ok(Ok(()))
                        ),
                    };
                    if !ok {
                        break None;
                    }
                }
                None => match Box::pin(resync(&session, conn)).await {
                    Ok(fresh) => outbox = fresh,
                    Err(HttpError::Removed) => {
                        break Some(close(CloseCode::from(CLOSE_REMOVED), REMOVED_REASON))
                    }
                    Err(HttpError::Unauthorized) => {
                        break Some(close(CloseCode::Policy, "you are no longer in this session"))
                    }
                    Err(_) if ctx.shutdown.is_cancelled() => {
                        break Some(close(CloseCode::Away, "the server is shutting down"))
                    }
                    Err(_) => break Some(close(CloseCode::Away, "the session is unavailable; reconnect")),
                },
            },
            incoming = stream.next().inspect(|m| liveness.hear(m)) => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let reply = if limiter.try_take(Instant::now()) {
                        Box::pin(receive(&session, conn, &text, &ctx.metrics)).await
                    } else {
                        ctx.metrics.rejected("rate_limited");
                        Some(error(command_id(&text), ErrorCode::RateLimited, "too many messages; slow down"))
                    };
                    if let Some(reply) = reply {
                        if sink.send(Message::Text(reply)).await.is_err() {
                            break None;
                        }
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    ctx.metrics.rejected("malformed");
                    let reply = error(None, ErrorCode::Malformed, "messages must be JSON text frames");
                    if sink.send(Message::Text(reply)).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | None => break None,
                Some(Err(e)) => {
                    if !is_too_large(e) {
                        break None;
                    }
                    ctx.metrics.rejected("too_large");
                    let limit = ctx.config.max_message_bytes;
                    let message = format!("messages are limited to {limit} bytes");
                    let _ = sink.send(Message::Text(error(None, ErrorCode::TooLarge, &message))).await;
                    break Some(close(CloseCode::Size, "message too large"));
                }
            },
            _ = pings.tick() => {
                if !liveness.still_alive() {
                    // It reads nothing: say why (bounded) and hang up without waiting for an answer.
                    let goodbye = sink.send(close(CloseCode::Away, "no answer to pings; reconnect"));
                    let _ = tokio::time::timeout(LINGER, goodbye).await;
                    break None;
                }
                if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(frame) = goodbye {
        // Bounded: a client that stopped reading may never take the frame.
        if matches!(
            tokio::time::timeout(LINGER, sink.send(frame)).await,
            Ok(Ok(()))
        ) {
            if let Ok(socket) = sink.reunite(stream) {
                Box::pin(linger(socket)).await;
            }
        }
    }
    Box::pin(session.tell(Request::Disconnect { conn })).await;
}

/// After the server closed a connection: stop writing and discard what the client still sends
/// (the rest of an over-long message, its close frame) until it hangs up, for a bounded time and
/// size. Closing a TCP socket with unread bytes makes the kernel reset the connection, and the
/// client would then lose our error and close frame.
async fn linger(mut socket: Socket) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let io = socket.get_mut();
    if io.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut buf = [0u8; 1024];
        let mut left = LINGER_BYTES;
        while left > 0 {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Write `first` and whatever else is already queued, then flush once.
async fn write_batch<S>(
    sink: &mut S,
    first: Utf8Bytes,
    outbox: &mut Outbox,
) -> Result<(), tungstenite::Error>
where
    S: futures_util::Sink<Message, Error = tungstenite::Error> + Unpin,
{
    write_message(sink, first).await?;
    for _ in 1..WRITE_BATCH {
        match outbox.try_recv() {
            Ok(next) => write_message(sink, next).await?,
            Err(_) => break,
        }
    }
    sink.flush().await
}

/// Queue one text message, split into frames of at most [`FRAGMENT`] bytes when it is long
/// (receivers reassemble them; fragments need not be valid UTF-8 on their own).
async fn write_message<S>(sink: &mut S, text: Utf8Bytes) -> Result<(), tungstenite::Error>
where
    S: futures_util::Sink<Message, Error = tungstenite::Error> + Unpin,
{
    if text.len() <= FRAGMENT {
        return sink.feed(Message::Text(text)).await;
    }
    let bytes = Bytes::from(text);
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + FRAGMENT).min(bytes.len());
        let opcode = OpCode::Data(if start == 0 {
            Data::Text
        } else {
            Data::Continue
        });
        let frame = Frame::message(bytes.slice(start..end), opcode, end == bytes.len());
        sink.feed(Message::Frame(frame)).await?;
        start = end;
    }
    Ok(())
}

async fn resync(session: &SessionHandle, conn: ConnId) -> Result<Outbox, HttpError> {
    session.ask(|reply| Request::Resync { conn, reply }).await
}

/// Handle one text message; returns an immediate reply for messages the owner never sees.
async fn receive(
    session: &SessionHandle,
    conn: ConnId,
    text: &str,
    metrics: &Metrics,
) -> Option<Utf8Bytes> {
    match parse(text) {
        Ok(ClientMessage::Command { id, command }) => {
            session.tell(Request::Command { conn, id, command }).await;
            None
        }
        Ok(ClientMessage::Resume { epoch, version }) => {
            let at = ResumePoint { epoch, version };
            session.tell(Request::Resume { conn, at }).await;
            None
        }
        Err((id, code, message)) => {
            let name = serde_json::to_value(code).ok();
            metrics.rejected(name.as_ref().and_then(Value::as_str).unwrap_or_default());
            Some(error(id, code, &message))
        }
    }
}

type ParseError = (Option<CommandId>, ErrorCode, String);

/// Read a client message, telling apart malformed JSON, an unknown message type and an unknown
/// command.
pub(crate) fn parse(text: &str) -> Result<ClientMessage, ParseError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| (None, ErrorCode::Malformed, format!("not valid JSON: {e}")))?;
    let id = command_id_of(&value);
    let malformed = |message: String| (id.clone(), ErrorCode::Malformed, message);
    match value.get("type").and_then(Value::as_str) {
        None => Err(malformed("a message needs a string \"type\"".into())),
        Some("command") => {
            let Some(id) = id.clone() else {
                return Err(malformed(format!(
                    "a command needs an \"id\" string of 1 to {MAX_COMMAND_ID} characters"
                )));
            };
            let command = value
                .get("command")
                .ok_or_else(|| malformed("a command needs a \"command\" object".into()))?;
            let command = serde_json::from_value(command.clone()).map_err(|e| {
                if is_unknown_command(command) {
                    let name = command
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    (
                        Some(id.clone()),
                        ErrorCode::UnknownCommand,
                        format!("unknown command {name:?}"),
                    )
                } else {
                    malformed(format!("invalid command: {e}"))
                }
            })?;
            Ok(ClientMessage::Command { id, command })
        }
        Some("resume") => serde_json::from_value(value.clone())
            .map_err(|e| malformed(format!("invalid resume: {e}"))),
        Some(other) => Err((
            id.clone(),
            ErrorCode::UnknownMessageType,
            format!("unknown message type {other:?}; expected \"command\" or \"resume\""),
        )),
    }
}

/// Is the command's `type` itself unknown (rather than some value inside a known command)?
fn is_unknown_command(command: &Value) -> bool {
    let Some(name) = command.get("type").and_then(Value::as_str) else {
        return false;
    };
    // A known command with only its type fails on a missing field, never on an unknown variant.
    let bare = serde_json::json!({ "type": name });
    serde_json::from_value::<breakout_core::Command>(bare)
        .is_err_and(|e| e.to_string().starts_with("unknown variant"))
}

fn command_id_of(value: &Value) -> Option<CommandId> {
    let id = value.get("id")?.as_str()?;
    (!id.is_empty() && id.len() <= MAX_COMMAND_ID).then(|| CommandId(id.to_owned()))
}

fn command_id(text: &str) -> Option<CommandId> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| command_id_of(&v))
}

fn error(id: Option<CommandId>, code: ErrorCode, message: &str) -> Utf8Bytes {
    crate::owner::encode(&ServerMessage::Error {
        id,
        code,
        message: message.to_owned(),
    })
}

/// Is this read error an over-long message? Then the client is told before the socket closes.
fn is_too_large(e: tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Capacity(_))
}

fn close(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
