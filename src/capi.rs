//! The C ABI: three functions, declared in `include/opi_bitrix24.h`.

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
/// - `token`: an application's access token; NULL or "" calls by webhook.
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
        let answer = (|| {
            // SAFETY: the caller keeps each string valid for the whole call.
            let (url, status) = unsafe { (borrowed_str(url, "url")?, borrowed_str(status, "status")?) };
            let token = match token.is_null() {
                true => "",
                // SAFETY: as above.
                false => unsafe { borrowed_str(token, "token")? },
            };
            Ok::<_, Error>(crate::set_user_status(url, status, token))
        })()
        .unwrap_or_else(Answer::from);
        into_c_string(answer.into_json())
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
