//! The `event.offline.*` requests the consumer loop makes, and what their
//! answers read as (docs/events.md, "The offline queue").

use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::credentials;
use crate::engine::Engine;
use crate::request::Request;

/// What a portal without the extended offline events feature answers a
/// reservation (`clear=0`) with.
pub(crate) const WRONG_LICENSE: &str = "WRONG_LICENSE";

/// Our description of [`WRONG_LICENSE`]: what it means, and that the
/// library does not fall back to a read that deletes.
const NO_RESERVATIONS: &str = "this portal's plan lacks the extended offline events feature \
(feature.get CODE=rest_offline_extended), which reserving offline events (event.offline.get \
with clear=0) needs; the library does not fall back to reading with clear=1, which deletes the \
events as it returns them and loses any whose processing then fails. Upgrade the plan, or read \
with Clear=true knowing that (docs/events.md)";

/// The portal's `WRONG_LICENSE` answer with our description, the portal's
/// own kept as `portal_description`; any other answer as it is.
pub(crate) fn explain_license(answer: Answer) -> Answer {
    if answer.error_code() != Some(WRONG_LICENSE) {
        return answer;
    }
    let portal = answer.error_document().description;
    let document = json!({
        "error": WRONG_LICENSE,
        "error_description": NO_RESERVATIONS,
        "portal_description": portal,
    });
    Answer::composed(document.to_string(), Some(WRONG_LICENSE.to_owned()))
}

/// Where the queue is and how it is read: the portal, the token, and the
/// bind's connector.
pub(crate) struct Queue<'a> {
    pub engine: &'a Engine,
    pub url: &'a str,
    pub token: &'a str,
    pub connector: &'a str,
}

/// One record of the queue, as `event.offline.get` gave it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub id: String,
    pub name: String,
    pub message_id: String,
    /// The record's JSON object, as the portal sent it.
    pub json: String,
}

/// A member of a record as text: a string as it is, another value as JSON.
fn text(record: &Map<String, Value>, key: &str) -> String {
    match record.get(key) {
        Some(Value::String(text)) => text.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    }
}

