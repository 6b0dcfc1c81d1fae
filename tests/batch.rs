//! Batch on every front, against the portal emulator, which reads each
//! command as PHP does (`support/php.rs`): what the portal decoded, the
//! split into requests of 50, `$result` chains, `halt`, merged answers, the
//! failures after which a batch is not sent again, and bad input refused
//! before anything is sent.

use opi_test_support as support;

use serde_json::{Value, json};
use support::fronts::{FRONTS, Front, Function, error_of, invoke};
use support::portal::Decoded;
use support::*;

/// A portal of this test's own, so that what it counts is this test's:
/// frozen clock, no bucket.
fn own_portal() -> Portal {
    Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        bucket: None,
        ..PortalOptions::default()
    })
}

/// `n` commands reading deals 1, 2, 3, 1, … as an array (keyed by index).
fn reads(n: usize) -> String {
    let commands: Vec<Value> = (0..n)
        .map(|i| json!({"method": "crm.deal.get", "params": {"ID": i % SEED_DEALS + 1}}))
        .collect();
    Value::Array(commands).to_string()
}

/// What a batch through `front` made the portal see: the answer, the batch
/// requests, and the commands as decoded.
fn batch_through(
    portal: &Portal,
    front: Front,
    commands: &str,
    halt: bool,
) -> (Value, usize, Vec<Decoded>) {
    let (requests, decoded) = (portal.calls_of("batch"), portal.decoded_commands().len());
    let halt = if halt { "true" } else { "false" };
    let answer = invoke(
        front,
        Function::Batch,
        &[&portal.webhook_url(), commands, halt, ""],
    );
    (
        answer,
        portal.calls_of("batch") - requests,
        portal.decoded_commands()[decoded..].to_vec(),
    )
}

#[test]
fn batches_of_1_50_51_and_120_commands_are_split_in_order_on_every_front() {
    let portal = &own_portal();
    for front in FRONTS {
        for n in [1, 50, 51, 120] {
            let (answer, requests, decoded) = batch_through(portal, front, &reads(n), false);
            assert!(answer.get("error").is_none(), "{front:?} {n}: {answer}");
            assert_eq!(requests, n.div_ceil(50), "{front:?} {n}: requests");
            let keys: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let decoded_keys: Vec<&str> = decoded.iter().map(|d| d.key.as_str()).collect();
            assert_eq!(
                decoded_keys, keys,
                "{front:?} {n}: each command once, in order"
            );
            let result = answer["result"]["result"].as_object().expect("an object");
            assert_eq!(
                result.keys().cloned().collect::<Vec<_>>(),
                keys,
                "{front:?} {n}"
            );
            for (i, key) in keys.iter().enumerate() {
                assert_eq!(
                    result[key]["ID"],
                    json!((i % SEED_DEALS + 1).to_string()),
                    "{front:?} {n}: {key}"
                );
            }
            for section in ["result_error", "result_total", "result_next"] {
                assert_eq!(answer["result"][section], json!({}), "{front:?} {section}");
            }
            assert_eq!(
                answer["result"]["result_time"].as_object().unwrap().len(),
                n
            );
        }
    }
}

#[test]
fn the_merged_document_is_the_same_on_every_front_and_failures_do_not_hide_results() {
    let portal = &own_portal();
    let commands = json!({
        "time": {"method": "server.time"},
        "me": {"method": "user.current"},
        "mine": {"method": "crm.deal.get", "params": {"ID": "$result[me][ID]"}},
        "missing": {"method": "crm.deal.get", "params": {"ID": 999}},
        "after": {"method": "crm.deal.get", "params": {"ID": 2}},
    })
    .to_string();
    let mut first: Option<(Front, Value)> = None;
    for front in FRONTS {
        let (answer, requests, decoded) = batch_through(portal, front, &commands, false);
        assert_eq!(requests, 1);
        assert_eq!(
            decoded[2].params,
            json!({"ID": "1"}),
            "the reference resolved"
        );
        let sections = &answer["result"];
        assert_eq!(sections["result"]["time"], json!(iso8601(FROZEN_CLOCK)));
        assert_eq!(sections["result"]["mine"]["ID"], "1");
        assert_eq!(sections["result"]["after"]["ID"], "2");
        assert_eq!(
            sections["result_error"]["missing"]["error_description"],
            "Not found"
        );
        assert!(sections["result"].get("missing").is_none());
        match &first {
            None => first = Some((front, answer)),
            Some((front0, answer0)) => {
                assert_eq!(&answer, answer0, "{front:?} and {front0:?} differ")
            }
        }
    }
}

