//! The collectors: Alloy tails every pod's logs into Loki (JSON parsed, few labels), and the
//! OpenTelemetry Collector receives OTLP and forwards traces to Tempo and metrics to Mimir.

use std::collections::BTreeMap;

use lab_model::component::{BuildResult, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

use crate::OBSERVABILITY_NAMESPACE;
use crate::backends::{Loki, Mimir, Tempo};
use crate::signals::TRACE_ID_FIELD;
use lab_kit::{Toggle, service_url};
use lab_model::component::RBAC_KINDS;

// ---------------------------------------------------------------------------------------------
// Alloy

/// Labels every log stream gets: bounded sets only (namespace, app, container, level), so the
/// number of Loki streams stays small. High-cardinality values (trace ids) become structured
/// metadata, searchable without creating streams.
pub const LOG_LABELS: [&str; 4] = ["namespace", "app", "container", "level"];

pub struct Alloy {
    pub namespace: String,
}

impl Default for Alloy {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
        }
    }
}

impl Alloy {
    /// The Alloy pipeline: discover pods, keep low-cardinality labels, parse JSON lines,
    /// promote `level` to a label and `trace_id` to structured metadata, push to Loki; scrape
    /// every ServiceMonitor and PodMonitor (targets spread over the Alloy pods) into Mimir and
    /// load every PrometheusRule into Mimir's ruler.
    pub fn config(&self, loki: &Loki, mimir: &Mimir) -> String {
        let relabel = [
            ("__meta_kubernetes_namespace", "namespace"),
            ("__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"),
            ("__meta_kubernetes_pod_container_name", "container"),
        ]
        .iter()
        .map(|(from, to)| {
            format!(
                "  rule {{\n    source_labels = [\"{from}\"]\n    target_label  = \"{to}\"\n  }}\n"
            )
        })
        .collect::<String>();
        format!(
            r#"// Rendered by lab-observability; edit the Rust builder, not this text.
discovery.kubernetes "pods" {{
  role = "pod"
}}

discovery.relabel "pods" {{
  targets = discovery.kubernetes.pods.targets
{relabel}}}

loki.source.kubernetes "pods" {{
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.json.receiver]
}}

loki.process "json" {{
  stage.json {{
    expressions = {{ level = "level", {TRACE_ID_FIELD} = "{TRACE_ID_FIELD}" }}
  }}
  stage.labels {{
    values = {{ level = "" }}
  }}
  stage.structured_metadata {{
    values = {{ {TRACE_ID_FIELD} = "" }}
  }}
  stage.label_keep {{
    values = [{keep}]
  }}
  forward_to = [loki.write.hub.receiver]
}}

loki.write "hub" {{
  endpoint {{
    url = "{push}"
  }}
}}

prometheus.operator.servicemonitors "all" {{
  forward_to = [prometheus.remote_write.mimir.receiver]
  clustering {{
    enabled = true
  }}
}}

prometheus.operator.podmonitors "all" {{
  forward_to = [prometheus.remote_write.mimir.receiver]
  clustering {{
    enabled = true
  }}
}}

prometheus.remote_write "mimir" {{
  endpoint {{
    url = "{metrics_push}"
  }}
}}

mimir.rules.kubernetes "all" {{
  address = "{ruler}"
}}
"#,
            metrics_push = mimir.push_url(),
            ruler = mimir.ruler_url(),
            keep = LOG_LABELS
                .iter()
                .map(|l| format!("\"{l}\""))
                .collect::<Vec<_>>()
                .join(", "),
            push = loki.push_url(),
        )
    }
}

/// The alloy chart's values the lab sets.
#[derive(Debug, Serialize)]
pub struct AlloyValues {
    pub alloy: AlloySection,
    pub controller: Controller,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlloySection {
    pub config_map: AlloyConfigMap,
    pub clustering: Toggle,
}

#[derive(Debug, Serialize)]
pub struct AlloyConfigMap {
    pub create: bool,
    pub content: String,
}

#[derive(Debug, Serialize)]
pub struct Controller {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl Component for Alloy {
    fn name(&self) -> &str {
        "alloy"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let loki = ctx.needs::<Loki>()?;
        let mimir = ctx.needs::<Mimir>()?;
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("alloy")?,
            &AlloyValues {
                alloy: AlloySection {
                    config_map: AlloyConfigMap {
                        create: true,
                        content: self.config(loki, mimir),
                    },
                    // Peers share the scrape targets instead of each scraping them all.
                    clustering: Toggle::ON,
                },
                // One per node; loki.source.kubernetes reads logs through the API server.
                controller: Controller { kind: "daemonset" },
            },
        )?);
        app.chart_cluster_kinds = RBAC_KINDS.to_vec();
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// OpenTelemetry Collector

pub struct OtelCollector {
    pub namespace: String,
    pub otlp_grpc_port: u16,
    pub otlp_http_port: u16,
}

impl Default for OtelCollector {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
            otlp_grpc_port: 4317,
            otlp_http_port: 4318,
        }
    }
}

