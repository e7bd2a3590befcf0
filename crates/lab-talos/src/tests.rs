//! End-to-end checks of the rendered Talos files, from the real inputs in `platform/`.

use lab_core::layout::ClusterRole;
use lab_testkit::{repo_root as root, versions};
use lab_validate::talos::{secret_findings, validate_talos};
use serde_json::{Value, json};

use super::*;

fn rendered() -> Vec<Artifact> {
    talos_artifacts(
        &root().join("platform/targets/talos/nodes.yaml"),
        &versions(),
        &ClusterPaths::new(ClusterRole::Target, "talos").unwrap(),
    )
    .unwrap()
}

fn schema() -> Value {
    let path = lab_upstream::schemas()
        .unwrap_or_else(|e| panic!("{e}"))
        .talos;
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn file<'a>(out: &'a [Artifact], path: &str) -> &'a Artifact {
    out.iter()
        .find(|a| a.path.as_str() == path)
        .unwrap_or_else(|| panic!("{path} not rendered"))
}

fn kinds(a: &Artifact) -> Vec<&str> {
    a.documents
        .iter()
        .map(|d| d.get("kind").and_then(Value::as_str).unwrap_or("v1alpha1"))
        .collect()
}

#[test]
fn every_patch_document_passes_the_talos_schema() {
    let schema = schema();
    let out = rendered();
    let mut checked = 0;
    for a in out.iter().filter(|a| a.format == Format::TalosPatch) {
        for d in &a.documents {
            let errors = validate_talos(d, &schema);
            assert!(errors.is_empty(), "{}: {errors:#?}", a.path);
            checked += 1;
        }
    }
    // 2 role patches × 3 documents, a control-plane node with VIP (4), a worker (3).
    assert_eq!(checked, 13);
}

#[test]
fn the_schema_check_catches_removed_and_misspelt_fields() {
    let schema = schema();
    // Talos 1.13 dropped machine.network and persist: the original's template fails here.
    let old = json!({"persist": true, "machine": {"network": {}}});
    let errors = validate_talos(&old, &schema);
    assert!(!errors.is_empty());
    let bad_enum = json!({"apiVersion": "v1alpha1", "kind": "HostnameConfig", "auto": "sometimes"});
    assert!(!validate_talos(&bad_enum, &schema).is_empty());
    let unknown =
        json!({"apiVersion": "v1alpha1", "kind": "LinkConfig", "name": "eth0", "dhcp": true});
    assert!(!validate_talos(&unknown, &schema).is_empty());
    // Errors name the field, not just the failed `oneOf`.
    let misspelt = json!({"machine": {"kubelet": {"nodeIp": {}}}});
    let errors = validate_talos(&misspelt, &schema);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("nodeIp") && e.contains("/machine/kubelet")),
        "{errors:?}"
    );
}

#[test]
fn no_rendered_file_holds_a_secret() {
    for a in rendered() {
        for d in &a.documents {
            assert_eq!(secret_findings(d), Vec::<String>::new(), "{}", a.path);
        }
        let text = a.render().unwrap();
        assert!(!text.contains("BEGIN"), "{}", a.path);
    }
}

#[test]
fn control_plane_and_worker_patches_differ_where_they_must() {
    let out = rendered();
    let cp = &file(&out, "targets/talos/controlplane.yaml").documents[0];
    let worker = &file(&out, "targets/talos/worker.yaml").documents[0];
    assert_eq!(
        cp.pointer("/cluster/controlPlane/endpoint"),
        Some(&json!("https://192.168.1.177:6443"))
    );
    assert_eq!(
        cp.pointer("/cluster/clusterName"),
        Some(&json!("talos-hub"))
    );
    assert_eq!(
        cp.pointer("/cluster/inlineManifests/0/name"),
        Some(&json!("kube-vip"))
    );
    assert!(worker.pointer("/cluster/inlineManifests").is_none());
    assert!(worker.pointer("/cluster/apiServer").is_none());
    // The inventory has a worker, so the control plane keeps its NoSchedule taint.
    assert_eq!(
        cp.pointer("/cluster/allowSchedulingOnControlPlanes"),
        Some(&json!(false))
    );
    let v = versions();
    let installer = v.image("talos-installer").unwrap().reference();
    assert_eq!(
        cp.pointer("/machine/install/image"),
        Some(&json!(installer))
    );
    let kubelet = v.image("talos-kubelet").unwrap().reference();
    assert_eq!(
        worker.pointer("/machine/kubelet/image"),
        Some(&json!(kubelet))
    );
}

