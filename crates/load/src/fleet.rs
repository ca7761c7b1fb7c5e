//! Many real participants: each joins over HTTP and holds its own WebSocket, recording when every
//! event version arrives and the last (epoch, version) it saw. On a signal every client closes its
//! socket and comes back like a real client: after the same backoff as `breakout_client::Client`,
//! resuming from what it saw last. No replicas are kept (10,000 of them would measure the load
//! generator, not the endpoint).

use breakout_client::connection::{self, Incoming, Receiver, Sender};
use breakout_client::{Api, ClientOptions, Credentials, Endpoint};
use breakout_core::protocol::ServerMessage;
use breakout_core::SessionId;
use futures_util::{stream, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// A client that cannot get back within this long after its drop gives up and reports why.
const REJOIN_LIMIT: Duration = Duration::from_secs(90);
/// The version a stopped client counts as having seen: it holds up no one waiting for the rest.
const GONE: u64 = u64::MAX;

/// One event version reaching one client.
pub struct Arrival {
    pub version: u64,
    pub at: Instant,
}

/// How one client came back after [`Fleet::drop_all`].
pub struct Rejoin {
    /// When its welcome arrived.
    pub at: Instant,
    /// The welcome's size in bytes when it carried a snapshot; None when it resumed by replay.
    pub snapshot_bytes: Option<usize>,
    /// Connection attempts it took (1: the first one succeeded).
    pub attempts: u32,
}

/// The connected participants.
pub struct Fleet {
    /// Every arrival, from every client.
    pub arrivals: mpsc::UnboundedReceiver<Arrival>,
    /// One report per client and drop: back, or why not.
    pub rejoins: mpsc::UnboundedReceiver<anyhow::Result<Rejoin>>,
    /// Reports sent to `rejoins` so far, readable without draining it (under load its reader
    /// may run late; the reports carry their own times).
    pub reported: Arc<AtomicU64>,
    /// Highest version seen by any client.
    pub newest: Arc<AtomicU64>,
    /// Snapshot welcomes that arrived on a live connection (the endpoint resynced a slow client).
    pub resyncs: Arc<AtomicU64>,
    /// How long joining took (HTTP).
    pub join_time: Duration,
    /// How long connecting took (WebSocket handshake and welcome).
    pub connect_time: Duration,
    /// The largest first welcome in bytes (each carries a snapshot of the session).
    pub first_welcome_bytes: usize,
    /// The version each client has seen last, by client; [`GONE`] once it stopped.
    seen: Arc<[AtomicU64]>,
    drops: watch::Sender<u64>,
}

impl Fleet {
    /// Close every client's socket at once; each reconnects and reports a [`Rejoin`].
    pub fn drop_all(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// The lowest version any client still connected has seen.
    pub fn oldest_seen(&self) -> u64 {
        self.seen
            .iter()
            .map(|v| v.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    }

    /// How many clients stopped: the endpoint closed their connection, or they could not get back.
    pub fn gone(&self) -> usize {
        self.seen
            .iter()
            .filter(|v| v.load(Ordering::Relaxed) == GONE)
            .count()
    }
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

    let started = Instant::now();
    let links = stream::iter(tokens)
        .map(|joined| async move {
            let who = Credentials {
                session: session.clone(),
                token: joined.token,
            };
            let (link, welcome) = connect(endpoint, &who, None).await?;
            anyhow::Ok((who, link, welcome))
        })
        .buffer_unordered(parallel)
        .collect::<Vec<_>>()
        .await;
    let connect_time = started.elapsed();

    let (arrivals_tx, arrivals) = mpsc::unbounded_channel();
    let (rejoins_tx, rejoins) = mpsc::unbounded_channel();
    let (drops, _) = watch::channel(0);
    let newest = Arc::new(AtomicU64::new(0));
    let resyncs = Arc::new(AtomicU64::new(0));
    let reported = Arc::new(AtomicU64::new(0));
    let seen: Arc<[AtomicU64]> = (0..count).map(|_| AtomicU64::new(0)).collect();
    let mut first_welcome_bytes = 0;
    for (index, link) in links.into_iter().enumerate() {
        let (who, link, welcome) = link?;
        first_welcome_bytes = first_welcome_bytes.max(welcome.bytes);
        seen[index].store(welcome.version, Ordering::Relaxed);
        let member = Member {
            index,
            endpoint: endpoint.clone(),
            who,
            at: (welcome.epoch, welcome.version),
            arrivals: arrivals_tx.clone(),
            rejoins: rejoins_tx.clone(),
            reported: reported.clone(),
            newest: newest.clone(),
            resyncs: resyncs.clone(),
            seen: seen.clone(),
            drops: drops.subscribe(),
        };
        tokio::spawn(member.run(link));
    }
    Ok(Fleet {
        arrivals,
        rejoins,
        reported,
        newest,
        resyncs,
        join_time,
        connect_time,
        first_welcome_bytes,
        seen,
        drops,
    })
}

/// An open connection.
type Link = (Sender, Receiver);

/// What a connection's first message said.
struct Welcome {
    epoch: u64,
    version: u64,
    snapshot: bool,
    bytes: usize,
}

/// Open a connection (resuming from `resume` if given) and read its welcome, within the client's
/// connect timeout for each.
async fn connect(
    endpoint: &Endpoint,
    who: &Credentials,
    resume: Option<(u64, u64)>,
) -> anyhow::Result<(Link, Welcome)> {
    let limit = ClientOptions::default().connect_timeout;
    let within = |what: &'static str| move |_| anyhow::anyhow!("no {what} within {limit:?}");
    let (sender, mut receiver) =
        tokio::time::timeout(limit, connection::open(endpoint, who, resume))
            .await
            .map_err(within("connection"))??;
    let first = tokio::time::timeout(limit, receiver.next())
        .await
        .map_err(within("welcome"))??;
    match first {
        Incoming::Message(message, text) => match *message {
            ServerMessage::Welcome {
                epoch,
                version,
                snapshot,
                ..
            } => Ok((
                (sender, receiver),
                Welcome {
                    epoch,
                    version,
                    snapshot: snapshot.is_some(),
                    bytes: text.len(),
                },
            )),
            other => anyhow::bail!("expected a welcome, got {other:?}"),
        },
        other => anyhow::bail!("expected a welcome, got {other:?}"),
    }
}

/// Why a participant's task ended.
enum Ended {
    /// The fleet was dropped.
    ByFleet,
    /// The endpoint closed the connection, or the client could not get back.
    Lost,
}

/// One participant's task.
struct Member {
    index: usize,
    endpoint: Endpoint,
    who: Credentials,
    /// The (epoch, version) it has seen last, where it resumes from.
    at: (u64, u64),
    arrivals: mpsc::UnboundedSender<Arrival>,
    rejoins: mpsc::UnboundedSender<anyhow::Result<Rejoin>>,
    reported: Arc<AtomicU64>,
    newest: Arc<AtomicU64>,
    resyncs: Arc<AtomicU64>,
    seen: Arc<[AtomicU64]>,
    drops: watch::Receiver<u64>,
}

impl Member {
    /// Read events until told to drop (then come back) or until the endpoint or the fleet ends it.
    async fn run(mut self, first: Link) {
        if let Ended::Lost = self.serve(first).await {
            self.seen[self.index].store(GONE, Ordering::Relaxed);
        }
    }

    async fn serve(&mut self, first: Link) -> Ended {
        let mut link = first;
        loop {
            let (sender, mut receiver) = link;
            loop {
                tokio::select! {
                    biased;
                    changed = self.drops.changed() => match changed {
                        Ok(()) => break,
                        Err(_) => return Ended::ByFleet,
                    },
                    incoming = receiver.next() => match incoming {
                        Ok(Incoming::Message(message, _)) => self.note(*message),
                        Ok(Incoming::Alive) => {}
                        Ok(Incoming::Closed(_)) | Err(_) => return Ended::Lost,
                    },
                }
            }
            drop((sender, receiver));
            let rejoined = self.rejoin().await;
            let (next, report) = match rejoined {
                Ok((next, rejoin)) => (Some(next), Ok(rejoin)),
                Err(e) => (None, Err(e.context(format!("client {}", self.index)))),
            };
            let _ = self.rejoins.send(report);
            self.reported.fetch_add(1, Ordering::Relaxed);
            match next {
                Some(next) => link = next,
                None => return Ended::Lost,
            }
        }
    }

    fn note(&mut self, message: ServerMessage) {
        match message {
            ServerMessage::Event(update) => {
                self.at.1 = self.at.1.max(update.version);
                self.seen[self.index].store(self.at.1, Ordering::Relaxed);
                self.newest.fetch_max(update.version, Ordering::Relaxed);
                let _ = self.arrivals.send(Arrival {
                    version: update.version,
                    at: Instant::now(),
                });
            }
            ServerMessage::Welcome {
                epoch,
                version,
                snapshot: Some(_),
                ..
            } => {
                self.resyncs.fetch_add(1, Ordering::Relaxed);
                self.welcomed(epoch, version, true);
            }
            _ => {}
        }
    }

    /// Take in a welcome. One with a snapshot brings the client to its version; one without is
    /// followed by the missed events, which bring it there one by one.
    fn welcomed(&mut self, epoch: u64, version: u64, snapshot: bool) {
        self.at.0 = epoch;
        if snapshot {
            self.at.1 = version;
            self.seen[self.index].store(version, Ordering::Relaxed);
        }
    }

    /// Reconnect as `breakout_client::Client` does: wait a jittered, doubling backoff, then try,
    /// resuming from the last (epoch, version) seen; give up after [`REJOIN_LIMIT`].
    async fn rejoin(&mut self) -> anyhow::Result<(Link, Rejoin)> {
        let deadline = Instant::now() + REJOIN_LIMIT;
        let mut last_error = None;
        for attempt in 1.. {
            tokio::time::sleep(backoff(attempt, self.index)).await;
            if Instant::now() >= deadline {
                break;
            }
            match connect(&self.endpoint, &self.who, Some(self.at)).await {
                Ok((link, welcome)) => {
                    self.welcomed(welcome.epoch, welcome.version, welcome.snapshot);
                    let rejoin = Rejoin {
                        at: Instant::now(),
                        snapshot_bytes: welcome.snapshot.then_some(welcome.bytes),
                        attempts: attempt,
                    };
                    return Ok((link, rejoin));
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("no attempt"))
            .context(format!("not back within {REJOIN_LIMIT:?}")))
    }
}

/// The client's reconnection delay for `attempt` (starting at 1): it starts at
/// `ClientOptions::backoff_start`, doubles up to `backoff_cap`, and is spread ±50 %. The spread is
/// derived from the client's index, so runs are repeatable.
fn backoff(attempt: u32, index: usize) -> Duration {
    let options = ClientOptions::default();
    let base = options
        .backoff_start
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(options.backoff_cap);
    let factor = 0.5
        + (crate::mix::spread(index as u64 ^ (u64::from(attempt) << 48)) as f64 / u64::MAX as f64);
    base.mul_f64(factor).min(options.backoff_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_spread_around_the_clients_schedule() {
        let first: Vec<Duration> = (0..1000).map(|i| backoff(1, i)).collect();
        assert!(first
            .iter()
            .all(|d| *d >= Duration::from_millis(125) && *d <= Duration::from_millis(375)));
        let below_mean = first
            .iter()
            .filter(|d| **d < Duration::from_millis(250))
            .count();
        assert!((400..600).contains(&below_mean), "{below_mean}");
        assert!(backoff(30, 7) <= ClientOptions::default().backoff_cap);
    }
}
