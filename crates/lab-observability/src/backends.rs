//! The hub's telemetry stores: Loki (logs), Tempo (traces), Mimir (metrics). Each keeps its data
//! in SeaweedFS buckets, reads S3 credentials from an ExternalSecret, and says where clients
//! reach it; Grafana and the collectors derive their URLs from these methods only.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvFromSource, SecretEnvSource};
use lab_core::Object;
use lab_model::component::{BuildResult, Context, Exposed};
use lab_model::{App, Component};
use serde::Serialize;

use crate::OBSERVABILITY_NAMESPACE;
use crate::storage::{Bucket, S3_ACCESS_KEY_ENV, S3_REGION, S3_SECRET_KEY_ENV, SeaweedFs};
use lab_kit::secrets::SecretStore;
use lab_kit::values::{Endpoint, OtlpProtocols, OtlpReceiver, Receivers};
use lab_kit::{Apply, Toggle, chart_app, service_host, service_url};
use lab_model::component::RBAC_KINDS;

/// Retention of every signal on the hub: a week is enough to learn with and keeps disks small.
pub const RETENTION: &str = "168h";

/// `${VAR}`: expanded by Loki, Tempo and Mimir when started with `-config.expand-env=true`, so
/// credentials stay in the Secret and out of the rendered values.
fn env_ref(var: &str) -> String {
    format!("${{{var}}}")
}

fn secret_env(secret: &str) -> Vec<EnvFromSource> {
    vec![EnvFromSource {
        secret_ref: Some(SecretEnvSource {
            name: secret.to_owned(),
            optional: Some(false),
        }),
        ..Default::default()
    }]
}

fn s3_secret_name(component: &str) -> String {
    format!("{component}-s3")
}

/// A backend's chart App plus its S3 credentials ExternalSecret; backends create only RBAC
/// cluster-wide.
fn backend_app<V: Serialize>(
    component: &dyn Component,
    ctx: &Context,
    chart: &str,
    values: &V,
) -> BuildResult<App> {
    let store = ctx.needs::<SeaweedFs>()?;
    let mut app = chart_app(component, ctx, chart, values, Apply::Client)?;
    app.objects.push(Object::new(&store.client_credentials(
        ctx.needs::<SecretStore>()?,
        component.namespace(),
        &s3_secret_name(component.name()),
    ))?);
    app.chart_cluster_kinds = RBAC_KINDS.to_vec();
    // Every backend turns its chart's own ServiceMonitor on (see `SelfMonitoring`).
    app.chart_uses = vec![lab_kit::MONITORING_GROUP];
    Ok(app)
}

// ---------------------------------------------------------------------------------------------
// Loki

pub struct Loki {
    pub namespace: String,
}

impl Default for Loki {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
        }
    }
}

impl Loki {
    /// The gateway every reader and writer goes through.
    pub fn url(&self) -> String {
        service_url("loki-gateway", &self.namespace, None)
    }

    pub fn push_url(&self) -> String {
        format!("{}/loki/api/v1/push", self.url())
    }

