//! The code's shape, checked: no module of `src/` imports one that imports
//! it back (directly or around a longer loop), and no comment or test points
//! outside the repository for what it relies on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The module a file of `src/` is: `crate`, `crate::client`, `crate::addin::object`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    std::iter::once("crate".to_owned())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

/// The modules `code` (of module `module`) names through `crate::…` and
/// `super::…` paths, resolved to the nearest module that exists.
fn imports(module: &str, code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = module
        .rsplit_once("::")
        .map_or("crate", |(parent, _)| parent);
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", "crate"), ("super::", parent)] {
        for (at, _) in code.match_indices(prefix) {
            let before = code[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let path: String = code[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut target = base.to_owned();
            for part in path.split("::").filter(|p| !p.is_empty()) {
                let deeper = format!("{target}::{part}");
                if !modules.contains(&deeper) {
                    break;
                }
                target = deeper;
            }
            if target != module {
                found.insert(target);
            }
        }
    }
    found
}

/// A file's code without its comments and its `#[cfg(test)] mod tests`
/// (whose `use super::*` is the file itself).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each module of the library (`src/bin` aside) and the modules it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<PathBuf> = sources(&src)
        .into_iter()
        .filter(|f| !f.starts_with(src.join("bin")))
        .collect();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).expect("read a source");
        let code = code_of(&text);
        // Declaring a child (`mod x;`) is not importing it.
        graph.insert(module.clone(), imports(&module, &code, &modules));
    }
    assert!(graph.len() > 15, "the sources were found: {graph:?}");
    assert!(
        graph["crate::addin::object"].contains("crate::addin::component"),
        "the reader sees imports: {graph:?}"
    );
    graph
}

/// The fronts: thin adapters that only the facade (`lib.rs`) declares.
const FRONTS: [&str; 3] = ["crate::capi", "crate::ffi", "crate::addin"];

fn is_front(module: &str) -> bool {
    FRONTS
        .iter()
        .any(|front| module == *front || module.starts_with(&format!("{front}::")))
}

#[test]
fn no_core_module_imports_a_front() {
    let graph = import_graph();
    let mut wrong = Vec::new();
    for (module, imported) in &graph {
        if is_front(module) {
            continue;
        }
        for front in imported.iter().filter(|m| is_front(m)) {
            wrong.push(format!("{module} imports the front {front}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the core must know nothing of its fronts (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
    // The check sees a front being imported: the C ABI imports the FFI helpers.
    assert!(graph["crate::capi"].contains("crate::ffi"), "{graph:?}");
}

#[test]
fn no_source_file_is_over_600_lines_outside_its_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for file in sources(&src) {
        let text = std::fs::read_to_string(&file).expect("read a source");
        let code = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text,
        };
        let lines = code.lines().count();
        if lines > 600 {
            long.push(format!("{}: {lines} lines", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these by concept (docs/architecture.md):\n{}",
        long.join("\n")
    );
}

#[test]
fn no_module_of_src_imports_one_that_imports_it_back() {
    let graph = import_graph();
    // Every loop shows as a module that reaches itself.
    let mut loops = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == start {
                    loops.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}

#[test]
fn nothing_points_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "fuzz/fuzz_targets"] {
        files.extend(sources(&root.join(dir)));
    }
    for extra in [
        "tests/addin/host.cpp",
        "tests/windows/host.c",
        "tests/c/opi_bitrix24_test.c",
        "build.rs",
    ] {
        files.push(root.join(extra));
    }
    let outside = ["shared/spec", "../shared", "shared/style"];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a file");
        for (number, line) in text.lines().enumerate() {
            // This file names them to look for them.
            if file.ends_with("tests/layout.rs") {
                continue;
            }
            assert!(
                !outside.iter().any(|o| line.contains(o)),
                "{}:{}: points outside the repository: {line}",
                file.display(),
                number + 1
            );
        }
    }
    for doc in ["docs/retries.md", "docs/portal.md", "docs/native-api.md"] {
        assert!(root.join(doc).exists(), "{doc} is cited by the code");
    }
}
