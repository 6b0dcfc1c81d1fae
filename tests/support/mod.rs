//! What the integration tests share: the portal emulator, its TLS, and the
//! paths of the built artifacts. Each test binary uses a part of it, as the
//! crate `opi-test-support` (`use opi_test_support as support;`).

pub mod faults;
pub mod fronts;
pub mod http;
pub mod php;
pub mod portal;
pub mod queue;
pub mod tls;
pub mod windows;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use opi_bitrix24::{Client, Config};

pub use portal::*;
pub use queue::OfflineRecord;
pub use tls::TestCa;

/// target/<profile>, where cargo put the library and `oint`.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let deps = exe.parent().expect("deps folder");
    deps.parent().expect("profile folder").to_path_buf()
}

/// The library's crate folder, which the tests' sources are relative to.
fn crate_dir() -> &'static Path {
    let support = Path::new(env!("CARGO_MANIFEST_DIR"));
    support
        .parent()
        .and_then(Path::parent)
        .expect("tests/support is two levels down")
}

/// target/tmp, cargo's folder for the files tests make (CARGO_TARGET_TMPDIR,
/// which cargo sets for test and benchmark targets but not for this crate).
pub(crate) fn tmp_dir() -> PathBuf {
    let tmp = target_dir()
        .parent()
        .expect("the target folder")
        .join("tmp");
    std::fs::create_dir_all(&tmp).expect("the temporary target folder");
    tmp
}

/// The `time` of every answer of a [`frozen_portal`]: the seed page's example.
pub const FROZEN_CLOCK: f64 = 1722083795.3692;

/// A portal whose answers are the same for the same call, so that fronts can be compared.
pub fn frozen_portal() -> Portal {
    Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        ..PortalOptions::default()
    })
}

/// A client trusting the test CA, with `config`'s other settings (the
/// test's own, then `..Config::default()`): how every test makes one. Its
/// state shared with other processes is kept in [`state_dir`] unless the
/// test names a directory.
pub fn test_client(config: Config) -> Client {
    Client::new(Config {
        ca_file: Some(TestCa::global().pem_path.clone()),
        state_dir: config.state_dir.clone().or_else(|| Some(state_dir())),
        ..config
    })
    .expect("a client")
}

/// target/tmp/state: the state directory (`OPI_BITRIX24_STATE_DIR`) of the
/// tests' clients and programs, so that a test run leaves its state files
/// there rather than in the user's own directory.
pub fn state_dir() -> PathBuf {
    tmp_dir().join("state")
}

/// Settings for fault tests: a short read timeout, quick retries, no pacing.
pub fn fault_config() -> Config {
    Config {
        read_timeout: Some(Duration::from_millis(600)),
        timeout: Duration::from_secs(10),
        retry_delay: Duration::from_millis(10),
        attempts: 3,
        pacing: opi_bitrix24::Pacing::Off,
        ..Config::default()
    }
}

/// 60 `server.time` commands whose sixth fails (`crm.deal.get` of a deal
/// that does not exist): with halt, the portal stops there and the second
/// request is not sent.
pub fn commands_failing_at_the_sixth() -> String {
    let mut commands: Vec<serde_json::Value> = (0..60)
        .map(|_| serde_json::json!({"method": "server.time"}))
        .collect();
    commands[5] = serde_json::json!({"method": "crm.deal.get", "params": {"ID": 999}});
    serde_json::Value::Array(commands).to_string()
}

/// Makes this process trust the test CA, before the library's shared client
/// exists (it reads SSL_CERT_FILE once, when made).
pub fn trust_test_ca() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let path = &TestCa::global().pem_path;
        // SAFETY: runs once, before any thread of this test process reads the
        // environment (every test calls this first, and waits on the Once).
        unsafe { std::env::set_var("SSL_CERT_FILE", path) };
    });
}

