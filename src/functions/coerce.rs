//! What each kind of parameter makes of a value (docs/functions-table.md):
//! OpenIntegrations' `AddField` types and its file and Y/N helpers, with
//! its rule that an empty value is left out. A value that needs no
//! conversion is copied as the caller's JSON text.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::body::Node;
use super::paths::{self, Place};
use super::{Kind, Param};
use crate::config::FileAccess;
use crate::echo;
use crate::json::{self, Json, Pairs, Refused, string_literal};
use crate::request::{A_REQUEST, MAX_PARAMS_BYTES, too_large};

/// The value to send for `param`, None when it is left out; the error says
/// what is wrong with the value (the caller names the parameter). A text
/// is read as a file's path only where `files` allows.
pub(super) fn coerce<'a>(
    param: &Param,
    raw: &'a str,
    files: &FileAccess,
) -> Result<Option<Node<'a>>, String> {
    if param.kind == Kind::String {
        // Most values: text sent as the caller wrote it, escapes and all,
        // and IDs given as numbers sent as their digits.
        match raw.as_bytes()[0] {
            b'"' => return Ok(Some(Node::Json(Cow::Borrowed(raw))).filter(|_| raw != "\"\"")),
            b'1'..=b'9' => return Ok(Some(Node::Digits(raw))),
            _ => {}
        }
    }
    let read = Json::read_value(raw).map_err(|e| format!("is not JSON: {e}"))?;
    if param.kind == Kind::Yn {
        let yn = if truth(&read)? { "\"Y\"" } else { "\"N\"" };
        return Ok(Some(Node::Json(Cow::Borrowed(yn))));
    }
    if !param.always && is_empty(&read) {
        return Ok(None);
    }
    let json: Cow<'a, str> = match param.kind {
        Kind::Url | Kind::Token | Kind::Yn => unreachable!("not a field, or handled above"),
        Kind::String => match text_node(raw, &read) {
            Node::Json(json) => json,
            // Digits are never empty.
            digits => return Ok(Some(digits)),
        },
        Kind::Collection => collection(raw, &read, files)?,
        Kind::Array => array(raw, &read, files)?,
        Kind::Boolean => Cow::Borrowed(if truth(&read)? { "true" } else { "false" }),
        Kind::Date | Kind::DateZ | Kind::Day => {
            let date = date(&read)?;
            // 1C's empty date (given from JSON too): left out, as
            // OpenIntegrations leaves out an empty date.
            if is_empty_date(&date) {
                return Ok(None);
            }
            Cow::Owned(string_literal(&match param.kind {
                Kind::DateZ => format!("{date}Z"),
                Kind::Day => date[..10].to_owned(),
                _ => date,
            }))
        }
        Kind::Files => Cow::Owned(file_list(raw, &read, files)?),
        Kind::File => Cow::Owned(string_literal(&STANDARD.encode(content(
            &read,
            INLINE_FILES,
            files,
        )?))),
    };
    // Marked `!`, the value is judged once made text (0 as text is "0");
    // GetLine leaves a boolean as it is, and false is still empty.
    if param.always && matches!(json.as_ref(), "\"\"" | "false") {
        return Ok(None);
    }
    Ok(Some(Node::Json(json)))
}

/// Whether a date as [`date`] writes it is 1C's empty date.
pub(super) fn is_empty_date(date: &str) -> bool {
    date == "0001-01-01T00:00:00"
}

/// 1C's "empty": `""`, `0`, `False`, nothing, an empty collection.
pub(super) fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::Number(n) => n.parse::<f64>().is_ok_and(|n| n == 0.0),
        Json::Text(s) => s.is_empty(),
        Json::List(items) => items.is_empty(),
        Json::Object(members) => members.is_empty(),
    }
}

/// A value as text, as `GetLine` makes it: a string as it is, a number as
/// its digits; a boolean stays one; a collection becomes its JSON text.
fn text_node<'a>(raw: &'a str, read: &Json<'a>) -> Node<'a> {
    match read {
        Json::Text(_) | Json::Bool(_) => Node::Json(Cow::Borrowed(raw)),
        Json::Number(digits) => Node::Digits(digits),
        Json::Null => Node::Json(Cow::Borrowed("\"\"")),
        Json::List(_) | Json::Object(_) => Node::Json(Cow::Owned(string_literal(raw))),
    }
}

