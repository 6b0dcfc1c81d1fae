//! The lists in the docs that mirror code, checked against that code: the C
//! functions against the header, the add-in's methods against its method
//! table, the OneScript functions against the module's exports, the `oint`
//! synopsis against `oint --help`, the configuration variables against the
//! library's settings, the error codes against `ErrorCode::ALL`. A list that
//! drifts fails here with the file and list to update and what differs.
//! Last, every link in the docs leads to a file, and heading, that exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The text of `doc`'s section under the heading line `heading`, up to the
/// next heading of the same or a higher level.
fn section(doc: &str, heading: &str) -> String {
    let text = read(doc);
    let level = heading.chars().take_while(|&c| c == '#').count();
    let mut lines = text.lines().skip_while(|line| line.trim_end() != heading);
    assert!(
        lines.next().is_some(),
        "{doc} has no heading \"{heading}\": tests/docs.rs reads a list there; \
         put the list back under that heading, or change tests/docs.rs to where it went"
    );
    let mut body = Vec::new();
    let mut in_code = false;
    for line in lines {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !in_code && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            break;
        }
        body.push(line);
    }
    body.join("\n")
}

/// The lines of the first fenced code block of `text`.
fn first_code_block(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .map(str::to_owned)
        .collect()
}

/// The body rows of the first table of `text`, each as its trimmed cells.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header and the separator
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

fn unquote(cell: &str) -> &str {
    cell.trim().trim_matches('`')
}

/// Collapses white space, and none after `(` or before `)` or `,`.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
}

/// Fails, saying which list of which doc to update, when `documented` and
/// `actual` hold different items (or, if `ordered`, the same in another order).
fn same_list(list: &str, source: &str, documented: &[String], actual: &[String], ordered: bool) {
    let documented_set: BTreeSet<&String> = documented.iter().collect();
    let actual_set: BTreeSet<&String> = actual.iter().collect();
    let mut problems = Vec::new();
    for item in actual_set.difference(&documented_set) {
        problems.push(format!("  missing from the docs: {item}"));
    }
    for item in documented_set.difference(&actual_set) {
        problems.push(format!("  in the docs but not in {source}: {item}"));
    }
    if problems.is_empty() && ordered && documented != actual {
        problems.push(format!(
            "  the order differs: the docs have\n    {}\n  {source} has\n    {}",
            documented.join("\n    "),
            actual.join("\n    ")
        ));
    }
    assert!(
        problems.is_empty(),
        "{list} is out of step with {source}: update the list to match.\n{}",
        problems.join("\n")
    );
}

/// The statements of C text that declare an `opi_` function, normalised.
fn c_prototypes(text: &str) -> Vec<String> {
    let mut code = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    code.push_str(rest);
    let code: String = code
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(before, _)| before))
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(|statement| statement.rsplit(['{', '}']).next().unwrap_or_default())
        .filter(|statement| statement.contains("opi_") && statement.contains('('))
        .map(normalise)
        .collect()
}

#[test]
fn the_c_functions_in_the_docs_are_the_headers() {
    let documented = c_prototypes(
        &first_code_block(&section("docs/c-library.md", "## The functions")).join("\n"),
    );
    let actual = c_prototypes(&read("include/opi_bitrix24.h"));
    assert!(
        actual.len() >= 10,
        "the header's functions were found: {actual:?}"
    );
    same_list(
        "docs/c-library.md, the prototypes under \"## The functions\",",
        "include/opi_bitrix24.h",
        &documented,
        &actual,
        false,
    );
}

/// The items of a Rust list between `[` and its `]`, split at top-level commas.
fn rust_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(item.trim().to_owned());
                item.clear();
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item.trim().to_owned());
    items.retain(|i| !i.is_empty());
    items
}

