//! A C program, compiled here against include/opi_bitrix24.h and the built
//! library, run against the test portal: it must see what Rust sees.

mod support;

use std::process::{Command, Output};

use support::*;

fn run(args: &[&str]) -> Output {
    Command::new(c_test_program())
        .args(args)
        .env("LD_LIBRARY_PATH", target_dir())
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .output()
        .expect("run the C program")
}

#[test]
fn c_program_checks_arguments_without_a_portal() {
    let output = run(&["selftest"]);
    assert!(successful_stdout(&output).contains("8 passed, 0 failed"));
}

#[test]
fn c_program_and_rust_give_the_same_document_for_both_seed_examples() {
    let portal = frozen_portal();
    let rust = trusting_client();
    let webhook = portal.webhook_url();
    let domain = portal.domain();
    for args in [
        vec!["call", &webhook, "dnd"],
        vec!["call", &domain, "away", APP_TOKEN],
    ] {
        let from_c = successful_stdout(&run(&args));
        let from_rust = rust.set_user_status(args[1], args[2], args.get(3).copied().unwrap_or(""));
        assert_eq!(parse(&from_c), parse(from_rust.json()), "call {args:?}");
        assert_eq!(parse(&from_c)["result"], serde_json::json!(true));
    }
    let requests = portal.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].target, requests[1].target);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(requests[2].body, requests[3].body);
}

#[test]
fn c_program_gets_portal_errors_without_secrets() {
    let portal = Portal::start();
    let wrong = format!("{}/rest/1/{WEBHOOK_SECRET}x/", portal.base_url());
    let from_c = successful_stdout(&run(&["call", &wrong, "dnd"]));
    assert_eq!(parse(&from_c)["error"], "INVALID_CREDENTIALS");
    let domain = portal.domain();
    let from_c = successful_stdout(&run(&["call", &domain, "dnd", EXPIRED_TOKEN]));
    assert_eq!(parse(&from_c)["error"], "expired_token");
    assert_no_secret(&from_c);
}

#[test]
fn c_program_under_valgrind_is_clean() {
    let portal = Portal::start();
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    for args in [
        vec!["selftest"],
        vec!["call", &webhook, "dnd"],
        vec!["call", &domain, "away", APP_TOKEN],
    ] {
        let output = under_valgrind(&c_test_program())
            .args(&args)
            .env("LD_LIBRARY_PATH", target_dir())
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .output()
            .expect("run valgrind");
        assert_valgrind_clean(&output);
        let stdout = successful_stdout(&output);
        if args[0] == "call" {
            assert_eq!(
                parse(&stdout)["result"],
                serde_json::json!(true),
                "{stdout}"
            );
        }
    }
}
