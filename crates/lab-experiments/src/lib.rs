//! Experiments: `experiments/<name>/experiment.yaml` typed and checked, the component catalog
//! an experiment composes, and the pure builders of what an experiment renders besides its
//! Applications — its lifecycle `WorkflowTemplate`, its k6 script `ConfigMap` and `TestRun`,
//! the kind config of a local cluster, and its README.
//!
//! Nothing here knows the hub's components: the assembly passes what it derives (Application
//! names, the query URL, the target's URL) in [`lifecycle::Bindings`].

pub mod alerts;
pub mod catalog;
pub mod components;
pub mod gateways;
pub mod k6;
pub mod kind;
pub mod lifecycle;
pub mod queries;
pub mod readme;
pub mod roadmap;
pub mod scaffold;
pub mod spec;
pub mod stores;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use lab_core::NameRule;
use lab_model::input::{Field, InputError, Problem};

/// One problem of a spec, at no known position (the spec's own checks run on the value).
type Finding = (Problem, Option<(u64, u64)>);

pub use catalog::{CATALOG, ComponentId, Entry};
pub use spec::ExperimentSpec;

/// Where experiments live, relative to the repository root.
pub const EXPERIMENTS_DIR: &str = "experiments";
/// The spec file in each experiment folder.
pub const SPEC_FILE: &str = "experiment.yaml";
/// Label naming the experiment on everything it renders.
pub const EXPERIMENT_LABEL: &str = "illm.io/experiment";
/// The longest an experiment may live.
pub const MAX_TTL_HOURS: u64 = 7 * 24;
/// The modeline every experiment.yaml starts with, so editors find the schema.
pub const MODELINE: &str =
    "# yaml-language-server: $schema=../../generated/schemas/experiment.schema.json";

/// A loaded, checked experiment.
#[derive(Clone, Debug)]
pub struct Experiment {
    /// The folder name under `experiments/`, an RFC 1123 label.
    pub name: String,
    pub spec: ExperimentSpec,
    /// The tutorial's Markdown.
    pub tutorial: String,
    /// The k6 script, when the spec has a load.
    pub k6_script: Option<String>,
}

impl Experiment {
    /// `experiments/<name>/experiment.yaml`, as errors name it.
    pub fn spec_file(&self) -> PathBuf {
        spec_file(&self.name)
    }

    /// The cluster with the `target` role (exactly one, checked at load).
    pub fn target_cluster(&self) -> &spec::ClusterUse {
        self.spec
            .clusters
            .iter()
            .find(|c| c.roles.contains(&spec::Role::Target))
            .unwrap_or_else(|| unreachable!("load checks there is exactly one target"))
    }

    /// The labels every object of the experiment carries.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (EXPERIMENT_LABEL.to_owned(), self.name.clone()),
            (
                "app.kubernetes.io/part-of".to_owned(),
                "experiments".to_owned(),
            ),
        ])
    }

    /// Hours it may live.
    pub fn ttl_hours(&self) -> u64 {
        spec::ttl_hours(&self.spec.time_to_live).unwrap_or(MAX_TTL_HOURS)
    }
}

fn spec_file(name: &str) -> PathBuf {
    Path::new(EXPERIMENTS_DIR).join(name).join(SPEC_FILE)
}

