//! What `build.rs` makes of the function table (not a module of the
//! library): the engine's static table, the generated part of the
//! OneScript module, the 1C common module and docs/functions.md.

use std::fmt::Write;

use crate::syntax::{FunctionRow, ParamRow, TableRows};

/// The Rust text of `GROUPS`, `FUNCTIONS`, `MAX_PARAMS`, `INDEX` and `SLOTS` for src/functions/mod.rs.
pub fn rust_table(table: &TableRows) -> Result<String, String> {
    let mut out = String::new();
    writeln!(out, "static GROUPS: [Group; {}] = [", table.groups.len()).unwrap();
    for group in &table.groups {
        writeln!(
            out,
            "    Group {{ name: {:?}, russian: {:?}, title: {:?}, ours: {} }},",
            group.name, group.russian, group.title, group.ours
        )
        .unwrap();
    }
    writeln!(out, "];").unwrap();
    writeln!(
        out,
        "static FUNCTIONS: [Function; {}] = [",
        table.functions.len()
    )
    .unwrap();
    for function in &table.functions {
        check_json(function)?;
        writeln!(out, "    Function {{").unwrap();
        writeln!(
            out,
            "        name: {:?}, russian: {:?}, group: {}, method: {:?},",
            function.name, function.russian, function.group, function.method
        )
        .unwrap();
        writeln!(
            out,
            "        handler: Handler::{}, summary: {:?},",
            camel(&function.handler),
            function.summary
        )
        .unwrap();
        writeln!(out, "        params: &[").unwrap();
        for param in &function.params {
            let default = match &param.default {
                Some(default) => format!("Some({:?})", json_default(default)?),
                None => "None".to_owned(),
            };
            writeln!(
                out,
                "            Param {{ name: {:?}, russian: {:?}, option: {:?}, kind: Kind::{}, always: {}, target: {:?}, default: {default}, summary: {:?} }},",
                param.name,
                param.russian,
                param.option,
                camel(&param.kind),
                param.always,
                param.target,
                param.summary
            )
            .unwrap();
        }
        writeln!(out, "        ],").unwrap();
        writeln!(out, "        fills: &{:?},", function.fills()?).unwrap();
        writeln!(out, "        flat: {},", is_flat(function)?).unwrap();
        writeln!(out, "        constants: &{:?},", function.constants).unwrap();
        writeln!(out, "        templates: &{:?},", function.templates).unwrap();
        writeln!(out, "    }},").unwrap();
    }
    writeln!(out, "];").unwrap();
    let most = table.functions.iter().map(|f| f.params.len()).max();
    writeln!(
        out,
        "/// The most parameters a function has: the length of a call's values.\nconst MAX_PARAMS: usize = {};",
        most.unwrap_or_default()
    )
    .unwrap();
    let mut index: Vec<(String, usize, bool)> = Vec::new();
    for (at, function) in table.functions.iter().enumerate() {
        index.push((function.name.to_lowercase(), at, false));
        index.push((function.russian.to_lowercase(), at, true));
    }
    index.sort();
    writeln!(
        out,
        "static INDEX: [(&str, u16, bool); {}] = [",
        index.len()
    )
    .unwrap();
    for (name, at, russian) in &index {
        writeln!(out, "    ({name:?}, {at}, {russian}),").unwrap();
    }
    writeln!(out, "];").unwrap();
    let slots = name_slots(&index);
    writeln!(out, "static SLOTS: [u16; {}] = {slots:?};", slots.len()).unwrap();
    Ok(out)
}

/// The open-addressed table of the names (`SLOTS`): each name's index
/// into `INDEX` at the first free slot from its hash on, `u16::MAX` where
/// none is. At most a third of the slots are taken, so that a search
/// meets a free one soon.
fn name_slots(index: &[(String, usize, bool)]) -> Vec<u16> {
    let size = (index.len() * 3).next_power_of_two();
    let mut slots = vec![u16::MAX; size];
    for (at, (name, _, _)) in index.iter().enumerate() {
        let mut slot = crate::names::hash(name) as usize;
        while slots[slot % size] != u16::MAX {
            slot += 1;
        }
        slots[slot % size] = u16::try_from(at).expect("fewer names than u16::MAX");
    }
    slots
}

/// Whether each field of the row (a parameter's, a constant) is a key of
/// its own at the top of the body, none spread: `Function::flat`.
fn is_flat(function: &FunctionRow) -> Result<bool, String> {
    let fills = function.fills()?;
    let targets: Vec<&str> = fills
        .iter()
        .map(|&at| function.params[at].target.as_str())
        .chain(function.constants.iter().map(|(target, _)| target.as_str()))
        .collect();
    let distinct = targets
        .iter()
        .enumerate()
        .all(|(at, target)| !targets[..at].contains(target));
    Ok(distinct && targets.iter().all(|t| *t != "*" && !t.contains('.')))
}

