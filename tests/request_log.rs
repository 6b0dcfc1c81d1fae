//! The request log (`OPI_BITRIX24_LOG`, docs/logging.md): one line per HTTP
//! request — time, host, method, attempt, status, error code, duration — and
//! one per wait with its reason, under every fault and under pacing; through
//! a Rust client, `oint`, the C library and the add-in; with several
//! processes appending to one file; and through the `log` crate for a Rust
//! program's own logger. No line holds a secret.

use opi_test_support as support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use opi_bitrix24::{Config, LogTarget, Pacing, RateLimit};
use support::faults::{FaultKind, FaultyPortal};
use support::fronts::{Front, Function, raw};
use support::*;

/// A log file of this test process's own, removed if it was there.
fn log_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("request-log");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// One line of the log, split into its parts.
#[derive(Debug)]
struct Line {
    level: String,
    host: String,
    method: String,
    /// `key=value` fields after the host and method, in order.
    fields: Vec<(String, String)>,
    text: String,
}

impl Line {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn is_request(&self) -> bool {
        self.get("status").is_some()
    }

    fn is_wait(&self) -> bool {
        self.get("wait").is_some()
    }

    fn millis(&self, key: &str) -> f64 {
        let value = self
            .get(key)
            .unwrap_or_else(|| panic!("no {key}: {}", self.text));
        value
            .strip_suffix("ms")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{key} is not milliseconds: {}", self.text))
    }
}

/// `2026-12-02T07:40:01.123Z INFO  [pid] host method key=value …`, checked
/// field by field.
fn parse_line(text: &str) -> Line {
    let (time, rest) = text.split_once(' ').expect("a time");
    assert_eq!(time.len(), 24, "time {time:?} in {text}");
    let bytes = time.as_bytes();
    for (at, expected) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        assert_eq!(bytes[at], expected, "time {time:?} in {text}");
    }
    assert!(time.starts_with("20"), "{text}");
    let mut words = rest.split_whitespace();
    let level = words.next().expect("a level").to_owned();
    assert!(
        ["ERROR", "WARN", "INFO", "DEBUG"].contains(&level.as_str()),
        "{text}"
    );
    let pid = words.next().expect("a process id");
    assert!(pid.starts_with('[') && pid.ends_with(']'), "{text}");
    let host = words.next().expect("a host").to_owned();
    let method = words.next().expect("a method").to_owned();
    // The description, quoted, comes last and may hold spaces.
    let fields_text = rest
        .split_once(&format!(" {method} "))
        .map(|(_, fields)| fields)
        .unwrap_or_default();
    let (plain, description) = match fields_text.split_once(" description=") {
        Some((plain, description)) => (plain, Some(description)),
        None => (fields_text, None),
    };
    let mut fields: Vec<(String, String)> = plain
        .split_whitespace()
        .map(|field| match field.split_once('=') {
            Some((key, value)) => (key.to_owned(), value.to_owned()),
            None => (field.to_owned(), String::new()),
        })
        .collect();
    if let Some(description) = description {
        assert!(
            description.starts_with('"') && description.ends_with('"'),
            "{text}"
        );
        fields.push(("description".to_owned(), description.to_owned()));
    }
    Line {
        level,
        host,
        method,
        fields,
        text: text.to_owned(),
    }
}

fn read_log(path: &Path) -> Vec<Line> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert_no_secret(&text);
    text.lines().map(parse_line).collect()
}

fn logging_client(path: &Path, config: Config) -> opi_bitrix24::Client {
    test_client(Config {
        log: Some(LogTarget::File(path.to_owned())),
        ..config
    })
}

