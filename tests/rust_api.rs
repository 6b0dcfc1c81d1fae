//! The Rust API against the test portal: what is sent, what comes back, and
//! how each failure class is reported.

use opi_test_support as support;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config, USER_AGENT};
use serde_json::json;
use support::http::{HttpResponse, Server};
use support::*;

/// A client trusting the test CA, retrying quickly.
fn client() -> Client {
    test_client(Config {
        retry_delay: Duration::from_millis(20),
        ..Config::default()
    })
}

fn error_of(json: &str) -> (String, String) {
    support::fronts::error_of(&parse(json))
}

#[test]
fn seed_webhook_example_sends_what_the_original_sends() {
    let portal = Portal::start();
    let answer = client().set_user_status(&portal.webhook_url(), "dnd", "");
    assert!(!answer.is_error(), "{}", answer.json());
    assert_eq!(parse(answer.json())["result"], json!(true));
    let requests = portal.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/rest/1/4swokunb3tk7h7dt/im.user.status.set");
    assert_eq!(
        sent.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(String::from_utf8_lossy(&sent.body), r#"{"STATUS":"dnd"}"#);
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("user-agent"), Some(USER_AGENT));
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert!(sent.tls);
    assert_eq!(portal.status_of(WEBHOOK_USER).as_deref(), Some("dnd"));
}

#[test]
fn seed_token_example_sends_what_the_original_sends() {
    let portal = Portal::start();
    let answer = client().set_user_status(&portal.domain(), "away", APP_TOKEN);
    assert_eq!(
        parse(answer.json())["result"],
        json!(true),
        "{}",
        answer.json()
    );
    let requests = portal.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/rest/im.user.status.set");
    assert_eq!(
        sent.json_body(),
        json!({"STATUS": "away", "auth": APP_TOKEN})
    );
    assert_eq!(
        String::from_utf8_lossy(&sent.body),
        format!(r#"{{"auth":"{APP_TOKEN}","STATUS":"away"}}"#)
    );
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(portal.status_of(1).as_deref(), Some("away"));
}

#[test]
fn every_status_value_through_webhook_and_token() {
    let portal = Portal::start();
    let client = client();
    let with_rest = format!("{}/rest/", portal.base_url());
    for status in ["online", "dnd", "away", "break", " DND ", "Away"] {
        for (url, token) in [
            (portal.webhook_url(), ""),
            (portal.domain(), APP_TOKEN),
            (with_rest.clone(), APP_TOKEN),
        ] {
            let answer = client.set_user_status(&url, status, token);
            assert_eq!(
                parse(answer.json())["result"],
                json!(true),
                "{status:?} {url}: {}",
                answer.json()
            );
            assert_eq!(
                portal.status_of(1).as_deref(),
                Some(status.trim().to_lowercase().as_str())
            );
        }
    }
}

#[test]
fn success_answer_is_the_portal_document_with_its_time_block() {
    let portal = frozen_portal();
    let answer = client().set_user_status(&portal.webhook_url(), "dnd", "");
    let value = parse(answer.json());
    assert_eq!(value["result"], json!(true));
    assert_eq!(value["time"]["start"], json!(1722083795.3692));
    assert_eq!(
        value["time"]["date_start"],
        json!("2024-07-27T12:36:35+00:00")
    );
    for key in [
        "finish",
        "duration",
        "processing",
        "date_finish",
        "operating_reset_at",
        "operating",
    ] {
        assert!(value["time"].get(key).is_some(), "no time.{key} in {value}");
    }
}

#[test]
fn bad_arguments_are_refused_before_anything_is_sent() {
    let portal = Portal::start();
    let client = client();
    for (url, status, token, why) in [
        (portal.webhook_url(), "busy", "", "online, dnd, away, break"),
        (portal.webhook_url(), "", "", "Status is empty"),
        (portal.webhook_url(), "1", "", "Status '1' is not allowed"),
        (String::new(), "dnd", "", "URL is empty"),
        (portal.domain(), "dnd", "", "not a webhook address"),
        (
            format!("ftp://{}/rest/1/x/", portal.domain()),
            "dnd",
            "",
            "scheme 'ftp'",
        ),
        (portal.domain(), "dnd", "tok en", "Token contains a space"),
    ] {
        let answer = client.set_user_status(&url, status, token);
        let (code, description) = error_of(answer.json());
        assert_eq!(code, "OPI_INVALID_ARGUMENT", "{url} {status:?}");
        assert!(description.contains(why), "{description:?} lacks {why:?}");
    }
    assert_eq!(portal.requests().len(), 0, "something was sent");
}

#[test]
fn portal_errors_come_back_as_sent_and_4xx_is_not_retried() {
    let portal = Portal::start();
    let client = client();
    let http_portal = Portal::with(PortalOptions {
        https: false,
        ..PortalOptions::default()
    });
    let cases = [
        (
            format!("{}/rest/1/wrongsecret/", portal.base_url()),
            "",
            "INVALID_CREDENTIALS",
        ),
        (
            format!("{}/rest/2/{NO_SCOPE_SECRET}/", portal.base_url()),
            "",
            "insufficient_scope",
        ),
        (portal.domain(), EXPIRED_TOKEN, "expired_token"),
        (portal.domain(), "unknown-token", "invalid_token"),
        (http_portal.webhook_url(), "", "INVALID_REQUEST"),
    ];
    for (url, token, expected) in &cases {
        let answer = client.set_user_status(url, "dnd", token);
        let value = parse(answer.json());
        assert!(answer.is_error());
        assert_eq!(value["error"], json!(expected), "{}", answer.json());
        assert_eq!(value.get("time"), None, "an error has no time block");
        assert_no_secret(value["error_description"].as_str().unwrap_or_default());
    }
    assert_eq!(
        portal.requests().len() + http_portal.requests().len(),
        cases.len(),
        "a 4xx was retried"
    );
}

#[test]
fn explicit_http_is_honoured_for_self_hosted_portals() {
    let portal = Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        ..PortalOptions::default()
    });
    let answer = client().set_user_status(&portal.webhook_url(), "online", "");
    assert_eq!(
        parse(answer.json())["result"],
        json!(true),
        "{}",
        answer.json()
    );
    assert!(!portal.requests()[0].tls);
}

