//! A reader of JSON text one level at a time, its members left as raw text:
//! what batch and GetList read the caller's parameters and the portal's
//! answers with, so that numbers keep the digits they were written with (a
//! 20-digit ID is not rounded through a float) and answers are copied, not
//! rebuilt.
//!
//! The caller's objects are read strictly: a key given twice in one object
//! is refused ([`Json::read_strict`], [`Strict`]). Their keys become names
//! the portal reads with PHP, which keeps only the last of equal keys —
//! `json_decode` for a JSON body, `parse_str` for a batch command's query —
//! so the first value would be dropped without a word (docs/calls.md).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use crate::json_text;

/// Objects of up to this many keys are searched for a key given twice by
/// comparing each key with those before it, borrowed from the text; larger
/// ones through a hash set.
const FEW_KEYS: usize = 16;

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
        Json::read_value(raw.get())
    }

    /// As [`Json::read`], the value as its JSON text (read already: one
    /// value, that is JSON).
    pub(crate) fn read_value(text: &'a str) -> Result<Json<'a>, serde_json::Error> {
        let text = text.trim();
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

    /// The value of `text`, its members raw: the top level of a caller's
    /// text, for [`read_given`]. An object or an array is read in one pass.
    pub(crate) fn read_text(text: &'a str) -> Result<Json<'a>, Unread> {
        let read = match text.trim_start().as_bytes().first() {
            Some(b'{') => {
                serde_json::from_str::<Pairs<'a>>(text).map(|pairs| Json::Object(pairs.0))
            }
            Some(b'[') => serde_json::from_str(text).map(Json::List),
            _ => serde_json::from_str(text).and_then(Json::read),
        };
        read.map_err(|e| Unread::of(text, &e))
    }

    /// As [`Json::read`], for a value of the caller's whose keys become
    /// names the portal reads: an object that holds a key twice is refused
    /// ([`given_twice`]). One level only: a nested object is checked when
    /// it is read in turn, as the query writer reads every level.
    pub(crate) fn read_strict(raw: &'a RawValue) -> Result<Json<'a>, serde_json::Error> {
        let read = Json::read(raw)?;
        if let Json::Object(pairs) = &read {
            if let Some(key) = repeated_key(pairs) {
                return Err(serde_json::Error::custom(given_twice(key)));
            }
        }
        Ok(read)
    }

    /// What the value is, for error texts: "an array", "a string", ….
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::Text(_) => "a string",
            Json::List(_) => "an array",
            Json::Object(_) => AN_OBJECT,
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

/// Gives each member of `text` to `each`, read by hand where `text` is a
/// plain object: keys and strings without escapes, numbers, `true`,
/// `false` and `null`, nothing nested; each value given as its JSON text.
/// A call's arguments mostly are, and this reads them for a fraction of
/// what serde_json's machinery costs. False for any other text, having
/// stopped anywhere, and maybe given some members: the caller reads it
/// whole (as [`Pairs`], in OpenIntegrations' dialect too), and says what
/// is wrong with it. For a plain object, `each` is given what [`Pairs`]
/// would hold.
pub(crate) fn each_plain_member<'a>(text: &'a str, mut each: impl FnMut(&'a str, &'a str)) -> bool {
    let bytes = text.as_bytes();
    // JSON's whitespace, which serde_json skips.
    let skip = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            at += 1;
        }
        at
    };
    let mut at = skip(0);
    if bytes.get(at) != Some(&b'{') {
        return false;
    }
    at = skip(at + 1);
    if bytes.get(at) == Some(&b'}') {
        return skip(at + 1) == bytes.len();
    }
    loop {
        let Some(key_end) = plain_string(bytes, at) else {
            return false;
        };
        let key = &text[at + 1..key_end - 1];
        at = skip(key_end);
        if bytes.get(at) != Some(&b':') {
            return false;
        }
        at = skip(at + 1);
        let Some(value_end) = plain_value(bytes, at) else {
            return false;
        };
        each(key, &text[at..value_end]);
        at = skip(value_end);
        match bytes.get(at) {
            Some(b',') => at = skip(at + 1),
            Some(b'}') => return skip(at + 1) == bytes.len(),
            _ => return false,
        }
    }
}

/// Where the plain value at `at` ends ([`each_plain_member`]).
fn plain_value(bytes: &[u8], at: usize) -> Option<usize> {
    let word = |word: &[u8]| bytes[at..].starts_with(word).then_some(at + word.len());
    match bytes.get(at)? {
        b'"' => plain_string(bytes, at),
        b't' => word(b"true"),
        b'f' => word(b"false"),
        b'n' => word(b"null"),
        _ => plain_number(bytes, at),
    }
}

/// Where the string at `at` ends, after its closing quote: None unless it
/// is one with no escape or control character.
fn plain_string(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let special = |b: u8| (b == b'"') | (b == b'\\') | (b < 0x20);
    let rest = &bytes[at + 1..];
    // Sixteen bytes at a time while none is special, which the compiler
    // checks at once (an address is some forty bytes); then one by one.
    let mut length = 0;
    while let Some(chunk) = rest.get(length..length + 16) {
        if chunk.iter().fold(false, |any, &b| any | special(b)) {
            break;
        }
        length += 16;
    }
    length += rest[length..].iter().position(|&b| special(b))?;
    (rest[length] == b'"').then_some(at + length + 2)
}

/// Where the number at `at` ends, as JSON writes one:
/// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn plain_number(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |at: usize| {
        bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at += digits(at),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        at += Some(digits(at)).filter(|&n| n > 0)?;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        at += Some(digits(at)).filter(|&n| n > 0)?;
    }
    Some(at)
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

