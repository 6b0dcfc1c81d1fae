//! JSON text as OpenIntegrations' users write it (docs/json-text.md), on
//! every front: the same text in its dialect — single quotes, names
//! without quotes, comments, trailing commas, octal and hexadecimal
//! integers — gives the same request on every front as its JSON does, in
//! CallMethod's parameters, Batch's commands, GetList's parameters and a
//! function's structures; what has no JSON meaning is refused with its
//! line and column, and nothing is sent.

use opi_test_support as support;

use serde_json::{Value, json};
use support::fronts::{FRONTS, Front, Function, error_of, invoke};
use support::*;

/// A portal whose answers are the same for the same request on every
/// front: a frozen clock, no bucket, unknown methods echoed.
fn portal() -> Portal {
    Portal::with(PortalOptions {
        frozen_clock: Some(FROZEN_CLOCK),
        bucket: None,
        echo_unknown: true,
        list_rows: 3,
        ..PortalOptions::default()
    })
}

/// The bodies of the requests `function` sends with `args` through
/// `front`, and its answer.
fn sent(portal: &Portal, front: Front, function: Function, args: &[&str]) -> (Value, Vec<Vec<u8>>) {
    let before = portal.requests().len();
    let answer = invoke(front, function, args);
    let bodies = portal.requests()[before..]
        .iter()
        .map(|request| request.body.clone())
        .collect();
    (answer, bodies)
}

/// Sends `args` with `dialect` at `at` through every front, and with
/// `json` there through the Rust front: every front sends the same bytes
/// and answers alike, and what they send is, read as JSON, what the JSON
/// text sends. The bodies, read.
fn same_as_json_on_every_front(
    portal: &Portal,
    function: Function,
    args: &[&str],
    at: usize,
    (dialect, json): (&str, &str),
) -> Vec<Value> {
    let replaced = |text: &str| -> Vec<String> {
        let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        args[at] = text.to_owned();
        args
    };
    fn borrow(args: &[String]) -> Vec<&str> {
        args.iter().map(String::as_str).collect()
    }
    let read = |bodies: &[Vec<u8>]| -> Vec<Value> {
        bodies
            .iter()
            .map(|body| serde_json::from_slice(body).expect("the body is JSON"))
            .collect()
    };
    let (in_dialect, in_json) = (replaced(dialect), replaced(json));
    let (answer, bodies) = sent(portal, Front::Rust, function, &borrow(&in_json));
    assert!(!bodies.is_empty(), "{function:?}: a request goes out");
    assert!(answer.get("error").is_none(), "{answer}");
    let mut first: Option<Vec<Vec<u8>>> = None;
    for front in FRONTS {
        let got = sent(portal, front, function, &borrow(&in_dialect));
        assert_eq!(got.0, answer, "{front:?} {function:?}: the answer");
        assert_eq!(
            read(&got.1),
            read(&bodies),
            "{front:?} {function:?}: the dialect sends what its JSON sends"
        );
        match &first {
            None => first = Some(got.1),
            Some(bytes) => assert_eq!(&got.1, bytes, "{front:?} {function:?}: the same bytes"),
        }
    }
    read(&bodies)
}

