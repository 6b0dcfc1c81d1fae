//! The Windows build (`.ci/windows`) and running it under Wine.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{TestCa, compile, target_dir};

/// The two Windows targets: Rust's name, and the MinGW-w64 tool prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Windows {
    X64,
    X86,
}

impl Windows {
    /// "x64" or "x86", for messages.
    pub fn name(self) -> &'static str {
        match self {
            Windows::X64 => "x64",
            Windows::X86 => "x86",
        }
    }

    fn triple(self) -> &'static str {
        match self {
            Windows::X64 => "x86_64-win7-windows-gnu",
            Windows::X86 => "i686-win7-windows-gnu",
        }
    }

    pub fn c_compiler(self) -> &'static str {
        match self {
            Windows::X64 => "x86_64-w64-mingw32-gcc",
            Windows::X86 => "i686-w64-mingw32-gcc",
        }
    }

    /// target/windows/<triple>/release, where `.ci/windows` puts the binaries.
    fn release_dir(self) -> PathBuf {
        windows_dir().join(self.triple()).join("release")
    }

    /// The DLL of the dev profile (`.ci/windows --ci` builds the x86 one so).
    pub fn dev_dll(self) -> PathBuf {
        built(
            windows_dir()
                .join(self.triple())
                .join("debug/opi_bitrix24.dll"),
        )
    }

    /// The built DLL, release or else dev profile (`.ci/windows --ci`
    /// builds the x86 one so); fails, saying how to build it, if neither is there.
    pub fn dll(self) -> PathBuf {
        self.binary("opi_bitrix24.dll")
    }

    /// The built oint.exe, release or else dev profile, as [`Windows::dll`].
    pub fn oint_exe(self) -> PathBuf {
        self.binary("oint.exe")
    }

    fn binary(self, name: &str) -> PathBuf {
        let debug = windows_dir().join(self.triple()).join("debug").join(name);
        let release = self.release_dir().join(name);
        built(if release.exists() { release } else { debug })
    }

    /// tests/c/opi_bitrix24_test.c for this target: it loads the DLL with LoadLibrary.
    pub fn c_test_program(self) -> PathBuf {
        compile(
            self.c_compiler(),
            &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"],
            "tests/c/opi_bitrix24_test.c",
            &["-lpsapi"],
        )
    }

    /// tests/windows/host.c, the 1C hosts with MSVC-layout objects, for this target.
    pub fn addin_host(self) -> PathBuf {
        self.addin_host_with(&[])
    }

    /// As [`Windows::addin_host`], compiled with `defines` too (`-DNAME=VALUE`).
    pub fn addin_host_with(self, defines: &[&str]) -> PathBuf {
        let mut flags = vec!["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
        flags.extend_from_slice(defines);
        compile(self.c_compiler(), &flags, "tests/windows/host.c", &[])
    }
}

/// tests/windows/trust_ca.c: adds a CA to the Windows ROOT store, or removes it.
pub fn trust_ca_program() -> PathBuf {
    compile(
        Windows::X64.c_compiler(),
        &["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"],
        "tests/windows/trust_ca.c",
        &["-lcrypt32"],
    )
}

/// target/windows, next to the profile folder the tests run from.
fn windows_dir() -> PathBuf {
    target_dir()
        .parent()
        .expect("the target folder")
        .join("windows")
}

fn built(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run `bash .ci/windows` first (tests/run.sh does)",
        path.display()
    );
    path
}

/// `path` as Windows programs under Wine see it: Wine maps drive Z: to `/`.
pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The Windows version the tests' Wine prefix reports: "10", or "7" when
/// OPI_BITRIX24_TEST_WINDOWS is 7 (tests/run.sh runs the Windows tests in
/// both; `.ci/windows` makes both prefixes).
pub fn windows_version() -> &'static str {
    match std::env::var("OPI_BITRIX24_TEST_WINDOWS").as_deref() {
        Ok("7") => "7",
        _ => "10",
    }
}

