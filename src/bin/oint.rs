//! `oint`: the OpenIntegrations command line, for the Bitrix24 method this
//! library implements.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What the exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The answer has no `error`.
    Success = 0,
    /// The answer is an error (it is still printed), or it could not be written.
    Failed = 1,
    /// The command line was wrong (reported by clap).
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "oint",
    version,
    about = "Call Bitrix24 REST methods from the shell (OpenIntegrations command line)",
    long_about = "Call Bitrix24 REST methods from the shell, with the command lines of \
OpenIntegrations' oint.\n\nThe answer is printed as indented JSON: the portal's own answer, or an \
error of the same shape, {\"error\": \"OPI_...\", \"error_description\": \"...\"}.",
    after_long_help = after_help(),
)]
struct Cli {
    #[command(subcommand)]
    library: Library,
}

#[derive(Debug, Subcommand)]
enum Library {
    /// Bitrix24 methods
    #[command(name = "bitrix24", after_long_help = after_help())]
    Bitrix24 {
        #[command(subcommand)]
        method: Bitrix24Method,
    },
}

#[derive(Debug, Subcommand)]
enum Bitrix24Method {
    /// Set the status (online, dnd, away) of the current user: im.user.status.set
    #[command(
        name = "SetUserStatus",
        long_about = "Set the status of the user the webhook or token belongs to \
(REST method im.user.status.set).",
        after_long_help = format!("{SET_USER_STATUS_EXAMPLES}\n{}", after_help()),
    )]
    SetUserStatus(SetUserStatusArgs),
}

#[derive(Debug, clap::Args)]
struct SetUserStatusArgs {
    /// URL of webhook or a Bitrix24 domain, when token used
    ///
    /// A webhook looks like https://<portal>/rest/<user id>/<secret>/. With
    /// --token give the portal's address, e.g. b24-ar17wx.bitrix24.by. No scheme
    /// means https; an explicit http:// is kept, for self-hosted portals.
    #[arg(long, value_name = "URL")]
    url: String,

    /// Status value: online, dnd, away (break on newer portals)
    ///
    /// Case and surrounding spaces do not matter. Anything else is refused
    /// before a request is sent.
    #[arg(long, value_name = "STATUS")]
    status: String,

    /// Access token, when app auth method used
    ///
    /// Without it (or with an empty one) --url is taken as a webhook.
    #[arg(
        long,
        value_name = "TOKEN",
        default_value = "",
        hide_default_value = true
    )]
    token: String,

    /// Write the answer to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

const SET_USER_STATUS_EXAMPLES: &str = "Examples:
  oint bitrix24 SetUserStatus --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --status dnd
  oint bitrix24 SetUserStatus --url b24-ar17wx.bitrix24.by --status away --token adf89366006e9f06...
";

fn after_help() -> String {
    let mut text = String::from(
        "Exit codes: 0 the answer has no error; 1 the answer is an error (still printed) \
or could not be written; 2 the command line is wrong.\n\nEnvironment:\n",
    );
    for (name, meaning) in opi_bitrix24::ENVIRONMENT {
        text.push_str(&format!("  {name:<30} {meaning}\n"));
    }
    text.push_str(&format!(
        "  {:<30} {}\n  {:<30} {}\n",
        "SSL_CERT_FILE",
        "PEM file of trusted CAs used instead of the system's",
        "HTTPS_PROXY, NO_PROXY",
        "proxies, as usual",
    ));
    text
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            }
            .into();
        }
    };
    let Library::Bitrix24 {
        method: Bitrix24Method::SetUserStatus(args),
    } = cli.library;
    let answer = opi_bitrix24::set_user_status(&args.url, &args.status, &args.token);
    let written = write_answer(answer.json(), args.out.as_deref());
    match (written, answer.is_error()) {
        (Ok(()), false) => Exit::Success,
        (Ok(()), true) => Exit::Failed,
        (Err(error), _) => {
            eprintln!("oint: {error}");
            Exit::Failed
        }
    }
    .into()
}

/// Prints the answer indented, to `out` or standard output. If `out` cannot
/// be written, the answer goes to standard output so that it is not lost.
fn write_answer(json: &str, out: Option<&std::path::Path>) -> Result<(), String> {
    let indented = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_else(|_| json.to_owned()),
        Err(_) => json.to_owned(),
    };
    let print = |text: &str| {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}").and_then(|()| stdout.flush())
    };
    match out {
        Some(path) => std::fs::write(path, format!("{indented}\n")).map_err(|error| {
            let _ = print(&indented);
            format!(
                "cannot write {}: {error}; the answer went to standard output",
                path.display()
            )
        }),
        None => print(&indented).map_err(|error| format!("cannot write the answer: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_are_fixed() {
        assert_eq!(
            [Exit::Success as u8, Exit::Failed as u8, Exit::Usage as u8],
            [0, 1, 2]
        );
    }
}
