//! The whole lab in one call: [`Inputs::load`] reads `platform/`, [`clusters`] lists every
//! cluster the lab renders (the hub, then every target under `platform/targets/*/`), and
//! [`render`] returns the complete `generated/` tree in memory. Nothing here writes to disk.
//!
//! Architecture invariant: this is the only crate that knows every family; it wires them into
//! clusters and asks [`lab_core::layout`] where each file goes.

mod bootstrap;
pub mod docs;
pub mod experiments;
pub mod gateway_lab;
pub mod synthetic;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use lab_argocd::ClusterLayout;
use lab_core::layout::{self, ClusterPaths, ClusterRole};
use lab_core::{Artifact, Format, Object, Tree};
use lab_model::component::PlannedApp;
use lab_model::input::{load, schema_of};
use lab_model::{Component, Registry, Settings, Versions};

/// Every input file, parsed and validated.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub settings: Settings,
    pub versions: Versions,
    /// Each target cluster's Talos node inventory, by the name of its folder under
    /// `platform/targets/`.
    pub targets: BTreeMap<String, lab_talos::Inventory>,
    /// Every `experiments/<name>/experiment.yaml`, checked, sorted by name.
    pub experiments: Vec<lab_experiments::Experiment>,
}

pub const SETTINGS_FILE: &str = "platform/hub/platform.yaml";
pub const VERSIONS_FILE: &str = "platform/versions.yaml";
/// Folder of the target clusters' inputs: one folder per cluster, holding `nodes.yaml`.
pub const TARGETS_DIR: &str = "platform/targets";
const NODES_FILE: &str = "nodes.yaml";

impl Inputs {
    /// Reads the inputs below the repository root `root`; errors name the file and field.
    pub fn load(root: &Path) -> Result<Self> {
        let mut targets = BTreeMap::new();
        let dir = root.join(TARGETS_DIR);
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {TARGETS_DIR}: the target clusters' folder"))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {TARGETS_DIR}"))?;
            if entry.path().join(NODES_FILE).is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        for name in names {
            let file = format!("{TARGETS_DIR}/{name}/{NODES_FILE}");
            targets.insert(name, load_input(root, &file)?);
        }
        Ok(Self {
            settings: load_input(root, SETTINGS_FILE)?,
            versions: load_input(root, VERSIONS_FILE)?,
            targets,
            experiments: lab_experiments::load_all(root)?,
        })
    }
}

/// Loads `root/file`; errors name `file` as the repository knows it, not an absolute path.
fn load_input<T: lab_model::Input>(root: &Path, file: &str) -> Result<T, lab_model::InputError> {
    load(&root.join(file)).map_err(|mut e| {
        e.file = PathBuf::from(file);
        e
    })
}

/// One cluster the lab renders: where its files go, the API server ArgoCD deploys its
/// Applications to, and its components.
pub struct Cluster {
    pub paths: ClusterPaths,
    pub destination: lab_argocd::Destination,
    pub registry: Registry,
}

/// The hub's components, optional ones as the settings switch them.
pub fn hub_registry(settings: &Settings) -> Result<Registry> {
    let mut registry = Registry::new();
    lab_platform::register(&mut registry)?;
    lab_platform::register_features(&mut registry, &settings.features)?;
    lab_policy::register(&mut registry)?;
    lab_crossplane::register(&mut registry)?;
    lab_observability::register(&mut registry)?;
    registry.add(lab_observability::workload::DemoApps::default())?;
    Ok(registry)
}

/// The components of a Talos target cluster.
fn target_registry(inventory: &lab_talos::Inventory) -> Result<Registry> {
    let mut registry = Registry::new();
    registry.add(lab_observability::targets::KubePrometheusStack::new(
        &inventory.cluster.name,
    ))?;
    Ok(registry)
}

/// Every cluster, the hub first.
pub fn clusters(inputs: &Inputs, hub: Registry) -> Result<Vec<Cluster>> {
    let mut out = vec![Cluster {
        paths: ClusterPaths::hub(),
        destination: lab_argocd::Destination::hub(),
        registry: hub,
    }];
    for (name, inventory) in &inputs.targets {
        let endpoint = inventory.endpoint().ok_or_else(|| {
            anyhow::anyhow!(
                "{TARGETS_DIR}/{name}/{NODES_FILE}: no control-plane node to serve the API"
            )
        })?;
        out.push(Cluster {
            paths: ClusterPaths::new(ClusterRole::Target, name)?,
            destination: lab_argocd::Destination::Server(endpoint),
            registry: target_registry(inventory)?,
        });
    }
    Ok(out)
}

/// The complete tree.
pub fn render(inputs: &Inputs) -> Result<Tree> {
    render_with(inputs, hub_registry(&inputs.settings)?)
}

