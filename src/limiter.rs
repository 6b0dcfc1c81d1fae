//! Client-side pacing: a leaky bucket per portal, shared by every call and
//! thread of the process, that spaces requests so a burst does not earn the
//! portal's 503 `QUERY_LIMIT_EXCEEDED`. It cannot see other processes' calls,
//! so the retries on 503 stay.
//!
//! Which portals are paced is [`Pacing`]'s choice: by default cloud portals
//! from their first call, and any other portal only once it has shown a
//! limit — a self-hosted Bitrix24 has none unless its administrator sets one.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A leaky bucket's size: requests that fit at once, and how many drain a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests that may go at once from a full bucket.
    pub capacity: f64,
    /// Requests the bucket lets through each second once empty.
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

/// Which portals are paced, and how (`OPI_BITRIX24_RATE_LIMIT`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// Cloud portals (a `bitrix24` domain, such as `b24-ar17wx.bitrix24.by`)
    /// at [`RateLimit::STANDARD`] from their first call; any other portal
    /// not at all until it answers `QUERY_LIMIT_EXCEEDED`, then at the
    /// standard bucket too. The default.
    Auto,
    /// Every portal at this bucket from its first call.
    Always(RateLimit),
    /// No portal.
    Off,
}

/// Whether `host` is a Bitrix24 cloud portal: a name under a `bitrix24`
/// domain of a country (`bitrix24.ru`, `bitrix24.by`), or under one of a
/// country's second-level domains (`bitrix24.com.br`, `bitrix24.co.uk`).
pub fn is_cloud_host(host: &str) -> bool {
    // Read from the right, label by label, without collecting them: this
    // runs for every paced call.
    let mut labels = host.trim_end_matches('.').rsplit('.');
    let is_bitrix24 =
        |label: Option<&str>| label.is_some_and(|l| l.eq_ignore_ascii_case("bitrix24"));
    let (Some(_country), next, after) = (labels.next(), labels.next(), labels.next()) else {
        return false;
    };
    // `<portal>.bitrix24.<country>`, or `<portal>.bitrix24.<second>.<country>`
    // with a second-level part of at most three letters (`com.br`).
    (is_bitrix24(next) && after.is_some())
        || (next.is_some_and(|second| second.len() <= 3)
            && is_bitrix24(after)
            && labels.next().is_some())
}

/// The slot below the portal's threshold kept free: requests scheduled apart
/// may reach the portal closer together, by network and scheduling jitter.
const HEADROOM: f64 = 1.0;

struct Bucket {
    level: f64,
    at: Instant,
}

/// Buckets by portal (scheme, host and port), and the portals that showed
/// a limit.
pub(crate) struct Limiter {
    pacing: Pacing,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    buckets: HashMap<String, Bucket>,
    limited: HashSet<String>,
}

