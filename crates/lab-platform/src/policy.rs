//! The Kyverno engine. Its policies are built in `lab-policy` and ordered after this
//! component automatically, through the API groups it installs.

use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::{Apply, Resources, chart_app, resources};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KyvernoValues {
    pub admission_controller: Controller,
    pub background_controller: Controller,
    pub cleanup_controller: Controller,
    pub reports_controller: Controller,
}

#[derive(Debug, Serialize)]
pub struct Controller {
    pub replicas: u32,
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
        // One replica each: a single-node lab, not an HA cluster.
        let one = |memory_limit| Controller {
            replicas: 1,
            resources: resources("50m", "64Mi", None, memory_limit),
        };
        let values = KyvernoValues {
            admission_controller: one("384Mi"),
            background_controller: one("128Mi"),
            cleanup_controller: one("128Mi"),
            reports_controller: one("128Mi"),
        };
        chart_app(self, ctx, "kyverno", &values, Apply::ServerSide)
    }
}
