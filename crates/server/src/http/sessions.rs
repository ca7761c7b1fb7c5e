//! Creating and joining sessions, behind the operator's keys and the per-address limits.

use super::client_ip::ClientIp;
use super::ApiJson;
use crate::auth::bearer_token;
use crate::error::HttpError;
use crate::owner::Request;
use crate::registry::Registry;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use breakout_core::protocol::{
    CreateSessionRequest, CreateSessionResponse, JoinRequest, JoinResponse,
};
use std::sync::Arc;

/// `POST /v1/sessions`: a new session with its moderator. With `--create-keys-file`, only for a
/// request carrying one of the operator's keys.
pub(crate) async fn create(
    State(registry): State<Arc<Registry>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<CreateSessionResponse>), HttpError> {
    let ctx = registry.context();
    if let Some(keys) = &ctx.config.create_keys {
        let presented = bearer_token(&headers).unwrap_or_default();
        if !keys.allows(presented) {
            return Err(HttpError::CreateKeyRequired);
        }
    }
    ctx.limits.create(ip)?;
    let created = registry.create(request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /v1/sessions/{id}/join`: join with a participant or co-moderator code.
pub(crate) async fn join(
    State(registry): State<Arc<Registry>>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<JoinResponse>), HttpError> {
    let limits = &registry.context().limits;
    limits.join(ip)?;
    let session = registry.get(&id).await?;
    let JoinRequest { code, name } = request;
    let joined = session
        .ask(|reply| Request::Join { code, name, reply })
        .await;
    if let Err(HttpError::WrongCode) = joined {
        limits.wrong_code(ip);
    }
    Ok((StatusCode::CREATED, Json(joined?)))
}
