//! Creating and joining sessions, behind the operator's keys and the per-address limits.

use super::client_ip::ClientIp;
use super::ApiJson;
use crate::auth::bearer_token;
use crate::error::HttpError;
use crate::owner::Request;
use crate::registry::Registry;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use breakout_core::protocol::{
    CreateSessionRequest, CreateSessionResponse, JoinRequest, JoinResponse,
};
use std::sync::Arc;

/// A request allowed to create sessions: with `--create-keys-file`, one carrying an operator's key
/// (checked before the body is read); otherwise any.
pub(crate) struct MayCreate;

impl FromRequestParts<Arc<Registry>> for MayCreate {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        registry: &Arc<Registry>,
    ) -> Result<Self, HttpError> {
        match &registry.context().config.create_keys {
            Some(keys) if !keys.allows(bearer_token(&parts.headers).unwrap_or_default()) => {
                Err(HttpError::CreateKeyRequired)
            }
            _ => Ok(MayCreate),
        }
    }
}

/// `POST /v1/sessions`: a new session with its moderator.
pub(crate) async fn create(
    State(registry): State<Arc<Registry>>,
    _: MayCreate,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<CreateSessionResponse>), HttpError> {
    let ctx = registry.context();
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
