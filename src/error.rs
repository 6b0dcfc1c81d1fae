//! The errors this library raises itself, in the portal's own error shape.

use std::fmt;

/// The codes of the errors the library raises itself; the portal's own codes
/// (`STATUS_ERROR`, `expired_token`, …) come back untouched in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An argument was refused before anything was sent.
    InvalidArgument,
    /// The portal could not be reached, or the connection broke.
    NetworkError,
    /// No answer in time: the call's budget, or the connect or read timeout, ran out.
    Timeout,
    /// The portal answered with something that is not a JSON object.
    BadResponse,
    /// A file of the caller's (GetList's output) could not be created or written.
    IoError,
    /// A fault inside the library itself.
    InternalError,
    /// An event request whose application token is missing or not the one given.
    EventForged,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::InvalidArgument,
        ErrorCode::NetworkError,
        ErrorCode::Timeout,
        ErrorCode::BadResponse,
        ErrorCode::IoError,
        ErrorCode::InternalError,
        ErrorCode::EventForged,
    ];

    /// The code as it appears in the `error` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "OPI_INVALID_ARGUMENT",
            ErrorCode::NetworkError => "OPI_NETWORK_ERROR",
            ErrorCode::Timeout => "OPI_TIMEOUT",
            ErrorCode::BadResponse => "OPI_BAD_RESPONSE",
            ErrorCode::IoError => "OPI_IO_ERROR",
            ErrorCode::InternalError => "OPI_INTERNAL_ERROR",
            ErrorCode::EventForged => "OPI_EVENT_FORGED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error raised by the library: a code and a text meant for people.
///
/// The text never holds a webhook secret or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    description: String,
}

impl Error {
    pub(crate) fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Error {
            code,
            description: description.into(),
        }
    }

    /// An argument refused before anything was sent; for fronts that read
    /// arguments themselves (a file named on the command line).
    pub fn invalid_argument(description: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, description)
    }

    pub(crate) fn internal(description: impl Into<String>) -> Self {
        Error::new(ErrorCode::InternalError, description)
    }

    /// The same error, its text followed by `(note)`.
    pub(crate) fn with_note(self, note: &str) -> Self {
        Error::new(self.code, format!("{} ({note})", self.description))
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// What failed and where, for people.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The error as a JSON document of the portal's error shape:
    /// `{"error": "<CODE>", "error_description": "<text>"}`.
    pub fn to_json(&self) -> String {
        ErrorDocument::from(self).to_json()
    }
}

/// The error of an answer, the portal's or ours: its `error` code and its
/// `error_description`. The one reader and writer of those fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorDocument {
    pub(crate) code: String,
    pub(crate) description: String,
}

impl ErrorDocument {
    /// The error fields of a JSON document; a field it lacks is "", one
    /// that is not a string is its JSON text.
    pub(crate) fn read(json: &str) -> ErrorDocument {
        #[derive(serde::Deserialize)]
        struct Fields {
            #[serde(default)]
            error: serde_json::Value,
            #[serde(default)]
            error_description: serde_json::Value,
        }
        let fields: Option<Fields> = serde_json::from_str(json).ok();
        let text = |value: Option<serde_json::Value>| match value {
            Some(serde_json::Value::String(text)) => text,
            None | Some(serde_json::Value::Null) => String::new(),
            Some(other) => other.to_string(),
        };
        let (code, description) = match fields {
            Some(fields) => (Some(fields.error), Some(fields.error_description)),
            None => (None, None),
        };
        ErrorDocument {
            code: text(code),
            description: text(description),
        }
    }

    /// The same error, its description led by `context` (`"batch request 2
    /// of 3 failed: …"`).
    pub(crate) fn in_context(self, context: &str) -> ErrorDocument {
        ErrorDocument {
            code: self.code,
            description: format!("{context}: {}", self.description),
        }
    }

    /// The same error with `more` said after its description, `; ` between.
    pub(crate) fn and(self, more: &str) -> ErrorDocument {
        ErrorDocument {
            code: self.code,
            description: format!("{}; {more}", self.description),
        }
    }

    /// `"error":"<CODE>","error_description":"<text>"`: the members, for a
    /// document that holds more.
    pub(crate) fn write_members(&self, out: &mut String) {
        out.push_str("\"error\":");
        out.push_str(&crate::json::string_literal(&self.code));
        out.push_str(",\"error_description\":");
        out.push_str(&crate::json::string_literal(&self.description));
    }

    /// The error alone, as a JSON document.
    pub(crate) fn to_json(&self) -> String {
        let mut json = String::from("{");
        self.write_members(&mut json);
        json.push('}');
        json
    }
}

impl From<&Error> for ErrorDocument {
    fn from(error: &Error) -> ErrorDocument {
        ErrorDocument {
            code: error.code.as_str().to_owned(),
            description: error.description.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_has_the_portal_error_shape() {
        let error = Error::new(ErrorCode::Timeout, "no answer \"here\"");
        let parsed: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"error": "OPI_TIMEOUT", "error_description": "no answer \"here\""})
        );
    }

    #[test]
    fn error_documents_are_read_back_as_written() {
        let document = ErrorDocument {
            code: "QUERY_LIMIT_EXCEEDED".into(),
            description: "Too many \"requests\"\n".into(),
        };
        assert_eq!(ErrorDocument::read(&document.to_json()), document);
        let odd = ErrorDocument::read(r#"{"error":404,"result":1}"#);
        assert_eq!((odd.code.as_str(), odd.description.as_str()), ("404", ""));
        let broken = ErrorDocument::read("<html>");
        assert_eq!(
            (broken.code.as_str(), broken.description.as_str()),
            ("", "")
        );
    }

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let names: std::collections::HashSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("OPI_")));
    }
}
