//! UTF-16 text, as the Native API passes every name and string.

/// `WCHAR_T`: a UTF-16 code unit on every platform.
pub type WChar = u16;

/// A NUL-terminated UTF-16 string from the host, as Rust text.
///
/// # Safety
/// `pointer` is NULL or points at a NUL-terminated UTF-16 string.
pub unsafe fn wstr_to_string(pointer: *const WChar) -> Option<String> {
    if pointer.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the string is NUL-terminated, so every unit up to the NUL is readable.
    while unsafe { *pointer.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` units were just read.
    String::from_utf16(unsafe { std::slice::from_raw_parts(pointer, len) }).ok()
}

/// A Rust string as NUL-terminated UTF-16, for static names.
pub fn to_wide(text: &str) -> Vec<WChar> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}
