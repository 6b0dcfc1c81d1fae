//! Client-side pacing: a leaky bucket per portal, shared by every call and
//! thread of the process, that spaces requests so a burst does not earn the
//! portal's 503 `QUERY_LIMIT_EXCEEDED`. It cannot see other processes' calls,
//! so the retries on 503 stay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A leaky bucket's size: requests that fit at once, and how many drain a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub capacity: f64,
    pub per_second: f64,
}

impl RateLimit {
    /// Bitrix24's standard plans: 50 requests, draining 2 a second.
    pub const STANDARD: RateLimit = RateLimit {
        capacity: 50.0,
        per_second: 2.0,
    };
    /// Bitrix24 Enterprise: 250 requests, draining 5 a second.
    pub const ENTERPRISE: RateLimit = RateLimit {
        capacity: 250.0,
        per_second: 5.0,
    };
}

/// The slot below the portal's threshold kept free: requests scheduled apart
/// may reach the portal closer together, by network and scheduling jitter.
const HEADROOM: f64 = 1.0;

struct Bucket {
    level: f64,
    at: Instant,
}

/// Buckets by portal (scheme, host and port).
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot for `portal` and returns when it begins; or
    /// `None`, reserving nothing, if that is after `deadline`.
    pub(crate) fn reserve(&self, portal: &str, now: Instant, deadline: Instant) -> Option<Instant> {
        let RateLimit {
            capacity,
            per_second,
        } = self.limit;
        let capacity = (capacity - HEADROOM).max(1.0);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(portal.to_owned()).or_insert(Bucket {
            level: 0.0,
            at: now,
        });
        // The bucket's time may be ahead of now: the last slot given begins later.
        let from = bucket.at.max(now);
        let level =
            (bucket.level - per_second * from.duration_since(bucket.at).as_secs_f64()).max(0.0);
        let wait = ((level + 1.0 - capacity) / per_second).max(0.0);
        let start = from + Duration::from_secs_f64(wait);
        if start > deadline {
            return None;
        }
        bucket.level = (level - per_second * wait).max(0.0) + 1.0;
        bucket.at = start;
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(capacity: f64, per_second: f64) -> Limiter {
        Limiter::new(RateLimit {
            capacity,
            per_second,
        })
    }

    #[test]
    fn a_burst_fills_the_bucket_then_is_spaced_by_the_drain() {
        let limiter = limiter(11.0, 20.0);
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        let starts: Vec<Duration> = (0..30)
            .map(|_| limiter.reserve("https://p", now, far).unwrap() - now)
            .collect();
        assert!(starts[..10].iter().all(|s| s.is_zero()), "{starts:?}");
        for (index, start) in starts.iter().enumerate().skip(10) {
            let expected = Duration::from_millis(50 * (index as u64 - 9));
            assert!(
                start.abs_diff(expected) < Duration::from_millis(1),
                "{index}: {start:?}"
            );
        }
    }

    #[test]
    fn the_bucket_drains_while_idle_and_portals_are_apart() {
        let limiter = limiter(3.0, 2.0);
        let now = Instant::now();
        let far = now + Duration::from_secs(60);
        for _ in 0..2 {
            assert_eq!(limiter.reserve("https://a", now, far), Some(now));
        }
        assert!(limiter.reserve("https://a", now, far).unwrap() > now);
        assert_eq!(
            limiter.reserve("https://b", now, far),
            Some(now),
            "another portal has its own bucket"
        );
        let later = now + Duration::from_secs(10);
        assert_eq!(
            limiter.reserve("https://a", later, later + Duration::from_secs(1)),
            Some(later)
        );
    }

    #[test]
    fn a_slot_past_the_deadline_is_not_reserved() {
        let limiter = limiter(2.0, 1.0);
        let now = Instant::now();
        assert_eq!(limiter.reserve("p", now, now), Some(now));
        assert_eq!(
            limiter.reserve("p", now, now + Duration::from_millis(500)),
            None
        );
        assert_eq!(
            limiter.reserve("p", now, now + Duration::from_secs(2)),
            Some(now + Duration::from_secs(1))
        );
    }
}
