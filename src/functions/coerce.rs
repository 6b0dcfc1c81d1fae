//! What each kind of parameter makes of a value (docs/functions-table.md):
//! OpenIntegrations' `AddField` types and its file and Y/N helpers, with
//! its rule that an empty value is left out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::{Kind, Param};

/// The value to send for `param`, None when it is left out; the error says
/// what is wrong with the value (the caller names the parameter).
pub(super) fn coerce(param: &Param, value: &Value) -> Result<Option<Value>, String> {
    if param.kind == Kind::Yn {
        return Ok(Some(Value::from(if truth(value)? { "Y" } else { "N" })));
    }
    if !param.always && is_empty(value) {
        return Ok(None);
    }
    let coerced = match param.kind {
        Kind::Url | Kind::Token | Kind::Yn => unreachable!("not a field, or handled above"),
        Kind::String => Value::String(text(value)),
        Kind::Collection => collection(value)?,
        Kind::Array => array(value)?,
        Kind::Boolean => Value::Bool(truth(value)?),
        Kind::Date => Value::String(date(value)?.to_owned()),
        Kind::DateZ => Value::String(format!("{}Z", date(value)?)),
        Kind::Day => Value::String(date(value)?[..10].to_owned()),
        Kind::Files => files(value)?,
        Kind::File => Value::String(STANDARD.encode(content(value)?)),
    };
    // Marked `!`, the value is judged once converted (0 as text is "0");
    // otherwise as given, so the text "false" is sent as false.
    Ok(Some(coerced).filter(|coerced| !(param.always && is_empty(coerced))))
}

/// 1C's "empty": `""`, `0`, `False`, nothing, an empty collection.
pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// A value as text: a number as written, a boolean as `true`/`false`, a
/// collection as its JSON.
pub(super) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A boolean from `true`/`false`, their text, or a number (non-zero is true).
pub(super) fn truth(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::Number(n) => Ok(n.as_f64() != Some(0.0)),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "true" | "y" | "yes" | "1" | "истина" | "да" => Ok(true),
            "false" | "n" | "no" | "0" | "" | "ложь" | "нет" => Ok(false),
            _ => Err(format!("is not a boolean: '{}'", crate::text::shown(s, 40))),
        },
        _ => Err("must be true or false".to_owned()),
    }
}

/// An object or array as given; JSON text, or a `.json` file's path, read;
/// any other value as `[value]`.
pub(super) fn collection(value: &Value) -> Result<Value, String> {
    let Value::String(text) = value else {
        return Ok(match value {
            Value::Object(_) | Value::Array(_) => value.clone(),
            single => Value::Array(vec![single.clone()]),
        });
    };
    let trimmed = text.trim();
    if trimmed.starts_with(['{', '[']) {
        return serde_json::from_str(trimmed).map_err(|e| format!("is not JSON: {e}"));
    }
    if trimmed.to_lowercase().ends_with(".json") {
        let read = std::fs::read_to_string(trimmed)
            .map_err(|e| format!("names a JSON file that cannot be read ({trimmed}): {e}"))?;
        return serde_json::from_str(&read)
            .map_err(|e| format!("names a file that is not JSON ({trimmed}): {e}"));
    }
    Ok(Value::Array(vec![value.clone()]))
}

/// An array as given or read from JSON text; one value (an object's JSON
/// text too) as `[value]`.
pub(super) fn array(value: &Value) -> Result<Value, String> {
    let read = match value {
        Value::String(text) if text.trim().starts_with(['[', '{']) => {
            serde_json::from_str(text.trim()).map_err(|e| format!("is not JSON: {e}"))?
        }
        other => other.clone(),
    };
    Ok(match read {
        Value::Array(_) => read,
        single => Value::Array(vec![single]),
    })
}

/// `yyyy-MM-ddTHH:mm:ss` of an ISO date or date-time (a bare date is
/// midnight); what follows the seconds (a zone, fractions) is dropped, as
/// OpenIntegrations takes the first 19 characters.
pub(super) fn date(value: &Value) -> Result<String, String> {
    let Value::String(text) = value else {
        return Err("must be a date, as text yyyy-MM-ddTHH:mm:ss".to_owned());
    };
    let text = text.trim();
    let full = match text.len() {
        10 => format!("{text}T00:00:00"),
        n if n >= 19 => text[..19].replace(' ', "T"),
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
            "is not a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss): '{}'",
            crate::text::shown(text, 40)
        )),
    }
}

/// File name → content as `[[name, base64], …]`; a string is read as a
/// collection first (JSON text or a `.json` file).
fn files(value: &Value) -> Result<Value, String> {
    let object = match value {
        Value::Object(object) => object.clone(),
        Value::String(_) => match collection(value)? {
            Value::Object(object) => object,
            _ => return Err("must be an object of file name → path or content".to_owned()),
        },
        _ => return Err("must be an object of file name → path or content".to_owned()),
    };
    let mut list = Vec::with_capacity(object.len());
    for (name, content_of) in &object {
        let bytes = content(content_of).map_err(|e| format!("'{name}': {e}"))?;
        list.push(Value::Array(vec![
            Value::String(name.clone()),
            Value::String(STANDARD.encode(bytes)),
        ]));
    }
    Ok(Value::Array(list))
}

/// A file's bytes: the file at a path, base64 text, or `{"base64": …}`
/// (the OneScript and 1C modules' binary data).
pub(super) fn content(value: &Value) -> Result<Vec<u8>, String> {
    match value {
        Value::Object(object) => base64_member(object),
        Value::String(text) => {
            let path = std::path::Path::new(text);
            if path.is_file() {
                return std::fs::read(path).map_err(|e| format!("cannot read {text}: {e}"));
            }
            if text.starts_with("http://") || text.starts_with("https://") {
                return Err("is an address; files are taken from a path or as bytes".to_owned());
            }
            match looks_like_path(text) {
                true => Err(format!("names no file: {text}")),
                false => STANDARD
                    .decode(text.trim())
                    .map_err(|_| format!("is neither an existing file nor base64: {text}")),
            }
        }
        _ => Err("must be a file's path or its bytes".to_owned()),
    }
}

fn base64_member(object: &Map<String, Value>) -> Result<Vec<u8>, String> {
    match object.get("base64") {
        Some(Value::String(encoded)) if object.len() == 1 => STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("holds base64 that does not decode: {e}")),
        _ => Err("must be a path, base64 text or {\"base64\": …}".to_owned()),
    }
}

/// Whether text that names no file was meant as a path rather than base64,
/// which has no dots, backslashes or leading slash.
fn looks_like_path(text: &str) -> bool {
    text.contains(['.', '\\', ':']) || text.starts_with('/') || text.is_empty()
}
