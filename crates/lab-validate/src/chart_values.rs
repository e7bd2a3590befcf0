//! Rule `chart-values`: every key the lab's Helm values set exists in the chart they configure,
//! at the pinned version, with a compatible type. Helm silently ignores a key it does not know,
//! so a misspelt or moved key would leave the cluster on the chart's default.
//!
//! The facts are vendored data (`crates/lab-upstream/charts/<chart>-<version>.json`, written by
//! `cargo xtask charts`): the *structure* of the chart's default values (key paths and value
//! types, no text) merged with its `values.schema.json`, which is also kept (stripped of prose)
//! for rule `chart-values-schema`. The check reads only the rendered tree: each Application's
//! chart source (`chart`, `targetRevision`) and the values files it names.
//!
//! A map is **free-form** (any key accepted below it) when
//! 1. its default is an empty map `{}` — charts use `{}` for "put your own keys here";
//! 2. its key is a Kubernetes pass-through field the chart copies verbatim with `toYaml`, whose
//!    keys the chart cannot list: see [`FREE_FORM_KEYS`] and [`FREE_FORM_SUFFIXES`];
//! 3. it configures a subchart (a Chart.yaml dependency, by alias or name) whose own values are
//!    not vendored. When the chart's sources include the subchart (`charts/<name>/`, as
//!    `helm pull` unpacks it), its values structure is vendored under that key
//!    ([`ChartFacts::subchart_sources`]) and checked like the chart's own; otherwise the key
//!    paths set below it are counted as unchecked ([`Outcome::paths_subchart`]);
//! 4. the chart's schema says so (`additionalProperties` a schema, or `true` without
//!    `properties`, `patternProperties`, or an object type without `properties`: then
//!    everything below is free-form too);
//! 5. the chart's templates (or `tpl` strings in its values) pass it on verbatim — `toYaml`,
//!    `toJson` or `range $k, $v :=` over `.Values.<path>` (not when only hashed with
//!    `sha256sum`) — or its key is a file name (`grafana.ini`, `config.yaml`): a config file
//!    the chart writes out as it is. Everything below such a map is free-form too.
//!
//! Keys the templates read (`.Values.<path>`) exist even when values.yaml leaves them out or
//! only mentions them in a comment; their type is then unknown (any). Where the schema gives a
//! key's type, the schema wins over the type of the default.
//!
//! Lists are checked as lists; their items are not (chart defaults rarely show an item).
//! A `null` default accepts any type; setting a key to `null` (Helm's "delete this default")
//! is always accepted.
//!
//! A chart an Application uses without facts is rule `chart-facts-missing`, so coverage cannot
//! shrink silently when a chart is added or bumped. The one exception is a pin that
//! `charts.lock` records as `missing` at exactly that version, with the reason: it is listed as
//! unchecked on every run (not a finding), and bumping the pin makes it a finding again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use lab_core::{Artifact, Finding, Format, ObjectId, Tree, layout};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const RULE: &str = "chart-values";
pub const RULE_SCHEMA: &str = "chart-values-schema";
pub const RULE_MISSING: &str = "chart-facts-missing";

/// Keys whose maps are Kubernetes types or user maps the chart passes through verbatim.
pub const FREE_FORM_KEYS: &[&str] = &[
    "affinity",
    "annotations",
    "env",
    "extraArgs",
    "extraEnv",
    "labels",
    "nodeSelector",
    "resources",
    "securityContext",
];

/// Suffixes of pass-through keys, e.g. `podAnnotations`, `serviceLabels`,
/// `containerSecurityContext`.
pub const FREE_FORM_SUFFIXES: &[&str] = &[
    "Affinity",
    "Annotations",
    "Labels",
    "NodeSelector",
    "Resources",
    "SecurityContext",
];

/// A value's shape in a chart's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    Leaf(Leaf),
    Map(MapNode),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Leaf {
    String,
    Number,
    Boolean,
    List,
    /// A `null` default, or a schema that allows several types: any value fits.
    Any,
}

/// A map: the keys the chart knows and whether it accepts others.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MapNode {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, Node>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open: bool,
}

