//! A token bucket: the one rate limiter used for commands per connection and, keyed by client
//! address in a bounded map ([`KeyedBuckets`]), for the per-IP abuse limits. Time is passed in, so
//! it is trivially testable.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Allows `burst` actions at once and `per_second` on average.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(per_second: f64, burst: f64, now: Instant) -> Self {
        TokenBucket {
            per_second,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Is there a token, without taking it?
    pub(crate) fn available(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.last = now;
        self.tokens >= 1.0
    }

    /// Take one token if there is one.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        if self.available(now) {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until a token is available (zero if one is).
    fn retry_after(&mut self, now: Instant) -> Duration {
        if self.available(now) || self.per_second <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((1.0 - self.tokens) / self.per_second)
    }

    /// Refilled completely: remembering it changes nothing, so it may be forgotten.
    /// Does not count as a use (the least recently used bucket is evicted first).
    fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.per_second >= self.burst
    }
}

/// One [`TokenBucket`] per key (a client address), at most `capacity` of them: when the map is full,
/// refilled buckets are forgotten first (they hold no information), then the least recently used.
#[derive(Debug)]
pub(crate) struct KeyedBuckets<K> {
    per_second: f64,
    burst: f64,
    capacity: usize,
    buckets: HashMap<K, TokenBucket>,
}

impl<K: Hash + Eq + Clone> KeyedBuckets<K> {
    /// `burst` actions at once and `per_second` on average, per key.
    pub(crate) fn new(per_second: f64, burst: f64, capacity: usize) -> Self {
        KeyedBuckets {
            per_second,
            burst,
            capacity: capacity.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Take a token for `key`, or say how long until one is available.
    pub(crate) fn try_take(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        let bucket = self.bucket(key, now);
        if bucket.try_take(now) {
            Ok(())
        } else {
            Err(bucket.retry_after(now))
        }
    }

    /// Is there a token for `key`, without taking it? If not, how long until there is.
    pub(crate) fn check(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        match self.buckets.get_mut(key) {
            Some(bucket) => match bucket.retry_after(now) {
                Duration::ZERO => Ok(()),
                wait => Err(wait),
            },
            None => Ok(()),
        }
    }

    /// Buckets remembered now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }

    fn bucket(&mut self, key: &K, now: Instant) -> &mut TokenBucket {
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.capacity {
            self.buckets.retain(|_, bucket| !bucket.is_full(now));
            if self.buckets.len() >= self.capacity {
                let oldest = self
                    .buckets
                    .iter()
                    .min_by_key(|(_, bucket)| bucket.last)
                    .map(|(key, _)| key.clone());
                if let Some(oldest) = oldest {
                    self.buckets.remove(&oldest);
                }
            }
        }
        let (per_second, burst) = (self.per_second, self.burst);
        self.buckets
            .entry(key.clone())
            .or_insert_with(|| TokenBucket::new(per_second, burst, now))
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyedBuckets, TokenBucket};
    use std::time::{Duration, Instant};

    #[test]
    fn allows_a_burst_then_refills_over_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2.0, 3.0, start);
        assert!((0..3).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
        assert!(bucket.try_take(start + Duration::from_millis(500)));
        assert!(!bucket.try_take(start + Duration::from_millis(500)));
        assert!(!bucket.available(start + Duration::from_millis(500)));
        assert!(bucket.available(start + Duration::from_millis(1000)));
    }

    #[test]
    fn keyed_buckets_answer_retry_after_and_stay_bounded() {
        let start = Instant::now();
        let mut buckets = KeyedBuckets::new(1.0, 2.0, 3);
        assert!(buckets.try_take(&1, start).is_ok());
        assert!(buckets.try_take(&1, start).is_ok());
        assert_eq!(buckets.try_take(&1, start), Err(Duration::from_secs(1)));
        assert_eq!(buckets.check(&1, start), Err(Duration::from_secs(1)));
        assert!(
            buckets.check(&2, start).is_ok(),
            "another key is not limited"
        );
        // Full: a new key first evicts refilled buckets, then the least recently used one.
        assert!(buckets
            .try_take(&2, start + Duration::from_millis(5))
            .is_ok());
        assert!(buckets
            .try_take(&3, start + Duration::from_millis(10))
            .is_ok());
        assert!(buckets
            .try_take(&4, start + Duration::from_millis(20))
            .is_ok());
        assert_eq!(buckets.len(), 3);
        assert!(
            buckets.check(&1, start + Duration::from_millis(20)).is_ok(),
            "the least recently used key was forgotten"
        );
        let later = start + Duration::from_secs(10);
        assert!(buckets.try_take(&5, later).is_ok());
        assert_eq!(buckets.len(), 1, "refilled buckets are forgotten first");
    }
}
