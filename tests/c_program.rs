//! A C program, compiled here against include/opi_bitrix24.h and the built
//! library, run against the test portal: it must see what Rust sees.

use opi_test_support as support;

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
    assert!(successful_stdout(&output).contains("19 passed, 0 failed"));
}

#[test]
fn c_program_and_rust_give_the_same_document_for_both_seed_examples() {
    check_c_program_seed_calls(run);
}

#[test]
fn c_program_gets_portal_errors_without_secrets() {
    check_c_program_portal_errors(run);
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
