//! Reachable and bootstrappable:
//! - `ui-reachable`: every host under the hub's base domain that the README or the tree
//!   names (a UI's `root_url`, a link) is served by an HTTPRoute; every
//!   `kubectl port-forward svc/NAME -n NS` the README documents names an existing Service.
//! - `secret-documented`: every (OpenBao path, property) an ExternalSecret reads is documented
//!   in a table row of docs/secrets.md (the row names `` `secret/<key>` `` and
//!   `` `<property>` ``) and seeded by a task (a Taskfile line names `secret/<key>` and then
//!   `<property>=`).
//! - `updater-target`: Image Updater follows only Applications it can update (a Helm chart or
//!   Kustomize source; a plain directory is ignored), every ImageUpdater `applicationRefs`
//!   entry selects an Application, and no Application carries v0 annotations that v1 ignores.
//!   Every Application is inspected, so the count is never zero on a tree with Applications.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde_json::Value;

use super::{Facts, HUB, Lab, Obj, Rules, keyed, labels, refs, selects, strings};
use lab_model::Settings;

pub(crate) const UI: &str = "ui-reachable";
pub(crate) const SECRET: &str = "secret-documented";
pub(crate) const UPDATER: &str = "updater-target";

pub(crate) fn check(lab: &Lab, settings: &Settings, facts: &Facts, out: &mut Rules) {
    ui(lab, settings, facts, out);
    secrets(lab, facts, out);
    updater(lab, out);
}

fn ui(lab: &Lab, settings: &Settings, facts: &Facts, out: &mut Rules) {
    let domain = regex::escape(&settings.hub.base_domain);
    let host = Regex::new(&format!(r"\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.{domain}\b"))
        .expect("valid regex");
    let routed: BTreeSet<String> = lab
        .objects
        .iter()
        .filter(|o| o.id.kind == "HTTPRoute")
        .flat_map(|o| {
            o.doc
                .pointer("/spec/hostnames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str().map(str::to_owned))
        })
        .collect();
    let served = |h: &str| routed.contains(h);
    // Hosts the tree names outside routes and certificates (which list them on purpose).
    for o in &lab.objects {
        if matches!(o.id.kind.as_str(), "HTTPRoute" | "Certificate") {
            continue;
        }
        let mut found = Vec::new();
        strings(o.doc, String::new(), &mut found);
        for (at, s) in found {
            for m in host.find_iter(s) {
                if s[..m.start()].ends_with("*.") {
                    continue;
                }
                out.checked(UI);
                if !served(m.as_str()) {
                    out.object(
                        o,
                        UI,
                        format!("{at}: {} is named but no HTTPRoute serves it", m.as_str()),
                    );
                }
            }
        }
    }
    for cluster in lab.clusters() {
        for (path, _, _, doc) in lab.values_on(cluster) {
            let mut found = Vec::new();
            strings(doc, String::new(), &mut found);
            for (at, s) in found {
                for m in host.find_iter(s) {
                    out.checked(UI);
                    if !served(m.as_str()) {
                        out.file(
                            path,
                            UI,
                            format!("{at}: {} is named but no HTTPRoute serves it", m.as_str()),
                        );
                    }
                }
            }
        }
    }
    for m in host.find_iter(&facts.readme) {
        if facts.readme[..m.start()].ends_with("*.") {
            continue;
        }
        out.checked(UI);
        if !served(m.as_str()) {
            out.file(
                Facts::README,
                UI,
                format!(
                    "the README advertises {} but no HTTPRoute serves it",
                    m.as_str()
                ),
            );
        }
    }
    let forward = Regex::new(
        r"(?:-n\s+([a-z0-9-]+)\s+)?port-forward\s+(?:-n\s+([a-z0-9-]+)\s+)?svc/([a-z0-9-]+)(?:\s+-n\s+([a-z0-9-]+))?",
    )
    .expect("valid regex");
    let services = refs::services(lab, HUB);
    for c in forward.captures_iter(&facts.readme) {
        out.checked(UI);
        let ns = [1, 2, 4]
            .iter()
            .find_map(|&i| c.get(i))
            .map(|m| m.as_str())
            .unwrap_or("default");
        let e = refs::Endpoint {
            service: c[3].to_owned(),
            namespace: ns.to_owned(),
            port: None,
        };
        if let Err(m) = refs::resolve(&services, &e) {
            out.file(
                Facts::README,
                UI,
                format!("the README port-forwards to {ns}/{}: {m}", &c[3]),
            );
        }
    }
}

/// One OpenBao read of an ExternalSecret: a path below the `secret/` mount and the property
/// read (`None` for `dataFrom.extract`, which reads every property of the path).
type Read<'v> = (&'v str, Option<&'v str>);

/// Every (path, property) an ExternalSecret reads.
fn reads(doc: &Value) -> BTreeSet<Read<'_>> {
    let mut refs = Vec::new();
    keyed(doc, "remoteRef", String::new(), &mut refs);
    let mut out: BTreeSet<Read> = refs
        .iter()
        .filter_map(|(_, v)| {
            let key = v.get("key")?.as_str()?;
            Some((key, v.get("property").and_then(Value::as_str)))
        })
        .collect();
    let mut whole = Vec::new();
    keyed(doc, "extract", String::new(), &mut whole);
    out.extend(
        whole
            .iter()
            .filter_map(|(_, v)| Some((v.get("key")?.as_str()?, None))),
    );
    out
}

