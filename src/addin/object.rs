//! The component as the host sees it: a C++ object with four interfaces,
//! laid out by hand. `this` for a method of base N points at the Nth vtable
//! pointer; every thunk steps back to the object's start. Destructor slots
//! follow the host's C++ ABI: Itanium (two per vtable) on gcc/clang targets,
//! MSVC (one scalar deleting destructor) on Windows.

use std::ffi::{c_long, c_void};
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};

use super::component::{Component, INFO_VERSION};
use super::variant::TVariant;
use super::wide::{WChar, wstr_to_string};
use crate::ffi::ffi_boundary;

/// Objects made and not yet freed, for the tests' "freed exactly once";
/// compiled only for them.
#[cfg(test)]
static LIVE_OBJECTS: AtomicUsize = AtomicUsize::new(0);

const INIT_DONE: usize = 0;
const LANGUAGE_EXTENDER: usize = 1;
const LOCALE: usize = 2;
const USER_LANGUAGE: usize = 3;

/// The object: one vtable pointer per base, in `IComponentBase`'s order, then our state.
#[repr(C)]
pub struct Object {
    init_done: &'static InitDoneVtbl,
    language_extender: &'static LanguageExtenderVtbl,
    locale: &'static LocaleVtbl,
    user_language: &'static UserLanguageVtbl,
    /// None once a complete-object destructor ran without freeing the memory.
    component: Option<Component>,
}

const _: () = {
    assert!(
        std::mem::offset_of!(Object, language_extender) == LANGUAGE_EXTENDER * size_of::<usize>()
    );
    assert!(std::mem::offset_of!(Object, locale) == LOCALE * size_of::<usize>());
    assert!(std::mem::offset_of!(Object, user_language) == USER_LANGUAGE * size_of::<usize>());
};

impl Object {
    /// A new object on the heap, as the `IComponentBase*` the host keeps.
    pub fn create() -> *mut c_void {
        #[cfg(test)]
        LIVE_OBJECTS.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(Object {
            init_done: &INIT_DONE_VTBL,
            language_extender: &LANGUAGE_EXTENDER_VTBL,
            locale: &LOCALE_VTBL,
            user_language: &USER_LANGUAGE_VTBL,
            component: Some(Component::default()),
        }))
        .cast()
    }

    /// Frees an object made by [`Object::create`].
    ///
    /// # Safety
    /// `object` is the start of a live object from [`Object::create`], not used afterwards.
    pub unsafe fn destroy(object: *mut c_void) {
        // SAFETY: it came from Box::into_raw in `create`, and is freed once.
        drop(unsafe { Box::from_raw(object.cast::<Object>()) });
    }
}

