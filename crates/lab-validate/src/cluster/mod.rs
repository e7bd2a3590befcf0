//! Would it run? Checks of each cluster as a whole, the questions a platform engineer asks
//! before the first sync: CRDs before their objects, storage classes, published images,
//! signals that arrive, references that resolve, UIs and secrets a user can reach.
//!
//! The checks read the rendered tree only (plus [`Facts`]: repository files the tree does
//! not hold, such as the build workflow and the docs). Which cluster an object lands on comes
//! from the Application whose path holds it; what a chart installs from [`charts`].

mod charts;
mod crds;
mod images;
mod reach;
mod refs;
mod signals;
mod storage;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use lab_core::layout::{self, IN_CLUSTER};
use lab_core::{Finding, Format, ObjectId, Tree};

use crate::chart_values::{app_sources, rendered_value_files};
use lab_model::Settings;
use serde::Serialize;
use serde_json::Value;

/// Repository files the rules read besides the tree.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// README.md: the UIs it advertises.
    pub readme: String,
    /// docs/secrets.md: the OpenBao paths a user must fill.
    pub secrets_doc: String,
    /// Every Taskfile, concatenated: what the tasks seed.
    pub taskfiles: String,
    /// .github/workflows/build-components.yaml: the tags the lab's images get.
    pub build_workflow: String,
}

impl Facts {
    pub const README: &'static str = "README.md";
    pub const SECRETS_DOC: &'static str = "docs/secrets.md";
    pub const BUILD_WORKFLOW: &'static str = ".github/workflows/build-components.yaml";
    /// Taskfiles: the root one and those it includes.
    pub const TASKFILES: [&'static str; 3] = [
        "Taskfile.yml",
        "platform/hub/Taskfile.yml",
        "platform/targets/talos/Taskfile.yml",
    ];

    /// Reads the facts from the repository at `root`; a missing Taskfile is skipped, any
    /// other missing file is an error naming it.
    pub fn load(root: &Path) -> anyhow::Result<Self> {
        let read = |rel: &str| {
            std::fs::read_to_string(root.join(rel)).with_context(|| format!("reading {rel}"))
        };
        let mut taskfiles = String::new();
        for rel in Self::TASKFILES {
            if let Ok(text) = std::fs::read_to_string(root.join(rel)) {
                taskfiles.push_str(&text);
                taskfiles.push('\n');
            }
        }
        Ok(Self {
            readme: read(Self::README)?,
            secrets_doc: read(Self::SECRETS_DOC)?,
            taskfiles,
            build_workflow: read(Self::BUILD_WORKFLOW)?,
        })
    }
}

/// How many objects one rule looked at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    pub rule: &'static str,
    pub checked: usize,
}

/// Findings of the cluster rules and what each rule checked.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Vec<RuleStats>,
}

/// CRD groups whose upstream schemas (`.ci/crds.lock`, validated by `xtask validate`) come
/// from the release of the chart that installs them, for charts versioned like their app: the
/// lock's release tag and the pinned chart version must stay equal (a test checks it), so the
/// lab validates against the CRDs it installs.
pub const CRDS_OF_PINNED_CHART: [(&str, &str); 6] = [
    ("cert-manager.io", "cert-manager"),
    ("external-secrets.io", "external-secrets"),
    ("apiextensions.crossplane.io", "crossplane"),
    ("pkg.crossplane.io", "crossplane"),
    ("protection.crossplane.io", "crossplane"),
    ("metallb.io", "metallb"),
];

/// Upstream CRDs (`.ci/crds.lock` destinations, by prefix) of charts versioned apart from the
/// app they install: the lock's release tag must equal the pinned chart's `appVersion` (from
/// its vendored chart facts; a test checks it), so the lab validates against the CRDs that
/// chart release installs. A prefix, not a group, because argoproj.io holds both Argo CD's
/// and Argo Workflows' kinds.
pub const CRDS_OF_CHART_APP: [(&str, &str); 9] = [
    ("crds/argoproj.io/app", "argo-cd"),
    ("crds/argoproj.io/workflow", "argo-workflows"),
    ("crds/argoproj.io/cronworkflow", "argo-workflows"),
    (
        "crds/argocd-image-updater.argoproj.io/",
        "argocd-image-updater",
    ),
    ("crds/kyverno.io/", "kyverno"),
    ("crds/policies.kyverno.io/", "kyverno"),
    ("crds/monitoring.coreos.com/", "prometheus-operator-crds"),
    ("crds/k6.io/", "k6-operator"),
    ("crds/pyrra.dev/", "pyrra"),
];

