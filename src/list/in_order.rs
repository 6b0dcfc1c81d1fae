//! GetList's scheduler: requests fetched side by side, their results handed
//! on in order, with a bounded number waiting.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// A fetch that panicked: its index, and what the panic said (shortened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Panicked {
    pub(super) index: usize,
    pub(super) message: String,
}

/// The longest panic message kept: it goes into an error text.
const PANIC_MESSAGE_CHARS: usize = 200;

/// `fetch()`, or what it said when it panicked (shortened).
pub(super) fn caught<T>(fetch: impl FnOnce() -> T) -> Result<T, String> {
    // Unwind safety: what fetches share (the client's connections, pacing
    // and budgets) sits behind locks taken whether poisoned or not, and is
    // used after a panic anyway once the fronts' boundary has caught it.
    catch_unwind(AssertUnwindSafe(fetch)).map_err(|payload| message_of(&*payload))
}

fn message_of(payload: &(dyn Any + Send)) -> String {
    let text = match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(text), _) => text,
        (None, Some(text)) => text.as_str(),
        (None, None) => "(no message)",
    };
    crate::echo::cut(text, PANIC_MESSAGE_CHARS)
}

/// Runs `fetch` for every index below `count` on up to `parallel` threads,
/// and hands each result to `write` in index order, as soon as every one
/// before it is written. A fetch starts only within `parallel` of the first
/// result not yet written, so no more than `parallel` results wait in
/// memory. A fetch that panics is handed on in its place as [`Panicked`],
/// so that no fetcher waits for it for good. Once `write` fails no new
/// fetch starts, and its error is the answer; when `write` panics, the
/// fetchers are let go and the panic goes on once they have ended.
pub(super) fn fetch_in_order<T: Send, E>(
    count: usize,
    parallel: usize,
    fetch: impl Fn(usize) -> T + Sync,
    mut write: impl FnMut(Result<T, Panicked>) -> Result<(), E>,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    let written = Mutex::new(0usize);
    let moved = Condvar::new();
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(count) {
            let sender = sender.clone();
            let (next, written, moved, stop, fetch) = (&next, &written, &moved, &stop, &fetch);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= count {
                        break;
                    }
                    let mut done = written.lock().unwrap_or_else(|p| p.into_inner());
                    while index >= *done + parallel && !stop.load(Ordering::SeqCst) {
                        done = moved.wait(done).unwrap_or_else(|p| p.into_inner());
                    }
                    drop(done);
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let fetched =
                        caught(|| fetch(index)).map_err(|message| Panicked { index, message });
                    if sender.send((index, fetched)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // However the writing ends — done, failed or panicking — no
        // fetcher is left waiting, so that the scope can end.
        let _release = Release {
            written: &written,
            moved: &moved,
            stop: &stop,
        };
        let mut waiting = BTreeMap::new();
        receiver.iter().try_for_each(|(index, result)| {
            waiting.insert(index, result);
            let mut done = written.lock().unwrap_or_else(|p| p.into_inner());
            while let Some(result) = waiting.remove(&*done) {
                write(result)?;
                *done += 1;
                moved.notify_all();
            }
            Ok(())
        })
    })
}

/// Stops the fetchers and wakes those waiting for their turn, when dropped.
struct Release<'a> {
    written: &'a Mutex<usize>,
    moved: &'a Condvar,
    stop: &'a AtomicBool,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        // Under the lock a waiting fetcher checks `stop` with, so that none
        // checks it, misses the change and waits for good.
        let _written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        self.stop.store(true, Ordering::SeqCst);
        self.moved.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_in_order_with_at_most_parallel_ahead() {
        let started = Mutex::new(Vec::new());
        let mut written = Vec::new();
        let outcome: Result<(), Panicked> = fetch_in_order(
            120,
            8,
            |index| {
                started.lock().unwrap().push(index);
                // Later indexes finish first, so results must wait.
                std::thread::sleep(Duration::from_micros(((index * 7919) % 13) as u64 * 100));
                index
            },
            |fetched| {
                let index = fetched?;
                // Nothing beyond `parallel` of this one has started.
                let furthest = started.lock().unwrap().iter().copied().max().unwrap();
                assert!(
                    furthest < index + 8,
                    "{furthest} started while {index} was written"
                );
                written.push(index);
                Ok(())
            },
        );
        assert_eq!(outcome, Ok(()));
        assert_eq!(written, (0..120).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_write_stops_new_fetches() {
        let fetched = AtomicUsize::new(0);
        let outcome = fetch_in_order(
            1000,
            4,
            |index| {
                fetched.fetch_add(1, Ordering::SeqCst);
                index
            },
            |index| match index {
                Ok(10) => Err(Some(10)),
                Ok(_) => Ok(()),
                Err(_) => Err(None),
            },
        );
        assert_eq!(outcome, Err(Some(10)));
        assert!(fetched.load(Ordering::SeqCst) <= 10 + 4 + 4, "{fetched:?}");
        assert_eq!(fetch_in_order(0, 4, |i| i, |_| Err::<(), ()>(())), Ok(()));
    }

    /// What `run` returned on a thread of its own, or a failure of the test
    /// when it has not returned in a minute: it hung.
    fn returned<R: Send + 'static>(run: impl FnOnce() -> R + Send + 'static) -> R {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || sender.send(run()));
        receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the scheduler returned rather than waiting for good")
    }

    #[test]
    fn a_fetch_that_panics_ends_the_run_with_the_results_before_it_and_its_index() {
        let (outcome, written) = returned(|| {
            let started = Mutex::new(Vec::new());
            let mut written = Vec::new();
            let outcome = fetch_in_order(
                100,
                4,
                |index| {
                    if index == 5 {
                        // Once 6, 7 and 8 have started, the fetchers go on
                        // to 9, 10 and 11, which wait for 5 to be written.
                        for _ in 0..10_000 {
                            if started.lock().unwrap().contains(&8) {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        panic!("the page {index} broke");
                    }
                    started.lock().unwrap().push(index);
                    index
                },
                |fetched| {
                    written.push(fetched?);
                    Ok(())
                },
            );
            (outcome, written)
        });
        assert_eq!(
            outcome,
            Err(Panicked {
                index: 5,
                message: "the page 5 broke".into()
            })
        );
        assert_eq!(written, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_write_that_panics_lets_the_fetchers_go_and_the_panic_out() {
        let outcome = returned(|| {
            catch_unwind(|| {
                fetch_in_order(
                    100,
                    4,
                    |index| index,
                    |fetched| match fetched {
                        Ok(10) => panic!("the writer broke"),
                        _ => Ok::<(), ()>(()),
                    },
                )
            })
        });
        let payload = outcome.expect_err("the writer's panic goes on");
        assert_eq!(message_of(&*payload), "the writer broke");
    }

    #[test]
    fn a_panic_message_is_kept_short() {
        let long = "x".repeat(1000);
        let outcome = caught::<()>(|| panic!("{long}"));
        let Err(message) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            message.chars().count(),
            PANIC_MESSAGE_CHARS + 1,
            "{message}"
        );
        assert!(message.ends_with('…'), "{message}");
        let outcome = caught::<()>(|| std::panic::panic_any(7u8));
        assert_eq!(outcome, Err("(no message)".into()));
    }
}
