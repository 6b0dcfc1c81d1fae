//! Bad input through every front — Rust API, C ABI, the `oint` CLI and the
//! 1C add-in — gives the same answer: a clear refusal before anything is
//! sent, or exactly the request the input means. What reached the portal is
//! checked for each case, so no header or URL injection goes unseen.

use opi_test_support as support;

use std::process::Command;

use serde_json::{Value, json};
use support::fronts::{Front, Function, invoke};
use support::*;

/// The OS refuses one command-line argument over 128 KiB, so the CLI gets
/// long inputs cut to this; the other fronts get them whole.
const CLI_ARGUMENT_LIMIT: usize = 100 << 10;
const MIB: usize = 1 << 20;

enum Expect {
    Refused(&'static str),
    Sent { target: String, body: Value },
}

struct Case {
    name: &'static str,
    url: String,
    status: String,
    token: String,
    expect: Expect,
}

/// `SetUserStatus` through `front`, with this process's test settings.
fn through(front: Front, url: &str, status: &str, token: &str) -> Value {
    invoke(front, Function::SetUserStatus, &[url, status, token])
}

fn rust_api(url: &str, status: &str, token: &str) -> Value {
    through(Front::Rust, url, status, token)
}

fn cut(text: &str) -> String {
    text.chars().take(CLI_ARGUMENT_LIMIT).collect()
}

fn check_case(portal: &Portal, case: &Case) {
    let before = portal.requests().len();
    let (url, status, token) = (case.url.as_str(), case.status.as_str(), case.token.as_str());
    let expected = rust_api(url, status, token);
    assert_no_secret(&expected.to_string());
    assert_eq!(
        through(Front::CAbi, url, status, token),
        expected,
        "{}: C ABI",
        case.name
    );
    assert_eq!(
        through(Front::AddinPlatform, url, status, token),
        expected,
        "{}: add-in",
        case.name
    );
    assert_eq!(
        through(Front::Cli, &cut(url), &cut(status), &cut(token)),
        rust_api(&cut(url), &cut(status), &cut(token)),
        "{}: CLI",
        case.name
    );
    let sent = &portal.requests()[before..];
    match &case.expect {
        Expect::Refused(says) => {
            assert_eq!(
                expected["error"], "OPI_INVALID_ARGUMENT",
                "{}: {expected}",
                case.name
            );
            let description = expected["error_description"].as_str().unwrap();
            assert!(
                description.contains(says),
                "{}: {description:?} lacks {says:?}",
                case.name
            );
            assert!(
                description.len() < 300,
                "{}: the refusal echoes too much",
                case.name
            );
            assert!(sent.is_empty(), "{}: something was sent", case.name);
        }
        Expect::Sent { target, body } => {
            assert_eq!(expected["result"], json!(true), "{}: {expected}", case.name);
            assert_eq!(
                sent.len(),
                5,
                "{}: one request per front (the CLI's twice)",
                case.name
            );
            for request in sent {
                assert_eq!(&request.target, target, "{}", case.name);
                assert_eq!(&request.json_body(), body, "{}", case.name);
                assert!(request.header("x-injected").is_none(), "{}", case.name);
            }
        }
    }
}

fn cases(portal: &Portal) -> Vec<Case> {
    let webhook = portal.webhook_url();
    let domain = portal.domain();
    let target = format!("/rest/1/{WEBHOOK_SECRET}/im.user.status.set");
    let sent = |status: &str| Expect::Sent {
        target: target.clone(),
        body: json!({"STATUS": status}),
    };
    let case = |name, url: &str, status: &str, token: &str, expect| Case {
        name,
        url: url.to_owned(),
        status: status.to_owned(),
        token: token.to_owned(),
        expect,
    };
    vec![
        case("all empty", "", "", "", Expect::Refused("Status is empty")),
        case("empty URL", "", "dnd", "", Expect::Refused("URL is empty")),
        case(
            "empty status",
            &webhook,
            "",
            "",
            Expect::Refused("Status is empty"),
        ),
        case(
            "empty token means webhook",
            &webhook,
            "dnd",
            "",
            sent("dnd"),
        ),
        case(
            "spaces around everything",
            &format!("  {webhook}\n"),
            " DND\t",
            "   ",
            sent("dnd"),
        ),
        case(
            "1 MiB URL",
            &format!("{webhook}{}", "a".repeat(MIB)),
            "dnd",
            "",
            Expect::Refused("at most 2048"),
        ),
        case(
            "1 MiB status",
            &webhook,
            &"d".repeat(MIB),
            "",
            Expect::Refused("is not allowed"),
        ),
        case(
            "1 MiB token",
            &domain,
            "dnd",
            &"t".repeat(MIB),
            Expect::Refused("at most 4096"),
        ),
        case(
            "CR LF in URL",
            &format!("{webhook}im.user.status.set HTTP/1.1\r\nX-Injected: 1\r\n"),
            "dnd",
            "",
            Expect::Refused("space or control character"),
        ),
        case(
            "CR LF in status",
            &webhook,
            "dnd\r\nX-Injected: 1",
            "",
            Expect::Refused("is not allowed"),
        ),
        case(
            "CR LF in token",
            &domain,
            "dnd",
            &format!("{APP_TOKEN}\r\nX-Injected: 1"),
            Expect::Refused("Token contains a space or control character"),
        ),
        case(
            "tab in token",
            &domain,
            "dnd",
            "abc\tdef",
            Expect::Refused("Token contains a space"),
        ),
        case(
            "bell character in URL",
            &format!("{webhook}\u{7}"),
            "dnd",
            "",
            Expect::Refused("control character"),
        ),
        case(
            "space inside URL",
            &webhook.replace("/rest/", "/re st/"),
            "dnd",
            "",
            Expect::Refused("space"),
        ),
        case(
            "user-info",
            &webhook.replace("https://", "https://admin:pw@"),
            "dnd",
            "",
            Expect::Refused("user name or password"),
        ),
        case(
            "query string",
            &format!("{webhook}?auth=x"),
            "dnd",
            "",
            Expect::Refused("query string"),
        ),
        case(
            "fragment",
            &format!("{webhook}#x"),
            "dnd",
            "",
            Expect::Refused("fragment"),
        ),
        case(
            "file scheme",
            "file:///etc/passwd",
            "dnd",
            "",
            Expect::Refused("scheme 'file'"),
        ),
        case(
            "ftp scheme",
            &webhook.replace("https://", "ftp://"),
            "dnd",
            "",
            Expect::Refused("scheme 'ftp'"),
        ),
        case(
            "javascript scheme",
            "javascript:alert(1)",
            "dnd",
            "",
            Expect::Refused("scheme 'javascript'"),
        ),
        case(
            "status as a number",
            &webhook,
            "1",
            "",
            Expect::Refused("Status '1' is not allowed"),
        ),
        case(
            "port and no scheme",
            webhook.trim_start_matches("https://"),
            "away",
            "",
            sent("away"),
        ),
        case(
            "token with the portal address",
            &domain,
            "away",
            APP_TOKEN,
            Expect::Sent {
                target: "/rest/im.user.status.set".into(),
                body: json!({"STATUS": "away", "auth": APP_TOKEN}),
            },
        ),
    ]
}

#[test]
fn every_front_answers_bad_input_alike_and_sends_only_what_it_means() {
    let portal = Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        bucket: None,
        ..PortalOptions::default()
    });
    for case in cases(&portal) {
        check_case(&portal, &case);
    }
}

#[test]
fn an_ipv6_literal_reaches_the_portal_through_every_front() {
    let portal = Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        ipv6: true,
        ..PortalOptions::default()
    });
    assert!(portal.domain().starts_with("[::1]:"));
    let case = Case {
        name: "IPv6",
        url: portal.webhook_url(),
        status: "online".into(),
        token: String::new(),
        expect: Expect::Sent {
            target: format!("/rest/1/{WEBHOOK_SECRET}/im.user.status.set"),
            body: json!({"STATUS": "online"}),
        },
    };
    check_case(&portal, &case);
}

#[test]
fn the_cli_refuses_arguments_that_are_not_utf8_as_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let output = Command::new(env!("CARGO_BIN_EXE_oint"))
        .args(["bitrix24", "SetUserStatus", "--url"])
        .arg(std::ffi::OsStr::from_bytes(b"portal.example/rest/1/\xff/"))
        .args(["--status", "dnd"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