/// Every rule id, in the order they run; documented in each rule's module.
pub const RULES: [&str; 16] = [
    crds::RULE,
    storage::RULE,
    images::RULE,
    signals::MONITOR,
    signals::RULES,
    signals::DASHBOARD,
    signals::TENANT,
    refs::SERVICE,
    refs::SELECTOR,
    refs::PROVIDER_CONFIG,
    refs::CHART_PINNED,
    refs::NAMESPACE,
    refs::UNIQUE,
    reach::UI,
    reach::SECRET,
    reach::UPDATER,
];

/// Runs every cluster rule on the tree.
pub fn check(tree: &Tree, settings: &Settings, facts: &Facts) -> Outcome {
    let lab = Lab::read(tree);
    let mut out = Rules::default();
    crds::check(&lab, &mut out);
    storage::check(&lab, &mut out);
    images::check(&lab, settings, facts, &mut out);
    signals::check(&lab, &mut out);
    refs::check(&lab, &mut out);
    reach::check(&lab, settings, facts, &mut out);
    let mut findings = out.findings;
    findings.sort();
    Outcome {
        findings,
        stats: RULES
            .iter()
            .map(|rule| RuleStats {
                rule,
                checked: out.checked.get(rule).copied().unwrap_or(0),
            })
            .collect(),
    }
}

/// What the rules report into: findings and a count per rule.
#[derive(Default)]
pub(crate) struct Rules {
    findings: Vec<Finding>,
    checked: BTreeMap<&'static str, usize>,
}

impl Rules {
    fn checked(&mut self, rule: &'static str) {
        *self.checked.entry(rule).or_default() += 1;
    }
    fn object(&mut self, o: &Obj, rule: &'static str, message: String) {
        self.findings
            .push(Finding::object(o.path, &o.id, rule, message));
    }
    fn file(&mut self, path: &str, rule: &'static str, message: String) {
        self.findings.push(Finding::file(path, rule, message));
    }
}

/// What a cluster is made of before anything syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Distro {
    /// A kind cluster (a kind config is rendered for it): ships the `standard` class.
    Kind,
    /// Talos (machine-config patches are rendered for it): ships no storage class.
    Talos,
    Unknown,
}

/// A Helm chart an Application installs.
#[derive(Debug)]
pub(crate) struct ChartUse<'a> {
    pub chart: &'a str,
    pub version: &'a str,
    pub release: String,
    /// Rendered values files (paths in the tree).
    pub values: Vec<&'a Value>,
}

/// One ArgoCD Application and where it deploys.
#[derive(Debug)]
pub(crate) struct App<'a> {
    pub obj: usize,
    pub name: String,
    /// The cluster its objects land on (`hub`, `targets/<name>`, `experiments/<e>/<c>`).
    pub cluster: String,
    pub wave: i64,
    pub namespace: &'a str,
    pub create_namespace: bool,
    pub charts: Vec<ChartUse<'a>>,
    /// Its own folder in the tree (`<cluster>/<app>`), if it syncs one.
    pub dir: Option<String>,
    /// `spec.source(s)` kinds: Helm chart, Kustomize, plain directory.
    pub sources: Vec<&'a Value>,
}

/// One applied object, with the cluster it lands on and the Application that syncs it.
#[derive(Debug)]
pub(crate) struct Obj<'a> {
    pub path: &'a str,
    pub id: ObjectId,
    pub doc: &'a Value,
    pub cluster: String,
    /// Index into [`Lab::apps`]; `None` for what a task applies (bootstrap, the apps folders).
    pub app: Option<usize>,
}

/// The tree read as clusters.
pub(crate) struct Lab<'a> {
    pub tree: &'a Tree,
    pub distros: BTreeMap<String, Distro>,
    pub apps: Vec<App<'a>>,
    pub objects: Vec<Obj<'a>>,
}

/// The cluster folder a tree path belongs to, if any (`tests/`, `dashboards/` are not
/// applied). An experiment's folder whose Applications deploy to the hub is the hub: see
/// [`Lab::read`].
pub(crate) fn cluster_of(path: &str) -> Option<String> {
    lab_core::layout::cluster_root(path).map(str::to_owned)
}

