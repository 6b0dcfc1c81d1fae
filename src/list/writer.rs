//! GetList's document going out as pages arrive:
//! `{"result":[` item, item… `],"total":n,…}`, each item's text as the
//! portal sent it.

use std::io::{self, Write};

use serde_json::value::RawValue;

use crate::error::ErrorDocument;
use crate::json;

/// Writes the document to the caller's `out`; a failure is the caller's
/// file's, an I/O error.
pub(super) struct Writer<'w> {
    out: &'w mut dyn Write,
    started: bool,
    /// Items written so far.
    pub(super) items: u64,
}

impl<'w> Writer<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Writer<'w> {
        Writer {
            out,
            started: false,
            items: 0,
        }
    }

    /// Whether anything has been written: after that, an error can only
    /// end the document, not replace it.
    pub(super) fn started(&self) -> bool {
        self.started
    }

    pub(super) fn item(&mut self, item: &RawValue) -> io::Result<()> {
        let separator = match (self.started, self.items) {
            (false, _) => "{\"result\":[",
            (true, 0) => "",
            (true, _) => ",",
        };
        self.started = true;
        self.out.write_all(separator.as_bytes())?;
        self.out.write_all(item.get().as_bytes())?;
        self.items += 1;
        Ok(())
    }

    /// The whole document is this error: nothing came before it.
    pub(super) fn plain_error(&mut self, failure: &ErrorDocument) -> io::Result<()> {
        self.out.write_all(failure.to_json().as_bytes())?;
        self.out.flush()
    }

    /// Ends the document: the count, the warnings, and the error the export
    /// ended with.
    pub(super) fn end(
        &mut self,
        warnings: &[String],
        failure: Option<&ErrorDocument>,
    ) -> io::Result<()> {
        let mut tail = String::new();
        if !self.started {
            tail.push_str("{\"result\":[");
            self.started = true;
        }
        tail.push_str(&format!("],\"total\":{}", self.items));
        if !warnings.is_empty() {
            tail.push_str(",\"warnings\":[");
            let quoted: Vec<String> = warnings.iter().map(|w| json::string_literal(w)).collect();
            tail.push_str(&quoted.join(","));
            tail.push(']');
        }
        if let Some(failure) = failure {
            tail.push(',');
            failure.write_members(&mut tail);
        }
        tail.push('}');
        self.out.write_all(tail.as_bytes())?;
        self.out.flush()
    }
}

/// The in-memory document, refused past the answer cap.
pub(super) struct Capped {
    pub(super) bytes: Vec<u8>,
    pub(super) cap: usize,
}

impl Capped {
    /// Whether a write was refused for the cap.
    pub(super) fn is_over(&self) -> bool {
        self.bytes.len() > self.cap
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(data);
        if self.is_over() {
            return Err(io::Error::other("over the answer cap"));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_items_then_count_warnings_and_error() {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out);
        for item in [r#"{"ID":1}"#, r#"{"ID":2}"#] {
            writer.item(serde_json::from_str(item).unwrap()).unwrap();
        }
        let failure = ErrorDocument {
            code: "X".into(),
            description: "broke".into(),
        };
        writer.end(&["changed".into()], Some(&failure)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"result":[{"ID":1},{"ID":2}],"total":2,"warnings":["changed"],"error":"X","error_description":"broke"}"#
        );
        let mut out = Vec::new();
        Writer::new(&mut out).end(&[], None).unwrap();
        assert_eq!(out, br#"{"result":[],"total":0}"#);
    }

    #[test]
    fn the_cap_refuses_the_write_that_passes_it() {
        let mut capped = Capped {
            bytes: Vec::new(),
            cap: 4,
        };
        assert!(capped.write_all(b"1234").is_ok());
        assert!(!capped.is_over());
        assert!(capped.write_all(b"5").is_err());
        assert!(capped.is_over());
    }
}
