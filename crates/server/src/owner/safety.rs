//! Moderator safety tools on the owner's side: removing a participant (their tokens are revoked and
//! their connections closed with the removal reason) and rotating join codes (new salted hashes
//! stored with a `JoinCodesRotated` event, the new codes returned only to the caller). Who may do
//! either is decided in core; this module keeps the secrets and the connections in line.

use super::{now, Failure, Owner};
use crate::auth;
use crate::error::HttpError;
use crate::storage::{Batch, CodeHashes};
use breakout_core::protocol::JoinCodes;
use breakout_core::{decide, Actor, Command, Event, ParticipantId, Rejection};
use std::time::Instant;

/// Commands that only make sense through their HTTP route, refused when sent over a WebSocket.
pub(super) fn http_only(command: &Command) -> Option<Rejection> {
    let why = match command {
        Command::AddDocument { .. } => "documents enter the library by uploading them over HTTP",
        Command::RotateJoinCodes => {
            "join codes are rotated over HTTP (POST /v1/sessions/{id}/codes), which returns the new codes"
        }
        _ => return None,
    };
    Some(Rejection::Forbidden(why.into()))
}

impl Owner {
    /// Replace both join codes if `actor` may; the old codes stop working once this returns.
    pub(super) async fn rotate_codes(
        &mut self,
        actor: ParticipantId,
    ) -> Result<JoinCodes, HttpError> {
        let started = Instant::now();
        let events = decide(
            &self.state,
            Actor::Participant(actor),
            now(),
            &Command::RotateJoinCodes,
        )
        .map_err(|r| self.failure_to_http(Failure::Rejected(r)))?;
        let codes = JoinCodes {
            participant_code: auth::new_join_code(),
            co_moderator_code: auth::new_join_code(),
        };
        let secrets = Batch {
            codes: Some(CodeHashes {
                participant: auth::hash_join_code(&codes.participant_code),
                co_moderator: auth::hash_join_code(&codes.co_moderator_code),
            }),
            ..Batch::default()
        };
        self.commit(started, events, None, secrets)
            .await
            .map_err(|e| HttpError::internal("storage", e))?;
        Ok(codes)
    }

    /// Note who an event takes out of the session (their connections get nothing more); returns
    /// them, so their tokens are revoked with the event.
    pub(super) fn note_departure(&mut self, event: &Event) -> Option<ParticipantId> {
        let gone = match event {
            Event::ParticipantLeft { participant } => *participant,
            Event::ParticipantRemoved { participant, .. } => {
                self.removed.insert(*participant);
                *participant
            }
            _ => return None,
        };
        self.left.push(gone);
        Some(gone)
    }

    /// Keep in memory the secrets a batch stored.
    pub(super) fn store_secrets(&mut self, batch: &Batch) {
        for (hash, participant) in &batch.tokens {
            self.tokens.insert(hash.clone(), *participant);
        }
        if !batch.revoked.is_empty() {
            self.tokens.retain(|_, p| !batch.revoked.contains(p));
        }
        if let Some(codes) = &batch.codes {
            self.record.participant_code_hash = codes.participant.clone();
            self.record.co_moderator_code_hash = codes.co_moderator.clone();
        }
    }

    /// Why a connection of someone no longer in the session is refused.
    pub(super) fn gone(&self, participant: ParticipantId) -> HttpError {
        if self.removed.contains(&participant) {
            HttpError::Removed
        } else {
            HttpError::Unauthorized
        }
    }
}