/// The JSON document `text`, parsed, or a failure that shows it.
pub fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Fails if a secret or token of the test portal appears in `text`.
pub fn assert_no_secret(text: &str) {
    for secret in [
        WEBHOOK_SECRET,
        APP_TOKEN,
        EXPIRED_TOKEN,
        NO_SCOPE_SECRET,
        CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

/// Compiles a C or C++ test program from `source` (relative to the crate)
/// with `compiler` and `flags`, once for all test processes: the program is
/// named by a hash of its source and flags, and moved into place atomically.
pub fn compile(compiler: &str, flags: &[&str], source: &str, libraries: &[&str]) -> PathBuf {
    let root = crate_dir();
    let text = std::fs::read(root.join(source)).unwrap_or_else(|e| panic!("read {source}: {e}"));
    let header = std::fs::read(root.join("include/opi_bitrix24.h")).unwrap_or_default();
    let mut hasher = DefaultHasher::new();
    (&text, &header, compiler, flags, libraries).hash(&mut hasher);
    let stem = Path::new(source)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("program");
    let tmp = tmp_dir();
    let program = tmp.join(format!("{stem}-{:016x}", hasher.finish()));
    if program.exists() {
        return program;
    }
    // Unique per process and per call: threads of one test binary compile
    // at the same time, and a shared partial file would be renamed half-written.
    static COMPILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let attempt = COMPILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let partial = tmp.join(format!("{stem}-{}-{attempt}.partial", std::process::id()));
    let output = Command::new(compiler)
        .args(flags)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join(source))
        .args(libraries)
        .arg("-o")
        .arg(&partial)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        output.status.success(),
        "compiling {source} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&partial, &program).expect("move the program into place");
    program
}

/// The built shared library, which `cargo test` alone does not make.
pub fn shared_library() -> PathBuf {
    let library = target_dir().join("libopi_bitrix24.so");
    assert!(
        library.exists(),
        "{} is missing: run `cargo build` first (tests/run.sh does)",
        library.display()
    );
    library
}

/// tests/c/opi_bitrix24_test.c, compiled strictly against the header and the built library.
pub fn c_test_program() -> PathBuf {
    let library_dir = format!(
        "-L{}",
        shared_library().parent().expect("target folder").display()
    );
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    compile(
        &compiler,
        &[
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-g",
        ],
        "tests/c/opi_bitrix24_test.c",
        &[&library_dir, "-lopi_bitrix24"],
    )
}

/// The 1C host emulation, tests/addin/host.cpp, compiled with the system's C++ compiler.
pub fn addin_host() -> PathBuf {
    let compiler = std::env::var("CXX").unwrap_or_else(|_| "g++".into());
    compile(
        &compiler,
        &[
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-g",
        ],
        "tests/addin/host.cpp",
        &["-ldl"],
    )
}

/// `program` run under valgrind's memcheck: any invalid access or definite
/// leak makes it fail; tests/valgrind.supp names the known false positives.
pub fn under_valgrind(program: &Path) -> Command {
    let mut command = Command::new("valgrind");
    command
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
            "--num-callers=40",
        ])
        .arg(format!(
            "--suppressions={}",
            crate_dir().join("tests/valgrind.supp").display()
        ))
        .arg(program);
    command
}

/// Where a 1C host emulation runs.
#[derive(Debug, Clone, Copy)]
pub enum Host {
    /// tests/addin/host.cpp on the built shared library.
    Linux,
    /// The same under valgrind, which must find no error.
    Valgrind,
    /// tests/windows/host.c on that architecture's DLL, under Wine
    /// ([`windows::wine`]).
    Wine(windows::Windows),
}

/// Runs the host emulation `host` with `args`, with the test CA trusted,
/// quick retries and no pacing.
pub fn run_host(host: Host, args: &[&str]) -> Output {
    let mut command = match host {
        Host::Linux | Host::Valgrind => {
            let mut command = if matches!(host, Host::Valgrind) {
                under_valgrind(&addin_host())
            } else {
                Command::new(addin_host())
            };
            command
                .arg(shared_library())
                .env("SSL_CERT_FILE", &TestCa::global().pem_path)
                .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
                .env("OPI_BITRIX24_RATE_LIMIT", "off");
            command
        }
        Host::Wine(arch) => {
            let mut command = windows::wine(&arch.addin_host());
            command.arg(windows::windows_path(&arch.dll()));
            command
        }
    };
    let output = command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run the host emulation ({host:?}): {e}"));
    if matches!(host, Host::Valgrind) {
        assert_valgrind_clean(&output);
    }
    output
}

