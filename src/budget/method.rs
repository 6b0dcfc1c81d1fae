//! One method's budget, for one portal and application or webhook: what
//! is known of it, the calls in flight, and the decision whether one more
//! goes now — on this process's own copy, or, when shared, on the host's,
//! read from and written back to the method's state file in one turn.

use std::time::Duration;

use crate::shared::layout::{BUDGET_BYTES, BudgetRecord};
use crate::shared::{self, LeaseOwner, Slot, StateDir};

use super::{RESET_MARGIN, until};

pub(super) struct MethodBudget {
    pub(super) limit: f64,
    pub(super) operating: f64,
    /// Unix time.
    pub(super) reset_at: f64,
    /// Whether `reset_at` is the portal's, not a guess after a refusal.
    pub(super) reset_reported: bool,
    /// The last call's processing: the room one more call needs.
    pub(super) processing: f64,
    /// This process's calls in flight.
    pub(super) in_flight: u32,
    /// Other processes' calls in flight, as the state file last said.
    pub(super) others: u32,
    /// When this process's lease of its calls in flight ends (the latest
    /// deadline of those calls), in nanoseconds since the Unix epoch.
    pub(super) lease_until: i64,
    /// What is known is from before the reset (or a 429 came since):
    /// one call at a time until an answer reports afresh.
    pub(super) stale: bool,
    /// Whether anything is known: an answer reported the budget, to this
    /// process or, as the state file says, to another one. A budget not
    /// known holds no call back.
    pub(super) known: bool,
    /// The state file the host's processes share it in, when shared.
    pub(super) file: Option<Slot>,
}

/// What a call held back by its method's budget does at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// It goes now.
    Go,
    /// It looks again after this long, or sooner when a call of the method
    /// ends or an answer reports.
    Wait(Duration),
}

impl MethodBudget {
    /// A budget of `limit` known to be spent, or not, as nothing yet.
    pub(super) fn new(limit: f64, file: Option<Slot>) -> MethodBudget {
        MethodBudget {
            limit,
            operating: 0.0,
            reset_at: 0.0,
            reset_reported: false,
            processing: 0.0,
            in_flight: 0,
            others: 0,
            lease_until: 0,
            stale: false,
            known: false,
            file,
        }
    }

    /// Whether another process knows the budget, as its state file says
    /// (looked at, never made). What it knows is taken up.
    pub(super) fn look(&mut self, dir: &StateDir, warn: &dyn Fn(&str)) -> bool {
        let Some(file) = &mut self.file else {
            return false;
        };
        let read = |bytes: &mut [u8; BUDGET_BYTES]| (BudgetRecord::read(bytes), false);
        let Some(record) = file.turn(dir, false, read, warn) else {
            return false;
        };
        if record.known {
            self.take_up(&record);
        }
        self.known
    }

    /// What another process noted.
    fn take_up(&mut self, record: &BudgetRecord) {
        self.operating = record.operating;
        self.reset_at = record.reset_at;
        self.reset_reported = record.reset_reported;
        self.processing = record.processing;
        self.stale = record.stale;
        self.known = true;
    }

    /// The calls in flight, this process's and the others'.
    fn all_in_flight(&self) -> u32 {
        self.in_flight.saturating_add(self.others)
    }

    /// Whether one more call fits beside those in flight.
    fn has_room(&self) -> bool {
        let in_flight = f64::from(self.all_in_flight().saturating_add(1));
        self.operating + in_flight * self.processing < self.limit
    }

    /// Whether a call goes at once, whatever the time: what is known is
    /// fresh and has room for it.
    pub(super) fn fits(&self) -> bool {
        !self.stale && self.has_room()
    }

    /// Counts one more call of this process in flight, its lease to last
    /// until at least `until`.
    pub(super) fn count(&mut self, until: i64) {
        self.in_flight += 1;
        self.lease_until = self.lease_until.max(until);
    }

    /// A call of this process ended.
    pub(super) fn uncount(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.in_flight == 0 {
            self.lease_until = 0;
        }
    }

    /// What a call does at Unix time `now`, `remaining` before its
    /// deadline. A budget whose reset has passed becomes stale.
    pub(super) fn decide(&mut self, now: f64, remaining: Duration) -> Decision {
        let to_reset = until(self.reset_at, now);
        if !self.stale {
            if self.has_room() {
                return Decision::Go;
            }
            if to_reset.is_zero() {
                // No room as last counted, but the oldest part expired since.
                self.stale = true;
            }
        }
        // What is known is from before the reset, or a 429 came: after the
        // reset, one call at a time finds out afresh.
        if self.stale && to_reset.is_zero() && self.all_in_flight() == 0 {
            return Decision::Go;
        }
        // A reset past the call's deadline is not waited for: the call goes,
        // and the portal's refusal says when the budget frees.
        match to_reset.max(RESET_MARGIN) {
            wait if wait >= remaining => Decision::Go,
            wait => Decision::Wait(wait),
        }
    }

    /// Runs `change` on the budget as the host knows it: when it is shared,
    /// in a turn of its state file — what every process noted read in,
    /// with the live leases of the other processes' calls in flight, and
    /// what `change` left written back with this process's lease. Without
    /// a file, or while it cannot be used, on this process's own copy
    /// alone. `owner` is whose lease this process's calls in flight are.
    pub(super) fn turn<R>(
        &mut self,
        dir: Option<&StateDir>,
        owner: &LeaseOwner,
        warn: &dyn Fn(&str),
        change: impl FnOnce(&mut MethodBudget) -> R,
    ) -> R {
        let (Some(dir), Some(mut file)) = (dir, self.file.take()) else {
            return change(self);
        };
        let mut change = Some(change);
        let mut outcome = None;
        let owner = owner.key();
        file.turn(
            dir,
            true,
            |bytes: &mut [u8; BUDGET_BYTES]| {
                let mut record = BudgetRecord::read(bytes);
                let now = shared::wall_nanos();
                if record.known {
                    self.take_up(&record);
                }
                self.others = record.others_in_flight(owner, now);
                outcome = change.take().map(|change| change(self));
                record.known = self.known;
                record.operating = self.operating;
                record.reset_at = self.reset_at;
                record.reset_reported = self.reset_reported;
                record.processing = self.processing;
                record.stale = self.stale;
                record.lease(owner, self.in_flight, self.lease_until, now);
                record.write(bytes);
                ((), true)
            },
            warn,
        );
        self.file = Some(file);
        // The change ran in the turn, even if what it left could not be
        // written; otherwise it runs on this process's copy alone.
        match (outcome, change) {
            (Some(result), _) => result,
            (None, Some(change)) => {
                self.others = 0;
                change(self)
            }
            (None, None) => unreachable!("a change that ran left its result"),
        }
    }
}
