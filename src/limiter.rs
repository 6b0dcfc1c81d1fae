//! Client-side pacing: a bucket per portal that spaces requests so a
//! burst does not earn the portal's 503 `QUERY_LIMIT_EXCEEDED`. The bucket
//! is GCRA's one number, the theoretical arrival time, on the wall clock;
//! by default every process of the host that calls the portal takes its
//! turns from one copy of it, in a state file (`src/shared/`), and each
//! process keeps its own copy too, used alone with `OPI_BITRIX24_SHARED=off`
//! or while the file cannot be used (docs/pacing.md).
//!
//! Which portals are paced is [`Pacing`]'s choice: by default cloud portals
//! from their first call, and any other portal only once it has shown a
//! limit — to this process, or to another one of the host, as the state
//! file says — since a self-hosted Bitrix24 has none unless its
//! administrator sets one.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fnv::FnvHashMap;

use crate::shared::layout::{PACE_BYTES, PaceRecord};
use crate::shared::{self, LOOK_EVERY, Slot, StateDir};

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
/// How long another process's note that a portal answered
/// `QUERY_LIMIT_EXCEEDED` makes a process that did not see it pace the
/// portal: an hour after the last one.
const LIMITED_FOR: i64 = 3600 * NANOS;
/// The farthest ahead a turn may be reserved: the longest call
/// (`OPI_BITRIX24_TIMEOUT`'s most, a day). A bucket whose arrival time is
/// further off than that and a full bucket is no bucket of ours.
const FARTHEST: i64 = 86_400 * NANOS;
const NANOS: i64 = 1_000_000_000;
/// The pacing file's extension: its record's format and version.
const EXTENSION: &str = "pace1";

/// GCRA's two numbers for a bucket, in nanoseconds: the emission interval
/// (one request drains in it) and the tolerance (how far the theoretical
/// arrival time may be ahead of a request that goes at once: the bucket's
/// room, less one, in intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cadence {
    interval: i64,
    tolerance: i64,
}

impl Cadence {
    /// A bucket of `limit`'s size, less the headroom.
    fn of(limit: RateLimit) -> Cadence {
        let capacity = (limit.capacity - HEADROOM).max(1.0);
        let interval = 1e9 / limit.per_second;
        Cadence {
            interval: interval.round() as i64,
            tolerance: ((capacity - 1.0) * interval).round() as i64,
        }
    }
}

/// A bucket as GCRA keeps it: the theoretical arrival time (when the
/// bucket would be empty again, had every request taken so far gone), and
/// the wall clock at the last turn, by which a clock stepped back is told.
/// Both in nanoseconds since the Unix epoch; zero is an empty bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Turns {
    arrival: i64,
    stamp: i64,
}

impl Turns {
    /// Takes the next turn at wall-clock time `now`: how many nanoseconds
    /// until it begins; or None, nothing taken, when that is more than
    /// `max_wait` away.
    fn take(&mut self, cadence: Cadence, now: i64, max_wait: i64) -> Option<i64> {
        self.catch_up(cadence, now);
        let start = now.max(self.arrival.saturating_sub(cadence.tolerance));
        let wait = start - now;
        if wait > max_wait {
            return None;
        }
        self.arrival = self.arrival.max(start).saturating_add(cadence.interval);
        Some(wait)
    }

    /// The portal refused for its limit: its bucket is full now.
    fn fill(&mut self, cadence: Cadence, now: i64) {
        self.catch_up(cadence, now);
        let full = now.saturating_add(cadence.tolerance + cadence.interval);
        self.arrival = self.arrival.max(full);
    }

    /// Brings the bucket to `now`. A clock stepped back since the last turn
    /// (`now` before it) counts as no time passed: the arrival time moves
    /// back by the step. An arrival time further ahead than any turn can be
    /// reserved (a file of garbage, a clock stepped back before the last
    /// turn was stamped) is dropped: the bucket starts empty.
    fn catch_up(&mut self, cadence: Cadence, now: i64) {
        if now < self.stamp {
            self.arrival = self.arrival.saturating_sub(self.stamp - now);
        }
        let farthest = FARTHEST + cadence.tolerance + cadence.interval;
        if self.arrival.saturating_sub(now) > farthest {
            self.arrival = now;
        }
        self.stamp = now;
    }
}

