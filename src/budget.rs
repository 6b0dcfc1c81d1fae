//! The portal's operating-time budget (docs/retries.md, "The operating-time
//! budget"): besides the request bucket, a portal counts each method's
//! processing time per application over a sliding window (480 s in 10
//! minutes on the cloud), and past it refuses every call of that method with
//! 429 `OPERATION_TIME_LIMIT`, before running it, until the oldest part of
//! the window expires. Every successful answer reports the method's
//! `operating` seconds and `operating_reset_at`; this module remembers them
//! per portal and method, holds back a call that would pass the limit until
//! the reset, and admits calls in flight only as far as the budget has room
//! for them, so that 50 parallel requests do not run into the wall.

use fnv::FnvHashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::limiter::is_cloud_host;

/// The cloud's limit: seconds of processing per method in 10 minutes.
pub(crate) const CLOUD_LIMIT: f64 = 480.0;
/// A self-hosted portal's limit once an administrator turns it on.
pub(crate) const SELF_HOSTED_LIMIT: f64 = 420.0;
/// What a `time` block's `operating_reset_at` is told apart from: a wait
/// for a reset is never shorter than this, so that a reset a moment away
/// (the portal's clock, rounding to whole seconds) is not missed.
const RESET_MARGIN: Duration = Duration::from_millis(20);
/// How long a method refused with no reset ahead known is held back.
pub(crate) const BLOCKED_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait for a reset: the cloud's window is 10 minutes.
const MAX_RESET_WAIT: Duration = Duration::from_secs(15 * 60);

/// What one answer reports of its method's budget (its `time` block, or a
/// batch command's `result_time`).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Deserialize)]
pub(crate) struct TimeReport {
    /// Seconds the method has spent in the window; none when the portal's
    /// limiter is off.
    #[serde(default)]
    pub(crate) operating: Option<f64>,
    /// Unix time when the oldest part of the window expires.
    #[serde(default)]
    pub(crate) operating_reset_at: Option<f64>,
    /// Seconds this call took the portal: what one more call may cost.
    #[serde(default)]
    pub(crate) processing: Option<f64>,
}

/// The budgets of every portal (by host) and method this process has
/// called; looked up without allocating, since every call looks.
pub(crate) struct Budgets {
    /// `OPI_BITRIX24_OPERATING_LIMIT`, for every portal; else by portal.
    setting: Option<f64>,
    portals: Mutex<Portals>,
    changed: Condvar,
}

/// Budgets by host, then by method; and how many calls wait in `admit`,
/// so that the calls that find no one waiting (nearly all) notify no one.
#[derive(Default)]
struct Portals {
    hosts: FnvHashMap<String, FnvHashMap<String, MethodBudget>>,
    waiting: u32,
}

#[derive(Debug)]
struct MethodBudget {
    limit: f64,
    operating: f64,
    /// Unix time.
    reset_at: f64,
    /// Whether `reset_at` is the portal's, not a guess after a refusal.
    reset_reported: bool,
    /// The last call's processing: the room one more call needs.
    processing: f64,
    in_flight: u32,
    /// What is known is from before the reset (or a 429 came since):
    /// one call at a time until an answer reports afresh.
    stale: bool,
}

/// A call admitted: counted in flight until dropped.
pub(crate) struct Admission<'a> {
    budgets: &'a Budgets,
    host: &'a str,
    method: &'a str,
    counted: bool,
    /// How long the call was held back for the budget.
    pub(crate) waited: Duration,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.counted {
            let mut portals = self.budgets.lock();
            if let Some(budget) = find(&mut portals, self.host, self.method) {
                budget.in_flight = budget.in_flight.saturating_sub(1);
            }
            let waiting = portals.waiting > 0;
            drop(portals);
            if waiting {
                self.budgets.changed.notify_all();
            }
        }
    }
}

fn find<'p>(portals: &'p mut Portals, host: &str, method: &str) -> Option<&'p mut MethodBudget> {
    portals.hosts.get_mut(host)?.get_mut(method)
}

