//! What is sent for `im.user.status.set`: the checked status, the token, the
//! address and the JSON body, and the secrets that must never be shown.

use url::Url;

use crate::address::{self, AuthKind};
use crate::error::Error;

/// The REST method this library calls.
pub const METHOD: &str = "im.user.status.set";

/// The statuses a portal accepts (`break` on newer portals only).
pub const STATUSES: [&str; 4] = ["online", "dnd", "away", "break"];

/// Longer tokens are refused: real ones are under a hundred characters.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// A request ready to send, built from the caller's three arguments.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: Url,
    pub body: String,
    pub secrets: Secrets,
}

impl Request {
    /// Checks the arguments and builds the request; nothing is sent yet.
    pub fn set_user_status(url: &str, status: &str, token: &str) -> Result<Request, Error> {
        let status = normalize_status(status)?;
        let token = normalize_token(token)?;
        let auth = if token.is_some() {
            AuthKind::Token
        } else {
            AuthKind::Webhook
        };
        let endpoint = address::endpoint(url, METHOD, auth)?;
        // The status is one of STATUSES, which need no escaping; the token may.
        let body = match token {
            Some(token) => format!(r#"{{"STATUS":"{status}","auth":{}}}"#, json_string(token)),
            None => format!(r#"{{"STATUS":"{status}"}}"#),
        };
        let secrets = Secrets(
            endpoint
                .webhook_secret
                .into_iter()
                .chain(token.map(str::to_owned))
                .collect(),
        );
        Ok(Request {
            url: endpoint.url,
            body,
            secrets,
        })
    }
}

/// The webhook secret and the token of one call, to be masked in every text shown.
#[derive(Debug, Clone, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// `text` with every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        self.0
            .iter()
            .filter(|secret| !secret.is_empty())
            .fold(text.to_owned(), |text, secret| {
                text.replace(secret.as_str(), "***")
            })
    }
}

/// Trims and lower-cases the status, and refuses anything a portal would refuse.
pub fn normalize_status(status: &str) -> Result<&'static str, Error> {
    let given = status.trim();
    if given.is_empty() {
        return Err(Error::invalid_argument(format!(
            "Status is empty; it must be one of: {}",
            STATUSES.join(", ")
        )));
    }
    let lowered = given.to_lowercase();
    STATUSES
        .iter()
        .find(|allowed| **allowed == lowered)
        .copied()
        .ok_or_else(|| {
            let shown: String = given.chars().take(32).collect();
            let ellipsis = if shown.len() < given.len() { "…" } else { "" };
            Error::invalid_argument(format!(
                "Status '{shown}{ellipsis}' is not allowed; it must be one of: {}",
                STATUSES.join(", ")
            ))
        })
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Trims the token; empty means "call by webhook". Never echoes the token.
fn normalize_token(token: &str) -> Result<Option<&str>, Error> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::invalid_argument(format!(
            "Token is {} bytes long; at most {MAX_TOKEN_BYTES} are accepted",
            token.len()
        )));
    }
    if let Some(position) = token.find(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "Token contains a space or control character at byte {position}"
        )));
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_trimmed_and_lower_cased() {
        for (given, expected) in [
            ("online", "online"),
            ("dnd", "dnd"),
            ("away", "away"),
            ("break", "break"),
            (" DND ", "dnd"),
            ("Away\n", "away"),
        ] {
            assert_eq!(
                normalize_status(given).unwrap(),
                expected,
                "status {given:?}"
            );
        }
    }

    #[test]
    fn bad_statuses_are_refused_with_the_allowed_list() {
        for given in ["", "  ", "busy", "1", "on line", "dnd\0"] {
            let error = normalize_status(given).unwrap_err();
            assert!(
                error.description().contains("online, dnd, away, break"),
                "status {given:?}: {error}"
            );
        }
        let error = normalize_status(&"x".repeat(1 << 20)).unwrap_err();
        assert!(error.description().len() < 200, "{}", error.description());
    }

    #[test]
    fn webhook_body_has_only_the_status() {
        let request = Request::set_user_status("portal.example/rest/1/abc/", "dnd", "").unwrap();
        assert_eq!(request.body, r#"{"STATUS":"dnd"}"#);
        assert_eq!(
            request.url.as_str(),
            "https://portal.example/rest/1/abc/im.user.status.set"
        );
    }

    #[test]
    fn token_body_has_status_and_auth() {
        let request = Request::set_user_status("portal.example", "away", " tok123 ").unwrap();
        assert_eq!(request.body, r#"{"STATUS":"away","auth":"tok123"}"#);
        let request = Request::set_user_status("portal.example", "away", r#"t"o\k"#).unwrap();
        assert_eq!(request.body, r#"{"STATUS":"away","auth":"t\"o\\k"}"#);
        assert_eq!(
            request.url.as_str(),
            "https://portal.example/rest/im.user.status.set"
        );
    }

    #[test]
    fn tokens_with_inner_spaces_or_controls_are_refused_without_echo() {
        for token in ["tok3n 5ecret", "tok3n\r\n5ecret", "tok3n\u{7}5ecret"] {
            let error = Request::set_user_status("portal.example", "dnd", token).unwrap_err();
            assert!(error.description().contains("Token contains"), "{error}");
            assert!(!error.description().contains("5ecret"), "{error}");
        }
        let error =
            Request::set_user_status("portal.example", "dnd", &"t".repeat(5000)).unwrap_err();
        assert!(error.description().contains("at most 4096"), "{error}");
    }

    #[test]
    fn redaction_masks_secret_and_token() {
        let request = Request::set_user_status("portal.example/rest/1/s3cr3t/", "dnd", "").unwrap();
        assert_eq!(
            request.secrets.redact(request.url.as_str()),
            "https://portal.example/rest/1/***/im.user.status.set"
        );
        let request = Request::set_user_status("portal.example", "dnd", "tok").unwrap();
        assert_eq!(request.secrets.redact("auth=tok&x"), "auth=***&x");
    }
}
