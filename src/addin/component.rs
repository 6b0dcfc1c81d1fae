//! The component's behaviour: class `Main`, its methods (one per function
//! of the library, [`METHODS`]) and its property, over what the host lent.

use std::ffi::{c_long, c_void};

use super::host::{ADDIN_E_FAIL, Connection, MemoryManager};
use super::variant::{Param, TVariant};
use super::wide::WChar;

use crate::answer::Answer;
use crate::error::Error;

/// The one class, returned by `GetClassNames` and `RegisterExtensionAs` alike,
/// because OneScript uses the first and the platform the second.
pub const CLASS_NAME: &str = "Main";
/// Shown as the source of errors reported to the platform.
const ERROR_SOURCE: &str = "OPI_Bitrix24";
/// The result of GetInfo: the Native API version implemented.
pub const INFO_VERSION: c_long = 2000;

/// What a parameter accepts from the host.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accepts {
    Text,
    /// A String, or a Number sent as its decimal text (OPI's Status).
    TextOrNumber,
    /// A String that may be left out: its default is "".
    OptionalText,
    /// A Boolean that may be left out: its default is False. Its text is
    /// "true" or "false".
    OptionalBoolean,
}

impl Accepts {
    fn is_optional(self) -> bool {
        matches!(self, Accepts::OptionalText | Accepts::OptionalBoolean)
    }
}

/// A parameter by its name (in OPI's signature) and what it accepts.
struct ParamSpec {
    name: &'static str,
    accepts: Accepts,
}

const fn param(name: &'static str, accepts: Accepts) -> ParamSpec {
    ParamSpec { name, accepts }
}

const URL: ParamSpec = param("URL", Accepts::Text);
const TOKEN: ParamSpec = param("Token", Accepts::OptionalText);
const CLIENT_ID: ParamSpec = param("ClientID", Accepts::Text);
const CLIENT_SECRET: ParamSpec = param("ClientSecret", Accepts::Text);
/// A token file to write the pair to; "" writes none.
const FILE: ParamSpec = param("File", Accepts::OptionalText);

/// A method by its English and Russian names, its parameters, and the
/// library function it runs with their text.
struct Method {
    names: [&'static str; 2],
    params: &'static [ParamSpec],
    run: fn(&[String]) -> Answer,
}

/// Every method of class `Main`, in the order of their numbers.
const METHODS: [Method; 9] = [
    Method {
        names: ["SetUserStatus", "УстановитьСтатусПользователя"],
        params: &[URL, param("Status", Accepts::TextOrNumber), TOKEN],
        run: |a| crate::set_user_status(&a[0], &a[1], &a[2]),
    },
    Method {
        names: ["CallMethod", "ВызватьМетод"],
        params: &[
            URL,
            param("Method", Accepts::Text),
            param("ParamsJSON", Accepts::Text),
            TOKEN,
        ],
        run: |a| crate::call_method(&a[0], &a[1], &a[2], &a[3]),
    },
    Method {
        names: ["GetUserStatus", "ПолучитьСтатусПользователя"],
        params: &[URL, TOKEN],
        run: |a| crate::get_user_status(&a[0], &a[1]),
    },
    Method {
        names: ["GetToken", "ПолучитьТокен"],
        params: &[CLIENT_ID, CLIENT_SECRET, param("Code", Accepts::Text), FILE],
        run: |a| crate::get_token_to_file(&a[0], &a[1], &a[2], &a[3]),
    },
    Method {
        names: ["RefreshToken", "ОбновитьТокен"],
        params: &[
            CLIENT_ID,
            CLIENT_SECRET,
            param("Refresh", Accepts::Text),
            FILE,
        ],
        run: |a| crate::refresh_token_to_file(&a[0], &a[1], &a[2], &a[3]),
    },
    Method {
        names: ["Batch", "ВыполнитьПакет"],
        params: &[
            URL,
            param("CommandsJSON", Accepts::Text),
            param("Halt", Accepts::OptionalBoolean),
            TOKEN,
        ],
        run: |a| crate::batch(&a[0], &a[1], a[2] == "true", &a[3]),
    },
    Method {
        names: ["GetList", "ПолучитьСписок"],
        params: &[
            URL,
            param("Method", Accepts::Text),
            param("ParamsJSON", Accepts::Text),
            TOKEN,
            param("ByID", Accepts::OptionalBoolean),
        ],
        run: |a| crate::get_list(&a[0], &a[1], &a[2], &a[3], a[4] == "true"),
    },
    Method {
        names: ["RunFunction", "ВыполнитьФункцию"],
        params: &[
            param("Name", Accepts::Text),
            param("ArgumentsJSON", Accepts::OptionalText),
        ],
        run: |a| crate::run_function(&a[0], &a[1]),
    },
    Method {
        names: ["Configure", "Настроить"],
        params: &[param("SettingsJSON", Accepts::Text)],
        run: |a| crate::configure(&a[0]),
    },
];
const PROPS: [[&str; 2]; 1] = [["Version", "Версия"]];
const VERSION_PROP: c_long = 0;

/// The component's state: what the host lent it.
#[derive(Default)]
pub(crate) struct Component {
    memory: Option<MemoryManager>,
    connection: Option<Connection>,
}

impl Component {
    pub(super) fn init(&mut self, connection: *mut c_void) -> bool {
        // SAFETY: the host's IAddInDefBase, alive until Done.
        self.connection = unsafe { Connection::new(connection) };
        true
    }