/// A table name as a Rust variant: `upload_to_folder` → `UploadToFolder`,
/// `datez` → `DateZ`, "" → `None`.
fn camel(name: &str) -> String {
    match name {
        "" => "None".to_owned(),
        "datez" => "DateZ".to_owned(),
        _ => name
            .split(['_', '-'])
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// A BSL default as JSON text: `""`, `"UA"`, `0`, `False`, `True`, `Undefined`.
fn json_default(bsl: &str) -> Result<String, String> {
    Ok(match bsl {
        "False" => "false".to_owned(),
        "True" => "true".to_owned(),
        "Undefined" => "null".to_owned(),
        quoted if quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"') => {
            json_string(&quoted[1..quoted.len() - 1].replace("\"\"", "\""))
        }
        number if number.parse::<f64>().is_ok() => number.to_owned(),
        other => return Err(format!("a default the generator cannot read: {other}")),
    })
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The table's JSON (constants, templates) must at least be balanced text;
/// the engine parses it, and a test runs every template.
fn check_json(function: &FunctionRow) -> Result<(), String> {
    for (_, json) in function.constants.iter().chain(&function.templates) {
        let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
        for c in json.chars() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (false, _, '"') => in_string = true,
                (false, _, '{' | '[') => depth += 1,
                (false, _, '}' | ']') => depth -= 1,
                _ => {}
            }
        }
        if depth != 0 || in_string || json.is_empty() {
            return Err(format!("{}: unbalanced JSON: {json}", function.name));
        }
    }
    Ok(())
}

