//! Loading and tightening schemas.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use jsonschema::Validator;
use k8s_openapi::api::{apps, batch, core, networking, policy, rbac, storage};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// Validators by (apiVersion, kind).
pub struct Schemas {
    by_type: BTreeMap<(String, String), Validator>,
    metadata: Validator,
    /// Talos' machine-config JSON schema, for `Format::TalosPatch` files.
    pub talos: Option<Value>,
}

macro_rules! core_kinds {
    ($($ty:ty),* $(,)?) => {
        vec![$((
            <$ty as k8s_openapi::Resource>::API_VERSION,
            <$ty as k8s_openapi::Resource>::KIND,
            serde_json::to_value(schemars::schema_for!($ty)).unwrap_or(Value::Null),
        )),*]
    };
}

impl Schemas {
    /// CRD schemas from `dir` (every `*.yaml` one level down, as in ../shared/schemas/crds)
    /// plus the core kinds the lab renders.
    pub fn load(dir: &Path) -> Result<Self> {
        let mut by_type = BTreeMap::new();
        let mut files = Vec::new();
        for group in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let group = group?.path();
            if group.is_dir() {
                for f in std::fs::read_dir(&group)? {
                    files.push(f?.path());
                }
            }
        }
        files.sort();
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "yaml"))
        {
            let text = std::fs::read_to_string(file)?;
            let crd: Value = serde_saphyr::from_str(&text)
                .with_context(|| format!("{}: not YAML", file.display()))?;
            add_crd(&mut by_type, &crd).with_context(|| file.display().to_string())?;
        }
        anyhow::ensure!(
            !by_type.is_empty(),
            "no CRD schemas found below {}",
            dir.display()
        );
        let core = core_kinds![
            core::v1::Namespace,
            core::v1::Pod,
            core::v1::ConfigMap,
            core::v1::Service,
            core::v1::ServiceAccount,
            core::v1::PersistentVolumeClaim,
            core::v1::Secret,
            apps::v1::Deployment,
            apps::v1::StatefulSet,
            apps::v1::DaemonSet,
            batch::v1::Job,
            batch::v1::CronJob,
            rbac::v1::Role,
            rbac::v1::RoleBinding,
            rbac::v1::ClusterRole,
            rbac::v1::ClusterRoleBinding,
            storage::v1::StorageClass,
            networking::v1::Ingress,
            networking::v1::NetworkPolicy,
            policy::v1::PodDisruptionBudget,
            CustomResourceDefinition,
        ];
        for (api_version, kind, schema) in core {
            by_type.insert((api_version.into(), kind.into()), compile(strict(schema))?);
        }
        let metadata = compile(strict(
            serde_json::to_value(schemars::schema_for!(ObjectMeta)).unwrap_or(Value::Null),
        ))?;
        Ok(Self {
            by_type,
            metadata,
            talos: None,
        })
    }

    /// Adds Talos' `config.schema.json`.
    pub fn with_talos(mut self, file: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        self.talos = Some(
            serde_json::from_str(&text).with_context(|| format!("{}: not JSON", file.display()))?,
        );
        Ok(self)
    }

    /// Problems of one object; empty when it is valid.
    pub fn check(&self, doc: &Value) -> Vec<String> {
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(validator) = self.by_type.get(&(api_version.to_owned(), kind.to_owned())) else {
            return vec![format!(
                "no schema for {kind} {api_version}: add its CRD to the schema folder or its type to lab-validate"
            )];
        };
        let mut out: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{kind} {}: {e}", pointer(&e.instance_path().to_string())))
            .collect();
        if let Some(meta) = doc.get("metadata") {
            out.extend(
                self.metadata
                    .iter_errors(meta)
                    .map(|e| format!("{kind} /metadata{}: {e}", e.instance_path())),
            );
        }
        out
    }

    pub fn len(&self) -> usize {
        self.by_type.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }
}

fn pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

fn add_crd(by_type: &mut BTreeMap<(String, String), Validator>, crd: &Value) -> Result<()> {
    let group = crd
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .context("no spec.group")?;
    let kind = crd
        .pointer("/spec/names/kind")
        .and_then(Value::as_str)
        .context("no kind")?;
    for version in crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .context("no versions")?
    {
        let name = version
            .get("name")
            .and_then(Value::as_str)
            .context("version without name")?;
        let Some(schema) = version.pointer("/schema/openAPIV3Schema") else {
            continue;
        };
        by_type.insert(
            (format!("{group}/{name}"), kind.to_owned()),
            compile(strict(schema.clone()))?,
        );
    }
    Ok(())
}

fn compile(schema: Value) -> Result<Validator> {
    jsonschema::validator_for(&schema).map_err(|e| anyhow::anyhow!("schema does not compile: {e}"))
}

/// Closes every object schema that lists its properties: a field the schema does not name is
/// an error, unless the schema opts out with `x-kubernetes-preserve-unknown-fields` or
/// describes a map with `additionalProperties`.
pub(crate) fn strict(mut schema: Value) -> Value {
    close(&mut schema);
    schema
}

fn close(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let preserve = map
                .get("x-kubernetes-preserve-unknown-fields")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserve
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for v in map.values_mut() {
                close(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}
