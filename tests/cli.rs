//! The `oint` command line, run as a process: the seed's command lines,
//! output, --out, exit codes and help.

use opi_test_support as support;

use std::process::{Command, Output};

use serde_json::json;
use support::*;

fn oint(args: &[&str]) -> Output {
    oint_with(args, &[])
}

/// `oint` with `env` set besides the test CA and quick retries.
fn oint_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oint"))
        .args(args)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
        .envs(env.iter().copied())
        .output()
        .expect("run oint")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

#[test]
fn seed_command_lines_print_the_answer_indented_and_exit_0() {
    let portal = frozen_portal();
    let rust = test_client(opi_bitrix24::Config::default());
    let webhook = portal.webhook_url();
    let domain = portal.domain();
    for (args, token) in [
        (
            vec![
                "bitrix24",
                "SetUserStatus",
                "--url",
                &webhook,
                "--status",
                "dnd",
            ],
            "",
        ),
        (
            vec![
                "bitrix24",
                "SetUserStatus",
                "--url",
                &domain,
                "--status",
                "away",
                "--token",
                APP_TOKEN,
            ],
            APP_TOKEN,
        ),
    ] {
        let output = oint(&args);
        let stdout = text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}\n{stdout}{}",
            text(&output.stderr)
        );
        assert!(
            stdout.starts_with("{\n  \"result\": true,\n  \"time\": {\n"),
            "{stdout}"
        );
        let from_rust = rust.set_user_status(args[3], args[5], token);
        assert_eq!(parse(&stdout), parse(from_rust.json()));
    }
}