/// Every fault class, by webhook and by token: one line per request that
/// reached the server (or per attempt, where none could), attempts counted
/// from 1, the status and the error code of each, a back-off line between
/// attempts, and no secret.
#[test]
fn one_line_per_request_under_every_fault() {
    const ATTEMPTS: u32 = 3;
    let config = || Config {
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(1),
        read_timeout: Some(Duration::from_millis(600)),
        attempts: ATTEMPTS,
        retry_delay: Duration::from_millis(20),
        pacing: Pacing::Off,
        ..Config::default()
    };
    std::thread::scope(|scope| {
        for kind in FaultKind::ALL {
            for by_token in [false, true] {
                scope.spawn(move || {
                    let path = log_path(&format!("fault-{kind:?}-{by_token}"));
                    let portal = FaultyPortal::start(kind);
                    let client = logging_client(&path, config());
                    let answer = if by_token {
                        client.set_user_status(&portal.address, "dnd", APP_TOKEN)
                    } else {
                        client.set_user_status(&portal.webhook_url(WEBHOOK_SECRET), "dnd", "")
                    };
                    let code = answer.error_code().expect("an error").to_owned();
                    let lines = read_log(&path);
                    let case = format!("{kind:?} (by token: {by_token}):\n{lines:#?}");
                    let requests: Vec<&Line> = lines.iter().filter(|l| l.is_request()).collect();
                    assert!(!requests.is_empty(), "{case}");
                    if portal.requests() > 0 {
                        assert_eq!(requests.len(), portal.requests(), "{case}");
                    } else {
                        assert!(
                            requests.iter().all(|l| l.get("status") == Some("-")),
                            "{case}"
                        );
                    }
                    let port = portal.address.rsplit(':').next().unwrap();
                    for line in &lines {
                        assert!(line.host.ends_with(&format!(":{port}")), "{case}");
                        assert_eq!(line.method, "im.user.status.set", "{case}");
                    }
                    let mut expected_attempt = 1;
                    for line in &lines {
                        if line.is_request() {
                            let attempt: u32 = line.get("attempt").unwrap().parse().unwrap();
                            // Redirects are followed within one attempt.
                            assert!(
                                attempt == expected_attempt || attempt == expected_attempt - 1,
                                "{case}"
                            );
                            expected_attempt = attempt + 1;
                            assert!(line.millis("duration") >= 0.0, "{case}");
                        } else {
                            assert!(line.is_wait(), "{case}");
                            assert!(line.millis("wait") > 0.0, "{case}");
                        }
                    }
                    // The last request's error is the answer's, unless the
                    // call ended on a redirect refused after it.
                    let last = requests.last().unwrap();
                    if !matches!(kind, FaultKind::RedirectLoop | FaultKind::RedirectToHttp) {
                        assert_eq!(last.get("error"), Some(code.as_str()), "{case}");
                        assert_ne!(last.level, "INFO", "{case}");
                    }
                    let retries = requests
                        .windows(2)
                        .filter(|pair| pair[0].get("attempt") != pair[1].get("attempt"))
                        .count();
                    // A 429 OPERATION_TIME_LIMIT waits for the budget.
                    let backoffs = lines
                        .iter()
                        .filter(|l| {
                            matches!(l.get("reason"), Some("retry-backoff" | "operating-budget"))
                        })
                        .count();
                    assert_eq!(retries, backoffs, "{case}");
                });
            }
        }
    });
}

/// The failures that are retried: a warning for each request, a back-off
/// line between them, the portal's code and status in each.
#[test]
fn a_query_limit_is_logged_per_attempt_with_its_back_off() {
    let path = log_path("query-limit");
    let portal = FaultyPortal::start(FaultKind::QueryLimit);
    let client = logging_client(
        &path,
        Config {
            attempts: 3,
            retry_delay: Duration::from_millis(30),
            pacing: Pacing::Off,
            ..Config::default()
        },
    );
    let answer = client.set_user_status(&portal.webhook_url(WEBHOOK_SECRET), "dnd", "");
    assert_eq!(answer.error_code(), Some("QUERY_LIMIT_EXCEEDED"));
    let lines = read_log(&path);
    let shape: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.is_request() {
                format!(
                    "{} attempt={} status={} error={}",
                    l.level,
                    l.get("attempt").unwrap(),
                    l.get("status").unwrap(),
                    l.get("error").unwrap_or("-")
                )
            } else {
                format!("{} wait reason={}", l.level, l.get("reason").unwrap())
            }
        })
        .collect();
    assert_eq!(
        shape,
        [
            "WARN attempt=1 status=503 error=QUERY_LIMIT_EXCEEDED",
            "WARN wait reason=retry-backoff",
            "WARN attempt=2 status=503 error=QUERY_LIMIT_EXCEEDED",
            "WARN wait reason=retry-backoff",
            "WARN attempt=3 status=503 error=QUERY_LIMIT_EXCEEDED",
        ],
        "{lines:#?}"
    );
    // The back-off is at least half the doubled delay.
    assert!(lines[1].millis("wait") >= 15.0, "{lines:#?}");
    assert!(lines[3].millis("wait") >= 30.0, "{lines:#?}");
}

