//! `OPI_BITRIX24_FILES`: which files the structure, array and file
//! arguments of OpenIntegrations' functions may name. With `none` no file
//! is read — a path given for a structure is sent as text, one given for a
//! file refused —; with a directory only the files inside it are read, a
//! path out of it refused in the same words whether a file is there or
//! not; with `any` (the default) a file anywhere is read, as
//! OpenIntegrations reads it. Every test writes real files with
//! distinctive content and checks that it never reaches the portal when it
//! must not.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use opi_bitrix24::{Client, Config, FileAccess, Pacing};
use opi_test_support as support;
use serde_json::{Map, Value, json};
use support::{Portal, PortalOptions, TestCa};

/// What the secret files hold: text no argument holds, and its base64.
const SECRET: &str = "S3CR3T-0F-THE-H0ST";

fn secret_base64() -> String {
    base64::engine::general_purpose::STANDARD.encode(SECRET)
}

/// A fresh folder of this test's own, with `allowed/` and `outside/`.
fn folders(test: &str) -> (PathBuf, PathBuf) {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("file-access-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (allowed, outside) = (base.join("allowed"), base.join("outside"));
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    (allowed, outside)
}

/// A structure's file: a JSON array holding the secret, in a `.txt` file,
/// which OpenIntegrations reads as a structure.
fn secret_array(at: &Path) -> String {
    std::fs::write(at, format!("[\"{SECRET}\"]")).unwrap();
    at.display().to_string()
}

/// A file argument's file: the secret's bytes.
fn secret_bytes(at: &Path) -> String {
    std::fs::write(at, SECRET).unwrap();
    at.display().to_string()
}

fn portal() -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        echo_unknown: true,
        ..PortalOptions::default()
    })
}

fn client(files: FileAccess) -> Client {
    support::test_client(Config {
        pacing: Pacing::Off,
        files,
        ..Config::default()
    })
}

/// Runs `function` with `args` and the portal's webhook.
fn run(client: &Client, portal: &Portal, function: &str, args: Value) -> Value {
    let mut args: Map<String, Value> = args.as_object().unwrap().clone();
    args.insert("URL".into(), json!(portal.webhook_url()));
    support::parse(client.run_function(function, &args).json())
}

/// The body of the last request the portal received.
fn last_body(portal: &Portal) -> Value {
    portal.requests().last().expect("a request").json_body()
}

/// An `OPI_INVALID_ARGUMENT` refusal's words.
fn refusal(answer: &Value) -> String {
    assert_eq!(answer["error"], "OPI_INVALID_ARGUMENT", "{answer}");
    answer["error_description"].as_str().unwrap().to_owned()
}

/// Neither the secret nor its base64 reached the portal.
fn assert_secret_not_sent(portal: &Portal) {
    for request in portal.requests() {
        let body = String::from_utf8_lossy(&request.body);
        assert!(!body.contains(SECRET), "sent: {body}");
        assert!(!body.contains(&secret_base64()), "sent: {body}");
    }
}

/// The refusal of `call` while the file at `path` exists, which must be
/// the same once it is gone; nothing is sent either time.
fn refused_alike(portal: &Portal, path: &Path, call: impl Fn() -> Value) -> String {
    let sent = portal.requests().len();
    let there = refusal(&call());
    std::fs::remove_file(path).unwrap();
    let gone = refusal(&call());
    assert_eq!(there, gone, "the words tell whether {path:?} exists");
    assert_eq!(portal.requests().len(), sent, "sent");
    there
}

