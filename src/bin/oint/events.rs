//! `oint bitrix24 WatchOfflineEvents`: the library's consumer loop
//! (docs/events.md) with a shell command, or standard output, as the
//! delivery; and ParseEvent's body read from a file or standard input.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opi_bitrix24::{Answer, Delivery, Error, OfflineEvent, WatchSettings};
use serde_json::{Map, Value};

use crate::exit::Exit;

pub const WATCH_ABOUT: &str = "Consume the portal's offline event queue at least once. A batch \
is reserved (event.offline.get with clear=0) and its process_id written to the state file before \
anything else; COMMAND runs once per event through the shell (sh -c, or cmd /C on Windows), the \
event's JSON on its standard input and OPI_EVENT_ID, OPI_EVENT_NAME, OPI_EVENT_MESSAGE_ID and \
OPI_EVENT_REDELIVERED in its environment. Exit status 0 clears the event; any other marks it \
failed (event.offline.error), to be read again with GetOfflineEvents --errors true.\n\nWithout \
--exec, each event is printed as one JSON line, and cleared once the line is written and \
flushed. SIGINT or SIGTERM (Ctrl+C) stops it after the event in hand; after a crash it starts \
again from the state file, delivering again an event whose delivery had started (counted as \
redelivered). The summary is printed at the end: on standard output with --exec, on standard \
error without.";

pub const WATCH_EXAMPLES: &str = r#"Examples:
  oint bitrix24 WatchOfflineEvents --url b24-ar17wx.bitrix24.by --token file:tokens.json --exec './import-deal.sh'
  oint bitrix24 WatchOfflineEvents --url b24-ar17wx.bitrix24.by --token file:tokens.json --filter '{"=EVENT_NAME": "ONCRMDEALADD"}' --once > events.jsonl
"#;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The portal's address, e.g. b24-ar17wx.bitrix24.by
    #[arg(long, value_name = "URL")]
    url: String,

    /// An administrator's access token, or file:PATH (a token file)
    ///
    /// Offline events are read by an application only: a webhook gets
    /// WRONG_AUTH_TYPE.
    #[arg(long, value_name = "TOKEN")]
    token: String,

    /// Run COMMAND once per event, its JSON on standard input
    ///
    /// Exit status 0 clears the event; any other marks it failed.
    #[arg(long, value_name = "COMMAND")]
    exec: Option<String>,

    /// The state file, named *.state
    ///
    /// Consumers of one queue keep their state files in one folder, one
    /// file each.
    #[arg(long, value_name = "FILE", default_value = "oint-offline-events.state")]
    state: PathBuf,

    /// Seconds to wait while the queue is empty, or after a failure that may pass
    #[arg(long, value_name = "SECONDS", default_value = "5")]
    interval: f64,

    /// Events reserved at a time
    #[arg(long, value_name = "N", default_value = "50")]
    limit: u32,

    /// Only the events this filter matches: a JSON object, or @FILE
    ///
    /// As event.offline.get's, e.g. {"=EVENT_NAME": "ONCRMDEALADD"}.
    #[arg(long, value_name = "JSON|@FILE")]
    filter: Option<String>,

    /// The auth_connector the events were bound with
    #[arg(
        long,
        value_name = "CONNECTOR",
        default_value = "",
        hide_default_value = true
    )]
    connector: String,

    /// Stop once the queue is empty and nothing is left reserved
    #[arg(long)]
    once: bool,
}

/// Set by SIGINT, SIGTERM or Ctrl+C: the loop stops after the event in hand.
static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
fn catch_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe, and stays valid for the process's life.
        unsafe { libc::signal(signal, handler) };
    }
}

#[cfg(windows)]
unsafe extern "system" fn on_console_event(_: u32) -> i32 {
    STOP.store(true, Ordering::SeqCst);
    1
}

#[cfg(windows)]
fn catch_signals() {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn SetConsoleCtrlHandler(
            handler: Option<unsafe extern "system" fn(u32) -> i32>,
            add: i32,
        ) -> i32;
    }
    // SAFETY: the handler only stores to an atomic and stays valid for the
    // process's life; Windows runs it on a thread of its own.
    unsafe { SetConsoleCtrlHandler(Some(on_console_event), 1) };
}

/// The JSON of a `--filter`: as given, or read from FILE for `@FILE`.
fn filter_of(given: &str) -> Result<Value, Error> {
    let text = match given.strip_prefix('@') {
        None => given.to_owned(),
        Some(path) => std::fs::read_to_string(path).map_err(|error| {
            Error::invalid_argument(format!("cannot read --filter from {path}: {error}"))
        })?,
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(filter @ Value::Object(_)) => Ok(filter),
        _ => Err(Error::invalid_argument(
            "--filter must be a JSON object, e.g. {\"=EVENT_NAME\": \"ONCRMDEALADD\"}",
        )),
    }
}

