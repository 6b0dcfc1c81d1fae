//! `batch`: many commands in one request (docs/batch.md). The caller's
//! commands are checked and encoded ([`Plan`]), sent in requests of at most
//! [`MAX_COMMANDS`] through the client, and the portal's answers merged into
//! one document ([`Merged`]).
//!
//! Values are read as written: numbers keep their text (a 20-digit ID is not
//! rounded through a float), and each command's answer is copied verbatim.

use std::fmt::Write as _;

use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::budget::TimeReport;
use crate::credentials;
use crate::echo;
use crate::engine::Engine;
use crate::error::{Error, ErrorCode, ErrorDocument};
use crate::json::{self, Json, Pairs};
use crate::query::{self, Param};
use crate::request::{self, MAX_PARAMS_BYTES, Request};
use crate::retry::Ran;

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

/// One batch answer: its `result` and its `time`.
#[derive(serde::Deserialize)]
pub(crate) struct BatchAnswer<'a> {
    #[serde(borrow)]
    pub(crate) result: BatchSections<'a>,
    #[serde(borrow, default)]
    time: Option<&'a RawValue>,
}

/// A batch answer's `result`: five sections, each keyed by command.
#[derive(serde::Deserialize)]
pub(crate) struct BatchSections<'a> {
    #[serde(borrow, default)]
    pub(crate) result: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    pub(crate) result_error: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    result_total: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    result_next: Option<Pairs<'a>>,
    #[serde(borrow, default)]
    pub(crate) result_time: Option<Pairs<'a>>,
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
    /// In a request not sent, or one the portal refused before running it.
    not_sent: Vec<String>,
}

