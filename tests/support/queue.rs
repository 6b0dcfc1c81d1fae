//! The emulated portal's offline event queue, as docs/events.md describes
//! the portal's (`event.bind`/`event.unbind` with `event_type=offline`,
//! `event.offline.get`, `.clear`, `.error`, `.list`):
//!
//! - only an application's token may call them (a webhook gets 403
//!   `WRONG_AUTH_TYPE`); the token's user is taken as an administrator;
//! - a change is recorded only for an event bound offline with the same
//!   connector, and merges into the free record (or the failed one) of the
//!   same `MESSAGE_ID` — the event's name and data, 32 hex characters
//!   (a hash standing for the portal's md5) — and connector: one record per
//!   object, its `TIMESTAMP_X` and data the last change's; a change while
//!   its record is reserved makes a new free record;
//! - `get` without `process_id` reserves up to `limit` free records of the
//!   asked error state (default not failed) under a new 32-character
//!   `process_id`; with one, it reserves nothing and returns that process's
//!   records; `clear=1` (the default) deletes the process's records once
//!   answered; `clear=0` without the extended feature is 403
//!   `WRONG_LICENSE`; `process_id` is answered for `clear=0` or when given,
//!   else `null`;
//! - `clear` deletes the process's records by `message_id` (which wins) or
//!   `id`, all of them when neither is given; `error` keeps the process's
//!   copy of each `message_id` as failed (free, `ERROR=1`), merging it into
//!   a failed record of the same id if there is one, and deletes its other
//!   copies, free or held by other processes;
//! - `list` reads without marking, 50 to a page, with `PROCESS_ID` and
//!   `ERROR`;
//! - filters `{"<op>FIELD": value}` with `=`, `!`/`!=`, `>`, `>=`, `<`, `<=`
//!   (none is `=`), and `order` `{FIELD: ASC|DESC}`, on `ID`,
//!   `TIMESTAMP_X`, `EVENT_NAME`, `MESSAGE_ID` (and `PROCESS_ID`, `ERROR`
//!   for `list`), names in any case.
//!
//! Not emulated: `options.minTimeout`, `ONOFFLINEEVENT`, the cleanup after
//! 30 days, and the rule that a change made by the same application's REST
//! call is not recorded (no emulated method raises events).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::http::HttpResponse;

/// One record.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineRecord {
    pub id: u64,
    pub name: String,
    pub data: Value,
    pub message_id: String,
    pub connector: String,
    pub process_id: String,
    pub error: bool,
    /// Unix seconds of the last change.
    pub changed: f64,
}

/// The queue and what is bound to it.
#[derive(Debug)]
pub(crate) struct OfflineQueue {
    pub records: Vec<OfflineRecord>,
    pub bound: Vec<(String, String)>,
    /// `rest_offline_extended`: reservations (`clear=0`) allowed.
    pub extended: bool,
    next_id: u64,
    processes: u64,
}

impl Default for OfflineQueue {
    fn default() -> Self {
        OfflineQueue {
            records: Vec::new(),
            bound: Vec::new(),
            extended: true,
            next_id: 1,
            processes: 0,
        }
    }
}

