//! One bucket per host (docs/pacing.md): every process of the host that
//! calls a portal takes its turns from one bucket, kept in a state file.
//!
//! Each scenario is one a new user tried, against a portal whose bucket
//! holds 10 and drains 5 a second, paced at the same numbers
//! (`OPI_BITRIX24_RATE_LIMIT=10/5`) and otherwise with the defaults: C
//! programs calling side by side, a shell loop of `oint` processes, `oint`
//! exporting lists side by side. With the default sharing no call fails, no
//! process meets more than one 503, and the whole ends within 1.15 times
//! what the portal's bucket allows; with `OPI_BITRIX24_SHARED=off`, as
//! before, they do not. A process killed holding the state file's lock
//! holds up the others no longer than its life.
//!
//! Unix only: the programs are the Linux builds, the lock holder Python's
//! `fcntl.flock`.

#![cfg(unix)]

use opi_test_support as support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use opi_bitrix24::{Config, Pacing};
use support::*;

/// The portal's bucket, and the pacing's: 10 requests, draining 5 a second.
const CAPACITY: f64 = 10.0;
const DRAIN: f64 = 5.0;

/// How a run of processes went.
#[derive(Debug)]
struct Run {
    /// Calls that ended in an error.
    errors: usize,
    /// The 503 `QUERY_LIMIT_EXCEEDED` answers each process met, by process
    /// id, from the request log they share.
    refusals: HashMap<String, usize>,
    /// Requests the portal received, those it refused included.
    requests: usize,
    /// Those it refused with 503.
    refused: usize,
    /// The processes that ran at once.
    at_once: usize,
    elapsed: Duration,
}

impl Run {
    /// The least time the portal's bucket allows for the requests it
    /// answered: those past a full bucket, at its drain.
    fn bound(&self) -> Duration {
        let answered = (self.requests - self.refused) as f64;
        Duration::from_secs_f64((answered - CAPACITY).max(0.0) / DRAIN)
    }

    fn most_refusals(&self) -> usize {
        self.refusals.values().copied().max().unwrap_or(0)
    }

    /// No error; at most one 503 per process, and no more in all than
    /// processes ran at once (a loop of processes one at a time meets at
    /// most one); within 1.15 times the bound.
    fn paced_as_one(&self) -> bool {
        self.errors == 0
            && self.most_refusals() <= 1
            && self.refused <= self.at_once
            && self.elapsed <= self.bound().mul_f64(1.15)
    }

    fn show(&self, what: &str) {
        eprintln!(
            "{what}: {} errors, {} requests, {} refused (at most {} by one process), {:.2?} against a bound of {:.2?} ({:.2}×)",
            self.errors,
            self.requests,
            self.refused,
            self.most_refusals(),
            self.elapsed,
            self.bound(),
            self.elapsed.as_secs_f64() / self.bound().as_secs_f64()
        );
    }

    fn assert_paced_as_one(&self, what: &str) {
        self.show(what);
        assert_eq!(self.errors, 0, "{what}: {self:?}");
        assert!(
            self.most_refusals() <= 1,
            "{what}: more than one 503 for a process: {self:?}"
        );
        assert!(
            self.refused <= self.at_once,
            "{what}: more 503s than processes at once: {self:?}"
        );
        assert!(
            self.elapsed <= self.bound().mul_f64(1.15),
            "{what}: {:?} is over 1.15 × {:?}",
            self.elapsed,
            self.bound()
        );
    }
}

/// A folder of the test's own, empty: its state directory and request log.
fn scratch(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("host-wide-{name}"));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A portal with the bucket, and `rows` in each of its lists.
fn limited_portal(rows: usize) -> Portal {
    Portal::with(PortalOptions {
        bucket: Some((CAPACITY, DRAIN)),
        list_rows: rows,
        ..PortalOptions::default()
    })
}

