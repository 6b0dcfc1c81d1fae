//! Many threads at once: through the C ABI against the test portal, and a
//! burst against its rate limit.

use opi_test_support as support;

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opi_bitrix24::Config;
use serde_json::json;
use support::*;

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_default();
    pages * 4096
}

#[test]
fn sixteen_threads_times_500_calls_through_the_c_abi_with_flat_memory() {
    // SAFETY: first thing in the test, before the library reads the environment.
    unsafe { std::env::set_var("OPI_BITRIX24_RATE_LIMIT", "off") };
    trust_test_ca();
    let portal = Portal::with(PortalOptions {
        bucket: None,
        record: false,
        ..PortalOptions::default()
    });
    let url = CString::new(portal.webhook_url()).unwrap();
    let statuses = ["online", "dnd", "away", "break"].map(|s| CString::new(s).unwrap());
    let calls = AtomicUsize::new(0);
    let (at_2000, at_8000) = (AtomicU64::new(0), AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..16 {
            let (url, statuses, calls, at_2000, at_8000) =
                (&url, &statuses, &calls, &at_2000, &at_8000);
            scope.spawn(move || {
                for call in 0..500 {
                    let status = &statuses[(thread + call) % statuses.len()];
                    // SAFETY: live NUL-terminated strings, and NULL for no token.
                    let text = unsafe {
                        support::fronts::c_set_user_status_raw(
                            url.as_ptr(),
                            status.as_ptr(),
                            std::ptr::null(),
                        )
                    };
                    assert_eq!(
                        parse(&text)["result"],
                        json!(true),
                        "thread {thread} call {call}: {text}"
                    );
                    match calls.fetch_add(1, Ordering::SeqCst) + 1 {
                        2000 => at_2000.store(resident_bytes(), Ordering::SeqCst),
                        8000 => at_8000.store(resident_bytes(), Ordering::SeqCst),
                        _ => {}
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    assert_eq!(calls.load(Ordering::SeqCst), 8000);
    let growth = at_8000.load(Ordering::SeqCst) as i64 - at_2000.load(Ordering::SeqCst) as i64;
    eprintln!(
        "8,000 calls from 16 threads in {elapsed:?} ({:.0} calls/s); resident memory from call 2,000 to 8,000: {:+} KiB",
        8000.0 / elapsed.as_secs_f64(),
        growth / 1024
    );
    assert!(
        growth < 2 << 20,
        "resident memory grew by {} KiB",
        growth / 1024
    );
}

#[test]
fn a_burst_of_200_concurrent_calls_against_the_portal_rate_limit_all_end_correctly() {
    let portal = Portal::start();
    let client = test_client(Config {
        // The portal's limit is what this shows; the client-side one is tests/rate_limit.rs's.
        pacing: opi_bitrix24::Pacing::Off,
        ..Config::default()
    });
    let attempts = client.config().attempts as usize;
    let started = Instant::now();
    let answers: Vec<serde_json::Value> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..200)
            .map(|_| {
                scope.spawn(|| {
                    parse(
                        client
                            .set_user_status(&portal.webhook_url(), "dnd", "")
                            .json(),
                    )
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let succeeded = answers
        .iter()
        .filter(|a| a["result"] == json!(true))
        .count();
    let limited = answers
        .iter()
        .filter(|a| a["error"] == "QUERY_LIMIT_EXCEEDED")
        .count();
    assert_eq!(succeeded + limited, 200, "other answers: {answers:?}");
    let requests = portal.requests().len();
    eprintln!(
        "burst of 200: {succeeded} succeeded, {limited} QUERY_LIMIT_EXCEEDED after {attempts} attempts each, {requests} requests, {elapsed:?}"
    );
    // The bucket admits 50, then drains 2 a second while the retries wait.
    assert!(succeeded >= 50, "{succeeded}");
    // Each refusal came only after every attempt; each success took 1 to `attempts`.
    let after_refusals = requests - limited * attempts;
    assert!(
        (succeeded..=succeeded * attempts).contains(&after_refusals),
        "{requests} requests"
    );
    assert!(elapsed < Duration::from_secs(60));
}