/// One chart at one version, as vendored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartFacts {
    pub chart: String,
    pub version: String,
    /// Chart.yaml `appVersion`: the release of the software (and of its CRDs) the chart
    /// installs. None when the sources were an unreleased Chart.yaml template whose version
    /// fields the project stamps only when it packages the chart.
    #[serde(
        default,
        rename = "appVersion",
        skip_serializing_if = "Option::is_none"
    )]
    pub app_version: Option<String>,
    /// Chart.yaml dependencies (alias or name): their values are free-form here unless
    /// [`Self::subchart_sources`] has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcharts: Vec<String>,
    /// Subcharts (alias or name → `<chart> <version>`) whose values structure was vendored from
    /// the chart's sources into [`Self::values`] under their key: checked, not free-form.
    #[serde(
        default,
        rename = "subchartSources",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub subchart_sources: BTreeMap<String, String>,
    pub values: MapNode,
    /// The chart's `values.schema.json` without prose (descriptions, titles, examples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
}

impl ChartFacts {
    /// Facts from a chart's default values (already parsed), its schema, its dependencies and
    /// what its templates read ([`template_refs`] of every template and of values.yaml).
    pub fn derive(
        chart: &str,
        version: &str,
        defaults: &Value,
        schema: Option<&Value>,
        subcharts: Vec<String>,
        refs: &[TemplateRef],
    ) -> Self {
        let mut values = match node_of(None, defaults) {
            Node::Map(m) => m,
            // An empty or scalar values.yaml: the chart takes no structured values.
            Node::Leaf(_) => MapNode::default(),
        };
        for sub in &subcharts {
            values.keys.entry(sub.clone()).or_insert_with(|| {
                Node::Map(MapNode {
                    keys: BTreeMap::new(),
                    open: true,
                })
            });
            if let Some(Node::Map(m)) = values.keys.get_mut(sub) {
                m.open = true;
            }
        }
        for r in refs {
            apply_ref(&mut values, r);
        }
        let schema = schema.map(strip_prose);
        if let Some(s) = &schema {
            let mut root = Node::Map(values);
            merge_schema(&mut root, s, s, 0);
            values = match root {
                Node::Map(m) => m,
                Node::Leaf(_) => unreachable!("merging never turns a map into a leaf"),
            };
        }
        Self {
            chart: chart.to_owned(),
            version: version.to_owned(),
            app_version: None,
            subcharts,
            subchart_sources: BTreeMap::new(),
            values,
            schema,
        }
    }

    /// Puts a subchart's values structure under its key (`alias`, or its name): the keys the
    /// parent's own defaults and templates give there stay, the subchart's are added, and the
    /// map is open only where the subchart's is. Helm passes exactly this subtree to the subchart.
    pub fn with_subchart(&mut self, alias: &str, sub: &ChartFacts) {
        let mut node = sub.values.clone();
        if let Some(Node::Map(parent)) = self.values.keys.get(alias) {
            merge_maps(&mut node, parent);
        }
        self.values.keys.insert(alias.to_owned(), Node::Map(node));
        self.subchart_sources
            .insert(alias.to_owned(), format!("{} {}", sub.chart, sub.version));
    }

    /// Root keys configuring a subchart whose values are not vendored.
    pub fn is_unvendored_subchart(&self, key: &str) -> bool {
        self.subcharts.iter().any(|s| s == key) && !self.subchart_sources.contains_key(key)
    }

    /// Number of key paths the facts know (for reports).
    pub fn key_count(&self) -> usize {
        fn count(m: &MapNode) -> usize {
            m.keys
                .values()
                .map(|n| {
                    1 + match n {
                        Node::Map(m) => count(m),
                        Node::Leaf(_) => 0,
                    }
                })
                .sum()
        }
        count(&self.values)
    }
}

/// Adds `over`'s keys to `base`: a key only `over` has is taken as it is, a map both have is
/// merged, and where `base` knows nothing of the type (`any`) `over`'s node wins.
fn merge_maps(base: &mut MapNode, over: &MapNode) {
    for (k, o) in &over.keys {
        match (base.keys.get_mut(k), o) {
            (None, _) => {
                base.keys.insert(k.clone(), o.clone());
            }
            (Some(Node::Map(b)), Node::Map(o)) => merge_maps(b, o),
            (Some(b @ Node::Leaf(Leaf::Any)), o) => *b = o.clone(),
            (Some(_), _) => {}
        }
    }
}

