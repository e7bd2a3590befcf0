//! The ADRs are part of the lab's contract: each has every section in one heading style, is
//! listed in `docs/adrs/README.md`, and what it claims about versions and components (its
//! fenced `claims` block) holds in `platform/versions.yaml` and the committed `generated/`.
//!
//! Claim lines, one per line inside a fenced block whose info string is `claims`:
//!
//! - `chart NAME VERSION` — versions.yaml pins chart NAME at VERSION, and every rendered
//!   Application source using that chart targets VERSION;
//! - `image NAME TAG` — versions.yaml pins image NAME at TAG;
//! - `application NAME` / `no-application NAME` — an Application NAME is (is not) rendered;
//! - `object KIND [NAMESPACE/]NAME` — such an object is rendered;
//! - `field KIND [NAMESPACE/]NAME PATH = VALUE` — that object's field PATH is VALUE;
//! - `values CLUSTER/APP PATH = VALUE` — `generated/CLUSTER/values/APP.yaml` has PATH = VALUE.
//!
//! PATH is dot-separated; a segment holding dots is written in brackets
//! (`metadata.labels[pod-security.kubernetes.io/enforce]`); a number indexes a list.
//!
//! The secrets page is held to the same standard: every OpenBao path the tree reads is listed.

use std::collections::BTreeMap;
use std::path::Path;

use lab_core::{Finding, ObjectId};
use lab_model::Versions;
use lab_testkit::repo_root;
use serde_json::Value;

const ADR_DIR: &str = "docs/adrs";
const INDEX: &str = "docs/adrs/README.md";
const SECRETS_PAGE: &str = "docs/secrets.md";
/// Every ADR's second-level headings, in this order and no others.
const SECTIONS: [&str; 6] = [
    "Status",
    "Date",
    "Context",
    "Decision",
    "Alternatives considered",
    "Consequences",
];
const STATUSES: [&str; 4] = ["Proposed", "Accepted", "Deprecated", "Superseded"];

/// One ADR as the checks see it.
#[derive(Debug)]
struct Adr {
    /// Path from the repository root, for findings.
    file: String,
    number: String,
    title: String,
    /// Second-level headings in order, with the first paragraph under each.
    sections: Vec<(String, String)>,
    /// Claim lines with their 1-based line numbers.
    claims: Vec<(usize, String)>,
}

impl Adr {
    fn parse(file: &str, text: &str) -> Self {
        let mut title_line = "";
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut claims = Vec::new();
        let mut fence: Option<bool> = None; // Some(is_claims) inside a fence
        for (i, line) in text.lines().enumerate() {
            if let Some(is_claims) = fence {
                if line.trim_start().starts_with("```") {
                    fence = None;
                } else if is_claims && !line.trim().is_empty() {
                    claims.push((i + 1, line.trim().to_owned()));
                }
                continue;
            }
            if let Some(info) = line.trim_start().strip_prefix("```") {
                fence = Some(info.trim() == "claims");
            } else if let Some(t) = line.strip_prefix("# ") {
                if title_line.is_empty() {
                    title_line = t;
                }
            } else if let Some(h) = line.strip_prefix("## ") {
                sections.push((h.trim().to_owned(), String::new()));
            } else if let Some((_, body)) = sections.last_mut()
                && !line.trim().is_empty()
            {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(line.trim());
            }
        }
        let (number, title) = title_line
            .strip_prefix("ADR ")
            .and_then(|t| t.split_once(": "))
            .map(|(n, t)| (n.to_owned(), t.trim().to_owned()))
            .unwrap_or_default();
        Self {
            file: file.to_owned(),
            number,
            title,
            sections,
            claims,
        }
    }