#[test]
fn rate_limited_calls_are_retried_with_backoff() {
    let portal = Portal::with(PortalOptions {
        bucket: Some((1.0, 10.0)),
        ..PortalOptions::default()
    });
    let client = client();
    for _ in 0..3 {
        let answer = client.set_user_status(&portal.webhook_url(), "dnd", "");
        assert!(!answer.is_error(), "{}", answer.json());
    }
    assert!(portal.requests().len() > 3, "no call met the limit");
}

#[test]
fn rate_limit_past_the_retry_budget_returns_the_portal_error() {
    let portal = Portal::with(PortalOptions {
        bucket: Some((1.0, 0.001)),
        ..PortalOptions::default()
    });
    let client = test_client(Config {
        retry_delay: Duration::from_millis(10),
        attempts: 3,
        ..Config::default()
    });
    assert!(
        !client
            .set_user_status(&portal.webhook_url(), "dnd", "")
            .is_error()
    );
    let answer = client.set_user_status(&portal.webhook_url(), "dnd", "");
    assert_eq!(parse(answer.json())["error"], json!("QUERY_LIMIT_EXCEEDED"));
    assert_eq!(portal.requests().len(), 1 + 3);
}

#[test]
fn moved_portal_gets_the_post_repeated_with_its_body() {
    let new = Portal::start();
    let old = Portal::with(PortalOptions {
        moved_to: Some(new.base_url().to_owned()),
        ..PortalOptions::default()
    });
    let answer = client().set_user_status(&old.domain(), "away", APP_TOKEN);
    assert_eq!(
        parse(answer.json())["result"],
        json!(true),
        "{}",
        answer.json()
    );
    let (old_requests, new_requests) = (old.requests(), new.requests());
    assert_eq!((old_requests.len(), new_requests.len()), (1, 1));
    assert_eq!(new_requests[0].method, "POST");
    assert_eq!(new_requests[0].target, "/rest/im.user.status.set");
    assert_eq!(new_requests[0].body, old_requests[0].body);
}

#[test]
fn redirect_from_https_to_http_is_refused() {
    let plain = Portal::with(PortalOptions {
        https: false,
        ..PortalOptions::default()
    });
    let downgrade = Portal::with(PortalOptions {
        moved_to: Some(plain.base_url().to_owned()),
        ..PortalOptions::default()
    });
    let answer = client().set_user_status(&downgrade.webhook_url(), "dnd", "");
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_BAD_RESPONSE");
    assert!(description.contains("from https to http"), "{description}");
    assert_eq!(plain.requests().len(), 0);
}

#[test]
fn redirect_loop_stops_after_five_hops() {
    let hops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&hops);
    let server = Server::start(
        Some(TestCa::global().server_config(&tls_names())),
        Arc::new(move |request| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            HttpResponse::new(302, "text/html", "").with_header("Location", request.target.clone())
        }),
    );
    let url = format!("https://{}/rest/1/{WEBHOOK_SECRET}/", server.address());
    let answer = client().set_user_status(&url, "dnd", "");
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_BAD_RESPONSE");
    assert!(description.contains("more than 5"), "{description}");
    assert_eq!(hops.load(std::sync::atomic::Ordering::SeqCst), 6);
}

fn tls_names() -> Vec<&'static str> {
    support::tls::SERVER_NAMES.to_vec()
}

