//! What an error may show of a caller's value (docs/calls.md): the one rule
//! every error that names a value keeps, on every front. A value in the
//! wrong place may be a webhook's secret or an OAuth token — a BSL caller
//! who leaves out an optional argument shifts the ones after it, so the
//! token lands in a file parameter —, so a value that holds what they look
//! like, a run of 16 or more letters and digits, is told by its length
//! alone. This module imports nothing of the crate, so that every other
//! one can use it (json.rs too, which text.rs's imports lead back to).

/// The shortest run of letters and digits that is withheld: a webhook's
/// secret has 16 (`4swokunb3tk7h7dt`), an OAuth token more.
const CREDENTIAL_RUN: usize = 16;

/// `value` as an error shows it: in single quotes, cut after `max_chars`
/// characters with `…`; or, when it could be a credential, as
/// `<a value of N characters>`.
pub(crate) fn value(value: &str, max_chars: usize) -> String {
    match could_be_credential(value) {
        true => format!("<a value of {} characters>", value.chars().count()),
        false => format!("'{}'", cut(value, max_chars)),
    }
}

/// Whether `value` holds a run of [`CREDENTIAL_RUN`] or more ASCII letters
/// and digits, as webhook secrets and OAuth tokens do.
fn could_be_credential(value: &str) -> bool {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|run| run.len() >= CREDENTIAL_RUN)
}

/// The first `max_chars` characters of `text`, with `…` when cut: enough to
/// recognise it, never a whole pasted document.
pub(crate) fn cut(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
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
    fn values_that_could_be_credentials_are_told_by_their_length() {
        for (given, shown) in [
            ("dnd", "'dnd'"),
            ("", "''"),
            (
                "C:\\Reports\\picture 2024.png",
                "'C:\\Reports\\picture 2024.png'",
            ),
            ("GetTasksList", "'GetTasksList'"),
            ("fifteen15chars0", "'fifteen15chars0'"),
            ("ПолучитьСписокЗадачЕщё", "'ПолучитьСписокЗадачЕщё'"),
            ("4swokunb3tk7h7dt", "<a value of 16 characters>"),
            (
                "adf89366006e9f06006b12e40000000100000000000000000000000000000000",
                "<a value of 64 characters>",
            ),
            (
                "https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/",
                "<a value of 55 characters>",
            ),
            ("GetTasksFilterStructures", "<a value of 24 characters>"),
        ] {
            assert_eq!(value(given, 80), shown, "{given}");
        }
        assert_eq!(value("abcdef", 3), "'abc…'");
    }

    #[test]
    fn text_is_cut_on_character_boundaries() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("абвгд", 2), "аб…");
    }
}
