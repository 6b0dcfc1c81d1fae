//! Every front of the library, called the same way: the Rust API, the C ABI
//! in this process, the C test program, the add-in in both hosts' orders,
//! and the `oint` command line. Each function of the library is named by its
//! C name; its arguments are the same text on every front.

use std::ffi::{CStr, CString, c_char};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::{
    Portal, PortalOptions, TestCa, addin_host, c_test_program, parse, shared_library, target_dir,
    test_client,
};

/// A way into the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    Rust,
    CAbi,
    CProgram,
    AddinPlatform,
    AddinOneScript,
    Cli,
}

pub const FRONTS: [Front; 6] = [
    Front::Rust,
    Front::CAbi,
    Front::CProgram,
    Front::AddinPlatform,
    Front::AddinOneScript,
    Front::Cli,
];

/// A function of the library, by its C name (`opi_bitrix24_<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Call,
    SetUserStatus,
    GetUserStatus,
    GetToken,
    RefreshToken,
    /// GetToken with its optional last argument, the token file to write.
    GetTokenToFile,
    /// RefreshToken with its optional last argument, the token file to write.
    RefreshTokenToFile,
    /// Arguments: URL, commands, halt ("true" or "false"), token.
    Batch,
    /// Arguments: URL, method, params, token, by ID ("true" or "false").
    GetList,
    /// One of OpenIntegrations' functions. Arguments: its name, and its
    /// arguments as a JSON object keyed by CLI option (the CLI passes each
    /// as `--option value`).
    RunFunction,
}

impl Function {
    fn c_name(self) -> &'static str {
        match self {
            Function::Call => "call",
            Function::SetUserStatus => "set_user_status",
            Function::GetUserStatus => "get_user_status",
            Function::GetToken => "get_token",
            Function::RefreshToken => "refresh_token",
            Function::GetTokenToFile => "get_token_to_file",
            Function::RefreshTokenToFile => "refresh_token_to_file",
            Function::Batch => "batch",
            Function::GetList => "get_list",
            Function::RunFunction => "function",
        }
    }

    /// The add-in's and the CLI's name: OpenIntegrations'.
    fn opi_name(self) -> &'static str {
        match self {
            Function::Call => "CallMethod",
            Function::SetUserStatus => "SetUserStatus",
            Function::GetUserStatus => "GetUserStatus",
            Function::GetToken | Function::GetTokenToFile => "GetToken",
            Function::RefreshToken | Function::RefreshTokenToFile => "RefreshToken",
            Function::Batch => "Batch",
            Function::GetList => "GetList",
            Function::RunFunction => "RunFunction",
        }
    }

    /// The CLI's options, in the order of the arguments.
    fn cli_options(self) -> &'static [&'static str] {
        match self {
            Function::Call => &["--url", "--method", "--params", "--token"],
            Function::SetUserStatus => &["--url", "--status", "--token"],
            Function::GetUserStatus => &["--url", "--token"],
            Function::GetToken => &["--clientid", "--clientsecret", "--code"],
            Function::RefreshToken => &["--clientid", "--clientsecret", "--refresh"],
            Function::GetTokenToFile => &["--clientid", "--clientsecret", "--code", "--file"],
            Function::RefreshTokenToFile => {
                &["--clientid", "--clientsecret", "--refresh", "--file"]
            }
            Function::Batch => &["--url", "--commands", "--halt", "--token"],
            Function::GetList => &["--url", "--method", "--params", "--token", "--by-id"],
            Function::RunFunction => &[],
        }
    }

    /// The add-in's kind of each argument (`host invoke … KINDS`): t a
    /// String, b a Boolean.
    fn addin_kinds(self) -> &'static str {
        match self {
            Function::Batch => "ttbt",
            Function::GetList => "ttttb",
            _ => "",
        }
    }
}

