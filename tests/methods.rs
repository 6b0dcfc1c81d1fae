//! The functions beyond SetUserStatus — CallMethod (any REST method),
//! GetUserStatus, GetToken, RefreshToken — on every front, against the
//! portal emulator: the same document and the same request on the wire
//! everywhere, the OAuth round trip, retries that never run a write twice,
//! and bad input refused before anything is sent.

use opi_test_support as support;

use std::time::Duration;

use opi_bitrix24::Client;
use serde_json::{Value, json};
use support::fronts::{FRONTS, Front, Function, error_of, invoke, shared_portal};
use support::*;

/// The requests `call` made the portal see.
fn requests_of(portal: &Portal, call: impl FnOnce() -> Value) -> (Value, Vec<Recorded>) {
    let before = portal.requests().len();
    let answer = call();
    (answer, portal.requests()[before..].to_vec())
}

/// Calls `function` on every front; every front must give `expected`'s
/// document (checked by `expected`) and send the same one request.
fn same_on_every_front(function: Function, args: &[&str], check: impl Fn(&Value)) -> Recorded {
    let portal = shared_portal();
    let mut first: Option<(Front, Value, Recorded)> = None;
    for front in FRONTS {
        let (answer, sent) = requests_of(portal, || invoke(front, function, args));
        check(&answer);
        assert_eq!(
            sent.len(),
            1,
            "{front:?} {function:?}: one request, got {}",
            sent.len()
        );
        let request = sent.into_iter().next().unwrap();
        match &first {
            None => first = Some((front, answer, request)),
            Some((front0, answer0, request0)) => {
                assert_eq!(
                    &answer, answer0,
                    "{front:?} and {front0:?} answer differently"
                );
                assert_eq!(request.method, request0.method, "{front:?}: verb");
                assert_eq!(request.target, request0.target, "{front:?}: target");
                assert_eq!(request.body, request0.body, "{front:?}: body");
                assert_eq!(
                    request.header("content-type"),
                    request0.header("content-type"),
                    "{front:?}: content type"
                );
            }
        }
    }
    first.expect("at least one front").2
}

#[test]
fn call_method_gives_the_same_document_and_request_on_every_front() {
    let portal = shared_portal();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());

    let sent = same_on_every_front(
        Function::Call,
        &[&webhook, "server.time", "", ""],
        |answer| {
            assert_eq!(answer["result"], json!(iso8601(FROZEN_CLOCK)), "{answer}");
            assert_eq!(answer["time"]["start"], json!(FROZEN_CLOCK));
        },
    );
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, format!("/rest/1/{WEBHOOK_SECRET}/server.time"));
    assert_eq!(sent.body, b"{}");
    assert_eq!(
        sent.header("content-type"),
        Some("application/json; charset=utf-8")
    );

    let sent = same_on_every_front(
        Function::Call,
        &[&domain, "user.current", "{}", APP_TOKEN],
        |answer| {
            assert_eq!(answer["result"]["ID"], "1", "{answer}");
        },
    );
    assert_eq!(sent.target, "/rest/user.current");
    assert_eq!(
        parse(std::str::from_utf8(&sent.body).unwrap()),
        json!({"auth": APP_TOKEN})
    );

    let params = r#"{"id": 2, "select": ["ID", "TITLE"]}"#;
    let sent = same_on_every_front(
        Function::Call,
        &[&webhook, "crm.deal.get", params, ""],
        |answer| {
            assert_eq!(answer["result"]["TITLE"], "Seed deal 2", "{answer}");
        },
    );
    assert_eq!(sent.body, params.as_bytes(), "the parameters go as given");

    // A method the portal does not have: its own error, the same everywhere.
    same_on_every_front(
        Function::Call,
        &[&webhook, "no.such.method", "", ""],
        |answer| {
            assert_eq!(answer["error"], "ERROR_METHOD_NOT_FOUND", "{answer}");
        },
    );
}

