//! OpenIntegrations' own documentation, run as written: the CLI example of
//! each of its 179 Bitrix24 functions (tests/functions/opi-cli-examples.txt,
//! with where each comes from) runs through `oint` against the portal
//! emulator with only the portal's address and the credentials replaced,
//! ends with exit code 0, calls the REST method of OpenIntegrations' source
//! and sends what the library builds from the same arguments written as
//! JSON. Then the values of a few pages' 1C examples, through every front.

use opi_test_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;

use opi_bitrix24::functions::{self, Function as OpiFunction};
use opi_bitrix24::{Client, Config, Pacing};
use serde_json::{Map, Value, json};
use support::fronts::{FRONTS, Function, invoke};
use support::{APP_TOKEN, CLIENT_ID, CLIENT_SECRET, Portal, PortalOptions, Recorded, TestCa};

/// The portal address and webhook OpenIntegrations' examples call.
const THEIR_PORTAL: &str = "\"b24-ar17wx.bitrix24.by\"";
const THEIR_WEBHOOK: &str = "\"https://b24-ar17wx.bitrix24.by/rest/1/***\"";

/// One line of the fixture.
struct Example {
    line: usize,
    function: &'static OpiFunction,
    entry: Map<String, Value>,
}

impl Example {
    fn text(&self, key: &str) -> &str {
        self.entry
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// What the example is, for a failure.
    fn named(&self) -> String {
        format!(
            "opi-cli-examples.txt:{} {} ({})",
            self.line,
            self.function.name,
            self.text("page")
        )
    }
}

fn examples() -> Vec<Example> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functions/opi-cli-examples.txt");
    let text = std::fs::read_to_string(path).expect("the fixture");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let entry: Map<String, Value> =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", index + 1));
            let name = entry["function"].as_str().expect("a function");
            Example {
                line: index + 1,
                function: functions::find(name)
                    .filter(|f| f.name == name)
                    .unwrap_or_else(|| panic!("line {}: no function {name}", index + 1)),
                entry,
            }
        })
        .collect()
}

/// The words of a command line as a POSIX shell splits it: bare words,
/// "double-quoted" and 'single-quoted' parts. A `\`, `$` or backquote
/// inside double quotes, which a shell would treat specially, is refused
/// here rather than read otherwise than the shell would.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            match c {
                '"' => loop {
                    match chars.next().expect("a closing double quote") {
                        '"' => break,
                        c @ ('\\' | '$' | '`') => panic!("{c} in double quotes: {line}"),
                        c => word.push(c),
                    }
                },
                '\'' => word.extend(chars.by_ref().take_while(|&c| c != '\'')),
                '\\' | '$' | '`' | ';' | '&' | '|' | '<' | '>' => {
                    panic!("{c} outside quotes: {line}")
                }
                c => word.push(c),
            }
        }
        words.push(word);
    }
    words
}