/// Buckets by portal (its origin: scheme, host and port), and what is known
/// of each portal's limit.
pub(crate) struct Limiter {
    pacing: Pacing,
    /// The state directory, when buckets are shared with the host's other
    /// processes (`OPI_BITRIX24_SHARED=host`).
    shared: Option<Arc<StateDir>>,
    /// The wall clock in nanoseconds since the Unix epoch; a fake in tests.
    clock: fn() -> i64,
    portals: Mutex<FnvHashMap<String, Portal>>,
}

/// What this process keeps of one portal.
struct Portal {
    /// This process's copy of the bucket: the bucket itself when it is not
    /// shared, or while the state file cannot be used.
    turns: Turns,
    /// Whether the portal is a cloud one ([`is_cloud_host`]), told once.
    cloud: bool,
    /// Whether the portal answered `QUERY_LIMIT_EXCEEDED`, to this process
    /// or to another one of the host.
    limited: bool,
    /// The portal's state file, when shared.
    file: Option<Slot>,
    /// When the state file of a portal this process does not pace is next
    /// looked at, for another process's note of a limit.
    next_look: Instant,
}

impl Limiter {
    /// None for [`Pacing::Off`]: nothing to keep. With `shared`, buckets are
    /// kept in that directory for every process of the host.
    pub(crate) fn new(pacing: Pacing, shared: Option<Arc<StateDir>>) -> Option<Limiter> {
        Limiter::with_clock(pacing, shared, shared::wall_nanos)
    }

