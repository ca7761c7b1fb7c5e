//! breakout-client: the one Rust implementation of the client side of the Breakout protocol. The
//! desktop app, the load tool and `breakout-cli` all go through it; nothing else talks the protocol
//! by hand.
//!
//! - [`Api`]: HTTP — create and join sessions, upload and download documents with progress.
//! - [`Client`]: a live session — replica, optimistic commands, reconnect and resume, notices.
//! - [`connection`]: a bare WebSocket speaking typed messages (for tools that keep no replica).

mod api;
mod client;
pub mod connection;
mod credentials;
mod endpoint;
mod error;
mod invite;
mod notice;
mod tls;

pub use api::{sha256_of, Api, Progress, ProgressFn};
pub use client::{Client, ClientOptions, ConnectionState};
pub use credentials::Credentials;
pub use endpoint::{Endpoint, LinkSecurity, CA_FILE_ENV};
pub use error::ClientError;
pub use invite::{Invite, INVITE_SCHEME};
pub use notice::{notices_for, Notice};
pub use tls::{check_ca_file, CertFingerprint};
pub use tokio_util::sync::CancellationToken;
