//! The 1C:Enterprise Native API add-in, in the same library as the C ABI:
//! class `Main`, one method per function of the library (English and
//! Russian names, in `component::METHODS`), property `Version` / `Версия`. Loaded by
//! the 1C platform and by OneScript with
//! `AttachAddIn(<path>, "OPI_Bitrix24", AddInType.Native)`.
//!
//! The binary contract is in docs/native-api.md; `object` holds the
//! hand-made C++ object, `host` the host's objects we call, `variant` the
//! value cells, `wide` UTF-16 text, `component` the behaviour and
//! `exports` the library's entry points.

mod component;
mod exports;
mod host;
mod object;
mod variant;
mod wide;
