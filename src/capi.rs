//! The C ABI, declared in `include/opi_bitrix24.h`: one export per function
//! of the library, each a line over the core; the strings they return are
//! released with `opi_string_free`.

use std::ffi::{CStr, CString, c_char};

use crate::answer::Answer;
use crate::error::Error;
use crate::ffi::{OnPanic, borrowed_str, ffi_boundary};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the package version has a NUL byte"),
    };

/// Sets the status of a Bitrix24 user (REST method `im.user.status.set`).
///
/// - `url`: the incoming webhook, `https://<portal>/rest/<user id>/<secret>/`,
///   or, with a token, the portal's address. No scheme means https; an
///   explicit `http://` is kept (self-hosted portals).
/// - `status`: `online`, `dnd`, `away` or `break` (case and surrounding
///   spaces do not matter). Anything else is refused before a request is sent.
/// - `token`: an application's access token; NULL or "" calls by webhook;
///   `"file:<path>"` names a token file, whose pair is renewed when it
///   expires (see `opi_bitrix24_get_token_to_file`).
///
/// Returns a NUL-terminated UTF-8 JSON object, never NULL: the portal's
/// answer as it was sent, or an error in the same shape,
/// `{"error": "<CODE>", "error_description": "<text>"}`. The caller owns it
/// and must release it with `opi_string_free`.
///
/// Thread-safe: calls from any number of threads share one connection pool.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_set_user_status(
    url: *const c_char,
    status: *const c_char,
    token: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::set_user_status(borrowed_str(url, "url")?, borrowed_str(status, "status")?, optional_str(token, "token")?))
        })
    }
}

/// Calls any Bitrix24 REST method, e.g. `crm.deal.add` or `server.time`.
///
/// - `url`, `token`: as for `opi_bitrix24_set_user_status`.
/// - `method`: the method's name: letters, digits, `_` and `.`, at most 100
///   bytes. Anything else is refused before a request is sent.
/// - `params_json`: the method's parameters as a JSON object, e.g.
///   `{"fields": {"TITLE": "Deal"}}`; NULL or "" for none. Not an object,
///   or over 16 MiB: refused before sending. With a token it must not hold
///   `auth` itself.
///
/// Returns the portal's answer as sent, or an error document, as
/// `opi_bitrix24_set_user_status` does; release it with `opi_string_free`.
/// A failure after which the portal may have run a method that is not safe
/// to repeat (a write such as `crm.deal.add`) is not retried, and its
/// `error_description` says so: check before calling again.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_call(
    url: *const c_char,
    method: *const c_char,
    params_json: *const c_char,
    token: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::call_method(borrowed_str(url, "url")?, borrowed_str(method, "method")?, optional_str(params_json, "params_json")?, optional_str(token, "token")?))
        })
    }
}

/// Runs many commands through the REST method `batch`, 50 to a request, in
/// order, and answers one document merged over the requests (details in
/// docs/batch.md).
///
/// - `url`, `token`: as for `opi_bitrix24_set_user_status`.
/// - `commands_json`: a JSON object of key → `{"method": "crm.deal.get",
///   "params": {"ID": 1}}`, or an array of those (keyed 0, 1, …). A later
///   command may use an earlier one's answer as `"$result[key][ID]"` within
///   the same 50. Bad commands are refused, naming the command, before
///   anything is sent.
/// - `halt`: stop at the first failed command (no later request is sent).
///
/// Returns `{"result": {"result": {key: answer}, "result_error": {…},
/// "result_total": {…}, "result_next": {…}, "result_time": {…}}, …}`, each
/// section an object. A request the portal may have run is never sent
/// twice: after such a failure the document is an error whose `batch`
/// field lists the commands that `ran`, `may_have_run`, were `skipped`
/// under halt, and were `not_sent`. Release it with `opi_string_free`.
///
/// # Safety
/// `url`, `commands_json` and `token` are each NULL or a NUL-terminated
/// string that stays valid and unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_batch(
    url: *const c_char,
    commands_json: *const c_char,
    halt: bool,
    token: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::batch(borrowed_str(url, "url")?, borrowed_str(commands_json, "commands_json")?, halt, optional_str(token, "token")?))
        })
    }
}

/// Every item of a list method (`crm.deal.list`, `crm.item.list`,
/// `tasks.task.list`, …) in one document: `{"result": [...], "total": n}`,
/// with `"warnings"` when the list changed during the export (docs/lists.md).
///
/// - `url`, `token`: as for `opi_bitrix24_set_user_status`.
/// - `method`, `params_json`: as for `opi_bitrix24_call`; the first page is
///   fetched as given.
/// - `by_id`: page by ID (ordered by ID, `>ID`, no count): fast on large
///   tables, for methods whose ID filter and order work as usual. Otherwise
///   by offset, 50 pages to a request once `total` is known.
///
/// A list over 16 MiB of JSON is refused with an error naming
/// `opi_bitrix24_get_list_to_file`. Release the answer with `opi_string_free`.
///
/// # Safety
/// `url`, `method`, `params_json` and `token` are each NULL or a
/// NUL-terminated string that stays valid and unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_get_list(
    url: *const c_char,
    method: *const c_char,
    params_json: *const c_char,
    token: *const c_char,
    by_id: bool,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::get_list(borrowed_str(url, "url")?, borrowed_str(method, "method")?, optional_str(params_json, "params_json")?, optional_str(token, "token")?, by_id))
        })
    }
}

