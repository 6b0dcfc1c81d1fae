//! A reader of JSON text one level at a time, its members left as raw text:
//! what batch and GetList read the caller's parameters and the portal's
//! answers with, so that numbers keep the digits they were written with (a
//! 20-digit ID is not rounded through a float) and answers are copied, not
//! rebuilt.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON value one level deep, its members left as raw text.
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    /// The number as written.
    Number(&'a str),
    Text(String),
    List(Vec<&'a RawValue>),
    Object(Vec<(Cow<'a, str>, &'a RawValue)>),
}

impl<'a> Json<'a> {
    /// The value `raw` holds, its members raw.
    pub(crate) fn read(raw: &'a RawValue) -> Result<Json<'a>, serde_json::Error> {
        let text = raw.get().trim();
        Ok(match text.as_bytes().first() {
            Some(b'{') => Json::Object(serde_json::from_str::<Pairs<'a>>(text)?.0),
            Some(b'[') => Json::List(serde_json::from_str(text)?),
            Some(b'"') => Json::Text(serde_json::from_str(text)?),
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'n') => Json::Null,
            _ => Json::Number(text),
        })
    }

    /// What the value is, for error texts: "an array", "a string", ….
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::Text(_) => "a string",
            Json::List(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// An object's members in their order, each value raw; an array's items
/// keyed by index (PHP sends an object keyed 0, 1, … as an array). A key
/// without escapes is borrowed from the text.
pub(crate) struct Pairs<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Pairs<'a> {
    /// The value of the member `key`, if there is one.
    pub(crate) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object or array")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    pairs.push((key, value));
                }
                Ok(Pairs(pairs))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(item) = seq.next_element::<&'de RawValue>()? {
                    pairs.push((Cow::Owned(pairs.len().to_string()), item));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_any(PairsVisitor)
    }
}

/// An object's key, borrowed from the text unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object's key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A JSON string literal of `text`, quotes and escapes included.
pub(crate) fn string_literal(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn values_are_read_one_level_deep_and_numbers_keep_their_text() {
        let value = raw(r#"{"id":123456789012345678901234,"m":100.10,"z":-0.0,"n":{"a":[1]}}"#);
        let Json::Object(pairs) = Json::read(value).unwrap() else {
            panic!("an object")
        };
        let members: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_ref(), v.get())).collect();
        assert_eq!(
            members,
            [
                ("id", "123456789012345678901234"),
                ("m", "100.10"),
                ("z", "-0.0"),
                ("n", r#"{"a":[1]}"#)
            ]
        );
        assert!(matches!(
            Json::read(raw("100.10")).unwrap(),
            Json::Number("100.10")
        ));
        assert!(matches!(Json::read(raw(r#""\u0041""#)).unwrap(), Json::Text(t) if t == "A"));
        assert!(
            matches!(Json::read(raw("[1,[2]]")).unwrap(), Json::List(items) if items.len() == 2)
        );
        assert_eq!(Json::read(raw("null")).unwrap().kind(), "null");
        assert_eq!(Json::read(raw("false")).unwrap().kind(), "a boolean");
    }

    #[test]
    fn arrays_read_as_pairs_are_keyed_by_index() {
        let pairs: Pairs = serde_json::from_str(r#"[10,{"x":1}]"#).unwrap();
        assert_eq!(pairs.get("1").map(RawValue::get), Some(r#"{"x":1}"#));
        assert_eq!(pairs.get("0").map(RawValue::get), Some("10"));
        assert!(pairs.get("2").is_none());
        assert!(serde_json::from_str::<Pairs>("1").is_err());
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(string_literal("a\"b\\\n"), r#""a\"b\\\n""#);
    }
}