#[test]
fn get_user_status_reflects_what_set_user_status_stored_on_every_front() {
    let portal = shared_portal();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    let sent = same_on_every_front(Function::GetUserStatus, &[&webhook, ""], |answer| {
        assert_eq!(answer["result"], json!(false), "no status yet: {answer}");
    });
    assert_eq!(
        sent.target,
        format!("/rest/1/{WEBHOOK_SECRET}/im.user.status.get")
    );
    assert_eq!(sent.body, b"{}");

    same_on_every_front(Function::SetUserStatus, &[&webhook, "dnd", ""], |answer| {
        assert_eq!(answer["result"], json!(true), "{answer}");
    });
    let sent = same_on_every_front(Function::GetUserStatus, &[&domain, APP_TOKEN], |answer| {
        assert_eq!(answer["result"], "dnd", "{answer}");
    });
    assert_eq!(sent.target, "/rest/im.user.status.get");
    assert_eq!(sent.body, format!(r#"{{"auth":"{APP_TOKEN}"}}"#).as_bytes());
}

#[test]
fn set_user_status_sends_exactly_what_it_sent_before_call_method_existed() {
    let portal = shared_portal();
    let sent = same_on_every_front(
        Function::SetUserStatus,
        &[&portal.domain(), "Away ", APP_TOKEN],
        |answer| {
            assert_eq!(answer["result"], json!(true));
        },
    );
    assert_eq!(sent.target, "/rest/im.user.status.set");
    assert_eq!(
        sent.body,
        format!(r#"{{"auth":"{APP_TOKEN}","STATUS":"away"}}"#).as_bytes()
    );
}

/// The token values of an OAuth answer masked, so that answers to
/// different codes can be compared.
fn masked(answer: &Value) -> Value {
    let mut answer = answer.clone();
    for field in ["access_token", "refresh_token"] {
        assert!(
            answer[field].as_str().is_some_and(|t| t.len() > 20),
            "{field}: {answer}"
        );
        answer[field] = json!("***");
    }
    answer
}

#[test]
fn tokens_round_trip_against_the_oauth_server_on_every_front() {
    let portal = shared_portal();
    let mut documents = Vec::new();
    for front in FRONTS {
        let code = portal.issue_code();
        let (got, sent) = requests_of(portal, || {
            invoke(
                front,
                Function::GetToken,
                &[CLIENT_ID, CLIENT_SECRET, &code],
            )
        });
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].method, "GET");
        assert_eq!(sent[0].path(), "/oauth/token/");
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(sent[0].query().unwrap().as_bytes())
                .into_owned()
                .collect();
        assert_eq!(
            query,
            [
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("code", code.as_str()),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        // The access token works for REST calls.
        let access = got["access_token"].as_str().unwrap().to_owned();
        let me = invoke(
            front,
            Function::Call,
            &[&portal.domain(), "user.current", "", &access],
        );
        assert_eq!(me["result"]["ID"], "1", "{front:?}: {me}");

        // The refresh token rotates: the new one works, the spent one is refused.
        let refresh = got["refresh_token"].as_str().unwrap().to_owned();
        let renewed = invoke(
            front,
            Function::RefreshToken,
            &[CLIENT_ID, CLIENT_SECRET, &refresh],
        );
        let rotated = renewed["refresh_token"]
            .as_str()
            .expect("a new refresh token");
        assert_ne!(rotated, refresh, "{front:?}");
        let again = invoke(
            front,
            Function::RefreshToken,
            &[CLIENT_ID, CLIENT_SECRET, rotated],
        );
        assert!(again["access_token"].is_string(), "{front:?}: {again}");
        let spent = invoke(
            front,
            Function::RefreshToken,
            &[CLIENT_ID, CLIENT_SECRET, &refresh],
        );
        assert_eq!(
            spent,
            json!({"error": "invalid_grant", "error_description": "Invalid grant"}),
            "{front:?}"
        );

        // A spent code, and a wrong secret: the server's own errors.
        let reused = invoke(
            front,
            Function::GetToken,
            &[CLIENT_ID, CLIENT_SECRET, &code],
        );
        assert_eq!(reused["error"], "invalid_grant", "{front:?}");
        let wrong = invoke(
            front,
            Function::GetToken,
            &[CLIENT_ID, "not-the-secret", &portal.issue_code()],
        );
        assert_eq!(wrong["error"], "invalid_client", "{front:?}");
        for text in [&spent, &reused, &wrong].map(Value::to_string) {
            assert_no_secret(&text);
            assert!(!text.contains(&refresh) && !text.contains(&code), "{text}");
        }
        documents.push((front, masked(&got), masked(&renewed)));
    }
    let (_, got0, renewed0) = &documents[0];
    for (front, got, renewed) in &documents {
        assert_eq!(got, got0, "{front:?}: GetToken's document");
        assert_eq!(renewed, renewed0, "{front:?}: RefreshToken's document");
    }
}

fn unbucketed_portal() -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    })
}