/// A Boolean argument's text as the add-in hosts' emulations take it: the
/// byte the host stores. "true" is 1, "false" 0; a number is that byte.
fn boolean_byte(text: &str) -> &str {
    match text {
        "true" => "1",
        "false" => "0",
        byte => byte,
    }
}

/// The settings every front of this process runs with: the test CA trusted,
/// the OAuth server of [`shared_portal`], quick retries. Set in this
/// process's environment once, before the library's shared client is made,
/// and passed to every program started.
pub fn environment() -> &'static [(&'static str, String)] {
    static ENVIRONMENT: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let settings = vec![
            (
                "SSL_CERT_FILE",
                TestCa::global().pem_path.display().to_string(),
            ),
            (
                "OPI_BITRIX24_OAUTH_URL",
                shared_portal().oauth_url().to_string(),
            ),
            ("OPI_BITRIX24_RETRY_DELAY", "0.01".to_owned()),
            (
                "OPI_BITRIX24_STATE_DIR",
                super::state_dir().display().to_string(),
            ),
        ];
        for (name, value) in &settings {
            // SAFETY: runs once, inside OnceLock, before this process's
            // tests read the environment through the library.
            unsafe { std::env::set_var(name, value) };
        }
        settings
    })
}

/// The portal every front of this process calls: frozen clock, no bucket
/// (the fronts' calls are compared, not paced), and its OAuth server.
pub fn shared_portal() -> &'static Portal {
    static PORTAL: OnceLock<Portal> = OnceLock::new();
    PORTAL.get_or_init(|| {
        Portal::with(PortalOptions {
            frozen_clock: Some(super::FROZEN_CLOCK),
            bucket: None,
            ..PortalOptions::default()
        })
    })
}

/// A client with the settings of [`environment`], for the Rust front.
fn rust_client() -> &'static opi_bitrix24::Client {
    static CLIENT: OnceLock<opi_bitrix24::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        environment();
        opi_bitrix24::Client::new(opi_bitrix24::Config::from_env().expect("settings"))
            .expect("a client")
    })
}

/// Calls `function` with `args` through `front`, with this process's
/// settings ([`environment`]); the JSON document it gave, the program
/// checked to have ended as it should.
pub fn invoke(front: Front, function: Function, args: &[&str]) -> Value {
    let Raw { text, stderr, exit } = raw(front, function, args, environment());
    super::assert_no_secret(&stderr);
    match front {
        Front::Rust | Front::CAbi => parse(&text),
        Front::CProgram | Front::AddinPlatform | Front::AddinOneScript => {
            assert_eq!(exit, Some(0), "{front:?} {function:?}: {text}{stderr}");
            let text = match front {
                Front::CProgram => text,
                _ => {
                    assert!(text.contains(" passed, 0 failed"), "{front:?}: {text}");
                    let line = text
                        .lines()
                        .find_map(|line| line.strip_prefix("RESULT "))
                        .unwrap_or_else(|| panic!("{front:?} printed no RESULT: {text}"));
                    line.split_once(' ').expect("label and JSON").1.to_owned()
                }
            };
            parse(&text)
        }
        Front::Cli => {
            let answer = parse(&text);
            // oint's exit codes (docs/cli.md): 2 for an argument refused
            // before sending, 1 for another error, 0 without one.
            let expected_exit = match answer.get("error").and_then(Value::as_str) {
                None => 0,
                Some("OPI_INVALID_ARGUMENT") => 2,
                Some(_) => 1,
            };
            assert_eq!(exit, Some(expected_exit), "oint exit: {text}");
            answer
        }
    }
}

/// What a front gave for one call: the answer (in-process) or what the
/// program printed on standard output, what it printed on standard error,
/// and its exit code.
pub struct Raw {
    pub text: String,
    pub stderr: String,
    pub exit: Option<i32>,
}

