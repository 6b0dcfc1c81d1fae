//! A function's arguments, read by name and checked against its table row,
//! and the request body its row builds from them. Values stay the JSON
//! text the caller wrote until a kind needs more of them.

use std::borrow::Cow;

use super::body::{Body, Fields, Node, Text};
use super::coerce;
use super::{Function, Kind, MAX_PARAMS, Param};
use crate::config::FileAccess;
use crate::echo;
use crate::error::Error;
use crate::json::{self, Json, Pairs};

/// A function with its arguments: each parameter's value as JSON text
/// (given, or its default; None for neither), in the parameters' order in
/// an array as long as the longest row's, the address and the token,
/// whether the function was called by its Russian name, and which files
/// its values may name.
pub(super) struct Arguments<'a> {
    pub function: &'static Function,
    pub values: [Option<&'a str>; MAX_PARAMS],
    pub url: Cow<'a, str>,
    pub token: Cow<'a, str>,
    pub russian: bool,
    /// The client's `OPI_BITRIX24_FILES`, which `handlers::run` sets;
    /// none until then, so that arguments read without it read no file.
    pub files: &'a FileAccess,
}

/// No file read: the setting of arguments not yet given their client's.
static NO_FILES: FileAccess = FileAccess::None;

impl<'a> Arguments<'a> {
    /// Reads `args`, a JSON object (or empty text; converted into `kept`
    /// when in OpenIntegrations' dialect), by parameter name: an unknown
    /// name, a required parameter left out or null, is refused, naming both.
    pub fn read(
        function: &'static Function,
        russian: bool,
        args: &'a str,
        kept: &'a mut String,
    ) -> Result<Self, Error> {
        let mut placed = Placed::new(function);
        match args.trim() {
            "" => {}
            text if json::each_plain_member(text, |key, value| placed.put(key, value)) => {}
            // Not plain: read whole, in OpenIntegrations' dialect too, from
            // nothing placed, so that what is not JSON is refused as such.
            text => {
                placed = Placed::new(function);
                let read = json::read_given(text, kept, Json::read_text).map_err(|refused| {
                    Error::invalid_argument(format!(
                        "{}: the arguments are not JSON: {}",
                        function.name,
                        refused.words()
                    ))
                })?;
                let Json::Object(pairs) = read else {
                    return Err(Error::invalid_argument(format!(
                        "{}: the arguments must be a JSON object of parameter → value",
                        function.name
                    )));
                };
                for (key, value) in pairs {
                    placed.put(&key, value.get());
                }
            }
        }
        let mut values = placed.values?;
        for (param, value) in function.params.iter().zip(values.iter_mut()) {
            if value.is_none() {
                match param.default {
                    // An empty default that is not sent needs no value.
                    Some("\"\"" | "0" | "false") if !param.always && param.kind != Kind::Yn => {}
                    Some(default) => {
                        *value = Some(default);
                    }
                    None => {
                        return Err(Error::invalid_argument(format!(
                            "{}: {} (--{}) is required",
                            function.name, param.name, param.option
                        )));
                    }
                }
            }
        }
        let mut arguments = Arguments {
            function,
            values,
            url: Cow::Borrowed(""),
            token: Cow::Borrowed(""),
            russian,
            files: &NO_FILES,
        };
        arguments.url = arguments.text_of(Kind::Url)?;
        arguments.token = arguments.text_of(Kind::Token)?;
        Ok(arguments)
    }