impl Limiter {
    /// None for [`Pacing::Off`]: nothing to keep.
    pub(crate) fn new(pacing: Pacing) -> Option<Limiter> {
        (pacing != Pacing::Off).then(|| Limiter {
            pacing,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The bucket `portal` (its origin) at `host` is paced at, if any.
    fn limit_of(&self, state: &State, portal: &str, host: &str) -> Option<RateLimit> {
        match self.pacing {
            Pacing::Always(limit) => Some(limit),
            Pacing::Auto if is_cloud_host(host) || state.limited.contains(portal) => {
                Some(RateLimit::STANDARD)
            }
            Pacing::Auto | Pacing::Off => None,
        }
    }

    /// The portal answered `QUERY_LIMIT_EXCEEDED`: from now on it is paced,
    /// starting from a full bucket, as the portal's own is.
    pub(crate) fn note_query_limit(&self, portal: &str, now: Instant) {
        let mut state = self.lock();
        if self.pacing == Pacing::Auto && state.limited.insert(portal.to_owned()) {
            let capacity = RateLimit::STANDARD.capacity - HEADROOM;
            state.buckets.insert(
                portal.to_owned(),
                Bucket {
                    level: capacity,
                    at: now,
                },
            );
        }
    }

    /// Reserves the next slot for `portal` (its origin) at `host` and
    /// returns when it begins — `now` when the portal is not paced; or
    /// `None`, reserving nothing, if that is after `deadline`.
    pub(crate) fn reserve(
        &self,
        portal: &str,
        host: &str,
        now: Instant,
        deadline: Instant,
    ) -> Option<Instant> {
        let mut state = self.lock();
        let Some(RateLimit {
            capacity,
            per_second,
        }) = self.limit_of(&state, portal, host)
        else {
            return Some(now);
        };
        let capacity = (capacity - HEADROOM).max(1.0);
        // Looked up before it is made: a key is allocated once per portal.
        if !state.buckets.contains_key(portal) {
            let bucket = Bucket {
                level: 0.0,
                at: now,
            };
            state.buckets.insert(portal.to_owned(), bucket);
        }
        let bucket = state.buckets.get_mut(portal).expect("made above");
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
        Limiter::new(Pacing::Always(RateLimit {
            capacity,
            per_second,
        }))
        .expect("a limiter")
    }

    #[test]
    fn a_burst_fills_the_bucket_then_is_spaced_by_the_drain() {
        let limiter = limiter(11.0, 20.0);
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        let starts: Vec<Duration> = (0..30)
            .map(|_| {
                limiter
                    .reserve("https://p", "portal.example", now, far)
                    .unwrap()
                    - now
            })
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
            assert_eq!(
                limiter.reserve("https://a", "portal.example", now, far),
                Some(now)
            );
        }
        assert!(
            limiter
                .reserve("https://a", "portal.example", now, far)
                .unwrap()
                > now
        );
        assert_eq!(
            limiter.reserve("https://b", "portal.example", now, far),
            Some(now),
            "another portal has its own bucket"
        );
        let later = now + Duration::from_secs(10);
        assert_eq!(
            limiter.reserve(
                "https://a",
                "portal.example",
                later,
                later + Duration::from_secs(1)
            ),
            Some(later)
        );
    }

    #[test]
    fn cloud_names_are_told_from_self_hosted_ones() {
        for cloud in [
            "b24-ar17wx.bitrix24.by",
            "company.bitrix24.ru",
            "x.bitrix24.com.br",
            "X.Bitrix24.DE.",
        ] {
            assert!(is_cloud_host(cloud), "{cloud}");
        }
        for other in [
            "bitrix24.ru",
            "crm.company.ru",
            "bitrix24.company.ru",
            "127.0.0.1",
            "b24.local",
            "a.b.c.bitrix24.example.com",
        ] {
            assert!(!is_cloud_host(other), "{other}");
        }
    }

    #[test]
    fn by_default_a_cloud_portal_is_paced_from_its_first_call_and_others_after_a_503() {
        let limiter = Limiter::new(Pacing::Auto).expect("a limiter");
        let now = Instant::now();
        let far = now + Duration::from_secs(3600);
        let cloud: Vec<Instant> = (0..60)
            .map(|_| {
                limiter
                    .reserve("https://b24-x.bitrix24.ru", "b24-x.bitrix24.ru", now, far)
                    .unwrap()
            })
            .collect();
        assert!(cloud[..49].iter().all(|start| *start == now));
        assert_eq!(
            cloud[49] - now,
            Duration::from_millis(500),
            "2 a second after 49"
        );
        assert_eq!(cloud[59] - now, Duration::from_millis(5500));

        let own = ("https://crm.company.ru", "crm.company.ru");
        for _ in 0..500 {
            assert_eq!(
                limiter.reserve(own.0, own.1, now, far),
                Some(now),
                "not paced"
            );
        }
        limiter.note_query_limit(own.0, now);
        let after: Vec<Duration> = (0..3)
            .map(|_| limiter.reserve(own.0, own.1, now, far).unwrap() - now)
            .collect();
        assert_eq!(
            after,
            [500, 1000, 1500].map(Duration::from_millis),
            "from a full standard bucket"
        );
        assert!(Limiter::new(Pacing::Off).is_none());
    }

    #[test]
    fn a_slot_past_the_deadline_is_not_reserved() {
        let limiter = limiter(2.0, 1.0);
        let now = Instant::now();
        assert_eq!(limiter.reserve("p", "portal.example", now, now), Some(now));
        assert_eq!(
            limiter.reserve("p", "portal.example", now, now + Duration::from_millis(500)),
            None
        );
        assert_eq!(
            limiter.reserve("p", "portal.example", now, now + Duration::from_secs(2)),
            Some(now + Duration::from_secs(1))
        );
    }
}
