//! A request body as a function's row builds it: members in first-put
//! order, each JSON text or an object of members, written out once. The
//! arguments' values are copied as the caller wrote them where they need no
//! conversion, so that running a function costs what CallMethod costs for
//! the same request (benches/latency.rs).

use std::borrow::Cow;

/// A member's value: JSON text, or an object made on the way to a path
/// such as `FIELDS.TITLE`.
pub(super) enum Node<'a> {
    Json(Cow<'a, str>),
    /// A number sent as text (an ID given as a number): its digits, put in
    /// quotes as they are written out, so that no string is made for them.
    Digits(&'a str),
    Object(Body<'a>),
}

/// A JSON object's members in order.
#[derive(Default)]
pub(super) struct Body<'a> {
    members: Vec<(Cow<'a, str>, Node<'a>)>,
}

impl<'a> Body<'a> {
    /// Puts `value` at `path` (keys joined by dots), replacing what was
    /// there and making the objects on the way.
    pub(super) fn put(&mut self, path: &'a str, value: Node<'a>) {
        let (key, rest) = match path.split_once('.') {
            Some((key, rest)) => (key, Some(rest)),
            None => (path, None),
        };
        let slot = self.slot(Cow::Borrowed(key));
        match rest {
            None => *slot = value,
            Some(rest) => {
                if !matches!(slot, Node::Object(_)) {
                    *slot = Node::Object(Body::default());
                }
                if let Node::Object(inner) = slot {
                    inner.put(rest, value);
                }
            }
        }
    }

    /// Adds a member of a caller's object (a spread structure) at the top.
    pub(super) fn put_member(&mut self, key: String, json: String) {
        *self.slot(Cow::Owned(key)) = Node::Json(Cow::Owned(json));
    }

    /// The member `key`'s value, made (an empty object) if there is none.
    fn slot(&mut self, key: Cow<'a, str>) -> &mut Node<'a> {
        let at = match self.members.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                self.members.push((key, Node::Object(Body::default())));
                self.members.len() - 1
            }
        };
        &mut self.members[at].1
    }

    pub(super) fn contains(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| k == key)
    }

    pub(super) fn remove(&mut self, key: &str) {
        self.members.retain(|(k, _)| k != key);
    }

    /// A top-level key that carries a credential (`auth`, `access_token`),
    /// which a spread structure could bring.
    pub(super) fn credential_key(&self) -> Option<&str> {
        self.members
            .iter()
            .map(|(key, _)| key.as_ref())
            .find(|key| crate::request::is_credential(key))
    }

    /// The object's JSON text.
    pub(super) fn to_json(&self) -> String {
        let mut out = String::with_capacity(64);
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('{');
        for (index, (key, value)) in self.members.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_member(key, value, out);
        }
        out.push('}');
    }
}

/// What a row's fields are put into: a [`Body`], or a flat row's [`Text`].
pub(super) trait Fields<'a> {
    /// Puts `value` at `path` (keys joined by dots).
    fn put(&mut self, path: &'a str, value: Node<'a>);
    /// Adds a member of a caller's object (a spread structure) at the top.
    fn put_member(&mut self, key: String, json: String);
}

impl<'a> Fields<'a> for Body<'a> {
    fn put(&mut self, path: &'a str, value: Node<'a>) {
        Body::put(self, path, value);
    }

    fn put_member(&mut self, key: String, json: String) {
        Body::put_member(self, key, json);
    }
}

/// The body of a flat row (`Function::flat`: each field a key of its own
/// at the top), written out as its fields are put. With nothing to
/// replace or nest, no tree is kept between the arguments and the text
/// sent: the common call by name costs what CallMethod's does.
pub(super) struct Text<'a> {
    text: String,
    /// The first key that carries a credential, as
    /// [`Body::credential_key`] finds it.
    credential_key: Option<Cow<'a, str>>,
}

impl<'a> Text<'a> {
    pub(super) fn new() -> Self {
        let mut text = String::with_capacity(64);
        text.push('{');
        Text {
            text,
            credential_key: None,
        }
    }

    /// The object's JSON text, and its key that carries a credential.
    pub(super) fn finish(mut self) -> (String, Option<Cow<'a, str>>) {
        self.text.push('}');
        (self.text, self.credential_key)
    }

    fn add(&mut self, key: Cow<'a, str>, value: &Node) {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        write_member(&key, value, &mut self.text);
        if self.credential_key.is_none() && crate::request::is_credential(&key) {
            self.credential_key = Some(key);
        }
    }
}

impl<'a> Fields<'a> for Text<'a> {
    fn put(&mut self, path: &'a str, value: Node<'a>) {
        debug_assert!(!path.contains('.'), "a flat row's keys are at the top");
        self.add(Cow::Borrowed(path), &value);
    }

    fn put_member(&mut self, key: String, json: String) {
        self.add(Cow::Owned(key), &Node::Json(Cow::Owned(json)));
    }
}

/// A member of an object: its key, a colon and its value.
fn write_member(key: &str, value: &Node, out: &mut String) {
    write_key(key, out);
    out.push(':');
    match value {
        Node::Json(json) => out.push_str(json),
        Node::Digits(digits) => {
            out.push('"');
            out.push_str(digits);
            out.push('"');
        }
        Node::Object(inner) => inner.write(out),
    }
}

/// A key as a JSON string; the table's keys need no escapes, a caller's may.
fn write_key(key: &str, out: &mut String) {
    if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(key);
        out.push('"');
    } else {
        out.push_str(&crate::json::string_literal(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Node<'_> {
        Node::Json(Cow::Borrowed(text))
    }

    #[test]
    fn paths_make_objects_in_first_use_order_and_a_later_put_replaces() {
        let mut body = Body::default();
        body.put("TASKID", Node::Digits("5"));
        body.put("FIELDS.TITLE", json("\"a\""));
        body.put("FIELDS.IS_COMPLETE", json("\"N\""));
        body.put("TASKID", json("\"6\""));
        body.put_member("we\"ird".to_owned(), "1".to_owned());
        assert_eq!(
            body.to_json(),
            r#"{"TASKID":"6","FIELDS":{"TITLE":"a","IS_COMPLETE":"N"},"we\"ird":1}"#
        );
        assert!(body.contains("FIELDS") && body.credential_key().is_none());
        body.remove("FIELDS");
        body.put_member("AUTH".to_owned(), "\"x\"".to_owned());
        assert_eq!(body.credential_key(), Some("AUTH"));
    }

    #[test]
    fn a_flat_rows_text_is_what_its_body_would_write() {
        let mut body = Body::default();
        let mut text = Text::new();
        assert_eq!(Text::new().finish(), ("{}".to_owned(), None));
        for fields in [&mut body as &mut dyn Fields, &mut text] {
            fields.put("TASKID", Node::Digits("5"));
            fields.put("we\"ird", json("\"a\""));
            fields.put_member("Auth".to_owned(), "\"x\"".to_owned());
        }
        let (written, credential_key) = text.finish();
        assert_eq!(written, body.to_json());
        assert_eq!(credential_key.as_deref(), body.credential_key());
    }
}
