//! `oint`: the OpenIntegrations command line, for the Bitrix24 functions
//! this library implements: one subcommand per function, one line each.

mod events;
mod exit;
mod functions;
mod help;
mod indent;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::Exit;
use help::after_help;

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
    /// Bitrix24 methods, and every function of OpenIntegrations' OPI_Bitrix24
    #[command(
        name = "bitrix24",
        after_long_help = format!("{}\n{}", functions::list(), after_help()),
    )]
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

    /// Call any REST method, e.g. crm.deal.add, with JSON parameters
    #[command(
        name = "CallMethod",
        long_about = "Call any Bitrix24 REST method by webhook or application token, with its \
parameters as a JSON object.\n\nA failure after which the portal may have run a method that is \
not safe to repeat (a write such as crm.deal.add) is not retried; the error says so. Reads \
(*.get, *.list, server.time, ...) are retried.",
        after_long_help = format!("{CALL_METHOD_EXAMPLES}\n{}", after_help()),
    )]
    CallMethod(CallMethodArgs),

    /// Run many commands, 50 to a request, through the REST method batch
    #[command(
        name = "Batch",
        long_about = "Run many commands through the REST method batch: 50 to a request, in \
order, paced as any call; the answers are merged into one document whose result, \
result_error, result_total, result_next and result_time are keyed by command.\n\nA later \
command may use an earlier one's answer as \"$result[key][ID]\" within the same 50. A \
request the portal may have run is not sent again: after such a failure the answer is an \
error whose \"batch\" lists the commands that ran, may have run, were skipped under --halt, and were not sent.",
        after_long_help = format!("{BATCH_EXAMPLES}\n{}", after_help()),
    )]
    Batch(BatchArgs),

    /// Get every item of a list method (crm.deal.list, tasks.task.list, ...)
    #[command(
        name = "GetList",
        long_about = "Get every item of a list method as one document, {\"result\": [...], \
\"total\": n}: the first page as asked, then 50 pages to a batch request (2,500 items), by \
offset, or with --by-id by ID. The result is checked against the portal's total and by ID; a \
list that changed during the export gets \"warnings\".\n\nThe document is written as pages \
arrive, to --out FILE or to standard output (compact, for jq and the like), so memory stays \
flat however long the list; with --out the summary goes to standard output. When standard \
error is a terminal, a progress bar is drawn there.",
        after_long_help = format!("{GET_LIST_EXAMPLES}\n{}", after_help()),
    )]
    GetList(GetListArgs),

    /// Get the status of the current user: im.user.status.get
    #[command(
        name = "GetUserStatus",
        long_about = "Get the status of the user the webhook or token belongs to \
(REST method im.user.status.get): \"result\" is the status, or false when none is set.",
        after_long_help = after_help(),
    )]
    GetUserStatus(GetUserStatusArgs),

    /// Exchange an application's authorisation code for tokens
    #[command(
        name = "GetToken",
        long_about = "Exchange the code of an application's authorisation for an access token \
and a refresh token, at the OAuth server (OPI_BITRIX24_OAUTH_URL, default \
https://oauth.bitrix.info). Store the refresh_token of the answer.",
        after_long_help = after_help(),
    )]
    GetToken(GetTokenArgs),

    /// Exchange a refresh token for new tokens (the old one is spent)
    #[command(
        name = "RefreshToken",
        long_about = "Exchange a refresh token for a new access token and a new refresh token, at \
the OAuth server. The given refresh token is spent: store the refresh_token of the answer; a \
spent one gets invalid_grant.",
        after_long_help = after_help(),
    )]
    RefreshToken(RefreshTokenArgs),

    /// Consume the offline event queue at least once, a command per event
    #[command(
        name = "WatchOfflineEvents",
        long_about = events::WATCH_ABOUT,
        after_long_help = format!("{}\n{}", events::WATCH_EXAMPLES, after_help()),
    )]
    WatchOfflineEvents(events::WatchArgs),

    /// Any other of OpenIntegrations' functions: oint bitrix24 <Function> --option value ...
    #[command(external_subcommand)]
    Function(Vec<OsString>),
}

