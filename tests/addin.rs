//! The add-in loaded by host emulations (tests/addin/host.cpp) exactly as the
//! 1C platform and OneScript load it, against the test portal; and the same
//! under valgrind.

mod support;

use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::process::{Command, Output};

use opi_bitrix24::capi::{opi_bitrix24_set_user_status, opi_string_free};
use support::*;

/// The host emulation, compiled with the system's C++ compiler.
fn host() -> PathBuf {
    let compiler = std::env::var("CXX").unwrap_or_else(|_| "g++".into());
    compile(
        &compiler,
        &[
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-g",
        ],
        "tests/addin/host.cpp",
        &["-ldl"],
    )
}

fn run_host(wrapper: &[&str], args: &[&str]) -> Output {
    let (program, before) = match wrapper.split_first() {
        Some((program, rest)) => (PathBuf::from(program), rest.to_vec()),
        None => (host(), Vec::new()),
    };
    let mut command = Command::new(program);
    command.args(before);
    if !wrapper.is_empty() {
        command.arg(host());
    }
    command
        .arg(shared_library())
        .args(args)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
        .output()
        .expect("run the host emulation")
}

fn passed(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    stdout
}

/// The `RESULT <label> <json>` lines of a run.
fn results(stdout: &str) -> Vec<(String, serde_json::Value)> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("RESULT "))
        .map(|rest| {
            let (label, json) = rest.split_once(' ').expect("label and JSON");
            (label.to_owned(), parse(json))
        })
        .collect()
}

/// What the C ABI answers for the same call, in this process.
fn through_c_abi(url: &str, status: &str, token: &str) -> serde_json::Value {
    trust_test_ca();
    let (url, status, token) = (
        CString::new(url).unwrap(),
        CString::new(status).unwrap(),
        CString::new(token).unwrap(),
    );
    // SAFETY: live NUL-terminated strings; the answer is freed once below.
    unsafe {
        let answer = opi_bitrix24_set_user_status(url.as_ptr(), status.as_ptr(), token.as_ptr());
        let value = parse(CStr::from_ptr(answer).to_str().unwrap());
        opi_string_free(answer);
        value
    }
}

fn frozen_portal() -> Portal {
    Portal::with(PortalOptions {
        frozen_clock: Some(1722083795.3692),
        bucket: None,
        ..PortalOptions::default()
    })
}

fn host_args(portal: &Portal, mode: &'static str) -> Vec<String> {
    vec![
        mode.into(),
        portal.webhook_url(),
        portal.domain(),
        APP_TOKEN.into(),
        env!("CARGO_PKG_VERSION").into(),
    ]
}

fn check_both_calls(portal: &Portal, mode: &'static str, wrapper: &[&str]) -> String {
    let args = host_args(portal, mode);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = passed(&run_host(wrapper, &args));
    let webhook = through_c_abi(&portal.webhook_url(), "dnd", "");
    let token = through_c_abi(&portal.domain(), "away", APP_TOKEN);
    let found = results(&stdout);
    assert!(found.len() >= 2, "{stdout}");
    for (label, value) in found {
        let expected = if label.ends_with("-webhook") {
            &webhook
        } else {
            &token
        };
        assert_eq!(&value, expected, "{label}: the add-in and the C ABI differ");
        assert_eq!(value["result"], serde_json::json!(true), "{label}");
    }
    stdout
}

#[test]
fn as_the_1c_platform_both_calls_equal_the_c_abi() {
    let portal = frozen_portal();
    check_both_calls(&portal, "platform", &[]);
    let requests = portal.requests();
    assert_eq!(
        requests.len(),
        6,
        "two calls in each of two orders, then two through the C ABI"
    );
    assert_eq!(
        requests[0].target,
        "/rest/1/4swokunb3tk7h7dt/im.user.status.set"
    );
    assert_eq!(
        requests[0].json_body(),
        serde_json::json!({"STATUS": "dnd"})
    );
    assert_eq!(
        requests[1].json_body(),
        serde_json::json!({"STATUS": "away", "auth": APP_TOKEN})
    );
}

#[test]
fn as_onescript_both_calls_equal_the_c_abi() {
    let portal = frozen_portal();
    check_both_calls(&portal, "onescript", &[]);
    assert_eq!(
        portal.requests()[1].json_body(),
        serde_json::json!({"STATUS": "away", "auth": APP_TOKEN})
    );
}

#[test]
fn bad_calls_answer_errors_and_never_crash() {
    let portal = Portal::start();
    let stdout = passed(&run_host(&[], &["bad-calls", &portal.webhook_url()]));
    let found = results(&stdout);
    assert!(found.len() >= 9, "{stdout}");
    for (label, value) in found {
        assert_eq!(value["error"], "OPI_INVALID_ARGUMENT", "{label}");
    }
    // Only CallAsProc with good arguments reached the portal.
    assert_eq!(portal.requests().len(), 1);
}

#[test]
fn a_thousand_create_call_destroy_cycles_do_not_grow_memory() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let stdout = passed(&run_host(&[], &["cycles", "1000", &portal.webhook_url()]));
    let growth: i64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RSS_GROWTH_KB "))
        .expect("RSS_GROWTH_KB line")
        .parse()
        .unwrap();
    // Between the 100th and the 1,000th cycle; a leak of one string per call would show as > 1 MiB.
    eprintln!("resident memory growth from cycle 100 to 1,000: {growth} KiB");
    assert!(
        growth < 1024,
        "resident memory grew by {growth} KiB over 900 cycles"
    );
    assert_eq!(portal.requests().len(), 1000);
}

/// valgrind: no invalid access, nothing definitely lost.
fn under_valgrind(args: &[&str]) -> String {
    let wrapper = [
        "valgrind",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
        "--show-leak-kinds=definite",
        "--num-callers=40",
        concat!(
            "--suppressions=",
            env!("CARGO_MANIFEST_DIR"),
            "/tests/valgrind.supp"
        ),
    ];
    let output = run_host(&wrapper, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("ERROR SUMMARY: 0 errors"),
        "valgrind found errors:\n{stderr}"
    );
    passed(&output)
}

#[test]
fn under_valgrind_both_hosts_and_bad_calls_are_clean() {
    let portal = frozen_portal();
    for mode in ["platform", "onescript"] {
        let args = host_args(&portal, mode);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        under_valgrind(&args);
    }
    under_valgrind(&["bad-calls", &portal.webhook_url()]);
    under_valgrind(&["cycles", "20", &portal.webhook_url()]);
}
