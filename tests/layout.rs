//! The code's shape, checked: the library's units (the crate's root and its
//! top-level modules, a folder counting as one) import each other without a
//! loop, a type's methods are defined only in its own unit, no core unit
//! imports a front, no source file is too long, and no comment or test
//! points outside the repository.
//!
//! The module graph is read with `syn` from the code, not searched for in
//! its text: every `use` tree and every path is resolved from the module it
//! stands in (`crate::`, `super::`, `self::`, a child module, a name a `use`
//! brought in, a re-export), and an inherent `impl` of another unit's type
//! counts as that unit importing this one, since calling the type's method
//! runs code here (docs/architecture.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

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

/// The unit a module belongs to: the crate's root, or a top-level module
/// (`crate::client::exchange` is in `crate::client`).
fn unit_of(module: &str) -> String {
    module.split("::").take(2).collect::<Vec<_>>().join("::")
}

fn parent_of(module: &str) -> Option<&str> {
    module.rsplit_once("::").map(|(parent, _)| parent)
}

/// Whether an item is compiled for tests only (`#[cfg(test)]`).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| meta.path().is_ident("test"))
    })
}

fn attributes(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Const(c) => &c.attrs,
        syn::Item::Static(s) => &s.attrs,
        syn::Item::Trait(t) => &t.attrs,
        syn::Item::Type(t) => &t.attrs,
        syn::Item::Macro(m) => &m.attrs,
        _ => &[],
    }
}

/// Every path a `use` tree names, as segments, with the name it brings in
/// (empty for a glob).
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_paths(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) if name.ident == "self" => {
            out.push((prefix.clone(), prefix.last().cloned().unwrap_or_default()));
        }
        syn::UseTree::Name(name) => {
            let mut full = prefix.clone();
            full.push(name.ident.to_string());
            out.push((full, name.ident.to_string()));
        }
        syn::UseTree::Rename(rename) => {
            let mut full = prefix.clone();
            full.push(rename.ident.to_string());
            out.push((full, rename.rename.to_string()));
        }
        syn::UseTree::Glob(_) => out.push((prefix.clone(), String::new())),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

/// Every path written in the code outside `use` items, as segments.
#[derive(Default)]
struct CodePaths(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for CodePaths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string());
        self.0.push(segments.collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    // `pub(crate)` and `pub(super)` name who may see an item, not an import.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if !is_test_only(&module.attrs) {
            syn::visit::visit_item_mod(self, module);
        }
    }
}

/// One source file, read.
struct Parsed {
    module: String,
    /// Each name a `use` brings in, and the path it stands for.
    uses: BTreeMap<String, Vec<String>>,
    /// Every path of the code and of its `use` items.
    paths: Vec<Vec<String>>,
    /// The types and traits defined here.
    types: BTreeSet<String>,
    /// The self types of its inherent `impl` blocks, as written.
    impls: Vec<Vec<String>>,
    /// The modules it declares in files of their own (`mod x;`).
    children: Vec<String>,
}

fn parse(module: &str, text: &str) -> Parsed {
    let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{module} does not parse: {e}"));
    let mut parsed = Parsed {
        module: module.to_owned(),
        uses: BTreeMap::new(),
        paths: Vec::new(),
        types: BTreeSet::new(),
        impls: Vec::new(),
        children: Vec::new(),
    };
    let mut code = CodePaths::default();
    for item in file.items.iter().filter(|i| !is_test_only(attributes(i))) {
        match item {
            syn::Item::Use(u) => {
                let mut found = Vec::new();
                use_paths(&u.tree, &mut Vec::new(), &mut found);
                for (path, name) in found {
                    if !name.is_empty() {
                        parsed.uses.insert(name, path.clone());
                    }
                    parsed.paths.push(path);
                }
            }
            syn::Item::Struct(s) => _ = parsed.types.insert(s.ident.to_string()),
            syn::Item::Enum(e) => _ = parsed.types.insert(e.ident.to_string()),
            syn::Item::Union(u) => _ = parsed.types.insert(u.ident.to_string()),
            syn::Item::Type(t) => _ = parsed.types.insert(t.ident.to_string()),
            syn::Item::Trait(t) => _ = parsed.types.insert(t.ident.to_string()),
            syn::Item::Mod(m) if m.content.is_none() => {
                parsed.children.push(format!("{module}::{}", m.ident));
            }
            syn::Item::Impl(i) if i.trait_.is_none() => {
                if let syn::Type::Path(path) = &*i.self_ty {
                    let segments = path.path.segments.iter().map(|s| s.ident.to_string());
                    parsed.impls.push(segments.collect());
                }
            }
            _ => {}
        }
        code.visit_item(item);
    }
    parsed.paths.extend(code.0);
    parsed
}