/// A paced burst: every request logged once, with a pacing wait before each
/// one past the bucket's capacity, the waits adding up to what the rate
/// allows.
#[test]
fn pacing_waits_are_logged_with_their_length() {
    const CALLS: usize = 30;
    let (capacity, per_second) = (5.0, 20.0);
    let path = log_path("pacing");
    let portal = Portal::with(PortalOptions {
        bucket: Some((capacity, per_second)),
        ..PortalOptions::default()
    });
    let client = logging_client(
        &path,
        Config {
            pacing: Pacing::Always(RateLimit {
                capacity,
                per_second,
            }),
            ..Config::default()
        },
    );
    for _ in 0..CALLS {
        let answer = client.set_user_status(&portal.webhook_url(), "dnd", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    let lines = read_log(&path);
    let requests: Vec<&Line> = lines.iter().filter(|l| l.is_request()).collect();
    assert_eq!(requests.len(), CALLS, "{lines:#?}");
    assert_eq!(portal.requests().len(), CALLS);
    for line in &requests {
        assert_eq!(line.level, "INFO", "{}", line.text);
        assert_eq!(line.get("status"), Some("200"), "{}", line.text);
        assert_eq!(line.get("attempt"), Some("1"), "{}", line.text);
        assert_eq!(line.get("error"), None, "{}", line.text);
    }
    let waits: Vec<&Line> = lines.iter().filter(|l| l.is_wait()).collect();
    assert!(
        waits.iter().all(|l| l.get("reason") == Some("pacing")),
        "{lines:#?}"
    );
    let paced = CALLS - capacity as usize;
    assert!(
        waits.len() >= paced - 2 && waits.len() <= paced + 1,
        "{} waits for {paced} paced calls:\n{lines:#?}",
        waits.len()
    );
    let waited: f64 = waits.iter().map(|l| l.millis("wait")).sum();
    let expected = paced as f64 / per_second * 1000.0;
    assert!(
        waited > expected * 0.7 && waited < expected * 1.3,
        "waited {waited:.0} ms, the rate allows {expected:.0} ms"
    );
}

/// `error` keeps only failures; `debug` adds a line as each request is sent.
#[test]
fn the_level_chooses_the_lines() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let lines_at = |level: log::LevelFilter| {
        let path = log_path(&format!("level-{level}"));
        let client = logging_client(
            &path,
            Config {
                log_level: level,
                pacing: Pacing::Off,
                ..Config::default()
            },
        );
        assert!(
            !client
                .set_user_status(&portal.webhook_url(), "dnd", "")
                .is_error()
        );
        let refused = client.call_json(&portal.webhook_url(), "no.such.method", "", "");
        assert!(refused.is_error());
        read_log(&path)
    };
    let debug = lines_at(log::LevelFilter::Debug);
    let levels: Vec<(&str, &str)> = debug
        .iter()
        .map(|l| (l.level.as_str(), l.method.as_str()))
        .collect();
    assert_eq!(
        levels,
        [
            ("DEBUG", "im.user.status.set"),
            ("INFO", "im.user.status.set"),
            ("DEBUG", "no.such.method"),
            ("ERROR", "no.such.method"),
        ],
        "{debug:#?}"
    );
    assert_eq!(debug[0].get("sending"), Some(""), "{debug:#?}");
    assert_eq!(debug[3].get("status"), Some("404"), "{debug:#?}");
    assert_eq!(
        debug[3].get("error"),
        Some("ERROR_METHOD_NOT_FOUND"),
        "{debug:#?}"
    );
    assert!(debug[3].get("description").is_some(), "{debug:#?}");
    let errors = lines_at(log::LevelFilter::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].method, "no.such.method");
    let off = lines_at(log::LevelFilter::Off);
    assert!(off.is_empty(), "{off:#?}");
}