/// The BSL signature's parameter list: `Val URL, Val TaskID, Val Token = ""`,
/// in English or in Russian.
fn signature(params: &[ParamRow], russian: bool) -> String {
    params
        .iter()
        .map(|p| {
            let (val, name) = match russian {
                true => ("Знач", p.russian.as_str()),
                false => ("Val", p.name.as_str()),
            };
            match &p.default {
                Some(default) => format!("{val} {name} = {}", bsl_default(default, russian)),
                None => format!("{val} {name}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn bsl_default(default: &str, russian: bool) -> String {
    match (default, russian) {
        ("False", true) => "Ложь".to_owned(),
        ("True", true) => "Истина".to_owned(),
        ("Undefined", true) => "Неопределено".to_owned(),
        (other, _) => other.to_owned(),
    }
}

/// The names of the parameters as the module packs them.
fn packed_names(params: &[ParamRow]) -> String {
    params
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The generated part of a BSL module (OneScript's or the 1C common
/// module's; they differ only in `language`'s comment header), every
/// function in English and its Russian twin, each packing its arguments
/// and calling the add-in's one generic method.
pub fn bsl_functions(table: &TableRows, skip: &[&str]) -> String {
    let mut out = String::new();
    for (index, group) in table.groups.iter().enumerate() {
        writeln!(out, "#Region {}\n", group.name).unwrap();
        for function in table.functions.iter().filter(|f| f.group == index) {
            if skip.contains(&function.name.as_str()) {
                continue;
            }
            // OpenIntegrations returns these functions' value, not an answer;
            // ParseEvent's answer says more than its value (the token to keep).
            let value = (function.method.is_empty() && function.handler != "parse_event")
                || function.handler == "folder_filter";
            let run = match value {
                true => "CalledForValue",
                false => "Called",
            };
            writeln!(out, "// {}", sentence(&function.summary)).unwrap();
            writeln!(out, "//\n// Parameters:").unwrap();
            for param in &function.params {
                writeln!(
                    out,
                    "//  {} - {} - {}",
                    param.name, param.summary, param.option
                )
                .unwrap();
            }
            writeln!(
                out,
                "Function {}({}) Export\n\n    Arguments = New Structure(\"{}\"{});\n    Return {run}(\"{}\", Arguments);\n\nEndFunction\n",
                function.name,
                signature(&function.params, false),
                packed_names(&function.params),
                function
                    .params
                    .iter()
                    .map(|p| format!(", {}", p.name))
                    .collect::<String>(),
                function.name,
            )
            .unwrap();
            writeln!(
                out,
                "Функция {}({}) Экспорт\n\n    Возврат {}({});\n\nКонецФункции\n",
                function.russian,
                signature(&function.params, true),
                function.name,
                function
                    .params
                    .iter()
                    .map(|p| p.russian.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .unwrap();
        }
        writeln!(out, "#EndRegion\n").unwrap();
    }
    out
}

/// docs/functions.md: every function by group, its parameters and method.
pub fn markdown(table: &TableRows) -> String {
    let ours = |f: &&FunctionRow| table.groups[f.group].ours;
    let (own, theirs) = (
        table.functions.iter().filter(ours).count(),
        table.functions.iter().filter(|f| !ours(f)).count(),
    );
    let mut out = String::from(
        "# OpenIntegrations' functions, and this library's own\n\n\
         Generated by build.rs from `src/functions/table/` (docs/functions-table.md):\n\
         do not edit. Every function runs on every front: `oint bitrix24 <Function>\n\
         --option …`, the OneScript and 1C modules under its English and Russian names,\n\
         the add-in's `RunFunction`, C's `opi_bitrix24_function` and Rust's\n\
         `Client::run_function` (docs/calls.md). Where this library deliberately\n\
         differs from OpenIntegrations, docs/opi-differences.md says so.\n\n",
    );
    writeln!(
        out,
        "OpenIntegrations' {theirs} functions, then {own} of this library's own, named in\n\
         its style: their groups are marked **ours**, and they are not in OpenIntegrations.\n"
    )
    .unwrap();
    for (index, group) in table.groups.iter().enumerate() {
        let functions: Vec<&FunctionRow> = table
            .functions
            .iter()
            .filter(|f| f.group == index)
            .collect();
        let marker = match group.ours {
            true => " — **ours**, not OpenIntegrations'",
            false => "",
        };
        writeln!(
            out,
            "## {} ({}){marker}\n\n`{}` / `{}`\n\n| function | Russian name | parameters (CLI option) | REST method |\n|---|---|---|---|",
            group.title,
            functions.len(),
            group.name,
            group.russian
        )
        .unwrap();
        for function in functions {
            let params: Vec<String> = function
                .params
                .iter()
                .map(|p| match &p.default {
                    Some(default) => format!("{} = {default} (`--{}`)", p.name, p.option),
                    None => format!("{} (`--{}`)", p.name, p.option),
                })
                .collect();
            let method = match function.method.as_str() {
                "" => "offline".to_owned(),
                method => format!("`{method}`"),
            };
            writeln!(
                out,
                "| {} | {} | {} | {method} |",
                function.name,
                function.russian,
                params.join(", ").replace('|', "\\|")
            )
            .unwrap();
        }
        out.push('\n');
    }
    out
}

/// Where the generated functions go in the OneScript module.
const BEGIN: &str =
    "// Generated from src/functions/table by build.rs: edit the table, not the lines below.\n";
const END: &str = "// End of the generated functions.\n";
/// Functions the module has by hand, before the generated part: the status
/// pair, and the OAuth pair, which take more than OpenIntegrations' (a
/// token file to write the pair to).
const HAND_WRITTEN: [&str; 4] = ["SetUserStatus", "GetUserStatus", "GetToken", "RefreshToken"];

/// The OneScript module with its generated part made anew from the table.
pub fn with_functions(module: &str, table: &TableRows) -> Result<String, String> {
    let (head, rest) = module
        .split_once(BEGIN)
        .ok_or("no line opening the generated part")?;
    let (_, tail) = rest
        .split_once(END)
        .ok_or("no line closing the generated part")?;
    Ok(format!(
        "{head}{BEGIN}\n{}{END}{tail}",
        bsl_functions(table, &HAND_WRITTEN)
    ))
}

/// The spans of the OneScript module that a 1C common module says otherwise:
/// OneScript keeps the attached add-in in a module variable and finds it on
/// disk; a common module may have no variables and attaches it from the
/// configuration's common template `OPI_Bitrix24`.
const ONESCRIPT_ONLY: (&str, &str) = ("// <OneScript>\n", "// </OneScript>\n");
const COMMON_MODULE_ATTACH: &str = "\
// The add-in's object, attached from the common template OPI_Bitrix24 (a ZIP of
// the libraries: docs/1c-and-onescript.md).
Function Component()

    If Not AttachAddIn(\"CommonTemplate.OPI_Bitrix24\", \"OPI_Bitrix24\", AddInType.Native) Then
        Raise \"OPI_Bitrix24: cannot attach the add-in from the common template OPI_Bitrix24\";
    EndIf;
    Return New(\"AddIn.OPI_Bitrix24.Main\");

EndFunction
";

/// The 1C:Enterprise common module: the OneScript module with its
/// OneScript-only spans left out, the first replaced by the template attach.
pub fn common_module(onescript: &str) -> String {
    let mut out = String::from(
        "// OPI_Bitrix24 as a 1C:Enterprise common module (server, external connection),\n\
         // generated by build.rs from onescript/src/OPI_Bitrix24.os: do not edit.\n\
         // Put it into a configuration or an extension as docs/1c-and-onescript.md says.\n",
    );
    let (open, close) = ONESCRIPT_ONLY;
    let mut rest = onescript;
    while let Some((before, span)) = rest.split_once(open) {
        out.push_str(before);
        rest = span.split_once(close).map_or("", |(_, after)| after);
        // The attach goes where OneScript's last span was: among the
        // private functions.
        if !rest.contains(open) {
            out.push_str(COMMON_MODULE_ATTACH);
        }
    }
    out.push_str(rest);
    out
}

/// `text` with its first letter in upper case and a full stop, as a
/// comment's sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
