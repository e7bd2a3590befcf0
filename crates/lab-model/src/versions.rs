//! `platform/versions.yaml`: every Helm chart and container image version of the lab, pinned
//! exactly, in one file that Renovate's regex manager keeps current (one line per bump).

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::input::Input;

/// Every chart a builder asks for by name, and no other: the versions file must pin each one,
/// and a key outside this list (a typo such as `lokii`) is an error naming the nearest name.
/// `crates/lab/tests` proves that each name here is really used.
pub const CHARTS: &[&str] = &[
    "alloy",
    "argo-cd",
    "argo-workflows",
    "argocd-image-updater",
    "cert-manager",
    "chaos-mesh",
    "contour",
    "crossplane",
    "eck-operator",
    "eck-stack",
    "external-secrets",
    "fluent-bit",
    "gateway-helm",
    "grafana",
    "headlamp",
    "ingress-nginx",
    "jaeger",
    "k6-operator",
    "k8s-gateway",
    "keda",
    "kube-prometheus-stack",
    "kyverno",
    "loki",
    "metallb",
    "metrics-server",
    "mimir-distributed",
    "nginx-gateway-fabric",
    "minio",
    "openbao",
    "opentelemetry-collector",
    "prometheus-operator-crds",
    "promtail",
    "pyrra",
    "rabbitmq",
    "seaweedfs",
    "strimzi-kafka-operator",
    "tailscale-operator",
    "tempo",
    "traefik",
    "vcluster",
    "victoria-metrics-single",
];

/// Every image a builder asks for by name (see [`CHARTS`]).
pub const IMAGES: &[&str] = &[
    "cardinality-generator",
    "elasticsearch",
    "function-auto-ready",
    "function-go-templating",
    "function-patch-and-transform",
    "go-httpbin",
    "hello-app",
    "http-echo",
    "k6",
    "kibana",
    "kind-node",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-proxy",
    "kube-scheduler",
    "kube-vip",
    "kube-vip-cloud-provider",
    "kubectl",
    "log-generator",
    "metrics-app",
    "nginx",
    "node",
    "otel-demo",
    "pause",
    "prometheus",
    "provider-aws-eks",
    "provider-aws-s3",
    "provider-azure",
    "provider-azure-containerservice",
    "provider-azure-storage",
    "provider-gcp-container",
    "provider-gcp-storage",
    "provider-helm",
    "provider-kubernetes",
    "seaweedfs",
    "station-monitor",
    "talos-installer",
    "talos-kubelet",
];

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Versions {
    /// Helm charts by chart name: exactly the charts the builders use.
    #[schemars(schema_with = "charts_schema")]
    pub charts: BTreeMap<String, Chart>,
    /// Container images by the short name the builders use: exactly those images.
    #[schemars(schema_with = "images_schema")]
    pub images: BTreeMap<String, Image>,
}

/// A mapping with exactly `names` as keys, each holding a `T`.
fn catalog<T: JsonSchema>(generator: &mut SchemaGenerator, names: &[&str]) -> Schema {
    let item = generator.subschema_for::<T>();
    let properties: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| ((*n).to_owned(), item.clone().to_value()))
        .collect();
    json_schema!({
        "type": "object",
        "properties": properties,
        "required": names,
        "additionalProperties": false,
    })
}

fn charts_schema(generator: &mut SchemaGenerator) -> Schema {
    catalog::<Chart>(generator, CHARTS)
}

fn images_schema(generator: &mut SchemaGenerator) -> Schema {
    catalog::<Image>(generator, IMAGES)
}

impl Input for Versions {}

/// A DNS host name (labels of at most 63 characters) with an optional port up to 65535.
macro_rules! host_port {
    () => {
        r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
    };
}

const CHART_REPOSITORY: &str = concat!(
    r"^(https://",
    host_port!(),
    r"(/[A-Za-z0-9._~-]+)*|oci://",
    host_port!(),
    r"(/[a-z0-9._-]+)+)$"
);

const IMAGE_REPOSITORY: &str =
    concat!("^", host_port!(), r"(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$");

/// A Helm chart pinned to one exact version.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Chart {
    /// Helm repository URL (`https://host[:port]/path`) or OCI registry (`oci://host[:port]/path`
    /// without the chart name); DNS labels of at most 63 characters, ports up to 65535.
    #[schemars(regex(pattern = CHART_REPOSITORY))]
    pub repository: String,
    /// Exact chart version: no ranges, no `latest`.
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"))]
    pub version: String,
}

/// A container image pinned to a tag and, where known, a digest.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    /// Registry host (with an optional port up to 65535) and repository, e.g.
    /// `docker.io/curlimages/curl`; the registry is always written out.
    #[schemars(regex(pattern = IMAGE_REPOSITORY))]
    pub repository: String,
    /// Exact tag; never `latest`.
    #[schemars(regex(pattern = r"^(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"))]
    pub tag: String,
    /// Content digest, `sha256:` and 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: Option<String>,
}

impl Image {
    /// `repository:tag@digest`, or `repository:tag`.
    pub fn reference(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}:{}@{d}", self.repository, self.tag),
            None => format!("{}:{}", self.repository, self.tag),
        }
    }
}

/// A chart or image a builder asked for that the versions file does not list.
#[derive(Debug, thiserror::Error)]
#[error(
    "no {what} {name:?} in platform/versions.yaml; add it to lab_model::versions::{list} and \
     pin it there with an exact version"
)]
pub struct MissingVersion {
    pub what: &'static str,
    pub name: String,
    list: &'static str,
}

/// A chart with its name, as a builder uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRef {
    pub name: String,
    pub repository: String,
    pub version: String,
}

impl Versions {
    pub fn chart(&self, name: &str) -> Result<ChartRef, MissingVersion> {
        let chart = self.charts.get(name).ok_or_else(|| MissingVersion {
            what: "chart",
            name: name.into(),
            list: "CHARTS",
        })?;
        Ok(ChartRef {
            name: name.into(),
            repository: chart.repository.clone(),
            version: chart.version.clone(),
        })
    }

    pub fn image(&self, name: &str) -> Result<&Image, MissingVersion> {
        self.images.get(name).ok_or_else(|| MissingVersion {
            what: "image",
            name: name.into(),
            list: "IMAGES",
        })
    }
}
