//! `experiments/<name>/experiment.yaml`: what an experiment is, as the learner's editor and the
//! loader both see it. Every doc comment becomes the schema's `description`, the editor's hint
//! and the "expected: …" part of an error.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::ComponentId;

/// One experiment: its story, the clusters and components it uses, the load it drives and the
/// checks that prove it worked.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentSpec {
    /// Short title shown by `task hub:list` and at the top of the README (3–80 characters).
    #[schemars(length(min = 3, max = 80))]
    pub title: String,
    /// One to three sentences: what the learner does and what they come away with.
    #[schemars(length(min = 10, max = 500))]
    pub summary: String,
    /// Roadmap phase the experiment belongs to: a whole number from 1 to 16.
    #[schemars(range(min = 1, max = 16))]
    pub phase: u8,
    /// beginner, intermediate or advanced.
    pub difficulty: Difficulty,
    /// How long the tutorial takes, in hours and/or minutes: `45m`, `1h`, `1h30m`.
    #[schemars(regex(pattern = r"^([1-9][0-9]*h([1-5][0-9]m|[1-9]m)?|[1-9][0-9]*m)$"))]
    pub duration: String,
    /// What the learner can do afterwards, one sentence each; at least one.
    #[schemars(length(min = 1))]
    pub learning_objectives: Vec<String>,
    /// Experiments to do first, by folder name under `experiments/`.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// The clusters the experiment uses, each with a role; exactly one has the `target` role.
    #[schemars(length(min = 1))]
    pub clusters: Vec<ClusterUse>,
    /// The components it deploys, by catalog id (`cargo xtask list components`); at least one.
    #[schemars(length(min = 1))]
    pub components: Vec<ComponentUse>,
    /// The k6 load the lifecycle workflow runs; absent when the experiment drives no load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<Load>,
    /// PromQL checks the workflow evaluates after the load; every one must hold.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// For a comparison experiment: the systems compared and what is measured of each. The
    /// workflow evaluates every query after the load and writes the results table into the
    /// report; the experiment's dashboard plots the same queries side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<ComparisonTable>,
    /// Alerting rules the experiment installs (a PrometheusRule), grouped by `group`.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// LogQL, TraceQL or PromQL queries the tutorial teaches (checked by a parser in CI).
    #[serde(default)]
    pub queries: Vec<Query>,
    /// The tutorial, a Markdown file beside experiment.yaml.
    #[serde(default = "default_tutorial")]
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]*\.md$"))]
    pub tutorial: String,
    /// How long the experiment may live before it is removed: hours or days, `8h`, `2d`; at
    /// most 7 days.
    #[schemars(regex(pattern = r"^[1-9][0-9]*(h|d)$"))]
    pub time_to_live: String,
}

fn default_tutorial() -> String {
    "tutorial.md".to_owned()
}

/// How much the learner should already know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Beginner,
    Intermediate,
    Advanced,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Beginner => "beginner",
            Difficulty::Intermediate => "intermediate",
            Difficulty::Advanced => "advanced",
        }
    }
}

/// A cluster of the experiment and what it is for.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterUse {
    /// Name of the cluster within the experiment (an RFC 1123 label, e.g. `target`); a kind
    /// cluster is created as `<experiment>-<name>`.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$"))]
    pub name: String,
    /// Where it runs: `kind` (a local kind cluster), `vcluster`, `aks`, `eks` or `gke` (an
    /// ExperimentCluster claim), `hub` (the hub itself) or `talos` (the Talos home lab).
    pub provider: Provider,
    /// What the cluster does: `target` (runs the components), `load-generator` (runs k6),
    /// `observer` (holds the metrics the checks read).
    #[schemars(length(min = 1))]
    pub roles: Vec<Role>,
    /// Node size of a claimed cluster: small, medium or large (ignored by kind, hub and talos).
    #[serde(default)]
    pub size: Size,
}