#[test]
fn shell_words_are_split_as_a_shell_splits_them() {
    assert_eq!(
        shell_words(r#"oint bitrix24 X --a "b c" --d 'e "f"' --g "{'h':'i j'}"x"#),
        [
            "oint",
            "bitrix24",
            "X",
            "--a",
            "b c",
            "--d",
            "e \"f\"",
            "--g",
            "{'h':'i j'}x"
        ]
    );
}

/// The files the examples name, made in a folder of their own.
fn files_folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opi-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("picture.jpg", &b"\xff\xd8\xff\xe0 a picture"[..]),
        ("picture2.jpg", b"\xff\xd8\xff\xe0 another picture"),
        ("document.docx", b"PK\x03\x04 a document"),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

/// The test portal, and the OAuth credentials its server takes.
struct Test {
    portal: Portal,
    client: Client,
    dir: PathBuf,
}

impl Test {
    fn new() -> Test {
        let portal = Portal::with(PortalOptions {
            bucket: None,
            echo_unknown: true,
            ..PortalOptions::default()
        });
        let client = support::test_client(Config {
            oauth_url: portal.oauth_url(),
            pacing: Pacing::Off,
            ..Config::default()
        });
        Test {
            portal,
            client,
            dir: files_folder(),
        }
    }

    /// `text` with the fixture's placeholders filled: a fresh code and
    /// refresh token from the portal's OAuth server for each use.
    fn filled(&self, text: &str) -> String {
        let mut text = text
            .replace("{dir}", &self.dir.display().to_string())
            .replace("{client_id}", CLIENT_ID)
            .replace("{client_secret}", CLIENT_SECRET);
        if text.contains("{code}") {
            text = text.replace("{code}", &self.portal.issue_code());
        }
        if text.contains("{refresh}") {
            let code = self.portal.issue_code();
            let tokens = self.client.get_token(CLIENT_ID, CLIENT_SECRET, &code);
            let tokens: Value = serde_json::from_str(tokens.json()).unwrap();
            let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
            text = text.replace("{refresh}", refresh);
        }
        text
    }

    /// The example's command line as the test runs it: the `replace`
    /// pairs, then the portal's address and token.
    fn command_line(&self, example: &Example) -> String {
        let mut cli = example.text("cli").to_owned();
        for pair in example
            .entry
            .get("replace")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (from, to) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            assert!(cli.contains(from), "{}: no {from}", example.named());
            cli = cli.replace(from, &self.filled(to));
        }
        if example.function.is_offline() {
            return cli;
        }
        cli.replace(
            &format!("--url {THEIR_PORTAL}"),
            &format!("--url \"{}\"", self.portal.base_url()),
        )
        .replace(
            &format!("--url {THEIR_WEBHOOK}"),
            &format!("--url \"{}\"", self.portal.webhook_url()),
        )
        .replace("--token \"***\"", &format!("--token \"{APP_TOKEN}\""))
    }

    /// The fixture's `args` as the library takes them: placeholders
    /// filled, the portal's address and token as in [`Test::command_line`].
    fn args(&self, example: &Example) -> Map<String, Value> {
        let mut args = example.entry["args"].as_object().cloned().expect("args");
        for value in args.values_mut() {
            *value = self.filled_value(value);
        }
        if !example.function.is_offline() {
            for (key, value) in args.iter_mut() {
                *value = match (key.as_str(), value.as_str()) {
                    ("url", Some("https://b24-ar17wx.bitrix24.by/rest/1/***")) => {
                        json!(self.portal.webhook_url())
                    }
                    ("url", Some("b24-ar17wx.bitrix24.by")) => json!(self.portal.base_url()),
                    ("token", Some("***")) => json!(APP_TOKEN),
                    _ => continue,
                };
            }
        }
        args
    }

    fn filled_value(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.filled(text)),
            Value::Array(items) => items.iter().map(|v| self.filled_value(v)).collect(),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), self.filled_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// What the portal received while `run` ran.
    fn received(&self, run: impl FnOnce() -> String) -> (String, Vec<Recorded>) {
        let before = self.portal.requests().len();
        let output = run();
        (output, self.portal.requests()[before..].to_vec())
    }
}

/// A request's REST method (or `oauth/token` for a grant; a form posted to
/// an upload address is the emulator's `upload.json`) and its JSON body.
fn call_of(request: &Recorded) -> (String, Value) {
    let path = request.path();
    let method = match path.trim_end_matches('/').rsplit('/').next().unwrap() {
        _ if path == "/oauth/token/" => "oauth/token".to_owned(),
        method => method.to_lowercase(),
    };
    (method, request.json_body())
}

