//! ArgoCD managing itself: installed once by `task hub:bootstrap` with the same values the
//! `argocd` Application then keeps in sync.

use std::collections::BTreeMap;

use lab_argocd::ARGOCD_NAMESPACE;
use lab_model::component::{BuildResult, Context, HelmRelease};
use lab_model::{App, Component};
use serde::Serialize;

/// The argo-cd chart's values the lab sets; everything else keeps the chart's default.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArgoCdValues {
    pub global: Global,
    pub configs: Configs,
    pub dex: Toggle,
    pub server: Server,
}

#[derive(Debug, Serialize)]
pub struct Global {
    /// Host name of the UI, used by the chart for URLs and the ingress/route.
    pub domain: String,
}

#[derive(Debug, Serialize)]
pub struct Configs {
    /// argocd-cm entries.
    pub cm: BTreeMap<String, String>,
    /// argocd-cmd-params-cm entries.
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Toggle {
    pub enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct Server {
    pub service: Service,
}

#[derive(Debug, Serialize)]
pub struct Service {
    #[serde(rename = "type")]
    pub kind: String,
}

/// Health of an Application as seen by its parent. ArgoCD stopped assessing it by default in
/// 1.8, which makes sync waves of an app-of-apps meaningless: the parent would start wave N+1
/// before wave N is healthy. This restores it.
const APPLICATION_HEALTH_LUA: &str = r#"hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
"#;

pub struct ArgoCd;

impl ArgoCd {
    /// The values of the argo-cd chart: the bootstrap install and the self-managed Application
    /// use these same bytes, so adoption by the Application is a no-op.
    pub fn values(&self, ctx: &Context) -> ArgoCdValues {
        ArgoCdValues {
            global: Global {
                domain: format!("argocd.{}", ctx.settings.hub.base_domain),
            },
            configs: Configs {
                cm: BTreeMap::from([(
                    "resource.customizations.health.argoproj.io_Application".to_owned(),
                    APPLICATION_HEALTH_LUA.to_owned(),
                )]),
                // TLS ends at the hub Gateway; the server itself speaks plain HTTP.
                params: BTreeMap::from([("server.insecure".to_owned(), "true".to_owned())]),
            },
            // Local accounts only: a learning lab has no identity provider.
            dex: Toggle { enabled: false },
            server: Server {
                service: Service {
                    kind: "ClusterIP".to_owned(),
                },
            },
        }
    }
}

impl Component for ArgoCd {
    fn name(&self) -> &str {
        "argocd"
    }

    fn namespace(&self) -> &str {
        ARGOCD_NAMESPACE
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["argoproj.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("argo-cd")?,
            &self.values(ctx),
        )?);
        // The chart's CRDs are larger than the client-side apply annotation allows.
        app.server_side_apply = true;
        app.chart_cluster_kinds = lab_model::component::CHART_CLUSTER_KINDS.to_vec();
        Ok(app)
    }
}