#[test]
fn kube_vip_manifest_carries_the_load_balancer_range() {
    let out = rendered();
    let cp = &file(&out, "targets/talos/controlplane.yaml").documents[0];
    let contents = cp
        .pointer("/cluster/inlineManifests/0/contents")
        .and_then(Value::as_str)
        .unwrap();
    let docs: Vec<&str> = contents.split("---\n").collect();
    assert_eq!(docs.len(), 6);
    assert!(contents.contains("range-global: 192.168.1.240-192.168.1.250"));
    assert!(contents.contains("kind: DaemonSet"));
    let img = versions().image("kube-vip").unwrap().reference();
    assert!(contents.contains(&img));
}

#[test]
fn node_patches_address_each_node_statically() {
    let out = rendered();
    let cp = file(&out, "targets/talos/nodes/n100-cp1.yaml");
    assert_eq!(
        kinds(cp),
        [
            "v1alpha1",
            "HostnameConfig",
            "LinkConfig",
            "Layer2VIPConfig"
        ]
    );
    assert_eq!(cp.documents[1]["hostname"], json!("n100-cp1"));
    assert_eq!(
        cp.documents[2]["addresses"][0]["address"],
        json!("192.168.1.178/24")
    );
    assert_eq!(
        cp.documents[2]["routes"][0]["gateway"],
        json!("192.168.1.1")
    );
    assert_eq!(cp.documents[3]["name"], json!("192.168.1.177"));
    let worker = file(&out, "targets/talos/nodes/n100-w1.yaml");
    assert_eq!(kinds(worker), ["v1alpha1", "HostnameConfig", "LinkConfig"]);
    assert_eq!(
        worker.documents[0].pointer("/machine/install/disk"),
        Some(&json!("/dev/nvme0n1"))
    );
}

#[test]
fn rendered_yaml_reads_back_into_the_typed_documents() {
    use crate::config::*;
    for a in rendered().iter().filter(|a| a.format == Format::TalosPatch) {
        let text = a.render().unwrap();
        for (doc, text) in a.documents.iter().zip(text.split("\n---\n")) {
            let back = lab_core::yaml::read_back_yaml11(text).unwrap();
            assert_eq!(&back, doc, "{}", a.path);
            // Each document parses into its deny_unknown_fields type.
            let ok = match doc.get("kind").and_then(Value::as_str) {
                None => serde_json::from_value::<ConfigPatch>(back).is_ok(),
                Some("HostnameConfig") => serde_json::from_value::<HostnameConfig>(back).is_ok(),
                Some("LinkConfig") => serde_json::from_value::<LinkConfig>(back).is_ok(),
                Some("Layer2VIPConfig") => serde_json::from_value::<Layer2VipConfig>(back).is_ok(),
                Some("ResolverConfig") => serde_json::from_value::<ResolverConfig>(back).is_ok(),
                Some("UserVolumeConfig") => {
                    serde_json::from_value::<UserVolumeConfig>(back).is_ok()
                }
                Some(other) => panic!("untyped kind {other}"),
            };
            assert!(ok, "{}", a.path);
        }
    }
}

#[test]
fn typed_documents_reject_unknown_fields() {
    let with_token = json!({"machine": {"install": {"disk": "/dev/sda"}, "token": "x"}});
    assert!(serde_json::from_value::<config::ConfigPatch>(with_token).is_err());
}

#[test]
fn version_skew_between_kubelet_and_control_plane_is_refused() {
    let mut v = versions();
    v.images.get_mut("kube-apiserver").unwrap().tag = "v1.34.0".into();
    let err = patches::Images::from_versions(&v).err().unwrap();
    assert!(matches!(err, Error::VersionSkew { .. }), "{err}");
}

#[test]
fn summary_lists_each_node_with_its_patch() {
    let out = rendered();
    let summary = &file(&out, "targets/talos/cluster.json").documents[0];
    assert_eq!(summary["nodes"][0]["patch"], json!("nodes/n100-cp1.yaml"));
    assert_eq!(summary["nodes"][1]["role"], json!("worker"));
    let k8s = versions().image("talos-kubelet").unwrap().tag.clone();
    assert_eq!(summary["kubernetesVersion"], json!(k8s));
}
