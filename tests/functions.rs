//! OpenIntegrations' functions on the wire: for every fixture in
//! tests/functions/*.jsonl (written from OpenIntegrations' source, not from
//! our table), the portal receives the REST method and the body that
//! OpenIntegrations sends for the same arguments, and the offline functions
//! return its templates. Then the handlers that make more than one request
//! or reshape the answer, and the table's own rules.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use opi_bitrix24::functions;
use opi_bitrix24::{Client, Config, Pacing};
use opi_test_support as support;
use serde_json::{Map, Value, json};
use support::{APP_TOKEN, Portal, PortalOptions};

/// One fixture line.
struct Case {
    source: String,
    function: String,
    args: Map<String, Value>,
    expected: Expected,
}

enum Expected {
    Request { method: String, body: Value },
    Offline(Value),
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let source = format!(
                "{}:{}",
                file.file_name().unwrap().to_string_lossy(),
                index + 1
            );
            let case: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{source}: {e}"));
            let expected = match case.get("result") {
                Some(result) => Expected::Offline(result.clone()),
                None => Expected::Request {
                    method: case["method"].as_str().unwrap().to_owned(),
                    body: case["body"].clone(),
                },
            };
            cases.push(Case {
                function: case["function"].as_str().unwrap().to_owned(),
                args: case["args"].as_object().cloned().unwrap_or_default(),
                expected,
                source,
            });
        }
    }
    cases
}

/// The file `"$file"` stands for in the fixtures: the 5 bytes `hello`.
fn hello_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("opi-functions-{}.txt", std::process::id()));
        std::fs::write(&path, b"hello").unwrap();
        path
    })
}

fn with_file(value: &Value) -> Value {
    match value {
        Value::String(s) if s == "$file" => Value::String(hello_file().display().to_string()),
        Value::Array(items) => Value::Array(items.iter().map(with_file).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), with_file(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn portal() -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        echo_unknown: true,
        ..PortalOptions::default()
    })
}

fn client() -> Client {
    support::test_client(Config {
        pacing: Pacing::Off,
        ..Config::default()
    })
}

/// The REST method a recorded request called: its path's last segment.
fn method_of(request: &support::Recorded) -> String {
    request.path().rsplit('/').next().unwrap().to_owned()
}

#[test]
fn every_function_sends_what_openintegrations_sends() {
    let (portal, client) = (portal(), client());
    let mut failures = Vec::new();
    let mut covered = std::collections::HashSet::new();
    let cases = cases();
    for case in &cases {
        covered.insert(case.function.clone());
        let mut args = match with_file(&Value::Object(case.args.clone())) {
            Value::Object(args) => args,
            _ => unreachable!(),
        };
        let token = args.get("Token").and_then(Value::as_str).map(str::to_owned);
        let function = functions::find(&case.function)
            .unwrap_or_else(|| panic!("{}: no function {}", case.source, case.function));
        if !function.is_offline() {
            let url = match token {
                // The token cases call the portal by address, with the emulator's token.
                Some(_) => {
                    args.insert("Token".into(), json!(APP_TOKEN));
                    portal.base_url().to_owned()
                }
                None => portal.webhook_url(),
            };
            args.insert("URL".into(), json!(url));
        }
        let before = portal.requests().len();
        let answer: Value =
            serde_json::from_str(client.run_function(&case.function, &args).json()).unwrap();
        let sent = &portal.requests()[before..];
        match &case.expected {
            Expected::Offline(result) => {
                if !sent.is_empty() || answer.get("result") != Some(result) {
                    failures.push(format!(
                        "{}: {}: {} request(s) sent, answered {answer}\n  expected {result}",
                        case.source,
                        case.function,
                        sent.len()
                    ));
                }
            }
            Expected::Request { method, body } => {
                let mut body = body.clone();
                if token.is_some() {
                    body["auth"] = json!(APP_TOKEN);
                }
                let Some(first) = sent.first() else {
                    failures.push(format!(
                        "{}: {}: nothing sent; answered {answer}",
                        case.source, case.function
                    ));
                    continue;
                };
                let (got_method, got_body) = (method_of(first), first.json_body());
                if !got_method.eq_ignore_ascii_case(method) || got_body != body {
                    failures.push(format!(
                        "{}: {}\n  sent     {got_method} {got_body}\n  expected {method} {body}",
                        case.source, case.function
                    ));
                }
            }
        }
    }
    let uncovered: Vec<&str> = functions::functions()
        .iter()
        .map(|f| f.name)
        .filter(|name| !covered.contains(*name) && !["GetToken", "RefreshToken"].contains(name))
        .collect();
    assert!(
        failures.is_empty() && uncovered.is_empty(),
        "{} of {} fixtures failed:\n{}\nfunctions without a fixture: {uncovered:?}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
