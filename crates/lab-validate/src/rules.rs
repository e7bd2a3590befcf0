//! Rules across objects, on top of the schemas: what ArgoCD needs to really sync the tree.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use lab_core::{Format, ObjectId, Tree};
use lab_model::Settings;
use regex::Regex;
use serde_json::Value;

use crate::Finding;

/// Where the repository keeps the rendered tree; Application paths are relative to the repo.
const GENERATED: &str = "generated/";

static EXACT_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$").expect("valid regex")
});

pub(crate) fn check(tree: &Tree, settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut app_paths = BTreeSet::new();
    // ArgoCD keeps every Application in its one namespace: names are unique across clusters.
    let mut app_names: std::collections::BTreeMap<String, String> = Default::default();
    for artifact in tree.artifacts() {
        let path = artifact.path.to_string();
        let mut report = |message: String| {
            findings.push(Finding {
                path: path.clone(),
                message,
            })
        };
        // Read the identity from the document itself, whatever the builder declared.
        if artifact.format != Format::Object {
            continue;
        }
        let Some(id) = artifact.documents.first().and_then(ObjectId::from_value) else {
            report("a Kubernetes object without apiVersion, kind or metadata.name".into());
            continue;
        };
        if id.api_version == "v1" && id.kind == "Secret" {
            report(
                "a Secret in generated/ would put credentials in git; use an ExternalSecret from OpenBao"
                    .into(),
            );
        }
        if id.kind != "Application" || id.group() != "argoproj.io" {
            continue;
        }
        if let Some(first) = app_names.insert(id.name.clone(), path.clone()) {
            report(format!(
                "Application {} is also rendered at {first}",
                id.name
            ));
        }
        let doc = &artifact.documents[0];
        for source in sources(doc) {
            let repo = source.get("repoURL").and_then(Value::as_str).unwrap_or("");
            if let Some(chart) = source.get("chart").and_then(Value::as_str) {
                let version = source
                    .get("targetRevision")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !EXACT_VERSION.is_match(version) {
                    report(format!(
                        "chart {chart} is not pinned to an exact version ({version:?})"
                    ));
                }
                for file in value_files(source) {
                    match file
                        .strip_prefix("$values/")
                        .and_then(|f| f.strip_prefix(GENERATED))
                    {
                        Some(rel) => match tree.get(rel) {
                            Some(a) if a.format == Format::HelmValues => {}
                            _ => report(format!(
                                "values file {file} is not a rendered Helm values file"
                            )),
                        },
                        None => report(format!(
                            "values file {file} is not under $values/{GENERATED}"
                        )),
                    }
                }
            } else if repo == settings.repository.url {
                if let Some(p) = source.get("path").and_then(Value::as_str) {
                    match p.strip_prefix(GENERATED) {
                        Some(rel) => {
                            app_paths.insert(format!("{rel}/"));
                        }
                        None => report(format!("path {p} is outside {GENERATED}")),
                    }
                }
            } else {
                report(format!(
                    "source {repo} is neither this repository nor a pinned chart"
                ));
            }
        }
    }
    // An Application's path must hold Kubernetes objects only, and must not be empty.
    for dir in &app_paths {
        let mut seen = false;
        for artifact in tree.artifacts() {
            let path = artifact.path.to_string();
            if path.starts_with(dir.as_str()) {
                seen = true;
                if artifact.format != Format::Object {
                    findings.push(Finding {
                        path,
                        message: format!(
                            "{:?} file inside Application path {dir}; ArgoCD would try to apply it",
                            artifact.format
                        ),
                    });
                }
            }
        }
        if !seen {
            findings.push(Finding {
                path: dir.clone(),
                message: "an Application syncs this folder but nothing is rendered into it".into(),
            });
        }
    }
    findings
}

fn sources(app: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = app
        .pointer("/spec/sources")
        .and_then(Value::as_array)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    out.extend(app.pointer("/spec/source"));
    out
}

fn value_files(source: &Value) -> Vec<&str> {
    source
        .pointer("/helm/valueFiles")
        .and_then(Value::as_array)
        .map(|files| files.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}