/// The answers of a batch's requests merged into one document.
pub struct Merged {
    /// Each section's members so far, as `"key":value` text.
    sections: [String; 5],
    time: Option<String>,
    fates: Fates,
    /// The error that ended the batch early, if one did.
    failure: Option<ErrorDocument>,
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
    /// portal may have run it; `on_times` is given the answer's
    /// `result_time` section, read with the rest. False when the batch is to
    /// stop here (a failure, or a failed command under `halt`).
    pub fn add(
        &mut self,
        number: usize,
        commands: &[Command],
        outcome: Result<Answer, Error>,
        ran: Ran,
        halt: bool,
        on_times: impl FnOnce(&Pairs),
    ) -> bool {
        let keys = || commands.iter().map(|c| c.key.clone());
        let answer = match outcome {
            Ok(answer) if !answer.is_error() => answer,
            Ok(answer) => {
                self.failed(number, commands, answer.error_document(), ran);
                return false;
            }
            Err(error) => {
                self.failed(number, commands, ErrorDocument::from(&error), ran);
                return false;
            }
        };
        let parsed = match serde_json::from_str::<BatchAnswer>(answer.json()) {
            Ok(parsed) => parsed,
            Err(error) => {
                // Answered, but not so that it tells which commands ran.
                let error = Error::new(
                    ErrorCode::BadResponse,
                    format!("the portal's answer is not a batch answer ({error})"),
                );
                self.failed(number, commands, ErrorDocument::from(&error), Ran::Maybe);
                return false;
            }
        };
        let BatchSections {
            result,
            result_error,
            result_total,
            result_next,
            result_time,
        } = parsed.result;
        if let Some(times) = &result_time {
            on_times(times);
        }
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
                merged.push_str(&json::string_literal(key));
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

    /// A request that failed as a whole. Where its commands stand follows
    /// only from whether the portal may have run it (`ran`, the engine's
    /// reading of the failure), never from the failure's shape: a JSON
    /// error may come after the portal ran every command (a 500), and is
    /// then as ambiguous as a broken connection. Only what the portal
    /// certainly did not run (a refusal such as a 401 or
    /// `QUERY_LIMIT_EXCEEDED`, or nothing written) is listed as not sent,
    /// which docs/batch.md calls safe to send again.
    fn failed(&mut self, number: usize, commands: &[Command], failure: ErrorDocument, ran: Ran) {
        let keys = commands.iter().map(|c| c.key.clone());
        match ran {
            Ran::No => self.fates.not_sent.extend(keys),
            // The engine's error says the portal may have executed it.
            Ran::Maybe => self.fates.may_have_run.extend(keys),
        }
        let context = format!("batch request {} of {} failed", number + 1, self.requests);
        self.failure = Some(failure.in_context(&context));
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
        if let Some(failure) = &self.failure {
            let counts = format!(
                "{} commands ran, {} may have run, {} were not sent (see \"batch\")",
                self.fates.ran.len(),
                self.fates.may_have_run.len(),
                self.fates.not_sent.len()
            );
            let failure = ErrorDocument {
                code: failure.code.clone(),
                description: format!("{}; {counts}", failure.description),
            };
            failure.write_members(&mut json);
            json.push(',');
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
        Answer::composed(json, self.failure.map(|failure| failure.code))
    }
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
        let method = command.text.split('?').next().unwrap_or_default();
        let report = times
            .get(&command.key)
            .and_then(|time| serde_json::from_str::<TimeReport>(time.get()).ok());
        if let Some(report) = report {
            engine.note_time(request, method, report);
        }
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
        let body = body(commands, halt);
        let sent = credentials::send(engine, token, &|token| {
            Request::call_json(url, "batch", &body, token)
        });
        let (outcome, ran, request) = match sent {
            Ok(((outcome, ran), request)) => (outcome, ran, Some(request)),
            // The address or token is refused before anything is sent.
            Err(error) if number == 0 => return Answer::from(error),
            // A token file become unreadable since the first request.
            Err(error) => (Err(error), Ran::No, None),
        };
        let on_times = |times: &Pairs| {
            if let Some(request) = &request {
                note_command_times(engine, request, commands, times);
            }
        };
        if !merged.add(number, commands, outcome, ran, halt, on_times) {
            break;
        }
    }
    for (_, commands) in requests {
        merged.not_sent(commands);
    }
    merged.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry;

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

    /// What one failed request of two commands makes of the document: the
    /// error's description and the `batch` field.
    fn after_failure(outcome: Result<Answer, Error>, ran: Ran) -> (String, serde_json::Value) {
        let plan =
            Plan::new(r#"{"a":{"method":"crm.deal.add"},"b":{"method":"crm.deal.add"}}"#).unwrap();
        let mut merged = Merged::new(&plan);
        let commands = plan.requests().next().unwrap();
        assert!(!merged.add(0, commands, outcome, ran, false, |_| {}));
        let document: serde_json::Value = serde_json::from_str(merged.finish().json()).unwrap();
        let description = document["error_description"].as_str().unwrap().to_owned();
        (description, document["batch"].clone())
    }

    #[test]
    fn a_failure_the_portal_may_have_run_is_never_listed_as_not_sent() {
        let note = retry::not_repeated("batch");
        let listed = |may: &[&str], not: &[&str]| serde_json::json!({"ran": [], "may_have_run": may, "skipped": [], "not_sent": not});
        let portal_error = |text: &str| {
            let answer = Answer::from_portal(text.to_owned()).unwrap().0;
            assert!(answer.is_error());
            answer
        };
        // A JSON 500 after the portal ran the commands, as the engine
        // passes it on: with its note.
        let (description, batch) = after_failure(
            Ok(portal_error(&format!(
                r#"{{"error":"INTERNAL_SERVER_ERROR","error_description":"Internal server error ({note})"}}"#
            ))),
            Ran::Maybe,
        );
        assert_eq!(
            description,
            format!(
                "batch request 1 of 1 failed: Internal server error ({note}); 0 commands ran, 2 may have run, 0 were not sent (see \"batch\")"
            )
        );
        assert_eq!(batch, listed(&["a", "b"], &[]));
        // The engine's own error holds it too: said once.
        let noted = Error::new(ErrorCode::NetworkError, "connection closed").with_note(&note);
        let (description, batch) = after_failure(Err(noted), Ran::Maybe);
        assert_eq!(description.matches(&note).count(), 1, "{description}");
        assert_eq!(batch, listed(&["a", "b"], &[]));
        // A 200 that is no batch answer does not tell which commands ran.
        let (description, batch) = after_failure(
            Ok(Answer::composed(r#"{"result":1}"#.into(), None)),
            Ran::Maybe,
        );
        assert!(description.contains("not a batch answer"), "{description}");
        assert_eq!(batch, listed(&["a", "b"], &[]));
        // A refusal before running (a 401): safe to send again, no note.
        let (description, batch) = after_failure(
            Ok(portal_error(
                r#"{"error":"expired_token","error_description":"The access token provided has expired."}"#,
            )),
            Ran::No,
        );
        assert!(!description.contains(&note), "{description}");
        assert!(
            description
                .ends_with("0 commands ran, 0 may have run, 2 were not sent (see \"batch\")")
        );
        assert_eq!(batch, listed(&[], &["a", "b"]));
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
        assert!(merged.add(0, commands, Ok(answer), Ran::No, false, |_| {}));
        assert_eq!(
            merged.finish().json(),
            r#"{"result":{"result":{"0":1,"1":{"ID":"7"}},"result_error":{},"result_total":{},"result_next":{},"result_time":{}},"time":{"start":1}}"#
        );
    }
}
