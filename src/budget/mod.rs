//! The portal's operating-time budget (docs/retries.md, "The operating-time
//! budget"): besides the request bucket, a portal counts each method's
//! processing time per application (or webhook) over a sliding window (480
//! s in 10 minutes on the cloud), and past it refuses every call of that
//! method with 429 `OPERATION_TIME_LIMIT`, before running it, until the
//! oldest part of the window expires. Every successful answer reports the
//! method's `operating` seconds and `operating_reset_at`; this module
//! remembers them per portal, credential ([`Scope`]) and method, holds back
//! a call that would pass the limit until the reset, and admits calls in
//! flight only as far as the budget has room for them, so that 50 parallel
//! requests do not run into the wall. By default what is known, and the
//! calls in flight, are shared with the host's other processes through a
//! state file per method (`method.rs`, `src/shared/`); a process killed with
//! calls in flight leaves a lease that ends with their time budget.
//!
//! The decisions take the time from their caller, as the pacing's do: Unix
//! time, in which the portal reports its resets ([`Budgets::note_blocked`],
//! [`Budgets::reset_of`], and what a held-back call does next). Only
//! [`Budgets::admit`]'s wait reads the clocks, and a call with room reads
//! none unless the budget is shared.

mod method;

use fnv::FnvHashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use url::Url;

use crate::limiter::is_cloud_host;
use crate::shared::{self, LOOK_EVERY, LeaseOwner, Slot, StateDir};
use method::{Decision, MethodBudget};

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
/// How often a call held back looks at a shared budget again: other
/// processes' notes and ended calls wake no one here.
const SHARED_LOOK: Duration = Duration::from_millis(100);
/// The budget files' extension: their record's format and version.
const EXTENSION: &str = "budget1";

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

/// Whose budget a request draws on, as the portal counts it: a portal and
/// an application or webhook. `key` is the request's address up to its
/// method — `https://portal/rest/<user>/<secret>/` for a webhook, so that
/// two webhooks of one portal are apart; `https://portal/rest/` for a
/// token, which does not say whose application it is, so that every
/// application's tokens of one portal share one budget here. `host` is the
/// portal's, which sets the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scope<'a> {
    pub(crate) key: &'a str,
    pub(crate) host: &'a str,
}

impl<'a> Scope<'a> {
    /// The scope of a request to `url`: its address up to the last `/` of
    /// its path.
    pub(crate) fn of(url: &'a Url) -> Scope<'a> {
        let origin = url[..url::Position::BeforePath].len();
        let path = url.path().as_bytes();
        let through = path
            .iter()
            .rposition(|b| *b == b'/')
            .map_or(0, |slash| slash + 1);
        Scope {
            key: &url.as_str()[..origin + through],
            host: url.host_str().unwrap_or_default(),
        }
    }
}

/// The budgets of every scope and method this process has called; looked
/// up without allocating, since every call looks.
pub(crate) struct Budgets {
    /// `OPI_BITRIX24_OPERATING_LIMIT`, for every portal; else by portal.
    setting: Option<f64>,
    /// The state directory, when budgets are shared with the host's other
    /// processes (`OPI_BITRIX24_SHARED=host`).
    shared: Option<Arc<StateDir>>,
    /// Whose lease in the state files this client's calls in flight are.
    owner: LeaseOwner,
    portals: Mutex<Portals>,
    changed: Condvar,
}

/// Budgets by scope, then by method; how many calls wait in `admit`, so
/// that the calls that find no one waiting (nearly all) notify no one;
/// whether any budget is known, so that while none is (a portal whose
/// limiter is off) a call looks nothing up; and when a budget not known is
/// next looked up in its state file.
#[derive(Default)]
struct Portals {
    scopes: FnvHashMap<String, FnvHashMap<String, MethodBudget>>,
    waiting: u32,
    any_known: bool,
    next_look: Option<Instant>,
}

/// A call admitted: counted in flight until dropped.
pub(crate) struct Admission<'a> {
    budgets: &'a Budgets,
    scope: Scope<'a>,
    method: &'a str,
    counted: bool,
    /// Told of a shared budget's file that cannot be used.
    warn: &'a (dyn Fn(&str) + Sync),
    /// How long the call was held back for the budget.
    pub(crate) waited: Duration,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.counted {
            let mut portals = self.budgets.lock();
            if let Some(budget) = find(&mut portals, self.scope, self.method) {
                let dir = self.budgets.shared.as_deref();
                budget.turn(dir, &self.budgets.owner, self.warn, MethodBudget::uncount);
            }
            let waiting = portals.waiting > 0;
            drop(portals);
            if waiting {
                self.budgets.changed.notify_all();
            }
        }
    }
}