/// The strings quoted in `text`, in order.
fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// A parameter as the docs write it: `Token = ""` for an optional text,
/// `Halt = False` for an optional Boolean, the bare name otherwise. `spec`
/// is `param("Name", Accepts::…)` or the name of a constant holding one.
fn parameter_as_documented(spec: &str, source: &str) -> String {
    let spec = if spec.contains('"') {
        spec.to_owned()
    } else {
        let constant = format!("const {spec}: ParamSpec = ");
        source
            .lines()
            .find_map(|line| line.strip_prefix(&constant))
            .unwrap_or_else(|| panic!("src/addin/component.rs declares {spec}"))
            .to_owned()
    };
    let name = quoted(&spec).remove(0);
    let accepts = spec.split("Accepts::").nth(1).unwrap_or_default();
    match accepts.trim_end_matches([')', ';']) {
        "OptionalText" => format!("{name} = \"\""),
        "OptionalBoolean" => format!("{name} = False"),
        other if other.starts_with("Optional") => {
            panic!("tests/docs.rs does not know how the docs write the default of Accepts::{other}")
        }
        _ => name,
    }
}

#[test]
fn the_add_in_methods_in_the_docs_are_the_components() {
    let source = read("src/addin/component.rs");
    let table = source
        .split_once("const METHODS")
        .and_then(|(_, after)| after.split_once("\n];"))
        .expect("src/addin/component.rs has its method table, const METHODS")
        .0;
    let mut actual = Vec::new();
    for (number, method) in table.split("Method {").skip(1).enumerate() {
        let names = quoted(
            method
                .split_once("names:")
                .and_then(|(_, after)| after.split_once(']'))
                .expect("a method's names")
                .0,
        );
        let params = method
            .split_once("params: &[")
            .map(|(_, after)| {
                let mut depth = 1;
                let end = after
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '[' => 1,
                            ']' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .expect("the parameters end")
                    .0;
                &after[..end]
            })
            .expect("a method's parameters");
        let params: Vec<String> = rust_items(params)
            .iter()
            .map(|spec| parameter_as_documented(spec, &source))
            .collect();
        actual.push(format!(
            "{number} | {} | {} | {}",
            names[0],
            names[1],
            params.join(", ")
        ));
    }
    assert!(actual.len() >= 7, "the methods were found: {actual:?}");
    let interface = section("docs/1c-and-onescript.md", "## The add-in's interface");
    let documented: Vec<String> = table_rows(&interface)
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| unquote(cell))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    same_list(
        "docs/1c-and-onescript.md, the table under \"## The add-in's interface\" (number, English, Russian, parameters),",
        "src/addin/component.rs (const METHODS)",
        &documented,
        &actual,
        true,
    );
    let props = source
        .split_once("const PROPS")
        .and_then(|(_, after)| after.split_once(";\n"))
        .expect("src/addin/component.rs has its property table, const PROPS")
        .0;
    for pair in quoted(props).chunks(2) {
        let shown = format!("`{}` (`{}`)", pair[0], pair[1]);
        assert!(
            interface.contains(&shown),
            "docs/1c-and-onescript.md, \"## The add-in's interface\", should name the property {shown} \
             that src/addin/component.rs (const PROPS) has"
        );
    }
}

/// `Name(A, B = "")` from `Function Name(Val A, Val B = "") Export`.
fn onescript_signature(declaration: &str) -> String {
    normalise(&declaration.replace("Val ", "").replace("Знач ", ""))
}

