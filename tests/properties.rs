//! Properties over arbitrary input: whatever the three strings, the C ABI
//! answers one JSON object and never panics; address normalisation never
//! panics and yields only safe URLs.
//!
//! Every request these inputs make is sent to a proxy address on loopback
//! where nothing listens, so no traffic leaves the machine.

use opi_test_support as support;

use std::ffi::{CString, c_char};

use opi_bitrix24::address::{AuthKind, endpoint};
use proptest::prelude::*;

/// Routes every request to a closed loopback port, with one quick attempt.
fn isolate() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proxy = format!("http://127.0.0.1:{port}");
        // SAFETY: runs once, first thing in every test, before the library or
        // any other thread of this process reads the environment.
        unsafe {
            for name in [
                "HTTP_PROXY",
                "HTTPS_PROXY",
                "ALL_PROXY",
                "http_proxy",
                "https_proxy",
                "all_proxy",
            ] {
                std::env::set_var(name, &proxy);
            }
            std::env::remove_var("NO_PROXY");
            std::env::remove_var("no_proxy");
            std::env::set_var("OPI_BITRIX24_ATTEMPTS", "1");
            std::env::set_var("OPI_BITRIX24_TIMEOUT", "2");
        }
    });
}

/// Calls the C ABI with raw bytes (NUL-free), returning its answer.
fn call_raw(url: &[u8], status: &[u8], token: Option<&[u8]>) -> String {
    isolate();
    let c = |bytes: &[u8]| {
        CString::new(
            bytes
                .iter()
                .copied()
                .filter(|b| *b != 0)
                .collect::<Vec<u8>>(),
        )
        .unwrap()
    };
    let (url, status) = (c(url), c(status));
    let token = token.map(c);
    let token_pointer: *const c_char = token.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: live NUL-terminated strings, the token's NULL when there is none.
    unsafe { support::fronts::c_set_user_status_raw(url.as_ptr(), status.as_ptr(), token_pointer) }
}

fn assert_one_json_object(text: &str) {
    let value: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {text}"));
    assert!(
        object.contains_key("result") || object.contains_key("error"),
        "{text}"
    );
    if let Some(code) = object.get("error") {
        assert!(object["error_description"].is_string(), "{text}");
        assert!(
            code.as_str().is_some_and(|c| c.starts_with("OPI_")),
            "{text}"
        );
    }
}

#[test]
fn requests_go_only_to_the_loopback_proxy() {
    let answer = call_raw(b"https://portal.invalid/rest/1/abc/", b"dnd", None);
    let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(value["error"], "OPI_NETWORK_ERROR", "{answer}");
    assert!(
        answer.contains("Connection refused"),
        "not through the proxy: {answer}"
    );
}

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(https?://)?(www\\.)?[a-z0-9.-]{0,20}(:[0-9]{1,6})?(/rest)?(/[0-9a-z]{0,4}){0,3}/?",
        "[ \t\r\n]{0,2}(https?|ftp|file|javascript):[^ ]{0,30}",
        "\\[[0-9a-f:]{0,20}\\](:[0-9]{1,5})?/rest/1/[a-z]{1,8}/",
    ]
}

fn status_like() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("dnd".to_owned()),
        "[ \t]{0,2}(online|dnd|away|break|ONLINE|Dnd)[ \t\r\n]{0,2}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_gives_one_json_object(url in url_like(), status in status_like(), token in any::<String>()) {
        assert_one_json_object(&call_raw(url.as_bytes(), status.as_bytes(), Some(token.as_bytes())));
    }

    #[test]
    fn any_bytes_give_one_json_object(
        url in proptest::collection::vec(any::<u8>(), 0..64),
        status in proptest::collection::vec(any::<u8>(), 0..16),
        token in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..32)),
    ) {
        assert_one_json_object(&call_raw(&url, &status, token.as_deref()));
    }

    #[test]
    fn normalised_addresses_are_safe(address in url_like(), with_token in any::<bool>()) {
        let auth = if with_token { AuthKind::Token } else { AuthKind::Webhook };
        if let Ok(found) = endpoint(&address, "im.user.status.set", auth) {
            let url = found.url;
            prop_assert!(matches!(url.scheme(), "https" | "http"), "{url}");
            prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{url}");
            prop_assert!(url.username().is_empty() && url.password().is_none(), "{url}");
            prop_assert!(url.query().is_none() && url.fragment().is_none(), "{url}");
            prop_assert!(!with_token || url.path().ends_with("/rest/im.user.status.set"), "{url}");
            prop_assert!(url.path().ends_with("/im.user.status.set"), "{url}");
            prop_assert!(!url.as_str().contains(|c: char| c.is_whitespace() || c.is_control()), "{url}");
            if !with_token {
                prop_assert!(found.webhook_secret.is_some_and(|s| url.path().contains(&format!("/{s}/"))), "{url}");
            }
        }
    }
}
