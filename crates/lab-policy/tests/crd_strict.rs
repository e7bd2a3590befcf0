#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every object this crate renders validates strictly (unknown fields refused) against the
//! upstream CRD schema of its kind. The CRDs are read from `$LAB_CRD_DIR`
//! (default `/work/shared/schemas/crds`; CI fetches them with `.ci/fetch-crds.sh`).

mod common;

use std::path::PathBuf;

use lab_core::Format;
use serde_json::{Value, json};

fn crd_dir() -> PathBuf {
    std::env::var_os("LAB_CRD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/schemas/crds"))
}

/// The CRD file of a kind: `<group>/<plural>.yaml`.
fn crd_file(api_version: &str, kind: &str) -> PathBuf {
    let group = api_version.rsplit_once('/').unwrap().0;
    let plural = match kind {
        "ClusterPolicy" => "clusterpolicies",
        "PolicyException" => "policyexceptions",
        "ImageUpdater" => "imageupdaters",
        other => panic!("no CRD known for {other}"),
    };
    crd_dir().join(group).join(format!("{plural}.yaml"))
}

/// Closes every object schema that lists its properties and does not preserve unknown
/// fields, the way the API server prunes and `kubectl --validate=strict` refuses.
fn strict(schema: &mut Value) {
    if let Value::Object(map) = schema {
        let preserves = map.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
        if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserves
        {
            map.insert("additionalProperties".into(), json!(false));
        }
        map.values_mut().for_each(strict);
    } else if let Value::Array(items) = schema {
        items.iter_mut().for_each(strict);
    }
}

fn validator(api_version: &str, kind: &str) -> jsonschema::Validator {
    let file = crd_file(api_version, kind);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (set LAB_CRD_DIR)", file.display()));
    let crd: Value = serde_saphyr::from_str(&text).unwrap();
    let version = api_version.rsplit_once('/').unwrap().1;
    let mut schema = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == version)
        .unwrap_or_else(|| panic!("{} has no version {version}", file.display()))["schema"]
        ["openAPIV3Schema"]
        .clone();
    strict(&mut schema);
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(doc: &Value) -> Vec<String> {
    let v = validator(
        doc["apiVersion"].as_str().unwrap(),
        doc["kind"].as_str().unwrap(),
    );
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_policy_exception_and_image_updater_validates_strictly() {
    let tree = common::rendered_tree();
    let mut kinds = std::collections::BTreeSet::new();
    for a in tree.artifacts() {
        if a.format != Format::Object || a.path.top() == "tests" {
            continue;
        }
        let id = a.object.as_ref().unwrap();
        if id.kind == "Application" {
            continue;
        }
        kinds.insert(id.kind.clone());
        let errs = errors(&a.documents[0]);
        assert!(errs.is_empty(), "{}: {errs:#?}", a.path);
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["ClusterPolicy", "ImageUpdater", "PolicyException"]
    );
}

#[test]
fn strict_validation_refuses_an_unknown_or_mistyped_field() {
    let tree = common::rendered_tree();
    let policy = &tree
        .get("hub/kyverno-policies/clusterpolicy-verify-image-signature.yaml")
        .unwrap()
        .documents[0];
    let mut unknown = policy.clone();
    unknown["spec"]["rules"][0]["verifyImages"][0]["mutateDigests"] = json!(true);
    assert!(!errors(&unknown).is_empty(), "unknown field accepted");
    let mut mistyped = policy.clone();
    mistyped["spec"]["rules"][0]["verifyImages"][0]["failureAction"] = json!("Block");
    assert!(!errors(&mistyped).is_empty(), "bad enum accepted");
}
