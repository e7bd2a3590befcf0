//! A synthetic lab of `n` experiments, the scale workload of `cargo xtask bench --experiments`.
//!
//! Each experiment is built by the builders the real lab uses, so the benchmark measures the
//! real path (typed objects → `Artifact` → `Tree` → YAML with its read-back → `write_tree`):
//! the metrics demo app's Deployment, Service and ServiceMonitor (`lab_observability::workload`),
//! its RED dashboard in a Grafana ConfigMap (`dashboard::red`, `grafana::dashboard_config_map`),
//! a Kyverno policy (`lab_policy::policies`), and the experiment's Application and AppProject
//! (`lab_argocd::ClusterLayout`), under `experiments/<name>/` from `lab_core::layout`.

use anyhow::Result;
use lab_argocd::ClusterLayout;
use lab_core::layout::{ClusterPaths, ClusterRole};
use lab_core::{Files, Label, Object, Tree};
use lab_model::App;
use lab_model::component::{PlannedApp, Project};
use lab_observability::workload::DemoApp;
use lab_observability::{dashboard, grafana, signals};

use crate::Inputs;

/// The demo app every synthetic experiment deploys (its image must be pinned in the inputs).
const APP: &str = "metrics-app";

/// The name of synthetic experiment `i`: `exp-00001`, …, sorted as numbered.
pub fn name(i: usize) -> String {
    format!("exp-{i:05}")
}

/// The objects of one experiment's app, in its own namespace.
fn objects(inputs: &Inputs, namespace: &str) -> Result<Vec<Object>> {
    let mut app = DemoApp::new(APP);
    app.namespace = namespace.to_owned();
    let image = app
        .image(&inputs.settings, &inputs.versions)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let dashboard = dashboard::red(&app, &signals::HTTP_RED);
    let board = grafana::dashboard_config_map(namespace, namespace, &dashboard)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Cluster-scoped, so named after its experiment to stay unique.
    let mut policy = lab_policy::policies::require_requests_limits();
    policy.metadata.name = Some(format!(
        "{namespace}-{}",
        policy.metadata.name.as_deref().unwrap_or_default()
    ));
    Ok(vec![
        Object::new(&app.deployment(image, None))?,
        Object::new(&app.service())?,
        Object::new(&app.service_monitor())?,
        Object::new(&board)?,
        Object::new(&policy)?,
    ])
}

/// Experiments `1..=n`, each with seven documents: an Application and its AppProject, a
/// Deployment, a Service, a ServiceMonitor, a dashboard ConfigMap and a Kyverno policy.
pub fn experiments(inputs: &Inputs, n: usize) -> Result<Tree> {
    let mut tree = Tree::new();
    for i in 1..=n {
        tree.extend(experiment(inputs, i)?)?;
    }
    Ok(tree)
}

/// The bytes of [`experiments`], rendered one experiment at a time: each experiment's folder
/// is its own, so its typed objects can be dropped once its files are written out, and memory
/// grows with the output, not with the serialized objects of every experiment at once.
pub fn render(inputs: &Inputs, n: usize) -> Result<Files> {
    let numbers: Vec<usize> = (1..=n).collect();
    // Experiments are independent: spread them over the cores, each thread one at a time.
    let rendered = lab_core::par::map(&numbers, |&i| {
        let mut tree = Tree::new();
        tree.extend(experiment(inputs, i)?)?;
        anyhow::Ok(tree.render()?)
    })?;
    let mut files = Files::new();
    for (path, text) in rendered.into_iter().flatten() {
        anyhow::ensure!(!files.contains_key(&path), "{path} is written twice");
        files.insert(path, text);
    }
    Ok(files)
}

/// The files of experiment `i`.
fn experiment(inputs: &Inputs, i: usize) -> Result<Vec<lab_core::Artifact>> {
    let name = name(i);
    let layout = ClusterLayout {
        settings: &inputs.settings,
        paths: ClusterPaths::new(ClusterRole::Experiment, &name)?,
        destination: lab_argocd::Destination::hub(),
    };
    let planned = [PlannedApp {
        app: App {
            name: Label::new(APP)?,
            namespace: Label::new(name.as_str())?,
            project: Project::Experiments,
            helm: None,
            objects: objects(inputs, &name)?,
            server_side_apply: false,
            ignore_differences: Vec::new(),
            chart_cluster_kinds: Vec::new(),
            chart_uses: Vec::new(),
        },
        wave: 0,
        after: Vec::new(),
    }];
    crate::cluster_apps(&layout, &planned)
}