/// The tests' Wine prefix for [`windows_version`].
fn wine_prefix() -> PathBuf {
    let prefix = match windows_version() {
        "7" => "wine-prefix-win7",
        _ => "wine-prefix",
    };
    built(windows_dir().join(prefix))
}

/// Held by a test while it changes the certificate store of the tests'
/// prefix (the current user's): Wine's registry store writes back the whole
/// store it read, so two tests changing it at once undid each other's change.
pub fn lock_the_certificate_store() -> std::fs::File {
    let lock = std::fs::File::create(wine_prefix().join(".certificate-store.lock"))
        .expect("the store's lock file");
    // std's File::lock is newer than the Rust this project builds with.
    // SAFETY: the descriptor is open, owned by `lock`, which outlives the call.
    let locked = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) };
    assert_eq!(locked, 0, "lock the certificate store");
    lock
}

/// A prefix of its own for a test that changes the current user's registry:
/// a copy of the tests' registry with `user_entries` (user.reg text)
/// appended, and the tests' drive C.
pub fn prefix_with_user_registry(name: &str, user_entries: &str) -> PathBuf {
    let shared = wine_prefix();
    let prefix = super::tmp_dir().join(format!("{name}-{}", windows_version()));
    let _ = std::fs::remove_dir_all(&prefix);
    std::fs::create_dir_all(prefix.join("dosdevices")).expect("the prefix's folder");
    // With the update stamp copied too, Wine does not update the new prefix:
    // an update would rewrite the shared drive C under the other tests.
    for file in ["system.reg", "userdef.reg", "user.reg", ".update-timestamp"] {
        std::fs::copy(shared.join(file), prefix.join(file)).expect("copy the registry");
    }
    let mut user = std::fs::OpenOptions::new()
        .append(true)
        .open(prefix.join("user.reg"))
        .expect("the user registry");
    std::io::Write::write_all(&mut user, format!("\n{user_entries}\n").as_bytes()).expect("append");
    std::os::unix::fs::symlink(shared.join("drive_c"), prefix.join("drive_c")).expect("drive C");
    for entry in std::fs::read_dir(shared.join("dosdevices")).expect("dosdevices") {
        let entry = entry.expect("an entry");
        let target = std::fs::read_link(entry.path()).expect("a drive link");
        std::os::unix::fs::symlink(target, prefix.join("dosdevices").join(entry.file_name()))
            .expect("a drive");
    }
    prefix
}

/// `program` (a Windows executable, 64- or 32-bit) run by Wine in the tests' prefix,
/// with the library set to trust the test CA through its extra-CA option.
/// Wine hands the Linux environment to Windows programs: SSL_CERT_FILE and
/// SSL_CERT_DIR would make the library read Linux's CA bundle instead of the
/// Windows certificate store, as it never would on Windows, so they go.
pub fn wine(program: &Path) -> Command {
    wine_in(&wine_prefix(), program)
}

/// Fails, saying what to install, without 32-bit Wine, which the 64-bit
/// loader [`wine`] hands 32-bit programs to.
pub fn require_32_bit_wine() {
    assert!(
        Path::new("/usr/lib/wine/wine").exists(),
        "32-bit Wine (wine32:i386) is not installed, so the x86 binaries cannot run: .ci/run installs it"
    );
}

/// As [`wine`], in `prefix`.
pub fn wine_in(prefix: &Path, program: &Path) -> Command {
    let wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .expect("wine64 is not installed: .ci/run installs it");
    let mut command = Command::new(wine);
    command
        .arg(program)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env(
            "OPI_BITRIX24_CA_FILE",
            windows_path(&TestCa::global().pem_path),
        )
        .env("OPI_BITRIX24_RETRY_DELAY", "0.01")
        .env("OPI_BITRIX24_RATE_LIMIT", "off");
    command
}