/// The wave of what the bootstrap task installs before ArgoCD runs (ArgoCD, its namespace).
pub(crate) const BOOTSTRAP: i64 = i64::MIN;
/// The wave of what a task applies once ArgoCD runs.
pub(crate) const AFTER_BOOTSTRAP: i64 = i64::MIN + 1;
/// Where an experiment's waves start: `task hub:conduct` applies its roots only on a running
/// hub, so every wave of the hub and the targets comes first.
pub(crate) const EXPERIMENT_WAVES: i64 = 1 << 32;
/// The wave of what `task hub:conduct` creates once the experiment's Applications are healthy
/// (its Workflows).
pub(crate) const EXPERIMENT_RUN: i64 = 1 << 40;

/// True for a tree path of an experiment.
fn in_experiment(path: &str) -> bool {
    path.starts_with("experiments/")
}

/// The hub's ArgoCD: where every Application and AppProject lands, whatever its layout.
pub(crate) const HUB: &str = "hub";

impl<'a> Lab<'a> {
    pub fn read(tree: &'a Tree) -> Self {
        let mut distros = BTreeMap::new();
        let mut objects = Vec::new();
        for artifact in tree.artifacts() {
            let path = artifact.path.as_str();
            let Some(cluster) = cluster_of(path) else {
                continue;
            };
            let distro = distros.entry(cluster.clone()).or_insert(Distro::Unknown);
            match artifact.format {
                Format::KindConfig => *distro = Distro::Kind,
                Format::TalosPatch => *distro = Distro::Talos,
                Format::Object => {
                    for doc in &artifact.documents {
                        let Some(id) = ObjectId::from_value(doc) else {
                            continue;
                        };
                        objects.push(Obj {
                            path,
                            id,
                            doc,
                            cluster: cluster.clone(),
                            app: None,
                        });
                    }
                }
                _ => {}
            }
        }
        let mut apps = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            if o.id.kind != "Application" || o.id.group() != "argoproj.io" {
                continue;
            }
            // The root Application of the bootstrap folder syncs the apps folder itself.
            if o.path.split('/').rev().nth(1) != Some("apps") {
                continue;
            }
            apps.push(App::read(tree, i, o));
        }
        // A cluster is where its Applications deploy, not where their files lie: an
        // experiment's folder for the hub (`experiments/<e>/hub`) is the hub itself.
        let on_hub: BTreeSet<String> = apps
            .iter()
            .filter(|a| {
                a.cluster != HUB
                    && objects[a.obj]
                        .doc
                        .pointer("/spec/destination/server")
                        .and_then(Value::as_str)
                        == Some(IN_CLUSTER)
            })
            .map(|a| a.cluster.clone())
            .collect();
        for folder in &on_hub {
            distros.remove(folder);
        }
        for a in &mut apps {
            if on_hub.contains(&a.cluster) {
                a.cluster = HUB.to_owned();
            }
        }
        for o in &mut objects {
            if on_hub.contains(&o.cluster) {
                o.cluster = HUB.to_owned();
            }
        }
        for o in &mut objects {
            let is_argo = o.id.group() == "argoproj.io"
                && matches!(o.id.kind.as_str(), "Application" | "AppProject");
            if is_argo {
                // ArgoCD keeps every Application of every layout in the hub's namespace.
                o.cluster = HUB.to_owned();
                continue;
            }
            let dir = o.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            o.app = apps.iter().position(|a| a.dir.as_deref() == Some(dir));
        }
        Self {
            tree,
            distros,
            apps,
            objects,
        }
    }

    pub fn distro(&self, cluster: &str) -> Distro {
        self.distros
            .get(cluster)
            .copied()
            .unwrap_or(Distro::Unknown)
    }

    /// Objects that land on `cluster`.
    pub fn on<'s>(&'s self, cluster: &'s str) -> impl Iterator<Item = &'s Obj<'a>> + 's {
        self.objects.iter().filter(move |o| o.cluster == cluster)
    }

    pub fn clusters(&self) -> BTreeSet<&str> {
        self.distros.keys().map(String::as_str).collect()
    }

    /// The sync wave an object is applied in: its Application's, or [`AFTER_BOOTSTRAP`] for
    /// what a task applies (the root Application and the apps folders it syncs).
    pub fn wave(&self, o: &Obj) -> i64 {
        match o.app {
            Some(i) => self.apps[i].wave,
            None if in_experiment(o.path) => EXPERIMENT_RUN,
            None => AFTER_BOOTSTRAP,
        }
    }

    pub fn app_of(&self, o: &Obj) -> Option<&App<'a>> {
        o.app.map(|i| &self.apps[i])
    }

    /// Every chart installed on `cluster`, with its Application.
    pub fn charts_on<'s>(
        &'s self,
        cluster: &'s str,
    ) -> impl Iterator<Item = (&'s App<'a>, &'s ChartUse<'a>)> + 's {
        self.apps
            .iter()
            .filter(move |a| a.cluster == cluster)
            .flat_map(|a| a.charts.iter().map(move |c| (a, c)))
    }

    /// Every Helm values document of `cluster`, with its path and chart.
    pub fn values_on<'s>(
        &'s self,
        cluster: &'s str,
    ) -> Vec<(&'a str, &'s App<'a>, &'s ChartUse<'a>, &'a Value)> {
        let mut out = Vec::new();
        for (app, chart) in self.charts_on(cluster) {
            for file in value_paths(&self.objects[app.obj]) {
                if let Some(a) = self.tree.get(file) {
                    for doc in &a.documents {
                        out.push((a.path.as_str(), app, chart, doc));
                    }
                }
            }
        }
        out
    }
}

