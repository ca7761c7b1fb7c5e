//! An endpoint address, the URLs derived from it (HTTP routes, the WebSocket with its resume
//! query), and how its certificate is trusted — validated once, so every request and socket to it
//! follows the same rules.
//!
//! Plain `http://` is for this computer and the local network only: a public host must be reached
//! over `https://` (its traffic carries tokens and documents), and is refused before any request.

use crate::error::ClientError;
use crate::tls::{self, CertFingerprint};
use breakout_core::SessionId;
use reqwest::Url;
use rustls::pki_types::CertificateDer;
use serde::Serialize;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use ts_rs::TS;
use url::Host;

/// The CA file every Rust client adds to the system's roots, when set.
pub const CA_FILE_ENV: &str = "BREAKOUT_CA_FILE";

/// How the link to an endpoint is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkSecurity {
    /// https/wss.
    Encrypted,
    /// Plain http to this computer: nothing leaves it.
    ThisComputer,
    /// Plain http over a local network: readable by anyone on that network.
    NotEncrypted,
}

/// The base address of a sync endpoint, e.g. `https://breakout.example` or `http://127.0.0.1:7878`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    base: Url,
    /// Extra trusted roots (a private CA).
    extra_roots: Arc<Vec<CertificateDer<'static>>>,
    /// The one certificate to accept, from an invite link.
    pin: Option<CertFingerprint>,
    /// Built on first use and shared by every clone (thousands of sockets share one).
    tls: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
}

impl PartialEq for Endpoint {
    fn eq(&self, other: &Endpoint) -> bool {
        self.base == other.base && self.pin == other.pin && self.extra_roots == other.extra_roots
    }
}

impl Eq for Endpoint {}

impl Endpoint {
    /// Parse and check an http(s) address. Certificates are checked against the system's roots
    /// plus the CA file named by `BREAKOUT_CA_FILE`, if set.
    pub fn parse(address: &str) -> Result<Endpoint, ClientError> {
        let base = Url::parse(address.trim())
            .map_err(|e| ClientError::BadEndpoint(format!("{address}: {e}")))?;
        let Some(host) = base.host() else {
            return Err(ClientError::BadEndpoint(format!(
                "{address}: expected http://host:port or https://host"
            )));
        };
        match base.scheme() {
            "https" => {}
            "http" if is_local(&host) => {}
            "http" => {
                return Err(ClientError::BadEndpoint(format!(
                    "{address}: plain http:// is only allowed on this computer or a local network; use https:// for {host}"
                )))
            }
            _ => {
                return Err(ClientError::BadEndpoint(format!(
                    "{address}: expected http://host:port or https://host"
                )))
            }
        }
        let endpoint = Endpoint {
            base,
            extra_roots: Arc::default(),
            pin: None,
            tls: Arc::default(),
        };
        match std::env::var_os(CA_FILE_ENV).filter(|v| !v.is_empty()) {
            Some(path) => endpoint.with_ca_file(Path::new(&path)),
            None => Ok(endpoint),
        }
    }

    /// Also trust the CA certificates in this PEM file.
    pub fn with_ca_file(mut self, path: &Path) -> Result<Endpoint, ClientError> {
        let mut roots = (*self.extra_roots).clone();
        roots.extend(tls::read_ca_file(path)?);
        self.extra_roots = Arc::new(roots);
        self.tls = Arc::default();
        Ok(self)
    }

    /// Accept only the certificate with this fingerprint (an invite to a moderator's LAN endpoint).
    pub fn with_pin(mut self, pin: CertFingerprint) -> Result<Endpoint, ClientError> {
        if !self.is_encrypted() {
            return Err(ClientError::BadEndpoint(format!(
                "{self}: a certificate fingerprint needs an https:// address"
            )));
        }
        self.pin = Some(pin);
        self.tls = Arc::default();
        Ok(self)
    }

    /// The pinned certificate, if any.
    pub fn pin(&self) -> Option<&CertFingerprint> {
        self.pin.as_ref()
    }

    /// Is traffic to this endpoint encrypted (https/wss)?
    pub fn is_encrypted(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// How the link to this endpoint is protected, for people (the app marks a plain link).
    pub fn security(&self) -> LinkSecurity {
        let loopback = match self.base.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if self.is_encrypted() {
            LinkSecurity::Encrypted
        } else if loopback {
            LinkSecurity::ThisComputer
        } else {
            LinkSecurity::NotEncrypted
        }
    }

    /// The rustls configuration for this endpoint's certificates.
    pub(crate) fn tls_config(&self) -> Arc<rustls::ClientConfig> {
        self.tls
            .get_or_init(|| tls::client_config(&self.extra_roots, self.pin.as_ref()))
            .clone()
    }

    /// An HTTP client for this endpoint.
    pub(crate) fn http_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .use_preconfigured_tls((*self.tls_config()).clone())
            .build()
            .expect("an HTTP client with a rustls configuration always builds")
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

/// May plain http be used with this host? Loopback, private (RFC 1918, IPv6 unique-local) and
/// link-local addresses, `localhost`, and names that only resolve on a local network (single-label
/// names, `.local`, `.lan`, `.home.arpa`, `.internal`).
fn is_local(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => is_local_ip(IpAddr::V4(*ip)),
        Host::Ipv6(ip) => is_local_ip(IpAddr::V6(*ip)),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !name.contains('.')
                || [".localhost", ".local", ".lan", ".home.arpa", ".internal"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
        }
    }
}

fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_ip(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback() || first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80
            }
        },
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

    #[test]
    fn plain_http_is_only_for_this_computer_and_the_local_network() {
        for local in [
            "http://127.0.0.1:7878",
            "http://localhost:7878",
            "http://[::1]:7878",
            "http://192.168.1.20:7878",
            "http://10.0.0.5",
            "http://172.16.3.4",
            "http://169.254.1.1",
            "http://[fd00::1]",
            "http://[fe80::1]",
            "http://classroom-pc:7878",
            "http://breakout.local",
            "http://server.home.arpa",
        ] {
            let e = Endpoint::parse(local).unwrap_or_else(|e| panic!("{local}: {e}"));
            assert!(!e.is_encrypted());
            let this_computer = [
                "http://127.0.0.1:7878",
                "http://localhost:7878",
                "http://[::1]:7878",
            ];
            let expected = if this_computer.contains(&local) {
                LinkSecurity::ThisComputer
            } else {
                LinkSecurity::NotEncrypted
            };
            assert_eq!(e.security(), expected, "{local}");
        }
        for public in [
            "http://breakout.example.com",
            "http://8.8.8.8:7878",
            "http://172.32.0.1",
            "http://[2001:db8::1]",
            "http://[::ffff:8.8.8.8]",
        ] {
            let err = Endpoint::parse(public).unwrap_err();
            assert!(
                matches!(&err, ClientError::BadEndpoint(m) if m.contains("https://")),
                "{public}: {err:?}"
            );
        }
        let encrypted = Endpoint::parse("https://8.8.8.8").unwrap();
        assert_eq!(encrypted.security(), LinkSecurity::Encrypted);
    }

    #[test]
    fn a_pin_needs_https() {
        let pin = CertFingerprint::parse(&"ab".repeat(32)).unwrap();
        assert!(Endpoint::parse("http://127.0.0.1:1")
            .unwrap()
            .with_pin(pin.clone())
            .is_err());
        let pinned = Endpoint::parse("https://192.168.1.2:7878")
            .unwrap()
            .with_pin(pin.clone())
            .unwrap();
        assert_eq!(pinned.pin(), Some(&pin));
    }
}
