//! GetList on every front against the emulator's generated lists
//! (`support/portal.rs`, `LIST_METHODS`): every item exactly once, in both
//! modes, for the sizes around the page and request edges, with the fewest
//! requests; the shapes the methods answer in; a list that changes during
//! the export reported; and the file form for lists past the answer cap.

use opi_test_support as support;

use std::process::Command;

use opi_bitrix24::{Client, Config, ListMode};
use serde_json::{Value, json};
use support::fronts::{FRONTS, Front, Function, error_of, invoke};
use support::portal::{LIST_METHODS, row_id};
use support::*;

fn portal_with(rows: usize) -> Portal {
    Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        bucket: None,
        list_rows: rows,
        record: true,
        ..PortalOptions::default()
    })
}

/// The IDs of a GetList answer's items, as numbers.
fn ids_of(answer: &Value, key: &str) -> Vec<u64> {
    answer["result"]
        .as_array()
        .unwrap_or_else(|| panic!("no result array: {answer}"))
        .iter()
        .map(|item| match &item[key] {
            Value::String(text) => text.parse().unwrap(),
            other => other.as_u64().unwrap(),
        })
        .collect()
}

/// The fewest requests for `n` items: the first page, then 2,500 a request.
fn fewest_requests(n: usize, mode: ListMode) -> usize {
    match mode {
        ListMode::Offset => 1 + n.saturating_sub(50).div_ceil(2500),
        // A page of exactly 50 cannot tell it is the last: one more page is read.
        ListMode::ById => 1 + (n / 50).div_ceil(50),
    }
}

/// GetList through the Rust API's `client`: the parsed document.
fn listed(client: &Client, portal: &Portal, method: &str, params: &str, mode: ListMode) -> Value {
    parse(
        client
            .get_list(&portal.webhook_url(), method, params, "", mode)
            .json(),
    )
}

fn get_list(front: Front, portal: &Portal, method: &str, params: &str, mode: ListMode) -> Value {
    let by_id = if mode == ListMode::ById {
        "true"
    } else {
        "false"
    };
    invoke(
        front,
        Function::GetList,
        &[&portal.webhook_url(), method, params, "", by_id],
    )
}

#[test]
fn every_item_exactly_once_for_sizes_around_the_edges_in_both_modes_on_every_front() {
    for n in [0, 1, 50, 51, 2500, 2501, 10_000] {
        let portal = portal_with(n);
        let expected: Vec<u64> = (0..n).map(row_id).collect();
        for mode in [ListMode::Offset, ListMode::ById] {
            for front in FRONTS {
                let before = portal.requests().len();
                let answer = get_list(front, &portal, "crm.contact.list", "", mode);
                let requests = portal.requests().len() - before;
                assert!(
                    answer.get("error").is_none(),
                    "{front:?} {mode:?} {n}: {answer}"
                );
                assert_eq!(ids_of(&answer, "ID"), expected, "{front:?} {mode:?} {n}");
                assert_eq!(answer["total"], json!(n), "{front:?} {mode:?} {n}");
                assert!(answer.get("warnings").is_none(), "{answer}");
                assert_eq!(
                    requests,
                    fewest_requests(n, mode),
                    "{front:?} {mode:?} {n}: requests"
                );
            }
        }
    }
}

#[test]
fn the_shapes_of_the_list_methods_are_read_in_both_modes() {
    let n = 2_600;
    let portal = portal_with(n);
    let client = test_client(Config::default());
    let expected: Vec<u64> = (0..n).map(row_id).collect();
    for shape in LIST_METHODS {
        let modes: &[ListMode] = match shape.counts {
            true => &[ListMode::Offset, ListMode::ById],
            // Without total, by offset the pages follow `next` one by one.
            false => &[ListMode::Offset],
        };
        for &mode in modes {
            let before = portal.requests().len();
            let answer = listed(&client, &portal, shape.method, "", mode);
            assert_eq!(
                ids_of(&answer, shape.id),
                expected,
                "{} {mode:?}",
                shape.method
            );
            let requests = portal.requests().len() - before;
            let expected_requests = match shape.counts {
                true => fewest_requests(n, mode),
                false => n.div_ceil(50),
            };
            assert_eq!(requests, expected_requests, "{} {mode:?}", shape.method);
        }
    }
}

#[test]
fn the_callers_filter_and_select_are_kept_and_the_id_filter_is_added() {
    let portal = portal_with(300);
    let client = test_client(Config::default());
    let params = json!({"filter": {"TYPE_ID": "CLIENT"}, "select": ["ID", "TITLE"]}).to_string();
    let answer = listed(
        &client,
        &portal,
        "crm.contact.list",
        &params,
        ListMode::ById,
    );
    assert_eq!(answer["total"], 300);
    let decoded = portal.decoded_commands();
    let chained = &decoded[1].params;
    assert_eq!(chained["filter"]["TYPE_ID"], "CLIENT", "{chained}");
    assert_eq!(
        chained["filter"][">ID"],
        json!(row_id(99).to_string()),
        "{chained}"
    );
    assert_eq!(chained["select"], json!(["ID", "TITLE"]));
    assert_eq!(chained["order"], json!({"ID": "ASC"}));
    assert_eq!(chained["start"], "-1");
}