/// The tokens between backticks in each Markdown table row of `doc` that names
/// `` `secret/<key>` ``.
fn doc_rows<'d>(doc: &'d str, path: &str) -> Vec<BTreeSet<&'d str>> {
    doc.lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(|l| l.split('`').skip(1).step_by(2).collect::<BTreeSet<_>>())
        .filter(|ticks| ticks.contains(path))
        .collect()
}

/// The properties a task writes to `path`: on each Taskfile line that names `path` (as a
/// whole word), every `name=` that follows it, as in `bao kv put secret/a/b user=x pass=y`.
/// `None` when no line names the path at all.
fn seeded<'t>(taskfiles: &'t str, path: &str) -> Option<BTreeSet<&'t str>> {
    let named = Regex::new(&format!(
        r#"(?:^|[^\w/.-])({})(?:[\s"'`;)]|$)"#,
        regex::escape(path)
    ))
    .expect("valid regex");
    let assign = Regex::new(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=").expect("valid regex");
    let mut props = None::<BTreeSet<&str>>;
    for line in taskfiles.lines() {
        if let Some(at) = named.captures(line).and_then(|c| c.get(1)) {
            props.get_or_insert_default().extend(
                assign
                    .captures_iter(&line[at.end()..])
                    .filter_map(|c| c.get(1).map(|g| g.as_str())),
            );
        }
    }
    props
}

fn secrets(lab: &Lab, facts: &Facts, out: &mut Rules) {
    for o in &lab.objects {
        if o.id.kind != "ExternalSecret" || o.id.group() != "external-secrets.io" {
            continue;
        }
        for (key, property) in reads(o.doc) {
            out.checked(SECRET);
            let path = format!("secret/{key}");
            let rows = doc_rows(&facts.secrets_doc, &path);
            let what = match property {
                Some(p) => format!("OpenBao path {path}, property {p},"),
                None => format!("OpenBao path {path}"),
            };
            let documented = match property {
                Some(p) => rows.iter().any(|r| r.contains(p)),
                None => !rows.is_empty(),
            };
            if !documented {
                out.object(
                    o,
                    SECRET,
                    format!(
                        "{what} is read but not documented in a table row of {}",
                        Facts::SECRETS_DOC
                    ),
                );
            }
            let seeds = seeded(&facts.taskfiles, &path);
            let is_seeded = match (property, &seeds) {
                (_, None) => false,
                (Some(p), Some(props)) => props.contains(p),
                (None, Some(_)) => true,
            };
            if !is_seeded {
                out.object(o, SECRET, format!("{what} is read but no task seeds it"));
            }
        }
    }
}

