//! WebSocket liveness: the server pings every `Config::ping_interval`; a client that answers
//! nothing for two intervals in a row is taken for gone (a half-open connection, a frozen peer),
//! and its connection is closed like any other leave.

/// Ping intervals in a row without a word from the client before its connection is closed.
pub(super) const MISSED_PONGS: u32 = 2;

/// Whether a client still answers: between two pings it must send something (a pong, or any other
/// frame). After [`MISSED_PONGS`] silent ping intervals in a row its connection is closed, which
/// counts as a leave (presence turns offline after the grace period).
pub(super) struct Liveness {
    heard: bool,
    silent_intervals: u32,
}

impl Liveness {
    /// A client that just connected: the first interval sends the first ping, so it never counts.
    pub(super) fn new() -> Liveness {
        Liveness {
            heard: true,
            silent_intervals: 0,
        }
    }

    /// A read finished: a frame counts as an answer; an error or the end of the stream does not.
    pub(super) fn hear<T, E>(&mut self, incoming: &Option<Result<T, E>>) {
        if matches!(incoming, Some(Ok(_))) {
            self.heard = true;
        }
    }

    /// A ping interval ended: false once the client missed [`MISSED_PONGS`] pings in a row.
    pub(super) fn still_alive(&mut self) -> bool {
        if std::mem::take(&mut self.heard) {
            self.silent_intervals = 0;
        } else {
            self.silent_intervals += 1;
        }
        self.silent_intervals < MISSED_PONGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Option<Result<(), ()>> {
        Some(Ok(()))
    }

    #[test]
    fn two_silent_intervals_after_the_first_ping_end_it() {
        let mut liveness = Liveness::new();
        assert!(
            liveness.still_alive(),
            "the first interval sent no ping yet"
        );
        assert!(liveness.still_alive(), "one missed pong is tolerated");
        assert!(!liveness.still_alive(), "the second missed pong ends it");
    }

    #[test]
    fn any_frame_counts_and_resets_the_count() {
        let mut liveness = Liveness::new();
        assert!(liveness.still_alive());
        assert!(liveness.still_alive());
        liveness.hear(&frame());
        assert!(liveness.still_alive());
        assert!(liveness.still_alive());
        liveness.hear(&Some(Err::<(), ()>(())));
        liveness.hear(&None::<Result<(), ()>>);
        assert!(
            !liveness.still_alive(),
            "errors and the end of the stream are no answer"
        );
    }
}
