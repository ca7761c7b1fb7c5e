//! Operational endpoints: health (the database answers) and Prometheus metrics.

use crate::error::HttpError;
use crate::registry::Registry;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;

/// `GET /healthz`: 200 `ok` while the endpoint serves and its storage answers; otherwise
/// `503 unavailable` (the detail is logged).
pub(crate) async fn healthz(
    State(registry): State<Arc<Registry>>,
) -> Result<&'static str, HttpError> {
    let storage = registry.context().storage.clone();
    let checked = tokio::task::spawn_blocking(move || storage.check())
        .await
        .map_err(|e| HttpError::internal("health check", e))?;
    checked.map_err(|e| {
        tracing::error!("health check: storage: {e}");
        HttpError::Unhealthy
    })?;
    Ok("ok")
}

/// `GET /metrics`: Prometheus text format.
pub(crate) async fn metrics(State(registry): State<Arc<Registry>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        registry.context().metrics.render(),
    )
}
