//! Headlamp, the cluster UI.

use lab_model::component::{BuildResult, Context, Exposed};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::{Apply, Resources, chart_app, resources};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeadlampValues {
    pub replica_count: u32,
    pub service: HeadlampService,
    pub resources: Resources,
}

#[derive(Debug, Serialize)]
pub struct HeadlampService {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub port: u16,
}

pub struct Headlamp;

impl Headlamp {
    /// The chart's Service (named after the release) and port.
    pub const SERVICE: &'static str = "headlamp";
    pub const PORT: u16 = 80;
}

impl Component for Headlamp {
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: "headlamp",
            namespace: self.namespace().to_owned(),
            service: Self::SERVICE.to_owned(),
            port: Self::PORT,
        })
    }

    fn name(&self) -> &str {
        "headlamp"
    }

    fn namespace(&self) -> &str {
        "headlamp"
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = HeadlampValues {
            replica_count: 1,
            service: HeadlampService {
                kind: "ClusterIP",
                port: Self::PORT,
            },
            resources: resources("25m", "64Mi", None, "256Mi"),
        };
        chart_app(self, ctx, "headlamp", &values, Apply::Client)
    }
}
