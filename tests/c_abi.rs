//! The C ABI called from Rust, in this process, as a C caller would call it.

use opi_test_support as support;

use std::ffi::{CStr, CString};
use std::ptr;

use opi_bitrix24::capi::{opi_string_free, opi_version};
use serde_json::json;
use support::*;

use support::fronts::c_set_user_status_raw as call_raw;

fn call(url: &str, status: &str, token: Option<&str>) -> String {
    trust_test_ca();
    support::fronts::c_set_user_status(url, status, token)
}

fn error_of(json: &str) -> (String, String) {
    support::fronts::error_of(&parse(json))
}

#[test]
fn seed_examples_through_the_c_abi_equal_the_rust_api() {
    let portal = frozen_portal();
    let rust = test_client(opi_bitrix24::Config::default());
    let from_c = call(&portal.webhook_url(), "dnd", None);
    assert_eq!(parse(&from_c)["result"], json!(true), "{from_c}");
    assert_eq!(
        parse(&from_c),
        parse(
            rust.set_user_status(&portal.webhook_url(), "dnd", "")
                .json()
        )
    );
    let from_c = call(&portal.domain(), "away", Some(APP_TOKEN));
    assert_eq!(
        parse(&from_c),
        parse(
            rust.set_user_status(&portal.domain(), "away", APP_TOKEN)
                .json()
        )
    );
    let requests = portal.requests();
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        requests[2].json_body(),
        json!({"STATUS": "away", "auth": APP_TOKEN})
    );
}

#[test]
fn null_or_empty_token_means_webhook() {
    let portal = Portal::start();
    for token in [None, Some("")] {
        let answer = call(&portal.webhook_url(), "online", token);
        assert_eq!(parse(&answer)["result"], json!(true), "{answer}");
    }
    assert!(
        portal
            .requests()
            .iter()
            .all(|r| r.json_body() == json!({"STATUS": "online"}))
    );
}

#[test]
fn null_arguments_are_named_in_the_error() {
    trust_test_ca();
    let status = CString::new("dnd").unwrap();
    let url = CString::new("portal.example/rest/1/x/").unwrap();
    for (url, status, named) in [
        (ptr::null(), status.as_ptr(), "url is NULL"),
        (url.as_ptr(), ptr::null(), "status is NULL"),
        (ptr::null(), ptr::null(), "url is NULL"),
    ] {
        // SAFETY: each pointer is NULL or a live NUL-terminated string.
        let (code, description) = error_of(&unsafe { call_raw(url, status, ptr::null()) });
        assert_eq!(
            (code.as_str(), description.as_str()),
            ("OPI_INVALID_ARGUMENT", named)
        );
    }
}

#[test]
fn invalid_utf8_is_refused_per_argument() {
    trust_test_ca();
    let bad = b"d\xffn\0";
    let good_url = c"portal.example".as_ptr();
    let good_status = c"dnd".as_ptr();
    for (url, status, token, named) in [
        (
            bad.as_ptr().cast(),
            good_status,
            ptr::null(),
            "url is not valid UTF-8",
        ),
        (
            good_url,
            bad.as_ptr().cast(),
            ptr::null(),
            "status is not valid UTF-8",
        ),
        (
            good_url,
            good_status,
            bad.as_ptr().cast(),
            "token is not valid UTF-8",
        ),
    ] {
        // SAFETY: each pointer is NULL or a live NUL-terminated string (of bad UTF-8).
        let (code, description) = error_of(&unsafe { call_raw(url, status, token) });
        assert_eq!(code, "OPI_INVALID_ARGUMENT");
        assert!(description.starts_with(named), "{description}");
    }
}

#[test]
fn portal_errors_pass_through_without_secrets() {
    let portal = Portal::start();
    let answer = call(&portal.domain(), "dnd", Some(EXPIRED_TOKEN));
    assert_eq!(error_of(&answer).0, "expired_token");
    let answer = call(&portal.webhook_url(), "nope", None);
    assert_eq!(error_of(&answer).0, "OPI_INVALID_ARGUMENT");
}

#[test]
fn free_accepts_null_and_version_is_static() {
    // SAFETY: NULL is documented as fine.
    unsafe { opi_string_free(ptr::null_mut()) };
    // SAFETY: opi_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(opi_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(opi_version(), opi_version());
}
