//! The Kyverno CLI fixtures are complete and consistent with the policies they test.

use std::collections::BTreeSet;

use lab_core::Format;
use lab_policy::cli_test::{Outcome, Test};
use lab_policy::policies::cluster_policies;

/// `dir/../x` → the normalized path, as `kyverno test` resolves it.
fn resolve(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').collect();
    for p in rel.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn tests() -> Vec<(String, Test)> {
    let tree = crate::rendered_tree();
    tree.artifacts()
        .filter(|a| a.format == Format::KyvernoTest)
        .map(|a| {
            // Read back the rendered bytes with the strict (deny_unknown_fields) type.
            let text = a.render().unwrap();
            let test: Test = serde_saphyr::from_str(&text).unwrap();
            (a.path.parent().unwrap().to_owned(), test)
        })
        .collect()
}

#[test]
fn every_policy_has_a_fixture_with_a_failing_resource() {
    let settings = lab_testkit::settings();
    let tested: BTreeSet<String> = tests().into_iter().map(|(_, t)| t.metadata.name).collect();
    for p in cluster_policies(&settings) {
        let name = p.metadata.name.clone().unwrap();
        assert!(tested.contains(&name), "no fixture for {name}");
    }
    for (dir, t) in tests() {
        let outcomes: BTreeSet<Outcome> = t.results.iter().map(|r| r.result).collect();
        assert!(
            outcomes.contains(&Outcome::Fail),
            "{dir}: nothing must fail"
        );
        // A signature can only pass against a really signed image in a registry; every
        // other policy shows a passing resource offline.
        if t.metadata.name != lab_policy::policies::VERIFY_IMAGE_SIGNATURE {
            assert!(
                outcomes.contains(&Outcome::Pass),
                "{dir}: nothing must pass"
            );
        }
    }
}

#[test]
fn fixture_references_resolve_to_rendered_files_rules_and_resources() {
    let tree = crate::rendered_tree();
    let settings = lab_testkit::settings();
    let policies = cluster_policies(&settings);
    for (dir, t) in tests() {
        for file in t.policies.iter().chain(&t.exceptions).chain(&t.resources) {
            let path = resolve(&dir, file);
            assert!(
                tree.get(&path).is_some(),
                "{dir}: {file} → {path} is not rendered"
            );
        }
        let resource_names: BTreeSet<String> = t
            .resources
            .iter()
            .map(|f| {
                tree.get(&resolve(&dir, f))
                    .unwrap()
                    .object
                    .clone()
                    .unwrap()
                    .name
            })
            .collect();
        for r in &t.results {
            let policy = policies
                .iter()
                .find(|p| p.metadata.name.as_deref() == Some(&r.policy))
                .unwrap();
            let rules: Vec<&str> = policy
                .spec
                .rules
                .iter()
                .flatten()
                .map(|rule| rule.name.as_str())
                .collect();
            assert!(
                rules.contains(&r.rule.as_str()),
                "{dir}: no rule {}",
                r.rule
            );
            for name in &r.resources {
                assert!(resource_names.contains(name), "{dir}: no resource {name}");
            }
        }
    }
}
