//! Document upload (staff, streamed, content-addressed), listing and download (only what the caller
//! may see; the owner decides).

use crate::auth::bearer_token;
use crate::blobs::BlobError;
use crate::error::HttpError;
use crate::metrics::{Limit, Metrics};
use crate::owner::{NewDocument, Request, SessionHandle};
use crate::registry::Registry;
use crate::uploads::{Busy, Pace};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use breakout_core::protocol::{decode_file_name, encode_file_name, FILE_NAME_HEADER};
use breakout_core::{validate, Document, DocumentId, Participant};
use std::sync::Arc;
use std::time::Duration;

async fn caller(
    registry: &Registry,
    id: &str,
    headers: &HeaderMap,
) -> Result<(SessionHandle, Participant), HttpError> {
    let session = registry.get(id).await?;
    let token = bearer_token(headers).ok_or(HttpError::Unauthorized)?;
    let me = session.authenticate(token).await?;
    Ok((session, me))
}

/// `POST /v1/sessions/{id}/documents`: the body is the file; its name is in `X-File-Name`.
pub(crate) async fn upload(
    State(registry): State<Arc<Registry>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Document>), HttpError> {
    let (session, me) = caller(&registry, &id, &headers).await?;
    if !me.role.is_staff() {
        return Err(HttpError::Forbidden(
            "only moderators and co-moderators may upload documents".into(),
        ));
    }
    let name = headers
        .get(FILE_NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(decode_file_name)
        .ok_or_else(|| {
            HttpError::Malformed(
                "the X-File-Name header (percent-encoded UTF-8) is required".into(),
            )
        })?;
    let name = validate::single_line(
        "document name",
        &name,
        breakout_core::limits::MAX_DOCUMENT_NAME_CHARS,
    )?;
    let limit = registry.context().config.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let ctx = registry.context();
    let quota = ctx.config.session_quota_bytes;
    if let Some(len) = declared {
        super::quota::check(&session, me.id, len, None, quota).await?;
    }
    let _admitted = ctx.uploads.admit(&id).map_err(|b| busy(b, &ctx.metrics))?;
    let blob = ctx
        .blobs
        .store(body.into_data_stream(), limit, Pace::of(&ctx.config))
        .await
        .map_err(|e| match e {
            BlobError::TooLarge { limit } => too_large(limit),
            BlobError::Interrupted(m) => HttpError::Malformed(format!("upload interrupted: {m}")),
            e @ (BlobError::Stalled { .. } | BlobError::TooSlow { .. }) => {
                HttpError::Timeout(e.to_string())
            }
            BlobError::Io(e) => HttpError::internal("blob store", e),
        })?;
    super::quota::check(&session, me.id, blob.size, Some(&blob.sha256), quota).await?;
    let document = NewDocument {
        id: DocumentId(blob.sha256[..32].to_owned()),
        name,
        size: blob.size,
        sha256: blob.sha256.clone(),
    };
    let added = session
        .ask(|reply| Request::AddDocument {
            actor: me.id,
            document,
            reply,
        })
        .await;
    // Bytes no document refers to (the document was refused) are left to garbage collection:
    // the same bytes may serve another upload in flight, possibly in another session.
    let (doc, created) = added?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(doc)))
}

/// When a client refused for too many uploads in progress should try again.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(5);

fn busy(busy: Busy, metrics: &Metrics) -> HttpError {
    metrics.rate_limited(match busy {
        Busy::Endpoint(_) => Limit::Uploads,
        Busy::Session(_) => Limit::UploadsPerSession,
    });
    match busy {
        Busy::Endpoint(max) => HttpError::Busy {
            message: format!("the server has {max} uploads in progress; try again shortly"),
            retry_after: BUSY_RETRY_AFTER,
        },
        Busy::Session(max) => HttpError::Throttled {
            message: format!(
                "this session has {max} uploads in progress; try again when one is done"
            ),
            retry_after: BUSY_RETRY_AFTER,
        },
    }
}

fn too_large(limit: u64) -> HttpError {
    HttpError::TooLarge(format!(
        "the document is larger than the limit of {limit} bytes"
    ))
}

/// `GET /v1/sessions/{id}/documents`: the documents the caller may see.
pub(crate) async fn list(
    State(registry): State<Arc<Registry>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<Document>>, HttpError> {
    let (session, me) = caller(&registry, &id, &headers).await?;
    let docs = session
        .ask(|reply| Request::ListDocuments {
            actor: me.id,
            reply,
        })
        .await?;
    Ok(Json(docs))
}

/// `GET /v1/sessions/{id}/documents/{doc}`: the bytes, if the caller may see the document.
pub(crate) async fn download(
    State(registry): State<Arc<Registry>>,
    Path((id, doc)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let (session, me) = caller(&registry, &id, &headers).await?;
    let document = DocumentId(doc);
    let doc = session
        .ask(|reply| Request::OpenDocument {
            actor: me.id,
            document,
            reply,
        })
        .await?;
    let path = registry.context().blobs.path_of(&doc.sha256);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| HttpError::internal("open blob", e))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
        (header::CONTENT_LENGTH, doc.size.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                encode_file_name(&doc.name)
            ),
        ),
        (header::ETAG, format!("\"{}\"", doc.sha256)),
    ];
    Ok((headers, body).into_response())
}
