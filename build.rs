//! Writes the C header, include/opi_bitrix24.h, from the C ABI in src/capi.rs.
//! CI fails when the committed header differs from what this writes.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/capi.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let header = crate_dir.join("include").join("opi_bitrix24.h");
    // Only the C ABI goes into the header; the add-in's exports are for 1C hosts.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src").join("capi.rs"))
        .generate()
        .expect("cbindgen reads src/capi.rs");
    bindings.write_to_file(header);
}