/// The events reach a logger the program installed, under the target
/// `opi_bitrix24`, with no sink set; the library installed none itself.
#[test]
fn events_go_to_the_log_crate_for_a_rust_programs_logger() {
    struct Capture(Mutex<Vec<(log::Level, String, String)>>);
    impl log::Log for Capture {
        fn enabled(&self, metadata: &log::Metadata) -> bool {
            metadata.target() == opi_bitrix24::LOG_TARGET
        }
        fn log(&self, record: &log::Record) {
            if self.enabled(record.metadata()) {
                self.0.lock().unwrap().push((
                    record.level(),
                    record.target().to_owned(),
                    record.args().to_string(),
                ));
            }
        }
        fn flush(&self) {}
    }
    static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));
    // Fails if the library had installed a logger of its own.
    log::set_logger(&CAPTURE).expect("no logger installed before the program's");
    log::set_max_level(log::LevelFilter::Info);
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let client = test_client(Config {
        pacing: Pacing::Off,
        ..Config::default()
    });
    let answer = client.set_user_status(&portal.webhook_url(), "dnd", "");
    assert!(!answer.is_error(), "{}", answer.json());
    let domain = portal.domain();
    let captured: Vec<_> = CAPTURE
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, _, message)| message.starts_with(&domain))
        .cloned()
        .collect();
    assert_eq!(captured.len(), 1, "{captured:?}");
    let (level, target, message) = &captured[0];
    assert_eq!(*level, log::Level::Info);
    assert_eq!(target, "opi_bitrix24");
    assert!(
        message.starts_with(&format!(
            "{domain} im.user.status.set attempt=1 status=200 duration="
        )),
        "{message}"
    );
    assert_no_secret(message);
}

fn front_env(path: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("OPI_BITRIX24_LOG", path.display().to_string()),
        ("OPI_BITRIX24_RATE_LIMIT", "off".to_owned()),
    ]
}

/// `oint`, the C library (through the C test program) and the add-in write
/// the log named by `OPI_BITRIX24_LOG`, one line per request.
#[test]
fn oint_the_c_library_and_the_add_in_write_the_log_the_setting_names() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let webhook = portal.webhook_url();
    for front in [Front::Cli, Front::CProgram, Front::AddinPlatform] {
        let path = log_path(&format!("front-{front:?}"));
        let env = front_env(&path);
        let ok = raw(front, Function::SetUserStatus, &[&webhook, "dnd", ""], &env);
        assert!(!ok.text.contains("\"error\""), "{front:?}: {}", ok.text);
        let refused = raw(
            front,
            Function::Call,
            &[&webhook, "no.such.method", "", ""],
            &env,
        );
        assert!(
            refused.text.contains("\"error\""),
            "{front:?}: {}",
            refused.text
        );
        let lines = read_log(&path);
        let requests: Vec<(&str, Option<&str>, Option<&str>)> = lines
            .iter()
            .filter(|l| l.is_request())
            .map(|l| (l.method.as_str(), l.get("status"), l.get("error")))
            .collect();
        assert_eq!(
            requests,
            [
                ("im.user.status.set", Some("200"), None),
                (
                    "no.such.method",
                    Some("404"),
                    Some("ERROR_METHOD_NOT_FOUND")
                ),
            ],
            "{front:?}: {lines:#?}"
        );
    }
}

/// A log file that cannot be opened refuses every call, by the setting's
/// name, as other bad settings do.
#[test]
fn a_log_file_that_cannot_be_opened_refuses_every_call() {
    let portal = Portal::start();
    let env = [(
        "OPI_BITRIX24_LOG",
        "/nonexistent-folder/request.log".to_owned(),
    )];
    for front in [Front::Cli, Front::CProgram] {
        let answer = raw(
            front,
            Function::SetUserStatus,
            &[&portal.webhook_url(), "dnd", ""],
            &env,
        );
        let answer = parse(answer.text.trim());
        assert_eq!(
            answer["error"], "OPI_INVALID_ARGUMENT",
            "{front:?}: {answer}"
        );
        let description = answer["error_description"].as_str().unwrap();
        assert!(description.contains("OPI_BITRIX24_LOG"), "{description}");
    }
    assert!(portal.requests().is_empty());
}

