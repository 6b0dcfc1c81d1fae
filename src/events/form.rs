//! A form-encoded body read as PHP's `parse_str` reads it, which is how the
//! portal's `http_build_query` means it to be read (docs/events.md, "How a
//! body is read"):
//!
//! - pairs split at `&`, each at its first `=` (none: the value is empty);
//!   both halves percent-decoded, `+` as a space, a `%` without two hex
//!   digits kept as it is;
//! - a name is a base and `[segment]`s; leading spaces are dropped, and in
//!   the base spaces and dots become `_`; a `[` without a `]` becomes `_`
//!   and the rest of the name is plain; text after the last `]` that does
//!   not open a segment is dropped; an empty base drops the pair;
//! - `[]` appends at the next integer key; a segment that is a canonical
//!   decimal integer (`0`, `-5`, not `05` or `+5`) is an integer key;
//! - a later pair replaces an earlier one at the same place, a text made an
//!   array when a later pair goes below it;
//! - a name nested deeper than 64 levels drops its whole top-level variable,
//!   as PHP's `max_input_nesting_level` does;
//! - an array whose keys are 0, 1, … in order is a JSON array, any other a
//!   JSON object, as `json_encode` writes them.
//!
//! Every value is text. Decoded bytes that are not UTF-8 are replaced with
//! U+FFFD, and the names they were in are reported.

use serde_json::{Map, Value};

/// PHP's default `max_input_nesting_level`.
pub(crate) const MAX_NESTING: usize = 64;

/// What a body decoded to: its top level, and the names of the pairs
/// whose name or value was not UTF-8.
pub(crate) struct Decoded {
    pub top: Value,
    pub not_utf8: Vec<String>,
}

/// A PHP array key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    /// A segment as PHP's symbol tables key it: canonical decimal integers
    /// in range are integers.
    fn of(segment: &str) -> Key {
        let digits = segment.strip_prefix('-').unwrap_or(segment);
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" && segment == "0" || !digits.starts_with('0'));
        match segment.parse::<i64>() {
            Ok(number) if canonical => Key::Int(number),
            _ => Key::Text(segment.to_owned()),
        }
    }

    fn text(&self) -> String {
        match self {
            Key::Int(number) => number.to_string(),
            Key::Text(text) => text.clone(),
        }
    }
}

/// A PHP array: keys in insertion order, and the next key `[]` appends at.
#[derive(Debug, Default)]
struct Array {
    members: Vec<(Key, Node)>,
    next: i64,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Array(Array),
}

impl Array {
    fn slot(&mut self, key: Key) -> &mut Node {
        if let Key::Int(number) = key {
            if number >= self.next {
                self.next = number.saturating_add(1);
            }
        }
        let at = match self.members.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                self.members.push((key, Node::Array(Array::default())));
                self.members.len() - 1
            }
        };
        &mut self.members[at].1
    }

    fn remove(&mut self, key: &Key) {
        self.members.retain(|(k, _)| k != key);
    }

    fn to_json(&self) -> Value {
        let is_list = self
            .members
            .iter()
            .enumerate()
            .all(|(index, (key, _))| *key == Key::Int(index as i64));
        if is_list {
            Value::Array(self.members.iter().map(|(_, n)| n.to_json()).collect())
        } else {
            let object: Map<String, Value> = self
                .members
                .iter()
                .map(|(key, node)| (key.text(), node.to_json()))
                .collect();
            Value::Object(object)
        }
    }
}

impl Node {
    fn to_json(&self) -> Value {
        match self {
            Node::Text(text) => Value::String(text.clone()),
            Node::Array(array) => array.to_json(),
        }
    }
}

/// `%XX` as its byte, `+` as a space; the text, and whether its bytes were
/// not UTF-8 (then replaced).
fn percent_decode(text: &str) -> (String, bool) {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => (text, false),
        Err(error) => (String::from_utf8_lossy(error.as_bytes()).into_owned(), true),
    }
}

