//! The `oint` command line, run as a process: the seed's command lines,
//! output, --out, exit codes and help.

use opi_test_support as support;

use std::process::{Command, Output};

use serde_json::json;
use support::*;

fn oint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oint"))
        .args(args)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
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
fn an_error_answer_is_printed_and_exits_1() {
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
    assert_eq!(output.status.code(), Some(1));
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
