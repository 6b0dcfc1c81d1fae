//! Exporting a whole list from the test portal, as the portal limits it: the
//! standard leaky bucket (50 requests, draining 2 a second) and 10 ms of
//! work per page (each command of a batch a page). Each client runs as its
//! own process: `oint bitrix24 GetList` in both modes, fast_bitrix24's
//! `get_all`, the official SDK's `call_list` and `call_list_fast`, and a
//! call per page (as OpenIntegrations pages). For each: HTTP requests, 503s,
//! wall time, peak resident memory, and whether every item came once.
//!
//!   cargo build --release && pip install fast-bitrix24 b24pysdk
//!   cargo bench --bench lists [-- ITEMS [ONE_PER_PAGE_ITEMS]]
//!
//! Defaults: 100,000 items; the call-per-page client, which the bucket
//! holds to 2 requests a second, gets 10,000 (its 100,000 would take 16
//! minutes; the bound for it is printed). Then `oint --out` over 1,000,000
//! items with no bucket or work per page, for memory. Prints a Markdown table and writes
//! benches/lists.svg.
//!
//!   cargo bench --bench lists -- --memory N...
//!
//! only measures `oint --out --by-id`'s peak memory for each N items, with
//! no bucket and no work per page, to see that it stays flat.

mod plot;
use opi_test_support as support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// 10 ms of the portal's work per page.
const PAGE_WORK: Duration = Duration::from_millis(10);
const BUCKET: (f64, f64) = (50.0, 2.0);

struct Run {
    name: String,
    items: usize,
    requests: usize,
    refused: usize,
    wall: Duration,
    peak_kib: i64,
    every_item_once: bool,
}

/// Runs `command` to its end: its output, wall time, and peak resident
/// memory in KiB, read from /proc/PID/status (VmHWM) while it runs. (wait4's
/// rusage would report this process's size at the fork instead: Linux keeps
/// the larger of the child's size before and after exec.)
fn timed(mut command: Command) -> (std::process::Output, Duration, i64) {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client");
    let status_path = format!("/proc/{}/status", child.id());
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = std::sync::Arc::clone(&sampling);
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::SeqCst) {
                let high_water = std::fs::read_to_string(&status_path)
                    .ok()
                    .and_then(|status| {
                        status
                            .lines()
                            .find_map(|line| line.strip_prefix("VmHWM:"))
                            .and_then(|kib| {
                                kib.trim()
                                    .trim_end_matches(" kB")
                                    .trim()
                                    .parse::<i64>()
                                    .ok()
                            })
                    });
                peak = peak.max(high_water.unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let output = child.wait_with_output().expect("the client's output");
    let wall = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::SeqCst);
    (output, wall, sampler.join().unwrap())
}

/// The portal, limited as a cloud one (the bucket, 10 ms a page) or not.
fn portal(items: usize, limited: bool) -> Portal {
    Portal::with(PortalOptions {
        bucket: limited.then_some(BUCKET),
        list_rows: items,
        processing: if limited { PAGE_WORK } else { Duration::ZERO },
        record: true,
        frozen_clock: Some(FROZEN_CLOCK),
        ..PortalOptions::default()
    })
}

