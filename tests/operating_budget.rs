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
//! exactly on a fake clock in `src/budget.rs`.

use std::time::Duration;

use opi_bitrix24::{Client, Config, ListMode, Pacing};
use opi_test_support as support;
use serde_json::{Value, json};
use support::*;

fn budget_portal(limit: f64, window: Duration, charge: f64, rows: usize) -> Portal {
    portal_charging(false, limit, window, charge, rows)
}

/// A portal that charges each command of a batch to its own method
/// ([`OperatingBudget::per_command`]), refusing those past the limit in
/// `result_error` while the batch answers 200.
fn per_command_portal(limit: f64, window: Duration, charge: f64, rows: usize) -> Portal {
    portal_charging(true, limit, window, charge, rows)
}

fn portal_charging(
    per_command: bool,
    limit: f64,
    window: Duration,
    charge: f64,
    rows: usize,
) -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        list_rows: rows,
        operating_budget: Some(OperatingBudget {
            limit,
            window,
            charge,
            per_command,
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
    // A client that knows nothing of the budget, made before it is spent.
    let fresh = budget_client(0.2, Duration::from_secs(60));
    // Another client spends the budget of crm.deal.add; told a higher
    // limit, it does not hold its own calls back.
    let spender = budget_client(10.0, Duration::from_secs(60));
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

#[test]
fn the_test_portal_refuses_commands_past_their_methods_budget_inside_a_batch_that_answers_200() {
    // Four commands of a method a window: the fifth crm.deal.add is
    // refused, the crm.deal.get beside it (its own budget) runs.
    let portal = per_command_portal(1.0, Duration::from_secs(30), 0.25, 0);
    let mut cmd = serde_json::Map::new();
    for n in 1..=5 {
        let add = format!("crm.deal.add?fields[TITLE]=Per%20command%20{n}");
        cmd.insert(format!("a{n}"), add.into());
    }
    cmd.insert("g".into(), "crm.deal.get?ID=1".into());
    let body = json!({"halt": 0, "cmd": cmd}).to_string();
    // CallMethod of `batch`: the portal's own answer, untouched.
    let client = budget_client(1.0, Duration::from_secs(1));
    let answer = parse(
        client
            .call_json(&portal.webhook_url(), "batch", &body, "")
            .json(),
    );
    let result = &answer["result"];
    assert!(answer.get("error").is_none(), "{answer}");
    for key in ["a1", "a2", "a3", "a4", "g"] {
        assert!(result["result"].get(key).is_some(), "{key}: {answer}");
        assert!(result["result_time"].get(key).is_some(), "{key}: {answer}");
    }
    assert_eq!(
        result["result_error"],
        json!({"a5": {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time limit."}}),
    );
    // Each command that ran reports its own method's budget; a refused one
    // nothing, as no error answer carries a `time`.
    assert_eq!(result["result_time"]["a4"]["operating"], 1.0, "{answer}");
    assert_eq!(result["result_time"]["g"]["operating"], 0.25, "{answer}");
    assert!(result["result_time"].get("a5").is_none(), "{answer}");
    assert_eq!(portal.blocked_commands(), 1);
    assert_eq!(portal.deals_titled("Per command 5"), 0, "it did not run");
    assert_eq!(portal.decoded_commands().len(), 5);
    // A call of the spent method is refused as a whole (the client's time
    // budget is too short to wait for the reset).
    let single = client.call_json(
        &portal.webhook_url(),
        "crm.deal.add",
        r#"{"fields":{"TITLE":"Single"}}"#,
        "",
    );
    assert_eq!(parse(single.json())["error"], "OPERATION_TIME_LIMIT");
    assert_eq!(portal.blocked(), 1);
}

/// A command's charge on the portals below: 32 commands of a method a
/// window (exact in binary, so that the 32nd reaches the limit).
const PER_COMMAND: f64 = 1.0 / 32.0;

/// The IDs of a GetList answer's items, which must hold no error.
fn listed_ids(answer: &Value, id: &str) -> Vec<u64> {
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(answer.get("warnings").is_none(), "{answer}");
    answer["result"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item[id].as_str().expect("an ID").parse().expect("a number"))
        .collect()
}

#[test]
fn a_list_of_6000_whose_pages_are_refused_inside_batches_comes_whole_by_offset() {
    // 32 pages a window: the first batch request's pages run up to its
    // 32nd and the rest are refused, as are the requests beside it; the
    // refused pages are asked again after each reset.
    let portal = per_command_portal(1.0, Duration::from_secs(1), PER_COMMAND, 6000);
    let client = budget_client(1.0, Duration::from_secs(60));
    let list = client.get_list(
        &portal.webhook_url(),
        "crm.contact.list",
        "",
        "",
        ListMode::Offset,
    );
    let ids = listed_ids(&parse(list.json()), "ID");
    assert_eq!(ids, (0..6000).map(row_id).collect::<Vec<_>>());
    assert!(portal.blocked_commands() > 0, "no page was refused");
    assert_eq!(portal.blocked(), 0, "a request was refused as a whole");
    // Every page after the first ran once, in a batch.
    let mut starts: Vec<u64> = (portal.decoded_commands().iter())
        .map(|command| command.params["start"].as_str().unwrap().parse().unwrap())
        .collect();
    starts.sort_unstable();
    assert_eq!(starts, (50..6000).step_by(50).collect::<Vec<u64>>());
}

#[test]
fn a_list_of_6000_whose_pages_are_refused_inside_batches_comes_whole_by_id() {
    // The chain stops at the first refused page, and the next request
    // starts from it.
    let portal = per_command_portal(1.0, Duration::from_secs(1), PER_COMMAND, 6000);
    let client = budget_client(1.0, Duration::from_secs(60));
    let list = client.get_list(
        &portal.webhook_url(),
        "crm.contact.list",
        "",
        "",
        ListMode::ById,
    );
    let ids = listed_ids(&parse(list.json()), "ID");
    assert_eq!(ids, (0..6000).map(row_id).collect::<Vec<_>>());
    assert!(portal.blocked_commands() > 0, "no page was refused");
    assert_eq!(portal.blocked(), 0, "a request was refused as a whole");
    // No page ran twice: each bound once, for the 119 full pages after the
    // first and the empty one that ends the list. (Pages after a refused
    // one may run too, when the window frees a part during the batch, with
    // the reference to the refused page as their literal bound: the portal
    // cannot resolve it. Their answers are not read.)
    let bounds: Vec<u64> = (portal.decoded_commands().iter())
        .filter_map(|command| command.params["filter"][">ID"].as_str()?.parse().ok())
        .collect();
    let distinct: std::collections::HashSet<&u64> = bounds.iter().collect();
    assert_eq!(distinct.len(), bounds.len(), "a page ran twice: {bounds:?}");
    assert_eq!(bounds.len(), 120);
}

/// `n` commands `crm.deal.add`, keyed `d0`, `d1`, …, titled `<prefix> <i>`.
fn deal_adds(prefix: &str, n: usize) -> String {
    let commands: serde_json::Map<String, Value> = (0..n)
        .map(|i| {
            let title = format!("{prefix} {i}");
            let add = json!({"method": "crm.deal.add", "params": {"fields": {"TITLE": title}}});
            (format!("d{i}"), add)
        })
        .collect();
    Value::Object(commands).to_string()
}

#[test]
fn a_batch_of_120_whose_commands_are_refused_runs_each_once_as_if_not_interrupted() {
    let portal = per_command_portal(1.0, Duration::from_secs(1), PER_COMMAND, 0);
    let client = budget_client(1.0, Duration::from_secs(60));
    let answer = parse(
        client
            .batch(
                &portal.webhook_url(),
                &deal_adds("Budgeted", 120),
                false,
                "",
            )
            .json(),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(answer.get("batch").is_none(), "{answer}");
    let keys: Vec<String> = (0..120).map(|i| format!("d{i}")).collect();
    let result = &answer["result"];
    // Every command's result once, in the caller's order; no refusal left.
    let answered: Vec<&String> = result["result"].as_object().unwrap().keys().collect();
    assert_eq!(answered, keys.iter().collect::<Vec<_>>());
    assert_eq!(result["result_error"], json!({}), "{answer}");
    let timed: Vec<&String> = result["result_time"].as_object().unwrap().keys().collect();
    assert_eq!(timed, keys.iter().collect::<Vec<_>>());
    // Each deal made once, its ID the one answered.
    for i in 0..120 {
        assert_eq!(portal.deals_titled(&format!("Budgeted {i}")), 1, "deal {i}");
    }
    let ids: std::collections::HashSet<String> = (result["result"].as_object().unwrap())
        .values()
        .map(Value::to_string)
        .collect();
    assert_eq!(ids.len(), 120);
    assert!(portal.blocked_commands() > 0, "no command was refused");
    assert_eq!(
        portal.decoded_commands().len(),
        120,
        "each command ran once"
    );
}

#[test]
fn under_halt_a_refused_command_and_those_it_stopped_are_sent_again_in_order() {
    let portal = per_command_portal(1.0, Duration::from_secs(1), PER_COMMAND, 0);
    let client = budget_client(1.0, Duration::from_secs(60));
    let answer = parse(
        client
            .batch(&portal.webhook_url(), &deal_adds("Halted", 45), true, "")
            .json(),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(answer.get("batch").is_none(), "{answer}");
    assert_eq!(answer["result"]["result"].as_object().unwrap().len(), 45);
    assert_eq!(answer["result"]["result_error"], json!({}));
    // The 33rd was refused and the portal stopped there (and again, if
    // the window had not freed enough by the time it was sent again).
    assert!(portal.blocked_commands() >= 1);
    let ran: Vec<String> = (portal.decoded_commands().iter())
        .map(|command| command.key.clone())
        .collect();
    assert_eq!(ran, (0..45).map(|i| format!("d{i}")).collect::<Vec<_>>());
}

#[test]
fn commands_whose_budget_frees_after_the_calls_time_budget_keep_the_portals_error_with_the_reset() {
    // The window is 30 s, the call's time budget 2 s.
    let portal = per_command_portal(1.0, Duration::from_secs(30), PER_COMMAND, 6000);
    let client = budget_client(1.0, Duration::from_secs(2));
    let answer = parse(
        client
            .batch(&portal.webhook_url(), &deal_adds("Late", 40), false, "")
            .json(),
    );
    let refused: Vec<String> = (32..40).map(|i| format!("d{i}")).collect();
    let result = &answer["result"];
    assert_eq!(result["result"].as_object().unwrap().len(), 32, "{answer}");
    let errors = result["result_error"].as_object().unwrap();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        refused.iter().collect::<Vec<_>>()
    );
    for (key, error) in errors {
        assert_eq!(error["error"], "OPERATION_TIME_LIMIT", "{key}");
        assert_names_the_reset(error["error_description"].as_str().unwrap(), "crm.deal.add");
    }
    // They did not run, so they are listed as not sent: safe to send again.
    assert_eq!(answer["batch"]["not_sent"], json!(refused));
    assert_eq!(portal.blocked_commands(), 8);
    assert_eq!(portal.decoded_commands().len(), 32, "none sent again");
    // GetList by ID: the first page and 31 chained run, the 32nd is refused
    // and ends the export naming the reset, with the items before it.
    let list = parse(
        client
            .get_list(
                &portal.webhook_url(),
                "crm.contact.list",
                "",
                "",
                ListMode::ById,
            )
            .json(),
    );
    assert_eq!(list["error"], "OPERATION_TIME_LIMIT", "{list}");
    let description = list["error_description"].as_str().unwrap();
    assert!(
        description.starts_with("the page i31 failed: "),
        "{description}"
    );
    assert_names_the_reset(description, "crm.contact.list");
    assert_eq!(list["total"], 1600, "{list}");
    assert_eq!(portal.blocked_commands(), 8 + 19);
}

/// The portal's refusal, with when the method's budget frees: the words a
/// single call's refusal ends with.
fn assert_names_the_reset(description: &str, method: &str) {
    assert!(
        description.contains("Method is blocked due to operation time limit.; ")
            && description.contains(&format!("{method}'s operating-time budget on 127.0.0.1:"))
            && description.contains("frees at 20")
            && description.ends_with("past this call's time budget"),
        "{description}"
    );
}
