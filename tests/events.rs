//! Events from the portal (docs/events.md): ParseEvent reads real handler
//! bodies as PHP reads them and refuses forged ones, comparing the token
//! in constant time; the offline queue's functions against the emulator's
//! queue; the consumer loop delivering every event at least once through
//! crashes, failures and a second consumer; and all of it on every front.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use opi_bitrix24::{Client, Config, Delivery, OfflineEvent, Pacing, WatchSettings};
use opi_test_support as support;
use serde_json::{Value, json};
use support::{APP_TOKEN, Portal, PortalFault, PortalOptions};

const TOKEN: &str = "3c6c9248ec54af6bea1159b43ee0ab32";

fn parse(body: &str, token: &str, with_tokens: bool) -> Value {
    support::parse(opi_bitrix24::parse_event(body, token, with_tokens).json())
}

/// The spec's body from PHP's SDK fixture, one line on the wire.
const SPEC_BODY: &str = "event=ONCRMCONTACTADD&event_handler_id=58&data%5BFIELDS%5D%5BID%5D=134806&ts=1727018926\
&auth%5Baccess_token%5D=be45f0660071849a0058f18a000000010000077261ef50fc26f1357adbd86a052c9e48\
&auth%5Bexpires%5D=1727022526&auth%5Bexpires_in%5D=3600&auth%5Bscope%5D=crm%2Cplacement%2Cuser_brief\
&auth%5Bdomain%5D=bitrix24-php-sdk-playground.bitrix24.com&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F\
&auth%5Bstatus%5D=L&auth%5Bclient_endpoint%5D=https%3A%2F%2Fbitrix24-php-sdk-playground.bitrix24.com%2Frest%2F\
&auth%5Bmember_id%5D=010b6886ebc205e43ae65000ee00addb&auth%5Buser_id%5D=1&auth%5Bapplication_token%5D=3c6c9248ec54af6bea1159b43ee0ab32";

/// A body as `http_build_query` writes it, from `pairs` of name and value.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            let encode = |text: &str| {
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            };
            format!("{}={}", encode(name), encode(value))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn the_specs_body_reads_as_its_json_and_its_tokens_are_masked() {
    let shown = parse(SPEC_BODY, TOKEN, true);
    assert_eq!(
        shown,
        json!({
            "result": {
                "event": "ONCRMCONTACTADD", "event_handler_id": "58",
                "data": {"FIELDS": {"ID": "134806"}}, "ts": "1727018926",
                "auth": {
                    "access_token": "be45f0660071849a0058f18a000000010000077261ef50fc26f1357adbd86a052c9e48",
                    "expires": "1727022526", "expires_in": "3600", "scope": "crm,placement,user_brief",
                    "domain": "bitrix24-php-sdk-playground.bitrix24.com",
                    "server_endpoint": "https://oauth.bitrix.info/rest/", "status": "L",
                    "client_endpoint": "https://bitrix24-php-sdk-playground.bitrix24.com/rest/",
                    "member_id": "010b6886ebc205e43ae65000ee00addb", "user_id": "1",
                    "application_token": TOKEN,
                },
            },
            "verified": true,
        })
    );
    let masked = opi_bitrix24::parse_event(SPEC_BODY, TOKEN, false);
    let text = masked.json();
    assert!(
        !text.contains(TOKEN) && !text.contains("be45f066"),
        "{text}"
    );
    let masked = support::parse(text);
    assert_eq!(masked["result"]["auth"]["access_token"], "***");
    assert_eq!(masked["result"]["auth"]["application_token"], "***");
    assert_eq!(
        masked["result"]["auth"]["member_id"],
        shown["result"]["auth"]["member_id"]
    );
    // The same body as JSON reads the same.
    let as_json = shown["result"].to_string();
    assert_eq!(parse(&as_json, TOKEN, true), shown);
}

#[test]
fn a_deal_update_a_cyrillic_title_and_a_list_of_ids_read_as_sent() {
    let body = form(&[
        ("event", "ONCRMDEALUPDATE"),
        ("event_handler_id", "12"),
        ("data[FIELDS][ID]", "8670"),
        ("data[FIELDS][TITLE]", "Новый заказ №5 & co"),
        ("data[FIELDS][IDS][0]", "7"),
        ("data[FIELDS][IDS][1]", "8"),
        ("data[FIELDS][IDS][2]", "9"),
        ("data[FIELDS][BY_KEY][1]", "a"),
        ("data[FIELDS][BY_KEY][0]", "b"),
        ("data[FIELDS][EMPTY]", ""),
        ("ts", "1727018926"),
        ("auth[domain]", "portal.bitrix24.com"),
        ("auth[application_token]", TOKEN),
    ]);
    assert!(body.contains("%D0%9D%D0%BE%D0%B2%D1%8B%D0%B9+"), "{body}");
    let answer = parse(&body, TOKEN, false);
    assert_eq!(answer["verified"], true, "{answer}");
    assert_eq!(
        answer["result"]["data"],
        json!({"FIELDS": {
            "ID": "8670", "TITLE": "Новый заказ №5 & co", "IDS": ["7", "8", "9"],
            "BY_KEY": {"1": "a", "0": "b"}, "EMPTY": "",
        }})
    );
    assert_eq!(answer["result"]["event_handler_id"], "12");
    assert!(answer.get("warnings").is_none());
    // Bytes that are not UTF-8 are replaced, and the answer says where.
    let latin1 = format!("{body}&data[FIELDS][OLD]=%C1%EB%E0");
    let answer = parse(&latin1, TOKEN, false);
    assert_eq!(
        answer["result"]["data"]["FIELDS"]["OLD"],
        "\u{fffd}\u{fffd}\u{fffd}"
    );
    assert!(
        answer["warnings"][0]
            .as_str()
            .unwrap()
            .contains("data[FIELDS][OLD]"),
        "{answer}"
    );
}