/// Why a key given twice in one object is refused, for an error text.
pub(crate) fn given_twice(key: &str) -> String {
    format!(
        "the key {} is given twice in one object, and the portal would read only its last value: give each key once",
        crate::echo::value(key, 40)
    )
}

/// The first key of `pairs` that an earlier one equals, if any.
pub(crate) fn repeated_key<'p>(pairs: &'p [(Cow<'_, str>, &RawValue)]) -> Option<&'p str> {
    let mut keys = pairs.iter().map(|(key, _)| key.as_ref());
    if pairs.len() <= FEW_KEYS {
        return keys
            .enumerate()
            .find(|&(at, key)| pairs[..at].iter().any(|(earlier, _)| earlier == key))
            .map(|(_, key)| key);
    }
    let mut seen = HashSet::with_capacity(pairs.len());
    keys.find(|key| !seen.insert(*key))
}

/// The keys of the objects [`Strict`] is reading, each object's after its
/// parent's in one buffer for the whole value, and the key found given
/// twice, if one was.
#[derive(Default)]
pub(crate) struct Keys<'de> {
    seen: Vec<Cow<'de, str>>,
    pub(crate) twice: Option<String>,
}

impl<'de> Keys<'de> {
    /// Reads an object's members, each value as [`Strict`] reads it, and
    /// gives each key to `each` with its index; refuses a key given twice
    /// (kept in `twice`). Keys are compared as the text holds them (borrowed unless
    /// escaped), with no allocation per key.
    pub(crate) fn members<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        mut each: impl FnMut(usize, &str),
    ) -> Result<(), A::Error> {
        let start = self.seen.len();
        let mut many: Option<HashSet<Cow<'de, str>>> = None;
        let mut index = 0;
        while let Some(Key(key)) = map.next_key()? {
            let repeated = match &many {
                Some(set) => set.contains(&key),
                None => self.seen[start..].contains(&key),
            };
            if repeated {
                let error = A::Error::custom(given_twice(&key));
                self.twice = Some(key.into_owned());
                return Err(error);
            }
            each(index, &key);
            index += 1;
            match &mut many {
                Some(set) => {
                    set.insert(key);
                }
                None => {
                    self.seen.push(key);
                    if self.seen.len() - start > FEW_KEYS {
                        many = Some(self.seen.drain(start..).collect());
                    }
                }
            }
            map.next_value_seed(Strict(self))?;
        }
        self.seen.truncate(start);
        Ok(())
    }
}

/// Reads a whole JSON value and keeps nothing of it, refusing an object
/// that holds a key twice at any depth: the check of a caller's JSON that
/// is sent as written (CallMethod's parameters, a function's structure).
pub(crate) struct Strict<'k, 'de>(pub(crate) &'k mut Keys<'de>);

impl<'de> DeserializeSeed<'de> for Strict<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strict(&mut *self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.members(&mut map, |_, _| {})
    }
}

/// What [`Json::kind`] and [`read_whole`] call an object.
pub(crate) const AN_OBJECT: &str = "an object";

/// Why a caller's JSON text was refused, worded with where (line and
/// column in the text given).
#[derive(Debug)]
pub(crate) enum Refused {
    /// It is not one JSON value, nor one in OpenIntegrations' dialect.
    NotJson(String),
    /// An object holds a key twice: [`given_twice`], and where.
    Twice(String),
}

