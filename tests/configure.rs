//! Configure (docs/configuration.md#configure): the settings of the process
//! changed for the calls that start after it — the request log turned on
//! and off, a timeout, only what it names, over the environment —; an
//! unknown variable or a bad value refused in the words the environment's
//! gets, with nothing changed; a bad environment fixed; every setting taken
//! with its default and refused as the environment refuses it; the same
//! answers on every front, and the next call of the C program and the
//! add-in running with what it set.
//!
//! Configure changes the settings of this whole process, so every test here
//! takes its turn (`fresh`) and starts from the environment's settings;
//! nextest runs each in a process of its own anyway.

use opi_test_support as support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use opi_bitrix24::{Answer, Client, Config};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::fronts::{FRONTS, Front, Function, environment, invoke, shared_portal};
use support::*;

/// This test's turn at the process's settings, which are then the
/// environment's ([`environment`]: the test CA, the shared portal's OAuth
/// server, quick retries), whatever an earlier test configured.
fn fresh() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    environment();
    let as_the_environment: serde_json::Map<String, Value> = Config::settings()
        .iter()
        .map(|setting| {
            let text = std::env::var(setting.variable).unwrap_or_default();
            (setting.variable.to_owned(), text.into())
        })
        .collect();
    let answer = configure(&Value::Object(as_the_environment).to_string());
    assert!(answer.get("result").is_some(), "{answer}");
    turn
}

/// Configure through the facade, its answer parsed.
fn configure(settings: &str) -> Value {
    parse(opi_bitrix24::configure(settings).json())
}

/// The settings in force, as Configure answers them.
fn in_force() -> Value {
    configure("")
}

/// The answer every call gets while the environment has `variable` at
/// `text`, the other settings as this process's environment has them.
fn refused_by_the_environment(variable: &str, text: &str) -> Value {
    let error = Config::from_vars(|name| match name == variable {
        true => Some(text.to_owned()),
        false => std::env::var(name).ok(),
    })
    .and_then(Client::new)
    .expect_err("a bad value");
    parse(Answer::from(error).json())
}

/// A log file of this test process's own, not there yet.
fn log_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("configure");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// The request lines of a log file (none when there is no file).
fn logged(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert_no_secret(&text);
    text.lines().map(str::to_owned).collect()
}

fn status_of_the_shared_portal() -> Answer {
    opi_bitrix24::get_user_status(&shared_portal().webhook_url(), "")
}

#[test]
fn configure_turns_the_log_on_for_the_next_call_and_off_again() {
    let _turn = fresh();
    let path = log_path("on-and-off");
    let before = status_of_the_shared_portal();
    assert!(!before.is_error(), "{}", before.json());
    assert_eq!(logged(&path).len(), 0, "no log yet");

    let on = configure(&json!({"OPI_BITRIX24_LOG": path}).to_string());
    assert_eq!(on["result"]["OPI_BITRIX24_LOG"], path.display().to_string());
    let answer = status_of_the_shared_portal();
    assert!(!answer.is_error(), "{}", answer.json());
    let lines = logged(&path);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(" im.user.status.get attempt=1 status=200 "),
        "{lines:?}"
    );

    // "" is the default: no log, whatever the environment says.
    let off = configure(r#"{"OPI_BITRIX24_LOG": ""}"#);
    assert_eq!(off["result"]["OPI_BITRIX24_LOG"], "");
    assert!(!status_of_the_shared_portal().is_error());
    assert_eq!(logged(&path).len(), 1, "the log is off again");
}