fn is_free_form_name(key: &str) -> bool {
    FREE_FORM_KEYS.contains(&key) || FREE_FORM_SUFFIXES.iter().any(|s| key.ends_with(s))
}

/// A config file's name as a key: its content is written out verbatim.
fn is_file_name(key: &str) -> bool {
    [
        ".ini",
        ".yaml",
        ".yml",
        ".toml",
        ".json",
        ".conf",
        ".cfg",
        ".properties",
    ]
    .iter()
    .any(|ext| key.ends_with(ext))
}

/// Opens a map and every map below it (known keys keep their types).
fn open_deep(m: &mut MapNode) {
    m.open = true;
    for child in m.keys.values_mut() {
        if let Node::Map(c) = child {
            open_deep(c);
        }
    }
}

/// A `.Values.<path>` a chart's template (or a `tpl` string in its values) reads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TemplateRef {
    pub path: Vec<String>,
    /// Passed on verbatim (`toYaml`, `toJson`, `range $k, $v :=`): free-form below.
    pub verbatim: bool,
}

static VALUES_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)").expect("valid regex"));
static VERBATIM_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:toYaml|toJson|toPrettyJson|toRawJson|omit)\s+\(?|range\s+\$[A-Za-z0-9_]*\s*,\s*\$[A-Za-z0-9_]*\s*:=\s*\(?)\s*\$?$")
        .expect("valid regex")
});
static VERBATIM_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\|\s*(?:toYaml|toJson|toPrettyJson|toRawJson)\b").expect("valid regex")
});
/// `{{ with .Values.x }}` … `toYaml .` … `{{ end }}`: the same, one step removed.
static WITH_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bwith\s+\$?$").expect("valid regex"));
static DOT_VERBATIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:toYaml|toJson|toPrettyJson|toRawJson)\s+\.\s*[|)}]|\(?\.\s*\|\s*(?:toYaml|toJson|toPrettyJson|toRawJson)\b|range\s+\$[A-Za-z0-9_]*\s*,\s*\$[A-Za-z0-9_]*\s*:=\s*\.\s")
        .expect("valid regex")
});
static HASHED_AFTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\)?\s*\|\s*sha(?:1|256)sum\b").expect("valid regex"));

