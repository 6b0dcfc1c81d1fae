//! A batch's answers merged into one document: each command's members of
//! the five sections keyed as the caller keyed it, and, after a failure,
//! which commands ran, may have run, were skipped or were not sent
//! (docs/batch.md).

use std::fmt::Write as _;

use serde_json::value::RawValue;

use crate::answer::Answer;
use crate::budget::OPERATION_TIME_LIMIT;
use crate::error::{Error, ErrorCode, ErrorDocument};
use crate::json::{self, Pairs};
use crate::retry::Ran;

use super::{Command, Plan};

/// The sections of a batch answer, each keyed by command.
const SECTIONS: [&str; 5] = [
    "result",
    "result_error",
    "result_total",
    "result_next",
    "result_time",
];

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
    /// In a request not sent, or one the portal refused before running it;
    /// or refused for its method's budget, and not sent again.
    not_sent: Vec<String>,
}

/// A command the portal refused for its method's operating-time budget
/// (`OPERATION_TIME_LIMIT` in `result_error`): it did not run.
pub(crate) struct Refusal {
    /// Its place among the round's commands.
    pub(crate) index: usize,
    /// Its entry in `result_error`.
    pub(crate) error: ErrorDocument,
}

/// One request of the plan, as answered so far: each command's members of
/// the five sections, in the commands' order. The portal may refuse some
/// commands for their methods' budgets; the requests that send those again
/// belong to the same round, and their answers replace the refusals, so
/// that the merged document holds each command once, as if the request had
/// not been interrupted.
pub(crate) struct Answered<'c> {
    commands: &'c [Command],
    /// Each command's member of each section, as raw JSON.
    members: Vec<[Option<String>; 5]>,
    /// Refused for its method's budget and not sent again: it did not run.
    refused: Vec<bool>,
    /// In a request that failed as a whole, whose fate [`Merged::take`]
    /// told when it failed.
    lost: Vec<bool>,
}

