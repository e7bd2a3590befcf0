//! Every rendered object validates strictly against the upstream Crossplane CRDs; every
//! Composition uses only declared Functions and patches only fields its XRD defines.

use std::collections::BTreeSet;

use lab_core::Object;
use lab_testkit::{settings, versions};
use serde_json::{Value, json};

use super::*;

fn all_objects() -> Vec<Object> {
    let mut reg = Registry::new();
    lab_kit::secrets::register_with(&mut reg, Default::default()).unwrap();
    register(&mut reg).unwrap();
    let planned = reg.plan(&settings(), &versions()).unwrap();
    planned.into_iter().flat_map(|p| p.app.objects).collect()
}

/// The CRD's schema for `apiVersion`, made strict: objects without
/// `x-kubernetes-preserve-unknown-fields` reject unknown properties.
fn strict_schema(api_version: &str, kind: &str) -> Value {
    let (group, version) = api_version.split_once('/').unwrap();
    let dir = lab_upstream::schemas()
        .unwrap_or_else(|e| panic!("{e}"))
        .crds
        .join(group);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let crd: Value = serde_saphyr::from_str(&text).unwrap();
        if crd.pointer("/spec/names/kind") != Some(&json!(kind)) {
            continue;
        }
        let versions = crd.pointer("/spec/versions").unwrap().as_array().unwrap();
        let v = versions
            .iter()
            .find(|v| v["name"] == json!(version))
            .unwrap();
        let mut schema = v.pointer("/schema/openAPIV3Schema").unwrap().clone();
        close(&mut schema);
        return schema;
    }
    panic!("no CRD for {kind} in {}", dir.display());
}

fn close(v: &mut Value) {
    if let Value::Object(m) = v {
        let open = m.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
        if m.contains_key("properties") && !open && !m.contains_key("additionalProperties") {
            m.insert("additionalProperties".into(), json!(false));
        }
        for (k, child) in m.iter_mut() {
            if k == "properties" {
                if let Value::Object(props) = child {
                    props.values_mut().for_each(close);
                }
            } else {
                close(child);
            }
        }
    } else if let Value::Array(items) = v {
        items.iter_mut().for_each(close);
    }
}

fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_object_is_valid_against_its_crd_strictly() {
    let objects = all_objects();
    assert!(objects.len() > 20, "only {} objects", objects.len());
    for o in &objects {
        let schema = strict_schema(&o.id.api_version, &o.id.kind);
        let errs = errors(&schema, &o.value);
        assert!(errs.is_empty(), "{}: {errs:#?}", o.id);
    }
}

#[test]
fn the_strict_check_rejects_an_unknown_field() {
    let o = &all_objects()
        .into_iter()
        .find(|o| o.id.kind == "Composition")
        .unwrap();
    let mut bad = o.value.clone();
    bad["spec"]["pipelin"] = json!([]);
    let schema = strict_schema(&o.id.api_version, &o.id.kind);
    assert!(!errors(&schema, &bad).is_empty());
}

#[test]
fn enough_compositions_per_xrd() {
    let objects = all_objects();
    let count = |kind: &str| {
        objects
            .iter()
            .filter(|o| {
                o.id.kind == "Composition"
                    && o.value["spec"]["compositeTypeRef"]["kind"] == json!(kind)
            })
            .count()
    };
    assert!(count(xrd::EXPERIMENT_CLUSTER) >= 4);
    assert_eq!(count(xrd::OBJECT_STORAGE), 3);
}

#[test]
fn compositions_reference_only_declared_functions() {
    let objects = all_objects();
    let declared: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o.id.kind == "Function")
        .map(|o| o.id.name.as_str())
        .collect();
    assert_eq!(declared.len(), packages::FUNCTIONS.len());
    for c in objects.iter().filter(|o| o.id.kind == "Composition") {
        let steps = c.value["spec"]["pipeline"].as_array().unwrap();
        assert!(!steps.is_empty());
        for s in steps {
            let f = s["functionRef"]["name"].as_str().unwrap();
            assert!(declared.contains(f), "{}: undeclared function {f}", c.id);
        }
    }
}

/// Does `path` (`spec.a.b[0].c`, `metadata.name`) name a field of the XRD schema?
fn defined(schema: &Value, path: &str) -> bool {
    let mut parts = path.split('.');
    match parts.next() {
        Some("metadata") => {
            matches!(
                parts.next(),
                Some("name" | "namespace" | "labels" | "annotations")
            )
        }
        Some(first) => {
            let mut node = match schema.pointer(&format!("/properties/{first}")) {
                Some(n) => n,
                None => return false,
            };
            for p in parts {
                let p = p.split('[').next().unwrap_or(p);
                node = match node.pointer(&format!("/properties/{p}")) {
                    Some(n) => n,
                    None => return false,
                };
            }
            true
        }
        None => false,
    }
}

