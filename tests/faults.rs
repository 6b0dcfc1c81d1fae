//! Faults from the network: each ends with its error code, within the call's
//! time budget, without a crash or a hang, and leaves no thread or file
//! descriptor behind. No error text holds the webhook secret or the token.

mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config};
use serde_json::json;
use support::http::{Fault, HttpResponse, Server};
use support::*;

const BUDGET: Duration = Duration::from_secs(3);
const ATTEMPTS: u32 = 3;

fn client() -> Client {
    Client::new(Config {
        ca_file: Some(TestCa::global().pem_path.clone()),
        timeout: BUDGET,
        connect_timeout: Duration::from_secs(1),
        attempts: ATTEMPTS,
        retry_delay: Duration::from_millis(20),
    })
    .expect("client")
}

/// A TLS server that answers every request with `response`, counting them.
fn serving(response: HttpResponse) -> (Server, Arc<AtomicUsize>) {
    serving_with(TestCa::global().server_config(&support::tls::SERVER_NAMES), response)
}

fn serving_with(tls: Arc<rustls::ServerConfig>, response: HttpResponse) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let server = Server::start(
        Some(tls),
        Arc::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            response.clone()
        }),
    );
    (server, count)
}

fn webhook_at(server: &Server) -> String {
    format!("https://{}/rest/1/{WEBHOOK_SECRET}/", server.address())
}

fn json_response(status: u16, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::json(status, body)
}

/// One fault case: what the caller gets, and how many requests reached the server.
struct Outcome {
    json: serde_json::Value,
    requests: usize,
    elapsed: Duration,
}

fn call(server: &Server, count: &AtomicUsize, token: bool) -> Outcome {
    let started = Instant::now();
    let answer = if token {
        client().set_user_status(&server.address().to_string(), "dnd", APP_TOKEN)
    } else {
        client().set_user_status(&webhook_at(server), "dnd", "")
    };
    let elapsed = started.elapsed();
    assert_no_secret(answer.json());
    assert!(elapsed < BUDGET + Duration::from_millis(700), "took {elapsed:?}: {}", answer.json());
    Outcome {
        json: parse(answer.json()),
        requests: count.load(Ordering::SeqCst),
        elapsed,
    }
}

fn assert_error(outcome: &Outcome, code: &str, says: &str) {
    assert_eq!(outcome.json["error"], code, "{}", outcome.json);
    let description = outcome.json["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(says), "{description:?} lacks {says:?}");
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or_default()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or_default()
}

#[test]
fn connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let answer = client().set_user_status(&format!("https://127.0.0.1:{port}/rest/1/{WEBHOOK_SECRET}/"), "dnd", "");
    let json = parse(answer.json());
    assert_eq!(json["error"], "OPI_NETWORK_ERROR");
    let description = json["error_description"].as_str().unwrap();
    assert!(description.contains("Connection refused") && description.ends_with("(after 3 attempts)"), "{description}");
    assert_no_secret(answer.json());
}

#[test]
fn reset_in_the_middle_of_the_body_is_retried_then_a_network_error() {
    let body = json!({"result": true, "time": {"start": 1.0, "finish": 2.0}}).to_string();
    let head = 120;
    let (server, count) = serving(HttpResponse::new(200, "application/json", body).with_fault(Fault::ResetAfter(head)));
    let outcome = call(&server, &count, false);
    assert_error(&outcome, "OPI_NETWORK_ERROR", "after 3 attempts");
    assert_eq!(outcome.requests, 3);
}

#[test]
fn a_server_that_never_answers_is_a_timeout_at_the_budget() {
    let (server, count) = serving(HttpResponse::new(200, "application/json", "{}").with_fault(Fault::Silent));
    let outcome = call(&server, &count, false);
    assert_error(&outcome, "OPI_TIMEOUT", "within 3s");
    assert!(outcome.elapsed >= BUDGET, "{:?}", outcome.elapsed);
    assert_eq!(outcome.requests, 1);
}

#[test]
fn a_byte_a_second_is_a_timeout_at_the_budget() {
    let (server, count) = serving(
        json_response(200, &json!({"result": true})).with_fault(Fault::Drip(Duration::from_secs(1))),
    );
    let outcome = call(&server, &count, false);
    assert_error(&outcome, "OPI_TIMEOUT", "no complete answer");
}

#[test]
fn truncated_json_is_a_bad_response_not_retried() {
    let (server, count) = serving(HttpResponse::new(200, "application/json", "{\"result\": tr"));
    let outcome = call(&server, &count, false);
    assert_error(&outcome, "OPI_BAD_RESPONSE", "HTTP 200 OK, not a JSON object: {\"result\": tr");
    assert_eq!(outcome.requests, 1);
}

