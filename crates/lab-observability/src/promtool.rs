//! Plain Prometheus rule files out of PrometheusRule objects, for `promtool check rules`,
//! `promtool test rules` and a bare Prometheus server: `spec` of a PrometheusRule is exactly a
//! rule file's `{groups: [...]}`.

use lab_core::{Artifact, Format, Object, Tree};
use serde_json::Value;

fn is_prometheus_rule(api_version: &str, kind: &str) -> bool {
    kind == "PrometheusRule" && api_version.starts_with("monitoring.coreos.com/")
}

/// `(file name, rule file as YAML)` for each PrometheusRule among `objects`, named
/// `<namespace>-<name>.yaml`.
pub fn rule_files_of(objects: &[Object]) -> Result<Vec<(String, String)>, lab_core::Error> {
    let mut out = Vec::new();
    for o in objects {
        if !is_prometheus_rule(&o.id.api_version, &o.id.kind) {
            continue;
        }
        out.push(rule_file(&o.id.namespace, &o.id.name, &o.value)?);
    }
    out.sort();
    Ok(out)
}

fn rule_file(
    namespace: &Option<String>,
    name: &str,
    object: &Value,
) -> Result<(String, String), lab_core::Error> {
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    let file = match namespace {
        Some(ns) => format!("{ns}-{name}.yaml"),
        None => format!("{name}.yaml"),
    };
    let text = lab_core::yaml::to_document(&spec);
    Ok((file, text))
}

/// `(file name, rule file as YAML)` for every PrometheusRule in a rendered tree.
pub fn prometheus_rule_files(tree: &Tree) -> Result<Vec<(String, String)>, lab_core::Error> {
    let mut out = Vec::new();
    for a in tree.artifacts() {
        let Some(id) = &a.object else { continue };
        if is_prometheus_rule(&id.api_version, &id.kind) {
            out.push(rule_file(&id.namespace, &id.name, &a.documents[0])?);
        }
    }
    out.sort();
    Ok(out)
}

/// The same rule files as artifacts under `generated/tests/promtool/` (JSON, which promtool
/// reads as YAML), for the integrator to add to the tree.
pub fn promtool_artifacts(tree: &Tree) -> Result<Vec<Artifact>, lab_core::Error> {
    let mut out = Vec::new();
    for a in tree.artifacts() {
        let Some(id) = &a.object else { continue };
        if !is_prometheus_rule(&id.api_version, &id.kind) {
            continue;
        }
        let ns = id.namespace.as_deref().unwrap_or("cluster");
        let spec = a.documents[0].get("spec").cloned().unwrap_or(Value::Null);
        out.push(Artifact::document(
            lab_core::layout::promtool_rule_file(ns, &id.name)?,
            Format::Json,
            &spec,
        )?);
    }
    Ok(out)
}