impl Refused {
    /// The words, whichever the refusal.
    pub(crate) fn words(self) -> String {
        match self {
            Refused::NotJson(words) | Refused::Twice(words) => words,
        }
    }
}

/// Why a text read was refused, and the byte offset in it where that was
/// seen; [`Unread::worded`] says it with the line and column.
#[derive(Debug)]
pub(crate) struct Unread {
    /// A key given twice, rather than text that does not read.
    twice: bool,
    why: String,
    at: usize,
}

impl Unread {
    /// serde_json's refusal of `text`.
    pub(crate) fn of(text: &str, error: &serde_json::Error) -> Unread {
        let full = error.to_string();
        let place = format!(" at line {} column {}", error.line(), error.column());
        Unread {
            twice: false,
            why: full.strip_suffix(&place).unwrap_or(&full).to_owned(),
            at: offset_of(text, error.line(), error.column()),
        }
    }

    /// The refusal, worded with where it is in `text`, the text read.
    pub(crate) fn worded(self, text: &str) -> Refused {
        let (line, column) = json_text::position(text, self.at);
        match self.twice {
            true => Refused::Twice(format!("{} (line {line}, column {column})", self.why)),
            false => Refused::NotJson(format!("{} at line {line} column {column}", self.why)),
        }
    }
}

/// The byte offset of serde_json's line and column (the column in bytes,
/// from 1; 0 for the line's start) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// Reads the caller's JSON `text` with `read`: as it is, and when that
/// finds it is not JSON, converted from OpenIntegrations' dialect
/// (docs/json-text.md) into `kept` and read from there. JSON is read once,
/// as before; only text that is not pays for the conversion. A refusal is
/// worded with where it is in `text` — the conversion's own, or `read`'s
/// of the converted text (a key given twice) placed back in `text`.
pub(crate) fn read_given<'t, T>(
    text: &'t str,
    kept: &'t mut String,
    mut read: impl FnMut(&'t str) -> Result<T, Unread>,
) -> Result<T, Refused> {
    match read(text) {
        Err(unread) if !unread.twice => {}
        read => return read.map_err(|unread| unread.worded(text)),
    }
    let mut converted = json_text::convert(text).map_err(|refusal| {
        Unread {
            twice: false,
            why: refusal.why,
            at: refusal.at,
        }
        .worded(text)
    })?;
    *kept = std::mem::take(&mut converted.text);
    let kept: &'t String = kept;
    read(kept).map_err(|unread| {
        Unread {
            at: converted.original(unread.at),
            ..unread
        }
        .worded(text)
    })
}

/// Reads the caller's JSON `text` whole and keeps nothing of it, refusing
/// an object that holds a key twice at any depth; gives each key of the
/// top-level object to `each`, with its index among them. What the value
/// is, as [`Json::kind`] says it: the check of a caller's JSON sent as
/// written (CallMethod's parameters, a function's structure), in the one
/// pass that reads it.
pub(crate) fn read_whole(
    text: &str,
    each: &mut dyn FnMut(usize, &str),
) -> Result<&'static str, Unread> {
    let mut keys = Keys::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = deserializer
        .deserialize_any(Top {
            keys: &mut keys,
            each,
        })
        .and_then(|kind| deserializer.end().map(|()| kind));
    read.map_err(|error| {
        let mut unread = Unread::of(text, &error);
        if let Some(key) = keys.twice {
            unread.twice = true;
            unread.why = given_twice(&key);
        }
        unread
    })
}

/// The top level of [`read_whole`]: a value read as [`Strict`] reads it,
/// an object's keys given to `each`; what it is.
struct Top<'k, 'de, 'f> {
    keys: &'k mut Keys<'de>,
    each: &'f mut dyn FnMut(usize, &str),
}