impl<'a> App<'a> {
    fn read(tree: &'a Tree, obj: usize, o: &Obj<'a>) -> Self {
        let doc = o.doc;
        let str_at = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or("");
        let wave = doc
            .pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
            .and_then(Value::as_str)
            .and_then(|w| w.parse().ok())
            .unwrap_or(0);
        let create_namespace = doc
            .pointer("/spec/syncPolicy/syncOptions")
            .and_then(Value::as_array)
            .is_some_and(|o| o.iter().any(|v| v == "CreateNamespace=true"));
        let sources: Vec<&Value> = app_sources(doc).collect();
        let mut charts = Vec::new();
        let mut dir = None;
        for s in &sources {
            if let Some(chart) = s.get("chart").and_then(Value::as_str) {
                let values = rendered_value_files(s)
                    .filter_map(|f| tree.get(f))
                    .flat_map(|a| a.documents.iter())
                    .collect();
                charts.push(ChartUse {
                    chart,
                    version: s
                        .get("targetRevision")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                    release: s
                        .pointer("/helm/releaseName")
                        .and_then(Value::as_str)
                        .unwrap_or(&o.id.name)
                        .to_owned(),
                    values,
                });
            } else if let Some(p) = s.get("path").and_then(Value::as_str) {
                dir = layout::tree_path(p).map(|d| d.trim_end_matches('/').to_owned());
            }
        }
        // Objects go where the Application's file is: `<cluster>/apps/…` deploys to `<cluster>`.
        let cluster = cluster_of(o.path).unwrap_or_default();
        let wave = match in_experiment(o.path) {
            true => EXPERIMENT_WAVES + wave,
            false => wave,
        };
        Self {
            obj,
            name: o.id.name.clone(),
            cluster,
            wave,
            namespace: str_at("/spec/destination/namespace"),
            create_namespace,
            charts,
            dir,
            sources,
        }
    }
}

fn value_paths<'v>(app: &Obj<'v>) -> Vec<&'v str> {
    app_sources(app.doc)
        .flat_map(rendered_value_files)
        .collect()
}

/// Every string in a document, with its JSON pointer.
pub(crate) fn strings<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(s) => out.push((at, s)),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                strings(v, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                strings(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Every value under a key named `key`, anywhere in a document, with its pointer.
pub(crate) fn keyed<'v>(
    value: &'v Value,
    key: &str,
    at: String,
    out: &mut Vec<(String, &'v Value)>,
) {
    match value {
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                keyed(v, key, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if k == key {
                    out.push((here.clone(), v));
                }
                keyed(v, key, here, out);
            }
        }
        _ => {}
    }
}

/// `metadata.labels` of an object.
pub(crate) fn labels<'v>(doc: &'v Value, at: &str) -> BTreeMap<&'v str, &'v str> {
    doc.pointer(at)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A `matchLabels` selector matches a label set (empty selects everything).
pub(crate) fn selects(selector: &BTreeMap<&str, &str>, labels: &BTreeMap<&str, &str>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
