//! Grafana on the hub: datasources for Mimir, Loki and Tempo derived from those components,
//! correlated both ways (exemplars → Tempo, Loki trace ids → Tempo, Tempo → logs, metrics and
//! service map), dashboards loaded from ConfigMaps, and the admin login from OpenBao.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_kit::Toggle;
use lab_kit::secrets::{SecretKey, SecretStore};
use lab_model::component::{BuildResult, Context, Exposed, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

use crate::OBSERVABILITY_NAMESPACE;
use crate::backends::{Loki, Mimir, Tempo};
use crate::dashboard::{self, Dashboard};
use crate::signals::{LOKI_UID, MIMIR_UID, TEMPO_UID, TRACE_ID_FIELD};
use crate::workload::DemoApps;
use lab_model::component::RBAC_KINDS;

/// Label and value Grafana's dashboard sidecar watches for.
pub const DASHBOARD_LABEL: &str = "grafana_dashboard";
pub const FOLDER_ANNOTATION: &str = "grafana_folder";
const ADMIN_SECRET: &str = "grafana-admin";

pub struct Grafana {
    pub namespace: String,
}

impl Grafana {
    /// The chart's Service port (the Service is named after the release).
    pub const PORT: u16 = 80;
    /// The host of its route: `https://grafana.<base domain>` (also its `root_url`).
    pub const HOST: &'static str = "grafana";
}

impl Default for Grafana {
    fn default() -> Self {
        Self {
            namespace: OBSERVABILITY_NAMESPACE.into(),
        }
    }
}

/// One provisioned datasource.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Datasource {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: &'static str,
    pub url: String,
    pub access: &'static str,
    pub is_default: bool,
    pub json_data: JsonData,
}