impl<'de> Visitor<'de> for Top<'_, 'de, '_> {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<&'static str, E> {
        Ok("a boolean")
    }

    fn visit_i64<E>(self, _: i64) -> Result<&'static str, E> {
        Ok("a number")
    }

    fn visit_u64<E>(self, _: u64) -> Result<&'static str, E> {
        Ok("a number")
    }

    fn visit_f64<E>(self, _: f64) -> Result<&'static str, E> {
        Ok("a number")
    }

    fn visit_str<E>(self, _: &str) -> Result<&'static str, E> {
        Ok("a string")
    }

    fn visit_unit<E>(self) -> Result<&'static str, E> {
        Ok("null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<&'static str, A::Error> {
        Strict(self.keys).visit_seq(seq).map(|()| "an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<&'static str, A::Error> {
        self.keys.members(&mut map, self.each).map(|()| AN_OBJECT)
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

    /// An object of `n` keys `k0`, `k1`, …, each holding `value`, and then
    /// `last` if given.
    fn object_of(n: usize, value: &str, last: Option<&str>) -> String {
        let members: Vec<String> = (0..n)
            .map(|i| format!(r#""k{i}":{value}"#))
            .chain(last.map(str::to_owned))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn a_key_given_twice_is_refused_by_the_strict_readers_at_any_depth() {
        let twice = |key: &str| given_twice(key);
        let long = format!("{}{}", "k-".repeat(20), "é".repeat(3));
        assert!(twice(&long).starts_with(&format!("the key '{}…' is given", "k-".repeat(20))));
        assert!(twice("ключ").starts_with("the key 'ключ' is given"));
        assert!(twice("4swokunb3tk7h7dt").starts_with("the key <a value of 16 characters> is"));
        let strict = |text: &str| {
            Json::read_strict(raw(text))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let deep = |text: &str| match read_whole(text, &mut |_, _| {}) {
            Ok(_) => Ok(()),
            Err(unread) => match unread.worded(text) {
                Refused::Twice(why) => Err(why),
                Refused::NotJson(why) => Err(format!("not JSON: {why}")),
            },
        };
        // One level: small and large objects, keys escaped or not.
        assert_eq!(strict(r#"{"a":1,"b":2,"a":3}"#), Err(twice("a")));
        assert_eq!(strict(r#"{"A":1,"\u0041":2}"#), Err(twice("A")));
        assert_eq!(
            strict(&object_of(40, "1", Some(r#""k7":2"#))),
            Err(twice("k7"))
        );
        assert_eq!(strict(&object_of(40, "1", None)), Ok(()));
        assert_eq!(strict(r#"{"a":{"b":1,"b":2}}"#), Ok(()), "one level only");
        assert_eq!(strict("[1,1]"), Ok(()));
        assert!(
            Json::read(raw(r#"{"a":1,"a":2}"#)).is_ok(),
            "answers are read as sent"
        );
        // Every depth, in objects and arrays; equal keys in different
        // objects are not a repeat.
        assert!(
            deep(r#"{"fields":{"TITLE":1,"TITLE":2}}"#)
                .unwrap_err()
                .starts_with(&twice("TITLE"))
        );
        assert!(
            deep(r#"[{"a":1},{"a":[{"b":1,"c":{"d":1},"b":2}]}]"#)
                .unwrap_err()
                .starts_with(&twice("b"))
        );
        assert!(deep(r#"{"a":{"a":{"a":1}},"b":{"a":1},"c":[{"a":1},{"a":1}]}"#).is_ok());
        let nested = object_of(20, &object_of(20, "1", None), None);
        assert!(deep(&object_of(30, &nested, None)).is_ok());
        let repeated = object_of(20, "1", Some(r#""k19":{"x":1}"#));
        assert!(
            deep(&object_of(30, "[]", Some(&format!(r#""z":{repeated}"#))))
                .unwrap_err()
                .starts_with(&twice("k19"))
        );
        // Past the few keys compared one by one, a repeat of an early key.
        assert!(
            deep(&object_of(17, "{}", Some(r#""k0":{}"#)))
                .unwrap_err()
                .starts_with(&twice("k0"))
        );
        assert_eq!(
            deep("{\"a\":1,\n \"a\":2}"),
            Err(format!("{} (line 2, column 4)", twice("a")))
        );
        let mut top = Vec::new();
        let kind = read_whole(r#" {"b":{"x":1},"a":[1]} "#, &mut |index, key| {
            top.push((index, key.to_owned()))
        });
        assert_eq!(
            (kind.unwrap(), top),
            (AN_OBJECT, vec![(0, "b".to_owned()), (1, "a".to_owned())])
        );
        assert_eq!(read_whole("[1]", &mut |_, _| {}).unwrap(), "an array");
        assert_eq!(read_whole("null", &mut |_, _| {}).unwrap(), "null");
        assert_eq!(
            deep("{"),
            Err("not JSON: EOF while parsing an object at line 1 column 1".to_owned())
        );
        assert!(deep(r#"{"a":1"#).is_err());
        assert!(deep(r#"{"a":1} x"#).is_err());
        let mut keys = Keys::default();
        let mut deserializer = serde_json::Deserializer::from_str(r#"{"x":[{"q\"":1,"q\"":2}]}"#);
        assert!(Strict(&mut keys).deserialize(&mut deserializer).is_err());
        assert_eq!(keys.twice.as_deref(), Some("q\""));
    }

    #[test]
    fn the_dialect_is_read_only_where_json_is_not_and_refusals_name_the_place_given() {
        // What was read, the keys of the top level as `each` saw them last,
        // and whether the text was converted.
        let read = |text: &str| {
            let mut kept = String::new();
            let mut keys = Vec::new();
            let read = read_given(text, &mut kept, |text| {
                read_whole(text, &mut |index, key| {
                    keys.truncate(index);
                    keys.push(key.to_owned());
                })
            });
            (read.map_err(Refused::words), keys, !kept.is_empty())
        };
        assert_eq!(
            read(r#"{"a": 1, "b": [2]}"#),
            (Ok(AN_OBJECT), vec!["a".into(), "b".into()], false)
        );
        // Read as far as JSON goes, then again converted: the keys counted
        // from the first again.
        assert_eq!(
            read("{\"a\": 1, b: ['x',]}"),
            (Ok(AN_OBJECT), vec!["a".into(), "b".into()], true)
        );
        let twice = |key: &str, line: usize, column: usize| {
            Err(format!(
                "{} (line {line}, column {column})",
                given_twice(key)
            ))
        };
        // A key given twice in JSON is refused as it is, not converted.
        let (words, _, converted) = read(r#"{"a":1,"a":2}"#);
        assert_eq!((words, converted), (twice("a", 1, 10), false));
        // In the dialect, where it is in the text given.
        assert_eq!(read("{a:1,\n a:2}").0, twice("a", 2, 2));
        assert_eq!(read("{'ключ':1,'ключ':2}").0, twice("ключ", 1, 16));
        assert_eq!(
            read("{'a': NaN}").0,
            Err("NaN is not a number JSON can carry at line 1 column 7".to_owned())
        );
        // The conversion's text is read as strictly as JSON is.
        let deep = format!("{}'x'{}", "[".repeat(200), "]".repeat(200));
        let words = read(&deep).0.unwrap_err();
        assert!(
            words.starts_with("recursion limit exceeded at line 1 column "),
            "{words}"
        );
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(string_literal("a\"b\\\n"), r#""a\"b\\\n""#);
    }

    /// What the plain reader gives is what serde_json gives; what it does
    /// not take, serde_json reads (or refuses).
    #[test]
    fn the_plain_reader_reads_as_serde_json_does_or_leaves_it_to_it() {
        let plain = [
            "{}",
            " { } ",
            "\t{\n\"URL\" : \"http://p.example/rest/1/x/\",\r\n\"DealID\": 1 }\n",
            r#"{"a":"","b":-0,"c":12.50e+3,"d":1E-7,"e":true,"f":false,"g":null}"#,
            r#"{"ключ":"значение","a":"a","a":"b"}"#,
            r#"{"x":-12.0}"#,
        ];
        let not_plain = [
            "",
            "[]",
            "{",
            "{}x",
            "{} {}",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":+1}"#,
            r#"{"a":tru}"#,
            r#"{"a":truex}"#,
            r#"{"a":nul}"#,
            r#"{"a":"b\"c"}"#,
            r#"{"a\u0062":1}"#,
            r#"{"a":[1]}"#,
            r#"{"a":{}}"#,
            "{\"a\":\"b\u{1}\"}",
            "{\"a\":1}\u{a0}",
            "{\"a\"\u{a0}:1}",
            r#"{"a":"unterminated}"#,
            r#"{a:1}"#,
        ];
        for text in plain.iter().chain(&not_plain) {
            let mut given = Vec::new();
            let taken = each_plain_member(text, |key, value| given.push((key, value)));
            assert_eq!(taken, plain.contains(text), "{text:?}");
            if taken {
                let pairs: Pairs = serde_json::from_str(text).expect("serde_json reads it");
                let read: Vec<(&str, &str)> =
                    pairs.0.iter().map(|(k, v)| (k.as_ref(), v.get())).collect();
                assert_eq!(given, read, "{text:?}");
            }
        }
    }
}
