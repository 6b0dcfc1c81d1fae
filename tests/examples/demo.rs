//! A demo that needs no portal: it starts the test portal (HTTPS, with a CA
//! made for the occasion), then sets a status through the C ABI and through
//! the `oint` CLI, showing what was sent and what came back.
//!
//! cargo build --release --bin oint --example demo && target/release/examples/demo

use opi_test_support as support;

use std::ffi::{CStr, CString};
use std::process::Command;

use opi_bitrix24::capi::{opi_bitrix24_set_user_status, opi_string_free};
use support::*;

fn main() {
    trust_test_ca();
    let portal = Portal::start();
    println!("Test portal listening at {}", portal.base_url());
    println!(
        "(its certificate is signed by a test CA: SSL_CERT_FILE={})\n",
        TestCa::global().pem_path.display()
    );

    let webhook = portal.webhook_url();
    println!("1. Through the C ABI: opi_bitrix24_set_user_status(\"{webhook}\", \"dnd\", NULL)");
    let (url, status) = (
        CString::new(webhook.as_str()).unwrap(),
        CString::new("dnd").unwrap(),
    );
    // SAFETY: both strings are live and NUL-terminated; NULL token means webhook.
    let answer =
        unsafe { opi_bitrix24_set_user_status(url.as_ptr(), status.as_ptr(), std::ptr::null()) };
    // SAFETY: the library returns a NUL-terminated string, released below.
    let text = unsafe { CStr::from_ptr(answer) };
    println!("   answer: {}", text.to_string_lossy());
    // SAFETY: returned by the library, released once.
    unsafe { opi_string_free(answer) };
    show_last_request(&portal);

    let domain = portal.domain();
    println!(
        "\n2. Through the CLI: oint bitrix24 SetUserStatus --url {domain} --status away --token {APP_TOKEN}"
    );
    let oint = target_dir().join("oint");
    let output = Command::new(&oint)
        .args([
            "bitrix24",
            "SetUserStatus",
            "--url",
            &domain,
            "--status",
            "away",
            "--token",
            APP_TOKEN,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}); build it: cargo build --release --bin oint",
                oint.display()
            )
        });
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    println!("   exit code: {}", output.status.code().unwrap_or(-1));
    show_last_request(&portal);

    println!(
        "\nThe portal now says user 1 is: {}",
        portal.status_of(WEBHOOK_USER).unwrap_or_default()
    );
    let succeeded =
        output.status.success() && portal.status_of(WEBHOOK_USER).as_deref() == Some("away");
    std::process::exit(if succeeded { 0 } else { 1 });
}

fn show_last_request(portal: &Portal) {
    if let Some(request) = portal.requests().last() {
        println!(
            "   the portal received: {} {} {}",
            request.method,
            request.target,
            String::from_utf8_lossy(&request.body)
        );
    }
}
