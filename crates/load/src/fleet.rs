//! Many real participants: each joins over HTTP and holds its own WebSocket, recording when every
//! event version arrives. No replicas are kept (10,000 of them would measure the load generator,
//! not the endpoint).

use breakout_client::connection::{self, Incoming};
use breakout_client::{Api, Credentials, Endpoint};
use breakout_core::protocol::ServerMessage;
use breakout_core::SessionId;
use futures_util::{stream, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// One event version reaching one client.
pub struct Arrival {
    pub version: u64,
    pub at: Instant,
}

/// The connected participants.
pub struct Fleet {
    /// Every arrival, from every client.
    pub arrivals: mpsc::UnboundedReceiver<Arrival>,
    /// Highest version seen by any client.
    pub newest: Arc<AtomicU64>,
    /// How long joining took (HTTP).
    pub join_time: Duration,
    /// How long connecting took (WebSocket handshake and welcome).
    pub connect_time: Duration,
}

/// Join `count` participants with `code` and connect them all, `parallel` at a time.
pub async fn start(
    endpoint: &Endpoint,
    session: &SessionId,
    code: &str,
    count: usize,
    parallel: usize,
) -> anyhow::Result<Fleet> {
    let api = Api::new(endpoint.clone());
    let started = Instant::now();
    let joins = stream::iter(0..count)
        .map(|i| {
            let api = api.clone();
            async move { api.join(session, code, &format!("load-{i}")).await }
        })
        .buffer_unordered(parallel)
        .collect::<Vec<_>>()
        .await;
    let tokens = joins.into_iter().collect::<Result<Vec<_>, _>>()?;
    let join_time = started.elapsed();

    let (tx, arrivals) = mpsc::unbounded_channel();
    let newest = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let links = stream::iter(tokens)
        .map(|joined| {
            let who = Credentials {
                session: session.clone(),
                token: joined.token,
            };
            async move {
                let (sender, mut receiver) = connection::open(endpoint, &who, None).await?;
                match receiver.next().await? {
                    Incoming::Message(m, _) if matches!(*m, ServerMessage::Welcome { .. }) => {}
                    other => anyhow::bail!("expected a welcome, got {other:?}"),
                }
                Ok((sender, receiver))
            }
        })
        .buffer_unordered(parallel)
        .collect::<Vec<_>>()
        .await;
    let connect_time = started.elapsed();
    for link in links {
        let (sender, mut receiver) = link?;
        let tx = tx.clone();
        let newest = newest.clone();
        tokio::spawn(async move {
            let _keep_open = sender;
            loop {
                match receiver.next().await {
                    Ok(Incoming::Message(message, _)) => {
                        if let ServerMessage::Event(update) = *message {
                            newest.fetch_max(update.version, Ordering::Relaxed);
                            let _ = tx.send(Arrival {
                                version: update.version,
                                at: Instant::now(),
                            });
                        }
                    }
                    Ok(Incoming::Alive) => {}
                    Ok(Incoming::Closed(_)) | Err(_) => break,
                }
            }
        });
    }
    Ok(Fleet {
        arrivals,
        newest,
        join_time,
        connect_time,
    })
}
