//! OpenIntegrations' `OPI_Bitrix24` functions by name: the table
//! (`table/*.txt`, docs/functions-table.md) says for each function which
//! parameters it takes and where each goes in the request;
//! [`crate::Client::run_function`] builds the request from it and sends it
//! as [`crate::Client::call`] does.
//! The few functions that do more have a handler each (`handlers.rs`).

mod arguments;
mod body;
mod coerce;
mod handlers;
mod names;
mod paths;

use crate::answer::Answer;
use crate::engine::Engine;
use crate::error::Error;

use arguments::Arguments;

/// What the table says a parameter's value becomes (docs/functions-table.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The portal address: a webhook, or a domain with a token.
    Url,
    /// The access token, sent as `auth`.
    Token,
    /// Text: numbers as their digits.
    String,
    /// An object or array; JSON text, or the path of a file holding it, read.
    Collection,
    /// An array; one value becomes `[value]`.
    Array,
    /// `"Y"` or `"N"`.
    Yn,
    /// A JSON boolean.
    Boolean,
    /// `yyyy-MM-ddTHH:mm:ss`.
    Date,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    DateZ,
    /// `yyyy-MM-dd`.
    Day,
    /// File name → content, sent as `[[name, base64], …]`.
    Files,
    /// One content, sent as base64.
    File,
}

/// A function that does more than map its arguments to fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    /// Arguments to fields, one request.
    None,
    /// Offline: one of its templates.
    Template,
    /// The OAuth server's grants.
    Oauth,
    /// The offline authorisation link of GetAppAuthLink.
    AuthLink,
    /// Two requests: the upload address, then the multipart upload.
    UploadToFolder,
    /// GetFolderFilterStructure: the portal's field list reshaped.
    FolderFilter,
    /// MoveTaskToKanbanStage: before or after a task.
    KanbanMove,
    /// ChangeUserStatus, through UpdateUser's fields.
    UserStatus,
    /// GetCalendarEvents: section, from and to of the filter.
    CalendarFilter,
    /// UploadFileToStorage: the file inline, as `[name, base64]`.
    UploadToStorage,
    /// GetPictureBlock: an offline `{"IMAGE": …}` block.
    PictureBlock,
    /// GetFileBlock: an offline `{"FILE": …}` block.
    FileBlock,
    /// ParseEvent: an event handler's request body read and proven, offline.
    ParseEvent,
    /// GetOfflineEvents: `clear` and `error` as 0 or 1, and the portal's
    /// `WRONG_LICENSE` explained.
    OfflineGet,
}

/// A region of OpenIntegrations' module.
#[derive(Debug)]
pub struct Group {
    /// The English name of the region.
    pub name: &'static str,
    /// The Russian name of the region.
    pub russian: &'static str,
    /// What its functions are about.
    pub title: &'static str,
    /// This library's own functions, not OpenIntegrations'.
    pub ours: bool,
}

/// A function by name: one of OpenIntegrations', or of this library's own
/// ([`Function::is_ours`]).
#[derive(Debug)]
pub struct Function {
    /// Its English name.
    pub name: &'static str,
    /// Its Russian name.
    pub russian: &'static str,
    /// Its group, an index into [`groups`].
    pub group: usize,
    /// The REST method it calls; "" for the offline functions.
    pub method: &'static str,
    pub(crate) handler: Handler,
    /// What it does, in a sentence.
    pub summary: &'static str,
    /// Its parameters, in OpenIntegrations' order.
    pub params: &'static [Param],
    /// The parameters that fill the body, as indices into `params`, in the
    /// order OpenIntegrations adds their fields.
    pub(crate) fills: &'static [u8],
    /// Whether each of its fields is a key of its own at the top of the
    /// body, none spread: its body is written out as it is made
    /// (`body::Text`), where another's is a tree first.
    pub(crate) flat: bool,
    /// Fields it always sends, after the parameters': a target and JSON text.
    pub(crate) constants: &'static [(&'static str, &'static str)],
    /// An offline function's templates: a variant and JSON text.
    pub(crate) templates: &'static [(&'static str, &'static str)],
}