/// Every `.Values.<path>` in a template's text, and whether it is passed on verbatim.
pub fn template_refs(text: &str) -> Vec<TemplateRef> {
    let mut out: Vec<TemplateRef> = VALUES_REF
        .captures_iter(text)
        .map(|c| {
            let whole = c.get(0).expect("match");
            let before = &text[..whole.start()];
            let before = &before[before.len().saturating_sub(80)..];
            let before = before.trim_end_matches(['.', '$']);
            let after = &text[whole.end()..];
            let with_body = || {
                let body = after.split("end }}").next().unwrap_or("");
                let body = body.split("end -}}").next().unwrap_or("");
                DOT_VERBATIM.is_match(body)
            };
            let verbatim = (VERBATIM_BEFORE.is_match(before)
                || VERBATIM_AFTER.is_match(after)
                || (WITH_BEFORE.is_match(before) && with_body()))
                && !HASHED_AFTER.is_match(after);
            TemplateRef {
                path: c[1][1..].split('.').map(str::to_owned).collect(),
                verbatim,
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn apply_ref(root: &mut MapNode, r: &TemplateRef) {
    let Some((last, parents)) = r.path.split_last() else {
        return;
    };
    let mut m = root;
    for key in parents {
        let child = m
            .keys
            .entry(key.clone())
            .or_insert_with(|| Node::Map(MapNode::default()));
        if let Node::Leaf(Leaf::Any) = child {
            *child = Node::Map(MapNode::default());
        }
        match child {
            Node::Map(c) => m = c,
            // The defaults say this is a scalar or a list: the template reads something else.
            Node::Leaf(_) => return,
        }
    }
    let node = m.keys.entry(last.clone()).or_insert(Node::Leaf(Leaf::Any));
    if r.verbatim
        && let Node::Map(c) = node
    {
        open_deep(c);
    }
}

fn node_of(key: Option<&str>, v: &Value) -> Node {
    match v {
        Value::Null => Node::Leaf(Leaf::Any),
        Value::Bool(_) => Node::Leaf(Leaf::Boolean),
        Value::Number(_) => Node::Leaf(Leaf::Number),
        Value::String(_) => Node::Leaf(Leaf::String),
        Value::Array(_) => Node::Leaf(Leaf::List),
        Value::Object(m) => {
            let mut node = MapNode {
                open: m.is_empty() || key.is_some_and(is_free_form_name),
                keys: m
                    .iter()
                    .map(|(k, v)| (k.clone(), node_of(Some(k), v)))
                    .collect(),
            };
            if key.is_some_and(is_file_name) {
                open_deep(&mut node);
            }
            Node::Map(node)
        }
    }
}

/// Schema keywords that are prose, not structure: never vendored.
const PROSE: &[&str] = &[
    "$comment",
    "description",
    "examples",
    "markdownDescription",
    "title",
];

/// Keywords whose value is a map of name → subschema.
const SCHEMA_MAPS: &[&str] = &[
    "$defs",
    "definitions",
    "dependentSchemas",
    "patternProperties",
    "properties",
];

/// The schema without prose; property *names* such as `description` are kept.
pub fn strip_prose(schema: &Value) -> Value {
    match schema {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if PROSE.contains(&k.as_str()) {
                    continue;
                }
                let v = if SCHEMA_MAPS.contains(&k.as_str()) {
                    match v {
                        Value::Object(props) => Value::Object(
                            props
                                .iter()
                                .map(|(name, s)| (name.clone(), strip_prose(s)))
                                .collect(),
                        ),
                        other => other.clone(),
                    }
                } else if matches!(k.as_str(), "enum" | "const" | "default" | "required") {
                    v.clone()
                } else {
                    strip_prose(v)
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strip_prose).collect()),
        other => other.clone(),
    }
}

/// Follows a local `$ref` (`#/…`); other references are left alone.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                Some(t) => s = t,
                None => break,
            },
            _ => break,
        }
    }
    s
}

fn schema_types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn leaf_of_schema(s: &Value) -> Node {
    let types: Vec<&str> = schema_types(s)
        .into_iter()
        .filter(|t| *t != "null")
        .collect();
    match types.as_slice() {
        ["string"] => Node::Leaf(Leaf::String),
        ["number"] | ["integer"] | ["integer", "number"] | ["number", "integer"] => {
            Node::Leaf(Leaf::Number)
        }
        ["boolean"] => Node::Leaf(Leaf::Boolean),
        ["array"] => Node::Leaf(Leaf::List),
        ["object"] => Node::Map(MapNode::default()),
        _ if s.get("properties").is_some() => Node::Map(MapNode::default()),
        _ => Node::Leaf(Leaf::Any),
    }
}

/// Adds what the schema knows to the structure from the defaults: its properties (so a key the
/// schema documents but the defaults omit exists) and its free-form objects.
fn merge_schema(node: &mut Node, schema: &Value, root: &Value, depth: usize) {
    if depth > 64 {
        return;
    }
    let s = resolve(schema, root);
    for combinator in ["allOf", "anyOf", "oneOf"] {
        for sub in s
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            merge_schema(node, sub, root, depth + 1);
        }
    }
    let props = s.get("properties").and_then(Value::as_object);
    let is_object = schema_types(s).contains(&"object") || props.is_some();
    if !is_object {
        // The schema's type wins over the default's (e.g. `"-"` meaning "inherit" where a
        // boolean is allowed too).
        if let Node::Leaf(_) = node
            && !schema_types(s).is_empty()
        {
            *node = leaf_of_schema(s);
        }
        return;
    }
    if let Node::Leaf(Leaf::Any) = node {
        // A null default the schema describes as an object.
        *node = Node::Map(MapNode::default());
    }
    let Node::Map(m) = node else {
        return;
    };
    match s.get("additionalProperties") {
        Some(Value::Bool(false)) => {}
        // `true` beside listed properties is leniency (often at the root, for subcharts), not
        // a statement that the chart reads other keys: Helm still ignores them.
        Some(Value::Bool(true)) if props.is_some() => {}
        Some(_) => m.open = true,
        // Any object: nothing below is described.
        None if props.is_none() && s.get("patternProperties").is_none() => open_deep(m),
        None => {}
    }
    if s.get("patternProperties").is_some() {
        m.open = true;
    }
    for (k, ps) in props.into_iter().flatten() {
        let ps_resolved = resolve(ps, root);
        let child = m
            .keys
            .entry(k.clone())
            .or_insert_with(|| leaf_of_schema(ps_resolved));
        merge_schema(child, ps, root, depth + 1);
    }
}

