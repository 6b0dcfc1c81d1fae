//! The checks every argument that travels in an address or a header passes:
//! trimmed, not over a length, and no space or control character inside
//! (the URL parser would silently drop tabs and line breaks, and a secret
//! with a line break could split a request). One place, so that address,
//! token and OAuth arguments refuse the same things with the same words.

use crate::error::Error;

/// `value` trimmed; refused when over `max_bytes` or when it holds a space or
/// a control character. `name` says which argument; the value itself is never
/// echoed, as it may be a secret.
pub(crate) fn single_word<'a>(
    name: &str,
    value: &'a str,
    max_bytes: usize,
) -> Result<&'a str, Error> {
    let value = value.trim();
    if value.len() > max_bytes {
        return Err(Error::invalid_argument(format!(
            "{name} is {} bytes long; at most {max_bytes} are accepted",
            value.len()
        )));
    }
    if let Some(position) = value.find(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "{name} contains a space or control character at byte {position}"
        )));
    }
    Ok(value)
}

/// As [`single_word`], and refused when empty.
pub(crate) fn required_word<'a>(
    name: &str,
    value: &'a str,
    max_bytes: usize,
) -> Result<&'a str, Error> {
    let value = single_word(name, value, max_bytes)?;
    if value.is_empty() {
        return Err(Error::invalid_argument(format!("{name} is empty")));
    }
    Ok(value)
}

/// The first `max_chars` characters of a refused value, with `…` when cut:
/// enough to recognise it, never a whole pasted document.
pub(crate) fn shown(value: &str, max_chars: usize) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    match chars.next() {
        Some(_) => format!("{head}…"),
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_trimmed_and_checked_without_echo() {
        assert_eq!(single_word("Token", " abc ", 10).unwrap(), "abc");
        assert_eq!(single_word("Token", "", 10).unwrap(), "");
        for (value, why) in [
            (
                "s3cr3t value",
                "Token contains a space or control character at byte 6",
            ),
            ("s3cr3t\r\nx", "at byte 6"),
            ("s3cr3t\u{7}", "at byte 6"),
            ("s3cr3tlonger", "Token is 12 bytes long; at most 10"),
        ] {
            let max = if value.contains("longer") { 10 } else { 100 };
            let error = single_word("Token", value, max).unwrap_err();
            assert!(error.description().contains(why), "{value:?}: {error}");
            assert!(!error.description().contains("s3cr3t"), "{error}");
        }
        assert_eq!(
            required_word("Code", "  ", 10).unwrap_err().description(),
            "Code is empty"
        );
    }

    #[test]
    fn shown_values_are_cut_on_character_boundaries() {
        assert_eq!(shown("abc", 5), "abc");
        assert_eq!(shown("абвгд", 2), "аб…");
    }
}