#[test]
fn a_list_that_changes_during_the_export_is_reported_and_the_by_id_mode_is_not_fooled() {
    let n = 5_100;
    let client = test_client(Config::default());
    let portal = portal_with(n);
    portal.insert_a_row_after(1);
    let answer = listed(&client, &portal, "crm.contact.list", "", ListMode::Offset);
    let warnings = answer["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("came twice")),
        "{warnings:?}"
    );

    let portal = portal_with(n);
    portal.insert_a_row_after(1);
    let answer = listed(&client, &portal, "crm.contact.list", "", ListMode::ById);
    assert!(answer.get("warnings").is_none(), "{answer}");
    let ids = ids_of(&answer, "ID");
    assert_eq!(ids.len(), n, "each row once");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_list_past_the_answer_cap_is_refused_with_the_way_to_the_file_form_which_streams_it() {
    // crm.item.list's rows are about 450 bytes of JSON: 16 MiB is 37,000.
    let n = 45_000;
    let portal = portal_with(n);
    let client = test_client(Config {
        pacing: opi_bitrix24::Pacing::Off,
        ..Config::default()
    });
    let answer = listed(&client, &portal, "crm.item.list", "", ListMode::ById);
    let (_, description) = error_of(&answer);
    assert!(
        description.contains("over 16 MiB") && description.contains("GetList's file form"),
        "{description}"
    );

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("items.json");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut reports = 0;
    let summary = parse(
        client
            .get_list_to(
                &portal.webhook_url(),
                "crm.item.list",
                "",
                "",
                ListMode::ById,
                &mut file,
                &mut |_| reports += 1,
            )
            .json(),
    );
    assert_eq!(summary, json!({"result": {"items": n}, "total": n}));
    assert_eq!(reports as usize, fewest_requests(n, ListMode::ById));
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(ids_of(&written, "id").len(), n);
}

#[test]
fn the_c_file_form_writes_the_document_and_answers_the_summary() {
    let portal = portal_with(120);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-items.json");
    let output = std::process::Command::new(c_test_program())
        .args([
            "invoke",
            "get_list_to_file",
            &portal.webhook_url(),
            "tasks.task.list",
            "",
            "(null)",
            "false",
        ])
        .arg(&path)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .output()
        .unwrap();
    let summary = parse(&successful_stdout(&output));
    assert_eq!(summary["result"]["items"], 120);
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        ids_of(&written, "id"),
        (0..120).map(row_id).collect::<Vec<_>>()
    );
}

#[test]
fn bad_list_calls_are_refused_on_every_front_before_sending() {
    let portal = portal_with(10);
    let webhook = portal.webhook_url();
    for front in FRONTS {
        for (method, params, why) in [
            ("crm/contact.list", "", "Method has '/'"),
            ("crm.contact.list", "[1]", "they are an array"),
            ("crm.contact.list", "{", "not valid JSON"),
            (
                "crm.contact.list",
                r#"{"filter": {">ID": 10, ">ID": 20}}"#,
                "the key '>ID' is given twice in one object",
            ),
        ] {
            let before = portal.requests().len();
            let answer = invoke(
                front,
                Function::GetList,
                &[&webhook, method, params, "", "false"],
            );
            let (error, description) = error_of(&answer);
            assert_eq!(error, "OPI_INVALID_ARGUMENT", "{front:?}");
            assert!(description.contains(why), "{front:?}: {description}");
            assert_eq!(portal.requests().len(), before, "{front:?}: nothing sent");
        }
    }
}

#[test]
fn a_portal_error_on_the_first_page_is_the_answer() {
    let portal = portal_with(10);
    let client = test_client(Config::default());
    let answer = parse(
        client
            .get_list(
                &portal.domain(),
                "crm.contact.list",
                "",
                EXPIRED_TOKEN,
                ListMode::Offset,
            )
            .json(),
    );
    assert_eq!(answer["error"], "expired_token", "{answer}");
    assert!(answer.get("result").is_none());
}

fn oint_get_list(portal: &Portal, extra: &[&str]) -> Command {
    let mut command = Command::new(target_dir().join("oint"));
    command
        .args([
            "bitrix24",
            "GetList",
            "--url",
            &portal.webhook_url(),
            "--method",
            "crm.contact.list",
        ])
        .args(extra)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path);
    command
}

