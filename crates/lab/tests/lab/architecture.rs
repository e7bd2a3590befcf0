//! The architecture's invariants, checked on the sources: component families side by side
//! (none depends on another), the checker depends on no builder, and no crate has an import
//! cycle between its modules. ARCHITECTURE.md states them; this keeps them true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use lab_testkit::repo_root;

/// Crates that build components of a cluster, one per family.
const FAMILIES: &[&str] = &[
    "lab-platform",
    "lab-observability",
    "lab-policy",
    "lab-crossplane",
    "lab-talos",
    "lab-experiments",
];
/// Crates that only read the rendered tree.
const CHECKERS: &[&str] = &["lab-validate"];
/// Crates a checker may depend on: the core, the input model, and the vendored upstream data.
const BELOW_BUILDERS: &[&str] = &["lab-core", "lab-model", "lab-upstream", "lab-crds"];

/// The workspace path dependencies of a crate, from its `[dependencies]` table only.
fn path_dependencies(krate: &str) -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(repo_root().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps
            && line.contains("path = \"../")
            && let Some((name, _)) = line.split_once('=')
        {
            out.insert(name.trim().to_owned());
        }
    }
    out
}

#[test]
fn families_never_depend_on_each_other() {
    for family in FAMILIES {
        let deps = path_dependencies(family);
        let others: Vec<&&str> = FAMILIES
            .iter()
            .filter(|f| *f != family && deps.contains(**f))
            .collect();
        assert!(
            others.is_empty(),
            "{family} depends on the families {others:?}"
        );
        assert!(
            !deps.contains("lab-argocd"),
            "{family} depends on lab-argocd"
        );
    }
}

#[test]
fn the_checker_depends_on_no_builder() {
    for checker in CHECKERS {
        for dep in path_dependencies(checker) {
            assert!(
                BELOW_BUILDERS.contains(&dep.as_str()),
                "{checker} depends on {dep}, which is not below the builders"
            );
        }
    }
}

/// The integration-test binaries cargo builds for the package at `dir`: each `tests/*.rs` and
/// each `tests/<name>/main.rs`.
fn test_binaries(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("tests")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") || p.join("main.rs").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn every_lab_crate_has_at_most_one_integration_test_binary() {
    let root = repo_root();
    let mut dirs = vec![root.join("xtask")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        dirs.push(entry.unwrap().path());
    }
    let mut seen = 0;
    for dir in dirs {
        let binaries = test_binaries(&dir);
        seen += binaries.len();
        assert!(
            binaries.len() <= 1,
            "{} has {} test binaries {binaries:?}: make them modules of one (tests/<name>/main.rs)",
            dir.display(),
            binaries.len()
        );
    }
    assert!(seen >= 7, "only {seen} test binaries found");
}

#[test]
fn test_binaries_are_counted_as_cargo_builds_them() {
    let dir = fake_src(&[
        ("tests/one.rs", ""),
        ("tests/two/main.rs", "mod helper;"),
        ("tests/two/helper.rs", ""),
        ("tests/snapshots/x.snap", ""),
    ]);
    assert_eq!(test_binaries(dir.path()), ["one.rs", "two"]);
}

