//! `oint bitrix24 <Function> --option value …`: any of OpenIntegrations'
//! functions (docs/functions.md), with its options as OpenIntegrations
//! spells them. Each value goes to the library as text; the library reads
//! JSON, paths of JSON files, file paths and `true`/`false` from it as the
//! function's table row says.

use std::ffi::OsString;
use std::path::PathBuf;

use opi_bitrix24::functions::{self, Function};
use serde_json::{Map, Value};

/// What the command ends with: the answer to print (where), or help text.
pub enum Outcome {
    Answer {
        answer: opi_bitrix24::Answer,
        out: Option<PathBuf>,
        /// A function that returns a value (a template, a link, filter
        /// fields) prints it, as OpenIntegrations' CLI does.
        value_only: bool,
    },
    Help(String),
}

/// Runs `args`: the function's name, then its options.
pub fn run(args: &[OsString]) -> Outcome {
    let name = args
        .first()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let function = functions::find(&name);
    let mut out = None;
    let options = match options(&args[1.min(args.len())..], &mut out) {
        Ok(Some(options)) => options,
        Ok(None) => {
            return match function {
                Some(function) => Outcome::Help(help(function)),
                None => Outcome::Help(list()),
            };
        }
        Err(error) => {
            // The name is shown only when it is a function's: it may be anything.
            let label = function.map_or("oint bitrix24", |f| f.name);
            let error = opi_bitrix24::Error::invalid_argument(format!("{label}: {error}"));
            return Outcome::Answer {
                answer: error.into(),
                out,
                value_only: false,
            };
        }
    };
    let mut options = options;
    if function.is_some_and(|f| f.name == "ParseEvent") {
        if let Err(error) = crate::events::read_body(&mut options) {
            let error = opi_bitrix24::Error::invalid_argument(format!("ParseEvent: {error}"));
            return Outcome::Answer {
                answer: error.into(),
                out,
                value_only: false,
            };
        }
    }
    let value_only = function.is_some_and(Function::returns_value);
    Outcome::Answer {
        answer: opi_bitrix24::run_function_with(&name, &options),
        out,
        value_only,
    }
}

/// The options as arguments by option name; None when help is asked for.
/// `--out FILE` is oint's own, as for every command.
fn options(
    args: &[OsString],
    out: &mut Option<PathBuf>,
) -> Result<Option<Map<String, Value>>, String> {
    let mut options = Map::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", arg.to_string_lossy()))?;
        if matches!(arg, "--help" | "-h") {
            return Ok(None);
        }
        let Some(option) = arg.strip_prefix("--") else {
            // Not echoed: a stray word may be a webhook or token put in
            // the wrong place.
            return Err("a value without its option; options are --name value".to_owned());
        };
        let (option, value) = match option.split_once('=') {
            Some((option, value)) => (option, value.to_owned()),
            None => {
                let value = args
                    .next()
                    .ok_or_else(|| format!("--{option} needs a value"))?
                    .to_str()
                    .ok_or_else(|| format!("the value of --{option} is not UTF-8"))?;
                (option, value.to_owned())
            }
        };
        if option == "out" {
            *out = Some(PathBuf::from(value));
        } else if options
            .insert(option.to_owned(), Value::String(value))
            .is_some()
        {
            return Err(format!("--{option} is given twice"));
        }
    }
    Ok(Some(options))
}

/// `oint bitrix24 <Function> --help`: what it does and its options.
pub fn help(function: &Function) -> String {
    let mut usage = format!("oint bitrix24 {}", function.name);
    let mut lines = Vec::new();
    for param in function.params {
        let value = format!("--{} <{}>", param.option, param.name);
        usage.push(' ');
        match param.default {
            None => usage.push_str(&value),
            Some(_) => usage.push_str(&format!("[{value}]")),
        }
        let default = match param.default {
            None => "required".to_owned(),
            Some(default) => format!("default: {default}"),
        };
        lines.push((value, format!("{} [{default}]", param.summary)));
    }
    let width = lines
        .iter()
        .map(|(value, _)| value.len())
        .max()
        .unwrap_or(0);
    let method = match function.method {
        "" => "none: answers without a request".to_owned(),
        method => method.to_owned(),
    };
    let mut text = format!(
        "{} ({}): {}\nREST method: {method}\nGroup: {}\n\nUsage: {usage} [--out <FILE>]\n\nOptions:\n",
        function.name,
        function.russian,
        function.summary,
        function.group().title,
    );
    for (value, meaning) in lines {
        text.push_str(&format!("  {value:<width$}  {meaning}\n"));
    }
    text.push_str(&format!(
        "  {:<width$}  write the answer to FILE instead of standard output\n\n\
         Structures and arrays are JSON text or the path of a file holding JSON;\n\
         files are paths or base64; booleans are true or false. Which files\n\
         may be read is OPI_BITRIX24_FILES's to say: any (the default), none,\n\
         or those in one directory. Function names are case-insensitive.",
        "--out <FILE>"
    ));
    text
}

/// Every function by group, for `oint bitrix24 --help`.
pub fn list() -> String {
    let mut text = String::from(
        "OpenIntegrations' functions (oint bitrix24 <Function> --help for one's options):\n",
    );
    for (index, group) in functions::groups().iter().enumerate() {
        text.push_str(&format!("\n{}:\n", group.title));
        let names: Vec<&str> = functions::functions()
            .iter()
            .filter(|f| f.group == index)
            .map(|f| f.name)
            .collect();
        let mut line = String::from(" ");
        for name in names {
            if line.len() + name.len() > 90 {
                text.push_str(&line);
                text.push('\n');
                line = String::from(" ");
            }
            line.push(' ');
            line.push_str(name);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// What an offline function prints: its value (the answer's `result`)
/// indented, or a string (GetAppAuthLink's link) as itself.
pub fn printed_value(answer: &str) -> String {
    match serde_json::from_str::<Value>(answer) {
        Ok(Value::Object(mut answer)) => match answer.remove("result") {
            Some(Value::String(text)) => text,
            Some(value) => crate::indent::indented(&value.to_string()),
            None => crate::indent::indented(&Value::Object(answer).to_string()),
        },
        _ => crate::indent::indented(answer),
    }
}