#[test]
fn oint_streams_the_list_to_a_file_or_standard_output_and_draws_progress_only_on_a_terminal() {
    let portal = portal_with(3_000);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oint-items.json");
    let output = oint_get_list(&portal, &["--out", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "nothing extra when standard error is not a terminal"
    );
    let summary = parse(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary, json!({"result": {"items": 3000}, "total": 3000}));
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(ids_of(&written, "ID").len(), 3000);

    let output = oint_get_list(&portal, &["--by-id"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let streamed = parse(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(
        ids_of(&streamed, "ID"),
        (0..3000).map(row_id).collect::<Vec<_>>()
    );

    // Under a terminal (script(1) gives the program one), the bar is drawn.
    let line = format!(
        "{} bitrix24 GetList --url {} --method crm.contact.list --out {} 2>&1 >/dev/null",
        target_dir().join("oint").display(),
        portal.webhook_url(),
        path.display()
    );
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .output()
        .expect("script(1), from util-linux");
    let drawn = String::from_utf8_lossy(&output.stdout);
    assert!(
        drawn.contains("3,000/3,000 items") || drawn.contains("3000/3000 items"),
        "{drawn}"
    );
    assert!(drawn.contains("requests"), "{drawn}");

    let output = oint_get_list(&portal, &["--params", "[1]"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "refused before sending");
    assert_eq!(
        parse(&String::from_utf8_lossy(&output.stdout))["error"],
        "OPI_INVALID_ARGUMENT"
    );
}

#[test]
fn the_new_c_functions_are_valgrind_clean() {
    let portal = portal_with(120);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("valgrind-items.json");
    let webhook = portal.webhook_url();
    let commands = json!({"a": {"method": "crm.contact.list"}, "b": {"method": "crm.deal.get", "params": {"ID": "$result[a][0][ID]"}}}).to_string();
    for args in [
        vec!["invoke", "batch", &webhook, &commands, "true", "(null)"],
        vec!["invoke", "batch", &webhook, "[", "false", "(null)"],
        vec![
            "invoke",
            "get_list",
            &webhook,
            "crm.contact.list",
            "",
            "(null)",
            "false",
        ],
        vec![
            "invoke",
            "get_list",
            &webhook,
            "crm.contact.list",
            "",
            "(null)",
            "true",
        ],
        vec![
            "invoke",
            "get_list_to_file",
            &webhook,
            "tasks.task.list",
            "",
            "(null)",
            "true",
            path.to_str().unwrap(),
        ],
    ] {
        let output = under_valgrind(&c_test_program())
            .args(&args)
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .output()
            .expect("valgrind");
        assert_valgrind_clean(&output);
        let answer = parse(&successful_stdout(&output));
        assert!(
            answer.get("result").is_some() || answer.get("error").is_some(),
            "{answer}"
        );
    }
}

#[test]
fn a_failed_request_mid_export_ends_it_with_an_error_holding_the_items_so_far() {
    let portal = portal_with(6_000);
    portal.fail_next("batch", PortalFault::Overload, 1);
    let client = test_client(fault_config());
    let answer = listed(&client, &portal, "crm.contact.list", "", ListMode::ById);
    let (error, _) = error_of(&answer);
    assert_eq!(error, "OVERLOAD_LIMIT");
    assert_eq!(
        ids_of(&answer, "ID"),
        (0..50).map(row_id).collect::<Vec<_>>()
    );
    assert_eq!(
        answer["total"], 50,
        "what came, never presented as the whole"
    );
}

/// A program's `log` logger that panics as the `n`th batch request to one
/// portal is sent: a fetch of GetList that panics, from outside the
/// library, with a secret in its message. Test threads share the logger;
/// only the portal named counts.
struct PanicOnBatch(std::sync::Mutex<Option<(String, usize)>>);

impl log::Log for PanicOnBatch {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target() == opi_bitrix24::LOG_TARGET
    }

    fn log(&self, record: &log::Record) {
        let line = record.args().to_string();
        let mut armed = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some((host, left)) = armed.as_mut() else {
            return;
        };
        if line.starts_with(&format!("{host} batch ")) && line.ends_with(" sending") {
            *left -= 1;
            if *left == 0 {
                *armed = None;
                drop(armed);
                // The webhook's secret in it, which the answer masks.
                panic!("the program's logger broke ({WEBHOOK_SECRET})");
            }
        }
    }

    fn flush(&self) {}
}

static PANIC_ON_BATCH: PanicOnBatch = PanicOnBatch(std::sync::Mutex::new(None));

/// GetList of `rows` items in `mode`, with the 2nd batch request's fetch
/// panicking: the answer, from a thread of its own, or a failure when it
/// has not come in a minute (the export hung).
fn listed_with_a_fetch_panicking(rows: usize, mode: ListMode) -> Value {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        log::set_logger(&PANIC_ON_BATCH).expect("no other logger in this binary");
        log::set_max_level(log::LevelFilter::Debug);
    });
    let portal = portal_with(rows);
    let url = portal.webhook_url();
    let host = url.split('/').nth(2).expect("host:port").to_owned();
    *PANIC_ON_BATCH.0.lock().unwrap() = Some((host, 2));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let client = test_client(fault_config());
        let answer = client.get_list(&url, "crm.contact.list", "", "", mode);
        let _ = sender.send(answer.json().to_owned());
        drop(portal);
    });
    let answer = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("GetList answered rather than hanging or unwinding");
    parse(&answer)
}