#[test]
fn patches_touch_only_fields_the_xrd_defines() {
    let objects = all_objects();
    let xrd_schema = |kind: &str| {
        objects
            .iter()
            .find(|o| {
                o.id.kind == "CompositeResourceDefinition"
                    && o.value["spec"]["names"]["kind"] == json!(kind)
            })
            .unwrap()
            .value
            .pointer("/spec/versions/0/schema/openAPIV3Schema")
            .unwrap()
            .clone()
    };
    let mut checked = 0;
    for c in objects.iter().filter(|o| o.id.kind == "Composition") {
        let schema = xrd_schema(
            c.value["spec"]["compositeTypeRef"]["kind"]
                .as_str()
                .unwrap(),
        );
        for s in c.value["spec"]["pipeline"].as_array().unwrap() {
            if s["functionRef"]["name"] != json!(packages::FN_PATCH_AND_TRANSFORM) {
                continue;
            }
            for r in s["input"]["resources"].as_array().unwrap() {
                for p in r["patches"].as_array().into_iter().flatten() {
                    let field = match p["type"].as_str().unwrap() {
                        "FromCompositeFieldPath" => p["fromFieldPath"].as_str().unwrap(),
                        "ToCompositeFieldPath" => p["toFieldPath"].as_str().unwrap(),
                        other => panic!("unexpected patch type {other}"),
                    };
                    assert!(
                        defined(&schema, field),
                        "{} {}: {field} is not in the XRD",
                        c.id,
                        r["name"]
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 40, "{checked}");
    // The checker itself can fail.
    assert!(!defined(
        &xrd_schema(xrd::EXPERIMENT_CLUSTER),
        "spec.machineType"
    ));
}

#[test]
fn credentials_come_only_from_the_openbao_store() {
    for o in all_objects().iter().filter(|o| o.id.kind == "Composition") {
        let text = o.value.to_string();
        for s in o.value["spec"]["pipeline"].as_array().unwrap() {
            for r in s["input"]["resources"].as_array().into_iter().flatten() {
                if r["base"]["kind"] == json!("ExternalSecret") {
                    assert_eq!(
                        r["base"]["spec"]["secretStoreRef"]["name"],
                        json!(SecretStore.name())
                    );
                    assert_eq!(
                        r["base"]["spec"]["secretStoreRef"]["kind"],
                        json!("ClusterSecretStore")
                    );
                }
                if r["base"]["kind"] == json!("ProviderConfig") {
                    let src = &r["base"]["spec"]["credentials"]["source"];
                    assert!(src == "Secret" || src == "InjectedIdentity", "{}", o.id);
                }
            }
        }
        for needle in [
            "secretAccessKey",
            "clientSecret",
            "private_key",
            "BEGIN",
            "password",
        ] {
            assert!(!text.contains(needle), "{}: {needle}", o.id);
        }
    }
}

#[test]
fn clusters_register_with_argocd_from_connection_details() {
    let clusters: Vec<Object> = all_objects()
        .into_iter()
        .filter(|o| {
            o.id.kind == "Composition"
                && o.value["spec"]["compositeTypeRef"]["kind"] == json!(xrd::EXPERIMENT_CLUSTER)
        })
        .collect();
    for c in &clusters {
        let step = c.value["spec"]["pipeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["functionRef"]["name"] == json!(packages::FN_GO_TEMPLATING))
            .unwrap();
        let t = step["input"]["inline"]["template"].as_str().unwrap();
        assert!(
            t.contains("argocd.argoproj.io/secret-type: cluster"),
            "{}",
            c.id
        );
        assert!(t.contains("b64dec"), "{}", c.id);
        assert!(!t.contains("__"), "{}: unreplaced placeholder", c.id);
        // The resource the template reads the kubeconfig from is composed in the same Composition.
        let names: Vec<&str> = c.value["spec"]["pipeline"][0]["input"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            names
                .iter()
                .any(|n| t.contains(&format!("index $res \"{n}\""))),
            "{}",
            c.id
        );
    }
}

#[test]
fn activation_policies_cover_every_composed_managed_resource() {
    let objects = all_objects();
    let active: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.id.kind == "ManagedResourceActivationPolicy")
        .flat_map(|o| {
            o.value["spec"]["activate"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
        })
        .collect();
    for c in objects.iter().filter(|o| o.id.kind == "Composition") {
        for r in c.value["spec"]["pipeline"][0]["input"]["resources"]
            .as_array()
            .unwrap()
        {
            let api = r["base"]["apiVersion"].as_str().unwrap();
            let Some((group, _)) = api.split_once('/') else {
                continue;
            };
            if !group.contains(".m.") && !group.ends_with(".m.upbound.io") {
                continue; // not a managed resource (ExternalSecret)
            }
            let kind = r["base"]["kind"].as_str().unwrap().to_ascii_lowercase();
            if kind == "providerconfig" {
                continue; // served with the provider, not an activatable MR
            }
            let plural = format!("{kind}s.{group}");
            assert!(active.contains(&plural), "{}: {plural} not activated", c.id);
        }
    }
}

#[test]
fn xrd_schema_is_structural_and_carries_defaults() {
    let xrd = serde_json::to_value(xrd::experiment_cluster()).unwrap();
    let spec = xrd
        .pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec")
        .unwrap();
    assert_eq!(
        spec["properties"]["platform"]["enum"],
        json!(["vcluster", "eks", "aks", "gke"])
    );
    assert_eq!(spec["properties"]["nodeCount"]["default"], json!(1));
    assert_eq!(spec["required"], json!(["platform"]));
    let text = xrd.to_string();
    for banned in ["$ref", "$defs", "$schema", "uint8"] {
        assert!(!text.contains(banned), "{banned}");
    }
}

#[test]
fn components_wait_for_functions_and_providers() {
    let mut reg = Registry::new();
    lab_kit::secrets::register_with(&mut reg, Default::default()).unwrap();
    register(&mut reg).unwrap();
    let planned = reg.plan(&settings(), &versions()).unwrap();
    let wave = |n: &str| lab_model::component::wave_of(&planned, n).unwrap();
    assert!(wave("crossplane-compositions") > wave("crossplane-functions"));
    assert!(wave("crossplane-compositions") > wave("crossplane-providers"));
}
