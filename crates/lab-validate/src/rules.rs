//! Rules across objects, on top of the schemas: what ArgoCD needs to really sync the tree.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use lab_core::layout::{self, GENERATED};
use lab_core::{Finding, Format, ObjectId, Tree};
use lab_model::Settings;
use regex::Regex;
use serde_json::Value;

use crate::chart_values::{app_sources, value_files};

/// Rule ids.
pub const OBJECT_IDENTITY: &str = "object-identity";
pub const NO_SECRET: &str = "no-secret";
pub const UNIQUE_IN_ARGOCD: &str = "unique-in-argocd";
pub const CHART_PINNED: &str = "chart-pinned";
pub const VALUES_FILE: &str = "values-file";
pub const APP_SOURCE: &str = "app-source";
pub const APP_PATH_OBJECTS: &str = "app-path-objects";

static EXACT_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$").expect("valid regex")
});

pub(crate) fn check(tree: &Tree, settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut app_paths = BTreeSet::new();
    // Every layout's Applications and AppProjects land in the hub's one ArgoCD namespace:
    // group, kind and name must be unique across all of them.
    let mut in_argocd: BTreeMap<(String, String, String), String> = BTreeMap::new();
    let generated = format!("{GENERATED}/");
    for artifact in tree.artifacts() {
        if artifact.format != Format::Object {
            continue;
        }
        let path = artifact.path.to_string();
        // Read the identity from the document itself, whatever the builder declared.
        let Some(id) = artifact.documents.first().and_then(ObjectId::from_value) else {
            findings.push(Finding::file(
                &path,
                OBJECT_IDENTITY,
                "a Kubernetes object without apiVersion, kind or metadata.name",
            ));
            continue;
        };
        let mut report = |rule: &'static str, message: String| {
            findings.push(Finding::object(&path, &id, rule, message))
        };
        if id.api_version == "v1" && id.kind == "Secret" {
            report(
                NO_SECRET,
                "a Secret in generated/ would put credentials in git; use an ExternalSecret from OpenBao"
                    .into(),
            );
        }
        if id.group() == "argoproj.io"
            && matches!(id.kind.as_str(), "Application" | "AppProject")
            && let Some(first) = in_argocd.insert(
                (id.group().to_owned(), id.kind.clone(), id.name.clone()),
                path.clone(),
            )
        {
            report(
                UNIQUE_IN_ARGOCD,
                format!(
                    "{} {} is also rendered at {first}; both land in the hub's {} namespace",
                    id.kind,
                    id.name,
                    layout::ARGOCD_NAMESPACE
                ),
            );
        }
        if id.kind != "Application" || id.group() != "argoproj.io" {
            continue;
        }
        let doc = &artifact.documents[0];
        for source in app_sources(doc) {
            let repo = source.get("repoURL").and_then(Value::as_str).unwrap_or("");
            if let Some(chart) = source.get("chart").and_then(Value::as_str) {
                let version = source
                    .get("targetRevision")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !EXACT_VERSION.is_match(version) {
                    report(
                        CHART_PINNED,
                        format!("chart {chart} is not pinned to an exact version ({version:?})"),
                    );
                }
                for file in value_files(source) {
                    match file.strip_prefix("$values/").and_then(layout::tree_path) {
                        Some(rel) => match tree.get(rel) {
                            Some(a) if a.format == Format::HelmValues => {}
                            _ => report(
                                VALUES_FILE,
                                format!("values file {file} is not a rendered Helm values file"),
                            ),
                        },
                        None => report(
                            VALUES_FILE,
                            format!("values file {file} is not under $values/{generated}"),
                        ),
                    }
                }
            } else if repo == settings.repository.url {
                if let Some(p) = source.get("path").and_then(Value::as_str) {
                    match layout::tree_path(p) {
                        Some(rel) => {
                            app_paths.insert(format!("{rel}/"));
                        }
                        None => report(APP_SOURCE, format!("path {p} is outside {generated}")),
                    }
                }
            } else {
                report(
                    APP_SOURCE,
                    format!("source {repo} is neither this repository nor a pinned chart"),
                );
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
                    findings.push(Finding::file(
                        path,
                        APP_PATH_OBJECTS,
                        format!(
                            "{:?} file inside Application path {dir}; ArgoCD would try to apply it",
                            artifact.format
                        ),
                    ));
                }
            }
        }
        if !seen {
            findings.push(Finding::file(
                dir.clone(),
                APP_PATH_OBJECTS,
                "an Application syncs this folder but nothing is rendered into it",
            ));
        }
    }
    findings
}