fn error(status: u16, code: &str, description: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

fn argument(description: &str) -> HttpResponse {
    error(400, "ERROR_ARGUMENT", description)
}

/// A value as text: a string as it is, a number as its digits.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// 32 hex characters of `text` (two 64-bit FNV-1a hashes), standing for md5.
fn digest(text: &str) -> String {
    let hash = |seed: u64| {
        text.bytes().fold(seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    )
}

/// The list given as `value`: an array's members, or one value.
fn list(value: Option<&Value>) -> Vec<Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(members)) => members.values().cloned().collect(),
        Some(Value::String(text)) if text.is_empty() => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// Whether a request is one of the queue's: the offline methods, and
/// `event.bind`/`event.unbind` with `event_type=offline`.
pub(crate) fn handles(method: &str, params: &HashMap<String, Value>) -> bool {
    let offline_bind = matches!(method, "event.bind" | "event.unbind")
        && params
            .get("event_type")
            .is_some_and(|t| text(t).eq_ignore_ascii_case("offline"));
    offline_bind || method.starts_with("event.offline.")
}

impl OfflineRecord {
    fn field(&self, name: &str) -> Value {
        match name {
            "ID" => json!(self.id),
            "TIMESTAMP_X" => json!(self.changed),
            "EVENT_NAME" => json!(self.name),
            "MESSAGE_ID" => json!(self.message_id),
            "PROCESS_ID" => json!(self.process_id),
            "ERROR" => json!(u8::from(self.error)),
            _ => Value::Null,
        }
    }

    fn to_json(&self, listed: bool) -> Value {
        let mut record = json!({
            "ID": self.id.to_string(),
            "TIMESTAMP_X": super::iso8601(self.changed),
            "EVENT_NAME": self.name,
            "EVENT_DATA": self.data,
            "EVENT_ADDITIONAL": {"user_id": 1},
            "MESSAGE_ID": self.message_id,
        });
        if listed {
            record["PROCESS_ID"] = json!(self.process_id);
            record["ERROR"] = json!(if self.error { "1" } else { "0" });
        }
        record
    }
}

/// Compares a record's field with a filter's value: numbers as numbers.
fn compare(field: &Value, wanted: &Value) -> std::cmp::Ordering {
    match (field.as_f64(), text(wanted).trim().parse::<f64>()) {
        (Some(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
        _ => text(field).cmp(&text(wanted)),
    }
}

/// The fields a filter or order may name.
fn known(name: &str, listed: bool) -> Option<&'static str> {
    let fields = ["ID", "TIMESTAMP_X", "EVENT_NAME", "MESSAGE_ID"];
    let extra = ["PROCESS_ID", "ERROR"];
    let upper = name.to_ascii_uppercase();
    fields
        .iter()
        .chain(if listed { &extra[..] } else { &[] })
        .find(|field| **field == upper)
        .copied()
}

type Check = Box<dyn Fn(&OfflineRecord) -> bool>;

fn filter_of(value: Option<&Value>, listed: bool) -> Result<Vec<Check>, HttpResponse> {
    let Some(Value::Object(filter)) = value else {
        return Ok(Vec::new());
    };
    let mut checks: Vec<Check> = Vec::new();
    for (key, wanted) in filter {
        let split = key.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
        let (op, name) = key.split_at(split);
        let Some(field) = known(name, listed) else {
            return Err(argument(&format!("Unknown field {name}")));
        };
        let op = op.to_owned();
        let wanted = wanted.clone();
        let accepts: fn(std::cmp::Ordering) -> bool = match op.as_str() {
            "" | "=" => |o| o.is_eq(),
            "!" | "!=" => |o| o.is_ne(),
            ">" => |o| o.is_gt(),
            ">=" => |o| o.is_ge(),
            "<" => |o| o.is_lt(),
            "<=" => |o| o.is_le(),
            _ => return Err(argument(&format!("Unknown operation {op}"))),
        };
        checks.push(Box::new(move |record| {
            accepts(compare(&record.field(field), &wanted))
        }));
    }
    Ok(checks)
}

fn order_of(
    value: Option<&Value>,
    default: &str,
    listed: bool,
) -> Result<Vec<(&'static str, bool)>, HttpResponse> {
    let mut order = Vec::new();
    if let Some(Value::Object(fields)) = value {
        for (name, direction) in fields {
            let Some(field) = known(name, listed) else {
                return Err(argument(&format!("Unknown field {name}")));
            };
            order.push((field, text(direction).eq_ignore_ascii_case("desc")));
        }
    }
    if order.is_empty() {
        order.push((known(default, listed).expect("a known default"), false));
    }
    order.push(("ID", false));
    Ok(order)
}

impl OfflineQueue {
    /// A change of an object, as the portal records it for the events
    /// bound offline; whether it was recorded.
    pub fn raise(&mut self, name: &str, data: Value, connector: &str, now: f64) -> bool {
        let name = name.to_ascii_uppercase();
        let bound = self
            .bound
            .iter()
            .any(|(event, with)| *event == name && with == connector);
        if !bound {
            return false;
        }
        let message_id = digest(&format!("{name}|{data}"));
        let free = self.records.iter_mut().find(|r| {
            r.message_id == message_id && r.connector == connector && r.process_id.is_empty()
        });
        match free {
            Some(record) => {
                record.data = data;
                record.changed = now;
            }
            None => {
                self.records.push(OfflineRecord {
                    id: self.next_id,
                    name,
                    data,
                    message_id,
                    connector: connector.to_owned(),
                    process_id: String::new(),
                    error: false,
                    changed: now,
                });
                self.next_id += 1;
            }
        }
        true
    }

    /// Runs one of the queue's methods ([`handles`]).
    pub fn run(
        &mut self,
        method: &str,
        params: &HashMap<String, Value>,
        by_webhook: bool,
    ) -> Result<Value, HttpResponse> {
        if by_webhook {
            return Err(error(
                403,
                "WRONG_AUTH_TYPE",
                "Current authorization type is denied for this method",
            ));
        }
        let connector = params.get("auth_connector").map(text).unwrap_or_default();
        let number = |name: &str, default: i64| -> Result<i64, HttpResponse> {
            match params.get(name) {
                None | Some(Value::Null) => Ok(default),
                Some(value) => text(value)
                    .trim()
                    .parse()
                    .map_err(|_| argument(&format!("Wrong {name} value"))),
            }
        };
        let process = params.get("process_id").map(text).unwrap_or_default();
        let process_given = !process.is_empty();
        let result = match method {
            "event.bind" | "event.unbind" => {
                let event = params.get("event").map(text).unwrap_or_default();
                if event.trim().is_empty() {
                    return Err(argument("Event name is required"));
                }
                let key = (event.trim().to_ascii_uppercase(), connector);
                let before = self.bound.len();
                self.bound.retain(|bound| *bound != key);
                if method == "event.bind" {
                    self.bound.push(key);
                    json!(true)
                } else {
                    json!({"count": before - self.bound.len()})
                }
            }
            "event.offline.get" => {
                let clear = number("clear", 1)? != 0;
                let failed = number("error", 0)? != 0;
                let limit = number("limit", 50)?;
                if limit <= 0 {
                    return Err(argument("Limit must be greater than zero"));
                }
                if !clear && !self.extended {
                    return Err(error(
                        403,
                        "WRONG_LICENSE",
                        "Wrong license: extended offline events handling is not available",
                    ));
                }
                let checks = filter_of(params.get("filter"), false)?;
                let order = order_of(params.get("order"), "TIMESTAMP_X", false)?;
                let process = match process.is_empty() {
                    false => process,
                    true => {
                        self.processes += 1;
                        let new = digest(&format!("process {}", self.processes));
                        let mut free: Vec<usize> = (0..self.records.len())
                            .filter(|&at| {
                                let r = &self.records[at];
                                r.process_id.is_empty()
                                    && r.error == failed
                                    && r.connector == connector
                                    && checks.iter().all(|check| check(r))
                            })
                            .collect();
                        self.sort(&mut free, &order);
                        for at in free.into_iter().take(limit as usize) {
                            self.records[at].process_id = new.clone();
                        }
                        new
                    }
                };
                let mut held: Vec<usize> = (0..self.records.len())
                    .filter(|&at| {
                        let r = &self.records[at];
                        r.process_id == process && r.connector == connector
                    })
                    .collect();
                self.sort(&mut held, &order);
                held.truncate(limit as usize);
                let events: Vec<Value> = held
                    .iter()
                    .map(|&at| self.records[at].to_json(false))
                    .collect();
                let answered = !clear || process_given;
                if clear {
                    self.records.retain(|r| r.process_id != process);
                }
                json!({"process_id": if answered { json!(process) } else { Value::Null }, "events": events})
            }
            "event.offline.clear" => {
                if process.is_empty() {
                    return Err(argument("Process ID is required"));
                }
                let messages: Vec<String> =
                    list(params.get("message_id")).iter().map(text).collect();
                let ids = list(params.get("id"));
                if messages.iter().any(|m| m.len() != 32) {
                    return Err(argument("Wrong message_id value"));
                }
                let mut numbers = Vec::new();
                for id in &ids {
                    match text(id).trim().parse::<u64>() {
                        Ok(n) if n > 0 => numbers.push(n),
                        _ => return Err(argument("Wrong id value")),
                    }
                }
                self.records.retain(|r| {
                    let chosen = if !messages.is_empty() {
                        messages.contains(&r.message_id)
                    } else if !numbers.is_empty() {
                        numbers.contains(&r.id)
                    } else {
                        true
                    };
                    !(r.process_id == process && chosen)
                });
                json!(true)
            }
            "event.offline.error" => {
                if process.is_empty() {
                    return Err(argument("Process ID is required"));
                }
                for message in list(params.get("message_id")).iter().map(text) {
                    self.mark_failed(&process, &message);
                }
                json!(true)
            }
            "event.offline.list" => {
                let checks = filter_of(params.get("filter"), true)?;
                let order = order_of(params.get("order"), "ID", true)?;
                let start = number("start", 0)?.max(0) as usize;
                let mut matching: Vec<usize> = (0..self.records.len())
                    .filter(|&at| {
                        let r = &self.records[at];
                        r.connector == connector && checks.iter().all(|check| check(r))
                    })
                    .collect();
                self.sort(&mut matching, &order);
                let page: Vec<Value> = matching
                    .iter()
                    .skip(start)
                    .take(50)
                    .map(|&at| self.records[at].to_json(true))
                    .collect();
                let mut answer = json!({"result": page, "total": matching.len()});
                if start + 50 < matching.len() {
                    answer["next"] = json!(start + 50);
                }
                return Ok(answer);
            }
            _ => return Err(error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")),
        };
        Ok(json!({"result": result}))
    }

    fn sort(&self, indices: &mut [usize], order: &[(&'static str, bool)]) {
        indices.sort_by(|&a, &b| {
            let (a, b) = (&self.records[a], &self.records[b]);
            order
                .iter()
                .map(|(field, descending)| {
                    let ordering = compare(&a.field(field), &b.field(field));
                    if *descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }

    /// `event.offline.error` of one `MESSAGE_ID` for `process`.
    fn mark_failed(&mut self, process: &str, message: &str) {
        let Some(held) = self
            .records
            .iter()
            .position(|r| r.message_id == message && r.process_id == process)
        else {
            return;
        };
        let connector = self.records[held].connector.clone();
        let held_id = self.records[held].id;
        // Its other copies that are not failed go: free ones, and those
        // other processes hold.
        self.records.retain(|r| {
            r.id == held_id || r.message_id != message || r.connector != connector || r.error
        });
        let held = self
            .records
            .iter()
            .position(|r| r.id == held_id)
            .expect("kept");
        let failed = self
            .records
            .iter()
            .position(|r| r.message_id == message && r.connector == connector && r.error);
        match failed {
            Some(failed) => {
                let newer = self.records.remove(held);
                let failed = if failed > held { failed - 1 } else { failed };
                self.records[failed].data = newer.data;
                self.records[failed].changed = newer.changed;
            }
            None => {
                let record = &mut self.records[held];
                record.error = true;
                record.process_id.clear();
            }
        }
    }
}