/// A value's text: a string as it is, anything else as its JSON.
pub(super) fn text(raw: &str) -> String {
    match Json::read_value(raw) {
        Ok(Json::Text(text)) => text,
        Ok(Json::Null) => String::new(),
        _ => raw.to_owned(),
    }
}

/// A boolean from `true`/`false`, their text (in English or Russian), or
/// a number (non-zero is true); other text is refused, as 1C's Boolean()
/// refuses it.
pub(super) fn truth(value: &Json) -> Result<bool, String> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::Null => Ok(false),
        Json::Number(n) => Ok(n.parse::<f64>().is_ok_and(|n| n != 0.0)),
        Json::Text(s) => match s.trim().to_lowercase().as_str() {
            "true" | "1" | "истина" | "да" => Ok(true),
            "false" | "0" | "ложь" | "нет" => Ok(false),
            _ => Err(format!("is not a boolean: {}", echo::value(s, 40))),
        },
        _ => Err("must be true or false".to_owned()),
    }
}

/// The value's own boolean, from its JSON text.
pub(super) fn truth_of(raw: &str) -> Result<bool, String> {
    truth(&Json::read_value(raw).map_err(|e| format!("is not JSON: {e}"))?)
}

/// An object or array as given; JSON text, or the path of a file holding
/// it, read (where `files` allows); any other value as `[value]`.
pub(super) fn collection<'a>(
    raw: &'a str,
    read: &Json,
    files: &FileAccess,
) -> Result<Cow<'a, str>, String> {
    let Json::Text(text) = read else {
        return Ok(match read {
            Json::Object(_) | Json::List(_) => {
                strict(raw)?;
                Cow::Borrowed(raw)
            }
            _ => Cow::Owned(format!("[{}]", raw)),
        });
    };
    match collection_text(text, files)? {
        Some(json) => Ok(Cow::Owned(json)),
        None => Ok(Cow::Owned(format!("[{}]", raw))),
    }
}

/// The object or array that text stands for, as OpenIntegrations'
/// GetCollection reads it: JSON text, or the path of an existing file (of
/// any name) holding JSON; None for other text, which is sent as `[text]`.
/// An address is refused where GetCollection would download it, and so is
/// a name ending in `.json` that names no file, surely meant as one.
/// Where `files` allows no file, text is taken as text: a `.json` name is
/// refused whether or not it names a file, and so is a path out of the
/// directory files are read from.
fn collection_text(text: &str, files: &FileAccess) -> Result<Option<String>, String> {
    let trimmed = text.trim();
    if trimmed.starts_with(['{', '[']) {
        return checked_json(trimmed).map(Some);
    }
    if is_address(trimmed) {
        return Err("is an address; structures are taken as JSON or from a file's path".to_owned());
    }
    // Only for an error: most text given for a structure names no file.
    let named = || echo::value(trimmed, 80);
    let json_name = || trimmed.to_lowercase().ends_with(".json");
    let read = match paths::place(files, trimmed) {
        Place::Path(path) => read_file(&path, trimmed, JSON_FILE)?,
        Place::NotRead if json_name() => {
            return Err(format!("ends in .json, and {NOT_READ}: {}", named()));
        }
        Place::NotRead => return Ok(None),
        Place::Outside => return Err(format!("is a path, and {OUTSIDE}: {}", named())),
    };
    let Some(bytes) = read else {
        return match json_name() {
            true => Err(format!("names no file: {}", named())),
            false => Ok(None),
        };
    };
    let named = named();
    let read = String::from_utf8(bytes)
        .map_err(|_| format!("names a file that is not UTF-8 text ({named})"))?;
    // A byte order mark, as Windows tools and 1C's TextWriter write it.
    let read = read.trim_start_matches('\u{feff}').trim();
    match read.starts_with(['{', '[']) {
        true => checked_json(read)
            .map(Some)
            .map_err(|e| format!("names a file that {e} ({named})")),
        false => Err(format!(
            "names a file that holds no JSON object or array ({named})"
        )),
    }
}

