//! The portal's operating-time budget (docs/retries.md): the test portal
//! counts each method's processing in a window scaled down to a second or
//! so, refuses with 429 `OPERATION_TIME_LIMIT` past its limit, and reports
//! `operating` and `operating_reset_at` in every answer. The client waits
//! for the reset rather than running into the wall, sends a refused call
//! again (it did not run), and says when the budget frees when it cannot
//! wait that long.
//!
//! The windows are real, so some tests wait for them, but none asserts how
//! long anything took: what is asserted is what the portal counted (calls,
//! refusals, deals) and what the client answered, which a loaded machine
//! does not change. The budget's decisions, waits included, are asserted
//! exactly on a fake clock in `src/budget/`.

use std::time::Duration;

use opi_bitrix24::{Client, Config, ListMode, Pacing, Sharing};
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
    budget_client_sharing(limit, timeout, Sharing::Host)
}

/// The same, sharing what it knows with the host's other processes (and
/// clients) or not.
fn budget_client_sharing(limit: f64, timeout: Duration, shared: Sharing) -> Client {
    test_client(Config {
        shared,
        operating_limit: Some(limit),
        pacing: Pacing::Off,
        retry_delay: Duration::from_millis(10),
        timeout,
        ..Config::default()
    })
}

#[test]
fn forty_calls_past_the_budget_all_answer_and_none_runs_into_it() {
    // Ten calls a one-second window: forty calls need three resets, which
    // the client waits for (real windows of the portal's; how long that
    // takes is not asserted, a loaded machine only makes it longer).
    let portal = budget_portal(1.0, Duration::from_secs(1), 0.1, 0);
    let client = budget_client(1.0, Duration::from_secs(60));
    for call in 0..40 {
        let answer = client.call_json(&portal.webhook_url(), "server.time", "", "");
        assert!(!answer.is_error(), "call {call}: {}", answer.json());
    }
    // The client held each call back until the budget had room for it,
    // rather than sending it into the portal's refusal and again after: a
    // call waits only for a reset the portal reported, after which the
    // portal has freed the oldest part, so none is refused.
    assert_eq!(portal.blocked(), 0, "calls refused for the budget");
    assert_eq!(portal.calls_of("server.time"), 40);
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
    let ids: Vec<u64> = answer["result"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            item["ID"]
                .as_str()
                .expect("an ID")
                .parse()
                .expect("a number")
        })
        .collect();
    assert_eq!(
        ids,
        (0..6000).map(row_id).collect::<Vec<_>>(),
        "every item once, in order"
    );
    // Three batches go side by side before any answer tells the budget, so
    // the portal may refuse the two that find the first's charge; after
    // that, one at a time as the budget frees, none refused. Three batch
    // requests ran, whatever was refused.
    assert!(
        portal.blocked() <= 2,
        "{} requests refused",
        portal.blocked()
    );
    assert_eq!(portal.calls_of("batch") - portal.blocked(), 3);
}

#[test]
fn a_budget_that_frees_after_the_calls_time_budget_is_the_portals_error_with_the_reset() {
    let portal = budget_portal(0.2, Duration::from_secs(30), 0.1, 0);
    let client = budget_client(0.2, Duration::from_secs(2));
    for _ in 0..2 {
        let answer = client.call_json(&portal.webhook_url(), "server.time", "", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    let answer = parse(
        client
            .call_json(&portal.webhook_url(), "server.time", "", "")
            .json(),
    );
    // The portal's refusal, not our time-out: the call was neither held
    // back until its deadline nor sent again after the refusal.
    assert_eq!(answer["error"], "OPERATION_TIME_LIMIT", "{answer}");
    assert_eq!(portal.blocked(), 1);
    assert_eq!(portal.calls_of("server.time"), 3);
    let description = answer["error_description"].as_str().unwrap();
    assert!(
        description.starts_with("Method is blocked due to operation time limit.")
            && description.contains("server.time's operating-time budget")
            && description.contains("frees at 20")
            && description.contains("past this call's time budget"),
        "{description}"
    );
}

#[test]
fn a_write_refused_for_the_budget_is_sent_again_and_runs_once() {
    // Two seconds' window: the budget is still spent when the second client
    // calls unless the machine stalls that long between two calls (with 1 s,
    // a loaded machine could let it free first); the refused call waits for
    // the window to pass.
    let portal = budget_portal(0.2, Duration::from_secs(2), 0.1, 0);
    let params = r#"{"fields":{"TITLE":"Budgeted"}}"#;
    // A client that knows nothing of the budget, made before it is spent;
    // it shares nothing with the other (which would tell it).
    let fresh = budget_client_sharing(0.2, Duration::from_secs(60), Sharing::Off);
    // Another client spends the budget of crm.deal.add; told a higher
    // limit, it does not hold its own calls back.
    let spender = budget_client_sharing(10.0, Duration::from_secs(60), Sharing::Off);
    for _ in 0..2 {
        let answer = spender.call_json(&portal.webhook_url(), "crm.deal.add", params, "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    // The fresh client meets the 429, waits, and is answered.
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
    // Every try but the last was refused before it ran.
    assert_eq!(
        portal.calls_of("crm.deal.add") - before,
        1 + portal.blocked()
    );
    assert_eq!(portal.deals_titled("Once"), 1, "it ran once");
}

/// With the default sharing, what one client (or process) of the host
/// learned of a budget is known to the others: a client that never called
/// the method waits for its reset instead of meeting the portal's 429.
#[test]
fn a_budget_spent_by_another_client_of_the_host_is_waited_for_not_run_into() {
    let portal = budget_portal(0.2, Duration::from_secs(2), 0.1, 0);
    let fresh = budget_client(0.2, Duration::from_secs(60));
    let spender = budget_client_sharing(10.0, Duration::from_secs(60), Sharing::Host);
    for _ in 0..2 {
        let answer = spender.call_json(&portal.webhook_url(), "server.time", "", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    let answer = fresh.call_json(&portal.webhook_url(), "server.time", "", "");
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(portal.blocked(), 0, "the portal refused none");
    assert_eq!(portal.calls_of("server.time"), 3);
}
