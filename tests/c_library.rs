//! The library as C developers take it: the README's C example compiled and
//! run exactly as printed, and `cargo cinstall` into a temporary prefix with
//! a program built against it through pkg-config alone.

use opi_test_support as support;

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

/// `cargo cinstall` into a temporary prefix: the versioned library with its
/// SONAME and links, the static library, the pkg-config file and the
/// committed header; then the README's example built with
/// `pkg-config --cflags --libs opi_bitrix24` alone, and run.
#[test]
fn cargo_cinstall_installs_a_c_library_that_pkg_config_finds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = scratch("cinstall");
    let prefix = dir.join("prefix");
    let libdir = prefix.join("lib");
    // Its own target folder: the build of the tests' library stays untouched
    // while other tests load it.
    let target = root.join("target").join("cinstall");
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["cinstall", "--locked", "--offline", "--debug", "--prefix"])
        .arg(&prefix)
        .arg("--libdir")
        .arg(&libdir)
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo cinstall failed (cargo-c is installed by .ci/run: cargo install --locked cargo-c@0.10.24):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let version = env!("CARGO_PKG_VERSION");
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let real = libdir.join(format!("libopi_bitrix24.so.{version}"));
    assert!(real.is_file(), "{} is installed", real.display());
    for (link, to) in [
        (
            format!("libopi_bitrix24.so.{major}"),
            format!("libopi_bitrix24.so.{version}"),
        ),
        (
            "libopi_bitrix24.so".to_owned(),
            format!("libopi_bitrix24.so.{version}"),
        ),
    ] {
        let found = std::fs::read_link(libdir.join(&link))
            .unwrap_or_else(|e| panic!("{link} is a link: {e}"));
        assert_eq!(found.file_name().unwrap().to_string_lossy(), to, "{link}");
    }
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(&real)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(
        dynamic.contains(&format!("Library soname: [libopi_bitrix24.so.{major}]")),
        "SONAME:\n{dynamic}"
    );
    assert!(libdir.join("libopi_bitrix24.a").is_file());
    assert_eq!(
        std::fs::read(prefix.join("include/opi_bitrix24.h")).unwrap(),
        std::fs::read(root.join("include/opi_bitrix24.h")).unwrap(),
        "the installed header is the committed one"
    );
    let pc = std::fs::read_to_string(libdir.join("pkgconfig/opi_bitrix24.pc")).unwrap();
    assert!(pc.contains(&format!("Version: {version}")), "{pc}");

    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "opi_bitrix24"])
        .env("PKG_CONFIG_PATH", libdir.join("pkgconfig"))
        .output()
        .expect("pkg-config (.ci/run installs it)");
    compiled(flags.clone(), "pkg-config");
    let flags = String::from_utf8(flags.stdout).unwrap();
    let source = dir.join("set_status.c");
    std::fs::write(&source, readme_example()).unwrap();
    let program = dir.join("set_status");
    compiled(
        Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
            .arg(&source)
            .args(flags.split_whitespace())
            .arg("-o")
            .arg(&program)
            .output()
            .unwrap(),
        "building the README's example with pkg-config's flags",
    );
    check_example_runs(&program, &libdir);
}