/// The lock file beside the facts.
pub const LOCK_FILE: &str = "charts.lock";

/// One pinned chart's line in `charts.lock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    /// sha256 of values.yaml, or `missing` when the sources could not be had.
    pub values_sha: String,
    /// sha256 of values.schema.json, or `-`.
    pub schema_sha: String,
    /// Where the sources came from, or why they are missing.
    pub origin: String,
}

impl LockEntry {
    pub fn is_missing(&self) -> bool {
        self.values_sha == "missing"
    }
}

/// `charts.lock`: `<chart> <version> <values sha256 | missing> <schema sha256 | -> <origin>`.
pub type Lock = BTreeMap<(String, String), LockEntry>;

pub fn parse_lock(text: &str) -> Result<Lock> {
    let mut out = Lock::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(5, ' ');
        let (Some(c), Some(v), Some(vs), Some(ss)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            anyhow::bail!(
                "{LOCK_FILE} line {}: expected `chart version sha sha origin`",
                n + 1
            );
        };
        out.insert(
            (c.to_owned(), v.to_owned()),
            LockEntry {
                values_sha: vs.to_owned(),
                schema_sha: ss.to_owned(),
                origin: parts.next().unwrap_or("").to_owned(),
            },
        );
    }
    Ok(out)
}

pub fn render_lock(lock: &Lock) -> String {
    let mut out = String::from(
        "# Chart facts (<chart>-<version>.json beside this file) and their sources, written by\n\
         # `cargo xtask charts --from DIR`: <chart> <version> <values.yaml sha256 | missing> <values.schema.json sha256 | -> <origin>\n",
    );
    for ((chart, version), l) in lock {
        out.push_str(&format!(
            "{chart} {version} {} {} {}\n",
            l.values_sha, l.schema_sha, l.origin
        ));
    }
    out
}

/// All vendored chart facts, by chart and version, and the pins locked as missing.
#[derive(Debug, Default)]
pub struct Catalog {
    charts: BTreeMap<(String, String), ChartFacts>,
    /// Pins whose sources could not be had, with the reason (from `charts.lock`).
    missing: BTreeMap<(String, String), String>,
}

impl Catalog {
    /// Reads every `*.json` of `dir` (the lock file and anything else are ignored).
    pub fn load(dir: &Path) -> Result<Self> {
        let mut catalog = Catalog::default();
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("reading chart facts in {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let facts: ChartFacts = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not chart facts", path.display()))?;
                catalog.insert(facts);
            }
        }
        let lock = dir.join(LOCK_FILE);
        if let Ok(text) = std::fs::read_to_string(&lock) {
            for (key, entry) in parse_lock(&text)? {
                if entry.is_missing() {
                    catalog.missing.insert(key, entry.origin);
                }
            }
        }
        Ok(catalog)
    }

    /// Records a pin whose sources could not be had (a `missing` line of the lock).
    pub fn acknowledge_missing(&mut self, chart: &str, version: &str, why: &str) {
        self.missing
            .insert((chart.to_owned(), version.to_owned()), why.to_owned());
    }

    pub fn insert(&mut self, facts: ChartFacts) {
        self.charts
            .insert((facts.chart.clone(), facts.version.clone()), facts);
    }

    pub fn get(&self, chart: &str, version: &str) -> Option<&ChartFacts> {
        self.charts.get(&(chart.to_owned(), version.to_owned()))
    }

    pub fn len(&self) -> usize {
        self.charts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.charts.is_empty()
    }
}