/// The library's files, read, and how a path in one of them resolves.
struct Library {
    files: BTreeMap<String, Parsed>,
}

impl Library {
    /// The files (module, text) that the crate's root declares, directly
    /// or through their parents; others (build.rs's) are not the library's.
    fn new(files: &[(String, String)]) -> Library {
        let mut parsed: BTreeMap<String, Parsed> = files
            .iter()
            .map(|(module, text)| (module.clone(), parse(module, text)))
            .collect();
        let mut declared = BTreeMap::new();
        let mut next = vec!["crate".to_owned()];
        while let Some(module) = next.pop() {
            if let Some(file) = parsed.remove(&module) {
                next.extend(file.children.iter().cloned());
                declared.insert(module, file);
            }
        }
        Library { files: declared }
    }

    /// The module `path` (written in module `from`) leads to, and the item
    /// it names there, if any; None for a path outside the library.
    fn resolve(&self, from: &str, path: &[String], depth: u32) -> Option<(String, Option<String>)> {
        let (first, rest) = path.split_first()?;
        if depth > 8 {
            return None;
        }
        let mut at = match first.as_str() {
            "crate" => "crate".to_owned(),
            "self" => from.to_owned(),
            "super" => parent_of(from)?.to_owned(),
            name if self.files.contains_key(&format!("{from}::{name}")) => {
                format!("{from}::{name}")
            }
            name => {
                let used = self.files.get(from)?.uses.get(name)?;
                let whole: Vec<String> = used.iter().chain(rest).cloned().collect();
                return self.resolve(from, &whole, depth + 1);
            }
        };
        for (index, segment) in rest.iter().enumerate() {
            if segment == "super" {
                at = parent_of(&at)?.to_owned();
                continue;
            }
            let deeper = format!("{at}::{segment}");
            if self.files.contains_key(&deeper) {
                at = deeper;
                continue;
            }
            // A name the module re-exports is its defining module's.
            if let Some(used) = self.files.get(&at).and_then(|f| f.uses.get(segment)) {
                let whole: Vec<String> = used.iter().chain(&rest[index + 1..]).cloned().collect();
                if let Some(found) = self.resolve(&at, &whole, depth + 1) {
                    return Some(found);
                }
            }
            return Some((at, Some(segment.clone())));
        }
        Some((at, None))
    }

    /// The units and the units each imports, and each `impl` that stands
    /// outside its type's unit.
    fn graph(&self) -> Graph {
        let mut graph = Graph::default();
        for file in self.files.values() {
            let unit = unit_of(&file.module);
            let edges = graph.edges.entry(unit.clone()).or_default();
            for path in &file.paths {
                if let Some((module, _)) = self.resolve(&file.module, path, 0) {
                    edges.insert(unit_of(&module));
                }
            }
            edges.remove(&unit);
        }
        for file in self.files.values() {
            let unit = unit_of(&file.module);
            for written in &file.impls {
                let Some((module, Some(name))) = self.resolve(&file.module, written, 0) else {
                    continue;
                };
                if !self.files[&module].types.contains(&name) || unit_of(&module) == unit {
                    continue;
                }
                graph
                    .misplaced
                    .push(format!("{}: impl {name}, a type of {module}", file.module));
                graph
                    .edges
                    .entry(unit_of(&module))
                    .or_default()
                    .insert(unit.clone());
            }
        }
        graph
    }
}

/// The library as units and their imports.
#[derive(Default, Debug)]
struct Graph {
    /// Each unit, and the units it imports.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// Each inherent `impl` outside its type's unit, described.
    misplaced: Vec<String>,
}

impl Graph {
    /// Every loop, as a unit that reaches itself.
    fn loops(&self) -> Vec<String> {
        let mut loops = Vec::new();
        for start in self.edges.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
            while let Some((unit, path)) = stack.pop() {
                for next in self.edges.get(&unit).into_iter().flatten() {
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
        loops
    }
}

/// The library's files (`src/bin` aside), as (module, text).
fn library_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    sources(&src)
        .into_iter()
        .filter(|f| !f.starts_with(src.join("bin")))
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read a source");
            (module_of(&src, &file), text)
        })
        .collect()
}

