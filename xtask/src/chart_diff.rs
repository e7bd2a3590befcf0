//! `cargo xtask diff --charts DIR`: what a chart bump or a values change really does. For each
//! Application whose chart version or values differ between the two trees, `helm template` both
//! sides (charts from `DIR/<chart>-<version>/`, see `.ci/pull-charts.sh`) and diff the rendered
//! manifests object by object with `lab_core::diff`, under the group `<cluster>/<app>/chart`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use lab_core::ObjectId;
use lab_core::diff::Report;
use lab_core::fs::DiskTree;
use lab_validate::chart_values::{app_sources, chart_pin, rendered_value_files};
use serde_json::Value;

/// One Application's chart source on one side of the diff.
#[derive(Debug, PartialEq)]
struct ChartUse {
    chart: String,
    version: String,
    release: String,
    namespace: String,
    /// The values files' bytes, in order.
    values: Vec<Vec<u8>>,
}

/// The chart-expanded report (an empty one when nothing chart-related changed) and notes about
/// what could not be expanded.
pub fn expand(old: &DiskTree, new: &DiskTree, charts: &Path) -> Result<(Report, Vec<String>)> {
    let (before, after) = (uses(old), uses(new));
    let mut changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|app| before.get(*app) != after.get(*app))
        .collect();
    changed.sort();
    changed.dedup();
    let mut notes = Vec::new();
    if changed.is_empty() {
        return Ok((Report::default(), notes));
    }
    let helm = Command::new("helm").arg("version").arg("--short").output();
    if !helm.is_ok_and(|o| o.status.success()) {
        bail!(
            "`diff --charts` needs helm on PATH to template {} changed chart Application(s) \
             (https://helm.sh/docs/intro/install/)",
            changed.len()
        );
    }
    let (mut old_objects, mut new_objects) = (DiskTree::new(), DiskTree::new());
    for app in changed {
        for (side, uses, objects) in [
            ("base", &before, &mut old_objects),
            ("head", &after, &mut new_objects),
        ] {
            let Some(u) = uses.get(app) else { continue };
            let dir = charts.join(format!("{}-{}", u.chart, u.version));
            if !dir.join("Chart.yaml").is_file() {
                notes.push(format!(
                    "{app}: chart {} {} ({side}) is not in {}; not expanded",
                    u.chart,
                    u.version,
                    charts.display()
                ));
                continue;
            }
            let stream =
                template(&dir, u).with_context(|| format!("helm template of {app} ({side})"))?;
            objects.extend(split_stream(&format!("{app}/chart"), &stream));
        }
    }
    Ok((Report::between(&old_objects, &new_objects), notes))
}