#[cfg(test)]
impl Drop for Object {
    fn drop(&mut self) {
        LIVE_OBJECTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The object behind the interface pointer of base `base`.
///
/// # Safety
/// `this` points at the vtable pointer of base `base` of a live [`Object`].
unsafe fn object_of<'a>(this: *mut c_void, base: usize) -> &'a mut Object {
    // SAFETY: the vtable pointers are consecutive pointer-sized fields at the
    // object's start (asserted above), so stepping back `base` of them lands
    // on the object.
    unsafe { &mut *this.cast::<*const c_void>().sub(base).cast::<Object>() }
}

/// An interface method: unwraps `this`, stops panics, answers `$gone` for a destroyed object.
macro_rules! thunk {
    (fn $name:ident[$base:expr]($($arg:ident: $ty:ty),*) -> $ret:ty, gone: $gone:expr, |$component:ident| $body:expr) => {
        unsafe extern "system" fn $name(this: *mut c_void $(, $arg: $ty)*) -> $ret {
            ffi_boundary! {
                on_panic: $gone;
                // SAFETY: the host calls this slot through the vtable of base
                // `$base` of an object from `Object::create`, passing that base's pointer.
                let object = unsafe { object_of(this, $base) };
                match object.component.as_mut() {
                    Some($component) => $body,
                    None => $gone,
                }
            }
        }
    };
}

// --- destructors -----------------------------------------------------------

/// Itanium complete-object destructor: ends the component, keeps the memory.
#[cfg(not(windows))]
unsafe extern "C" fn complete_destructor<const BASE: usize>(this: *mut c_void) {
    ffi_boundary! {
        // SAFETY: called through the vtable of base BASE of a live object.
        unsafe { object_of(this, BASE) }.component = None;
    }
}

/// Itanium deleting destructor, what C++ `delete` calls: frees the object.
#[cfg(not(windows))]
unsafe extern "C" fn deleting_destructor<const BASE: usize>(this: *mut c_void) {
    ffi_boundary! {
        // SAFETY: called through the vtable of base BASE of a live object,
        // which the host does not use again.
        unsafe { Object::destroy(this.cast::<*const c_void>().sub(BASE).cast()) }
    }
}

#[cfg(not(windows))]
#[repr(C)]
struct Destructors {
    complete: unsafe extern "C" fn(*mut c_void),
    deleting: unsafe extern "C" fn(*mut c_void),
}

#[cfg(not(windows))]
const fn destructors<const BASE: usize>() -> Destructors {
    Destructors {
        complete: complete_destructor::<BASE>,
        deleting: deleting_destructor::<BASE>,
    }
}

/// MSVC scalar deleting destructor: ends the component; frees the memory too
/// when bit 0 of `flags` is set. Returns `this`, as MSVC's does.
#[cfg(windows)]
fn scalar_deleting_destructor(this: *mut c_void, base: usize, flags: u32) -> *mut c_void {
    ffi_boundary! {
        on_panic: this;
        // SAFETY: called through the vtable of base `base` of a live object;
        // with bit 0 set the host does not use it again.
        unsafe {
            let object: *mut c_void = this.cast::<*const c_void>().sub(base).cast();
            if flags & 1 == 1 {
                Object::destroy(object);
            } else {
                object_of(this, base).component = None;
            }
        }
        this
    }
}

#[cfg(all(windows, target_arch = "x86"))]
unsafe extern "thiscall" fn msvc_destructor<const BASE: usize>(
    this: *mut c_void,
    flags: u32,
) -> *mut c_void {
    scalar_deleting_destructor(this, BASE, flags)
}

#[cfg(all(windows, not(target_arch = "x86")))]
unsafe extern "system" fn msvc_destructor<const BASE: usize>(
    this: *mut c_void,
    flags: u32,
) -> *mut c_void {
    scalar_deleting_destructor(this, BASE, flags)
}

#[cfg(windows)]
#[repr(C)]
struct Destructors {
    #[cfg(target_arch = "x86")]
    scalar_deleting: unsafe extern "thiscall" fn(*mut c_void, u32) -> *mut c_void,
    #[cfg(not(target_arch = "x86"))]
    scalar_deleting: unsafe extern "system" fn(*mut c_void, u32) -> *mut c_void,
}

#[cfg(windows)]
const fn destructors<const BASE: usize>() -> Destructors {
    Destructors {
        scalar_deleting: msvc_destructor::<BASE>,
    }
}

// --- IInitDoneBase ---------------------------------------------------------

#[repr(C)]
struct InitDoneVtbl {
    destructors: Destructors,
    init: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    set_mem_manager: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    get_info: unsafe extern "system" fn(*mut c_void) -> c_long,
    done: unsafe extern "system" fn(*mut c_void),
}

thunk!(fn init[INIT_DONE](connection: *mut c_void) -> bool, gone: false, |c| c.init(connection));
thunk!(fn set_mem_manager[INIT_DONE](memory: *mut c_void) -> bool, gone: false, |c| c.set_mem_manager(memory));
thunk!(fn get_info[INIT_DONE]() -> c_long, gone: 0, |_c| INFO_VERSION);
thunk!(fn done[INIT_DONE]() -> (), gone: (), |c| c.done());

static INIT_DONE_VTBL: InitDoneVtbl = InitDoneVtbl {
    destructors: destructors::<INIT_DONE>(),
    init,
    set_mem_manager,
    get_info,
    done,
};

// --- ILanguageExtenderBase -------------------------------------------------

#[repr(C)]
struct LanguageExtenderVtbl {
    destructors: Destructors,
    register_extension_as: unsafe extern "system" fn(*mut c_void, *mut *mut WChar) -> bool,
    get_n_props: unsafe extern "system" fn(*mut c_void) -> c_long,
    find_prop: unsafe extern "system" fn(*mut c_void, *const WChar) -> c_long,
    get_prop_name: unsafe extern "system" fn(*mut c_void, c_long, c_long) -> *const WChar,
    get_prop_val: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant) -> bool,
    is_prop_readable: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    is_prop_writable: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    get_n_methods: unsafe extern "system" fn(*mut c_void) -> c_long,
    find_method: unsafe extern "system" fn(*mut c_void, *const WChar) -> c_long,
    get_method_name: unsafe extern "system" fn(*mut c_void, c_long, c_long) -> *const WChar,
    get_n_params: unsafe extern "system" fn(*mut c_void, c_long) -> c_long,
    get_param_def_value:
        unsafe extern "system" fn(*mut c_void, c_long, c_long, *mut TVariant) -> bool,
    has_ret_val: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    call_as_proc: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant, c_long) -> bool,
    call_as_func: unsafe extern "system" fn(
        *mut c_void,
        c_long,
        *mut TVariant,
        *mut TVariant,
        c_long,
    ) -> bool,
}

