//! Validation is strict and the rules bite: each test breaks one thing in a real render.

use crate::edited;
use lab::{Inputs, render};
use lab_core::{Artifact, Format, RelPath, Tree};
use lab_testkit::repo_root;
use lab_validate::{Schemas, validate};
use serde_json::json;

/// The upstream schemas (vendored, or `LAB_SCHEMAS_DIR`; see `lab_upstream`).
fn schemas() -> Schemas {
    let dirs = lab_upstream::schemas().unwrap_or_else(|e| panic!("{e}"));
    Schemas::load(&dirs.crds)
        .and_then(|s| s.with_talos(&dirs.talos))
        .unwrap_or_else(|e| panic!("loading the schemas: {e:#}"))
}

fn rendered() -> (Inputs, Tree) {
    let inputs = Inputs::load(&repo_root()).unwrap();
    let tree = render(&inputs).unwrap();
    (inputs, tree)
}

#[test]
fn the_real_render_has_no_findings() {
    let (inputs, tree) = rendered();
    let report = validate(&tree, &schemas(), &inputs.settings);
    assert!(report.objects_checked > 0);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn an_unknown_field_in_a_custom_resource_is_rejected() {
    let (inputs, tree) = rendered();
    let bad = edited(&tree, "hub/apps/application-argocd.yaml", |doc| {
        doc["spec"]["syncPolicy"]["automatd"] = json!({"prune": true});
    });
    let report = validate(&bad, &schemas(), &inputs.settings);
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.path, "hub/apps/application-argocd.yaml");
    assert!(f.message.contains("automatd"), "{f}");
}

#[test]
fn an_unknown_metadata_field_is_rejected() {
    let (inputs, tree) = rendered();
    let bad = edited(&tree, "hub/apps/appproject-platform.yaml", |doc| {
        doc["metadata"]["label"] = json!({"a": "b"});
    });
    let report = validate(&bad, &schemas(), &inputs.settings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("/metadata") && f.message.contains("label")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_unknown_field_in_a_core_object_is_rejected() {
    let (inputs, mut tree) = rendered();
    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "argocd"},
        "data": {"a": "b"}, "dataa": {}
    });
    tree.add(Artifact::documents(
        RelPath::new("hub/argocd/configmap-x.yaml").unwrap(),
        Format::Object,
        vec![cm],
    ))
    .unwrap();
    let report = validate(&tree, &schemas(), &inputs.settings);
    assert!(
        report.findings.iter().any(|f| f.message.contains("dataa")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_unpinned_chart_and_a_values_file_inside_an_app_path_are_findings() {
    let (inputs, tree) = rendered();
    let bad = edited(&tree, "hub/apps/application-argocd.yaml", |doc| {
        doc["spec"]["sources"][0]["targetRevision"] = json!("9.x");
        doc["spec"]["sources"][0]["helm"]["valueFiles"][0] =
            json!("$values/generated/hub/nothing.yaml");
    });
    let report = validate(&bad, &schemas(), &inputs.settings);
    let messages: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("not pinned")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not a rendered Helm values file")),
        "{messages:#?}"
    );
}

#[test]
fn a_secret_object_is_a_finding() {
    let (inputs, mut tree) = rendered();
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "oops", "namespace": "argocd"},
        "stringData": {"password": "hunter2"}
    });
    tree.add(Artifact::documents(
        RelPath::new("hub/argocd/secret-oops.yaml").unwrap(),
        Format::Object,
        vec![secret],
    ))
    .unwrap();
    let report = validate(&tree, &schemas(), &inputs.settings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("ExternalSecret")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_talos_patch_with_a_removed_field_is_rejected() {
    let (inputs, tree) = rendered();
    let bad = edited(&tree, "targets/talos/controlplane.yaml", |doc| {
        doc["machine"]["network"] = json!({"hostname": "old-style"});
    });
    let report = validate(&bad, &schemas(), &inputs.settings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.path == "targets/talos/controlplane.yaml" && f.message.contains("network")),
        "{:#?}",
        report.findings
    );
}

#[test]
fn the_render_with_optional_features_on_has_no_findings() {
    let mut inputs = Inputs::load(&repo_root()).unwrap();
    inputs.settings.features.tailscale = true;
    let tree = render(&inputs).unwrap();
    let report = validate(&tree, &schemas(), &inputs.settings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn two_applications_with_one_name_are_a_finding() {
    let (inputs, mut tree) = rendered();
    let mut copy = tree
        .get("hub/apps/application-argocd.yaml")
        .unwrap()
        .clone();
    copy.path = RelPath::new("targets/talos/apps/application-argocd.yaml").unwrap();
    tree.add(copy).unwrap();
    let report = validate(&tree, &schemas(), &inputs.settings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("Application argocd is also rendered")),
        "{:#?}",
        report.findings
    );
}