/// One parameter of a [`Function`].
#[derive(Debug)]
pub struct Param {
    /// Its English name.
    pub name: &'static str,
    /// Its Russian name.
    pub russian: &'static str,
    /// Its CLI option, without `--`.
    pub option: &'static str,
    /// What its value becomes.
    pub kind: Kind,
    /// Sent even when empty.
    pub(crate) always: bool,
    /// Where it goes: a path of keys, `*` (spread) or `-` (not a field).
    pub(crate) target: &'static str,
    /// Its default as JSON text; None when it is required.
    pub default: Option<&'static str>,
    /// What it is, in a few words.
    pub summary: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/functions_table.rs"));

/// Every function, in OpenIntegrations' order.
pub fn functions() -> &'static [Function] {
    &FUNCTIONS
}

/// The groups the functions are in.
pub fn groups() -> &'static [Group] {
    &GROUPS
}

/// The function with this English or Russian name, in any case.
pub fn find(name: &str) -> Option<&'static Function> {
    find_named(name).map(|(function, _)| function)
}

/// The function called `name`, and whether that is its Russian name.
fn find_named(name: &str) -> Option<(&'static Function, bool)> {
    let name = name.trim();
    // An English name is hashed and compared as it is, in any case; only
    // a name with other letters is lower-cased into a copy.
    let lowered;
    let key = match name.is_ascii() {
        true => name,
        false => {
            lowered = name.to_lowercase();
            lowered.as_str()
        }
    };
    let mut slot = names::hash(key) as usize;
    loop {
        // A free slot (u16::MAX) ends the search: no such name.
        let (known, at, russian) = *INDEX.get(usize::from(SLOTS[slot % SLOTS.len()]))?;
        // `known` is lower-cased already: only the name's bytes need folding.
        let same = known.len() == key.len()
            && known
                .bytes()
                .zip(key.bytes())
                .all(|(k, b)| k == b.to_ascii_lowercase());
        if same {
            return Some((&FUNCTIONS[usize::from(at)], russian));
        }
        slot += 1;
    }
}

impl Function {
    /// Whether it answers without asking a portal.
    pub fn is_offline(&self) -> bool {
        self.method.is_empty()
    }

    /// Whether OpenIntegrations returns a value rather than the portal's
    /// answer: the offline functions, and GetFolderFilterStructure's fields.
    /// The fronts that mirror it (the modules, oint) give the answer's
    /// `result`.
    /// ParseEvent's answer says more than its value (the token to keep),
    /// so it is given whole.
    pub fn returns_value(&self) -> bool {
        (self.is_offline() && self.handler != Handler::ParseEvent)
            || self.handler == Handler::FolderFilter
    }

    /// Whether it is this library's own, not one of OpenIntegrations'.
    pub fn is_ours(&self) -> bool {
        self.group().ours
    }

    /// Its group.
    pub fn group(&self) -> &'static Group {
        &GROUPS[self.group]
    }

    /// The parameter called `key`: its English or Russian name or its option
    /// (with or without `--`), in any case.
    pub fn param(&self, key: &str) -> Option<(usize, &'static Param)> {
        let key = key.strip_prefix("--").unwrap_or(key);
        let same = |a: &str, b: &str| {
            a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase))
        };
        let ascii = key.is_ascii();
        self.params.iter().enumerate().find(|(_, p)| {
            p.name.eq_ignore_ascii_case(key)
                || p.option.eq_ignore_ascii_case(key)
                || (!ascii && same(p.russian, key))
        })
    }
}

/// Runs OpenIntegrations' function `name` with the arguments `args`, the
/// text of a JSON object (`Client::run_function_json`).
pub(crate) fn run(engine: &Engine, name: &str, args: &str) -> Answer {
    let Some((function, russian)) = find_named(name) else {
        return Error::invalid_argument(format!(
            "there is no function {} (docs/functions.md lists them)",
            crate::echo::value(name, 60)
        ))
        .into();
    };
    let mut kept = String::new();
    match Arguments::read(function, russian, args, &mut kept) {
        Ok(arguments) => handlers::run(engine, arguments),
        Err(error) => error.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's methods are checked here, once for all, where a
    /// caller's are on every call (`Request::with_body`). An offline
    /// function has none and its handler sends nothing; the OAuth grants'
    /// (`oauth/token`) go to the OAuth server as `Request::oauth` builds.
    #[test]
    fn every_method_of_the_table_is_a_valid_name() {
        for function in functions() {
            match (function.is_offline(), function.handler) {
                (true, handler) => assert_ne!(handler, Handler::None, "{}", function.name),
                (false, Handler::Oauth) => {}
                (false, _) => {
                    let checked = crate::request::checked_method(function.method);
                    assert!(checked.is_ok(), "{}: {checked:?}", function.name);
                }
            }
        }
    }
}
