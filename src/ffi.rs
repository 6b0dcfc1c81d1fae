//! Plumbing shared by the foreign fronts (C ABI, 1C add-in): the panic
//! boundary every export goes through, and borrowed C strings.

use std::ffi::{CStr, c_char};

use crate::error::Error;

/// What an export returns when its body panicked.
pub(crate) trait OnPanic {
    fn on_panic() -> Self;
}

impl OnPanic for () {
    fn on_panic() -> Self {}
}

/// Runs an export's body, turning a panic into the return type's
/// [`OnPanic`] value, so that no unwinding crosses into the host.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $crate::ffi::OnPanic::on_panic(),
        }
    };
}
pub(crate) use ffi_boundary;

/// Borrows a NUL-terminated UTF-8 string; `name` says which argument in errors.
///
/// # Safety
/// `pointer` is NULL or points at a NUL-terminated string that stays valid
/// and unchanged for `'a`.
pub(crate) unsafe fn borrowed_str<'a>(
    pointer: *const c_char,
    name: &str,
) -> Result<&'a str, Error> {
    if pointer.is_null() {
        return Err(Error::invalid_argument(format!("{name} is NULL")));
    }
    // SAFETY: not NULL, and the caller vouches for the terminator and lifetime.
    let bytes = unsafe { CStr::from_ptr(pointer) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|error| {
        Error::invalid_argument(format!(
            "{name} is not valid UTF-8 (bad byte at {})",
            error.valid_up_to()
        ))
    })
}
