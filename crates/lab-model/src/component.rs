//! Components: one per Application. Each declares what it depends on by type; the registry
//! turns those declarations (and the CRDs components install and use) into sync waves.

use std::any::{Any, TypeId, type_name};
use std::collections::BTreeMap;

use lab_core::{Label, Object};
use serde::Serialize;
use serde_json::Value;

use crate::graph::{self, GraphError};
use crate::versions::ChartRef;
use crate::{Settings, Versions};

pub type BuildError = Box<dyn std::error::Error + Send + Sync>;
pub type BuildResult<T> = Result<T, BuildError>;

/// A dependency on another component, named by its Rust type so that a typo cannot compile.
#[derive(Clone, Copy, Debug)]
pub struct Dependency {
    type_id: TypeId,
    type_name: &'static str,
}

impl Dependency {
    pub fn on<T: Component>() -> Self {
        Self {
            type_id: TypeId::of::<T>(),
            type_name: type_name::<T>(),
        }
    }
}

/// The AppProject an Application belongs to: the platform's own parts, or what learners
/// deploy for experiments. Each project is fenced to the repositories, namespaces and
/// cluster-scoped kinds its Applications really use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Project {
    Platform,
    Experiments,
    /// Components of clusters the hub manages (the Talos home lab).
    Targets,
}

impl Project {
    pub fn name(self) -> &'static str {
        match self {
            Project::Platform => "platform",
            Project::Experiments => "experiments",
            Project::Targets => "targets",
        }
    }
}

/// One part of a cluster, delivered by one ArgoCD Application.
pub trait Component: Any + Send + Sync {
    /// The Application's name, also its folder in `generated/<cluster>/`.
    fn name(&self) -> &str;
    /// The namespace it installs into.
    fn namespace(&self) -> &str;
    /// Components that must be synced and healthy first.
    fn dependencies(&self) -> Vec<Dependency> {
        Vec::new()
    }
    /// API groups whose CRDs this component installs. Every component with objects of such a
    /// group is placed in a later wave automatically.
    fn installs_crds(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// The AppProject of its Application.
    fn project(&self) -> Project {
        Project::Platform
    }
    fn build(&self, ctx: &Context) -> BuildResult<App>;
}

/// What builders may read: the settings, the versions, and the other components.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub versions: &'a Versions,
    pub registry: &'a Registry,
}

/// A Helm chart with its typed values, serialized.
#[derive(Clone, Debug)]
pub struct HelmRelease {
    pub chart: ChartRef,
    pub values: Option<Value>,
}

impl HelmRelease {
    pub fn new<V: Serialize>(chart: ChartRef, values: &V) -> BuildResult<Self> {
        Ok(Self {
            chart,
            values: Some(serde_json::to_value(values)?),
        })
    }
}

/// A field ArgoCD must not compare because a controller rewrites it.
#[derive(Clone, Debug)]
pub struct IgnoredField {
    pub group: String,
    pub kind: String,
    pub name: Option<String>,
    pub json_pointers: Vec<String>,
    /// Which controller rewrites it; kept next to the rule, rendered as a comment in docs.
    pub because: &'static str,
}

/// Group and kind of a cluster-scoped object a Helm chart creates, for the AppProject
/// allow-list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKind {
    pub group: &'static str,
    pub kind: &'static str,
}

/// Cluster-scoped kinds almost every chart with a controller creates.
pub const CHART_CLUSTER_KINDS: &[GroupKind] = &[
    GroupKind {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
    },
    GroupKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
    },
    GroupKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRoleBinding",
    },
    GroupKind {
        group: "admissionregistration.k8s.io",
        kind: "MutatingWebhookConfiguration",
    },
    GroupKind {
        group: "admissionregistration.k8s.io",
        kind: "ValidatingWebhookConfiguration",
    },
];

/// The content of one Application.
#[derive(Clone, Debug)]
pub struct App {
    pub name: Label,
    pub namespace: Label,
    pub project: Project,
    pub helm: Option<HelmRelease>,
    /// Kubernetes objects synced from the Application's own folder.
    pub objects: Vec<Object>,
    /// Large CRDs exceed the client-side apply annotation limit.
    pub server_side_apply: bool,
    pub ignore_differences: Vec<IgnoredField>,
    /// Cluster-scoped kinds the chart creates (CRDs, cluster roles, webhooks…).
    pub chart_cluster_kinds: Vec<GroupKind>,
}