#[test]
fn configure_changes_what_it_names_over_the_environment_and_earlier_configures() {
    let _turn = fresh();
    // The environment's, from support::fronts::environment.
    assert_eq!(in_force()["result"]["OPI_BITRIX24_RETRY_DELAY"], "0.01");

    let first = configure(r#"{"OPI_BITRIX24_TIMEOUT": 30}"#);
    assert_eq!(first["result"]["OPI_BITRIX24_TIMEOUT"], "30", "{first}");
    assert_eq!(first["result"]["OPI_BITRIX24_ATTEMPTS"], "5");
    assert_eq!(first["result"]["OPI_BITRIX24_RETRY_DELAY"], "0.01");
    assert_eq!(
        Client::shared().unwrap().config().timeout,
        Duration::from_secs(30)
    );

    let second = configure(r#"{"OPI_BITRIX24_ATTEMPTS": "2"}"#);
    assert_eq!(second["result"]["OPI_BITRIX24_TIMEOUT"], "30", "kept");
    assert_eq!(second["result"]["OPI_BITRIX24_ATTEMPTS"], "2");
    assert_eq!(in_force(), second, "empty settings change nothing");
    assert_eq!(configure("{}"), second);

    let reset = configure(r#"{"OPI_BITRIX24_RETRY_DELAY": ""}"#);
    assert_eq!(
        reset["result"]["OPI_BITRIX24_RETRY_DELAY"], "0.5",
        "the default over the environment's"
    );

    // A call running on the client in force keeps it; the next ones get the new one.
    let held = Client::shared().unwrap();
    configure(r#"{"OPI_BITRIX24_TIMEOUT": "40"}"#);
    assert_eq!(held.config().timeout, Duration::from_secs(30));
    let now = Client::shared().unwrap();
    assert_eq!(now.config().timeout, Duration::from_secs(40));
    assert_eq!(now.config().attempts, 2);
    // Settings as they are keep the client, and its connections.
    configure(r#"{"OPI_BITRIX24_TIMEOUT": "40.0", "OPI_BITRIX24_ATTEMPTS": 2}"#);
    assert!(Arc::ptr_eq(&now, &Client::shared().unwrap()));
}

#[test]
fn unknown_variables_and_bad_values_are_refused_as_the_environment_is_and_nothing_changes() {
    let _turn = fresh();
    let path = log_path("kept");
    let never = log_path("never");
    let settings = json!({"OPI_BITRIX24_LOG": path, "OPI_BITRIX24_TIMEOUT": "30"});
    let before = configure(&settings.to_string());
    assert!(before.get("result").is_some(), "{before}");

    let refusal = |description: &str| json!({"error": "OPI_INVALID_ARGUMENT", "error_description": description});
    for (settings, expected) in [
        (
            json!({"OPI_BITRIX24_TIMEOUTS": "5"}).to_string(),
            refusal("there is no setting OPI_BITRIX24_TIMEOUTS; docs/configuration.md lists them"),
        ),
        (
            json!({"OPI_BITRIX24_TIMEOUT": "abc"}).to_string(),
            refused_by_the_environment("OPI_BITRIX24_TIMEOUT", "abc"),
        ),
        // All or nothing: the good setting beside the bad one is not taken.
        (
            json!({"OPI_BITRIX24_LOG": never, "OPI_BITRIX24_ATTEMPTS": "11"}).to_string(),
            refused_by_the_environment("OPI_BITRIX24_ATTEMPTS", "11"),
        ),
        (
            json!({"OPI_BITRIX24_ATTEMPTS": "2", "OPI_BITRIX24_LOG": "/nonexistent-folder/request.log"})
                .to_string(),
            refused_by_the_environment("OPI_BITRIX24_LOG", "/nonexistent-folder/request.log"),
        ),
        (
            json!({"OPI_BITRIX24_LOG_LEVEL": ["debug"]}).to_string(),
            refusal("OPI_BITRIX24_LOG_LEVEL must be given as text (or a number); it is an array"),
        ),
        (
            r#"{"OPI_BITRIX24_ATTEMPTS": "2", "OPI_BITRIX24_ATTEMPTS": "3"}"#.to_owned(),
            refusal("Settings: 'OPI_BITRIX24_ATTEMPTS' is given twice; give each setting once"),
        ),
        (
            "[]".to_owned(),
            refusal(
                "Settings must be a JSON object of variable → value, such as {\"OPI_BITRIX24_TIMEOUT\": \"30\"}; they are an array",
            ),
        ),
    ] {
        assert_eq!(configure(&settings), expected, "{settings}");
        assert_eq!(in_force(), before, "{settings} changed the settings");
    }
    let not_json = configure("OPI_BITRIX24_TIMEOUT=30");
    assert_eq!(not_json["error"], "OPI_INVALID_ARGUMENT");
    assert!(
        not_json["error_description"]
            .as_str()
            .unwrap()
            .starts_with("Settings are not valid JSON: "),
        "{not_json}"
    );
    assert_eq!(in_force(), before);

    // The next call runs with the settings from before the refusals.
    assert!(!status_of_the_shared_portal().is_error());
    assert_eq!(logged(&path).len(), 1);
    assert!(!never.exists(), "a refused Configure opened its log");
}

/// A bad value in the environment refuses every call, Configure included
/// while it does not name it; one that fixes it makes calls work.
#[test]
fn a_bad_environment_refuses_every_call_until_configure_fixes_it() {
    let webhook = shared_portal().webhook_url();
    let run = |args: &[&str]| -> Vec<Value> {
        let output = Command::new(c_test_program())
            .args(args)
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .env("OPI_BITRIX24_TIMEOUT", "abc")
            .output()
            .unwrap();
        successful_stdout(&output).lines().map(parse).collect()
    };
    let refused = refused_by_the_environment("OPI_BITRIX24_TIMEOUT", "abc");
    assert_eq!(
        run(&["invoke", "get_user_status", &webhook, ""]),
        std::slice::from_ref(&refused)
    );
    assert_eq!(
        run(&[
            "configure",
            r#"{"OPI_BITRIX24_ATTEMPTS": "2"}"#,
            "get_user_status",
            &webhook,
            ""
        ]),
        [refused.clone(), refused]
    );
    let fixed = run(&[
        "configure",
        r#"{"OPI_BITRIX24_TIMEOUT": "30"}"#,
        "get_user_status",
        &webhook,
        "",
    ]);
    assert_eq!(
        fixed[0]["result"]["OPI_BITRIX24_TIMEOUT"], "30",
        "{fixed:?}"
    );
    assert!(fixed[1].get("error").is_none(), "{fixed:?}");
    assert!(fixed[1].get("result").is_some(), "{fixed:?}");
}

/// The same refusals, in the same words, through the Rust API, the C ABI,
/// the C program and both add-in hosts — and `oint`, whose settings are its
/// environment, refuses a bad value there in them too; a good Configure
/// answers the same settings everywhere.
#[test]
fn every_front_answers_configure_alike() {
    let _turn = fresh();
    let unknown = json!({"OPI_BITRIX24_TIMEOUTS": "5"}).to_string();
    for (settings, variable, text) in [
        (unknown.as_str(), "", ""),
        (
            r#"{"OPI_BITRIX24_TIMEOUT": "abc"}"#,
            "OPI_BITRIX24_TIMEOUT",
            "abc",
        ),
        (
            r#"{"OPI_BITRIX24_LOG_LEVEL": "verbose"}"#,
            "OPI_BITRIX24_LOG_LEVEL",
            "verbose",
        ),
        (
            r#"{"OPI_BITRIX24_RATE_LIMIT": "10/0"}"#,
            "OPI_BITRIX24_RATE_LIMIT",
            "10/0",
        ),
    ] {
        let expected = match variable {
            "" => configure(settings),
            variable => refused_by_the_environment(variable, text),
        };
        assert_eq!(expected["error"], "OPI_INVALID_ARGUMENT", "{expected}");
        for front in FRONTS {
            // The environment has no unknown variables: oint leaves them be.
            if front == Front::Cli && variable.is_empty() {
                continue;
            }
            let answer = invoke(front, Function::Configure, &[settings]);
            assert_eq!(answer, expected, "{front:?} {settings}");
        }
    }
    let good = r#"{"OPI_BITRIX24_TIMEOUT": "30", "OPI_BITRIX24_LOG_LEVEL": "warn"}"#;
    let expected = configure(good);
    assert_eq!(expected["result"]["OPI_BITRIX24_TIMEOUT"], "30");
    for front in FRONTS.into_iter().filter(|front| *front != Front::Cli) {
        assert_eq!(
            invoke(front, Function::Configure, &[good]),
            expected,
            "{front:?}"
        );
    }
}

/// The C program's and the add-in's next call, in the same process, runs
/// with what their Configure set: each writes the log it named.
#[test]
fn the_next_call_of_the_c_program_and_the_add_in_runs_with_what_configure_set() {
    let webhook = shared_portal().webhook_url();
    let path = log_path("c-program");
    let settings = json!({"OPI_BITRIX24_LOG": path}).to_string();
    let output = Command::new(c_test_program())
        .args(["configure", &settings, "get_user_status", &webhook, ""])
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .output()
        .unwrap();
    let answers: Vec<Value> = successful_stdout(&output).lines().map(parse).collect();
    assert_eq!(
        answers[0]["result"]["OPI_BITRIX24_LOG"],
        path.display().to_string()
    );
    assert!(answers[1].get("result").is_some(), "{answers:?}");
    assert_eq!(logged(&path).len(), 1, "the C program's call");

    let path = log_path("add-in");
    let settings = json!({"OPI_BITRIX24_LOG": path}).to_string();
    let stdout = host_stdout(&run_host(Host::Linux, &["configure", &settings, &webhook]));
    let results = host_results(&stdout);
    assert_eq!(results[0].0, "configure");
    assert_eq!(
        results[0].1["result"]["OPI_BITRIX24_LOG"],
        path.display().to_string()
    );
    assert_eq!(results[1].0, "next");
    assert!(results[1].1.get("result").is_some(), "{stdout}");
    let lines = logged(&path);
    assert_eq!(lines.len(), 1, "the add-in's call: {lines:?}");
    assert!(lines[0].contains(" im.user.status.get attempt=1 status=200 "));
}

/// A bad value of every setting, and the settings it covers.
const BAD_VALUES: [(&str, &str); 12] = [
    ("OPI_BITRIX24_CONNECT_TIMEOUT", "0"),
    ("OPI_BITRIX24_TIMEOUT", "abc"),
    ("OPI_BITRIX24_READ_TIMEOUT", "-1"),
    ("OPI_BITRIX24_ATTEMPTS", "11"),
    ("OPI_BITRIX24_RETRY_DELAY", "61"),
    ("OPI_BITRIX24_CA_FILE", "/nonexistent-folder/ca.pem"),
    ("OPI_BITRIX24_RATE_LIMIT", "fast"),
    ("OPI_BITRIX24_OPERATING_LIMIT", "601"),
    ("OPI_BITRIX24_OAUTH_URL", "ftp://oauth.example/"),
    ("OPI_BITRIX24_LOG", "/nonexistent-folder/request.log"),
    ("OPI_BITRIX24_LOG_LEVEL", "trace"),
    ("OPI_BITRIX24_FILES", "relative/folder"),
];

/// Every setting of `Config::settings()` is taken with its default's text
/// (and with "", the default) and answered with it; a bad value of each is
/// refused in the words every call gets while the environment has it, and
/// changes nothing.
#[test]
fn every_setting_is_taken_with_its_default_and_refused_as_the_environment_refuses_it() {
    let _turn = fresh();
    let settings = Config::settings();
    let mut covered: Vec<&str> = BAD_VALUES.iter().map(|(variable, _)| *variable).collect();
    let mut variables: Vec<&str> = settings.iter().map(|s| s.variable).collect();
    covered.sort_unstable();
    variables.sort_unstable();
    assert_eq!(
        covered, variables,
        "BAD_VALUES has a bad value of every setting"
    );
    let defaults = Config::default().values();
    for setting in &settings {
        let variable = setting.variable;
        let (_, default) = defaults.iter().find(|(v, _)| *v == variable).unwrap();
        // A default that is a value is the documented one; the others
        // (no read timeout of its own, no CA file, …) read "".
        if !default.is_empty() {
            assert_eq!(*default, setting.default, "{variable}");
        }
        for text in [default.as_str(), ""] {
            let answer = configure(&json!({ variable: text }).to_string());
            assert_eq!(
                answer["result"][variable],
                default.as_str(),
                "{variable}={text:?}: {answer}"
            );
            assert_eq!(in_force()["result"][variable], default.as_str(), "in force");
        }
        let (_, bad) = BAD_VALUES.iter().find(|(v, _)| *v == variable).unwrap();
        let before = in_force();
        assert_eq!(
            configure(&json!({ variable: bad }).to_string()),
            refused_by_the_environment(variable, bad),
            "{variable}={bad}"
        );
        assert_eq!(in_force(), before, "{variable}={bad} changed the settings");
    }
}

/// The settings whose text names no file: any text of them is tried.
const TEXT_SETTINGS: [&str; 9] = [
    "OPI_BITRIX24_CONNECT_TIMEOUT",
    "OPI_BITRIX24_TIMEOUT",
    "OPI_BITRIX24_READ_TIMEOUT",
    "OPI_BITRIX24_ATTEMPTS",
    "OPI_BITRIX24_RETRY_DELAY",
    "OPI_BITRIX24_RATE_LIMIT",
    "OPI_BITRIX24_OPERATING_LIMIT",
    "OPI_BITRIX24_OAUTH_URL",
    "OPI_BITRIX24_LOG_LEVEL",
];

fn setting_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,16}",
        "[0-9. eE+-]{1,8}",
        any::<f64>().prop_map(|n| n.to_string()),
        "(auto|standard|enterprise|off|[0-9]{1,6}/[0-9.]{1,6})",
        "(https?|ftp)://[a-z.:@]{1,12}/[a-z?=]{0,6}",
        "(error|warn|info|debug|off|trace|INFO)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Configure takes any text of a setting exactly as the environment
    /// does — refused in the same words, or set to the same value — but
    /// blank text, which is the default.
    #[test]
    fn configure_takes_any_text_as_the_environment_does(
        which in 0..TEXT_SETTINGS.len(),
        text in setting_text(),
    ) {
        let _turn = fresh();
        let variable = TEXT_SETTINGS[which];
        let answer = configure(&json!({ variable: text }).to_string());
        let lookup = |name: &str| match name == variable {
            true => Some(text.clone()),
            false => std::env::var(name).ok(),
        };
        match Config::from_vars(lookup) {
            _ if text.trim().is_empty() => {
                let default = Config::default().values();
                let (_, default) = default.iter().find(|(v, _)| *v == variable).unwrap();
                prop_assert_eq!(&answer["result"][variable], default.as_str());
            }
            Ok(config) => {
                let values = config.values();
                let (_, set) = values.iter().find(|(v, _)| *v == variable).unwrap();
                prop_assert_eq!(&answer["result"][variable], set.as_str(), "{}", answer);
                prop_assert_eq!(&in_force()["result"][variable], set.as_str(), "in force");
            }
            Err(error) => {
                prop_assert_eq!(answer, parse(Answer::from(error).json()));
            }
        }
    }
}
