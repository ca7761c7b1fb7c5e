//! How uploads are admitted and paced, so slow or many uploads cannot starve the endpoint: a bound
//! on uploads in progress for the whole endpoint and per session ([`UploadGate`]), and a body reader
//! that fails an upload that stalls or trickles below a minimum rate ([`Meter`]).

use crate::blobs::BlobError;
use crate::config::Config;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Why an upload was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Busy {
    /// The endpoint has [`Config::max_uploads`] uploads in progress.
    Endpoint(usize),
    /// This session has [`Config::max_uploads_per_session`] uploads in progress.
    Session(usize),
}

/// Counts uploads in progress, in total and per session.
pub(crate) struct UploadGate {
    max_total: usize,
    max_per_session: usize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    /// Only sessions with an upload in progress have an entry, so the map stays small.
    per_session: HashMap<String, usize>,
}

impl UploadGate {
    pub(crate) fn new(config: &Config) -> UploadGate {
        UploadGate {
            max_total: config.max_uploads,
            max_per_session: config.max_uploads_per_session,
            counts: Mutex::default(),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admit one upload to `session`, or say which bound it would exceed. The upload counts until
    /// the returned permit is dropped.
    pub(crate) fn admit(&self, session: &str) -> Result<UploadPermit<'_>, Busy> {
        let mut counts = self.counts();
        if counts.total >= self.max_total {
            return Err(Busy::Endpoint(self.max_total));
        }
        let mine = counts.per_session.entry(session.to_owned()).or_default();
        if *mine >= self.max_per_session {
            return Err(Busy::Session(self.max_per_session));
        }
        *mine += 1;
        counts.total += 1;
        Ok(UploadPermit {
            gate: self,
            session: session.to_owned(),
        })
    }
}

/// One admitted upload; dropping it frees its place.
pub(crate) struct UploadPermit<'a> {
    gate: &'a UploadGate,
    session: String,
}

impl Drop for UploadPermit<'_> {
    fn drop(&mut self) {
        let mut counts = self.gate.counts();
        counts.total -= 1;
        if let Some(mine) = counts.per_session.get_mut(&self.session) {
            *mine -= 1;
            if *mine == 0 {
                counts.per_session.remove(&self.session);
            }
        }
    }
}

/// How slow an upload's body may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    /// Longest wait for the next byte.
    pub(crate) idle: Duration,
    /// Least average rate over each `window` (0: no minimum).
    pub(crate) min_bytes_per_second: u64,
    /// The span the rate is averaged over.
    pub(crate) window: Duration,
}

impl Pace {
    pub(crate) fn of(config: &Config) -> Pace {
        Pace {
            idle: config.upload_idle_timeout,
            min_bytes_per_second: config.min_upload_bytes_per_second,
            window: config.upload_rate_window,
        }
    }

    /// Bytes each window must bring.
    fn bytes_per_window(&self) -> u64 {
        (self.min_bytes_per_second as f64 * self.window.as_secs_f64()) as u64
    }
}

/// Reads a body chunk by chunk, enforcing a [`Pace`].
pub(crate) struct Meter {
    pace: Pace,
    last_byte: Instant,
    window_end: Instant,
    window_bytes: u64,
}

impl Meter {
    pub(crate) fn start(pace: Pace) -> Meter {
        let now = Instant::now();
        Meter {
            pace,
            last_byte: now,
            window_end: now + pace.window,
            window_bytes: 0,
        }
    }

    /// The next chunk of `body`, None at its end, or why the upload must stop.
    pub(crate) async fn next<S, E>(
        &mut self,
        body: &mut Pin<&mut S>,
    ) -> Result<Option<Bytes>, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        loop {
            self.check_window()?;
            let idle_end = self.last_byte + self.pace.idle;
            match tokio::time::timeout_at(idle_end.min(self.window_end), body.next()).await {
                Ok(Some(Ok(chunk))) => {
                    self.last_byte = Instant::now();
                    self.window_bytes += chunk.len() as u64;
                    return Ok(Some(chunk));
                }
                Ok(Some(Err(e))) => return Err(BlobError::Interrupted(e.to_string())),
                Ok(None) => return Ok(None),
                Err(_) if Instant::now() >= idle_end => {
                    return Err(BlobError::Stalled {
                        idle: self.pace.idle,
                    })
                }
                // The window ended: checked at the top.
                Err(_) => {}
            }
        }
    }

    /// Judge every window that has ended: it must have brought its share of bytes.
    fn check_window(&mut self) -> Result<(), BlobError> {
        let now = Instant::now();
        while now >= self.window_end {
            if self.window_bytes < self.pace.bytes_per_window() {
                return Err(BlobError::TooSlow {
                    received: self.window_bytes,
                    window: self.pace.window,
                    min_bytes_per_second: self.pace.min_bytes_per_second,
                });
            }
            self.window_bytes = 0;
            self.window_end += self.pace.window;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(total: usize, per_session: usize) -> UploadGate {
        let mut config = Config::new("/nonexistent");
        config.max_uploads = total;
        config.max_uploads_per_session = per_session;
        UploadGate::new(&config)
    }

    #[test]
    fn uploads_are_bounded_per_session_and_in_total_and_freed_on_drop() {
        let gate = gate(3, 2);
        let a1 = gate.admit("a").unwrap();
        let _a2 = gate.admit("a").unwrap();
        assert_eq!(gate.admit("a").err(), Some(Busy::Session(2)));
        let _b1 = gate.admit("b").unwrap();
        assert_eq!(gate.admit("c").err(), Some(Busy::Endpoint(3)));
        drop(a1);
        assert!(gate.admit("c").is_ok());
        assert_eq!(gate.counts().total, 3 - 1);
        assert!(!gate.counts().per_session.contains_key("c"));
    }

    fn chunks(
        parts: Vec<(u64, &'static [u8])>,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::iter(parts).then(|(millis, bytes)| async move {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok(Bytes::from_static(bytes))
        })
    }

    async fn read_all<S>(body: S, pace: Pace) -> Result<usize, BlobError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>>,
    {
        let mut body = std::pin::pin!(body);
        let mut meter = Meter::start(pace);
        let mut total = 0;
        while let Some(chunk) = meter.next(&mut body).await? {
            total += chunk.len();
        }
        Ok(total)
    }

    const PACE: Pace = Pace {
        idle: Duration::from_secs(5),
        min_bytes_per_second: 10,
        window: Duration::from_secs(2),
    };

    #[tokio::test(start_paused = true)]
    async fn a_body_at_the_minimum_rate_passes() {
        let body = chunks(vec![(1000, &[0; 10]); 6]);
        assert_eq!(read_all(body, PACE).await.unwrap(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_fails_at_the_end_of_its_window() {
        let body = chunks(vec![(500, b"x"); 100]);
        let started = Instant::now();
        match read_all(body, PACE).await {
            Err(BlobError::TooSlow { received, .. }) => assert_eq!(received, 4),
            other => panic!("expected TooSlow, got {other:?}"),
        }
        assert_eq!(started.elapsed(), PACE.window);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_fails_after_the_idle_timeout() {
        let pace = Pace {
            min_bytes_per_second: 0,
            ..PACE
        };
        let body = chunks(vec![(100, b"start"), (60_000, b"late")]);
        let started = Instant::now();
        assert!(matches!(
            read_all(body, pace).await,
            Err(BlobError::Stalled { .. })
        ));
        assert_eq!(started.elapsed(), Duration::from_millis(100) + PACE.idle);
    }
}