/// `jsonData` of the three datasource types the lab provisions.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JsonData {
    Prometheus(PrometheusJson),
    Loki(LokiJson),
    Tempo(TempoJson),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusJson {
    pub http_method: &'static str,
    pub prometheus_type: &'static str,
    /// Exemplar label holding a trace id → the Tempo datasource.
    pub exemplar_trace_id_destinations: Vec<ExemplarDestination>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExemplarDestination {
    pub name: &'static str,
    pub datasource_uid: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LokiJson {
    pub max_lines: u32,
    pub derived_fields: Vec<DerivedField>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DerivedField {
    pub name: &'static str,
    pub matcher_regex: String,
    /// `$${__value.raw}`: the doubled `$` escapes Grafana's provisioning env expansion.
    pub url: &'static str,
    pub datasource_uid: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TempoJson {
    pub traces_to_logs_v2: TracesToLogs,
    pub traces_to_metrics: TracesToMetrics,
    pub service_map: UidRef,
    pub loki_search: UidRef,
    pub node_graph: Toggle,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TracesToLogs {
    pub datasource_uid: &'static str,
    pub span_start_time_shift: &'static str,
    pub span_end_time_shift: &'static str,
    pub filter_by_trace_id: bool,
    pub tags: Vec<TagMapping>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TracesToMetrics {
    pub datasource_uid: &'static str,
    pub tags: Vec<TagMapping>,
    pub queries: Vec<LinkedQuery>,
}

#[derive(Debug, Serialize)]
pub struct TagMapping {
    pub key: &'static str,
    pub value: &'static str,
}

#[derive(Debug, Serialize)]
pub struct LinkedQuery {
    pub name: &'static str,
    pub query: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UidRef {
    pub datasource_uid: &'static str,
}

/// The three correlated datasources, addressed where the components really are.
pub fn datasources(mimir: &Mimir, loki: &Loki, tempo: &Tempo) -> Vec<Datasource> {
    // service.name on spans ↔ the `service_name` label Tempo's span metrics carry.
    let service = || TagMapping {
        key: "service.name",
        value: "service_name",
    };
    vec![
        Datasource {
            name: "Mimir",
            kind: "prometheus",
            uid: MIMIR_UID,
            url: mimir.query_url(),
            access: "proxy",
            is_default: true,
            json_data: JsonData::Prometheus(PrometheusJson {
                http_method: "POST",
                prometheus_type: "Mimir",
                exemplar_trace_id_destinations: vec![ExemplarDestination {
                    name: TRACE_ID_FIELD,
                    datasource_uid: TEMPO_UID,
                }],
            }),
        },
        Datasource {
            name: "Loki",
            kind: "loki",
            uid: LOKI_UID,
            url: loki.url(),
            access: "proxy",
            is_default: false,
            json_data: JsonData::Loki(LokiJson {
                max_lines: 1000,
                derived_fields: vec![DerivedField {
                    name: "TraceID",
                    matcher_regex: format!(r#""{TRACE_ID_FIELD}":"([0-9a-f]{{32}})""#),
                    url: "$${__value.raw}",
                    datasource_uid: TEMPO_UID,
                }],
            }),
        },
        Datasource {
            name: "Tempo",
            kind: "tempo",
            uid: TEMPO_UID,
            url: tempo.url(),
            access: "proxy",
            is_default: false,
            json_data: JsonData::Tempo(TempoJson {
                traces_to_logs_v2: TracesToLogs {
                    datasource_uid: LOKI_UID,
                    span_start_time_shift: "-5m",
                    span_end_time_shift: "5m",
                    filter_by_trace_id: true,
                    tags: vec![TagMapping {
                        key: "k8s.namespace.name",
                        value: "namespace",
                    }],
                },
                traces_to_metrics: TracesToMetrics {
                    datasource_uid: MIMIR_UID,
                    tags: vec![service()],
                    queries: vec![
                        LinkedQuery {
                            name: "Request rate",
                            query: "sum(rate(traces_spanmetrics_calls_total{$$__tags}[5m]))",
                        },
                        LinkedQuery {
                            name: "p95 latency",
                            query: "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$$__tags}[5m])))",
                        },
                    ],
                },
                service_map: UidRef {
                    datasource_uid: MIMIR_UID,
                },
                loki_search: UidRef {
                    datasource_uid: LOKI_UID,
                },
                node_graph: Toggle::ON,
            }),
        },
    ]
}

/// The grafana chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrafanaValues {
    pub replicas: u32,
    pub admin: AdminSecret,
    pub datasources: BTreeMap<&'static str, DatasourceFile>,
    pub sidecar: Sidecar,
    pub persistence: GrafanaPersistence,
    pub init_chown_data: Toggle,
    pub service_monitor: Toggle,
    #[serde(rename = "grafana.ini")]
    pub grafana_ini: GrafanaIni,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminSecret {
    pub existing_secret: &'static str,
    pub user_key: &'static str,
    pub password_key: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceFile {
    pub api_version: u32,
    pub datasources: Vec<Datasource>,
}

#[derive(Debug, Serialize)]
pub struct Sidecar {
    pub dashboards: SidecarDashboards,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarDashboards {
    pub enabled: bool,
    pub label: &'static str,
    pub label_value: &'static str,
    pub folder_annotation: &'static str,
    pub search_namespace: &'static str,
    pub provider: SidecarProvider,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarProvider {
    pub folders_from_files_structure: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrafanaPersistence {
    pub enabled: bool,
    pub storage_class_name: &'static str,
    pub size: &'static str,
}

#[derive(Debug, Serialize)]
pub struct GrafanaIni {
    pub server: IniServer,
}

#[derive(Debug, Serialize)]
pub struct IniServer {
    pub domain: String,
    pub root_url: &'static str,
}

impl Grafana {
    pub fn values(&self, ctx: &Context) -> BuildResult<GrafanaValues> {
        Ok(GrafanaValues {
            replicas: 1,
            admin: AdminSecret {
                existing_secret: ADMIN_SECRET,
                user_key: "admin-user",
                password_key: "admin-password",
            },
            datasources: BTreeMap::from([(
                "datasources.yaml",
                DatasourceFile {
                    api_version: 1,
                    datasources: datasources(
                        ctx.needs::<Mimir>()?,
                        ctx.needs::<Loki>()?,
                        ctx.needs::<Tempo>()?,
                    ),
                },
            )]),
            sidecar: Sidecar {
                dashboards: SidecarDashboards {
                    enabled: true,
                    label: DASHBOARD_LABEL,
                    label_value: "1",
                    folder_annotation: FOLDER_ANNOTATION,
                    search_namespace: "ALL",
                    provider: SidecarProvider {
                        folders_from_files_structure: true,
                    },
                },
            },
            persistence: GrafanaPersistence {
                enabled: true,
                storage_class_name: lab_kit::storage::RETAIN_CLASS,
                size: "1Gi",
            },
            init_chown_data: Toggle::OFF,
            service_monitor: Toggle::ON,
            grafana_ini: GrafanaIni {
                server: IniServer {
                    domain: format!("{}.{}", Self::HOST, ctx.settings.hub.base_domain),
                    root_url: "%(protocol)s://%(domain)s/",
                },
            },
        })
    }
}

/// A dashboard as a ConfigMap the sidecar loads, in `folder`.
pub fn dashboard_config_map(
    namespace: &str,
    folder: &str,
    dashboard: &Dashboard,
) -> BuildResult<ConfigMap> {
    Ok(ConfigMap {
        metadata: ObjectMeta {
            name: Some(format!("dashboard-{}", dashboard.uid)),
            namespace: Some(namespace.to_owned()),
            labels: Some(BTreeMap::from([(DASHBOARD_LABEL.into(), "1".into())])),
            annotations: Some(BTreeMap::from([(FOLDER_ANNOTATION.into(), folder.into())])),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(
            format!("{}.json", dashboard.uid),
            serde_json::to_string_pretty(dashboard)?,
        )])),
        ..Default::default()
    })
}

impl Component for Grafana {
    fn name(&self) -> &str {
        "grafana"
    }
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: Self::HOST,
            namespace: self.namespace.clone(),
            service: self.name().to_owned(),
            port: Self::PORT,
        })
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("grafana")?,
            &self.values(ctx)?,
        )?);
        // `serviceMonitor.enabled`: the chart renders its own ServiceMonitor.
        app.chart_uses = vec![lab_kit::MONITORING_GROUP];
        app.objects
            .push(Object::new(&ctx.needs::<SecretStore>()?.external_secret(
                ADMIN_SECRET,
                &self.namespace,
                ADMIN_SECRET,
                &[
                    SecretKey {
                        key: "admin-user",
                        path: "grafana/admin",
                        property: "username",
                    },
                    SecretKey {
                        key: "admin-password",
                        path: "grafana/admin",
                        property: "password",
                    },
                ],
            ))?);
        // Dashboards of the demo apps this cluster runs, and the cost dashboard.
        let apps = ctx.find::<DemoApps>();
        for (folder, board) in dashboard::all(apps) {
            app.objects.push(Object::new(&dashboard_config_map(
                &self.namespace,
                folder,
                &board,
            )?)?);
        }
        app.chart_cluster_kinds = RBAC_KINDS.to_vec();
        Ok(app)
    }
}
