//! The part of `oint --help` after the options: exit codes and the
//! environment, each variable with its meaning and default taken from the
//! library's one table of settings.

pub fn after_help() -> String {
    let mut text = String::from(
        "Exit codes: 0 the answer has no error; 1 the answer is an error (still printed) \
or could not be written; 2 the command line is wrong: an option, an argument or a setting \
was refused before anything was sent (OPI_INVALID_ARGUMENT, printed too).\n\nEnvironment:\n",
    );
    let settings = opi_bitrix24::Config::settings();
    let entries = settings
        .iter()
        .map(|s| {
            (
                s.variable,
                format!("{} (default: {})", s.meaning, s.default),
            )
        })
        .chain([
            (
                "SSL_CERT_FILE",
                "PEM file of trusted CAs used instead of the system's".to_owned(),
            ),
            ("HTTPS_PROXY, NO_PROXY", "proxies, as usual".to_owned()),
        ]);
    for (variable, meaning) in entries {
        text.push_str(&format!("  {variable}\n"));
        text.push_str(&indented_lines(&meaning, HELP_INDENT, HELP_WIDTH));
    }
    text
}

/// Where the environment's explanations start, and how wide they go, so
/// that each reads as an indented paragraph under its variable.
const HELP_INDENT: usize = 6;
const HELP_WIDTH: usize = 80;

/// `text` in lines of at most `width` columns, each `indent` spaces in.
fn indented_lines(text: &str, indent: usize, width: usize) -> String {
    let mut lines = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > width {
            lines.push_str(&format!("{:indent$}{line}\n", ""));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push_str(&format!("{:indent$}{line}\n", ""));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_wrap_as_indented_paragraphs() {
        assert_eq!(
            indented_lines("one two three four", 2, 11),
            "  one two\n  three\n  four\n"
        );
        assert_eq!(indented_lines("", 2, 11), "");
        let help = after_help();
        let environment = help.split("Environment:").nth(1).unwrap();
        assert!(
            environment
                .lines()
                .all(|line| line.chars().count() <= HELP_WIDTH),
            "{help}"
        );
        assert!(
            help.contains("  OPI_BITRIX24_TIMEOUT\n      seconds for a whole call"),
            "{help}"
        );
    }
}