#[test]
fn non_json_answers_become_bad_response_after_retries() {
    let server = Server::start(
        Some(TestCa::global().server_config(&tls_names())),
        Arc::new(|_| {
            HttpResponse::new(
                502,
                "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            )
        }),
    );
    let url = format!("https://{}/rest/1/{WEBHOOK_SECRET}/", server.address());
    let answer = client().set_user_status(&url, "dnd", "");
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_BAD_RESPONSE");
    assert!(
        description.starts_with("HTTP 502 Bad Gateway, not a JSON object: <html>"),
        "{description}"
    );
    assert!(description.ends_with("(after 5 attempts)"), "{description}");
}

#[test]
fn refused_connection_is_a_network_error_after_retries() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("https://127.0.0.1:{port}/rest/1/{WEBHOOK_SECRET}/");
    let answer = client().set_user_status(&url, "dnd", "");
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_NETWORK_ERROR");
    assert!(description.contains("Connection refused"), "{description}");
    assert!(
        description.contains("/rest/1/***/im.user.status.set"),
        "{description}"
    );
}

#[test]
fn silent_server_is_a_timeout_within_the_budget() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/rest/1/{WEBHOOK_SECRET}/",
        listener.local_addr().unwrap()
    );
    let client = Client::new(Config {
        timeout: Duration::from_millis(700),
        ..Config::default()
    })
    .unwrap();
    let started = Instant::now();
    let answer = client.set_user_status(&url, "dnd", "");
    let elapsed = started.elapsed();
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_TIMEOUT", "{description}");
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    drop(listener);
}

#[test]
fn untrusted_certificate_is_refused_and_not_retried() {
    let portal = Portal::start();
    let client = Client::new(Config::default()).unwrap();
    let answer = client.set_user_status(&portal.webhook_url(), "dnd", "");
    let (code, description) = error_of(answer.json());
    assert_eq!(code, "OPI_NETWORK_ERROR");
    assert!(description.contains("certificate"), "{description}");
    assert_eq!(portal.requests().len(), 0);
}

#[test]
fn calls_share_kept_alive_connections() {
    let portal = Portal::start();
    let client = client();
    for _ in 0..5 {
        assert!(
            !client
                .set_user_status(&portal.webhook_url(), "dnd", "")
                .is_error()
        );
    }
    let connections: std::collections::HashSet<u64> =
        portal.requests().iter().map(|r| r.connection).collect();
    assert_eq!(connections.len(), 1, "each call opened a connection");
}

/// A portal that closes kept-alive connections behind the client's back: after
/// every answer, or on the second request of each connection without an
/// answer. Each call must still get its answer, on a new connection, with no
/// retry (one attempt) and no retry delay.
#[test]
fn connections_the_portal_closed_are_replaced_without_a_retry() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use support::http::Fault;

    let ok = HttpResponse::json(200, &json!({"result": true}));
    for fault in [Fault::CloseAfterAnswer, Fault::CloseUnanswered] {
        let seen: Arc<Mutex<HashMap<u64, usize>>> = Arc::default();
        let counting = Arc::clone(&seen);
        let answer = ok.clone();
        let server = Server::start(
            Some(TestCa::global().server_config(&tls_names())),
            Arc::new(move |request| {
                let mut seen = counting.lock().unwrap();
                let on_this_connection = seen.entry(request.connection).or_default();
                *on_this_connection += 1;
                match (fault, *on_this_connection) {
                    (Fault::CloseUnanswered, 2..) => answer.clone().with_fault(fault),
                    (Fault::CloseUnanswered, _) => answer.clone(),
                    _ => answer.clone().with_fault(fault),
                }
            }),
        );
        let client = test_client(Config {
            attempts: 1,
            retry_delay: Duration::from_secs(5),
            ..Config::default()
        });
        let url = format!("https://{}/rest/1/{WEBHOOK_SECRET}/", server.address());
        let started = Instant::now();
        for call in 1..=3 {
            let answer = client.set_user_status(&url, "dnd", "");
            assert!(
                !answer.is_error(),
                "{fault:?}, call {call}: {}",
                answer.json()
            );
        }
        assert!(started.elapsed() < Duration::from_secs(2), "{fault:?}");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3, "{fault:?}: a new connection per call");
        let requests: usize = seen.values().sum();
        let expected = if fault == Fault::CloseUnanswered {
            5
        } else {
            3
        };
        assert_eq!(requests, expected, "{fault:?}: {seen:?}");
    }
}

#[test]
fn one_client_serves_many_threads() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let client = test_client(Config {
        pacing: opi_bitrix24::Pacing::Off,
        ..Config::default()
    });
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let (client, portal) = (&client, &portal);
            scope.spawn(move || {
                for call in 0..10 {
                    let status = ["online", "dnd", "away"][(thread + call) % 3];
                    let answer = client.set_user_status(&portal.webhook_url(), status, "");
                    assert_eq!(
                        parse(answer.json())["result"],
                        json!(true),
                        "{}",
                        answer.json()
                    );
                }
            });
        }
    });
    assert_eq!(portal.requests().len(), 80);
}