#[test]
fn halt_stops_at_the_first_failure_and_sends_no_later_request_on_every_front() {
    let portal = &own_portal();
    let mut commands: Vec<Value> = (0..60)
        .map(|i| json!({"method": "crm.deal.get", "params": {"ID": i % SEED_DEALS + 1}}))
        .collect();
    commands[10] = json!({"method": "crm.deal.get", "params": {"ID": 999}});
    let commands = Value::Array(commands).to_string();
    for front in FRONTS {
        let (answer, requests, decoded) = batch_through(portal, front, &commands, true);
        assert_eq!(requests, 1, "{front:?}: the second request is not sent");
        assert_eq!(
            decoded.len(),
            11,
            "{front:?}: the portal ran up to the failure"
        );
        assert!(answer.get("error").is_none(), "{front:?}: {answer}");
        let result = answer["result"]["result"].as_object().unwrap();
        assert_eq!(result.len(), 10, "{front:?}");
        assert!(answer["result"]["result_error"].get("10").is_some());
        let listed = |name: &str| {
            answer["batch"][name]
                .as_array()
                .map_or(usize::MAX, Vec::len)
        };
        assert_eq!(
            (listed("ran"), listed("skipped"), listed("not_sent")),
            (11, 39, 10),
            "{front:?}: {}",
            answer["batch"]
        );

        let (answer, requests, decoded) = batch_through(portal, front, &commands, false);
        assert_eq!(
            (requests, decoded.len()),
            (2, 60),
            "{front:?}: without halt"
        );
        assert_eq!(answer["result"]["result"].as_object().unwrap().len(), 59);
        assert!(answer.get("batch").is_none(), "{answer}");
    }
}

#[test]
fn nested_parameters_reach_the_portal_as_php_reads_them_on_every_front() {
    let portal = &own_portal();
    let title = "A&B = [1] 100% ё, пробел+плюс";
    let commands = json!([{
        "method": "crm.deal.add",
        "params": {
            "fields": {
                "TITLE": title,
                "OPENED": true,
                "CLOSED": false,
                "COMMENTS": null,
                "OBSERVER_IDS": [],
                "UF_CRM_NESTED": {"key & = key": "v", "list": [1, "2", 3.5]},
                "OPPORTUNITY": 12345678901234567890_u64,
            },
            "params": {"REGISTER_SONET_EVENT": "Y"},
        },
    }, {
        "method": "crm.deal.get",
        "params": {"id": "$result[0]"},
    }])
    .to_string();
    for front in FRONTS {
        let (answer, _, decoded) = batch_through(portal, front, &commands, false);
        assert_eq!(
            decoded[0].params,
            json!({
                "fields": {
                    "TITLE": title,
                    "OPENED": "Y",
                    "CLOSED": "N",
                    "COMMENTS": "",
                    "OBSERVER_IDS": [""],
                    "UF_CRM_NESTED": {"key & = key": "v", "list": ["1", "2", "3.5"]},
                    "OPPORTUNITY": "12345678901234567890",
                },
                "params": {"REGISTER_SONET_EVENT": "Y"},
            }),
            "{front:?}"
        );
        let id = answer["result"]["result"]["0"].clone();
        assert_eq!(
            decoded[1].params,
            json!({"id": id.to_string()}),
            "{front:?}"
        );
        assert_eq!(answer["result"]["result"]["1"]["TITLE"], title, "{front:?}");
    }
}

