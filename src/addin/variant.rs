//! `tVariant`, the value cell of the Native API (docs/native-api.md).

use std::ffi::c_char;

use super::host::MemoryManager;
use super::wide::WChar;

/// The variant type tag. An integer, not an enum: the host may write any value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct VarType(pub u16);

impl VarType {
    pub const EMPTY: VarType = VarType(0);
    pub const NULL: VarType = VarType(1);
    pub const I2: VarType = VarType(2);
    pub const I4: VarType = VarType(3);
    pub const R4: VarType = VarType(4);
    pub const R8: VarType = VarType(5);
    pub const PSTR: VarType = VarType(8);
    pub const BOOL: VarType = VarType(11);
    pub const I1: VarType = VarType(13);
    pub const UI1: VarType = VarType(14);
    pub const UI2: VarType = VarType(15);
    pub const UI4: VarType = VarType(16);
    pub const I8: VarType = VarType(17);
    pub const UI8: VarType = VarType(18);
    pub const INT: VarType = VarType(19);
    pub const UINT: VarType = VarType(20);
    pub const PWSTR: VarType = VarType(22);

    fn name(self) -> String {
        let known = [
            "EMPTY",
            "NULL",
            "I2",
            "I4",
            "R4",
            "R8",
            "DATE",
            "TM",
            "PSTR",
            "INTERFACE",
            "ERROR",
            "BOOL",
            "VARIANT",
            "I1",
            "UI1",
            "UI2",
            "UI4",
            "I8",
            "UI8",
            "INT",
            "UINT",
            "HRESULT",
            "PWSTR",
            "BLOB",
            "CLSID",
        ];
        known
            .get(usize::from(self.0))
            .map_or_else(|| format!("type {}", self.0), |name| (*name).to_owned())
    }
}

#[derive(Clone, Copy)]
#[repr(C)]
pub struct StrValue {
    pub pointer: *mut c_char,
    pub len: u32,
}

#[derive(Clone, Copy)]
#[repr(C)]
pub struct WStrValue {
    pub pointer: *mut WChar,
    pub len: u32,
}

/// `struct tm` is the union's largest member; only its size matters here.
#[cfg(all(unix, target_pointer_width = "64"))]
type TmBytes = [u64; 7];
#[cfg(all(unix, target_pointer_width = "32"))]
type TmBytes = [u32; 11];
#[cfg(windows)]
type TmBytes = [u32; 9];

#[derive(Clone, Copy)]
#[repr(C)]
pub union VariantValue {
    /// C++ `bool` as the host wrote it: any byte, true unless 0.
    pub boolean: u8,
    pub i8: i8,
    pub i16: i16,
    pub i32: i32,
    pub i64: i64,
    pub u8: u8,
    pub u16: u16,
    pub u32: u32,
    pub u64: u64,
    pub f32: f32,
    pub f64: f64,
    pub str: StrValue,
    pub wstr: WStrValue,
    tm: TmBytes,
}

/// `tVariant`.
#[repr(C)]
pub struct TVariant {
    pub value: VariantValue,
    pub elements: u32,
    pub vt: VarType,
}

// The layout the hosts were compiled with; a mismatch is a build error, not a crash.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = {
    assert!(size_of::<TVariant>() == 64);
    assert!(std::mem::offset_of!(TVariant, elements) == 56);
    assert!(std::mem::offset_of!(TVariant, vt) == 60);
};
#[cfg(all(windows, target_pointer_width = "64"))]
const _: () = {
    assert!(size_of::<TVariant>() == 48);
    assert!(std::mem::offset_of!(TVariant, vt) == 44);
};
#[cfg(all(windows, target_pointer_width = "32"))]
const _: () = {
    assert!(size_of::<TVariant>() == 48);
    assert!(std::mem::offset_of!(TVariant, vt) == 44);
};

/// A parameter as the component understands it.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// EMPTY or NULL: not given.
    Missing,
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
    /// A string that is not valid UTF-16 (or UTF-8 for PSTR).
    BadText,
    /// Anything else, by type name.
    Unsupported(String),
}

impl TVariant {
    /// Reads the cell.
    ///
    /// # Safety
    /// `self` was filled by the host: string pointers are valid for their lengths.
    pub unsafe fn param(&self) -> Param {
        // SAFETY: each arm reads the union member that `vt` says was written.
        unsafe {
            match self.vt {
                VarType::EMPTY | VarType::NULL => Param::Missing,
                VarType::PWSTR => {
                    let WStrValue { pointer, len } = self.value.wstr;
                    if len == 0 {
                        return Param::Text(String::new());
                    }
                    if pointer.is_null() {
                        return Param::BadText;
                    }
                    // SAFETY: the host vouches for `len` code units at `pointer`.
                    let units = std::slice::from_raw_parts(pointer, len as usize);
                    String::from_utf16(units).map_or(Param::BadText, Param::Text)
                }
                VarType::PSTR => {
                    let StrValue { pointer, len } = self.value.str;
                    if len == 0 {
                        return Param::Text(String::new());
                    }
                    if pointer.is_null() {
                        return Param::BadText;
                    }
                    // SAFETY: the host vouches for `len` bytes at `pointer`.
                    let bytes = std::slice::from_raw_parts(pointer.cast::<u8>(), len as usize);
                    String::from_utf8(bytes.to_vec()).map_or(Param::BadText, Param::Text)
                }
                VarType::I1 => Param::Integer(self.value.i8.into()),
                VarType::I2 => Param::Integer(self.value.i16.into()),
                VarType::I4 | VarType::INT => Param::Integer(self.value.i32.into()),
                VarType::I8 => Param::Integer(self.value.i64),
                VarType::UI1 => Param::Integer(self.value.u8.into()),
                VarType::UI2 => Param::Integer(self.value.u16.into()),
                VarType::UI4 | VarType::UINT => Param::Integer(self.value.u32.into()),
                VarType::UI8 => i64::try_from(self.value.u64)
                    .map_or_else(|_| Param::Real(self.value.u64 as f64), Param::Integer),
                VarType::R4 => Param::Real(self.value.f32.into()),
                VarType::R8 => Param::Real(self.value.f64),
                VarType::BOOL => Param::Boolean(self.value.boolean != 0),
                other => Param::Unsupported(other.name()),
            }
        }
    }

    /// Makes the cell a Boolean.
    pub fn set_bool(&mut self, value: bool) {
        self.value.boolean = u8::from(value);
        self.vt = VarType::BOOL;
    }

    /// Makes the cell a string allocated with the host's memory manager
    /// (which the host frees); false if the host gave no memory.
    pub fn set_text(&mut self, text: &str, memory: &MemoryManager) -> bool {
        let Some((pointer, len)) = memory.alloc_wstr(text) else {
            return false;
        };
        self.value.wstr = WStrValue { pointer, len };
        self.vt = VarType::PWSTR;
        true
    }
}

impl Param {
    /// A short name of the kind, for error texts.
    pub fn kind(&self) -> String {
        match self {
            Param::Missing => "nothing".into(),
            Param::Text(_) => "a String".into(),
            Param::Integer(_) | Param::Real(_) => "a Number".into(),
            Param::Boolean(_) => "a Boolean".into(),
            Param::BadText => "a String that is not valid Unicode".into(),
            Param::Unsupported(name) => format!("a value of type {name}"),
        }
    }
}
