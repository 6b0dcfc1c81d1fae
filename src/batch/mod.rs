//! `batch`: many commands in one request (docs/batch.md). The caller's
//! commands are checked and encoded ([`Plan`]), sent in requests of at most
//! [`MAX_COMMANDS`] through the client, and the portal's answers merged into
//! one document ([`Merged`]).
//!
//! Values are read as written: numbers keep their text (a 20-digit ID is not
//! rounded through a float), and each command's answer is copied verbatim.

mod merged;
mod resend;

use std::borrow::Cow;
use std::time::Instant;

use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::budget::TimeReport;
use crate::credentials;
use crate::echo;
use crate::engine::Engine;
use crate::error::Error;
use crate::json::{self, Json, Pairs};
use crate::query::{self, Param};
use crate::request::{self, MAX_PARAMS_BYTES, Request};
use crate::retry::Ran;

pub(crate) use merged::BatchAnswer;
use merged::{Answered, Merged};

/// Commands one batch request may carry; the portal refuses more
/// (`ERROR_BATCH_LENGTH_EXCEEDED`).
pub const MAX_COMMANDS: usize = 50;
/// Longer command keys are refused.
const MAX_KEY_BYTES: usize = 100;
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
                "Commands (JSON) are {}",
                request::too_large(
                    commands.len() as u64,
                    MAX_PARAMS_BYTES as u64,
                    request::A_REQUEST
                )
            )));
        }
        let mut kept = String::new();
        let read =
            json::read_given(commands.trim(), &mut kept, Json::read_text).map_err(|refused| {
                Error::invalid_argument(format!("Commands are not valid JSON: {}", refused.words()))
            })?;
        let entries = match read {
            // The body's `cmd` would keep one command of a key, and PHP
            // the last: a write would be dropped without a word.
            Json::Object(pairs) => match json::repeated_key(&pairs) {
                Some(key) => {
                    return Err(Error::invalid_argument(format!(
                        "Commands: {}",
                        json::given_twice(key)
                    )));
                }
                None => pairs,
            },
            Json::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (index.to_string().into(), item))
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
                for key in query::references(&command.text) {
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
        format!("command {}: {}", echo::value(key, 40), error.description()),
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
    let Json::Object(fields) = Json::read_strict(command).map_err(invalid)? else {
        return Err(Error::invalid_argument(
            "a command must be an object: {\"method\": \"crm.deal.get\", \"params\": {\"ID\": 1}}",
        ));
    };
    let mut method = None;
    let mut params = None;
    for (name, value) in fields {
        match name.as_ref() {
            "method" => method = Some(value),
            "params" => params = Some(value),
            other => {
                return Err(Error::invalid_argument(format!(
                    "it has a field {}; a command has only \"method\" and \"params\"",
                    echo::value(other, 20)
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
    // Every level strictly: PHP's parse_str keeps the last of equal names.
    let query = match params.map(Json::read_strict).transpose().map_err(invalid)? {
        None | Some(Json::Null) => String::new(),
        Some(Json::Object(pairs)) => {
            let params: Vec<(String, Param)> = pairs
                .into_iter()
                .map(|(name, value)| (name.into_owned(), Param::Raw(value)))
                .collect();
            query::query(&params).map_err(invalid)?
        }
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

/// Hands the engine what a batch answer's `result_time` section (read with
/// the rest of the answer) reports of each command's method: the portal
/// charges each command to its own method's operating-time budget.
pub(crate) fn note_command_times(
    engine: &Engine,
    request: &Request,
    commands: &[Command],
    times: &Pairs,
) {
    for command in commands {
        let report = times
            .get(&command.key)
            .and_then(|time| serde_json::from_str::<TimeReport>(time.get()).ok());
        if let Some(report) = report {
            engine.note_time(request, command.method(), report);
        }
    }
}

impl Command {
    /// The method it calls, as written.
    pub(crate) fn method(&self) -> &str {
        self.text.split('?').next().unwrap_or_default()
    }
}

/// The batch request of `commands` (its `body` written): charged to each
/// command's method's operating-time budget, and, when it sends again what
/// an earlier request was refused, within that one's time budget, which
/// ends at `again`.
pub(crate) fn request(
    url: &str,
    body: &str,
    token: &str,
    commands: &[Command],
    again: Option<Instant>,
) -> Result<Request, Error> {
    let mut request = Request::call_json(url, "batch", body, token)?;
    // Sorted, so that every request waits for its methods in one order.
    let mut methods: Vec<String> = commands.iter().map(|c| c.method().to_owned()).collect();
    methods.sort_unstable();
    methods.dedup();
    request.charged_to = methods;
    request.deadline = again;
    Ok(request)
}

/// Runs the caller's commands in requests of at most [`MAX_COMMANDS`], in
/// order, and merges their answers (`Client::batch`, docs/batch.md).
pub(crate) fn run(engine: &Engine, url: &str, commands: &str, halt: bool, token: &str) -> Answer {
    let plan = match Plan::new(commands) {
        Ok(plan) => plan,
        Err(error) => return Answer::from(error),
    };
    let mut merged = Merged::new(&plan);
    let mut requests = plan.requests().enumerate();
    for (number, commands) in requests.by_ref() {
        let round = Round {
            engine,
            url,
            token,
            halt,
            number,
        };
        match round.run(commands, &mut merged) {
            Ok(true) => {}
            Ok(false) => break,
            // The address or token is refused before anything is sent.
            Err(error) => return Answer::from(error),
        }
    }
    for (_, commands) in requests {
        merged.not_sent(commands);
    }
    merged.finish()
}

/// One request of the plan, and the requests that send again what the
/// portal refused of it for the methods' budgets.
struct Round<'a> {
    engine: &'a Engine,
    url: &'a str,
    token: &'a str,
    halt: bool,
    number: usize,
}

impl Round<'_> {
    /// Sends `commands`, then, as long as the portal refuses some for their
    /// methods' budgets and the engine sees them free in time, those again;
    /// merges the answers. False when the batch is to stop here; Err when
    /// the first request's address or token is refused before sending.
    fn run(&self, commands: &[Command], merged: &mut Merged) -> Result<bool, Error> {
        let engine = self.engine;
        let mut answered = Answered::new(commands);
        // The commands' time budget begins with the request that first
        // carries them, and the requests sending them again keep it.
        let deadline = engine.deadline_from(Instant::now());
        let mut sent = Cow::Borrowed(commands);
        let mut again = None;
        loop {
            let body = body(&sent, self.halt);
            let outcome = credentials::send(engine, self.token, &|token| {
                request(self.url, &body, token, &sent, again)
            });
            let (outcome, ran, request) = match outcome {
                Ok(((outcome, ran), request)) => (outcome, ran, Some(request)),
                Err(error) if self.number == 0 && again.is_none() => return Err(error),
                // A token file become unreadable since the first request.
                Err(error) => (Err(error), Ran::No, None),
            };
            let on_times = |times: &Pairs| {
                if let Some(request) = &request {
                    note_command_times(engine, request, &sent, times);
                }
            };
            let taken = merged.take(self.number, &mut answered, &sent, outcome, ran, on_times);
            let (Some(refusals), Some(request)) = (taken, &request) else {
                break;
            };
            if refusals.is_empty() {
                break;
            }
            let judged = (refusals.into_iter())
                .map(|refusal| {
                    let method = commands[refusal.index].method();
                    let error = refusal.error.clone();
                    let verdict = engine.commands_refused(request, method, error, deadline);
                    (refusal, verdict)
                })
                .collect();
            let skipped = answered.unanswered(&sent);
            let chosen = resend::choose(commands, judged, &skipped, self.halt);
            for (index, error) in &chosen.kept {
                answered.keep_refused(*index, error);
            }
            if chosen.again.is_empty() {
                break;
            }
            sent = Cow::Owned(chosen.again.iter().map(|&i| commands[i].clone()).collect());
            again = Some(deadline);
        }
        Ok(merged.close(answered, self.halt))
    }
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
    fn a_command_is_its_method_and_its_parameters_as_a_query() {
        assert_eq!(
            encoded(r#"{"fields":{"TITLE":"A&B","OPENED":true},"ID":"$result[d][ID]"}"#),
            "crm.deal.add?fields[TITLE]=A%26B&fields[OPENED]=Y&ID=$result[d][ID]"
        );
        assert_eq!(encoded("{}"), "crm.deal.add");
        assert_eq!(encoded("null"), "crm.deal.add");
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
    fn a_key_given_twice_is_refused_wherever_it_would_become_a_name() {
        let refused = |commands: &str| Plan::new(commands).unwrap_err().description().to_owned();
        let twice = |key: &str| json::given_twice(key);
        assert_eq!(
            refused(
                r#"{"a":{"method":"crm.deal.add","params":{"fields":{"TITLE":"promD-1"}}},"a":{"method":"crm.deal.add","params":{"fields":{"TITLE":"promD-2"}}}}"#
            ),
            format!("Commands: {}", twice("a"))
        );
        for (commands, key) in [
            (
                r#"{"a":{"method":"crm.deal.get","method":"crm.deal.add"}}"#,
                "'a'",
            ),
            (
                r#"{"a":{"method":"x.add","params":{"ID":1},"params":{"ID":2}}}"#,
                "'a'",
            ),
            (
                r#"{"a":{"method":"x.add","params":{"ID":1,"ID":2}}}"#,
                "'a'",
            ),
            (
                r#"{"b":{"method":"x.add","params":{"fields":{"TITLE":1,"X":[],"TITLE":2}}}}"#,
                "'b'",
            ),
            (
                r#"[{"method":"x.add","params":{"f":{"a":[{"k":1,"k":2}]}}}]"#,
                "'0'",
            ),
        ] {
            let error = refused(commands);
            assert!(
                error.starts_with(&format!("command {key}: the key "))
                    && error.contains("is given twice in one object"),
                "{commands}: {error}"
            );
        }
        // Equal keys in different objects are no repeat.
        let plan = Plan::new(
            r#"{"a":{"method":"x.add","params":{"f":{"a":{"a":1}},"g":[{"a":1},{"a":2}]}},"b":{"method":"x.add"}}"#,
        );
        assert!(plan.is_ok());
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
}
