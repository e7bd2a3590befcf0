//! `crd-installed`: every custom resource's API group is installed on its cluster by an
//! Application of an earlier wave (its chart, a rendered CRD or a Crossplane XRD) or by the
//! bootstrap, and that installer serves the version the object uses. Every chart is one the
//! table of [`super::charts`] describes at the pinned version.

use serde_json::Value;

use super::{BOOTSTRAP, Lab, Rules, charts};

pub(crate) const RULE: &str = "crd-installed";

/// Groups the API server serves without any CRD.
const BUILT_IN: [&str; 19] = [
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "networking.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "apiregistration.k8s.io",
    "resource.k8s.io",
];

/// One source of a group on a cluster.
struct Installer {
    group: String,
    versions: Vec<String>,
    /// Empty: every kind of the group.
    kinds: Vec<String>,
    wave: i64,
    app: Option<usize>,
    by: String,
}

pub(crate) fn check(lab: &Lab, out: &mut Rules) {
    for cluster in lab.clusters() {
        let installers = installers(lab, cluster, out);
        chart_rendered(lab, cluster, &installers, out);
        for o in lab.on(cluster) {
            let group = o.id.group();
            if BUILT_IN.contains(&group) {
                continue;
            }
            out.checked(RULE);
            let version = o.id.api_version.rsplit('/').next().unwrap_or("");
            let wave = lab.wave(o);
            let of_kind: Vec<&Installer> = installers
                .iter()
                .filter(|i| i.group == group)
                .filter(|i| i.kinds.is_empty() || i.kinds.contains(&o.id.kind))
                .collect();
            let before: Vec<&&Installer> = of_kind
                .iter()
                .filter(|i| i.wave < wave || (i.app.is_some() && i.app == o.app))
                .collect();
            if of_kind.is_empty() {
                out.object(
                    o,
                    RULE,
                    format!("nothing on cluster {cluster} installs the CRD of {group} {}; the sync fails on a fresh cluster", o.id.kind),
                );
            } else if before.is_empty() {
                let by: Vec<&str> = of_kind.iter().map(|i| i.by.as_str()).collect();
                out.object(
                    o,
                    RULE,
                    format!(
                        "{group} is installed by {} in wave {}, not before this object's wave {wave}",
                        by.join(", "),
                        of_kind.iter().map(|i| i.wave).min().unwrap_or_default()
                    ),
                );
            } else if !before
                .iter()
                .any(|i| i.versions.iter().any(|v| v == version))
            {
                let served: Vec<String> = before.iter().flat_map(|i| i.versions.clone()).collect();
                out.object(
                    o,
                    RULE,
                    format!(
                        "{group}/{version} is not served by {} (serves {})",
                        before[0].by,
                        served.join(", ")
                    ),
                );
            }
        }
    }
}

/// A chart's own custom resources (its ServiceMonitor, when the values turn it on) need their
/// CRD installed before the chart syncs, as a rendered object would.
fn chart_rendered(lab: &Lab, cluster: &str, installers: &[Installer], out: &mut Rules) {
    for (i, app) in lab.apps.iter().enumerate() {
        if app.cluster != cluster {
            continue;
        }
        for use_ in &app.charts {
            let Some(chart) = charts::find(use_.chart) else {
                continue;
            };
            for r in chart.rendered(&use_.values) {
                out.checked(RULE);
                let installed_before = installers.iter().any(|inst| {
                    inst.group == r.group
                        && (inst.kinds.is_empty() || inst.kinds.iter().any(|k| k == r.kind))
                        && (inst.wave < app.wave || inst.app == Some(i))
                });
                if !installed_before {
                    out.object(
                        &lab.objects[app.obj],
                        RULE,
                        format!(
                            "chart {} renders a {} {} ({} is true), but nothing on {cluster} installs {} before wave {}",
                            use_.chart, r.group, r.kind, r.flag, r.group, app.wave
                        ),
                    );
                }
            }
        }
    }
}

/// Every installer of a group on `cluster`; a chart the table does not describe at its pinned
/// version is a finding on its Application.
fn installers(lab: &Lab, cluster: &str, out: &mut Rules) -> Vec<Installer> {
    let mut found = Vec::new();
    if let Some((chart, version)) = bootstrap_chart(lab, cluster)
        && let Some(c) = charts::find(&chart)
        && c.version == version
    {
        push_chart(
            &mut found,
            c,
            &[],
            BOOTSTRAP,
            None,
            format!("the bootstrap's {chart} {version}"),
        );
    }
    for (i, app) in lab.apps.iter().enumerate() {
        if app.cluster != cluster {
            continue;
        }
        for use_ in &app.charts {
            out.checked(RULE);
            let o = &lab.objects[app.obj];
            match charts::find(use_.chart) {
                None => out.object(
                    o,
                    RULE,
                    format!(
                        "chart {} is not described in lab-validate's chart table (cluster/charts.rs): what it installs is unknown",
                        use_.chart
                    ),
                ),
                Some(c) if c.version != use_.version => out.object(
                    o,
                    RULE,
                    format!(
                        "chart {} is pinned at {} but lab-validate's chart table describes {}; check what {} installs and update the table",
                        use_.chart, use_.version, c.version, use_.version
                    ),
                ),
                Some(c) => push_chart(
                    &mut found,
                    c,
                    &use_.values,
                    app.wave,
                    Some(i),
                    format!("Application {} (chart {} {})", app.name, c.chart, c.version),
                ),
            }
        }
    }
    for o in lab.on(cluster) {
        let spec = |p: &str| o.doc.pointer(p);
        let crd = o.id.kind == "CustomResourceDefinition" && o.id.group() == "apiextensions.k8s.io";
        let xrd = o.id.kind == "CompositeResourceDefinition"
            && o.id.group() == "apiextensions.crossplane.io";
        if !(crd || xrd) {
            continue;
        }
        let Some(group) = spec("/spec/group").and_then(Value::as_str) else {
            continue;
        };
        let versions = spec("/spec/versions")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter(|v| v.get("served") != Some(&Value::Bool(false)))
                    .filter_map(|v| v.get("name")?.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let kinds = spec("/spec/names/kind")
            .and_then(Value::as_str)
            .map(|k| vec![k.to_owned()])
            .unwrap_or_default();
        found.push(Installer {
            group: group.to_owned(),
            versions,
            kinds,
            wave: lab.wave(o),
            app: o.app,
            by: format!("{} {} ({})", o.id.kind, o.id.name, o.path),
        });
    }
    found
}

fn push_chart(
    found: &mut Vec<Installer>,
    c: &charts::Chart,
    values: &[&Value],
    wave: i64,
    app: Option<usize>,
    by: String,
) {
    for g in c.installed(values) {
        found.push(Installer {
            group: g.group.to_owned(),
            versions: g.versions.iter().map(|v| (*v).to_owned()).collect(),
            kinds: g.kinds.iter().map(|k| (*k).to_owned()).collect(),
            wave,
            app,
            by: by.clone(),
        });
    }
}

/// The chart a task installs before ArgoCD (`<cluster>/bootstrap/bootstrap.env`).
fn bootstrap_chart(lab: &Lab, cluster: &str) -> Option<(String, String)> {
    let env = lab
        .tree
        .get(&format!("{cluster}/bootstrap/bootstrap.env"))?;
    let doc = env.documents.first()?;
    let get = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    Some((get("ARGOCD_CHART")?, get("ARGOCD_CHART_VERSION")?))
}