    pub(super) fn set_mem_manager(&mut self, memory: *mut c_void) -> bool {
        // SAFETY: the host's IMemoryManager, alive until Done.
        self.memory = unsafe { MemoryManager::new(memory) };
        self.memory.is_some()
    }

    pub(super) fn done(&mut self) {
        *self = Component::default();
    }

    /// `text` in host memory, NUL-terminated, or NULL without a memory manager.
    pub(super) fn host_string(&self, text: &str) -> *mut WChar {
        self.memory
            .and_then(|memory| memory.alloc_wstr(text))
            .map_or(std::ptr::null_mut(), |(pointer, _)| pointer)
    }

    pub(super) fn class_name(&self) -> Option<*mut WChar> {
        Some(self.host_string(CLASS_NAME)).filter(|p| !p.is_null())
    }

    pub(super) fn prop_count(&self) -> c_long {
        PROPS.len() as c_long
    }

    pub(super) fn find_prop(&self, name: Option<String>) -> c_long {
        find(PROPS.iter().copied(), name)
    }

    pub(super) fn is_prop(&self, prop: c_long) -> bool {
        usize::try_from(prop).is_ok_and(|prop| prop < PROPS.len())
    }

    pub(super) fn prop_name(&self, prop: c_long, alias: c_long) -> *const WChar {
        match name_at(PROPS.iter().copied(), prop, alias) {
            Some(name) => self.host_string(name),
            None => std::ptr::null(),
        }
    }

    pub(super) fn prop_value(&self, prop: c_long, value: &mut TVariant) -> bool {
        match (prop, self.memory) {
            (VERSION_PROP, Some(memory)) => value.set_text(crate::VERSION, &memory),
            _ => false,
        }
    }

    pub(super) fn method_count(&self) -> c_long {
        METHODS.len() as c_long
    }

    pub(super) fn find_method(&self, name: Option<String>) -> c_long {
        find(METHODS.iter().map(|m| m.names), name)
    }

    pub(super) fn method_name(&self, method: c_long, alias: c_long) -> *const WChar {
        match name_at(METHODS.iter().map(|m| m.names), method, alias) {
            Some(name) => self.host_string(name),
            None => std::ptr::null(),
        }
    }

    pub(super) fn param_count(&self, method: c_long) -> c_long {
        method_at(method).map_or(0, |m| m.params.len() as c_long)
    }

    /// An optional parameter's default is "" (a String) or False, never
    /// EMPTY, so that OneScript takes the parameter as optional.
    pub(super) fn param_default(
        &self,
        method: c_long,
        param: c_long,
        value: &mut TVariant,
    ) -> bool {
        let spec = method_at(method)
            .zip(usize::try_from(param).ok())
            .and_then(|(method, param)| method.params.get(param));
        match (spec.map(|s| s.accepts), self.memory) {
            (Some(Accepts::OptionalText), Some(memory)) => value.set_text("", &memory),
            (Some(Accepts::OptionalBoolean), _) => {
                value.set_bool(false);
                true
            }
            _ => false,
        }
    }

    pub(super) fn has_result(&self, method: c_long) -> bool {
        method_at(method).is_some()
    }