/// Every process's settings: the test CA, pacing at the portal's bucket,
/// `sharing`, the state directory and request log in `folder` (503s are
/// logged at `warn`); the rest the defaults.
fn settings(folder: &Path, sharing: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "SSL_CERT_FILE",
            TestCa::global().pem_path.display().to_string(),
        ),
        ("LD_LIBRARY_PATH", target_dir().display().to_string()),
        ("OPI_BITRIX24_RATE_LIMIT", format!("{CAPACITY}/{DRAIN}")),
        ("OPI_BITRIX24_SHARED", sharing.to_owned()),
        (
            "OPI_BITRIX24_STATE_DIR",
            folder.join("state").display().to_string(),
        ),
        ("OPI_BITRIX24_LOG", folder.join("log").display().to_string()),
        ("OPI_BITRIX24_LOG_LEVEL", "warn".to_owned()),
    ]
}

/// The 503s of the request log in `folder`, by process id.
fn refusals_in(folder: &Path) -> HashMap<String, usize> {
    let mut refusals = HashMap::new();
    let text = std::fs::read_to_string(folder.join("log")).unwrap_or_default();
    for line in text
        .lines()
        .filter(|l| l.contains("error=QUERY_LIMIT_EXCEEDED"))
    {
        let pid = line.split_whitespace().nth(2).unwrap_or_default();
        *refusals.entry(pid.to_owned()).or_default() += 1;
    }
    refusals
}

/// Runs the children `spawn` starts, `at_once` processes at a time, and
/// waits for them; `errors` counts a child's failed calls from its exit
/// and output.
fn run(
    portal: &Portal,
    folder: &Path,
    at_once: usize,
    children: impl FnOnce() -> Vec<Child>,
    errors: impl Fn(std::process::Output) -> usize,
) -> Run {
    let started = Instant::now();
    let errors = children()
        .into_iter()
        .map(|child| errors(child.wait_with_output().unwrap()))
        .sum();
    Run {
        errors,
        refusals: refusals_in(folder),
        requests: portal.requests().len(),
        refused: portal.refused(),
        at_once,
        elapsed: started.elapsed(),
    }
}