/// As `opi_bitrix24_get_list`, the document written to the file at `path`
/// (created or replaced) as pages arrive, so memory stays flat however long
/// the list. Answers a summary: `{"result": {"items": n}, "total": n}`,
/// with the warnings, or the error the export ended with (the file then
/// holds the items so far and the same error). Release it with
/// `opi_string_free`.
///
/// # Safety
/// As for `opi_bitrix24_get_list`; `path` too.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_get_list_to_file(
    url: *const c_char,
    method: *const c_char,
    params_json: *const c_char,
    token: *const c_char,
    by_id: bool,
    path: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::get_list_to_file(borrowed_str(url, "url")?, borrowed_str(method, "method")?, optional_str(params_json, "params_json")?, optional_str(token, "token")?, by_id, borrowed_str(path, "path")?))
        })
    }
}

/// The status of the user the credentials belong to (`im.user.status.get`):
/// `{"result": "dnd", …}`, or `"result": false` when none is set.
///
/// `url` and `token` as for `opi_bitrix24_set_user_status`; the answer is
/// released with `opi_string_free`.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_get_user_status(
    url: *const c_char,
    token: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::get_user_status(borrowed_str(url, "url")?, optional_str(token, "token")?))
        })
    }
}

/// Runs one of OpenIntegrations' `OPI_Bitrix24` functions by name, e.g.
/// `CreateTask` or `GetDealsList` (docs/functions.md lists them all).
///
/// - `name`: the function's English or Russian name, in any case.
/// - `arguments_json`: a JSON object of its parameters by English name,
///   Russian name or CLI option, e.g. `{"URL": "https://…/rest/1/…/",
///   "TaskID": 5}`; NULL or "" for none. Files are paths, base64 text or
///   `{"base64": "…"}`. An unknown function or parameter, a required one
///   left out or a value of the wrong shape is refused before anything is
///   sent, naming the function and the parameter.
///
/// Returns the portal's answer as sent (an offline function's value as
/// `{"result": …}`), or an error document, as `opi_bitrix24_call` does;
/// release it with `opi_string_free`.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_function(
    name: *const c_char,
    arguments_json: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::run_function(borrowed_str(name, "name")?, optional_str(arguments_json, "arguments_json")?))
        })
    }
}

/// Reads the body of a request the portal sent to an event handler and
/// proves it came from the portal (docs/events.md). Offline: nothing is
/// sent.
///
/// - `body`: the request's body as received, form-encoded as PHP writes it
///   (`event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=5&…`) or JSON.
/// - `application_token`: the token stored from ONAPPINSTALL (or the
///   outgoing webhook's), compared in constant time with the body's
///   top-level `auth[application_token]`. NULL or "" accepts ONAPPINSTALL
///   only, answering the token to store with `"verified": false`.
/// - `with_tokens`: show the event's tokens instead of `***`.
///
/// Returns `{"result": <the event>, "verified": true}` (ONAPPINSTALL adds
/// `"application_token"`), `OPI_EVENT_FORGED` for a token missing or not
/// the one given, `OPI_INVALID_ARGUMENT` for a body that is no event.
/// Release it with `opi_string_free`.
///
/// # Safety
/// `body` and `application_token` are each NULL or a NUL-terminated string
/// that stays valid and unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_parse_event(
    body: *const c_char,
    application_token: *const c_char,
    with_tokens: bool,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::parse_event(borrowed_str(body, "body")?, optional_str(application_token, "application_token")?, with_tokens))
        })
    }
}

/// Exchanges an application's authorisation `code` for tokens at the OAuth
/// server (`https://oauth.bitrix.info`, or `OPI_BITRIX24_OAUTH_URL`).
///
/// Returns the server's JSON object as sent: `access_token`, and a
/// `refresh_token` the caller must store; or the server's error
/// (`invalid_grant`, `invalid_client`) or ours. The client secret and the
/// code never appear in an error text. Release it with `opi_string_free`.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_get_token(
    client_id: *const c_char,
    client_secret: *const c_char,
    code: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::get_token(borrowed_str(client_id, "client_id")?, borrowed_str(client_secret, "client_secret")?, borrowed_str(code, "code")?))
        })
    }
}

/// Exchanges a refresh token for new tokens. The given refresh token is
/// spent: store the answer's `refresh_token`; a spent one gets the server's
/// `invalid_grant`. Answer and release as for `opi_bitrix24_get_token`.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_refresh_token(
    client_id: *const c_char,
    client_secret: *const c_char,
    refresh: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::refresh_token(borrowed_str(client_id, "client_id")?, borrowed_str(client_secret, "client_secret")?, borrowed_str(refresh, "refresh")?))
        })
    }
}