/// The complete tree for a given hub registry (tests swap components in and out).
pub fn render_with(inputs: &Inputs, hub: Registry) -> Result<Tree> {
    let clusters = clusters(inputs, hub)?;
    let (hub, others) = clusters.split_first().expect("the hub is always first");
    let settings = &inputs.settings;
    let mut tree = Tree::new();
    let hub_layout = ClusterLayout {
        settings,
        paths: hub.paths.clone(),
        destination: hub.destination.clone(),
    };
    let hub_planned = hub.registry.plan(settings, &inputs.versions)?;
    tree.extend(cluster_apps(&hub_layout, &hub_planned)?)?;
    tree.extend(bootstrap::artifacts(inputs, &hub_layout, &hub.registry)?)?;
    for cluster in others {
        let layout = ClusterLayout {
            settings,
            paths: cluster.paths.clone(),
            destination: cluster.destination.clone(),
        };
        let planned = cluster
            .registry
            .plan_in(settings, &inputs.versions, Some(&hub.registry))?;
        tree.extend(cluster_apps(&layout, &planned)?)?;
        // The hub's app-of-apps reaches the cluster's Applications through one child.
        let child = lab_argocd::child_app_of_apps(&hub_layout, &layout);
        tree.add(Artifact::object(
            &hub_layout.apps_dir(),
            Object::new(&child)?,
        )?)?;
        if let Some(inventory) = inputs.targets.get(&cluster.paths.name) {
            let file = format!("{TARGETS_DIR}/{}/{NODES_FILE}", cluster.paths.name);
            tree.extend(lab_talos::artifacts(
                inventory,
                &file,
                &inputs.versions,
                &cluster.paths,
            )?)?;
        }
    }
    tree.extend(schemas()?)?;
    tree.extend(experiments::artifacts(inputs, &hub_layout, &hub.registry)?)?;
    tree.add(Artifact::document(
        layout::experiments_index(),
        Format::Markdown,
        &docs::experiments_index(&inputs.experiments),
    )?)?;
    tree.extend(lab_core::par::map_on(
        &inputs.experiments,
        lab_core::par::cores(),
        1,
        |exp| {
            let paths = ClusterPaths::new(ClusterRole::Experiment, &exp.name)?;
            let page = lab_experiments::readme::render(exp, &inputs.versions)?;
            anyhow::Ok(Artifact::document(
                paths.readme_file(),
                Format::Markdown,
                &page,
            )?)
        },
    )?)?;
    let policies = lab_policy::KyvernoPolicies;
    tree.extend(lab_policy::fixtures(
        settings,
        &inputs.versions,
        &hub.paths.app_dir(policies.name())?,
    )?)?;
    tree.extend(lab_observability::dashboard::artifacts(
        hub.registry.get::<lab_observability::workload::DemoApps>(),
    )?)?;
    // Plain Prometheus rule files for promtool, taken from the PrometheusRules rendered above.
    let rule_files = lab_observability::promtool::promtool_artifacts(&tree)?;
    tree.extend(rule_files)?;
    let model = docs::Model::plan(inputs, &clusters, Some(&hub_planned))?;
    tree.extend(docs::artifacts(&model)?)?;
    Ok(tree)
}

/// A cluster's Applications, values and objects, and its AppProjects.
fn cluster_apps(layout: &ClusterLayout, planned: &[PlannedApp]) -> Result<Vec<Artifact>> {
    let mut out = layout.render_apps(planned)?;
    for project in layout.projects(planned) {
        out.push(Artifact::object(
            &layout.apps_dir(),
            Object::new(&project)?,
        )?);
    }
    Ok(out)
}

/// JSON schemas of the input files, for editor completion (`# yaml-language-server: $schema=`).
fn schemas() -> Result<Vec<Artifact>> {
    Ok(vec![
        Artifact::document(
            layout::schema_file("settings")?,
            Format::JsonSchema,
            &schema_of::<Settings>(),
        )?,
        Artifact::document(
            layout::schema_file("versions")?,
            Format::JsonSchema,
            &schema_of::<Versions>(),
        )?,
        Artifact::document(
            layout::schema_file("talos-nodes")?,
            Format::JsonSchema,
            &schema_of::<lab_talos::Inventory>(),
        )?,
        Artifact::document(
            layout::schema_file("experiment")?,
            Format::JsonSchema,
            &lab_experiments::schema(),
        )?,
    ])
}

/// The root of the checkout being worked on, found at run time (see
/// [`lab_upstream::checkout_root`]): not where this crate was built, since two checkouts can
/// share one target folder and so one binary.
pub fn repo_root() -> Result<PathBuf> {
    Ok(lab_upstream::checkout_root()?)
}

/// Loads the inputs of the current checkout and renders them.
pub fn render_repo() -> Result<Tree> {
    let root = repo_root()?;
    let inputs =
        Inputs::load(&root).with_context(|| format!("loading inputs in {}", root.display()))?;
    render(&inputs)
}
