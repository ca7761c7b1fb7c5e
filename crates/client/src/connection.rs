//! One WebSocket connection to a session, speaking the protocol's typed messages. The `Client` builds
//! reconnection and a replica on top; the load tool uses it bare (no replica per connection).

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::ClientError;
use breakout_core::protocol::{ApiError, ClientMessage, ServerMessage};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Largest message accepted from the endpoint (a snapshot of a very large session fits easily).
const MAX_INCOMING: usize = 64 * 1024 * 1024;

/// The sending half of a connection.
pub struct Sender(SplitSink<Socket, Message>);

/// The receiving half of a connection.
pub struct Receiver(SplitStream<Socket>);

/// Open a WebSocket to the session, resuming from `(epoch, version)` if given. Refusals the endpoint
/// states at the handshake (bad token, unknown session) come back as `ClientError::Api`.
pub async fn open(
    endpoint: &Endpoint,
    who: &Credentials,
    resume: Option<(u64, u64)>,
) -> Result<(Sender, Receiver), ClientError> {
    let mut request = endpoint
        .websocket(&who.session, resume)
        .as_str()
        .into_client_request()?;
    let bearer = format!("Bearer {}", who.token)
        .parse()
        .map_err(|_| ClientError::Protocol("the token is not a valid header value".into()))?;
    request.headers_mut().insert("authorization", bearer);
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(MAX_INCOMING))
        .max_frame_size(Some(MAX_INCOMING));
    let tls = tokio_tungstenite::Connector::Rustls(endpoint.tls_config());
    let (socket, _) =
        tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, Some(tls))
            .await
            .map_err(refusal)?;
    let (sink, stream) = socket.split();
    Ok((Sender(sink), Receiver(stream)))
}

/// Turn a handshake refusal into the endpoint's typed error when it sent one.
fn refusal(e: tungstenite::Error) -> ClientError {
    match e {
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body = response.body().as_deref().unwrap_or_default();
            match serde_json::from_slice::<ApiError>(body) {
                Ok(ApiError { code, message }) => ClientError::Api {
                    status,
                    code,
                    message,
                },
                Err(_) => ClientError::Network(format!("handshake refused with HTTP {status}")),
            }
        }
        other => other.into(),
    }
}

impl Sender {
    /// Send one message.
    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), ClientError> {
        let text = serde_json::to_string(message).expect("protocol types always serialize");
        self.0.send(Message::text(text)).await?;
        Ok(())
    }

    /// Ask the endpoint for a sign of life (it answers with a pong).
    pub async fn ping(&mut self) -> Result<(), ClientError> {
        self.0.send(Message::Ping(Default::default())).await?;
        Ok(())
    }

    /// Close the connection politely.
    pub async fn close(mut self) {
        let _ = self.0.send(Message::Close(None)).await;
        let _ = self.0.close().await;
    }
}

/// What arrives on a connection.
#[derive(Debug)]
pub enum Incoming {
    /// A server message and the raw text it came as.
    Message(Box<ServerMessage>, String),
    /// A ping or pong: the link is alive.
    Alive,
    /// The endpoint closed the connection, with its reason if it gave one.
    Closed(Option<(u16, String)>),
}

impl Receiver {
    /// The next server message, or a sign of life (pings are answered underneath).
    pub async fn next(&mut self) -> Result<Incoming, ClientError> {
        loop {
            match self.0.next().await {
                None => return Ok(Incoming::Closed(None)),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Text(text))) => {
                    let message = serde_json::from_str(&text)
                        .map_err(|e| ClientError::Protocol(format!("{e}: {text}")))?;
                    return Ok(Incoming::Message(Box::new(message), text.to_string()));
                }
                Some(Ok(Message::Close(frame))) => {
                    let reason = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return Ok(Incoming::Closed(reason));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(Incoming::Alive),
                Some(Ok(_)) => continue,
            }
        }
    }
}
