//! ArgoCD managing itself: installed once by `task hub:bootstrap` with the same values the
//! `argocd` Application then keeps in sync.

use std::collections::BTreeMap;

use lab_core::layout::ARGOCD_NAMESPACE;
use lab_model::component::{BuildResult, Context, Exposed, HelmRelease};
use lab_model::{App, Component};

use lab_kit::{Apply, chart_app, service_url};
use serde::Serialize;

pub use lab_kit::Toggle;

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
    /// The chart's UI/API Service (`<release>-server`) and its plain-HTTP port.
    pub const SERVER_SERVICE: &'static str = "argocd-server";
    pub const SERVER_PORT: u16 = 80;

    /// Where GitHub webhooks reach ArgoCD inside the cluster.
    pub fn webhook_url(&self) -> String {
        format!(
            "{}/api/webhook",
            service_url(Self::SERVER_SERVICE, ARGOCD_NAMESPACE, None)
        )
    }

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
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: "argocd",
            namespace: self.namespace().to_owned(),
            service: Self::SERVER_SERVICE.to_owned(),
            port: Self::SERVER_PORT,
        })
    }

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

/// The argocd-image-updater chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageUpdaterValues {
    pub config: ImageUpdaterConfig,
    pub resources: lab_kit::Resources,
}

#[derive(Debug, Serialize)]
pub struct ImageUpdaterConfig {
    pub registries: Vec<Registry>,
}

/// A container registry the updater may query (public GHCR needs no credentials).
#[derive(Debug, Serialize)]
pub struct Registry {
    pub name: &'static str,
    pub api_url: &'static str,
    pub prefix: &'static str,
    pub default: bool,
}

/// ArgoCD Image Updater: bumps image tags of Applications that opt in (the demo apps).
pub struct ImageUpdater;

impl Component for ImageUpdater {
    fn name(&self) -> &str {
        "argocd-image-updater"
    }

    fn namespace(&self) -> &str {
        ARGOCD_NAMESPACE
    }

    fn dependencies(&self) -> Vec<lab_model::Dependency> {
        vec![lab_model::Dependency::on::<ArgoCd>()]
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["argocd-image-updater.argoproj.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = ImageUpdaterValues {
            config: ImageUpdaterConfig {
                registries: vec![Registry {
                    name: "ghcr",
                    api_url: "https://ghcr.io",
                    prefix: "ghcr.io",
                    default: true,
                }],
            },
            resources: lab_kit::resources("50m", "64Mi", None, "128Mi"),
        };
        chart_app(self, ctx, "argocd-image-updater", &values, Apply::Client)
    }
}

/// The argo-workflows chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowsValues {
    pub controller: WorkflowsController,
    pub server: WorkflowsServer,
    pub workflow: WorkflowRbac,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowsController {
    pub workflow_defaults: WorkflowDefaults,
    pub resources: lab_kit::Resources,
}

/// Defaults merged into every Workflow.
#[derive(Debug, Serialize)]
pub struct WorkflowDefaults {
    pub spec: WorkflowDefaultsSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowDefaultsSpec {
    pub service_account_name: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowsServer {
    pub enabled: bool,
    /// `server`: the UI uses the server's own service account; the lab has no SSO.
    pub auth_modes: Vec<&'static str>,
    pub service_type: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRbac {
    pub service_account: ServiceAccountValues,
    pub rbac: CreateRbac,
}

/// `workflow.rbac.create`: the Role and RoleBinding the workflow service account runs with.
#[derive(Debug, Serialize)]
pub struct CreateRbac {
    pub create: bool,
}

#[derive(Debug, Serialize)]
pub struct ServiceAccountValues {
    pub create: bool,
    pub name: &'static str,
}

/// Argo Workflows: runs the experiments' load tests and pipelines.
pub struct ArgoWorkflows;

impl ArgoWorkflows {
    /// The service account every Workflow runs as unless it says otherwise.
    pub const WORKFLOW_SERVICE_ACCOUNT: &'static str = "argo-workflow";
    /// The UI Service (`<release>-server`) and its port.
    pub const SERVER_SERVICE: &'static str = "argo-workflows-server";
    pub const SERVER_PORT: u16 = 2746;
}

impl Component for ArgoWorkflows {
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: "workflows",
            namespace: self.namespace().to_owned(),
            service: Self::SERVER_SERVICE.to_owned(),
            port: Self::SERVER_PORT,
        })
    }

    fn name(&self) -> &str {
        "argo-workflows"
    }

    fn namespace(&self) -> &str {
        "argo-workflows"
    }

