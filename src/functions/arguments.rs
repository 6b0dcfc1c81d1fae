//! A function's arguments, read by name and checked against its table row,
//! and the request body its row builds from them.

use serde_json::{Map, Value};

use super::coerce;
use super::{Function, Kind, Param};
use crate::error::Error;
use crate::text;

/// A function with its arguments: each parameter's value (given, or its
/// default; `Null` for none), the address and the token.
pub(crate) struct Arguments {
    pub function: &'static Function,
    pub values: Vec<Value>,
    pub url: String,
    pub token: String,
}

/// The object `args` holds, or an error naming the function.
pub(super) fn object(function: &str, args: &str) -> Result<Map<String, Value>, Error> {
    if args.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str(args) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Error::invalid_argument(format!(
            "{}: the arguments must be a JSON object of parameter → value",
            text::shown(function, 60)
        ))),
        Err(error) => Err(Error::invalid_argument(format!(
            "{}: the arguments are not JSON: {error}",
            text::shown(function, 60)
        ))),
    }
}

impl Arguments {
    /// Reads `args` by parameter name: an unknown name, a required
    /// parameter left out or given as null is refused, naming both.
    pub fn read(function: &'static Function, args: &Map<String, Value>) -> Result<Self, Error> {
        let mut given: Vec<Option<&Value>> = vec![None; function.params.len()];
        for (key, value) in args {
            let Some((index, param)) = function.param(key) else {
                return Err(Error::invalid_argument(format!(
                    "{} has no parameter '{}'; its parameters are {}",
                    function.name,
                    text::shown(key, 40),
                    names(function)
                )));
            };
            if given[index].replace(value).is_some() {
                return Err(Error::invalid_argument(format!(
                    "{}: {} is given twice",
                    function.name, param.name
                )));
            }
        }
        let mut values = Vec::with_capacity(given.len());
        for (param, value) in function.params.iter().zip(given) {
            values.push(match (value, param.default) {
                (Some(value), _) if !value.is_null() => value.clone(),
                (_, Some(default)) => {
                    serde_json::from_str(default).expect("build.rs wrote JSON defaults")
                }
                (_, None) => {
                    return Err(Error::invalid_argument(format!(
                        "{}: {} (--{}) is required",
                        function.name, param.name, param.option
                    )));
                }
            });
        }
        let mut arguments = Arguments {
            function,
            values,
            url: String::new(),
            token: String::new(),
        };
        arguments.url = arguments.text_of(Kind::Url)?;
        arguments.token = arguments.text_of(Kind::Token)?;
        Ok(arguments)
    }

    /// The text of the parameter of `kind` (the URL or the token); "" when
    /// the function has none.
    fn text_of(&self, kind: Kind) -> Result<String, Error> {
        match self.find(|p| p.kind == kind) {
            None => Ok(String::new()),
            Some((_, Value::String(text))) => Ok(text.clone()),
            Some((_, Value::Null)) => Ok(String::new()),
            Some((param, _)) => Err(self.bad(param, "must be a string")),
        }
    }

    fn find(&self, wanted: impl Fn(&Param) -> bool) -> Option<(&'static Param, &Value)> {
        self.function
            .params
            .iter()
            .zip(&self.values)
            .find(|(param, _)| wanted(param))
    }

    /// The value of the parameter named `name` (its English name).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.find(|p| p.name == name).map(|(_, value)| value)
    }

    /// An error about `param`'s value.
    pub fn bad(&self, param: &Param, what: impl std::fmt::Display) -> Error {
        Error::invalid_argument(format!(
            "{}: {} (--{}) {what}",
            self.function.name, param.name, param.option
        ))
    }

    /// The JSON body the row builds: each value coerced and put at its
    /// target, empty ones left out unless marked, then the constants. A
    /// spread structure goes in first, whole (empty members too), so that a
    /// parameter of its own wins over a member of the same name.
    pub fn body(&self) -> Result<Map<String, Value>, Error> {
        let mut body = Map::new();
        let params = || self.function.params.iter().zip(&self.values);
        for spread in [true, false] {
            for (param, value) in params().filter(|(p, _)| (p.target == "*") == spread) {
                if param.target == "-" {
                    continue;
                }
                let coerced = coerce::coerce(param, value).map_err(|e| self.bad(param, e))?;
                match (coerced, spread) {
                    (None, _) => {}
                    (Some(Value::Object(members)), true) => body.extend(members),
                    (Some(_), true) => {
                        return Err(self.bad(param, "must be an object (a structure) of fields"));
                    }
                    (Some(value), false) => put(&mut body, param.target, value),
                }
            }
        }
        for (target, json) in self.function.constants {
            let value = serde_json::from_str(json).expect("build.rs checked the constants");
            put(&mut body, target, value);
        }
        Ok(body)
    }
}

/// Puts `value` at `path` (keys joined by dots), making the objects on the way.
pub(crate) fn put(body: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            body.insert(path.to_owned(), value);
        }
        Some((key, rest)) => {
            let inner = body.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(inner) = inner {
                put(inner, rest, value);
            }
        }
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
