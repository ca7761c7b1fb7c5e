//! The per-session disk quota for documents: an upload that would take a session's documents over
//! `Config::session_quota_bytes` is refused with `507 insufficient_storage`. Checked before the body
//! is read when its length is declared, and again with the stored size before the document is
//! registered, so nothing over the quota is ever kept. (Uploads of one session that run at the same
//! time are each checked against the documents already registered; at most
//! `max_uploads_per_session` of them can overlap.)

use crate::error::HttpError;
use crate::owner::{Request, SessionHandle};
use breakout_core::ParticipantId;

/// Refuse `incoming` more bytes (with this SHA-256, once known: bytes the session already holds
/// take no more room) if the session's documents would then exceed `quota`.
pub(crate) async fn check(
    session: &SessionHandle,
    staff: ParticipantId,
    incoming: u64,
    sha256: Option<&str>,
    quota: u64,
) -> Result<(), HttpError> {
    // Staff see every document of the session.
    let documents = session
        .ask(|reply| Request::ListDocuments {
            actor: staff,
            reply,
        })
        .await?;
    if sha256.is_some_and(|sha| documents.iter().any(|d| d.sha256 == sha)) {
        return Ok(());
    }
    let used: u64 = documents.iter().map(|d| d.size).sum();
    if used.saturating_add(incoming) > quota {
        return Err(HttpError::InsufficientStorage(format!(
            "this session's documents may take {quota} bytes; {used} are used and the upload has \
             {incoming}"
        )));
    }
    Ok(())
}