    /// Calls `method`; its JSON answer goes to `result` when given. False for
    /// an unknown method, or when the host lent no memory for the result.
    pub(super) fn call(
        &self,
        method: c_long,
        params: &[TVariant],
        result: Option<&mut TVariant>,
    ) -> bool {
        let Some(known) = method_at(method) else {
            self.report(&format!(
                "no method number {method}; they are 0 to {}",
                METHODS.len() - 1
            ));
            return false;
        };
        // An answer that could not be handed over would be a status set unseen.
        if result.is_some() && self.memory.is_none() {
            self.report("the host gave no memory manager; call setMemManager first");
            return false;
        }
        // SAFETY: the host filled each variant it passes.
        let params: Vec<Param> = params.iter().map(|p| unsafe { p.param() }).collect();
        let answer = match arguments(known, &params) {
            Ok(arguments) => (known.run)(&arguments),
            Err(error) => {
                self.report(error.description());
                Answer::from(error)
            }
        };
        match (result, self.memory) {
            (None, _) => true,
            (Some(result), memory) => {
                memory.is_some_and(|memory| result.set_text(answer.json(), &memory))
            }
        }
    }

    /// Tells the platform of a wrong call; it raises an exception with the text.
    pub(super) fn report(&self, description: &str) {
        if let Some(connection) = self.connection {
            connection.add_error(ADDIN_E_FAIL, ERROR_SOURCE, description);
        }
    }
}

fn method_at(method: c_long) -> Option<&'static Method> {
    usize::try_from(method).ok().and_then(|m| METHODS.get(m))
}

