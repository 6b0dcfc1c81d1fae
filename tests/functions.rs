//! OpenIntegrations' functions on the wire: for every fixture in
//! tests/functions/*.jsonl (written from OpenIntegrations' source, not from
//! our table), the portal receives the REST method and the body that
//! OpenIntegrations sends for the same arguments, its keys in
//! OpenIntegrations' order, and the offline functions
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

/// The file `"$json-file"` stands for: a `.txt` file holding a JSON object,
/// as OpenIntegrations reads a structure from a file of any name, after a
/// byte order mark, as Windows tools and 1C's TextWriter write one.
fn json_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("opi-fields-{}.txt", std::process::id()));
        let json = "\u{feff}{\"TITLE\": \"From a file\", \"ID\": 12}\r\n";
        std::fs::write(&path, json).unwrap();
        path
    })
}

fn with_file(value: &Value) -> Value {
    match value {
        Value::String(s) if s == "$file" => Value::String(hello_file().display().to_string()),
        Value::String(s) if s == "$json-file" => Value::String(json_file().display().to_string()),
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

/// Whether two documents are equal with their keys in the same order (a
/// `Value`'s equality ignores it): the fixtures hold OpenIntegrations' order.
fn same_in_order(sent: &Value, expected: &Value) -> bool {
    serde_json::to_vec(sent).ok() == serde_json::to_vec(expected).ok()
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
                // OpenIntegrations puts the token first (NormalizeAuth).
                let body = match (token.is_some(), body) {
                    (true, Value::Object(fields)) => {
                        let mut with_auth = Map::from_iter([("auth".into(), json!(APP_TOKEN))]);
                        with_auth.extend(fields.clone());
                        Value::Object(with_auth)
                    }
                    _ => body.clone(),
                };
                let Some(first) = sent.first() else {
                    failures.push(format!(
                        "{}: {}: nothing sent; answered {answer}",
                        case.source, case.function
                    ));
                    continue;
                };
                let (got_method, got_body) = (method_of(first), first.json_body());
                if !got_method.eq_ignore_ascii_case(method) || !same_in_order(&got_body, &body) {
                    failures.push(format!(
                        "{}: {}\n  sent     {got_method} {got_body}\n  expected {method} {body}",
                        case.source, case.function
                    ));
                }
            }
        }
    }
    // OpenIntegrations' 179, each with fixtures written from its source;
    // this library's own (docs/events.md) are shown by tests/events.rs.
    let (theirs, ours): (Vec<&functions::Function>, Vec<&functions::Function>) =
        functions::functions().iter().partition(|f| !f.is_ours());
    assert_eq!(theirs.len(), 179, "OpenIntegrations' functions");
    let ours: Vec<&str> = ours.iter().map(|f| f.name).collect();
    assert_eq!(
        ours,
        [
            "ParseEvent",
            "GetOfflineEvents",
            "ClearOfflineEvents",
            "FailOfflineEvents",
            "BindOfflineEvent",
            "UnbindOfflineEvent"
        ],
        "this library's own functions"
    );
    let uncovered: Vec<&str> = theirs
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

/// The table's reader, as build.rs includes it.
#[path = "../src/functions/syntax.rs"]
#[allow(dead_code)]
mod syntax;

/// An order line names every parameter that fills the body once, and
/// nothing else; without one, the parameters fill it in their own order.
#[test]
fn an_order_line_names_each_parameter_that_fills_the_body_once() {
    let fills = |order: &str| {
        let text = format!(
            "group G Г : g\nfn F Ф x.y : f\n  URL URL --url url -\n  A А --a string a\n  B Б --b string b.c\n  Token Токен --token token - =\"\"\n{order}"
        );
        syntax::TableRows::read([("t.txt", text.as_str())])
            .map(|table| table.functions[0].fills().unwrap())
    };
    assert_eq!(fills(""), Ok(vec![1, 2]));
    assert_eq!(fills("  order B A"), Ok(vec![2, 1]));
    for (order, why) in [
        ("  order B", "the order leaves out A"),
        ("  order B A A", "the order names A twice"),
        ("  order B A Token", "the order names Token, no parameter"),
        ("  order B A C", "the order names C, no parameter"),
        ("  order B A\n  order A B", "one order line per function"),
    ] {
        let error = fills(order).unwrap_err();
        assert!(error.contains(why), "{order}: {error}");
    }
}

