//! Cluster metrics plumbing: the Prometheus operator's CRDs (so charts and experiments can
//! ship ServiceMonitors without running the operator) and metrics-server (`kubectl top`, HPA).

use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::{Apply, Resources, chart_app, resources};

/// The prometheus-operator-crds chart takes no settings the lab changes.
#[derive(Debug, Serialize)]
pub struct NoValues {}

pub struct PrometheusCrds;

impl Component for PrometheusCrds {
    fn name(&self) -> &str {
        "prometheus-crds"
    }

    fn namespace(&self) -> &str {
        "kube-system"
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec![lab_kit::MONITORING_GROUP]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = chart_app(
            self,
            ctx,
            "prometheus-operator-crds",
            &NoValues {},
            Apply::ServerSide,
        )?;
        if let Some(helm) = app.helm.as_mut() {
            helm.values = None;
        }
        Ok(app)
    }
}

#[derive(Debug, Serialize)]
pub struct MetricsServerValues {
    /// Kind's kubelets serve self-signed certificates.
    pub args: Vec<&'static str>,
    pub resources: Resources,
}

pub struct MetricsServer;

impl Component for MetricsServer {
    fn name(&self) -> &str {
        "metrics-server"
    }

    fn namespace(&self) -> &str {
        "kube-system"
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = MetricsServerValues {
            args: vec!["--kubelet-insecure-tls"],
            resources: resources("50m", "64Mi", None, "128Mi"),
        };
        let mut app = chart_app(self, ctx, "metrics-server", &values, Apply::Client)?;
        // The chart registers metrics.k8s.io with the aggregation layer.
        app.chart_cluster_kinds
            .push(lab_model::component::GroupKind {
                group: "apiregistration.k8s.io",
                kind: "APIService",
            });
        Ok(app)
    }
}
