//! GetList's scheduler: requests fetched side by side, their results handed
//! on in order, with a bounded number waiting.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Runs `fetch` for every index below `count` on up to `parallel` threads,
/// and hands each result to `write` in index order, as soon as every one
/// before it is written. A fetch starts only within `parallel` of the first
/// result not yet written, so no more than `parallel` results wait in
/// memory. Once `write` fails no new fetch starts, and its error is the
/// answer.
pub(super) fn fetch_in_order<T: Send, E>(
    count: usize,
    parallel: usize,
    fetch: impl Fn(usize) -> T + Sync,
    mut write: impl FnMut(T) -> Result<(), E>,
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
                    if stop.load(Ordering::SeqCst) || sender.send((index, fetch(index))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let outcome = receiver.iter().try_for_each(|(index, result)| {
            waiting.insert(index, result);
            let mut done = written.lock().unwrap_or_else(|p| p.into_inner());
            while let Some(result) = waiting.remove(&*done) {
                write(result)?;
                *done += 1;
                moved.notify_all();
            }
            Ok(())
        });
        if outcome.is_err() {
            // Under the lock a waiting fetcher checks `stop` with, so that
            // none checks it, misses the change and waits for good.
            let _written = written.lock().unwrap_or_else(|p| p.into_inner());
            stop.store(true, Ordering::SeqCst);
            moved.notify_all();
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_in_order_with_at_most_parallel_ahead() {
        let started = Mutex::new(Vec::new());
        let mut written = Vec::new();
        let outcome: Result<(), ()> = fetch_in_order(
            120,
            8,
            |index| {
                started.lock().unwrap().push(index);
                // Later indexes finish first, so results must wait.
                std::thread::sleep(Duration::from_micros(((index * 7919) % 13) as u64 * 100));
                index
            },
            |index| {
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
            |index| if index == 10 { Err(index) } else { Ok(()) },
        );
        assert_eq!(outcome, Err(10));
        assert!(fetched.load(Ordering::SeqCst) <= 10 + 4 + 4, "{fetched:?}");
        assert_eq!(fetch_in_order(0, 4, |i| i, |_| Err::<(), ()>(())), Ok(()));
    }
}
