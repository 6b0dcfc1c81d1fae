//! The library's exports for the hosts: the class list, making and freeing
//! objects, capabilities and the attach type (docs/native-api.md).

use std::ffi::{c_int, c_long, c_void};

use super::component::CLASS_NAME;
use super::object::Object;
use super::wide::{WChar, wstr_to_string};

static CLASS_NAMES: [WChar; 5] = [
    b'M' as WChar,
    b'a' as WChar,
    b'i' as WChar,
    b'n' as WChar,
    0,
];

/// `|`-separated class names, static.
#[unsafe(no_mangle)]
#[allow(non_snake_case)]
pub extern "C" fn GetClassNames() -> *const WChar {
    CLASS_NAMES.as_ptr()
}

/// Makes an object of class `name` into `*object`; non-zero on success.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `object` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(non_snake_case)]
pub unsafe extern "C" fn GetClassObject(name: *const WChar, object: *mut *mut c_void) -> c_long {
    crate::ffi::ffi_boundary! {
        // SAFETY: as the caller promises.
        let name = unsafe { wstr_to_string(name) };
        if object.is_null() || !name.is_some_and(|n| n.eq_ignore_ascii_case(CLASS_NAME)) {
            return 0;
        }
        // SAFETY: `object` is writable and not NULL.
        unsafe { *object = Object::create() };
        1
    }
}

/// Frees an object made by `GetClassObject` and clears `*object`; 0 on success.
///
/// # Safety
/// `object` is NULL or points at NULL or at an object from `GetClassObject`.
#[unsafe(no_mangle)]
#[allow(non_snake_case)]
pub unsafe extern "C" fn DestroyObject(object: *mut *mut c_void) -> c_long {
    crate::ffi::ffi_boundary! {
        on_panic: -1;
        // SAFETY: checked for NULL; the host hands its object back once.
        unsafe {
            if object.is_null() || (*object).is_null() {
                return -1;
            }
            Object::destroy(*object);
            *object = std::ptr::null_mut();
        }
        0
    }
}

/// The host offers a capability level (1 to 3); the add-in uses it, up to 3.
#[unsafe(no_mangle)]
#[allow(non_snake_case)]
pub extern "C" fn SetPlatformCapabilities(capabilities: c_int) -> c_int {
    capabilities.clamp(1, 3)
}

/// Loadable both isolated and not isolated (3, "any").
#[unsafe(no_mangle)]
#[allow(non_snake_case)]
pub extern "C" fn GetAttachType() -> c_int {
    3
}