fn add_deal(client: &Client, portal: &Portal, title: &str) -> Value {
    let params = json!({"fields": {"TITLE": title}});
    parse(
        client
            .call(
                &portal.webhook_url(),
                "crm.deal.add",
                params.as_object().unwrap(),
                "",
            )
            .json(),
    )
}

#[test]
fn a_write_the_portal_may_have_run_is_never_sent_twice_and_the_answer_says_so() {
    let client = test_client(fault_config());
    for (fault, code) in [
        (PortalFault::BreakAfterRun, "OPI_NETWORK_ERROR"),
        (PortalFault::BadGatewayAfterRun, "OPI_BAD_RESPONSE"),
        (PortalFault::SilentAfterRun, "OPI_TIMEOUT"),
        // The portal's own error document, after the method ran.
        (PortalFault::ServerErrorAfterRun, "INTERNAL_SERVER_ERROR"),
        (PortalFault::NoticeAfterRun, "OPI_BAD_RESPONSE"),
    ] {
        let portal = unbucketed_portal();
        portal.fail_next("crm.deal.add", fault, 1);
        let title = format!("Deal after {fault:?}");
        let answer = add_deal(&client, &portal, &title);
        let (error, description) = error_of(&answer);
        assert_eq!(error, code, "{fault:?}: {answer}");
        assert!(
            description.contains("the portal may have executed crm.deal.add, which is not safe to repeat, so it was not sent again"),
            "{fault:?}: {description}"
        );
        assert_eq!(portal.calls_of("crm.deal.add"), 1, "{fault:?}: sent once");
        assert_eq!(
            portal.deals_titled(&title),
            1,
            "{fault:?}: the deal exists exactly once"
        );
    }
}

#[test]
fn the_same_faults_on_a_read_are_retried_to_success() {
    let client = test_client(fault_config());
    for fault in [
        PortalFault::BreakAfterRun,
        PortalFault::BadGatewayAfterRun,
        PortalFault::SilentAfterRun,
        PortalFault::ServerErrorAfterRun,
        PortalFault::QueryLimit,
    ] {
        let portal = unbucketed_portal();
        portal.fail_next("crm.deal.get", fault, 1);
        let params = json!({"ID": 1});
        let answer = parse(
            client
                .call(
                    &portal.webhook_url(),
                    "crm.deal.get",
                    params.as_object().unwrap(),
                    "",
                )
                .json(),
        );
        assert_eq!(answer["result"]["ID"], "1", "{fault:?}: {answer}");
        assert_eq!(portal.calls_of("crm.deal.get"), 2, "{fault:?}: one retry");
    }
}

#[test]
fn query_limit_on_a_write_is_retried_and_creates_exactly_one_deal() {
    let client = test_client(fault_config());
    let portal = unbucketed_portal();
    portal.fail_next("crm.deal.add", PortalFault::QueryLimit, 2);
    let answer = add_deal(&client, &portal, "Paced deal");
    assert!(answer["result"].is_u64(), "{answer}");
    assert_eq!(portal.calls_of("crm.deal.add"), 3);
    assert_eq!(portal.deals_titled("Paced deal"), 1);
}