impl Queue<'_> {
    fn call(&self, method: &str, mut params: Map<String, Value>) -> Answer {
        if !self.connector.is_empty() {
            params.insert("auth_connector".to_owned(), self.connector.into());
        }
        let answer = credentials::answer(self.engine, self.token, &|token| {
            Request::call(self.url, method, &params, token)
        });
        explain_license(answer)
    }

    /// `event.offline.get` with `clear=0`: a new reservation of at most
    /// `limit` records (`process_id` None), or the records still reserved
    /// for `process_id`. The process's id and its records, or the answer
    /// that failed.
    pub fn get(
        &self,
        process_id: Option<&str>,
        limit: u32,
        filter: Option<&Value>,
    ) -> Result<(String, Vec<Record>), Answer> {
        let mut params = Map::new();
        params.insert("clear".to_owned(), 0.into());
        params.insert("limit".to_owned(), limit.into());
        if let Some(process_id) = process_id {
            params.insert("process_id".to_owned(), process_id.into());
        }
        if let Some(filter) = filter {
            params.insert("filter".to_owned(), filter.clone());
        }
        let answer = self.call("event.offline.get", params);
        if answer.is_error() {
            return Err(answer);
        }
        let unexpected = || {
            let error = crate::error::Error::new(
                crate::error::ErrorCode::BadResponse,
                "event.offline.get answered without result.events",
            );
            Answer::from(error)
        };
        let document: Value = serde_json::from_str(answer.json()).map_err(|_| unexpected())?;
        let result = &document["result"];
        let Some(events) = result["events"].as_array() else {
            return Err(unexpected());
        };
        let process = match (&result["process_id"], process_id) {
            (Value::String(id), _) if !id.is_empty() => id.clone(),
            (_, Some(asked)) => asked.to_owned(),
            _ if events.is_empty() => String::new(),
            _ => return Err(unexpected()),
        };
        let records = events
            .iter()
            .filter_map(Value::as_object)
            .map(|record| Record {
                id: text(record, "ID"),
                name: text(record, "EVENT_NAME"),
                message_id: text(record, "MESSAGE_ID"),
                json: Value::Object(record.clone()).to_string(),
            })
            .collect();
        Ok((process, records))
    }

    /// `event.offline.clear` of the records `ids` of `process_id`.
    pub fn clear(&self, process_id: &str, ids: &[String]) -> Result<(), Answer> {
        let mut params = Map::new();
        params.insert("process_id".to_owned(), process_id.into());
        params.insert("id".to_owned(), ids.to_vec().into());
        self.confirmed(self.call("event.offline.clear", params))
    }

    /// `event.offline.error`: the records of `message_ids` of `process_id`
    /// kept, marked as failed.
    pub fn fail(&self, process_id: &str, message_ids: &[String]) -> Result<(), Answer> {
        let mut params = Map::new();
        params.insert("process_id".to_owned(), process_id.into());
        params.insert("message_id".to_owned(), message_ids.to_vec().into());
        self.confirmed(self.call("event.offline.error", params))
    }

    fn confirmed(&self, answer: Answer) -> Result<(), Answer> {
        match answer.is_error() {
            true => Err(answer),
            false => Ok(()),
        }
    }

    /// The process ids of every record reserved and not marked as failed
    /// (`event.offline.list`, read-only, every page), within `filter`.
    pub fn reserved(&self, filter: Option<&Value>) -> Result<Vec<String>, Answer> {
        let mut found: Vec<String> = Vec::new();
        let mut start = 0u64;
        loop {
            let mut params = Map::new();
            params.insert("start".to_owned(), start.into());
            if let Some(filter) = filter {
                params.insert("filter".to_owned(), filter.clone());
            }
            let answer = self.call("event.offline.list", params);
            if answer.is_error() {
                return Err(answer);
            }
            let document: Value = serde_json::from_str(answer.json()).unwrap_or(Value::Null);
            for record in document["result"].as_array().into_iter().flatten() {
                let Some(record) = record.as_object() else {
                    continue;
                };
                let process = text(record, "PROCESS_ID");
                if !process.is_empty() && text(record, "ERROR") != "1" && !found.contains(&process)
                {
                    found.push(process);
                }
            }
            match document["next"].as_u64() {
                Some(next) if next > start => start = next,
                _ => return Ok(found),
            }
        }
    }
}

/// Whether a failed answer may pass if asked again later: the network,
/// the portal's limits and its server errors. Anything else (a refused
/// token, a missing right, `WRONG_LICENSE`) needs a person.
pub(crate) fn passes(answer: &Answer) -> bool {
    matches!(
        answer.error_code(),
        Some(
            "OPI_NETWORK_ERROR"
                | "OPI_TIMEOUT"
                | "OPI_BAD_RESPONSE"
                | "QUERY_LIMIT_EXCEEDED"
                | "OVERLOAD_LIMIT"
                | "OPERATION_TIME_LIMIT"
                | "INTERNAL_SERVER_ERROR"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_license_is_explained_and_other_answers_pass_unchanged() {
        let portal = r#"{"error":"WRONG_LICENSE","error_description":"Wrong license"}"#;
        let (answer, _) = Answer::from_portal(portal.to_owned()).unwrap();
        let explained = explain_license(answer);
        assert_eq!(explained.error_code(), Some(WRONG_LICENSE));
        let text = explained.json();
        assert!(text.contains("rest_offline_extended") && text.contains("does not fall back"));
        assert!(text.contains("\"portal_description\":\"Wrong license\""));
        let (other, _) = Answer::from_portal(r#"{"result":true}"#.to_owned()).unwrap();
        assert_eq!(explain_license(other.clone()), other);
    }
}
