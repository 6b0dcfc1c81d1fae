//! The function table's text (docs/functions-table.md) read into plain
//! values. `build.rs` includes this file to generate the engine's static
//! table, the OneScript and 1C modules and docs/functions.md, so it uses
//! nothing but the standard library.

/// A region of OpenIntegrations' module.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub name: String,
    pub russian: String,
    pub title: String,
    /// This library's own functions (`ours` after the names), not
    /// OpenIntegrations'.
    pub ours: bool,
}

/// One function.
#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub name: String,
    pub russian: String,
    /// The index of its group in [`TableRows::groups`].
    pub group: usize,
    /// The REST method, or "" for the offline functions.
    pub method: String,
    /// The handler's name, or "" when the kinds say everything.
    pub handler: String,
    pub summary: String,
    pub params: Vec<ParamRow>,
    /// `set` lines: a target and the JSON text sent there.
    pub constants: Vec<(String, String)>,
    /// `template` lines: a variant and its JSON text.
    pub templates: Vec<(String, String)>,
    /// The `order` line: the parameters that fill the body, by English
    /// name, in the order OpenIntegrations adds their fields; empty when
    /// that is the parameters' own order.
    pub order: Vec<String>,
}

/// One parameter of a function.
#[derive(Debug, Clone)]
pub struct ParamRow {
    pub name: String,
    pub russian: String,
    /// The CLI option without its `--`.
    pub option: String,
    pub kind: String,
    /// Sent even when empty (`!`).
    pub always: bool,
    pub target: String,
    /// The default as written in the BSL signature; None when required.
    pub default: Option<String>,
    pub summary: String,
}

/// The whole table.
#[derive(Debug, Clone, Default)]
pub struct TableRows {
    pub groups: Vec<GroupRow>,
    pub functions: Vec<FunctionRow>,
}

/// The kinds a parameter may have (docs/functions-table.md).
pub const KINDS: [&str; 12] = [
    "url",
    "token",
    "string",
    "collection",
    "array",
    "yn",
    "boolean",
    "date",
    "datez",
    "day",
    "files",
    "file",
];

/// Template variants: described or empty (Clear), as a structure or a map
/// (AsMap), and described in Russian for a call by the Russian name.
pub const VARIANTS: [&str; 6] = ["filled", "clear", "map", "map-clear", "filled-ru", "map-ru"];

