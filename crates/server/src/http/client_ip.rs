//! Who is asking: the client address the per-IP abuse limits are keyed on. It is the TCP peer,
//! unless the peer is one of the operator's `--trusted-proxy` addresses; then `X-Forwarded-For` is
//! read from the right (each trusted proxy appends what it saw) and the right-most address that is
//! not a trusted proxy is the client. Anything a client wrote further left is never believed.

use crate::error::HttpError;
use crate::registry::Registry;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The header reverse proxies add.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, as an extractor for handlers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

impl FromRequestParts<Arc<Registry>> for ClientIp {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        registry: &Arc<Registry>,
    ) -> Result<Self, HttpError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| HttpError::internal("client address", "no peer address"))?;
        let trusted = &registry.context().config.trusted_proxies;
        Ok(ClientIp(client_ip(peer.ip(), &parts.headers, trusted)))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy (see the module comment).
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    // Every X-Forwarded-For line in order, each a comma-separated list, read right to left.
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Something unreadable where a proxy should have written an address: stop at the last
        // address a trusted party vouched for.
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// IPv4 addresses written as IPv6 (`::ffff:a.b.c.d`) are the IPv4 address.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use axum::http::{HeaderMap, HeaderValue};
    use ipnet::IpNet;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let headers = forwarded(&["198.51.100.1"]);
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // An IPv4-mapped peer is the IPv4 address.
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_wins_and_spoofed_hops_are_ignored() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client claimed 1.1.1.1; our proxies (10.x) appended the real address and themselves.
        let headers = forwarded(&["1.1.1.1, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("198.51.100.7")
        );
        // Garbage before reaching an untrusted hop: the last trusted address.
        let headers = forwarded(&["1.1.1.1, not-an-ip, 10.0.0.2"]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("10.0.0.2")
        );
        // Only trusted hops: the left-most of them.
        let headers = forwarded(&["10.9.9.9, 10.0.0.2"]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("10.9.9.9")
        );
    }
}