/// As `opi_bitrix24_get_token`, the pair also written to the token file at
/// `path` with the client's id and secret (created or replaced, readable by
/// its owner only on Unix), ready for a `token` of `"file:<path>"`; NULL or
/// "" writes no file. The answer is the server's without its
/// `refresh_token`, which is in the file only; on a refusal, the server's
/// error, and the file is left as it was.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_get_token_to_file(
    client_id: *const c_char,
    client_secret: *const c_char,
    code: *const c_char,
    path: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::get_token_to_file(borrowed_str(client_id, "client_id")?, borrowed_str(client_secret, "client_secret")?, borrowed_str(code, "code")?, optional_str(path, "path")?))
        })
    }
}

/// As `opi_bitrix24_refresh_token`, the new pair also written to the token
/// file at `path` as by `opi_bitrix24_get_token_to_file`.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_refresh_token_to_file(
    client_id: *const c_char,
    client_secret: *const c_char,
    refresh: *const c_char,
    path: *const c_char,
) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps each string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::refresh_token_to_file(borrowed_str(client_id, "client_id")?, borrowed_str(client_secret, "client_secret")?, borrowed_str(refresh, "refresh")?, optional_str(path, "path")?))
        })
    }
}

/// Changes the library's settings for this process, for every call that
/// starts after it (calls running meanwhile end with the settings they
/// began with): where the environment's variables cannot be set, as in a
/// service whose environment belongs to its administrator.
///
/// - `settings_json`: a JSON object of variable → value, the library's
///   `OPI_BITRIX24_…` variables with their text as the environment would
///   give it (a number is taken as its text), e.g. `{"OPI_BITRIX24_LOG":
///   "/var/log/opi.log", "OPI_BITRIX24_TIMEOUT": "30"}`. What it names is in
///   force over the environment and earlier calls; a value of `""` is the
///   variable's default, whatever the environment says. NULL or "" changes
///   nothing.
///
/// Returns `{"result": {"<VARIABLE>": "<text>", …}}`, every setting then
/// in force (`""` for a default that is no value of its own, a password as
/// `***`), or an `OPI_INVALID_ARGUMENT` error naming an unknown variable or
/// a bad value in the words the environment's would get, and then nothing
/// has changed. The caller owns the answer and releases it with
/// `opi_string_free`. Thread-safe.
///
/// # Safety
/// `settings_json` is NULL or a NUL-terminated string that stays valid and
/// unchanged until the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_bitrix24_configure(settings_json: *const c_char) -> *mut c_char {
    ffi_boundary! {
        // SAFETY: the caller keeps the string valid for the whole call.
        answer_of(|| unsafe {
            Ok(crate::configure(optional_str(settings_json, "settings_json")?))
        })
    }
}

/// Releases a string returned by this library.
///
/// Calling with NULL is fine. Must not be called twice for one string, nor
/// with a string from anywhere else.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet released.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opi_string_free(s: *mut c_char) {
    ffi_boundary! {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` in `into_c_string` and
            // is released once, as the caller promises.
            drop(unsafe { CString::from_raw(s) });
        }
    }
}

/// The library's version, e.g. "0.1.0". Static: not to be freed.
#[unsafe(no_mangle)]
pub extern "C" fn opi_version() -> *const c_char {
    VERSION.as_ptr()
}

impl OnPanic for *mut c_char {
    fn on_panic() -> Self {
        into_c_string(Error::internal("the library panicked; please report this").to_json())
    }
}

/// The answer of a call whose arguments may be refused, as a C string.
fn answer_of(call: impl FnOnce() -> Result<Answer, Error>) -> *mut c_char {
    into_c_string(call().unwrap_or_else(Answer::from).into_json())
}

/// Borrows an optional string argument: NULL is "".
///
/// # Safety
/// As for [`borrowed_str`].
unsafe fn optional_str<'a>(pointer: *const c_char, name: &str) -> Result<&'a str, Error> {
    match pointer.is_null() {
        true => Ok(""),
        // SAFETY: as the caller promises.
        false => unsafe { borrowed_str(pointer, name) },
    }
}

fn into_c_string(json: String) -> *mut c_char {
    CString::new(json)
        .unwrap_or_else(|_| {
            CString::from(c"{\"error\":\"OPI_INTERNAL_ERROR\",\"error_description\":\"the answer had a NUL byte\"}")
        })
        .into_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exploding_export() -> *mut c_char {
        ffi_boundary! {
            panic!("a bug")
        }
    }

    #[test]
    fn a_panic_becomes_an_internal_error_document() {
        let answer = exploding_export();
        // SAFETY: the boundary returned a string of ours, freed once below.
        let text = unsafe { CStr::from_ptr(answer) }
            .to_str()
            .unwrap()
            .to_owned();
        // SAFETY: as above.
        unsafe { opi_string_free(answer) };
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["error"], "OPI_INTERNAL_ERROR");
    }
}
