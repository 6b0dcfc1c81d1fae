//! The C ABI entry point with arbitrary bytes: URL, status and token are the
//! first three parts of the input split at NUL bytes (a missing token is NULL). The answer must be one
//! JSON object with `result` or `error`, and nothing may crash.
//!
//! Every request goes to a proxy on a closed loopback port, so nothing
//! leaves the machine and each call ends at once.
#![no_main]

use std::ffi::{CStr, CString};

use libfuzzer_sys::fuzz_target;
use opi_bitrix24::capi::{opi_bitrix24_set_user_status, opi_string_free};

fn isolate() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: before the library's first call, on the fuzzer's only thread.
        unsafe {
            for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
                std::env::set_var(name, "http://127.0.0.1:9");
            }
            std::env::remove_var("NO_PROXY");
            std::env::remove_var("no_proxy");
            std::env::set_var("OPI_BITRIX24_ATTEMPTS", "1");
            std::env::set_var("OPI_BITRIX24_TIMEOUT", "1");
        }
    });
}

fuzz_target!(|data: &[u8]| {
    isolate();
    let mut parts = data.split(|b| *b == 0).map(|part| CString::new(part).expect("split at NUL"));
    let url = parts.next().unwrap_or_default();
    let status = parts.next().unwrap_or_default();
    let token = parts.next();
    let token_pointer = token.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: live NUL-terminated strings (or NULL); the answer is freed once.
    let text = unsafe {
        let answer = opi_bitrix24_set_user_status(url.as_ptr(), status.as_ptr(), token_pointer);
        assert!(!answer.is_null());
        let text = CStr::from_ptr(answer).to_str().expect("UTF-8 answer").to_owned();
        opi_string_free(answer);
        text
    };
    let value: serde_json::Value = serde_json::from_str(&text).expect("a JSON answer");
    let object = value.as_object().expect("a JSON object");
    assert!(object.contains_key("result") || object.contains_key("error"), "{text}");
});
