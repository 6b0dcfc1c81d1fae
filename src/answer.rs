//! What every call yields: one JSON document, the portal's or ours.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::budget::TimeReport;
use crate::error::{Error, ErrorDocument};

/// A JSON object: the portal's answer exactly as it was sent, or an error of
/// the library in the same shape (`{"error": …, "error_description": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    json: String,
    is_error: bool,
    /// The `error` field when it is a string: the portal's code or ours.
    error_code: Option<String>,
}

impl Answer {
    /// Accepts a portal's body if it is a JSON object, and keeps its text as
    /// sent; gives the body back otherwise.
    /// Beside it, what the answer's `time` block reports of the method's
    /// operating-time budget, read in the same pass.
    pub(crate) fn from_portal(body: String) -> Result<(Answer, Option<TimeReport>), String> {
        match serde_json::from_str::<ObjectOutline>(&body) {
            Ok(outline) => Ok((
                Answer {
                    json: body,
                    is_error: outline.has_error,
                    error_code: outline.error_code,
                },
                outline.time,
            )),
            Err(_) => Err(body),
        }
    }

    /// A document the library put together from the portal's answers (a
    /// merged batch), an error when `error_code` is given.
    pub(crate) fn composed(json: String, error_code: Option<String>) -> Answer {
        Answer {
            json,
            is_error: error_code.is_some(),
            error_code,
        }
    }

    /// The JSON document.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The JSON document, owned.
    pub fn into_json(self) -> String {
        self.json
    }

    /// Whether the document is an error (it has an `error` field).
    pub fn is_error(&self) -> bool {
        self.is_error
    }

    /// The error's code and description, read from the document ("" for a
    /// field it lacks).
    pub(crate) fn error_document(&self) -> ErrorDocument {
        ErrorDocument::read(&self.json)
    }

    /// The error's code (`QUERY_LIMIT_EXCEEDED`, `OPI_TIMEOUT`, …), if the
    /// document is an error whose `error` is a string.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }
}

impl From<Error> for Answer {
    fn from(error: Error) -> Self {
        Answer {
            json: error.to_json(),
            is_error: true,
            error_code: Some(error.code().as_str().to_owned()),
        }
    }
}

/// What a portal's answer is read for: that it is one valid JSON object,
/// whether it has an `error` field, that field's code, and the budget its
/// `time` block reports. Nothing else of it is kept or built.
struct ObjectOutline {
    has_error: bool,
    error_code: Option<String>,
    time: Option<TimeReport>,
}

impl<'de> Deserialize<'de> for ObjectOutline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectOutlineVisitor)
    }
}

struct ObjectOutlineVisitor;

impl<'de> Visitor<'de> for ObjectOutlineVisitor {
    type Value = ObjectOutline;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ObjectOutline, A::Error> {
        let mut outline = ObjectOutline {
            has_error: false,
            error_code: None,
            time: None,
        };
        while let Some(key) = map.next_key::<OutlineKey>()? {
            match key {
                OutlineKey::Error => {
                    outline.has_error = true;
                    outline.error_code = match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::String(code) => Some(code),
                        _ => None,
                    };
                }
                OutlineKey::Time => outline.time = map.next_value::<TimeOutline>()?.0,
                OutlineKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(outline)
    }
}

/// A key of the answer's object, as the outline reads it.
enum OutlineKey {
    Error,
    Time,
    Other,
}

impl<'de> Deserialize<'de> for OutlineKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = OutlineKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E>(self, key: &str) -> Result<OutlineKey, E> {
                Ok(match key {
                    "error" => OutlineKey::Error,
                    "time" => OutlineKey::Time,
                    _ => OutlineKey::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A key of the `time` block, read without allocating: every answer has one.
enum TimeKey {
    Operating,
    OperatingResetAt,
    Processing,
    Other,
}

impl<'de> Deserialize<'de> for TimeKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = TimeKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E>(self, key: &str) -> Result<TimeKey, E> {
                Ok(match key {
                    "operating" => TimeKey::Operating,
                    "operating_reset_at" => TimeKey::OperatingResetAt,
                    "processing" => TimeKey::Processing,
                    _ => TimeKey::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The `time` block's budget fields, read leniently: a block of another
/// shape, or a field that is not a number, reports nothing rather than
/// refusing the answer.
struct TimeOutline(Option<TimeReport>);

impl<'de> Deserialize<'de> for TimeOutline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = TimeOutline;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time block")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TimeOutline, A::Error> {
                let mut report = TimeReport::default();
                while let Some(key) = map.next_key::<TimeKey>()? {
                    let field = match key {
                        TimeKey::Operating => &mut report.operating,
                        TimeKey::OperatingResetAt => &mut report.operating_reset_at,
                        TimeKey::Processing => &mut report.processing,
                        TimeKey::Other => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *field = match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::Number(number) => number.as_f64(),
                        serde_json::Value::String(text) => text.trim().parse().ok(),
                        _ => None,
                    };
                }
                Ok(TimeOutline(Some(report)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TimeOutline, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TimeOutline(None))
            }

            fn visit_unit<E>(self) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }

            fn visit_bool<E>(self, _: bool) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }

            fn visit_f64<E>(self, _: f64) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }

            fn visit_u64<E>(self, _: u64) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }

            fn visit_i64<E>(self, _: i64) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }

