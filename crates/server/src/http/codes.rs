//! `POST /v1/sessions/{id}/codes`: staff replace both join codes, so invite links that went
//! somewhere they should not stop working. The new codes are in the answer and nowhere else.

use crate::auth::bearer_token;
use crate::error::HttpError;
use crate::owner::Request;
use crate::registry::Registry;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use breakout_core::protocol::JoinCodes;
use std::sync::Arc;

/// Rotate the join codes of session `id` as the holder of the bearer token.
pub(crate) async fn rotate(
    State(registry): State<Arc<Registry>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<JoinCodes>, HttpError> {
    let session = registry.get(&id).await?;
    let token = bearer_token(&headers).ok_or(HttpError::Unauthorized)?;
    let me = session.authenticate(token).await?;
    let codes = session
        .ask(|reply| Request::RotateCodes {
            actor: me.id,
            reply,
        })
        .await?;
    Ok(Json(codes))
}
