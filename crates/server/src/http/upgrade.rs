//! The WebSocket handshake, done here rather than by axum's `WebSocketUpgrade` so the connection is
//! a plain tokio-tungstenite stream: that lets the socket task write large messages as a series of
//! small frames, so no connection keeps a buffer the size of the largest message it ever sent.

use crate::error::HttpError;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

/// A server-side WebSocket on an upgraded HTTP/1.1 connection.
pub(crate) type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// A validated upgrade request, ready to be accepted.
pub(crate) struct Upgrade {
    accept_key: String,
    on_upgrade: hyper::upgrade::OnUpgrade,
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        let refuse =
            |why: &str| HttpError::Malformed(format!("a WebSocket upgrade is required: {why}"));
        if parts.method != Method::GET {
            return Err(refuse("use GET"));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(refuse("the Connection header must contain \"upgrade\""));
        }
        if !has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(refuse("the Upgrade header must be \"websocket\""));
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13"))
        {
            return Err(refuse("Sec-WebSocket-Version must be 13"));
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or_else(|| refuse("Sec-WebSocket-Key is missing"))?;
        let on_upgrade = parts
            .extensions
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or_else(|| refuse("this connection cannot be upgraded"))?;
        Ok(Upgrade {
            accept_key: derive_accept_key(key.as_bytes()),
            on_upgrade,
        })
    }
}

impl Upgrade {
    /// Answer 101 and run `serve` on the socket once the client has switched protocols.
    pub(crate) fn accept<F, Fut>(self, config: WebSocketConfig, serve: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Upgrade {
            accept_key,
            on_upgrade,
        } = self;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let io = TokioIo::new(upgraded);
                    serve(WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await)
                        .await
                }
                Err(e) => tracing::debug!("websocket upgrade failed: {e}"),
            }
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(header::SEC_WEBSOCKET_ACCEPT, accept_key)
            .body(Body::empty())
            .expect("a static 101 response is valid")
    }
}

/// Does the comma-separated header contain `token` (case-insensitively)?
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}
