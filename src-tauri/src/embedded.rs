//! The sync endpoint inside the moderator's app, so a session needs no service at all. It serves on
//! 127.0.0.1 (or on every interface, advertised by the LAN address, when the user lets people on the
//! network join), keeps its data in the app's data directory, and stops cleanly with the app.
//!
//! On the network it serves https with a self-signed certificate made on first use and kept in the
//! data directory; its SHA-256 travels in the invite link, and joining apps accept that certificate
//! and no other — encryption without a certificate authority.

use crate::error::AppError;
use breakout_client::{CertFingerprint, Endpoint};
use breakout_server::Config;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running embedded endpoint.
pub struct EmbeddedEndpoint {
    endpoint: Endpoint,
    on_lan: bool,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl EmbeddedEndpoint {
    /// Start serving with data under `data_dir`, on a free port.
    pub async fn start(data_dir: &Path, on_lan: bool) -> Result<EmbeddedEndpoint, AppError> {
        let bind = if on_lan {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        let listener = TcpListener::bind(SocketAddr::new(bind, 0))
            .await
            .map_err(|e| AppError::new("network", format!("cannot open a port: {e}")))?;
        let port = listener.local_addr().map_err(io_error)?.port();
        let advertised = if on_lan {
            lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        let address = SocketAddr::new(advertised, port);
        let mut config = Config::new(data_dir);
        let endpoint = if on_lan {
            let names = vec![advertised.to_string(), "localhost".to_owned()];
            let certificate = breakout_server::certs::stored_self_signed(
                &data_dir.join("lan-certificate"),
                &names,
            )
            .map_err(|e| AppError::new("storage", e.to_string()))?;
            config.tls = Some(
                certificate
                    .server_config()
                    .map_err(|e| AppError::new("storage", e.to_string()))?,
            );
            Endpoint::parse(&format!("https://{address}"))?
                .with_pin(CertFingerprint::parse(&certificate.fingerprint)?)?
        } else {
            Endpoint::parse(&format!("http://{address}"))?
        };
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            if let Err(error) =
                breakout_server::run(listener, config, async move { stopped.cancelled().await })
                    .await
            {
                eprintln!("breakout: the embedded endpoint stopped: {error}");
            }
        });
        Ok(EmbeddedEndpoint {
            endpoint,
            on_lan,
            stop,
            task,
        })
    }

    /// The address participants connect to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whether it listens beyond this computer.
    pub fn on_lan(&self) -> bool {
        self.on_lan
    }

    /// Close every connection with a close frame and wait until the data is safe on disk.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::new("network", e.to_string())
}

/// The address other machines reach this one at: the source address the OS would use for an outside
/// destination. Connecting a UDP socket only picks a route; no packet is sent.
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakout_client::{Api, LinkSecurity};

    /// The endpoint on 127.0.0.1 with the pin of `shared` (the LAN address may not be reachable
    /// from a test machine; the certificate is the same on every interface).
    fn via_loopback(shared: &Endpoint) -> Endpoint {
        let port = shared.http("").port().expect("a port");
        Endpoint::parse(&format!("https://127.0.0.1:{port}"))
            .unwrap()
            .with_pin(shared.pin().expect("a pinned certificate").clone())
            .unwrap()
    }

    #[tokio::test]
    async fn on_the_network_it_serves_https_with_a_certificate_kept_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let first = EmbeddedEndpoint::start(dir.path(), true).await.unwrap();
        let shared = first.endpoint().clone();
        assert_eq!(shared.security(), LinkSecurity::Encrypted);
        Api::new(via_loopback(&shared)).health().await.unwrap();
        first.stop().await;

        let second = EmbeddedEndpoint::start(dir.path(), true).await.unwrap();
        assert_eq!(
            second.endpoint().pin(),
            shared.pin(),
            "invite links stay valid"
        );
        Api::new(via_loopback(second.endpoint()))
            .health()
            .await
            .unwrap();
        second.stop().await;

        let local = EmbeddedEndpoint::start(dir.path(), false).await.unwrap();
        assert_eq!(local.endpoint().security(), LinkSecurity::ThisComputer);
        assert_eq!(local.endpoint().pin(), None);
        Api::new(local.endpoint().clone()).health().await.unwrap();
        local.stop().await;
    }
}