/// Calls `function` through `front` with the settings `env` (the in-process
/// C ABI has only this process's environment, read once: `env` must be
/// [`environment`] for it).
pub fn raw(front: Front, function: Function, args: &[&str], env: &[(&'static str, String)]) -> Raw {
    let in_process = |text| Raw {
        text,
        stderr: String::new(),
        exit: None,
    };
    match front {
        Front::Rust => in_process(through_rust(function, args, env)),
        Front::CAbi => {
            assert!(
                std::ptr::eq(env, environment()),
                "the C ABI runs with this process's settings"
            );
            in_process(through_c_abi(function, args))
        }
        Front::CProgram => run(
            Command::new(c_test_program())
                .arg("invoke")
                .arg(function.c_name())
                .args(args),
            None,
            env,
        ),
        Front::AddinPlatform | Front::AddinOneScript => {
            let order = if front == Front::AddinPlatform {
                "platform"
            } else {
                "onescript"
            };
            let kinds = function.addin_kinds();
            let args: Vec<&str> = args
                .iter()
                .zip(kinds.chars().chain(std::iter::repeat('t')))
                .map(|(arg, kind)| if kind == 'b' { boolean_byte(arg) } else { arg })
                .collect();
            run(
                Command::new(addin_host())
                    .arg(shared_library())
                    .args(["invoke", order, function.opi_name()])
                    .args((!kinds.is_empty()).then_some(kinds)),
                Some(args.join("\0").as_bytes()),
                env,
            )
        }
        Front::Cli if function == Function::RunFunction => {
            let mut command = Command::new(target_dir().join("oint"));
            command.args(["bitrix24", args[0]]);
            let Value::Object(options) = parse(args.get(1).copied().unwrap_or("{}")) else {
                panic!("RunFunction's arguments are an object");
            };
            for (option, value) in options {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                command.arg(format!("--{option}")).arg(text);
            }
            run(&mut command, None, env)
        }
        Front::Cli => {
            let mut command = Command::new(target_dir().join("oint"));
            command.args(["bitrix24", function.opi_name()]);
            for (option, value) in function.cli_options().iter().zip(args) {
                match *option {
                    // A flag: given for "true".
                    "--halt" | "--by-id" => {
                        command.args((*value == "true").then_some(option));
                    }
                    _ => {
                        command.arg(option).arg(value);
                    }
                }
            }
            run(&mut command, None, env)
        }
    }
}

fn through_rust(function: Function, a: &[&str], env: &[(&'static str, String)]) -> String {
    let custom;
    let client = if std::ptr::eq(env, environment()) {
        rust_client()
    } else {
        let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        custom = test_client(opi_bitrix24::Config::from_vars(lookup).expect("settings"));
        &custom
    };
    let answer = match function {
        Function::Call => client.call_json(a[0], a[1], a[2], a[3]),
        Function::SetUserStatus => client.set_user_status(a[0], a[1], a[2]),
        Function::GetUserStatus => client.get_user_status(a[0], a[1]),
        Function::GetToken => client.get_token(a[0], a[1], a[2]),
        Function::RefreshToken => client.refresh_token(a[0], a[1], a[2]),
        Function::GetTokenToFile => client.get_token_to_file(a[0], a[1], a[2], a[3].as_ref()),
        Function::RefreshTokenToFile => {
            client.refresh_token_to_file(a[0], a[1], a[2], a[3].as_ref())
        }
        Function::Batch => client.batch(a[0], a[1], a[2] == "true", a[3]),
        Function::GetList => {
            let mode = match a[4] {
                "true" => opi_bitrix24::ListMode::ById,
                _ => opi_bitrix24::ListMode::Offset,
            };
            client.get_list(a[0], a[1], a[2], a[3], mode)
        }
        Function::RunFunction => client.run_function_json(a[0], a.get(1).copied().unwrap_or("")),
    };
    answer.into_json()
}

fn through_c_abi(function: Function, args: &[&str]) -> String {
    use opi_bitrix24::capi::*;
    let owned: Vec<CString> = args
        .iter()
        .map(|a| CString::new(*a).expect("no NUL in a test argument"))
        .collect();
    let a: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
    // SAFETY: every pointer is a live NUL-terminated string for the call.
    let answer = unsafe {
        match function {
            Function::Call => opi_bitrix24_call(a[0], a[1], a[2], a[3]),
            Function::SetUserStatus => opi_bitrix24_set_user_status(a[0], a[1], a[2]),
            Function::GetUserStatus => opi_bitrix24_get_user_status(a[0], a[1]),
            Function::GetToken => opi_bitrix24_get_token(a[0], a[1], a[2]),
            Function::RefreshToken => opi_bitrix24_refresh_token(a[0], a[1], a[2]),
            Function::GetTokenToFile => opi_bitrix24_get_token_to_file(a[0], a[1], a[2], a[3]),
            Function::RefreshTokenToFile => {
                opi_bitrix24_refresh_token_to_file(a[0], a[1], a[2], a[3])
            }
            Function::Batch => opi_bitrix24_batch(a[0], a[1], args[2] == "true", a[3]),
            Function::GetList => opi_bitrix24_get_list(a[0], a[1], a[2], a[3], args[4] == "true"),
            Function::RunFunction => opi_bitrix24_function(a[0], a[1]),
        }
    };
    // SAFETY: the library's answer, taken once.
    unsafe { take_c_string(answer) }
}

/// `opi_bitrix24_set_user_status` with raw pointers, NULL allowed: the
/// answer's text, freed.
///
/// # Safety
///
/// Each pointer is NULL or a NUL-terminated string live for the call.
pub unsafe fn c_set_user_status_raw(
    url: *const c_char,
    status: *const c_char,
    token: *const c_char,
) -> String {
    // SAFETY: each pointer is NULL or a live NUL-terminated string, as the caller promises.
    let answer = unsafe { opi_bitrix24::capi::opi_bitrix24_set_user_status(url, status, token) };
    // SAFETY: the library's answer, taken once.
    unsafe { take_c_string(answer) }
}

/// `opi_bitrix24_set_user_status` with text; `None` passes NULL as the token.
pub fn c_set_user_status(url: &str, status: &str, token: Option<&str>) -> String {
    let c = |s: &str| CString::new(s).expect("no NUL in a test argument");
    let (url, status, token) = (c(url), c(status), token.map(c));
    // SAFETY: live NUL-terminated strings, or NULL for no token.
    unsafe {
        c_set_user_status_raw(
            url.as_ptr(),
            status.as_ptr(),
            token.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
        )
    }
}

/// The text of a string the C ABI returned, which is then freed.
///
/// # Safety
///
/// `answer` is a string a function of the C ABI returned, not yet freed;
/// it is freed here, so it must not be used again.
pub unsafe fn take_c_string(answer: *mut c_char) -> String {
    assert!(!answer.is_null(), "the answer is never NULL");
    // SAFETY: the library returned a NUL-terminated string it owns until freed.
    let text = unsafe { CStr::from_ptr(answer) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    // SAFETY: returned by the library, freed once.
    unsafe { opi_bitrix24::capi::opi_string_free(answer) };
    text
}

fn run(command: &mut Command, stdin: Option<&[u8]>, env: &[(&'static str, String)]) -> Raw {
    command
        .env("SSL_CERT_FILE", &TestCa::global().pem_path)
        .envs(env.iter().map(|(name, value)| (*name, value)));
    let output = super::output_with_stdin(command, stdin.unwrap_or_default());
    Raw {
        text: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        exit: output.status.code(),
    }
}

/// `(error, error_description)` of an error document, checked to hold no
/// secret of the test portal.
pub fn error_of(answer: &Value) -> (String, String) {
    super::assert_no_secret(&answer.to_string());
    (
        answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error: {answer}"))
            .to_owned(),
        answer["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}