thunk!(fn register_extension_as[LANGUAGE_EXTENDER](name: *mut *mut WChar) -> bool, gone: false, |c| {
    match (name.is_null(), c.class_name()) {
        (false, Some(allocated)) => {
            // SAFETY: `name` is the host's out-pointer, checked not NULL.
            unsafe { *name = allocated };
            true
        }
        _ => false,
    }
});
thunk!(fn get_n_props[LANGUAGE_EXTENDER]() -> c_long, gone: 0, |c| c.prop_count());
thunk!(fn find_prop[LANGUAGE_EXTENDER](name: *const WChar) -> c_long, gone: -1, |c| {
    // SAFETY: the host passes NULL or a NUL-terminated name.
    c.find_prop(unsafe { wstr_to_string(name) })
});
thunk!(fn get_prop_name[LANGUAGE_EXTENDER](prop: c_long, alias: c_long) -> *const WChar, gone: std::ptr::null(), |c| {
    c.prop_name(prop, alias)
});
thunk!(fn get_prop_val[LANGUAGE_EXTENDER](prop: c_long, value: *mut TVariant) -> bool, gone: false, |c| {
    // SAFETY: the host passes NULL or a variant it owns for the call.
    unsafe { with_host_variant(value, |value| c.prop_value(prop, value)) }
});
thunk!(fn set_prop_val[LANGUAGE_EXTENDER](_prop: c_long, _value: *mut TVariant) -> bool, gone: false, |_c| false);
thunk!(fn is_prop_readable[LANGUAGE_EXTENDER](prop: c_long) -> bool, gone: false, |c| c.is_prop(prop));
thunk!(fn is_prop_writable[LANGUAGE_EXTENDER](_prop: c_long) -> bool, gone: false, |_c| false);
thunk!(fn get_n_methods[LANGUAGE_EXTENDER]() -> c_long, gone: 0, |c| c.method_count());
thunk!(fn find_method[LANGUAGE_EXTENDER](name: *const WChar) -> c_long, gone: -1, |c| {
    // SAFETY: the host passes NULL or a NUL-terminated name.
    c.find_method(unsafe { wstr_to_string(name) })
});
thunk!(fn get_method_name[LANGUAGE_EXTENDER](method: c_long, alias: c_long) -> *const WChar, gone: std::ptr::null(), |c| {
    c.method_name(method, alias)
});
thunk!(fn get_n_params[LANGUAGE_EXTENDER](method: c_long) -> c_long, gone: 0, |c| c.param_count(method));
thunk!(fn get_param_def_value[LANGUAGE_EXTENDER](method: c_long, param: c_long, value: *mut TVariant) -> bool, gone: false, |c| {
    // SAFETY: the host passes NULL or a variant it owns for the call.
    unsafe { with_host_variant(value, |value| c.param_default(method, param, value)) }
});
thunk!(fn has_ret_val[LANGUAGE_EXTENDER](method: c_long) -> bool, gone: false, |c| c.has_result(method));
thunk!(fn call_as_proc[LANGUAGE_EXTENDER](method: c_long, params: *mut TVariant, count: c_long) -> bool, gone: false, |c| {
    // SAFETY: the host passes `count` variants at `params` (or none).
    c.call(method, &unsafe { params_of(params, count) }, None)
});
thunk!(fn call_as_func[LANGUAGE_EXTENDER](method: c_long, result: *mut TVariant, params: *mut TVariant, count: c_long) -> bool, gone: false, |c| {
    // SAFETY: the host passes `count` variants at `params` (or none), and
    // NULL or a result variant it owns for the call.
    unsafe {
        let params = params_of(params, count);
        with_host_variant(result, |result| c.call(method, &params, Some(result)))
    }
});

