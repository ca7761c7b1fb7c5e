//! The endpoint's one error type for HTTP answers (and for owner replies that end up in them). Each
//! variant maps to a status code and an `ApiError {code, message}` body; internal details are logged,
//! never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use breakout_core::protocol::{ApiError, ErrorCode};
use breakout_core::Rejection;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The body is not the expected JSON.
    #[error("{0}")]
    Malformed(String),
    /// A value is out of range or otherwise invalid.
    #[error("{0}")]
    Invalid(String),
    /// No token, or a token that does not belong to this session.
    #[error("a valid bearer token for this session is required")]
    Unauthorized,
    /// Wrong join code, or a role that may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such session, document or route.
    #[error("{0}")]
    NotFound(String),
    /// The route exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The state does not allow this now.
    #[error("{0}")]
    Conflict(String),
    /// The upload is over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts.
    #[error("{0}")]
    RateLimited(String),
    /// The server is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// Something broke inside; the detail is in the log.
    #[error("internal error")]
    Internal,
}

impl HttpError {
    /// The wire code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            HttpError::Malformed(_) | HttpError::MethodNotAllowed(_) => ErrorCode::Malformed,
            HttpError::Invalid(_) => ErrorCode::Invalid,
            HttpError::Unauthorized => ErrorCode::Unauthorized,
            HttpError::Forbidden(_) => ErrorCode::Forbidden,
            HttpError::NotFound(_) => ErrorCode::NotFound,
            HttpError::Conflict(_) => ErrorCode::Conflict,
            HttpError::TooLarge(_) => ErrorCode::TooLarge,
            HttpError::RateLimited(_) => ErrorCode::RateLimited,
            HttpError::ShuttingDown => ErrorCode::Unavailable,
            HttpError::Internal => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            HttpError::Malformed(_) | HttpError::Invalid(_) => StatusCode::BAD_REQUEST,
            HttpError::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            HttpError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Log an internal failure and hide it behind `Internal`.
    pub(crate) fn internal(context: &str, error: impl std::fmt::Display) -> HttpError {
        tracing::error!("{context}: {error}");
        HttpError::Internal
    }
}

impl From<Rejection> for HttpError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::Forbidden(m) => HttpError::Forbidden(m),
            Rejection::NotFound(m) => HttpError::NotFound(m),
            Rejection::Invalid(m) => HttpError::Invalid(m),
            Rejection::Conflict(m) => HttpError::Conflict(m),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code(),
            message: self.to_string(),
        };
        (self.status(), Json(body)).into_response()
    }
}
