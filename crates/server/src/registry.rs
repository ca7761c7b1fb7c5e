//! Finds the owner of a session: creates sessions, and loads a stored session into a new owner task
//! the first time someone asks for it (after a restart or an idle unload, every session comes back
//! this way). Which sessions are in memory, and the locking that keeps one load from delaying
//! another, is in `slots.rs`.

use crate::auth;
use crate::context::Context;
use crate::error::HttpError;
use crate::owner::{self, SessionHandle};
use crate::slots::Slots;
use crate::storage::{Batch, LoadedSession, SessionRecord, StorageError, StoredEvent};
use breakout_core::protocol::{CreateSessionRequest, CreateSessionResponse};
use breakout_core::{
    apply, decide, validate, Actor, Command, Event, Role, Session, SessionId, Timestamp,
};
use std::sync::Arc;

/// The sessions this endpoint serves.
pub(crate) struct Registry {
    ctx: Arc<Context>,
    slots: Arc<Slots>,
}

impl Registry {
    pub(crate) fn new(ctx: Arc<Context>) -> Registry {
        Registry {
            ctx,
            slots: Arc::default(),
        }
    }

    pub(crate) fn context(&self) -> &Arc<Context> {
        &self.ctx
    }

    /// Create a session with its moderator, durably, and start its owner.
    pub(crate) async fn create(
        &self,
        request: CreateSessionRequest,
    ) -> Result<CreateSessionResponse, HttpError> {
        let title = validate::title(&request.title)?;
        let id = auth::new_session_id();
        // An epoch that fits a JavaScript number exactly.
        let epoch = u64::from_str_radix(&auth::new_token()[..13], 16).unwrap_or(1);
        let initial = Session::new(id.clone(), title, epoch);
        let join = Command::Join {
            name: request.moderator_name,
            role: Role::Moderator,
        };
        let events = decide(&initial, Actor::System, owner::now(), &join)?;
        let Some(Event::ParticipantJoined { participant }) = events.first() else {
            return Err(HttpError::internal("create", "no join event"));
        };
        let participant_id = participant.id;
        let (participant_code, co_moderator_code) = (auth::new_join_code(), auth::new_join_code());
        let token = auth::new_token();
        let record = SessionRecord {
            id: id.clone(),
            epoch,
            participant_code_hash: auth::hash_join_code(&participant_code),
            co_moderator_code_hash: auth::hash_join_code(&co_moderator_code),
            created_at: owner::now(),
        };
        let mut state = initial.clone();
        let mut stored = Vec::new();
        for event in events {
            apply(&mut state, &event);
            stored.push(StoredEvent {
                version: state.version,
                command_id: None,
                event,
            });
        }
        let batch = Batch {
            events: stored,
            tokens: vec![(auth::hash_secret(&token), participant_id)],
            ..Batch::default()
        };
        let storage = self.ctx.storage.clone();
        let (record, initial, batch) = tokio::task::spawn_blocking(move || {
            storage
                .create_session(&record, &initial, &batch)
                .map(|()| (record, initial, batch))
        })
        .await
        .map_err(|e| HttpError::internal("create", e))?
        .map_err(|e| HttpError::internal("create", e))?;

        let loaded = LoadedSession {
            record,
            snapshot: initial,
            events: batch.events,
            tokens: batch.tokens,
        };
        self.slots
            .insert(&id, |retire| owner::spawn(self.ctx.clone(), loaded, retire))?;
        Ok(CreateSessionResponse {
            session_id: id,
            participant_id,
            token,
            participant_code,
            co_moderator_code,
        })
    }

    /// The owner of session `id`, loading it from storage if needed.
    pub(crate) async fn get(&self, id: &str) -> Result<SessionHandle, HttpError> {
        let not_found = || HttpError::NotFound(format!("no session {id}"));
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(not_found());
        }
        if self.ctx.shutdown.is_cancelled() {
            return Err(HttpError::ShuttingDown);
        }
        let id = SessionId(id.to_owned());
        let load = |retire| async {
            let storage = self.ctx.storage.clone();
            let keep_tail = self.ctx.config.replay_window as u64;
            let key = id.clone();
            let stored = tokio::task::spawn_blocking(move || storage.load_session(&key, keep_tail))
                .await
                .map_err(|e| HttpError::internal("load", e))?
                .map_err(|e| HttpError::internal("load", e))?;
            stored
                .map(|stored| owner::spawn(self.ctx.clone(), stored, retire))
                .transpose()
        };
        self.slots
            .get_or_load(&id, load)
            .await?
            .ok_or_else(not_found)
    }

    /// Delete session `id` if it has had no activity since `before` and is not in memory (a loaded
    /// session is in use; it is deleted by a later sweep once it left memory). True if deleted.
    pub(crate) async fn delete_if_idle(
        &self,
        id: &SessionId,
        before: Timestamp,
    ) -> Result<bool, StorageError> {
        let storage = self.ctx.storage.clone();
        let key = id.clone();
        let delete = async move {
            tokio::task::spawn_blocking(move || storage.delete_session_if_idle(&key, before))
                .await
                .unwrap_or_else(|join| Err(StorageError::Io(std::io::Error::other(join))))
        };
        Ok(self
            .slots
            .while_unloaded(id, delete)
            .await
            .transpose()?
            .unwrap_or(false))
    }
}
