//! Components: one per Application. Each declares what it depends on by type; the registry
//! turns those declarations (and the CRDs components install and use) into sync waves.

use std::any::{Any, TypeId, type_name};
use std::cell::RefCell;
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
    /// Components that must be synced and healthy first although this one reads nothing of
    /// them (ordering without data). Reading another component with [`Context::needs`]
    /// records its edge by itself; do not list it here too.
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
    /// The Pod Security level its namespace needs.
    fn pod_security(&self) -> PodSecurity {
        PodSecurity::Baseline
    }
    /// The HTTP service it exposes beyond the cluster, if any (a web UI, or an endpoint other
    /// clusters write to): the hub's Gateway routes `https://<host>.<base domain>` to it.
    fn exposed(&self) -> Option<Exposed> {
        None
    }
    fn build(&self, ctx: &Context) -> BuildResult<App>;
}

/// What builders may read: the settings, the versions, and the other components. Reading
/// another component's data goes through [`Context::needs`], which records the edge the
/// component's sync wave is derived from: wiring and ordering cannot drift apart.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub versions: &'a Versions,
    registry: &'a Registry,
    /// The hub's components, when this context builds a component of another cluster.
    hub: Option<&'a Registry>,
    needed: RefCell<Vec<Dependency>>,
}

impl<'a> Context<'a> {
    pub fn new(settings: &'a Settings, versions: &'a Versions, registry: &'a Registry) -> Self {
        Self {
            settings,
            versions,
            registry,
            hub: None,
            needed: RefCell::default(),
        }
    }

    /// The same context for a cluster the hub manages: [`Context::hub`] reads the hub's
    /// components.
    pub fn with_hub(mut self, hub: &'a Registry) -> Self {
        self.hub = Some(hub);
        self
    }

    /// The component of type `T` on this cluster; this component syncs after it.
    pub fn needs<T: Component>(&self) -> BuildResult<&'a T> {
        let found = self.registry.get::<T>().ok_or_else(|| {
            format!(
                "needs {}, which is not registered in this cluster",
                type_name::<T>()
            )
        })?;
        self.needed.borrow_mut().push(Dependency::on::<T>());
        Ok(found)
    }

    /// The component of type `T` if this cluster has one; when it does, this component syncs
    /// after it, as with [`Context::needs`].
    pub fn find<T: Component>(&self) -> Option<&'a T> {
        let found = self.registry.get::<T>()?;
        self.needed.borrow_mut().push(Dependency::on::<T>());
        Some(found)
    }

    /// What `f` finds in each component of this cluster (e.g. the UIs to route to); this
    /// component syncs after every component `f` found something in.
    pub fn gather<R>(&self, f: impl Fn(&'a dyn Component) -> Option<R>) -> Vec<R> {
        let mut out = Vec::new();
        for c in self.registry.components() {
            if let Some(r) = f(c) {
                let any: &dyn Any = c;
                self.needed.borrow_mut().push(Dependency {
                    type_id: any.type_id(),
                    type_name: "a gathered component",
                });
                out.push(r);
            }
        }
        out
    }

    /// Every component of this cluster, for facts that imply no order (names, namespaces,
    /// Pod Security levels). Records no edge.
    pub fn survey(&self) -> impl Iterator<Item = &'a dyn Component> {
        self.registry.components()
    }

    /// A component of the hub, read by a component of a cluster the hub manages (e.g. the
    /// target's Prometheus remote-writing to the hub's Mimir). No wave edge: the hub is up
    /// before any target is registered in its ArgoCD.
    pub fn hub<T: Component>(&self) -> BuildResult<&'a T> {
        self.hub.and_then(Registry::get::<T>).ok_or_else(|| {
            format!(
                "needs the hub's {}, which the hub does not have",
                type_name::<T>()
            )
            .into()
        })
    }

    fn into_needed(self) -> Vec<Dependency> {
        self.needed.into_inner()
    }
}

/// Pod Security Standard levels a namespace is labelled with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodSecurity {
    Baseline,
    /// Host access (host network, raw sockets): only for components that cannot do without.
    Privileged,
}

impl PodSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            PodSecurity::Baseline => "baseline",
            PodSecurity::Privileged => "privileged",
        }
    }
}

/// An HTTP service a component exposes: the Service and port behind
/// `https://<host>.<base domain>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposed {
    pub host: &'static str,
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

impl Exposed {
    /// `https://<host>.<base domain>`: the address outside the cluster.
    pub fn url(&self, settings: &Settings) -> String {
        format!("https://{}.{}", self.host, settings.hub.base_domain)
    }
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

/// Cluster-scoped kinds almost every chart with a controller creates. The first two, RBAC
/// only, are [`RBAC_KINDS`].
pub const CHART_CLUSTER_KINDS: &[GroupKind] = &[
    GroupKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
    },
    GroupKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRoleBinding",
    },
    GroupKind {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
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

/// Cluster roles and their bindings: all a chart without CRDs or webhooks creates.
pub const RBAC_KINDS: &[GroupKind] = CHART_CLUSTER_KINDS.split_at(2).0;

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
    /// API groups of the custom resources the chart renders with these values (its own
    /// ServiceMonitors, say): the App waits for whatever installs their CRDs, as it does for
    /// its objects' groups.
    pub chart_uses: Vec<&'static str>,
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
            chart_uses: Vec::new(),
        })
    }
}

