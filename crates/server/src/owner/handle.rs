//! The only way into a session owner: a cloneable handle that sends requests to its mailbox and
//! awaits the answers. Handlers and sockets hold handles; nobody else touches session state.

use crate::error::HttpError;
use breakout_core::protocol::{CommandId, JoinCodes, JoinResponse};
use breakout_core::{Command, Document, DocumentId, Participant, ParticipantId};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Identifies one WebSocket connection within its session.
pub(crate) type ConnId = u64;

/// Serialized server messages queued for one connection (shared bytes: serialized once).
pub(crate) type Outbox = mpsc::Receiver<Utf8Bytes>;

/// Where a resuming client's replica stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResumePoint {
    pub(crate) epoch: u64,
    pub(crate) version: u64,
}

/// Facts of a new document, as the upload handler stored it.
pub(crate) struct NewDocument {
    pub(crate) id: DocumentId,
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) sha256: String,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, HttpError>>;

/// What can be asked of a session owner.
pub(crate) enum Request {
    /// Who holds this token (SHA-256 of it)?
    Authenticate {
        token_hash: String,
        reply: Reply<Participant>,
    },
    /// Join with a code.
    Join {
        code: String,
        name: String,
        reply: Reply<JoinResponse>,
    },
    /// Open a connection: queue a welcome (and a replay when resuming) and subscribe to events.
    Connect {
        participant: ParticipantId,
        resume: Option<ResumePoint>,
        reply: Reply<(ConnId, Outbox)>,
    },
    /// The connection's queue was dropped because it fell behind: start it again with a snapshot.
    Resync { conn: ConnId, reply: Reply<Outbox> },
    /// A connected client asks for what it missed since this point.
    Resume { conn: ConnId, at: ResumePoint },
    /// A connection closed.
    Disconnect { conn: ConnId },
    /// A command from a connection; answered with `ack`/`rejected` on the connection's queue.
    Command {
        conn: ConnId,
        id: CommandId,
        command: Command,
    },
    /// Record an uploaded document in the library.
    AddDocument {
        actor: ParticipantId,
        document: NewDocument,
        reply: Reply<(Document, bool)>,
    },
    /// May this participant read this document? Answers with its metadata.
    OpenDocument {
        actor: ParticipantId,
        document: DocumentId,
        reply: Reply<Document>,
    },
    /// The documents this participant may see.
    ListDocuments {
        actor: ParticipantId,
        reply: Reply<Vec<Document>>,
    },
    /// Replace both join codes (staff); answers with the new codes.
    RotateCodes {
        actor: ParticipantId,
        reply: Reply<JoinCodes>,
    },
    /// A presence grace period ended.
    GraceExpired {
        participant: ParticipantId,
        generation: u64,
    },
}

/// A cheap, cloneable way to talk to one session's owner task.
#[derive(Clone)]
pub(crate) struct SessionHandle {
    pub(crate) tx: mpsc::Sender<Request>,
}

impl SessionHandle {
    /// Send a request that expects an answer.
    pub(crate) async fn ask<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<T, HttpError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(request(reply))
            .await
            .map_err(|_| HttpError::ShuttingDown)?;
        answer.await.map_err(|_| HttpError::ShuttingDown)?
    }

    /// Send a request that expects no answer (the owner may be gone; then there is nothing to do).
    pub(crate) async fn tell(&self, request: Request) {
        let _ = self.tx.send(request).await;
    }

    /// The participant holding `token`, or Unauthorized.
    pub(crate) async fn authenticate(&self, token: &str) -> Result<Participant, HttpError> {
        let token_hash = crate::auth::hash_secret(token);
        self.ask(|reply| Request::Authenticate { token_hash, reply })
            .await
    }
}
