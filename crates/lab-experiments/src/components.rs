//! Components only experiments deploy: the k6-operator (in-cluster load) and Pyrra (SLOs as
//! objects). The hub runs neither; the assembly registers them on an experiment's cluster when
//! its spec names them, passing in what they read from other families (Pyrra's Prometheus URL).

use lab_model::component::{BuildResult, CHART_CLUSTER_KINDS, Context, HelmRelease, Project};
use lab_model::{App, Component};
use serde::Serialize;

/// Grafana's k6-operator: runs a `TestRun` as runner pods in the cluster it lives in.
pub struct K6Operator {
    pub namespace: String,
}

impl Default for K6Operator {
    fn default() -> Self {
        Self {
            namespace: "k6-operator-system".to_owned(),
        }
    }
}

impl Component for K6Operator {
    fn name(&self) -> &str {
        "k6-operator"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["k6.io"]
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        // The chart's defaults are what an experiment needs: one operator, its CRDs.
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("k6-operator")?,
            &NoValues {},
        )?);
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        app.server_side_apply = true;
        Ok(app)
    }
}

/// No values: the chart's defaults as they are.
#[derive(Serialize)]
struct NoValues {}

/// Pyrra: turns `ServiceLevelObjective` objects into recording and burn-rate alerting rules,
/// and serves their error budgets.
pub struct Pyrra {
    pub namespace: String,
    /// The Prometheus Pyrra reads the SLIs from (the experiment's own).
    pub prometheus_url: String,
}

impl Pyrra {
    pub fn new(prometheus_url: String) -> Self {
        Self {
            namespace: "pyrra".to_owned(),
            prometheus_url,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PyrraValues {
    pub prometheus_url: String,
}

impl Component for Pyrra {
    fn name(&self) -> &str {
        "pyrra"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["pyrra.dev"]
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("pyrra")?,
            &PyrraValues {
                prometheus_url: self.prometheus_url.clone(),
            },
        )?);
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        Ok(app)
    }
}

/// Objects the assembly built, delivered as one Application: an experiment's lifecycle on the
/// hub (its workflow templates, their service account, the k6 script) or its alerting rules.
pub struct Bundle {
    pub name: String,
    pub namespace: String,
    pub objects: Vec<lab_core::Object>,
}

impl Component for Bundle {
    fn name(&self) -> &str {
        &self.name
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.objects = self.objects.clone();
        Ok(app)
    }
}
