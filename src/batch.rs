//! `batch`: many commands in one request (docs/batch.md). The caller's
//! commands are checked and encoded here, split into requests of at most
//! [`MAX_COMMANDS`], and the portal's answers merged into one document;
//! sending is the client's. Nothing here touches the network.
//!
//! Values are read as written: numbers keep their text (a 20-digit ID is not
//! rounded through a float), and each command's answer is copied verbatim.

use std::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::error::{Error, ErrorCode};
use crate::request::{self, MAX_PARAMS_BYTES};
use crate::retry::Ran;
use crate::text;

/// Commands one batch request may carry; the portal refuses more
/// (`ERROR_BATCH_LENGTH_EXCEEDED`).
pub const MAX_COMMANDS: usize = 50;
/// Longer command keys are refused.
const MAX_KEY_BYTES: usize = 100;
/// The sections of a batch answer, each keyed by command.
const SECTIONS: [&str; 5] = [
    "result",
    "result_error",
    "result_total",
    "result_next",
    "result_time",
];
/// How a later command names an earlier one's answer.
const REFERENCE: &str = "$result[";

/// One command: its key, and its text as the portal reads it, `method?query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub key: String,
    pub text: String,
}

/// The caller's commands, checked and encoded, in their order.
#[derive(Debug)]
pub struct Plan {
    commands: Vec<Command>,
}