fn adds(n: usize, title: &str) -> String {
    let commands: Vec<Value> = (0..n)
        .map(|_| json!({"method": "crm.deal.add", "params": {"fields": {"TITLE": title}}}))
        .collect();
    Value::Array(commands).to_string()
}

/// The answers that leave open whether the portal ran a request, each after
/// the portal did run it, and the error code each ends a batch with.
const AFTER_RUN: [(PortalFault, &str); 5] = [
    (PortalFault::ServerErrorAfterRun, "INTERNAL_SERVER_ERROR"),
    (PortalFault::BadGatewayAfterRun, "OPI_BAD_RESPONSE"),
    (PortalFault::NoticeAfterRun, "OPI_BAD_RESPONSE"),
    (PortalFault::BreakAfterRun, "OPI_NETWORK_ERROR"),
    (PortalFault::SilentAfterRun, "OPI_TIMEOUT"),
];

#[test]
fn a_batch_the_portal_may_have_run_is_not_sent_again_and_the_answer_says_what_ran() {
    let client = test_client(fault_config());
    for (fault, code) in AFTER_RUN {
        let portal = Portal::with(PortalOptions {
            bucket: None,
            ..PortalOptions::default()
        });
        portal.fail_next("batch", fault, 1);
        let title = format!("{fault:?}");
        let answer = parse(
            client
                .batch(&portal.webhook_url(), &adds(120, &title), false, "")
                .json(),
        );
        let (error, description) = error_of(&answer);
        assert_eq!(error, code, "{fault:?}: {description}");
        assert!(
            description.contains("batch request 1 of 3 failed")
                && description.contains("not safe to repeat")
                && description.contains("0 commands ran, 50 may have run, 70 were not sent"),
            "{fault:?}: {description}"
        );
        assert_eq!(portal.calls_of("batch"), 1, "{fault:?}: sent once");
        assert_eq!(
            portal.deals_titled(&title),
            50,
            "{fault:?}: the first 50 ran once"
        );
        let listed = |name: &str| answer["batch"][name].as_array().unwrap().clone();
        assert_eq!(listed("may_have_run")[0], "0");
        assert_eq!(listed("may_have_run").len(), 50);
        assert_eq!(listed("not_sent")[0], "50");
        assert_eq!(listed("not_sent").len(), 70);
        assert_eq!(answer["result"]["result"], json!({}));
    }
}

/// Two deals in one batch, which the portal makes and then answers with a
/// failure: both are listed as may have run, none as not sent (which would
/// invite sending them again), the text says so, and each deal exists once.
#[test]
fn two_deals_the_portal_made_before_a_failed_answer_may_have_run_and_are_never_listed_as_not_sent()
{
    let client = test_client(fault_config());
    for (fault, code) in AFTER_RUN {
        let portal = Portal::with(PortalOptions {
            bucket: None,
            ..PortalOptions::default()
        });
        portal.fail_next("batch", fault, 1);
        let titles = [format!("{fault:?} a"), format!("{fault:?} b")];
        let commands = json!({
            "a": {"method": "crm.deal.add", "params": {"fields": {"TITLE": titles[0]}}},
            "b": {"method": "crm.deal.add", "params": {"fields": {"TITLE": titles[1]}}},
        })
        .to_string();
        let answer = parse(
            client
                .batch(&portal.webhook_url(), &commands, false, "")
                .json(),
        );
        let (error, description) = error_of(&answer);
        assert_eq!(error, code, "{fault:?}: {description}");
        assert!(
            description.starts_with("batch request 1 of 1 failed: ")
                && description.contains("the portal may have executed batch")
                && description
                    .ends_with("; 0 commands ran, 2 may have run, 0 were not sent (see \"batch\")"),
            "{fault:?}: {description}"
        );
        assert_eq!(
            answer["batch"],
            json!({"ran": [], "may_have_run": ["a", "b"], "skipped": [], "not_sent": []}),
            "{fault:?}"
        );
        assert_eq!(portal.calls_of("batch"), 1, "{fault:?}: sent once");
        for title in &titles {
            assert_eq!(portal.deals_titled(title), 1, "{fault:?}: {title} once");
        }
    }
}

