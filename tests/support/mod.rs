//! What the integration tests share: the portal emulator, its TLS, and the
//! paths of the built artifacts. Each test binary uses a part of it.
#![allow(dead_code)]

pub mod http;
pub mod portal;
pub mod tls;

use std::path::PathBuf;

pub use portal::*;
pub use tls::TestCa;

/// target/<profile>, where cargo put the library and `oint`.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let deps = exe.parent().expect("deps folder");
    deps.parent().expect("profile folder").to_path_buf()
}

/// Makes this process trust the test CA, before the library's shared client
/// exists (it reads SSL_CERT_FILE once, when made).
pub fn trust_test_ca() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let path = &TestCa::global().pem_path;
        // SAFETY: runs once, before any thread of this test process reads the
        // environment (every test calls this first, and waits on the Once).
        unsafe { std::env::set_var("SSL_CERT_FILE", path) };
    });
}

/// The JSON document `text`, parsed, or a failure that shows it.
pub fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Fails if a secret or token of the test portal appears in `text`.
pub fn assert_no_secret(text: &str) {
    for secret in [WEBHOOK_SECRET, APP_TOKEN, EXPIRED_TOKEN, NO_SCOPE_SECRET] {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}