#[test]
fn an_error_answer_is_printed_and_exits_1_or_2_when_refused_before_sending() {
    let portal = Portal::start();
    let webhook = portal.webhook_url();
    let output = oint(&[
        "bitrix24",
        "SetUserStatus",
        "--url",
        &webhook,
        "--status",
        "busy",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stdout = text(&output.stdout);
    assert_eq!(parse(&stdout)["error"], json!("OPI_INVALID_ARGUMENT"));
    let domain = portal.domain();
    let output = oint(&[
        "bitrix24",
        "SetUserStatus",
        "--url",
        &domain,
        "--status",
        "dnd",
        "--token",
        EXPIRED_TOKEN,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert_eq!(parse(&stdout)["error"], json!("expired_token"));
    assert_no_secret(&stdout);
    assert_no_secret(&text(&output.stderr));
}

#[test]
fn out_writes_the_answer_to_a_file() {
    let portal = Portal::start();
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("answer-{}.json", std::process::id()));
    let webhook = portal.webhook_url();
    let output = oint(&[
        "bitrix24",
        "SetUserStatus",
        "--url",
        &webhook,
        "--status",
        "dnd",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(parse(&written)["result"], json!(true));
    std::fs::remove_file(file).unwrap();
}

#[test]
fn unwritable_out_keeps_the_answer_on_stdout_and_exits_1() {
    let portal = Portal::start();
    let webhook = portal.webhook_url();
    let output = oint(&[
        "bitrix24",
        "SetUserStatus",
        "--url",
        &webhook,
        "--status",
        "dnd",
        "--out",
        "/nonexistent/dir/a.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(parse(&text(&output.stdout))["result"], json!(true));
    assert!(text(&output.stderr).contains("cannot write /nonexistent/dir/a.json"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["bitrix24"],
        vec!["bitrix24", "SetUserStatus", "--url", "x"],
        vec!["telegram"],
        vec![
            "bitrix24",
            "SetUserStatus",
            "--url",
            "x",
            "--status",
            "dnd",
            "--bogus",
        ],
    ] {
        let output = oint(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn help_explains_methods_and_options_like_the_parameter_table() {
    let top = text(&oint(&["--help"]).stdout);
    assert!(
        top.contains("bitrix24") && top.contains("Exit codes"),
        "{top}"
    );
    let library = text(&oint(&["bitrix24", "--help"]).stdout);
    assert!(
        library.contains("SetUserStatus") && library.contains("im.user.status.set"),
        "{library}"
    );
    let method = text(&oint(&["bitrix24", "SetUserStatus", "--help"]).stdout);
    for expected in [
        "--url <URL>",
        "URL of webhook or a Bitrix24 domain, when token used",
        "--status <STATUS>",
        "Status value: online, dnd, away",
        "--token <TOKEN>",
        "Access token, when app auth method used",
        "--out <FILE>",
        "OPI_BITRIX24_TIMEOUT",
    ] {
        assert!(
            method.contains(expected),
            "help lacks {expected:?}:\n{method}"
        );
    }
    let version = text(&oint(&["--version"]).stdout);
    assert_eq!(
        version.trim(),
        format!("oint {}", env!("CARGO_PKG_VERSION"))
    );
}

/// A portal stand-in that answers every request with `body`, for answers
/// the emulator does not make: numbers a float cannot hold.
fn answering(body: &'static str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1) {
            let mut stream = stream.expect("a connection");
            let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("a header line");
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().expect("a length");
                    }
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).expect("the body");
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).expect("the reply");
        }
    });
    format!("http://{address}/rest/1/w3bh00k/")
}

#[test]
fn numbers_are_printed_as_the_portal_sent_them() {
    let body = r#"{"result":{"big":123456789012345678901234,"money":100.10,"id":18446744073709551616,"zero":-0.0},"time":{"start":1.5}}"#;
    let url = answering(body);
    let output = oint(&[
        "bitrix24",
        "CallMethod",
        "--url",
        &url,
        "--method",
        "crm.deal.get",
    ]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for number in [
        "\"big\": 123456789012345678901234,",
        "\"money\": 100.10,",
        "\"id\": 18446744073709551616,",
        "\"zero\": -0.0\n",
    ] {
        assert!(stdout.contains(number), "{number} not in {stdout}");
    }
    let compact: String = stdout.split_whitespace().collect::<Vec<_>>().join("");
    assert_eq!(compact, body, "only white space added");
}

/// What a command line should end with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Exit 2, `OPI_INVALID_ARGUMENT`, nothing sent.
    Refused,
    /// Exit 1, with this error.
    Failed(&'static str),
    /// Exit 0, no error.
    Succeeds,
}

/// Every command follows the exit codes of its help: 2 for an argument or
/// setting refused before anything is sent (`OPI_INVALID_ARGUMENT`: an
/// option the library refuses, an unreadable `@FILE`, JSON that does not
/// read, a setting), 1 for an error once a request went out (the portal's,
/// the OAuth server's, an answer that cannot be used), 0 for an answer
/// without error. A command that exits 2 has sent nothing.
#[test]
fn every_command_exits_2_for_a_refused_argument_1_for_a_failed_call_0_for_success() {
    use Expect::*;
    let portal = Portal::with(PortalOptions {
        bucket: None,
        echo_unknown: true,
        list_rows: 60,
        ..PortalOptions::default()
    });
    let oauth_url = portal.oauth_url().to_string();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    let wrong_webhook = format!("{}/rest/1/{WEBHOOK_SECRET}x/", portal.base_url());
    let missing = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("no-such-folder")
        .join("params.json");
    let missing = format!("@{}", missing.display());
    let refresh = {
        let client = test_client(opi_bitrix24::Config {
            oauth_url: portal.oauth_url(),
            ..opi_bitrix24::Config::default()
        });
        let answer = client.get_token(CLIENT_ID, CLIENT_SECRET, &portal.issue_code());
        parse(answer.json())["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned()
    };
    let code = portal.issue_code();
    let args = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    let app = |extra: &[&str]| {
        let mut all = args(&["--clientid", CLIENT_ID, "--clientsecret", CLIENT_SECRET]);
        all.extend(args(extra));
        all
    };
    let on = |url: &str, extra: &[&str]| {
        let mut all = args(&["--url", url]);
        all.extend(args(extra));
        all
    };
    let expired = |extra: &[&str]| {
        let mut all = on(&domain, extra);
        all.extend(args(&["--token", EXPIRED_TOKEN]));
        all
    };
    let one_command = r#"[{"method": "server.time"}]"#;
    let missing_file = r#"{"a.txt": "/nonexistent/a.txt"}"#;
    let rows: Vec<(&str, Vec<String>, Expect)> = vec![
        (
            "SetUserStatus",
            on(&webhook, &["--status", "busy"]),
            Refused,
        ),
        (
            "SetUserStatus",
            on("ftp://p.example/", &["--status", "dnd"]),
            Refused,
        ),
        (
            "SetUserStatus",
            expired(&["--status", "dnd"]),
            Failed("expired_token"),
        ),
        (
            "SetUserStatus",
            on(&webhook, &["--status", "dnd"]),
            Succeeds,
        ),
        (
            "GetUserStatus",
            on(&webhook, &["--token", "two words"]),
            Refused,
        ),
        ("GetUserStatus", expired(&[]), Failed("expired_token")),
        ("GetUserStatus", on(&webhook, &[]), Succeeds),
        (
            "CallMethod",
            on(&webhook, &["--method", "crm/../deal.add"]),
            Refused,
        ),
        (
            "CallMethod",
            on(
                &webhook,
                &["--method", "user.current", "--params", &missing],
            ),
            Refused,
        ),
        (
            "CallMethod",
            on(
                &webhook,
                &["--method", "user.current", "--params", "{\"a\": "],
            ),
            Refused,
        ),
        (
            "CallMethod",
            expired(&["--method", "server.time"]),
            Failed("expired_token"),
        ),
        (
            "CallMethod",
            on(&wrong_webhook, &["--method", "server.time"]),
            Failed("INVALID_CREDENTIALS"),
        ),
        (
            "CallMethod",
            on(&webhook, &["--method", "server.time"]),
            Succeeds,
        ),
        ("Batch", on(&webhook, &["--commands", "[1"]), Refused),
        ("Batch", on(&webhook, &["--commands", &missing]), Refused),
        (
            "Batch",
            expired(&["--commands", one_command]),
            Failed("expired_token"),
        ),
        (
            "Batch",
            on(&webhook, &["--commands", one_command]),
            Succeeds,
        ),
        (
            "GetList",
            on(&webhook, &["--method", "crm.deal.list", "--params", "[1]"]),
            Refused,
        ),
        (
            "GetList",
            on(
                &webhook,
                &["--method", "crm.deal.list", "--params", &missing],
            ),
            Refused,
        ),
        (
            "GetList",
            on(&webhook, &["--method", "crm deal list"]),
            Refused,
        ),
        (
            "GetList",
            expired(&["--method", "crm.deal.list"]),
            Failed("expired_token"),
        ),
        // Found out from the first page, once it was sent.
        (
            "GetList",
            on(&webhook, &["--method", "crm.address.list", "--by-id"]),
            Failed("OPI_BAD_RESPONSE"),
        ),
        (
            "GetList",
            on(&webhook, &["--method", "crm.deal.list"]),
            Succeeds,
        ),
        ("GetToken", app(&["--code", "two words"]), Refused),
        (
            "GetToken",
            app(&["--code", "c0de0never0issued"]),
            Failed("invalid_grant"),
        ),
        ("GetToken", app(&["--code", &code]), Succeeds),
        ("RefreshToken", app(&["--refresh", "two words"]), Refused),
        (
            "RefreshToken",
            app(&["--refresh", "r3fr3sh0never0issued"]),
            Failed("invalid_grant"),
        ),
        ("RefreshToken", app(&["--refresh", &refresh]), Succeeds),
        ("ServerTime", on("ftp://p.example/", &[]), Refused),
        ("ServerTime", expired(&[]), Failed("expired_token")),
        ("ServerTime", on(&webhook, &[]), Succeeds),
        ("GetTask", on(&webhook, &[]), Refused),
        (
            "GetTask",
            expired(&["--task", "8670"]),
            Failed("expired_token"),
        ),
        ("GetTask", on(&webhook, &["--task", "8670"]), Succeeds),
        (
            "CreatePost",
            on(&webhook, &["--text", "Hi", "--files", missing_file]),
            Refused,
        ),
        (
            "CreatePost",
            expired(&["--text", "Hi"]),
            Failed("expired_token"),
        ),
        ("CreatePost", on(&webhook, &["--text", "Hi"]), Succeeds),
        (
            "GetTasksFilterStructure",
            args(&["--empty", "maybe"]),
            Refused,
        ),
        (
            "GetTasksFilterStructure",
            args(&["--empty", "true"]),
            Succeeds,
        ),
    ];
    let oauth = [("OPI_BITRIX24_OAUTH_URL", oauth_url.as_str())];
    let mut runs = rows
        .iter()
        .map(|(command, options, expect)| {
            let mut line = vec!["bitrix24", command];
            line.extend(options.iter().map(String::as_str));
            (line, oauth.to_vec(), *expect)
        })
        .collect::<Vec<_>>();
    // A setting that cannot be used refuses every call, before sending.
    let status = on(&webhook, &["--status", "dnd"]);
    let mut line = vec!["bitrix24", "SetUserStatus"];
    line.extend(status.iter().map(String::as_str));
    runs.push((line, vec![("OPI_BITRIX24_TIMEOUT", "0")], Refused));
    let mut wrong = Vec::new();
    for (line, env, expect) in runs {
        let sent = portal.requests().len();
        let output = oint_with(&line, &env);
        let stdout = text(&output.stdout);
        // GetTasksFilterStructure prints its value; every other an answer.
        let error = serde_json::from_str::<serde_json::Value>(&stdout)
            .ok()
            .and_then(|answer| answer.get("error")?.as_str().map(str::to_owned));
        let found = match (output.status.code(), error.as_deref()) {
            (Some(2), Some("OPI_INVALID_ARGUMENT")) => Refused,
            (Some(1), Some(error)) if matches!(expect, Failed(wanted) if wanted == error) => expect,
            (Some(0), None) => Succeeds,
            (exit, error) => {
                wrong.push(format!(
                    "{line:?} {env:?}: exit {exit:?}, error {error:?}, not {expect:?}\n{stdout}"
                ));
                continue;
            }
        };
        if found != expect {
            wrong.push(format!(
                "{line:?} {env:?}: {found:?}, not {expect:?}\n{stdout}"
            ));
        }
        if expect == Refused {
            assert_eq!(portal.requests().len(), sent, "{line:?}: sent");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