    fn with_clock(
        pacing: Pacing,
        shared: Option<Arc<StateDir>>,
        clock: fn() -> i64,
    ) -> Option<Limiter> {
        (pacing != Pacing::Off).then(|| Limiter {
            pacing,
            shared,
            clock,
            portals: Mutex::new(FnvHashMap::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, FnvHashMap<String, Portal>> {
        self.portals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` on what is kept of `portal` (its origin) at `host`,
    /// under the lock: made at the portal's first call (the one time its
    /// key and file name are allocated), found with one lookup after.
    fn with_portal<R>(
        &self,
        portal: &str,
        host: &str,
        now: Instant,
        work: impl FnOnce(&mut Portal) -> R,
    ) -> R {
        let mut portals = self.lock();
        if let Some(kept) = portals.get_mut(portal) {
            return work(kept);
        }
        let file = self.shared.as_ref().map(|dir| {
            let path = dir.file_of(&[portal.as_bytes()], EXTENSION);
            Slot::new(path)
        });
        let kept = Portal {
            turns: Turns::default(),
            cloud: is_cloud_host(host),
            limited: false,
            file,
            next_look: now,
        };
        work(portals.entry(portal.to_owned()).or_insert(kept))
    }

    /// The bucket `portal` is paced at, if any, as far as this process
    /// knows.
    fn limit_of(&self, portal: &Portal) -> Option<RateLimit> {
        match self.pacing {
            Pacing::Always(limit) => Some(limit),
            Pacing::Auto if portal.limited || portal.cloud => Some(RateLimit::STANDARD),
            Pacing::Auto | Pacing::Off => None,
        }
    }

    /// The portal answered `QUERY_LIMIT_EXCEEDED`: from now on it is paced
    /// (by default; a pacing set for every portal stays as it is), starting
    /// from a full bucket, as the portal's own is; and the host's other
    /// processes find the note in the state file.
    pub(crate) fn note_query_limit(
        &self,
        portal: &str,
        host: &str,
        now: Instant,
        warn: &dyn Fn(&str),
    ) {
        if self.pacing != Pacing::Auto {
            return;
        }
        self.with_portal(portal, host, now, |kept| {
            kept.limited = true;
            let cadence = Cadence::of(RateLimit::STANDARD);
            kept.turns.fill(cadence, (self.clock)());
            let (Some(dir), Some(file)) = (&self.shared, &mut kept.file) else {
                return;
            };
            let clock = self.clock;
            let shared = file.turn(
                dir,
                true,
                |bytes: &mut [u8; PACE_BYTES]| {
                    let mut record = PaceRecord::read(bytes);
                    let now = clock();
                    let mut turns = Turns {
                        arrival: record.arrival,
                        stamp: record.stamp,
                    };
                    turns.fill(cadence, now);
                    (record.arrival, record.stamp) = (turns.arrival, turns.stamp);
                    record.limited_at = now;
                    record.write(bytes);
                    (turns, true)
                },
                warn,
            );
            if let Some(turns) = shared {
                kept.turns = turns;
            }
        });
    }

    /// Reserves the next turn for `portal` (its origin) at `host` and
    /// returns how long until it begins — none when the portal is not
    /// paced; or `None`, reserving nothing, if it begins after `deadline`.
    /// A state file that cannot be used is told to `warn`, once.
    pub(crate) fn reserve(
        &self,
        portal: &str,
        host: &str,
        now: Instant,
        deadline: Instant,
        warn: &dyn Fn(&str),
    ) -> Option<Duration> {
        self.with_portal(portal, host, now, |kept| {
            let limit = match self.limit_of(kept) {
                Some(limit) => limit,
                None if self.limited_elsewhere(kept, now, warn) => RateLimit::STANDARD,
                None => return Some(Duration::ZERO),
            };
            let max_wait = deadline.saturating_duration_since(now).as_nanos();
            let max_wait = i64::try_from(max_wait).unwrap_or(i64::MAX);
            let wait = self.take(kept, Cadence::of(limit), max_wait, warn)?;
            Some(Duration::from_nanos(wait.unsigned_abs()))
        })
    }

    /// Takes a turn of `kept`'s bucket: from the state file when shared and
    /// usable, else from this process's copy.
    fn take(
        &self,
        kept: &mut Portal,
        cadence: Cadence,
        max_wait: i64,
        warn: &dyn Fn(&str),
    ) -> Option<i64> {
        let clock = self.clock;
        let shared = match (&self.shared, &mut kept.file) {
            (Some(dir), Some(file)) => file.turn(
                dir,
                true,
                |bytes: &mut [u8; PACE_BYTES]| {
                    let mut record = PaceRecord::read(bytes);
                    let mut turns = Turns {
                        arrival: record.arrival,
                        stamp: record.stamp,
                    };
                    let wait = turns.take(cadence, clock(), max_wait);
                    (record.arrival, record.stamp) = (turns.arrival, turns.stamp);
                    record.write(bytes);
                    ((wait, turns), wait.is_some())
                },
                warn,
            ),
            _ => None,
        };
        match shared {
            Some((wait, turns)) => {
                kept.turns = turns;
                wait
            }
            None => kept.turns.take(cadence, clock(), max_wait),
        }
    }

    /// Whether another process noted, within the last [`LIMITED_FOR`], that
    /// a portal this process does not pace answered `QUERY_LIMIT_EXCEEDED`;
    /// the state file is looked at once per [`LOOK_EVERY`], and never made.
    fn limited_elsewhere(&self, kept: &mut Portal, now: Instant, warn: &dyn Fn(&str)) -> bool {
        let (Some(dir), Some(file)) = (&self.shared, &mut kept.file) else {
            return false;
        };
        if now < kept.next_look {
            return false;
        }
        kept.next_look = now + LOOK_EVERY;
        let read = |bytes: &mut [u8; PACE_BYTES]| (PaceRecord::read(bytes).limited_at, false);
        let Some(limited_at) = file.turn(dir, false, read, warn) else {
            return false;
        };
        let since = (self.clock)().saturating_sub(limited_at);
        kept.limited = limited_at != 0 && since < LIMITED_FOR;
        kept.limited
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::path::PathBuf;

    /// 2026-12-02T09:14:07Z in nanoseconds: the fake wall clock's start.
    const T: i64 = 1_796_202_847 * NANOS;
    const MS: i64 = 1_000_000;

    thread_local! {
        /// The fake wall clock of this test's thread.
        static NOW: Cell<i64> = const { Cell::new(T) };
    }

    fn fake_clock() -> i64 {
        NOW.with(Cell::get)
    }

    fn set_clock(now: i64) {
        NOW.with(|clock| clock.set(now));
    }

    fn limiter_in(pacing: Pacing, shared: Option<&Arc<StateDir>>) -> Limiter {
        set_clock(T);
        Limiter::with_clock(pacing, shared.cloned(), fake_clock).expect("a limiter")
    }

    fn limiter(capacity: f64, per_second: f64) -> Limiter {
        let limit = RateLimit {
            capacity,
            per_second,
        };
        limiter_in(Pacing::Always(limit), None)
    }

    /// A state directory of this test's own, empty.
    fn state_dir(name: &str) -> Arc<StateDir> {
        let path =
            std::env::temp_dir().join(format!("opi-limiter-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Arc::new(StateDir::new(path))
    }

    const FAR: Duration = Duration::from_secs(3600);

    /// The wait of the next turn of `portal`, at the fake clock's time.
    fn wait(limiter: &Limiter, portal: &str) -> Duration {
        let now = Instant::now();
        let no_warning = |text: &str| panic!("warned: {text}");
        limiter
            .reserve(portal, "portal.example", now, now + FAR, &no_warning)
            .expect("a turn")
    }

    fn millis(waits: &[Duration]) -> Vec<u128> {
        waits.iter().map(Duration::as_millis).collect()
    }

    #[test]
    fn gcra_lets_a_full_bucket_go_then_spaces_by_the_interval() {
        // 10 requests, 20 a second: an interval of 50 ms, a tolerance of 9.
        let cadence = Cadence::of(RateLimit {
            capacity: 11.0,
            per_second: 20.0,
        });
        assert_eq!(
            cadence,
            Cadence {
                interval: 50 * MS,
                tolerance: 450 * MS
            }
        );
        let mut turns = Turns::default();
        let waits: Vec<i64> = (0..12)
            .map(|_| turns.take(cadence, T, i64::MAX).unwrap())
            .collect();
        assert_eq!(waits[..10], [0; 10]);
        assert_eq!(waits[10..], [50 * MS, 100 * MS]);
        assert_eq!(turns.arrival, T + 600 * MS);
        // A turn past the most a call may wait takes nothing.
        assert_eq!(turns.take(cadence, T, 100 * MS), None);
        assert_eq!(turns.arrival, T + 600 * MS);
        // Drained while idle: 600 ms later the bucket is empty again.
        assert_eq!(turns.take(cadence, T + 600 * MS, 0), Some(0));
        // A full bucket (the portal refused): the next turn is an interval off.
        let mut full = Turns::default();
        full.fill(cadence, T);
        assert_eq!(full.take(cadence, T, i64::MAX), Some(50 * MS));
    }

    #[test]
    fn a_clock_stepped_back_counts_as_no_time_passed_and_garbage_as_an_empty_bucket() {
        let cadence = Cadence::of(RateLimit {
            capacity: 3.0,
            per_second: 1.0,
        });
        let mut turns = Turns::default();
        for _ in 0..2 {
            assert_eq!(turns.take(cadence, T, i64::MAX), Some(0));
        }
        // An hour back: the bucket is as full as it was, not an hour fuller.
        let back = T - 3600 * NANOS;
        assert_eq!(turns.take(cadence, back, i64::MAX), Some(1000 * MS));
        assert_eq!(
            turns.take(cadence, back + 1000 * MS, i64::MAX),
            Some(1000 * MS)
        );
        // An arrival time a year ahead is no bucket's: it starts empty.
        let mut garbage = Turns {
            arrival: T + 365 * 86_400 * NANOS,
            stamp: 0,
        };
        assert_eq!(garbage.take(cadence, T, i64::MAX), Some(0));
        // A year's reservations could not be: a day's can.
        let mut day = Turns {
            arrival: T + 86_000 * NANOS,
            stamp: T,
        };
        assert_eq!(day.take(cadence, T, 0), None);
    }

    #[test]
    fn a_burst_fills_the_bucket_then_is_spaced_by_the_drain() {
        let limiter = limiter(11.0, 20.0);
        let starts: Vec<Duration> = (0..30).map(|_| wait(&limiter, "https://p")).collect();
        assert!(starts[..10].iter().all(|s| s.is_zero()), "{starts:?}");
        for (index, start) in starts.iter().enumerate().skip(10) {
            let expected = Duration::from_millis(50 * (index as u64 - 9));
            assert_eq!(*start, expected, "{index}");
        }
    }

    #[test]
    fn the_bucket_drains_while_idle_and_portals_are_apart() {
        let limiter = limiter(3.0, 2.0);
        for _ in 0..2 {
            assert_eq!(wait(&limiter, "https://a"), Duration::ZERO);
        }
        assert!(wait(&limiter, "https://a") > Duration::ZERO);
        assert_eq!(
            wait(&limiter, "https://b"),
            Duration::ZERO,
            "another portal has its own bucket"
        );
        set_clock(T + 10 * NANOS);
        assert_eq!(wait(&limiter, "https://a"), Duration::ZERO);
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
        let limiter = limiter_in(Pacing::Auto, None);
        let now = Instant::now();
        let far = now + FAR;
        let never = |text: &str| panic!("warned: {text}");
        let reserve = |portal, host| limiter.reserve(portal, host, now, far, &never).unwrap();
        let cloud: Vec<Duration> = (0..60)
            .map(|_| reserve("https://b24-x.bitrix24.ru", "b24-x.bitrix24.ru"))
            .collect();
        assert!(cloud[..49].iter().all(Duration::is_zero));
        assert_eq!(cloud[49], Duration::from_millis(500), "2 a second after 49");
        assert_eq!(cloud[59], Duration::from_millis(5500));

        let own = ("https://crm.company.ru", "crm.company.ru");
        for _ in 0..500 {
            assert_eq!(reserve(own.0, own.1), Duration::ZERO, "not paced");
        }
        limiter.note_query_limit(own.0, own.1, now, &never);
        let after: Vec<Duration> = (0..3).map(|_| reserve(own.0, own.1)).collect();
        assert_eq!(
            millis(&after),
            [500, 1000, 1500],
            "from a full standard bucket"
        );
        assert!(Limiter::new(Pacing::Off, None).is_none());
    }

    #[test]
    fn a_slot_past_the_deadline_is_not_reserved() {
        let limiter = limiter(2.0, 1.0);
        let now = Instant::now();
        let never = |text: &str| panic!("warned: {text}");
        let reserve = |within| limiter.reserve("p", "portal.example", now, now + within, &never);
        assert_eq!(reserve(Duration::ZERO), Some(Duration::ZERO));
        assert_eq!(reserve(Duration::from_millis(500)), None);
        assert_eq!(
            reserve(Duration::from_secs(2)),
            Some(Duration::from_secs(1))
        );
    }

    /// Two limiters on one state directory stand for two processes: they
    /// take their turns from one bucket, unless sharing is off.
    #[test]
    fn limiters_sharing_a_state_directory_take_turns_from_one_bucket() {
        let dir = state_dir("one-bucket");
        let pacing = Pacing::Always(RateLimit {
            capacity: 11.0,
            per_second: 20.0,
        });
        let (first, second) = (
            limiter_in(pacing, Some(&dir)),
            limiter_in(pacing, Some(&dir)),
        );
        let waits: Vec<Duration> = (0..14)
            .map(|turn| wait([&first, &second][turn % 2], "https://p"))
            .collect();
        assert_eq!(
            millis(&waits),
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50, 100, 150, 200]
        );
        // The file holds the bucket: one 32-byte record, the arrival time
        // 14 intervals on.
        let files: Vec<PathBuf> = std::fs::read_dir(dir.file_of(&[], "x").parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0], dir.file_of(&[b"https://p"], EXTENSION));
        let bytes: [u8; PACE_BYTES] = std::fs::read(&files[0]).unwrap().try_into().unwrap();
        assert_eq!(PaceRecord::read(&bytes).arrival, T + 14 * 50 * MS);

        let (alone, apart) = (limiter_in(pacing, None), limiter_in(pacing, None));
        let waits: Vec<Duration> = (0..14)
            .map(|turn| wait([&alone, &apart][turn % 2], "https://p"))
            .collect();
        assert!(waits.iter().all(Duration::is_zero), "{waits:?}");
    }

    #[test]
    fn a_limit_one_process_met_is_known_to_the_others_within_a_second() {
        let dir = state_dir("limited");
        let (met, other) = (
            limiter_in(Pacing::Auto, Some(&dir)),
            limiter_in(Pacing::Auto, Some(&dir)),
        );
        let portal = "https://crm.company.ru";
        let never = |text: &str| panic!("warned: {text}");
        let now = Instant::now();
        let at = |limiter: &Limiter, now: Instant| {
            let reserved = limiter.reserve(portal, "crm.company.ru", now, now + FAR, &never);
            reserved.unwrap()
        };
        assert_eq!(at(&other, now), Duration::ZERO);
        // Looked at by the first call: no file was there, and none is made.
        assert!(!dir.file_of(&[portal.as_bytes()], EXTENSION).exists());
        met.note_query_limit(portal, "crm.company.ru", now, &never);
        assert_eq!(at(&met, now), Duration::from_millis(500));
        // The other process looks again a second after it last looked: the
        // bucket is full, and holds the first process's turn.
        assert_eq!(at(&other, now + Duration::from_millis(999)), Duration::ZERO);
        let later = now + LOOK_EVERY;
        assert_eq!(at(&other, later), Duration::from_millis(1000));
        assert_eq!(at(&met, later), Duration::from_millis(1500));
        // A note an hour old is not taken up by a process that did not see it.
        let late = state_dir("late");
        let noted = limiter_in(Pacing::Auto, Some(&late));
        noted.note_query_limit(portal, "crm.company.ru", now, &never);
        set_clock(T + LIMITED_FOR);
        let newcomer = Limiter::with_clock(Pacing::Auto, Some(late), fake_clock).unwrap();
        assert_eq!(at(&newcomer, now), Duration::ZERO);
    }

    #[test]
    fn a_state_file_that_cannot_be_used_leaves_the_process_pacing_alone_with_one_warning() {
        let dir = state_dir("not-a-directory");
        let blocker = dir.file_of(&[], "x");
        let blocker = blocker.parent().unwrap();
        std::fs::write(blocker, b"a file where the directory should be").unwrap();
        let limiter = limiter_in(
            Pacing::Always(RateLimit {
                capacity: 3.0,
                per_second: 2.0,
            }),
            Some(&dir),
        );
        let warnings = std::cell::RefCell::new(Vec::new());
        let warn = |text: &str| warnings.borrow_mut().push(text.to_owned());
        let now = Instant::now();
        let waits: Vec<Duration> = (0..4)
            .map(|_| {
                let reserved = limiter.reserve("https://p", "p", now, now + FAR, &warn);
                reserved.unwrap()
            })
            .collect();
        assert_eq!(millis(&waits), [0, 0, 500, 1000]);
        let warnings = warnings.into_inner();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("cannot be opened") && warnings[0].contains("goes on alone"),
            "{warnings:?}"
        );
        let _ = std::fs::remove_file(blocker);
    }
}