/// Where a cluster comes from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// A local kind cluster created by `task hub:conduct`.
    Kind,
    /// An ExperimentCluster claim on platform vcluster.
    Vcluster,
    /// An ExperimentCluster claim on platform aks.
    Aks,
    /// An ExperimentCluster claim on platform eks.
    Eks,
    /// An ExperimentCluster claim on platform gke.
    Gke,
    /// The hub cluster itself.
    Hub,
    /// The Talos home lab, a target of the hub.
    Talos,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Kind => "kind",
            Provider::Vcluster => "vcluster",
            Provider::Aks => "aks",
            Provider::Eks => "eks",
            Provider::Gke => "gke",
            Provider::Hub => "hub",
            Provider::Talos => "talos",
        }
    }

    /// The ExperimentCluster `spec.platform` when the cluster is claimed through Crossplane.
    pub fn claim_platform(self) -> Option<&'static str> {
        match self {
            Provider::Vcluster | Provider::Aks | Provider::Eks | Provider::Gke => {
                Some(self.as_str())
            }
            Provider::Kind | Provider::Hub | Provider::Talos => None,
        }
    }
}

/// What a cluster is used for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the experiment's components.
    Target,
    /// Runs the k6 load.
    LoadGenerator,
    /// Holds the metrics the checks query.
    Observer,
}

/// T-shirt size of a claimed cluster's nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    #[default]
    Small,
    Medium,
    Large,
}

/// A catalog component the experiment deploys, with its overrides.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentUse {
    /// Catalog id of the component (`cargo xtask list components`).
    pub id: ComponentId,
    /// Cluster it runs on, by the name given under `clusters`; defaults to the target cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Replicas of a lab image (1–10); charts size themselves from their values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10))]
    pub replicas: Option<u8>,
    /// Environment variables of a lab image; only the variables the app documents are allowed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// The k6 load the lifecycle workflow runs.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Load {
    /// k6 script (an ES module) in the experiment folder, e.g. `load.js`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]*\.(js|mjs)$"))]
    pub script: String,
    /// Component the load is aimed at (its Service URL is passed as `TARGET_URL`).
    pub target: ComponentId,
    /// Virtual users (1–500).
    #[schemars(range(min = 1, max = 500))]
    pub virtual_users: u16,
    /// How long the load runs, k6 style: `30s`, `5m`, `1h`.
    #[schemars(regex(pattern = r"^[1-9][0-9]*(s|m|h)$"))]
    pub duration: String,
    /// k6 thresholds by metric, e.g. `http_req_duration: ["p(95)<500"]`.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Vec<String>>,
    /// Run the load in-cluster with the k6-operator (a TestRun) instead of a workflow step.
    #[serde(default)]
    pub in_cluster: bool,
}

/// A PromQL check: `expr` compared with `value` must hold after the load.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    /// Name of the check in the report: an RFC 1123 label, e.g. `error-ratio-low`.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$"))]
    pub name: String,
    /// What the check proves, in one sentence.
    pub description: String,
    /// PromQL expression returning one sample (wrap it in `sum()` or `max()` if needed).
    #[schemars(length(min = 1))]
    pub expr: String,
    /// How the result compares with `value`: `<`, `<=`, `==`, `!=`, `>=`, `>`.
    pub comparison: Comparison,
    /// The value the result is compared with.
    pub value: f64,
}

impl Check {
    /// The check as one PromQL expression that returns a sample exactly when it holds.
    pub fn condition(&self) -> String {
        format!(
            "({}) {} {}",
            self.expr,
            self.comparison.as_str(),
            self.value
        )
    }
}

/// A PromQL comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Comparison {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
    #[serde(rename = "==")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = ">=")]
    GreaterOrEqual,
    #[serde(rename = ">")]
    Greater,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Equal => "==",
            Comparison::NotEqual => "!=",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Greater => ">",
        }
    }
}

/// Systems side by side, measured by the same questions.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComparisonTable {
    /// The systems compared (2–4 RFC 1123 labels, e.g. `prometheus`, `victoria-metrics`): the
    /// table's columns and the dashboard's legends.
    #[schemars(length(min = 2, max = 4))]
    pub subjects: Vec<Label>,
    /// What is measured of each system: the table's rows; at least one.
    #[schemars(length(min = 1))]
    pub measures: Vec<Measure>,
}

