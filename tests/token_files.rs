//! Token files (docs/tokens.md) against the emulator, whose access tokens
//! can be made to expire: a call with `file:<path>` renews an expired pair
//! once and is repeated, across threads and processes one renewal per
//! expiry; a refused renewal leaves the file as it was; a bad file is named.

use opi_test_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config, ListMode};
use serde_json::Value;
use support::*;

fn portal_with(lifetime: Duration, rows: usize) -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        token_lifetime: lifetime,
        list_rows: rows,
        record: false,
        ..PortalOptions::default()
    })
}

fn client_of(portal: &Portal) -> Client {
    test_client(Config {
        oauth_url: portal.oauth_url(),
        pacing: opi_bitrix24::Pacing::Off,
        ..Config::default()
    })
}

/// A folder of this test's own under cargo's temporary folder.
fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("token-files")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A token file made by GetToken's file form, and its `Token`.
fn token_file(client: &Client, portal: &Portal, dir: &Path) -> (PathBuf, String) {
    let path = dir.join("tokens.json");
    let code = portal.issue_code();
    let answer = client.get_token_to_file(CLIENT_ID, CLIENT_SECRET, &code, &path);
    let answer = parse(answer.json());
    assert!(answer["access_token"].is_string(), "{answer}");
    assert!(answer.get("refresh_token").is_none(), "{answer}");
    let token = format!("file:{}", path.display());
    (path, token)
}

fn read(path: &Path) -> Value {
    parse(&std::fs::read_to_string(path).unwrap())
}

#[cfg(unix)]
fn assert_owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", path.display());
}

#[cfg(not(unix))]
fn assert_owner_only(_: &Path) {}

fn assert_answered(answer: &opi_bitrix24::Answer) {
    assert!(!answer.is_error(), "{}", answer.json());
    assert_no_secret(answer.json());
}