#[test]
fn every_documented_cli_example_runs_and_sends_the_method_of_openintegrations_source() {
    let test = Test::new();
    let examples = examples();
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for example in &examples {
        let function = example.function;
        seen.push(function.name);
        let named = example.named();
        // The fixture's method is the source's, which our table row holds.
        let method = example.text("method");
        if method != function.method {
            failures.push(format!(
                "{named}: method {method:?}, the table says {:?}",
                function.method
            ));
        }
        let cli = test.command_line(example);
        if !function.is_offline() && cli.contains("b24-ar17wx") {
            failures.push(format!(
                "{named}: the portal address was not replaced: {cli}"
            ));
            continue;
        }
        let words = shell_words(&cli);
        assert_eq!(words[..2], ["oint", "bitrix24"], "{named}");
        let (stdout, sent) = test.received(|| {
            let output = Command::new(support::target_dir().join("oint"))
                .args(&words[1..])
                .current_dir(&test.dir)
                .env("SSL_CERT_FILE", &TestCa::global().pem_path)
                .env("OPI_BITRIX24_OAUTH_URL", test.portal.oauth_url().as_str())
                .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
                .output()
                .expect("oint runs");
            if output.status.code() != Some(0) {
                failures.push(format!(
                    "{named}: exit {:?}\n  {cli}\n  {}{}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            String::from_utf8_lossy(&output.stdout).into_owned()
        });
        let sent: Vec<(String, Value)> = sent.iter().map(call_of).collect();
        let expected_first = match function.method {
            "" => None,
            "oauth/token" => Some("oauth/token".to_owned()),
            method => Some(method.to_lowercase()),
        };
        if sent.first().map(|(m, _)| m.clone()) != expected_first {
            failures.push(format!(
                "{named}: sent {:?}, expected {expected_first:?} first",
                sent.iter().map(|(m, _)| m).collect::<Vec<_>>()
            ));
            continue;
        }
        // The same arguments, each structure as JSON, through the library.
        let args = test.args(example);
        let (answer, expected) = test.received(|| {
            test.client
                .run_function(function.name, &args)
                .json()
                .to_owned()
        });
        let expected: Vec<(String, Value)> = expected.iter().map(call_of).collect();
        let same = match function.method {
            // A grant's query holds a code of its own, used once.
            "oauth/token" => sent.len() == expected.len(),
            _ => sent == expected,
        };
        if !same {
            failures.push(format!(
                "{named}: oint sent\n    {sent:?}\n  the same arguments as JSON\n    {expected:?}"
            ));
        }
        if function.returns_value() {
            let answer: Value = serde_json::from_str(&answer).unwrap();
            let printed = match &answer["result"] {
                Value::String(text) => stdout.trim_end() == text,
                result => serde_json::from_str::<Value>(&stdout).ok().as_ref() == Some(result),
            };
            if !printed {
                failures.push(format!(
                    "{named}: printed {stdout}, the library answers {answer}"
                ));
            }
        }
    }
    // OpenIntegrations' functions, each documented on its pages; our own
    // (the events') are not there.
    let missing: Vec<&str> = functions::functions()
        .iter()
        .filter(|f| !f.is_ours())
        .map(|f| f.name)
        .filter(|name| seen.iter().filter(|seen| *seen == name).count() != 1)
        .collect();
    assert!(
        failures.is_empty() && missing.is_empty() && examples.len() == 179,
        "{} of {} examples failed:\n{}\nfunctions without exactly one example: {missing:?}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn the_1c_examples_values_send_the_same_request_on_every_front() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        echo_unknown: true,
        frozen_clock: Some(support::FROZEN_CLOCK),
        ..PortalOptions::default()
    });
    let examples = examples();
    let with_values: Vec<&Example> = examples
        .iter()
        .filter(|e| e.entry.contains_key("bsl_args"))
        .collect();
    assert!(with_values.len() >= 5, "a handful of pages' 1C values");
    for example in with_values {
        let function = example.function;
        // By CLI option, as every front takes them.
        let mut args: Map<String, Value> = example.entry["bsl_args"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| {
                let (_, param) = function.param(name).expect("a parameter of the function");
                (param.option.to_owned(), value.clone())
            })
            .collect();
        args.insert("url".into(), json!(portal.webhook_url()));
        let args = Value::Object(args).to_string();
        // The bodies; the answers may differ (CreateDeal's is a new ID).
        let mut first: Option<Vec<Vec<u8>>> = None;
        for front in FRONTS {
            let before = portal.requests().len();
            let answer = invoke(front, Function::RunFunction, &[function.name, &args]);
            let sent = portal.requests()[before..].to_vec();
            assert_eq!(sent.len(), 1, "{front:?} {}", example.named());
            assert_eq!(
                call_of(&sent[0]).0,
                function.method.to_lowercase(),
                "{front:?}"
            );
            assert!(answer.get("error").is_none(), "{front:?}: {answer}");
            let bodies: Vec<Vec<u8>> = sent.iter().map(|r| r.body.clone()).collect();
            match &first {
                None => first = Some(bodies),
                Some(bodies0) => assert_eq!(&bodies, bodies0, "{front:?} {}", example.named()),
            }
        }
    }
}