#[test]
fn the_onescript_functions_in_the_docs_are_the_modules() {
    // The functions written by hand; the generated ones are in
    // docs/functions.md, which build.rs writes from the same table.
    let whole = read("onescript/src/OPI_Bitrix24.os");
    let module = whole
        .split("// Generated from src/functions/table")
        .next()
        .unwrap_or_default();
    let mut actual = Vec::new();
    let mut russian_calls = Vec::new();
    let mut current_russian = None;
    for line in module.lines() {
        let line = line.trim_end();
        for (keyword, export) in [("Function ", " Export"), ("Функция ", " Экспорт")]
        {
            if let Some(declaration) = line
                .strip_prefix(keyword)
                .and_then(|rest| rest.strip_suffix(export))
            {
                let signature = onescript_signature(declaration);
                if keyword == "Функция " {
                    current_russian = signature.split_once('(').map(|(n, _)| n.to_owned());
                }
                actual.push(signature);
            }
        }
        // Each Russian function returns its English twin's answer.
        if let (Some(russian), Some(call)) =
            (&current_russian, line.trim().strip_prefix("Возврат "))
        {
            let english = call.split_once('(').map_or(call, |(n, _)| n).to_owned();
            russian_calls.push(format!("{english} = {russian}"));
            current_russian = None;
        }
    }
    assert!(actual.len() >= 14, "the exports were found: {actual:?}");
    let rows = table_rows(&section("docs/1c-and-onescript.md", "## OneScript"));
    let documented: Vec<String> = rows
        .iter()
        .flat_map(|row| row.iter().take(2).map(|cell| normalise(unquote(cell))))
        .collect();
    same_list(
        "docs/1c-and-onescript.md, the table of the module's functions under \"## OneScript\",",
        "onescript/src/OPI_Bitrix24.os (its Function … Export and Функция … Экспорт)",
        &documented,
        &actual,
        false,
    );
    let name = |cell: &str| {
        unquote(cell)
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let documented_pairs: Vec<String> = rows
        .iter()
        .map(|row| format!("{} = {}", name(&row[0]), name(&row[1])))
        .collect();
    same_list(
        "docs/1c-and-onescript.md, the rows (English = Russian twin) of the table under \"## OneScript\",",
        "onescript/src/OPI_Bitrix24.os (which English function each Russian one returns)",
        &documented_pairs,
        &russian_calls,
        false,
    );
}

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_oint"))
        .args(args)
        .output()
        .expect("run oint");
    assert!(output.status.success(), "oint {args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The subcommands a `--help` lists under "Commands:", `help` left out.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// A subcommand's options as a synopsis writes them: `--url URL` when
/// required, `[--token TOKEN]` or `[--halt]` when not; `--help` left out.
fn options_of(help: &str) -> BTreeSet<String> {
    let usage = help
        .lines()
        .find_map(|line| line.strip_prefix("Usage: "))
        .expect("a usage line");
    let mut options = BTreeSet::new();
    // The section ends at the next line that is not indented ("Examples:").
    let section = help
        .lines()
        .skip_while(|line| line.trim() != "Options:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '));
    for line in section {
        // An option's own line is indented at most 6 spaces; its
        // description's lines, which may begin with another option's name,
        // deeper.
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() > 6 || !trimmed.starts_with('-') {
            continue;
        }
        let line = trimmed;
        let Some(at) = line.find("--") else { continue };
        let spec = line[at..].split("  ").next().unwrap_or_default();
        let (flag, value) = spec.split_once(' ').unwrap_or((spec, ""));
        if flag == "--help" || flag == "--version" {
            continue;
        }
        let value = value.trim_matches(['<', '>']);
        let written = if value.is_empty() {
            flag.to_owned()
        } else {
            format!("{flag} {value}")
        };
        let required = usage
            .split_whitespace()
            .any(|word| word == flag && !usage.contains(&format!("[{flag}")));
        options.insert(if required {
            written
        } else {
            format!("[{written}]")
        });
    }
    options
}

/// A synopsis line's options in the same form: `--url URL`, `[--token TOKEN]`.
fn synopsis_options(words: &[&str]) -> BTreeSet<String> {
    let mut options = BTreeSet::new();
    let mut current: Vec<&str> = Vec::new();
    for word in words {
        if word.trim_start_matches('[').starts_with("--") && !current.is_empty() {
            options.insert(current.join(" "));
            current.clear();
        }
        current.push(word);
    }
    if !current.is_empty() {
        options.insert(current.join(" "));
    }
    options
}

#[test]
fn the_oint_synopsis_in_the_docs_is_what_oint_help_says() {
    let synopsis = first_code_block(&section("docs/cli.md", "## Synopsis"));
    let doc = "docs/cli.md, the synopsis under \"## Synopsis\",";
    let lines: Vec<Vec<&str>> = synopsis
        .iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert!(
        lines
            .iter()
            .all(|words| words.len() >= 3 && words[0] == "oint"),
        "{doc} has lines that are not `oint <library> <function> …`: {synopsis:?}"
    );
    let libraries: Vec<String> = lines
        .iter()
        .map(|words| words[1].to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    same_list(
        doc,
        "oint --help (its commands)",
        &libraries,
        &subcommands(&help(&["--help"])),
        false,
    );
    for library in &libraries {
        let functions: Vec<String> = lines
            .iter()
            .filter(|words| words[1] == library)
            .map(|words| words[2].to_owned())
            .collect();
        let actual = subcommands(&help(&[library, "--help"]));
        same_list(
            doc,
            &format!("oint {library} --help (its commands)"),
            &functions,
            &actual,
            false,
        );
        for words in lines.iter().filter(|words| words[1] == library) {
            let function = words[2];
            let documented: Vec<String> = synopsis_options(&words[3..]).into_iter().collect();
            let actual: Vec<String> = options_of(&help(&[library, function, "--help"]))
                .into_iter()
                .collect();
            same_list(
                &format!("{doc} line `oint {library} {function}`"),
                &format!("oint {library} {function} --help (its options, [optional])"),
                &documented,
                &actual,
                false,
            );
        }
    }
}

/// The library's settings: each variable, and its default when the library
/// states one (`Config::settings()` states them all). The one place that
/// reads the library's list, should its form change again.
fn library_settings() -> Vec<(String, Option<String>)> {
    opi_bitrix24::Config::settings()
        .into_iter()
        .map(|setting| (setting.variable.to_owned(), Some(setting.default)))
        .collect()
}

#[test]
fn the_configuration_table_is_the_librarys_settings() {
    let rows = table_rows(&section(
        "docs/configuration.md",
        "## Environment variables",
    ));
    let doc = "docs/configuration.md, the table under \"## Environment variables\",";
    // Rows may also name the system's variables (SSL_CERT_FILE, HTTPS_PROXY):
    // only the library's own, OPI_…, mirror its settings.
    let documented: Vec<(String, String)> = rows
        .iter()
        .flat_map(|row| {
            row[0]
                .split(',')
                .map(|name| (unquote(name).to_owned(), unquote(&row[2]).to_owned()))
                .collect::<Vec<_>>()
        })
        .filter(|(name, _)| name.starts_with("OPI_"))
        .collect();
    let settings = library_settings();
    let names = |list: &[(String, String)]| list.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    same_list(
        doc,
        "the library's settings (Config::settings(), src/config.rs)",
        &names(&documented),
        &settings.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        false,
    );
    for (variable, default) in settings {
        let Some(default) = default else { continue };
        let shown = documented
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, shown)| shown.as_str());
        assert!(
            shown == Some(default.as_str()),
            "{doc} gives {variable} the default {}, the library's settings (src/config.rs) \
             {default:?}: update the table",
            shown.map_or_else(|| "of no row".to_owned(), |shown| format!("{shown:?}"))
        );
    }
}

#[test]
fn the_error_codes_table_is_error_code_all() {
    let documented: Vec<String> =
        table_rows(&section("docs/answers-and-errors.md", "## Our error codes"))
            .iter()
            .map(|row| unquote(&row[0]).to_owned())
            .collect();
    let actual: Vec<String> = opi_bitrix24::ErrorCode::ALL
        .iter()
        .map(|code| code.as_str().to_owned())
        .collect();
    same_list(
        "docs/answers-and-errors.md, the table under \"## Our error codes\",",
        "opi_bitrix24::ErrorCode::ALL (src/error.rs)",
        &documented,
        &actual,
        true,
    );
}

/// GitHub's anchor for a heading: lower case, spaces as `-`, punctuation
/// other than `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors_of(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut in_code = false;
    text.lines()
        .filter(|line| {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            !in_code && line.starts_with('#')
        })
        .map(|line| anchor(line.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_link_in_the_docs_leads_somewhere() {
    let mut files: Vec<PathBuf> = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    for entry in std::fs::read_dir(root().join("docs")).expect("read docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a doc");
        for (_, after) in text
            .match_indices("](")
            .map(|(at, _)| text.split_at(at + 2))
        {
            let Some(target) = after.split(')').next() else {
                continue;
            };
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a folder").join(path)
            };
            let shown = format!(
                "{}: ({target})",
                file.strip_prefix(root()).unwrap_or(file).display()
            );
            if !linked.exists() {
                broken.push(format!("{shown}: no such file"));
            } else if !fragment.is_empty() && !anchors_of(&linked).contains(fragment) {
                broken.push(format!("{shown}: no such heading"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