#[test]
fn with_none_no_file_is_read_and_a_structure_is_sent_as_text() {
    let portal = portal();
    let (_, outside) = folders("none");
    let dest = secret_array(&outside.join("dest.txt"));

    // The default reads the file: what the setting is there to stop.
    let any = client(FileAccess::Any);
    let answer = run(
        &any,
        &portal,
        "CreatePost",
        json!({"Text": "Hi", "Visibility": dest}),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(last_body(&portal)["DEST"], json!([SECRET]));
    let before = portal.requests().len();

    let none = client(FileAccess::None);
    // A structure's path is text, sent as OpenIntegrations sends text.
    let answer = run(
        &none,
        &portal,
        "CreatePost",
        json!({"Text": "Hi", "Visibility": dest}),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(last_body(&portal)["DEST"], json!([dest]));
    // JSON text and base64 serve as ever.
    run(
        &none,
        &portal,
        "CreatePost",
        json!({"Text": "Hi", "Visibility": "[\"U1\"]"}),
    );
    assert_eq!(last_body(&portal)["DEST"], json!(["U1"]));
    run(
        &none,
        &portal,
        "ChangeChatPicture",
        json!({"ChatID": 5, "Image": "aGVsbG8="}),
    );
    assert_eq!(last_body(&portal)["AVATAR"], "aGVsbG8=");

    // Where text cannot serve — a `.json` name for a structure, a path for
    // a file — the refusal does not tell whether the file exists.
    let fields = secret_array(&outside.join("fields.json"));
    let words = refused_alike(&portal, Path::new(&fields), || {
        run(&none, &portal, "GetUsers", json!({"UserIDs": fields}))
    });
    assert!(
        words.contains(
            "UserIDs (--users) ends in .json, and no file is read (OPI_BITRIX24_FILES is none)"
        ),
        "{words}"
    );
    let picture = secret_bytes(&outside.join("picture"));
    let words = refused_alike(&portal, Path::new(&picture), || {
        run(
            &none,
            &portal,
            "ChangeChatPicture",
            json!({"ChatID": 5, "Image": picture}),
        )
    });
    assert!(
        words.contains(
            "Image (--picture) is not base64, and no file is read (OPI_BITRIX24_FILES is none)"
        ),
        "{words}"
    );
    let attached = secret_bytes(&outside.join("report.pdf"));
    refused_alike(&portal, Path::new(&attached), || {
        run(
            &none,
            &portal,
            "CreatePost",
            json!({"Text": "Hi", "Files": {"report.pdf": attached}}),
        )
    });
    assert_eq!(portal.requests().len(), before + 3);
    assert_secret_not_sent_after(&portal, before);
}

/// As [`assert_secret_not_sent`], for the requests from `from` on.
fn assert_secret_not_sent_after(portal: &Portal, from: usize) {
    for request in &portal.requests()[from..] {
        let body = String::from_utf8_lossy(&request.body);
        assert!(!body.contains(SECRET), "sent: {body}");
        assert!(!body.contains(&secret_base64()), "sent: {body}");
    }
}

#[test]
fn with_a_directory_only_the_files_inside_it_are_read() {
    let portal = portal();
    let (allowed, outside) = folders("within");
    let client = client(FileAccess::Within(allowed.clone()));

    // Inside: read, by a path from the directory or a whole one.
    std::fs::write(allowed.join("dest.txt"), "[\"SG7\"]").unwrap();
    std::fs::write(allowed.join("picture.png"), "hello").unwrap();
    for dest in [
        "dest.txt".to_owned(),
        "./sub/../dest.txt".to_owned(),
        allowed.join("dest.txt").display().to_string(),
    ] {
        std::fs::create_dir_all(allowed.join("sub")).unwrap();
        let answer = run(
            &client,
            &portal,
            "CreatePost",
            json!({"Text": "Hi", "Visibility": dest}),
        );
        assert!(answer.get("error").is_none(), "{dest}: {answer}");
        assert_eq!(last_body(&portal)["DEST"], json!(["SG7"]), "{dest}");
    }
    run(
        &client,
        &portal,
        "ChangeChatPicture",
        json!({"ChatID": 5, "Image": "picture.png"}),
    );
    assert_eq!(last_body(&portal)["AVATAR"], "aGVsbG8=");
    // Inside but no file: as without the setting — text, or a .json name refused.
    run(
        &client,
        &portal,
        "CreatePost",
        json!({"Text": "Hi", "Visibility": "UA"}),
    );
    assert_eq!(last_body(&portal)["DEST"], json!(["UA"]));
    let answer = run(
        &client,
        &portal,
        "GetUsers",
        json!({"UserIDs": "missing.json"}),
    );
    assert!(
        refusal(&answer).contains("names no file: 'missing.json'"),
        "{answer}"
    );
    // Base64 that starts as an absolute path does (a JPEG's, "/9j/…") is
    // still base64.
    run(
        &client,
        &portal,
        "ChangeChatPicture",
        json!({"ChatID": 5, "Image": "/9j/4AAQ"}),
    );
    assert_eq!(last_body(&portal)["AVATAR"], "/9j/4AAQ");

    // Outside — a whole path, `..`, a link out — refused alike whether a
    // file is there or not.
    let sent = portal.requests().len();
    let dest = secret_array(&outside.join("dest.txt"));
    let words = refused_alike(&portal, Path::new(&dest), || {
        run(
            &client,
            &portal,
            "CreatePost",
            json!({"Text": "Hi", "Visibility": dest}),
        )
    });
    assert!(
        words.contains("Visibility (--vision) is a path, and no file is read from outside the directory OPI_BITRIX24_FILES names"),
        "{words}"
    );
    let escaped = secret_array(&outside.join("escaped.txt"));
    refused_alike(&portal, Path::new(&escaped), || {
        run(
            &client,
            &portal,
            "CreatePost",
            json!({"Text": "Hi", "Visibility": "../outside/escaped.txt"}),
        )
    });
    let picture = secret_bytes(&outside.join("picture.png"));
    let words = refused_alike(&portal, Path::new(&picture), || {
        run(
            &client,
            &portal,
            "ChangeChatPicture",
            json!({"ChatID": 5, "Image": picture}),
        )
    });
    assert!(
        words.contains("Image (--picture) is not base64, and no file is read from outside the directory OPI_BITRIX24_FILES names"),
        "{words}"
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, allowed.join("link")).unwrap();
        let linked = secret_array(&outside.join("linked.txt"));
        refused_alike(&portal, Path::new(&linked), || {
            run(
                &client,
                &portal,
                "CreatePost",
                json!({"Text": "Hi", "Visibility": "link/linked.txt"}),
            )
        });
    }
    assert_eq!(portal.requests().len(), sent);
    assert_secret_not_sent(&portal);
}

fn oint(args: &[&str], files: &str) -> (Option<i32>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_oint"))
        .args(args)
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .env("OPI_BITRIX24_FILES", files)
        .output()
        .expect("run oint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    (output.status.code(), support::parse(&stdout))
}

/// The setting as a front reads it, from the environment: `oint`.
#[test]
fn oint_takes_the_setting_from_the_environment() {
    let portal = portal();
    let (allowed, outside) = folders("oint");
    let dest = secret_array(&outside.join("dest.txt"));
    let webhook = portal.webhook_url();
    let post = |vision: &str, files: &str| {
        oint(
            &[
                "bitrix24",
                "CreatePost",
                "--url",
                &webhook,
                "--text",
                "Hi",
                "--vision",
                vision,
            ],
            files,
        )
    };
    let (exit, answer) = post(&dest, "none");
    assert_eq!(exit, Some(0), "{answer}");
    assert_eq!(last_body(&portal)["DEST"], json!([dest]));

    let sent = portal.requests().len();
    let (exit, answer) = post(&dest, allowed.to_str().unwrap());
    assert_eq!(exit, Some(2), "{answer}");
    assert!(
        refusal(&answer).contains("no file is read from outside"),
        "{answer}"
    );

    let (exit, answer) = post("UA", "allowed");
    assert_eq!(exit, Some(2), "{answer}");
    assert_eq!(
        refusal(&answer),
        "OPI_BITRIX24_FILES must be any, none, or the absolute path of an existing directory"
    );
    assert_eq!(portal.requests().len(), sent);
    assert_secret_not_sent(&portal);
}