#[test]
fn onappinstall_brings_the_token_to_store_and_a_forged_one_cannot_replace_it() {
    let install = form(&[
        ("event", "ONAPPINSTALL"),
        ("data[VERSION]", "1"),
        ("data[LANGUAGE_ID]", "ru"),
        ("ts", "1727018926"),
        ("auth[access_token]", "acc355"),
        ("auth[refresh_token]", "r3fr35h"),
        ("auth[domain]", "portal.bitrix24.com"),
        ("auth[member_id]", "010b6886ebc205e43ae65000ee00addb"),
        ("auth[application_token]", TOKEN),
    ]);
    // Nothing stored yet: the token is answered to be stored, unproven.
    let first = parse(&install, "", false);
    assert_eq!(first["application_token"], TOKEN, "{first}");
    assert_eq!(first["verified"], false);
    assert_eq!(first["result"]["auth"]["refresh_token"], "***");
    assert_eq!(
        first["result"]["data"],
        json!({"VERSION": "1", "LANGUAGE_ID": "ru"})
    );
    // Stored: a reinstall with it is proven, one with another is refused.
    let again = parse(&install, TOKEN, false);
    assert_eq!(
        (&again["verified"], &again["application_token"]),
        (&json!(true), &json!(TOKEN))
    );
    let forged = parse(&install, "ffffffffffffffffffffffffffffffff", false);
    assert_eq!(forged["error"], "OPI_EVENT_FORGED", "{forged}");
    // Without a token, even ONAPPINSTALL is refused.
    let bare = form(&[("event", "ONAPPINSTALL"), ("auth[domain]", "p.example")]);
    assert_eq!(parse(&bare, "", false)["error"], "OPI_EVENT_FORGED");
}