/// Why a text is not read as a path under `OPI_BITRIX24_FILES` of none:
/// the same words whether or not a file by that name exists.
const NOT_READ: &str = "no file is read (OPI_BITRIX24_FILES is none)";
/// Why a path out of the directory `OPI_BITRIX24_FILES` names is not read:
/// the same words whether or not a file is there.
const OUTSIDE: &str = "no file is read from outside the directory OPI_BITRIX24_FILES names";

/// The bytes of the file at `path` (the text `text` names it by), None if
/// there is none; more than the limit are refused before they are read,
/// and while they are, should the file grow.
fn read_file(path: &Path, text: &str, limit: FileLimit) -> Result<Option<Vec<u8>>, String> {
    let Some(metadata) = std::fs::metadata(path).ok().filter(|m| m.is_file()) else {
        return Ok(None);
    };
    let named = echo::value(text, 80);
    let over = |size: u64| {
        format!(
            "is a file of {} ({named})",
            too_large(size, limit.bytes, limit.of)
        )
    };
    if metadata.len() > limit.bytes {
        return Err(over(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    std::fs::File::open(path)
        .and_then(|file| file.take(limit.bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("names a file that cannot be read ({named}): {e}"))?;
    match bytes.len() as u64 > limit.bytes {
        true => Err(over(bytes.len() as u64)),
        false => Ok(Some(bytes)),
    }
}

/// `text` as one JSON value, converted from OpenIntegrations' dialect
/// when it is not JSON (docs/json-text.md), with no object holding a key
/// twice ([`strict`]).
fn checked_json(text: &str) -> Result<String, String> {
    let mut kept = String::new();
    json::read_given(text, &mut kept, |text| {
        json::read_whole(text, &mut |_, _| {}).map(|_| text)
    })
    .map(str::to_owned)
    .map_err(refusal)
}

/// Whether a structure's JSON `text` is one value with no object holding a
/// key twice: its keys become the portal's names, read by PHP, which keeps
/// the last of equal keys (docs/calls.md).
fn strict(text: &str) -> Result<(), String> {
    json::read_whole(text, &mut |_, _| {})
        .map(|_| ())
        .map_err(|unread| refusal(unread.worded(text)))
}

/// Why a structure's text is refused, for the caller to name the parameter.
fn refusal(refused: Refused) -> String {
    match refused {
        Refused::NotJson(why) => format!("is not JSON: {why}"),
        Refused::Twice(why) => format!("is refused: {why}"),
    }
}

/// An array as given, or read as [`collection`] reads text; one value (an
/// object too) as `[value]`.
pub(super) fn array<'a>(
    raw: &'a str,
    read: &Json,
    files: &FileAccess,
) -> Result<Cow<'a, str>, String> {
    let json = match read {
        Json::List(_) => {
            strict(raw)?;
            return Ok(Cow::Borrowed(raw));
        }
        Json::Text(text) => match collection_text(text, files)? {
            Some(json) => json,
            None => return Ok(Cow::Owned(format!("[{}]", raw))),
        },
        Json::Object(_) => {
            strict(raw)?;
            return Ok(Cow::Owned(format!("[{}]", raw)));
        }
        _ => return Ok(Cow::Owned(format!("[{}]", raw))),
    };
    Ok(match json.starts_with('[') {
        true => Cow::Owned(json),
        false => Cow::Owned(format!("[{json}]")),
    })
}

/// Whether text is an `http(s)://` address (in any case), which no
/// argument is fetched from: the caller downloads.
fn is_address(text: &str) -> bool {
    let text = text.trim_start().as_bytes();
    [&b"http://"[..], b"https://"].iter().any(|scheme| {
        text.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    })
}

/// `yyyy-MM-ddTHH:mm:ss` of an ISO date or date-time (a bare date is
/// midnight); what follows the seconds (a zone, fractions) is dropped, as
/// OpenIntegrations takes the first 19 characters. A date written month
/// first with slashes (`10/31/2025 8:25:50 PM`, as OpenIntegrations'
/// documentation writes dates) is read too ([`month_first`]).
pub(super) fn date(value: &Json) -> Result<String, String> {
    let Json::Text(text) = value else {
        return Err("must be a date, as text yyyy-MM-ddTHH:mm:ss".to_owned());
    };
    let text = text.trim();
    if let Some(full) = month_first(text) {
        return Ok(full);
    }
    let full = match text.len() {
        10 => format!("{text}T00:00:00"),
        n if n >= 19 && text.is_char_boundary(19) => text[..19].replace(' ', "T"),
        _ => String::new(),
    };
    let shape = "dddd-dd-ddTdd:dd:dd";
    let fits = full.len() == 19
        && full.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        });
    match fits {
        true => Ok(full),
        false => Err(format!(
            "is not a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss): {}",
            echo::value(text, 40)
        )),
    }
}

