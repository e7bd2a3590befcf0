//! The Kyverno engine. Its policies are built in `lab-policy` and ordered after this
//! component automatically, through the API groups it installs.

use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::{Apply, Resources, Toggle, chart_app, resources};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KyvernoValues {
    pub admission_controller: AdmissionController,
    pub background_controller: Controller,
    pub cleanup_controller: Controller,
    pub reports_controller: Controller,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Controller {
    pub replicas: u32,
    pub resources: Resources,
    pub service_monitor: Toggle,
}

/// The admission controller sets its container's resources one level down.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionController {
    pub replicas: u32,
    pub container: ContainerValues,
    pub service_monitor: Toggle,
}

#[derive(Debug, Serialize)]
pub struct ContainerValues {
    pub resources: Resources,
}

pub struct Kyverno;

impl Component for Kyverno {
    fn name(&self) -> &str {
        "kyverno"
    }

    fn namespace(&self) -> &str {
        lab_kit::namespaces::KYVERNO
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec![
            "kyverno.io",
            "policies.kyverno.io",
            "reports.kyverno.io",
            "wgpolicyk8s.io",
        ]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        // One replica each: a single-node lab, not an HA cluster. Each controller's own
        // ServiceMonitor lets Alloy scrape admission and policy results into Mimir.
        let one = |memory_limit| Controller {
            replicas: 1,
            resources: resources("50m", "64Mi", None, memory_limit),
            service_monitor: Toggle::ON,
        };
        let values = KyvernoValues {
            admission_controller: AdmissionController {
                replicas: 1,
                container: ContainerValues {
                    resources: resources("50m", "64Mi", None, "384Mi"),
                },
                service_monitor: Toggle::ON,
            },
            background_controller: one("128Mi"),
            cleanup_controller: one("128Mi"),
            reports_controller: one("128Mi"),
        };
        let mut app = chart_app(self, ctx, "kyverno", &values, Apply::ServerSide)?;
        app.chart_uses = vec![lab_kit::MONITORING_GROUP];
        Ok(app)
    }
}