fn run(
    name: &str,
    items: usize,
    limited: bool,
    command: impl Fn(&Portal) -> Command,
    count: impl Fn(&[u8]) -> (usize, usize),
) -> Run {
    let portal = portal(items, limited);
    let (output, wall, peak_kib) = timed(command(&portal));
    assert!(
        output.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let (got, unique) = count(&output.stdout);
    let run = Run {
        name: name.to_owned(),
        items,
        requests: portal.requests().len(),
        refused: portal.refused(),
        wall,
        peak_kib,
        every_item_once: got == items && unique == items,
    };
    eprintln!(
        "{name}: {} items ({unique} unique), {} requests, {} 503s, {:.2?}, {} MiB",
        got,
        run.requests,
        run.refused,
        wall,
        peak_kib / 1024
    );
    run
}

fn oint(release: &Path, by_id: bool, out: &Path) -> impl Fn(&Portal) -> Command {
    let (release, out) = (release.to_owned(), out.to_owned());
    move |portal: &Portal| {
        let mut command = Command::new(release.join("oint"));
        command
            .args([
                "bitrix24",
                "GetList",
                "--url",
                &portal.webhook_url(),
                "--method",
                "crm.contact.list",
                "--out",
            ])
            .arg(&out)
            .env("SSL_CERT_FILE", &TestCa::global().pem_path);
        if by_id {
            command.arg("--by-id");
        }
        command
    }
}

/// Items and distinct IDs of oint's file.
fn counted_file(path: &Path) -> impl Fn(&[u8]) -> (usize, usize) {
    let path = path.to_owned();
    move |_| {
        let document: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let items = document["result"].as_array().unwrap();
        let ids: std::collections::HashSet<&str> =
            items.iter().filter_map(|i| i["ID"].as_str()).collect();
        (items.len(), ids.len())
    }
}

fn python(variant: &'static str) -> impl Fn(&Portal) -> Command {
    move |portal: &Portal| {
        let mut command = Command::new("python3");
        command
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/list_export.py"))
            .args([variant, &portal.webhook_url(), "crm.contact.list"])
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .env("REQUESTS_CA_BUNDLE", &TestCa::global().pem_path);
        command
    }
}

fn counted_stdout(stdout: &[u8]) -> (usize, usize) {
    let line: serde_json::Value = serde_json::from_slice(stdout).expect("the peer's counts");
    (
        line["items"].as_u64().unwrap() as usize,
        line["unique"].as_u64().unwrap() as usize,
    )
}

/// What the bucket and the portal's work allow at best with `requests`
/// requests: the first page alone, then every batch at once (one batch's
/// 50 pages of work), or the bucket's drain if that is longer.
fn bound(requests: usize) -> Duration {
    let drain =
        Duration::from_secs_f64(requests.saturating_sub(BUCKET.0 as usize - 1) as f64 / BUCKET.1);
    let work = PAGE_WORK + PAGE_WORK * 50;
    drain.max(work)
}

fn memory_only() -> bool {
    std::env::args().any(|a| a == "--memory")
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if memory_only() {
        let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-list-memory.json");
        for items in args {
            run(
                "oint GetList --by-id --out",
                items,
                false,
                oint(&release, true, &out),
                counted_file(&out),
            );
        }
        return;
    }
    let items = args.first().copied().unwrap_or(100_000);
    let one_per_page_items = args.get(1).copied().unwrap_or(10_000);
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release");
    assert!(
        release.join("oint").exists(),
        "build first: cargo build --release"
    );
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-list.json");

    let mut runs = vec![
        run(
            "oint GetList (offset)",
            items,
            true,
            oint(&release, false, &out),
            counted_file(&out),
        ),
        run(
            "oint GetList --by-id",
            items,
            true,
            oint(&release, true, &out),
            counted_file(&out),
        ),
        run(
            "fast_bitrix24 get_all",
            items,
            true,
            python("fast_bitrix24"),
            counted_stdout,
        ),
        run(
            "b24pysdk call_list",
            items,
            true,
            python("b24pysdk_call_list"),
            counted_stdout,
        ),
        run(
            "b24pysdk call_list_fast",
            items,
            true,
            python("b24pysdk_call_list_fast"),
            counted_stdout,
        ),
    ];
    runs.push(run(
        "a call per page",
        one_per_page_items,
        true,
        python("one_per_page"),
        counted_stdout,
    ));
    // Memory over a long list: no bucket or work per page, which would only
    // make it take 200 s.
    let million = run(
        "oint GetList --by-id --out, no limits",
        1_000_000,
        false,
        oint(&release, true, &out),
        counted_file(&out),
    );

    println!("| client | items | requests | 503s | wall | peak memory | every item once |");
    println!("|---|---|---|---|---|---|---|");
    for run in runs.iter().chain([&million]) {
        println!(
            "| {} | {} | {} | {} | {:.1} s | {} MiB | {} |",
            run.name,
            run.items,
            run.requests,
            run.refused,
            run.wall.as_secs_f64(),
            run.peak_kib / 1024,
            if run.every_item_once { "yes" } else { "**no**" }
        );
    }
    let fewest = 1 + items.saturating_sub(50).div_ceil(2500);
    println!(
        "\nFewest requests for {items} items: {fewest}. Best the bucket and 10 ms a page allow with them: {:.1} s.",
        bound(fewest).as_secs_f64()
    );
    let per_page = items.div_ceil(50);
    println!(
        "A call per page for {items} items needs {per_page} requests: at least {:.0} s at the bucket's 2 a second.",
        (per_page - 49) as f64 / BUCKET.1
    );
    write_plot(&runs);
}

/// A bar per client: wall time, with requests written beside.
fn write_plot(runs: &[Run]) {
    let bars: Vec<_> = runs
        .iter()
        .map(|r| (r.name.as_str(), r.items, r.wall, r.requests))
        .collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lists.svg");
    plot::write(&path, &plot::lists(&bars));
}
