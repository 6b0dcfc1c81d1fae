//! ParseEvent: the body of a request the portal sent to an event handler,
//! read and proven (docs/events.md). Offline: nothing is sent anywhere.

use serde_json::{Map, Value};

use super::form;
use super::token::same_token;
use crate::answer::Answer;
use crate::error::{Error, ErrorCode};

/// The largest body read: as much as a request may carry.
pub(crate) const MAX_BODY_BYTES: usize = 16 << 20;

/// The members whose values are secrets, wherever they are in the event:
/// `auth`'s tokens, and those a chat bot's `data` carries.
const SECRET_KEYS: [&str; 3] = ["access_token", "refresh_token", "application_token"];

/// What a secret is shown as, as the library masks secrets everywhere.
pub(crate) const MASK: &str = "***";

/// The event that brings the application token in the first place.
const INSTALL: &str = "ONAPPINSTALL";

/// Reads `body` (form-encoded, or a JSON object) as an event and checks its
/// top-level `auth[application_token]` against `application_token` in
/// constant time. The answer is `{"result": <the event>, "verified": …}`
/// (with `application_token` for ONAPPINSTALL, and `warnings` when a value
/// was not UTF-8); tokens shown as `***` unless `with_tokens`. A body that
/// is no event is `OPI_INVALID_ARGUMENT`; a token missing or not the one
/// given is `OPI_EVENT_FORGED`.
pub fn parse_event(body: &str, application_token: &str, with_tokens: bool) -> Answer {
    match read(body, application_token, with_tokens) {
        Ok(json) => Answer::composed(json, None),
        Err(error) => error.into(),
    }
}

fn not_an_event(why: impl std::fmt::Display) -> Error {
    Error::invalid_argument(format!("the body is not a Bitrix24 event: {why}"))
}

fn forged(event: &str, why: &str) -> Error {
    let event = crate::echo::value(event, 60);
    Error::new(
        ErrorCode::EventForged,
        format!("the event {event} is refused: {why} (docs/events.md)"),
    )
}

fn read(body: &str, stored: &str, with_tokens: bool) -> Result<String, Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(not_an_event(format!(
            "it is {} bytes long; at most {MAX_BODY_BYTES} are read",
            body.len()
        )));
    }
    let body = body.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
    if body.is_empty() {
        return Err(not_an_event("it is empty"));
    }
    let (top, not_utf8) = match body.starts_with('{') {
        true => {
            let top = serde_json::from_str::<Value>(body)
                .map_err(|e| not_an_event(format!("it starts as JSON but does not read: {e}")))?;
            (top, Vec::new())
        }
        false => {
            let decoded = form::decode(body);
            (decoded.top, decoded.not_utf8)
        }
    };
    let Value::Object(mut top) = top else {
        return Err(not_an_event("its fields are a list, not named"));
    };
    let event = match top.get("event") {
        Some(Value::String(event)) if !event.trim().is_empty() => event.clone(),
        _ => return Err(not_an_event("it has no `event`")),
    };
    match top.get("data") {
        None | Some(Value::Null) => {
            top.insert("data".to_owned(), Value::Object(Map::new()));
        }
        Some(Value::String(text)) if text.is_empty() => {
            top.insert("data".to_owned(), Value::Object(Map::new()));
        }
        Some(Value::Object(_) | Value::Array(_)) => {}
        Some(_) => return Err(not_an_event("its `data` is neither fields nor empty")),
    }
    // The top-level auth's token only: one inside `data` (a chat bot's)
    // proves nothing.
    let given = match top.get("auth") {
        Some(Value::Object(auth)) => auth.get("application_token").and_then(Value::as_str),
        _ => None,
    }
    .filter(|token| !token.is_empty())
    .map(str::to_owned);
    let install = event.trim().eq_ignore_ascii_case(INSTALL);
    let verified = match (given.as_deref(), stored.is_empty()) {
        (None, _) => return Err(forged(&event, "it carries no auth[application_token]")),
        (Some(_), true) if install => false,
        (Some(_), true) => {
            return Err(forged(
                &event,
                "no application token was given to check it against, and an empty one matches nothing",
            ));
        }
        (Some(given), false) if same_token(given.as_bytes(), stored.as_bytes()) => true,
        (Some(_), false) => {
            return Err(forged(
                &event,
                "its auth[application_token] is not the application token given",
            ));
        }
    };
    let mut result = Value::Object(top);
    if !with_tokens {
        mask(&mut result);
    }
    let mut answer = Map::new();
    answer.insert("result".to_owned(), result);
    if install {
        answer.insert("application_token".to_owned(), given.into());
    }
    answer.insert("verified".to_owned(), Value::Bool(verified));
    if !not_utf8.is_empty() {
        answer.insert("warnings".to_owned(), vec![warning(&not_utf8)].into());
    }
    Ok(Value::Object(answer).to_string())
}

/// Every secret's value replaced by [`MASK`], at any depth.
fn mask(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                let secret = SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(key));
                match member {
                    Value::String(text) if secret && !text.is_empty() => *text = MASK.to_owned(),
                    Value::Number(_) if secret => *member = Value::from(MASK),
                    _ => mask(member),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

/// The warning for fields whose bytes were not UTF-8.
fn warning(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|name| crate::echo::value(name, 60))
        .collect();
    let more = match names.len() {
        n if n > 5 => format!(" and {} more", n - 5),
        _ => String::new(),
    };
    format!(
        "not UTF-8, their invalid bytes replaced with U+FFFD: {}{more}",
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(body: &str, token: &str) -> Value {
        serde_json::from_str(parse_event(body, token, false).json()).unwrap()
    }

    #[test]
    fn secrets_are_masked_at_any_depth_unless_asked_for() {
        let body = "event=ONIMBOTJOINCHAT&data[BOT][5][access_token]=botsecret&data[BOT][5][AUTH][application_token]=x\
                    &auth[application_token]=good&auth[access_token]=acc&auth[domain]=p.example";
        let answer = parsed(body, "good");
        assert_eq!(answer["verified"], true);
        assert_eq!(answer["result"]["auth"]["access_token"], MASK);
        assert_eq!(answer["result"]["auth"]["application_token"], MASK);
        assert_eq!(answer["result"]["auth"]["domain"], "p.example");
        assert_eq!(answer["result"]["data"]["BOT"]["5"]["access_token"], MASK);
        assert_eq!(
            answer["result"]["data"]["BOT"]["5"]["AUTH"]["application_token"],
            MASK
        );
        let shown: Value = serde_json::from_str(parse_event(body, "good", true).json()).unwrap();
        assert_eq!(shown["result"]["auth"]["access_token"], "acc");
        assert!(
            !parse_event(body, "good", false)
                .json()
                .contains("botsecret")
        );
    }

    #[test]
    fn data_is_always_there_and_odd_shapes_are_refused() {
        let answer = parsed("event=ONOFFLINEEVENT&auth[application_token]=t", "t");
        assert_eq!(answer["result"]["data"], json!({}));
        for body in [
            "",
            "  ",
            "[1]",
            "0=a",
            "data[x]=1",
            "event=&x=1",
            "{\"event\": 5}",
            "{nope",
        ] {
            assert_eq!(
                parsed(body, "t")["error"],
                "OPI_INVALID_ARGUMENT",
                "{body:?}"
            );
        }
        let odd = parsed(
            "{\"event\":\"X\",\"data\":5,\"auth\":{\"application_token\":\"t\"}}",
            "t",
        );
        assert_eq!(odd["error"], "OPI_INVALID_ARGUMENT");
    }
}
