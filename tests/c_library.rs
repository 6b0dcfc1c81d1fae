//! The library as C developers take it: the README's C example compiled and
//! run exactly as printed, and `cargo cinstall` into a temporary prefix with
//! a program built against it through pkg-config alone.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::*;

/// The C program README.md prints under "A complete program, `set_status.c`".
fn readme_example() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let (_, after) = readme
        .split_once("A complete program, `set_status.c`:\n\n```c\n")
        .expect("README.md shows set_status.c");
    after
        .split_once("```")
        .expect("the example ends")
        .0
        .to_owned()
}

/// A fresh folder for this test's files, under cargo's temporary target folder.
fn scratch(name: &str) -> PathBuf {
    let tmp = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = tmp.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make a scratch folder");
    dir
}

fn compiled(output: Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs the built example against the test portal: a status set (exit 0), a
/// refused one (exit 1, our error printed).
fn check_example_runs(program: &Path, library_dir: &Path) {
    let portal = Portal::start();
    let run = |status: &str| {
        Command::new(program)
            .args([&portal.webhook_url(), status])
            .env("LD_LIBRARY_PATH", library_dir)
            .env("SSL_CERT_FILE", &TestCa::global().pem_path)
            .output()
            .expect("run the example")
    };
    let ok = run("dnd");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert_eq!(parse(&String::from_utf8_lossy(&ok.stdout))["result"], true);
    let refused = run("busy");
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert_eq!(
        parse(&String::from_utf8_lossy(&refused.stdout))["error"],
        "OPI_INVALID_ARGUMENT"
    );
    assert_eq!(portal.status_of(WEBHOOK_USER).as_deref(), Some("dnd"));
}

#[test]
fn the_readme_c_example_compiles_strictly_and_runs_as_printed() {
    let dir = scratch("readme-example");
    let source = dir.join("set_status.c");
    std::fs::write(&source, readme_example()).unwrap();
    let library_dir = shared_library().parent().unwrap().to_path_buf();
    let program = dir.join("set_status");
    compiled(
        Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Wpedantic",
                "-Werror",
                "-I",
            ])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("include"))
            .arg(&source)
            .arg(format!("-L{}", library_dir.display()))
            .args(["-lopi_bitrix24", "-o"])
            .arg(&program)
            .output()
            .unwrap(),
        "compiling the README's example",
    );
    check_example_runs(&program, &library_dir);
}