/// `yyyy-MM-ddTHH:mm:ss` of `M/d/yyyy`, optionally followed by `H:mm` or
/// `H:mm:ss` and then `AM` or `PM` (a 12-hour clock): the month first, as
/// .NET writes a date for the United States and OpenIntegrations'
/// documentation shows it (docs/functions-table.md). None for other text.
fn month_first(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    let date: Vec<&str> = words.next()?.split('/').collect();
    let [month, day, year] = date.as_slice() else {
        return None;
    };
    let (month, day, year) = (
        number(month, 1..=2)?,
        number(day, 1..=2)?,
        number(year, 4..=4)?,
    );
    let (mut hour, minute, second) = match words.next() {
        None => (0, 0, 0),
        Some(time) => {
            let time: Vec<&str> = time.split(':').collect();
            match time.as_slice() {
                [hour, minute] => (number(hour, 1..=2)?, number(minute, 2..=2)?, 0),
                [hour, minute, second] => (
                    number(hour, 1..=2)?,
                    number(minute, 2..=2)?,
                    number(second, 2..=2)?,
                ),
                _ => return None,
            }
        }
    };
    match words.next().map(str::to_ascii_uppercase).as_deref() {
        None if hour < 24 => {}
        Some("AM") if (1..=12).contains(&hour) => hour %= 12,
        Some("PM") if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        _ => return None,
    }
    let fits = (1..=12).contains(&month) && (1..=31).contains(&day) && minute < 60 && second < 60;
    (fits && words.next().is_none())
        .then(|| format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"))
}

/// A number of `digits` ASCII digits.
fn number(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    match digits.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        true => text.parse().ok(),
        false => None,
    }
}

/// File name → content as `[[name, base64], …]`; a string is read as a
/// collection first (JSON text or a file holding it). Together the files may
/// hold what one may.
fn file_list(raw: &str, read: &Json, files: &FileAccess) -> Result<String, String> {
    let not_files = || "must be an object of file name → path or content".to_owned();
    let object = match read {
        Json::Object(_) => Cow::Borrowed(raw),
        Json::Text(_) => collection(raw, read, files)?,
        _ => return Err(not_files()),
    };
    if !object.trim_start().starts_with('{') {
        return Err(not_files());
    }
    let members: Pairs = serde_json::from_str(&object).map_err(|_| not_files())?;
    let mut list = Vec::with_capacity(members.0.len());
    let mut room = INLINE_FILES.bytes;
    for (name, content_of) in members.0 {
        let named = || echo::value(&name, 40);
        let read = Json::read(content_of).map_err(|e| format!("{}: {e}", named()))?;
        let left = FileLimit {
            bytes: room,
            of: "left for the files of this request",
        };
        let bytes = content(&read, left, files).map_err(|e| format!("{}: {e}", named()))?;
        room -= bytes.len() as u64;
        list.push(Value::Array(vec![
            Value::String(name.into_owned()),
            Value::String(STANDARD.encode(bytes)),
        ]));
    }
    Ok(Value::Array(list).to_string())
}