#[test]
fn a_wrong_a_missing_a_nested_only_token_and_an_empty_stored_one_are_refused() {
    let event = |auth: &[(&str, &str)]| {
        let mut pairs = vec![("event", "ONCRMDEALUPDATE"), ("data[FIELDS][ID]", "5")];
        pairs.extend_from_slice(auth);
        form(&pairs)
    };
    let wrong = event(&[(
        "auth[application_token]",
        "3c6c9248ec54af6bea1159b43ee0ab33",
    )]);
    let missing = event(&[("auth[domain]", "portal.bitrix24.com")]);
    let empty = event(&[("auth[application_token]", "")]);
    let nested = event(&[
        ("data[BOT][1][AUTH][application_token]", TOKEN),
        ("data[auth][application_token]", TOKEN),
    ]);
    let top_level_flat = event(&[("application_token", TOKEN)]);
    let cases = [
        (&wrong, TOKEN, "is not the application token given"),
        (&missing, TOKEN, "carries no auth[application_token]"),
        (&empty, TOKEN, "carries no auth[application_token]"),
        (&nested, TOKEN, "carries no auth[application_token]"),
        (&top_level_flat, TOKEN, "carries no auth[application_token]"),
        (
            &event(&[("auth[application_token]", TOKEN)]),
            "",
            "an empty one matches nothing",
        ),
        (
            &event(&[("auth[application_token]", "")]),
            "",
            "carries no auth[application_token]",
        ),
    ];
    for (body, stored, why) in cases {
        let answer = parse(body, stored, false);
        assert_eq!(answer["error"], "OPI_EVENT_FORGED", "{body}: {answer}");
        let text = answer["error_description"].as_str().unwrap();
        assert!(text.contains(why), "{body}: {text}");
        assert!(
            !text.contains(TOKEN) && answer.get("result").is_none(),
            "{text}"
        );
    }
    // A body that is no event is an argument refused, not a forgery.
    for body in [
        "",
        "hello",
        "[1,2]",
        "{\"data\": {}}",
        "data[FIELDS][ID]=5&auth[application_token]=x",
    ] {
        assert_eq!(
            parse(body, TOKEN, false)["error"],
            "OPI_INVALID_ARGUMENT",
            "{body:?}"
        );
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Medians of many interleaved timings of `compare` on a token that
/// differs at its first byte and on one that differs at its last.
fn medians(compare: impl Fn(&[u8], &[u8]) -> bool) -> (Duration, Duration) {
    let stored: Vec<u8> = (0..16_384).map(|i| b'a' + (i % 26) as u8).collect();
    let (mut first, mut last) = (stored.clone(), stored.clone());
    first[0] ^= 1;
    last[16_383] ^= 1;
    let time = |given: &[u8]| {
        let start = Instant::now();
        for _ in 0..4 {
            black_box(compare(black_box(given), black_box(&stored)));
        }
        start.elapsed()
    };
    let (mut at_first, mut at_last) = (Vec::new(), Vec::new());
    for round in 0..401 {
        // Interleaved, in both orders, so that load on the machine falls
        // on both alike.
        if round % 2 == 0 {
            at_first.push(time(&first));
            at_last.push(time(&last));
        } else {
            at_last.push(time(&last));
            at_first.push(time(&first));
        }
    }
    (median(at_first), median(at_last))
}

/// The comparison takes as long whether the first or the last byte
/// differs; the same measure tells a comparison that stops early apart,
/// so it can see a difference on this machine. (The fold reads every
/// byte, structurally: `src/events/token.rs`'s unit test.)
#[test]
fn the_token_comparison_takes_as_long_wherever_the_tokens_differ() {
    let ratio = |(a, b): (Duration, Duration)| {
        let (a, b) = (a.as_secs_f64().max(1e-9), b.as_secs_f64().max(1e-9));
        a.max(b) / a.min(b)
    };
    let early = ratio(medians(|given, stored| given == stored));
    let ours = ratio(medians(opi_bitrix24::same_token));
    assert!(
        early > 3.0,
        "the measure cannot tell an early exit apart here: {early:.2}"
    );
    assert!(
        ours < 1.5,
        "the comparison depends on where the tokens differ: {ours:.2} (an early exit: {early:.2})"
    );
}

/// A small seeded generator, so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A body: mostly form pairs built from an event's parts and the odd
/// characters of the encoding, sometimes JSON, sometimes noise.
fn fuzzed_body(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => {
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => {
            let data = vec![
                json!({}),
                json!([1, 2]),
                json!("x"),
                json!(null),
                json!({"FIELDS": {"ID": 5}}),
            ]
            .swap_remove(rng.below(5));
            let auth = vec![
                json!({"application_token": TOKEN}),
                json!({}),
                json!(5),
                json!({"application_token": 7}),
            ]
            .swap_remove(rng.below(4));
            let value = json!({
                "event": rng.pick(&["ONCRMDEALADD", "", "ONAPPINSTALL"]),
                "data": data,
                "auth": auth,
            });
            let text = value.to_string();
            let cut = rng.below(text.len() + 1);
            match rng.below(3) {
                0 => text[..cut].to_owned(),
                _ => text,
            }
        }
        _ => {
            let bases = [
                "event",
                "data",
                "auth",
                "ts",
                "event_handler_id",
                "x.y",
                " a b",
                "",
                "0",
                "%5B",
                "a%00",
            ];
            let segments = [
                "[FIELDS]",
                "[ID]",
                "[]",
                "[0]",
                "[1]",
                "[-3]",
                "[07]",
                "[application_token]",
                "[",
                "]",
                "[a.b]",
                "%5Bx%5D",
                "[[x]]",
            ];
            let values = [
                "ONCRMDEALUPDATE",
                "ONAPPINSTALL",
                "",
                "%D0%9D%D0%BE",
                "%FF%FE",
                "+",
                "%",
                "%4",
                "=",
                "a&b",
                TOKEN,
                "%E2%82",
            ];
            let mut pairs = Vec::new();
            for _ in 0..rng.below(12) {
                let mut name = rng.pick(&bases).to_owned();
                for _ in 0..rng.below(4) {
                    name.push_str(rng.pick(&segments));
                }
                match rng.below(8) {
                    0 => pairs.push(name),
                    _ => pairs.push(format!("{name}={}", rng.pick(&values))),
                }
            }
            if rng.below(2) == 0 {
                pairs.push(format!("event={}", rng.pick(&values)));
            }
            if rng.below(2) == 0 {
                pairs.push(format!("auth%5Bapplication_token%5D={TOKEN}"));
            }
            pairs.join(if rng.below(20) == 0 { "&&" } else { "&" })
        }
    }
}

/// 10,000 fuzzed bodies each answer one JSON object — the event or an
/// error, never both — and every form body read as an event is what PHP's
/// parse_str makes of it (the emulator's own reading, `tests/support/php.rs`).
#[test]
fn ten_thousand_fuzzed_bodies_each_answer_one_object_as_php_reads_them() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut read = 0;
    for round in 0..10_000 {
        let body = fuzzed_body(&mut rng);
        let token = if round % 7 == 0 { "" } else { TOKEN };
        let answer = opi_bitrix24::parse_event(&body, token, true);
        let value: Value = serde_json::from_str(answer.json())
            .unwrap_or_else(|e| panic!("{body:?}: not JSON ({e}): {}", answer.json()));
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{body:?}: {value}"));
        match (object.get("result"), object.get("error")) {
            (Some(result), None) => {
                read += 1;
                let trimmed =
                    body.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
                if !trimmed.starts_with('{') {
                    let mut php = support::php::parse_str(trimmed).to_json();
                    let data = php.get("data").cloned();
                    if matches!(data, None | Some(Value::Null)) || data == Some(json!("")) {
                        php["data"] = json!({});
                    }
                    assert_eq!(result, &php, "{body:?}");
                }
                assert_eq!(answer.error_code(), None);
            }
            (None, Some(Value::String(code))) => {
                assert!(
                    ["OPI_INVALID_ARGUMENT", "OPI_EVENT_FORGED"].contains(&code.as_str()),
                    "{body:?}: {value}"
                );
                assert!(object["error_description"].is_string());
            }
            _ => panic!("{body:?}: neither an event nor an error: {value}"),
        }
    }
    assert!(
        read > 500,
        "only {read} bodies read as events: the generator is too shy"
    );
}

// The offline queue's functions against the emulator.

fn portal() -> Portal {
    Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    })
}

fn client() -> Client {
    support::test_client(Config {
        pacing: Pacing::Off,
        retry_delay: Duration::from_millis(10),
        ..Config::default()
    })
}

fn run(client: &Client, name: &str, args: Value) -> Value {
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    support::parse(client.run_function(name, &args).json())
}

