//! The endpoint's one error type for HTTP answers (and for owner replies that end up in them). Each
//! variant maps to a status code and an `ApiError {code, message}` body; internal details are logged,
//! never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use breakout_core::protocol::{ApiError, ErrorCode};
use breakout_core::Rejection;
use std::time::Duration;

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
    /// Creating a session needs one of the operator's keys, and none was presented.
    #[error("creating sessions on this endpoint needs one of its operator's keys (Authorization: Bearer)")]
    CreateKeyRequired,
    /// The participant was removed from the session by staff; their token is revoked.
    #[error("you were removed from this session")]
    Removed,
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
    /// The health check failed: storage does not answer.
    #[error("storage is not available")]
    Unhealthy,
    /// A join with a code that is neither of the session's codes.
    #[error("{}", crate::auth::WRONG_CODE)]
    WrongCode,
    /// The upload would take the session's documents over its disk quota: `507`.
    #[error("{0}")]
    InsufficientStorage(String),
    /// Over a bound that frees up soon (e.g. uploads in progress per session): `429 rate_limited`
    /// with `Retry-After`.
    #[error("{message}")]
    Throttled {
        /// For people.
        message: String,
        /// When trying again makes sense.
        retry_after: Duration,
    },
    /// The endpoint is too busy right now (e.g. uploads in progress in total): `503 unavailable`
    /// with `Retry-After`.
    #[error("{message}")]
    Busy {
        /// For people.
        message: String,
        /// When trying again makes sense.
        retry_after: Duration,
    },
    /// The request's body was too slow (stalled, or below the minimum rate): `408 timeout`.
    #[error("{0}")]
    Timeout(String),
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
            HttpError::Unauthorized | HttpError::CreateKeyRequired | HttpError::Removed => {
                ErrorCode::Unauthorized
            }
            HttpError::Forbidden(_) | HttpError::WrongCode => ErrorCode::Forbidden,
            HttpError::NotFound(_) => ErrorCode::NotFound,
            HttpError::InsufficientStorage(_) => ErrorCode::InsufficientStorage,
            HttpError::Conflict(_) => ErrorCode::Conflict,
            HttpError::TooLarge(_) => ErrorCode::TooLarge,
            HttpError::RateLimited(_) => ErrorCode::RateLimited,
            HttpError::ShuttingDown | HttpError::Unhealthy | HttpError::Busy { .. } => {
                ErrorCode::Unavailable
            }
            HttpError::Throttled { .. } => ErrorCode::RateLimited,
            HttpError::Timeout(_) => ErrorCode::Timeout,
            HttpError::Internal => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            HttpError::Malformed(_) | HttpError::Invalid(_) => StatusCode::BAD_REQUEST,
            HttpError::Unauthorized | HttpError::CreateKeyRequired | HttpError::Removed => {
                StatusCode::UNAUTHORIZED
            }
            HttpError::Forbidden(_) | HttpError::WrongCode => StatusCode::FORBIDDEN,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            HttpError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            HttpError::ShuttingDown | HttpError::Unhealthy | HttpError::Busy { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            HttpError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
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
        let mut response = (self.status(), Json(body)).into_response();
        if let HttpError::Throttled { retry_after, .. } | HttpError::Busy { retry_after, .. } = self
        {
            // Whole seconds, rounded up: a client never retries too early.
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
