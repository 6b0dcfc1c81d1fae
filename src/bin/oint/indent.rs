//! The answer as `oint` prints it: the portal's JSON text indented, every
//! token kept as written. Parsing into values and printing them back would
//! rewrite numbers (`100.10` as `100.1`, a 24-digit ID in a float's
//! exponent form); indenting the text itself cannot.

const STEP: &str = "  ";

/// `json` indented two spaces a level, as serde_json's pretty printer lays
/// it out, with every string, number and literal copied as written. Text
/// that is not JSON comes back indented as far as it reads.
pub fn indented(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut chars = json.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                copy_string(&mut chars, &mut out);
            }
            '{' | '[' => {
                out.push(c);
                skip_space(&mut chars);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    new_line(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                new_line(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Copies a string's rest through its closing quote. A `\uXXXX` escape of
/// a printable character is shown as the character (portals escape all of
/// Cyrillic so), and `\/` as `/`; every other escape is kept as written.
fn copy_string(chars: &mut Chars<impl Iterator<Item = char>>, out: &mut String) {
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                return;
            }
            '\\' => copy_escape(chars, out),
            c => out.push(c),
        }
    }
}

type Chars<I> = std::iter::Peekable<I>;

/// An escape, its backslash already read.
fn copy_escape(chars: &mut Chars<impl Iterator<Item = char>>, out: &mut String) {
    match chars.next() {
        Some('u') => copy_unicode_escape(chars, out),
        Some('/') => out.push('/'),
        Some(escaped) => {
            out.push('\\');
            out.push(escaped);
        }
        None => out.push('\\'),
    }
}

/// The rest of a `\u` escape (a surrogate pair takes two): the character,
/// when it is printable and needs no escape in JSON; else as written.
fn copy_unicode_escape(chars: &mut Chars<impl Iterator<Item = char>>, out: &mut String) {
    let (first, first_text) = hex4(chars);
    let written = format!("\\u{first_text}");
    let code = match first {
        Some(high @ 0xD800..=0xDBFF) => {
            if chars.next_if_eq(&'\\').is_none() {
                out.push_str(&written);
                return;
            }
            if chars.next_if_eq(&'u').is_none() {
                // An unpaired half, then another escape.
                out.push_str(&written);
                copy_escape(chars, out);
                return;
            }
            let (low, low_text) = hex4(chars);
            match low {
                Some(low @ 0xDC00..=0xDFFF) => 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00),
                _ => {
                    out.push_str(&written);
                    out.push_str("\\u");
                    out.push_str(&low_text);
                    return;
                }
            }
        }
        Some(code) => code,
        None => {
            out.push_str(&written);
            return;
        }
    };
    match char::from_u32(code) {
        Some(c) if !c.is_control() && c != '"' && c != '\\' => out.push(c),
        _ => out.push_str(&written),
    }
}

/// Up to four hex digits: their value when there are four, and their text.
fn hex4(chars: &mut Chars<impl Iterator<Item = char>>) -> (Option<u32>, String) {
    let mut text = String::new();
    while text.len() < 4 {
        match chars.next_if(char::is_ascii_hexdigit) {
            Some(digit) => text.push(digit),
            None => break,
        }
    }
    let value = (text.len() == 4)
        .then(|| u32::from_str_radix(&text, 16).ok())
        .flatten();
    (value, text)
}

fn skip_space(chars: &mut Chars<impl Iterator<Item = char>>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str(STEP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_serde_jsons_pretty_one() {
        let text = r#"{"result":{"a":[1,{"b":null}],"e":[],"o":{ },"s":"x, y: {z} \"q\" \\"},"time":{"start":1.5}}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            indented(text),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }

    #[test]
    fn escaped_text_reads_as_text_and_other_escapes_stay() {
        let text = r#"{"t":"\u0421\u0434\u0435\u043b\u043a\u0430 \ud83d\ude00 a\/b \"q\" \\ \n \u0001 \u0022 \ud83d x \u12"}"#;
        assert_eq!(
            indented(text),
            "{\n  \"t\": \"Сделка 😀 a/b \\\"q\\\" \\\\ \\n \\u0001 \\u0022 \\ud83d x \\u12\"\n}"
        );
    }

    #[test]
    fn an_unpaired_half_before_another_escape_keeps_the_string_whole() {
        assert_eq!(
            indented(r#"{"a":"\ud83d\"x","b":1}"#),
            "{\n  \"a\": \"\\ud83d\\\"x\",\n  \"b\": 1\n}"
        );
    }

    #[test]
    fn numbers_are_kept_as_written() {
        let text = "{ \"big\" : 123456789012345678901234,\n\"money\":100.10,\"id\":18446744073709551616,\"z\":-0.0,\"e\":1E+400}";
        assert_eq!(
            indented(text),
            "{\n  \"big\": 123456789012345678901234,\n  \"money\": 100.10,\n  \"id\": 18446744073709551616,\n  \"z\": -0.0,\n  \"e\": 1E+400\n}"
        );
    }
}