fn ids(answer: &Value) -> Vec<String> {
    answer["result"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events: {answer}"))
        .iter()
        .map(|e| e["ID"].as_str().unwrap().to_owned())
        .collect()
}

fn deal(id: u64) -> Value {
    json!({"FIELDS": {"ID": id.to_string()}})
}

#[test]
fn the_queue_reserves_reads_again_clears_and_keeps_failures_as_the_portal_does() {
    let (portal, client) = (portal(), client());
    let url = portal.base_url().to_owned();
    let bound = run(
        &client,
        "BindOfflineEvent",
        json!({"URL": url, "Event": "onCrmDealUpdate", "Token": APP_TOKEN}),
    );
    assert_eq!(bound["result"], true, "{bound}");
    let sent = portal.requests().last().unwrap().json_body();
    assert_eq!(
        sent,
        json!({"event": "onCrmDealUpdate", "event_type": "offline", "auth": APP_TOKEN})
    );
    // Repeated changes of one deal are one record; an unbound event is none.
    for _ in 0..3 {
        assert!(portal.raise_event("ONCRMDEALUPDATE", deal(1), ""));
    }
    assert!(portal.raise_event("ONCRMDEALUPDATE", deal(2), ""));
    assert!(portal.raise_event("ONCRMDEALUPDATE", deal(3), ""));
    assert!(!portal.raise_event("ONCRMLEADADD", deal(1), ""));
    assert!(!portal.raise_event("ONCRMDEALUPDATE", deal(4), "other"));
    assert_eq!(portal.offline_records().len(), 3);

    let get = |args: Value| {
        let mut all = json!({"URL": url, "Token": APP_TOKEN});
        all.as_object_mut()
            .unwrap()
            .extend(args.as_object().unwrap().clone());
        run(&client, "GetOfflineEvents", all)
    };
    let first = get(json!({"Limit": 2}));
    assert_eq!(ids(&first), ["1", "2"], "{first}");
    let sent = portal.requests().last().unwrap().json_body();
    assert_eq!(sent, json!({"limit": "2", "clear": 0, "auth": APP_TOKEN}));
    let process = first["result"]["process_id"].as_str().unwrap().to_owned();
    assert_eq!(process.len(), 32);
    let record = &first["result"]["events"][0];
    let keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "ID",
            "TIMESTAMP_X",
            "EVENT_NAME",
            "EVENT_DATA",
            "EVENT_ADDITIONAL",
            "MESSAGE_ID"
        ]
    );
    assert_eq!(record["EVENT_DATA"], deal(1));
    let message_of = |answer: &Value, at: usize| {
        answer["result"]["events"][at]["MESSAGE_ID"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        message_of(&first, 0).bytes().all(|b| b.is_ascii_hexdigit())
            && message_of(&first, 0).len() == 32
    );

    // Reserved records are hidden from another reservation, and read again
    // by their process.
    let second = get(json!({}));
    assert_eq!(ids(&second), ["3"]);
    let again = get(json!({"ProcessID": process}));
    assert_eq!(ids(&again), ["1", "2"]);
    assert_eq!(again["result"]["process_id"], process.as_str());
    // A change while its record is reserved makes a new free record.
    portal.raise_event("ONCRMDEALUPDATE", deal(1), "");
    assert_eq!(portal.offline_records().len(), 4);

    let cleared = run(
        &client,
        "ClearOfflineEvents",
        json!({"URL": url, "ProcessID": process, "IDs": "1", "Token": APP_TOKEN}),
    );
    assert_eq!(cleared["result"], true, "{cleared}");
    assert_eq!(
        portal.requests().last().unwrap().json_body()["id"],
        json!(["1"])
    );
    let failed = run(
        &client,
        "FailOfflineEvents",
        json!({"URL": url, "ProcessID": process, "MessageIDs": [message_of(&first, 1)], "Token": APP_TOKEN}),
    );
    assert_eq!(failed["result"], true, "{failed}");
    assert_eq!(
        ids(&get(json!({"ProcessID": process}))),
        Vec::<String>::new()
    );
    // The failed one is kept, out of plain reads, and read with Errors.
    let records = portal.offline_records();
    let kept = records.iter().find(|r| r.id == 2).unwrap();
    assert!(kept.error && kept.process_id.is_empty(), "{kept:?}");
    let fresh = get(json!({}));
    assert_eq!(ids(&fresh), ["4"]);
    let errors = get(json!({"Errors": true}));
    assert_eq!(ids(&errors), ["2"]);
    assert_eq!(portal.requests().last().unwrap().json_body()["error"], 1);

    // Clear=true deletes what it reads, as the portal's default does.
    portal.raise_event("ONCRMDEALUPDATE", deal(9), "");
    let deleted = get(json!({"Clear": true}));
    assert_eq!(
        (ids(&deleted), &deleted["result"]["process_id"]),
        (vec!["5".to_owned()], &Value::Null)
    );
    assert!(!portal.offline_records().iter().any(|r| r.id == 5));

    let unbound = run(
        &client,
        "UnbindOfflineEvent",
        json!({"URL": url, "Event": "ONCRMDEALUPDATE", "Token": APP_TOKEN}),
    );
    assert_eq!(unbound["result"], json!({"count": 1}), "{unbound}");
    assert!(portal.offline_bindings().is_empty());
}