impl Budgets {
    /// Budgets with `setting` (seconds per window) as every portal's
    /// limit; without it, [`CLOUD_LIMIT`] for cloud portals and
    /// [`SELF_HOSTED_LIMIT`] for others once they report a budget.
    pub(crate) fn new(setting: Option<f64>) -> Budgets {
        Budgets {
            setting,
            portals: Mutex::new(Portals::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Portals> {
        self.portals.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds a call of `method` back while its budget has no room for it,
    /// until the window's reset, then counts it in flight. A reset past
    /// `deadline` is not waited for: the call goes, and the portal decides.
    pub(crate) fn admit<'a>(
        &'a self,
        host: &'a str,
        method: &'a str,
        deadline: Instant,
    ) -> Admission<'a> {
        let mut admission = Admission {
            budgets: self,
            host,
            method,
            counted: false,
            waited: Duration::ZERO,
        };
        let mut portals = self.lock();
        let Some(budget) = find(&mut portals, host, method) else {
            // Nothing known of this method: nothing to hold back.
            return admission;
        };
        if !budget.stale && budget.has_room() {
            budget.in_flight += 1;
            admission.counted = true;
            return admission;
        }
        let started = Instant::now();
        loop {
            let Some(budget) = find(&mut portals, host, method) else {
                return admission;
            };
            let to_reset = until(budget.reset_at);
            if budget.stale {
                // What is known is from before the reset, or a 429 came:
                // after the reset, one call at a time finds out afresh.
                if to_reset.is_zero() && budget.in_flight == 0 {
                    break;
                }
            } else if budget.has_room() {
                break;
            } else if to_reset.is_zero() {
                // No room as last counted, but the oldest part expired since.
                budget.stale = true;
                continue;
            }
            // A reset past the call's deadline is not waited for: the call
            // goes, and the portal's refusal says when the budget frees.
            let wait = to_reset.max(RESET_MARGIN);
            if Instant::now()
                .checked_add(wait)
                .is_none_or(|after| after >= deadline)
            {
                break;
            }
            portals.waiting += 1;
            portals = self
                .changed
                .wait_timeout(portals, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            portals.waiting -= 1;
        }
        if let Some(budget) = find(&mut portals, host, method) {
            budget.in_flight += 1;
            admission.counted = true;
        }
        admission.waited = started.elapsed();
        admission
    }

    /// Takes what a successful answer of `method` reports.
    pub(crate) fn note(&self, host: &str, method: &str, report: TimeReport) {
        let (Some(operating), Some(reset_at)) = (report.operating, report.operating_reset_at)
        else {
            return;
        };
        let mut portals = self.lock();
        match find(&mut portals, host, method) {
            Some(budget) => {
                budget.operating = operating;
                budget.reset_at = reset_at;
                budget.reset_reported = true;
                budget.processing = report.processing.unwrap_or(budget.processing);
                budget.stale = false;
            }
            None => {
                let limit = self.limit_for(host);
                let fresh = MethodBudget {
                    limit,
                    operating,
                    reset_at,
                    reset_reported: true,
                    processing: report.processing.unwrap_or_default(),
                    in_flight: 0,
                    stale: false,
                };
                let methods = portals.hosts.entry(host.to_owned()).or_default();
                methods.insert(method.to_owned(), fresh);
            }
        }
        let waiting = portals.waiting > 0;
        drop(portals);
        if waiting {
            self.changed.notify_all();
        }
    }

    /// Takes a 429 `OPERATION_TIME_LIMIT` of `method`: the method is spent
    /// until its reset, or, when no reset ahead is known (the window frees
    /// a part at a time, so a reset that passed may free too little), for
    /// [`BLOCKED_BACKOFF`]; every call of it is held back until then.
    /// Answers how long that is.
    pub(crate) fn note_blocked(&self, host: &str, method: &str) -> Duration {
        let mut portals = self.lock();
        if find(&mut portals, host, method).is_none() {
            let limit = self.limit_for(host);
            let unknown = MethodBudget {
                limit,
                operating: limit,
                reset_at: 0.0,
                reset_reported: false,
                processing: 0.0,
                in_flight: 0,
                stale: true,
            };
            let methods = portals.hosts.entry(host.to_owned()).or_default();
            methods.insert(method.to_owned(), unknown);
        }
        let Some(budget) = find(&mut portals, host, method) else {
            return BLOCKED_BACKOFF;
        };
        budget.stale = true;
        budget.operating = budget.operating.max(budget.limit);
        if until(budget.reset_at).is_zero() {
            budget.reset_at = unix_now() + BLOCKED_BACKOFF.as_secs_f64();
            budget.reset_reported = false;
        }
        until(budget.reset_at) + RESET_MARGIN
    }

    fn limit_for(&self, host: &str) -> f64 {
        match self.setting {
            Some(limit) => limit,
            None if is_cloud_host(host) => CLOUD_LIMIT,
            None => SELF_HOSTED_LIMIT,
        }
    }

    /// When the budget of `method` frees, as Unix time, if the portal said
    /// so and it is ahead.
    pub(crate) fn reset_of(&self, host: &str, method: &str) -> Option<f64> {
        let mut portals = self.lock();
        let budget = find(&mut portals, host, method)?;
        let ahead = !until(budget.reset_at).is_zero();
        (ahead && budget.reset_reported).then_some(budget.reset_at)
    }
}

impl MethodBudget {
    /// Whether one more call fits beside those in flight.
    fn has_room(&self) -> bool {
        let in_flight = f64::from(self.in_flight + 1);
        self.operating + in_flight * self.processing < self.limit
    }
}

/// How long until the Unix time `at` (zero if past).
/// How long until the Unix time `at` (zero if past), at most
/// [`MAX_RESET_WAIT`]: a reset further off than the window is long is not
/// a portal's, and must not overflow a deadline.
fn until(at: f64) -> Duration {
    Duration::try_from_secs_f64(at - unix_now())
        .unwrap_or(Duration::ZERO)
        .min(MAX_RESET_WAIT)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// `2026-12-02T08:41:07Z` from Unix seconds, for error texts (reset
/// times are after 1970: a cast, not `floor`, which would be one more
/// import from the C runtime on Windows).
pub(crate) fn iso8601(unix: f64) -> String {
    crate::text::Utc {
        seconds: unix as i64,
        millis: None,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(operating: f64, reset_in: f64, processing: f64) -> TimeReport {
        TimeReport {
            operating: Some(operating),
            operating_reset_at: Some(unix_now() + reset_in),
            processing: Some(processing),
        }
    }

    #[test]
    fn a_method_with_room_goes_at_once_and_one_without_waits_for_its_reset() {
        let budgets = Budgets::new(Some(1.0));
        let far = Instant::now() + Duration::from_secs(10);
        budgets.note("portal.example", "crm.deal.list", report(0.5, 5.0, 0.1));
        assert!(
            budgets.admit("portal.example", "crm.deal.list", far).waited
                < Duration::from_millis(50)
        );
        budgets.note("portal.example", "crm.deal.list", report(0.95, 0.3, 0.1));
        let admitted = budgets.admit("portal.example", "crm.deal.list", far);
        assert!(
            admitted.waited >= Duration::from_millis(250),
            "{:?}",
            admitted.waited
        );
        // Other methods are not held back.
        assert!(
            budgets.admit("portal.example", "crm.deal.get", far).waited < Duration::from_millis(50)
        );
    }

    #[test]
    fn calls_in_flight_take_room_so_parallel_callers_are_let_through_as_far_as_it_goes() {
        let budgets = Budgets::new(Some(1.0));
        let far = Instant::now() + Duration::from_secs(10);
        budgets.note("portal.example", "batch", report(0.5, 0.4, 0.2));
        let first = budgets.admit("portal.example", "batch", far);
        let second = budgets.admit("portal.example", "batch", far);
        assert!(
            first.waited < Duration::from_millis(50) && second.waited < Duration::from_millis(50)
        );
        // 0.5 + 3 × 0.2 passes the limit: the third waits for the reset,
        // and then, what was counted being stale, for the two in flight to
        // end (they would bring a fresh report), not for its deadline.
        let third = std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(600));
                drop((first, second));
            });
            budgets.admit("portal.example", "batch", far)
        });
        assert!(
            third.waited >= Duration::from_millis(550) && third.waited < Duration::from_secs(2),
            "{:?}",
            third.waited
        );
    }

