//! JSON text as OpenIntegrations' users write it: what its readers accept
//! beyond JSON (single-quoted strings, property names without quotes,
//! comments, trailing commas, octal and hexadecimal integers, …) converted
//! to JSON text, and what they refuse refused with where. The rules, and
//! why each construct is taken or refused, are in docs/json-text.md.
//!
//! Only text that did not read as JSON comes here (`json::read_given`):
//! JSON costs nothing more. The conversion keeps what JSON already allows
//! byte for byte — numbers' digits included, never through a float — so
//! that the text it makes is read by the same strict readers as any other.

use std::fmt::Write as _;

/// Text converted to JSON, and where its pieces came from in the text given.
#[derive(Debug)]
pub(crate) struct Converted {
    pub(crate) text: String,
    /// For each piece written: where it starts in `text`, where it started
    /// in the text given, and how long it was there (in bytes).
    anchors: Vec<(usize, usize, usize)>,
}

impl Converted {
    /// The offset in the text given of the byte at `at` in the converted
    /// text: within the piece that holds it, clamped to the piece's length
    /// there (an unquoted name gained two quotes).
    pub(crate) fn original(&self, at: usize) -> usize {
        let index = self.anchors.partition_point(|&(out, _, _)| out <= at);
        match index.checked_sub(1).map(|i| self.anchors[i]) {
            Some((out, given, len)) => given + (at - out).min(len.saturating_sub(1)),
            None => 0,
        }
    }
}

/// Why text is not read, and the byte offset in it where that was seen.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) why: String,
    pub(crate) at: usize,
}

/// The line and column (both from 1; the column in characters) of the
/// byte offset `at` in `text`. A line ends at `\n`, `\r\n` or a lone `\r`.
pub(crate) fn position(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, at.min(text.len()))];
    let mut line = 1;
    let mut start = 0;
    let bytes = before.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
        if ends_line {
            line += 1;
            start = index + 1;
        }
    }
    (line, before[start..].chars().count() + 1)
}

/// The largest char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// What the reader expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value: the text's, a member's after `:`, or an array's first item
    /// (`first`) or one after a comma.
    Value { first: bool },
    /// An object's property name, or its end.
    Name,
    /// After a value: a comma or the end of the object or array.
    Next,
    /// After the whole value: nothing but white space and comments.
    Done,
}

/// An object or array being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Object,
    Array,
}

/// `text`, in OpenIntegrations' dialect, as JSON text; or why not, and where.
pub(crate) fn convert(text: &str) -> Result<Converted, Refusal> {
    Reader {
        text,
        at: 0,
        out: Converted {
            text: String::with_capacity(text.len() + 16),
            anchors: Vec::new(),
        },
        open: Vec::new(),
        comma: None,
    }
    .read()
}

struct Reader<'t> {
    text: &'t str,
    /// The byte offset of the next character.
    at: usize,
    out: Converted,
    open: Vec<Open>,
    /// Where the last comma was written, until a value follows it: a
    /// closing bracket right after it turns it into a space.
    comma: Option<usize>,
}