/// An App with the sync wave the graph gave it.
#[derive(Clone, Debug)]
pub struct PlannedApp {
    pub app: App,
    pub wave: u32,
    /// The Applications it waits for and why, for docs and diagrams.
    pub after: Vec<Edge>,
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
    #[error("two components are named {0}")]
    DuplicateName(String),
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
        if self.components().any(|c| c.name() == component.name()) {
            return Err(PlanError::DuplicateName(component.name().to_owned()));
        }
        self.by_type.insert(key, self.components.len());
        self.components.push(Box::new(component));
        Ok(())
    }

    /// Registers a component nothing wires to (it is never returned by [`Registry::get`]), so
    /// a type may be registered more than once: object bundles the assembly builds. Its name
    /// must be free.
    pub fn add_unwired<T: Component>(&mut self, component: T) -> Result<(), PlanError> {
        if self.components().any(|c| c.name() == component.name()) {
            return Err(PlanError::DuplicateName(component.name().to_owned()));
        }
        self.components.push(Box::new(component));
        Ok(())
    }

    /// The registered component of type `T`, for wiring one component to another.
    pub fn get<T: Component>(&self) -> Option<&T> {
        let i = *self.by_type.get(&TypeIdKey(TypeId::of::<T>()))?;
        let any: &dyn Any = self.components[i].as_ref();
        any.downcast_ref::<T>()
    }

    pub fn components(&self) -> impl Iterator<Item = &dyn Component> {
        self.components.iter().map(AsRef::as_ref)
    }

    /// Builds every component and gives each its wave. Edges come from wiring (what a builder
    /// read through [`Context::needs`]), from declared data-less dependencies, and from CRD
    /// use: an App with objects of an API group waits for the component that installs that
    /// group's CRDs.
    pub fn plan(
        &self,
        settings: &Settings,
        versions: &Versions,
    ) -> Result<Vec<PlannedApp>, PlanError> {
        self.plan_in(settings, versions, None)
    }

    /// [`Registry::plan`] for a cluster the hub manages: builders may read `hub`'s components.
    pub fn plan_in(
        &self,
        settings: &Settings,
        versions: &Versions,
        hub: Option<&Registry>,
    ) -> Result<Vec<PlannedApp>, PlanError> {
        let mut apps = Vec::new();
        let mut wired = Vec::new();
        for c in self.components() {
            let mut ctx = Context::new(settings, versions, self);
            if let Some(hub) = hub {
                ctx = ctx.with_hub(hub);
            }
            let app = c.build(&ctx).map_err(|cause| PlanError::Build {
                component: c.name().to_owned(),
                cause,
            })?;
            apps.push(app);
            wired.push(ctx.into_needed());
        }
        let crd_owner: BTreeMap<&str, &str> = self
            .components()
            .flat_map(|c| c.installs_crds().into_iter().map(move |g| (g, c.name())))
            .collect();
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut reasons: BTreeMap<String, Vec<Edge>> = BTreeMap::new();
        for ((c, app), wired) in self.components().zip(&apps).zip(wired) {
            let mut deps: Vec<Edge> = Vec::new();
            let declared = c
                .dependencies()
                .into_iter()
                .map(|d| (d, EdgeReason::Declared));
            let read = wired.into_iter().map(|d| (d, EdgeReason::Wiring));
            for (d, reason) in declared.chain(read) {
                let i = self
                    .by_type
                    .get(&TypeIdKey(d.type_id))
                    .ok_or(PlanError::Unregistered {
                        from: c.name().to_owned(),
                        to: d.type_name,
                    })?;
                let to = self.components[*i].name();
                if to != c.name() {
                    deps.push(Edge {
                        to: to.to_owned(),
                        reason,
                    });
                }
            }
            let groups = app.objects.iter().map(|o| o.id.group());
            for group in groups.chain(app.chart_uses.iter().copied()) {
                if let Some(owner) = crd_owner.get(group)
                    && *owner != c.name()
                {
                    deps.push(Edge {
                        to: (*owner).to_owned(),
                        reason: EdgeReason::Crd,
                    });
                }
            }
            // One edge per target, with the strongest reason: wiring, then CRD, then declared.
            deps.sort();
            deps.dedup_by(|a, b| a.to == b.to);
            edges.insert(
                c.name().to_owned(),
                deps.iter().map(|e| e.to.clone()).collect(),
            );
            reasons.insert(c.name().to_owned(), deps);
        }
        let waves = graph::layer(&edges)?;
        Ok(apps
            .into_iter()
            .map(|app| {
                let name = app.name.to_string();
                PlannedApp {
                    wave: waves[&name],
                    after: reasons.remove(&name).unwrap_or_default(),
                    app,
                }
            })
            .collect())
    }
}