/// Copies of the host's parameter array; empty for NULL or a count below 1.
///
/// Read one by one without assuming alignment: MSVC on x86 places variants
/// on the stack 4-byte aligned, and a slice over them would need 8
/// (docs/native-api.md, "Alignment and booleans").
///
/// # Safety
/// `params` is NULL or points at `count` initialised variants.
unsafe fn params_of(params: *const TVariant, count: c_long) -> Vec<TVariant> {
    match usize::try_from(count) {
        Ok(count) if !params.is_null() => (0..count)
            // SAFETY: as the caller promises, each of the `count` cells is readable.
            .map(|index| unsafe { params.add(index).read_unaligned() })
            .collect(),
        _ => Vec::new(),
    }
}

/// Lends `fill` a copy of the host's variant at `cell` and writes it back,
/// so that no reference into the host's memory (which may be unaligned) is
/// made. False for NULL.
///
/// # Safety
/// `cell` is NULL or points at a variant the host owns for the call.
unsafe fn with_host_variant(cell: *mut TVariant, fill: impl FnOnce(&mut TVariant) -> bool) -> bool {
    if cell.is_null() {
        return false;
    }
    // SAFETY: readable and writable as the caller promises; neither access
    // assumes alignment.
    unsafe {
        let mut value = cell.read_unaligned();
        let filled = fill(&mut value);
        cell.write_unaligned(value);
        filled
    }
}

static LANGUAGE_EXTENDER_VTBL: LanguageExtenderVtbl = LanguageExtenderVtbl {
    destructors: destructors::<LANGUAGE_EXTENDER>(),
    register_extension_as,
    get_n_props,
    find_prop,
    get_prop_name,
    get_prop_val,
    set_prop_val,
    is_prop_readable,
    is_prop_writable,
    get_n_methods,
    find_method,
    get_method_name,
    get_n_params,
    get_param_def_value,
    has_ret_val,
    call_as_proc,
    call_as_func,
};

// --- LocaleBase, UserLanguageBase ------------------------------------------

#[repr(C)]
struct LocaleVtbl {
    destructors: Destructors,
    set_locale: unsafe extern "system" fn(*mut c_void, *const WChar),
}

#[repr(C)]
struct UserLanguageVtbl {
    destructors: Destructors,
    set_user_interface_language_code: unsafe extern "system" fn(*mut c_void, *const WChar),
}

thunk!(fn set_locale[LOCALE](_locale: *const WChar) -> (), gone: (), |_c| ());
thunk!(fn set_user_interface_language_code[USER_LANGUAGE](_language: *const WChar) -> (), gone: (), |_c| ());

static LOCALE_VTBL: LocaleVtbl = LocaleVtbl {
    destructors: destructors::<LOCALE>(),
    set_locale,
};

