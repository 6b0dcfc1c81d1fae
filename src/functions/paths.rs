//! Where a text given for a structure, an array or a file may be read
//! from, as `OPI_BITRIX24_FILES` allows (docs/configuration.md, "Files
//! named by arguments"): anywhere, nowhere, or inside one directory.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use crate::config::FileAccess;

/// What a text may be read as.
pub(super) enum Place<'a> {
    /// The file at this path, if there is one.
    Path(Cow<'a, Path>),
    /// No file: none is read.
    NotRead,
    /// No file: the path leads out of the directory files are read from.
    Outside,
}

/// Where `text` may be read from under `files`.
pub(super) fn place<'a>(files: &FileAccess, text: &'a str) -> Place<'a> {
    match files {
        FileAccess::Any => Place::Path(Cow::Borrowed(Path::new(text))),
        FileAccess::None => Place::NotRead,
        FileAccess::Within(directory) => match within(directory, text) {
            Some(path) => Place::Path(Cow::Owned(path)),
            None => Place::Outside,
        },
    }
}

/// `text` as a path in `directory` (a relative one taken from it), as the
/// system resolves it — symbolic links and `..` followed as far as it
/// exists —, if that is inside the directory's own resolved path. The path
/// is looked at only when it is written inside the directory: on Windows,
/// looking at `\\host\share\…` would connect to that host.
fn within(directory: &Path, text: &str) -> Option<PathBuf> {
    let joined = directory.join(text);
    if !lexical(&joined).starts_with(lexical(directory)) {
        return None;
    }
    let root = std::fs::canonicalize(directory).ok()?;
    let resolved = resolved(&joined);
    resolved.starts_with(&root).then_some(resolved)
}

/// `path` with `.` left out and each `..` taking the name before it away,
/// as written.
fn lexical(path: &Path) -> PathBuf {
    let mut plain = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                plain.pop();
            }
            other => plain.push(other),
        }
    }
    plain
}

/// `path` resolved component by component: each prefix that exists by its
/// real path (symbolic links followed), so that a `..` after it goes where
/// the system goes; the part that does not exist as written.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let mut resolved = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Prefix(_) | Component::RootDir => resolved.push(component),
            Component::Normal(name) => {
                resolved.push(name);
                if let Ok(real) = std::fs::canonicalize(&resolved) {
                    resolved = real;
                }
            }
        }
    }
    resolved
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A directory of files, one outside it, and links out of it.
    #[test]
    fn only_paths_that_resolve_inside_the_directory_are_read() {
        let base = std::env::temp_dir().join(format!("opi-paths-{}", std::process::id()));
        let inside = base.join("inside");
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        std::fs::write(inside.join("a.json"), "{}").unwrap();
        std::fs::write(base.join("secret.json"), "{}").unwrap();
        let link = inside.join("out");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&base, &link).unwrap();
        let files = FileAccess::Within(inside.clone());
        let real = std::fs::canonicalize(&inside).unwrap();
        for (text, expected) in [
            ("a.json", Some(real.join("a.json"))),
            ("./sub/../a.json", Some(real.join("a.json"))),
            ("missing.json", Some(real.join("missing.json"))),
            ("UA", Some(real.join("UA"))),
            (
                inside.join("a.json").to_str().unwrap(),
                Some(real.join("a.json")),
            ),
            ("../secret.json", None),
            ("../missing.json", None),
            ("out/secret.json", None),
            ("out/missing.json", None),
            ("out/../a.json", None),
            ("/etc/passwd", None),
            ("/nonexistent/file", None),
        ] {
            let found = match place(&files, text) {
                Place::Path(path) => Some(path.into_owned()),
                Place::Outside => None,
                Place::NotRead => panic!("{text}: not read"),
            };
            assert_eq!(found, expected, "{text}");
        }
        assert!(matches!(place(&FileAccess::None, "a.json"), Place::NotRead));
        assert!(matches!(
            place(&FileAccess::Any, "a.json"),
            Place::Path(Cow::Borrowed(path)) if path == Path::new("a.json")
        ));
        std::fs::remove_dir_all(base).unwrap();
    }
}