#[test]
fn an_html_502_page_is_a_bad_response_after_retries() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
    let (server, count) = serving(HttpResponse::new(502, "text/html", page));
    let outcome = call(&server, &count, true);
    assert_error(&outcome, "OPI_BAD_RESPONSE", "HTTP 502 Bad Gateway, not a JSON object: <html>");
    assert_eq!(outcome.requests, ATTEMPTS as usize);
}

#[test]
fn an_empty_200_is_a_bad_response() {
    let (server, count) = serving(HttpResponse::new(200, "application/json", ""));
    assert_error(&call(&server, &count, false), "OPI_BAD_RESPONSE", "HTTP 200 OK with an empty body");
}

#[test]
fn a_body_that_is_not_utf8_is_a_bad_response() {
    let (server, count) = serving(HttpResponse::new(200, "application/json", vec![b'{', 0xff, 0xfe, b'}']));
    assert_error(&call(&server, &count, false), "OPI_BAD_RESPONSE", "not UTF-8");
}

#[test]
fn a_body_over_16_mib_is_refused() {
    let huge = vec![b' '; (17 << 20) as usize];
    let (server, count) = serving(HttpResponse::new(200, "application/json", huge));
    assert_error(&call(&server, &count, false), "OPI_BAD_RESPONSE", "over 16 MiB");
}

#[test]
fn a_redirect_loop_stops_after_five_hops() {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let server = Server::start(
        Some(TestCa::global().server_config(&support::tls::SERVER_NAMES)),
        Arc::new(move |request| {
            counter.fetch_add(1, Ordering::SeqCst);
            HttpResponse::new(301, "text/html", "").with_header("Location", request.target.clone())
        }),
    );
    let outcome = call(&server, &count, true);
    assert_error(&outcome, "OPI_BAD_RESPONSE", "redirected more than 5 times");
    assert_eq!(outcome.requests, 6);
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    let (plain, plain_count) = {
        let count = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&count);
        let server = Server::start(
            None,
            Arc::new(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
                HttpResponse::json(200, &json!({"result": true}))
            }),
        );
        (server, count)
    };
    let location = format!("http://{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set", plain.address());
    let (server, count) = serving(HttpResponse::new(302, "text/html", "").with_header("Location", location));
    assert_error(&call(&server, &count, false), "OPI_BAD_RESPONSE", "from https to http");
    assert_eq!(plain_count.load(Ordering::SeqCst), 0, "the request went out unencrypted");
}

#[test]
fn query_limit_past_the_retry_budget_returns_the_portal_error() {
    let limited = json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"});
    let (server, count) = serving(json_response(503, &limited));
    let outcome = call(&server, &count, false);
    assert_eq!(outcome.json, limited);
    assert_eq!(outcome.requests, ATTEMPTS as usize);
}

#[test]
fn operation_time_limit_is_returned_at_once_not_retried() {
    let blocked = json!({"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time limit."});
    let (server, count) = serving(json_response(429, &blocked));
    let outcome = call(&server, &count, true);
    assert_eq!(outcome.json, blocked);
    assert_eq!(outcome.requests, 1);
}

#[test]
fn certificates_from_an_untrusted_ca_expired_or_for_another_host_are_refused() {
    let rogue = TestCa::new("rogue CA");
    for (tls, says) in [
        (rogue.server_config(&support::tls::SERVER_NAMES), "UnknownIssuer"),
        (TestCa::global().server_config_valid(&support::tls::SERVER_NAMES, false), "certificate expired"),
        (TestCa::global().server_config(&["portal.example"]), "not valid for name"),
    ] {
        let (server, count) = serving_with(tls, json_response(200, &json!({"result": true})));
        let outcome = call(&server, &count, false);
        assert_error(&outcome, "OPI_NETWORK_ERROR", says);
        assert_eq!(outcome.requests, 0, "{says}: a request got through");
        assert!(outcome.elapsed < Duration::from_secs(1), "{says}: retried ({:?})", outcome.elapsed);
    }
    let _ = std::fs::remove_file(&rogue.pem_path);
}

#[test]
fn faults_leave_no_thread_or_descriptor_behind() {
    let portal = Portal::start();
    drop(portal);
    let (descriptors, threads_before) = (open_descriptors(), threads());
    for fault in [Fault::Silent, Fault::ResetAfter(60), Fault::Drip(Duration::from_millis(400))] {
        let (server, count) = serving(json_response(200, &json!({"result": true})).with_fault(fault));
        let outcome = call(&server, &count, false);
        assert!(outcome.json.get("error").is_some(), "{fault:?}: {}", outcome.json);
        drop(server);
    }
    assert_eq!(threads(), threads_before, "a thread was left running");
    assert_eq!(open_descriptors(), descriptors, "a file descriptor was left open");
}
