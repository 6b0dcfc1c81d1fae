//! Secrets never show: every error text and every line printed by every
//! front — Rust API, C ABI, CLI, C program, 1C add-in — for every fault
//! class and every refused input, collected and searched for the webhook
//! secret and the token.

use opi_test_support as support;

use std::process::{Command, Output};
use std::time::Duration;

use opi_bitrix24::Config;
use support::faults::{FaultKind, FaultyPortal};
use support::*;

const ENVIRONMENT: [(&str, &str); 3] = [
    ("OPI_BITRIX24_TIMEOUT", "1.5"),
    ("OPI_BITRIX24_ATTEMPTS", "2"),
    ("OPI_BITRIX24_RETRY_DELAY", "0.01"),
];

/// The request log every front of the first sweep appends to, at `debug`
/// (emptied once per test process).
fn sweep_log() -> &'static std::path::Path {
    static LOG: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secrets-sweep.log");
        let _ = std::fs::remove_file(&path);
        path
    })
}

/// The same settings for this process's shared client as for the child processes.
fn configure_this_process() {
    trust_test_ca();
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for (name, value) in ENVIRONMENT {
            // SAFETY: once, first thing in the test, before the library reads the environment.
            unsafe { std::env::set_var(name, value) };
        }
        // SAFETY: as above.
        unsafe {
            std::env::set_var("OPI_BITRIX24_LOG", sweep_log());
            std::env::set_var("OPI_BITRIX24_LOG_LEVEL", "debug");
        }
    });
}

