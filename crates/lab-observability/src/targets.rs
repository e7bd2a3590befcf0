//! Prometheus on target clusters: kube-prometheus-stack, scraping every ServiceMonitor and
//! PrometheusRule (not only the chart's own), keeping exemplars, and writing to the hub's Mimir.

use std::collections::BTreeMap;

use lab_kit::Toggle;
use lab_model::component::{BuildResult, CHART_CLUSTER_KINDS, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

use crate::backends::Mimir;

pub struct KubePrometheusStack {
    pub namespace: String,
    /// `cluster` external label on every series, so the hub tells clusters apart.
    pub cluster: String,
    /// Ship every series to the hub's Mimir (through the hub's Gateway, trusting the lab CA).
    pub remote_write: bool,
    pub retention: String,
}

impl KubePrometheusStack {
    pub fn new(cluster: &str) -> Self {
        Self {
            namespace: "monitoring".into(),
            cluster: cluster.into(),
            remote_write: true,
            retention: "24h".into(),
        }
    }

    /// The query API of the chart's Prometheus (`<release>-prometheus`).
    pub fn prometheus_url(&self) -> String {
        lab_kit::service_url(
            &format!("{}-prometheus", self.name()),
            &self.namespace,
            Some(9090),
        )
    }

    /// The ConfigMap holding the lab CA on the target (`task talos:register` copies it from
    /// the hub), which remote-write trusts.
    pub const LAB_CA_CONFIG_MAP: &'static str = "lab-root-ca";
    pub const LAB_CA_KEY: &'static str = "ca.crt";

    /// `push_url`: the hub's Mimir remote-write endpoint, when the cluster ships metrics.
    pub fn values(&self, push_url: Option<String>) -> KubePrometheusStackValues {
        KubePrometheusStackValues {
            grafana: Toggle::OFF,
            alertmanager: Toggle::ON,
            kube_etcd: Toggle::OFF,
            prometheus_operator: Operator {
                admission_webhooks: Toggle::OFF,
                tls: Toggle::OFF,
            },
            prometheus: Prometheus {
                prometheus_spec: PrometheusSpec {
                    retention: self.retention.clone(),
                    service_monitor_selector_nil_uses_helm_values: false,
                    pod_monitor_selector_nil_uses_helm_values: false,
                    rule_selector_nil_uses_helm_values: false,
                    enable_features: vec!["exemplar-storage"],
                    external_labels: BTreeMap::from([("cluster", self.cluster.clone())]),
                    remote_write: push_url
                        .into_iter()
                        .map(|url| RemoteWrite {
                            url,
                            send_exemplars: true,
                            tls_config: TlsConfig {
                                ca: ConfigMapKey {
                                    config_map: KeyRef {
                                        name: Self::LAB_CA_CONFIG_MAP,
                                        key: Self::LAB_CA_KEY,
                                    },
                                },
                            },
                        })
                        .collect(),
                },
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubePrometheusStackValues {
    pub grafana: Toggle,
    pub alertmanager: Toggle,
    pub kube_etcd: Toggle,
    pub prometheus_operator: Operator,
    pub prometheus: Prometheus,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operator {
    pub admission_webhooks: Toggle,
    pub tls: Toggle,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prometheus {
    pub prometheus_spec: PrometheusSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSpec {
    pub retention: String,
    pub service_monitor_selector_nil_uses_helm_values: bool,
    pub pod_monitor_selector_nil_uses_helm_values: bool,
    pub rule_selector_nil_uses_helm_values: bool,
    pub enable_features: Vec<&'static str>,
    pub external_labels: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remote_write: Vec<RemoteWrite>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteWrite {
    pub url: String,
    pub send_exemplars: bool,
    pub tls_config: TlsConfig,
}

#[derive(Debug, Serialize)]
pub struct TlsConfig {
    pub ca: ConfigMapKey,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapKey {
    pub config_map: KeyRef,
}

#[derive(Debug, Serialize)]
pub struct KeyRef {
    pub name: &'static str,
    pub key: &'static str,
}

impl Component for KubePrometheusStack {
    fn name(&self) -> &str {
        "kube-prometheus-stack"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec![lab_kit::MONITORING_GROUP]
    }
    fn project(&self) -> lab_model::component::Project {
        lab_model::component::Project::Targets
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        // ADR 0013: targets keep a short local retention and ship everything to the hub.
        let push_url = match self.remote_write {
            true => Some(ctx.hub::<Mimir>()?.external_push_url(ctx.settings)?),
            false => None,
        };
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("kube-prometheus-stack")?,
            &self.values(push_url),
        )?);
        app.server_side_apply = true;
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        Ok(app)
    }
}