#[test]
fn without_the_extended_feature_reserving_is_refused_plainly_and_nothing_is_read() {
    let (portal, client) = (portal(), client());
    let url = portal.base_url().to_owned();
    run(
        &client,
        "BindOfflineEvent",
        json!({"URL": url, "Event": "ONCRMDEALADD", "Token": APP_TOKEN}),
    );
    portal.raise_event("ONCRMDEALADD", deal(1), "");
    portal.set_offline_extended(false);
    let before = portal.calls_of("event.offline.get");
    let answer = run(
        &client,
        "GetOfflineEvents",
        json!({"URL": url, "Token": APP_TOKEN}),
    );
    assert_eq!(answer["error"], "WRONG_LICENSE", "{answer}");
    let text = answer["error_description"].as_str().unwrap();
    assert!(
        text.contains("rest_offline_extended")
            && text.contains("does not fall back to reading with clear=1"),
        "{text}"
    );
    assert!(
        answer["portal_description"]
            .as_str()
            .unwrap()
            .contains("extended offline events")
    );
    assert_eq!(
        portal.calls_of("event.offline.get"),
        before + 1,
        "no second read"
    );
    assert_eq!(portal.offline_records().len(), 1, "nothing deleted");
    // The consumer loop ends with the same answer, and deletes nothing.
    let dir = scratch("license");
    let settings = settings(&portal, &dir.join("c.state"));
    let summary = client.watch_offline_events(
        &settings,
        &mut |_| Delivery::Done,
        &AtomicBool::new(false),
        &mut |_| {},
    );
    assert_eq!(
        summary.error_code(),
        Some("WRONG_LICENSE"),
        "{}",
        summary.json()
    );
    assert_eq!(portal.offline_records().len(), 1);
    // A webhook may not read the queue at all.
    let hooked = run(
        &client,
        "GetOfflineEvents",
        json!({"URL": portal.webhook_url()}),
    );
    assert_eq!(hooked["error"], "WRONG_AUTH_TYPE", "{hooked}");
}

#[test]
fn a_reservation_whose_answer_is_lost_is_not_sent_again_and_its_batch_is_adopted() {
    let (portal, client) = (portal(), client());
    let url = portal.base_url().to_owned();
    run(
        &client,
        "BindOfflineEvent",
        json!({"URL": url, "Event": "ONCRMDEALADD", "Token": APP_TOKEN}),
    );
    for id in 1..=30 {
        portal.raise_event("ONCRMDEALADD", deal(id), "");
    }
    portal.fail_next("event.offline.get", PortalFault::BreakAfterRun, 1);
    let lost = run(
        &client,
        "GetOfflineEvents",
        json!({"URL": url, "Token": APP_TOKEN, "Limit": 10}),
    );
    assert!(
        lost["error_description"]
            .as_str()
            .unwrap()
            .contains("may have executed event.offline.get"),
        "{lost}"
    );
    assert_eq!(portal.calls_of("event.offline.get"), 1, "not repeated");
    // The loop's own reservation is lost the same way; it finds the batch
    // nobody records and delivers it, with the batch the function lost.
    portal.fail_next("event.offline.get", PortalFault::BreakAfterRun, 1);
    let dir = scratch("adopt");
    let mut settings = settings(&portal, &dir.join("c.state"));
    settings.limit = 10;
    let mut delivered = Vec::new();
    let mut notices = Vec::new();
    let summary = client.watch_offline_events(
        &settings,
        &mut |event| {
            delivered.push(event.id.clone());
            Delivery::Done
        },
        &AtomicBool::new(false),
        &mut |notice| notices.push(notice.to_owned()),
    );
    let summary = support::parse(summary.json());
    assert_eq!(summary["result"]["adopted"], 2, "{summary} {notices:?}");
    let unique: BTreeSet<&String> = delivered.iter().collect();
    assert_eq!((delivered.len(), unique.len()), (30, 30), "{delivered:?}");
    assert!(portal.offline_records().is_empty());
}

// The consumer loop.