impl<'c> Answered<'c> {
    pub(crate) fn new(commands: &'c [Command]) -> Answered<'c> {
        Answered {
            commands,
            members: vec![Default::default(); commands.len()],
            refused: vec![false; commands.len()],
            lost: vec![false; commands.len()],
        }
    }

    /// The place of the command `key` of `sent` (keyed by index when the
    /// portal answered an array).
    fn index_of(&self, sent: &[Command], key: &str) -> Option<usize> {
        let key = original_key(sent, key);
        self.commands.iter().position(|c| c.key == key)
    }

    /// The commands of `sent` the portal left out of both `result` and
    /// `result_error`: under `halt`, those after a failed one did not run.
    pub(crate) fn unanswered(&self, sent: &[Command]) -> Vec<usize> {
        let answered = |index: usize| self.members[index][..2].iter().any(Option::is_some);
        (sent.iter())
            .filter_map(|command| self.index_of(sent, &command.key))
            .filter(|&index| !answered(index))
            .collect()
    }

    /// A refused command not sent again: `error` is its entry in
    /// `result_error`, saying why.
    pub(crate) fn keep_refused(&mut self, index: usize, error: &ErrorDocument) {
        self.members[index][1] = Some(error.to_json());
        self.refused[index] = true;
    }
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

    /// Takes the outcome of a request of `round` number `number`, which
    /// sent `sent`: `ran` says, for a failure, whether the portal may have
    /// run it; `on_times` is given the answer's `result_time` section, read
    /// with the rest. Its members replace what earlier answers of the round
    /// said of the same commands. The commands the portal refused for their
    /// methods' budgets; None when the request failed as a whole, which
    /// ends the batch.
    pub(crate) fn take(
        &mut self,
        number: usize,
        round: &mut Answered,
        sent: &[Command],
        outcome: Result<Answer, Error>,
        ran: Ran,
        on_times: impl FnOnce(&Pairs),
    ) -> Option<Vec<Refusal>> {
        for command in sent {
            if let Some(index) = round.index_of(sent, &command.key) {
                round.members[index] = Default::default();
            }
        }
        let mut failed = |failure: ErrorDocument, ran: Ran| {
            for command in sent {
                if let Some(index) = round.index_of(sent, &command.key) {
                    round.lost[index] = true;
                }
            }
            self.failed(number, sent, failure, ran);
            None
        };
        let answer = match outcome {
            Ok(answer) if !answer.is_error() => answer,
            Ok(answer) => return failed(answer.error_document(), ran),
            Err(error) => return failed(ErrorDocument::from(&error), ran),
        };
        let parsed = match serde_json::from_str::<BatchAnswer>(answer.json()) {
            Ok(parsed) => parsed,
            Err(error) => {
                // Answered, but not so that it tells which commands ran.
                let error = Error::new(
                    ErrorCode::BadResponse,
                    format!("the portal's answer is not a batch answer ({error})"),
                );
                return failed(ErrorDocument::from(&error), Ran::Maybe);
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
        let mut refusals = Vec::new();
        let sections = [result, result_error, result_total, result_next, result_time];
        for (section, pairs) in sections.into_iter().enumerate() {
            for (key, value) in pairs.map(|s| s.0).unwrap_or_default() {
                let Some(index) = round.index_of(sent, &key) else {
                    continue;
                };
                if section == 1 {
                    let error = ErrorDocument::read(value.get());
                    if error.code == OPERATION_TIME_LIMIT {
                        refusals.push(Refusal { index, error });
                    }
                }
                round.members[index][section] = Some(value.get().to_owned());
            }
        }
        self.time = parsed.time.map(|time| time.get().to_owned());
        refusals.sort_by_key(|refusal| refusal.index);
        Some(refusals)
    }

    /// Ends a round: its commands' members into the sections in their
    /// order, and what became of each. False when the batch is to stop here
    /// (a failure, or a failed command under `halt`).
    pub(crate) fn close(&mut self, round: Answered, halt: bool) -> bool {
        let mut any_failed = false;
        for (index, command) in round.commands.iter().enumerate() {
            let members = &round.members[index];
            any_failed |= members[1].is_some();
            for (merged, member) in self.sections.iter_mut().zip(members) {
                if let Some(value) = member {
                    if !merged.is_empty() {
                        merged.push(',');
                    }
                    merged.push_str(&json::string_literal(&command.key));
                    merged.push(':');
                    merged.push_str(value);
                }
            }
            let key = command.key.clone();
            if round.lost[index] {
                continue;
            }
            if round.refused[index] {
                self.fates.not_sent.push(key);
            } else if members[..2].iter().any(Option::is_some) {
                self.fates.ran.push(key);
            } else {
                self.fates.skipped.push(key);
            }
        }
        self.failure.is_none() && !(halt && any_failed)
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
            failure.clone().and(&counts).write_members(&mut json);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry;

    /// What one failed request of two commands makes of the document: the
    /// error's description and the `batch` field.
    fn after_failure(outcome: Result<Answer, Error>, ran: Ran) -> (String, serde_json::Value) {
        let plan =
            Plan::new(r#"{"a":{"method":"crm.deal.add"},"b":{"method":"crm.deal.add"}}"#).unwrap();
        let mut merged = Merged::new(&plan);
        let commands = plan.requests().next().unwrap();
        let mut answered = Answered::new(commands);
        let taken = merged.take(0, &mut answered, commands, outcome, ran, |_| {});
        assert!(taken.is_none());
        assert!(!merged.close(answered, false));
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
        let mut answered = Answered::new(commands);
        let taken = merged.take(0, &mut answered, commands, Ok(answer), Ran::No, |_| {});
        assert!(taken.is_some_and(|refusals| refusals.is_empty()));
        assert!(merged.close(answered, false));
        assert_eq!(
            merged.finish().json(),
            r#"{"result":{"result":{"0":1,"1":{"ID":"7"}},"result_error":{},"result_total":{},"result_next":{},"result_time":{}},"time":{"start":1}}"#
        );
    }

    const REFUSED: &str = r#"{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}"#;

    #[test]
    fn a_command_sent_again_is_merged_once_in_its_place_and_one_kept_is_listed_as_not_sent() {
        let plan = Plan::new(
            r#"{"a":{"method":"x.add"},"b":{"method":"x.add"},"c":{"method":"y.get"},"d":{"method":"x.add"}}"#,
        )
        .unwrap();
        let mut merged = Merged::new(&plan);
        let commands = plan.requests().next().unwrap();
        let mut answered = Answered::new(commands);
        let first = Answer::composed(
            format!(
                r#"{{"result":{{"result":{{"a":1,"c":3}},"result_error":{{"b":{REFUSED},"d":{REFUSED}}},"result_total":[],"result_next":[],"result_time":{{"a":{{"operating":1}},"c":{{"operating":0}}}}}},"time":{{"start":1}}}}"#
            ),
            None,
        );
        let refusals = merged
            .take(0, &mut answered, commands, Ok(first), Ran::No, |_| {})
            .unwrap();
        let places: Vec<usize> = refusals.iter().map(|r| r.index).collect();
        assert_eq!(places, [1, 3]);
        assert_eq!(refusals[0].error, ErrorDocument::read(REFUSED));
        // b goes again and runs; d is kept, its entry saying why.
        let again = [commands[1].clone()];
        let second = Answer::composed(
            r#"{"result":{"result":{"b":2},"result_error":[],"result_total":[],"result_next":[],"result_time":{"b":{"operating":1}}},"time":{"start":2}}"#.into(),
            None,
        );
        let refusals = merged
            .take(0, &mut answered, &again, Ok(second), Ran::No, |_| {})
            .unwrap();
        assert!(refusals.is_empty());
        let kept = ErrorDocument::read(REFUSED).and("frees later");
        answered.keep_refused(3, &kept);
        assert!(merged.close(answered, false));
        let text = merged.finish().json().to_owned();
        // In the caller's order, as if the request had not been interrupted.
        assert!(text.contains(r#""result":{"a":1,"b":2,"c":3}"#), "{text}");
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document,
            serde_json::json!({
                "result": {
                    "result": {"a": 1, "b": 2, "c": 3},
                    "result_error": {"d": {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time limit.; frees later"}},
                    "result_total": {},
                    "result_next": {},
                    "result_time": {"a": {"operating": 1}, "b": {"operating": 1}, "c": {"operating": 0}},
                },
                "time": {"start": 2},
                "batch": {"ran": ["a", "b", "c"], "may_have_run": [], "skipped": [], "not_sent": ["d"]},
            })
        );
    }
}