    /// The text of the parameter of `kind` (the URL or the token); "" when
    /// the function has none. Borrowed from the arguments unless escaped.
    fn text_of(&self, kind: Kind) -> Result<Cow<'a, str>, Error> {
        match self.find(|p| p.kind == kind) {
            None | Some((_, None)) => Ok(Cow::Borrowed("")),
            Some((param, Some(value))) => {
                // Text without escapes is the JSON between its quotes.
                if let Some(text) = value.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                    if !text.contains('\\') {
                        return Ok(Cow::Borrowed(text));
                    }
                }
                match Json::read_value(value) {
                    Ok(Json::Text(text)) => Ok(Cow::Owned(text)),
                    _ => Err(self.bad(param, "must be a string")),
                }
            }
        }
    }

    fn find(&self, wanted: impl Fn(&Param) -> bool) -> Option<(&'static Param, Option<&'a str>)> {
        self.function
            .params
            .iter()
            .zip(&self.values)
            .find(|(param, _)| wanted(param))
            .map(|(param, value)| (param, *value))
    }

    /// The value of the parameter named `name` (its English name).
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.find(|p| p.name == name).and_then(|(_, value)| value)
    }

    /// The parameter named `name`, which the handler's row has.
    pub fn param(&self, name: &str) -> &'static Param {
        self.find(|p| p.name == name)
            .map(|(param, _)| param)
            .expect("the handler's row has the parameter")
    }

    /// An error about `param`'s value.
    pub fn bad(&self, param: &Param, what: impl std::fmt::Display) -> Error {
        Error::invalid_argument(format!(
            "{}: {} (--{}) {what}",
            self.function.name, param.name, param.option
        ))
    }

    /// The body the row builds: each value coerced and put at its target,
    /// in the order OpenIntegrations adds the fields (a spread structure's
    /// members whole, empty ones too; a later field of a key already there
    /// takes its place), then the constants.
    pub fn body(&self) -> Result<Body<'a>, Error> {
        self.fill(Body::default())
    }

    /// As [`Arguments::body`], the fields put after those of `body`: a
    /// handler's that OpenIntegrations adds first.
    pub fn body_after(&self, body: Body<'a>) -> Result<Body<'a>, Error> {
        self.fill(body)
    }

    /// As [`Arguments::body`], for a flat row (`Function::flat`): written
    /// out as it is made.
    pub fn text(&self) -> Result<Text<'a>, Error> {
        debug_assert!(self.function.flat);
        self.fill(Text::new())
    }

    fn fill<F: Fields<'a>>(&self, mut fields: F) -> Result<F, Error> {
        for &at in self.function.fills {
            let (param, value) = (&self.function.params[at as usize], self.values[at as usize]);
            let Some(value) = value else {
                continue;
            };
            let coerced =
                coerce::coerce(param, value, self.files).map_err(|e| self.bad(param, e))?;
            match (coerced, param.target) {
                (None, _) => {}
                (Some(value), "*") => self.spread(&mut fields, param, value)?,
                (Some(value), path) => fields.put(path, value),
            }
        }
        for (target, json) in self.function.constants {
            fields.put(target, Node::Json(Cow::Borrowed(json)));
        }
        Ok(fields)
    }

    /// A structure's members put at the top level as given.
    fn spread(
        &self,
        fields: &mut impl Fields<'a>,
        param: &Param,
        value: Node<'a>,
    ) -> Result<(), Error> {
        let Node::Json(json) = value else {
            unreachable!("a collection is JSON text")
        };
        let object = || self.bad(param, "must be an object (a structure) of fields");
        if !json.trim_start().starts_with('{') {
            return Err(object());
        }
        let members: Pairs = serde_json::from_str(&json).map_err(|_| object())?;
        for (key, member) in members.0 {
            fields.put_member(key.into_owned(), member.get().to_owned());
        }
        Ok(())
    }
}

/// The arguments given, each in its parameter's place, as they are read;
/// or why they are refused: the first unknown name, or one given twice
/// (told once the whole text is known to be JSON).
struct Placed<'a> {
    function: &'static Function,
    values: Result<[Option<&'a str>; MAX_PARAMS], Error>,
}

impl<'a> Placed<'a> {
    fn new(function: &'static Function) -> Self {
        Placed {
            function,
            values: Ok([None; MAX_PARAMS]),
        }
    }

    /// Puts the argument `key` (a parameter's name or option), whose value
    /// is the JSON text `value`; null is no value.
    fn put(&mut self, key: &str, value: &'a str) {
        let function = self.function;
        let Ok(values) = &mut self.values else {
            return;
        };
        let Some((index, param)) = function.param(key) else {
            self.values = Err(Error::invalid_argument(format!(
                "{} has no parameter {}; its parameters are {}",
                function.name,
                echo::value(key, 40),
                names(function)
            )));
            return;
        };
        if values[index].is_some() {
            self.values = Err(Error::invalid_argument(format!(
                "{}: {} is given twice",
                function.name, param.name
            )));
            return;
        }
        values[index] = Some(value).filter(|v| *v != "null");
    }
}

/// The parameters' names, for errors.
fn names(function: &Function) -> String {
    let names: Vec<String> = function
        .params
        .iter()
        .map(|p| format!("{} (--{})", p.name, p.option))
        .collect();
    match names.is_empty() {
        true => "none".to_owned(),
        false => names.join(", "),
    }
}