#[test]
fn the_dialect_sends_what_its_json_sends_on_every_front() {
    let portal = portal();
    let webhook = portal.webhook_url();

    // CallMethod: the body is the JSON the text converts to.
    let bodies = same_as_json_on_every_front(
        &portal,
        Function::Call,
        &[&webhook, "crm.item.add", "", ""],
        2,
        (
            "{entityTypeId: 2, /* a deal */ fields: {'TITLE': 'It\\'s new', 'OPPORTUNITY': 010, 'IDS': [0x1F, -007, .5, 12345678901234567890,],},}",
            r#"{"entityTypeId": 2,  "fields": {"TITLE": "It's new", "OPPORTUNITY": 8, "IDS": [31, -7, 0.5, 12345678901234567890 ] }  }"#,
        ),
    );
    assert_eq!(
        bodies[0],
        json!({"entityTypeId": 2, "fields": {"TITLE": "It's new", "OPPORTUNITY": 8, "IDS": [31, -7, 0.5, 12345678901234567890u64]}})
    );

    // Batch: the commands, and their parameters.
    same_as_json_on_every_front(
        &portal,
        Function::Batch,
        &[&webhook, "", "false", ""],
        1,
        (
            "{me: {method: 'user.current'}, deal: {'method': 'crm.deal.list', params: {filter: {'>ID': 1}, select: ['ID', 'TITLE',],},},}",
            r#"{"me": {"method": "user.current"}, "deal": {"method": "crm.deal.list", "params": {"filter": {">ID": 1}, "select": ["ID", "TITLE"]}}}"#,
        ),
    );

    // GetList: the first page's request.
    same_as_json_on_every_front(
        &portal,
        Function::GetList,
        &[&webhook, "crm.contact.list", "", "", "false"],
        2,
        (
            "// contacts\n{filter: {'>ID': 0,}, select: ['ID',]}",
            r#"{"filter": {">ID": 0}, "select": ["ID"]}"#,
        ),
    );

    // A function's structure, given as text in the dialect.
    let args = |fields: &str| json!({"url": webhook, "fields": fields, "token": ""}).to_string();
    let (dialect, strict) = (
        args("{'TITLE':'New task','RESPONSIBLE_ID':'1'}"),
        args(r#"{"TITLE":"New task","RESPONSIBLE_ID":"1"}"#),
    );
    let bodies = same_as_json_on_every_front(
        &portal,
        Function::RunFunction,
        &["CreateTask", ""],
        1,
        (&dialect, &strict),
    );
    assert_eq!(
        bodies[0],
        json!({"fields": {"TITLE": "New task", "RESPONSIBLE_ID": "1"}})
    );
}

#[test]
fn a_functions_arguments_may_be_in_the_dialect_too() {
    let portal = portal();
    let webhook = portal.webhook_url();
    let strict = json!({"url": webhook, "task": 12}).to_string();
    let dialect = format!("{{url: '{webhook}', 'task': 12, /* and no token */}}");
    let expected = sent(
        &portal,
        Front::Rust,
        Function::RunFunction,
        &["GetTask", &strict],
    );
    assert_eq!(expected.1, vec![br#"{"taskId":"12"}"#.to_vec()]);
    // The CLI takes options, not the arguments' text.
    for front in FRONTS.into_iter().filter(|&front| front != Front::Cli) {
        let got = sent(
            &portal,
            front,
            Function::RunFunction,
            &["GetTask", &dialect],
        );
        assert_eq!(got, expected, "{front:?}");
    }
}

#[test]
fn what_has_no_json_meaning_is_refused_where_it_is_and_nothing_is_sent() {
    let portal = portal();
    let webhook = portal.webhook_url();
    let function_args = |fields: &str| json!({"url": webhook, "fields": fields}).to_string();
    let undefined = function_args("{'TITLE': undefined}");
    let twice = function_args("{TITLE: 'a',\n TITLE: 'b'}");
    let cases: Vec<(Function, Vec<&str>, &str)> = vec![
        (
            Function::Call,
            vec![&webhook, "crm.item.add", "{fields: {'TITLE': NaN}}", ""],
            "Parameters are not valid JSON: NaN is not a number JSON can carry at line 1 column 20",
        ),
        (
            Function::Call,
            vec![&webhook, "crm.item.add", "{'a': 1,\n 'b': new Date(1)}", ""],
            "Parameters are not valid JSON: a constructor (new …) is not a JSON value at line 2 column 7",
        ),
        (
            Function::Call,
            vec![
                &webhook,
                "crm.item.add",
                "{fields: {TITLE: 'a', TITLE: 'b'}}",
                "",
            ],
            "Parameters: the key 'TITLE' is given twice in one object, and the portal would read only its last value: give each key once (line 1, column 27)",
        ),
        (
            Function::Batch,
            vec![&webhook, "[{method: 'server.time'},, ]", "false", ""],
            "Commands are not valid JSON: an item is missing between two commas at line 1 column 26",
        ),
        (
            Function::GetList,
            vec![
                &webhook,
                "crm.contact.list",
                "{filter: {'>ID': 1}",
                "",
                "false",
            ],
            "Parameters are not valid JSON: the text ends before the value does at line 1 column 20",
        ),
        (
            Function::RunFunction,
            vec!["CreateTask", &undefined],
            "CreateTask: FieldsStructure (--fields) is not JSON: undefined is not a JSON value at line 1 column 11",
        ),
        (
            Function::RunFunction,
            vec!["CreateTask", &twice],
            "CreateTask: FieldsStructure (--fields) is refused: the key 'TITLE' is given twice in one object, and the portal would read only its last value: give each key once (line 2, column 6)",
        ),
    ];
    for (function, args, why) in &cases {
        for front in FRONTS {
            let (answer, bodies) = sent(&portal, front, *function, args);
            let (error, description) = error_of(&answer);
            assert_eq!(error, "OPI_INVALID_ARGUMENT", "{front:?} {function:?}");
            assert_eq!(description, *why, "{front:?} {function:?}");
            assert!(bodies.is_empty(), "{front:?} {function:?}: nothing sent");
        }
    }
}
