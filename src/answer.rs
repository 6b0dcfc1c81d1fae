//! What every call yields: one JSON document, the portal's or ours.

use crate::error::Error;

/// A JSON object: the portal's answer exactly as it was sent, or an error of
/// the library in the same shape (`{"error": …, "error_description": …}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    json: String,
    is_error: bool,
}

impl Answer {
    /// Accepts a portal's body if it is a JSON object, and keeps its text as
    /// sent; gives the body back otherwise.
    pub(crate) fn from_portal(body: String) -> Result<Answer, String> {
        let is_error = match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(object)) => object.contains_key("error"),
            _ => return Err(body),
        };
        Ok(Answer {
            json: body,
            is_error,
        })
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
}

impl From<Error> for Answer {
    fn from(error: Error) -> Self {
        Answer {
            json: error.to_json(),
            is_error: true,
        }
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
    }

    #[test]
    fn non_objects_are_not_portal_answers() {
        for body in ["", "[]", "true", "\"x\"", "<html>", "{\"a\":1"] {
            assert_eq!(Answer::from_portal(body.to_owned()), Err(body.to_owned()));
        }
    }
}