/// Four processes of 50 calls each append to one file: 200 request lines,
/// each whole.
#[test]
fn processes_sharing_a_log_file_write_whole_lines() {
    const PROCESSES: usize = 4;
    const CALLS: usize = 50;
    let path = log_path("shared");
    let portal = Portal::with(PortalOptions {
        bucket: None,
        https: false,
        webhooks_need_https: false,
        record: false,
        ..PortalOptions::default()
    });
    let webhook = portal.webhook_url();
    let program = c_test_program();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            std::process::Command::new(&program)
                .args(["repeat", &CALLS.to_string(), &webhook, "dnd"])
                .env("LD_LIBRARY_PATH", target_dir())
                .envs(front_env(&path))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(&format!("calls {CALLS} failures 0")),
            "{stdout}"
        );
    }
    let lines = read_log(&path);
    assert_eq!(lines.len(), PROCESSES * CALLS);
    let pids: std::collections::HashSet<&str> = lines
        .iter()
        .map(|l| l.text.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(pids.len(), PROCESSES);
    assert!(lines.iter().all(|l| l.get("status") == Some("200")));
}

/// A token file's expired pair: the refused call, the renewal and the
/// repeated call each have their line; threads that meet one expiry at
/// once make one renewal, and those that waited for it say so. The client
/// secret and the refresh tokens are in no line.
#[test]
fn a_token_renewal_is_logged_with_the_waits_for_it() {
    const THREADS: usize = 8;
    let path = log_path("refresh");
    let portal = Portal::with(PortalOptions {
        bucket: None,
        // A renewal slow enough that the other threads' refusals arrive
        // while it runs, however loaded the machine: they must wait for it.
        oauth_processing: std::time::Duration::from_millis(200),
        ..PortalOptions::default()
    });
    let client = logging_client(
        &path,
        Config {
            oauth_url: portal.oauth_url(),
            pacing: Pacing::Off,
            ..Config::default()
        },
    );
    let file = log_path("refresh-tokens").with_extension("json");
    let made = client.get_token_to_file(CLIENT_ID, CLIENT_SECRET, &portal.issue_code(), &file);
    assert!(!made.is_error(), "{}", made.json());
    let token = format!("file:{}", file.display());
    let refresh_token = |file: &Path| {
        parse(&std::fs::read_to_string(file).unwrap())["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut refresh_tokens = vec![refresh_token(&file)];

    portal.expire_access_tokens();
    let answer = client.call_json(portal.base_url(), "server.time", "", &token);
    assert!(!answer.is_error(), "{}", answer.json());
    refresh_tokens.push(refresh_token(&file));
    let lines = read_log(&path);
    let shape: Vec<String> = lines
        .iter()
        .filter(|l| l.is_request())
        .map(|l| {
            format!(
                "{} {} status={} error={}",
                l.level,
                l.method,
                l.get("status").unwrap(),
                l.get("error").unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            "INFO oauth/token status=200 error=-",
            "ERROR server.time status=401 error=expired_token",
            "INFO oauth/token status=200 error=-",
            "INFO server.time status=200 error=-",
        ],
        "{lines:#?}"
    );

    std::fs::remove_file(&path).unwrap();
    let client = logging_client(
        &path,
        Config {
            oauth_url: portal.oauth_url(),
            pacing: Pacing::Off,
            ..Config::default()
        },
    );
    portal.expire_access_tokens();
    let barrier = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                barrier.wait();
                let answer = client.call_json(portal.base_url(), "server.time", "", &token);
                assert!(!answer.is_error(), "{}", answer.json());
            });
        }
    });
    refresh_tokens.push(refresh_token(&file));
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in refresh_tokens
        .iter()
        .map(String::as_str)
        .chain([CLIENT_SECRET])
    {
        assert!(!text.contains(secret), "a secret in the log:\n{text}");
    }
    let lines = read_log(&path);
    let renewals = lines
        .iter()
        .filter(|l| l.is_request() && l.method == "oauth/token")
        .count();
    assert_eq!(renewals, 1, "{lines:#?}");
    let waits: Vec<&Line> = lines.iter().filter(|l| l.is_wait()).collect();
    assert!(
        !waits.is_empty(),
        "no thread waited for the renewal: {lines:#?}"
    );
    for wait in waits {
        assert_eq!(wait.get("reason"), Some("token-refresh"), "{}", wait.text);
        assert_eq!(wait.method, "oauth/token", "{}", wait.text);
        assert!(wait.millis("wait") >= 1.0, "{}", wait.text);
    }
}
