//! The abuse limits keyed on who is asking: session creations, joins and wrong join codes per client
//! address (token buckets in bounded maps), and open WebSocket connections per token and per address
//! (counts that fall when a connection ends). A refusal is `429 rate_limited` with `Retry-After`,
//! counted in /metrics by limit, and happens before anything is changed.
//!
//! Addresses are keyed as [`address_key`] makes them: IPv4 as is, IPv6 by its /64 network (one
//! subscriber usually holds a whole /64, so counting single IPv6 addresses limits nothing).

use crate::config::Config;
use crate::error::HttpError;
use crate::http::client_ip::canonical;
use crate::metrics::{Limit, Metrics};
use crate::rate_limit::KeyedBuckets;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Retry-After for a connection limit: a connection may close any moment.
const CONNECTION_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Every per-client limit of one endpoint.
pub(crate) struct Limits {
    creations: Mutex<KeyedBuckets<IpAddr>>,
    joins: Mutex<KeyedBuckets<IpAddr>>,
    wrong_codes: Mutex<KeyedBuckets<IpAddr>>,
    sockets_per_token: Arc<Counts<String>>,
    sockets_per_ip: Arc<Counts<IpAddr>>,
    metrics: Arc<Metrics>,
}

/// Held while a WebSocket is open; dropping it frees its places.
pub(crate) struct SocketPermit {
    _token: Place<String>,
    _ip: Place<IpAddr>,
}

impl Limits {
    pub(crate) fn new(config: &Config, metrics: Arc<Metrics>) -> Limits {
        let per = |count: f64, period: f64| {
            Mutex::new(KeyedBuckets::new(
                count / period,
                count,
                config.rate_limit_addresses,
            ))
        };
        Limits {
            creations: per(config.creations_per_ip_per_hour, 3600.0),
            joins: per(config.joins_per_ip_per_minute, 60.0),
            wrong_codes: per(config.failed_joins_per_minute, 60.0),
            sockets_per_token: Counts::new(config.websockets_per_token),
            sockets_per_ip: Counts::new(config.websockets_per_ip),
            metrics,
        }
    }

    /// One session creation by `ip`.
    pub(crate) fn create(&self, ip: IpAddr) -> Result<(), HttpError> {
        take(&self.creations, ip).map_err(|wait| {
            self.refuse(
                Limit::Creations,
                "too many sessions created from your address",
                wait,
            )
        })
    }

    /// One join attempt by `ip`: refused while the address has used up its joins or its wrong codes.
    pub(crate) fn join(&self, ip: IpAddr) -> Result<(), HttpError> {
        let key = address_key(ip);
        let now = Instant::now();
        let wrong = lock(&self.wrong_codes).check(&key, now);
        wrong.map_err(|wait| {
            self.refuse(
                Limit::WrongCodes,
                "too many wrong join codes from your address",
                wait,
            )
        })?;
        let joins = lock(&self.joins).try_take(&key, now);
        joins.map_err(|wait| self.refuse(Limit::Joins, "too many joins from your address", wait))
    }

    /// `ip` sent a wrong join code.
    pub(crate) fn wrong_code(&self, ip: IpAddr) {
        // Refusals are decided by `join` before the next attempt; an empty bucket just stays empty.
        let _ = take(&self.wrong_codes, ip);
    }

    /// Places for one more WebSocket of `token_hash` from `ip`.
    pub(crate) fn socket(&self, token_hash: String, ip: IpAddr) -> Result<SocketPermit, HttpError> {
        let refuse = |limit, what: &str| {
            self.refuse(
                limit,
                &format!("too many open connections {what}"),
                CONNECTION_RETRY_AFTER,
            )
        };
        let ip = Counts::enter(&self.sockets_per_ip, address_key(ip))
            .ok_or_else(|| refuse(Limit::SocketsPerIp, "from your address"))?;
        let token = Counts::enter(&self.sockets_per_token, token_hash)
            .ok_or_else(|| refuse(Limit::SocketsPerToken, "with this token"))?;
        Ok(SocketPermit {
            _token: token,
            _ip: ip,
        })
    }

    fn refuse(&self, limit: Limit, message: &str, retry_after: Duration) -> HttpError {
        self.metrics.rate_limited(limit);
        HttpError::Throttled {
            message: format!("{message}; try again later"),
            retry_after: retry_after.max(Duration::from_secs(1)),
        }
    }
}

fn take(buckets: &Mutex<KeyedBuckets<IpAddr>>, ip: IpAddr) -> Result<(), Duration> {
    lock(buckets).try_take(&address_key(ip), Instant::now())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the limits count an address as: IPv4 itself, IPv6 its /64 network.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// How many connections each key has open, at most `max`; keys with none are not kept.
struct Counts<K> {
    max: usize,
    open: Mutex<HashMap<K, usize>>,
}

/// One open connection counted for `key`.
struct Place<K: Hash + Eq> {
    counts: Arc<Counts<K>>,
    key: K,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new(max: usize) -> Arc<Counts<K>> {
        Arc::new(Counts {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn enter(counts: &Arc<Counts<K>>, key: K) -> Option<Place<K>> {
        let mut open = lock(&counts.open);
        let n = open.entry(key.clone()).or_insert(0);
        if *n >= counts.max {
            if *n == 0 {
                open.remove(&key);
            }
            return None;
        }
        *n += 1;
        Some(Place {
            counts: counts.clone(),
            key,
        })
    }
}

impl<K: Hash + Eq> Drop for Place<K> {
    fn drop(&mut self) {
        let mut open = lock(&self.counts.open);
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{address_key, Counts};
    use std::net::IpAddr;

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(address_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(address_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn connection_counts_fall_when_a_place_is_dropped_and_forget_empty_keys() {
        let counts = Counts::new(2);
        let a = Counts::enter(&counts, "t").unwrap();
        let b = Counts::enter(&counts, "t").unwrap();
        assert!(Counts::enter(&counts, "t").is_none());
        drop(a);
        assert!(Counts::enter(&counts, "t").is_some());
        assert!(Counts::enter(&counts, "u").is_some());
        drop(b);
        assert!(
            super::lock(&counts.open).is_empty(),
            "no key is kept without connections"
        );
    }
}
