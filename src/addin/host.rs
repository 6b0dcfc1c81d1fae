//! What the host lends the component: its memory manager and its connection
//! (`IAddInDefBase`), both C++ objects reached through their vtables.

use std::ffi::{c_long, c_ulong, c_void};

use super::wide::{WChar, to_wide};

/// Destructor slots at the head of every vtable: two in the Itanium C++ ABI
/// (complete and deleting destructor), one with MSVC (scalar deleting).
#[cfg(not(windows))]
pub const DESTRUCTOR_SLOTS: usize = 2;
#[cfg(windows)]
pub const DESTRUCTOR_SLOTS: usize = 1;

type AllocMemory =
    unsafe extern "system" fn(this: *mut c_void, block: *mut *mut c_void, bytes: c_ulong) -> bool;
type AddError = unsafe extern "system" fn(
    this: *mut c_void,
    code: u16,
    source: *const WChar,
    description: *const WChar,
    scode: c_long,
) -> bool;

/// `ADDIN_E_FAIL`: the platform raises an exception with the description.
pub const ADDIN_E_FAIL: u16 = 1006;

/// Reads vtable slot `index` of the C++ object at `object`.
///
/// # Safety
/// `object` is a live C++ object whose vtable has more than `index` slots.
unsafe fn slot(object: *mut c_void, index: usize) -> *const c_void {
    // SAFETY: a C++ object starts with its vtable pointer; the caller vouches
    // for the object and the slot count.
    unsafe { *(*(object as *const *const *const c_void)).add(index) }
}

/// The host's `IMemoryManager`.
#[derive(Debug, Clone, Copy)]
pub struct MemoryManager(*mut c_void);

impl MemoryManager {
    /// # Safety
    /// `pointer` is NULL or the host's `IMemoryManager`, alive while the component uses it.
    pub unsafe fn new(pointer: *mut c_void) -> Option<MemoryManager> {
        (!pointer.is_null()).then_some(MemoryManager(pointer))
    }

    /// `text` as a NUL-terminated UTF-16 string in host memory; its pointer and
    /// length in code units (NUL not counted).
    pub fn alloc_wstr(&self, text: &str) -> Option<(*mut WChar, u32)> {
        let wide = to_wide(text);
        let len = u32::try_from(wide.len() - 1).ok()?;
        let bytes = c_ulong::try_from(wide.len() * size_of::<WChar>()).ok()?;
        let mut block: *mut c_void = std::ptr::null_mut();
        // SAFETY: slot DESTRUCTOR_SLOTS of IMemoryManager is AllocMemory; the
        // manager is alive (see `new`).
        let allocated = unsafe {
            let alloc: AllocMemory = std::mem::transmute(slot(self.0, DESTRUCTOR_SLOTS));
            alloc(self.0, &mut block, bytes)
        };
        if !allocated || block.is_null() {
            return None;
        }
        let target = block.cast::<WChar>();
        // SAFETY: the host just gave `bytes` bytes, room for every unit of `wide`;
        // host allocators align at least to 2.
        unsafe { std::ptr::copy_nonoverlapping(wide.as_ptr(), target, wide.len()) };
        Some((target, len))
    }
}

/// The host's `IAddInDefBase`, given to `Init`.
#[derive(Debug, Clone, Copy)]
pub struct Connection(*mut c_void);

impl Connection {
    /// # Safety
    /// `pointer` is NULL or the host's `IAddInDefBase`, alive until `Done`.
    pub unsafe fn new(pointer: *mut c_void) -> Option<Connection> {
        (!pointer.is_null()).then_some(Connection(pointer))
    }

    /// Reports an error to the platform (`AddError`).
    pub fn add_error(&self, code: u16, source: &str, description: &str) {
        let (source, description) = (to_wide(source), to_wide(description));
        // SAFETY: slot DESTRUCTOR_SLOTS of IAddInDefBase is AddError; the strings
        // outlive the call, which does not keep them.
        unsafe {
            let add_error: AddError = std::mem::transmute(slot(self.0, DESTRUCTOR_SLOTS));
            add_error(self.0, code, source.as_ptr(), description.as_ptr(), 0);
        }
    }
}