#[derive(Debug, clap::Args)]
struct SetUserStatusArgs {
    #[command(flatten)]
    portal: Portal,

    /// Status value: online, dnd, away (break on newer portals)
    ///
    /// Case and surrounding spaces do not matter. Anything else is refused
    /// before a request is sent.
    #[arg(long, value_name = "STATUS")]
    status: String,

    #[command(flatten)]
    token: Token,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct CallMethodArgs {
    #[command(flatten)]
    portal: Portal,

    #[command(flatten)]
    call: MethodCall,

    #[command(flatten)]
    token: Token,

    #[command(flatten)]
    out: Out,
}

/// The REST method and its parameters, of CallMethod and GetList.
#[derive(Debug, clap::Args)]
struct MethodCall {
    /// REST method, e.g. crm.deal.add (GetList: a list method, crm.deal.list)
    ///
    /// Letters, digits, '_' and '.'; anything else is refused before a
    /// request is sent.
    #[arg(long, value_name = "METHOD")]
    method: String,

    /// The method's parameters: a JSON object, or @FILE to read it from FILE
    ///
    /// For example {"fields": {"TITLE": "New deal"}}, or for GetList a
    /// filter, select and order. Left out: no parameters.
    #[arg(
        long,
        value_name = "JSON|@FILE",
        default_value = "",
        hide_default_value = true
    )]
    params: String,
}

#[derive(Debug, clap::Args)]
struct BatchArgs {
    #[command(flatten)]
    portal: Portal,

    /// The commands: a JSON object or array, or @FILE to read it from FILE
    ///
    /// Key → {"method": "crm.deal.get", "params": {"ID": 1}}; an array is
    /// keyed 0, 1, ... Bad commands are refused, naming the command, before
    /// anything is sent.
    #[arg(long, value_name = "JSON|@FILE")]
    commands: String,

    /// Stop at the first failed command; no later request is sent
    #[arg(long)]
    halt: bool,

    #[command(flatten)]
    token: Token,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct GetListArgs {
    #[command(flatten)]
    portal: Portal,

    #[command(flatten)]
    call: MethodCall,

    /// Page by ID (ordered by ID, ">ID", start=-1): fast on large tables
    ///
    /// For methods whose ID filter and order work as usual; the portal's
    /// total is then not counted.
    #[arg(long = "by-id")]
    by_id: bool,

    #[command(flatten)]
    token: Token,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct GetUserStatusArgs {
    #[command(flatten)]
    portal: Portal,

    #[command(flatten)]
    token: Token,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct GetTokenArgs {
    #[command(flatten)]
    client: OAuthClient,

    /// The code the authorisation redirect brought (valid once, for 30 seconds)
    #[arg(long, value_name = "CODE")]
    code: String,

    #[command(flatten)]
    file: TokenFile,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct RefreshTokenArgs {
    #[command(flatten)]
    client: OAuthClient,

    /// The refresh token to exchange; it is spent by the exchange
    #[arg(long, value_name = "REFRESH")]
    refresh: String,

    #[command(flatten)]
    file: TokenFile,

    #[command(flatten)]
    out: Out,
}

#[derive(Debug, clap::Args)]
struct Portal {
    /// URL of webhook or a Bitrix24 domain, when token used
    ///
    /// A webhook looks like https://<portal>/rest/<user id>/<secret>/. With
    /// --token give the portal's address, e.g. b24-ar17wx.bitrix24.by. No scheme
    /// means https; an explicit http:// is kept, for self-hosted portals.
    #[arg(long, value_name = "URL")]
    url: String,
}

#[derive(Debug, clap::Args)]
struct Token {
    /// Access token, when app auth method used
    ///
    /// Without it (or with an empty one) --url is taken as a webhook.
    /// file:PATH names a token file (GetToken --file), renewed when it
    /// expires.
    #[arg(
        long,
        value_name = "TOKEN",
        default_value = "",
        hide_default_value = true
    )]
    token: String,
}

#[derive(Debug, clap::Args)]
struct TokenFile {
    /// Also write the pair to this token file, for --token file:PATH
    ///
    /// The file gets the answer's fields and the client's id and secret,
    /// owner-only; the answer printed has no refresh_token then.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "",
        hide_default_value = true
    )]
    file: String,
}

