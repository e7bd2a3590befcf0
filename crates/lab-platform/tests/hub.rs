//! Whole-hub properties: waves respect CRD installation, cycles are named, and wiring between
//! components is derived (moving OpenBao changes exactly the objects that point at it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use lab_model::component::{BuildResult, Context, PlannedApp};
use lab_model::{App, Component, Dependency, Registry, Settings, Versions, load};
use lab_platform::secrets::OpenBao;

fn inputs() -> (Settings, Versions) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    (
        load(&root.join("platform/hub/platform.yaml")).expect("settings load"),
        load(&root.join("platform/versions.yaml")).expect("versions load"),
    )
}

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
fn every_app_syncs_after_the_apps_installing_the_crds_it_uses() {
    let registry = hub();
    let planned = plan(&registry);
    let wave: BTreeMap<&str, u32> = planned
        .iter()
        .map(|p| (p.app.name.as_str(), p.wave))
        .collect();
    let installer: BTreeMap<&str, &str> = registry
        .components()
        .flat_map(|c| c.installs_crds().into_iter().map(move |g| (g, c.name())))
        .collect();
    let mut checked = 0;
    for p in &planned {
        for object in &p.app.objects {
            let Some(owner) = installer.get(object.id.group()) else {
                continue;
            };
            if *owner == p.app.name.as_str() {
                continue;
            }
            checked += 1;
            assert!(
                wave[owner] < p.wave,
                "{} ({}) is in wave {} but {owner}, which installs its CRD, is in wave {}",
                p.app.name,
                object.id,
                p.wave,
                wave[owner]
            );
        }
    }
    // The hub really has custom resources of other components (issuers, stores, gateways…).
    assert!(checked >= 8, "only {checked} custom resources checked");
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

struct Left;
struct Right;

impl Component for Left {
    fn name(&self) -> &str {
        "left"
    }
    fn namespace(&self) -> &str {
        "default"
    }
    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<Right>()]
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

impl Component for Right {
    fn name(&self) -> &str {
        "right"
    }
    fn namespace(&self) -> &str {
        "default"
    }
    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<Left>()]
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

#[test]
fn a_dependency_cycle_is_reported_by_name() {
    let mut registry = hub();
    registry.add(Left).unwrap();
    registry.add(Right).unwrap();
    let (settings, versions) = inputs();
    let err = registry.plan(&settings, &versions).unwrap_err().to_string();
    assert_eq!(err, "dependency cycle: left → right → left");
}

/// Every rendered object of a plan, by identity, plus each App's destination namespace.
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