#[test]
fn get_token_to_file_writes_a_complete_pair_readable_by_its_owner_only() {
    let portal = portal_with(Duration::from_secs(3600), 0);
    let client = client_of(&portal);
    let (path, _) = token_file(&client, &portal, &folder("complete"));
    let file = read(&path);
    for field in ["access_token", "refresh_token", "expires", "member_id"] {
        assert!(file.get(field).is_some(), "{field} in {file}");
    }
    assert_eq!(file["client_id"], CLIENT_ID);
    assert_eq!(file["client_secret"], CLIENT_SECRET);
    assert_owner_only(&path);
    // RefreshToken's file form, from the file's own refresh token.
    let refresh = file["refresh_token"].as_str().unwrap();
    let answer = client.refresh_token_to_file(CLIENT_ID, CLIENT_SECRET, refresh, &path);
    assert_answered(&answer);
    assert!(
        !answer.json().contains("refresh_token"),
        "{}",
        answer.json()
    );
    let renewed = read(&path);
    assert_ne!(renewed["refresh_token"], file["refresh_token"]);
    assert_eq!(renewed["client_secret"], CLIENT_SECRET);
    assert_owner_only(&path);
    // A refused grant leaves the file as it was, and no temporary file.
    let before = std::fs::read(&path).unwrap();
    let answer = client.get_token_to_file(CLIENT_ID, CLIENT_SECRET, "c0deunknown", &path);
    assert_eq!(
        answer.error_code(),
        Some("invalid_grant"),
        "{}",
        answer.json()
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn an_expired_token_is_renewed_and_every_call_repeated_as_if_nothing_happened() {
    let portal = portal_with(Duration::from_secs(3600), 120);
    let client = client_of(&portal);
    let (path, token) = token_file(&client, &portal, &folder("renewed"));
    let url = portal.base_url();
    let first = client.call_json(url, "server.time", "", &token);
    assert_answered(&first);
    assert_eq!(portal.refreshes(), (0, 0));
    // A function's request is built a second time from the same body.
    let function_args = serde_json::json!({"URL": url, "Token": token}).to_string();
    let calls: [(&str, &dyn Fn() -> opi_bitrix24::Answer); 7] = [
        ("call", &|| client.call_json(url, "server.time", "", &token)),
        ("set", &|| client.set_user_status(url, "dnd", &token)),
        ("get", &|| client.get_user_status(url, &token)),
        ("function", &|| {
            client.run_function_json("GetDealsList", &function_args)
        }),
        ("batch", &|| {
            client.batch(url, r#"[{"method":"server.time"}]"#, false, &token)
        }),
        ("offset list", &|| {
            client.get_list(url, "crm.contact.list", "", &token, ListMode::Offset)
        }),
        ("by-ID list", &|| {
            client.get_list(url, "crm.contact.list", "", &token, ListMode::ById)
        }),
    ];
    for (number, (name, call)) in calls.iter().enumerate() {
        let old = read(&path);
        portal.expire_access_tokens();
        let answer = call();
        assert_answered(&answer);
        assert_eq!(portal.refreshes(), (number + 1, 0), "{name}");
        let new = read(&path);
        assert_ne!(new["access_token"], old["access_token"], "{name}");
        assert_ne!(new["refresh_token"], old["refresh_token"], "{name}");
        assert_eq!(new["client_secret"], CLIENT_SECRET, "{name}");
        assert_owner_only(&path);
        if name.ends_with("list") {
            assert_eq!(
                parse(answer.json())["result"].as_array().unwrap().len(),
                120
            );
        }
    }
}

/// A token file reached through a link is renewed in place: the link stays
/// a link, and a process using the file's own name sees the new pair.
#[cfg(unix)]
#[test]
fn a_token_file_named_through_a_link_is_renewed_in_the_file_itself() {
    let portal = portal_with(Duration::from_secs(3600), 0);
    let client = client_of(&portal);
    let dir = folder("linked");
    let (path, token) = token_file(&client, &portal, &dir);
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let old = read(&path);
    portal.expire_access_tokens();
    let through_link = format!("file:{}", link.display());
    assert_answered(&client.call_json(portal.base_url(), "server.time", "", &through_link));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let new = read(&path);
    assert_ne!(new["refresh_token"], old["refresh_token"]);
    // The file's own name uses the new pair: no second renewal.
    assert_answered(&client.call_json(portal.base_url(), "server.time", "", &token));
    assert_eq!(portal.refreshes(), (1, 0));
}

/// GetList whose token expires during the export: the pages in flight meet
/// it together, one renews, the others take the new pair and go on.
#[test]
fn a_list_export_goes_on_through_an_expiry_with_one_renewal() {
    let rows = 20_000;
    let portal = portal_with(Duration::from_secs(3600), rows);
    let client = client_of(&portal);
    let (_, token) = token_file(&client, &portal, &folder("list"));
    for (round, mode) in [ListMode::Offset, ListMode::ById].into_iter().enumerate() {
        let mut out = Vec::new();
        let mut expired = false;
        let summary = client.get_list_to(
            portal.base_url(),
            "crm.contact.list",
            "",
            &token,
            mode,
            &mut out,
            &mut |progress| {
                if !expired && progress.requests >= 1 {
                    portal.expire_access_tokens();
                    expired = true;
                }
            },
        );
        assert_answered(&summary);
        assert_eq!(parse(summary.json())["total"], rows, "{mode:?}");
        assert_eq!(portal.refreshes(), (round + 1, 0), "{mode:?}");
    }
}

#[test]
fn eight_threads_across_several_expiries_renew_once_per_expiry() {
    let portal = portal_with(Duration::from_secs(1), 0);
    let client = client_of(&portal);
    let (_, token) = token_file(&client, &portal, &folder("threads"));
    // Tokens live one to two seconds (their end is a whole second).
    let end = Instant::now() + Duration::from_secs(5);
    let calls = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut calls = 0;
                    while Instant::now() < end {
                        let answer = client.call_json(portal.base_url(), "server.time", "", &token);
                        assert_answered(&answer);
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>()
    });
    let (refreshes, premature) = portal.refreshes();
    assert!(
        (2..=6).contains(&refreshes),
        "{refreshes} refreshes, {calls} calls"
    );
    assert_eq!(premature, 0, "a pair was renewed before it expired");
    assert!(calls > 8 * refreshes, "{calls} calls");
}

#[test]
fn four_oint_processes_meeting_one_expiry_renew_once_and_all_succeed() {
    let portal = portal_with(Duration::from_secs(3600), 0);
    let client = client_of(&portal);
    let (path, token) = token_file(&client, &portal, &folder("processes"));
    let old = read(&path);
    portal.expire_access_tokens();
    let oint = Path::new(env!("CARGO_BIN_EXE_oint"));
    let processes: Vec<_> = (0..4)
        .map(|_| {
            Command::new(oint)
                .args(["bitrix24", "CallMethod", "--url", portal.base_url()])
                .args(["--method", "server.time", "--token", &token])
                .env("SSL_CERT_FILE", &TestCa::global().pem_path)
                .env("OPI_BITRIX24_OAUTH_URL", portal.oauth_url().as_str())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for process in processes {
        let output = process.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}{stderr}");
        assert!(parse(&stdout)["result"].is_string(), "{stdout}");
        assert_no_secret(&format!("{stdout}{stderr}"));
    }
    assert_eq!(portal.refreshes(), (1, 0));
    assert_ne!(read(&path)["access_token"], old["access_token"]);
}

#[test]
fn a_refused_renewal_is_the_oauth_servers_error_and_the_file_is_unchanged() {
    let portal = portal_with(Duration::from_secs(3600), 0);
    let client = client_of(&portal);
    let dir = folder("refused");
    let (path, token) = token_file(&client, &portal, &dir);
    // Someone else spends the file's refresh token.
    let refresh = read(&path)["refresh_token"].as_str().unwrap().to_owned();
    assert_answered(&client.refresh_token(CLIENT_ID, CLIENT_SECRET, &refresh));
    portal.expire_access_tokens();
    let before = std::fs::read(&path).unwrap();
    let answer = client.call_json(portal.base_url(), "server.time", "", &token);
    assert_eq!(
        answer.error_code(),
        Some("invalid_grant"),
        "{}",
        answer.json()
    );
    let description = parse(answer.json())["error_description"].to_string();
    assert!(description.contains("tokens.json"), "{description}");
    assert!(!answer.json().contains(&refresh), "{}", answer.json());
    assert_no_secret(answer.json());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A wrong client secret: the server's invalid_client, the file as it was.
    let mut file = read(&path);
    file["client_secret"] = "n0tTheS3cret".into();
    std::fs::write(&path, file.to_string()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let answer = client.get_user_status(portal.base_url(), &token);
    assert_eq!(
        answer.error_code(),
        Some("invalid_client"),
        "{}",
        answer.json()
    );
    assert!(!answer.json().contains("n0tTheS3cret"), "{}", answer.json());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A batch whose renewal is refused ran nothing.
    let answer = client.batch(
        portal.base_url(),
        r#"[{"method":"server.time"}]"#,
        false,
        &token,
    );
    assert_eq!(
        answer.error_code(),
        Some("invalid_client"),
        "{}",
        answer.json()
    );
    assert_eq!(parse(answer.json())["batch"]["not_sent"][0], "0");
}

#[test]
fn a_missing_or_invalid_file_is_named_with_what_is_wrong() {
    let portal = portal_with(Duration::from_secs(3600), 0);
    let client = client_of(&portal);
    let dir = folder("invalid");
    let path = dir.join("broken tokens.json");
    let token = format!("file:{}", path.display());
    let secret = "s3cr3tInTheFile";
    for (contents, says) in [
        (None, "cannot be read"),
        (
            Some(format!("{{\"access_token\": \"{secret}\"")),
            "not valid JSON",
        ),
        (Some(format!("[\"{secret}\"]")), "not a JSON object"),
        (
            Some(format!(
                "{{\"access_token\": \"{secret}\", \"refresh_token\": \"{secret}\"}}"
            )),
            "has no client_id",
        ),
    ] {
        if let Some(contents) = &contents {
            std::fs::write(&path, contents).unwrap();
        }
        for answer in [
            client.call_json(portal.base_url(), "server.time", "", &token),
            client.batch(
                portal.base_url(),
                r#"[{"method":"server.time"}]"#,
                false,
                &token,
            ),
            client.get_list(
                portal.base_url(),
                "crm.contact.list",
                "",
                &token,
                ListMode::Offset,
            ),
        ] {
            assert_eq!(
                answer.error_code(),
                Some("OPI_INVALID_ARGUMENT"),
                "{}",
                answer.json()
            );
            let description = parse(answer.json())["error_description"].to_string();
            assert!(description.contains("broken tokens.json"), "{description}");
            assert!(description.contains(says), "{description}");
            assert!(!description.contains(secret), "{description}");
        }
    }
    let answer = client.call_json(portal.base_url(), "server.time", "", "file:");
    assert_eq!(answer.error_code(), Some("OPI_INVALID_ARGUMENT"));
    assert!(answer.json().contains("no path"), "{}", answer.json());
}

/// Every front makes a token file with GetToken's or RefreshToken's last
/// argument, and calls with `file:<path>` through an expiry; the answers
/// hold neither the refresh token nor the client secret.
#[test]
fn every_front_makes_a_token_file_and_calls_with_it_through_an_expiry() {
    use support::fronts::{Front, Function, raw};
    let portal = portal_with(Duration::from_secs(3600), 0);
    let dir = folder("fronts");
    let env = [
        (
            "SSL_CERT_FILE",
            TestCa::global().pem_path.display().to_string(),
        ),
        ("OPI_BITRIX24_OAUTH_URL", portal.oauth_url().to_string()),
    ];
    // The C ABI in this process is the C program's code, which runs with
    // this portal's settings in a process of its own.
    let fronts = [
        Front::Rust,
        Front::CProgram,
        Front::AddinPlatform,
        Front::AddinOneScript,
        Front::Cli,
    ];
    let (mut refreshes, mut asked) = (0, 0);
    for front in fronts {
        let path = dir.join(format!("{front:?}.json"));
        let file = path.display().to_string();
        let token = format!("file:{file}");
        let code = portal.issue_code();
        let made = raw(
            front,
            Function::GetTokenToFile,
            &[CLIENT_ID, CLIENT_SECRET, &code, &file],
            &env,
        );
        let made = answer_of(&made.text);
        assert!(made["access_token"].is_string(), "{front:?}: {made}");
        assert!(made.get("refresh_token").is_none(), "{front:?}: {made}");
        assert_eq!(read(&path)["client_secret"], CLIENT_SECRET, "{front:?}");
        assert_owner_only(&path);
        let refresh = read(&path)["refresh_token"].as_str().unwrap().to_owned();
        let renewed = raw(
            front,
            Function::RefreshTokenToFile,
            &[CLIENT_ID, CLIENT_SECRET, &refresh, &file],
            &env,
        );
        assert!(
            answer_of(&renewed.text)["access_token"].is_string(),
            "{front:?}: {}",
            renewed.text
        );
        // Asked for: the access token it replaces still lived.
        refreshes += 1;
        asked += 1;
        let refresh = read(&path)["refresh_token"].as_str().unwrap().to_owned();
        portal.expire_access_tokens();
        for (function, args) in [
            (
                Function::Call,
                vec![portal.base_url(), "server.time", "", &token],
            ),
            (Function::GetUserStatus, vec![portal.base_url(), &token]),
            (
                Function::Batch,
                vec![
                    portal.base_url(),
                    r#"[{"method":"server.time"}]"#,
                    "false",
                    &token,
                ],
            ),
        ] {
            let answer = raw(front, function, &args, &env);
            let text = format!("{}{}", answer.text, answer.stderr);
            assert!(
                answer_of(&answer.text).get("error").is_none(),
                "{front:?} {function:?}: {text}"
            );
            assert!(
                !text.contains(&refresh) && !text.contains(CLIENT_SECRET),
                "{text}"
            );
        }
        refreshes += 1;
        assert_eq!(portal.refreshes(), (refreshes, asked), "{front:?}");
    }
}

/// The JSON document a front printed: the add-in hosts' `RESULT` line, or
/// the whole text.
fn answer_of(text: &str) -> Value {
    let line = text.lines().find_map(|line| line.strip_prefix("RESULT "));
    match line {
        Some(line) => parse(line.split_once(' ').expect("label and JSON").1),
        None => parse(text),
    }
}
