//! Platform properties: one installer per API group, and wiring between components is derived
//! (moving OpenBao changes exactly the objects that point at it). The wave invariant and cycle
//! naming are tested on the whole lab in `crates/lab/tests/render.rs`.

use lab_kit::secrets::OpenBao;
use lab_model::Registry;
use lab_model::component::PlannedApp;
use lab_testkit::inputs;
use std::collections::{BTreeMap, BTreeSet};

fn hub() -> Registry {
    let mut registry = Registry::new();
    lab_platform::register(&mut registry).expect("hub registers");
    registry
}

fn plan(registry: &Registry) -> Vec<PlannedApp> {
    let (settings, versions) = inputs();
    registry.plan(&settings, &versions).expect("hub plans")
}

#[test]
fn each_api_group_has_one_installer() {
    let registry = hub();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for c in registry.components() {
        for group in c.installs_crds() {
            if let Some(first) = seen.insert(group, c.name()) {
                panic!("{group} is installed by both {first} and {}", c.name());
            }
        }
    }
}

fn objects(planned: &[PlannedApp]) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for p in planned {
        out.insert(
            format!("Application {}", p.app.name),
            serde_json::json!({ "namespace": p.app.namespace.as_str(), "wave": p.wave }),
        );
        for o in &p.app.objects {
            out.insert(o.id.to_string(), o.value.clone());
        }
    }
    out
}

#[test]
fn moving_openbao_changes_only_what_points_at_it() {
    let before = objects(&plan(&hub()));
    // Same hub, OpenBao in another namespace: the one place that says where it lives.
    let mut moved = Registry::new();
    lab_platform::register_with(
        &mut moved,
        OpenBao {
            namespace: "vault".to_owned(),
        },
    )
    .unwrap();
    let after = objects(&plan(&moved));

    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: BTreeSet<&str> = keys
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(String::as_str)
        .collect();
    let expected = BTreeSet::from([
        "Application openbao",
        "ClusterSecretStore openbao",
        "ClusterIssuer openbao-pki",
        "HTTPRoute openbao/openbao",
        "HTTPRoute vault/openbao",
        "Namespace openbao",
        "Namespace vault",
    ]);
    assert_eq!(changed, expected);
    let store = &after["ClusterSecretStore openbao"];
    assert_eq!(
        store["spec"]["provider"]["vault"]["server"],
        "http://openbao.vault.svc.cluster.local:8200"
    );
    let issuer = &after["ClusterIssuer openbao-pki"];
    assert_eq!(
        issuer["spec"]["vault"]["server"],
        "http://openbao.vault.svc.cluster.local:8200"
    );
}

#[test]
fn no_secret_material_is_rendered() {
    for (id, value) in objects(&plan(&hub())) {
        assert!(!id.starts_with("Secret "), "{id} is a plaintext Secret");
        let text = value.to_string();
        for word in ["unseal", "root_token", "BEGIN PRIVATE KEY"] {
            assert!(!text.contains(word), "{id} contains {word}");
        }
    }
}