/// What the rule found and how much it looked at.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Chart sources of Applications checked against facts.
    pub sources_checked: usize,
    /// Key paths the lab's values set that were looked up in a chart's facts.
    pub paths_checked: usize,
    /// Of those, the ones accepted because they lie under a free-form map.
    pub paths_free_form: usize,
    /// Key paths accepted unchecked because they lie under a subchart whose values are not
    /// vendored (the chart's sources did not include it).
    pub paths_subchart: usize,
    /// Values files also validated against a chart's values.schema.json.
    pub schema_checked: usize,
    /// `<Application>: <chart> <version> (<why>)` for chart sources left unchecked because
    /// `charts.lock` records their sources as missing at exactly that version.
    pub unchecked: Vec<String>,
}

/// An Application's sources: `spec.sources` (multi-source) and `spec.source`.
pub fn app_sources(app: &Value) -> impl Iterator<Item = &Value> {
    app.pointer("/spec/sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(app.pointer("/spec/source"))
}

/// A chart source's chart and version (`chart`, `targetRevision`); None for other sources.
pub fn chart_pin(source: &Value) -> Option<(&str, &str)> {
    Some((
        source.get("chart")?.as_str()?,
        source.get("targetRevision")?.as_str()?,
    ))
}

/// The values files a chart source names (`helm.valueFiles`), as written.
pub fn value_files(source: &Value) -> impl Iterator<Item = &str> {
    source
        .pointer("/helm/valueFiles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The tree paths of the values files a chart source takes from this repository's rendered
/// tree (`$values/generated/…`); the `values-file` rule reports any other.
pub fn rendered_value_files(source: &Value) -> impl Iterator<Item = &str> {
    value_files(source).filter_map(|f| layout::tree_path(f.strip_prefix("$values/")?))
}

/// The rendered Helm values files of a chart source.
fn values_files<'t>(tree: &'t Tree, source: &'t Value) -> impl Iterator<Item = &'t Artifact> {
    rendered_value_files(source)
        .filter_map(|rel| tree.get(rel))
        .filter(|a| a.format == Format::HelmValues)
}

/// For each chart (name, version) the Applications of the tree use: the root keys their values
/// set (so `xtask charts` knows under which subcharts the lab sets values).
pub fn root_keys_set(tree: &Tree) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for artifact in tree.artifacts().filter(|a| a.format == Format::Object) {
        let Some(doc) = artifact.documents.first() else {
            continue;
        };
        if doc.get("kind").and_then(Value::as_str) != Some("Application") {
            continue;
        }
        for source in app_sources(doc) {
            let Some((chart, version)) = chart_pin(source) else {
                continue;
            };
            let keys = out
                .entry((chart.to_owned(), version.to_owned()))
                .or_default();
            for values in values_files(tree, source) {
                for v in &values.documents {
                    keys.extend(v.as_object().into_iter().flatten().map(|(k, _)| k.clone()));
                }
            }
        }
    }
    out
}

/// Checks every Application's chart values in the rendered tree against the catalog.
pub fn check(tree: &Tree, catalog: &Catalog) -> Outcome {
    let mut out = Outcome::default();
    for artifact in tree.artifacts() {
        if artifact.format != Format::Object {
            continue;
        }
        let Some(doc) = artifact.documents.first() else {
            continue;
        };
        let Some(id) = ObjectId::from_value(doc) else {
            continue;
        };
        if id.kind != "Application" || id.group() != "argoproj.io" {
            continue;
        }
        for source in app_sources(doc) {
            let Some(chart) = source.get("chart").and_then(Value::as_str) else {
                continue;
            };
            let version = source
                .get("targetRevision")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some(facts) = catalog.get(chart, version) else {
                let key = (chart.to_owned(), version.to_owned());
                if let Some(why) = catalog.missing.get(&key) {
                    // Known and printed on every run; a pin bump makes it a finding again.
                    out.unchecked
                        .push(format!("{}: {chart} {version} ({why})", id.name));
                    continue;
                }
                out.findings.push(Finding::object(
                    artifact.path.to_string(),
                    &id,
                    RULE_MISSING,
                    format!(
                        "no vendored facts for chart {chart} {version}: its values go unchecked; \
                         run `cargo xtask charts --from DIR` with the chart's sources"
                    ),
                ));
                continue;
            };
            out.sources_checked += 1;
            for values in values_files(tree, source) {
                for doc in &values.documents {
                    let mut walk = Walk {
                        facts,
                        app: &id,
                        file: values.path.as_str(),
                        out: &mut out,
                        in_unvendored_subchart: false,
                    };
                    walk.map(&mut Vec::new(), doc, &facts.values);
                    if let Some(schema) = &facts.schema {
                        out.schema_checked += 1;
                        out.findings
                            .extend(schema_findings(schema, doc).into_iter().map(|m| {
                                Finding::object(
                                    values.path.to_string(),
                                    &id,
                                    RULE_SCHEMA,
                                    format!("chart {chart} {version}: {m}"),
                                )
                            }));
                    }
                }
            }
        }
    }
    out.findings.sort();
    out
}

struct Walk<'a> {
    facts: &'a ChartFacts,
    app: &'a ObjectId,
    file: &'a str,
    out: &'a mut Outcome,
    /// Below a root key that configures a subchart whose values are not vendored.
    in_unvendored_subchart: bool,
}

impl Walk<'_> {
    fn report(&mut self, message: String) {
        self.out
            .findings
            .push(Finding::object(self.file, self.app, RULE, message));
    }

    fn chart(&self) -> String {
        format!("{} {}", self.facts.chart, self.facts.version)
    }

    fn map(&mut self, path: &mut Vec<String>, value: &Value, node: &MapNode) {
        let Value::Object(obj) = value else {
            if !value.is_null() {
                let (got, chart) = (kind_of(value), self.chart());
                self.report(format!(
                    "{} is {got} but chart {chart} has a map there",
                    show(path)
                ));
            }
            return;
        };
        for (key, v) in obj {
            path.push(key.clone());
            self.out.paths_checked += 1;
            let subchart = path.len() == 1 && self.facts.is_unvendored_subchart(key);
            if subchart {
                self.in_unvendored_subchart = true;
            }
            match node.keys.get(key) {
                Some(child) => self.node(path, v, child),
                None if node.open && self.in_unvendored_subchart => {
                    self.out.paths_subchart += 1 + count_paths(v);
                }
                None if node.open => self.out.paths_free_form += count_paths(v),
                None => {
                    let hint = suggest(key, path, node, &self.facts.values)
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    let chart = self.chart();
                    self.report(format!(
                        "{} is not a value of chart {chart}; Helm would ignore it{hint}",
                        show(path)
                    ));
                }
            }
            if subchart {
                self.in_unvendored_subchart = false;
            }
            path.pop();
        }
    }

    fn node(&mut self, path: &mut Vec<String>, value: &Value, node: &Node) {
        if value.is_null() {
            return;
        }
        match node {
            Node::Map(m) => self.map(path, value, m),
            Node::Leaf(leaf) => {
                if let Value::Object(obj) = value {
                    // Nested values the chart does not describe are not looked up.
                    self.out.paths_free_form +=
                        obj.values().map(count_paths).sum::<usize>() + obj.len();
                }
                if !fits(*leaf, value) {
                    let (got, chart) = (kind_of(value), self.chart());
                    self.report(format!(
                        "{} is {got} but chart {chart} has {} there",
                        show(path),
                        leaf_word(*leaf)
                    ));
                }
            }
        }
    }
}