/// Every Application with a chart source, by `<cluster>/<app>` (the diff's group names).
fn uses(tree: &DiskTree) -> BTreeMap<String, ChartUse> {
    let mut out = BTreeMap::new();
    for (path, bytes) in tree {
        let Some((cluster, file)) = path.split_once("/apps/") else {
            continue;
        };
        if !file.starts_with("application-") {
            continue;
        }
        let Ok(doc) = serde_saphyr::from_str::<Value>(&String::from_utf8_lossy(bytes)) else {
            continue;
        };
        for source in app_sources(&doc) {
            let Some((chart, version)) = chart_pin(source) else {
                continue;
            };
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let values = rendered_value_files(source)
                .map(|f| tree.get(f).cloned().unwrap_or_default())
                .collect();
            out.insert(
                format!("{cluster}/{name}"),
                ChartUse {
                    chart: chart.to_owned(),
                    version: version.to_owned(),
                    release: source
                        .pointer("/helm/releaseName")
                        .and_then(Value::as_str)
                        .unwrap_or(name)
                        .to_owned(),
                    namespace: doc
                        .pointer("/spec/destination/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or("default")
                        .to_owned(),
                    values,
                },
            );
        }
    }
    out
}

fn template(chart_dir: &Path, u: &ChartUse) -> Result<String> {
    let scratch = std::env::temp_dir().join(format!("lab-chart-diff-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let mut cmd = Command::new("helm");
    cmd.args(["template", &u.release]).arg(chart_dir).args([
        "--namespace",
        &u.namespace,
        "--include-crds",
    ]);
    let mut files: Vec<PathBuf> = Vec::new();
    for (i, bytes) in u.values.iter().enumerate() {
        let f = scratch.join(format!("values-{i}.yaml"));
        std::fs::write(&f, bytes)?;
        cmd.arg("--values").arg(&f);
        files.push(f);
    }
    let output = cmd.output().context("running helm");
    let _ = std::fs::remove_dir_all(&scratch);
    let output = output?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A multi-document YAML stream as one file per object, `<group>/<kind>-<namespace>-<name>.yaml`
/// (a second object with the same identity gets a numeric suffix). Documents without an
/// identity (empty ones, comments only) are dropped.
pub fn split_stream(group: &str, stream: &str) -> DiskTree {
    let mut out = DiskTree::new();
    let mut doc = String::new();
    let flush = |doc: &mut String, out: &mut DiskTree| {
        let text = std::mem::take(doc);
        let Ok(value) = serde_saphyr::from_str::<Value>(&text) else {
            return;
        };
        let Some(id) = ObjectId::from_value(&value) else {
            return;
        };
        let mut stem = format!("{}-", id.kind.to_ascii_lowercase());
        if let Some(ns) = &id.namespace {
            stem.push_str(ns);
            stem.push('-');
        }
        stem.push_str(&id.name);
        let mut path = format!("{group}/{stem}.yaml");
        let mut n = 2;
        while out.contains_key(&path) {
            path = format!("{group}/{stem}-{n}.yaml");
            n += 1;
        }
        out.insert(path, text.into_bytes());
    };
    for line in stream.lines() {
        if line == "---" || line.starts_with("--- ") {
            flush(&mut doc, &mut out);
            continue;
        }
        doc.push_str(line);
        doc.push('\n');
    }
    flush(&mut doc, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: demo\n  namespace: web\nspec:\n  ports:\n  - port: 80\n---\n# Source: demo/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\n  namespace: web\nspec:\n  replicas: 1\n---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  namespace: web\n";
    const HEAD: &str = "---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: demo\n  namespace: web\nspec:\n  ports:\n  - port: 80\n---\n# Source: demo/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\n  namespace: web\nspec:\n  replicas: 2\n---\n---\n# Source: demo/templates/crb.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: demo\n";

    #[test]
    fn two_template_outputs_diff_object_by_object() {
        let old = split_stream("hub/demo/chart", BASE);
        let new = split_stream("hub/demo/chart", HEAD);
        assert_eq!(
            new.keys().collect::<Vec<_>>(),
            [
                "hub/demo/chart/clusterrolebinding-demo.yaml",
                "hub/demo/chart/deployment-web-demo.yaml",
                "hub/demo/chart/service-web-demo.yaml",
            ],
            "one file per object; the empty document is dropped"
        );
        let report = Report::between(&old, &new);
        assert_eq!(report.counts_line(), "1 added, 1 changed, 1 removed");
        assert_eq!(report.groups.keys().collect::<Vec<_>>(), ["hub/demo/chart"]);
        let changed: Vec<_> = report
            .changes()
            .filter(|c| c.kind == lab_core::diff::ChangeKind::Changed)
            .collect();
        assert_eq!(changed[0].object.as_deref(), Some("Deployment web/demo"));
        assert!(
            changed[0]
                .unified
                .contains("-  replicas: 1\n+  replicas: 2"),
            "{}",
            changed[0].unified
        );
    }

    #[test]
    fn same_identity_twice_is_kept_apart() {
        let twice = format!("{BASE}---\n{}", BASE.split("---\n").nth(1).unwrap());
        let objects = split_stream("g", &twice);
        assert!(objects.contains_key("g/service-web-demo.yaml"));
        assert!(objects.contains_key("g/service-web-demo-2.yaml"));
    }

    const APP: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: demo\n  namespace: argocd\nspec:\n  destination:\n    namespace: web\n  sources:\n  - chart: demo\n    repoURL: https://example.org\n    targetRevision: \"1.0.0\"\n    helm:\n      releaseName: demo\n      valueFiles:\n      - $values/generated/hub/values/demo.yaml\n";

    fn tree(app: &str, values: &str) -> DiskTree {
        [
            (
                "hub/apps/application-demo.yaml".to_owned(),
                app.as_bytes().to_vec(),
            ),
            (
                "hub/values/demo.yaml".to_owned(),
                values.as_bytes().to_vec(),
            ),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn nothing_chart_related_changed_needs_no_helm() {
        let t = tree(APP, "a: 1\n");
        let (report, notes) = expand(&t, &t, Path::new("/nonexistent")).unwrap();
        assert!(report.is_empty() && notes.is_empty());
    }

    #[test]
    fn a_values_or_version_change_is_a_chart_change() {
        let (a, b) = (tree(APP, "a: 1\n"), tree(APP, "a: 2\n"));
        assert_ne!(uses(&a), uses(&b));
        let bumped = tree(&APP.replace("1.0.0", "1.1.0"), "a: 1\n");
        let u = uses(&bumped);
        assert_eq!(u["hub/demo"].version, "1.1.0");
        assert_eq!(u["hub/demo"].namespace, "web");
        assert_eq!(u["hub/demo"].values, [b"a: 1\n".to_vec()]);
    }
}
