//! The whole lab in one call: [`Inputs::load`] reads `platform/`, [`render`] returns the
//! complete `generated/` tree in memory. Nothing here writes to disk.

mod bootstrap;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use lab_argocd::ClusterLayout;
use lab_core::{Artifact, Format, Object, RelPath, Tree};
use lab_model::input::{load, schema_of};
use lab_model::{Registry, Settings, Versions};

/// Every input file, parsed and validated.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub settings: Settings,
    pub versions: Versions,
    /// The Talos home-lab node inventory.
    pub talos: lab_talos::Inventory,
}

pub const SETTINGS_FILE: &str = "platform/hub/platform.yaml";
pub const VERSIONS_FILE: &str = "platform/versions.yaml";
pub const TALOS_NODES_FILE: &str = "platform/targets/talos/nodes.yaml";

impl Inputs {
    /// Reads the inputs below the repository root `root`; errors name the file and field.
    pub fn load(root: &Path) -> Result<Self> {
        Ok(Self {
            settings: load_input(root, SETTINGS_FILE)?,
            versions: load_input(root, VERSIONS_FILE)?,
            talos: load_input(root, TALOS_NODES_FILE)?,
        })
    }
}

/// Loads `root/file`; errors name `file` as the repository knows it, not an absolute path.
fn load_input<T: schemars::JsonSchema + serde::de::DeserializeOwned>(
    root: &Path,
    file: &str,
) -> Result<T, lab_model::InputError> {
    load(&root.join(file)).map_err(|mut e| {
        e.file = PathBuf::from(file);
        e
    })
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

/// The complete tree.
pub fn render(inputs: &Inputs) -> Result<Tree> {
    render_with(inputs, &hub_registry(&inputs.settings)?)
}

/// The complete tree for a given hub registry (tests swap components in and out).
pub fn render_with(inputs: &Inputs, hub: &Registry) -> Result<Tree> {
    let mut tree = Tree::new();
    let planned = hub.plan(&inputs.settings, &inputs.versions)?;
    let layout = ClusterLayout {
        settings: &inputs.settings,
        root: RelPath::new("hub")?,
        destination: lab_argocd::IN_CLUSTER.to_owned(),
    };
    tree.extend(layout.render_apps(&planned)?)?;
    for project in layout.projects(&planned) {
        tree.add(Artifact::object(
            &layout.apps_dir(),
            Object::new(&project)?,
        )?)?;
    }
    tree.extend(bootstrap::artifacts(inputs, &layout, hub)?)?;
    tree.extend(talos_cluster(inputs, &layout)?)?;
    tree.extend(schemas()?)?;
    tree.extend(lab_policy::fixtures(&inputs.settings, &inputs.versions)?)?;
    tree.extend(lab_observability::dashboard::artifacts()?)?;
    tree.extend(
        lab_talos::artifacts(&inputs.talos, &inputs.versions).map_err(|e| match e {
            lab_talos::Error::Inventory { errors, .. } => lab_talos::Error::Inventory {
                file: TALOS_NODES_FILE.to_owned(),
                errors,
            },
            other => other,
        })?,
    )?;
    // Plain Prometheus rule files for promtool, taken from the PrometheusRules rendered above.
    let rule_files = lab_observability::promtool::promtool_artifacts(&tree)?;
    tree.extend(rule_files)?;
    Ok(tree)
}

/// The Talos home lab as a target of the hub: its Applications (kube-prometheus-stack) under
/// `targets/talos/apps`, reached from the hub's app-of-apps through one child Application.
fn talos_cluster(inputs: &Inputs, hub: &ClusterLayout) -> Result<Vec<Artifact>> {
    let endpoint = inputs.talos.endpoint().ok_or_else(|| {
        anyhow::anyhow!("{TALOS_NODES_FILE}: no control-plane node to serve the API")
    })?;
    let mut registry = Registry::new();
    let mut prometheus =
        lab_observability::targets::KubePrometheusStack::new(&inputs.talos.cluster.name);
    // Its series reach the hub's Mimir, which Grafana reads.
    prometheus.remote_write = Some(lab_observability::backends::Mimir::public_push_url(
        &inputs.settings.hub.base_domain,
    ));
    registry.add(prometheus)?;
    let planned = registry.plan(&inputs.settings, &inputs.versions)?;
    let layout = ClusterLayout {
        settings: &inputs.settings,
        root: RelPath::new(lab_talos::OUTPUT_DIR)?,
        destination: endpoint,
    };
    let mut out = layout.render_apps(&planned)?;
    for project in layout.projects(&planned) {
        out.push(Artifact::object(
            &layout.apps_dir(),
            Object::new(&project)?,
        )?);
    }
    let child = lab_argocd::child_app_of_apps(hub, "targets-talos", &layout);
    out.push(Artifact::object(&hub.apps_dir(), Object::new(&child)?)?);
    Ok(out)
}

/// JSON schemas of the input files, for editor completion (`# yaml-language-server: $schema=`).
fn schemas() -> Result<Vec<Artifact>> {
    Ok(vec![
        Artifact::document(
            RelPath::new("schemas/settings.schema.json")?,
            Format::JsonSchema,
            &schema_of::<Settings>(),
        )?,
        Artifact::document(
            RelPath::new("schemas/versions.schema.json")?,
            Format::JsonSchema,
            &schema_of::<Versions>(),
        )?,
        Artifact::document(
            RelPath::new("schemas/talos-nodes.schema.json")?,
            Format::JsonSchema,
            &schema_of::<lab_talos::Inventory>(),
        )?,
    ])
}

/// The repository root: the folder holding the workspace `Cargo.toml` above this crate.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Loads the inputs of the checkout this crate was built from and renders them.
pub fn render_repo() -> Result<Tree> {
    let root = repo_root();
    let inputs =
        Inputs::load(&root).with_context(|| format!("loading inputs in {}", root.display()))?;
    render(&inputs)
}
