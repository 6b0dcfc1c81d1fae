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

/// Copies a string's rest, escapes included, through its closing quote.
fn copy_string(chars: &mut impl Iterator<Item = char>, out: &mut String) {
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => out.extend(chars.next()),
            '"' => return,
            _ => {}
        }
    }
}

fn skip_space(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) {
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
    fn numbers_are_kept_as_written() {
        let text = "{ \"big\" : 123456789012345678901234,\n\"money\":100.10,\"id\":18446744073709551616,\"z\":-0.0,\"e\":1E+400}";
        assert_eq!(
            indented(text),
            "{\n  \"big\": 123456789012345678901234,\n  \"money\": 100.10,\n  \"id\": 18446744073709551616,\n  \"z\": -0.0,\n  \"e\": 1E+400\n}"
        );
    }
}
