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

/// Module → the sibling modules it names through `crate::<module>`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            modules.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "lib" | "main" | "tests"))
        .map(|(name, text)| {
            let mut uses = BTreeSet::new();
            // Skip a module's own `#[cfg(test)]` section: tests may reach anywhere.
            let code = text.split("#[cfg(test)]").next().unwrap_or(text);
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if names.contains(&word) && &word != name {
                    uses.insert(word);
                }
            }
            (name.clone(), uses)
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
    let mut checked = 0;
    for dir in ["crates", "xtask"] {
        let base = repo_root().join(dir);
        let srcs: Vec<_> = if dir == "xtask" {
            vec![base.join("src")]
        } else {
            std::fs::read_dir(&base)
                .unwrap()
                .map(|e| e.unwrap().path().join("src"))
                .collect()
        };
        for src in srcs.into_iter().filter(|s| s.is_dir()) {
            let graph = module_graph(&src);
            checked += graph.len();
            assert_eq!(find_cycle(&graph), None, "{}", src.display());
        }
    }
    assert!(checked > 40, "only {checked} modules found");
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
