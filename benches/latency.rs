//! What a call costs, side by side, against the test portal on loopback:
//! the library's pooled calls through the C ABI, a fresh connection per call
//! (as the original and the official Python SDK do), curl as a process per
//! call, and a bare kept-alive HTTP/1.1 client as the floor; then the same
//! behind a relay that adds a 50 ms round trip; cold starts; size and memory.
//!
//!   cargo build --release && cargo bench --bench latency
//!
//! Prints a Markdown table and writes the plot to benches/latency.svg.
//! Numbers on a shared machine drift: compare the ratios of one run, whose
//! loopback ways are measured in turns so that drift falls on all alike.

mod plot;
use opi_test_support as support;

use std::ffi::{CStr, CString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use opi_bitrix24::capi::{
    opi_bitrix24_call, opi_bitrix24_function, opi_bitrix24_set_user_status, opi_string_free,
};
use rustls::pki_types::ServerName;
use support::*;

const LOOPBACK_CALLS: usize = 1000;
const PROCESS_CALLS: usize = 40;
const RTT: Duration = Duration::from_millis(50);
const RTT_CALLS: usize = 12;
const MEMORY_CALLS: usize = 10_000;
/// Rounds in which the loopback ways take turns.
const TURNS: usize = 40;

/// A way of calling: its name, how many calls to time, and one call.
type Way<'a> = (&'static str, usize, Box<dyn FnMut() + 'a>);

/// Latencies of one way of calling.
struct Sample {
    name: String,
    latencies: Vec<Duration>,
}

impl Sample {
    fn measure(name: impl Into<String>, calls: usize, mut call: impl FnMut()) -> Sample {
        for _ in 0..2 {
            call();
        }
        let latencies = (0..calls)
            .map(|_| {
                let started = Instant::now();
                call();
                started.elapsed()
            })
            .collect();
        Sample {
            name: name.into(),
            latencies,
        }
    }

    /// Measures every way in turns, a fortieth of each one's calls per round
    /// (a few seconds a round), so that the machine's drift during the run
    /// falls on all of them alike and their ratios hold.
    fn measure_in_turns(mut ways: Vec<Way<'_>>) -> Vec<Sample> {
        let mut samples: Vec<Sample> = ways
            .iter()
            .map(|(name, _, _)| Sample {
                name: (*name).to_owned(),
                latencies: Vec::new(),
            })
            .collect();
        for (_, _, call) in &mut ways {
            call();
            call();
        }
        for _ in 0..TURNS {
            for ((_, calls, call), sample) in ways.iter_mut().zip(&mut samples) {
                for _ in 0..*calls / TURNS {
                    let started = Instant::now();
                    call();
                    sample.latencies.push(started.elapsed());
                }
            }
        }
        samples
    }

    fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }

    fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.latencies.iter().sum::<Duration>().as_secs_f64()
    }
}

/// Checks that an answer of the C ABI starts with `prefix`, then frees it.
fn check_and_free(answer: *mut std::ffi::c_char, prefix: &[u8]) {
    // SAFETY: the library's NUL-terminated answer, freed once.
    let ok = unsafe { CStr::from_ptr(answer) }
        .to_bytes()
        .starts_with(prefix);
    // SAFETY: as above.
    unsafe { opi_string_free(answer) };
    assert!(ok, "a call failed");
}

/// Any method through the C ABI: `server.time`, no parameters.
fn c_abi_server_time(url: &CStr, method: &CStr) {
    let null = std::ptr::null();
    // SAFETY: live NUL-terminated strings, or NULL where allowed.
    let answer = unsafe { opi_bitrix24_call(url.as_ptr(), method.as_ptr(), null, null) };
    check_and_free(answer, b"{\"result\":\"");
}

