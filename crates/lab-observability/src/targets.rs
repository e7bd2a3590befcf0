//! Prometheus on target clusters: kube-prometheus-stack, scraping every ServiceMonitor and
//! PrometheusRule (not only the chart's own), keeping exemplars, and writing to the hub's Mimir.

use std::collections::BTreeMap;

use lab_model::component::{BuildResult, CHART_CLUSTER_KINDS, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

pub struct KubePrometheusStack {
    pub namespace: String,
    /// `cluster` external label on every series, so the hub tells clusters apart.
    pub cluster: String,
    /// The hub's Mimir push URL (through the hub's Gateway), if this cluster ships metrics.
    pub remote_write: Option<String>,
    pub retention: String,
}

impl KubePrometheusStack {
    /// The Secret (in this namespace) holding the lab CA's certificate, which
    /// `task talos:register` copies from the hub; a CA certificate is public, not a credential.
    pub const LAB_CA_SECRET: &'static str = "lab-ca";
    pub const LAB_CA_KEY: &'static str = "ca.crt";

    pub fn new(cluster: &str) -> Self {
        Self {
            namespace: "monitoring".into(),
            cluster: cluster.into(),
            remote_write: None,
            retention: "24h".into(),
        }
    }

    pub fn values(&self) -> KubePrometheusStackValues {
        KubePrometheusStackValues {
            grafana: Enabled { enabled: false },
            alertmanager: Enabled { enabled: true },
            kube_etcd: Enabled { enabled: false },
            prometheus_operator: Operator {
                admission_webhooks: Enabled { enabled: false },
                tls: Enabled { enabled: false },
            },
            prometheus: Prometheus {
                prometheus_spec: PrometheusSpec {
                    retention: self.retention.clone(),
                    service_monitor_selector_nil_uses_helm_values: false,
                    pod_monitor_selector_nil_uses_helm_values: false,
                    rule_selector_nil_uses_helm_values: false,
                    enable_features: vec!["exemplar-storage"],
                    external_labels: BTreeMap::from([("cluster", self.cluster.clone())]),
                    remote_write: self
                        .remote_write
                        .iter()
                        .map(|url| RemoteWrite {
                            url: url.clone(),
                            send_exemplars: true,
                            tls_config: TlsConfig {
                                ca: SecretKeyRef {
                                    secret: SecretKey {
                                        name: Self::LAB_CA_SECRET,
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
    pub grafana: Enabled,
    pub alertmanager: Enabled,
    pub kube_etcd: Enabled,
    pub prometheus_operator: Operator,
    pub prometheus: Prometheus,
}

#[derive(Debug, Serialize)]
pub struct Enabled {
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operator {
    pub admission_webhooks: Enabled,
    pub tls: Enabled,
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

/// The hub's Gateway serves the lab CA's certificate: trust that CA.
#[derive(Debug, Serialize)]
pub struct TlsConfig {
    pub ca: SecretKeyRef,
}

#[derive(Debug, Serialize)]
pub struct SecretKeyRef {
    pub secret: SecretKey,
}

#[derive(Debug, Serialize)]
pub struct SecretKey {
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
        vec!["monitoring.coreos.com"]
    }
    fn project(&self) -> lab_model::component::Project {
        lab_model::component::Project::Targets
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("kube-prometheus-stack")?,
            &self.values(),
        )?);
        app.server_side_apply = true;
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        Ok(app)
    }
}