    pub fn values(&self, store: &SeaweedFs) -> BuildResult<LokiValues> {
        let secret = s3_secret_name(self.name());
        Ok(LokiValues {
            deployment_mode: "SingleBinary",
            loki: LokiConfig {
                auth_enabled: false,
                common_config: BTreeMap::from([("replication_factor", 1)]),
                schema_config: SchemaConfig {
                    configs: vec![PeriodConfig {
                        from: "2024-01-01",
                        store: "tsdb",
                        object_store: "s3",
                        schema: "v13",
                        index: IndexConfig {
                            prefix: "loki_index_",
                            period: "24h",
                        },
                    }],
                },
                storage: LokiStorage {
                    kind: "s3",
                    bucket_names: BTreeMap::from([
                        ("chunks", store.bucket(Bucket::LokiChunks)?),
                        ("ruler", store.bucket(Bucket::LokiRuler)?),
                        ("admin", store.bucket(Bucket::LokiAdmin)?),
                    ]),
                    s3: LokiS3 {
                        endpoint: store.s3_url(),
                        region: S3_REGION,
                        access_key_id: env_ref(S3_ACCESS_KEY_ENV),
                        secret_access_key: env_ref(S3_SECRET_KEY_ENV),
                        s3_force_path_style: true,
                        insecure: true,
                    },
                },
                limits_config: LokiLimits {
                    retention_period: RETENTION,
                    ingestion_rate_mb: 4,
                    ingestion_burst_size_mb: 6,
                    max_query_series: 5000,
                    allow_structured_metadata: true,
                },
            },
            single_binary: SingleBinary {
                replicas: 1,
                extra_args: vec!["-config.expand-env=true".into()],
                extra_env_from: secret_env(&secret),
                persistence: Persistence {
                    enabled: true,
                    size: "1Gi",
                    storage_class: lab_kit::storage::RETAIN_CLASS,
                },
            },
            read: Replicas { replicas: 0 },
            write: Replicas { replicas: 0 },
            backend: Replicas { replicas: 0 },
            gateway: Toggle { enabled: true },
            chunks_cache: Toggle { enabled: false },
            results_cache: Toggle { enabled: false },
            minio: Toggle { enabled: false },
            test: Toggle { enabled: false },
            loki_canary: Toggle { enabled: false },
            monitoring: SelfMonitoring {
                service_monitor: Toggle { enabled: true },
            },
        })
    }
}

impl Component for Loki {
    fn name(&self) -> &str {
        "loki"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let store = ctx.needs::<SeaweedFs>()?;
        backend_app(self, ctx, "loki", &self.values(store)?)
    }
}

/// The loki chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LokiValues {
    pub deployment_mode: &'static str,
    pub loki: LokiConfig,
    pub single_binary: SingleBinary,
    pub read: Replicas,
    pub write: Replicas,
    pub backend: Replicas,
    pub gateway: Toggle,
    pub chunks_cache: Toggle,
    pub results_cache: Toggle,
    pub minio: Toggle,
    pub test: Toggle,
    pub loki_canary: Toggle,
    pub monitoring: SelfMonitoring,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LokiConfig {
    /// The chart spells these two in snake case, unlike its other keys.
    #[serde(rename = "auth_enabled")]
    pub auth_enabled: bool,
    pub common_config: BTreeMap<&'static str, u32>,
    pub schema_config: SchemaConfig,
    pub storage: LokiStorage,
    #[serde(rename = "limits_config")]
    pub limits_config: LokiLimits,
}

#[derive(Debug, Serialize)]
pub struct SchemaConfig {
    pub configs: Vec<PeriodConfig>,
}

#[derive(Debug, Serialize)]
pub struct PeriodConfig {
    pub from: &'static str,
    pub store: &'static str,
    pub object_store: &'static str,
    pub schema: &'static str,
    pub index: IndexConfig,
}

