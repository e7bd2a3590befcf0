//! The lab's two composite APIs, as Rust types a learner's manifest is written against. Their
//! OpenAPI schemas (for the XRDs) are generated from these types with schemars, so the XRD,
//! the Compositions' patches and any Rust that creates XRs agree by construction.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use lab_crds::apiextensions_crossplane_io::compositeresourcedefinitions::*;

/// API group of the lab's composite resources.
pub const GROUP: &str = "illm.io";
pub const VERSION: &str = "v1alpha1";

/// Where an experiment cluster runs.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A virtual cluster inside the hub (the cheapest; also what a laptop Kind hub runs).
    Vcluster,
    /// Amazon EKS.
    Eks,
    /// Azure AKS.
    Aks,
    /// Google GKE.
    Gke,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Vcluster,
        Platform::Eks,
        Platform::Aks,
        Platform::Gke,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Vcluster => "vcluster",
            Platform::Eks => "eks",
            Platform::Aks => "aks",
            Platform::Gke => "gke",
        }
    }
}

/// T-shirt size of the nodes; each Composition maps it to a machine type of its platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    #[default]
    Small,
    Medium,
    Large,
}

/// What a learner asks for: a cluster on one platform, for a limited time.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentClusterSpec {
    /// vcluster, eks, aks or gke. Must match the Composition the XR selects with
    /// `crossplane.compositionSelector.matchLabels["illm.io/platform"]`.
    pub platform: Platform,
    /// Node size: small, medium or large.
    #[serde(default)]
    pub size: Size,
    /// Kubernetes minor version, e.g. `1.34`.
    #[serde(default = "default_k8s")]
    #[schemars(regex(pattern = r"^1\.[0-9]{2}$"))]
    pub kubernetes_version: String,
    /// Number of worker nodes (1–10).
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 10))]
    pub node_count: u8,
    /// How long the cluster may live, e.g. `8h` or `3d`; the experiment operator deletes it after.
    #[serde(default = "default_ttl")]
    #[schemars(regex(pattern = r"^[1-9][0-9]*(h|d)$"))]
    pub time_to_live: String,
}

fn default_k8s() -> String {
    "1.34".to_owned()
}
fn one() -> u8 {
    1
}
fn default_ttl() -> String {
    "24h".to_owned()
}

/// What the Compositions report back.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentClusterStatus {
    /// API server URL of the new cluster.
    #[serde(default)]
    pub endpoint: String,
    /// Name of the cluster at its provider.
    #[serde(default)]
    pub cluster_name: String,
}

/// A bucket on one cloud.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStorageSpec {
    /// Allow anonymous reads.
    #[serde(default)]
    pub public_access: bool,
    /// Keep object versions.
    #[serde(default)]
    pub versioning: bool,
    /// Cloud region or location, e.g. `us-east-1`, `eastus`, `US`.
    #[schemars(length(min = 2, max = 40))]
    pub region: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStorageStatus {
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub bucket_name: String,
}

/// An OpenAPI v3 schema Kubernetes accepts as structural: inlined, no `$schema`, `title`,
/// `format` of Rust integer widths, or `$defs`.
pub fn structural<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut v = generator.into_root_schema_for::<T>().to_value();
    clean(&mut v);
    v
}

fn clean(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for k in ["$schema", "title", "definitions", "$defs"] {
                map.remove(k);
            }
            if map.get("format").and_then(Value::as_str).is_some_and(|f| {
                f.starts_with("uint") || f.starts_with("int") && f != "int32" && f != "int64"
            }) {
                map.remove("format");
            }
            // Documented enum variants come out as `oneOf` of `const`s; Kubernetes wants `enum`.
            let consts: Option<Vec<Value>> = map
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|alts| alts.iter().map(|a| a.get("const").cloned()).collect());
            if let Some(values) = consts {
                map.remove("oneOf");
                map.insert("type".into(), Value::String("string".into()));
                map.insert("enum".into(), Value::Array(values));
            }
            map.values_mut().for_each(clean);
        }
        Value::Array(items) => items.iter_mut().for_each(clean),
        _ => {}
    }
}