impl TableRows {
    /// Reads the text of the table's files, in order; `source` names each
    /// file in errors.
    pub fn read<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut table = TableRows::default();
        for (source, text) in files {
            for (index, line) in text.lines().enumerate() {
                table
                    .read_line(line)
                    .map_err(|e| format!("{source}:{}: {e}\n  {line}", index + 1))?;
            }
        }
        table.check()?;
        Ok(table)
    }

    fn read_line(&mut self, line: &str) -> Result<(), String> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(());
        }
        let (fields, summary) = match trimmed.split_once(" : ") {
            Some((fields, summary)) => (fields, summary.trim().to_owned()),
            None => (trimmed, String::new()),
        };
        let words: Vec<&str> = fields.split_whitespace().collect();
        let indented = line.starts_with(' ');
        match (indented, words.as_slice()) {
            (false, ["group", name, russian, rest @ ..]) if matches!(rest, [] | ["ours"]) => {
                self.groups.push(GroupRow {
                    name: name.to_string(),
                    russian: russian.to_string(),
                    title: summary,
                    ours: !rest.is_empty(),
                });
                Ok(())
            }
            (false, ["fn", name, russian, method, rest @ ..]) if rest.len() <= 1 => {
                let group = self
                    .groups
                    .len()
                    .checked_sub(1)
                    .ok_or("a function before any group")?;
                self.functions.push(FunctionRow {
                    name: name.to_string(),
                    russian: russian.to_string(),
                    group,
                    method: if *method == "-" {
                        String::new()
                    } else {
                        method.to_string()
                    },
                    handler: rest.first().map(|h| h.to_string()).unwrap_or_default(),
                    summary,
                    params: Vec::new(),
                    constants: Vec::new(),
                    templates: Vec::new(),
                    order: Vec::new(),
                });
                Ok(())
            }
            (true, ["set", target, ..]) => {
                let json = fields.trim_start()["set".len()..].trim_start()[target.len()..].trim();
                self.last()?
                    .constants
                    .push((target.to_string(), json.to_owned()));
                Ok(())
            }
            (true, ["template", variant, ..]) => {
                if !VARIANTS.contains(variant) {
                    return Err(format!("unknown template variant {variant}"));
                }
                // The JSON may hold " : ", so it is taken from the whole line.
                let json = trimmed["template".len()..].trim_start()[variant.len()..].trim();
                self.last()?
                    .templates
                    .push((variant.to_string(), json.to_owned()));
                Ok(())
            }
            (true, ["order", names @ ..]) => {
                let function = self.last()?;
                if !function.order.is_empty() || names.is_empty() {
                    return Err("one order line per function, naming its parameters".to_owned());
                }
                function.order = names.iter().map(|name| name.to_string()).collect();
                Ok(())
            }
            (true, [name, russian, option, kind, target, rest @ ..]) if rest.len() <= 1 => {
                let option = option
                    .strip_prefix("--")
                    .ok_or("the option must start with --")?;
                let (kind, always) = match kind.strip_suffix('!') {
                    Some(kind) => (kind, true),
                    None => (*kind, false),
                };
                if !KINDS.contains(&kind) {
                    return Err(format!("unknown kind {kind}"));
                }
                let default = match rest.first() {
                    Some(default) => Some(
                        default
                            .strip_prefix('=')
                            .ok_or("a default starts with =")?
                            .to_owned(),
                    ),
                    None => None,
                };
                self.last()?.params.push(ParamRow {
                    name: name.to_string(),
                    russian: russian.to_string(),
                    option: option.to_owned(),
                    kind: kind.to_owned(),
                    always,
                    target: target.to_string(),
                    default,
                    summary,
                });
                Ok(())
            }
            _ => Err("not a line of the table (docs/functions-table.md)".to_owned()),
        }
    }

    fn last(&mut self) -> Result<&mut FunctionRow, String> {
        self.functions
            .last_mut()
            .ok_or_else(|| "a parameter before any function".to_owned())
    }

    /// The rules no single line shows: names unique, every name a function
    /// is called by (its names, its parameters' names and options) unique
    /// within it, an order line naming each parameter that fills the body
    /// once, templates only for offline functions.
    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for function in &self.functions {
            for name in [&function.name, &function.russian] {
                if !names.insert(name.to_lowercase()) {
                    return Err(format!("{name}: two functions have this name"));
                }
            }
            let mut keys = std::collections::HashMap::new();
            for param in &function.params {
                for key in [&param.name, &param.russian, &param.option] {
                    if let Some(other) = keys.insert(key.to_lowercase(), &param.name) {
                        if other != &param.name {
                            return Err(format!(
                                "{}: {key} names both {other} and {}",
                                function.name, param.name
                            ));
                        }
                    }
                }
            }
            function
                .fills()
                .map_err(|e| format!("{}: {e}", function.name))?;
            if !function.templates.is_empty() && !function.method.is_empty() {
                return Err(format!(
                    "{}: templates are for offline functions",
                    function.name
                ));
            }
        }
        Ok(())
    }
}

impl FunctionRow {
    /// The indices of the parameters that fill the body (those with a
    /// target), in the order their fields are put: the order line's, or the
    /// parameters' own.
    pub fn fills(&self) -> Result<Vec<usize>, String> {
        let fills = |param: &ParamRow| param.target != "-";
        if self.order.is_empty() {
            return Ok((0..self.params.len())
                .filter(|&at| fills(&self.params[at]))
                .collect());
        }
        let mut order = Vec::with_capacity(self.order.len());
        for name in &self.order {
            let at = self
                .params
                .iter()
                .position(|param| &param.name == name && fills(param))
                .ok_or_else(|| format!("the order names {name}, no parameter with a target"))?;
            if order.contains(&at) {
                return Err(format!("the order names {name} twice"));
            }
            order.push(at);
        }
        if let Some(left) = self
            .params
            .iter()
            .enumerate()
            .find(|(at, param)| fills(param) && !order.contains(at))
        {
            return Err(format!("the order leaves out {}", left.1.name));
        }
        Ok(order)
    }
}
