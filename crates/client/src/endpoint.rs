//! An endpoint address and the URLs derived from it (HTTP routes, the WebSocket with its resume
//! query), validated once.

use crate::error::ClientError;
use breakout_core::SessionId;
use reqwest::Url;

/// The base address of a sync endpoint, e.g. `http://127.0.0.1:7878`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// Parse and check an http(s) address.
    pub fn parse(address: &str) -> Result<Endpoint, ClientError> {
        let base = Url::parse(address.trim())
            .map_err(|e| ClientError::BadEndpoint(format!("{address}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(ClientError::BadEndpoint(format!(
                "{address}: expected http://host:port or https://host"
            )));
        }
        Ok(Endpoint { base })
    }

    /// An HTTP route below the base, e.g. `v1/sessions`.
    pub fn http(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}/{path}"));
        url
    }

    /// The WebSocket URL of a session, resuming from `(epoch, version)` if given.
    pub fn websocket(&self, session: &SessionId, resume: Option<(u64, u64)>) -> Url {
        let mut url = self.http(&format!("v1/sessions/{session}/ws"));
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .expect("ws and wss are valid schemes");
        if let Some((epoch, version)) = resume {
            url.set_query(Some(&format!("epoch={epoch}&version={version}")));
        }
        url
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.base.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_routes_and_websocket_urls() {
        let e = Endpoint::parse("http://127.0.0.1:7878").unwrap();
        assert_eq!(e.http("healthz").as_str(), "http://127.0.0.1:7878/healthz");
        let ws = e.websocket(&SessionId("abc".into()), Some((3, 9)));
        assert_eq!(
            ws.as_str(),
            "ws://127.0.0.1:7878/v1/sessions/abc/ws?epoch=3&version=9"
        );
        let tls = Endpoint::parse("https://breakout.example/api/").unwrap();
        assert_eq!(
            tls.websocket(&SessionId("s".into()), None).as_str(),
            "wss://breakout.example/api/v1/sessions/s/ws"
        );
    }

    #[test]
    fn refuses_what_is_not_a_web_address() {
        for bad in ["", "ftp://x", "localhost:7878", "http://"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