impl App {
    pub fn new(component: &dyn Component) -> BuildResult<Self> {
        Ok(Self {
            name: Label::new(component.name())?,
            namespace: Label::new(component.namespace())?,
            project: component.project(),
            helm: None,
            objects: Vec::new(),
            server_side_apply: false,
            ignore_differences: Vec::new(),
            chart_cluster_kinds: Vec::new(),
        })
    }
}

/// An App with the sync wave the graph gave it.
#[derive(Clone, Debug)]
pub struct PlannedApp {
    pub app: App,
    pub wave: u32,
    /// Names of the Applications it waits for, for docs and diagrams.
    pub after: Vec<String>,
}

/// The wave the plan gave the App named `name`.
pub fn wave_of(planned: &[PlannedApp], name: &str) -> Option<u32> {
    planned
        .iter()
        .find(|p| p.app.name.as_str() == name)
        .map(|p| p.wave)
}

/// The components of one cluster, each Rust type at most once.
#[derive(Default)]
pub struct Registry {
    components: Vec<Box<dyn Component>>,
    by_type: BTreeMap<TypeIdKey, usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TypeIdKey(TypeId);

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0} is registered twice")]
    Duplicate(&'static str),
    #[error("{from} depends on {to}, which is not registered in this cluster")]
    Unregistered { from: String, to: &'static str },
    #[error(transparent)]
    Graph(#[from] GraphError),
    // The cause is part of the message and deliberately not a `source()`: an error chain
    // printed with `{:#}` would say it twice.
    #[error("building {component}: {}", chain(cause))]
    Build {
        component: String,
        cause: BuildError,
    },
}

/// An error and its causes, `: `-separated, as one message.
fn chain(error: &BuildError) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add<T: Component>(&mut self, component: T) -> Result<(), PlanError> {
        let key = TypeIdKey(TypeId::of::<T>());
        if self.by_type.contains_key(&key) {
            return Err(PlanError::Duplicate(type_name::<T>()));
        }
        self.by_type.insert(key, self.components.len());
        self.components.push(Box::new(component));
        Ok(())
    }

    /// The registered component of type `T`, for wiring one component to another.
    pub fn get<T: Component>(&self) -> Option<&T> {
        let i = *self.by_type.get(&TypeIdKey(TypeId::of::<T>()))?;
        let any: &dyn Any = self.components[i].as_ref();
        any.downcast_ref::<T>()
    }

    /// [`Registry::get`], as an error a builder can return with `?`.
    pub fn require<T: Component>(&self) -> BuildResult<&T> {
        self.get::<T>()
            .ok_or_else(|| format!("{} is not registered in this cluster", type_name::<T>()).into())
    }

    pub fn components(&self) -> impl Iterator<Item = &dyn Component> {
        self.components.iter().map(AsRef::as_ref)
    }

    /// Builds every component and gives each its wave. Edges come from declared dependencies
    /// and from CRD use: an App with objects of an API group waits for the component that
    /// installs that group's CRDs.
    pub fn plan(
        &self,
        settings: &Settings,
        versions: &Versions,
    ) -> Result<Vec<PlannedApp>, PlanError> {
        let ctx = Context {
            settings,
            versions,
            registry: self,
        };
        let mut apps = Vec::new();
        for c in self.components() {
            let app = c.build(&ctx).map_err(|cause| PlanError::Build {
                component: c.name().to_owned(),
                cause,
            })?;
            apps.push(app);
        }
        let crd_owner: BTreeMap<&str, &str> = self
            .components()
            .flat_map(|c| c.installs_crds().into_iter().map(move |g| (g, c.name())))
            .collect();
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (c, app) in self.components().zip(&apps) {
            let mut deps = Vec::new();
            for d in c.dependencies() {
                let i = self
                    .by_type
                    .get(&TypeIdKey(d.type_id))
                    .ok_or(PlanError::Unregistered {
                        from: c.name().to_owned(),
                        to: d.type_name,
                    })?;
                deps.push(self.components[*i].name().to_owned());
            }
            for object in &app.objects {
                if let Some(owner) = crd_owner.get(object.id.group())
                    && *owner != c.name()
                {
                    deps.push((*owner).to_owned());
                }
            }
            deps.sort();
            deps.dedup();
            edges.insert(c.name().to_owned(), deps);
        }
        let waves = graph::layer(&edges)?;
        Ok(apps
            .into_iter()
            .map(|app| {
                let name = app.name.to_string();
                PlannedApp {
                    wave: waves[&name],
                    after: edges[&name].clone(),
                    app,
                }
            })
            .collect())
    }
}