/// The budget of `method` in `scope`, if known.
fn find<'p>(portals: &'p mut Portals, scope: Scope, method: &str) -> Option<&'p mut MethodBudget> {
    entry(portals, scope, method).filter(|budget| budget.known)
}

/// What is kept of `method` in `scope`, known or (shared, and looked at
/// for what other processes know) not.
fn entry<'p>(portals: &'p mut Portals, scope: Scope, method: &str) -> Option<&'p mut MethodBudget> {
    portals.scopes.get_mut(scope.key)?.get_mut(method)
}

impl Budgets {
    /// Budgets with `setting` (seconds per window) as every portal's
    /// limit; without it, [`CLOUD_LIMIT`] for cloud portals and
    /// [`SELF_HOSTED_LIMIT`] for others once they report a budget. With
    /// `shared`, kept in that directory for every process of the host.
    pub(crate) fn new(setting: Option<f64>, shared: Option<Arc<StateDir>>) -> Budgets {
        Budgets {
            setting,
            shared,
            owner: LeaseOwner::new(),
            portals: Mutex::new(Portals::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Portals> {
        self.portals.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What is kept of `method` in `scope`, made at its first use: its
    /// limit, and its state file when shared. Not known until a report is.
    fn entry<'p>(
        &self,
        portals: &'p mut Portals,
        scope: Scope,
        method: &str,
    ) -> &'p mut MethodBudget {
        if entry(portals, scope, method).is_none() {
            let file = self.shared.as_ref().map(|dir| {
                let key = [scope.key.as_bytes(), method.as_bytes()];
                Slot::new(dir.file_of(&key, EXTENSION))
            });
            let fresh = MethodBudget::new(self.limit_for(scope.host), file);
            let methods = portals.scopes.entry(scope.key.to_owned()).or_default();
            methods.insert(method.to_owned(), fresh);
        }
        entry(portals, scope, method).expect("made above")
    }

    /// Whether another process of the host knows the budget of `method` in
    /// `scope`, as its state file says; the next look is a second on.
    fn looked_up(
        &self,
        portals: &mut Portals,
        scope: Scope,
        method: &str,
        now: Instant,
        warn: &dyn Fn(&str),
    ) -> bool {
        portals.next_look = Some(now + LOOK_EVERY);
        let Some(dir) = self.shared.as_deref() else {
            return false;
        };
        let known = self.entry(portals, scope, method).look(dir, warn);
        portals.any_known |= known;
        known
    }

    /// Holds a call of `method` back while its budget has no room for it,
    /// until the window's reset, then counts it in flight. A reset past
    /// `deadline` is not waited for: the call goes, and the portal decides.
    /// A call with room (nearly all) reads no clock, unless the budget is
    /// shared (its lease ends at the call's deadline, on the wall clock).
    pub(crate) fn admit<'a>(
        &'a self,
        scope: Scope<'a>,
        method: &'a str,
        now: Instant,
        deadline: Instant,
        warn: &'a (dyn Fn(&str) + Sync),
    ) -> Admission<'a> {
        let mut admission = Admission {
            budgets: self,
            scope,
            method,
            counted: false,
            warn,
            waited: Duration::ZERO,
        };
        let dir = self.shared.as_deref();
        let mut portals = self.lock();
        // A budget this process does not know may be known to another
        // process: when shared, the state file of the method called is
        // looked at, at most once a second (in all).
        let look = dir.is_some() && portals.next_look.is_none_or(|next| now >= next);
        if !portals.any_known && !look {
            return admission;
        }
        let known = find(&mut portals, scope, method).is_some()
            || (look && self.looked_up(&mut portals, scope, method, now, warn));
        if !known {
            // Nothing known of this method: nothing to hold back.
            return admission;
        }
        let budget = find(&mut portals, scope, method).expect("known");
        // A shared lease ends with the call's time budget.
        let lease_until = match dir {
            Some(_) => {
                let remaining = deadline.saturating_duration_since(Instant::now());
                let remaining = i64::try_from(remaining.as_nanos()).unwrap_or(i64::MAX);
                shared::wall_nanos().saturating_add(remaining)
            }
            None => 0,
        };
        let fits = budget.turn(dir, &self.owner, warn, |budget| {
            let fits = budget.fits();
            if fits {
                budget.count(lease_until);
            }
            fits
        });
        if fits {
            admission.counted = true;
            return admission;
        }
        // Held back: the decision is [`MethodBudget::decide`]'s, on the
        // clocks; the wait ends early when a call of the method ends or an
        // answer reports in this process, and, when shared, is looked at
        // again every [`SHARED_LOOK`] for the others'.
        let started = Instant::now();
        let mut now = started;
        loop {
            let Some(budget) = find(&mut portals, scope, method) else {
                return admission;
            };
            let remaining = deadline.saturating_duration_since(now);
            let decision = budget.turn(dir, &self.owner, warn, |budget| {
                let decision = budget.decide(unix_now(), remaining);
                if decision == Decision::Go {
                    budget.count(lease_until);
                }
                decision
            });
            let Decision::Wait(wait) = decision else {
                admission.counted = true;
                break;
            };
            let wait = match dir {
                Some(_) => wait.min(SHARED_LOOK),
                None => wait,
            };
            portals.waiting += 1;
            portals = self
                .changed
                .wait_timeout(portals, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            portals.waiting -= 1;
            now = Instant::now();
        }
        admission.waited = now.duration_since(started);
        admission
    }

    /// Takes what a successful answer of `method` reports.
    pub(crate) fn note(&self, scope: Scope, method: &str, report: TimeReport, warn: &dyn Fn(&str)) {
        let (Some(operating), Some(reset_at)) = (report.operating, report.operating_reset_at)
        else {
            return;
        };
        let mut portals = self.lock();
        portals.any_known = true;
        let budget = self.entry(&mut portals, scope, method);
        budget.turn(self.shared.as_deref(), &self.owner, warn, |budget| {
            budget.known = true;
            budget.operating = operating;
            budget.reset_at = reset_at;
            budget.reset_reported = true;
            budget.processing = report.processing.unwrap_or(budget.processing);
            budget.stale = false;
        });
        let waiting = portals.waiting > 0;
        drop(portals);
        if waiting {
            self.changed.notify_all();
        }
    }

    /// Takes a 429 `OPERATION_TIME_LIMIT` of `method` at Unix time `now`:
    /// the method is spent until its reset, or, when no reset ahead is
    /// known (the window frees a part at a time, so a reset that passed may
    /// free too little), for [`BLOCKED_BACKOFF`]; every call of it is held
    /// back until then. Answers how long that is.
    pub(crate) fn note_blocked(
        &self,
        scope: Scope,
        method: &str,
        now: f64,
        warn: &dyn Fn(&str),
    ) -> Duration {
        let mut portals = self.lock();
        portals.any_known = true;
        let budget = self.entry(&mut portals, scope, method);
        budget.turn(self.shared.as_deref(), &self.owner, warn, |budget| {
            budget.known = true;
            budget.stale = true;
            budget.operating = budget.operating.max(budget.limit);
            if until(budget.reset_at, now).is_zero() {
                budget.reset_at = now + BLOCKED_BACKOFF.as_secs_f64();
                budget.reset_reported = false;
            }
            until(budget.reset_at, now) + RESET_MARGIN
        })
    }

    fn limit_for(&self, host: &str) -> f64 {
        match self.setting {
            Some(limit) => limit,
            None if is_cloud_host(host) => CLOUD_LIMIT,
            None => SELF_HOSTED_LIMIT,
        }
    }

    /// When the budget of `method` frees, as Unix time, if the portal said
    /// so and it is ahead of `now` (Unix time).
    pub(crate) fn reset_of(&self, scope: Scope, method: &str, now: f64) -> Option<f64> {
        let mut portals = self.lock();
        let budget = find(&mut portals, scope, method)?;
        let ahead = !until(budget.reset_at, now).is_zero();
        (ahead && budget.reset_reported).then_some(budget.reset_at)
    }
}

/// How long from `now` until `at` (both Unix time; zero if past), at most
/// [`MAX_RESET_WAIT`]: a reset further off than the window is long is not
/// a portal's, and must not overflow a deadline.
fn until(at: f64, now: f64) -> Duration {
    Duration::try_from_secs_f64(at - now)
        .unwrap_or(Duration::ZERO)
        .min(MAX_RESET_WAIT)
}

/// The Unix time now, as the portal reports its resets.
pub(crate) fn unix_now() -> f64 {
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
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The fake clock's time: 2026-12-02T09:14:07Z, whose binary fractions
    /// below are exact, so that waits are compared exactly.
    const T: f64 = 1_796_202_847.0;
    const PORTAL: Scope = Scope {
        key: "https://portal.example/rest/1/s3cr3t/",
        host: "portal.example",
    };
    const CLOUD: Scope = Scope {
        key: "https://b24-x.bitrix24.by/rest/1/s3cr3t/",
        host: "b24-x.bitrix24.by",
    };

    /// No state file is used here: nothing to warn of.
    fn never(text: &str) {
        panic!("warned: {text}");
    }
    /// A deadline no reset here reaches.
    const FAR: Duration = Duration::from_secs(3600);

    fn report(operating: f64, reset_at: f64, processing: f64) -> TimeReport {
        TimeReport {
            operating: Some(operating),
            operating_reset_at: Some(reset_at),
            processing: Some(processing),
        }
    }

    /// What a call of `method` held back would do at `now`, `remaining`
    /// before its deadline.
    fn decide(budgets: &Budgets, method: &str, now: f64, remaining: Duration) -> Decision {
        let mut portals = budgets.lock();
        let budget = find(&mut portals, PORTAL, method).expect("a budget known");
        budget.decide(now, remaining)
    }

    fn in_flight(budgets: &Budgets, method: &str) -> u32 {
        find(&mut budgets.lock(), PORTAL, method).map_or(0, |b| b.in_flight)
    }

    /// Admitted at once (the budget fits, or is unknown): no clock read,
    /// no wait.
    fn admitted_at_once<'a>(budgets: &'a Budgets, method: &'a str) -> Admission<'a> {
        let admission = budgets.admit(PORTAL, method, Instant::now(), Instant::now() + FAR, &never);
        assert_eq!(admission.waited, Duration::ZERO);
        admission
    }

    #[test]
    fn a_method_with_room_goes_at_once_and_one_without_waits_for_its_reset() {
        let budgets = Budgets::new(Some(1.0), None);
        budgets.note(PORTAL, "crm.deal.list", report(0.5, T + 5.0, 0.125), &never);
        assert_eq!(decide(&budgets, "crm.deal.list", T, FAR), Decision::Go);
        let admitted = admitted_at_once(&budgets, "crm.deal.list");
        assert!(admitted.counted);
        assert_eq!(in_flight(&budgets, "crm.deal.list"), 1);
        drop(admitted);
        assert_eq!(in_flight(&budgets, "crm.deal.list"), 0);
        // 0.875 + 0.125 reaches the limit: no room until the reset.
        budgets.note(
            PORTAL,
            "crm.deal.list",
            report(0.875, T + 0.25, 0.125),
            &never,
        );
        let wait = |now| decide(&budgets, "crm.deal.list", now, FAR);
        assert_eq!(wait(T), Decision::Wait(Duration::from_millis(250)));
        assert_eq!(wait(T + 0.125), Decision::Wait(Duration::from_millis(125)));
        // A reset a moment away is waited for a little longer.
        assert_eq!(wait(T + 0.25 - 0.0078125), Decision::Wait(RESET_MARGIN));
        // At the reset, what was counted is stale: with no call in flight,
        // one goes to find out.
        assert_eq!(wait(T + 0.25), Decision::Go);
        assert!(
            find(&mut budgets.lock(), PORTAL, "crm.deal.list")
                .unwrap()
                .stale
        );
        // Other methods, known or not, are not held back.
        budgets.note(PORTAL, "crm.deal.get", report(0.0, T + 5.0, 0.125), &never);
        assert!(admitted_at_once(&budgets, "crm.deal.get").counted);
        assert!(!admitted_at_once(&budgets, "crm.deal.add").counted);
    }

    #[test]
    fn calls_in_flight_take_room_so_parallel_callers_are_let_through_as_far_as_it_goes() {
        let budgets = Budgets::new(Some(1.0), None);
        budgets.note(PORTAL, "batch", report(0.5, T + 0.5, 0.2), &never);
        let first = admitted_at_once(&budgets, "batch");
        let second = admitted_at_once(&budgets, "batch");
        assert!(first.counted && second.counted);
        // 0.5 + 3 × 0.2 passes the limit: the third waits for the reset...
        assert_eq!(
            decide(&budgets, "batch", T, FAR),
            Decision::Wait(Duration::from_millis(500))
        );
        // ...and then, what was counted being stale, for the two in flight
        // to end (they would bring a fresh report), looking again now and
        // then, not waiting for its deadline.
        assert_eq!(
            decide(&budgets, "batch", T + 0.5, FAR),
            Decision::Wait(RESET_MARGIN)
        );
        drop(first);
        assert_eq!(
            decide(&budgets, "batch", T + 0.5, FAR),
            Decision::Wait(RESET_MARGIN)
        );
        drop(second);
        assert_eq!(decide(&budgets, "batch", T + 0.5, FAR), Decision::Go);
        // A fresh report ends the staleness: room as counted again.
        budgets.note(PORTAL, "batch", report(0.25, T + 1.5, 0.2), &never);
        assert_eq!(decide(&budgets, "batch", T + 0.5, FAR), Decision::Go);
        let fresh = admitted_at_once(&budgets, "batch");
        assert!(fresh.counted);
    }

    #[test]
    fn a_call_held_back_for_calls_in_flight_goes_when_they_end() {
        let budgets = Budgets::new(Some(1.0), None);
        // The reset has passed: what is known is stale once looked at.
        budgets.note(PORTAL, "batch", report(0.5, unix_now() - 1.0, 0.2), &never);
        let first = admitted_at_once(&budgets, "batch");
        let second = admitted_at_once(&budgets, "batch");
        let ended = AtomicBool::new(false);
        let admitted = AtomicBool::new(false);
        let (third, after_they_ended) = std::thread::scope(|scope| {
            scope.spawn(|| {
                // Once the third waits, the two in flight end.
                let waits = loop {
                    if admitted.load(Ordering::SeqCst) {
                        break false;
                    }
                    if budgets.lock().waiting > 0 {
                        break true;
                    }
                    std::thread::yield_now();
                };
                ended.store(waits, Ordering::SeqCst);
                drop((first, second));
            });
            let third = budgets.admit(
                PORTAL,
                "batch",
                Instant::now(),
                Instant::now() + FAR,
                &never,
            );
            let after_they_ended = ended.load(Ordering::SeqCst);
            admitted.store(true, Ordering::SeqCst);
            (third, after_they_ended)
        });
        assert!(
            after_they_ended,
            "the third went before the calls in flight ended"
        );
        assert!(third.counted);
        assert_eq!(in_flight(&budgets, "batch"), 1);
    }

    #[test]
    fn no_wait_passes_the_deadline_and_a_block_names_the_reset() {
        let budgets = Budgets::new(None, None);
        let add = "crm.deal.add";
        budgets.note(PORTAL, add, report(430.0, T + 30.0, 1.0), &never);
        // A reset past the deadline is not waited for; one within it is.
        assert_eq!(
            decide(&budgets, add, T, Duration::from_millis(100)),
            Decision::Go
        );
        assert_eq!(
            decide(&budgets, add, T, Duration::from_secs(60)),
            Decision::Wait(Duration::from_secs(30))
        );
        // admit, on the real clocks, goes at once when its deadline comes
        // before the reset.
        let update = "crm.deal.update";
        budgets.note(
            PORTAL,
            update,
            report(430.0, unix_now() + 30.0, 1.0),
            &never,
        );
        let admitted = budgets.admit(PORTAL, update, Instant::now(), Instant::now(), &never);
        assert_eq!(admitted.waited, Duration::ZERO);
        assert!(admitted.counted);
        // A refusal before the reported reset: held back until it, which
        // the error names while it is ahead.
        assert_eq!(
            budgets.note_blocked(PORTAL, add, T, &never),
            Duration::from_secs(30) + RESET_MARGIN
        );
        assert_eq!(budgets.reset_of(PORTAL, add, T), Some(T + 30.0));
        assert_eq!(budgets.reset_of(PORTAL, add, T + 30.0), None);
        // A refusal after it (the window freed too little): a second's
        // back-off, which is no reset of the portal's to name.
        assert_eq!(
            budgets.note_blocked(PORTAL, add, T + 31.0, &never),
            BLOCKED_BACKOFF + RESET_MARGIN
        );
        assert_eq!(budgets.reset_of(PORTAL, add, T + 31.0), None);
        assert_eq!(
            decide(&budgets, add, T + 31.5, FAR),
            Decision::Wait(Duration::from_millis(500))
        );
        assert_eq!(decide(&budgets, add, T + 32.0, FAR), Decision::Go);
        // A method refused with nothing known of it is held back as long.
        let get = "crm.deal.get";
        assert_eq!(
            budgets.note_blocked(PORTAL, get, T, &never),
            BLOCKED_BACKOFF + RESET_MARGIN
        );
        assert_eq!(
            decide(&budgets, get, T, FAR),
            Decision::Wait(BLOCKED_BACKOFF)
        );
        assert_eq!(decide(&budgets, get, T + 1.0, FAR), Decision::Go);
        // A reset absurdly far off is no wait past any deadline.
        budgets.note(PORTAL, "x.get", report(0.0, 1e19, 0.0), &never);
        assert_eq!(
            budgets.note_blocked(PORTAL, "x.get", T, &never),
            MAX_RESET_WAIT + RESET_MARGIN
        );
        assert_eq!(
            decide(&budgets, "x.get", T, FAR),
            Decision::Wait(MAX_RESET_WAIT)
        );
    }

    #[test]
    fn limits_are_the_setting_or_by_portal() {
        let budgets = Budgets::new(None, None);
        budgets.note(CLOUD, "a.get", report(1.0, T + 9.0, 0.1), &never);
        budgets.note(PORTAL, "b.get", report(1.0, T + 9.0, 0.1), &never);
        // A portal whose limiter is off reports no budget: not tracked.
        budgets.note(PORTAL, "c.get", TimeReport::default(), &never);
        let mut portals = budgets.lock();
        assert_eq!(
            find(&mut portals, CLOUD, "a.get").unwrap().limit,
            CLOUD_LIMIT
        );
        let other = find(&mut portals, PORTAL, "b.get").unwrap();
        assert_eq!(other.limit, SELF_HOSTED_LIMIT);
        assert!(find(&mut portals, PORTAL, "c.get").is_none());
        drop(portals);
        let set = Budgets::new(Some(7.0), None);
        set.note(CLOUD, "a.get", report(1.0, T + 9.0, 0.1), &never);
        let mut portals = set.lock();
        let cloud = find(&mut portals, CLOUD, "a.get").unwrap();
        assert_eq!(cloud.limit, 7.0);
    }

    #[test]
    fn a_scope_is_the_portal_and_webhook_or_the_portal_for_a_token() {
        let url = |text: &str| Url::parse(text).unwrap();
        let webhook = url("https://portal.example/rest/1/s3cr3t/crm.deal.list.json");
        assert_eq!(
            Scope::of(&webhook),
            Scope {
                key: "https://portal.example/rest/1/s3cr3t/",
                host: "portal.example"
            }
        );
        let other = url("https://portal.example/rest/7/an0ther/crm.deal.list");
        assert_ne!(Scope::of(&other), Scope::of(&webhook));
        let token = url("https://portal.example:8443/rest/crm.deal.list?x=1");
        assert_eq!(Scope::of(&token).key, "https://portal.example:8443/rest/");
    }

    #[test]
    fn two_webhooks_of_one_portal_have_budgets_apart() {
        let budgets = Budgets::new(Some(1.0), None);
        let other = Scope {
            key: "https://portal.example/rest/7/an0ther/",
            ..PORTAL
        };
        budgets.note(PORTAL, "crm.deal.list", report(0.95, T + 60.0, 0.1), &never);
        assert_eq!(
            decide(&budgets, "crm.deal.list", T, FAR),
            Decision::Wait(Duration::from_secs(60))
        );
        budgets.note(other, "crm.deal.list", report(0.1, T + 60.0, 0.1), &never);
        let admitted = budgets.admit(
            other,
            "crm.deal.list",
            Instant::now(),
            Instant::now() + FAR,
            &never,
        );
        assert!(admitted.counted && admitted.waited.is_zero());
    }

    /// Two `Budgets` on one state directory stand for two processes.
    #[test]
    fn processes_sharing_a_state_directory_see_each_others_reports_and_calls_in_flight() {
        let path =
            std::env::temp_dir().join(format!("opi-budget-unit-{}-shared", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let dir = Arc::new(StateDir::new(path.clone()));
        let first = Budgets::new(Some(1.0), Some(Arc::clone(&dir)));
        let second = Budgets::new(Some(1.0), Some(dir));
        let reset = unix_now() + 30.0;
        first.note(PORTAL, "batch", report(0.5, reset, 0.2), &never);
        let (one, two) = (
            admitted_at_once(&first, "batch"),
            admitted_at_once(&first, "batch"),
        );
        // The second process, which has no answer of its own, finds the
        // first's report in the state file: 0.5 + 3 × 0.2 passes 1, so its
        // call waits for the first's two to end, seen within a look.
        let ended = std::sync::atomic::AtomicBool::new(false);
        let third = std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(300));
                ended.store(true, std::sync::atomic::Ordering::SeqCst);
                drop((one, two));
            });
            second.admit(
                PORTAL,
                "batch",
                Instant::now(),
                Instant::now() + FAR,
                &never,
            )
        });
        assert!(ended.load(std::sync::atomic::Ordering::SeqCst));
        assert!(third.counted);
        assert!(
            third.waited >= Duration::from_millis(250)
                && third.waited < Duration::from_millis(300) + 2 * SHARED_LOOK,
            "{:?}",
            third.waited
        );
        // The file holds the second's lease now, and the first counts it.
        drop(admitted_at_once(&first, "batch"));
        let mut portals = first.lock();
        let budget = find(&mut portals, PORTAL, "batch").unwrap();
        assert_eq!((budget.in_flight, budget.others), (0, 1));
        drop(portals);
        drop(third);
        let _ = std::fs::remove_dir_all(&path);
    }
}
