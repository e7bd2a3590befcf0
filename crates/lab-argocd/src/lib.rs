//! Turns planned Apps into what ArgoCD reads: one Application per App (multi-source: chart,
//! `$values` ref, and the App's own folder), the AppProjects that fence them in, and the root
//! Application of the app-of-apps.
//!
//! Paths come from [`lab_core::layout`]; this crate decides only names: the hub's Applications
//! and AppProjects keep their own names, every other cluster's are prefixed with the cluster's
//! name, because all of them land in the hub's one `argocd` namespace.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::layout::{ClusterPaths, ClusterRole, repo_path};
use lab_core::{Artifact, Format, Object, RelPath};
use lab_crds::argoproj_io::applications::*;
use lab_crds::argoproj_io::appprojects::*;
use lab_model::Settings;
use lab_model::component::{PlannedApp, Project};

pub use lab_core::layout::{ARGOCD_NAMESPACE, IN_CLUSTER};
/// Deletes an Application's resources when the Application is deleted.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// Annotation holding, for each `ignoreDifferences` entry, the controller that rewrites it.
pub const IGNORE_REASONS: &str = "lab.illm.io/ignore-differences-because";
/// The `ref` name of the values source in every multi-source Application.
const VALUES_REF: &str = "values";

/// The cluster an Application deploys to, as ArgoCD names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// By API server URL: [`IN_CLUSTER`] for the hub, a known endpoint otherwise.
    Server(String),
    /// By the name of a cluster registered in ArgoCD whose URL is known only once it exists
    /// (an `ExperimentCluster` claim registers `<namespace>-<claim>`).
    Name(String),
}

impl Destination {
    pub fn hub() -> Self {
        Self::Server(IN_CLUSTER.to_owned())
    }
    fn server(&self) -> Option<String> {
        match self {
            Self::Server(s) => Some(s.clone()),
            Self::Name(_) => None,
        }
    }
    fn name(&self) -> Option<String> {
        match self {
            Self::Name(n) => Some(n.clone()),
            Self::Server(_) => None,
        }
    }
}

/// One cluster's tree as ArgoCD sees it: where it lives and which cluster it deploys to.
pub struct ClusterLayout<'a> {
    pub settings: &'a Settings,
    pub paths: ClusterPaths,
    pub destination: Destination,
}