            fn visit_str<E>(self, _: &str) -> Result<TimeOutline, E> {
                Ok(TimeOutline(None))
            }
        }
        deserializer.deserialize_any(TimeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_objects_are_kept_verbatim() {
        let body = "{\"result\": true, \"time\": {\"start\": 1722083795.3692}}\n";
        let answer = Answer::from_portal(body.to_owned()).unwrap().0;
        assert_eq!(answer.json(), body);
        assert!(!answer.is_error());
        let error = Answer::from_portal(r#"{"error":"STATUS_ERROR"}"#.to_owned())
            .unwrap()
            .0;
        assert!(error.is_error());
        assert_eq!(error.error_code(), Some("STATUS_ERROR"));
        assert_eq!(answer.error_code(), None);
        for (body, is_error) in [
            (r#"{"result":{"error":"nested, not the answer's"}}"#, false),
            (r#"{"time":{},"\u0065rror":"ESCAPED_KEY"}"#, true),
            (r#"{"error_description":"x"}"#, false),
            (r#"{"result":true,"error":null}"#, true),
        ] {
            let answer = Answer::from_portal(body.to_owned()).unwrap().0;
            assert_eq!(answer.is_error(), is_error, "{body}");
        }
    }

    #[test]
    fn the_time_blocks_budget_is_read_and_any_other_shape_is_passed_over() {
        let body = r#"{"result":1,"time":{"start":1.5,"operating":"12.5","operating_reset_at":1722084395,"processing":0.25,"date_start":"x"}}"#;
        let (answer, time) = Answer::from_portal(body.to_owned()).unwrap();
        assert_eq!(answer.json(), body);
        assert_eq!(
            time,
            Some(TimeReport {
                operating: Some(12.5),
                operating_reset_at: Some(1722084395.0),
                processing: Some(0.25),
            })
        );
        for odd in [
            r#"{"time":[1,{"a":2}]}"#,
            r#"{"time":null}"#,
            r#"{"time":"x","error":"E"}"#,
        ] {
            let (answer, time) = Answer::from_portal(odd.to_owned()).unwrap();
            assert_eq!((answer.json(), time), (odd, None));
        }
        let (_, time) = Answer::from_portal(r#"{"time":{"operating":[]}}"#.into()).unwrap();
        assert_eq!(time, Some(TimeReport::default()));
    }

    #[test]
    fn non_objects_are_not_portal_answers() {
        for body in [
            "",
            "[]",
            "true",
            "\"x\"",
            "<html>",
            "{\"a\":1",
            "{\"a\":1}x",
            "{\"a\":tru}",
            "{\"a\":[1,}",
            "{1:2}",
        ] {
            assert_eq!(Answer::from_portal(body.to_owned()), Err(body.to_owned()));
        }
    }
}