#[test]
fn overload_limit_is_returned_at_once_for_reads_and_writes() {
    let client = test_client(fault_config());
    let portal = unbucketed_portal();
    for method in ["crm.deal.add", "server.time"] {
        portal.fail_next(method, PortalFault::Overload, 5);
        let params = json!({"fields": {"TITLE": "Blocked"}});
        let answer = parse(
            client
                .call(
                    &portal.webhook_url(),
                    method,
                    params.as_object().unwrap(),
                    "",
                )
                .json(),
        );
        assert_eq!(answer["error"], "OVERLOAD_LIMIT", "{method}: {answer}");
        assert_eq!(portal.calls_of(method), 1, "{method}: not retried");
    }
    assert_eq!(portal.deals_titled("Blocked"), 0);
}

#[test]
fn a_write_on_a_kept_alive_connection_the_portal_closed_goes_on_a_new_one_once() {
    let client = test_client(fault_config());
    let portal = unbucketed_portal();
    // The portal answers, then closes the connection the client keeps.
    portal.fail_next("server.time", PortalFault::CloseAfterAnswer, 1);
    let time = parse(
        client
            .call_json(&portal.webhook_url(), "server.time", "", "")
            .json(),
    );
    assert!(time["result"].is_string(), "{time}");
    std::thread::sleep(Duration::from_millis(100));
    let answer = add_deal(&client, &portal, "After a closed connection");
    assert!(answer["result"].is_u64(), "{answer}");
    assert_eq!(portal.deals_titled("After a closed connection"), 1);
    assert_eq!(portal.calls_of("crm.deal.add"), 1);
    let connections: Vec<u64> = portal.requests().iter().map(|r| r.connection).collect();
    assert_ne!(
        connections[0], connections[1],
        "a new connection: {connections:?}"
    );
}

#[test]
fn an_ambiguous_failure_reaches_every_front_with_the_same_words() {
    let portal = shared_portal();
    for front in FRONTS {
        portal.fail_next("crm.deal.add", PortalFault::BreakAfterRun, 1);
        let title = format!("Deal through {front:?}");
        let params = json!({"fields": {"TITLE": title}}).to_string();
        let answer = invoke(
            front,
            Function::Call,
            &[&portal.webhook_url(), "crm.deal.add", &params, ""],
        );
        let (error, description) = error_of(&answer);
        assert_eq!(error, "OPI_NETWORK_ERROR", "{front:?}");
        assert!(
            description.contains("may have executed crm.deal.add"),
            "{front:?}: {description}"
        );
        assert_eq!(portal.deals_titled(&title), 1, "{front:?}");
    }
}