impl Reader<'_> {
    fn read(mut self) -> Result<Converted, Refusal> {
        let mut expect = Expect::Value { first: true };
        loop {
            let Some(c) = self.peek() else {
                return match expect {
                    Expect::Done => Ok(self.out),
                    _ if self.open.is_empty() => Err(self.refuse("there is no value")),
                    _ => Err(self.refuse("the text ends before the value does")),
                };
            };
            if is_space(c) {
                self.space(c);
                continue;
            }
            if c == '/' {
                self.comment()?;
                continue;
            }
            expect = match expect {
                Expect::Value { first } => self.value(c, first)?,
                Expect::Name => self.name(c)?,
                Expect::Next => self.next(c)?,
                Expect::Done => return Err(self.refuse("there is more text after the value")),
            };
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn peek_at(&self, bytes: usize) -> Option<char> {
        self.text.get(self.at + bytes..)?.chars().next()
    }

    /// Notes that the piece written next, in the text given from `from`
    /// for `len` bytes, starts here.
    fn anchor(&mut self, from: usize, len: usize) {
        self.out.anchors.push((self.out.text.len(), from, len));
    }

    /// Copies `len` bytes of the text given as they are.
    fn copy(&mut self, len: usize) {
        self.anchor(self.at, len);
        self.out.text.push_str(&self.text[self.at..self.at + len]);
        self.at += len;
    }

    fn refuse(&self, why: impl Into<String>) -> Refusal {
        Refusal {
            why: why.into(),
            at: self.at,
        }
    }

    /// White space: JSON's as it is, any other (a no-break space, a NUL)
    /// as one space.
    fn space(&mut self, c: char) {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            self.copy(1);
        } else {
            self.anchor(self.at, c.len_utf8());
            self.out.text.push(' ');
            self.at += c.len_utf8();
        }
    }

    /// A `//` comment to the end of its line or a `/* */` one, dropped (its
    /// line breaks kept); anywhere white space may be, but between a
    /// property name and its colon.
    fn comment(&mut self) -> Result<(), Refusal> {
        let rest = &self.text[self.at..];
        if let Some(line) = rest.strip_prefix("//") {
            let len = line.find(['\n', '\r']).unwrap_or(line.len());
            self.at += 2 + len;
            return Ok(());
        }
        let Some(block) = rest.strip_prefix("/*") else {
            return Err(self.refuse("'/' starts no comment (// or /* */)"));
        };
        let Some(len) = block.find("*/") else {
            return Err(self.refuse("the comment that starts here has no end (*/)"));
        };
        for line_break in block[..len].matches(['\n', '\r']) {
            self.out.text.push_str(line_break);
        }
        self.at += 2 + len + 2;
        Ok(())
    }

    /// A value starting with `c`; `first` when it would be an array's first
    /// item.
    fn value(&mut self, c: char, first: bool) -> Result<Expect, Refusal> {
        match c {
            '{' => {
                self.open_with(Open::Object);
                return Ok(Expect::Name);
            }
            '[' => {
                self.open_with(Open::Array);
                return Ok(Expect::Value { first: true });
            }
            ']' if self.open.last() == Some(&Open::Array) => {
                // `[]`, or `[1,]`: the comma is dropped.
                self.close();
                return Ok(self.after_value());
            }
            '"' | '\'' => self.string(c)?,
            ',' => {
                return Err(self.refuse(match (self.open.last(), first) {
                    (Some(Open::Array), true) => "an array's first item is missing",
                    (Some(Open::Array), false) => "an item is missing between two commas",
                    _ => "a value is missing before the comma",
                }));
            }
            '-' if self.peek_at(1) == Some('I') => {
                return Err(self.refuse("-Infinity is not a number JSON can carry"));
            }
            '-' | '.' | '0'..='9' => self.number()?,
            c if c.is_alphabetic() => self.word()?,
            c => return Err(self.refuse(format!("{} cannot start a value", shown(c)))),
        }
        Ok(self.after_value())
    }

    /// What follows a value: the rest of its object or array, or nothing.
    fn after_value(&mut self) -> Expect {
        self.comma = None;
        match self.open.is_empty() {
            true => Expect::Done,
            false => Expect::Next,
        }
    }

    fn open_with(&mut self, open: Open) {
        self.comma = None;
        self.open.push(open);
        self.copy(1);
    }

    /// Closes the innermost object or array with the bracket at hand; a
    /// comma right before it becomes a space.
    fn close(&mut self) {
        if let Some(comma) = self.comma.take() {
            self.out.text.replace_range(comma..comma + 1, " ");
        }
        self.open.pop();
        self.copy(1);
    }

    /// After a value inside an object or array: a comma, or its end.
    fn next(&mut self, c: char) -> Result<Expect, Refusal> {
        let open = *self.open.last().expect("inside an object or array");
        match (c, open) {
            (',', _) => {
                self.comma = Some(self.out.text.len());
                self.copy(1);
                Ok(match open {
                    Open::Object => Expect::Name,
                    Open::Array => Expect::Value { first: false },
                })
            }
            ('}', Open::Object) | (']', Open::Array) => {
                self.close();
                Ok(self.after_value())
            }
            (_, Open::Object) => Err(self.refuse(format!(
                "',' or '}}' is expected after a member, not {}",
                shown(c)
            ))),
            (_, Open::Array) => Err(self.refuse(format!(
                "',' or ']' is expected after an item, not {}",
                shown(c)
            ))),
        }
    }

    /// A property name (quoted, or letters, digits, `_` and `$`) and its
    /// colon; or the end of the object (after a comma too).
    fn name(&mut self, c: char) -> Result<Expect, Refusal> {
        match c {
            '}' => {
                self.close();
                return Ok(self.after_value());
            }
            '"' | '\'' => self.string(c)?,
            c if is_name_char(c) => {
                let len = self.text[self.at..]
                    .find(|c| !is_name_char(c))
                    .unwrap_or(self.text.len() - self.at);
                self.anchor(self.at, len);
                self.out.text.push('"');
                self.out.text.push_str(&self.text[self.at..self.at + len]);
                self.out.text.push('"');
                self.at += len;
                match self.peek() {
                    Some(c) if is_space(c) || c == ':' => {}
                    Some(c) => {
                        return Err(self.refuse(format!(
                            "{} cannot be in a property name without quotes",
                            shown(c)
                        )));
                    }
                    None => {}
                }
            }
            ',' => return Err(self.refuse("a property name is missing before the comma")),
            c => {
                return Err(self.refuse(format!("a property name is expected, not {}", shown(c))));
            }
        }
        // White space only: no comment between a name and its colon.
        while let Some(c) = self.peek().filter(|&c| is_space(c)) {
            self.space(c);
        }
        match self.peek() {
            Some(':') => {
                self.copy(1);
                self.comma = None;
                Ok(Expect::Value { first: false })
            }
            Some(c) => Err(self.refuse(format!(
                "':' is expected after a property name, not {}",
                shown(c)
            ))),
            None => Err(self.refuse("the text ends before the value does")),
        }
    }

    /// A string in double or single quotes, written in double quotes with
    /// JSON's escapes.
    fn string(&mut self, quote: char) -> Result<(), Refusal> {
        let start = self.at;
        let out_start = self.out.text.len();
        self.out.text.push('"');
        self.at += 1;
        loop {
            let Some(c) = self.peek() else {
                self.at = start;
                return Err(self.refuse("the string that starts here has no end"));
            };
            self.at += c.len_utf8();
            match c {
                c if c == quote => break,
                '\\' => self.escape()?,
                '"' => self.out.text.push_str("\\\""),
                '\n' => self.out.text.push_str("\\n"),
                '\r' => self.out.text.push_str("\\r"),
                '\t' => self.out.text.push_str("\\t"),
                c if c < ' ' => {
                    let _ = write!(self.out.text, "\\u{:04x}", c as u32);
                }
                c => self.out.text.push(c),
            }
        }
        self.out.text.push('"');
        self.out.anchors.push((out_start, start, self.at - start));
        Ok(())
    }

    /// The escape after a backslash: JSON's as written, `\'` as `'`, and a
    /// `\u` that is half of a character with no other half as U+FFFD.
    fn escape(&mut self) -> Result<(), Refusal> {
        let Some(c) = self.peek() else {
            return Err(self.refuse("the string has no end"));
        };
        match c {
            'b' | 't' | 'n' | 'f' | 'r' | '\\' | '/' | '"' => {
                self.out.text.push('\\');
                self.out.text.push(c);
                self.at += 1;
            }
            '\'' => {
                self.out.text.push('\'');
                self.at += 1;
            }
            'u' => self.unicode()?,
            c => {
                self.at -= 1;
                return Err(self.refuse(format!("\\{c} is not an escape")));
            }
        }
        Ok(())
    }

    /// `\uXXXX` (the `u` next): as written when it is a whole character or
    /// a surrogate pair; a lone surrogate as `\ufffd`.
    fn unicode(&mut self) -> Result<(), Refusal> {
        let mut unit = self.hex4()?;
        loop {
            if (0xDC00..0xE000).contains(&unit) {
                self.out.text.push_str("\\ufffd");
                return Ok(());
            }
            if !(0xD800..0xDC00).contains(&unit) {
                let _ = write!(self.out.text, "\\u{}", &self.text[self.at - 4..self.at]);
                return Ok(());
            }
            let high = &self.text[self.at - 4..self.at];
            if !self.text[self.at..].starts_with("\\u") {
                self.out.text.push_str("\\ufffd");
                return Ok(());
            }
            self.at += 1;
            let next = self.hex4()?;
            if (0xDC00..0xE000).contains(&next) {
                let low = &self.text[self.at - 4..self.at];
                let _ = write!(self.out.text, "\\u{high}\\u{low}");
                return Ok(());
            }
            // Another high surrogate, or a whole character: this one has
            // no other half.
            self.out.text.push_str("\\ufffd");
            unit = next;
        }
    }

    /// Four hexadecimal digits after `\u` (at its `u`), read.
    fn hex4(&mut self) -> Result<u32, Refusal> {
        self.at += 1;
        let digits = self.text.get(self.at..self.at + 4).unwrap_or_default();
        match digits.bytes().all(|b| b.is_ascii_hexdigit()) && digits.len() == 4 {
            true => {
                self.at += 4;
                Ok(u32::from_str_radix(digits, 16).expect("hex digits"))
            }
            false => {
                self.at -= 2;
                Err(self.refuse("\\u needs four hexadecimal digits"))
            }
        }
    }

    /// A number, as its reader reads it: JSON's as written; a leading `.`,
    /// a trailing `.`, zeros after a `-`, an octal (`010`) or hexadecimal
    /// (`0x1F`) integer written as JSON.
    fn number(&mut self) -> Result<(), Refusal> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_hexdigit() || matches!(c, '-' | '+' | 'x' | 'X' | '.')))
            .unwrap_or(rest.len());
        let token = &rest[..len];
        if let Some(c) = rest[len..].chars().next() {
            if !(is_space(c) || matches!(c, ',' | '}' | ']' | '/')) {
                self.at += len;
                return Err(self.refuse(format!("{} cannot follow a number", shown(c))));
            }
        }
        let json = match number_json(token) {
            Ok(json) => json,
            Err(why) => return Err(self.refuse(why)),
        };
        self.anchor(self.at, len);
        self.out.text.push_str(&json);
        self.at += len;
        Ok(())
    }

    /// `true`, `false` or `null`; the reader's other words (`NaN`,
    /// `Infinity`, `undefined`, `new`) are refused: JSON has nothing for them.
    fn word(&mut self) -> Result<(), Refusal> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let why = match word {
            "true" | "false" | "null" => {
                let after = rest[len..].chars().next();
                let ends = match after {
                    None => true,
                    Some('/') => rest[len..].starts_with("//") || rest[len..].starts_with("/*"),
                    Some(c) => is_space(c) || matches!(c, ',' | '}' | ']'),
                };
                if ends {
                    self.copy(len);
                    return Ok(());
                }
                self.at += len;
                return Err(self.refuse(format!(
                    "{} cannot follow {word}",
                    shown(after.expect("a character"))
                )));
            }
            "NaN" | "Infinity" => format!("{word} is not a number JSON can carry"),
            "undefined" => "undefined is not a JSON value".to_owned(),
            "new" => "a constructor (new …) is not a JSON value".to_owned(),
            _ => format!("'{}' is not a value", cut(word)),
        };
        Err(self.refuse(why))
    }
}

