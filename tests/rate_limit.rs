//! The client-side rate limit against the portal's own leaky bucket, both set
//! to 10 requests draining 20 a second so that the test takes seconds.

use opi_test_support as support;

use std::time::{Duration, Instant};

use opi_bitrix24::{Config, Pacing, RateLimit};
use support::*;

const BUCKET: (f64, f64) = (10.0, 20.0);
const CALLS: usize = 200;
const THREADS: usize = 16;

struct Burst {
    succeeded: usize,
    requests: usize,
    elapsed: Duration,
}

fn burst(pacing: Pacing) -> Burst {
    let portal = Portal::with(PortalOptions {
        bucket: Some(BUCKET),
        ..PortalOptions::default()
    });
    let client = test_client(Config {
        pacing,
        attempts: 10,
        ..Config::default()
    });
    let started = Instant::now();
    let succeeded: usize = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (client, portal) = (&client, &portal);
                scope.spawn(move || {
                    (thread..CALLS)
                        .step_by(THREADS)
                        .filter(|_| {
                            !client
                                .set_user_status(&portal.webhook_url(), "dnd", "")
                                .is_error()
                        })
                        .count()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    Burst {
        succeeded,
        requests: portal.requests().len(),
        elapsed: started.elapsed(),
    }
}

#[test]
fn a_paced_burst_earns_no_503_and_ends_near_the_minimum_time_unlike_an_unpaced_one() {
    let (capacity, per_second) = BUCKET;
    let minimum = Duration::from_secs_f64((CALLS as f64 - capacity) / per_second);

    let paced = burst(Pacing::Always(RateLimit {
        capacity,
        per_second,
    }));
    eprintln!(
        "paced: {} of {CALLS} succeeded with {} requests in {:?} (minimum {minimum:?})",
        paced.succeeded, paced.requests, paced.elapsed
    );
    assert_eq!(paced.succeeded, CALLS);
    assert_eq!(
        paced.requests,
        CALLS,
        "{} answers were 503 and retried",
        paced.requests - CALLS
    );
    assert!(
        paced.elapsed <= minimum.mul_f64(1.1),
        "{:?} is over 110% of {minimum:?}",
        paced.elapsed
    );

    let unpaced = burst(Pacing::Off);
    eprintln!(
        "unpaced: {} of {CALLS} succeeded with {} requests ({} answered 503) in {:?}",
        unpaced.succeeded,
        unpaced.requests,
        unpaced.requests - unpaced.succeeded,
        unpaced.elapsed
    );
    assert!(unpaced.requests > CALLS, "no 503 without pacing");
    // Without pacing, calls either give up on 503s or get through later.
    assert!(
        unpaced.succeeded < CALLS || unpaced.elapsed > paced.elapsed,
        "unpaced: all {CALLS} succeeded in {:?}, paced in {:?}",
        unpaced.elapsed,
        paced.elapsed
    );
}

/// `calls` status calls from `threads` threads with the default settings
/// (pacing `auto`) against `portal`: how many succeeded, and how long it took.
fn default_burst(portal: &Portal, threads: usize, calls: usize) -> (usize, Vec<String>, Duration) {
    let client = test_client(Config {
        attempts: 10,
        ..Config::default()
    });
    assert_eq!(client.config().pacing, Pacing::Auto);
    let started = Instant::now();
    let errors: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let (client, portal) = (&client, portal);
                scope.spawn(move || {
                    (thread..calls)
                        .step_by(threads)
                        .map(|_| client.set_user_status(&portal.webhook_url(), "dnd", ""))
                        .filter(|answer| answer.is_error())
                        .map(|answer| answer.into_json())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    (calls - errors.len(), errors, started.elapsed())
}

#[test]
fn an_unlimited_self_hosted_portal_takes_a_burst_of_1600_calls_unpaced_and_without_timeouts() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        record: false,
        ..PortalOptions::default()
    });
    let (succeeded, errors, elapsed) = default_burst(&portal, 16, 1600);
    eprintln!("1600 calls from 16 threads to 127.0.0.1 in {elapsed:?}");
    assert!(
        errors.is_empty(),
        "{} errors, first {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(succeeded, 1600);
    // Paced at the standard bucket they would need (1600 - 49) / 2 s.
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}: paced?");
}

#[test]
fn a_limited_self_hosted_portal_gets_at_most_one_round_of_503s_then_is_paced() {
    let (threads, calls) = (4, 60);
    let portal = Portal::with(PortalOptions {
        bucket: Some((50.0, 2.0)),
        ..PortalOptions::default()
    });
    let (succeeded, errors, elapsed) = default_burst(&portal, threads, calls);
    let refused = portal.requests().len() - calls;
    eprintln!("{calls} calls, {refused} answered 503, in {elapsed:?}");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(succeeded, calls);
    assert!(refused >= 1, "the portal's limit was reached");
    assert!(
        refused <= threads,
        "{refused} 503s: more than one per thread in flight"
    );
    // Once paced, the calls past the bucket go at the portal's 2 a second.
    let minimum = Duration::from_secs_f64((calls - 50) as f64 / 2.0);
    assert!(elapsed >= minimum.mul_f64(0.8), "{elapsed:?}");
}
