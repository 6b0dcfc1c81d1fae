//! Writes the C header, include/opi_bitrix24.h, from the C ABI in src/capi.rs,
//! with the version macros from Cargo.toml and the list of our error codes
//! from src/error.rs. CI fails when the committed header differs from what
//! this writes.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src/capi.rs");
    println!("cargo:rerun-if-changed=src/error.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let version = |part: &str| {
        std::env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets the version")
    };
    let after_includes = format!(
        "{}\n\n{}\n\n// The library's version, as in Cargo.toml. The SONAME changes with the major version\n\
         // (docs/c-library.md); opi_version() gives the version of the library loaded.\n\
         #define OPI_BITRIX24_VERSION_MAJOR {}\n\
         #define OPI_BITRIX24_VERSION_MINOR {}\n\
         #define OPI_BITRIX24_VERSION_PATCH {}\n\
         #define OPI_BITRIX24_VERSION \"{}\"",
        config.after_includes.take().unwrap_or_default(),
        error_codes_comment(&crate_dir.join("src").join("error.rs")),
        version("MAJOR"),
        version("MINOR"),
        version("PATCH"),
        std::env::var("CARGO_PKG_VERSION").expect("cargo sets the version"),
    );
    config.after_includes = Some(after_includes);
    let header = crate_dir.join("include").join("opi_bitrix24.h");
    // Only the C ABI goes into the header; the add-in's exports are for 1C hosts.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src").join("capi.rs"))
        .generate()
        .expect("cbindgen reads src/capi.rs");
    bindings.write_to_file(header);
}

/// A C comment listing our error codes and what each means, read from the
/// doc comments of `ErrorCode`'s variants and the codes `as_str` gives them.
fn error_codes_comment(error_rs: &Path) -> String {
    let text = std::fs::read_to_string(error_rs).expect("src/error.rs is readable");
    let enum_body = text
        .split_once("pub enum ErrorCode {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .expect("src/error.rs declares ErrorCode")
        .0;
    let mut lines = vec![
        "// Every function answers a JSON object: the portal's answer as it was sent, or an"
            .to_owned(),
        "// error {\"error\": \"<CODE>\", \"error_description\": \"<text>\"}, where CODE is the"
            .to_owned(),
        "// portal's own (STATUS_ERROR, expired_token, QUERY_LIMIT_EXCEEDED, ...) or one of ours:"
            .to_owned(),
    ];
    let mut doc = Vec::new();
    for line in enum_body.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix("///") {
            doc.push(comment.trim().to_owned());
        } else if let Some(variant) = line.strip_suffix(',') {
            let code = text
                .split(&format!("ErrorCode::{variant} => \""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("every ErrorCode has its text in as_str");
            lines.push(format!("//   {code:<22} {}", doc.join(" ")));
            doc.clear();
        }
    }
    lines.join("\n")
}
