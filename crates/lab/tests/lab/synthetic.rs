//! The scale benchmark's workload (`cargo xtask bench --experiments N`) holds what it claims:
//! per experiment, one document of each kind, in the experiment's own folder and namespace.

use std::collections::BTreeMap;

use lab::synthetic;

#[test]
fn each_synthetic_experiment_holds_one_document_of_each_kind() {
    let inputs = crate::inputs();
    for n in [1, 3] {
        let tree = synthetic::experiments(&inputs, n).unwrap();
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for artifact in tree.artifacts() {
            assert_eq!(artifact.documents.len(), 1, "{}", artifact.path);
            let id = artifact.object.as_ref().expect("every file is an object");
            *kinds.entry(id.kind.clone()).or_default() += 1;
            // Everything of experiment i lives below experiments/exp-0000i/.
            let exp = artifact.path.to_string();
            let exp = exp
                .strip_prefix("experiments/")
                .and_then(|p| p.split('/').next())
                .unwrap_or_else(|| panic!("{} is outside experiments/", artifact.path));
            if let Some(ns) = &id.namespace
                && id.kind != "Application"
                && id.kind != "AppProject"
            {
                assert_eq!(ns, exp, "{id} in {}", artifact.path);
            }
        }
        let expected: BTreeMap<String, usize> = [
            "AppProject",
            "Application",
            "ClusterPolicy",
            "ConfigMap",
            "Deployment",
            "Service",
            "ServiceMonitor",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), n))
        .collect();
        assert_eq!(kinds, expected, "N={n}");
        assert_eq!(tree.len(), 7 * n);
    }
}

#[test]
fn the_synthetic_dashboard_is_about_two_kilobytes() {
    let tree = synthetic::experiments(&crate::inputs(), 1).unwrap();
    let board = tree
        .artifacts()
        .find(|a| a.object.as_ref().is_some_and(|id| id.kind == "ConfigMap"))
        .expect("a dashboard ConfigMap");
    let data = board.documents[0]["data"]
        .as_object()
        .expect("ConfigMap data");
    let [(key, json)] = data.iter().collect::<Vec<_>>()[..] else {
        panic!("one dashboard per ConfigMap: {data:?}");
    };
    assert!(key.ends_with(".json"), "{key}");
    let len = json.as_str().expect("a JSON string").len();
    assert!((1_500..=6_000).contains(&len), "dashboard of {len} bytes");
}