    fn section(&self, name: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, b)| b.as_str())
    }

    /// The first line of the Status section: `Accepted`, `Superseded by ADR 0003`, ….
    fn status(&self) -> &str {
        self.section("Status")
            .and_then(|b| b.lines().next())
            .unwrap_or("")
    }

    fn date(&self) -> &str {
        self.section("Date")
            .and_then(|b| b.lines().next())
            .unwrap_or("")
    }

    fn finding(&self, rule: &'static str, message: impl Into<String>) -> Finding {
        Finding::file(&self.file, rule, message)
    }

    /// Headings, title, status and date in the one style every ADR follows.
    fn structure(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let stem = Path::new(&self.file)
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("");
        if self.number.len() != 4 || !stem.starts_with(&format!("{}-", self.number)) {
            out.push(self.finding(
                "adr-title",
                "the first line must be `# ADR NNNN: Title` with NNNN the file's number",
            ));
        }
        let headings: Vec<&str> = self.sections.iter().map(|(h, _)| h.as_str()).collect();
        if headings != SECTIONS {
            out.push(self.finding(
                "adr-sections",
                format!("sections are {headings:?}; expected exactly {SECTIONS:?}"),
            ));
        }
        for (heading, body) in &self.sections {
            if body.is_empty() {
                out.push(self.finding("adr-sections", format!("`## {heading}` is empty")));
            }
        }
        if !STATUSES.iter().any(|s| self.status().starts_with(s)) {
            out.push(self.finding(
                "adr-status",
                format!("status {:?} is none of {STATUSES:?}", self.status()),
            ));
        }
        if !is_date(self.date()) {
            out.push(self.finding(
                "adr-date",
                format!("date {:?} is not YYYY-MM-DD", self.date()),
            ));
        }
        let alternatives = self.section("Alternatives considered").unwrap_or("");
        if !alternatives.lines().any(|l| l.starts_with("- ")) {
            out.push(self.finding(
                "adr-alternatives",
                "`## Alternatives considered` lists no alternative (`- **Name**: trade-offs`)",
            ));
        }
        out
    }

    /// The row this ADR must have in the index.
    fn index_row(&self) -> String {
        let link = Path::new(&self.file)
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("");
        format!(
            "| [{}]({link}) | {} | {} | {} |",
            self.number,
            self.title,
            self.status(),
            self.date()
        )
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// What the claims are checked against: the pinned versions and every rendered object.
struct World {
    versions: Versions,
    /// Rendered objects by identity, with the file each came from.
    objects: BTreeMap<(String, Option<String>, String), (String, Value)>,
    /// Helm values files by `cluster/app`.
    values: BTreeMap<String, Value>,
    /// Every OpenBao key an ExternalSecret (or a Composition's ExternalSecret base) reads,
    /// with the file it is read in.
    openbao_keys: BTreeMap<String, String>,
}

impl World {
    fn load(root: &Path) -> Self {
        let versions = lab::Inputs::load(root).expect("inputs load").versions;
        let tree = lab_core::fs::read_tree(&root.join("generated")).expect("generated/ reads");
        let mut objects = BTreeMap::new();
        let mut values = BTreeMap::new();
        let mut openbao_keys = BTreeMap::new();
        for (path, bytes) in &tree {
            if !path.ends_with(".yaml") {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("generated/{path} does not parse: {e}"));
            if let Some((cluster, app)) = values_key(path) {
                values.insert(format!("{cluster}/{app}"), docs.into_iter().next().unwrap());
                continue;
            }
            for doc in docs {
                remote_keys(&doc, &mut |key: &str| {
                    openbao_keys
                        .entry(key.to_owned())
                        .or_insert_with(|| path.clone());
                });
                if let Some(id) = ObjectId::from_value(&doc) {
                    objects.insert((id.kind, id.namespace, id.name), (path.clone(), doc));
                }
            }
        }
        Self {
            versions,
            objects,
            values,
            openbao_keys,
        }
    }

    fn object(&self, kind: &str, target: &str) -> Option<&Value> {
        let (namespace, name) = match target.split_once('/') {
            Some((ns, name)) => (Some(ns.to_owned()), name),
            None => (None, target),
        };
        self.objects
            .get(&(kind.to_owned(), namespace, name.to_owned()))
            .map(|(_, v)| v)
    }

    fn applications(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.objects
            .iter()
            .filter(|((kind, _, _), _)| kind == "Application")
            .map(|((_, _, name), (_, v))| (name.as_str(), v))
    }

    /// Every problem with one claim line; empty when it holds.
    fn check(&self, claim: &str) -> Vec<String> {
        let words: Vec<&str> = claim.split_whitespace().collect();
        let assertion = claim.split_once(" = ").map(|(_, v)| v.trim());
        match (words.as_slice(), assertion) {
            (["chart", name, version], None) => self.chart(name, version),
            (["image", name, tag], None) => match self.versions.images.get(*name) {
                None => vec![format!("versions.yaml pins no image {name}")],
                Some(i) if i.tag != *tag => {
                    vec![format!("versions.yaml pins image {name} at {}", i.tag)]
                }
                Some(_) => vec![],
            },
            (["application", name], None) => {
                if self.applications().any(|(n, _)| n == *name) {
                    vec![]
                } else {
                    vec![format!("no Application {name} is rendered")]
                }
            }
            (["no-application", name], None) => {
                if self.applications().any(|(n, _)| n == *name) {
                    vec![format!("an Application {name} is rendered")]
                } else {
                    vec![]
                }
            }
            (["object", kind, target], None) => match self.object(kind, target) {
                Some(_) => vec![],
                None => vec![format!("no {kind} {target} is rendered")],
            },
            (["field", kind, target, path, "=", ..], Some(want)) => {
                match self.object(kind, target) {
                    None => vec![format!("no {kind} {target} is rendered")],
                    Some(obj) => compare(obj, path, want, &format!("{kind} {target}")),
                }
            }
            (["values", app, path, "=", ..], Some(want)) => match self.values.get(*app) {
                None => vec![format!("no values file for {app} is rendered")],
                Some(v) => compare(v, path, want, &format!("values of {app}")),
            },
            _ => vec![format!("unknown claim form {claim:?}")],
        }
    }

    fn chart(&self, name: &str, version: &str) -> Vec<String> {
        let mut out = Vec::new();
        match self.versions.charts.get(name) {
            None => out.push(format!("versions.yaml pins no chart {name}")),
            Some(c) if c.version != version => out.push(format!(
                "versions.yaml pins chart {name} at {}, not {version}",
                c.version
            )),
            Some(_) => {}
        }
        for (app, value) in self.applications() {
            let sources = value.pointer("/spec/sources").and_then(Value::as_array);
            for source in sources.into_iter().flatten() {
                if source.get("chart").and_then(Value::as_str) == Some(name) {
                    let rendered = source.get("targetRevision").and_then(Value::as_str);
                    if rendered != Some(version) {
                        out.push(format!(
                            "Application {app} renders chart {name} at {}, not {version}",
                            rendered.unwrap_or("no version")
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Calls `found` with every `remoteRef.key` anywhere below `value`.
fn remote_keys(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(map) => {
            if let Some(key) = map
                .get("remoteRef")
                .and_then(|r| r.get("key"))
                .and_then(Value::as_str)
            {
                found(key);
            }
            map.values().for_each(|v| remote_keys(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| remote_keys(v, found)),
        _ => {}
    }
}

/// `hub/values/loki.yaml` → (`hub`, `loki`); any depth of cluster folder.
fn values_key(path: &str) -> Option<(&str, &str)> {
    let (dir, file) = path.rsplit_once('/')?;
    let cluster = dir.strip_suffix("/values")?;
    Some((cluster, file.strip_suffix(".yaml")?))
}

/// Splits `a.b[c.d].0` into `a`, `b`, `c.d`, `0`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut bracket = false;
    for c in path.chars() {
        match c {
            '[' if !bracket => {
                bracket = true;
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            ']' if bracket => {
                bracket = false;
                out.push(std::mem::take(&mut current));
            }
            '.' if !bracket => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn compare(root: &Value, path: &str, want: &str, what: &str) -> Vec<String> {
    let mut at = root;
    for seg in segments(path) {
        let next = match at {
            Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(&seg),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return vec![format!("{what} has no {path}")],
        }
    }
    let got = match at {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if got == want {
        vec![]
    } else {
        vec![format!("{what}: {path} is {got:?}, not {want:?}")]
    }
}

fn adrs(root: &Path) -> Vec<Adr> {
    let mut files: Vec<_> = std::fs::read_dir(root.join(ADR_DIR))
        .expect("docs/adrs reads")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name()
                    .and_then(|f| f.to_str())
                    .is_some_and(|f| f.as_bytes()[0].is_ascii_digit())
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            Adr::parse(&rel, &std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

fn claim_findings(adr: &Adr, world: &World) -> Vec<Finding> {
    adr.claims
        .iter()
        .flat_map(|(line, claim)| {
            world
                .check(claim)
                .into_iter()
                .map(move |m| adr.finding("adr-claim", format!("line {line}: `{claim}`: {m}")))
        })
        .collect()
}

fn index_findings(adrs: &[Adr], index: &str) -> Vec<Finding> {
    let rows: Vec<&str> = index
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("| ["))
        .collect();
    let expected: Vec<String> = adrs.iter().map(Adr::index_row).collect();
    if rows == expected {
        return vec![];
    }
    vec![Finding::file(
        INDEX,
        "adr-index",
        format!(
            "the index rows differ from the ADRs; they must read, in order:\n{}",
            expected.join("\n")
        ),
    )]
}

fn report(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_adr_has_every_section_and_is_indexed() {
    let root = repo_root();
    let adrs = adrs(&root);
    assert!(adrs.len() >= 14, "found only {} ADRs", adrs.len());
    let index = std::fs::read_to_string(root.join(INDEX)).expect("docs/adrs/README.md");
    let mut findings: Vec<Finding> = adrs.iter().flat_map(Adr::structure).collect();
    findings.extend(index_findings(&adrs, &index));
    assert!(findings.is_empty(), "{}", report(&findings));
}

#[test]
fn every_adr_claim_holds_in_the_rendered_tree() {
    let root = repo_root();
    let world = World::load(&root);
    let adrs = adrs(&root);
    let claims: usize = adrs.iter().map(|a| a.claims.len()).sum();
    assert!(
        claims >= adrs.len(),
        "only {claims} claims in {} ADRs",
        adrs.len()
    );
    let findings: Vec<Finding> = adrs
        .iter()
        .flat_map(|a| claim_findings(a, &world))
        .collect();
    assert!(findings.is_empty(), "{}", report(&findings));
}

/// Every OpenBao path the rendered tree reads is listed in `docs/secrets.md` as
/// `` `secret/<path>` ``, so a learner knows what to `bao kv put` before it is needed.
fn undocumented_secrets(world: &World, page: &str) -> Vec<Finding> {
    world
        .openbao_keys
        .iter()
        .filter(|(key, _)| !page.contains(&format!("`secret/{key}`")))
        .map(|(key, file)| {
            Finding::file(
                SECRETS_PAGE,
                "secret-documented",
                format!("OpenBao path secret/{key}, read in generated/{file}, is not listed"),
            )
        })
        .collect()
}

#[test]
fn every_openbao_path_the_tree_reads_is_in_the_secrets_page() {
    let root = repo_root();
    let world = World::load(&root);
    assert!(world.openbao_keys.len() >= 4, "{:?}", world.openbao_keys);
    let page = std::fs::read_to_string(root.join(SECRETS_PAGE)).expect("docs/secrets.md");
    let findings = undocumented_secrets(&world, &page);
    assert!(findings.is_empty(), "{}", report(&findings));
    // And the check can fail: a page without the table names every path.
    let bare = undocumented_secrets(&world, "# Secrets\n");
    assert_eq!(bare.len(), world.openbao_keys.len());
}

/// An ADR as a test writes it: all sections, the given claims.
fn sample(claims: &str) -> Adr {
    let text = format!(
        "# ADR 0099: Sample\n\n## Status\nAccepted\n\n## Date\n2026-12-01\n\n## Context\nc\n\n\
         ## Decision\nd\n\n```claims\n{claims}\n```\n\n## Alternatives considered\n- **x**: y\n\n\
         ## Consequences\nz\n"
    );
    Adr::parse("docs/adrs/0099-sample.md", &text)
}

#[test]
fn a_wrong_claim_of_each_form_is_a_finding_and_a_true_one_is_not() {
    let world = World::load(&repo_root());
    let loki = &world.versions.charts["loki"].version;
    let seaweedfs = &world.versions.images["seaweedfs"].tag;
    let truths = format!(
        "chart loki {loki}\nimage seaweedfs {seaweedfs}\napplication loki\n\
         no-application elasticsearch\nobject ClusterSecretStore openbao\n\
         field Namespace demo metadata.labels[pod-security.kubernetes.io/enforce] = baseline\n\
         values hub/loki deploymentMode = SingleBinary"
    );
    let adr = sample(&truths);
    assert_eq!(adr.claims.len(), 7);
    assert_eq!(claim_findings(&adr, &world), vec![]);
    assert_eq!(adr.structure(), vec![]);

    let lies = [
        ("chart loki 0.0.1", "pins chart loki at"),
        ("chart loki 0.0.1", "Application loki renders chart loki"),
        ("chart no-such-chart 1.0.0", "pins no chart no-such-chart"),
        ("image seaweedfs 0.0.1", "pins image seaweedfs at"),
        ("application elasticsearch", "no Application elasticsearch"),
        ("no-application loki", "an Application loki is rendered"),
        (
            "object ClusterIssuer letsencrypt",
            "no ClusterIssuer letsencrypt",
        ),
        (
            "field Namespace demo metadata.labels[pod-security.kubernetes.io/enforce] = restricted",
            "is \"baseline\", not \"restricted\"",
        ),
        (
            "values hub/loki deploymentMode = Distributed",
            "not \"Distributed\"",
        ),
        ("values hub/loki no.such.key = 1", "has no no.such.key"),
        ("chart loki", "unknown claim form"),
    ];
    for (lie, expected) in lies {
        let findings = claim_findings(&sample(lie), &world);
        assert!(
            findings
                .iter()
                .any(|f| f.rule == "adr-claim" && f.message.contains(expected)),
            "`{lie}` should give a finding containing {expected:?}, got: {}",
            report(&findings)
        );
    }
}

#[test]
fn a_missing_section_bad_status_or_stale_index_row_is_a_finding() {
    let no_alternatives = Adr::parse(
        "docs/adrs/0099-sample.md",
        "# ADR 0099: Sample\n\n## Status\nMaybe\n\n## Date\nsoon\n\n## Context\nc\n\n\
         ## Decision\nd\n\n## Consequences\nz\n",
    );
    let rules: Vec<&str> = no_alternatives.structure().iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        ["adr-sections", "adr-status", "adr-date", "adr-alternatives"]
    );

    let adr = sample("");
    let good = format!(
        "| # | Title | Status | Date |\n|---|---|---|---|\n{}\n",
        adr.index_row()
    );
    assert_eq!(index_findings(std::slice::from_ref(&adr), &good), vec![]);
    let stale = good.replace("Accepted", "Proposed");
    assert_eq!(index_findings(&[adr], &stale)[0].rule, "adr-index");
}