#[derive(Debug, Serialize)]
pub struct IndexConfig {
    pub prefix: &'static str,
    pub period: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LokiStorage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub bucket_names: BTreeMap<&'static str, &'static str>,
    pub s3: LokiS3,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LokiS3 {
    pub endpoint: String,
    pub region: &'static str,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub s3_force_path_style: bool,
    pub insecure: bool,
}

#[derive(Debug, Serialize)]
pub struct LokiLimits {
    pub retention_period: &'static str,
    pub ingestion_rate_mb: u32,
    pub ingestion_burst_size_mb: u32,
    pub max_query_series: u32,
    /// Trace ids go to structured metadata, not labels (see the Alloy pipeline).
    pub allow_structured_metadata: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SingleBinary {
    pub replicas: u32,
    pub extra_args: Vec<String>,
    pub extra_env_from: Vec<EnvFromSource>,
    pub persistence: Persistence,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Persistence {
    pub enabled: bool,
    pub size: &'static str,
    pub storage_class: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Replicas {
    pub replicas: u32,
}

/// `<key>.serviceMonitor.enabled`: the chart's own ServiceMonitor, which Alloy scrapes into
/// Mimir (the observability-cost dashboard reads these series).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfMonitoring {
    pub service_monitor: Toggle,
}

// ---------------------------------------------------------------------------------------------
// Tempo

pub struct Tempo {
    pub namespace: String,
    pub query_port: u16,
    pub otlp_grpc_port: u16,
    pub otlp_http_port: u16,
}

impl Default for Tempo {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
            query_port: 3100,
            otlp_grpc_port: 4317,
            otlp_http_port: 4318,
        }
    }
}

impl Tempo {
    /// Query API, what Grafana reads.
    pub fn url(&self) -> String {
        service_url(self.name(), &self.namespace, Some(self.query_port))
    }

    /// OTLP gRPC `host:port`, what the OpenTelemetry Collector exports to.
    pub fn otlp_grpc_host(&self) -> String {
        service_host(self.name(), &self.namespace, Some(self.otlp_grpc_port))
    }

    pub fn values(&self, store: &SeaweedFs, mimir: &Mimir) -> BuildResult<TempoValues> {
        let listen = |port: u16| Endpoint {
            endpoint: format!("0.0.0.0:{port}"),
        };
        Ok(TempoValues {
            tempo: TempoConfig {
                retention: RETENTION,
                extra_args: BTreeMap::from([("config.expand-env", "true")]),
                extra_env_from: secret_env(&s3_secret_name(self.name())),
                storage: TempoStorage {
                    trace: TraceStorage {
                        backend: "s3",
                        s3: TempoS3 {
                            bucket: store.bucket(Bucket::TempoTraces)?,
                            endpoint: store.s3_host(),
                            region: S3_REGION,
                            access_key: env_ref(S3_ACCESS_KEY_ENV),
                            secret_key: env_ref(S3_SECRET_KEY_ENV),
                            insecure: true,
                            forcepathstyle: true,
                        },
                        wal: WalConfig {
                            path: "/var/tempo/wal",
                        },
                    },
                },
                receivers: Receivers {
                    otlp: OtlpReceiver {
                        protocols: OtlpProtocols {
                            grpc: listen(self.otlp_grpc_port),
                            http: listen(self.otlp_http_port),
                        },
                    },
                },
                // Span metrics and service graphs, written to Mimir: what Grafana's
                // trace-to-metrics links and service map query.
                metrics_generator: MetricsGenerator {
                    enabled: true,
                    remote_write_url: mimir.push_url(),
                },
            },
            service_monitor: Toggle { enabled: true },
            persistence: Toggle { enabled: false },
        })
    }
}

impl Component for Tempo {
    fn name(&self) -> &str {
        "tempo"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let store = ctx.needs::<SeaweedFs>()?;
        let mimir = ctx.needs::<Mimir>()?;
        backend_app(self, ctx, "tempo", &self.values(store, mimir)?)
    }
}

/// The tempo chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TempoValues {
    pub tempo: TempoConfig,
    pub service_monitor: Toggle,
    pub persistence: Toggle,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TempoConfig {
    pub retention: &'static str,
    pub extra_args: BTreeMap<&'static str, &'static str>,
    pub extra_env_from: Vec<EnvFromSource>,
    pub storage: TempoStorage,
    pub receivers: Receivers,
    pub metrics_generator: MetricsGenerator,
}

#[derive(Debug, Serialize)]
pub struct TempoStorage {
    pub trace: TraceStorage,
}

#[derive(Debug, Serialize)]
pub struct TraceStorage {
    pub backend: &'static str,
    pub s3: TempoS3,
    pub wal: WalConfig,
}

#[derive(Debug, Serialize)]
pub struct TempoS3 {
    pub bucket: &'static str,
    pub endpoint: String,
    pub region: &'static str,
    pub access_key: String,
    pub secret_key: String,
    pub insecure: bool,
    pub forcepathstyle: bool,
}

#[derive(Debug, Serialize)]
pub struct WalConfig {
    pub path: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsGenerator {
    pub enabled: bool,
    pub remote_write_url: String,
}

// ---------------------------------------------------------------------------------------------
// Mimir

pub struct Mimir {
    pub namespace: String,
}

impl Default for Mimir {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
        }
    }
}

