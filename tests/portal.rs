//! The test portal itself must behave as docs/portal.md says a
//! real one does; these requests are sent by hand, not by the library.

use opi_test_support as support;

use reqwest::blocking::Client as Http;
use serde_json::{Value, json};
use support::portal::iso8601;
use support::*;

fn plain_portal() -> Portal {
    Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        bucket: None,
        ..PortalOptions::default()
    })
}

/// A bare client, redirects not followed, for plain-HTTP portals.
fn http() -> Http {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Http::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn send(request: reqwest::blocking::RequestBuilder) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = request.send().expect("the portal answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
        headers,
    )
}

#[test]
fn method_names_are_case_insensitive_with_optional_json_suffix_and_slash() {
    let portal = plain_portal();
    let base = format!("{}/rest/1/{WEBHOOK_SECRET}", portal.base_url());
    for method in [
        "im.user.status.set",
        "IM.User.Status.Set",
        "im.user.status.set.json",
        "im.user.status.set/",
    ] {
        let (status, body, _) = send(
            http()
                .post(format!("{base}/{method}"))
                .json(&json!({"STATUS": "dnd"})),
        );
        assert_eq!(
            (status, &body["result"]),
            (200, &json!(true)),
            "{method}: {body}"
        );
    }
    let (status, body, _) = send(
        http()
            .post(format!("{base}/im.user.nothing"))
            .json(&json!({})),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("ERROR_METHOD_NOT_FOUND"))
    );
}

#[test]
fn parameters_from_json_form_and_query_with_names_in_any_case() {
    let portal = plain_portal();
    let url = format!(
        "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set",
        portal.base_url()
    );
    let cases = [
        http().post(&url).json(&json!({"status": "away"})),
        http().post(&url).form(&[("Status", "online")]),
        http().post(format!("{url}?STATUS=break")),
        http().get(format!("{url}?status=dnd")),
    ];
    for (request, expected) in cases.into_iter().zip(["away", "online", "break", "dnd"]) {
        let (status, body, _) = send(request);
        assert_eq!(status, 200, "{body}");
        assert_eq!(portal.status_of(1).as_deref(), Some(expected));
    }
}

#[test]
fn values_are_compared_as_given_and_bad_json_counts_as_no_parameters() {
    let portal = plain_portal();
    let url = format!(
        "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set",
        portal.base_url()
    );
    for request in [
        http().post(&url).json(&json!({"STATUS": "DND"})),
        http().post(&url).json(&json!({"STATUS": 1})),
        http()
            .post(&url)
            .header("Content-Type", "application/json")
            .body("{\"STATUS\": \"dnd\""),
        http().get(&url).body("STATUS=dnd"),
    ] {
        let (status, body, headers) = send(request);
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"error": "STATUS_ERROR", "error_description": "Status is not available"})
        );
        assert!(headers.get("x-bitrix-rest-time").is_none());
    }
}

#[test]
fn oauth_token_from_header_then_auth_then_access_token() {
    let portal = plain_portal();
    let url = format!("{}/rest/im.user.status.set", portal.base_url());
    let ok = [
        http()
            .post(&url)
            .bearer_auth(APP_TOKEN)
            .json(&json!({"STATUS": "dnd", "auth": "wrong"})),
        http()
            .post(&url)
            .json(&json!({"STATUS": "dnd", "auth": APP_TOKEN})),
        http()
            .post(format!("{url}?auth={APP_TOKEN}"))
            .json(&json!({"STATUS": "dnd"})),
        http()
            .post(&url)
            .form(&[("STATUS", "dnd"), ("access_token", APP_TOKEN)]),
    ];
    for request in ok {
        let (status, body, _) = send(request);
        assert_eq!(status, 200, "{body}");
    }
    for (request, code) in [
        (
            http().post(&url).json(&json!({"STATUS": "dnd"})),
            "NO_AUTH_FOUND",
        ),
        (
            http()
                .post(&url)
                .json(&json!({"STATUS": "dnd", "auth": "nope"})),
            "invalid_token",
        ),
        (
            http()
                .post(&url)
                .bearer_auth(EXPIRED_TOKEN)
                .json(&json!({"STATUS": "dnd"})),
            "expired_token",
        ),
    ] {
        let (status, body, _) = send(request);
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some(code)),
            "{body}"
        );
        assert!(body.get("time").is_none());
    }
}

#[test]
fn success_has_a_full_time_block_and_rest_headers() {
    let portal = plain_portal();
    let url = format!(
        "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set",
        portal.base_url()
    );
    let (status, body, headers) = send(http().post(&url).json(&json!({"STATUS": "dnd"})));
    assert_eq!(status, 200);
    let time = &body["time"];
    for key in [
        "start",
        "finish",
        "duration",
        "processing",
        "operating_reset_at",
        "operating",
    ] {
        assert!(time[key].is_number(), "time.{key} in {body}");
    }
    assert!(
        time["date_start"]
            .as_str()
            .is_some_and(|d| d.ends_with("+00:00"))
    );
    for header in [
        "x-bitrix-rest-time",
        "x-bitrix-rest-user-time",
        "x-bitrix-rest-system-time",
    ] {
        assert!(headers.get(header).is_some(), "{header}");
    }
    let (_, got, _) = send(http().post(format!(
        "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.get",
        portal.base_url()
    )));
    assert_eq!(got["result"], json!("dnd"));
}

#[test]
fn leaky_bucket_answers_503_past_the_threshold_and_drains() {
    let portal = Portal::with(PortalOptions {
        https: false,
        webhooks_need_https: false,
        bucket: Some((5.0, 20.0)),
        ..PortalOptions::default()
    });
    let url = format!(
        "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set",
        portal.base_url()
    );
    let statuses: Vec<u16> = (0..8)
        .map(|_| send(http().post(&url).json(&json!({"STATUS": "dnd"}))).0)
        .collect();
    assert_eq!(&statuses[..5], &[200; 5]);
    assert!(statuses[5..].contains(&503), "{statuses:?}");
    let (_, body, _) = send(http().post(&url).json(&json!({"STATUS": "dnd"})));
    if body.get("error").is_some() {
        assert_eq!(
            body,
            json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        send(http().post(&url).json(&json!({"STATUS": "dnd"}))).0,
        200
    );
}

#[test]
fn moved_portal_answers_302_to_the_same_path() {
    let portal = Portal::with(PortalOptions {
        https: false,
        moved_to: Some("https://new.example".into()),
        ..PortalOptions::default()
    });
    let response = http()
        .post(format!(
            "{}/rest/1/{WEBHOOK_SECRET}/im.user.status.set",
            portal.base_url()
        ))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(
        response.headers()["location"],
        format!("https://new.example/rest/1/{WEBHOOK_SECRET}/im.user.status.set").as_str()
    );
}

#[test]
fn cloud_portal_refuses_webhooks_over_http() {
    let portal = Portal::with(PortalOptions {
        https: false,
        ..PortalOptions::default()
    });
    let (status, body, _) = send(
        http()
            .post(format!("{}im.user.status.set", portal.webhook_url()))
            .json(&json!({"STATUS": "dnd"})),
    );
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "INVALID_REQUEST", "error_description": "Https required."})
        )
    );
}

#[test]
fn iso8601_matches_the_seed_example() {
    assert_eq!(iso8601(1722083795.3692), "2024-07-27T12:36:35+00:00");
    assert_eq!(iso8601(0.0), "1970-01-01T00:00:00+00:00");
    assert_eq!(iso8601(951_782_400.0), "2000-02-29T00:00:00+00:00");
}