#[test]
fn upload_file_to_folder_asks_for_an_address_then_posts_the_file_as_a_form() {
    let (portal, client) = (portal(), client());
    let content: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let path = std::env::temp_dir().join(format!("opi-upload-{}.bin", std::process::id()));
    std::fs::write(&path, &content).unwrap();
    let from_path =
        json!({"URL": portal.webhook_url(), "Name": "report.bin", "File": path, "FolderID": 7});
    let from_bytes = json!({
        "URL": portal.webhook_url(),
        "Name": "hello.txt",
        "File": {"base64": "aGVsbG8="},
        "FolderID": "7",
    });
    for args in [from_path, from_bytes] {
        let answer = client.run_function("UploadFileToFolder", args.as_object().unwrap());
        let answer: Value = serde_json::from_str(answer.json()).unwrap();
        let name = args["Name"].as_str().unwrap();
        assert_eq!(answer["result"]["NAME"], name, "{answer}");
        let sent = portal.requests();
        let [.., asked, upload] = sent.as_slice() else {
            panic!("two requests");
        };
        assert!(method_of(asked).eq_ignore_ascii_case("disk.folder.uploadFile"));
        assert_eq!(asked.json_body(), json!({"id": "7"}));
        assert!(
            upload
                .header("Content-Type")
                .unwrap()
                .starts_with("multipart/form-data")
        );
    }
    let uploads = portal.uploads();
    assert_eq!(uploads.len(), 2);
    assert_eq!(
        (uploads[0].field.as_str(), uploads[0].name.as_str()),
        ("file", "report.bin")
    );
    assert_eq!(uploads[0].bytes, content, "the file's bytes, unchanged");
    assert_eq!(uploads[1].bytes, b"hello");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_file_name_with_quotes_or_line_ends_cannot_break_the_forms_header() {
    let (portal, client) = (portal(), client());
    let answer = client.run_function(
        "UploadFileToFolder",
        json!({"URL": portal.webhook_url(), "Name": "a\"b\r\n.txt", "File": "aGVsbG8=", "FolderID": 1})
            .as_object()
            .unwrap(),
    );
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(
        portal.uploads()[0].name,
        "a%22b  .txt",
        "quotes and line ends cannot break the header"
    );
    assert!(!answer.json().contains(support::UPLOAD_SECRET));
}

#[test]
fn get_folder_filter_structure_keeps_the_fields_usable_in_a_filter() {
    let (portal, client) = (portal(), client());
    let run = |clear: bool| {
        let args = json!({"URL": portal.webhook_url(), "Clear": clear});
        let answer = client.run_function("GetFolderFilterStructure", args.as_object().unwrap());
        serde_json::from_str::<Value>(answer.json()).unwrap()
    };
    assert_eq!(
        run(false),
        json!({"result": {"ID": "int", "NAME": "string", "CREATE_TIME": "datetime"}})
    );
    assert_eq!(
        run(true),
        json!({"result": {"ID": "", "NAME": "", "CREATE_TIME": ""}})
    );
}

#[test]
fn get_token_and_refresh_token_go_to_the_oauth_server() {
    let portal = portal();
    let client = support::test_client(Config {
        oauth_url: portal.oauth_url(),
        pacing: Pacing::Off,
        ..Config::default()
    });
    let code = portal.issue_code();
    let args = json!({"ClientID": support::CLIENT_ID, "ClientSecret": support::CLIENT_SECRET, "Code": code});
    let answer: Value = serde_json::from_str(
        client
            .run_function("GetToken", args.as_object().unwrap())
            .json(),
    )
    .unwrap();
    let refresh = answer["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let args = json!({"clientid": support::CLIENT_ID, "clientsecret": support::CLIENT_SECRET, "refresh": refresh});
    let answer = client.run_function("refreshtoken", args.as_object().unwrap());
    assert!(answer.json().contains("access_token"), "{}", answer.json());
}

/// A fixture's arguments keyed by CLI option, as every front takes them.
fn by_option(function: &str, args: &Map<String, Value>) -> Map<String, Value> {
    let function = functions::find(function).unwrap();
    args.iter()
        .map(|(key, value)| {
            let (_, param) = function.param(key).unwrap();
            (param.option.to_owned(), with_file(value))
        })
        .collect()
}

/// What the portal received since `before`: each request's method and body.
fn received(portal: &Portal, before: usize) -> Vec<(String, Value)> {
    portal.requests()[before..]
        .iter()
        .map(|r| (method_of(r).to_lowercase(), r.json_body()))
        .collect()
}

/// One function of each group (the fixture with the most arguments, so the
/// most coercions) and an offline template, through every front: the
/// same request reaches the portal and the same answer comes back.
#[test]
fn one_function_of_each_group_is_the_same_on_every_front() {
    use support::fronts::{FRONTS, Front, Function, invoke};
    let portal = Portal::with(PortalOptions {
        bucket: None,
        echo_unknown: true,
        frozen_clock: Some(support::FROZEN_CLOCK),
        ..PortalOptions::default()
    });
    let mut chosen: Vec<&Case> = Vec::new();
    let cases = cases();
    for case in &cases {
        let group = &case.source[..2];
        let offline = matches!(case.expected, Expected::Offline(_));
        match chosen.iter_mut().find(|c| &c.source[..2] == group) {
            _ if offline || case.args.contains_key("Token") => {}
            Some(best) if best.args.len() >= case.args.len() => {}
            Some(best) => *best = case,
            None => chosen.push(case),
        }
    }
    // Every group of OpenIntegrations'; this library's own group is
    // tests/events.rs's.
    assert_eq!(
        chosen.len(),
        functions::groups().iter().filter(|g| !g.ours).count(),
        "a case for every group"
    );
    let offline = cases
        .iter()
        .find(|c| c.function == "GetTasksFilterStructure" && c.args.len() == 1)
        .unwrap();
    for case in chosen.into_iter().chain([offline]) {
        let mut args = by_option(&case.function, &case.args);
        let is_offline = matches!(case.expected, Expected::Offline(_));
        if !is_offline {
            args.insert("url".into(), json!(portal.webhook_url()));
        }
        let args = Value::Object(args).to_string();
        let mut seen: Option<(Value, Vec<(String, Value)>)> = None;
        for front in FRONTS {
            let before = portal.requests().len();
            let mut answer = invoke(front, Function::RunFunction, &[&case.function, &args]);
            if is_offline && front == Front::Cli {
                // oint prints an offline function's value, as OpenIntegrations' CLI does.
                answer = json!({ "result": answer });
            }
            let sent = received(&portal, before);
            assert_eq!(
                sent.len(),
                usize::from(!is_offline),
                "{front:?} {}",
                case.function
            );
            match &seen {
                None => seen = Some((answer, sent)),
                Some((first, first_sent)) => {
                    assert_eq!(
                        &answer, first,
                        "{front:?}: {} answered otherwise",
                        case.function
                    );
                    assert_eq!(
                        &sent, first_sent,
                        "{front:?}: {} sent otherwise",
                        case.function
                    );
                }
            }
        }
        let (answer, sent) = seen.unwrap();
        assert!(answer.get("error").is_none(), "{}: {answer}", case.function);
        if let (Expected::Request { method, .. }, [(got, _)]) = (&case.expected, sent.as_slice()) {
            assert!(got.eq_ignore_ascii_case(method), "{}: {got}", case.function);
        }
    }
}

/// Arguments that cannot make a request, on every front: refused before
/// anything is sent, naming the function and the parameter; oint exits 2.
#[test]
fn bad_arguments_are_refused_on_every_front_naming_function_and_parameter() {
    use support::fronts::{FRONTS, Front, Function, environment, invoke, raw};
    let portal = portal();
    let url = portal.webhook_url();
    let cases = [
        (
            "NoSuchFunction",
            json!({"url": url}),
            vec!["NoSuchFunction"],
        ),
        (
            "GetTask",
            json!({"url": url}),
            vec!["GetTask", "TaskID", "--task"],
        ),
        (
            "CreateTask",
            json!({"url": url, "fields": "{\"TITLE\": "}),
            vec!["CreateTask", "FieldsStructure", "JSON"],
        ),
        (
            "CreatePost",
            json!({"url": url, "text": "Hi", "files": {"a.txt": "/nonexistent/a.txt"}}),
            vec!["CreatePost", "Files", "/nonexistent/a.txt"],
        ),
        (
            "ChangeChatPicture",
            json!({"url": url, "chat": 1, "picture": "/nonexistent/p.png"}),
            vec!["ChangeChatPicture", "/nonexistent/p.png"],
        ),
        (
            "GetTask",
            json!({"url": url, "task": 1, "bogus": 2}),
            vec!["GetTask", "bogus", "--task"],
        ),
        (
            "GetCalendarEvents",
            json!({"url": url, "owner": 1, "type": "user", "filter": {"from": "yesterday"}}),
            vec!["GetCalendarEvents", "Filter", "yesterday"],
        ),
        // The fields' keys are the portal's names: PHP would keep the last.
        (
            "CreateDeal",
            json!({"url": url, "fields": r#"{"TITLE": "promD-1", "UF": {"A": 1, "A": 2}}"#}),
            vec![
                "CreateDeal",
                "FieldsStructure",
                "the key 'A' is given twice",
            ],
        ),
    ];
    for (function, args, named) in cases {
        let args = args.to_string();
        for front in FRONTS {
            let before = portal.requests().len();
            let answer = match front {
                // oint's exit code is checked here too.
                Front::Cli => {
                    let raw = raw(
                        front,
                        Function::RunFunction,
                        &[function, &args],
                        environment(),
                    );
                    assert_eq!(raw.exit, Some(2), "{function}: {}", raw.text);
                    support::parse(&raw.text)
                }
                _ => invoke(front, Function::RunFunction, &[function, &args]),
            };
            assert_eq!(
                answer["error"], "OPI_INVALID_ARGUMENT",
                "{front:?}: {answer}"
            );
            let description = answer["error_description"].as_str().unwrap();
            for name in &named {
                assert!(
                    description.contains(name),
                    "{front:?}: {name} not in {description}"
                );
            }
            assert_eq!(
                portal.requests().len(),
                before,
                "{front:?} {function}: sent"
            );
        }
    }
}

/// A structure whose object gives a key twice, at any depth, as JSON or as
/// JSON text: refused before anything is sent, as the portal would read
/// only the last value (docs/calls.md).
#[test]
fn a_structure_that_gives_a_key_twice_is_refused_before_sending() {
    let portal = portal();
    let client = client();
    let url = portal.webhook_url();
    for (fields, key) in [
        (r#"{"TITLE": "promD-1", "TITLE": "promD-2"}"#, "TITLE"),
        (r#"{"TITLE": "x", "UF_LIST": [{"ID": 1, "ID": 2}]}"#, "ID"),
        (r#""{\"TITLE\": 1, \"TITLE\": 2}""#, "TITLE"),
    ] {
        let args = format!(r#"{{"url": "{url}", "fields": {fields}}}"#);
        let answer = support::parse(client.run_function_json("CreateDeal", &args).json());
        let description = answer["error_description"].as_str().unwrap_or_default();
        assert_eq!(
            answer["error"], "OPI_INVALID_ARGUMENT",
            "{fields}: {answer}"
        );
        assert!(
            description.starts_with("CreateDeal: FieldsStructure (--fields) is refused: ")
                && description.contains(&format!("the key '{key}' is given twice")),
            "{fields}: {description}"
        );
    }
    assert_eq!(portal.requests().len(), 0, "nothing sent");
    let args = format!(r#"{{"url": "{url}", "fields": {{"TITLE": "x", "UF": {{"TITLE": 1}}}}}}"#);
    let answer = support::parse(client.run_function_json("CreateDeal", &args).json());
    assert!(
        answer.get("error").is_none(),
        "equal keys in two objects: {answer}"
    );
}

/// A structure or array is read from JSON text or from a file of any name
/// holding JSON (the fixtures' `$json-file`), as OpenIntegrations reads
/// them; an address is not downloaded, and a file that holds no JSON, or a
/// `.json` name that names no file, is refused, where OpenIntegrations would
/// send the text itself.
#[test]
fn structures_are_read_from_files_not_from_addresses() {
    let (portal, client) = (portal(), client());
    let hello = hello_file().display().to_string();
    for (name, args, why) in [
        (
            "CreateTask",
            json!({"FieldsStructure": "https://example.com/fields.json"}),
            "FieldsStructure (--fields) is an address",
        ),
        (
            "GetUsers",
            json!({"UserIDs": " HTTP://example.com/users"}),
            "UserIDs (--users) is an address",
        ),
        (
            "CreatePost",
            json!({"Text": "a", "Visibility": "http://пример.рф/rest/1/s3cr3t/x.json"}),
            "Visibility (--vision) is an address",
        ),
        (
            "CreatePost",
            json!({"Text": "a", "Files": {"a.txt": "http://пример.рф/rest/1/s3cr3t/a.txt"}}),
            "Files (--files) 'a.txt': is an address",
        ),
        (
            "CreateTask",
            json!({"FieldsStructure": hello}),
            "FieldsStructure (--fields) names a file that holds no JSON object or array",
        ),
        (
            "CreateTask",
            json!({"FieldsStructure": "/nonexistent/fields.json"}),
            "FieldsStructure (--fields) names no file: '/nonexistent/fields.json'",
        ),
        (
            "GetUsers",
            json!({"UserIDs": "/nonexistent/users.JSON"}),
            "UserIDs (--users) names no file: '/nonexistent/users.JSON'",
        ),
    ] {
        let mut args = args.as_object().unwrap().clone();
        args.insert("URL".into(), json!(portal.webhook_url()));
        let answer = client.run_function(name, &args);
        assert_eq!(answer.error_code(), Some("OPI_INVALID_ARGUMENT"), "{name}");
        assert!(answer.json().contains(why), "{}", answer.json());
        for address in ["example.com", "пример", "s3cr3t"] {
            assert!(!answer.json().contains(address), "{}", answer.json());
        }
    }
    assert!(portal.requests().is_empty(), "nothing sent");
}

/// A default as BSL writes it, from the table's JSON.
fn bsl_default(json: &str, russian: bool) -> String {
    match (json, russian) {
        ("false", false) => "False".to_owned(),
        ("false", true) => "Ложь".to_owned(),
        ("true", false) => "True".to_owned(),
        ("true", true) => "Истина".to_owned(),
        ("null", false) => "Undefined".to_owned(),
        ("null", true) => "Неопределено".to_owned(),
        (other, _) => other.to_owned(),
    }
}

/// The OneScript module and the 1C common module export every function
/// under both names with OpenIntegrations' parameters, order and defaults,
/// and pack every parameter for the add-in's RunFunction.
#[test]
fn the_modules_export_every_function_with_openintegrations_signature() {
    let read = |path: &str| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
    };
    let modules = [
        read("onescript/src/OPI_Bitrix24.os"),
        read("onescript/1c/OPI_Bitrix24.bsl"),
    ];
    for function in functions::functions() {
        let signature = |russian: bool| {
            let params: Vec<String> = function
                .params
                .iter()
                .map(|p| {
                    let (val, name) = if russian {
                        ("Знач", p.russian)
                    } else {
                        ("Val", p.name)
                    };
                    match p.default {
                        Some(default) => {
                            format!("{val} {name} = {}", bsl_default(default, russian))
                        }
                        None => format!("{val} {name}"),
                    }
                })
                .collect();
            params.join(", ")
        };
        let english = format!("Function {}({}", function.name, signature(false));
        let russian = format!("Функция {}({}", function.russian, signature(true));
        let names: Vec<&str> = function.params.iter().map(|p| p.name).collect();
        let packed = format!(
            "Arguments = New Structure(\"{}\", {});\n    Return ",
            names.join(","),
            names.join(", ")
        );
        for module in &modules {
            for declaration in [&english, &russian] {
                assert!(module.contains(declaration.as_str()), "no {declaration}");
            }
            // Written by hand: the status pair, and the OAuth pair with a token file.
            if !["SetUserStatus", "GetUserStatus", "GetToken", "RefreshToken"]
                .contains(&function.name)
            {
                assert!(module.contains(&format!("{english}) Export")), "{english}");
                assert!(module.contains(&format!("{russian}) Экспорт")), "{russian}");
                assert!(
                    module.contains(&format!("{packed}Called(\"{}\"", function.name))
                        || module
                            .contains(&format!("{packed}CalledForValue(\"{}\"", function.name)),
                    "{} packs {names:?}",
                    function.name
                );
            }
        }
    }
    // A module that declares a function twice does not compile.
    for module in &modules {
        let mut declared = std::collections::HashSet::new();
        for line in module.lines() {
            let name = ["Function ", "Функция "]
                .iter()
                .find_map(|keyword| line.strip_prefix(keyword))
                .and_then(|rest| rest.split('(').next());
            if let Some(name) = name {
                assert!(
                    declared.insert(name.to_lowercase()),
                    "{name} is declared twice"
                );
            }
        }
    }
    assert!(modules[1].contains("AttachAddIn(\"CommonTemplate.OPI_Bitrix24\""));
    assert!(
        !modules[1].contains("\nVar "),
        "a common module has no module variables"
    );
}

/// Called by its Russian name, a template describes its fields in Russian,
/// as OpenIntegrations' Russian module does; the keys are the same.
#[test]
fn templates_called_by_their_russian_names_describe_in_russian() {
    let client = client();
    let mut checked = 0;
    for function in functions::functions().iter().filter(|f| f.is_offline()) {
        let run = |name: &str| -> Value {
            serde_json::from_str(client.run_function(name, &Map::new()).json()).unwrap()
        };
        let (english, russian) = (run(function.name), run(function.russian));
        let Some(keys) = english["result"]
            .as_object()
            .map(|o| o.keys().collect::<Vec<_>>())
        else {
            continue;
        };
        assert_eq!(
            russian["result"]
                .as_object()
                .map(|o| o.keys().collect::<Vec<_>>()),
            Some(keys),
            "{}",
            function.name
        );
        let text = russian["result"].to_string();
        assert!(
            text.contains(['а', 'о', 'е']),
            "{}: {text}",
            function.russian
        );
        checked += 1;
    }
    assert_eq!(checked, 10, "the ten templates");
    let russian = run_russian(&client, "ПолучитьСтруктуруФильтраЗадач");
    assert_eq!(russian["result"]["ID"], "<идентификатор задачи>");
}

fn run_russian(client: &Client, name: &str) -> Value {
    serde_json::from_str(client.run_function(name, &Map::new()).json()).unwrap()
}

/// `oint bitrix24 --help` lists every function by group, a function's
/// `--help` its options with OpenIntegrations' spelling, and an offline
/// function prints its value as OpenIntegrations' CLI does.
#[test]
fn oint_lists_the_functions_explains_each_and_prints_offline_values() {
    let oint = |args: &[&str]| {
        let output = std::process::Command::new(support::target_dir().join("oint"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let list = oint(&["bitrix24", "--help"]);
    for group in functions::groups() {
        assert!(
            list.contains(&format!("{}:", group.title)),
            "{}",
            group.title
        );
    }
    for function in functions::functions() {
        assert!(
            list.contains(&format!(" {}", function.name)),
            "{}",
            function.name
        );
    }
    let help = oint(&["bitrix24", "makefoldercopy", "--help"]);
    assert!(
        help.contains("--tagetid <DestinationID>") && help.contains("disk.folder.copyto"),
        "{help}"
    );
    let link = oint(&[
        "bitrix24",
        "GetAppAuthLink",
        "--domain",
        "b24.example",
        "--clientid",
        "app.1",
    ]);
    assert_eq!(
        link,
        "https://b24.example/oauth/authorize/?client_id=app.1\n"
    );
    let template: Value = serde_json::from_str(&oint(&[
        "bitrix24",
        "ПолучитьСтруктуруФильтраЛидов",
        "--empty",
        "true",
    ]))
    .unwrap();
    assert_eq!(template["TITLE"], "", "{template}");
    // GetFolderFilterStructure prints its fields, not the answer.
    let portal = portal();
    let fields = std::process::Command::new(support::target_dir().join("oint"))
        .args([
            "bitrix24",
            "GetFolderFilterStructure",
            "--url",
            &portal.webhook_url(),
        ])
        .envs(support::fronts::environment().iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let fields: Value = serde_json::from_slice(&fields.stdout).unwrap();
    assert_eq!(
        fields,
        json!({"ID": "int", "NAME": "string", "CREATE_TIME": "datetime"})
    );
    // A stray value is refused without being shown: it may be a webhook.
    let stray = std::process::Command::new(support::target_dir().join("oint"))
        .args([
            "bitrix24",
            "GetTask",
            "https://b24.example/rest/1/s3cr3tw3bh00k/",
        ])
        .output()
        .unwrap();
    assert_eq!(stray.status.code(), Some(2));
    let stray = String::from_utf8_lossy(&stray.stdout);
    assert!(
        stray.contains("a value without its option") && !stray.contains("s3cr3t"),
        "{stray}"
    );
}

/// GetAppAuthLink keeps a scheme the domain has (where OpenIntegrations
/// fails) and encodes the client ID; a name or value put in the wrong place
/// is not echoed, as it may be a webhook.
#[test]
fn the_auth_link_is_built_right_and_misplaced_secrets_are_not_echoed() {
    let client = client();
    let link = |domain: &str, id: &str| -> Value {
        let args = json!({"Domain": domain, "ClientID": id});
        serde_json::from_str(
            client
                .run_function("GetAppAuthLink", args.as_object().unwrap())
                .json(),
        )
        .unwrap()
    };
    assert_eq!(
        link("httpportal.example", "a&b")["result"],
        "https://httpportal.example/oauth/authorize/?client_id=a%26b"
    );
    assert_eq!(
        link("http://portal.local/", "app")["result"],
        "http://portal.local/oauth/authorize/?client_id=app"
    );
    // A plain misspelling is named; what may be a secret is not.
    let misspelt = client.run_function("GetTsk", &Map::new());
    assert!(misspelt.json().contains("'GetTsk'"), "{}", misspelt.json());
    let bare_secret = client.run_function("4swokunb3tk7h7dt", &Map::new());
    assert!(
        !bare_secret.json().contains("4swokunb3tk7h7dt"),
        "{}",
        bare_secret.json()
    );
    let webhook = "https://b24.example/rest/1/s3cr3tw3bh00k123/";
    for (name, args) in [
        (webhook, json!({})),
        ("GetTask", json!({webhook: 1})),
        (
            "CreatePost",
            json!({"URL": webhook, "Text": "a", "Important": webhook}),
        ),
        (
            "GetUserBusy",
            json!({"URL": webhook, "Users": 1, "StartDate": webhook, "EndDate": "2025-01-01"}),
        ),
    ] {
        let answer = client.run_function(name, args.as_object().unwrap());
        assert_eq!(
            answer.error_code(),
            Some("OPI_INVALID_ARGUMENT"),
            "{}",
            answer.json()
        );
        support::assert_no_secret(answer.json());
        assert!(
            !answer.json().contains("s3cr3tw3bh00k123"),
            "{}",
            answer.json()
        );
    }
}

/// A body over 16 MiB, or files over what a body may carry, are refused
/// before anything is sent or (for a file) read.
#[test]
fn bodies_and_files_past_the_request_size_are_refused_before_sending() {
    let (portal, client) = (portal(), client());
    let title = "x".repeat(17 << 20);
    let big = std::env::temp_dir().join(format!("opi-big-{}.bin", std::process::id()));
    std::fs::File::create(&big)
        .unwrap()
        .set_len(13 << 20)
        .unwrap();
    let picture = "is a file of 13.0 MiB, more than the 11.9 MiB the files of one request may hold";
    let files = "is a file of 13.0 MiB, more than the 11.9 MiB left for the files of this request";
    for (name, args, why) in [
        (
            "CreateTask",
            json!({"URL": portal.webhook_url(), "FieldsStructure": {"TITLE": title}}),
            "the request would be 17.1 MiB, more than the 16.0 MiB a request may carry",
        ),
        (
            "ChangeChatPicture",
            json!({"URL": portal.webhook_url(), "ChatID": 1, "Image": big}),
            picture,
        ),
        (
            "CreatePost",
            json!({"URL": portal.webhook_url(), "Text": "a", "Files": {"a": big, "b": big}}),
            files,
        ),
    ] {
        let answer = client.run_function(name, args.as_object().unwrap());
        assert_eq!(answer.error_code(), Some("OPI_INVALID_ARGUMENT"), "{name}");
        assert!(answer.json().contains(why), "{}", answer.json());
    }
    assert!(portal.requests().is_empty(), "nothing sent");
    std::fs::remove_file(big).unwrap();
}
