//! Creating and joining sessions.

use super::ApiJson;
use crate::error::HttpError;
use crate::owner::Request;
use crate::registry::Registry;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use breakout_core::protocol::{
    CreateSessionRequest, CreateSessionResponse, JoinRequest, JoinResponse,
};
use std::sync::Arc;

/// `POST /v1/sessions`: a new session with its moderator.
pub(crate) async fn create(
    State(registry): State<Arc<Registry>>,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<CreateSessionResponse>), HttpError> {
    let created = registry.create(request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /v1/sessions/{id}/join`: join with a participant or co-moderator code.
pub(crate) async fn join(
    State(registry): State<Arc<Registry>>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<JoinResponse>), HttpError> {
    let session = registry.get(&id).await?;
    let JoinRequest { code, name } = request;
    let joined = session
        .ask(|reply| Request::Join { code, name, reply })
        .await?;
    Ok((StatusCode::CREATED, Json(joined)))
}
