//! The endpoint's own accept loop, instead of `axum::serve`, because hosting on the internet needs
//! what that one does not offer: TLS (rustls) with a bounded handshake, a header-read timeout (a
//! connection that trickles its request headers is closed), TCP keepalive so vanished peers are
//! noticed, and accept errors (e.g. out of file descriptors) that pause instead of ending the loop.
//!
//! Each accepted socket gets TCP_NODELAY and keepalive, then optionally a TLS handshake, then
//! hyper's HTTP/1.1 server with upgrades (the WebSocket handshake in `upgrade.rs` relies on them).
//! Every request carries the peer address as `ConnectInfo<SocketAddr>`. On shutdown the loop stops
//! accepting, idle connections close, requests in flight finish, and [`serve`] returns once every
//! connection is done (upgraded WebSockets are tasks of their own and close on the same signal).

use crate::config::Config;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

/// Pause after an accept error that is not about one connection (e.g. EMFILE), so the loop does
/// not spin while the process is out of descriptors.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(250);
/// Time between TCP keepalive probes once they started.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `stop` is cancelled, then wait for open connections to finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    stop: CancellationToken,
) {
    let transport = Transport {
        tls: config.tls.clone().map(TlsAcceptor::from),
        handshake_timeout: config.tls_handshake_timeout,
        header_read_timeout: config.header_read_timeout,
        stop: stop.clone(),
    };
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(config.tcp_keepalive)
        .with_interval(KEEPALIVE_INTERVAL);
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::error!("accepting a connection failed: {e}");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        tune(&tcp, &keepalive);
        let transport = transport.clone();
        let app = app.clone();
        connections.spawn(async move { transport.connection(tcp, peer, app).await });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// Errors that concern only the connection being accepted; the next accept is unaffected.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

/// Socket options of every accepted connection.
fn tune(tcp: &TcpStream, keepalive: &socket2::TcpKeepalive) {
    // Events are small frames that must leave at once: without TCP_NODELAY a frame written while the
    // previous one is unacknowledged waits for the peer's delayed ACK (up to 40 ms on Linux).
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!("cannot set TCP_NODELAY: {e}");
    }
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_keepalive(keepalive) {
        tracing::debug!("cannot set TCP keepalive: {e}");
    }
}

/// What each connection task needs to know.
#[derive(Clone)]
struct Transport {
    tls: Option<TlsAcceptor>,
    handshake_timeout: Duration,
    header_read_timeout: Duration,
    stop: CancellationToken,
}

impl Transport {
    async fn connection(self, tcp: TcpStream, peer: SocketAddr, app: Router) {
        let Some(acceptor) = self.tls.clone() else {
            return self.http(tcp, peer, app).await;
        };
        let handshake = tokio::time::timeout(self.handshake_timeout, acceptor.accept(tcp));
        let tls = tokio::select! {
            _ = self.stop.cancelled() => return,
            done = handshake => match done {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return tracing::debug!(%peer, "TLS handshake failed: {e}"),
                Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
            },
        };
        self.http(tls, peer, app).await
    }

    /// HTTP/1.1 on `io` until the client or the server closes it, or it is upgraded.
    async fn http<IO>(&self, io: IO, peer: SocketAddr, app: Router)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            // A Router is always ready (its `poll_ready` returns `Ready` at once).
            app.clone().call(request)
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let mut conn = pin!(builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades());
        let result = tokio::select! {
            result = conn.as_mut() => result,
            _ = self.stop.cancelled() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(%peer, "connection ended: {e}");
        }
    }
}
