//! The stores the comparison and ELK experiments deploy beside the hub's own: VictoriaMetrics
//! (single node), Jaeger v2 (all-in-one, memory storage), and the Elastic stack — the ECK
//! operator, an Elasticsearch and Kibana through eck-stack, and Fluent Bit shipping container
//! logs to that Elasticsearch.
//!
//! Each chart's own ServiceMonitor switch is left off: the lab renders the ServiceMonitors
//! itself (typed), so an App that has one waits for whatever installs the CRD on its cluster,
//! and the hub's Alloy or a kind cluster's Prometheus scrapes them into Mimir.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, PodSpec, PodTemplateSpec, ResourceRequirements,
    SecretKeySelector,
};
use lab_core::Object;
use lab_crds::monitoring_coreos_com::servicemonitors::{
    ServiceMonitor, ServiceMonitorEndpoints, ServiceMonitorNamespaceSelector,
    ServiceMonitorSelector, ServiceMonitorSpec,
};
use lab_kit::values::{Apply, Resources, Toggle, chart_app, meta, quantities, resources};
use lab_kit::values::{Endpoint, OtlpProtocols, OtlpReceiver, Receivers};
use lab_kit::{service_host, service_url};
use lab_model::component::{BuildResult, Context, PodSecurity, Project};
use lab_model::{App, Component};
use serde::Serialize;

/// The label every chart here puts on its Service with the release name (ArgoCD's release
/// name is the component's name).
const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
/// How often the stores' own metrics are scraped.
const SCRAPE_INTERVAL: &str = "15s";

