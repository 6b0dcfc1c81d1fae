//! ParseEvent with arbitrary bodies: never a panic, always one JSON object
//! that is the event or an error, never both.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "3c6c9248ec54af6bea1159b43ee0ab32";

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let answer = opi_bitrix24::parse_event(&body, TOKEN, false);
    let value: serde_json::Value =
        serde_json::from_str(answer.json()).expect("the answer is JSON");
    let object = value.as_object().expect("the answer is an object");
    assert!(object.contains_key("result") != object.contains_key("error"), "{value}");
});