#[derive(Debug, clap::Args)]
struct OAuthClient {
    /// The application's client_id (its code in the portal's application settings)
    #[arg(long = "clientid", value_name = "ID")]
    client_id: String,

    /// The application's client_secret; never shown in any output
    #[arg(long = "clientsecret", value_name = "SECRET")]
    client_secret: String,
}

#[derive(Debug, clap::Args)]
struct Out {
    /// Write the answer to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

const SET_USER_STATUS_EXAMPLES: &str = "Examples:
  oint bitrix24 SetUserStatus --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --status dnd
  oint bitrix24 SetUserStatus --url b24-ar17wx.bitrix24.by --status away --token adf89366006e9f06...
";

const CALL_METHOD_EXAMPLES: &str = r#"Examples:
  oint bitrix24 CallMethod --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --method server.time
  oint bitrix24 CallMethod --url b24-ar17wx.bitrix24.by --token adf89366006e9f06... --method crm.deal.add --params '{"fields": {"TITLE": "New deal"}}'
  oint bitrix24 CallMethod --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --method crm.deal.list --params @filter.json
"#;

const BATCH_EXAMPLES: &str = r#"Examples:
  oint bitrix24 Batch --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --commands '{"me": {"method": "user.current"}, "deals": {"method": "crm.deal.list", "params": {"filter": {"ASSIGNED_BY_ID": "$result[me][ID]"}}}}'
  oint bitrix24 Batch --url b24-ar17wx.bitrix24.by --token adf89366006e9f06... --commands @commands.json --halt
"#;

const GET_LIST_EXAMPLES: &str = r#"Examples:
  oint bitrix24 GetList --url https://b24-ar17wx.bitrix24.by/rest/1/4swokunb3tk7h7dt/ --method crm.deal.list --params '{"select": ["ID", "TITLE"]}' --out deals.json
  oint bitrix24 GetList --url b24-ar17wx.bitrix24.by --token adf89366006e9f06... --method crm.contact.list --by-id > contacts.json
"#;

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
    let Library::Bitrix24 { method } = cli.library;
    let (answer, out) = match method {
        Bitrix24Method::GetList(a) => return get_list(&a).into(),
        Bitrix24Method::Function(args) => return run_function(&args).into(),
        Bitrix24Method::WatchOfflineEvents(a) => return events::watch(&a).into(),
        Bitrix24Method::SetUserStatus(a) => (
            opi_bitrix24::set_user_status(&a.portal.url, &a.status, &a.token.token),
            a.out,
        ),
        Bitrix24Method::CallMethod(a) => (
            match json_text("--params", &a.call.params) {
                Ok(params) => opi_bitrix24::call_method(
                    &a.portal.url,
                    &a.call.method,
                    &params,
                    &a.token.token,
                ),
                Err(error) => error.into(),
            },
            a.out,
        ),
        Bitrix24Method::Batch(a) => (
            match json_text("--commands", &a.commands) {
                Ok(commands) => {
                    opi_bitrix24::batch(&a.portal.url, &commands, a.halt, &a.token.token)
                }
                Err(error) => error.into(),
            },
            a.out,
        ),
        Bitrix24Method::GetUserStatus(a) => (
            opi_bitrix24::get_user_status(&a.portal.url, &a.token.token),
            a.out,
        ),
        Bitrix24Method::GetToken(a) => (
            opi_bitrix24::get_token_to_file(
                &a.client.client_id,
                &a.client.client_secret,
                &a.code,
                &a.file.file,
            ),
            a.out,
        ),
        Bitrix24Method::RefreshToken(a) => (
            opi_bitrix24::refresh_token_to_file(
                &a.client.client_id,
                &a.client.client_secret,
                &a.refresh,
                &a.file.file,
            ),
            a.out,
        ),
    };
    let written = write_answer(answer.json(), out.out.as_deref());
    match written {
        Ok(()) => Exit::of(&answer),
        Err(error) => {
            eprintln!("oint: {error}");
            Exit::Failed
        }
    }
    .into()
}

