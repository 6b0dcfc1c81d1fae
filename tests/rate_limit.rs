//! The client-side rate limit against the portal's own leaky bucket, both set
//! to 10 requests draining 20 a second so that the test takes seconds.

mod support;

use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config, RateLimit};
use support::*;

const BUCKET: (f64, f64) = (10.0, 20.0);
const CALLS: usize = 200;
const THREADS: usize = 16;

struct Burst {
    succeeded: usize,
    requests: usize,
    elapsed: Duration,
}

fn burst(rate_limit: Option<RateLimit>) -> Burst {
    let portal = Portal::with(PortalOptions {
        bucket: Some(BUCKET),
        ..PortalOptions::default()
    });
    let client = Client::new(Config {
        rate_limit,
        attempts: 10,
        ..trusting_config()
    })
    .unwrap();
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

    let paced = burst(Some(RateLimit {
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

    let unpaced = burst(None);
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