/// Bad input on the new functions: each front answers OPI_INVALID_ARGUMENT
/// with the same words, and nothing reaches the portal.
#[test]
fn bad_input_on_the_new_functions_is_refused_on_every_front_before_sending() {
    let portal = shared_portal();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    let large = format!("{{\"fields\": \"{}", "x".repeat(1 << 20));
    let cases: Vec<(Function, Vec<&str>, &str)> = vec![
        (
            Function::Call,
            vec![&webhook, "crm/deal.add", "", ""],
            "Method has '/' at byte 3",
        ),
        (
            Function::Call,
            vec![&webhook, "../profile", "", ""],
            "Method has '/' at byte 2",
        ),
        (
            Function::Call,
            vec![&webhook, "..", "", ""],
            "empty part between dots",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.deal add", "", ""],
            "U+0020 at byte 8",
        ),
        (
            Function::Call,
            vec![&webhook, "server.time?auth=x", "", ""],
            "'?' at byte 11",
        ),
        (
            Function::Call,
            vec![&webhook, "", "", ""],
            "Method is empty",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.deal.get", "[1, 2]", ""],
            "they are an array",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.deal.get", "{\"ID\": ", ""],
            "not valid JSON",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.deal.get", "null", ""],
            "they are null",
        ),
        // PHP's json_decode keeps the last of equal keys: refused, at any depth.
        (
            Function::Call,
            vec![&webhook, "crm.deal.get", r#"{"ID": 1, "ID": 2}"#, ""],
            "Parameters: the key 'ID' is given twice in one object",
        ),
        (
            Function::Call,
            vec![
                &webhook,
                "crm.deal.add",
                r#"{"fields": {"TITLE": "promD-1", "TITLE": "promD-2"}}"#,
                "",
            ],
            "the key 'TITLE' is given twice in one object, and the portal would read only its last value",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.deal.get", &large, ""],
            "not valid JSON",
        ),
        (
            Function::Call,
            vec![&domain, "user.current", r#"{"auth": "x"}"#, APP_TOKEN],
            "give the token in one place",
        ),
        (
            Function::Call,
            vec![&domain, "user.current", "", "tok en"],
            "Token contains a space",
        ),
        (
            Function::GetUserStatus,
            vec![&domain, ""],
            "not a webhook address",
        ),
        (
            Function::GetToken,
            vec![CLIENT_ID, "s3cr\u{1}tCl1entS3cret", "code"],
            "ClientSecret contains a space or control character at byte 4",
        ),
        (
            Function::GetToken,
            vec!["", CLIENT_SECRET, "code"],
            "ClientID is empty",
        ),
        (
            Function::RefreshToken,
            vec![CLIENT_ID, CLIENT_SECRET, "  "],
            "Refresh is empty",
        ),
        (
            Function::RefreshToken,
            vec![CLIENT_ID, CLIENT_SECRET, "ref\r\nresh"],
            "Refresh contains a space or control character",
        ),
    ];
    for (function, args, why) in &cases {
        for front in FRONTS {
            // Arguments over the kernel's 128 KiB argv limit go by file for
            // the CLI; the C program is covered by the C ABI in-process.
            let big = args.iter().any(|a| a.len() > 100_000);
            if big && front == Front::CProgram {
                continue;
            }
            let mut given = args.clone();
            let at_file;
            if big && front == Front::Cli {
                at_file = format!("@{}", tempfile_with(args[2]).display());
                given[2] = &at_file;
            }
            let (answer, sent) = requests_of(portal, || invoke(front, *function, &given));
            let (error, description) = error_of(&answer);
            assert_eq!(
                error, "OPI_INVALID_ARGUMENT",
                "{front:?} {function:?} {why}: {answer}"
            );
            assert!(
                description.contains(why),
                "{front:?}: {description:?} lacks {why:?}"
            );
            assert!(
                description.len() < 400,
                "{front:?}: a short text: {}",
                description.len()
            );
            assert!(!description.contains("s3cr"), "{front:?}: {description}");
            assert!(
                sent.is_empty(),
                "{front:?} {function:?} {why}: nothing is sent"
            );
        }
    }
}

/// A file holding `text`, removed when the test process ends.
fn tempfile_with(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "opi-params-{}-{}.json",
        std::process::id(),
        text.len()
    ));
    std::fs::write(&path, text).expect("write the params file");
    path
}

