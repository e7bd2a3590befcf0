//! Crossplane core. Providers, functions and XRDs are built in `lab-crossplane` and ordered
//! after this component through the API groups it installs.

use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::{Apply, Resources, Toggle, chart_app, resources};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossplaneValues {
    pub resources_crossplane: Resources,
    #[serde(rename = "resourcesRBACManager")]
    pub resources_rbac_manager: Resources,
    pub metrics: Toggle,
    pub provider: ProviderDefaults,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderDefaults {
    /// Empty: no catch-all activation policy; `lab-crossplane` activates managed resources
    /// explicitly, keeping the API server's CRD count small.
    pub default_activations: Vec<String>,
}

pub struct Crossplane;

impl Component for Crossplane {
    fn name(&self) -> &str {
        "crossplane"
    }

    fn namespace(&self) -> &str {
        lab_kit::namespaces::CROSSPLANE
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec![
            "apiextensions.crossplane.io",
            "pkg.crossplane.io",
            "protection.crossplane.io",
            "ops.crossplane.io",
        ]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = CrossplaneValues {
            resources_crossplane: resources("100m", "256Mi", None, "512Mi"),
            resources_rbac_manager: resources("50m", "128Mi", None, "256Mi"),
            metrics: Toggle::ON,
            provider: ProviderDefaults {
                default_activations: Vec::new(),
            },
        };
        chart_app(self, ctx, "crossplane", &values, Apply::ServerSide)
    }
}