/// `oint bitrix24 WatchOfflineEvents`.
pub fn watch(a: &WatchArgs) -> Exit {
    let refused = |error: Error| {
        let answer = Answer::from(error);
        println!("{}", crate::indent::indented(answer.json()));
        Exit::of(&answer)
    };
    let filter = match a.filter.as_deref().map(filter_of).transpose() {
        Ok(filter) => filter,
        Err(error) => return refused(error),
    };
    if !(a.interval.is_finite() && (0.0..=86_400.0).contains(&a.interval)) {
        return refused(Error::invalid_argument(
            "--interval must be a number of seconds from 0 to 86400",
        ));
    }
    let client = match opi_bitrix24::Client::shared() {
        Ok(client) => client,
        Err(error) => return refused(error),
    };
    let settings = WatchSettings {
        url: a.url.clone(),
        token: a.token.clone(),
        state: a.state.clone(),
        limit: a.limit,
        filter,
        connector: a.connector.clone(),
        interval: Duration::from_secs_f64(a.interval),
        once: a.once,
    };
    catch_signals();
    let mut deliver = |event: &OfflineEvent| match &a.exec {
        Some(command) => run_command(command, event),
        None => print_line(event),
    };
    let mut notice = |text: &str| eprintln!("oint: {text}");
    let answer = client.watch_offline_events(&settings, &mut deliver, &STOP, &mut notice);
    let summary = crate::indent::indented(answer.json());
    match a.exec {
        Some(_) => println!("{summary}"),
        None => eprintln!("{summary}"),
    }
    Exit::of(&answer)
}

/// Without `--exec`: the event as one line of standard output, flushed
/// before it counts as delivered.
fn print_line(event: &OfflineEvent) -> Delivery {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", event.json).and_then(|()| stdout.flush()) {
        Ok(()) => Delivery::Done,
        Err(error) => {
            eprintln!("oint: cannot write the event {}: {error}", event.id);
            Delivery::Stop
        }
    }
}

/// `--exec`: COMMAND through the shell, in a process group of its own (a
/// Ctrl+C meant for oint does not end it), the event on its standard input.
fn run_command(command: &str, event: &OfflineEvent) -> Delivery {
    #[cfg(unix)]
    let mut shell = {
        use std::os::unix::process::CommandExt;
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(command).process_group(0);
        shell
    };
    #[cfg(windows)]
    let mut shell = {
        use std::os::windows::process::CommandExt;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        let mut shell = Command::new("cmd");
        shell
            .arg("/C")
            .raw_arg(command)
            .creation_flags(CREATE_NEW_PROCESS_GROUP);
        shell
    };
    shell
        .env("OPI_EVENT_ID", &event.id)
        .env("OPI_EVENT_NAME", &event.name)
        .env("OPI_EVENT_MESSAGE_ID", &event.message_id)
        .env(
            "OPI_EVENT_REDELIVERED",
            if event.redelivered { "1" } else { "0" },
        )
        .stdin(Stdio::piped());
    let mut child = match shell.spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!("oint: cannot run --exec: {error}");
            return Delivery::Stop;
        }
    };
    // Written from a thread of its own, so that a command that does not
    // read its input cannot hold the wait up.
    let input = child.stdin.take().map(|mut stdin| {
        let json = format!("{}\n", event.json);
        std::thread::spawn(move || {
            let _ = stdin.write_all(json.as_bytes());
        })
    });
    let status = child.wait();
    if let Some(input) = input {
        let _ = input.join();
    }
    match status {
        Ok(status) if status.success() => Delivery::Done,
        Ok(_) => Delivery::Failed,
        Err(error) => {
            eprintln!("oint: --exec for event {}: {error}", event.id);
            Delivery::Stop
        }
    }
}

/// ParseEvent's `--body`: `@FILE` is read from FILE, `-` or no `--body`
/// from standard input; anything else is the body itself.
pub fn read_body(options: &mut Map<String, Value>) -> Result<(), String> {
    let key = options
        .keys()
        .find(|k| k.eq_ignore_ascii_case("body"))
        .cloned();
    let given = key
        .as_ref()
        .and_then(|k| options.get(k))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let bytes = match given.as_deref() {
        None | Some("-") => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read the body from standard input: {e}"))?;
            bytes
        }
        Some(given) => match given.strip_prefix('@') {
            Some(path) => {
                std::fs::read(path).map_err(|e| format!("cannot read --body from {path}: {e}"))?
            }
            None => return Ok(()),
        },
    };
    let body = String::from_utf8(bytes).map_err(|e| {
        format!(
            "the body is not UTF-8 text (bad byte at {}); a portal's body is percent-encoded",
            e.utf8_error().valid_up_to()
        )
    })?;
    options.insert(
        key.unwrap_or_else(|| "body".to_owned()),
        Value::String(body),
    );
    Ok(())
}