impl ClusterLayout<'_> {
    pub fn apps_dir(&self) -> RelPath {
        self.paths.apps_dir()
    }

    fn app_dir(&self, app: &str) -> Result<RelPath, lab_core::Error> {
        self.paths.app_dir(app)
    }

    fn values_file(&self, app: &str) -> Result<RelPath, lab_core::Error> {
        self.paths.values_file(app)
    }

    /// Path of a generated folder or file as the repository sees it.
    pub fn repo_path(&self, path: &RelPath) -> String {
        repo_path(path)
    }

    /// The Application's name in the hub's ArgoCD: the App's own on the hub, prefixed with the
    /// cluster's name elsewhere.
    pub fn application_name(&self, app: &str) -> String {
        match self.paths.role {
            ClusterRole::Hub => app.to_owned(),
            _ => format!("{}-{app}", self.paths.name),
        }
    }

    /// The AppProject's name: the project's on the hub; one project per other cluster,
    /// `target-<name>` or `experiment-<name>`, fenced to that cluster alone.
    pub fn project_name(&self, project: Project) -> String {
        match self.paths.role {
            ClusterRole::Hub => project.name().to_owned(),
            ClusterRole::Target => format!("target-{}", self.paths.name),
            ClusterRole::Experiment => format!("experiment-{}", self.paths.name),
        }
    }

    /// All files of every planned App: its Application, its values, its objects.
    pub fn render_apps(&self, apps: &[PlannedApp]) -> Result<Vec<Artifact>, lab_core::Error> {
        let mut out = Vec::new();
        for planned in apps {
            let app = &planned.app;
            let name = app.name.as_str();
            if let Some(values) = app.helm.as_ref().and_then(|h| h.values.as_ref()) {
                out.push(Artifact::document(
                    self.values_file(name)?,
                    Format::HelmValues,
                    values,
                )?);
            }
            let dir = self.app_dir(name)?;
            for object in &app.objects {
                out.push(Artifact::object(&dir, object.clone())?);
            }
            out.push(Artifact::object(
                &self.apps_dir(),
                Object::new(&self.application(planned)?)?,
            )?);
        }
        Ok(out)
    }

    fn application(&self, planned: &PlannedApp) -> Result<Application, lab_core::Error> {
        let app = &planned.app;
        let name = app.name.as_str();
        let repo = &self.settings.repository;
        let mut sources = Vec::new();
        if let Some(helm) = &app.helm {
            sources.push(ApplicationSources {
                repo_url: helm.chart.repository.clone(),
                chart: Some(helm.chart.name.clone()),
                target_revision: Some(helm.chart.version.clone()),
                helm: Some(ApplicationSourcesHelm {
                    release_name: Some(name.to_owned()),
                    value_files: helm.values.as_ref().map(|_| {
                        vec![format!(
                            "${VALUES_REF}/{}",
                            self.repo_path(&self.values_file(name).expect("checked above"))
                        )]
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            });
            if helm.values.is_some() {
                sources.push(ApplicationSources {
                    repo_url: repo.url.clone(),
                    target_revision: Some(repo.revision.clone()),
                    r#ref: Some(VALUES_REF.to_owned()),
                    ..Default::default()
                });
            }
        }
        if !app.objects.is_empty() {
            sources.push(ApplicationSources {
                repo_url: repo.url.clone(),
                target_revision: Some(repo.revision.clone()),
                path: Some(self.repo_path(&self.app_dir(name)?)),
                ..Default::default()
            });
        }
        let mut sync_options = vec!["CreateNamespace=true".to_owned()];
        if app.server_side_apply {
            sync_options.push("ServerSideApply=true".to_owned());
        }
        if !app.ignore_differences.is_empty() {
            sync_options.push("RespectIgnoreDifferences=true".to_owned());
        }
        let ignore: Vec<ApplicationIgnoreDifferences> = app
            .ignore_differences
            .iter()
            .map(|f| ApplicationIgnoreDifferences {
                group: Some(f.group.clone()),
                kind: f.kind.clone(),
                name: f.name.clone(),
                json_pointers: Some(f.json_pointers.clone()),
                ..Default::default()
            })
            .collect();
        Ok(Application {
            metadata: {
                let mut meta = self.metadata(&self.application_name(name), Some(planned.wave));
                if !app.ignore_differences.is_empty() {
                    // Why each ignored field is ignored, visible in PR diffs and in the cluster.
                    let reasons: Vec<String> = app
                        .ignore_differences
                        .iter()
                        .map(|f| format!("{} {}: {}", f.kind, f.json_pointers.join(","), f.because))
                        .collect();
                    meta.annotations
                        .get_or_insert_default()
                        .insert(IGNORE_REASONS.to_owned(), reasons.join("; "));
                }
                meta
            },
            spec: ApplicationSpec {
                project: self.project_name(app.project),
                destination: ApplicationDestination {
                    server: self.destination.server(),
                    name: self.destination.name(),
                    namespace: Some(app.namespace.to_string()),
                },
                sources: Some(sources),
                ignore_differences: (!ignore.is_empty()).then_some(ignore),
                sync_policy: Some(sync_policy(sync_options)),
                ..Default::default()
            },
            status: None,
        })
    }

    fn metadata(&self, name: &str, wave: Option<u32>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(ARGOCD_NAMESPACE.to_owned()),
            annotations: wave.map(|w| BTreeMap::from([(SYNC_WAVE.to_owned(), w.to_string())])),
            labels: Some(BTreeMap::from([(
                "app.kubernetes.io/part-of".to_owned(),
                self.settings.hub.cluster_name.clone(),
            )])),
            finalizers: Some(vec![RESOURCES_FINALIZER.to_owned()]),
            ..Default::default()
        }
    }

    /// One AppProject per project name the Apps get.
    pub fn projects(&self, apps: &[PlannedApp]) -> Vec<AppProject> {
        let mut by_project: BTreeMap<String, Vec<&PlannedApp>> = BTreeMap::new();
        for planned in apps {
            by_project
                .entry(self.project_name(planned.app.project))
                .or_default()
                .push(planned);
        }
        by_project
            .into_iter()
            .map(|(project, members)| self.project(&project, &members))
            .collect()
    }

    /// An AppProject for `apps`: this repository and the charts the Apps really use, the
    /// namespaces they really install into, and the cluster-scoped kinds they really create.
    /// Nothing is `*`.
    fn project(&self, project: &str, apps: &[&PlannedApp]) -> AppProject {
        let mut repos: BTreeSet<String> = BTreeSet::from([self.settings.repository.url.clone()]);
        let mut namespaces: BTreeSet<String> = BTreeSet::new();
        let mut kinds: BTreeSet<(String, String)> = BTreeSet::new();
        for planned in apps {
            let app = &planned.app;
            if let Some(helm) = &app.helm {
                repos.insert(helm.chart.repository.clone());
            }
            namespaces.insert(app.namespace.to_string());
            for o in &app.objects {
                match &o.id.namespace {
                    Some(ns) => {
                        namespaces.insert(ns.clone());
                    }
                    // A cluster-scoped object the App syncs itself (Namespace, StorageClass,
                    // ClusterIssuer…): allowed exactly for its group and kind.
                    None => {
                        kinds.insert((o.id.group().to_owned(), o.id.kind.clone()));
                    }
                }
            }
            kinds.extend(
                app.chart_cluster_kinds
                    .iter()
                    .map(|gk| (gk.group.to_owned(), gk.kind.to_owned())),
            );
        }
        AppProject {
            metadata: ObjectMeta {
                name: Some(project.to_owned()),
                namespace: Some(ARGOCD_NAMESPACE.to_owned()),
                // Projects must exist before the Applications that name them.
                annotations: Some(BTreeMap::from([(SYNC_WAVE.to_owned(), "-1".to_owned())])),
                finalizers: Some(vec![RESOURCES_FINALIZER.to_owned()]),
                ..Default::default()
            },
            spec: AppProjectSpec {
                description: Some(format!(
                    "{project} Applications of the {} cluster, rendered by cargo xtask render",
                    self.paths.name
                )),
                source_repos: Some(repos.into_iter().collect()),
                destinations: Some(
                    namespaces
                        .into_iter()
                        .map(|ns| AppProjectDestinations {
                            server: self.destination.server(),
                            name: self.destination.name(),
                            namespace: Some(ns),
                        })
                        .collect(),
                ),
                cluster_resource_whitelist: Some(
                    kinds
                        .into_iter()
                        .map(|(group, kind)| AppProjectClusterResourceWhitelist {
                            group,
                            kind,
                            name: None,
                        })
                        .collect(),
                ),
                ..Default::default()
            },
            status: None,
        }
    }
}

fn sync_policy(sync_options: Vec<String>) -> ApplicationSyncPolicy {
    ApplicationSyncPolicy {
        automated: Some(ApplicationSyncPolicyAutomated {
            prune: Some(true),
            self_heal: Some(true),
            ..Default::default()
        }),
        sync_options: Some(sync_options),
        retry: Some(ApplicationSyncPolicyRetry {
            limit: Some(5),
            backoff: Some(ApplicationSyncPolicyRetryBackoff {
                duration: Some("10s".to_owned()),
                factor: Some(2),
                max_duration: Some("3m".to_owned()),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The bootstrap pair applied once with kubectl: a project that may only create Applications
/// and AppProjects in the ArgoCD namespace, and the root Application syncing `<c>/apps`.
pub fn root(layout: &ClusterLayout) -> Result<(AppProject, Application), lab_core::Error> {
    let cluster = &layout.settings.hub.cluster_name;
    let repo = &layout.settings.repository;
    let project_name = format!("{cluster}-root");
    let only = |kind: &str| AppProjectNamespaceResourceWhitelist {
        group: "argoproj.io".to_owned(),
        kind: kind.to_owned(),
    };
    let project = AppProject {
        metadata: ObjectMeta {
            name: Some(project_name.clone()),
            namespace: Some(ARGOCD_NAMESPACE.to_owned()),
            ..Default::default()
        },
        spec: AppProjectSpec {
            description: Some(format!(
                "Root of the {cluster} app-of-apps: Applications and AppProjects only"
            )),
            source_repos: Some(vec![repo.url.clone()]),
            destinations: Some(vec![AppProjectDestinations {
                server: Some(IN_CLUSTER.to_owned()),
                namespace: Some(ARGOCD_NAMESPACE.to_owned()),
                ..Default::default()
            }]),
            namespace_resource_whitelist: Some(vec![only("Application"), only("AppProject")]),
            ..Default::default()
        },
        status: None,
    };
    let application = app_of_apps(layout, cluster, &project_name, layout);
    Ok((project, application))
}

/// An Application in the hub's `apps` folder that syncs another layout's `apps` folder: how
/// the hub's app-of-apps reaches the Applications of another cluster. Named
/// `<targets|experiments>-<cluster>`.
pub fn child_app_of_apps(hub: &ClusterLayout, child: &ClusterLayout) -> Application {
    let parent = match child.paths.role {
        ClusterRole::Experiment => "experiments",
        _ => "targets",
    };
    let name = format!("{parent}-{}", child.paths.name);
    app_of_apps(hub, &name, Project::Platform.name(), child)
}

/// An Application `name` on the hub (project `project`) syncing `child`'s `apps` folder,
/// non-recursively: Applications and AppProjects only.
fn app_of_apps(
    hub: &ClusterLayout,
    name: &str,
    project: &str,
    child: &ClusterLayout,
) -> Application {
    let repo = &hub.settings.repository;
    let mut metadata = hub.metadata(name, None);
    metadata.annotations = None;
    Application {
        metadata,
        spec: ApplicationSpec {
            project: project.to_owned(),
            destination: ApplicationDestination {
                server: Some(IN_CLUSTER.to_owned()),
                namespace: Some(ARGOCD_NAMESPACE.to_owned()),
                ..Default::default()
            },
            source: Some(ApplicationSource {
                repo_url: repo.url.clone(),
                target_revision: Some(repo.revision.clone()),
                path: Some(child.repo_path(&child.apps_dir())),
                directory: Some(ApplicationSourceDirectory {
                    recurse: Some(false),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            sync_policy: Some(sync_policy(Vec::new())),
            ..Default::default()
        },
        status: None,
    }
}
