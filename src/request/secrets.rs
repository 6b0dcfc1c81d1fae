//! The secrets of a call, kept with its request so that every text shown
//! of it — an error, a log line — is masked where it leaves.

use std::sync::Arc;

use crate::error::Error;

/// The secrets of one call (webhook secret, token, client secret, code,
/// refresh token), masked in every text shown: as given and as they appear
/// percent-encoded in an address.
#[derive(Clone, Default)]
pub struct Secrets(pub(super) Vec<Arc<str>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} masked)", self.0.len())
    }
}

impl Secrets {
    pub(super) fn of<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Secrets {
        Secrets(
            secrets
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(Arc::from)
                .collect(),
        )
    }

    /// `text` with every secret replaced by `***`, as given and as it
    /// appears percent-encoded in an address. Errors are rare: the encoded
    /// forms are made here, not for every call.
    pub fn redact(&self, text: &str) -> String {
        let mut all: Vec<String> = Vec::with_capacity(self.0.len() * 2);
        for secret in &self.0 {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            if encoded != **secret {
                all.push(encoded);
            }
            all.push(secret.to_string());
        }
        // Longest first, so that no shorter secret breaks up a longer one.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "***")
        })
    }

    /// `error` with every secret in its text replaced by `***`.
    pub fn redact_error(&self, error: Error) -> Error {
        let redacted = self.redact(error.description());
        if redacted == error.description() {
            error
        } else {
            Error::new(error.code(), redacted)
        }
    }
}