impl Mimir {
    /// The chart's gateway Service (named after the release) and its HTTP port.
    pub const GATEWAY_SERVICE: &'static str = "mimir-gateway";
    pub const GATEWAY_PORT: u16 = 80;
    /// Path of the remote-write API below the gateway.
    pub const PUSH_PATH: &'static str = "/api/v1/push";

    fn gateway(&self) -> String {
        service_url(Self::GATEWAY_SERVICE, &self.namespace, None)
    }

    /// Remote-write endpoint for other clusters, through the hub's Gateway.
    pub fn external_push_url(&self, settings: &lab_model::Settings) -> BuildResult<String> {
        let exposed = self.exposed().ok_or("Mimir exposes no endpoint")?;
        Ok(format!("{}{}", exposed.url(settings), Self::PUSH_PATH))
    }

    /// Prometheus-compatible query API, what Grafana reads.
    pub fn query_url(&self) -> String {
        format!("{}/prometheus", self.gateway())
    }

    /// Remote-write endpoint, what Tempo, the collectors and target Prometheus write to.
    pub fn push_url(&self) -> String {
        format!("{}{}", self.gateway(), Self::PUSH_PATH)
    }

    /// Where Alloy's `mimir.rules.kubernetes` loads rules (the gateway adds `/prometheus`).
    pub fn ruler_url(&self) -> String {
        self.gateway()
    }

    pub fn values(&self, store: &SeaweedFs) -> BuildResult<MimirValues> {
        let bucket = |b| -> BuildResult<BucketName> {
            Ok(BucketName {
                s3: S3Bucket {
                    bucket_name: store.bucket(b)?,
                },
            })
        };
        let one = || MimirReplicas {
            replicas: 1,
            zone_aware_replication: None,
        };
        let single_zone = || MimirReplicas {
            replicas: 1,
            zone_aware_replication: Some(Toggle { enabled: false }),
        };
        Ok(MimirValues {
            // No extraArgs: the chart passes `-config.expand-env=true` to every Mimir component
            // itself, and has no `global.extraArgs` (Helm would drop it).
            global: MimirGlobal {
                extra_env_from: secret_env(&s3_secret_name(self.name())),
            },
            mimir: MimirSection {
                structured_config: MimirConfig {
                    multitenancy_enabled: false,
                    common: MimirCommon {
                        storage: MimirStorage {
                            backend: "s3",
                            s3: MimirS3 {
                                endpoint: store.s3_host(),
                                region: S3_REGION,
                                access_key_id: env_ref(S3_ACCESS_KEY_ENV),
                                secret_access_key: env_ref(S3_SECRET_KEY_ENV),
                                insecure: true,
                            },
                        },
                    },
                    blocks_storage: bucket(Bucket::MimirBlocks)?,
                    ruler_storage: bucket(Bucket::MimirRuler)?,
                    alertmanager_storage: bucket(Bucket::MimirAlertmanager)?,
                    ingester: MimirIngester {
                        ring: MimirRing {
                            replication_factor: 1,
                        },
                    },
                    limits: MimirLimits {
                        compactor_blocks_retention_period: RETENTION,
                        // Exemplars carry trace ids from metrics to Tempo.
                        max_global_exemplars_per_user: 100_000,
                    },
                },
            },
            ingester: single_zone(),
            store_gateway: single_zone(),
            distributor: one(),
            querier: one(),
            query_frontend: one(),
            compactor: one(),
            query_scheduler: Toggle { enabled: false },
            // Evaluates the PrometheusRules Alloy loads (the SLO rules).
            ruler: Toggle { enabled: true },
            alertmanager: Toggle { enabled: false },
            overrides_exporter: Toggle { enabled: false },
            minio: Toggle { enabled: false },
            nginx: Toggle { enabled: false },
            gateway: MimirGateway {
                enabled_non_enterprise: true,
                replicas: 1,
            },
            meta_monitoring: SelfMonitoring {
                service_monitor: Toggle { enabled: true },
            },
        })
    }
}

