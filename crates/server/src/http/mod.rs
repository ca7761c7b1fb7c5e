//! The HTTP surface: routes, shared handler state, and the JSON extractor that turns bad bodies into
//! our `ApiError` shape instead of axum's plain-text rejections.

pub(crate) mod client_ip;
mod codes;
mod documents;
mod liveness;
mod ops;
mod quota;
mod serve;
mod sessions;
mod socket;
mod upgrade;

pub(crate) use serve::serve;

use crate::error::HttpError;
use crate::registry::Registry;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Largest JSON body accepted by the non-upload routes.
const MAX_JSON_BODY: usize = 64 * 1024;

/// The operations routes (`/healthz`, `/metrics`), for a private listener of their own.
pub(crate) fn ops_router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .with_state(registry)
}

/// Build the router of the whole API; `/metrics` only if `with_metrics` (it may have a listener
/// of its own).
pub(crate) fn router(registry: Arc<Registry>, with_metrics: bool) -> Router {
    let mut routes = Router::new().route("/healthz", get(ops::healthz));
    if with_metrics {
        routes = routes.route("/metrics", get(ops::metrics));
    }
    routes
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/sessions/{id}/join", post(sessions::join))
        .route("/v1/sessions/{id}/ws", get(socket::upgrade))
        .route("/v1/sessions/{id}/codes", post(codes::rotate))
        .route(
            "/v1/sessions/{id}/documents",
            post(documents::upload)
                .layer(DefaultBodyLimit::disable())
                .get(documents::list),
        )
        .route(
            "/v1/sessions/{id}/documents/{doc}",
            get(documents::download),
        )
        .fallback(|| async { HttpError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async {
            HttpError::MethodNotAllowed("this route does not accept that method".into())
        })
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .with_state(registry)
}

/// A JSON body whose rejections are `ApiError`s.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(HttpError::TooLarge(format!(
                    "JSON bodies are limited to {MAX_JSON_BODY} bytes"
                )))
            }
            Err(rejection) => Err(HttpError::Malformed(rejection.body_text())),
        }
    }
}