/// A ServiceMonitor for the Service of chart release `release` in `namespace`: port `port`,
/// path `path`.
fn service_monitor(release: &str, namespace: &str, port: &str, path: &str) -> ServiceMonitor {
    ServiceMonitor {
        metadata: meta(release, Some(namespace)),
        spec: ServiceMonitorSpec {
            selector: ServiceMonitorSelector {
                match_labels: Some(BTreeMap::from([(INSTANCE_LABEL.into(), release.into())])),
                ..Default::default()
            },
            namespace_selector: Some(ServiceMonitorNamespaceSelector {
                match_names: Some(vec![namespace.to_owned()]),
                ..Default::default()
            }),
            endpoints: vec![ServiceMonitorEndpoints {
                port: Some(port.into()),
                path: Some(path.into()),
                interval: Some(SCRAPE_INTERVAL.into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    }
}

// ---------------------------------------------------------------------------------------------
// VictoriaMetrics

/// VictoriaMetrics single node, scraping the targets it is given itself (its own
/// Prometheus-compatible scraper), so it ingests the same series as the cluster's Prometheus.
pub struct VictoriaMetrics {
    pub namespace: String,
    /// `host:port` of every `/metrics` endpoint to scrape (the assembly passes the
    /// experiment's lab images).
    pub scrape_targets: Vec<String>,
}

impl VictoriaMetrics {
    /// The chart's server Service for release `victoria-metrics`: `<release>-<chart>-server`.
    pub const SERVICE: &'static str = "victoria-metrics-victoria-metrics-single-server";
    pub const PORT: u16 = 8428;
    /// The scrape job of the experiment's targets, its `job` label inside VictoriaMetrics.
    pub const JOB: &'static str = "experiment";

    pub fn new(namespace: &str, scrape_targets: Vec<String>) -> Self {
        Self {
            namespace: namespace.to_owned(),
            scrape_targets,
        }
    }

    /// The Prometheus-compatible query API (`/api/v1/query`, `/vmui`).
    pub fn url(&self) -> String {
        service_url(Self::SERVICE, &self.namespace, Some(Self::PORT))
    }

    pub fn values(&self) -> VictoriaMetricsValues {
        VictoriaMetricsValues {
            server: VmServer {
                // Months, the chart's unit: longer than any experiment lives.
                retention_period: 1,
                // The data dies with the experiment: an emptyDir, no claim left behind.
                persistent_volume: Toggle::OFF,
                resources: resources("50m", "256Mi", None, "512Mi"),
                scrape: VmScrape {
                    enabled: true,
                    config: ScrapeConfig {
                        global: ScrapeGlobal {
                            scrape_interval: SCRAPE_INTERVAL,
                        },
                        scrape_configs: vec![ScrapeJob {
                            job_name: Self::JOB,
                            metrics_path: "/metrics",
                            static_configs: vec![StaticConfig {
                                targets: self.scrape_targets.clone(),
                            }],
                        }],
                    },
                },
            },
        }
    }
}

/// The victoria-metrics-single values the lab sets.
#[derive(Debug, Serialize)]
pub struct VictoriaMetricsValues {
    pub server: VmServer,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmServer {
    pub retention_period: u32,
    pub persistent_volume: Toggle,
    pub resources: Resources,
    pub scrape: VmScrape,
}

#[derive(Debug, Serialize)]
pub struct VmScrape {
    pub enabled: bool,
    /// Prometheus's scrape-config format; the chart writes it out as `scrape.yml`.
    pub config: ScrapeConfig,
}

#[derive(Debug, Serialize)]
pub struct ScrapeConfig {
    pub global: ScrapeGlobal,
    pub scrape_configs: Vec<ScrapeJob>,
}

#[derive(Debug, Serialize)]
pub struct ScrapeGlobal {
    pub scrape_interval: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ScrapeJob {
    pub job_name: &'static str,
    pub metrics_path: &'static str,
    pub static_configs: Vec<StaticConfig>,
}

#[derive(Debug, Serialize)]
pub struct StaticConfig {
    pub targets: Vec<String>,
}

impl Component for VictoriaMetrics {
    fn name(&self) -> &str {
        "victoria-metrics"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        if self.scrape_targets.is_empty() {
            return Err(
                "victoria-metrics has nothing to scrape: the experiment runs no lab \
                        image with /metrics on its cluster"
                    .into(),
            );
        }
        let mut app = chart_app(
            self,
            ctx,
            "victoria-metrics-single",
            &self.values(),
            Apply::Client,
        )?;
        app.objects.push(Object::new(&service_monitor(
            self.name(),
            &self.namespace,
            "http",
            "/metrics",
        ))?);
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// Jaeger

/// Jaeger v2 all-in-one: an OpenTelemetry Collector build that receives OTLP, keeps traces in
/// memory and serves the Jaeger UI and query API. With `forward_otlp` it also passes every
/// span on, so the hub's collector (and Tempo behind it) sees the same traffic.
pub struct Jaeger {
    pub namespace: String,
    /// OTLP/HTTP endpoint every received span is forwarded to, if any.
    pub forward_otlp: Option<String>,
}

impl Jaeger {
    /// The chart's Service (release `jaeger` of chart `jaeger`).
    pub const SERVICE: &'static str = "jaeger";
    pub const OTLP_GRPC_PORT: u16 = 4317;
    pub const OTLP_HTTP_PORT: u16 = 4318;
    pub const QUERY_PORT: u16 = 16686;
    /// The collector's own metrics (the chart's Service port `internal-metrics`).
    pub const METRICS_PORT: u16 = 8888;
    pub const HEALTH_PORT: u16 = 13133;
    /// Traces the memory store keeps before it drops the oldest.
    pub const MAX_TRACES: u32 = 50_000;

    pub fn new(namespace: &str, forward_otlp: Option<String>) -> Self {
        Self {
            namespace: namespace.to_owned(),
            forward_otlp,
        }
    }

    /// Where applications send OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn otlp_http_url(&self) -> String {
        service_url(Self::SERVICE, &self.namespace, Some(Self::OTLP_HTTP_PORT))
    }

    /// The UI and its HTTP API (`/api/traces`, `/api/services`).
    pub fn query_url(&self) -> String {
        service_url(Self::SERVICE, &self.namespace, Some(Self::QUERY_PORT))
    }

    /// The collector configuration: the all-in-one defaults (OTLP in, memory store, query on
    /// 16686, metrics on 8888) plus the forwarding exporter when there is one.
    pub fn config(&self) -> JaegerConfig {
        let listen = |port: u16| format!("0.0.0.0:{port}");
        let mut exporters = BTreeMap::from([(
            "jaeger_storage_exporter".to_owned(),
            ExporterConfig::Storage {
                trace_storage: "memstore",
            },
        )]);
        if let Some(url) = &self.forward_otlp {
            exporters.insert(
                "otlphttp/forward".to_owned(),
                ExporterConfig::OtlpHttp {
                    endpoint: url.clone(),
                },
            );
        }
        JaegerConfig {
            service: ServiceConfig {
                extensions: vec!["jaeger_storage", "jaeger_query", "healthcheckv2"],
                pipelines: BTreeMap::from([(
                    "traces",
                    Pipeline {
                        receivers: vec!["otlp"],
                        processors: vec!["batch"],
                        exporters: exporters.keys().cloned().collect(),
                    },
                )]),
                telemetry: Telemetry {
                    resource: BTreeMap::from([("service.name", "jaeger")]),
                    metrics: TelemetryMetrics {
                        level: "detailed",
                        readers: vec![MetricReader {
                            pull: PullReader {
                                exporter: PullExporter {
                                    prometheus: PrometheusEndpoint {
                                        host: "0.0.0.0",
                                        port: Self::METRICS_PORT,
                                    },
                                },
                            },
                        }],
                    },
                },
            },
            extensions: Extensions {
                healthcheckv2: HealthCheck {
                    use_v2: true,
                    http: Endpoint {
                        endpoint: listen(Self::HEALTH_PORT),
                    },
                },
                jaeger_query: JaegerQuery {
                    storage: QueryStorage { traces: "memstore" },
                },
                jaeger_storage: JaegerStorage {
                    backends: BTreeMap::from([(
                        "memstore",
                        StorageBackend {
                            memory: MemoryStore {
                                max_traces: Self::MAX_TRACES,
                            },
                        },
                    )]),
                },
            },
            receivers: Receivers {
                otlp: OtlpReceiver {
                    protocols: OtlpProtocols {
                        grpc: Endpoint {
                            endpoint: listen(Self::OTLP_GRPC_PORT),
                        },
                        http: Endpoint {
                            endpoint: listen(Self::OTLP_HTTP_PORT),
                        },
                    },
                },
            },
            processors: BTreeMap::from([("batch", BTreeMap::new())]),
            exporters,
        }
    }

    pub fn values(&self) -> JaegerValues {
        JaegerValues {
            userconfig: self.config(),
            jaeger: JaegerDeployment {
                resources: resources("50m", "256Mi", None, "768Mi"),
            },
        }
    }
}

/// The jaeger chart's values the lab sets.
#[derive(Debug, Serialize)]
pub struct JaegerValues {
    /// The whole collector configuration; the chart mounts it and passes `--config`.
    pub userconfig: JaegerConfig,
    pub jaeger: JaegerDeployment,
}

#[derive(Debug, Serialize)]
pub struct JaegerDeployment {
    pub resources: Resources,
}

/// Jaeger v2's configuration: an OpenTelemetry Collector configuration with Jaeger's
/// extensions.
#[derive(Debug, Serialize)]
pub struct JaegerConfig {
    pub service: ServiceConfig,
    pub extensions: Extensions,
    pub receivers: Receivers,
    /// Processors by name; `batch` with its defaults.
    pub processors: BTreeMap<&'static str, BTreeMap<String, String>>,
    pub exporters: BTreeMap<String, ExporterConfig>,
}

#[derive(Debug, Serialize)]
pub struct ServiceConfig {
    pub extensions: Vec<&'static str>,
    pub pipelines: BTreeMap<&'static str, Pipeline>,
    pub telemetry: Telemetry,
}

#[derive(Debug, Serialize)]
pub struct Pipeline {
    pub receivers: Vec<&'static str>,
    pub processors: Vec<&'static str>,
    pub exporters: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Telemetry {
    pub resource: BTreeMap<&'static str, &'static str>,
    pub metrics: TelemetryMetrics,
}

#[derive(Debug, Serialize)]
pub struct TelemetryMetrics {
    pub level: &'static str,
    pub readers: Vec<MetricReader>,
}

#[derive(Debug, Serialize)]
pub struct MetricReader {
    pub pull: PullReader,
}

#[derive(Debug, Serialize)]
pub struct PullReader {
    pub exporter: PullExporter,
}

#[derive(Debug, Serialize)]
pub struct PullExporter {
    pub prometheus: PrometheusEndpoint,
}

#[derive(Debug, Serialize)]
pub struct PrometheusEndpoint {
    pub host: &'static str,
    pub port: u16,
}

#[derive(Debug, Serialize)]
pub struct Extensions {
    pub healthcheckv2: HealthCheck,
    pub jaeger_query: JaegerQuery,
    pub jaeger_storage: JaegerStorage,
}

#[derive(Debug, Serialize)]
pub struct HealthCheck {
    pub use_v2: bool,
    pub http: Endpoint,
}

#[derive(Debug, Serialize)]
pub struct JaegerQuery {
    pub storage: QueryStorage,
}

#[derive(Debug, Serialize)]
pub struct QueryStorage {
    pub traces: &'static str,
}

#[derive(Debug, Serialize)]
pub struct JaegerStorage {
    pub backends: BTreeMap<&'static str, StorageBackend>,
}

#[derive(Debug, Serialize)]
pub struct StorageBackend {
    pub memory: MemoryStore,
}

#[derive(Debug, Serialize)]
pub struct MemoryStore {
    pub max_traces: u32,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ExporterConfig {
    /// `jaeger_storage_exporter`: writes spans to a backend of `jaeger_storage`.
    Storage { trace_storage: &'static str },
    /// `otlphttp`: sends spans on to another OTLP receiver.
    OtlpHttp { endpoint: String },
}

impl Component for Jaeger {
    fn name(&self) -> &str {
        "jaeger"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = chart_app(self, ctx, "jaeger", &self.values(), Apply::Client)?;
        app.objects.push(Object::new(&service_monitor(
            self.name(),
            &self.namespace,
            "internal-metrics",
            "/metrics",
        ))?);
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// Elastic: the ECK operator, Elasticsearch and Kibana

/// Elastic Cloud on Kubernetes: the operator behind the `Elasticsearch` and `Kibana` kinds.
pub struct EckOperator {
    pub namespace: String,
}

impl Default for EckOperator {
    fn default() -> Self {
        Self {
            namespace: "elastic-system".to_owned(),
        }
    }
}

impl EckOperator {
    /// Every API group of the chart's CRDs (its eck-operator-crds subchart).
    pub const GROUPS: [&'static str; 10] = [
        "agent.k8s.elastic.co",
        "apm.k8s.elastic.co",
        "autoscaling.k8s.elastic.co",
        "beat.k8s.elastic.co",
        "elasticsearch.k8s.elastic.co",
        "enterprisesearch.k8s.elastic.co",
        "kibana.k8s.elastic.co",
        "logstash.k8s.elastic.co",
        "maps.k8s.elastic.co",
        "stackconfigpolicy.k8s.elastic.co",
    ];
}

/// The eck-operator values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EckOperatorValues {
    #[serde(rename = "installCRDs")]
    pub install_crds: bool,
    pub resources: Resources,
}

impl Component for EckOperator {
    fn name(&self) -> &str {
        "eck-operator"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        Self::GROUPS.to_vec()
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = EckOperatorValues {
            install_crds: true,
            resources: resources("50m", "150Mi", None, "512Mi"),
        };
        // The Elasticsearch CRD alone exceeds the client-side apply annotation limit.
        chart_app(self, ctx, "eck-operator", &values, Apply::ServerSide)
    }
}

/// One Elasticsearch node and one Kibana, as `Elasticsearch` and `Kibana` objects the
/// eck-stack chart renders and the ECK operator runs. Versions and images are the
/// `elasticsearch` and `kibana` pins of `platform/versions.yaml`.
pub struct EckStack {
    pub namespace: String,
}

impl EckStack {
    /// API groups of the kinds the chart renders, whose CRDs the operator installs.
    pub const GROUPS: [&'static str; 2] = ["elasticsearch.k8s.elastic.co", "kibana.k8s.elastic.co"];
    /// The `Elasticsearch` object's name; ECK derives every Service and Secret from it.
    pub const ELASTICSEARCH: &'static str = "elasticsearch";
    pub const HTTP_PORT: u16 = 9200;
    /// The built-in superuser, whose password ECK writes to `<name>-es-elastic-user`.
    pub const USER: &'static str = "elastic";

    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
        }
    }

    /// ECK's HTTP Service of the cluster: `<name>-es-http`.
    pub fn elasticsearch_service(&self) -> String {
        format!("{}-es-http", Self::ELASTICSEARCH)
    }

    /// `http://…:9200`: TLS on the HTTP layer is off, the lab's traffic stays in the cluster.
    pub fn elasticsearch_url(&self) -> String {
        service_url(
            &self.elasticsearch_service(),
            &self.namespace,
            Some(Self::HTTP_PORT),
        )
    }

    /// The Secret (in the stack's namespace) and key holding the `elastic` user's password.
    pub fn password_secret(&self) -> (String, &'static str) {
        (
            format!("{}-es-elastic-user", Self::ELASTICSEARCH),
            Self::USER,
        )
    }

    pub fn values(&self, versions: &lab_model::Versions) -> BuildResult<EckStackValues> {
        let es = versions.image("elasticsearch")?;
        let kibana = versions.image("kibana")?;
        let container = |name: &str, memory: &str| Container {
            name: name.to_owned(),
            resources: Some(ResourceRequirements {
                requests: Some(quantities("100m", memory)),
                limits: Some(BTreeMap::from([(
                    "memory".to_owned(),
                    k8s_openapi::apimachinery::pkg::api::resource::Quantity(memory.to_owned()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        };
        let template = |name: &str, memory: &str| PodTemplateSpec {
            spec: Some(PodSpec {
                containers: vec![container(name, memory)],
                ..Default::default()
            }),
            ..Default::default()
        };
        Ok(EckStackValues {
            elasticsearch: EsValues {
                enabled: true,
                fullname_override: Self::ELASTICSEARCH,
                version: es.tag.clone(),
                image: es.reference(),
                http: EsHttp {
                    tls: EsTls {
                        self_signed_certificate: Disabled { disabled: true },
                    },
                },
                node_sets: vec![NodeSet {
                    name: "default",
                    count: 1,
                    // No vm.max_map_count tuning on kind or the hub: mmap off.
                    config: BTreeMap::from([("node.store.allow_mmap", false)]),
                    pod_template: template("elasticsearch", "1536Mi"),
                }],
            },
            kibana: KibanaValues {
                enabled: true,
                version: kibana.tag.clone(),
                image: kibana.reference(),
                count: 1,
                elasticsearch_ref: NameRef {
                    name: Self::ELASTICSEARCH,
                },
                pod_template: template("kibana", "1Gi"),
            },
        })
    }
}

/// The eck-stack values the lab sets (the subcharts' values, under their names).
#[derive(Debug, Serialize)]
pub struct EckStackValues {
    #[serde(rename = "eck-elasticsearch")]
    pub elasticsearch: EsValues,
    #[serde(rename = "eck-kibana")]
    pub kibana: KibanaValues,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsValues {
    pub enabled: bool,
    pub fullname_override: &'static str,
    pub version: String,
    pub image: String,
    pub http: EsHttp,
    pub node_sets: Vec<NodeSet>,
}

#[derive(Debug, Serialize)]
pub struct EsHttp {
    pub tls: EsTls,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsTls {
    pub self_signed_certificate: Disabled,
}

#[derive(Debug, Serialize)]
pub struct Disabled {
    pub disabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSet {
    pub name: &'static str,
    pub count: u8,
    pub config: BTreeMap<&'static str, bool>,
    pub pod_template: PodTemplateSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KibanaValues {
    pub enabled: bool,
    pub version: String,
    pub image: String,
    pub count: u8,
    pub elasticsearch_ref: NameRef,
    pub pod_template: PodTemplateSpec,
}

#[derive(Debug, Serialize)]
pub struct NameRef {
    pub name: &'static str,
}

impl Component for EckStack {
    fn name(&self) -> &str {
        "eck-stack"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = chart_app(
            self,
            ctx,
            "eck-stack",
            &self.values(ctx.versions)?,
            Apply::Client,
        )?;
        // Namespaced objects only: the operator owns everything cluster-wide.
        app.chart_cluster_kinds.clear();
        // The chart renders `Elasticsearch` and `Kibana`: it waits for the operator's CRDs.
        app.chart_uses = Self::GROUPS.to_vec();
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// Fluent Bit

/// Fluent Bit as a DaemonSet: tails every container's log file (as the hub's Alloy reads every
/// pod's logs, so a comparison feeds both stores the same lines) except its own, parses their
/// JSON, adds Kubernetes metadata and writes them to the stack's Elasticsearch, one index a day.
pub struct FluentBit {
    pub namespace: String,
}

impl FluentBit {
    pub const SERVICE: &'static str = "fluent-bit";
    /// Index prefix: indices are `<prefix>-YYYY.MM.DD`, Kibana's data view is `<prefix>-*`.
    pub const INDEX_PREFIX: &'static str = "logs";
    /// The output's alias: the `name` label of its `fluentbit_output_*` metrics.
    pub const OUTPUT: &'static str = "elasticsearch";
    const PASSWORD_ENV: &'static str = "ELASTIC_PASSWORD";

    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
        }
    }

    pub fn values(&self, stack: &EckStack) -> FluentBitValues {
        let (secret, key) = stack.password_secret();
        let host = service_host(&stack.elasticsearch_service(), &stack.namespace, None);
        let inputs = format!(
            "[INPUT]
    Name tail
    Path /var/log/containers/*.log
    Exclude_Path /var/log/containers/{own}-*_{ns}_*.log
    multiline.parser docker, cri
    Tag kube.*
    Mem_Buf_Limit 16MB
    Skip_Long_Lines On
",
            own = self.name(),
            ns = self.namespace,
        );
        let filters = "[FILTER]
    Name kubernetes
    Match kube.*
    Merge_Log On
    Keep_Log Off
    K8S-Logging.Parser On
    K8S-Logging.Exclude On
"
        .to_owned();
        let outputs = format!(
            "[OUTPUT]
    Name es
    Alias {alias}
    Match kube.*
    Host {host}
    Port {port}
    HTTP_User {user}
    HTTP_Passwd ${{{env}}}
    Logstash_Format On
    Logstash_Prefix {prefix}
    Suppress_Type_Name On
    Replace_Dots On
    Retry_Limit 5
",
            alias = Self::OUTPUT,
            port = EckStack::HTTP_PORT,
            user = EckStack::USER,
            env = Self::PASSWORD_ENV,
            prefix = Self::INDEX_PREFIX,
        );
        FluentBitValues {
            config: FluentBitConfig {
                inputs,
                filters,
                outputs,
            },
            env: vec![EnvVar {
                name: Self::PASSWORD_ENV.to_owned(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret,
                        key: key.to_owned(),
                        optional: Some(false),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            resources: resources("20m", "64Mi", None, "256Mi"),
        }
    }
}

/// The fluent-bit values the lab sets: the pipeline sections (the chart's `[SERVICE]` with
/// its HTTP server on 2020 stays) and the password from ECK's Secret.
#[derive(Debug, Serialize)]
pub struct FluentBitValues {
    pub config: FluentBitConfig,
    pub env: Vec<EnvVar>,
    pub resources: Resources,
}

#[derive(Debug, Serialize)]
pub struct FluentBitConfig {
    pub inputs: String,
    pub filters: String,
    pub outputs: String,
}

impl Component for FluentBit {
    fn name(&self) -> &str {
        "fluent-bit"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    /// It reads the node's `/var/log` through a hostPath volume.
    fn pod_security(&self) -> PodSecurity {
        PodSecurity::Privileged
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let stack = ctx.needs::<EckStack>()?;
        if stack.namespace != self.namespace {
            return Err(format!(
                "fluent-bit reads the elastic password Secret, so it must run in the stack's \
                 namespace {}, not {}",
                stack.namespace, self.namespace
            )
            .into());
        }
        let mut app = chart_app(self, ctx, "fluent-bit", &self.values(stack), Apply::Client)?;
        app.objects.push(Object::new(&service_monitor(
            self.name(),
            &self.namespace,
            "http",
            "/api/v2/metrics/prometheus",
        ))?);
        Ok(app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victoria_metrics_scrapes_exactly_the_targets_it_is_given() {
        let vm = VictoriaMetrics::new("e", vec!["a.e.svc.cluster.local:8080".into()]);
        let v = serde_json::to_value(vm.values()).unwrap();
        assert_eq!(
            v["server"]["scrape"]["config"]["scrape_configs"][0]["static_configs"][0]["targets"],
            serde_json::json!(["a.e.svc.cluster.local:8080"])
        );
    }

    #[test]
    fn jaeger_forwards_only_when_told_where() {
        let alone = Jaeger::new("t", None).config();
        assert_eq!(
            alone.service.pipelines["traces"].exporters,
            vec!["jaeger_storage_exporter"]
        );
        let teed = Jaeger::new("t", Some("http://c:4318".into())).config();
        assert_eq!(
            teed.service.pipelines["traces"].exporters,
            vec!["jaeger_storage_exporter", "otlphttp/forward"]
        );
        let v = serde_json::to_value(&teed).unwrap();
        assert_eq!(
            v["exporters"]["otlphttp/forward"]["endpoint"],
            "http://c:4318"
        );
    }

    #[test]
    fn fluent_bit_ships_all_but_its_own_logs_to_the_stacks_elasticsearch() {
        let stack = EckStack::new("logs");
        let v = FluentBit::new("logs").values(&stack);
        // Everything but its own lines, which would otherwise feed back into themselves.
        assert!(
            v.config
                .inputs
                .contains("Exclude_Path /var/log/containers/fluent-bit-*_logs_*.log\n")
        );
        assert!(
            v.config
                .outputs
                .contains("Host elasticsearch-es-http.logs.svc.cluster.local\n")
        );
        let secret = v.env[0]
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref();
        assert_eq!(secret.unwrap().name, "elasticsearch-es-elastic-user");
    }
}