/// One of OpenIntegrations' functions: its answer printed (an offline
/// function's value alone).
fn run_function(args: &[OsString]) -> Exit {
    let (answer, out, value_only) = match functions::run(args) {
        functions::Outcome::Help(text) => {
            println!("{text}");
            return Exit::Success;
        }
        functions::Outcome::Answer {
            answer,
            out,
            value_only,
        } => (answer, out, value_only),
    };
    let printed = match (value_only, answer.is_error()) {
        (true, false) => functions::printed_value(answer.json()),
        _ => indent::indented(answer.json()),
    };
    let written = write_text(&printed, out.as_deref());
    match written {
        Ok(()) => Exit::of(&answer),
        Err(error) => {
            eprintln!("oint: {error}");
            Exit::Failed
        }
    }
}

/// GetList: the document streamed to --out FILE (the summary then to
/// standard output) or to standard output, with a progress bar on a
/// terminal's standard error.
fn get_list(a: &GetListArgs) -> Exit {
    let refused = |error: opi_bitrix24::Error| {
        let answer = opi_bitrix24::Answer::from(error);
        let _ = write_answer(answer.json(), None);
        Exit::of(&answer)
    };
    let params = match json_text("--params", &a.call.params) {
        Ok(params) => params,
        Err(error) => return refused(error),
    };
    let client = match opi_bitrix24::Client::shared() {
        Ok(client) => client,
        Err(error) => return refused(error),
    };
    let mode = opi_bitrix24::ListMode::by_id(a.by_id);
    let bar = std::io::stderr().is_terminal().then(progress_bar);
    let mut progress = |p: &opi_bitrix24::ListProgress| {
        if let Some(bar) = &bar {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.items);
            bar.set_message(format!("{} requests", p.requests));
        }
    };
    let (url, method, token) = (&a.portal.url, &a.call.method, &a.token.token);
    let summary = match &a.out.out {
        Some(path) => {
            let summary =
                client.get_list_to_file(url, method, &params, token, mode, path, &mut progress);
            let _ = write_answer(summary.json(), None);
            summary
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let summary = client.get_list_to(
                url,
                method,
                &params,
                token,
                mode,
                &mut stdout,
                &mut progress,
            );
            let _ = writeln!(stdout);
            summary
        }
    };
    if let Some(bar) = bar {
        bar.finish();
    }
    Exit::of(&summary)
}

/// Items of total, requests and rate, redrawn at most 10 times a second.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} items, {msg}, {per_sec}",
        )
        .expect("a valid template"),
    );
    bar
}

/// The text of a JSON `option`: as given, or the content of FILE for `@FILE`.
fn json_text(option: &str, given: &str) -> Result<String, opi_bitrix24::Error> {
    let Some(path) = given.strip_prefix('@') else {
        return Ok(given.to_owned());
    };
    let bytes = std::fs::read(path).map_err(|error| {
        opi_bitrix24::Error::invalid_argument(format!("cannot read {option} from {path}: {error}"))
    })?;
    String::from_utf8(bytes).map_err(|error| {
        opi_bitrix24::Error::invalid_argument(format!(
            "{option} file {path} is not UTF-8 text (bad byte at {})",
            error.utf8_error().valid_up_to()
        ))
    })
}

/// Prints the answer indented, to `out` or standard output. If `out` cannot
/// be written, the answer goes to standard output so that it is not lost.
fn write_answer(json: &str, out: Option<&std::path::Path>) -> Result<(), String> {
    write_text(&indent::indented(json), out)
}

/// Prints `indented`, to `out` or standard output, as [`write_answer`] does.
fn write_text(indented: &str, out: Option<&std::path::Path>) -> Result<(), String> {
    let print = |text: &str| {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}").and_then(|()| stdout.flush())
    };
    match out {
        Some(path) => std::fs::write(path, format!("{indented}\n")).map_err(|error| {
            let _ = print(indented);
            format!(
                "cannot write {}: {error}; the answer went to standard output",
                path.display()
            )
        }),
        None => print(indented).map_err(|error| format!("cannot write the answer: {error}")),
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
}