/// `*` and `?` glob, as Image Updater's `namePattern`.
fn glob(pattern: &str, name: &str) -> bool {
    let re = format!(
        "^{}$",
        regex::escape(pattern)
            .replace(r"\*", ".*")
            .replace(r"\?", ".")
    );
    Regex::new(&re).is_ok_and(|r| r.is_match(name))
}

/// The annotation prefix of Image Updater's v0 configuration; v1 reads ImageUpdater objects
/// and ignores these unless an `applicationRefs` entry that selects the Application sets
/// `useAnnotations`.
const UPDATER_ANNOTATIONS: &str = "argocd-image-updater.argoproj.io/";

/// One `applicationRefs` entry of an ImageUpdater: which Applications it selects.
struct AppRef<'v> {
    updater: &'v Obj<'v>,
    pattern: &'v str,
    labels: BTreeMap<&'v str, &'v str>,
    namespace: &'v str,
    annotations: bool,
}

impl AppRef<'_> {
    fn selects(&self, app: &Obj) -> bool {
        let ns = app
            .doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        glob(self.pattern, &app.id.name)
            && ns == self.namespace
            && selects(&self.labels, &labels(app.doc, "/metadata/labels"))
    }
}

/// Every Application is inspected: the ImageUpdater entries that select it must find a Helm or
/// Kustomize source, and v0 annotations must not sit where nothing reads them. Every
/// `applicationRefs` entry must select some Application.
fn updater(lab: &Lab, out: &mut Rules) {
    let mut app_refs = Vec::new();
    for o in &lab.objects {
        if o.id.kind != "ImageUpdater" || o.id.group() != "argocd-image-updater.argoproj.io" {
            continue;
        }
        // v1.0's CRD names the Applications' namespace in `spec.namespace`; later ones use
        // the object's own.
        let namespace = o
            .doc
            .pointer("/spec/namespace")
            .or_else(|| o.doc.pointer("/metadata/namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        for r in o
            .doc
            .pointer("/spec/applicationRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(pattern) = r.get("namePattern").and_then(Value::as_str) else {
                continue;
            };
            app_refs.push(AppRef {
                updater: o,
                pattern,
                labels: labels(r, "/labelSelectors/matchLabels"),
                namespace,
                annotations: r.get("useAnnotations").and_then(Value::as_bool) == Some(true),
            });
        }
    }
    let apps: Vec<&Obj> = lab.apps.iter().map(|a| &lab.objects[a.obj]).collect();
    for r in &app_refs {
        out.checked(UPDATER);
        if !apps.iter().any(|a| r.selects(a)) {
            out.object(
                r.updater,
                UPDATER,
                format!(
                    "namePattern {} matches no Application in namespace {}",
                    r.pattern, r.namespace
                ),
            );
        }
    }
    for (a, o) in lab.apps.iter().zip(&apps) {
        out.checked(UPDATER);
        let by: Vec<&AppRef> = app_refs.iter().filter(|r| r.selects(o)).collect();
        let updatable = a
            .sources
            .iter()
            .any(|s| s.get("chart").is_some() || s.get("kustomize").is_some());
        if !updatable {
            for r in &by {
                out.object(
                    r.updater,
                    UPDATER,
                    format!("Application {} is a plain directory; Image Updater only updates Helm or Kustomize Applications", a.name),
                );
            }
        }
        let annotated = o
            .doc
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .is_some_and(|m| m.keys().any(|k| k.starts_with(UPDATER_ANNOTATIONS)));
        if annotated && !by.iter().any(|r| r.annotations) {
            out.object(
                o,
                UPDATER,
                format!("Application {} carries {UPDATER_ANNOTATIONS}* annotations, which Image Updater v1 ignores unless an ImageUpdater selecting it sets useAnnotations", a.name),
            );
        }
    }
}