static USER_LANGUAGE_VTBL: UserLanguageVtbl = UserLanguageVtbl {
    destructors: destructors::<USER_LANGUAGE>(),
    set_user_interface_language_code,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Serialises the tests that count live objects.
    static COUNTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn every_interface_pointer_leads_back_to_the_object() {
        let _counting = COUNTING.lock().unwrap();
        let object = Object::create();
        for base in [INIT_DONE, LANGUAGE_EXTENDER, LOCALE, USER_LANGUAGE] {
            // SAFETY: `object` is live; the interface pointer of `base` is inside it.
            let found = unsafe { object_of(object.cast::<*const c_void>().add(base).cast(), base) };
            assert_eq!(std::ptr::from_mut(found).cast::<c_void>(), object);
        }
        // SAFETY: made above, freed once.
        unsafe { Object::destroy(object) };
    }

    /// Destroys one new object through each base with `destroy`, which gets
    /// that base's interface pointer, and checks each is freed exactly once.
    fn assert_every_base_frees_once(destroy: impl Fn(*mut *const Destructors)) {
        let _counting = COUNTING.lock().unwrap();
        let before = LIVE_OBJECTS.load(Ordering::SeqCst);
        for base in [INIT_DONE, LANGUAGE_EXTENDER, LOCALE, USER_LANGUAGE] {
            let object = Object::create();
            assert_eq!(LIVE_OBJECTS.load(Ordering::SeqCst), before + 1);
            // SAFETY: the interface pointer of base `base`, inside the live object.
            destroy(unsafe { object.cast::<*const Destructors>().add(base) });
            assert_eq!(LIVE_OBJECTS.load(Ordering::SeqCst), before, "base {base}");
        }
    }

    /// Ends a new object's component with `end`, given its first interface
    /// pointer; the object must answer as a destroyed one, then free normally.
    fn assert_ending_keeps_the_memory(end: impl Fn(*mut *const Destructors)) {
        let _counting = COUNTING.lock().unwrap();
        let object = Object::create();
        end(object.cast());
        // SAFETY: the destructor kept the memory, so the object is still there.
        unsafe {
            assert!(object_of(object, INIT_DONE).component.is_none());
            // A call after it answers as for a destroyed object, not a crash.
            assert_eq!(
                get_n_methods(object.cast::<*const c_void>().add(LANGUAGE_EXTENDER).cast()),
                0
            );
            Object::destroy(object);
        }
    }

    #[cfg(not(windows))]
    #[test]
    fn deleting_destructor_of_any_base_frees_exactly_once() {
        // SAFETY: an interface pointer of a live object, whose vtable starts
        // with the two Itanium destructors, the second deleting.
        assert_every_base_frees_once(|this| unsafe { ((**this).deleting)(this.cast()) });
    }

    #[cfg(not(windows))]
    #[test]
    fn complete_destructor_ends_the_component_but_keeps_the_memory() {
        // SAFETY: the first interface pointer of a live object; slot 0 is the
        // complete-object destructor.
        assert_ending_keeps_the_memory(|this| unsafe { ((**this).complete)(this.cast()) });
    }

    #[cfg(windows)]
    #[test]
    fn scalar_deleting_destructor_with_flag_1_frees_through_any_base() {
        assert_every_base_frees_once(|this| {
            // SAFETY: an interface pointer of a live object, whose vtable
            // starts with the scalar deleting destructor.
            let returned = unsafe { ((**this).scalar_deleting)(this.cast(), 1) };
            assert_eq!(returned, this.cast::<c_void>(), "it returns its this");
        });
    }

    #[cfg(windows)]
    #[test]
    fn scalar_deleting_destructor_with_flag_0_ends_the_component_but_keeps_the_memory() {
        // SAFETY: the first interface pointer of a live object; slot 0 is the
        // scalar deleting destructor.
        assert_ending_keeps_the_memory(|this| unsafe {
            ((**this).scalar_deleting)(this.cast(), 0);
        });
    }
}