/// Every bad experiment found, one [`InputError`] each (`file: field: problem (expected: …)`).
#[derive(Debug)]
pub struct Errors(pub Vec<InputError>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// The JSON schema of experiment.yaml (for `generated/schemas/experiment.schema.json`).
pub fn schema() -> serde_json::Value {
    lab_model::input::schema_of::<ExperimentSpec>()
}

/// Loads and checks `experiments/<name>/` below `repo_root`.
pub fn load(repo_root: &Path, name: &str) -> Result<Experiment, InputError> {
    let file = spec_file(name);
    let named = |mut e: InputError| {
        e.file = file.clone();
        e
    };
    if let Err(e) = NameRule::Label.check(name) {
        return Err(InputError {
            file: file.clone(),
            problems: vec![finding("/", format!("bad folder name: {e}"), None)],
        });
    }
    let dir = repo_root.join(EXPERIMENTS_DIR).join(name);
    let text = std::fs::read_to_string(dir.join(SPEC_FILE)).map_err(|e| InputError {
        file: file.clone(),
        problems: vec![finding("/", format!("cannot read: {e}"), None)],
    })?;
    let spec: ExperimentSpec = lab_model::input::parse(&file, &text).map_err(named)?;
    let mut findings = Vec::new();
    if !text.starts_with(MODELINE) {
        findings.push(finding(
            "/",
            "the first line is not the schema modeline".into(),
            Some(MODELINE.into()),
        ));
    }
    check(&spec, &mut findings);
    let read = |rel: &str, field: &str, findings: &mut Vec<Finding>| {
        std::fs::read_to_string(dir.join(rel))
            .map_err(|e| {
                findings.push(finding(
                    field,
                    format!("{rel}: {e}"),
                    Some(format!("a file {rel} beside experiment.yaml")),
                ))
            })
            .ok()
    };
    let tutorial = read(&spec.tutorial, "/tutorial", &mut findings);
    let k6_script = match &spec.load {
        Some(load) => read(&load.script, "/load/script", &mut findings),
        None => None,
    };
    if !findings.is_empty() {
        return Err(InputError {
            file,
            problems: findings,
        });
    }
    Ok(Experiment {
        name: name.to_owned(),
        spec,
        tutorial: tutorial.unwrap_or_default(),
        k6_script,
    })
}

/// Every `experiments/*/experiment.yaml` below `repo_root`, sorted by name; folders without
/// an experiment.yaml (such as a README's) are skipped. Prerequisites must name experiments
/// that exist. All errors are collected, not just the first.
pub fn load_all(repo_root: &Path) -> Result<Vec<Experiment>, Errors> {
    let root = repo_root.join(EXPERIMENTS_DIR);
    // A checkout without experiments renders the platform alone.
    if !root.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&root).map_err(|e| {
        Errors(vec![InputError {
            file: PathBuf::from(EXPERIMENTS_DIR),
            problems: vec![finding("/", format!("cannot read the folder: {e}"), None)],
        }])
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(SPEC_FILE).is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let known: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut experiments = Vec::new();
    let mut errors = Vec::new();
    // Parsing a spec is most of loading the lab: one per core, results in name order.
    let loaded = lab_core::par::map_on(&names, lab_core::par::cores(), 1, |name| {
        Ok::<_, std::convert::Infallible>(load(repo_root, name))
    })
    .unwrap_or_else(|never| match never {});
    for (name, loaded) in names.iter().zip(loaded) {
        match loaded {
            Ok(exp) => {
                let unknown: Vec<Finding> = exp
                    .spec
                    .prerequisites
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !known.contains(p.as_str()))
                    .map(|(i, p)| {
                        finding(
                            &format!("/prerequisites/{i}"),
                            format!("no experiment {p:?}"),
                            Some(format!("one of {}", names.join(", "))),
                        )
                    })
                    .collect();
                if unknown.is_empty() {
                    experiments.push(exp);
                } else {
                    errors.push(InputError {
                        file: spec_file(name),
                        problems: unknown,
                    });
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(experiments)
    } else {
        Err(Errors(errors))
    }
}

/// A problem at the field of JSON pointer `field` (`/clusters/0/name`), with what was expected.
fn finding(field: &str, problem: String, expected: Option<String>) -> Finding {
    let at = field
        .split('/')
        .filter(|s| !s.is_empty())
        .fold(Field::root(), |f, step| match step.parse::<usize>() {
            Ok(i) => f.index(i),
            Err(_) => f.key(step),
        });
    let message = match expected {
        Some(e) => format!("{problem}; expected {e}"),
        None => problem,
    };
    (Problem::new(at, RULE, message), None)
}

/// Rule id of the experiment checks that run after the schema.
pub const RULE: &str = "experiment";

/// The set of `names` (of the spec's `<what>s` list); a name seen twice is a finding on
/// `/<what>s/<i>/name`.
fn unique<'a>(
    names: impl Iterator<Item = &'a str>,
    what: &str,
    out: &mut Vec<Finding>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    for (i, name) in names.enumerate() {
        if !seen.insert(name) {
            out.push(finding(
                &format!("/{what}s/{i}/name"),
                format!("{what} {name:?} is declared twice"),
                Some(format!("unique {what} names")),
            ));
        }
    }
    seen
}

/// What the schema cannot say: references between fields, the catalog's rules, sane limits.
fn check(spec: &ExperimentSpec, out: &mut Vec<Finding>) {
    use catalog::Packaging;
    use spec::Role;

    match spec::ttl_hours(&spec.time_to_live) {
        Some(h) if h <= MAX_TTL_HOURS => {}
        _ => out.push(finding(
            "/timeToLive",
            format!("{} is longer than 7 days", spec.time_to_live),
            Some("at most 7d (168h): experiments are short-lived".into()),
        )),
    }

    let cluster_names = unique(
        spec.clusters.iter().map(|c| c.name.as_str()),
        "cluster",
        out,
    );
    let targets = spec
        .clusters
        .iter()
        .filter(|c| c.roles.contains(&Role::Target))
        .count();
    if targets != 1 {
        out.push(finding(
            "/clusters",
            format!("{targets} clusters have the role target"),
            Some("exactly one cluster with the role target".into()),
        ));
    }

    let mut ids = BTreeSet::new();
    for (i, c) in spec.components.iter().enumerate() {
        let entry = c.id.entry();
        if !ids.insert(c.id) {
            out.push(finding(
                &format!("/components/{i}/id"),
                format!("{} is listed twice", c.id.as_str()),
                Some("each component once".into()),
            ));
        }
        if let Some(cluster) = &c.cluster
            && !cluster_names.contains(cluster.as_str())
        {
            out.push(finding(
                &format!("/components/{i}/cluster"),
                format!("no cluster {cluster:?}"),
                Some(format!(
                    "one of the clusters declared: {}",
                    cluster_names.iter().copied().collect::<Vec<_>>().join(", ")
                )),
            ));
        }
        if entry.packaging != Packaging::LabImage && (c.replicas.is_some() || !c.env.is_empty()) {
            out.push(finding(
                &format!("/components/{i}"),
                format!(
                    "{} is a {}; replicas and env apply to lab images only",
                    c.id.as_str(),
                    entry.packaging.as_str()
                ),
                None,
            ));
            continue;
        }
        for key in c.env.keys() {
            if !entry.env.contains(&key.as_str()) {
                out.push(finding(
                    &format!("/components/{i}/env/{key}"),
                    format!("{} does not read {key}", c.id.as_str()),
                    Some(format!("one of {}", entry.env.join(", "))),
                ));
            }
        }
    }

    if let Some(load) = &spec.load {
        if !ids.contains(&load.target) {
            out.push(finding(
                "/load/target",
                format!("{} is not among the components", load.target.as_str()),
                Some("a component the experiment deploys".into()),
            ));
        }
        if load.in_cluster && !ids.contains(&ComponentId::K6Operator) {
            out.push(finding(
                "/load/inCluster",
                "in-cluster load needs the k6-operator".into(),
                Some("k6-operator among the components".into()),
            ));
        }
        let load_s = spec::duration_seconds(&load.duration).unwrap_or(u64::MAX);
        let ttl_s = spec::ttl_hours(&spec.time_to_live)
            .unwrap_or(0)
            .saturating_mul(3600);
        if load_s >= ttl_s {
            out.push(finding(
                "/load/duration",
                format!(
                    "{} does not fit in the time to live {}",
                    load.duration, spec.time_to_live
                ),
                Some("a load shorter than timeToLive".into()),
            ));
        }
    }

    if let Some(table) = &spec.comparison {
        check_comparison(table, out);
    }

    unique(spec.alerts.iter().map(|a| a.name.as_str()), "alert", out);
    unique(spec.checks.iter().map(|c| c.name.as_str()), "check", out);
    for (i, c) in spec.checks.iter().enumerate() {
        if !c.value.is_finite() {
            out.push(finding(
                &format!("/checks/{i}/value"),
                "not a finite number".into(),
                None,
            ));
        }
    }
}

/// Every subject named once, every measure asking every subject and no other.
fn check_comparison(table: &spec::ComparisonTable, out: &mut Vec<Finding>) {
    let mut subjects = BTreeSet::new();
    for (i, s) in table.subjects.iter().enumerate() {
        if !subjects.insert(s.as_str()) {
            out.push(finding(
                &format!("/comparison/subjects/{i}"),
                format!("subject {:?} is listed twice", s.as_str()),
                Some("unique subjects".into()),
            ));
        }
    }
    let listed = || subjects.iter().copied().collect::<Vec<_>>().join(", ");
    let mut names = BTreeSet::new();
    for (i, m) in table.measures.iter().enumerate() {
        if !names.insert(m.name.as_str()) {
            out.push(finding(
                &format!("/comparison/measures/{i}/name"),
                format!("measure {:?} is declared twice", m.name.as_str()),
                Some("unique measure names".into()),
            ));
        }
        for key in m.queries.keys() {
            if !subjects.contains(key.as_str()) {
                out.push(finding(
                    &format!("/comparison/measures/{i}/queries/{key}"),
                    format!("{key} is not a subject"),
                    Some(format!("one query per subject: {}", listed())),
                ));
            }
        }
        for s in &subjects {
            if !m.queries.contains_key(*s) {
                out.push(finding(
                    &format!("/comparison/measures/{i}/queries"),
                    format!("no query for subject {s}"),
                    Some(format!("one query per subject: {}", listed())),
                ));
            }
        }
        for (key, q) in &m.queries {
            if q.trim().is_empty() {
                out.push(finding(
                    &format!("/comparison/measures/{i}/queries/{key}"),
                    "an empty query".into(),
                    Some("a PromQL expression returning one sample".into()),
                ));
            }
        }
    }
}

/// A builder that could not make its output.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] lab_core::Error),
    #[error(transparent)]
    Version(#[from] lab_model::versions::MissingVersion),
    #[error("{0}")]
    Build(String),
}
