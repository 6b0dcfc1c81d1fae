//! Address normalisation with arbitrary text: never a panic, and any URL it
//! accepts is http(s), has a host, carries no credentials, query, fragment,
//! space or control character, and ends with the method.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opi_bitrix24::address::{AuthKind, endpoint};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let auth = if first % 2 == 0 { AuthKind::Webhook } else { AuthKind::Token };
    let address = String::from_utf8_lossy(rest);
    if let Ok(found) = endpoint(&address, "im.user.status.set", auth) {
        let url = found.url;
        assert!(matches!(url.scheme(), "https" | "http"), "{url}");
        assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{url}");
        assert!(url.username().is_empty() && url.password().is_none(), "{url}");
        assert!(url.query().is_none() && url.fragment().is_none(), "{url}");
        assert!(url.path().ends_with("/im.user.status.set"), "{url}");
        assert!(!url.as_str().contains(|c: char| c.is_whitespace() || c.is_control()), "{url}");
        assert_eq!(found.webhook_secret.is_some(), auth == AuthKind::Webhook, "{url}");
    }
});