/// A fresh folder under target/tmp.
fn scratch(name: &str) -> PathBuf {
    let dir = support::target_dir()
        .parent()
        .unwrap()
        .join("tmp")
        .join(format!("events-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn settings(portal: &Portal, state: &Path) -> WatchSettings {
    WatchSettings {
        url: portal.base_url().to_owned(),
        token: APP_TOKEN.to_owned(),
        state: state.to_path_buf(),
        limit: 25,
        filter: None,
        connector: String::new(),
        interval: Duration::from_millis(20),
        once: true,
    }
}

/// A portal with `ONCRMDEALADD` bound and `count` deals added.
fn queue_of(count: u64) -> (Portal, Client) {
    let (portal, client) = (portal(), client());
    let url = portal.base_url().to_owned();
    run(
        &client,
        "BindOfflineEvent",
        json!({"URL": url, "Event": "ONCRMDEALADD", "Token": APP_TOKEN}),
    );
    for id in 1..=count {
        assert!(portal.raise_event("ONCRMDEALADD", deal(id), ""));
    }
    (portal, client)
}

#[test]
fn the_loop_clears_what_it_delivered_marks_what_failed_and_redelivers_after_a_stop() {
    let (portal, client) = queue_of(120);
    let dir = scratch("loop");
    let settings = settings(&portal, &dir.join("c.state"));
    let mut seen: Vec<OfflineEvent> = Vec::new();
    // The 30th event's delivery starts, then the loop is stopped by it, as
    // by a crash mid-delivery.
    let summary = client.watch_offline_events(
        &settings,
        &mut |event| {
            seen.push(event.clone());
            match seen.len() {
                30 => Delivery::Stop,
                _ if event.id.ends_with('7') => Delivery::Failed,
                _ => Delivery::Done,
            }
        },
        &AtomicBool::new(false),
        &mut |_| {},
    );
    let summary = support::parse(summary.json());
    assert_eq!(summary["result"]["stopped"], true, "{summary}");
    let state: Value = support::parse(&std::fs::read_to_string(dir.join("c.state")).unwrap());
    assert_eq!(state["current"], seen[29].id.as_str(), "{state}");
    assert_eq!(state["batches"].as_array().unwrap().len(), 1);
    let stopped_at = seen[29].id.clone();
    // Started again: the batch is read again, the event in hand delivered
    // again and said so, the rest once each.
    let mut again: Vec<OfflineEvent> = Vec::new();
    let summary = client.watch_offline_events(
        &settings,
        &mut |event| {
            again.push(event.clone());
            if event.id.ends_with('7') {
                Delivery::Failed
            } else {
                Delivery::Done
            }
        },
        &AtomicBool::new(false),
        &mut |_| {},
    );
    let summary = support::parse(summary.json());
    assert_eq!(again[0].id, stopped_at);
    assert!(again[0].redelivered && again[1..].iter().all(|e| !e.redelivered));
    assert_eq!(summary["result"]["redelivered"], 1, "{summary}");
    let all: BTreeSet<String> = seen.iter().chain(&again).map(|e| e.id.clone()).collect();
    assert_eq!(all.len(), 120);
    assert_eq!(seen.len() + again.len(), 121);
    let event = &again[1];
    let record: Value = support::parse(&event.json);
    assert_eq!(
        (record["ID"].as_str(), record["EVENT_NAME"].as_str()),
        (Some(event.id.as_str()), Some("ONCRMDEALADD"))
    );
    assert_eq!(event.message_id.len(), 32);
    // What failed is kept as failed, and only that.
    let left = portal.offline_records();
    assert_eq!(left.len(), 12, "{left:?}");
    assert!(
        left.iter()
            .all(|r| r.error && r.process_id.is_empty() && r.id.to_string().ends_with('7'))
    );
}

// The consumer loop through oint.

fn oint_watch(portal: &Portal, state: &Path, exec: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(support::target_dir().join("oint"));
    let limit = if extra.contains(&"--limit") {
        &[][..]
    } else {
        &["--limit", "20"][..]
    };
    command
        .args([
            "bitrix24",
            "WatchOfflineEvents",
            "--url",
            portal.base_url(),
            "--token",
            APP_TOKEN,
        ])
        .arg("--state")
        .arg(state)
        .args(["--interval", "0.02", "--exec", exec])
        .args(limit)
        .args(extra)
        .envs(
            support::fronts::environment()
                .iter()
                .map(|(name, value)| (*name, value)),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The command every consumer runs: the event's ID appended to `file`,
/// after checking that the event came on standard input.
fn append_id(file: &Path) -> String {
    format!(
        "grep -q '\"ID\":\"'\"$OPI_EVENT_ID\"'\"' && echo \"$OPI_EVENT_ID\" >> '{}'",
        file.display()
    )
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Runs `command` to its end; its summary (standard output) and standard error.
fn finished(mut command: Command) -> (Value, String) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{stderr}{}",
        String::from_utf8_lossy(&output.stdout)
    );
    (
        support::parse(&String::from_utf8_lossy(&output.stdout)),
        stderr,
    )
}

#[cfg(unix)]
#[test]
fn killed_twenty_times_the_consumer_delivers_every_one_of_1000_events_at_least_once() {
    let (portal, _client) = queue_of(600);
    let dir = scratch("kill");
    let (state, delivered) = (dir.join("c.state"), dir.join("ids"));
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let started = Instant::now();
    for round in 0..20 {
        // More events arrive while it runs.
        if round == 5 {
            for id in 601..=1000 {
                portal.raise_event("ONCRMDEALADD", deal(id), "");
            }
        }
        let mut child: Child = oint_watch(&portal, &state, &append_id(&delivered), &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(80 + rng.below(300) as u64));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    // The kills fell on work: a good part of the events was delivered by
    // the runs killed.
    let before = lines(&delivered).len();
    assert!(before >= 200, "only {before} delivered before the last run");
    let (summary, stderr) = finished(oint_watch(
        &portal,
        &state,
        &append_id(&delivered),
        &["--once"],
    ));
    let ids = lines(&delivered);
    let unique: BTreeSet<u64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    assert_eq!(
        unique,
        (1..=1000).collect::<BTreeSet<u64>>(),
        "every event at least once"
    );
    let duplicates = ids.len() - unique.len();
    let reported = summary["result"]["redelivered_ever"].as_u64().unwrap();
    assert!(
        duplicates as u64 <= reported,
        "{duplicates} duplicates, {reported} reported: {summary}"
    );
    if summary["result"]["redelivered"].as_u64() > Some(0) {
        assert!(stderr.contains("is delivered again"), "{stderr}");
    }
    assert!(portal.offline_records().is_empty(), "the queue ends empty");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    eprintln!(
        "{before} delivered by the runs killed; {duplicates} duplicates, {reported} reported as redelivered, in {:?}",
        started.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn events_whose_command_fails_land_in_the_error_set_through_crashes() {
    let (portal, client) = queue_of(300);
    let dir = scratch("failing");
    let (state, delivered) = (dir.join("c.state"), dir.join("ids"));
    // One event in ten fails: those whose ID ends in 0.
    let exec = format!(
        "case \"$OPI_EVENT_ID\" in *0) exit 3;; esac; {}",
        append_id(&delivered)
    );
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..5 {
        let mut child = oint_watch(&portal, &state, &exec, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(40 + rng.below(150) as u64));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let (summary, _) = finished(oint_watch(&portal, &state, &exec, &["--once"]));
    let unique: BTreeSet<u64> = lines(&delivered)
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    let failing: BTreeSet<u64> = (1..=300).filter(|id| id % 10 == 0).collect();
    assert_eq!(
        unique,
        (1..=300).filter(|id| id % 10 != 0).collect(),
        "{summary}"
    );
    let left: BTreeSet<u64> = portal.offline_records().iter().map(|r| r.id).collect();
    assert_eq!(left, failing, "the failed events are kept");
    assert!(
        portal
            .offline_records()
            .iter()
            .all(|r| r.error && r.process_id.is_empty())
    );
    // And read back as failed events.
    let errors = run(
        &client,
        "GetOfflineEvents",
        json!({"URL": portal.base_url(), "Token": APP_TOKEN, "Errors": true, "Limit": 100}),
    );
    let read: BTreeSet<u64> = ids(&errors).iter().map(|id| id.parse().unwrap()).collect();
    assert_eq!(read, failing);
}

#[cfg(unix)]
#[test]
fn two_consumers_at_once_never_deliver_one_event_twice() {
    let (portal, _client) = queue_of(1000);
    let dir = scratch("two");
    let consumers: Vec<Child> = ["a", "b"]
        .iter()
        .map(|name| {
            let state = dir.join(format!("{name}.state"));
            oint_watch(
                &portal,
                &state,
                &append_id(&dir.join(format!("ids-{name}"))),
                &["--once", "--limit", "10"],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    for consumer in consumers {
        let output = consumer.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let (a, b) = (lines(&dir.join("ids-a")), lines(&dir.join("ids-b")));
    let (set_a, set_b): (HashSet<&String>, HashSet<&String>) =
        (a.iter().collect(), b.iter().collect());
    assert_eq!(
        (set_a.len(), set_b.len()),
        (a.len(), b.len()),
        "no duplicates within one"
    );
    assert!(set_a.is_disjoint(&set_b), "one event delivered by both");
    assert_eq!(a.len() + b.len(), 1000, "{} + {}", a.len(), b.len());
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both consumed: {} and {}",
        a.len(),
        b.len()
    );
    assert!(portal.offline_records().is_empty());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_after_the_event_in_hand_and_keeps_the_state() {
    let (portal, _client) = queue_of(40);
    let dir = scratch("sigterm");
    let (state, delivered) = (dir.join("c.state"), dir.join("ids"));
    let exec = format!("sleep 0.2; {}", append_id(&delivered));
    let child = oint_watch(&portal, &state, &exec, &[]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill(2) on the child's own process id.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = support::parse(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary["result"]["stopped"], true, "{summary}");
    let done = lines(&delivered);
    assert_eq!(
        summary["result"]["delivered"],
        done.len(),
        "the event in hand was finished"
    );
    assert_eq!(summary["result"]["cleared"], done.len(), "and cleared");
    assert!(!done.is_empty() && done.len() < 40);
    let kept: Value = support::parse(&std::fs::read_to_string(&state).unwrap());
    assert_eq!(kept["batches"].as_array().unwrap().len(), 1, "{kept}");
    let (summary, _) = finished(oint_watch(
        &portal,
        &state,
        &append_id(&delivered),
        &["--once"],
    ));
    assert_eq!(summary["result"]["redelivered"], 0, "{summary}");
    assert_eq!(lines(&delivered).len(), 40);
    assert!(portal.offline_records().is_empty());
}

#[test]
fn without_exec_each_event_is_one_json_line_and_is_cleared() {
    let (portal, _client) = queue_of(30);
    let dir = scratch("lines");
    let mut command = Command::new(support::target_dir().join("oint"));
    command
        .args([
            "bitrix24",
            "WatchOfflineEvents",
            "--url",
            portal.base_url(),
            "--token",
            APP_TOKEN,
            "--once",
            "--limit",
            "7",
        ])
        .arg("--state")
        .arg(dir.join("c.state"))
        .envs(
            support::fronts::environment()
                .iter()
                .map(|(name, value)| (*name, value)),
        );
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(support::parse)
        .collect();
    let ids: BTreeSet<u64> = printed
        .iter()
        .map(|e| e["ID"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, (1..=30).collect());
    assert!(printed.iter().all(|e| e["EVENT_NAME"] == "ONCRMDEALADD"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("\"cleared\": 30"));
    assert!(portal.offline_records().is_empty());
    // A state file not named *.state, or held by another consumer, is refused.
    let mut misnamed = Command::new(support::target_dir().join("oint"));
    misnamed
        .args([
            "bitrix24",
            "WatchOfflineEvents",
            "--url",
            portal.base_url(),
            "--token",
            APP_TOKEN,
            "--state",
        ])
        .arg(dir.join("c.json"));
    assert_eq!(misnamed.output().unwrap().status.code(), Some(2));
}

// Every front.

/// ParseEvent and the queue's functions through the Rust API, the C ABI,
/// the C program, both add-in hosts and oint: the same answers, the same
/// requests; and C's own opi_bitrix24_parse_event.
#[test]
fn the_event_functions_are_the_same_on_every_front() {
    use support::fronts::{FRONTS, Front, Function, invoke, shared_portal};
    let portal = shared_portal();
    let url = portal.base_url().to_owned();
    let body = form(&[
        ("event", "ONCRMDEALUPDATE"),
        ("data[FIELDS][ID]", "5"),
        ("data[FIELDS][TITLE]", "Сделка"),
        ("auth[application_token]", TOKEN),
        ("auth[access_token]", "acc"),
    ]);
    let parse_args = json!({"body": body, "apptoken": TOKEN}).to_string();
    let forged_args = json!({"body": body, "apptoken": "nope"}).to_string();
    let bind_args = json!({"url": url, "event": "ONCRMDEALADD", "token": APP_TOKEN}).to_string();
    let mut answers: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut next_deal = 1000;
    for front in FRONTS {
        let parsed = invoke(front, Function::RunFunction, &["ParseEvent", &parse_args]);
        answers.entry("parse").or_default().push(parsed);
        let forged = invoke(front, Function::RunFunction, &["ParseEvent", &forged_args]);
        answers.entry("forged").or_default().push(forged);
        let bound = invoke(
            front,
            Function::RunFunction,
            &["BindOfflineEvent", &bind_args],
        );
        answers.entry("bind").or_default().push(bound);
        // Each front reserves, fails one and clears the rest of a batch of
        // its own.
        for _ in 0..3 {
            next_deal += 1;
            assert!(portal.raise_event("ONCRMDEALADD", deal(next_deal), ""));
        }
        let get = json!({"url": url, "token": APP_TOKEN, "limit": 3}).to_string();
        let batch = invoke(front, Function::RunFunction, &["GetOfflineEvents", &get]);
        let events = batch["result"]["events"]
            .as_array()
            .unwrap_or_else(|| panic!("{front:?}: {batch}"))
            .clone();
        assert_eq!(events.len(), 3, "{front:?}: {batch}");
        let names: Vec<&Value> = events
            .iter()
            .map(|e| &e["EVENT_DATA"]["FIELDS"]["ID"])
            .collect();
        assert_eq!(
            names,
            [next_deal - 2, next_deal - 1, next_deal]
                .map(|id| json!(id.to_string()))
                .iter()
                .collect::<Vec<_>>(),
            "{front:?}"
        );
        let process = batch["result"]["process_id"].as_str().unwrap();
        let fail = json!({"url": url, "token": APP_TOKEN, "process": process, "messages": events[0]["MESSAGE_ID"]}).to_string();
        answers.entry("fail").or_default().push(invoke(
            front,
            Function::RunFunction,
            &["FailOfflineEvents", &fail],
        ));
        let ids: Vec<&Value> = events[1..].iter().map(|e| &e["ID"]).collect();
        let clear =
            json!({"url": url, "token": APP_TOKEN, "process": process, "ids": ids}).to_string();
        answers.entry("clear").or_default().push(invoke(
            front,
            Function::RunFunction,
            &["ClearOfflineEvents", &clear],
        ));
        let failed_id: u64 = events[0]["ID"].as_str().unwrap().parse().unwrap();
        let records = portal.offline_records();
        assert!(records.iter().all(|r| r.error), "{front:?}: {records:?}");
        assert!(records.iter().any(|r| r.id == failed_id), "{front:?}");
        if front == Front::CAbi {
            // C's own function, in this process.
            assert_eq!(
                c_parse_event(&[body.as_str(), TOKEN, "false"]),
                answers["parse"][0]
            );
        }
    }
    for (what, seen) in &answers {
        for (front, answer) in FRONTS.iter().zip(seen) {
            let mut answer = answer.clone();
            let mut first = seen[0].clone();
            for value in [&mut answer, &mut first] {
                if let Some(time) = value.as_object_mut() {
                    time.remove("time");
                }
            }
            assert_eq!(answer, first, "{what}: {front:?} answered otherwise");
        }
    }
    assert_eq!(
        answers["parse"][0]["result"]["data"]["FIELDS"]["TITLE"],
        "Сделка"
    );
    assert_eq!(answers["parse"][0]["result"]["auth"]["access_token"], "***");
    assert_eq!(answers["forged"][0]["error"], "OPI_EVENT_FORGED");
    assert_eq!(answers["bind"][0]["result"], true);
    assert_eq!(answers["clear"][0]["result"], true);
    // The C program's opi_bitrix24_parse_event, and oint's body from stdin.
    let program = Command::new(support::c_test_program())
        .args(["invoke", "parse_event", &body, TOKEN, "false"])
        .output()
        .unwrap();
    assert_eq!(
        support::parse(&String::from_utf8_lossy(&program.stdout)),
        answers["parse"][0]
    );
    let piped = support::output_with_stdin(
        Command::new(support::target_dir().join("oint")).args([
            "bitrix24",
            "ParseEvent",
            "--apptoken",
            TOKEN,
        ]),
        body.as_bytes(),
    );
    assert_eq!(
        support::parse(&String::from_utf8_lossy(&piped.stdout)),
        answers["parse"][0]
    );
    let forged = support::output_with_stdin(
        Command::new(support::target_dir().join("oint")).args([
            "bitrix24",
            "ParseEvent",
            "--apptoken",
            "nope",
            "--body",
            "-",
        ]),
        body.as_bytes(),
    );
    assert_eq!(forged.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&forged.stdout).contains(TOKEN));
}

/// `opi_bitrix24_parse_event` in this process.
fn c_parse_event(args: &[&str; 3]) -> Value {
    let body = std::ffi::CString::new(args[0]).unwrap();
    let token = std::ffi::CString::new(args[1]).unwrap();
    // SAFETY: live NUL-terminated strings for the call.
    let answer = unsafe {
        opi_bitrix24::capi::opi_bitrix24_parse_event(
            body.as_ptr(),
            token.as_ptr(),
            args[2] == "true",
        )
    };
    // SAFETY: the library's answer, taken once.
    support::parse(&unsafe { support::fronts::take_c_string(answer) })
}