impl OtelCollector {
    /// The Service name, set through `fullnameOverride` so it equals the component's name.
    pub fn service_name(&self) -> &str {
        self.name()
    }

    /// `http://host:4318`: OTLP over HTTP, what the demo apps' exporters use (they post
    /// OTLP/JSON; they have no gRPC client).
    pub fn otlp_http_url(&self) -> String {
        service_url(
            self.service_name(),
            &self.namespace,
            Some(self.otlp_http_port),
        )
    }

    /// `http://host:4317`: OTLP over gRPC, for SDKs that prefer it.
    pub fn otlp_grpc_url(&self) -> String {
        service_url(
            self.service_name(),
            &self.namespace,
            Some(self.otlp_grpc_port),
        )
    }

    pub fn values(&self, tempo: &Tempo, mimir: &Mimir) -> OtelValues {
        let listen = |port: u16| OtelEndpoint {
            endpoint: format!("0.0.0.0:{port}"),
            tls: None,
        };
        let pipeline = |exporter: &str| Pipeline {
            receivers: vec!["otlp"],
            processors: vec!["memory_limiter", "batch"],
            exporters: vec![exporter.to_owned()],
        };
        OtelValues {
            fullname_override: self.service_name().to_owned(),
            mode: "deployment",
            image: OtelImage {
                repository: "otel/opentelemetry-collector-contrib",
            },
            config: OtelConfig {
                receivers: OtelReceivers {
                    otlp: OtlpProtocols {
                        protocols: BTreeMap::from([
                            ("grpc", listen(self.otlp_grpc_port)),
                            ("http", listen(self.otlp_http_port)),
                        ]),
                    },
                },
                processors: OtelProcessors {
                    batch: BTreeMap::new(),
                    memory_limiter: MemoryLimiter {
                        check_interval: "1s",
                        limit_percentage: 80,
                        spike_limit_percentage: 25,
                    },
                },
                exporters: OtelExporters {
                    otlp_tempo: OtelEndpoint {
                        endpoint: tempo.otlp_grpc_host(),
                        tls: Some(Insecure { insecure: true }),
                    },
                    prometheusremotewrite_mimir: RemoteWrite {
                        endpoint: mimir.push_url(),
                        resource_to_telemetry_conversion: Toggle { enabled: true },
                    },
                },
                service: OtelService {
                    pipelines: BTreeMap::from([
                        ("traces", pipeline("otlp/tempo")),
                        ("metrics", pipeline("prometheusremotewrite/mimir")),
                    ]),
                },
            },
        }
    }
}

/// The opentelemetry-collector chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtelValues {
    pub fullname_override: String,
    pub mode: &'static str,
    pub image: OtelImage,
    pub config: OtelConfig,
}

#[derive(Debug, Serialize)]
pub struct OtelImage {
    pub repository: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OtelConfig {
    pub receivers: OtelReceivers,
    pub processors: OtelProcessors,
    pub exporters: OtelExporters,
    pub service: OtelService,
}

#[derive(Debug, Serialize)]
pub struct OtelReceivers {
    pub otlp: OtlpProtocols,
}

#[derive(Debug, Serialize)]
pub struct OtlpProtocols {
    pub protocols: BTreeMap<&'static str, OtelEndpoint>,
}

#[derive(Debug, Serialize)]
pub struct OtelEndpoint {
    pub endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Insecure>,
}

#[derive(Debug, Serialize)]
pub struct Insecure {
    pub insecure: bool,
}

#[derive(Debug, Serialize)]
pub struct OtelProcessors {
    pub batch: BTreeMap<String, String>,
    pub memory_limiter: MemoryLimiter,
}

#[derive(Debug, Serialize)]
pub struct MemoryLimiter {
    pub check_interval: &'static str,
    pub limit_percentage: u32,
    pub spike_limit_percentage: u32,
}

#[derive(Debug, Serialize)]
pub struct OtelExporters {
    #[serde(rename = "otlp/tempo")]
    pub otlp_tempo: OtelEndpoint,
    #[serde(rename = "prometheusremotewrite/mimir")]
    pub prometheusremotewrite_mimir: RemoteWrite,
}

#[derive(Debug, Serialize)]
pub struct RemoteWrite {
    pub endpoint: String,
    /// Resource attributes (service.name…) become metric labels.
    pub resource_to_telemetry_conversion: Toggle,
}

#[derive(Debug, Serialize)]
pub struct OtelService {
    pub pipelines: BTreeMap<&'static str, Pipeline>,
}

#[derive(Debug, Serialize)]
pub struct Pipeline {
    pub receivers: Vec<&'static str>,
    pub processors: Vec<&'static str>,
    pub exporters: Vec<String>,
}

impl Component for OtelCollector {
    fn name(&self) -> &str {
        "otel-collector"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let tempo = ctx.needs::<Tempo>()?;
        let mimir = ctx.needs::<Mimir>()?;
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("opentelemetry-collector")?,
            &self.values(tempo, mimir),
        )?);
        app.chart_cluster_kinds = RBAC_KINDS.to_vec();
        Ok(app)
    }
}