fn text_of(output: Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn child(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .envs(ENVIRONMENT)
        .env("OPI_BITRIX24_LOG", sweep_log())
        .env("OPI_BITRIX24_LOG_LEVEL", "debug");
    command
}

/// What each front prints or returns for one call.
fn every_front(url: &str, status: &str, token: &str) -> Vec<(&'static str, String)> {
    configure_this_process();
    std::thread::scope(|scope| {
        let rust = scope.spawn(|| {
            let client = test_client(Config {
                timeout: Duration::from_secs_f64(1.5),
                attempts: 2,
                log: Some(opi_bitrix24::LogTarget::File(sweep_log().to_owned())),
                log_level: log::LevelFilter::Debug,
                ..Config::default()
            });
            client.set_user_status(url, status, token).into_json()
        });
        let c_abi = scope.spawn(|| support::fronts::c_set_user_status(url, status, Some(token)));
        let cli = scope.spawn(|| {
            text_of(
                child(env!("CARGO_BIN_EXE_oint"))
                    .args([
                        "bitrix24",
                        "SetUserStatus",
                        "--url",
                        url,
                        "--status",
                        status,
                        "--token",
                        token,
                    ])
                    .output()
                    .unwrap(),
            )
        });
        let c_program = scope.spawn(|| {
            text_of(
                child(c_test_program())
                    .args(["call", url, status, token])
                    .env("LD_LIBRARY_PATH", target_dir())
                    .output()
                    .unwrap(),
            )
        });
        let addin = scope.spawn(|| {
            text_of(output_with_stdin(
                child(addin_host()).arg(shared_library()).args([
                    "invoke",
                    "platform",
                    "SetUserStatus",
                ]),
                [url, status, token].join("\0").as_bytes(),
            ))
        });
        vec![
            ("Rust API", rust.join().unwrap()),
            ("C ABI", c_abi.join().unwrap()),
            ("CLI", cli.join().unwrap()),
            ("C program", c_program.join().unwrap()),
            ("add-in", addin.join().unwrap()),
        ]
    })
}

#[test]
fn no_error_text_or_printed_line_of_any_front_holds_a_secret() {
    let mut collected: Vec<(String, String)> = Vec::new();
    for kind in FaultKind::ALL {
        let portal = FaultyPortal::start(kind);
        for (url, token) in [
            (portal.webhook_url(WEBHOOK_SECRET), ""),
            (portal.address.clone(), APP_TOKEN),
        ] {
            for (front, text) in every_front(&url, "dnd", token) {
                assert!(
                    text.contains("\"error\""),
                    "{kind:?} through {front} gave no error: {text}"
                );
                collected.push((format!("{kind:?} through {front}"), text));
            }
        }
    }
    let portal = Portal::start();
    let refused = [
        (
            format!(
                "{}/rest/1/{WEBHOOK_SECRET}/?auth={APP_TOKEN}",
                portal.base_url()
            ),
            "dnd",
            "",
        ),
        (
            format!("{}/rest/1/{WEBHOOK_SECRET}/ x", portal.base_url()),
            "dnd",
            "",
        ),
        (
            format!(
                "https://1:{WEBHOOK_SECRET}@{}/rest/1/{WEBHOOK_SECRET}/",
                portal.domain()
            ),
            "dnd",
            "",
        ),
        (
            portal.domain(),
            "dnd",
            &format!("{APP_TOKEN} {APP_TOKEN}") as &str,
        ),
        (
            portal.domain(),
            "dnd",
            &format!("{APP_TOKEN}\r\nX-Injected: 1") as &str,
        ),
        (portal.domain(), "dnd", &APP_TOKEN.repeat(100) as &str),
        (
            format!("ftp://{}/rest/1/{WEBHOOK_SECRET}/", portal.domain()),
            "dnd",
            "",
        ),
        (
            format!("{}/rest/1/{WEBHOOK_SECRET}x/", portal.base_url()),
            "dnd",
            "",
        ),
        (portal.domain(), "dnd", EXPIRED_TOKEN),
        (
            format!("{}/rest/2/{NO_SCOPE_SECRET}/", portal.base_url()),
            "dnd",
            "",
        ),
    ];
    for (url, status, token) in &refused {
        for (front, text) in every_front(url, status, token) {
            assert!(text.contains("\"error\""), "{url} through {front}: {text}");
            collected.push((format!("{url:.40}… through {front}"), text));
        }
    }
    assert!(collected.len() >= (FaultKind::ALL.len() * 2 + refused.len()) * 5);
    let log = std::fs::read_to_string(sweep_log()).unwrap();
    assert!(
        log.lines().count() >= FaultKind::ALL.len() * 2 * 5,
        "the request log has too few lines:\n{log}"
    );
    collected.push(("the request log".to_owned(), log));
    for (case, text) in &collected {
        for secret in [WEBHOOK_SECRET, APP_TOKEN, EXPIRED_TOKEN, NO_SCOPE_SECRET] {
            assert!(!text.contains(secret), "{case} showed a secret:\n{text}");
        }
    }
    eprintln!(
        "{} error texts and outputs searched, none holds a secret",
        collected.len()
    );
}

/// The new functions' secrets — client secret, authorisation code, refresh
/// token, and the webhook secret and token of CallMethod — in no text of
/// any front, for every fault class and every refused input.
#[test]
fn no_text_of_the_new_functions_holds_a_client_secret_code_or_refresh_token() {
    use support::fronts::{Front, Function, raw};
    const CODE: &str = "c0deTheRedirectBrought5ecret0123";
    const REFRESH: &str = "r3freshT0kenThatMustStay5ecret456";
    const SPECIAL_SECRET: &str = "s3cr+t/with=reserved&chars";
    let fronts = [
        Front::Rust,
        Front::CProgram,
        Front::AddinPlatform,
        Front::Cli,
    ];
    let mut collected: Vec<(String, String)> = Vec::new();
    let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secrets-new-functions.log");
    let _ = std::fs::remove_file(&log);
    let log_setting = [
        ("OPI_BITRIX24_LOG", log.display().to_string()),
        ("OPI_BITRIX24_LOG_LEVEL", "debug".to_owned()),
    ];
    // The fronts of one call run side by side: most faults take the whole
    // time budget to show.
    let mut sweep =
        |case: &str, env: &[(&'static str, String)], calls: &[(Function, Vec<&str>)]| {
            let env = &[env, &log_setting[..]].concat()[..];
            for (function, args) in calls {
                let texts: Vec<(Front, String)> = std::thread::scope(|scope| {
                    let running: Vec<_> = fronts
                        .into_iter()
                        .map(|front| {
                            scope.spawn(move || {
                                let output = raw(front, *function, args, env);
                                (front, format!("{}{}", output.text, output.stderr))
                            })
                        })
                        .collect();
                    running.into_iter().map(|r| r.join().unwrap()).collect()
                });
                for (front, text) in texts {
                    assert!(
                        text.contains("\"error\""),
                        "{case} {function:?} through {front:?}: {text}"
                    );
                    collected.push((format!("{case} {function:?} through {front:?}"), text));
                }
            }
        };
    for kind in FaultKind::ALL {
        let portal = FaultyPortal::start(kind);
        let env = [
            ("OPI_BITRIX24_TIMEOUT", "1.5".to_owned()),
            ("OPI_BITRIX24_ATTEMPTS", "2".to_owned()),
            ("OPI_BITRIX24_RETRY_DELAY", "0.01".to_owned()),
            (
                "OPI_BITRIX24_OAUTH_URL",
                format!("https://{}/", portal.address),
            ),
        ];
        let webhook = portal.webhook_url(WEBHOOK_SECRET);
        sweep(
            &format!("{kind:?}"),
            &env,
            &[
                (Function::GetToken, vec![CLIENT_ID, CLIENT_SECRET, CODE]),
                (
                    Function::RefreshToken,
                    vec![CLIENT_ID, SPECIAL_SECRET, REFRESH],
                ),
                (
                    Function::Call,
                    vec![&webhook, "crm.deal.add", r#"{"fields":{"TITLE":"x"}}"#, ""],
                ),
                (
                    Function::Call,
                    vec![&portal.address, "crm.deal.get", "", APP_TOKEN],
                ),
                (Function::GetUserStatus, vec![&portal.address, APP_TOKEN]),
            ],
        );
    }
    let portal = Portal::start();
    let env = [("OPI_BITRIX24_OAUTH_URL", portal.oauth_url().to_string())];
    let webhook = portal.webhook_url();
    let code_in_secret = format!("{CLIENT_SECRET}\u{1}{CODE}");
    let refresh_with_space = format!("{REFRESH} {REFRESH}");
    let pasted_webhook_as_method = format!("{webhook}crm.deal.add");
    let auth_twice = format!(r#"{{"auth": "{APP_TOKEN}"}}"#);
    sweep(
        "refused",
        &env,
        &[
            (Function::GetToken, vec![CLIENT_ID, &code_in_secret, CODE]),
            (Function::GetToken, vec![CLIENT_ID, "wrong-secret", CODE]),
            (
                Function::RefreshToken,
                vec![CLIENT_ID, CLIENT_SECRET, &refresh_with_space],
            ),
            (
                Function::RefreshToken,
                vec![CLIENT_ID, CLIENT_SECRET, REFRESH],
            ),
            (
                Function::Call,
                vec![&webhook, &pasted_webhook_as_method, "", ""],
            ),
            (
                Function::Call,
                vec![&portal.domain(), "user.current", &auth_twice, APP_TOKEN],
            ),
            (
                Function::Call,
                vec![&portal.domain(), "user.current", "", EXPIRED_TOKEN],
            ),
        ],
    );
    assert!(collected.len() >= (FaultKind::ALL.len() * 5 + 7) * fronts.len());
    let log = std::fs::read_to_string(&log).unwrap();
    for method in [
        "oauth/token",
        "crm.deal.add",
        "crm.deal.get",
        "im.user.status.get",
    ] {
        assert!(
            log.contains(&format!(" {method} attempt=1 status=")),
            "no {method} in the request log:\n{log}"
        );
    }
    collected.push(("the request log".to_owned(), log));
    for (case, text) in &collected {
        for secret in [
            WEBHOOK_SECRET,
            APP_TOKEN,
            EXPIRED_TOKEN,
            CLIENT_SECRET,
            CODE,
            REFRESH,
            SPECIAL_SECRET,
            "s3cr%2Bt",
        ] {
            assert!(!text.contains(secret), "{case} showed a secret:\n{text}");
        }
    }
    eprintln!(
        "{} error texts and outputs of the new functions searched, none holds a secret",
        collected.len()
    );
}

/// A token file's client secret and refresh tokens — the one it held, the
/// ones its renewals got — in no text of any front nor in the request log:
/// through a renewal that works, one the OAuth server refuses, and one that
/// meets every fault class.
#[test]
fn no_text_of_a_call_with_a_token_file_holds_its_client_secret_or_refresh_token() {
    use support::fronts::{Front, Function, raw};
    const SPECIAL_SECRET: &str = "s3cr+t/with=reserved&chars";
    let fronts = [
        Front::Rust,
        Front::CProgram,
        Front::AddinPlatform,
        Front::Cli,
    ];
    let portal = Portal::start();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secrets-token-files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("requests.log");
    let env_with = |oauth: String| {
        vec![
            (
                "SSL_CERT_FILE",
                TestCa::global().pem_path.display().to_string(),
            ),
            ("OPI_BITRIX24_TIMEOUT", "1.5".to_owned()),
            ("OPI_BITRIX24_ATTEMPTS", "2".to_owned()),
            ("OPI_BITRIX24_RETRY_DELAY", "0.01".to_owned()),
            ("OPI_BITRIX24_OAUTH_URL", oauth),
            ("OPI_BITRIX24_LOG", log.display().to_string()),
            ("OPI_BITRIX24_LOG_LEVEL", "debug".to_owned()),
        ]
    };
    let env = env_with(portal.oauth_url().to_string());
    let mut collected: Vec<(String, String)> = Vec::new();
    let mut refresh_tokens: Vec<String> = Vec::new();
    let read = |path: &std::path::Path| parse(&std::fs::read_to_string(path).unwrap());
    // Every front at once; the texts it printed or returned.
    let run = |case: &str,
               env: &[(&'static str, String)],
               function: Function,
               args: &[&str],
               collected: &mut Vec<(String, String)>| {
        let texts: Vec<(Front, String)> = std::thread::scope(|scope| {
            let running: Vec<_> = fronts
                .into_iter()
                .map(|front| {
                    scope.spawn(move || {
                        let output = raw(front, function, args, env);
                        (front, format!("{}{}", output.text, output.stderr))
                    })
                })
                .collect();
            running.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (front, text) in texts {
            collected.push((format!("{case} {function:?} through {front:?}"), text));
        }
    };
    // A file per front, made by each front's GetToken.
    let files: Vec<(Front, String)> = fronts
        .iter()
        .map(|front| {
            (
                *front,
                dir.join(format!("{front:?}.json")).display().to_string(),
            )
        })
        .collect();
    for (front, file) in &files {
        let code = portal.issue_code();
        let made = raw(
            *front,
            Function::GetTokenToFile,
            &[CLIENT_ID, CLIENT_SECRET, &code, file],
            &env,
        );
        collected.push((
            format!("GetToken to a file through {front:?}"),
            made.text + &made.stderr,
        ));
        refresh_tokens.push(
            read(file.as_ref())["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let shared = &files[0].1;
    let token = format!("file:{shared}");
    // Renewed: the call's answer, never the renewal's.
    portal.expire_access_tokens();
    run(
        "renewed",
        &env,
        Function::Call,
        &[portal.base_url(), "server.time", "", &token],
        &mut collected,
    );
    refresh_tokens.push(
        read(shared.as_ref())["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    // Refused: a spent refresh token, then a wrong client secret.
    let spent = read(shared.as_ref())["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = dir.join("spender.json").display().to_string();
    raw(
        Front::Rust,
        Function::RefreshTokenToFile,
        &[CLIENT_ID, CLIENT_SECRET, &spent, &other],
        &env,
    );
    refresh_tokens.push(
        read(other.as_ref())["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    portal.expire_access_tokens();
    run(
        "spent",
        &env,
        Function::GetUserStatus,
        &[portal.base_url(), &token],
        &mut collected,
    );
    let mut wrong = read(shared.as_ref());
    wrong["client_secret"] = SPECIAL_SECRET.into();
    std::fs::write(shared, wrong.to_string()).unwrap();
    let batch = r#"[{"method":"server.time"}]"#;
    run(
        "wrong secret",
        &env,
        Function::Batch,
        &[portal.base_url(), batch, "false", &token],
        &mut collected,
    );
    // Every fault class at the OAuth server, with a file whose pair is good.
    let (_, good) = &files[1];
    let good_token = format!("file:{good}");
    for kind in support::faults::FaultKind::ALL {
        let faulty = support::faults::FaultyPortal::start(kind);
        let env = env_with(format!("https://{}/", faulty.address));
        portal.expire_access_tokens();
        run(
            &format!("{kind:?}"),
            &env,
            Function::Call,
            &[portal.base_url(), "server.time", "", &good_token],
            &mut collected,
        );
    }
    assert!(collected.len() >= (3 + FaultKind::ALL.len()) * fronts.len() + fronts.len());
    for (case, text) in &collected {
        // What each case must show: it ran as meant.
        let expected: &[&str] = match case.split(' ').next().unwrap_or_default() {
            "GetToken" => &["access_token"],
            "renewed" => &["\"result\""],
            "spent" => &["invalid_grant"],
            "wrong" => &["invalid_client"],
            _ => &["\"error\""],
        };
        assert!(expected.iter().all(|e| text.contains(e)), "{case}: {text}");
        if matches!(case.split(' ').next(), Some("GetToken" | "renewed")) {
            assert!(!text.contains("\"error\""), "{case}: {text}");
        }
    }
    if let Ok(log) = std::fs::read_to_string(&log) {
        collected.push(("the request log".to_owned(), log));
    }
    for (case, text) in &collected {
        for secret in refresh_tokens.iter().map(String::as_str).chain([
            CLIENT_SECRET,
            SPECIAL_SECRET,
            "s3cr%2Bt",
        ]) {
            assert!(!text.contains(secret), "{case} showed a secret:\n{text}");
        }
    }
    eprintln!(
        "{} texts of calls with token files searched, none holds a secret",
        collected.len()
    );
}

/// Credentials put where another argument goes — a BSL caller who leaves
/// out an optional argument shifts the token into the next parameter —:
/// the webhook secret, an OAuth token, and one that is not base64 either.
const MISPLACED: [&str; 3] = [
    WEBHOOK_SECRET,
    "adf89366006e9f06006b12e40000000100000000000000000000000000000000",
    "adf89366006e9f06006b12e400000001000000000000000000000000000000000000a1",
];

/// A value each kind of parameter takes, so that only the parameter under
/// test can be refused; the address is a portal that refuses connections.
fn a_valid(kind: opi_bitrix24::functions::Kind) -> serde_json::Value {
    use opi_bitrix24::functions::Kind;
    match kind {
        Kind::Url => "http://127.0.0.1:1/rest/1/plain/".into(),
        Kind::Token => "".into(),
        Kind::String => "1".into(),
        Kind::Collection => serde_json::json!({"TITLE": "a"}),
        Kind::Array => serde_json::json!([1]),
        Kind::Yn | Kind::Boolean => false.into(),
        Kind::Date | Kind::DateZ | Kind::Day => "2024-01-01".into(),
        Kind::Files => serde_json::json!({"a.txt": "aGVsbG8="}),
        Kind::File => "aGVsbG8=".into(),
    }
}

/// No argument's value that could be a credential is echoed (docs/calls.md):
/// each of [`MISPLACED`] in each parameter of every function, through the
/// Rust API — the refusals name the parameter and the value's length —;
/// then the refusals of a file, a boolean and a date through oint and the C
/// ABI, and a misplaced name; and the refusals of a status, a batch
/// command's key and a key given twice.
#[test]
fn no_refusal_of_a_function_echoes_a_value_that_could_be_a_credential() {
    use opi_bitrix24::functions;
    use support::fronts::{Front, Function, invoke};
    let client = test_client(Config {
        attempts: 1,
        oauth_url: url::Url::parse("http://127.0.0.1:1/").unwrap(),
        ..Config::default()
    });
    let (mut told_by_length, mut searched) = (0, 0);
    for function in functions::functions() {
        for (at, param) in function.params.iter().enumerate() {
            for misplaced in MISPLACED {
                let mut args = serde_json::Map::new();
                for (other, p) in function.params.iter().enumerate() {
                    let value = match other == at {
                        true => misplaced.into(),
                        false => a_valid(p.kind),
                    };
                    args.insert(p.name.to_owned(), value);
                }
                let answer = client.run_function(function.name, &args);
                let text = answer.json();
                if !answer.is_error() {
                    continue; // an offline function's value, or the portal's
                }
                searched += 1;
                assert!(
                    !text.contains(misplaced),
                    "{}({}) showed it: {text}",
                    function.name,
                    param.name
                );
                // A refusal that shows the value tells it by its length.
                let length = format!("<a value of {} characters>", misplaced.len());
                if answer.error_code() == Some("OPI_INVALID_ARGUMENT")
                    && text.contains(&format!("{} (--{}) ", param.name, param.option))
                    && text.contains(&length)
                {
                    told_by_length += 1;
                }
            }
        }
    }
    // Booleans, Y/N, dates, files: 81 as the table stands.
    assert!(
        told_by_length >= 60,
        "only {told_by_length} refusals told a value by its length"
    );
    let picture = client.run_function(
        "ChangeChatPicture",
        serde_json::json!({"URL": "http://127.0.0.1:1/rest/1/plain/", "ChatID": 1, "Image": MISPLACED[2]})
            .as_object()
            .unwrap(),
    );
    assert_eq!(
        parse(picture.json())["error_description"],
        "ChangeChatPicture: Image (--picture) is neither an existing file nor base64: <a value of 70 characters>"
    );

    // The calls of our own word their refusals by the same rule.
    let url = "http://127.0.0.1:1/rest/1/plain/";
    let code = MISPLACED[0];
    for (answer, says) in [
        (
            client.set_user_status(url, MISPLACED[1], ""),
            "Status <a value of 64 characters> is not allowed",
        ),
        (
            client.batch(
                url,
                &format!(r#"{{"{code}": {{"params": {{}}}}}}"#),
                false,
                "",
            ),
            "command <a value of 16 characters>: it has no \"method\"",
        ),
        (
            client.call_json(
                url,
                "crm.deal.add",
                &format!(r#"{{"{code}": 1, "{code}": 2}}"#),
                "",
            ),
            "the key <a value of 16 characters> is given twice",
        ),
    ] {
        let answer = parse(answer.json());
        let description = answer["error_description"].as_str().unwrap_or_default();
        assert!(description.contains(says), "{description}");
    }
    let mut through_fronts = 0;
    for (function, args) in [
        (
            "ChangeChatPicture",
            serde_json::json!({"url": url, "chat": 1, "picture": MISPLACED[2]}),
        ),
        (
            "UploadFileToFolder",
            serde_json::json!({"url": url, "title": "a.txt", "file": MISPLACED[2], "folderid": 1}),
        ),
        (
            "CreatePost",
            serde_json::json!({"url": url, "text": "a", "important": MISPLACED[1]}),
        ),
        (
            "GetUserBusy",
            serde_json::json!({"url": url, "users": 1, "from": MISPLACED[0], "to": "2024-01-01"}),
        ),
        (MISPLACED[0], serde_json::json!({"url": url})),
        ("GetTask", serde_json::json!({"url": url, MISPLACED[1]: 1})),
    ] {
        for front in [Front::Cli, Front::CAbi] {
            let answer = invoke(front, Function::RunFunction, &[function, &args.to_string()]);
            assert_eq!(
                answer["error"], "OPI_INVALID_ARGUMENT",
                "{front:?}: {answer}"
            );
            let text = answer.to_string();
            for misplaced in MISPLACED {
                assert!(!text.contains(misplaced), "{front:?} showed it: {text}");
            }
            assert!(text.contains("<a value of "), "{front:?}: {text}");
            through_fronts += 1;
        }
    }
    eprintln!(
        "{searched} errors through the Rust API ({told_by_length} telling the value by its length) and {through_fronts} through oint and the C ABI searched, none echoes a credential"
    );
}