#[test]
fn query_limit_is_retried_overload_is_not_and_each_deal_is_made_once() {
    let client = test_client(fault_config());
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    portal.fail_next("batch", PortalFault::QueryLimit, 2);
    let answer = parse(
        client
            .batch(&portal.webhook_url(), &adds(120, "limited"), false, "")
            .json(),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(
        portal.calls_of("batch"),
        5,
        "2 refusals retried, 3 requests"
    );
    assert_eq!(portal.deals_titled("limited"), 120, "each deal once");

    portal.fail_next("batch", PortalFault::Overload, 1);
    let answer = parse(
        client
            .batch(&portal.webhook_url(), &adds(10, "overloaded"), false, "")
            .json(),
    );
    let (error, description) = error_of(&answer);
    assert_eq!(error, "OVERLOAD_LIMIT");
    assert!(
        description.contains("0 commands ran, 0 may have run, 10 were not sent"),
        "{description}"
    );
    assert_eq!(portal.deals_titled("overloaded"), 0);

    // Refusals that leave nothing run: QUERY_LIMIT_EXCEEDED past the
    // attempts, and a webhook the portal does not know (401).
    let wrong = format!("{}/rest/1/{WEBHOOK_SECRET}x/", portal.base_url());
    portal.fail_next("batch", PortalFault::QueryLimit, 3);
    for (webhook, code) in [
        (portal.webhook_url(), "QUERY_LIMIT_EXCEEDED"),
        (wrong, "INVALID_CREDENTIALS"),
    ] {
        let answer = parse(
            client
                .batch(&webhook, &adds(2, "refused"), false, "")
                .json(),
        );
        let (error, description) = error_of(&answer);
        assert_eq!(error, code, "{description}");
        assert!(
            description
                .ends_with("0 commands ran, 0 may have run, 2 were not sent (see \"batch\")")
                && !description.contains("may have executed"),
            "{description}"
        );
        assert_eq!(answer["batch"]["not_sent"], json!(["0", "1"]));
    }
    assert_eq!(portal.deals_titled("refused"), 0);
}

#[test]
fn the_portals_own_limits_hold_in_the_emulator() {
    let portal = &own_portal();
    let client = test_client(opi_bitrix24::Config::default());
    // Sent as CallMethod("batch"), past the library's own checks.
    let send = |cmd: Value| {
        let body = json!({"halt": 0, "cmd": cmd}).to_string();
        parse(
            client
                .call_json(&portal.webhook_url(), "batch", &body, "")
                .json(),
        )
    };
    let many: serde_json::Map<String, Value> = (0..51)
        .map(|i| (format!("c{i}"), json!("server.time")))
        .collect();
    assert_eq!(
        send(Value::Object(many))["error"],
        "ERROR_BATCH_LENGTH_EXCEEDED"
    );
    assert_eq!(
        send(json!({"inner": "batch?cmd[a]=server.time"}))["error"],
        "ERROR_BATCH_METHOD_NOT_ALLOWED"
    );
    // An unresolved reference goes on as text.
    let answer = send(json!({"a": "crm.deal.get?ID=$result[nothing][ID]"}));
    assert_eq!(
        answer["result"]["result_error"]["a"]["error_description"],
        "ID is not defined or invalid."
    );
}

#[test]
fn bad_commands_are_refused_on_every_front_before_anything_is_sent() {
    let portal = &own_portal();
    let webhook = portal.webhook_url();
    let mut crossing: Vec<Value> = (0..51).map(|_| json!({"method": "server.time"})).collect();
    crossing[50] = json!({"method": "crm.deal.get", "params": {"ID": "$result[3][ID]"}});
    let crossing = Value::Array(crossing).to_string();
    let cases: Vec<(&str, &str)> = vec![
        (
            &crossing,
            "command '50': it refers to $result[3], command number 4 in another request",
        ),
        (
            r#"{"a": {"params": {}}}"#,
            "command 'a': it has no \"method\"",
        ),
        (
            r#"{"a": {"method": "batch", "params": {"cmd": {}}}}"#,
            "command 'a': a batch cannot hold a batch",
        ),
        (
            r#"{"a": {"method": "crm.deal.get", "params": [1]}}"#,
            "command 'a': its \"params\" must be a JSON object",
        ),
        (
            r#"{"a": {"method": "crm.deal.get", "params": "ID=1"}}"#,
            "they are a string",
        ),
        (
            r#"{"a": {"method": "crm/../deal.get"}}"#,
            "command 'a': Method has '/' at byte 3",
        ),
        (
            r#"{"a": {"method": "crm.deal.get", "param": {}}}"#,
            "it has a field 'param'",
        ),
        (
            r#"{"a b": {"method": "server.time"}}"#,
            "a bracket, a space or a control character",
        ),
        (r#"{"a": "server.time"}"#, "a command must be an object"),
        // Only one command of a key, or one value of a name, would run.
        (
            r#"{"a": {"method": "crm.deal.add", "params": {"fields": {"TITLE": "promD-1"}}},
                "a": {"method": "crm.deal.add", "params": {"fields": {"TITLE": "promD-2"}}}}"#,
            "Commands: the key 'a' is given twice in one object",
        ),
        (
            r#"[{"method": "crm.deal.add", "method": "crm.deal.delete", "params": {"id": 1}}]"#,
            "command '0': the key 'method' is given twice in one object",
        ),
        (
            r#"{"a": {"method": "crm.deal.add", "params": {"fields": {"TITLE": "A", "TITLE": "B"}}}}"#,
            "command 'a': the key 'TITLE' is given twice in one object",
        ),
        (
            "{\"a\": {\"method\": \"server.time\"}",
            "Commands are not valid JSON",
        ),
        ("42", "Commands must be a JSON object"),
        ("", "Commands are not valid JSON"),
    ];
    for front in FRONTS {
        for (commands, why) in &cases {
            let before = portal.requests().len();
            let answer = invoke(front, Function::Batch, &[&webhook, commands, "false", ""]);
            let (error, description) = error_of(&answer);
            assert_eq!(error, "OPI_INVALID_ARGUMENT", "{front:?}: {description}");
            assert!(
                description.contains(why),
                "{front:?}: {description} lacks {why}"
            );
            assert_eq!(
                portal.requests().len(),
                before,
                "{front:?}: nothing sent for {why}"
            );
        }
    }
}

#[test]
fn null_and_non_utf8_commands_through_the_c_abi_are_refused() {
    use opi_bitrix24::capi::opi_bitrix24_batch;
    use std::ffi::CString;
    use std::ptr;
    let portal = &own_portal();
    support::fronts::environment();
    let webhook = CString::new(portal.webhook_url()).unwrap();
    let bad = CString::new(vec![b'[', 0xff, b']']).unwrap();
    let before = portal.requests().len();
    for (answer, why) in [
        (
            // SAFETY: every pointer is NULL or a live NUL-terminated string.
            unsafe { opi_bitrix24_batch(webhook.as_ptr(), ptr::null(), false, ptr::null()) },
            "commands_json is NULL",
        ),
        (
            // SAFETY: as above.
            unsafe { opi_bitrix24_batch(webhook.as_ptr(), bad.as_ptr(), true, ptr::null()) },
            "commands_json is not valid UTF-8 (bad byte at 1)",
        ),
        (
            // SAFETY: as above.
            unsafe { opi_bitrix24_batch(ptr::null(), bad.as_ptr(), true, ptr::null()) },
            "url is NULL",
        ),
    ] {
        // SAFETY: the library's answer, taken once.
        let answer = parse(&unsafe { support::fronts::take_c_string(answer) });
        assert_eq!(
            error_of(&answer),
            ("OPI_INVALID_ARGUMENT".to_owned(), why.to_owned())
        );
    }
    assert_eq!(portal.requests().len(), before);
}

#[test]
fn an_empty_batch_answers_empty_sections_and_sends_nothing() {
    let portal = &own_portal();
    for commands in ["{}", "[]"] {
        let (answer, requests, _) = batch_through(portal, Front::Rust, commands, false);
        assert_eq!(requests, 0);
        assert_eq!(
            answer,
            json!({"result": {"result": {}, "result_error": {}, "result_total": {}, "result_next": {}, "result_time": {}}})
        );
    }
}

/// The portable release build of the library (`.ci/portable`, which
/// tests/run.sh runs before the suites).
fn release_library() -> std::path::PathBuf {
    let library = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/x86_64-unknown-linux-gnu/release/libopi_bitrix24.so");
    assert!(
        library.exists(),
        "{} is missing: run `bash .ci/portable` first (tests/run.sh does)",
        library.display()
    );
    library
}

/// Halt as a Boolean byte of 2 (C++ stores any byte in a bool) in a
/// parameter array 4 but not 8 bytes aligned (`host invoke` places it so,
/// as MSVC on x86 may): read as true, by the dev and the release build.
#[test]
fn the_add_in_reads_a_boolean_byte_of_2_from_a_misaligned_array_in_dev_and_release() {
    let portal = own_portal();
    let commands = commands_failing_at_the_sixth();
    for library in [shared_library(), release_library()] {
        for (byte, requests) in [("2", 1), ("0", 2)] {
            let before = portal.calls_of("batch");
            let input = format!("{}\0{commands}\0{byte}\0", portal.webhook_url());
            let output = output_with_stdin(
                std::process::Command::new(addin_host())
                    .arg(&library)
                    .args(["invoke", "platform", "Batch", "ttbt"])
                    .env("SSL_CERT_FILE", &TestCa::global().pem_path),
                input.as_bytes(),
            );
            let stdout = host_stdout(&output);
            assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
            let (_, answer) = host_results(&stdout).pop().expect("a RESULT line");
            assert_eq!(
                portal.calls_of("batch") - before,
                requests,
                "{}: byte {byte}: {answer}",
                library.display()
            );
            let halted = answer["batch"]["not_sent"].as_array().map_or(0, Vec::len);
            assert_eq!(halted, if byte == "2" { 10 } else { 0 }, "{answer}");
        }
    }
}

#[test]
fn the_emulators_decoder_reads_queries_as_phps_parse_str_does() {
    use support::php::parse_str;
    assert_eq!(
        parse_str("a=1&b[x]=2&b[y][]=3&b[y][]=4&c[0]=z&c[1]=w").to_json(),
        json!({"a": "1", "b": {"x": "2", "y": ["3", "4"]}, "c": ["z", "w"]})
    );
    assert_eq!(
        parse_str("f.x=1&g h=2&i[=3&k[%3EID]=5&m[]=&n=a%26b+c%20d&o=100%").to_json(),
        json!({"f_x": "1", "g_h": "2", "i_": "3", "k": {">ID": "5"}, "m": [""], "n": "a&b c d", "o": "100%"})
    );
    assert_eq!(parse_str("").to_json(), json!([]));
    assert_eq!(
        parse_str("a[2]=x&a[]=y").to_json(),
        json!({"a": {"2": "x", "3": "y"}})
    );
    assert_eq!(parse_str("a[01]=x").to_json(), json!({"a": {"01": "x"}}));
}