/// Fails unless valgrind reported zero errors.
pub fn assert_valgrind_clean(output: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ERROR SUMMARY: 0 errors"),
        "valgrind found errors:\n{stderr}"
    );
}

/// Runs `command` with `input` on its standard input, collecting both outputs.
pub fn output_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

/// The standard output of a run that must have succeeded; else fails showing both streams.
pub fn successful_stdout(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The standard output of a host emulation run with no failed check.
pub fn host_stdout(output: &Output) -> String {
    let stdout = successful_stdout(output);
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    stdout
}

/// The `RESULT <label> <json>` lines of a host emulation's run.
pub fn host_results(stdout: &str) -> Vec<(String, serde_json::Value)> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("RESULT "))
        .map(|rest| {
            let (label, json) = rest.split_once(' ').expect("label and JSON");
            (label.to_owned(), parse(json))
        })
        .collect()
}

/// Checks a host run's answers: each `…-webhook` one equals `webhook`, every
/// other one `token`, and all of them succeeded.
pub fn assert_host_answers(stdout: &str, webhook: &serde_json::Value, token: &serde_json::Value) {
    let found = host_results(stdout);
    assert!(found.len() >= 2, "{stdout}");
    for (label, value) in found {
        let expected = if label.ends_with("-webhook") {
            webhook
        } else {
            token
        };
        assert_eq!(&value, expected, "{label}: the host's answer differs");
        assert_eq!(value["result"], serde_json::json!(true), "{label}");
    }
}

/// Runs the C test program through `run` against a frozen portal: both of
/// the seed's calls must give the Rust API's documents, and send the same
/// requests as the Rust API.
pub fn check_c_program_seed_calls(run: impl Fn(&[&str]) -> Output) {
    let portal = frozen_portal();
    let rust = test_client(Config::default());
    let (webhook, domain) = (portal.webhook_url(), portal.domain());
    for args in [
        vec!["call", &webhook, "dnd"],
        vec!["call", &domain, "away", APP_TOKEN],
    ] {
        let from_c = successful_stdout(&run(&args));
        let from_rust = rust.set_user_status(args[1], args[2], args.get(3).copied().unwrap_or(""));
        assert_eq!(parse(&from_c), parse(from_rust.json()), "call {args:?}");
        assert_eq!(parse(&from_c)["result"], serde_json::json!(true));
    }
    let requests = portal.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].target, requests[1].target);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(requests[2].body, requests[3].body);
}

/// Runs the C test program through `run` with a wrong webhook and an expired
/// token: the portal's errors come back, with no secret in them.
pub fn check_c_program_portal_errors(run: impl Fn(&[&str]) -> Output) {
    let portal = Portal::start();
    let wrong = format!("{}/rest/1/{WEBHOOK_SECRET}x/", portal.base_url());
    let from_c = successful_stdout(&run(&["call", &wrong, "dnd"]));
    assert_eq!(parse(&from_c)["error"], "INVALID_CREDENTIALS");
    let domain = portal.domain();
    let from_c = successful_stdout(&run(&["call", &domain, "dnd", EXPIRED_TOKEN]));
    assert_eq!(parse(&from_c)["error"], "expired_token");
    assert_no_secret(&from_c);
}

/// A host emulation's arguments for `mode` (platform or onescript) against `portal`.
pub fn host_args(portal: &Portal, mode: &str) -> Vec<String> {
    vec![
        mode.into(),
        portal.webhook_url(),
        portal.domain(),
        APP_TOKEN.into(),
        opi_bitrix24::VERSION.into(),
    ]
}
