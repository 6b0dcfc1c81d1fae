//! Writes the C header, include/opi_bitrix24.h, from the C ABI in src/capi.rs,
//! with the version macros from Cargo.toml and the list of our error codes
//! from src/error.rs; and from the function table (src/functions/table/,
//! docs/functions-table.md) the engine's static table, the generated part of
//! the OneScript module, the 1C common module and docs/functions.md. CI
//! fails when a committed file differs from what this writes.

use std::path::{Path, PathBuf};

#[path = "src/functions/generate.rs"]
mod generate;
#[path = "src/functions/names.rs"]
mod names;
#[path = "src/functions/syntax.rs"]
mod syntax;

fn main() {
    functions();
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

/// The function table's products: the engine's table in OUT_DIR, and the
/// committed modules and docs, written only when they change.
fn functions() {
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = crate_dir.join("src/functions/table");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=src/functions/generate.rs");
    println!("cargo:rerun-if-changed=src/functions/syntax.rs");
    println!("cargo:rerun-if-changed=src/functions/names.rs");
    println!("cargo:rerun-if-changed=onescript/src/OPI_Bitrix24.os");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("src/functions/table is readable")
        .map(|entry| entry.expect("src/functions/table is readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(&crate_dir)
                .unwrap_or(path)
                .display()
                .to_string();
            (
                name,
                std::fs::read_to_string(path).expect("a table file is readable"),
            )
        })
        .collect();
    let table = syntax::TableRows::read(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .unwrap_or_else(|error| panic!("the function table: {error}"));
    let rust =
        generate::rust_table(&table).unwrap_or_else(|error| panic!("the function table: {error}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("functions_table.rs"), rust).expect("OUT_DIR is writable");

    let module_path = crate_dir.join("onescript/src/OPI_Bitrix24.os");
    let module = std::fs::read_to_string(&module_path).expect("the OneScript module is readable");
    let module = generate::with_functions(&module, &table)
        .unwrap_or_else(|error| panic!("onescript/src/OPI_Bitrix24.os: {error}"));
    write_if_changed(&module_path, &module);
    write_if_changed(
        &crate_dir.join("onescript/1c/OPI_Bitrix24.bsl"),
        &generate::common_module(&module),
    );
    write_if_changed(
        &crate_dir.join("docs/functions.md"),
        &generate::markdown(&table),
    );
}

/// Writes `text` to `path` unless it holds it already, so that a build does
/// not touch what it need not.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("writable");
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