fn library_graph() -> Graph {
    let graph = Library::new(&library_files()).graph();
    assert!(graph.edges.len() > 15, "the units were found: {graph:?}");
    assert!(
        graph.edges["crate::capi"].contains("crate::ffi"),
        "the reader sees imports: {graph:?}"
    );
    graph
}

fn planted(files: &[(&str, &str)]) -> Graph {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(m, t)| (m.to_string(), t.to_string()))
        .collect();
    Library::new(&files).graph()
}

/// The fronts: thin adapters that only the facade (`lib.rs`) declares.
const FRONTS: [&str; 3] = ["crate::capi", "crate::ffi", "crate::addin"];

#[test]
fn no_core_unit_imports_a_front() {
    let graph = library_graph();
    let mut wrong = Vec::new();
    for (unit, imported) in &graph.edges {
        if FRONTS.contains(&unit.as_str()) {
            continue;
        }
        for front in imported.iter().filter(|u| FRONTS.contains(&u.as_str())) {
            wrong.push(format!("{unit} imports the front {front}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the core must know nothing of its fronts (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_unit_of_src_imports_one_that_imports_it_back() {
    let loops = library_graph().loops();
    assert!(
        loops.is_empty(),
        "import loops (docs/architecture.md):\n{}",
        loops.join("\n")
    );
}

#[test]
fn a_types_methods_are_defined_in_its_own_unit() {
    let misplaced = library_graph().misplaced;
    assert!(
        misplaced.is_empty(),
        "methods defined outside their type's unit (docs/architecture.md):\n{}",
        misplaced.join("\n")
    );
}

#[test]
fn a_planted_loop_is_seen_through_uses_paths_and_re_exports() {
    let through_use = planted(&[
        ("crate", "mod a; mod b;"),
        ("crate::a", "use crate::b::B; pub struct A;"),
        ("crate::b", "pub struct B; fn f() { let _ = super::a::A; }"),
    ]);
    assert_eq!(through_use.loops().len(), 2, "{through_use:?}");
    let through_re_export = planted(&[
        ("crate", "mod a; mod b; pub use a::A;"),
        ("crate::a", "use crate::b; pub struct A; fn f() { b::g(); }"),
        ("crate::b", "pub fn g() -> crate::A { crate::A }"),
    ]);
    assert!(
        through_re_export
            .loops()
            .iter()
            .any(|l| l == "crate::a -> crate::b -> crate::a"),
        "{through_re_export:?}"
    );
    let in_a_test = planted(&[
        ("crate", "mod a; mod b;"),
        ("crate::a", "use crate::b::B; pub struct A;"),
        (
            "crate::b",
            "pub struct B;\n#[cfg(test)]\nmod tests { use crate::a::A; }",
        ),
    ]);
    assert!(in_a_test.loops().is_empty(), "{in_a_test:?}");
}

#[test]
fn a_planted_impl_outside_its_types_unit_is_refused_and_makes_a_loop() {
    // Today's shape before the engine's seams: an operation that adds a
    // method to the client the engine then calls.
    let graph = planted(&[
        ("crate", "mod client; mod token_file;"),
        (
            "crate::client",
            "pub struct Client; impl Client { fn call(&self) { self.answer_with_token() } }",
        ),
        (
            "crate::token_file",
            "use crate::client::Client; impl Client { pub(crate) fn answer_with_token(&self) {} }",
        ),
    ]);
    assert_eq!(
        graph.misplaced,
        ["crate::token_file: impl Client, a type of crate::client"]
    );
    assert!(
        graph
            .loops()
            .iter()
            .any(|l| l == "crate::client -> crate::token_file -> crate::client"),
        "{graph:?}"
    );
    // Within its own unit, a type's methods may be split across files.
    let split = planted(&[
        ("crate", "mod client;"),
        ("crate::client", "mod exchange; pub struct Client;"),
        (
            "crate::client::exchange",
            "use super::Client; impl Client { fn send(&self) {} }",
        ),
    ]);
    assert!(
        split.misplaced.is_empty() && split.loops().is_empty(),
        "{split:?}"
    );
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
