//! What every call yields: one JSON document, the portal's or ours.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

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
    pub(crate) fn from_portal(body: String) -> Result<Answer, String> {
        match serde_json::from_str::<ObjectOutline>(&body) {
            Ok(outline) => Ok(Answer {
                json: body,
                is_error: outline.has_error,
                error_code: outline.error_code,
            }),
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
/// whether it has an `error` field, and that field's code. Nothing else of
/// it is kept or built.
struct ObjectOutline {
    has_error: bool,
    error_code: Option<String>,
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
        };
        while let Some(IsErrorKey(is_error)) = map.next_key()? {
            if is_error {
                outline.has_error = true;
                outline.error_code = match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(code) => Some(code),
                    _ => None,
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(outline)
    }
}

/// A key of the answer's object, read as whether it is `error`.
struct IsErrorKey(bool);

impl<'de> Deserialize<'de> for IsErrorKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = IsErrorKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E>(self, key: &str) -> Result<IsErrorKey, E> {
                Ok(IsErrorKey(key == "error"))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_objects_are_kept_verbatim() {
        let body = "{\"result\": true, \"time\": {\"start\": 1722083795.3692}}\n";
        let answer = Answer::from_portal(body.to_owned()).unwrap();
        assert_eq!(answer.json(), body);
        assert!(!answer.is_error());
        let error = Answer::from_portal(r#"{"error":"STATUS_ERROR"}"#.to_owned()).unwrap();
        assert!(error.is_error());
        assert_eq!(error.error_code(), Some("STATUS_ERROR"));
        assert_eq!(answer.error_code(), None);
        for (body, is_error) in [
            (r#"{"result":{"error":"nested, not the answer's"}}"#, false),
            (r#"{"time":{},"\u0065rror":"ESCAPED_KEY"}"#, true),
            (r#"{"error_description":"x"}"#, false),
            (r#"{"result":true,"error":null}"#, true),
        ] {
            let answer = Answer::from_portal(body.to_owned()).unwrap();
            assert_eq!(answer.is_error(), is_error, "{body}");
        }
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