/// `crm.deal.get` of deal 1 through CallMethod, its parameters as JSON.
fn c_abi_deal_by_call(url: &CStr, method: &CStr, params: &CStr) {
    // SAFETY: live NUL-terminated strings, or NULL where allowed.
    let answer = unsafe {
        opi_bitrix24_call(
            url.as_ptr(),
            method.as_ptr(),
            params.as_ptr(),
            std::ptr::null(),
        )
    };
    check_and_free(answer, b"{\"result\":{");
}

/// The same request as OpenIntegrations' GetDeal, run by name: its
/// arguments read and coerced by the table's row on every call.
fn c_abi_deal_by_function(name: &CStr, arguments: &CStr) {
    // SAFETY: live NUL-terminated strings.
    let answer = unsafe { opi_bitrix24_function(name.as_ptr(), arguments.as_ptr()) };
    check_and_free(answer, b"{\"result\":{");
}

/// One status call through the C ABI.
fn c_abi_call(url: &CStr, status: &CStr) {
    // SAFETY: live NUL-terminated strings, or NULL where allowed.
    let answer =
        unsafe { opi_bitrix24_set_user_status(url.as_ptr(), status.as_ptr(), std::ptr::null()) };
    check_and_free(answer, b"{\"result\":true");
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&TestCa::global().pem_path).unwrap();
    for certificate in rustls_pemfile_certificates(&pem) {
        roots.add(certificate).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn rustls_pemfile_certificates(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The floor: HTTP/1.1 written by hand over one kept-alive TLS connection.
struct BareClient {
    stream: BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>,
    request: Vec<u8>,
}

impl BareClient {
    fn connect(address: &str, path: &str) -> BareClient {
        let tcp = TcpStream::connect(address).unwrap();
        tcp.set_nodelay(true).unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let tls = rustls::ClientConnection::new(tls_config(), name).unwrap();
        let body = r#"{"STATUS":"dnd"}"#;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        BareClient {
            stream: BufReader::new(rustls::StreamOwned::new(tls, tcp)),
            request: request.into_bytes(),
        }
    }

    fn call(&mut self) {
        self.stream.get_mut().write_all(&self.request).unwrap();
        let mut line = String::new();
        let mut length = 0;
        loop {
            line.clear();
            self.stream.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).unwrap();
        assert!(body.starts_with(b"{\"result\":true"));
    }
}

/// The floor the issue names: a bare hyper client on one kept-alive TLS
/// connection, its connection task and the request on one current-thread runtime.
struct HyperClient {
    runtime: tokio::runtime::Runtime,
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<hyper::body::Bytes>>,
    uri: String,
    host: String,
}

impl HyperClient {
    fn connect(address: &str, path: &str) -> HyperClient {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let sender = runtime.block_on(async {
            let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let name = ServerName::try_from("127.0.0.1").unwrap();
            let tls = tokio_rustls::TlsConnector::from(tls_config())
                .connect(name, tcp)
                .await
                .unwrap();
            let (sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            sender
        });
        HyperClient {
            runtime,
            sender,
            uri: path.to_owned(),
            host: address.to_owned(),
        }
    }

    fn call(&mut self) {
        let request = hyper::Request::post(self.uri.as_str())
            .header("host", self.host.as_str())
            .header("content-type", "application/json; charset=utf-8")
            .body(http_body_util::Full::new(hyper::body::Bytes::from_static(
                br#"{"STATUS":"dnd"}"#,
            )))
            .unwrap();
        let sender = &mut self.sender;
        let body = self.runtime.block_on(async {
            use http_body_util::BodyExt;
            let response = sender.send_request(request).await.unwrap();
            response.into_body().collect().await.unwrap().to_bytes()
        });
        assert!(body.starts_with(b"{\"result\":true"));
    }
}

/// A TCP relay in front of `target` that holds every chunk RTT/2 in each
/// direction, and a new connection's first bytes one RTT more, as a TCP
/// handshake would.
fn delaying_relay(target: std::net::SocketAddr, rtt: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(target) else {
                continue;
            };
            for stream in [&client, &server] {
                stream.set_nodelay(true).unwrap();
            }
            let (client_reader, server_reader) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            pump(client_reader, server, rtt / 2, rtt);
            pump(server_reader, client, rtt / 2, Duration::ZERO);
        }
    });
    address
}

fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration, first_extra: Duration) {
    let (chunks, delivered) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buffer = vec![0; 64 << 10];
        let mut extra = first_extra;
        while let Ok(read) = from.read(&mut buffer) {
            if read == 0
                || chunks
                    .send((Instant::now() + delay + extra, buffer[..read].to_vec()))
                    .is_err()
            {
                break;
            }
            extra = Duration::ZERO;
        }
    });
    std::thread::spawn(move || {
        for (due, chunk) in delivered {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}

fn fresh_connection_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .tls_backend_preconfigured((*tls_config()).clone())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// One POST with a reqwest blocking client (pooled or not, as it was built).
fn fresh_call(client: &reqwest::blocking::Client, url: &str) {
    let response = client
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(r#"{"STATUS":"dnd"}"#)
        .send()
        .unwrap();
    assert!(response.text().unwrap().starts_with("{\"result\":true"));
}

fn curl_call(url: &str) {
    let output = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(&TestCa::global().pem_path)
        .args([
            "-H",
            "Content-Type: application/json; charset=utf-8",
            "-d",
            r#"{"STATUS":"dnd"}"#,
            url,
        ])
        .output()
        .expect("curl");
    assert!(
        output.stdout.starts_with(b"{\"result\":true"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn release_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release");
    assert!(
        dir.join("libopi_bitrix24.so").exists() && dir.join("oint").exists(),
        "build first: cargo build --release"
    );
    dir
}

fn c_program(release: &Path) -> PathBuf {
    let library_dir = format!("-L{}", release.display());
    let program = std::env::temp_dir().join(format!("opi-bench-c-{}", std::process::id()));
    let status = Command::new("cc")
        .args([
            "-O2",
            "-std=c99",
            "-Iinclude",
            "tests/c/opi_bitrix24_test.c",
            &library_dir,
            "-lopi_bitrix24",
            "-o",
        ])
        .arg(&program)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    program
}

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

fn main() {
    // SAFETY: before the library or any thread reads the environment.
    unsafe { std::env::set_var("OPI_BITRIX24_RATE_LIMIT", "off") };
    trust_test_ca();
    let release = release_dir();
    let quiet = PortalOptions {
        bucket: None,
        record: false,
        ..PortalOptions::default()
    };
    let https = Portal::with(quiet.clone());
    let http = Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        ..quiet.clone()
    });
    let path = format!("/rest/1/{WEBHOOK_SECRET}/im.user.status.set");
    let dnd = CString::new("dnd").unwrap();
    let server_time = CString::new("server.time").unwrap();

    let https_webhook = CString::new(https.webhook_url()).unwrap();
    let http_webhook = CString::new(http.webhook_url()).unwrap();
    let deal_get = CString::new("crm.deal.get").unwrap();
    let deal_params = CString::new(r#"{"id":"1"}"#).unwrap();
    let get_deal = CString::new("GetDeal").unwrap();
    let get_deal_arguments =
        CString::new(serde_json::json!({"URL": https.webhook_url(), "DealID": 1}).to_string())
            .unwrap();
    let fresh = fresh_connection_client();
    let https_method_url = format!("{}{path}", https.base_url());
    let mut bare = BareClient::connect(&https.domain(), &path);
    let mut hyper_client = HyperClient::connect(&https.domain(), &path);
    let pooled_reqwest = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured((*tls_config()).clone())
        .build()
        .unwrap();

    let loopback = Sample::measure_in_turns(vec![
        (
            "library, pooled, HTTPS (C ABI)",
            LOOPBACK_CALLS,
            Box::new(|| c_abi_call(&https_webhook, &dnd)),
        ),
        (
            "library, pooled, HTTPS, CallMethod server.time (C ABI)",
            LOOPBACK_CALLS,
            Box::new(|| c_abi_server_time(&https_webhook, &server_time)),
        ),
        (
            "library, pooled, HTTP (C ABI)",
            LOOPBACK_CALLS,
            Box::new(|| c_abi_call(&http_webhook, &dnd)),
        ),
        (
            "fresh connection + TLS per call",
            LOOPBACK_CALLS,
            Box::new(|| fresh_call(&fresh, &https_method_url)),
        ),
        (
            "curl, a process per call",
            PROCESS_CALLS,
            Box::new(|| curl_call(&https_method_url)),
        ),
        (
            "reqwest::blocking, pooled (for comparison)",
            LOOPBACK_CALLS,
            Box::new(|| fresh_call(&pooled_reqwest, &https_method_url)),
        ),
        (
            "floor: bare hyper, kept-alive, current-thread tokio",
            LOOPBACK_CALLS,
            Box::new(|| hyper_client.call()),
        ),
        (
            "floor: hand-written HTTP/1.1 over rustls, no runtime",
            LOOPBACK_CALLS,
            Box::new(|| bare.call()),
        ),
        (
            "library, pooled, HTTPS, CallMethod crm.deal.get (C ABI)",
            LOOPBACK_CALLS,
            Box::new(|| c_abi_deal_by_call(&https_webhook, &deal_get, &deal_params)),
        ),
        (
            "library, pooled, HTTPS, function GetDeal, the same request (C ABI)",
            LOOPBACK_CALLS,
            Box::new(|| c_abi_deal_by_function(&get_deal, &get_deal_arguments)),
        ),
    ]);

    let relay = delaying_relay(https.domain().parse().unwrap(), RTT);
    let relay_webhook = CString::new(format!("https://{relay}/rest/1/{WEBHOOK_SECRET}/")).unwrap();
    let relay_url = format!("https://{relay}{path}");
    let mut bare_far = BareClient::connect(&relay, &path);
    let far = vec![
        Sample::measure("library, pooled (warm)", RTT_CALLS, || {
            c_abi_call(&relay_webhook, &dnd)
        }),
        Sample::measure("fresh connection + TLS per call", RTT_CALLS, || {
            fresh_call(&fresh, &relay_url)
        }),
        Sample::measure("curl, a process per call", RTT_CALLS, || {
            curl_call(&relay_url)
        }),
        Sample::measure("floor: bare kept-alive client", RTT_CALLS, || {
            bare_far.call()
        }),
    ];

    let program = c_program(&release);
    let webhook = https.webhook_url();
    let cold_library = Sample::measure("load the library + first call (C program)", 10, || {
        let output = Command::new(&program)
            .args(["call", &webhook, "dnd"])
            .env("LD_LIBRARY_PATH", &release)
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .output()
            .unwrap();
        assert!(output.stdout.starts_with(b"{\"result\":true"));
    });
    let cold_cli = Sample::measure("oint CLI, one whole process", 10, || {
        let output = Command::new(release.join("oint"))
            .args([
                "bitrix24",
                "SetUserStatus",
                "--url",
                &webhook,
                "--status",
                "dnd",
            ])
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .output()
            .unwrap();
        assert!(output.status.success());
    });
    let memory = Command::new(&program)
        .args([
            "repeat",
            &MEMORY_CALLS.to_string(),
            &http.webhook_url(),
            "dnd",
        ])
        .env("LD_LIBRARY_PATH", &release)
        .env("OPI_BITRIX24_RATE_LIMIT", "off")
        .output()
        .unwrap();
    let memory = String::from_utf8_lossy(&memory.stdout).into_owned();
    let resident_kib = memory.split_whitespace().last().unwrap_or("?").to_owned();
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let library_size = size(&release.join("libopi_bitrix24.so"));
    let portable = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/x86_64-unknown-linux-gnu/release/libopi_bitrix24.so");
    let _ = std::fs::remove_file(&program);

    let floor = loopback[6].median();
    let pooled = loopback[0].median();
    let any_method = loopback[1].median();
    let mut table = String::new();
    table.push_str(&format!(
        "Loopback, {LOOPBACK_CALLS} sequential calls each ({PROCESS_CALLS} for curl), one thread, the ways taking turns over {TURNS} rounds:\n\n"
    ));
    table.push_str("| way of calling | median ms | p99 ms | calls/s | × hyper floor |\n|---|---|---|---|---|\n");
    for sample in &loopback {
        table.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.2} |\n",
            sample.name,
            ms(sample.median()),
            ms(sample.quantile(0.99)),
            sample.per_second(),
            sample.median().as_secs_f64() / floor.as_secs_f64()
        ));
    }
    table.push_str(&format!(
        "\nPooled HTTPS is {:.2}× the bare hyper floor ({:.2}× the runtime-free one, {:.2}× reqwest::blocking); a fresh connection per call is {:.1}× pooled; curl {:.0}× pooled.\n",
        pooled.as_secs_f64() / floor.as_secs_f64(),
        pooled.as_secs_f64() / loopback[7].median().as_secs_f64(),
        pooled.as_secs_f64() / loopback[5].median().as_secs_f64(),
        loopback[3].median().as_secs_f64() / pooled.as_secs_f64(),
        loopback[4].median().as_secs_f64() / pooled.as_secs_f64(),
    ));
    table.push_str(&format!(
        "\nThe generic call (CallMethod, server.time) is {:.2}× the status call (SetUserStatus) in the same run. OpenIntegrations' GetDeal run by name is {:.2}× CallMethod of the same request (crm.deal.get).\n",
        any_method.as_secs_f64() / pooled.as_secs_f64(),
        loopback[9].median().as_secs_f64() / loopback[8].median().as_secs_f64(),
    ));
    table.push_str(&format!(
        "\nBehind a relay adding a {} ms round trip (HTTPS, {RTT_CALLS} calls each):\n\n| way of calling | median ms | round trips |\n|---|---|---|\n",
        RTT.as_millis()
    ));
    for sample in &far {
        table.push_str(&format!(
            "| {} | {} | {:.2} |\n",
            sample.name,
            ms(sample.median()),
            sample.median().as_secs_f64() / RTT.as_secs_f64()
        ));
    }
    table.push_str(&format!(
        "\nAt {} ms RTT a warm pooled call is {:.1}× faster than a fresh connection.\n",
        RTT.as_millis(),
        far[1].median().as_secs_f64() / far[0].median().as_secs_f64()
    ));
    table.push_str("\n| start-up and footprint | value |\n|---|---|\n");
    table.push_str(&format!(
        "| {} | {} ms (median of 10) |\n",
        cold_library.name,
        ms(cold_library.median())
    ));
    table.push_str(&format!(
        "| {} | {} ms (median of 10) |\n",
        cold_cli.name,
        ms(cold_cli.median())
    ));
    table.push_str(&format!(
        "| stripped library, target/release | {:.1} MiB |\n",
        library_size as f64 / 1048576.0
    ));
    if portable.exists() {
        table.push_str(&format!(
            "| portable library (glibc 2.17), .ci/portable | {:.1} MiB |\n",
            size(&portable) as f64 / 1048576.0
        ));
    }
    table.push_str(&format!(
        "| resident memory of a C program after {MEMORY_CALLS} calls | {resident_kib} KiB |\n"
    ));
    println!("{table}");

    let loopback_ms: Vec<(&str, f64)> = loopback
        .iter()
        .map(|s| (s.name.as_str(), s.median().as_secs_f64() * 1000.0))
        .collect();
    let round_trips: Vec<(&str, f64)> = far
        .iter()
        .map(|s| (s.name.as_str(), s.median().div_duration_f64(RTT)))
        .collect();
    let plot_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/latency.svg");
    plot::write(&plot_path, &plot::latency(&loopback_ms, &round_trips, RTT));
    println!("plot: {}", plot_path.display());
}
