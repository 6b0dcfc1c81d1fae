//! The portal's operating-time budget (docs/retries.md): the test portal
//! counts each method's processing in a window scaled down to a second or
//! so, refuses with 429 `OPERATION_TIME_LIMIT` past its limit, and reports
//! `operating` and `operating_reset_at` in every answer. The client waits
//! for the reset rather than running into the wall, sends a refused call
//! again (it did not run), and says when the budget frees when it cannot
//! wait that long.

use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config, ListMode, Pacing};
use opi_test_support as support;
use serde_json::Value;
use support::*;

fn budget_portal(limit: f64, window: Duration, charge: f64, rows: usize) -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        list_rows: rows,
        operating_budget: Some(OperatingBudget {
            limit,
            window,
            charge,
        }),
        ..PortalOptions::default()
    })
}

/// A client that knows the portal's scaled-down limit, as
/// `OPI_BITRIX24_OPERATING_LIMIT` would tell it.
fn budget_client(limit: f64, timeout: Duration) -> Client {
    test_client(Config {
        operating_limit: Some(limit),
        pacing: Pacing::Off,
        retry_delay: Duration::from_millis(10),
        timeout,
        ..Config::default()
    })
}

#[test]
fn forty_calls_past_the_budget_all_answer_in_about_the_time_it_allows() {
    // Ten calls a one-second window: forty calls need three resets.
    let portal = budget_portal(1.0, Duration::from_secs(1), 0.1, 0);
    let client = budget_client(1.0, Duration::from_secs(20));
    let started = Instant::now();
    for call in 0..40 {
        let answer = client.call_json(&portal.webhook_url(), "server.time", "", "");
        assert!(!answer.is_error(), "call {call}: {}", answer.json());
    }
    let elapsed = started.elapsed();
    assert_eq!(portal.calls_of("server.time") - portal.blocked(), 40);
    assert!(
        elapsed >= Duration::from_millis(2900) && elapsed < Duration::from_secs(6),
        "40 calls at 10 a window of 1 s took {elapsed:?}: the budget allows just over 3 s"
    );
    // The client waited for the resets rather than being refused.
    assert!(portal.blocked() <= 3, "{} calls refused", portal.blocked());
}

#[test]
fn a_list_of_6000_under_a_budget_comes_whole() {
    // A batch of 50 pages costs the whole budget of `batch`: one a window.
    let portal = budget_portal(1.0, Duration::from_secs(1), 0.02, 6000);
    let client = budget_client(1.0, Duration::from_secs(30));
    let answer = parse(
        client
            .get_list(
                &portal.webhook_url(),
                "crm.contact.list",
                "",
                "",
                ListMode::Offset,
            )
            .json(),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(answer.get("warnings").is_none(), "{answer}");
    let ids: std::collections::BTreeSet<String> = answer["result"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["ID"].as_str().expect("an ID").to_owned())
        .collect();
    assert_eq!(ids.len(), 6000, "every item once");
    // Three batches go side by side before any answer tells the budget;
    // after that, one at a time as the budget frees.
    assert!(
        portal.blocked() <= 2,
        "{} requests refused",
        portal.blocked()
    );
}

#[test]
fn a_budget_that_frees_after_the_calls_time_budget_is_the_portals_error_with_the_reset() {
    let portal = budget_portal(0.2, Duration::from_secs(30), 0.1, 0);
    let client = budget_client(0.2, Duration::from_secs(2));
    for _ in 0..2 {
        let answer = client.call_json(&portal.webhook_url(), "server.time", "", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    let started = Instant::now();
    let answer = parse(
        client
            .call_json(&portal.webhook_url(), "server.time", "", "")
            .json(),
    );
    assert_eq!(answer["error"], "OPERATION_TIME_LIMIT", "{answer}");
    let description = answer["error_description"].as_str().unwrap();
    assert!(
        description.starts_with("Method is blocked due to operation time limit.")
            && description.contains("server.time's operating-time budget")
            && description.contains("frees at 20")
            && description.contains("past this call's time budget"),
        "{description}"
    );
    // Not waited for: the reset is 30 s away and the call had 2.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_write_refused_for_the_budget_is_sent_again_and_runs_once() {
    let portal = budget_portal(0.2, Duration::from_secs(1), 0.1, 0);
    let params = r#"{"fields":{"TITLE":"Budgeted"}}"#;
    // Another client spends the budget of crm.deal.add; told a higher
    // limit, it does not hold its own calls back.
    let spender = budget_client(10.0, Duration::from_secs(10));
    for _ in 0..2 {
        let answer = spender.call_json(&portal.webhook_url(), "crm.deal.add", params, "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    // A client that knows nothing of it meets the 429, waits, and is answered.
    let fresh = budget_client(0.2, Duration::from_secs(10));
    let before = portal.calls_of("crm.deal.add");
    let answer: Value = parse(
        fresh
            .call_json(
                &portal.webhook_url(),
                "crm.deal.add",
                r#"{"fields":{"TITLE":"Once"}}"#,
                "",
            )
            .json(),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(portal.blocked() >= 1, "the portal refused it first");
    assert_eq!(
        portal.calls_of("crm.deal.add") - before,
        1 + portal.blocked()
    );
    assert_eq!(portal.deals_titled("Once"), 1, "it ran once");
}