    // The chart's CRDs share the argoproj.io group with ArgoCD's, which the graph already
    // attributes to ArgoCD; Workflow users depend on this component by type instead.

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = WorkflowsValues {
            controller: WorkflowsController {
                workflow_defaults: WorkflowDefaults {
                    spec: WorkflowDefaultsSpec {
                        service_account_name: Self::WORKFLOW_SERVICE_ACCOUNT,
                    },
                },
                resources: lab_kit::resources("100m", "128Mi", None, "512Mi"),
            },
            server: WorkflowsServer {
                enabled: true,
                auth_modes: vec!["server"],
                service_type: "ClusterIP",
            },
            workflow: WorkflowRbac {
                service_account: ServiceAccountValues {
                    create: true,
                    name: Self::WORKFLOW_SERVICE_ACCOUNT,
                },
                rbac: CreateRbac { create: true },
            },
            // No artifact store (the chart configures none by default): experiments keep
            // results in the observability stack.
        };
        chart_app(self, ctx, "argo-workflows", &values, Apply::ServerSide)
    }
}

/// Relays GitHub webhooks from a smee.io channel to ArgoCD, so pushes sync at once without
/// exposing the hub. The channel URL is a capability (anyone holding it can post), so it is
/// read from OpenBao like any other secret.
pub struct WebhookRelay;

impl WebhookRelay {
    /// OpenBao KV path and property holding the smee.io channel URL.
    pub const CHANNEL_PATH: &'static str = "github/smee";
    pub const CHANNEL_PROPERTY: &'static str = "url";
    /// The Secret the ExternalSecret materializes, and its key.
    pub const SECRET: &'static str = "webhook-relay";
    pub const SECRET_KEY: &'static str = "SMEE_URL";
    /// smee-client is run from npm inside the pinned node image; pinned here exactly.
    pub const SMEE_CLIENT: &'static str = "smee-client@2.0.4";
}

impl Component for WebhookRelay {
    fn name(&self) -> &str {
        "webhook-relay"
    }

    fn namespace(&self) -> &str {
        ARGOCD_NAMESPACE
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
        use k8s_openapi::api::core::v1::{
            Capabilities, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, PodSpec,
            PodTemplateSpec, SeccompProfile, SecretKeySelector, SecurityContext, Volume,
            VolumeMount,
        };
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

        let argocd = ctx.needs::<ArgoCd>()?;
        let ns = self.namespace();
        let labels =
            BTreeMap::from([("app.kubernetes.io/name".to_owned(), self.name().to_owned())]);
        let secret = ctx
            .needs::<lab_kit::secrets::SecretStore>()?
            .external_secret(
                self.name(),
                ns,
                Self::SECRET,
                &[lab_kit::secrets::SecretKey {
                    key: Self::SECRET_KEY,
                    path: Self::CHANNEL_PATH,
                    property: Self::CHANNEL_PROPERTY,
                }],
            );
        let container = Container {
            name: "smee-client".to_owned(),
            image: Some(ctx.versions.image("node")?.reference()),
            command: Some(vec!["sh".to_owned(), "-c".to_owned()]),
            args: Some(vec![format!(
                "exec npx --yes {} --url \"${}\" --target {}",
                Self::SMEE_CLIENT,
                Self::SECRET_KEY,
                argocd.webhook_url()
            )]),
            env: Some(vec![
                EnvVar {
                    name: Self::SECRET_KEY.to_owned(),
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(SecretKeySelector {
                            name: Self::SECRET.to_owned(),
                            key: Self::SECRET_KEY.to_owned(),
                            optional: Some(false),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                EnvVar {
                    name: "HOME".to_owned(),
                    value: Some("/tmp".to_owned()),
                    ..Default::default()
                },
            ]),
            resources: Some(k8s_openapi::api::core::v1::ResourceRequirements {
                requests: Some(lab_kit::quantities("10m", "64Mi")),
                limits: Some(lab_kit::quantities("100m", "128Mi")),
                ..Default::default()
            }),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                run_as_non_root: Some(true),
                // The `node` user of the official image.
                run_as_user: Some(1000),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_owned()]),
                    ..Default::default()
                }),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            volume_mounts: Some(vec![VolumeMount {
                name: "tmp".to_owned(),
                mount_path: "/tmp".to_owned(),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let deployment = Deployment {
            metadata: lab_kit::meta(self.name(), Some(ns)),
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: LabelSelector {
                    match_labels: Some(labels.clone()),
                    ..Default::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        labels: Some(labels),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![container],
                        volumes: Some(vec![Volume {
                            name: "tmp".to_owned(),
                            empty_dir: Some(EmptyDirVolumeSource::default()),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }),
                },
                ..Default::default()
            }),
            status: None,
        };
        let mut app = App::new(self)?;
        app.objects = vec![
            lab_core::Object::new(&secret)?,
            lab_core::Object::new(&deployment)?,
        ];
        Ok(app)
    }
}