/// A file's bytes: the file at a path (where `files` allows), base64 text
/// (line breaks allowed, as 1C writes it), or `{"base64": …}` (the
/// OneScript and 1C modules' binary data). A file over the limit is refused
/// before it is read or decoded. Text that may not be read as a path must
/// be base64: the refusal is the same whether or not a file is there.
pub(super) fn content(
    value: &Json,
    limit: FileLimit,
    files: &FileAccess,
) -> Result<Vec<u8>, String> {
    // Decoded, or why not: too large (Err(Some)) or not base64 (Err(None)).
    let decoded = |encoded: &str| -> Result<Vec<u8>, Option<String>> {
        let compact: String = encoded
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let size = compact.len() as u64 / 4 * 3;
        match size > limit.bytes {
            true => Err(Some(format!(
                "is {}",
                too_large(size, limit.bytes, limit.of)
            ))),
            false => STANDARD.decode(compact).map_err(|_| None),
        }
    };
    match value {
        Json::Object(members) => match members.as_slice() {
            [(key, encoded)] if key == "base64" => match Json::read(encoded) {
                Ok(Json::Text(encoded)) => decoded(&encoded)
                    .map_err(|e| e.unwrap_or_else(|| "holds text that is not base64".to_owned())),
                _ => Err("must hold base64 text".to_owned()),
            },
            _ => Err("must be a path, base64 text or {\"base64\": …}".to_owned()),
        },
        Json::Text(text) => {
            let named = echo::value(text, 80);
            let barred = match paths::place(files, text) {
                Place::Path(path) => match read_file(&path, text, limit)? {
                    Some(bytes) => return Ok(bytes),
                    None => None,
                },
                Place::NotRead => Some(NOT_READ),
                Place::Outside => Some(OUTSIDE),
            };
            if is_address(text) {
                return Err("is an address; files are taken from a path or as bytes".to_owned());
            }
            if let Some(why) = barred {
                // Not read as a path: base64, or refused alike whether a
                // file by that name exists or not.
                return match text.is_empty() {
                    true => Err(format!("is not base64, and {why}: {named}")),
                    false => decoded(text).map_err(|e| {
                        e.unwrap_or_else(|| format!("is not base64, and {why}: {named}"))
                    }),
                };
            }
            // Base64 has no dots, backslashes or colons; a path that names
            // nothing usually has one of them.
            match text.contains(['.', '\\', ':']) || text.is_empty() {
                true => Err(format!("names no file: {named}")),
                false => decoded(text).map_err(|e| {
                    e.unwrap_or_else(|| format!("is neither an existing file nor base64: {named}"))
                }),
            }
        }
        _ => Err("must be a file's path or its bytes".to_owned()),
    }
}

/// A bound on a file's bytes, and what it is the bound of, for the error.
#[derive(Clone, Copy)]
pub(super) struct FileLimit {
    pub(super) bytes: u64,
    pub(super) of: &'static str,
}

/// The most a file holding a structure may hold: what a request may carry.
const JSON_FILE: FileLimit = FileLimit {
    bytes: MAX_PARAMS_BYTES as u64,
    of: A_REQUEST,
};

/// The most the files put into one JSON body may hold: their base64 and the
/// rest of the body fit the 16 MiB a request may carry.
pub(super) const INLINE_FILES: FileLimit = FileLimit {
    bytes: (12 << 20) - (64 << 10),
    of: "the files of one request may hold",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn date_of(text: &str) -> Result<String, String> {
        date(&Json::Text(text.to_owned()))
    }

    #[test]
    fn dates_are_read_in_iso_form_and_month_first_as_the_documentation_writes_them() {
        for (given, read) in [
            ("2025-10-31", "2025-10-31T00:00:00"),
            ("2025-10-31T20:25:56.6716941", "2025-10-31T20:25:56"),
            ("2025-10-31 20:25:56", "2025-10-31T20:25:56"),
            ("10/31/2025 8:25:50 PM", "2025-10-31T20:25:50"),
            ("11/1/2025 8:25:50 AM", "2025-11-01T08:25:50"),
            ("1/7/2026 12:00:00 AM", "2026-01-07T00:00:00"),
            ("1/7/2026 12:30 pm", "2026-01-07T12:30:00"),
            ("05/13/2026 12:10:27", "2026-05-13T12:10:27"),
            (" 5/3/2026 ", "2026-05-03T00:00:00"),
        ] {
            assert_eq!(date_of(given).as_deref(), Ok(read), "{given}");
        }
        for not_a_date in [
            "31/10/2025",
            "10/31/25",
            "10/31/2025 13:00 PM",
            "10/31/2025 0:00 AM",
            "10/31/2025 24:00",
            "10/31/2025 8:5",
            "10/31/2025 8:25:50 PM x",
            "1/2/3/2025",
            "31.10.2025",
            "yesterday",
        ] {
            assert!(date_of(not_a_date).is_err(), "{not_a_date}");
        }
    }
}
