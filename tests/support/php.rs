//! How the portal, a PHP program, reads a batch command's query string:
//! PHP's `parse_str`, and its arrays as `json_encode` writes them.
//!
//! - Pairs split at `&`, each at its first `=`; both halves are
//!   percent-decoded, `+` as a space.
//! - A name is a base and `[segment]`s. In the base, spaces and dots become
//!   `_`; a first `[` without a `]` after it becomes `_` and the rest of the
//!   name is kept as written; an empty base drops the pair. Text after the
//!   last `]` that does not start a segment is dropped.
//! - `[]` appends at the next integer index. Segments that are canonical
//!   decimal integers are integer keys.
//! - An array whose keys are 0, 1, … in order is a JSON array; any other is
//!   an object (and so `[]` for an empty one, as PHP sends it).

use serde_json::Value;

/// A PHP array: keys in insertion order.
#[derive(Debug, Clone, Default)]
pub struct PhpArray(pub(crate) Vec<(Key, Node)>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Array(PhpArray),
    /// A value a PHP program made itself (an answer), as it encodes.
    Json(Value),
}

impl Key {
    /// A segment or a decoded JSON key as PHP keys an array with it.
    pub(crate) fn of(segment: &str) -> Key {
        let canonical = segment == "0"
            || (!segment.starts_with('0')
                && !segment.starts_with("-0")
                && segment != "-"
                && segment
                    .strip_prefix('-')
                    .unwrap_or(segment)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && !segment.is_empty());
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

impl PhpArray {
    fn next_index(&self) -> i64 {
        self.0
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Int(number) => Some(number + 1),
                Key::Text(_) => None,
            })
            .max()
            .unwrap_or(0)
            .max(0)
    }

    fn slot(&mut self, key: Key) -> &mut Node {
        let index = match self.0.iter().position(|(k, _)| *k == key) {
            Some(index) => index,
            None => {
                self.0.push((key, Node::Array(PhpArray::default())));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    /// `json_encode` of the array.
    pub fn to_json(&self) -> Value {
        let is_list = self
            .0
            .iter()
            .enumerate()
            .all(|(index, (key, _))| *key == Key::Int(index as i64));
        if is_list && !self.0.is_empty() {
            Value::Array(self.0.iter().map(|(_, node)| node.to_json()).collect())
        } else if self.0.is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Object(
                self.0
                    .iter()
                    .map(|(key, node)| (key.text(), node.to_json()))
                    .collect(),
            )
        }
    }
}

impl Node {
    fn to_json(&self) -> Value {
        match self {
            Node::Text(text) => Value::String(text.clone()),
            Node::Array(array) => array.to_json(),
            Node::Json(value) => value.clone(),
        }
    }
}

/// `%XX` decoded, `+` as a space; a `%` not followed by two hex digits kept.
fn percent_decode(text: &str) -> String {
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
    String::from_utf8_lossy(&out).into_owned()
}

/// `parse_str($query, $result)`.
pub fn parse_str(query: &str) -> PhpArray {
    let mut root = PhpArray::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name), percent_decode(value));
        let Some((base, segments)) = split_name(name.trim_start_matches(' ')) else {
            continue;
        };
        let mut node = root.slot(Key::of(&base));
        for segment in segments {
            if !matches!(node, Node::Array(_)) {
                *node = Node::Array(PhpArray::default());
            }
            let Node::Array(array) = node else {
                unreachable!("made an array above")
            };
            let key = match segment {
                None => Key::Int(array.next_index()),
                Some(segment) => Key::of(&segment),
            };
            node = array.slot(key);
        }
        *node = Node::Text(value);
    }
    root
}

/// The base and the segments of a name (`None` for `[]`); None for an
/// empty base.
fn split_name(name: &str) -> Option<(String, Vec<Option<String>>)> {
    let open = name.find('[');
    let has_close = open.is_some_and(|at| name[at..].contains(']'));
    let (base, mut rest) = match open {
        Some(at) => (&name[..at], &name[at..]),
        None => (name, ""),
    };
    let mut base: String = base
        .chars()
        .map(|c| if c == ' ' || c == '.' { '_' } else { c })
        .collect();
    // PHP stops replacing at the first `[`: without a `]` after it, that
    // `[` is `_` and what follows stays as written.
    if !has_close && !rest.is_empty() {
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
