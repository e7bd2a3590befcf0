//! Clusters as a list: every target under `platform/targets/*/` renders through the same
//! loop, with names that stay unique in the hub's ArgoCD; wiring declares edges; a target
//! reads the hub.

use lab::{Inputs, hub_registry, render};
use lab_core::ObjectId;
use lab_model::component::{EdgeReason, wave_of};
use lab_testkit::repo_root;
use serde_json::Value;

use crate::inputs;

/// Names of every Application and AppProject of a tree, with the file each is in.
fn argocd_objects(tree: &lab_core::Tree) -> Vec<(String, String)> {
    tree.artifacts()
        .filter_map(|a| {
            let id = a.documents.first().and_then(ObjectId::from_value)?;
            matches!(id.kind.as_str(), "Application" | "AppProject")
                .then(|| (format!("{} {}", id.kind, id.name), a.path.to_string()))
        })
        .collect()
}

#[test]
fn a_second_target_renders_beside_the_first_with_its_own_names() {
    let mut i = inputs();
    let talos = i.targets["talos"].clone();
    i.targets.insert("garage".into(), talos);
    let tree = render(&i).unwrap();
    let objects = argocd_objects(&tree);
    let mut names: Vec<&String> = objects.iter().map(|(n, _)| n).collect();
    let all = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all, "a name appears twice: {objects:?}");
    for expected in [
        "AppProject target-talos",
        "AppProject target-garage",
        "Application talos-kube-prometheus-stack",
        "Application garage-kube-prometheus-stack",
        "Application targets-talos",
        "Application targets-garage",
    ] {
        assert!(
            objects.iter().any(|(n, _)| n == expected),
            "{expected} missing from {objects:?}"
        );
    }
    assert!(tree.get("targets/garage/controlplane.yaml").is_some());
}

#[test]
fn every_target_folder_with_nodes_is_a_cluster() {
    let i = Inputs::load(&repo_root()).unwrap();
    let dirs: Vec<String> = std::fs::read_dir(repo_root().join(lab::TARGETS_DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("nodes.yaml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(!dirs.is_empty());
    let clusters = lab::clusters(&i, hub_registry(&i.settings).unwrap()).unwrap();
    assert_eq!(clusters[0].paths.name, "hub");
    assert_eq!(clusters.len(), dirs.len() + 1);
}

#[test]
fn the_target_prometheus_remote_writes_to_the_hubs_mimir_through_the_gateway() {
    let i = inputs();
    let tree = render(&i).unwrap();
    let values = &tree
        .get("targets/talos/values/kube-prometheus-stack.yaml")
        .unwrap()
        .documents[0];
    let url = values
        .pointer("/prometheus/prometheusSpec/remoteWrite/0/url")
        .and_then(Value::as_str)
        .unwrap();
    let host = format!("mimir.{}", i.settings.hub.base_domain);
    assert_eq!(url, format!("https://{host}/api/v1/push"));
    // The hub's Gateway routes that host to Mimir's gateway Service.
    let route = tree
        .artifacts()
        .find(|a| a.path.as_str() == "hub/gateway/httproute-mimir.yaml")
        .expect("an HTTPRoute for Mimir");
    let doc = &route.documents[0];
    assert_eq!(doc["spec"]["hostnames"][0], Value::from(host));
    assert_eq!(doc["metadata"]["namespace"], "observability");
}

#[test]
fn every_external_secret_waits_for_the_secret_store() {
    let i = inputs();
    let registry = hub_registry(&i.settings).unwrap();
    let planned = registry.plan(&i.settings, &i.versions).unwrap();
    let store = wave_of(&planned, "secret-store").unwrap();
    let mut checked = 0;
    for p in &planned {
        if p.app.objects.iter().any(|o| o.id.kind == "ExternalSecret") {
            checked += 1;
            assert!(
                p.wave > store,
                "{} syncs no later than the store",
                p.app.name
            );
            assert!(
                p.after
                    .iter()
                    .any(|e| e.to == "secret-store" && e.reason == EdgeReason::Wiring),
                "{} has no wiring edge to the store: {:?}",
                p.app.name,
                p.after
            );
        }
    }
    assert!(checked >= 5, "only {checked} Apps with ExternalSecrets");
}

#[test]
fn every_exposed_service_gets_a_route_on_the_hub_gateway() {
    let i = inputs();
    let registry = hub_registry(&i.settings).unwrap();
    let tree = render(&i).unwrap();
    let mut checked = 0;
    for c in registry.components() {
        if let Some(exposed) = c.exposed() {
            checked += 1;
            let route = tree
                .artifacts()
                .filter(|a| a.path.as_str().starts_with("hub/gateway/httproute-"))
                .map(|a| &a.documents[0])
                .find(|d| d["metadata"]["name"] == exposed.host)
                .unwrap_or_else(|| panic!("no route for {}", exposed.host));
            assert_eq!(
                route["metadata"]["namespace"],
                Value::from(exposed.namespace)
            );
            let backend = &route["spec"]["rules"][0]["backendRefs"][0];
            assert_eq!(backend["name"], Value::from(exposed.service));
            assert_eq!(backend["port"], Value::from(exposed.port));
        }
    }
    // ArgoCD, Argo Workflows, Headlamp, OpenBao, Grafana and Mimir.
    assert_eq!(checked, 6);
}
