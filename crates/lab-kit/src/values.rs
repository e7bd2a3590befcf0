//! Typed Helm value fragments shared by several charts, object metadata, and the one way a
//! chart becomes an App.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_model::component::{BuildResult, CHART_CLUSTER_KINDS, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

/// `enabled: <bool>`, the most common switch in chart values.
#[derive(Clone, Debug, Serialize)]
pub struct Toggle {
    pub enabled: bool,
}

impl Toggle {
    pub const ON: Toggle = Toggle { enabled: true };
    pub const OFF: Toggle = Toggle { enabled: false };
}

/// CPU and memory of a container, as charts take them under `resources:`.
#[derive(Clone, Debug, Serialize)]
pub struct Resources {
    pub requests: Quantities,
    pub limits: Quantities,
}

#[derive(Clone, Debug, Serialize)]
pub struct Quantities {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<&'static str>,
    pub memory: &'static str,
}

/// Requests `cpu`/`memory`, limits `memory_limit` (and `cpu_limit` when given): the lab runs on
/// one laptop, so every controller is small and bounded.
pub fn resources(
    cpu: &'static str,
    memory: &'static str,
    cpu_limit: Option<&'static str>,
    memory_limit: &'static str,
) -> Resources {
    Resources {
        requests: Quantities {
            cpu: Some(cpu),
            memory,
        },
        limits: Quantities {
            cpu: cpu_limit,
            memory: memory_limit,
        },
    }
}

/// A Service as most charts take it (`service.type`, optional annotations).
#[derive(Clone, Debug, Serialize)]
pub struct ServiceValues {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ServiceValues {
    pub fn cluster_ip() -> Self {
        Self {
            kind: "ClusterIP",
            annotations: BTreeMap::new(),
        }
    }
}

/// Name and namespace of an object.
pub fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        ..Default::default()
    }
}

/// How a chart's Application is synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apply {
    /// Client-side apply.
    Client,
    /// Server-side apply: the chart's CRDs exceed the client-side annotation limit.
    ServerSide,
}

/// The App of a component that is one Helm chart (from `platform/versions.yaml`) with typed
/// values; the chart may create the usual cluster-scoped kinds.
pub fn chart_app<V: Serialize>(
    component: &dyn Component,
    ctx: &Context,
    chart: &str,
    values: &V,
    apply: Apply,
) -> BuildResult<App> {
    let mut app = App::new(component)?;
    app.helm = Some(HelmRelease::new(ctx.versions.chart(chart)?, values)?);
    app.server_side_apply = apply == Apply::ServerSide;
    app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
    Ok(app)
}

/// `cpu`/`memory` quantities for a typed `ResourceRequirements`.
pub fn quantities(
    cpu: &str,
    memory: &str,
) -> BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity> {
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    BTreeMap::from([
        ("cpu".to_owned(), Quantity(cpu.to_owned())),
        ("memory".to_owned(), Quantity(memory.to_owned())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_leave_out_an_unset_cpu_limit() {
        let v = serde_json::to_value(resources("10m", "32Mi", None, "64Mi")).unwrap();
        assert_eq!(v["requests"]["cpu"], "10m");
        assert!(v["limits"].get("cpu").is_none());
        assert_eq!(v["limits"]["memory"], "64Mi");
    }
}

/// An OpenTelemetry-style `receivers.otlp` block (Tempo's and the Jaeger v2 collector's
/// configs share it): where OTLP over gRPC and over HTTP is accepted.
#[derive(Debug, Serialize)]
pub struct Receivers {
    pub otlp: OtlpReceiver,
}

#[derive(Debug, Serialize)]
pub struct OtlpReceiver {
    pub protocols: OtlpProtocols,
}

#[derive(Debug, Serialize)]
pub struct OtlpProtocols {
    pub grpc: Endpoint,
    pub http: Endpoint,
}

/// `endpoint: host:port`, a listen or target address.
#[derive(Debug, Serialize)]
pub struct Endpoint {
    pub endpoint: String,
}