/// A name's base and its segments (`None` for `[]`); None when the base is
/// empty, which drops the pair.
fn split_name(name: &str) -> Option<(String, Vec<Option<String>>)> {
    let name = name.trim_start_matches(' ');
    let mut base = String::with_capacity(name.len());
    let mut rest = "";
    for (at, c) in name.char_indices() {
        match c {
            ' ' | '.' => base.push('_'),
            '[' => {
                rest = &name[at..];
                break;
            }
            c => base.push(c),
        }
    }
    // A first `[` without a `]` after it is a plain character: `_`, and
    // the rest of the name is the base, as written.
    if !rest.is_empty() && !rest.contains(']') {
        base.push('_');
        base.push_str(&rest[1..]);
        rest = "";
    }
    if base.is_empty() {
        return None;
    }
    let mut segments = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else { break };
        let segment = &inner[..close];
        segments.push((!segment.is_empty()).then(|| segment.to_owned()));
        rest = &inner[close + 1..];
    }
    Some((base, segments))
}

/// Reads `body` as `parse_str` does. Stops short of nothing: any text reads
/// to some top level (an empty one for an empty body).
pub(crate) fn decode(body: &str) -> Decoded {
    let mut root = Array::default();
    let mut not_utf8 = Vec::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let ((name, bad_name), (value, bad_value)) = (percent_decode(name), percent_decode(value));
        let Some((base, segments)) = split_name(&name) else {
            continue;
        };
        if bad_name || bad_value {
            not_utf8.push(name.trim_start_matches(' ').to_owned());
        }
        let base = Key::of(&base);
        if segments.len() > MAX_NESTING {
            root.remove(&base);
            continue;
        }
        let mut node = root.slot(base);
        for segment in segments {
            if !matches!(node, Node::Array(_)) {
                *node = Node::Array(Array::default());
            }
            let Node::Array(array) = node else {
                unreachable!("made an array above")
            };
            let key = match segment {
                None => Key::Int(array.next),
                Some(segment) => Key::of(&segment),
            };
            node = array.slot(key);
        }
        *node = Node::Text(value);
    }
    Decoded {
        top: root.to_json(),
        not_utf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_nest_indices_make_lists_and_every_value_is_text() {
        let decoded = decode(
            "event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=5&data[IDS][0]=7&data[IDS][1]=8\
             &data[MAP][1]=a&data[MAP][0]=b&data[TAIL][]=x&data[TAIL][]=y&flag=&bare",
        );
        assert_eq!(
            decoded.top,
            json!({
                "event": "ONCRMDEALUPDATE",
                "data": {"FIELDS": {"ID": "5"}, "IDS": ["7", "8"], "MAP": {"1": "a", "0": "b"},
                         "TAIL": ["x", "y"]},
                "flag": "",
                "bare": "",
            })
        );
        assert!(decoded.not_utf8.is_empty());
    }

    #[test]
    fn names_are_read_as_php_reads_them() {
        let top = |body| decode(body).top;
        assert_eq!(top("a.b c=1"), json!({"a_b_c": "1"}));
        assert_eq!(top("a[b.c]=1"), json!({"a": {"b.c": "1"}}));
        assert_eq!(top("a.x[b=1"), json!({"a_x_b": "1"}));
        assert_eq!(top("a[b][c=1"), json!({"a": {"b": "1"}}));
        assert_eq!(top("a[b]junk=1"), json!({"a": {"b": "1"}}));
        assert_eq!(top("  lead=1&=x&[a]=2"), json!({"lead": "1"}));
        assert_eq!(top("a=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(top("a[b]=2&a=1"), json!({"a": "1"}));
        assert_eq!(top("a[05]=x&a[-0]=y"), json!({"a": {"05": "x", "-0": "y"}}));
        assert_eq!(top("a[5]=x&a[]=y"), json!({"a": {"5": "x", "6": "y"}}));
        assert_eq!(top("0=a&1=b"), json!(["a", "b"]));
        assert_eq!(
            top("a=%zz%4&b=1+2%2B3"),
            json!({"a": "%zz%4", "b": "1 2+3"})
        );
        assert_eq!(top(""), json!([]));
    }

    #[test]
    fn deep_names_drop_their_variable_and_bad_utf8_is_reported() {
        let deep = format!("keep=1&d[x]=1&d{}=2", "[a]".repeat(MAX_NESTING + 1));
        assert_eq!(decode(&deep).top, json!({"keep": "1"}));
        let decoded = decode("data[TITLE]=%D0%9D%FF&ok=%D0%9D");
        assert_eq!(
            decoded.top,
            json!({"data": {"TITLE": "Н\u{fffd}"}, "ok": "Н"})
        );
        assert_eq!(decoded.not_utf8, ["data[TITLE]"]);
    }
}