/// At most 20 characters of a word, for an error.
fn cut(word: &str) -> String {
    let mut shown: String = word.chars().take(20).collect();
    if shown.len() < word.len() {
        shown.push('…');
    }
    shown
}

/// A character, for an error: quoted, or its code point when it would not
/// show.
fn shown(c: char) -> String {
    match c.is_control() || c.is_whitespace() {
        true => format!("U+{:04X}", c as u32),
        false => format!("'{c}'"),
    }
}

/// White space as the reader skips it: Unicode's, and NUL.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\0'
}

/// A character of a property name without quotes: a letter or digit
/// (of the Basic Multilingual Plane, as the reader reads UTF-16 units),
/// `_` or `$`.
fn is_name_char(c: char) -> bool {
    (c.is_alphanumeric() && c <= '\u{FFFF}') || c == '_' || c == '$'
}

/// The JSON of a number token (ASCII letters, digits, signs, dots), or why
/// it is not one.
fn number_json(token: &str) -> Result<String, String> {
    let not_a_number = || format!("'{}' is not a number", cut(token));
    let bytes = token.as_bytes();
    // A 0 followed by anything but a dot or an exponent: octal, or
    // hexadecimal after 0x.
    if bytes.len() > 1 && bytes[0] == b'0' && !matches!(bytes[1], b'.' | b'e' | b'E') {
        let (digits, radix) = match token.get(..2) {
            Some("0x" | "0X") => (&token[2..], 16),
            _ => (token, 8),
        };
        let value = match digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            true => return Err(not_a_number()),
            false => u64::from_str_radix(digits, radix).ok(),
        };
        return match value.filter(|&v| i64::try_from(v).is_ok()) {
            Some(value) => Ok(value.to_string()),
            None => Err(format!(
                "'{}' is over {}, the largest integer written this way",
                cut(token),
                i64::MAX
            )),
        };
    }
    let (sign, unsigned) = match token.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", token),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    let exponent_fits = exponent.is_none_or(|e| {
        let e = e[1..].strip_prefix(['+', '-']).unwrap_or(&e[1..]);
        !e.is_empty() && digits(e)
    });
    if !digits(whole)
        || !digits(fraction)
        || (whole.is_empty() && fraction.is_empty())
        || !exponent_fits
    {
        return Err(not_a_number());
    }
    let whole = whole.trim_start_matches('0');
    let mut json = format!("{sign}{}", if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    json.push_str(exponent.unwrap_or_default());
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn converted(text: &str) -> String {
        convert(text)
            .unwrap_or_else(|refusal| panic!("{text}: {refusal:?}"))
            .text
    }

    /// Why `text` is refused, and where: (line, column).
    fn refused(text: &str) -> (String, (usize, usize)) {
        let refusal = convert(text).expect_err(text);
        (refusal.why, position(text, refusal.at))
    }

    #[test]
    fn the_dialect_becomes_json() {
        for (given, json) in [
            // OpenIntegrations' documentation writes structures so.
            (
                "{'TITLE':'New task','RESPONSIBLE_ID':'1'}",
                r#"{"TITLE":"New task","RESPONSIBLE_ID":"1"}"#,
            ),
            ("['ID', 'TITLE']", r#"["ID", "TITLE"]"#),
            // Names without quotes: letters of any script, digits, _ and $.
            (
                "{TITLE: 'x', $a_1: 2, ключ: 3, 1: 4}",
                r#"{"TITLE": "x", "$a_1": 2, "ключ": 3, "1": 4}"#,
            ),
            ("{a\t:1}", "{\"a\"\t:1}"),
            // Quotes and escapes.
            (
                r#"{'it\'s': "say \"hi\"", 'q': '"', "s": "'"}"#,
                r#"{"it's": "say \"hi\"", "q": "\"", "s": "'"}"#,
            ),
            (
                r#"'\/\b\f\n\r\t\\\u00e9\u00C9'"#,
                r#""\/\b\f\n\r\t\\\u00e9\u00C9""#,
            ),
            ("'a\tb\nc\r\u{1}\u{7f}'", "\"a\\tb\\nc\\r\\u0001\u{7f}\""),
            // A surrogate pair stays; half of one is U+FFFD.
            (r#""\ud83d\ude00""#, r#""\ud83d\ude00""#),
            (r#""\ud83d""#, r#""\ufffd""#),
            (r#""\ude00x""#, r#""\ufffdx""#),
            (r#""\ud83dx""#, r#""\ufffdx""#),
            (r#""\ud83d\u0041""#, r#""\ufffd\u0041""#),
            (r#""\ud83d\ud83d\ude00""#, r#""\ufffd\ud83d\ude00""#),
            // Comments go; their line breaks stay.
            ("{/*c*/'a': 1 // end\n}", "{\"a\": 1 \n}"),
            ("[1, /* one\ntwo */ 2]", "[1, \n 2]"),
            ("// a comment first\n{}", "\n{}"),
            ("{'a': // the value\n 1}", "{\"a\": \n 1}"),
            ("true/**/", "true"),
            // A comma before the end is dropped.
            ("[1,2,]", "[1,2 ]"),
            ("{'a':1,}", "{\"a\":1 }"),
            ("{'a':[],\n}", "{\"a\":[] \n}"),
            // Numbers as JSON writes them; JSON's own as written.
            (
                "[.5, -.5, 5., 5.e3, -007, -00.5, 010, 00, 0x1F, 0X1f, 0777]",
                "[0.5, -0.5, 5, 5e3, -7, -0.5, 8, 0, 31, 31, 511]",
            ),
            (
                "[1e5, 1E+05, -0, -0.0, 100.10, 12345678901234567890123]",
                "[1e5, 1E+05, -0, -0.0, 100.10, 12345678901234567890123]",
            ),
            ("0x7FFFFFFFFFFFFFFF", "9223372036854775807"),
            // Other white space is a space; JSON's stays.
            ("{\u{a0}'a':\u{2003}1\u{0}}", "{ \"a\": 1 }"),
            (" 'x' ", " \"x\" "),
            ("[true,false,null]", "[true,false,null]"),
            ("[[1,],{},]", "[[1 ],{} ]"),
        ] {
            assert_eq!(converted(given), json, "{given}");
            serde_json::from_str::<serde_json::Value>(json).expect(json);
        }
    }

    #[test]
    fn what_has_no_json_meaning_is_refused_where_it_is() {
        let why = |text| refused(text);
        for (given, expected, at) in [
            ("{'a': undefined}", "undefined is not a JSON value", (1, 7)),
            (
                "{\"d\": new Date(1)}",
                "a constructor (new …) is not a JSON value",
                (1, 7),
            ),
            ("[NaN]", "NaN is not a number JSON can carry", (1, 2)),
            (
                "[Infinity]",
                "Infinity is not a number JSON can carry",
                (1, 2),
            ),
            (
                "[-Infinity]",
                "-Infinity is not a number JSON can carry",
                (1, 2),
            ),
            ("[1,,2]", "an item is missing between two commas", (1, 4)),
            ("[,1]", "an array's first item is missing", (1, 2)),
            ("{'a':,}", "a value is missing before the comma", (1, 6)),
            ("{,}", "a property name is missing before the comma", (1, 2)),
            (
                "{'a':1,,}",
                "a property name is missing before the comma",
                (1, 8),
            ),
            (
                "{'a' /*c*/ : 1}",
                "':' is expected after a property name, not '/'",
                (1, 6),
            ),
            (
                "{a-b: 1}",
                "'-' cannot be in a property name without quotes",
                (1, 3),
            ),
            (
                "{'a' 1}",
                "':' is expected after a property name, not '1'",
                (1, 6),
            ),
            ("{-1: 1}", "a property name is expected, not '-'", (1, 2)),
            ("'abc", "the string that starts here has no end", (1, 1)),
            ("['a\\x']", "\\x is not an escape", (1, 4)),
            ("'\\u12'", "\\u needs four hexadecimal digits", (1, 2)),
            (
                "/* x",
                "the comment that starts here has no end (*/)",
                (1, 1),
            ),
            ("[1 / 2]", "'/' starts no comment (// or /* */)", (1, 4)),
            ("{'a':1} x", "there is more text after the value", (1, 9)),
            ("{'a':1", "the text ends before the value does", (1, 7)),
            ("{'a'", "the text ends before the value does", (1, 5)),
            ("", "there is no value", (1, 1)),
            ("  // only a comment", "there is no value", (1, 20)),
            (
                "[1 2]",
                "',' or ']' is expected after an item, not '2'",
                (1, 4),
            ),
            (
                "{'a':1]",
                "',' or '}' is expected after a member, not ']'",
                (1, 7),
            ),
            (
                "['a':1]",
                "',' or ']' is expected after an item, not ':'",
                (1, 5),
            ),
            ("{'a':]}", "']' cannot start a value", (1, 6)),
            ("]", "']' cannot start a value", (1, 1)),
            ("[1)", "')' cannot follow a number", (1, 3)),
            ("[1a]", "'1a' is not a number", (1, 2)),
            ("08", "'08' is not a number", (1, 1)),
            ("0x", "'0x' is not a number", (1, 1)),
            ("1.2.3", "'1.2.3' is not a number", (1, 1)),
            ("-", "'-' is not a number", (1, 1)),
            ("1e", "'1e' is not a number", (1, 1)),
            (
                "0x8000000000000000",
                "'0x8000000000000000' is over 9223372036854775807, the largest integer written this way",
                (1, 1),
            ),
            ("true:", "':' cannot follow true", (1, 5)),
            ("[truex]", "'truex' is not a value", (1, 2)),
            ("{'a': yes}", "'yes' is not a value", (1, 7)),
            ("[#]", "'#' cannot start a value", (1, 2)),
            ("[\u{1}]", "U+0001 cannot start a value", (1, 2)),
            // Lines end at \n, \r\n or \r; columns count characters.
            ("{\n  'a': 1,\n  'b': x\n}", "'x' is not a value", (3, 8)),
            ("{\r\n'a':\r x}", "'x' is not a value", (3, 2)),
            ("{'ключ': x}", "'x' is not a value", (1, 10)),
        ] {
            assert_eq!(why(given), (expected.to_owned(), at), "{given}");
        }
    }

    #[test]
    fn offsets_in_the_converted_text_lead_back_to_the_text_given() {
        let given = "{a: 'x',\n b: 1}";
        let converted = convert(given).unwrap();
        assert_eq!(converted.text, "{\"a\": \"x\",\n \"b\": 1}");
        // The b of "b", and its closing quote, are the b given.
        for at in [12, 13] {
            assert_eq!(&given[converted.original(at)..][..1], "b");
        }
        assert_eq!(converted.original(0), 0);
        assert_eq!(&given[converted.original(18)..], "}");
    }

    /// Any JSON value: what serde_json writes is JSON with every kind of
    /// number, string and nesting.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// `value` in the dialect: single quotes, names without quotes where
    /// they can be, a comma after the last member, comments.
    fn in_the_dialect(value: &serde_json::Value) -> String {
        use serde_json::Value;
        let quoted = |text: &str| {
            let json = serde_json::to_string(text).unwrap();
            let inner = &json[1..json.len() - 1];
            format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
        };
        match value {
            Value::String(text) => quoted(text),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(in_the_dialect).collect();
                format!("[ /* items */ {}, ]", items.join(",\n")).replace("[ /* items */ , ]", "[]")
            }
            Value::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(name, value)| {
                        let bare = !name.is_empty() && name.chars().all(is_name_char);
                        let name = if bare { name.clone() } else { quoted(name) };
                        format!("{name}: {} // a member\n", in_the_dialect(value))
                    })
                    .collect();
                match members.is_empty() {
                    true => "{}".to_owned(),
                    false => format!("{{{},}}", members.join(",")),
                }
            }
            other => other.to_string(),
        }
    }

    proptest! {
        #[test]
        fn json_converts_to_itself_byte_for_byte(value in json_value()) {
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap()] {
                prop_assert_eq!(converted(&text), text);
            }
        }

        #[test]
        fn the_dialect_converts_to_the_same_value(value in json_value()) {
            let given = in_the_dialect(&value);
            let json = converted(&given);
            let read: serde_json::Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{given}\n{json}\n{e}"));
            // Read back as JSON's own text is: serde_json's float reading
            // may differ in the last bit from the value it wrote.
            let strict: serde_json::Value = serde_json::from_str(&value.to_string()).unwrap();
            prop_assert_eq!(read, strict);
        }

        #[test]
        fn any_text_is_converted_or_refused_at_a_place_in_it(text in "[\\PC\\s{}\\[\\]'\":,/*0-9a-z-]{0,40}") {
            match convert(&text) {
                Ok(converted) => {
                    serde_json::from_str::<serde::de::IgnoredAny>(&converted.text)
                        .map_err(|e| TestCaseError::fail(format!("{text:?} → {:?}: {e}", converted.text)))?;
                }
                Err(refusal) => prop_assert!(refusal.at <= text.len() && text.is_char_boundary(refusal.at)),
            }
        }
    }
}
