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

impl OnPanic for bool {
    fn on_panic() -> Self {
        false
    }
}

impl OnPanic for i32 {
    fn on_panic() -> Self {
        0
    }
}

impl OnPanic for i64 {
    fn on_panic() -> Self {
        0
    }
}

impl<T> OnPanic for *const T {
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

/// Runs an export's body, turning a panic into the return type's
/// [`OnPanic`] value (or the value given as `on_panic:`), so that no
/// unwinding crosses into the host.
macro_rules! ffi_boundary {
    (on_panic: $fallback:expr; $($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $fallback,
        }
    };
    ($($body:tt)*) => {
        $crate::ffi::ffi_boundary!(on_panic: $crate::ffi::OnPanic::on_panic(); $($body)*)
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