/// The index whose English or Russian name is `name`, in any case; -1 if none.
fn find(mut names: impl Iterator<Item = [&'static str; 2]>, name: Option<String>) -> c_long {
    let Some(name) = name.map(|n| n.to_lowercase()) else {
        return -1;
    };
    names
        .position(|pair| pair.iter().any(|known| known.to_lowercase() == name))
        .map_or(-1, |index| index as c_long)
}

/// Name `index` in language `alias` (0 English, 1 Russian).
fn name_at(
    mut names: impl Iterator<Item = [&'static str; 2]>,
    index: c_long,
    alias: c_long,
) -> Option<&'static str> {
    let pair = names.nth(usize::try_from(index).ok()?)?;
    pair.get(usize::try_from(alias).ok()?).copied()
}

/// The text of each parameter of `method`, checked against its spec: a
/// String; a Number too where OPI takes one (sent as its decimal text); a
/// Boolean as "true" or "false"; a left-out optional parameter as its default.
fn arguments(method: &Method, params: &[Param]) -> Result<Vec<String>, Error> {
    let name = method.names[0];
    let specs = method.params;
    let required = specs.iter().filter(|s| !s.accepts.is_optional()).count();
    if !(required..=specs.len()).contains(&params.len()) {
        let counts = match specs.len() - required {
            0 => format!("{required}"),
            1 => format!("{required} or {}", specs.len()),
            _ => format!("{required} to {}", specs.len()),
        };
        let names: Vec<String> = specs
            .iter()
            .map(|s| match s.accepts.is_optional() {
                true => format!("optional {}", s.name),
                false => s.name.to_owned(),
            })
            .collect();
        return Err(Error::invalid_argument(format!(
            "{name} takes {counts} parameters ({}); it was given {}",
            names.join(", "),
            params.len()
        )));
    }
    let given = params.iter().map(Some).chain(std::iter::repeat(None));
    specs
        .iter()
        .zip(given)
        .map(
            |(spec, param)| match (param.unwrap_or(&Param::Missing), spec.accepts) {
                (Param::Text(text), _) => Ok(text.clone()),
                (Param::Missing, Accepts::OptionalText) => Ok(String::new()),
                (Param::Boolean(value), Accepts::OptionalBoolean) => Ok(value.to_string()),
                (Param::Missing, Accepts::OptionalBoolean) => Ok("false".to_owned()),
                (other, Accepts::OptionalBoolean) => Err(Error::invalid_argument(format!(
                    "{} must be a Boolean; it was {}",
                    spec.name,
                    other.kind()
                ))),
                (Param::Integer(number), Accepts::TextOrNumber) => Ok(number.to_string()),
                (Param::Real(number), Accepts::TextOrNumber) => Ok(number.to_string()),
                (other, Accepts::TextOrNumber) => Err(Error::invalid_argument(format!(
                    "{} must be a String or a Number; it was {}",
                    spec.name,
                    other.kind()
                ))),
                (other, _) => Err(Error::invalid_argument(format!(
                    "{} must be a String; it was {}",
                    spec.name,
                    other.kind()
                ))),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_either_language_and_any_case() {
        for name in [
            "SetUserStatus",
            "setuserstatus",
            "SETUSERSTATUS",
            "УстановитьСтатусПользователя",
            "установитьстатуспользователя",
        ] {
            assert_eq!(
                find(METHODS.iter().map(|m| m.names), Some(name.into())),
                0,
                "{name}"
            );
        }
        for name in ["Version", "version", "Версия", "ВЕРСИЯ"] {
            assert_eq!(find(PROPS.iter().copied(), Some(name.into())), 0, "{name}");
        }
        assert_eq!(
            find(METHODS.iter().map(|m| m.names), Some("Nope".into())),
            -1
        );
        assert_eq!(find(METHODS.iter().map(|m| m.names), None), -1);
        assert_eq!(
            name_at(METHODS.iter().map(|m| m.names), 0, 1),
            Some("УстановитьСтатусПользователя")
        );
        assert_eq!(name_at(METHODS.iter().map(|m| m.names), 0, 2), None);
        assert_eq!(name_at(METHODS.iter().map(|m| m.names), -1, 0), None);
    }

    #[test]
    fn arguments_accept_numbers_as_status_and_refuse_wrong_types() {
        let text = |s: &str| Param::Text(s.into());
        let set_user_status_arguments = |params: &[Param]| arguments(&METHODS[0], params);
        assert_eq!(
            set_user_status_arguments(&[text("u"), Param::Integer(7)]).unwrap(),
            ["u", "7", ""]
        );
        assert_eq!(
            set_user_status_arguments(&[text("u"), Param::Real(2.5), Param::Missing]).unwrap()[1],
            "2.5"
        );
        assert_eq!(
            set_user_status_arguments(&[text("u"), Param::Real(3.0)]).unwrap()[1],
            "3"
        );
        for (params, why) in [
            (vec![text("u")], "it was given 1"),
            (
                vec![text("u"), text("dnd"), text("t"), text("x")],
                "it was given 4",
            ),
            (
                vec![Param::Integer(1), text("dnd")],
                "URL must be a String; it was a Number",
            ),
            (
                vec![text("u"), Param::Boolean(true)],
                "Status must be a String or a Number; it was a Boolean",
            ),
            (
                vec![text("u"), Param::Missing],
                "Status must be a String or a Number; it was nothing",
            ),
            (
                vec![text("u"), text("dnd"), Param::Integer(5)],
                "Token must be a String",
            ),
            (vec![Param::BadText, text("dnd")], "not valid Unicode"),
            (
                vec![Param::Unsupported("DATE".into()), text("dnd")],
                "type DATE",
            ),
        ] {
            let error = set_user_status_arguments(&params).unwrap_err();
            assert!(error.description().contains(why), "{params:?}: {error}");
        }
        assert!(
            set_user_status_arguments(&[text("u")])
                .unwrap_err()
                .description()
                .starts_with("SetUserStatus takes 2 or 3 parameters (URL, Status, optional Token)")
        );
    }

    #[test]
    fn every_method_has_distinct_names_and_optional_parameters_last() {
        let mut names: Vec<String> = METHODS
            .iter()
            .flat_map(|m| m.names)
            .map(str::to_lowercase)
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), METHODS.len() * 2);
        for method in &METHODS {
            let first_optional = method
                .params
                .iter()
                .position(|p| p.accepts.is_optional())
                .unwrap_or(method.params.len());
            assert!(
                method.params[first_optional..]
                    .iter()
                    .all(|p| p.accepts.is_optional()),
                "{}",
                method.names[0]
            );
        }
        let text = |s: &str| Param::Text(s.into());
        let call_method = &METHODS[1];
        assert_eq!(
            arguments(call_method, &[text("u"), text("server.time"), text("")]).unwrap(),
            ["u", "server.time", "", ""]
        );
        let error = arguments(&METHODS[3], &[text("id"), text("secret")]).unwrap_err();
        assert_eq!(
            error.description(),
            "GetToken takes 3 or 4 parameters (ClientID, ClientSecret, Code, optional File); it was given 2"
        );
        let error = arguments(call_method, &[text("u"), text("m"), Param::Integer(1)]).unwrap_err();
        assert_eq!(
            error.description(),
            "ParamsJSON must be a String; it was a Number"
        );
    }
}