/// Why one App waits for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeReason {
    /// Its builder read the other component (a URL, a name, a port).
    Wiring,
    /// Its objects use an API group whose CRDs the other installs.
    Crd,
    /// Declared ordering without data ([`Component::dependencies`]).
    Declared,
}

impl EdgeReason {
    pub fn word(self) -> &'static str {
        match self {
            EdgeReason::Wiring => "wiring",
            EdgeReason::Crd => "crd",
            EdgeReason::Declared => "declared",
        }
    }
}

/// One edge of the plan: the App waited for and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub to: String,
    pub reason: EdgeReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Store;
    struct Reader;
    struct Optional;

    fn settings_and_versions() -> (Settings, Versions) {
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "repository": {"url": "https://github.com/o/r.git", "revision": "main"},
            "hub": {"clusterName": "hub", "baseDomain": "lab.local"},
            "features": {"tailscale": false}
        }))
        .expect("settings");
        let versions: Versions =
            serde_json::from_value(serde_json::json!({"charts": {}, "images": {}}))
                .expect("versions");
        (settings, versions)
    }

    impl Component for Store {
        fn name(&self) -> &str {
            "store"
        }
        fn namespace(&self) -> &str {
            "s"
        }
        fn build(&self, _: &Context) -> BuildResult<App> {
            App::new(self)
        }
    }

    impl Component for Optional {
        fn name(&self) -> &str {
            "optional"
        }
        fn namespace(&self) -> &str {
            "o"
        }
        fn build(&self, _: &Context) -> BuildResult<App> {
            App::new(self)
        }
    }

    impl Component for Reader {
        fn name(&self) -> &str {
            "reader"
        }
        fn namespace(&self) -> &str {
            "r"
        }
        fn build(&self, ctx: &Context) -> BuildResult<App> {
            ctx.needs::<Store>()?;
            ctx.find::<Optional>();
            App::new(self)
        }
    }

    #[test]
    fn reading_a_component_records_the_edge_and_its_reason() {
        let (settings, versions) = settings_and_versions();
        let mut reg = Registry::new();
        reg.add(Reader).unwrap();
        reg.add(Store).unwrap();
        let planned = reg.plan(&settings, &versions).unwrap();
        let reader = planned
            .iter()
            .find(|p| p.app.name.as_str() == "reader")
            .unwrap();
        assert_eq!(
            reader.after,
            [Edge {
                to: "store".into(),
                reason: EdgeReason::Wiring
            }]
        );
        assert_eq!(wave_of(&planned, "reader"), Some(1));

        // An optional read adds an edge only when the component is there.
        reg.add(Optional).unwrap();
        let planned = reg.plan(&settings, &versions).unwrap();
        let reader = planned
            .iter()
            .find(|p| p.app.name.as_str() == "reader")
            .unwrap();
        let to: Vec<&str> = reader.after.iter().map(|e| e.to.as_str()).collect();
        assert_eq!(to, ["optional", "store"]);
    }

    #[test]
    fn needing_an_unregistered_component_names_it() {
        let (settings, versions) = settings_and_versions();
        let mut reg = Registry::new();
        reg.add(Reader).unwrap();
        let err = reg.plan(&settings, &versions).unwrap_err().to_string();
        assert!(err.contains("building reader"), "{err}");
        assert!(err.contains("Store"), "{err}");
    }

    /// A component named at run time, like the assembly's object bundles.
    struct Named(&'static str);

    impl Component for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn namespace(&self) -> &str {
            "n"
        }
        fn build(&self, _: &Context) -> BuildResult<App> {
            App::new(self)
        }
    }

    #[test]
    fn unwired_components_share_a_type_but_never_a_name() {
        let (settings, versions) = settings_and_versions();
        let mut reg = Registry::new();
        reg.add_unwired(Named("alerts")).unwrap();
        reg.add_unwired(Named("dashboard")).unwrap();
        // Nothing can wire to them, so `get` does not see them.
        assert!(reg.get::<Named>().is_none());
        let names: Vec<String> = reg
            .plan(&settings, &versions)
            .unwrap()
            .into_iter()
            .map(|p| p.app.name.as_str().to_owned())
            .collect();
        assert_eq!(names, ["alerts", "dashboard"]);
        let err = reg.add_unwired(Named("alerts")).unwrap_err().to_string();
        assert_eq!(err, "two components are named alerts");
        // A wired component may not take an unwired one's name either.
        reg.add_unwired(Named("store")).unwrap();
        let err = reg.add(Store).unwrap_err().to_string();
        assert_eq!(err, "two components are named store");
    }
}