#[test]
fn a_fetch_that_panics_mid_export_ends_it_with_an_internal_error_naming_its_pages() {
    // By offset, 4 batch requests side by side: the one that panicked is
    // any of them, named by its pages; the items are those before it.
    let answer = listed_with_a_fetch_panicking(10_000, ListMode::Offset);
    let (error, description) = error_of(&answer);
    assert_eq!(error, "OPI_INTERNAL_ERROR", "{answer}");
    let pages = description
        .strip_prefix("fetching the pages s")
        .and_then(|rest| rest.split_once(" of crm.contact.list panicked: "));
    let Some((pages, message)) = pages else {
        panic!("{description}")
    };
    assert_eq!(message, "the program's logger broke (***)");
    let (first, last) = pages.split_once(" to s").expect(pages);
    let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
    assert!(
        [50, 2550, 5050, 7550].contains(&first) && last == (first + 2450).min(9950),
        "{description}"
    );
    let before: Vec<u64> = (0..first).map(row_id).collect();
    assert_eq!(ids_of(&answer, "ID"), before, "the items before its pages");
    assert_eq!(answer["total"], first);
    // By ID, the second batch request: after the first page and 50 more.
    let answer = listed_with_a_fetch_panicking(10_000, ListMode::ById);
    let (error, description) = error_of(&answer);
    assert_eq!(error, "OPI_INTERNAL_ERROR", "{answer}");
    assert_eq!(
        description,
        format!(
            "fetching the pages after ID {} of crm.contact.list panicked: the program's logger broke (***)",
            row_id(2549)
        )
    );
    assert_eq!(
        ids_of(&answer, "ID"),
        (0..2550).map(row_id).collect::<Vec<_>>()
    );
}

/// A fault on a batch request of pages, after the portal ran it: its pages
/// only read the list (`crm.contact.list`, safe to repeat), so the request
/// is sent again and the list comes whole, each item once. A 200 that is
/// no JSON (not retried for any method) and a fault outlasting the
/// attempts end the export with the items so far and an error naming the
/// request's pages: nothing in it says a page was not sent.
#[test]
fn a_batch_of_pages_the_portal_may_have_run_is_sent_again_or_ends_the_export_naming_it() {
    let n = 2_550;
    let expected: Vec<u64> = (0..n).map(row_id).collect();
    let client = test_client(fault_config());
    for fault in [
        PortalFault::ServerErrorAfterRun,
        PortalFault::BadGatewayAfterRun,
        PortalFault::BreakAfterRun,
        PortalFault::SilentAfterRun,
    ] {
        for mode in [ListMode::Offset, ListMode::ById] {
            let portal = portal_with(n);
            portal.fail_next("batch", fault, 1);
            let answer = listed(&client, &portal, "crm.contact.list", "", mode);
            assert!(
                answer.get("error").is_none(),
                "{fault:?} {mode:?}: {answer}"
            );
            assert_eq!(ids_of(&answer, "ID"), expected, "{fault:?} {mode:?}");
            assert_eq!(
                portal.calls_of("batch"),
                fewest_requests(n, mode),
                "{fault:?} {mode:?}: the batch requests, and the failed one again"
            );
        }
    }
    for (fault, times, code) in [
        (PortalFault::NoticeAfterRun, 1, "OPI_BAD_RESPONSE"),
        (PortalFault::ServerErrorAfterRun, 3, "INTERNAL_SERVER_ERROR"),
    ] {
        let portal = portal_with(n);
        portal.fail_next("batch", fault, times);
        let answer = listed(&client, &portal, "crm.contact.list", "", ListMode::Offset);
        let (error, description) = error_of(&answer);
        assert_eq!(error, code, "{fault:?}: {description}");
        assert!(
            description.starts_with("the batch request of the pages s50 to s2500 failed: ")
                && !description.contains("not sent"),
            "{fault:?}: {description}"
        );
        assert_eq!(ids_of(&answer, "ID"), expected[..50], "{fault:?}");
        assert_eq!(answer["total"], 50, "{fault:?}");
        assert_eq!(portal.calls_of("batch"), times, "{fault:?}");
    }
}