#[test]
fn the_cli_reads_params_from_a_file_and_names_an_unreadable_one() {
    let portal = shared_portal();
    let file = tempfile_with(r#"{"id": 3}"#);
    let from_file = invoke(
        Front::Cli,
        Function::Call,
        &[
            &portal.webhook_url(),
            "crm.deal.get",
            &format!("@{}", file.display()),
            "",
        ],
    );
    assert_eq!(from_file["result"]["TITLE"], "Seed deal 3", "{from_file}");
    let missing = invoke(
        Front::Cli,
        Function::Call,
        &[
            &portal.webhook_url(),
            "crm.deal.get",
            "@/nonexistent/params.json",
            "",
        ],
    );
    let (error, description) = error_of(&missing);
    assert_eq!(error, "OPI_INVALID_ARGUMENT");
    assert!(
        description.starts_with("cannot read --params from /nonexistent/params.json"),
        "{description}"
    );
}

#[test]
fn non_utf8_and_null_arguments_through_the_c_abi_are_refused() {
    use opi_bitrix24::capi::{
        opi_bitrix24_call, opi_bitrix24_get_token, opi_bitrix24_refresh_token,
    };
    use std::ffi::CString;
    use std::ptr;
    let portal = shared_portal();
    support::fronts::environment();
    let webhook = CString::new(portal.webhook_url()).unwrap();
    let method = CString::new("server.time").unwrap();
    let bad = CString::new(vec![b'{', 0xff, b'}']).unwrap();
    let before = portal.requests().len();
    // SAFETY: every pointer is NULL or a live NUL-terminated string.
    let answers = unsafe {
        [
            (
                opi_bitrix24_call(webhook.as_ptr(), method.as_ptr(), bad.as_ptr(), ptr::null()),
                "params_json is not valid UTF-8 (bad byte at 1)",
            ),
            (
                opi_bitrix24_call(webhook.as_ptr(), bad.as_ptr(), ptr::null(), ptr::null()),
                "method is not valid UTF-8 (bad byte at 1)",
            ),
            (
                opi_bitrix24_call(ptr::null(), method.as_ptr(), ptr::null(), ptr::null()),
                "url is NULL",
            ),
            (
                opi_bitrix24_get_token(method.as_ptr(), ptr::null(), method.as_ptr()),
                "client_secret is NULL",
            ),
            (
                opi_bitrix24_refresh_token(method.as_ptr(), bad.as_ptr(), method.as_ptr()),
                "client_secret is not valid UTF-8 (bad byte at 1)",
            ),
        ]
    };
    for (answer, why) in answers {
        // SAFETY: the library's answer, taken once.
        let answer = parse(&unsafe { support::fronts::take_c_string(answer) });
        assert_eq!(
            error_of(&answer),
            ("OPI_INVALID_ARGUMENT".to_owned(), why.to_owned())
        );
    }
    // NULL parameters are no parameters.
    // SAFETY: as above.
    let time =
        unsafe { opi_bitrix24_call(webhook.as_ptr(), method.as_ptr(), ptr::null(), ptr::null()) };
    // SAFETY: as above.
    let time = parse(&unsafe { support::fronts::take_c_string(time) });
    assert_eq!(time["result"], json!(iso8601(FROZEN_CLOCK)));
    assert_eq!(
        portal.requests().len(),
        before + 1,
        "only the good call was sent"
    );
}

#[test]
fn the_new_c_functions_and_add_in_methods_are_valgrind_clean() {
    let portal = shared_portal();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    let code = portal.issue_code();
    let oauth = portal.oauth_url().to_string();
    let env = [
        (
            "SSL_CERT_FILE",
            TestCa::global().pem_path.display().to_string(),
        ),
        ("OPI_BITRIX24_OAUTH_URL", oauth),
    ];
    for args in [
        vec![
            "invoke",
            "call",
            &webhook,
            "crm.deal.add",
            r#"{"fields":{"TITLE":"Under valgrind"}}"#,
            "(null)",
        ],
        vec!["invoke", "call", &domain, "../x", "[", APP_TOKEN],
        vec!["invoke", "get_user_status", &domain, APP_TOKEN],
        vec!["invoke", "get_token", CLIENT_ID, CLIENT_SECRET, &code],
        vec!["invoke", "refresh_token", CLIENT_ID, CLIENT_SECRET, "spent"],
    ] {
        let output = under_valgrind(&c_test_program())
            .args(&args)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .output()
            .expect("valgrind");
        assert_valgrind_clean(&output);
        let answer = parse(&successful_stdout(&output));
        assert!(
            answer.get("result").is_some()
                || answer.get("error").is_some()
                || answer.get("access_token").is_some(),
            "{answer}"
        );
    }
    for (order, method, input) in [
        (
            "platform",
            "CallMethod",
            format!("{webhook}\0server.time\0{{}}"),
        ),
        ("onescript", "GetUserStatus", webhook.clone()),
        (
            "platform",
            "GetToken",
            format!("{CLIENT_ID}\0{CLIENT_SECRET}\0{}", portal.issue_code()),
        ),
        (
            "onescript",
            "RefreshToken",
            format!("{CLIENT_ID}\0{CLIENT_SECRET}\0spent"),
        ),
    ] {
        let output = output_with_stdin(
            under_valgrind(&addin_host())
                .arg(shared_library())
                .args(["invoke", order, method])
                .envs(env.iter().map(|(k, v)| (*k, v))),
            input.as_bytes(),
        );
        assert_valgrind_clean(&output);
        assert!(host_stdout(&output).contains("RESULT "), "{method}");
    }
}