fn fits(leaf: Leaf, value: &Value) -> bool {
    match leaf {
        Leaf::Any => true,
        Leaf::String => value.is_string(),
        Leaf::Number => value.is_number(),
        Leaf::Boolean => value.is_boolean(),
        Leaf::List => value.is_array(),
    }
}

fn leaf_word(leaf: Leaf) -> &'static str {
    match leaf {
        Leaf::String => "a string",
        Leaf::Number => "a number",
        Leaf::Boolean => "a boolean",
        Leaf::List => "a list",
        Leaf::Any => "any value",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Key paths below a value (its own key not counted).
fn count_paths(value: &Value) -> usize {
    match value {
        Value::Object(m) => m.values().map(|v| 1 + count_paths(v)).sum(),
        _ => 0,
    }
}

fn show(path: &[String]) -> String {
    path.iter()
        .map(|k| {
            if k.contains(['.', ' ', '/']) || k.is_empty() {
                format!("{k:?}")
            } else {
                k.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The nearest existing key: a sibling within a small edit distance, else the same key name
/// elsewhere in the chart (a key a chart bump moved), shortest path first.
fn suggest(key: &str, path: &[String], siblings: &MapNode, root: &MapNode) -> Option<String> {
    let parent = &path[..path.len() - 1];
    let lower = key.to_ascii_lowercase();
    let budget = (key.chars().count() / 3).max(2);
    let near = siblings
        .keys
        .keys()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= budget)
        .min();
    if let Some((_, k)) = near {
        let mut p = parent.to_vec();
        p.push(k.clone());
        return Some(show(&p));
    }
    // Moved: below the same parent first, then anywhere in the chart.
    let mut found = Vec::new();
    find_key(siblings, key, &mut parent.to_vec(), &mut found);
    if found.is_empty() {
        find_key(root, key, &mut Vec::new(), &mut found);
        // A key found in several places elsewhere (`enabled`) says nothing about where it went.
        if found.len() > 1 {
            return None;
        }
    }
    found.sort_by_key(|p| (p.len(), p.clone()));
    found.first().map(|p| show(p))
}

fn find_key(node: &MapNode, key: &str, at: &mut Vec<String>, found: &mut Vec<Vec<String>>) {
    for (k, child) in &node.keys {
        at.push(k.clone());
        if k == key {
            found.push(at.clone());
        }
        if let Node::Map(m) = child {
            find_key(m, key, at, found);
        }
        at.pop();
    }
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != *cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The lab's values against the chart's schema. Helm validates the values *merged with the
/// chart's defaults*; the defaults are not vendored, so `required` is dropped (a default may
/// supply what the lab leaves out) and everything else must hold for the lab's values alone.
pub fn schema_findings(schema: &Value, values: &Value) -> Vec<String> {
    let relaxed = drop_required(schema);
    match jsonschema::validator_for(&relaxed) {
        Ok(v) => v
            .iter_errors(values)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("{}: {e}", if at.is_empty() { "/".into() } else { at })
            })
            .collect(),
        Err(e) => vec![format!("the vendored values schema does not compile: {e}")],
    }
}

fn drop_required(schema: &Value) -> Value {
    match schema {
        Value::Object(m) => Value::Object(
            m.iter()
                // A property *named* `required` holds a schema (an object), never an array.
                .filter(|(k, v)| !(k.as_str() == "required" && v.is_array()))
                .map(|(k, v)| (k.clone(), drop_required(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(drop_required).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_references_and_verbatim_use() {
        let refs = template_refs(
            "{{ .Values.a.b }} {{- toYaml .Values.c.d | nindent 4 }} {{ range $k, $v := .Values.e }}\n\
             {{ .Values.f | toYaml }} {{ toYaml .Values.g | sha256sum }} {{ $.Values.h.i }}\n\
             {{- with .Values.j }}\n  j:\n    {{- tpl (. | toYaml) $ | nindent 4 }}\n{{- end }}\n\
             {{- with .Values.k }}\n  k: {{ . }}\n{{- end }}",
        );
        let got: Vec<(String, bool)> = refs
            .iter()
            .map(|r| (r.path.join("."), r.verbatim))
            .collect();
        assert_eq!(
            got,
            [
                ("a.b".into(), false),
                ("c.d".into(), true),
                ("e".into(), true),
                ("f".into(), true),
                ("g".into(), false),
                ("h.i".into(), false),
                ("j".into(), true),
                ("k".into(), false),
            ]
        );
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn prose_is_stripped_but_a_property_named_description_stays() {
        let s = serde_json::json!({
            "description": "prose",
            "properties": {"description": {"type": "string", "title": "t"}},
        });
        assert_eq!(
            strip_prose(&s),
            serde_json::json!({"properties": {"description": {"type": "string"}}})
        );
    }
}
