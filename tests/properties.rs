//! Properties over arbitrary input: whatever the three strings, the C ABI
//! answers one JSON object and never panics; address normalisation never
//! panics and yields only safe URLs; every setting is checked alike as the
//! environment's text and as a `Config` given to `Client::new`.
//!
//! Every request these inputs make is sent to a proxy address on loopback
//! where nothing listens, so no traffic leaves the machine.

use opi_test_support as support;

use std::ffi::{CString, c_char};
use std::time::Duration;

use opi_bitrix24::address::{AuthKind, endpoint};
use opi_bitrix24::{Client, Config, FileAccess, Pacing, RateLimit};
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

/// How a way into the settings ended: accepted, or refused with a code and
/// words.
type Outcome = Result<(), (opi_bitrix24::ErrorCode, String)>;

fn outcome<T>(result: Result<T, opi_bitrix24::Error>) -> Outcome {
    result
        .map(|_| ())
        .map_err(|error| (error.code(), error.description().to_owned()))
}

/// A setting's text, as the environment or a future Configure gives it.
fn by_text(variable: &str, text: &str) -> Outcome {
    outcome(Config::from_vars(|name| {
        (name == variable).then(|| text.to_owned())
    }))
}

/// A `Config` built in Rust, given to `Client::new`.
fn by_client(config: Config) -> Outcome {
    outcome(Client::new(config))
}

/// Both ways ended alike: accepted by both, or refused by both with
/// `OPI_INVALID_ARGUMENT` in the same words, naming the variable.
fn assert_alike(variable: &str, text: Outcome, typed: Outcome, in_range: bool) {
    assert_eq!(
        text, typed,
        "{variable}: the text and the Config end otherwise"
    );
    match text {
        Ok(()) => assert!(in_range, "{variable}: accepted out of range"),
        Err((code, words)) => {
            assert!(!in_range, "{variable}: refused in range: {words}");
            assert_eq!(code, opi_bitrix24::ErrorCode::InvalidArgument);
            assert!(words.starts_with(variable), "{words}");
        }
    }
}

/// A setting in seconds that is a duration: its variable, the most it may
/// be, and a `Config` with it set to a duration.
type DurationSetting = (&'static str, f64, fn(Duration) -> Config);

const DURATIONS: [DurationSetting; 4] = [
    ("OPI_BITRIX24_CONNECT_TIMEOUT", 3600.0, |d| Config {
        connect_timeout: d,
        ..Config::default()
    }),
    ("OPI_BITRIX24_TIMEOUT", 86400.0, |d| Config {
        timeout: d,
        ..Config::default()
    }),
    ("OPI_BITRIX24_READ_TIMEOUT", 86400.0, |d| Config {
        read_timeout: Some(d),
        ..Config::default()
    }),
    ("OPI_BITRIX24_RETRY_DELAY", 60.0, |d| Config {
        retry_delay: d,
        ..Config::default()
    }),
];

/// Durations around every bound: none, the least, about each maximum, the
/// most a Duration holds.
fn durations() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::MAX),
        (0u64..100_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        prop::sample::select(vec![60u64, 3600, 86400]).prop_flat_map(|max| {
            (max - 1..=max + 1, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n))
        }),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