/// 8 C programs side by side, each making 12 `opi_bitrix24_call`s of
/// `server.time` (96 calls: 17.2 s at the bucket's drain; the report's 25
/// each would take 38 s).
fn c_programs_side_by_side(sharing: &str) -> Run {
    const PROCESSES: usize = 8;
    const CALLS: usize = 12;
    let portal = limited_portal(0);
    let folder = scratch(&format!("c-programs-{sharing}"));
    let program = c_test_program();
    let webhook = portal.webhook_url();
    let spawn = || {
        (0..PROCESSES)
            .map(|_| {
                Command::new(&program)
                    .args(["repeat-invoke", &CALLS.to_string(), "call", &webhook])
                    .args(["server.time", "{}", "(null)"])
                    .envs(settings(&folder, sharing))
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect()
    };
    run(&portal, &folder, PROCESSES, spawn, |output| {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let failures = stdout
            .split_whitespace()
            .skip_while(|word| *word != "failures")
            .nth(1)
            .and_then(|count| count.parse().ok());
        failures.unwrap_or_else(|| panic!("no count of failures: {stdout}"))
    })
}

/// A shell loop of 60 `oint bitrix24 ServerTime` processes, one after
/// another.
fn oint_loop(sharing: &str) -> Run {
    let portal = limited_portal(0);
    let folder = scratch(&format!("oint-loop-{sharing}"));
    let script = format!(
        "failed=0; for i in $(seq 60); do '{}' bitrix24 ServerTime --url '{}' >/dev/null || failed=$((failed+1)); done; echo $failed",
        target_dir().join("oint").display(),
        portal.webhook_url()
    );
    let spawn = || {
        let child = Command::new("sh")
            .args(["-c", &script])
            .envs(settings(&folder, sharing))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        vec![child]
    };
    run(&portal, &folder, 1, spawn, |output| {
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout.trim().parse().unwrap()
    })
}

/// 4 `oint bitrix24 GetList --out` processes side by side, each exporting
/// a list of `ROWS` contacts (a batch request is 50 pages of 50 items, so
/// one export is 1 + 8 requests; the report's 20,000 took 96 requests for
/// 4, twice as long as a test should take).
fn oint_exports_side_by_side(sharing: &str) -> Run {
    const PROCESSES: usize = 4;
    const ROWS: usize = 20_000;
    let portal = limited_portal(ROWS);
    let folder = scratch(&format!("oint-lists-{sharing}"));
    let spawn = || {
        (0..PROCESSES)
            .map(|index| {
                let out = folder.join(format!("contacts-{index}.json"));
                Command::new(target_dir().join("oint"))
                    .args(["bitrix24", "GetList", "--url", &portal.webhook_url()])
                    .args(["--method", "crm.contact.list", "--out"])
                    .arg(&out)
                    .envs(settings(&folder, sharing))
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect()
    };
    let items = format!("\"items\": {ROWS}");
    run(&portal, &folder, PROCESSES, spawn, |output| {
        let stdout = String::from_utf8_lossy(&output.stdout);
        usize::from(!(output.status.success() && stdout.contains(&items)))
    })
}

#[test]
fn c_programs_side_by_side_take_turns_from_one_bucket() {
    c_programs_side_by_side("host").assert_paced_as_one("8 C programs × 12 calls");
}

#[test]
fn a_shell_loop_of_oint_processes_takes_turns_from_one_bucket() {
    oint_loop("host").assert_paced_as_one("60 oint processes in a loop");
}

#[test]
fn oint_exports_side_by_side_take_turns_from_one_bucket() {
    oint_exports_side_by_side("host").assert_paced_as_one("4 oint exports of 20,000 items");
}

/// The same, each process pacing alone: what the tests above would see
/// without the shared bucket.
#[test]
fn without_sharing_processes_run_into_the_portals_limit() {
    let loop_alone = oint_loop("off");
    loop_alone.show("60 oint processes in a loop, SHARED=off");
    assert!(
        !loop_alone.paced_as_one() && loop_alone.refused > 1,
        "{loop_alone:?}"
    );
    let programs_alone = c_programs_side_by_side("off");
    programs_alone.show("8 C programs × 12 calls, SHARED=off");
    assert!(
        !programs_alone.paced_as_one() && programs_alone.most_refusals() > 1,
        "{programs_alone:?}"
    );
}

/// The state file a run made in `folder`'s state directory.
fn the_state_file(folder: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(folder.join("state"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "pace1"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// A process that takes `file`'s lock as the library does (`flock`) and
/// holds it; it has it when this returns.
fn lock_holder(file: &Path) -> Child {
    let script = "import fcntl, sys, time\n\
                  f = open(sys.argv[1], 'r+b')\n\
                  fcntl.flock(f, fcntl.LOCK_EX)\n\
                  print('locked', flush=True)\n\
                  time.sleep(60)\n";
    let mut holder = Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    holder
}

/// A process killed while it holds the state file's lock leaves it with
/// its life: the 8 programs waiting for it go on as soon as it is killed,
/// well within 2 s, and none fails.
#[test]
fn a_process_killed_holding_the_state_files_lock_holds_up_no_one() {
    let portal = limited_portal(0);
    let folder = scratch("killed-holder");
    let webhook = portal.webhook_url();
    let program = c_test_program();
    let call = |count: usize| {
        Command::new(&program)
            .args(["repeat-invoke", &count.to_string(), "call", &webhook])
            .args(["server.time", "{}", "(null)"])
            .envs(settings(&folder, "host"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // A first call makes the portal's state file.
    assert!(call(1).wait().unwrap().success());
    let mut holder = lock_holder(&the_state_file(&folder));
    let callers: Vec<Child> = (0..8).map(|_| call(1)).collect();
    // They start, and wait for the lock, while it is held: none is sent.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(portal.requests().len(), 1, "a call went past the lock");
    let killed = Instant::now();
    holder.kill().unwrap();
    holder.wait().unwrap();
    for caller in callers {
        let output = caller.wait_with_output().unwrap();
        let ended = killed.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("failures 0"), "{stdout}");
        assert!(ended < Duration::from_secs(2), "{ended:?} after the kill");
    }
    assert_eq!(portal.requests().len(), 1 + 8);
    assert_eq!(portal.refused(), 0);
}

/// A process that holds the state file's lock and does not let go (stopped
/// in its turn) holds each call up for a second at most: then the process
/// goes on alone, and its request log says so once.
#[test]
fn a_lock_held_for_ever_holds_each_process_up_a_second_then_it_goes_on_alone() {
    let portal = limited_portal(0);
    let folder = scratch("stuck-holder");
    let webhook = portal.webhook_url();
    let program = c_test_program();
    let call = |count: usize| {
        Command::new(&program)
            .args(["repeat-invoke", &count.to_string(), "call", &webhook])
            .args(["server.time", "{}", "(null)"])
            .envs(settings(&folder, "host"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    assert!(call(1).wait().unwrap().success());
    let mut holder = lock_holder(&the_state_file(&folder));
    let started = Instant::now();
    let callers: Vec<Child> = (0..4).map(|_| call(3)).collect();
    for caller in callers {
        let output = caller.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("failures 0"), "{stdout}");
    }
    let took = started.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();
    eprintln!("4 programs × 3 calls past a lock held for ever: {took:?}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let log = std::fs::read_to_string(folder.join("log")).unwrap();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("shared-state")).collect();
    assert_eq!(warnings.len(), 4, "one per process: {warnings:?}");
    assert!(
        warnings[0].contains("was locked by another process")
            && warnings[0].contains("goes on alone"),
        "{warnings:?}"
    );
}

/// A process killed with a call in flight leaves its count in the method's
/// budget for no longer than that call's time budget: another process held
/// back by it (the budget's room is one call beside it) goes on within 2 s
/// of the kill, once the lease ends, not at the window's reset 20 s away.
#[test]
fn a_process_killed_with_a_call_in_flight_holds_the_budget_no_longer_than_its_time_budget() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        operating_budget: Some(OperatingBudget {
            limit: 1.1,
            window: Duration::from_secs(20),
            charge: 0.4,
        }),
        ..PortalOptions::default()
    });
    let folder = scratch("killed-in-flight");
    let client = test_client(Config {
        pacing: Pacing::Off,
        operating_limit: Some(1.1),
        state_dir: Some(folder.join("state")),
        ..Config::default()
    });
    let webhook = portal.webhook_url();
    let call = || client.call_json(&webhook, "server.time", "{}", "");
    // This process's call reports the budget: 0.4 of 1.1 spent, 0.4 a call.
    assert!(!call().is_error());
    // Another process's call takes the room of one, and hangs there.
    portal.fail_next("server.time", PortalFault::SilentAfterRun, 1);
    let mut other = Command::new(c_test_program())
        .args([
            "repeat-invoke",
            "1",
            "call",
            &webhook,
            "server.time",
            "{}",
            "(null)",
        ])
        .envs(settings(&folder, "host"))
        .env("OPI_BITRIX24_RATE_LIMIT", "off")
        .env("OPI_BITRIX24_OPERATING_LIMIT", "1.1")
        .env("OPI_BITRIX24_TIMEOUT", "1")
        .env("OPI_BITRIX24_ATTEMPTS", "1")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let sent = Instant::now();
    while portal.calls_of("server.time") < 2 {
        assert!(sent.elapsed() < Duration::from_secs(10), "never sent");
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!(
        "the other's call reached the portal {:?} after it started",
        sent.elapsed()
    );
    other.kill().unwrap();
    other.wait().unwrap();
    let killed = Instant::now();
    // 0.4 + 2 × 0.4 passes 1.1: this call waits for the other's to end,
    // which it never will; its lease ends 1 s after it began.
    let answer = call();
    let waited = killed.elapsed();
    assert!(!answer.is_error(), "{}", answer.json());
    eprintln!("held back {waited:?} after the kill");
    assert!(
        waited >= Duration::from_millis(400),
        "not held back: {waited:?}"
    );
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert_eq!(portal.blocked(), 0);
}