impl Component for Mimir {
    fn name(&self) -> &str {
        "mimir"
    }
    /// Target clusters remote-write through the hub's Gateway.
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: "mimir",
            namespace: self.namespace.clone(),
            service: Self::GATEWAY_SERVICE.to_owned(),
            port: Self::GATEWAY_PORT,
        })
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let store = ctx.needs::<SeaweedFs>()?;
        let mut app = backend_app(self, ctx, "mimir-distributed", &self.values(store)?)?;
        app.server_side_apply = true;
        Ok(app)
    }
}

/// The mimir-distributed chart's values the lab sets.
#[derive(Debug, Serialize)]
pub struct MimirValues {
    pub global: MimirGlobal,
    pub mimir: MimirSection,
    pub ingester: MimirReplicas,
    pub store_gateway: MimirReplicas,
    pub distributor: MimirReplicas,
    pub querier: MimirReplicas,
    pub query_frontend: MimirReplicas,
    pub compactor: MimirReplicas,
    pub query_scheduler: Toggle,
    pub ruler: Toggle,
    pub alertmanager: Toggle,
    pub overrides_exporter: Toggle,
    pub minio: Toggle,
    pub nginx: Toggle,
    pub gateway: MimirGateway,
    #[serde(rename = "metaMonitoring")]
    pub meta_monitoring: SelfMonitoring,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MimirGlobal {
    pub extra_env_from: Vec<EnvFromSource>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MimirSection {
    pub structured_config: MimirConfig,
}

#[derive(Debug, Serialize)]
pub struct MimirConfig {
    /// Off: one tenant. On (Mimir's default), every write and query without an
    /// `X-Scope-OrgID` header is refused, and no client of the lab sends one.
    pub multitenancy_enabled: bool,
    pub common: MimirCommon,
    pub blocks_storage: BucketName,
    pub ruler_storage: BucketName,
    pub alertmanager_storage: BucketName,
    pub ingester: MimirIngester,
    pub limits: MimirLimits,
}

#[derive(Debug, Serialize)]
pub struct MimirCommon {
    pub storage: MimirStorage,
}

#[derive(Debug, Serialize)]
pub struct MimirStorage {
    pub backend: &'static str,
    pub s3: MimirS3,
}

#[derive(Debug, Serialize)]
pub struct MimirS3 {
    pub endpoint: String,
    pub region: &'static str,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub insecure: bool,
}

#[derive(Debug, Serialize)]
pub struct BucketName {
    pub s3: S3Bucket,
}

#[derive(Debug, Serialize)]
pub struct S3Bucket {
    pub bucket_name: &'static str,
}

#[derive(Debug, Serialize)]
pub struct MimirIngester {
    pub ring: MimirRing,
}

#[derive(Debug, Serialize)]
pub struct MimirRing {
    pub replication_factor: u32,
}

#[derive(Debug, Serialize)]
pub struct MimirLimits {
    pub compactor_blocks_retention_period: &'static str,
    pub max_global_exemplars_per_user: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MimirReplicas {
    pub replicas: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_aware_replication: Option<Toggle>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MimirGateway {
    pub enabled_non_enterprise: bool,
    pub replicas: u32,
}