/// Numbers of every kind: NaN, infinities, negative, zero, tiny, huge, and
/// ones about the bounds.
fn numbers() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        Just(1e-12),
        Just(1e300),
        Just(1.0),
        Just(100_000.0),
        Just(600.0),
        -10.0..200_000.0f64,
        any::<f64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A duration in seconds: in range when above 0 and at most its
    /// maximum; its text and the `Config` holding it end alike.
    #[test]
    fn durations_are_checked_alike_as_text_and_as_config(field in 0..DURATIONS.len(), duration in durations()) {
        let (variable, max, config) = DURATIONS[field];
        let text = format!("{}.{:09}", duration.as_secs(), duration.subsec_nanos());
        let in_range = !duration.is_zero() && duration <= Duration::from_secs_f64(max);
        assert_alike(variable, by_text(variable, &text), by_client(config(duration)), in_range);
    }

    /// Any number as a duration's text: NaN, infinite, negative, zero or
    /// too large is refused in the words a `Config` out of range is.
    #[test]
    fn duration_texts_out_of_range_are_refused_as_a_config_is(field in 0..DURATIONS.len(), seconds in numbers()) {
        let (variable, max, config) = DURATIONS[field];
        let in_range = seconds > 0.0 && seconds <= max && !Duration::from_secs_f64(seconds).is_zero();
        let typed = match Duration::try_from_secs_f64(seconds) {
            Ok(duration) => config(duration),
            // No Duration is NaN, negative or past its own maximum: such a
            // text is refused as the least and the most a Config holds are.
            Err(_) => config(Duration::ZERO),
        };
        assert_alike(variable, by_text(variable, &seconds.to_string()), by_client(typed), in_range);
        if !in_range {
            assert_eq!(by_client(config(Duration::MAX)), by_text(variable, &seconds.to_string()));
        }
    }

    /// The operating limit: above 0 and at most 600 seconds.
    #[test]
    fn the_operating_limit_is_checked_alike(seconds in numbers()) {
        let variable = "OPI_BITRIX24_OPERATING_LIMIT";
        let typed = Config { operating_limit: Some(seconds), ..Config::default() };
        let in_range = seconds > 0.0 && seconds <= 600.0;
        assert_alike(variable, by_text(variable, &seconds.to_string()), by_client(typed), in_range);
    }

    /// Attempts: a whole number from 1 to 10.
    #[test]
    fn attempts_are_checked_alike(attempts in prop_oneof![0u32..=12, any::<u32>()]) {
        let variable = "OPI_BITRIX24_ATTEMPTS";
        let typed = Config { attempts, ..Config::default() };
        let in_range = (1..=10).contains(&attempts);
        assert_alike(variable, by_text(variable, &attempts.to_string()), by_client(typed), in_range);
        assert_eq!(
            by_text(variable, "-1"),
            by_client(Config { attempts: 0, ..Config::default() })
        );
    }

    /// A bucket of its own: 1 to 100000 requests, draining more than 0 and
    /// at most 100000 a second; a drain of 0, NaN or infinity is refused,
    /// not left to the limiter.
    #[test]
    fn rate_limits_are_checked_alike(capacity in numbers(), per_second in numbers()) {
        let variable = "OPI_BITRIX24_RATE_LIMIT";
        let typed = Config {
            pacing: Pacing::Always(RateLimit { capacity, per_second }),
            ..Config::default()
        };
        let in_range = (1.0..=100_000.0).contains(&capacity) && per_second > 0.0 && per_second <= 100_000.0;
        let text = format!("{capacity}/{per_second}");
        assert_alike(variable, by_text(variable, &text), by_client(typed), in_range);
    }
}

/// OPI_BITRIX24_FILES: any, none, or the absolute path of an existing
/// directory; a relative one, a missing one, or a file, is refused alike.
#[test]
fn file_access_is_checked_alike_as_text_and_as_config() {
    let variable = "OPI_BITRIX24_FILES";
    let directory = std::env::temp_dir();
    let a_file = std::env::current_exe().unwrap();
    let within = |path: &std::path::Path| Config {
        files: FileAccess::Within(path.to_owned()),
        ..Config::default()
    };
    for (text, typed, in_range) in [
        ("any", Config::default(), true),
        (
            "none",
            Config {
                files: FileAccess::None,
                ..Config::default()
            },
            true,
        ),
        (directory.to_str().unwrap(), within(&directory), true),
        ("relative", within("relative".as_ref()), false),
        (".", within(".".as_ref()), false),
        (
            "/nonexistent/folder",
            within("/nonexistent/folder".as_ref()),
            false,
        ),
        (a_file.to_str().unwrap(), within(&a_file), false),
    ] {
        assert_alike(
            variable,
            by_text(variable, text),
            by_client(typed),
            in_range,
        );
    }
}

/// Out of range, `Client::new` refuses a `Config` rather than taking it
/// and failing later: a timeout of `Duration::MAX` overflowed the call's
/// deadline, and a drain of 0 a second panicked in the limiter.
#[test]
fn client_new_refuses_a_config_that_would_overflow_or_panic_later() {
    for (config, variable) in [
        (
            Config {
                timeout: Duration::MAX,
                ..Config::default()
            },
            "OPI_BITRIX24_TIMEOUT",
        ),
        (
            Config {
                pacing: Pacing::Always(RateLimit {
                    capacity: 10.0,
                    per_second: 0.0,
                }),
                ..Config::default()
            },
            "OPI_BITRIX24_RATE_LIMIT",
        ),
    ] {
        let error = Client::new(config).expect_err(variable);
        assert_eq!(error.code(), opi_bitrix24::ErrorCode::InvalidArgument);
        assert!(
            error.description().starts_with(variable),
            "{}",
            error.description()
        );
    }
}