/// A module's path below its crate root, from its file: `a.rs` and `a/mod.rs` are `a`,
/// `a/b.rs` is `a::b`; `lib.rs` and `main.rs` are the root (empty).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .strip_prefix(src)
        .unwrap()
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a `use` tree names, each a list of segments: `a::{b, c::{d, self}}` is
/// `a::b`, `a::c::d` and `a::c`. Reads from the start of `text`; stops where the tree ends.
fn use_tree_paths(text: &str) -> Vec<Vec<String>> {
    fn tree(chars: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let skip_ws = |i: &mut usize| {
            while *i < chars.len() && chars[*i].is_whitespace() {
                *i += 1;
            }
        };
        let mut path = prefix.to_vec();
        loop {
            skip_ws(i);
            if *i < chars.len() && chars[*i] == '{' {
                *i += 1;
                loop {
                    skip_ws(i);
                    if *i >= chars.len() || chars[*i] == '}' {
                        *i = (*i + 1).min(chars.len());
                        return;
                    }
                    tree(chars, i, &path, out);
                    // Past a rename (`as x`) or a glob, to the next item or the end.
                    while *i < chars.len() && !matches!(chars[*i], ',' | '}') {
                        *i += 1;
                    }
                    if *i < chars.len() && chars[*i] == ',' {
                        *i += 1;
                    }
                }
            }
            let word: String = chars[*i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .collect();
            *i += word.chars().count();
            if !word.is_empty() && word != "self" {
                path.push(word);
            }
            if chars[*i..].starts_with(&[':', ':']) {
                *i += 2;
            } else {
                break;
            }
        }
        out.push(path);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    tree(&chars, &mut 0, &[], &mut out);
    out
}

/// Module → the modules of the same crate it names through `crate::`, `super::` or `self::`
/// paths, in `use` lines (grouped or not) and in code. Each path resolves to the deepest
/// module it passes through; the crate root, a module's own `#[cfg(test)]` section and
/// comments are left out. A parent reaching its own child by a relative path (`child::f`)
/// is its structure, not an import; a child reading its parent (`super::X`) is an edge.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| (module_path(src, f), std::fs::read_to_string(f).unwrap()))
        .collect();
    modules
        .iter()
        .filter(|(path, _)| !path.is_empty() && path.last().is_some_and(|l| l != "tests"))
        .map(|(path, text)| {
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or(text)
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let mut uses = BTreeSet::new();
            for (i, _) in code.match_indices("::") {
                // The first segment of a path: `crate`, `self` or a run of `super`.
                let before = &code[..i];
                let head = before
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                let lead = before[..before.len() - head.len()].chars().last();
                if lead == Some(':') {
                    continue;
                }
                let mut base: Vec<String> = match head {
                    "crate" => Vec::new(),
                    "self" => path.clone(),
                    "super" => path[..path.len() - 1].to_vec(),
                    _ => continue,
                };
                let mut rest = &code[i + 2..];
                while let Some(r) = rest.strip_prefix("super::") {
                    base.pop();
                    rest = r;
                }
                for tail in use_tree_paths(rest) {
                    let mut full = base.clone();
                    full.extend(tail);
                    let target = (1..=full.len())
                        .rev()
                        .map(|n| full[..n].to_vec())
                        .find(|p| modules.contains_key(p));
                    if let Some(t) = target.filter(|t| t != path) {
                        uses.insert(t.join("::"));
                    }
                }
            }
            (path.join("::"), uses)
        })
        .collect()
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let root = repo_root();
    let mut srcs = vec![root.join("xtask/src")];
    for dir in ["crates", "components/apps"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            srcs.push(entry.unwrap().path().join("src"));
        }
    }
    let mut checked = 0;
    let mut cycles = Vec::new();
    for src in srcs.into_iter().filter(|s| s.is_dir()) {
        let graph = module_graph(&src);
        checked += graph.len();
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!("{}: {}", src.display(), cycle.join(" → ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
    assert!(checked > 150, "only {checked} modules found");
}

#[test]
fn the_cycle_finder_names_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

/// A crate's `src/` in a temporary folder, from `(file, text)` pairs.
fn fake_src(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in files {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn edges(pairs: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

#[test]
fn a_cycle_through_grouped_imports_is_found() {
    let src = fake_src(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::{Error, b::{self, Thing as Other}};\n"),
        (
            "b.rs",
            "use crate::{\n    a::{run, *},\n};\nuse std::fmt;\n",
        ),
    ]);
    let graph = module_graph(src.path());
    assert_eq!(graph, edges(&[("a", &["b"]), ("b", &["a"])]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}

#[test]
fn super_self_and_nested_modules_resolve_to_the_module_they_name() {
    let src = fake_src(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\nmod e;\n"),
        ("a.rs", "use crate::b::Thing;\n"),
        // `super` of a top-level module is the root: an item there, no edge.
        ("b.rs", "use super::Error;\nfn f() { super::c::d::g() }\n"),
        // A parent reaching its child by a relative path is its structure.
        ("c/mod.rs", "mod d;\npub use d::g;\nuse self::d::h;\n"),
        (
            "c/d.rs",
            "use super::super::{a, Error};\nuse super::Shared;\n",
        ),
        // Comments and the module's tests are not imports.
        (
            "e.rs",
            "// use crate::a;\n/// see [`crate::b`]\n#[cfg(test)]\nmod tests { use crate::c; }\n",
        ),
    ]);
    let graph = module_graph(src.path());
    assert_eq!(
        graph,
        edges(&[
            ("a", &["b"]),
            ("b", &["c::d"]),
            ("c", &["c::d"]),
            ("c::d", &["a", "c"]),
            ("e", &[]),
        ])
    );
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c::d".into(), "a".into()])
    );
}