/// An RFC 1123 label of at most 42 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Label(#[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$"))] pub String);

impl Label {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One row of a comparison: the same question asked of every subject.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measure {
    /// Name of the row in the report: an RFC 1123 label, e.g. `ingest-rate`.
    pub name: Label,
    /// Title of the row and of its dashboard panel, e.g. `Samples ingested per second`.
    #[schemars(length(min = 3, max = 80))]
    pub title: String,
    /// Unit of the values.
    pub unit: Unit,
    /// One PromQL expression per subject, keyed by the subject's name; each returns one
    /// sample (wrap it in `sum()` or `max()`).
    pub queries: BTreeMap<String, String>,
}

/// A unit of measured values, as Grafana names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Unit {
    /// A plain number.
    #[serde(rename = "short")]
    Short,
    /// Bytes.
    #[serde(rename = "bytes")]
    Bytes,
    /// Bytes per second.
    #[serde(rename = "Bps")]
    BytesPerSecond,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
    /// Requests per second.
    #[serde(rename = "reqps")]
    RequestsPerSecond,
    /// A ratio from 0 to 1.
    #[serde(rename = "percentunit")]
    Ratio,
}

impl Unit {
    /// Grafana's unit id.
    pub fn grafana(self) -> &'static str {
        match self {
            Unit::Short => "short",
            Unit::Bytes => "bytes",
            Unit::BytesPerSecond => "Bps",
            Unit::Seconds => "s",
            Unit::RequestsPerSecond => "reqps",
            Unit::Ratio => "percentunit",
        }
    }
}

/// A Prometheus alerting rule.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alert {
    /// Alert name in UpperCamelCase, e.g. `Sector12HighErrorRate`.
    #[schemars(regex(pattern = r"^[A-Z][A-Za-z0-9]*$"))]
    pub name: String,
    /// Rule group it belongs to, e.g. `station.sector12`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]*$"))]
    pub group: String,
    /// PromQL condition: the alert is active while it returns samples.
    #[schemars(length(min = 1))]
    pub expr: String,
    /// How long the condition must hold before the alert fires, e.g. `5m` (default `0s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(s|m|h)$"))]
    pub r#for: Option<String>,
    /// info, warning or critical.
    pub severity: Severity,
    /// One line for the notification.
    #[schemars(length(min = 1))]
    pub summary: String,
}

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// A query the tutorial teaches, kept in the spec so CI parses it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Query {
    /// promql, logql or traceql.
    pub language: Language,
    /// The query text.
    #[schemars(length(min = 1))]
    pub expr: String,
    /// What it shows, in one sentence.
    pub description: String,
}

/// A query language of the lab's backends.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Prometheus / Mimir.
    Promql,
    /// Loki.
    Logql,
    /// Tempo.
    Traceql,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Promql, Language::Logql, Language::Traceql];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Promql => "promql",
            Language::Logql => "logql",
            Language::Traceql => "traceql",
        }
    }
}

/// `8h` → 8, `2d` → 48; `None` when the text is not `<n>h` or `<n>d`.
pub fn ttl_hours(ttl: &str) -> Option<u64> {
    let (n, unit) = ttl.split_at(ttl.len().checked_sub(1)?);
    let n: u64 = n.parse().ok()?;
    match unit {
        "h" => Some(n),
        "d" => n.checked_mul(24),
        _ => None,
    }
}

/// `30s` → 30, `5m` → 300, `1h` → 3600.
pub fn duration_seconds(d: &str) -> Option<u64> {
    let (n, unit) = d.split_at(d.len().checked_sub(1)?);
    let n: u64 = n.parse().ok()?;
    match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
}

/// Checked by the schema, then by `crate::load` (files beside it, names, roles).
impl lab_model::input::Input for ExperimentSpec {}