impl Plan {
    /// Reads `commands`: a JSON object of key → `{"method": …, "params": {…}}`,
    /// or an array of those (keyed by index). Refuses anything the portal
    /// could not run as meant, naming the command.
    pub fn new(commands: &str) -> Result<Plan, Error> {
        if commands.len() > MAX_PARAMS_BYTES {
            return Err(Error::invalid_argument(format!(
                "Commands are {} bytes of JSON; at most {} MiB are accepted",
                commands.len(),
                MAX_PARAMS_BYTES >> 20
            )));
        }
        let invalid = |error: serde_json::Error| {
            Error::invalid_argument(format!("Commands are not valid JSON: {error}"))
        };
        let raw: &RawValue = serde_json::from_str(commands.trim()).map_err(invalid)?;
        let entries = match Json::read(raw).map_err(invalid)? {
            Json::Object(pairs) => pairs,
            Json::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (index.to_string(), item))
                .collect(),
            other => {
                return Err(Error::invalid_argument(format!(
                    "Commands must be a JSON object of key → {{\"method\": …, \"params\": {{…}}}}, or an array of those; they are {}",
                    other.kind()
                )));
            }
        };
        let mut plan = Plan {
            commands: Vec::with_capacity(entries.len()),
        };
        for (key, command) in entries {
            let checked = checked_key(&key)
                .and_then(|key| encode_command(command).map(|text| (key, text)))
                .map_err(|error| in_command(&key, error))?;
            plan.commands.push(Command {
                key: checked.0.to_owned(),
                text: checked.1,
            });
        }
        plan.refuse_references_across_requests()?;
        Ok(plan)
    }

    /// The commands, at most [`MAX_COMMANDS`] a request, in order.
    pub fn requests(&self) -> std::slice::Chunks<'_, Command> {
        self.commands.chunks(MAX_COMMANDS)
    }

    /// The portal resolves `$result[key]` only within one request: a
    /// reference to a command the split puts in another one is refused.
    fn refuse_references_across_requests(&self) -> Result<(), Error> {
        for (request, chunk) in self.requests().enumerate() {
            for command in chunk {
                for key in references(&command.text) {
                    let elsewhere = self
                        .commands
                        .iter()
                        .position(|c| c.key == key)
                        .filter(|position| position / MAX_COMMANDS != request);
                    if let Some(position) = elsewhere {
                        return Err(in_command(
                            &command.key,
                            Error::invalid_argument(format!(
                                "it refers to $result[{key}], command number {} in another request of {MAX_COMMANDS} commands; the portal resolves references only within one request: put them within the same {MAX_COMMANDS}, or make two calls",
                                position + 1
                            )),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The body of one batch request.
pub fn body(commands: &[Command], halt: bool) -> String {
    let mut cmd = serde_json::Map::new();
    for command in commands {
        cmd.insert(command.key.clone(), command.text.clone().into());
    }
    serde_json::json!({ "halt": u8::from(halt), "cmd": cmd }).to_string()
}

fn in_command(key: &str, error: Error) -> Error {
    Error::new(
        error.code(),
        format!(
            "command '{}': {}",
            text::shown(key, 40),
            error.description()
        ),
    )
}

/// A key the portal can name in `$result[…]`: not empty, no brackets, no
/// white space or control characters.
fn checked_key(key: &str) -> Result<&str, Error> {
    if key.is_empty() {
        return Err(Error::invalid_argument("the key is empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::invalid_argument(format!(
            "the key is {} bytes long; at most {MAX_KEY_BYTES} are accepted",
            key.len()
        )));
    }
    if key
        .chars()
        .any(|c| c == '[' || c == ']' || c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid_argument(
            "the key holds a bracket, a space or a control character, which $result[…] cannot name",
        ));
    }
    Ok(key)
}

/// `{"method": …, "params": {…}}` as `method?query`.
fn encode_command(command: &RawValue) -> Result<String, Error> {
    let invalid = |error: serde_json::Error| Error::invalid_argument(format!("{error}"));
    let Json::Object(fields) = Json::read(command).map_err(invalid)? else {
        return Err(Error::invalid_argument(
            "a command must be an object: {\"method\": \"crm.deal.get\", \"params\": {\"ID\": 1}}",
        ));
    };
    let mut method = None;
    let mut params = None;
    for (name, value) in fields {
        match name.as_str() {
            "method" => method = Some(value),
            "params" => params = Some(value),
            other => {
                return Err(Error::invalid_argument(format!(
                    "it has a field '{}'; a command has only \"method\" and \"params\"",
                    text::shown(other, 20)
                )));
            }
        }
    }
    let Some(method) = method else {
        return Err(Error::invalid_argument("it has no \"method\""));
    };
    let Json::Text(method) = Json::read(method).map_err(invalid)? else {
        return Err(Error::invalid_argument("its \"method\" must be a string"));
    };
    let method = request::checked_method(&method)?;
    if method.eq_ignore_ascii_case("batch") {
        return Err(Error::invalid_argument(
            "a batch cannot hold a batch (the portal refuses it: ERROR_BATCH_METHOD_NOT_ALLOWED)",
        ));
    }
    let mut text = method.to_owned();
    let query = match params.map(Json::read).transpose().map_err(invalid)? {
        None | Some(Json::Null) => String::new(),
        Some(Json::Object(pairs)) => query(pairs).map_err(invalid)?,
        Some(other) => {
            return Err(Error::invalid_argument(format!(
                "its \"params\" must be a JSON object, such as {{\"ID\": 1}}; they are {}",
                other.kind()
            )));
        }
    };
    if !query.is_empty() {
        text.push('?');
        text.push_str(&query);
    }
    Ok(text)
}

/// The parameters as the query string the portal parses (PHP's
/// `parse_str`): the rules are in docs/batch.md.
pub(crate) fn query(pairs: Vec<(String, &RawValue)>) -> Result<String, serde_json::Error> {
    let mut query = String::new();
    for (name, value) in pairs {
        append(&mut query, &percent(&name), value)?;
    }
    Ok(query)
}

fn append(query: &mut String, name: &str, value: &RawValue) -> Result<(), serde_json::Error> {
    let mut pair = |value: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.push_str(value);
    };
    match Json::read(value)? {
        Json::Null => pair(""),
        Json::Bool(true) => pair("Y"),
        Json::Bool(false) => pair("N"),
        Json::Number(number) => pair(&percent(number)),
        Json::Text(text) if is_reference(&text) => pair(&text),
        Json::Text(text) => pair(&percent(&text)),
        Json::List(items) if items.is_empty() => pair_empty(query, name),
        Json::Object(pairs) if pairs.is_empty() => pair_empty(query, name),
        Json::List(items) => {
            for (index, item) in items.into_iter().enumerate() {
                append(query, &format!("{name}[{index}]"), item)?;
            }
        }
        Json::Object(pairs) => {
            for (key, item) in pairs {
                append(query, &format!("{name}[{}]", percent(&key)), item)?;
            }
        }
    }
    Ok(())
}

/// An empty array or object: `name[]=`, which the portal reads as a list
/// (the form some methods need for parameters left out).
fn pair_empty(query: &mut String, name: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    let _ = write!(query, "{name}[]=");
}

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
fn percent(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// A whole value `$result[key][field]…`, which the portal replaces with an
/// earlier command's answer: sent as written, so that it still reads as one.
fn is_reference(text: &str) -> bool {
    text.starts_with(REFERENCE)
        && text.ends_with(']')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "$[]_-.".contains(c))
}

/// The command keys `$result[key]` names in a command's text.
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices(REFERENCE).filter_map(move |(at, _)| {
        let rest = &text[at + REFERENCE.len()..];
        rest.find(']').map(|end| &rest[..end])
    })
}

/// A JSON value one level deep, its members left as raw text.
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    /// The number as written.
    Number(&'a str),
    Text(String),
    List(Vec<&'a RawValue>),
    Object(Vec<(String, &'a RawValue)>),
}

impl<'a> Json<'a> {
    pub(crate) fn read(raw: &'a RawValue) -> Result<Json<'a>, serde_json::Error> {
        let text = raw.get().trim();
        Ok(match text.as_bytes().first() {
            Some(b'{') => Json::Object(serde_json::from_str::<Pairs<'a>>(text)?.0),
            Some(b'[') => Json::List(serde_json::from_str(text)?),
            Some(b'"') => Json::Text(serde_json::from_str(text)?),
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'n') => Json::Null,
            _ => Json::Number(text),
        })
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::Text(_) => "a string",
            Json::List(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// An object's members in their order, each value raw; an array's items
/// keyed by index (PHP sends an object keyed 0, 1, … as an array).
pub(crate) struct Pairs<'a>(pub(crate) Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object or array")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(item) = seq.next_element::<&'de RawValue>()? {
                    pairs.push((pairs.len().to_string(), item));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_any(PairsVisitor)
    }
}

/// One batch answer: its `result`'s five sections and its `time`.
#[derive(serde::Deserialize)]
pub(crate) struct Sections<'a> {
    #[serde(borrow)]
    pub(crate) result: Sections5<'a>,
    #[serde(borrow, default)]
    time: Option<&'a RawValue>,
}

#[derive(serde::Deserialize)]
pub(crate) struct Sections5<'a> {
    #[serde(borrow, default)]
    pub(crate) result: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    pub(crate) result_error: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    result_total: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    result_next: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    result_time: Option<Pairs<'a>>,
}

/// What happened to each command, for an answer after a failure.
#[derive(Default)]
struct Fates {
    /// Answered: in `result` or in `result_error`.
    ran: Vec<String>,
    /// In a request that failed in a way that leaves open whether it ran.
    may_have_run: Vec<String>,
    /// In a request the portal answered, but not run: `halt` stopped it.
    skipped: Vec<String>,
    /// In a request not sent, or refused as a whole.
    not_sent: Vec<String>,
}

/// The answers of a batch's requests merged into one document.
pub struct Merged {
    /// Each section's members so far, as `"key":value` text.
    sections: [String; 5],
    time: Option<String>,
    fates: Fates,
    /// The error that ended the batch early, if one did.
    failure: Option<(String, String)>,
    requests: usize,
}

impl Merged {
    pub fn new(plan: &Plan) -> Merged {
        Merged {
            sections: Default::default(),
            time: None,
            fates: Fates::default(),
            failure: None,
            requests: plan.requests().len(),
        }
    }

    /// Takes one request's outcome: `ran` says, for a failure, whether the
    /// portal may have run it. False when the batch is to stop here (a
    /// failure, or a failed command under `halt`).
    pub fn add(
        &mut self,
        number: usize,
        commands: &[Command],
        outcome: Result<Answer, Error>,
        ran: Ran,
        halt: bool,
    ) -> bool {
        let keys = || commands.iter().map(|c| c.key.clone());
        let failed = |code: &str, description: &str| {
            (
                code.to_owned(),
                format!(
                    "batch request {} of {} failed: {description}",
                    number + 1,
                    self.requests
                ),
            )
        };
        let answer = match outcome {
            Ok(answer) if !answer.is_error() => answer,
            Ok(answer) => {
                // The portal refused the request as a whole: nothing of it ran.
                let (code, description) = portal_error(answer.json());
                self.failure = Some(failed(&code, &description));
                self.fates.not_sent.extend(keys());
                return false;
            }
            Err(error) => {
                self.failure = Some(failed(error.code().as_str(), error.description()));
                match ran {
                    Ran::No => self.fates.not_sent.extend(keys()),
                    Ran::Maybe => self.fates.may_have_run.extend(keys()),
                }
                return false;
            }
        };
        let parsed = match serde_json::from_str::<Sections>(answer.json()) {
            Ok(parsed) => parsed,
            Err(error) => {
                self.failure = Some(failed(
                    ErrorCode::BadResponse.as_str(),
                    &format!("the portal's answer is not a batch answer ({error})"),
                ));
                self.fates.ran.extend(keys());
                return false;
            }
        };
        let Sections5 {
            result,
            result_error,
            result_total,
            result_next,
            result_time,
        } = parsed.result;
        let any_failed = result_error.as_ref().is_some_and(|e| !e.0.is_empty());
        let mut answered = std::collections::HashSet::new();
        for (index, (merged, section)) in self
            .sections
            .iter_mut()
            .zip([result, result_error, result_total, result_next, result_time])
            .enumerate()
        {
            for (key, value) in section.map(|s| s.0).unwrap_or_default() {
                let key = original_key(commands, &key);
                // `result` and `result_error` say which commands ran.
                if index < 2 {
                    answered.insert(key.to_owned());
                }
                if !merged.is_empty() {
                    merged.push(',');
                }
                merged.push_str(&serde_json::Value::from(key).to_string());
                merged.push(':');
                merged.push_str(value.get());
            }
        }
        self.time = parsed.time.map(|time| time.get().to_owned());
        for key in keys() {
            match answered.contains(&key) {
                true => self.fates.ran.push(key),
                false => self.fates.skipped.push(key),
            }
        }
        !(halt && any_failed)
    }

    /// Commands of requests never sent, after the batch stopped early.
    pub fn not_sent(&mut self, commands: &[Command]) {
        self.fates
            .not_sent
            .extend(commands.iter().map(|c| c.key.clone()));
    }

    /// The one document: the merged sections (`{}` where empty), the last
    /// answer's `time`, and, when the batch stopped early, the error and
    /// which commands ran, may have run, were skipped under `halt`, or were
    /// not sent.
    pub fn finish(self) -> Answer {
        let mut json = String::from("{");
        let early = !self.fates.not_sent.is_empty()
            || !self.fates.may_have_run.is_empty()
            || !self.fates.skipped.is_empty();
        if let Some((code, description)) = &self.failure {
            let counts = format!(
                "{} commands ran, {} may have run, {} were not sent (see \"batch\")",
                self.fates.ran.len(),
                self.fates.may_have_run.len(),
                self.fates.not_sent.len()
            );
            let _ = write!(
                json,
                "\"error\":{},\"error_description\":{},",
                serde_json::Value::from(code.as_str()),
                serde_json::Value::from(format!("{description}; {counts}"))
            );
        }
        json.push_str("\"result\":{");
        for (index, (name, members)) in SECTIONS.iter().zip(&self.sections).enumerate() {
            if index > 0 {
                json.push(',');
            }
            let _ = write!(json, "\"{name}\":{{{members}}}");
        }
        json.push('}');
        if let Some(time) = &self.time {
            let _ = write!(json, ",\"time\":{time}");
        }
        if early {
            let _ = write!(
                json,
                ",\"batch\":{}",
                serde_json::json!({
                    "ran": self.fates.ran,
                    "may_have_run": self.fates.may_have_run,
                    "skipped": self.fates.skipped,
                    "not_sent": self.fates.not_sent,
                })
            );
        }
        json.push('}');
        Answer::composed(json, self.failure.map(|(code, _)| code))
    }
}

/// The key as the caller gave it: the portal answers an array for keys 0,
/// 1, … of a request, which [`Pairs`] numbers from 0 again.
fn original_key<'a>(commands: &'a [Command], key: &'a str) -> &'a str {
    commands
        .iter()
        .map(|c| c.key.as_str())
        .find(|k| *k == key)
        .or_else(|| {
            key.parse::<usize>()
                .ok()
                .and_then(|index| commands.get(index))
                .map(|c| c.key.as_str())
        })
        .unwrap_or(key)
}

/// The error code and text of an error document (the portal's, or a
/// batch command's); a field it lacks is "".
pub(crate) fn portal_error(json: &str) -> (String, String) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let field = |name: &str| match &value[name] {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    (field("error"), field("error_description"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(params: &str) -> String {
        let command = format!(r#"{{"method":"crm.deal.add","params":{params}}}"#);
        let raw: &RawValue = serde_json::from_str(&command).unwrap();
        encode_command(raw).unwrap()
    }

    #[test]
    fn parameters_become_a_php_query_string() {
        assert_eq!(
            encoded(r#"{"fields":{"TITLE":"A&B = [1] 100%","OPENED":true,"CLOSED":false}}"#),
            "crm.deal.add?fields[TITLE]=A%26B%20%3D%20%5B1%5D%20100%25&fields[OPENED]=Y&fields[CLOSED]=N"
        );
        assert_eq!(
            encoded(r#"{"select":["ID","TITLE"],"filter":{">ID":10},"order":{}}"#),
            "crm.deal.add?select[0]=ID&select[1]=TITLE&filter[%3EID]=10&order[]="
        );
        assert_eq!(
            encoded(r#"{"ID":123456789012345678901,"X":null,"Y":1e+5,"N":"Сделка"}"#),
            "crm.deal.add?ID=123456789012345678901&X=&Y=1e%2B5&N=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0"
        );
        assert_eq!(encoded("{}"), "crm.deal.add");
        assert_eq!(encoded("null"), "crm.deal.add");
    }

    #[test]
    fn references_pass_through_as_written() {
        assert_eq!(
            encoded(r#"{"ID":"$result[deal][ID]","T":"$result[x] & more"}"#),
            "crm.deal.add?ID=$result[deal][ID]&T=%24result%5Bx%5D%20%26%20more"
        );
    }

    #[test]
    fn commands_are_refused_with_their_key() {
        let refused = |commands: &str| Plan::new(commands).unwrap_err().description().to_owned();
        assert!(refused(r#"{"a":{"params":{}}}"#).contains("command 'a': it has no \"method\""));
        assert!(refused(r#"{"a":{"method":"batch"}}"#).contains("cannot hold a batch"));
        assert!(refused(r#"{"a":{"method":"crm.deal.get","params":[1]}}"#).contains("an array"));
        assert!(refused(r#"{"a":{"method":"crm/../x"}}"#).contains("command 'a': Method has '/'"));
        assert!(refused(r#"{"a b":{"method":"x"}}"#).contains("bracket, a space"));
        assert!(refused(r#"{"a":"crm.deal.get"}"#).contains("must be an object"));
        assert!(refused("[1").contains("not valid JSON"));
        assert!(refused("\"x\"").contains("they are a string"));
    }

    #[test]
    fn a_reference_across_requests_is_refused_and_within_one_is_kept() {
        let mut commands: Vec<String> = (0..51)
            .map(|i| format!(r#"{{"method":"crm.deal.get","params":{{"ID":{i}}}}}"#))
            .collect();
        commands[50] = r#"{"method":"crm.deal.get","params":{"ID":"$result[0][ID]"}}"#.into();
        let error = Plan::new(&format!("[{}]", commands.join(","))).unwrap_err();
        assert!(error.description().contains("command '50'"), "{error}");
        assert!(error.description().contains("$result[0]"), "{error}");
        commands[50] = r#"{"method":"crm.deal.get","params":{"ID":"$result[49][ID]"}}"#.into();
        let error = Plan::new(&format!("[{}]", commands.join(","))).unwrap_err();
        assert!(error.description().contains("command number 50"), "{error}");
        commands[1] = r#"{"method":"crm.deal.get","params":{"ID":"$result[0][ID]"}}"#.into();
        commands[50] = r#"{"method":"crm.deal.get"}"#.into();
        let plan = Plan::new(&format!("[{}]", commands.join(","))).unwrap();
        assert_eq!(
            plan.requests().map(<[Command]>::len).collect::<Vec<_>>(),
            [50, 1]
        );
    }

    #[test]
    fn answers_merge_by_key_and_arrays_are_keyed_by_index() {
        let plan = Plan::new(r#"[{"method":"a.get"},{"method":"b.get"}]"#).unwrap();
        let mut merged = Merged::new(&plan);
        let answer = Answer::composed(
            r#"{"result":{"result":[1,{"ID":"7"}],"result_error":[],"result_total":[],"result_next":[],"result_time":[]},"time":{"start":1}}"#.into(),
            None,
        );
        let commands = plan.requests().next().unwrap();
        assert!(merged.add(0, commands, Ok(answer), Ran::No, false));
        assert_eq!(
            merged.finish().json(),
            r#"{"result":{"result":{"0":1,"1":{"ID":"7"}},"result_error":{},"result_total":{},"result_next":{},"result_time":{}},"time":{"start":1}}"#
        );
    }
}