    #[test]
    fn no_wait_passes_the_deadline_and_a_block_names_the_reset() {
        let budgets = Budgets::new(None);
        budgets.note("portal.example", "crm.deal.add", report(430.0, 30.0, 1.0));
        let soon = Instant::now() + Duration::from_millis(100);
        let admitted = budgets.admit("portal.example", "crm.deal.add", soon);
        assert!(
            admitted.waited < Duration::from_millis(300),
            "{:?}",
            admitted.waited
        );
        let wait = budgets.note_blocked("portal.example", "crm.deal.add");
        assert!(wait > Duration::from_secs(29), "{wait:?}");
        assert!(budgets.reset_of("portal.example", "crm.deal.add").is_some());
        // A method refused with no reset known is held back for a while.
        let wait = budgets.note_blocked("portal.example", "crm.deal.get");
        assert!(
            wait >= BLOCKED_BACKOFF && wait < 2 * BLOCKED_BACKOFF,
            "{wait:?}"
        );
        let far = Instant::now() + Duration::from_secs(10);
        let held = budgets.admit("portal.example", "crm.deal.get", far);
        assert!(
            held.waited >= Duration::from_millis(900),
            "{:?}",
            held.waited
        );
        // A reset absurdly far off is no wait past any deadline.
        let mut absurd = report(0.0, 0.0, 0.0);
        absurd.operating_reset_at = Some(1e19);
        budgets.note("portal.example", "x.get", absurd);
        let wait = budgets.note_blocked("portal.example", "x.get");
        assert!(wait <= MAX_RESET_WAIT + RESET_MARGIN, "{wait:?}");
    }

    #[test]
    fn limits_are_the_setting_or_by_portal() {
        let budgets = Budgets::new(None);
        budgets.note("b24-x.bitrix24.by", "a.get", report(1.0, 9.0, 0.1));
        budgets.note("portal.example", "b.get", report(1.0, 9.0, 0.1));
        let mut portals = budgets.lock();
        assert_eq!(
            find(&mut portals, "b24-x.bitrix24.by", "a.get")
                .unwrap()
                .limit,
            CLOUD_LIMIT
        );
        let other = find(&mut portals, "portal.example", "b.get").unwrap();
        assert_eq!(other.limit, SELF_HOSTED_LIMIT);
    }
}