/// One XRD: namespaced (v2), the spec and status schemas from the Rust types.
pub fn definition<Spec: JsonSchema, Status: JsonSchema>(
    kind: &str,
    plural: &str,
    columns: &[(&str, &str)],
) -> CompositeResourceDefinition {
    let schema = json!({
        "type": "object",
        "properties": {
            "spec": structural::<Spec>(),
            "status": structural::<Status>(),
        },
        "required": ["spec"],
    });
    let Value::Object(schema) = schema else {
        unreachable!("a json! object literal")
    };
    CompositeResourceDefinition::new(
        &format!("{plural}.{GROUP}"),
        CompositeResourceDefinitionSpec {
            group: GROUP.to_owned(),
            names: CompositeResourceDefinitionNames {
                kind: kind.to_owned(),
                plural: plural.to_owned(),
                categories: Some(vec!["illm".to_owned()]),
                ..Default::default()
            },
            scope: Some(CompositeResourceDefinitionScope::Namespaced),
            versions: vec![CompositeResourceDefinitionVersions {
                name: VERSION.to_owned(),
                served: true,
                referenceable: true,
                schema: Some(CompositeResourceDefinitionVersionsSchema {
                    open_apiv3_schema: Some(schema.into_iter().collect::<BTreeMap<_, _>>()),
                }),
                additional_printer_columns: Some(
                    columns
                        .iter()
                        .map(|(name, path)| {
                            CompositeResourceDefinitionVersionsAdditionalPrinterColumns {
                                name: (*name).to_owned(),
                                json_path: (*path).to_owned(),
                                r#type: "string".to_owned(),
                                ..Default::default()
                            }
                        })
                        .collect(),
                ),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
}

pub const EXPERIMENT_CLUSTER: &str = "ExperimentCluster";
pub const OBJECT_STORAGE: &str = "ObjectStorage";

pub fn experiment_cluster() -> CompositeResourceDefinition {
    definition::<ExperimentClusterSpec, ExperimentClusterStatus>(
        EXPERIMENT_CLUSTER,
        "experimentclusters",
        &[
            ("Platform", ".spec.platform"),
            ("Size", ".spec.size"),
            ("TTL", ".spec.timeToLive"),
            ("Endpoint", ".status.endpoint"),
        ],
    )
}

pub fn object_storage() -> CompositeResourceDefinition {
    definition::<ObjectStorageSpec, ObjectStorageStatus>(
        OBJECT_STORAGE,
        "objectstorages",
        &[
            ("Bucket", ".status.bucketName"),
            ("Endpoint", ".status.endpoint"),
        ],
    )
}

/// An `ExperimentCluster` object: what `task hub:conduct` applies for an experiment cluster on
/// vcluster, AKS, EKS or GKE. Typed by the same spec the XRD's schema is generated from.
#[derive(Clone, Debug)]
pub struct ExperimentCluster {
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    pub spec: ExperimentClusterSpec,
}

impl k8s_openapi::Resource for ExperimentCluster {
    const API_VERSION: &'static str = "illm.io/v1alpha1";
    const GROUP: &'static str = GROUP;
    const KIND: &'static str = EXPERIMENT_CLUSTER;
    const VERSION: &'static str = VERSION;
    const URL_PATH_SEGMENT: &'static str = "experimentclusters";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for ExperimentCluster {
    type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    fn metadata(&self) -> &Self::Ty {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut Self::Ty {
        &mut self.metadata
    }
}

impl Serialize for ExperimentCluster {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ExperimentCluster", 4)?;
        s.serialize_field("apiVersion", <Self as k8s_openapi::Resource>::API_VERSION)?;
        s.serialize_field("kind", EXPERIMENT_CLUSTER)?;
        s.serialize_field("metadata", &self.metadata)?;
        s.serialize_field("spec", &self.spec)?;
        s.end()
    }
}

#[cfg(test)]
mod claim_tests {
    use super::*;

    #[test]
    fn the_typed_claim_names_the_xrds_group_and_version() {
        assert_eq!(
            <ExperimentCluster as k8s_openapi::Resource>::API_VERSION,
            format!("{GROUP}/{VERSION}")
        );
    }
}
